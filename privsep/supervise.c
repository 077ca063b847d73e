/*
 * Supervision (parent only).  The parent spawns each child, hands it its
 * configuration and descriptors when it reports ready, and replaces it when
 * it dies: a new net child gets the same listening sockets (so connections
 * waiting in the backlog are served) and a fresh channel to storage, which
 * keeps the cache; a new storage child starts empty and net reconnects to
 * it.  Nothing a child says is trusted: an unexpected message gets the child
 * killed and respawned, never the parent stopped.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "msg.h"
#include "authcheck.h"
#include "budget.h"
#include "childlog.h"
#include "detach.h"
#include "dispatch.h"
#include "itemmem.h"
#include "proc.h"
#include "sdnotify.h"
#include "supervise.h"
#include "wire.h"

/* Socket buffers of the data channel: room for several full batches. */
#define DATA_SOCKBUF		(4 * 1024 * 1024)

struct child {
	enum proc_role	 ch_role;
	uint32_t	 ch_slot;		/* net: which of -t */
	pid_t		 ch_pid;
	int		 ch_ready;
	struct imsgev	 ch_iev;
	int		 ch_backoff;		/* seconds, 0: at once */
	time_t		 ch_last_death;
	time_t		 ch_loop_logged;	/* "keeps dying", last said */
	struct event	 ch_respawn_ev;
	struct childlog_rate ch_lograte;
	int		 ch_respawn_pending;
	int		 ch_has_listeners;	/* net: this incarnation */
	int		 ch_has_channel;	/* net: to this storage */
	int		 ch_tls_up;		/* net: has a TLS context */
	int		 ch_tls_sent;		/* net: sv_tls sent, verdict due */
	time_t		 ch_auth_second;	/* logins checked this second */
	unsigned int	 ch_auth_checks;
	uint32_t	 ch_restarts;
};

static struct supervise_conf	 sv;
/*
 * The TLS files every new net child gets (sv_tls), and a reload's until a
 * running net child says whether they work (sv_tls_gen names them, as the
 * peerid of their IMSG_CFG_TLS_END).  Only a new net child's verdict is
 * trusted: it has read no client byte yet.  Until one has built sv_tls
 * (sv_tls_confirmed), sv_tls_good keeps the set one did build: a new net
 * child that refuses a reload's files, which a compromised child may have
 * vouched for, brings the good set back.  At start there is none: no
 * listener is handed out before a new child built the files, and its
 * refusal ends the start.
 */
static struct tls_files		 sv_tls, sv_tls_next, sv_tls_good;
static int			 sv_tls_set, sv_tls_next_set;
static int			 sv_tls_confirmed, sv_tls_good_set;
static uint32_t			 sv_tls_gen;
/* children[0] is storage, then the -t net children. */
static struct child		 children[1 + NET_CHILDREN_MAX];
static size_t			 nchildren;
#define STORAGE			(&children[0])
static int			 sv_listening_logged;
/* Every net child served once: from then on a death is only respawned. */
static int			 sv_served;
static int			 sv_stopping;

static void	supervise_dispatch(int, short, void *);
static void	supervise_kill(struct child *, const char *);
static void	supervise_listen(struct child *);

static void
supervise_spawn(struct child *ch)
{
	struct proc_args	 pa;
	enum proc_role		 role = ch->ch_role;
	int			 fd;

	memset(&pa, 0, sizeof(pa));
	pa.pa_role = role;
	pa.pa_user = sv.sc_user;
	pa.pa_chroot = sv.sc_conf->c_chroot;
	pa.pa_nofile = role == PROC_NET ? sv.sc_net_nofile :
	    sv.sc_storage_nofile;
	pa.pa_data = budget_data(sv.sc_conf, role);
	pa.pa_verbose = sv.sc_conf->c_verbose;
	pa.pa_sandbox = sv.sc_conf->c_sandbox;
	if ((ch->ch_pid = proc_spawn(sv.sc_self, sv.sc_selffd, &pa,
	    &fd)) == -1) {
		/* Out of processes or memory: try again after a back-off. */
		log_warn("cannot start %s child", proc_role_name(role));
		ch->ch_pid = 0;
		return;
	}
	/* The rate is each child's own: a new one must not pay for the last. */
	if (ch->ch_lograte.cr_dropped > 0)
		log_warnx("%s: %u log lines dropped (too many a second)",
		    proc_role_name(role), ch->ch_lograte.cr_dropped);
	memset(&ch->ch_lograte, 0, sizeof(ch->ch_lograte));
	ch->ch_ready = 0;
	ch->ch_has_listeners = 0;
	ch->ch_has_channel = 0;
	ch->ch_tls_up = 0;
	ch->ch_tls_sent = 0;
	if (imsgev_init(&ch->ch_iev, fd, supervise_dispatch, ch) == -1)
		fatal("control channel of %s", proc_role_name(role));
	/* The parent hands children descriptors, never the reverse. */
	imsgev_allow_fdsend(&ch->ch_iev);
	imsgev_start(&ch->ch_iev);
	log_debug("started %s child, pid %d", proc_role_name(role),
	    (int)ch->ch_pid);
}

