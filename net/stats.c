/*
 * Statistics (net child): memcached's stats, stats settings, stats conns and
 * the rest, with memcached's names and formats so that monitoring written
 * for memcached reads them unchanged.  The cache's counters come from the
 * storage child; connection counters and settings are the net child's own.
 * privcached's own counters carry a privcached_ prefix.
 */

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/time.h>

#include <event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "net.h"
#include "tlsconf.h"
#include "tlsconn.h"
#include "version.h"
#include "wire.h"

/* Stats requests waiting for storage, oldest first. */
static struct pendingq	stats_flight = TAILQ_HEAD_INITIALIZER(stats_flight);
static uint32_t		stats_seq;

static int
stats_put(struct buf *out, const struct proto_ctx *ctx, const char *name,
    const char *value)
{
	if (ctx->px_kind == PROTO_BIN)
		return (proto_bin_stat(ctx, name, value, out,
		    net_conf.nc_outbuf_max));
	return (proto_text_stat(ctx, name, value, out,
	    net_conf.nc_outbuf_max));
}

static int
stats_end(struct buf *out, const struct proto_ctx *ctx)
{
	if (ctx->px_kind == PROTO_BIN)
		return (proto_bin_stats_end(ctx, out, net_conf.nc_outbuf_max));
	return (proto_text_stats_end(ctx, out, net_conf.nc_outbuf_max));
}

#define PUTF(name, ...) do {						\
	(void)snprintf(val, sizeof(val), __VA_ARGS__);			\
	if (stats_put(out, ctx, (name), val) == -1)			\
		return (-1);						\
} while (0)

static const char *
yesno(int b)
{
	return (b ? "yes" : "no");
}

/* The net child's part of "stats", before the cache's. */
/* The other net children's counters, as storage last summed them. */
static struct net_stats	stats_peers;
/* How often the counters go to storage for the other net children. */
#define STATS_PUSH_SEC		1
static struct event	stats_push_ev;
static int		stats_push_armed;

/* This net child's counters plus the others': the whole daemon's. */
static void
stats_total(struct net_stats *all)
{
	const uint64_t	*peer = (const uint64_t *)&stats_peers;
	uint64_t	*to = (uint64_t *)all;
	size_t		 f;

	*all = net_stats;
	for (f = 0; f < NET_STATS_FIELDS; f++)
		to[f] += peer[f];
}

/* Each second, with several net children: this one's counters to storage. */
static void
stats_push(int fd, short event, void *arg)
{
	struct timeval	tv = { STATS_PUSH_SEC, 0 };

	(void)fd;
	(void)event;
	(void)arg;
	if (net_conf.nc_net_children > 1 && net_storage_up &&
	    imsg_compose(&net_storage.iev_ibuf, IMSG_CACHE_NET_STATS, 0, 0,
	    -1, &net_stats, sizeof(net_stats)) == -1)
		log_warn("net stats to storage");
	evtimer_add(&stats_push_ev, &tv);
}

void
stats_push_start(void)
{
	struct timeval	tv = { STATS_PUSH_SEC, 0 };

	if (stats_push_armed)
		return;
	stats_push_armed = 1;
	evtimer_set(&stats_push_ev, stats_push, NULL);
	evtimer_add(&stats_push_ev, &tv);
}

int
stats_peers_reply(struct imsg *imsg)
{
	return (imsg_get_data(imsg, &stats_peers, sizeof(stats_peers)));
}

