/*
 * The protocol fuzz driver (linked into fuzz_text, fuzz_meta, fuzz_bin).
 *
 * Input layout: byte 0 configures the run, the rest is what a client sent.
 *   bit 7		small limits (value_max 100, line_max 300), so the
 *			refusal and swallow paths are reached with short inputs
 *   bits 7-5 == 010	-C: cas disabled
 *   bits 7-5 == 011	-F: flush_all disabled
 *   bits 4-0		how the stream is cut into 1..3 reads
 * Seeds keep byte 0 printable ('0' is the plain configuration, one read).
 *
 * Each input is parsed twice: once whole, once cut into reads with the
 * unconsumed tail kept between calls exactly as net/conn.c conn_parse
 * keeps it (in a buffer of exactly the live size, so ASan sees any read
 * past what the parser was given).  What the parser does must not depend
 * on where the reads were cut: both runs must produce the same sequence of
 * sink calls.  Every request bound for storage must survive the storage
 * child's validator (wire_put_req then wire_get_req), and gets a reply
 * formatted through the protocol's composer into a capped buffer.
 */

#include <sys/types.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "imsg.h"
#include "proto.h"
#include "wire.h"

#include "fuzz_proto.h"

#define FUZZ_NOW		1700000000LL
#define FUZZ_VALUE_MAX		(1024 * 1024)
#define FUZZ_LINE_MAX		65536
#define FUZZ_SMALL_VALUE_MAX	100
#define FUZZ_SMALL_LINE_MAX	300
/* The net child's default per-connection output cap. */
#define FUZZ_OUT_MAX		(4 * 1024 * 1024)

struct fuzz_run {
	int			 fr_bin;
	struct proto_limits	 fr_lim;
	uint64_t		 fr_hash;	/* every sink call, in order */
	uint64_t		 fr_events;
	uint64_t		 fr_fail_at;	/* sink fails at this event */
	int			 fr_shutdown;	/* what ps_shutdown answers */
	int			 fr_format;	/* format replies (one run) */
	uint64_t		 fr_rng;
	const char		*fr_buf;	/* what the parser was given */
	size_t			 fr_len;
};

void
fuzz_fail(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	fprintf(stderr, "fuzz invariant: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	abort();
}

static uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char	*s = p;
	size_t			 i;

	for (i = 0; i < n; i++) {
		h ^= s[i];
		h *= 0x100000001b3ULL;
	}
	return (h);
}

static uint64_t
rng_next(struct fuzz_run *fr)
{
	/* xorshift64*: replies vary with the input, reproducibly. */
	fr->fr_rng ^= fr->fr_rng >> 12;
	fr->fr_rng ^= fr->fr_rng << 25;
	fr->fr_rng ^= fr->fr_rng >> 27;
	return (fr->fr_rng * 0x2545f4914f6cdd1dULL);
}

/* Records one sink call; 0, or -1 when this call is the one to fail. */
static int
fuzz_event(struct fuzz_run *fr, char type, const void *p, size_t n)
{
	fr->fr_hash = fnv(fr->fr_hash, &type, 1);
	fr->fr_hash = fnv(fr->fr_hash, p, n);
	fr->fr_events++;
	if (fr->fr_fail_at != 0 && fr->fr_events == fr->fr_fail_at)
		return (-1);
	return (0);
}

/* A heap copy of exactly n bytes: ASan checks the parser's pointers. */
static void *
fuzz_copy(const void *p, size_t n)
{
	void	*c;

	if ((c = malloc(n > 0 ? n : 1)) == NULL)
		abort();
	if (n > 0)
		memcpy(c, p, n);
	return (c);
}

/* Text and meta output is whole lines; binary output whole packets. */
static void
fuzz_check_output(const struct fuzz_run *fr, const char *out, size_t len,
    const char *what)
{
	size_t		pos = 0, body;
	const uint8_t	*h;

	if (len == 0)
		return;
	if (!fr->fr_bin) {
		if (len < 2 || out[len - 2] != '\r' || out[len - 1] != '\n')
			fuzz_fail("%s: text output does not end in CRLF",
			    what);
		return;
	}
	while (pos < len) {
		if (len - pos < 24)
			fuzz_fail("%s: short binary header", what);
		h = (const uint8_t *)out + pos;
		body = (size_t)h[8] << 24 | (size_t)h[9] << 16 |
		    (size_t)h[10] << 8 | h[11];
		if (h[0] != 0x81)
			fuzz_fail("%s: response magic %02x", what, h[0]);
		if ((size_t)h[4] + ((size_t)h[2] << 8 | h[3]) > body)
			fuzz_fail("%s: extras and key past the body", what);
		if (body > len - pos - 24)
			fuzz_fail("%s: body past the output", what);
		pos += 24 + body;
	}
}