/*
 * Whether ch can take one more message.  A child that reads nothing must
 * not make us hold its messages without end: past what two full
 * configurations take, it is killed.
 */
static int
supervise_room(struct child *ch)
{
	if (!ch->ch_iev.iev_active)
		return (0);
	if (imsgbuf_queuelen(&ch->ch_iev.iev_ibuf) >= SUPERVISE_QUEUE_MAX) {
		supervise_kill(ch, "does not read its control channel");
		return (0);
	}
	return (1);
}

/* A message to ch; dropped (fd closed) when ch is gone or killed. */
static void
supervise_compose(struct child *ch, uint32_t type, int fd, const void *data,
    size_t len)
{
	if (!supervise_room(ch)) {
		if (fd != -1)
			close(fd);
		return;
	}
	if (imsgev_compose(&ch->ch_iev, type, 0, fd, data, len) == -1)
		fatal("compose to %s", proc_role_name(ch->ch_role));
}

/*
 * The TLS files in chunks the control channel can carry, then the
 * settings that make net build its context from them: sv_tls once to a
 * new child, a reload's to a child that serves TLS already (it keeps its
 * context if they fail), nothing otherwise.
 */
static void
supervise_send_tls(struct child *ch)
{
	const struct tls_files	*tf = &sv_tls;
	struct tls_pem_chunk	 tc;
	struct ibuf		*ib;
	size_t			 kind, off;
	uint32_t		 gen = 0;

	if (!sv_tls_set)
		return;
	if (ch->ch_tls_up) {
		if (!sv_tls_next_set)
			return;
		tf = &sv_tls_next;
		gen = sv_tls_gen;
	} else if (ch->ch_tls_sent)
		return;
	else
		ch->ch_tls_sent = 1;
	for (kind = 0; kind < TLS_PEM_MAX; kind++) {
		for (off = 0; off < tf->tf_len[kind]; off += tc.tc_len) {
			if (!supervise_room(ch))
				return;
			tc.tc_kind = kind;
			tc.tc_len = tf->tf_len[kind] - off;
			if (tc.tc_len > TLS_PEM_CHUNK)
				tc.tc_len = TLS_PEM_CHUNK;
			if ((ib = imsg_create(&ch->ch_iev.iev_ibuf,
			    IMSG_CFG_TLS_PEM, 0, 0, sizeof(tc) +
			    tc.tc_len)) == NULL ||
			    imsg_add(ib, &tc, sizeof(tc)) == -1 ||
			    imsg_add(ib, tf->tf_pem[kind] + off,
			    tc.tc_len) == -1)
				fatal("compose TLS files to net");
			imsg_close(&ch->ch_iev.iev_ibuf, ib);
		}
	}
	if (supervise_room(ch) && imsgev_compose(&ch->ch_iev,
	    IMSG_CFG_TLS_END, gen, -1, &tf->tf_params,
	    sizeof(tf->tf_params)) == -1)
		fatal("compose TLS settings to net");
}

void
supervise_set_tls(struct tls_files *tf)
{
	tlsfiles_clear(&sv_tls);
	sv_tls = *tf;
	sv_tls_set = 1;
	sv_tls_confirmed = 0;
	memset(tf, 0, sizeof(*tf));
}

