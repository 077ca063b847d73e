/*
 * Client connections (net child): accept with back-off, read and parse,
 * keep replies in request order, write each connection's ready replies with
 * one write per loop pass, and close.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <tls.h>
#include <unistd.h>

#include "access.h"
#include "auth.h"
#include "log.h"
#include "net.h"
#include "proc.h"
#include "tlsconn.h"

/* Accepts per listener event, so one listener cannot starve the rest. */
#define ACCEPT_BURST		64
/* Read size per call; the input buffer grows to hold a whole item. */
#define READ_CHUNK		16384
/* Seconds without a request before a connection's buffers are freed. */
#define CONN_QUIET_SEC		2
/* Output past this is written at once rather than at the pass end. */
#define CONN_EARLY_FLUSH	(256 * 1024)
/* How long accepting pauses when descriptors run out. */
#define ACCEPT_BACKOFF_SEC	1

static struct connq	 conns = TAILQ_HEAD_INITIALIZER(conns);
static struct connq	 conns_dirty = TAILQ_HEAD_INITIALIZER(conns_dirty);
static struct connq	 conns_blocked = TAILQ_HEAD_INITIALIZER(conns_blocked);
static int		 nconns;
static uint64_t		 conn_seq;
static struct event	 accept_backoff_ev;
static int		 accept_backoff_set;
static int		 listeners_full;
static int		 conn_draining;
static struct event	 idle_ev;
static int		 idle_armed;
static struct listener_ev *listeners;
static size_t		 nlisteners;
/* Where reads land when a connection holds no partial request. */
static char		 conn_scratch[4 * READ_CHUNK];

static void	conn_accept(int, short, void *);
static void	conn_read(int, short, void *);
static int	conn_read_once(struct conn *);
static void	conn_write(int, short, void *);
static int	conn_flush(struct conn *);
static void	conn_tls_wait_write(struct conn *);

int
conn_count(void)
{
	return (nconns);
}

static size_t
conn_in_max(void)
{
	/* A whole request: its line, its data block and the \r\n. */
	return ((size_t)net_conf.nc_line_max + net_conf.nc_item_size_max +
	    READ_CHUNK);
}

static void
conn_mark_dirty(struct conn *c)
{
	if (c->c_flags & CONN_DIRTY)
		return;
	c->c_flags |= CONN_DIRTY;
	TAILQ_INSERT_TAIL(&conns_dirty, c, c_dirty_entry);
}

static void
conn_read_off(struct conn *c)
{
	if (c->c_flags & CONN_READ_OFF)
		return;
	event_del(&c->c_rev);
	c->c_flags |= CONN_READ_OFF;
}

static void
conn_read_on(struct conn *c)
{
	if (!(c->c_flags & CONN_READ_OFF) || (c->c_flags & CONN_CLOSING) ||
	    conn_draining)
		return;
	event_add(&c->c_rev, NULL);
	c->c_flags &= ~CONN_READ_OFF;
	/* libtls may hold input the socket no longer signals. */
	if (c->c_tls != NULL) {
		c->c_flags |= CONN_TLS_SPEC;
		event_active(&c->c_rev, EV_READ, 1);
	}
}

int
conn_listener_add(int fd, const struct listener_conf *lc)
{
	struct listener_ev	*nl;
	int			 fl;

	if ((nl = reallocarray(listeners, nlisteners + 1,
	    sizeof(*listeners))) == NULL)
		return (-1);
	listeners = nl;
	/* The flags are shared: a dead net child may have changed them. */
	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1)
		return (-1);
	/* Safe to move: no listener event is armed before CFG_DONE. */
	memset(&nl[nlisteners], 0, sizeof(nl[nlisteners]));
	nl[nlisteners].le_fd = fd;
	nl[nlisteners].le_conf = *lc;
	nlisteners++;
	return (0);
}

void
conn_listeners_resume(void)
{
	size_t	i;

	if (conn_draining)
		return;
	for (i = 0; i < nlisteners; i++) {
		if (listeners[i].le_armed)
			continue;
		event_set(&listeners[i].le_ev, listeners[i].le_fd,
		    EV_READ | EV_PERSIST, conn_accept, &listeners[i]);
		event_add(&listeners[i].le_ev, NULL);
		listeners[i].le_armed = 1;
	}
}

void
conn_listeners_pause(void)
{
	size_t	i;

	net_stats.ns_listen_disabled++;
	for (i = 0; i < nlisteners; i++) {
		if (!listeners[i].le_armed)
			continue;
		event_del(&listeners[i].le_ev);
		listeners[i].le_armed = 0;
	}
}

static void
accept_backoff_end(int fd, short event, void *arg)
{
	(void)fd;
	(void)event;
	(void)arg;
	accept_backoff_set = 0;
	conn_listeners_resume();
}

