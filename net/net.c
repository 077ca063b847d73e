/*
 * The net child: takes its configuration, listeners and data channel from
 * the parent, accepts clients, parses their requests and talks to storage.
 * Each event-loop pass ends by sending the batch it built and writing every
 * connection that has replies: one write each, whatever the pass produced.
 */

#include <sys/types.h>

#include <errno.h>
#include <event.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ask.h"
#include "dispatch.h"
#include "log.h"
#include "msg.h"
#include "net.h"
#include "privsep/proc.h"
#include "privsep/sandbox.h"
#include "tlsconn.h"

struct net_conf		 net_conf;
struct net_stats	 net_stats;
struct imsgev		 net_storage;
int			 net_storage_up;
time_t			 net_now;

static int		 net_configured;
static int		 net_started;
static struct event	 net_ev_sigterm, net_ev_sigint, net_ev_sighup;

static void	net_dispatch_storage(int, short, void *);

/* How long a graceful stop waits for replies still owed. */
#define NET_DRAIN_SEC		5

static struct event	 net_ev_drain;
static int		 net_draining;

static void
net_drain_timeout(int fd, short event, void *arg)
{
	(void)fd;
	(void)event;
	(void)arg;
	log_warnx("stopping with %d connections still owed replies",
	    conn_count());
	exit(0);
}

/*
 * A graceful stop: no new connections or requests; what was asked before
 * is answered (within NET_DRAIN_SEC), then the process exits.
 */
static void
net_drain(void)
{
	struct timeval	tv = { NET_DRAIN_SEC, 0 };

	if (net_draining)
		return;
	net_draining = 1;
	conn_drain();
	evtimer_set(&net_ev_drain, net_drain_timeout, NULL);
	evtimer_add(&net_ev_drain, &tv);
}

static void
net_signal(int sig, short event, void *arg)
{
	(void)event;
	(void)arg;
	if (sig == SIGHUP)
		return;
	net_drain();
}

static void
net_storage_lost(const char *why)
{
	log_warnx("storage channel lost: %s", why);
	imsgev_close(&net_storage);
	net_storage_up = 0;
	batch_fail_all();
	stats_fail_all();
	admin_fail_all();
}

static int
net_on_rep(void *arg, struct imsg *imsg)
{
	(void)arg;
	if (batch_reply(imsg) == -1)
		fatalx("storage replied out of order");
	return (DISPATCH_NEXT);
}

static int
net_on_stats(void *arg, struct imsg *imsg)
{
	(void)arg;
	if (stats_reply(imsg) == -1)
		fatalx("bad stats reply from storage");
	return (DISPATCH_NEXT);
}

static int
net_on_peer_stats(void *arg, struct imsg *imsg)
{
	(void)arg;
	if (stats_peers_reply(imsg) == -1)
		fatalx("bad peer stats from storage");
	return (DISPATCH_NEXT);
}

static int
net_on_admin(void *arg, struct imsg *imsg)
{
	(void)arg;
	if (admin_reply(imsg) == -1)
		fatalx("bad admin reply from storage");
	return (DISPATCH_NEXT);
}

static int
net_on_evicted(void *arg, struct imsg *imsg)
{
	(void)arg;
	if (watch_evicted(imsg) == -1)
		fatalx("bad eviction report from storage");
	return (DISPATCH_NEXT);
}

static int
net_on_memlimit(void *arg, struct imsg *imsg)
{
	(void)arg;
	if (admin_memlimit(imsg) == -1)
		fatalx("bad memory limit from storage");
	return (DISPATCH_NEXT);
}

static const dispatch_fn net_storage_handlers[] = {
	[IMSG_CACHE_REP] = net_on_rep,
	[IMSG_CACHE_STATS] = net_on_stats,
	[IMSG_CACHE_PEER_STATS] = net_on_peer_stats,
	[IMSG_CACHE_ADMIN] = net_on_admin,
	[IMSG_CACHE_EVICTED] = net_on_evicted,
	[IMSG_CACHE_MEMLIMIT] = net_on_memlimit,
};
static const struct dispatch net_storage_tab = {
	DISPATCH_NET_DATA, net_storage_handlers, nitems(net_storage_handlers)
};

static void
net_dispatch_storage(int fd, short event, void *arg)
{
	const char	*why;
	int		 rv;

	(void)fd;
	(void)arg;
	if ((rv = imsgev_io(&net_storage, event)) <= 0) {
		net_storage_lost(rv == 0 ? "closed" : strerror(errno));
		return;
	}
	if (dispatch_run(&net_storage_tab, PROC_STORAGE,
	    &net_storage.iev_ibuf, NULL, &why) == -1)
		fatalx("data channel: %s", why);
	imsgev_add(&net_storage);
}