/* A running child built the reload's files: new children get them. */
static void
supervise_tls_adopt(void)
{
	if (sv_tls_confirmed) {
		tlsfiles_clear(&sv_tls_good);
		sv_tls_good = sv_tls;
		sv_tls_good_set = 1;
	} else
		tlsfiles_clear(&sv_tls);
	sv_tls = sv_tls_next;
	sv_tls_confirmed = 0;
	memset(&sv_tls_next, 0, sizeof(sv_tls_next));
	sv_tls_next_set = 0;
}

/*
 * A new net child's verdict on sv_tls: 0 to go on, -1 when the child is
 * to be killed (the good set is back for the next one).  A start whose
 * files fail ends here.
 */
static int
supervise_tls_verdict(struct child *ch, uint32_t ok)
{
	if (ok) {
		sv_tls_confirmed = 1;
		tlsfiles_clear(&sv_tls_good);
		sv_tls_good_set = 0;
		return (0);
	}
	if (sv_tls_confirmed) {
		supervise_kill(ch, "refuses the TLS files that work");
		return (-1);
	}
	if (sv_tls_good_set) {
		log_warnx("a new net child cannot use the TLS files a reload "
		    "read; back to the certificate before");
		tlsfiles_clear(&sv_tls);
		sv_tls = sv_tls_good;
		sv_tls_confirmed = 1;
		memset(&sv_tls_good, 0, sizeof(sv_tls_good));
		sv_tls_good_set = 0;
		supervise_kill(ch, "refused the reloaded TLS files");
		return (-1);
	}
	log_warnx("the TLS files (-o ssl_chain_cert, ssl_key, ssl_ca_cert) "
	    "do not make a working certificate: the %s child says why "
	    "above; not starting", proc_role_name(ch->ch_role));
	supervise_stop(1);
}

void
supervise_offer_tls(struct tls_files *tf)
{
	tlsfiles_clear(&sv_tls_next);
	sv_tls_next = *tf;
	sv_tls_next_set = 1;
	/* 0 names the files that worked. */
	if (++sv_tls_gen == 0)
		sv_tls_gen = 1;
	memset(tf, 0, sizeof(*tf));
}

/* One net child's share of a limit, rounded up. */
static uint32_t
supervise_share(uint32_t limit)
{
	uint32_t	n = nchildren - 1;

	return (limit / n + (limit % n != 0));
}

/* What storage must refuse even from a net child: the flags' word. */
static void
supervise_policy(struct child *ch)
{
	struct cache_policy	cp;

	memset(&cp, 0, sizeof(cp));
	cp.cp_flush_enabled = sv.sc_conf->c_net.nc_live.nl_flush_enabled;
	supervise_compose(ch, IMSG_CFG_POLICY, -1, &cp, sizeof(cp));
}

static void
supervise_configure(struct child *ch)
{
	struct config	*conf = sv.sc_conf;
	struct net_conf	 nc;
	size_t		 i;
	int		 fd;

	if (ch->ch_role == PROC_STORAGE) {
		/* Each storage child its own copy; ours outlives them all. */
		itemmem_resize(sv.sc_memfd, &conf->c_cache);
		if ((fd = dup(sv.sc_memfd)) == -1)
			fatal("dup item memory");
		supervise_compose(ch, IMSG_CFG_CACHE, fd, &conf->c_cache,
		    sizeof(conf->c_cache));
		supervise_policy(ch);
		return;
	}
	/* What net needs besides the flags, in its copy only. */
	nc = conf->c_net;
	nc.nc_cache = conf->c_cache;
	nc.nc_start_time = sv.sc_start_time;
	nc.nc_tcp_port = conf->c_port;
	nc.nc_backlog = conf->c_backlog;
	nc.nc_live.nl_verbose = conf->c_verbose;
	nc.nc_net_restarts = 0;
	for (i = 1; i < nchildren; i++)
		nc.nc_net_restarts += children[i].ch_restarts;
	nc.nc_storage_restarts = STORAGE->ch_restarts;
	nc.nc_net_children = nchildren - 1;
	/*
	 * Each net child gets its share of the connection limits, so that
	 * together they never pass what the operator set.
	 */
	nc.nc_live.nl_maxconns_all = nc.nc_live.nl_maxconns;
	nc.nc_live.nl_conn_per_ip_all = nc.nc_live.nl_conn_per_ip;
	nc.nc_live.nl_maxconns = supervise_share(nc.nc_live.nl_maxconns);
	if (nc.nc_live.nl_conn_per_ip != 0)
		nc.nc_live.nl_conn_per_ip =
		    supervise_share(nc.nc_live.nl_conn_per_ip);
	supervise_compose(ch, IMSG_CFG_NET, -1, &nc, sizeof(nc));
	supervise_send_tls(ch);
}