static void
conn_refuse(struct listener_ev *le, int fd, const char *peer,
    const char *msg, const char *why)
{
	/* Say why where memcached would (in plaintext only), then hang up. */
	if (msg != NULL && !le->le_conf.lc_tls)
		(void)write(fd, msg, strlen(msg));
	close(fd);
	access_log_refusal(peer, why);
}

static void
conn_new(struct listener_ev *le, int fd, struct sockaddr_storage *ss,
    socklen_t sslen)
{
	struct access_addr	*aa;
	struct conn		*c;
	char			 host[NI_MAXHOST], serv[NI_MAXSERV];
	char			 peer[sizeof(c->c_peer)];
	int			 on = 1;

	if (getnameinfo((struct sockaddr *)ss, sslen, host, sizeof(host),
	    serv, sizeof(serv), NI_NUMERICHOST | NI_NUMERICSERV) == 0)
		(void)snprintf(peer, sizeof(peer),
		    ss->ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s", host,
		    serv);
	else
		(void)strlcpy(peer, le->le_conf.lc_name, sizeof(peer));
	if (!access_allowed((struct sockaddr *)ss)) {
		net_stats.ns_denied_conns++;
		conn_refuse(le, fd, peer, NULL, "not in the allow list");
		return;
	}
	if (nconns >= (int)net_conf.nc_maxconns) {
		/* Default maxconns_fast: say why, then hang up. */
		net_stats.ns_rejected_conns++;
		conn_refuse(le, fd, peer,
		    "ERROR Too many open connections\r\n",
		    "too many open connections");
		return;
	}
	if ((aa = access_acquire((struct sockaddr *)ss)) == NULL) {
		net_stats.ns_rejected_per_ip++;
		conn_refuse(le, fd, peer, "ERROR Too many connections from "
		    "your address\r\n", "too many connections from its "
		    "address");
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_warn("connection");
		access_release(aa);
		close(fd);
		return;
	}
	if (le->le_conf.lc_tls && (c->c_tls = tlsconn_accept(fd)) == NULL) {
		free(c);
		access_release(aa);
		close(fd);
		return;
	}
	if (ss->ss_family == AF_INET || ss->ss_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on,
		    sizeof(on));
	(void)strlcpy(c->c_peer, peer, sizeof(c->c_peer));
	memcpy(&c->c_ss, ss, sslen < sizeof(c->c_ss) ? sslen :
	    sizeof(c->c_ss));
	c->c_access = aa;
	c->c_id = ++conn_seq;
	c->c_fd = fd;
	c->c_listener = le;
	TAILQ_INIT(&c->c_pending);
	event_set(&c->c_rev, fd, EV_READ | EV_PERSIST, conn_read, c);
	event_set(&c->c_wev, fd, EV_WRITE | EV_PERSIST, conn_write, c);
	event_add(&c->c_rev, NULL);
	c->c_last_cmd = net_now = time(NULL);
	/* A handshake is held to the request timeout, as a request is. */
	if (c->c_tls != NULL)
		c->c_partial_since = net_now;
	TAILQ_INSERT_TAIL(&conns, c, c_entry);
	nconns++;
	net_stats.ns_curr_conns++;
	net_stats.ns_total_conns++;
	/* Without maxconns_fast, the backlog waits until a slot frees. */
	if (!net_conf.nc_maxconns_fast &&
	    nconns >= (int)net_conf.nc_maxconns) {
		conn_listeners_pause();
		listeners_full = 1;
	}
	log_debug("connection %llu from %s on %s",
	    (unsigned long long)c->c_id, c->c_peer, le->le_conf.lc_name);
}

static void
conn_accept(int fd, short event, void *arg)
{
	struct listener_ev	*le = arg;
	struct sockaddr_storage	 ss;
	struct timeval		 tv = { ACCEPT_BACKOFF_SEC, 0 };
	socklen_t		 sslen;
	int			 s, i, burst;

	(void)event;
	/*
	 * Net children share the listeners: one takes a connection per
	 * wake-up, so that whichever is least busy (first awake) gets the
	 * next one and a burst of connections does not land on one.
	 */
	burst = net_conf.nc_net_children > 1 ? 1 : ACCEPT_BURST;
	for (i = 0; i < burst; i++) {
		sslen = sizeof(ss);
		if ((s = accept4(fd, (struct sockaddr *)&ss, &sslen,
		    SOCK_NONBLOCK | SOCK_CLOEXEC)) == -1) {
			switch (errno) {
			case EINTR:
			case ECONNABORTED:
				continue;
			case EMFILE:
			case ENFILE:
			case ENOBUFS:
			case ENOMEM:
				/* Retrying at once would spin: pause. */
				log_warn("accept on %s", le->le_conf.lc_name);
				conn_listeners_pause();
				if (!accept_backoff_set) {
					evtimer_set(&accept_backoff_ev,
					    accept_backoff_end, NULL);
					evtimer_add(&accept_backoff_ev, &tv);
					accept_backoff_set = 1;
				}
				return;
			case EAGAIN:
#if EWOULDBLOCK != EAGAIN
			case EWOULDBLOCK:
#endif
			case EPROTO:
			case EPERM:
			case ENETDOWN:
			case ENETUNREACH:
			case EHOSTUNREACH:
			case ENOPROTOOPT:
			case EOPNOTSUPP:
				/* Nothing there, or that client's problem. */
				return;
			default:
				/*
				 * A dead listener (EINVAL after a shutdown):
				 * retrying would spin.  Dying makes the
				 * parent check and rebind it.
				 */
				fatal("accept on %s", le->le_conf.lc_name);
			}
		}
		conn_new(le, s, &ss, sslen);
	}
}

