/*
 * What a parsed request does (net child): the sinks the protocol parsers
 * call (to storage, a local reply, stats, login, shutdown), and parsing
 * the bytes one connection has read.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <string.h>

#include "auth.h"
#include "log.h"
#include "net.h"
#include "privsep/proc.h"

/*
 * Requests after watch in the same read: memcached reads no more from a
 * watcher, so they do nothing and say nothing amid its log lines.
 */
static int
conn_sink_listening(void *arg)
{
	return (((struct conn *)arg)->c_watch != 0);
}

static int
conn_sink_storage(void *arg, const struct cache_req *req, const void *key,
    const void *value, const struct proto_ctx *ctx)
{
	if (conn_sink_listening(arg))
		return (0);
	/* memcached's cmd_meta: each meta command asks storage once. */
	if (ctx->px_kind == PROTO_META)
		net_stats.ns_meta_cmds++;
	return (batch_add(arg, req, key, value, ctx));
}

static int
conn_sink_local(void *arg, const void *text, size_t len)
{
	if (conn_sink_listening(arg))
		return (0);
	return (conn_reply_local(arg, text, len));
}

static int
conn_sink_stats(void *arg, int kind, const struct proto_ctx *ctx)
{
	if (conn_sink_listening(arg))
		return (0);
	return (stats_request(arg, kind, ctx));
}

static int
conn_sink_watch(void *arg, unsigned int flags)
{
	if (conn_sink_listening(arg))
		return (0);
	conn_watch_set(arg, flags);
	return (conn_reply_local(arg, "OK\r\n", 4));
}

static int
conn_sink_admin(void *arg, const struct cache_admin_req *rq,
    const struct proto_ctx *ctx)
{
	if (conn_sink_listening(arg))
		return (0);
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

	if (!net_conf.nc_live.nl_shutdown_enabled || conn_sink_listening(arg))
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
ssize_t
conn_parse(struct conn *c, const char *data, size_t len)
{
	struct proto_limits	 lim;
	struct proto_sink	 sink;
	enum proto_status	 st;
	size_t			 used;

	/* A watcher only listens, as in memcached. */
	if (c->c_watch != 0)
		return (len);
	memset(&lim, 0, sizeof(lim));
	lim.pl_line_max = net_conf.nc_line_max;
	lim.pl_value_max = net_conf.nc_item_size_max;
	lim.pl_cas = net_conf.nc_cas;
	lim.pl_flush = net_conf.nc_live.nl_flush_enabled;
	lim.pl_shutdown = net_conf.nc_live.nl_shutdown_enabled;
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
	sink.ps_watch = conn_sink_watch;
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
		    net_conf.nc_live.nl_protocol == LISTENER_PROTO_ASCII) ||
		    (c->c_proto == PROTO_TEXT &&
		    net_conf.nc_live.nl_protocol == LISTENER_PROTO_BINARY)) {
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
		if (c->c_text.pt_quit || c->c_bin.pb_quit)
			c->c_close_reason = WATCH_CLOSE_NORMAL;
		c->c_flags |= CONN_CLOSING;
		conn_read_off(c);
		conn_mark_dirty(c);
	}
	return (used);
}