/*
 * A net child and storage are both ready: a new channel between them,
 * named by the net child's slot.  A net child that is new also gets its
 * listeners, then the word to start accepting.
 */
static void
supervise_connect(struct child *net)
{
	struct child	*storage = STORAGE;
	int		 sp[2], sz = DATA_SOCKBUF, i;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1)
		fatal("data channel");
	for (i = 0; i < 2; i++) {
		/* Best effort: the kernel may cap it; batching still works. */
		(void)setsockopt(sp[i], SOL_SOCKET, SO_SNDBUF, &sz,
		    sizeof(sz));
		(void)setsockopt(sp[i], SOL_SOCKET, SO_RCVBUF, &sz,
		    sizeof(sz));
	}
	supervise_compose(storage, IMSG_CTL_PEER, sp[0], &net->ch_slot,
	    sizeof(net->ch_slot));
	supervise_compose(net, IMSG_CTL_PEER, sp[1], &net->ch_slot,
	    sizeof(net->ch_slot));
	net->ch_has_channel = 1;
	if (net->ch_has_listeners)
		/* A new storage child: net's stats learn of the restart. */
		supervise_configure(net);
	else
		supervise_listen(net);
}

/*
 * A new net child's listeners, then the word to start accepting: once it
 * has its channel to storage and, with -Z, a TLS context, so that it never
 * reads a client byte before the certificate is known to work.
 */
static void
supervise_listen(struct child *net)
{
	size_t	n;
	int	fd;

	if (net->ch_has_listeners || !net->ch_has_channel ||
	    (sv_tls_set && !net->ch_tls_up))
		return;
	net->ch_has_listeners = 1;
	for (n = 0; n < sv.sc_nlisteners; n++) {
		/* A child may have shut one down for everyone. */
		if (listen_revive(&sv.sc_listeners[n]) == -1)
			continue;
		/* The net child gets a copy; ours outlives every child. */
		if ((fd = dup(sv.sc_listeners[n].l_fd)) == -1)
			fatal("dup listener");
		supervise_compose(net, IMSG_CFG_LISTENER, fd,
		    &sv.sc_listeners[n].l_conf,
		    sizeof(sv.sc_listeners[n].l_conf));
	}
	supervise_compose(net, IMSG_CFG_DONE, -1, NULL, 0);
	if (!sv_listening_logged) {
		for (n = 0; n < sv.sc_nlisteners; n++)
			log_info("listening on %s%s",
			    sv.sc_listeners[n].l_conf.lc_name,
			    sv.sc_listeners[n].l_conf.lc_tls ? " (TLS)" : "");
		sv_listening_logged = 1;
	}
}

/*
 * Every net child listens (so storage is up and, with -Z, the certificate
 * works): the first time, systemd and the shell waiting on -d hear it.
 */
static void
supervise_announce(void)
{
	size_t	i;

	for (i = 1; i < nchildren; i++)
		if (!children[i].ch_ready || !children[i].ch_has_channel ||
		    !children[i].ch_has_listeners)
			return;
	sv_served = 1;
	sdnotify_ready();
	detach_ready();
}

static void
supervise_ready(struct child *ch)
{
	size_t	i;

	ch->ch_ready = 1;
	log_debug("%s child ready", proc_role_name(ch->ch_role));
	supervise_configure(ch);
	/* A replaced net child: the others' stats learn of the restart. */
	if (ch->ch_role == PROC_NET && ch->ch_restarts > 0)
		for (i = 1; i < nchildren; i++)
			if (&children[i] != ch && children[i].ch_ready)
				supervise_configure(&children[i]);
	if (!STORAGE->ch_ready)
		return;
	/* A new storage child: every net child needs a channel to it. */
	if (ch == STORAGE)
		for (i = 1; i < nchildren; i++)
			children[i].ch_has_channel = 0;
	for (i = 1; i < nchildren; i++)
		if (children[i].ch_ready && !children[i].ch_has_channel)
			supervise_connect(&children[i]);
	supervise_announce();
}