static void
conn_fail_output(struct conn *c)
{
	log_info("connection %llu from %s: output over %u bytes or the "
	    "buffer budget, closing", (unsigned long long)c->c_id, c->c_peer,
	    net_conf.nc_outbuf_max);
	c->c_flags |= CONN_CLOSING | CONN_ABORT;
	conn_read_off(c);
	/* What is queued cannot be completed in order: drop it all. */
	c->c_out.b_off = c->c_out.b_len = 0;
	conn_mark_dirty(c);
}

int
conn_reply_local(struct conn *c, const void *text, size_t len)
{
	struct pending	*p;

	if (c->c_flags & CONN_CLOSING)
		return (-1);
	if (TAILQ_EMPTY(&c->c_pending)) {
		if (buf_add(&c->c_out, text, len, net_conf.nc_outbuf_max) ==
		    -1) {
			conn_fail_output(c);
			return (-1);
		}
		conn_mark_dirty(c);
		return (0);
	}
	/* Earlier requests are still at storage: wait behind them. */
	if ((p = pending_get()) == NULL || (p->p_text = malloc(len)) == NULL) {
		if (p != NULL)
			pending_put(p);
		log_warn("pending reply");
		return (-1);
	}
	memcpy(p->p_text, text, len);
	p->p_textlen = len;
	p->p_conn = c;
	p->p_connid = c->c_id;
	TAILQ_INSERT_TAIL(&c->c_pending, p, p_conn_entry);
	return (0);
}

void
conn_complete(struct pending *p, int (*fmt)(struct conn *,
    const struct proto_ctx *, void *), void *arg)
{
	struct conn	*c = p->p_conn;
	int		 rv = 0;

	if (TAILQ_FIRST(&c->c_pending) != p)
		fatalx("reply out of order on connection %llu",
		    (unsigned long long)c->c_id);
	TAILQ_REMOVE(&c->c_pending, p, p_conn_entry);
	/* After quit, what came before it is still answered; cut off, not. */
	if (!(c->c_flags & CONN_ABORT))
		rv = fmt(c, &p->p_ctx, arg);
	pending_put(p);
	if (rv == -1)
		conn_fail_output(c);
	/*
	 * Replies made here that waited behind this one go out now (or are
	 * dropped, cut off), so the queue drains and the close can happen.
	 */
	while ((p = TAILQ_FIRST(&c->c_pending)) != NULL && !p->p_waiting) {
		TAILQ_REMOVE(&c->c_pending, p, p_conn_entry);
		if (!(c->c_flags & CONN_ABORT) && buf_add(&c->c_out,
		    p->p_text, p->p_textlen, net_conf.nc_outbuf_max) == -1)
			conn_fail_output(c);
		pending_put(p);
	}
	conn_mark_dirty(c);
}

struct conn_storage_reply {
	const struct cache_rep	*sr_rep;
	const void		*sr_key;
	const void		*sr_value;
};

static int
conn_fmt_storage(struct conn *c, const struct proto_ctx *ctx, void *arg)
{
	struct conn_storage_reply	*sr = arg;

	switch (ctx->px_kind) {
	case PROTO_TEXT:
		return (proto_text_reply(ctx, sr->sr_rep, sr->sr_key,
		    sr->sr_value, &c->c_out, net_conf.nc_outbuf_max));
	case PROTO_META:
		return (proto_meta_reply(ctx, sr->sr_rep, sr->sr_key,
		    sr->sr_value, &c->c_out, net_conf.nc_outbuf_max));
	case PROTO_BIN:
		return (proto_bin_reply(ctx, sr->sr_rep, sr->sr_key,
		    sr->sr_value, &c->c_out, net_conf.nc_outbuf_max));
	}
	fatalx("reply for unknown protocol %d", ctx->px_kind);
}