/* A reload: limits and switches change; sizes fixed at start do not. */
static void
net_reload(const struct net_conf *nc)
{
	struct net_live	before = net_conf.nc_live;

	net_conf.nc_live = nc->nc_live;
	buf_set_budget((size_t)net_conf.nc_live.nl_buffer_budget << 20);
	if (net_started)
		conn_idle_start();
	/*
	 * The parent sends this again after a storage restart, only to
	 * update the restart counts: say "reloaded" when something was.
	 */
	net_conf.nc_net_restarts = nc->nc_net_restarts;
	net_conf.nc_storage_restarts = nc->nc_storage_restarts;
	if (memcmp(&before, &net_conf.nc_live, sizeof(before)) != 0)
		log_info("configuration reloaded");
}

static void
net_start(void)
{
	if (net_started || !net_configured || !net_storage_up)
		return;
	net_started = 1;
	net_now = time(NULL);
	buf_set_budget((size_t)net_conf.nc_live.nl_buffer_budget << 20);
	conn_listeners_resume();
	conn_idle_start();
	stats_push_start();
}

static int
net_on_cfg_net(void *arg, struct imsg *imsg)
{
	struct net_conf	nc;

	(void)arg;
	if (imsg_get_data(imsg, &nc, sizeof(nc)) == -1)
		fatal("IMSG_CFG_NET");
	if (nc.nc_live.nl_maxconns == 0 || nc.nc_batch_max < 1024 ||
	    nc.nc_inflight_max == 0 || nc.nc_line_max < 1024 ||
	    nc.nc_live.nl_nallow > NET_ALLOW_MAX || nc.nc_net_children == 0 ||
	    nc.nc_live.nl_nadmin_allow > NET_ALLOW_MAX ||
	    nc.nc_net_children > NET_CHILDREN_MAX)
		fatalx("IMSG_CFG_NET out of range");
	if (net_configured)
		net_reload(&nc);
	else {
		net_conf = nc;
		admin_settings.ps_lru_crawler = !nc.nc_lru_crawler_off;
		admin_settings.ps_watch_off = nc.nc_watch_off;
	}
	net_configured = 1;
	return (DISPATCH_NEXT);
}

static int
net_on_peer(void *arg, struct imsg *imsg)
{
	uint32_t	slot;
	int		peer;

	(void)arg;
	if (!net_configured || imsg_get_data(imsg, &slot, sizeof(slot)) == -1 ||
	    slot >= NET_CHILDREN_MAX)
		fatalx("bad IMSG_CTL_PEER");
	peer = imsg_get_fd(imsg);
	/* A new storage child: the old one owes nothing now. */
	if (net_storage_up)
		net_storage_lost("replaced");
	log_debug("connected to storage");
	if (imsgev_init(&net_storage, peer, net_dispatch_storage, NULL) == -1 ||
	    imsgbuf_set_maxsize(&net_storage.iev_ibuf,
	    (size_t)net_conf.nc_item_size_max + DATA_MSG_SLACK) == -1)
		fatal("data channel");
	imsgev_start(&net_storage);
	net_storage_up = 1;
	watch_storage_new();
	return (DISPATCH_NEXT);
}

static int
net_on_listener(void *arg, struct imsg *imsg)
{
	struct listener_conf	lc;

	(void)arg;
	if (imsg_get_data(imsg, &lc, sizeof(lc)) == -1)
		fatal("IMSG_CFG_LISTENER");
	lc.lc_name[sizeof(lc.lc_name) - 1] = '\0';
	if (conn_listener_add(imsg_get_fd(imsg), &lc) == -1)
		fatal("listener");
	return (DISPATCH_NEXT);
}

/* Answers come while net_parent_ask waits for them, never here. */
static int
net_on_auth_result(void *arg, struct imsg *imsg)
{
	(void)arg;
	(void)imsg;
	fatalx("a login answer nobody waits for");
}

static int
net_on_tls_pem(void *arg, struct imsg *imsg)
{
	uint8_t	pem[sizeof(struct tls_pem_chunk) + TLS_PEM_CHUNK];
	size_t	pemlen;

	(void)arg;
	/* The rule bounded it; imsg_get_data consumes: take it first. */
	pemlen = imsg_get_len(imsg);
	if (imsg_get_data(imsg, pem, pemlen) == -1 ||
	    tlsconn_pem_add(pem, pemlen) == -1)
		fatalx("bad IMSG_CFG_TLS_PEM");
	explicit_bzero(pem, sizeof(pem));
	return (DISPATCH_NEXT);
}