/*
 * A child that broke the rules: its channel goes first, so that nothing
 * more it sent is read, then the child.
 */
static void
supervise_kill(struct child *ch, const char *why)
{
	log_warnx("%s child (pid %d): %s; killing it",
	    proc_role_name(ch->ch_role), (int)ch->ch_pid, why);
	ch->ch_ready = 0;
	imsgev_close(&ch->ch_iev);
	if (ch->ch_pid > 0)
		(void)kill(ch->ch_pid, SIGKILL);
}

static int
supervise_on_log(void *arg, struct imsg *imsg)
{
	struct child	*ch = arg;
	struct ibuf	 buf;
	int32_t		 prio;
	const void	*text;
	char		 line[CHILDLOG_ESCAPED_MAX(CTL_LOG_MAX)], who[16];
	size_t		 len;
	unsigned int	 dropped;
	int		 p, trace;

	/* The rule bounded the length. */
	if (imsg_get_ibuf(imsg, &buf) == -1 ||
	    wire_get_i32(&buf, &prio) == -1 ||
	    wire_get_bytes(&buf, len = ibuf_size(&buf), &text) == -1 ||
	    (p = childlog_prio(prio)) == -1) {
		supervise_kill(ch, "malformed log message");
		return (DISPATCH_STOP);
	}
	/* Several net children: say which one speaks. */
	if (ch->ch_role == PROC_NET && nchildren > 2)
		(void)snprintf(who, sizeof(who), "net%u", ch->ch_slot);
	else
		(void)strlcpy(who, proc_role_name(ch->ch_role), sizeof(who));
	trace = sv.sc_conf->c_verbose >= 2;
	switch (childlog_rate(&ch->ch_lograte, time(NULL),
	    trace ? CHILDLOG_RATE_TRACE : CHILDLOG_RATE,
	    trace ? CHILDLOG_KILL_TRACE : CHILDLOG_KILL, &dropped)) {
	case CHILDLOG_FLOOD:
		supervise_kill(ch, "log flood");
		return (DISPATCH_STOP);
	case CHILDLOG_DROP:
		return (DISPATCH_NEXT);
	case CHILDLOG_PASS:
		break;
	}
	if (dropped > 0)
		log_warnx("%s: %u log lines dropped (too many a second)",
		    who, dropped);
	childlog_escape(text, len, line, sizeof(line));
	log_line(who, p, line);
	return (DISPATCH_NEXT);
}

static int
supervise_on_ready(void *arg, struct imsg *imsg)
{
	struct child	*ch = arg;

	(void)imsg;
	if (ch->ch_ready) {
		supervise_kill(ch, "second READY");
		return (DISPATCH_STOP);
	}
	supervise_ready(ch);
	return (DISPATCH_NEXT);
}

static int
supervise_on_shutdown(void *arg, struct imsg *imsg)
{
	struct child	*ch = arg;

	(void)imsg;
	if (!sv.sc_conf->c_net.nc_live.nl_shutdown_enabled) {
		supervise_kill(ch, "shutdown asked without -A");
		return (DISPATCH_STOP);
	}
	log_info("shutdown command received, stopping");
	supervise_stop(0);
}

static int
supervise_on_peer_bad(void *arg, struct imsg *imsg)
{
	struct child	*ch = arg;
	uint32_t	 slot;

	if (imsg_get_data(imsg, &slot, sizeof(slot)) == -1 ||
	    slot >= nchildren - 1) {
		supervise_kill(ch, "bad PEER_BAD");
		return (DISPATCH_STOP);
	}
	/* Net sent storage garbage: it may be compromised. */
	if (children[1 + slot].ch_pid > 0)
		supervise_kill(&children[1 + slot],
		    "storage reports garbage from it");
	return (DISPATCH_NEXT);
}