static int
conn_fmt_refuse(struct conn *c, const struct proto_ctx *ctx, void *arg)
{
	(void)c;
	(void)ctx;
	(void)arg;
	return (-1);
}

void
conn_reply_storage(struct pending *p, const struct cache_rep *rep,
    const void *key, const void *value)
{
	struct conn_storage_reply	 sr = { rep, key, value };
	struct conn			*c = p->p_conn;

	/* Storage stopped copying for it: more than we would buffer. */
	if (rep->rp_status == CACHE_REPLY_LIMIT) {
		conn_complete(p, conn_fmt_refuse, NULL);
		return;
	}
	conn_complete(p, conn_fmt_storage, &sr);
	/* Big replies go out as they come, not after the whole batch. */
	if (buf_used(&c->c_out) > CONN_EARLY_FLUSH &&
	    !(c->c_flags & CONN_WRITE_ON))
		conn_flush(c);
}

struct conn *
conn_first(void)
{
	return (TAILQ_FIRST(&conns));
}

struct conn *
conn_next(struct conn *c)
{
	return (TAILQ_NEXT(c, c_entry));
}

static int
conn_sink_storage(void *arg, const struct cache_req *req, const void *key,
    const void *value, const struct proto_ctx *ctx)
{
	return (batch_add(arg, req, key, value, ctx));
}

static int
conn_sink_local(void *arg, const void *text, size_t len)
{
	return (conn_reply_local(arg, text, len));
}

static int
conn_sink_stats(void *arg, int kind, const struct proto_ctx *ctx)
{
	return (stats_request(arg, kind, ctx));
}

static int
conn_sink_admin(void *arg, const struct cache_admin_req *rq,
    const struct proto_ctx *ctx)
{
	return (admin_request(arg, rq, ctx));
}

static void
conn_sink_admin_refused(void *arg)
{
	struct conn	*c = arg;

	net_stats.ns_admin_refused++;
	log_info("connection %llu from %s: admin command refused",
	    (unsigned long long)c->c_id, c->c_peer);
}

static int
conn_sink_shutdown(void *arg)
{
	struct conn	*c = arg;

	if (!net_conf.nc_shutdown_enabled)
		return (0);
	log_info("shutdown requested by connection %llu from %s",
	    (unsigned long long)c->c_id, c->c_peer);
	if (imsgev_compose(&proc_ctl, IMSG_CTL_SHUTDOWN, 0, -1, NULL, 0) ==
	    -1)
		return (-1);
	return (1);
}

static void
conn_sink_trace(void *arg, const char *line, size_t len)
{
	struct conn	*c = arg;
	char		 show[201];
	size_t		 i;

	/* Client bytes reach a log: printable ASCII only, bounded. */
	if (len > sizeof(show) - 1)
		len = sizeof(show) - 1;
	for (i = 0; i < len; i++)
		show[i] = (line[i] >= 0x20 && line[i] < 0x7f) ? line[i] : '?';
	show[len] = '\0';
	log_trace("connection %llu: %s", (unsigned long long)c->c_id, show);
}

#ifdef TEST_HOOKS
static int
conn_sink_misbehave(void *arg, const char *what, size_t len)
{
	(void)arg;
	return (net_misbehave(what, len));
}
#endif

static int
conn_sink_auth(void *arg, const char *user, size_t ulen, const char *pass,
    size_t plen)
{
	struct conn	*c = arg;

	if (!auth_check((struct sockaddr *)&c->c_ss, user, ulen, pass,
	    plen)) {
		log_info("connection %llu from %s: login failed",
		    (unsigned long long)c->c_id, c->c_peer);
		return (0);
	}
	c->c_authed = 1;
	log_debug("connection %llu from %s: logged in as %.*s",
	    (unsigned long long)c->c_id, c->c_peer, (int)ulen, user);
	return (1);
}

static int
conn_sink_verbosity(void *arg, int level)
{
	(void)arg;
	/* Any client could otherwise put every key in root's log. */
	if (net_conf.nc_client_verbosity)
		log_setverbose(level);
	return (0);
}

/*
 * Parses len bytes c has read: the bytes used (whole requests), or -1 if
 * that closed c.
 */