/*
 * Everything the parser hands to storage must pass the storage child's
 * own validator, byte for byte.
 */
static void
fuzz_check_wire(const struct fuzz_run *fr, const struct cache_req *req,
    const void *key, const void *value)
{
	struct ibuf		*b, view;
	struct cache_req	 r;
	const void		*k, *v;

	if ((b = ibuf_dynamic(64, 64 + sizeof(*req) + KEY_MAX_LENGTH +
	    (size_t)FUZZ_VALUE_MAX)) == NULL)
		abort();
	if (req->cr_nkey > KEY_MAX_LENGTH)
		fuzz_fail("key of %u bytes", req->cr_nkey);
	if (req->cr_nvalue > fr->fr_lim.pl_value_max)
		fuzz_fail("value of %u bytes over %zu", req->cr_nvalue,
		    fr->fr_lim.pl_value_max);
	if (wire_put_req(b, req) == -1 ||
	    wire_put_bytes(b, key, req->cr_nkey) == -1 ||
	    wire_put_bytes(b, value, req->cr_nvalue) == -1)
		fuzz_fail("wire_put_req");
	ibuf_from_buffer(&view, ibuf_data(b), ibuf_size(b));
	if (wire_get_req(&view, fr->fr_lim.pl_value_max, &r, &k, &v) == -1)
		fuzz_fail("storage would refuse op %u mode %u opts %#x "
		    "nkey %u nvalue %u", req->cr_op, req->cr_mode,
		    req->cr_opts, req->cr_nkey, req->cr_nvalue);
	if (wire_end(&view) == -1)
		fuzz_fail("wire_end");
	if (memcmp(&r, req, sizeof(r)) != 0 ||
	    (r.cr_nkey > 0 && memcmp(k, key, r.cr_nkey) != 0) ||
	    (r.cr_nvalue > 0 && memcmp(v, value, r.cr_nvalue) != 0))
		fuzz_fail("request changed on the wire");
	ibuf_free(b);
}