static int
net_on_tls_end(void *arg, struct imsg *imsg)
{
	struct tls_params	tp;
	uint32_t		ok;

	(void)arg;
	if (imsg_get_data(imsg, &tp, sizeof(tp)) == -1)
		fatal("IMSG_CFG_TLS_END");
	/*
	 * The parent never parses the files: it keeps a reload's only if
	 * they worked, and ends a start whose files do not (no listener
	 * comes before a context does).
	 */
	ok = tlsconn_commit(&tp) == 0;
#ifdef TEST_HOOKS
	if (misbehave_tls_vouch)
		ok = 1;
#endif
	if (imsgev_compose(&proc_ctl, IMSG_CTL_TLS_RESULT, imsg_get_id(imsg),
	    -1, &ok, sizeof(ok)) == -1)
		fatal("compose TLS_RESULT");
	return (DISPATCH_NEXT);
}

static int
net_on_done(void *arg, struct imsg *imsg)
{
	(void)arg;
	(void)imsg;
	if (!net_configured)
		fatalx("IMSG_CFG_DONE before IMSG_CFG_NET");
	net_start();
	return (DISPATCH_NEXT);
}

static const dispatch_fn net_parent_handlers[] = {
	[IMSG_CTL_VERBOSE] = dispatch_verbose,
	[IMSG_CTL_PEER] = net_on_peer,
	[IMSG_CFG_NET] = net_on_cfg_net,
	[IMSG_CFG_LISTENER] = net_on_listener,
	[IMSG_CFG_DONE] = net_on_done,
	[IMSG_CTL_AUTH_RESULT] = net_on_auth_result,
	[IMSG_CFG_TLS_PEM] = net_on_tls_pem,
	[IMSG_CFG_TLS_END] = net_on_tls_end,
};
static const struct dispatch net_parent_tab = {
	DISPATCH_NET_CTL, net_parent_handlers, nitems(net_parent_handlers)
};

static void
net_dispatch_parent(int fd, short event, void *arg)
{
	struct imsg	 imsg;
	const char	*why;
	int		 rv, stop;

	(void)fd;
	(void)arg;
	if ((rv = imsgev_io(&proc_ctl, event)) == -1)
		fatal("control channel");
	if (rv == 0)
		fatalx("parent went away");
	/* What came while a login waited for the parent, in order. */
	while (ask_deferred(&imsg))
		if (dispatch_imsg(&net_parent_tab, PROC_PARENT, &imsg, NULL,
		    &stop, &why) == -1)
			fatalx("control channel: %s", why);
	if (dispatch_run(&net_parent_tab, PROC_PARENT, &proc_ctl.iev_ibuf,
	    NULL, &why) == -1)
		fatalx("control channel: %s", why);
	imsgev_add(&proc_ctl);
}

/*
 * The end of every loop pass: one batch out, one write per connection.
 *
 * Right after sending, look for the answer.  When storage shares our CPU,
 * the batch woke it and it has usually run and replied by now: those
 * replies then leave in this pass, instead of after the next pass has
 * read more requests.  A request then spends one pass in the server, not
 * two, so at pipeline depth 1 twice as many arrive per pass and each
 * batch carries twice as many (the per-batch cost halves).  When storage
 * runs elsewhere and has not answered, this costs one empty read.
 */
static void
net_pass_end(void)
{
	int	sent = 0;

	watch_sync();
	batch_close();
	if (net_storage_up && imsgbuf_queuelen(&net_storage.iev_ibuf) > 0) {
		if (imsgbuf_write(&net_storage.iev_ibuf) == -1) {
			net_storage_lost(strerror(errno));
		} else {
			imsgev_add(&net_storage);
			sent = 1;
		}
	}
	if (sent && net_storage_up)
		net_dispatch_storage(net_storage.iev_ibuf.fd, EV_READ, NULL);
	if (ask_pending())
		net_dispatch_parent(-1, 0, NULL);
	conn_flush_dirty();
	conn_listeners_check();
	if (net_draining && conn_all_answered())
		exit(0);
}

void
net_main(const struct proc_args *pa)
{
	dispatch_verify(&net_parent_tab);
	dispatch_verify(&net_storage_tab);
	event_init();
	signal_set(&net_ev_sigterm, SIGTERM, net_signal, NULL);
	signal_set(&net_ev_sigint, SIGINT, net_signal, NULL);
	signal_set(&net_ev_sighup, SIGHUP, net_signal, NULL);
	signal_add(&net_ev_sigterm, NULL);
	signal_add(&net_ev_sigint, NULL);
	signal_add(&net_ev_sighup, NULL);
	proc_ctl.iev_handler = net_dispatch_parent;
	imsgev_start(&proc_ctl);

	sandbox_enter(PROC_NET, pa->pa_sandbox);
	if (imsgev_compose(&proc_ctl, IMSG_CTL_READY, 0, -1, NULL, 0) == -1)
		fatal("compose READY");
	for (;;) {
		if (event_loop(EVLOOP_ONCE) == -1)
			fatal("event_loop");
		net_now = time(NULL);
		net_pass_end();
	}
}