static ssize_t
conn_parse(struct conn *c, const char *data, size_t len)
{
	struct proto_limits	 lim;
	struct proto_sink	 sink;
	enum proto_status	 st;
	size_t			 used;

	memset(&lim, 0, sizeof(lim));
	lim.pl_line_max = net_conf.nc_line_max;
	lim.pl_value_max = net_conf.nc_item_size_max;
	lim.pl_cas = net_conf.nc_cas;
	lim.pl_flush = net_conf.nc_flush_enabled;
	lim.pl_shutdown = net_conf.nc_shutdown_enabled;
	lim.pl_admin = admin_allowed((struct sockaddr *)&c->c_ss);
	lim.pl_settings = &admin_settings;
	lim.pl_auth = net_conf.nc_auth && !c->c_authed;
	lim.pl_sasl = net_conf.nc_sasl;
	memset(&sink, 0, sizeof(sink));
	sink.ps_arg = c;
	sink.ps_storage = conn_sink_storage;
	sink.ps_local = conn_sink_local;
	sink.ps_stats = conn_sink_stats;
	sink.ps_verbosity = conn_sink_verbosity;
	sink.ps_shutdown = conn_sink_shutdown;
	sink.ps_auth = conn_sink_auth;
	sink.ps_admin = conn_sink_admin;
	sink.ps_admin_refused = conn_sink_admin_refused;
	if (log_getverbose() >= 2)
		sink.ps_trace = conn_sink_trace;
#ifdef TEST_HOOKS
	sink.ps_misbehave = conn_sink_misbehave;
#endif

	if (c->c_proto == 0) {
		/* The first byte picks the protocol, as in memcached. */
		if ((unsigned char)data[0] == 0x80)
			c->c_proto = PROTO_BIN;
		else
			c->c_proto = PROTO_TEXT;
		if ((c->c_proto == PROTO_BIN &&
		    net_conf.nc_protocol == LISTENER_PROTO_ASCII) ||
		    (c->c_proto == PROTO_TEXT &&
		    net_conf.nc_protocol == LISTENER_PROTO_BINARY)) {
			log_info("connection %llu from %s: protocol not "
			    "allowed by -B", (unsigned long long)c->c_id,
			    c->c_peer);
			conn_close(c);
			return (-1);
		}
	}
	c->c_last_cmd = net_now;
	if (c->c_proto == PROTO_BIN)
		st = proto_bin_parse(&c->c_bin, &lim, &sink, data, len, &used,
		    net_now);
	else
		st = proto_text_parse(&c->c_text, &lim, &sink, data, len,
		    &used, net_now);
	if (st == PROTO_CLOSE) {
		c->c_flags |= CONN_CLOSING;
		conn_read_off(c);
		conn_mark_dirty(c);
	}
	return (used);
}

/* After a parse: a request left half-sent starts the request timeout. */
static void
conn_parsed(struct conn *c)
{
	if (buf_used(&c->c_in) > 0 || c->c_text.pt_swallow > 0 ||
	    c->c_text.pt_getcont != 0 ||
	    c->c_bin.pb_swallow > 0) {
		if (c->c_partial_since == 0)
			c->c_partial_since = net_now;
	} else
		c->c_partial_since = 0;
	buf_release(&c->c_in);
}

/* No room for what c sent: say why and close. */
static void
conn_fail_input(struct conn *c)
{
	log_info("connection %llu from %s: %s, closing",
	    (unsigned long long)c->c_id, c->c_peer, errno == EDQUOT ?
	    "client buffers are at their budget" : errno == ENOBUFS ?
	    "request too large" : strerror(errno));
	conn_close(c);
}

/*
 * The TLS handshake, driven by socket events before any request is read.
 * 1 when done, 0 to wait for an event, -1 if the connection is gone.
 */
static int
conn_tls_handshake(struct conn *c)
{
	const char	*subject;
	int		 rv;

	if ((rv = tls_handshake(c->c_tls)) == TLS_WANT_POLLIN)
		return (0);
	if (rv == TLS_WANT_POLLOUT) {
		conn_tls_wait_write(c);
		return (0);
	}
	if (rv == -1) {
		net_stats.ns_tls_handshake_errors++;
		log_info("connection %llu from %s: TLS handshake failed: %s",
		    (unsigned long long)c->c_id, c->c_peer,
		    tls_error(c->c_tls));
		conn_close(c);
		return (-1);
	}
	c->c_tls_ready = 1;
	c->c_partial_since = 0;
	c->c_last_cmd = net_now;
	subject = tls_peer_cert_provided(c->c_tls) ?
	    tls_peer_cert_subject(c->c_tls) : NULL;
	log_debug("connection %llu from %s: %s %s%s%s",
	    (unsigned long long)c->c_id, c->c_peer,
	    tls_conn_version(c->c_tls), tls_conn_cipher(c->c_tls),
	    subject != NULL ? ", client " : "", subject != NULL ? subject : "");
	return (1);
}

/* libtls gave up on c's stream: as a failed read(2) or write(2). */
static ssize_t
conn_tls_failed(struct conn *c)
{
	log_debug("connection %llu from %s: TLS: %s",
	    (unsigned long long)c->c_id, c->c_peer, tls_error(c->c_tls));
	errno = EPROTO;
	return (-1);
}