/* A reply storage could plausibly send for req, through the composer. */
static void
fuzz_format(struct fuzz_run *fr, const struct cache_req *req,
    const void *key, const struct proto_ctx *ctx)
{
	struct cache_rep	 rep;
	struct buf		 out;
	char			 value[700];
	size_t			 max, nvalue = 0;
	uint64_t		 r = rng_next(fr);
	int			 rv;

	memset(&rep, 0, sizeof(rep));
	memset(value, 'v', sizeof(value));
	/* Mostly hits, but every status, UNAVAILABLE included. */
	if (r % 3 != 0)
		rep.rp_status = CACHE_OK;
	else
		rep.rp_status = CACHE_OK + (r >> 8) % (CACHE_STATUS_MAX -
		    CACHE_OK);
	rep.rp_info = (r >> 16) & 0x0f;
	rep.rp_clsid = (r >> 20) & 0x3f;
	rep.rp_flags = rng_next(fr) % 3 == 0 ? UINT32_MAX : req->cr_flags;
	/* cache/ops.c: -1 never, 0 expired, else up to 2^32 seconds. */
	rep.rp_ttl = (int64_t)(rng_next(fr) % 5) - 1;
	if ((r >> 30) % 4 == 0)
		rep.rp_ttl = (int64_t)(rng_next(fr) % (UINT32_MAX + 1ULL));
	rep.rp_last_access = (uint32_t)rng_next(fr);
	rep.rp_cas = (r >> 40) % 2 ? UINT64_MAX : req->cr_cas;
	rep.rp_connid = req->cr_connid;
	if (rep.rp_status == CACHE_OK) {
		switch (req->cr_op) {
		case CACHE_OP_GET:
			if (req->cr_opts & CACHE_OPT_WANT_VALUE)
				nvalue = rng_next(fr) % sizeof(value);
			if ((r >> 50) % 4 == 0)
				nvalue = 0;
			break;
		case CACHE_OP_ARITH:
			/* Storage sends digits; the composer must cope. */
			nvalue = (size_t)snprintf(value, sizeof(value),
			    "%llu", (unsigned long long)rng_next(fr));
			if ((r >> 52) % 8 == 0)
				nvalue = 21;	/* 'v's: not a number */
			break;
		default:
			break;
		}
	}
	if ((req->cr_opts & CACHE_OPT_WANT_KEY) || (rep.rp_status == CACHE_OK &&
	    req->cr_op == CACHE_OP_GET && (r >> 60) % 2))
		rep.rp_nkey = req->cr_nkey;
	rep.rp_nvalue = (uint32_t)nvalue;
	rep.rp_vlen = rep.rp_nvalue;
	rep.rp_size = rep.rp_nvalue + rep.rp_nkey + 48;
	/* What net checks before a reply reaches a composer. */
	if (rep.rp_nkey > KEY_MAX_LENGTH || rep.rp_nvalue > FUZZ_VALUE_MAX)
		abort();

	/* A small cap now and then, for the past-the-cap paths. */
	max = rng_next(fr) % 4 == 0 ? rng_next(fr) % 128 : FUZZ_OUT_MAX;
	memset(&out, 0, sizeof(out));
	switch (ctx->px_kind) {
	case PROTO_TEXT:
		rv = proto_text_reply(ctx, &rep, key, value, &out, max);
		break;
	case PROTO_META:
		rv = proto_meta_reply(ctx, &rep, key, value, &out, max);
		break;
	case PROTO_BIN:
		rv = proto_bin_reply(ctx, &rep, key, value, &out, max);
		break;
	default:
		fuzz_fail("reply for protocol %u", ctx->px_kind);
	}
	if (rv != 0 && rv != -1)
		fuzz_fail("composer returned %d", rv);
	if (buf_used(&out) > max)
		fuzz_fail("output %zu past cap %zu", buf_used(&out), max);
	if (rv == 0 && buf_used(&out) > 0)
		fuzz_check_output(fr, buf_head(&out), buf_used(&out),
		    "reply");
	buf_free(&out);
}

static int
sink_storage(void *arg, const struct cache_req *req, const void *key,
    const void *value, const struct proto_ctx *ctx)
{
	struct fuzz_run	*fr = arg;
	void		*k, *v;

	/* Copies of exactly the announced sizes: ASan checks the source. */
	k = fuzz_copy(key, req->cr_nkey);
	v = fuzz_copy(value, req->cr_nvalue);
	if (req->cr_connid != 0)
		fuzz_fail("parser set a connection id");
	if (fr->fr_bin ? ctx->px_kind != PROTO_BIN :
	    (ctx->px_kind != PROTO_TEXT && ctx->px_kind != PROTO_META))
		fuzz_fail("context of protocol %u", ctx->px_kind);
	/* Text keys are checked by the parser; meta b and binary are raw. */
	if (ctx->px_kind == PROTO_TEXT && req->cr_nkey > 0 &&
	    !proto_key_valid(k, req->cr_nkey))
		fuzz_fail("text key with a space or control byte");
	if (req->cr_op == CACHE_OP_STORE && req->cr_nvalue > 0 &&
	    !fr->fr_bin && ((const char *)value < fr->fr_buf ||
	    (const char *)value + req->cr_nvalue > fr->fr_buf + fr->fr_len))
		fuzz_fail("value outside the input");
	fuzz_check_wire(fr, req, k, v);
	if (fr->fr_format)
		fuzz_format(fr, req, k, ctx);
	if (fuzz_event(fr, 'S', req, sizeof(*req)) == -1) {
		free(k);
		free(v);
		return (-1);
	}
	fr->fr_hash = fnv(fr->fr_hash, k, req->cr_nkey);
	fr->fr_hash = fnv(fr->fr_hash, v, req->cr_nvalue);
	fr->fr_hash = fnv(fr->fr_hash, ctx, sizeof(*ctx));
	free(k);
	free(v);
	return (0);
}

static int
sink_local(void *arg, const void *text, size_t len)
{
	struct fuzz_run	*fr = arg;
	void		*c;

	c = fuzz_copy(text, len);
	fuzz_check_output(fr, c, len, "local reply");
	free(c);
	return (fuzz_event(fr, 'L', text, len));
}

