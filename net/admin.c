/*
 * Admin commands storage answers (net child): sends the request after
 * the requests before it, collects the answer (a key listing may come in
 * several messages), checks every record and formats it in order with the
 * connection's other replies.  Also who may run admin commands.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "net.h"
#include "region.h"
#include "wire.h"

static int	admin_loopback(const struct sockaddr *);

/* Admin commands in flight at once, all connections together. */
#define NET_ADMIN_INFLIGHT	64

/* Admin requests waiting for storage, oldest first. */
static struct pendingq	admin_flight = TAILQ_HEAD_INITIALIZER(admin_flight);
static uint32_t		admin_seq;
/* The answer of the oldest one, as it comes. */
static struct buf	admin_acc;
/* What the oldest one asked (requests are answered in order). */
static struct cache_admin_req admin_asked[NET_ADMIN_INFLIGHT];
static unsigned int	admin_head, admin_count;

struct admin_done {
	const char	*ad_text;	/* NULL: storage is gone */
	uint32_t	 ad_op;
};

struct proto_settings	admin_settings = {
	.ps_lru_crawler = 1,
	.ps_crawler_sleep = 100,
	.ps_slab_automove = 1,
	.ps_automove_ratio = 0.8,
	.ps_hot_lru_pct = 20,
	.ps_warm_lru_pct = 40,
	.ps_hot_max_factor = 0.2,
	.ps_warm_max_factor = 2.0,
	.ps_lru_segmented = 1,
	.ps_temporary_ttl = 61,
};

/* 1 if sa is within one of the n networks of arr. */
static int
admin_in(const struct sockaddr *sa, const struct net_cidr *arr, uint32_t n)
{
	const uint8_t	*a;
	uint32_t	 i, bits, full;
	size_t		 len;
	int		 fam;

	if (sa->sa_family == AF_INET) {
		a = (const uint8_t *)
		    &((const struct sockaddr_in *)sa)->sin_addr;
		fam = AF_INET;
		len = 4;
	} else {
		a = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
		fam = AF_INET6;
		len = 16;
	}
	for (i = 0; i < n; i++) {
		if (arr[i].nr_family != fam)
			continue;
		bits = arr[i].nr_prefix;
		full = bits / 8;
		if (full > len || memcmp(a, arr[i].nr_addr, full) != 0)
			continue;
		if (bits % 8 != 0 && ((a[full] ^ arr[i].nr_addr[full]) &
		    (0xff << (8 - bits % 8))) != 0)
			continue;
		return (1);
	}
	return (0);
}

int
admin_allowed(const struct sockaddr *sa)
{
	if ((sa->sa_family == AF_INET || sa->sa_family == AF_INET6) &&
	    net_conf.nc_live.nl_nadmin_allow > 0)
		return (admin_in(sa, net_conf.nc_live.nl_admin_allow,
		    net_conf.nc_live.nl_nadmin_allow));
	return (admin_loopback(sa));
}

/* The default: loopback, and the unix socket (its mode says who). */
static int
admin_loopback(const struct sockaddr *sa)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;
	static const uint8_t		 mapped[12] = { 0, 0, 0, 0, 0, 0, 0,
					    0, 0, 0, 0xff, 0xff };

	switch (sa->sa_family) {
	case AF_INET:
		sin = (const struct sockaddr_in *)sa;
		return ((ntohl(sin->sin_addr.s_addr) >> 24) == 127);
	case AF_INET6:
		sin6 = (const struct sockaddr_in6 *)sa;
		if (IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr))
			return (1);
		return (memcmp(sin6->sin6_addr.s6_addr, mapped, 12) == 0 &&
		    sin6->sin6_addr.s6_addr[12] == 127);
	default:
		/* The unix socket: its file mode says who connects. */
		return (1);
	}
}

int
admin_request(struct conn *c, const struct cache_admin_req *rq,
    const struct proto_ctx *ctx)
{
	struct pending	*p;

	if (!net_storage_up)
		return (conn_reply_local(c, "SERVER_ERROR storage unavailable"
		    "\r\n", 34));
	if (admin_count == NET_ADMIN_INFLIGHT)
		return (conn_reply_local(c, "SERVER_ERROR too many admin "
		    "commands at once\r\n", 46));
	if ((p = pending_get()) == NULL) {
		log_warn("pending");
		return (-1);
	}
	admin_asked[(admin_head + admin_count++) % NET_ADMIN_INFLIGHT] = *rq;
	p->p_conn = c;
	p->p_connid = c->c_id;
	p->p_waiting = 1;
	p->p_ctx = *ctx;
	TAILQ_INSERT_TAIL(&c->c_pending, p, p_conn_entry);
	/* Requests before this one must reach storage before it. */
	batch_close();
	if (imsg_compose(&net_storage.iev_ibuf, IMSG_CACHE_ADMIN_REQ,
	    ++admin_seq, 0, -1, rq, sizeof(*rq)) == -1)
		fatal("compose admin request");
	TAILQ_INSERT_TAIL(&admin_flight, p, p_flight_entry);
	return (0);
}