/*
 * One read from the client: read(2), or libtls, which may first need to
 * write (then the write event brings us back).  As read(2), with errno
 * EAGAIN when there is nothing yet.
 */
static ssize_t
conn_sock_read(struct conn *c, void *buf, size_t len)
{
	ssize_t	n;
	int	spec;

	if (c->c_tls == NULL)
		return (read(c->c_fd, buf, len));
	spec = c->c_flags & CONN_TLS_SPEC;
	c->c_flags &= ~CONN_TLS_SPEC;
	if ((n = tls_read(c->c_tls, buf, len)) >= 0)
		return (n);
	if (n == TLS_WANT_POLLOUT)
		conn_tls_wait_write(c);
	if (n == TLS_WANT_POLLIN || n == TLS_WANT_POLLOUT) {
		/*
		 * The socket had bytes but no whole record: a request is
		 * under way inside libtls, where c_in cannot show it.  The
		 * request timeout starts; a parsed request clears it.  A
		 * read we made on spec, not on a socket event, says nothing.
		 */
		if (c->c_partial_since == 0 && !spec)
			c->c_partial_since = net_now;
		errno = EAGAIN;
		return (-1);
	}
	return (conn_tls_failed(c));
}

/*
 * Reads once and parses.  1 if the socket may hold more, 0 if not (or the
 * connection stopped reading), -1 if the connection is gone.
 */
static int
conn_read_once(struct conn *c)
{
	ssize_t	n, used;
	char	*dst;
	size_t	 room;
	int	 rv, shared;

	if (c->c_flags & (CONN_READ_OFF | CONN_CLOSING))
		return (0);
	if (c->c_tls != NULL && !c->c_tls_ready &&
	    (rv = conn_tls_handshake(c)) != 1)
		return (rv);
	/* Relative expiry times count from now, not from the last pass. */
	net_now = time(NULL);
	/*
	 * Most reads hold whole requests: they land in one buffer all
	 * connections share, are parsed there, and only a request cut in
	 * half is kept in the connection's own.  So a connection costs no
	 * input buffer between requests, and the one in use stays in cache.
	 */
	if ((shared = buf_used(&c->c_in) == 0)) {
		dst = conn_scratch;
		room = sizeof(conn_scratch);
	} else {
		if (buf_reserve(&c->c_in, READ_CHUNK, conn_in_max()) == -1) {
			conn_fail_input(c);
			return (-1);
		}
		dst = buf_tail(&c->c_in);
		room = buf_room(&c->c_in);
	}
	n = conn_sock_read(c, dst, room);
	if (n == -1) {
		if (errno == EAGAIN || errno == EINTR)
			return (0);
		log_debug("connection %llu from %s: read: %s",
		    (unsigned long long)c->c_id, c->c_peer, strerror(errno));
		conn_close(c);
		return (-1);
	}
	if (n == 0) {
		log_debug("connection %llu from %s closed by peer",
		    (unsigned long long)c->c_id, c->c_peer);
		conn_close(c);
		return (-1);
	}
	net_stats.ns_bytes_read += n;
	/*
	 * A record holds at most 16 KB and we offer at least READ_CHUNK, so
	 * libtls keeps nothing back unless the read filled the buffer; then
	 * it may, and no socket event would say so.
	 */
	if (c->c_tls != NULL && (size_t)n == room) {
		c->c_flags |= CONN_TLS_SPEC;
		event_active(&c->c_rev, EV_READ, 1);
	}
	if (shared) {
		if ((used = conn_parse(c, conn_scratch, n)) == -1)
			return (-1);
		if (used < n && !(c->c_flags & CONN_CLOSING) &&
		    buf_add(&c->c_in, conn_scratch + used, n - used,
		    conn_in_max()) == -1) {
			conn_fail_input(c);
			return (-1);
		}
	} else {
		buf_produce(&c->c_in, n);
		if ((used = conn_parse(c, buf_head(&c->c_in),
		    buf_used(&c->c_in))) == -1)
			return (-1);
		buf_consume(&c->c_in, used);
	}
	conn_parsed(c);
	return (1);
}

static void
conn_read(int fd, short event, void *arg)
{
	struct conn	*c = arg;

	(void)fd;
	(void)event;
	/* A TLS write stalled on input: the input is here. */
	if (c->c_flags & CONN_TLS_WWANTR) {
		c->c_flags &= ~CONN_TLS_WWANTR;
		if (conn_flush(c) == -1)
			return;
		if (c->c_flags & CONN_READ_OFF) {
			/* Armed only for that write (conn_sock_write). */
			if (!(c->c_flags & CONN_TLS_WWANTR))
				event_del(&c->c_rev);
			return;
		}
	}
	if (batch_throttled()) {
		/* Storage is behind: leave the bytes in the socket. */
		conn_read_off(c);
		if (!(c->c_flags & CONN_BLOCKED)) {
			c->c_flags |= CONN_BLOCKED;
			TAILQ_INSERT_TAIL(&conns_blocked, c, c_blocked_entry);
		}
		return;
	}
	(void)conn_read_once(c);
}