static int
sink_verbosity(void *arg, int level)
{
	struct fuzz_run	*fr = arg;

	if (level < 0 || level > 3)
		fuzz_fail("verbosity %d", level);
	return (fuzz_event(fr, 'V', &level, sizeof(level)));
}

static int
sink_stats(void *arg, int kind, const struct proto_ctx *ctx)
{
	struct fuzz_run	*fr = arg;
	struct buf	 out;
	int		 rv;

	if (kind < 0 || kind >= PROTO_STATS_MAX)
		fuzz_fail("stats kind %d", kind);
	if (fr->fr_format) {
		memset(&out, 0, sizeof(out));
		if (ctx->px_kind == PROTO_BIN)
			rv = proto_bin_stat(ctx, "curr_items", "1", &out,
			    FUZZ_OUT_MAX) | proto_bin_stats_end(ctx, &out,
			    FUZZ_OUT_MAX);
		else
			rv = proto_text_stat(ctx, "curr_items", "1", &out,
			    FUZZ_OUT_MAX) | proto_text_stats_end(ctx, &out,
			    FUZZ_OUT_MAX);
		if (rv != 0)
			fuzz_fail("stats composer");
		if (buf_used(&out) > 0)
			fuzz_check_output(fr, buf_head(&out),
			    buf_used(&out), "stats");
		buf_free(&out);
	}
	if (fuzz_event(fr, 'T', &kind, sizeof(kind)) == -1)
		return (-1);
	fr->fr_hash = fnv(fr->fr_hash, ctx, sizeof(*ctx));
	return (0);
}

static int
sink_shutdown(void *arg)
{
	struct fuzz_run	*fr = arg;

	if (fuzz_event(fr, 'Q', NULL, 0) == -1)
		return (-1);
	return (fr->fr_shutdown);
}

static void
sink_trace(void *arg, const char *line, size_t len)
{
	struct fuzz_run	*fr = arg;
	void		*c;

	/* Not an event: -vv may be on or off without changing anything. */
	if (len > fr->fr_lim.pl_line_max)
		fuzz_fail("traced line of %zu bytes", len);
	c = fuzz_copy(line, len);
	free(c);
}

static enum proto_status
fuzz_parse(struct fuzz_run *fr, struct proto_text_state *ts,
    struct proto_bin_state *bs, const struct proto_sink *sink,
    const char *buf, size_t len, size_t *used)
{
	enum proto_status	st;

	fr->fr_buf = buf;
	fr->fr_len = len;
	*used = (size_t)-1;
	if (fr->fr_bin)
		st = proto_bin_parse(bs, &fr->fr_lim, sink, buf, len, used,
		    FUZZ_NOW);
	else
		st = proto_text_parse(ts, &fr->fr_lim, sink, buf, len, used,
		    FUZZ_NOW);
	if (st != PROTO_OK && st != PROTO_CLOSE)
		fuzz_fail("parse status %d", st);
	if (*used > len)
		fuzz_fail("used %zu of %zu bytes", *used, len);
	return (st);
}

/*
 * One run: the stream cut at cuts[0..ncuts-1], the unconsumed tail kept.
 * Returns the status of the last call; *consumed is the total used.
 */
static enum proto_status
fuzz_stream(struct fuzz_run *fr, const struct proto_sink *sink,
    const char *data, size_t size, const size_t *cuts, size_t ncuts,
    size_t *consumed)
{
	struct proto_text_state	 ts;
	struct proto_bin_state	 bs;
	enum proto_status	 st = PROTO_OK;
	char			*pend = NULL, *nb;
	size_t			 npend = 0, from = 0, to, used, i;

	memset(&ts, 0, sizeof(ts));
	memset(&bs, 0, sizeof(bs));
	*consumed = 0;
	for (i = 0; i <= ncuts; i++) {
		to = i < ncuts ? cuts[i] : size;
		if (to < from)
			abort();
		/* conn_read_once: an empty read never reaches the parser. */
		if (to == from)
			continue;
		nb = malloc(npend + (to - from));
		if (nb == NULL)
			abort();
		if (npend > 0)
			memcpy(nb, pend, npend);
		memcpy(nb + npend, data + from, to - from);
		free(pend);
		pend = nb;
		npend += to - from;
		from = to;
		st = fuzz_parse(fr, &ts, &bs, sink, pend, npend, &used);
		*consumed += used;
		if (st == PROTO_CLOSE)
			break;
		/* conn_parse: buf_consume(used), the rest waits. */
		nb = fuzz_copy(pend + used, npend - used);
		free(pend);
		pend = nb;
		npend -= used;
	}
	if (st == PROTO_OK && npend > 0) {
		uint64_t	h = fr->fr_hash, ev = fr->fr_events;

		/*
		 * Everything complete was consumed: the tail, parsed again
		 * with nothing new, must consume nothing and say nothing.
		 */
		if ((ts.pt_swallow | bs.pb_swallow) != 0)
			fuzz_fail("swallowing with %zu bytes unread", npend);
		if (fuzz_parse(fr, &ts, &bs, sink, pend, npend, &used) !=
		    PROTO_OK || used != 0 || fr->fr_hash != h ||
		    fr->fr_events != ev)
			fuzz_fail("the tail of %zu bytes made progress", npend);
	}
	free(pend);
	return (st);
}