static int
stats_general_head(struct buf *out, const struct proto_ctx *ctx)
{
	const struct tls_params	*tp;
	struct net_stats	 all;
	struct rusage		 ru;
	char			 val[64];

	stats_total(&all);

	if (getrusage(RUSAGE_SELF, &ru) == -1)
		memset(&ru, 0, sizeof(ru));
	PUTF("pid", "%ld", (long)getppid());
	PUTF("uptime", "%lld",
	    (long long)(net_now - net_conf.nc_start_time));
	PUTF("time", "%lld", (long long)net_now);
	/* Clients parse this as memcached's: the protocol level only. */
	PUTF("version", "%s", PRIVCACHED_MEMCACHED_LEVEL);
	PUTF("privcached_version", "%s", PRIVCACHED_VERSION);
	PUTF("libevent", "%s", event_get_version());
	PUTF("pointer_size", "%d", (int)(8 * sizeof(void *)));
	PUTF("rusage_user", "%ld.%06ld", (long)ru.ru_utime.tv_sec,
	    (long)ru.ru_utime.tv_usec);
	PUTF("rusage_system", "%ld.%06ld", (long)ru.ru_stime.tv_sec,
	    (long)ru.ru_stime.tv_usec);
	PUTF("max_connections", "%u", net_conf.nc_live.nl_maxconns_all);
	PUTF("curr_connections", "%llu",
	    (unsigned long long)all.ns_curr_conns);
	PUTF("total_connections", "%llu",
	    (unsigned long long)all.ns_total_conns);
	PUTF("rejected_connections", "%llu",
	    (unsigned long long)all.ns_rejected_conns);
	PUTF("connection_structures", "%llu",
	    (unsigned long long)all.ns_curr_conns);
	PUTF("bytes_read", "%llu",
	    (unsigned long long)all.ns_bytes_read);
	PUTF("bytes_written", "%llu",
	    (unsigned long long)all.ns_bytes_written);
	PUTF("auth_cmds", "%llu", (unsigned long long)all.ns_auth_cmds);
	PUTF("auth_errors", "%llu",
	    (unsigned long long)all.ns_auth_errors);
	if (net_conf.nc_tls && (tp = tlsconn_params()) != NULL) {
		/* memcached's names. */
		PUTF("ssl_handshake_errors", "%llu",
		    (unsigned long long)all.ns_tls_handshake_errors);
		PUTF("time_since_server_cert_refresh", "%lld",
		    (long long)(net_now - tp->tp_loaded));
	}
	PUTF("accepting_conns", "%d", 1);
	PUTF("listen_disabled_num", "%llu",
	    (unsigned long long)all.ns_listen_disabled);
	PUTF("threads", "%u", net_conf.nc_net_children);
	/* Every complete request read is parsed at once: nothing yields. */
	PUTF("conn_yields", "%d", 0);
	return (0);
}

/* privcached's own counters, after the cache's. */
/*
 * The rest of memcached 1.6.18's general keys.  No log workers, no per-worker read buffers or response objects here: those
 * count zero; the client buffers are privcached_buffer_bytes.
 */
static int
stats_general_memcached(struct buf *out, const struct proto_ctx *ctx,
    const struct net_stats *all)
{
	static const char *const zero[] = {
		"read_buf_count", "read_buf_bytes", "read_buf_bytes_free",
		"read_buf_oom", "response_obj_oom", "response_obj_count",
		"response_obj_bytes", "round_robin_fallback",
		"unexpected_napi_ids", "time_in_listen_disabled_us",
		"reserved_fds",
	};
	char		val[64];
	size_t		i;

	PUTF("cmd_meta", "%llu", (unsigned long long)all->ns_meta_cmds);
	/* watch lines are made where they are sent: no log worker. */
	PUTF("log_worker_dropped", "%d", 0);
	PUTF("log_worker_written", "%d", 0);
	PUTF("log_watcher_skipped", "%llu",
	    (unsigned long long)all->ns_log_watcher_skipped);
	PUTF("log_watcher_sent", "%llu",
	    (unsigned long long)all->ns_log_watcher_sent);
	PUTF("log_watchers", "%llu", (unsigned long long)all->ns_log_watchers);
	for (i = 0; i < sizeof(zero) / sizeof(zero[0]); i++)
		PUTF(zero[i], "%d", 0);
	return (0);
}

static int
stats_general_tail(struct buf *out, const struct proto_ctx *ctx)
{
	struct net_stats	all;
	char			val[64];

	stats_total(&all);

	PUTF("idle_kicks", "%llu",
	    (unsigned long long)all.ns_idle_kicks);
	if (stats_general_memcached(out, ctx, &all) == -1)
		return (-1);
	PUTF("privcached_net_restarts", "%u", net_conf.nc_net_restarts);
	PUTF("privcached_storage_restarts", "%u",
	    net_conf.nc_storage_restarts);
	PUTF("privcached_denied_connections", "%llu",
	    (unsigned long long)all.ns_denied_conns);
	PUTF("privcached_rejected_per_address", "%llu",
	    (unsigned long long)all.ns_rejected_per_ip);
	PUTF("privcached_request_timeouts", "%llu",
	    (unsigned long long)all.ns_request_timeouts);
	PUTF("privcached_admin_refused", "%llu",
	    (unsigned long long)all.ns_admin_refused);
	PUTF("privcached_buffer_bytes", "%zu", buf_total_bytes());
	PUTF("privcached_ipc_batches", "%llu",
	    (unsigned long long)all.ns_batches);
	PUTF("privcached_ipc_batch_records", "%llu",
	    (unsigned long long)all.ns_batch_records);
	return (0);
}

/*
 * The rest of memcached 1.6.18's stats settings keys, so that tools that
 * read them (the Prometheus exporter reads lru_crawler) find them all.
 * Those the admin commands change show what they were set to.
 */