static int
supervise_on_tls_result(void *arg, struct imsg *imsg)
{
	struct child	*ch = arg;
	uint32_t	 ok;

	if (imsg_get_data(imsg, &ok, sizeof(ok)) == -1 || ok > 1 ||
	    !sv_tls_set) {
		supervise_kill(ch, "bad TLS_RESULT");
		return (DISPATCH_STOP);
	}
	if (imsg_get_id(imsg) == 0) {
		/* The files every new net child gets, once. */
		if (ch->ch_tls_up || !ch->ch_tls_sent) {
			supervise_kill(ch, "second verdict on its TLS files");
			return (DISPATCH_STOP);
		}
		if (supervise_tls_verdict(ch, ok) == -1)
			return (DISPATCH_STOP);
		ch->ch_tls_up = 1;
		supervise_listen(ch);
		supervise_announce();
		return (DISPATCH_NEXT);
	}
	if (!sv_tls_next_set || imsg_get_id(imsg) != sv_tls_gen)
		return (DISPATCH_NEXT);
	if (ok) {
		supervise_tls_adopt();
		log_info("reload: the new TLS certificate is in use");
	} else {
		tlsfiles_clear(&sv_tls_next);
		log_warnx("reload: the TLS files do not make a working "
		    "certificate; keeping the one before");
	}
	sv_tls_next_set = 0;
	return (DISPATCH_NEXT);
}

/*
 * A login a net child forwards.  Past SUPERVISE_AUTH_RATE a second the
 * answer is no without a check: a compromised net child cannot make the
 * parent hash without end.
 */
static int
supervise_on_auth_check(void *arg, struct imsg *imsg)
{
	struct child	*ch = arg;
	struct auth_req	 ar;
	struct ibuf	 buf;
	const void	*u, *p;
	char		 user[AUTH_USER_MAX + 1], pass[AUTH_PASS_MAX + 1];
	uint32_t	 ok = 0;
	time_t		 now = time(NULL);

	if (imsg_get_ibuf(imsg, &buf) == -1 ||
	    ibuf_get(&buf, &ar, sizeof(ar)) == -1 ||
	    ar.ar_ulen > AUTH_USER_MAX || ar.ar_plen > AUTH_PASS_MAX ||
	    ibuf_size(&buf) != (size_t)ar.ar_ulen + ar.ar_plen ||
	    wire_get_bytes(&buf, ar.ar_ulen, &u) == -1 ||
	    wire_get_bytes(&buf, ar.ar_plen, &p) == -1) {
		supervise_kill(ch, "bad AUTH_CHECK");
		return (DISPATCH_STOP);
	}
	if (now != ch->ch_auth_second) {
		ch->ch_auth_second = now;
		ch->ch_auth_checks = 0;
	}
	if (++ch->ch_auth_checks <= SUPERVISE_AUTH_RATE) {
		memcpy(user, u, ar.ar_ulen);
		user[ar.ar_ulen] = '\0';
		memcpy(pass, p, ar.ar_plen);
		pass[ar.ar_plen] = '\0';
		ok = authcheck(&ar, user, pass, now);
		explicit_bzero(pass, sizeof(pass));
	}
	if (supervise_room(ch) && imsgev_compose(&ch->ch_iev,
	    IMSG_CTL_AUTH_RESULT, imsg_get_id(imsg), -1, &ok,
	    sizeof(ok)) == -1)
		fatal("compose AUTH_RESULT");
	return (DISPATCH_NEXT);
}

static const dispatch_fn supervise_handlers[] = {
	[IMSG_CTL_READY] = supervise_on_ready,
	[IMSG_CTL_LOG] = supervise_on_log,
	[IMSG_CTL_PEER_BAD] = supervise_on_peer_bad,
	[IMSG_CTL_SHUTDOWN] = supervise_on_shutdown,
	[IMSG_CTL_TLS_RESULT] = supervise_on_tls_result,
	[IMSG_CTL_AUTH_CHECK] = supervise_on_auth_check,
};
static const struct dispatch supervise_dispatch_tab = {
	DISPATCH_PARENT, supervise_handlers, nitems(supervise_handlers)
};

static void
supervise_dispatch(int fd, short event, void *arg)
{
	struct child	*ch = arg;
	const char	*why;
	int		 rv;

	(void)fd;
	if ((rv = imsgev_io(&ch->ch_iev, event)) <= 0) {
		/* SIGCHLD will tell how it died. */
		if (rv == -1 && errno == EBADMSG)
			supervise_kill(ch, "descriptor or broken frame sent");
		else if (rv == -1)
			supervise_kill(ch, strerror(errno));
		else {
			ch->ch_ready = 0;
			imsgev_close(&ch->ch_iev);
		}
		return;
	}
	if (dispatch_run(&supervise_dispatch_tab, ch->ch_role,
	    &ch->ch_iev.iev_ibuf, ch, &why) == -1) {
		supervise_kill(ch, why);
		return;
	}
	if (ch->ch_iev.iev_active)
		imsgev_add(&ch->ch_iev);
}