static void
conn_tls_wait_write(struct conn *c)
{
	c->c_flags |= CONN_TLS_RWANTW;
	if (!(c->c_flags & CONN_WRITE_ON)) {
		event_add(&c->c_wev, NULL);
		c->c_flags |= CONN_WRITE_ON;
	}
}

/*
 * One write to the client, as write(2); libtls may need input first
 * (renegotiation, key updates): then -1 with errno EINPROGRESS, and the
 * read event retries the write.
 */
static ssize_t
conn_sock_write(struct conn *c, const void *buf, size_t len)
{
	ssize_t	n;

	if (c->c_tls == NULL)
		return (write(c->c_fd, buf, len));
	if ((n = tls_write(c->c_tls, buf, len)) >= 0)
		return (n);
	if (n == TLS_WANT_POLLOUT) {
		errno = EAGAIN;
		return (-1);
	}
	if (n == TLS_WANT_POLLIN) {
		c->c_flags |= CONN_TLS_WWANTR;
		if (c->c_flags & CONN_READ_OFF) {
			/* Armed for this write's sake only; see conn_read. */
			event_add(&c->c_rev, NULL);
		}
		errno = EINPROGRESS;
		return (-1);
	}
	return (conn_tls_failed(c));
}

/* Writes what c has; -1 if that closed it. */
static int
conn_flush(struct conn *c)
{
	ssize_t	n;

	while (buf_used(&c->c_out) > 0) {
		n = conn_sock_write(c, buf_head(&c->c_out),
		    buf_used(&c->c_out));
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EINPROGRESS)
				return (0);
			if (errno == EAGAIN)
				break;
			log_debug("connection %llu from %s: write: %s",
			    (unsigned long long)c->c_id, c->c_peer,
			    strerror(errno));
			conn_close(c);
			return (-1);
		}
		net_stats.ns_bytes_written += n;
		buf_consume(&c->c_out, n);
	}
	if (buf_used(&c->c_out) > 0) {
		/* Ask for writability only after a partial write. */
		if (!(c->c_flags & CONN_WRITE_ON)) {
			event_add(&c->c_wev, NULL);
			c->c_flags |= CONN_WRITE_ON;
		}
		return (0);
	}
	if ((c->c_flags & CONN_WRITE_ON) && !(c->c_flags & CONN_TLS_RWANTW)) {
		event_del(&c->c_wev);
		c->c_flags &= ~CONN_WRITE_ON;
	}
	buf_release(&c->c_out);
	if ((c->c_flags & CONN_CLOSING) && TAILQ_EMPTY(&c->c_pending)) {
		conn_close(c);
		return (-1);
	}
	return (0);
}

static void
conn_write(int fd, short event, void *arg)
{
	struct conn	*c = arg;

	(void)fd;
	(void)event;
	/* A TLS read (or handshake) stalled on output: go on with it. */
	if (c->c_flags & CONN_TLS_RWANTW) {
		c->c_flags &= ~CONN_TLS_RWANTW;
		if (conn_read_once(c) == -1)
			return;
	}
	conn_flush(c);
}

void
conn_flush_dirty(void)
{
	struct conn	*c;

	while ((c = TAILQ_FIRST(&conns_dirty)) != NULL) {
		TAILQ_REMOVE(&conns_dirty, c, c_dirty_entry);
		c->c_flags &= ~CONN_DIRTY;
		/* Waiting for writability already: a write now would fail. */
		if ((c->c_flags & CONN_WRITE_ON) && buf_used(&c->c_out) > 0)
			continue;
		conn_flush(c);
	}
}

void
conn_resume_blocked(void)
{
	struct conn	*c;

	while (!batch_throttled() &&
	    (c = TAILQ_FIRST(&conns_blocked)) != NULL) {
		TAILQ_REMOVE(&conns_blocked, c, c_blocked_entry);
		c->c_flags &= ~CONN_BLOCKED;
		conn_read_on(c);
	}
}