static int
stats_settings_memcached(struct buf *out, const struct proto_ctx *ctx)
{
	const struct proto_settings *ps = &admin_settings;
	char			 val[64];

	PUTF("inter", "%s", "NULL");
	PUTF("oldest", "%d", 0);
	PUTF("domain_socket", "%s", "NULL");
	PUTF("umask", "%o", 0700);
	PUTF("num_threads_per_udp", "%u", net_conf.nc_net_children);
	PUTF("stat_key_prefix", "%c", ':');
	PUTF("detail_enabled", "%s", yesno(ps->ps_detail));
	PUTF("reqs_per_event", "%d", 20);
	PUTF("slab_reassign", "%s", yesno(1));
	PUTF("slab_automove", "%u", ps->ps_slab_automove);
	PUTF("slab_automove_ratio", "%.2f", ps->ps_automove_ratio);
	PUTF("slab_automove_window", "%u", 30);
	PUTF("slab_automove_freeratio", "%.3f", 0.01);
	PUTF("lru_crawler", "%s", yesno(ps->ps_lru_crawler));
	PUTF("lru_crawler_sleep", "%u", ps->ps_crawler_sleep);
	PUTF("lru_crawler_tocrawl", "%u", ps->ps_crawler_tocrawl);
	PUTF("tail_repair_time", "%d", 0);
	PUTF("dump_enabled", "%s", yesno(1));
	PUTF("hash_algorithm", "%s", "siphash");
	PUTF("lru_maintainer_thread", "%s", yesno(1));
	PUTF("lru_segmented", "%s", yesno(ps->ps_lru_segmented));
	PUTF("hot_lru_pct", "%u", ps->ps_hot_lru_pct);
	PUTF("warm_lru_pct", "%u", ps->ps_warm_lru_pct);
	PUTF("hot_max_factor", "%.2f", ps->ps_hot_max_factor);
	PUTF("warm_max_factor", "%.2f", ps->ps_warm_max_factor);
	PUTF("temp_lru", "%s", yesno(ps->ps_temp_lru));
	PUTF("temporary_ttl", "%d", ps->ps_temporary_ttl);
	PUTF("watcher_logbuf_size", "%u", 262144);
	PUTF("worker_logbuf_size", "%u", 65536);
	PUTF("read_buf_mem_limit", "%u", 0);
	PUTF("track_sizes", "%s", yesno(0));
	PUTF("inline_ascii_response", "%s", yesno(0));
	PUTF("num_napi_ids", "%s", "(null)");
	PUTF("memory_file", "%s", "(null)");
	return (0);
}

static int
stats_settings(struct buf *out, const struct proto_ctx *ctx)
{
	const struct cache_conf	*cc = &net_conf.nc_cache;
	const struct net_live	*nl = &net_conf.nc_live;
	const struct proto_settings *ps = &admin_settings;
	const struct tls_params	*tp;
	char			 val[64];
	const char		*proto;

	switch (nl->nl_protocol) {
	case LISTENER_PROTO_ASCII:
		proto = "ascii";
		break;
	case LISTENER_PROTO_BINARY:
		proto = "binary";
		break;
	default:
		proto = "auto-negotiate";
		break;
	}
	PUTF("maxbytes", "%llu", (unsigned long long)(ps->ps_maxbytes != 0 ?
	    ps->ps_maxbytes : cc->cc_memlimit_kept != 0 ?
	    cc->cc_memlimit_kept : cc->cc_maxbytes));
	PUTF("maxconns", "%u", net_conf.nc_live.nl_maxconns_all);
	PUTF("tcpport", "%u", net_conf.nc_tcp_port);
	PUTF("udpport", "%d", 0);
	PUTF("verbosity", "%d", log_getverbose());
	PUTF("evictions", "%s", cc->cc_evict ? "on" : "off");
	PUTF("growth_factor", "%.2f", cc->cc_factor);
	PUTF("chunk_size", "%u", cc->cc_chunk_min);
	PUTF("num_threads", "%u", net_conf.nc_net_children);
	PUTF("cas_enabled", "%s", yesno(cc->cc_cas));
	PUTF("tcp_backlog", "%u", net_conf.nc_backlog);
	PUTF("binding_protocol", "%s", proto);
	PUTF("auth_enabled_sasl", "%s", yesno(net_conf.nc_sasl));
	PUTF("auth_enabled_ascii", "%s", yesno(net_conf.nc_auth));
	PUTF("ssl_enabled", "%s", yesno(net_conf.nc_tls));
	if (net_conf.nc_tls && (tp = tlsconn_params()) != NULL) {
		PUTF("ssl_verify_mode", "%u", tp->tp_verify_mode);
		PUTF("ssl_keyformat", "%d", 0);
		PUTF("ssl_min_version", "%s",
		    tlsconf_min_version_name(tp->tp_min_version));
		/* Names of files net cannot open are no use to it. */
	}
	PUTF("item_size_max", "%u", cc->cc_item_size_max);
	PUTF("maxconns_fast", "%s", yesno(net_conf.nc_live.nl_maxconns_fast));
	PUTF("hashpower_init", "%u", cc->cc_hashpower);
	PUTF("slab_chunk_max", "%u", cc->cc_slab_chunk_max);
	PUTF("flush_enabled", "%s", yesno(nl->nl_flush_enabled));
	PUTF("shutdown_command", "%s", yesno(nl->nl_shutdown_enabled));
	PUTF("idle_timeout", "%u", nl->nl_idle_timeout);
	PUTF("privcached_request_timeout", "%u", nl->nl_request_timeout);
	PUTF("privcached_conn_per_address", "%u", nl->nl_conn_per_ip_all);
	PUTF("privcached_allowlist_entries", "%u", nl->nl_nallow);
	PUTF("privcached_buffer_budget_mb", "%u", nl->nl_buffer_budget);
	PUTF("udp_enabled", "%s", yesno(0));
	PUTF("privcached_batch_max", "%u", net_conf.nc_batch_max);
	PUTF("privcached_inflight_max", "%u", net_conf.nc_inflight_max);
	PUTF("privcached_line_max", "%u", net_conf.nc_line_max);
	PUTF("privcached_outbuf_max", "%u", net_conf.nc_outbuf_max);
	return (stats_settings_memcached(out, ctx));
}