static void
supervise_respawn(int fd, short event, void *arg)
{
	struct child	*ch = arg;

	(void)fd;
	(void)event;
	ch->ch_respawn_pending = 0;
	if (sv_stopping)
		return;
	ch->ch_restarts++;
	supervise_spawn(ch);
	if (ch->ch_pid == 0)
		supervise_reap();
}

/*
 * A death: respawn after the back-off, at once after a quiet minute, then
 * 1 s doubling to SUPERVISE_BACKOFF_MAX.  Never give up: a child that
 * keeps dying costs one spawn per back-off, while stopping would lose the
 * cache to whoever can crash a child.  At the cap the log says so once a
 * minute, not at every death.
 */
static void
supervise_lost(struct child *ch, time_t now)
{
	struct timeval	tv;
	int		quiet;

	if (ch->ch_last_death == 0 ||
	    now - ch->ch_last_death >= SUPERVISE_WINDOW)
		ch->ch_backoff = 0;
	else if (ch->ch_backoff == 0)
		ch->ch_backoff = 1;
	else if ((ch->ch_backoff *= 2) > SUPERVISE_BACKOFF_MAX)
		ch->ch_backoff = SUPERVISE_BACKOFF_MAX;
	ch->ch_last_death = now;
	if (ch->ch_respawn_pending)
		return;
	quiet = ch->ch_backoff == SUPERVISE_BACKOFF_MAX &&
	    now - ch->ch_loop_logged < SUPERVISE_WINDOW;
	if (ch->ch_backoff == SUPERVISE_BACKOFF_MAX && !quiet) {
		log_warnx("%s child keeps dying: restarting it every %d s",
		    proc_role_name(ch->ch_role), SUPERVISE_BACKOFF_MAX);
		ch->ch_loop_logged = now;
	} else if (!quiet)
		log_info("restarting %s child in %d s",
		    proc_role_name(ch->ch_role), ch->ch_backoff);
	tv.tv_sec = ch->ch_backoff;
	tv.tv_usec = 0;
	evtimer_set(&ch->ch_respawn_ev, supervise_respawn, ch);
	evtimer_add(&ch->ch_respawn_ev, &tv);
	ch->ch_respawn_pending = 1;
}

static void
supervise_status(int status, char *buf, size_t len)
{
	if (WIFSIGNALED(status))
		(void)snprintf(buf, len, "killed by signal %d (%s)",
		    WTERMSIG(status), strsignal(WTERMSIG(status)));
	else if (WIFEXITED(status))
		(void)snprintf(buf, len, "exited with status %d",
		    WEXITSTATUS(status));
	else
		(void)snprintf(buf, len, "stopped (status %#x)", status);
}

void
supervise_reap(void)
{
	char	 what[128];
	pid_t	 pid;
	time_t	 now = time(NULL);
	size_t	 i;
	int	 status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0; i < nchildren; i++) {
			if (children[i].ch_pid != pid)
				continue;
			supervise_status(status, what, sizeof(what));
			log_warnx("lost child: %s (pid %d) %s",
			    proc_role_name(children[i].ch_role), (int)pid,
			    what);
			/*
			 * Before the daemon first served, a death is the start
			 * failing (a setting, the system; with -t, a client of
			 * a net child already listening has only the moments
			 * until the last one is ready).  Respawning would hide
			 * it from the shell, -d and systemd, who would wait
			 * for ever.
			 */
			if (!sv_served && !sv_stopping) {
				children[i].ch_pid = 0;
				log_warnx("the %s child died before the daemon "
				    "served: the reason is above; not starting",
				    proc_role_name(children[i].ch_role));
				supervise_stop(1);
			}
			children[i].ch_pid = 0;
			children[i].ch_ready = 0;
			imsgev_close(&children[i].ch_iev);
			supervise_lost(&children[i], now);
		}
	}
	/* A spawn that failed outright counts as a death too. */
	for (i = 0; i < nchildren; i++)
		if (children[i].ch_pid == 0 && !children[i].ch_respawn_pending)
			supervise_lost(&children[i], now);
}