void
conn_close(struct conn *c)
{
	struct pending	*p;

	log_debug("connection %llu from %s closed",
	    (unsigned long long)c->c_id, c->c_peer);
	/*
	 * A client cut off for not reading would never see our FIN behind
	 * the data it leaves unread, and the kernel would keep that data:
	 * reset the connection instead.
	 */
	if (c->c_flags & CONN_ABORT) {
		struct linger	l = { 1, 0 };

		(void)setsockopt(c->c_fd, SOL_SOCKET, SO_LINGER, &l,
		    sizeof(l));
	}
	/* Unconditionally: an activated read event is pending too. */
	event_del(&c->c_rev);
	if (c->c_flags & CONN_WRITE_ON)
		event_del(&c->c_wev);
	if (c->c_tls != NULL) {
		/* One try at close_notify; a client that does not read loses it. */
		if (!(c->c_flags & CONN_ABORT))
			(void)tls_close(c->c_tls);
		tls_free(c->c_tls);
	}
	close(c->c_fd);
	while ((p = TAILQ_FIRST(&c->c_pending)) != NULL) {
		TAILQ_REMOVE(&c->c_pending, p, p_conn_entry);
		/* Storage still owes an answer: the batch FIFO frees it. */
		if (p->p_waiting)
			p->p_conn = NULL;
		else
			pending_put(p);
	}
	if (c->c_flags & CONN_DIRTY)
		TAILQ_REMOVE(&conns_dirty, c, c_dirty_entry);
	if (c->c_flags & CONN_BLOCKED)
		TAILQ_REMOVE(&conns_blocked, c, c_blocked_entry);
	TAILQ_REMOVE(&conns, c, c_entry);
	buf_free(&c->c_in);
	buf_free(&c->c_out);
	access_release(c->c_access);
	free(c);
	nconns--;
	net_stats.ns_curr_conns--;
	if (listeners_full && !accept_backoff_set) {
		listeners_full = 0;
		conn_listeners_resume();
	}
}

static void
conn_idle_check(int fd, short event, void *arg)
{
	struct timeval	 tv = { 1, 0 };
	struct conn	*c, *next;

	(void)fd;
	(void)event;
	(void)arg;
	stats_push();
	for (c = TAILQ_FIRST(&conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, c_entry);
		/*
		 * A quiet connection gives its empty buffers back, so ten
		 * thousand idle clients cost little; busy ones keep theirs
		 * and never pay an allocation per request.
		 */
		if (net_now - c->c_last_cmd >= CONN_QUIET_SEC) {
			if (buf_used(&c->c_in) == 0 && c->c_in.b_cap > 0)
				buf_free(&c->c_in);
			if (buf_used(&c->c_out) == 0 && c->c_out.b_cap > 0)
				buf_free(&c->c_out);
		}
		/* Slowloris: a request that never completes. */
		if (net_conf.nc_request_timeout != 0 &&
		    c->c_partial_since != 0 && net_now - c->c_partial_since >
		    (time_t)net_conf.nc_request_timeout) {
			log_info("connection %llu from %s: %s incomplete "
			    "for %u s, closing", (unsigned long long)c->c_id,
			    c->c_peer, c->c_tls != NULL && !c->c_tls_ready ?
			    "TLS handshake" : "request",
			    net_conf.nc_request_timeout);
			net_stats.ns_request_timeouts++;
			conn_close(c);
			continue;
		}
		if (net_conf.nc_idle_timeout == 0)
			continue;
		/* Only connections with nothing in flight count as idle. */
		/* Whole seconds: strictly more than the timeout has passed. */
		if (TAILQ_EMPTY(&c->c_pending) && buf_used(&c->c_out) == 0 &&
		    net_now - c->c_last_cmd >
		    (time_t)net_conf.nc_idle_timeout) {
			log_debug("connection %llu from %s: idle for %u s",
			    (unsigned long long)c->c_id, c->c_peer,
			    net_conf.nc_idle_timeout);
			net_stats.ns_idle_kicks++;
			conn_close(c);
		}
	}
	evtimer_add(&idle_ev, &tv);
}

void
conn_drain(void)
{
	struct conn	*c, *next;
	int		 n;

	conn_draining = 1;
	conn_listeners_pause();
	/*
	 * What clients sent before the stop is answered: read what each
	 * socket holds now (a bounded number of times), then no more.
	 */
	for (c = TAILQ_FIRST(&conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, c_entry);
		for (n = 0; n < 64 && conn_read_once(c) == 1; n++)
			;
	}
	TAILQ_FOREACH(c, &conns, c_entry)
		conn_read_off(c);
}

int
conn_all_answered(void)
{
	struct conn	*c;

	TAILQ_FOREACH(c, &conns, c_entry)
		if (!TAILQ_EMPTY(&c->c_pending) || buf_used(&c->c_out) > 0)
			return (0);
	return (1);
}

void
conn_idle_start(void)
{
	struct timeval	tv = { 1, 0 };

	if (idle_armed)
		return;
	idle_armed = 1;
	evtimer_set(&idle_ev, conn_idle_check, NULL);
	evtimer_add(&idle_ev, &tv);
}