static int
stats_conns(struct buf *out, const struct proto_ctx *ctx)
{
	struct conn	*c;
	char		 name[64], val[160];

	for (c = conn_first(); c != NULL; c = conn_next(c)) {
		(void)snprintf(name, sizeof(name), "%d:addr", c->c_fd);
		PUTF(name, "tcp:%s", c->c_peer);
		(void)snprintf(name, sizeof(name), "%d:listen_addr", c->c_fd);
		PUTF(name, "tcp:%s", c->c_listener->le_conf.lc_name);
		(void)snprintf(name, sizeof(name), "%d:state", c->c_fd);
		PUTF(name, "%s", TAILQ_EMPTY(&c->c_pending) ?
		    "conn_parse_cmd" : "conn_waiting");
		(void)snprintf(name, sizeof(name), "%d:secs_since_last_cmd",
		    c->c_fd);
		PUTF(name, "%lld", (long long)(net_now - c->c_last_cmd));
	}
	return (0);
}

/* Stats the net child answers alone, formatted now. */
static int
stats_local(struct conn *c, int kind, const struct proto_ctx *ctx)
{
	struct buf	out;
	int		rv;

	memset(&out, 0, sizeof(out));
	if (kind == PROTO_STATS_SETTINGS)
		rv = stats_settings(&out, ctx);
	else
		rv = stats_conns(&out, ctx);
	if (rv == 0)
		rv = stats_end(&out, ctx);
	if (rv == 0)
		rv = conn_reply_local(c, buf_head(&out), buf_used(&out));
	buf_free(&out);
	return (rv);
}

struct stats_reply {
	int		 sr_kind;
	struct ibuf	*sr_pairs;	/* NULL: storage is gone */
	uint32_t	 sr_count;
};

static int
stats_fmt(struct conn *c, const struct proto_ctx *ctx, void *arg)
{
	struct stats_reply	*sr = arg;
	struct ibuf		 pairs;
	char			 name[CACHE_STAT_NAME_MAX + 1];
	char			 value[CACHE_STAT_VALUE_MAX + 1];
	const char		*n, *v;
	size_t			 nlen, vlen;
	uint32_t		 i;

	if (sr->sr_kind == PROTO_STATS_GENERAL &&
	    stats_general_head(&c->c_out, ctx) == -1)
		return (-1);
	if (sr->sr_pairs != NULL) {
		ibuf_from_ibuf(&pairs, sr->sr_pairs);
		for (i = 0; i < sr->sr_count; i++) {
			/* Checked before: these cannot fail now. */
			if (wire_get_str16(&pairs, &n, &nlen) == -1 ||
			    wire_get_str16(&pairs, &v, &vlen) == -1)
				fatalx("stats pairs changed");
			memcpy(name, n, nlen);
			name[nlen] = '\0';
			memcpy(value, v, vlen);
			value[vlen] = '\0';
			if (stats_put(&c->c_out, ctx, name, value) == -1)
				return (-1);
		}
	}
	if (sr->sr_kind == PROTO_STATS_GENERAL &&
	    stats_general_tail(&c->c_out, ctx) == -1)
		return (-1);
	return (stats_end(&c->c_out, ctx));
}