int
fuzz_proto_run(int bin, const uint8_t *data, size_t size)
{
	struct proto_sink	 sink;
	struct fuzz_run		 whole, cut;
	enum proto_status	 st_whole, st_cut;
	size_t			 cuts[2], ncuts, used_whole, used_cut, n;
	uint64_t		 h;
	uint8_t			 c, v;

	if (size < 1)
		return (0);
	c = data[0];
	data++;
	size--;
	h = fnv(0xcbf29ce484222325ULL, data, size);

	memset(&whole, 0, sizeof(whole));
	whole.fr_bin = bin;
	whole.fr_lim.pl_line_max = (c & 0x80) ? FUZZ_SMALL_LINE_MAX :
	    FUZZ_LINE_MAX;
	whole.fr_lim.pl_value_max = (c & 0x80) ? FUZZ_SMALL_VALUE_MAX :
	    FUZZ_VALUE_MAX;
	whole.fr_lim.pl_cas = (c & 0xe0) != 0x40;
	whole.fr_lim.pl_flush = (c & 0xe0) != 0x60;
	whole.fr_hash = 0xcbf29ce484222325ULL;
	/* One input in sixteen has a sink that fails, as a closing conn's. */
	whole.fr_fail_at = (h & 0xf) == 0 ? 1 + ((h >> 4) & 7) : 0;
	whole.fr_shutdown = (h >> 8) & 1;
	whole.fr_rng = h | 1;
	cut = whole;
	whole.fr_format = 1;

	memset(&sink, 0, sizeof(sink));
	sink.ps_storage = sink_storage;
	sink.ps_local = sink_local;
	sink.ps_verbosity = sink_verbosity;
	sink.ps_stats = sink_stats;
	sink.ps_shutdown = sink_shutdown;
	sink.ps_trace = sink_trace;

	sink.ps_arg = &whole;
	st_whole = fuzz_stream(&whole, &sink, (const char *)data, size, NULL,
	    0, &used_whole);

	v = c & 0x1f;
	ncuts = v % 3;
	n = v / 3;
	cuts[0] = size == 0 ? 0 : (n * 7919 + 1) % (size + 1);
	cuts[1] = size == 0 ? 0 : (n * 104729 + 3) % (size + 1);
	if (cuts[1] < cuts[0]) {
		n = cuts[0];
		cuts[0] = cuts[1];
		cuts[1] = n;
	}
	if (ncuts == 1)
		cuts[0] = cuts[1];
	sink.ps_arg = &cut;
	st_cut = fuzz_stream(&cut, &sink, (const char *)data, size, cuts,
	    ncuts, &used_cut);

	/* Where the reads were cut must not change what was understood. */
	if (st_whole != st_cut || whole.fr_events != cut.fr_events ||
	    whole.fr_hash != cut.fr_hash)
		fuzz_fail("cut at %zu/%zu (%zu cuts): status %d/%d, events "
		    "%llu/%llu, hash differs %d", cuts[0], cuts[1], ncuts,
		    st_whole, st_cut, (unsigned long long)whole.fr_events,
		    (unsigned long long)cut.fr_events,
		    whole.fr_hash != cut.fr_hash);
	/* A close may throw away what followed (used = len there). */
	if (st_whole == PROTO_OK && used_whole != used_cut)
		fuzz_fail("consumed %zu whole, %zu cut", used_whole,
		    used_cut);
	return (0);
}