static int
admin_fmt(struct conn *c, const struct proto_ctx *ctx, void *arg)
{
	struct admin_done	*ad = arg;
	const char		*text = ad->ad_text;

	if (text == NULL)
		return (buf_printf(&c->c_out, net_conf.nc_outbuf_max,
		    "SERVER_ERROR storage unavailable\r\n"));
	if (ctx->px_kind == PROTO_BIN) {
		/* Binary stats detail: the dump is one "detailed" stat. */
		if (ad->ad_op == CACHE_ADMIN_DETAIL_DUMP &&
		    proto_bin_stat(ctx, "detailed", text, &c->c_out,
		    net_conf.nc_outbuf_max) == -1)
			return (-1);
		return (proto_bin_stats_end(ctx, &c->c_out,
		    net_conf.nc_outbuf_max));
	}
	return (buf_add(&c->c_out, text, strlen(text),
	    net_conf.nc_outbuf_max));
}

int
admin_reply(struct imsg *imsg)
{
	struct cache_admin_hdr	 h;
	struct cache_admin_req	*rq;
	struct admin_done	 ad;
	struct ibuf		 buf;
	struct pending		*p;
	struct proto_ctx	 text;
	const void		*recs, *hp;
	size_t			 len;

	if ((p = TAILQ_FIRST(&admin_flight)) == NULL) {
		log_warnx("admin reply nobody asked for");
		return (-1);
	}
	if (imsg_get_ibuf(imsg, &buf) == -1 ||
	    wire_get_bytes(&buf, sizeof(h), &hp) == -1)
		return (-1);
	memcpy(&h, hp, sizeof(h));
	len = ibuf_size(&buf);
	if ((recs = ibuf_data(&buf)) == NULL)
		len = 0;
	rq = &admin_asked[admin_head];
	if (h.ah_op != rq->ca_op || proto_admin_check(&h, recs, len) == -1) {
		log_warnx("bad admin reply");
		return (-1);
	}
	/* The text form; binary wraps it at the end. */
	text = p->p_ctx;
	if (text.px_kind == PROTO_BIN)
		text.px_noreply = 1;
	if (p->p_conn != NULL && proto_admin_reply(&text, &h, recs, len,
	    &admin_acc, net_conf.nc_outbuf_max) == -1) {
		log_warnx("connection %llu: admin reply past the output cap",
		    (unsigned long long)p->p_connid);
		conn_close(p->p_conn);
	}
	if (h.ah_flags & CACHE_ADMIN_MORE)
		return (0);
	TAILQ_REMOVE(&admin_flight, p, p_flight_entry);
	if (h.ah_op == CACHE_ADMIN_MEMLIMIT && h.ah_status == CACHE_ADMIN_OK)
		admin_settings.ps_maxbytes = (uint64_t)rq->ca_arg * 1024 * 1024;
	ad.ad_op = rq->ca_op;
	admin_head = (admin_head + 1) % NET_ADMIN_INFLIGHT;
	admin_count--;
	if (p->p_conn != NULL) {
		if (buf_add(&admin_acc, "", 1, SIZE_MAX) == -1)
			fatal("admin reply");
		ad.ad_text = buf_head(&admin_acc);
		conn_complete(p, admin_fmt, &ad);
	} else
		pending_put(p);
	buf_free(&admin_acc);
	memset(&admin_acc, 0, sizeof(admin_acc));
	return (0);
}

int
admin_memlimit(struct imsg *imsg)
{
	const struct cache_conf	*cc = &net_conf.nc_cache;
	uint64_t		 limit, pages, most;

	/* The rule fixed the length. */
	if (imsg_get_data(imsg, &limit, sizeof(limit)) == -1)
		fatal("IMSG_CACHE_MEMLIMIT");
	if (limit == 0 || cc->cc_slab_page_size == 0)
		return (-1);
	/* -m as it came, or what cache_set_maxbytes accepts. */
	pages = limit / cc->cc_slab_page_size;
	most = region_reserve(cc) / cc->cc_slab_page_size;
	if (limit != cc->cc_maxbytes &&
	    (pages == 0 || pages > (most == 0 ? 1 : most)))
		return (-1);
	admin_settings.ps_maxbytes = limit;
	return (0);
}

void
admin_fail_all(void)
{
	struct admin_done	 ad;
	struct pending		*p;

	buf_free(&admin_acc);
	memset(&admin_acc, 0, sizeof(admin_acc));
	while ((p = TAILQ_FIRST(&admin_flight)) != NULL) {
		TAILQ_REMOVE(&admin_flight, p, p_flight_entry);
		ad.ad_text = NULL;
		ad.ad_op = admin_asked[admin_head].ca_op;
		admin_head = (admin_head + 1) % NET_ADMIN_INFLIGHT;
		admin_count--;
		if (p->p_conn == NULL)
			pending_put(p);
		else
			conn_complete(p, admin_fmt, &ad);
	}
}