int
stats_request(struct conn *c, int kind, const struct proto_ctx *ctx)
{
	struct stats_reply	 sr;
	struct pending		*p;
	uint32_t		 ckind;

	switch (kind) {
	case PROTO_STATS_SETTINGS:
	case PROTO_STATS_CONNS:
		return (stats_local(c, kind, ctx));
	case PROTO_STATS_GENERAL:
		ckind = CACHE_STATS_GENERAL;
		break;
	case PROTO_STATS_ITEMS:
		ckind = CACHE_STATS_ITEMS;
		break;
	case PROTO_STATS_SLABS:
		ckind = CACHE_STATS_SLABS;
		break;
	case PROTO_STATS_SIZES:
		ckind = CACHE_STATS_SIZES;
		break;
	case PROTO_STATS_RESET:
		ckind = CACHE_STATS_RESET;
		net_stats.ns_total_conns = 0;
		net_stats.ns_rejected_conns = 0;
		net_stats.ns_bytes_read = 0;
		net_stats.ns_bytes_written = 0;
		net_stats.ns_batches = 0;
		net_stats.ns_batch_records = 0;
		break;
	default:
		fatalx("stats kind %d", kind);
	}
	if ((p = pending_get()) == NULL) {
		log_warn("pending");
		return (-1);
	}
	p->p_conn = c;
	p->p_connid = c->c_id;
	p->p_waiting = 1;
	p->p_ctx = *ctx;
	p->p_stats_kind = kind;
	TAILQ_INSERT_TAIL(&c->c_pending, p, p_conn_entry);
	if (!net_storage_up) {
		/* Without storage, the net child's own part is all there is. */
		memset(&sr, 0, sizeof(sr));
		sr.sr_kind = kind;
		conn_complete(p, stats_fmt, &sr);
		return (0);
	}
	/* Requests before this one must reach storage before it. */
	batch_close();
	if (imsg_compose(&net_storage.iev_ibuf, IMSG_CACHE_STATS_REQ,
	    ++stats_seq, 0, -1, &ckind, sizeof(ckind)) == -1)
		fatal("compose stats request");
	TAILQ_INSERT_TAIL(&stats_flight, p, p_flight_entry);
	return (0);
}

int
stats_reply(struct imsg *imsg)
{
	struct stats_reply	 sr;
	struct ibuf		 buf, scan;
	struct pending		*p;
	const char		*n, *v;
	size_t			 nlen, vlen;
	uint32_t		 i;

	if ((p = TAILQ_FIRST(&stats_flight)) == NULL) {
		log_warnx("stats reply nobody asked for");
		return (-1);
	}
	if (imsg_get_ibuf(imsg, &buf) == -1 ||
	    wire_get_u32(&buf, &sr.sr_count) == -1)
		return (-1);
	ibuf_from_ibuf(&scan, &buf);
	for (i = 0; i < sr.sr_count; i++) {
		if (wire_get_str16(&scan, &n, &nlen) == -1 ||
		    wire_get_str16(&scan, &v, &vlen) == -1 ||
		    nlen == 0 || nlen > CACHE_STAT_NAME_MAX ||
		    vlen > CACHE_STAT_VALUE_MAX ||
		    memchr(n, '\0', nlen) != NULL ||
		    memchr(v, '\0', vlen) != NULL) {
			log_warnx("bad stats reply");
			return (-1);
		}
	}
	if (wire_end(&scan) == -1)
		return (-1);
	TAILQ_REMOVE(&stats_flight, p, p_flight_entry);
	sr.sr_kind = p->p_stats_kind;
	sr.sr_pairs = &buf;
	if (p->p_conn != NULL)
		conn_complete(p, stats_fmt, &sr);
	else
		pending_put(p);
	return (0);
}

void
stats_fail_all(void)
{
	struct stats_reply	 sr;
	struct pending		*p;

	while ((p = TAILQ_FIRST(&stats_flight)) != NULL) {
		TAILQ_REMOVE(&stats_flight, p, p_flight_entry);
		if (p->p_conn == NULL) {
			pending_put(p);
			continue;
		}
		memset(&sr, 0, sizeof(sr));
		sr.sr_kind = p->p_stats_kind;
		conn_complete(p, stats_fmt, &sr);
	}
}