void
supervise_start(const struct supervise_conf *conf)
{
	size_t	i;

	dispatch_verify(&supervise_dispatch_tab);
	sv = *conf;
	if (sv.sc_conf->c_threads < 1 ||
	    sv.sc_conf->c_threads > NET_CHILDREN_MAX)
		fatalx("-t %d out of range", sv.sc_conf->c_threads);
	nchildren = 1 + sv.sc_conf->c_threads;
	STORAGE->ch_role = PROC_STORAGE;
	for (i = 1; i < nchildren; i++) {
		children[i].ch_role = PROC_NET;
		children[i].ch_slot = i - 1;
	}
	for (i = 0; i < nchildren; i++) {
		supervise_spawn(&children[i]);
		if (children[i].ch_pid == 0)
			fatalx("cannot start the children");
	}
}

void
supervise_reconfigure(void)
{
	int	verbose = sv.sc_conf->c_verbose;
	size_t	i;

	for (i = 0; i < nchildren; i++) {
		if (!children[i].ch_ready)
			continue;
		supervise_compose(&children[i], IMSG_CTL_VERBOSE, -1,
		    &verbose, sizeof(verbose));
		if (children[i].ch_role == PROC_NET)
			supervise_configure(&children[i]);
		else
			supervise_policy(&children[i]);
	}
}

/* Waits up to ms for children[first..last] to exit; 1 if they did. */
static int
supervise_wait(size_t first, size_t last, int ms)
{
	struct timespec	 ts = { 0, 10 * 1000 * 1000 };
	struct child	*ch;
	size_t		 i, left;
	int		 waited, status;

	for (waited = 0; waited < ms; waited += 10) {
		for (i = first, left = 0; i <= last; i++) {
			ch = &children[i];
			if (ch->ch_pid > 0 && waitpid(ch->ch_pid, &status,
			    WNOHANG) == ch->ch_pid)
				ch->ch_pid = 0;
			if (ch->ch_pid > 0)
				left++;
		}
		if (left == 0)
			return (1);
		nanosleep(&ts, NULL);
	}
	return (0);
}

/* SIGTERM to children[first..last], SIGKILL to whoever outlives ms. */
static void
supervise_stop_range(size_t first, size_t last, int ms)
{
	size_t	i;

	for (i = first; i <= last; i++)
		if (children[i].ch_pid > 0)
			(void)kill(children[i].ch_pid, SIGTERM);
	if (supervise_wait(first, last, ms))
		return;
	for (i = first; i <= last; i++)
		if (children[i].ch_pid > 0)
			(void)kill(children[i].ch_pid, SIGKILL);
	(void)supervise_wait(first, last, 1000);
}

void
supervise_quiesce(void)
{
	size_t	i;

	sv_stopping = 1;
	if (nchildren > 1)
		supervise_stop_range(1, nchildren - 1,
		    SUPERVISE_DRAIN_MS + 1000);
	supervise_stop_range(0, 0, 2000);
	for (i = 0; i < nchildren; i++) {
		children[i].ch_ready = 0;
		imsgev_close(&children[i].ch_iev);
		if (children[i].ch_respawn_pending) {
			evtimer_del(&children[i].ch_respawn_ev);
			children[i].ch_respawn_pending = 0;
		}
	}
}

void
supervise_resume(void)
{
	size_t	i;

	sv_stopping = 0;
	for (i = 0; i < nchildren; i++)
		if (children[i].ch_pid == 0)
			supervise_spawn(&children[i]);
	supervise_reap();
}

void
supervise_stop(int code)
{
	size_t	i;

	sv_stopping = 1;
	sdnotify_stopping();
	/* Net first: they stop accepting and finish what is in flight. */
	if (nchildren > 1)
		supervise_stop_range(1, nchildren - 1,
		    SUPERVISE_DRAIN_MS + 1000);
	supervise_stop_range(0, 0, 2000);
	for (i = 0; i < nchildren; i++)
		if (children[i].ch_pid > 0)
			log_warnx("%s child (pid %d) did not exit",
			    proc_role_name(children[i].ch_role),
			    (int)children[i].ch_pid);
	if (sv.sc_pidfile != NULL)
		(void)unlink(sv.sc_pidfile);
	listen_cleanup(sv.sc_conf);
	log_info("stopped");
	exit(code);
}
