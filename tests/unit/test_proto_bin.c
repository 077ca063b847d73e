/*
 * The binary protocol without a network: packets built here go through the
 * parser into a recording sink; storage answers go through the composer and
 * are decoded back.
 */

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto_test.h"
#include "version.h"

/* Opcodes and statuses as the wire has them, spelled out independently. */
#define OP_GET		0x00
#define OP_SET		0x01
#define OP_ADD		0x02
#define OP_REPLACE	0x03
#define OP_DELETE	0x04
#define OP_INCR		0x05
#define OP_DECR		0x06
#define OP_QUIT		0x07
#define OP_FLUSH	0x08
#define OP_GETQ		0x09
#define OP_NOOP		0x0a
#define OP_VERSION	0x0b
#define OP_GETK		0x0c
#define OP_GETKQ	0x0d
#define OP_APPEND	0x0e
#define OP_PREPEND	0x0f
#define OP_STAT		0x10
#define OP_SETQ		0x11
#define OP_ADDQ		0x12
#define OP_REPLACEQ	0x13
#define OP_DELETEQ	0x14
#define OP_INCRQ	0x15
#define OP_DECRQ	0x16
#define OP_QUITQ	0x17
#define OP_FLUSHQ	0x18
#define OP_APPENDQ	0x19
#define OP_PREPENDQ	0x1a
#define OP_VERBOSITY	0x1b
#define OP_TOUCH	0x1c
#define OP_GAT		0x1d
#define OP_GATQ		0x1e
#define OP_SASL_LIST	0x20
#define OP_SASL_AUTH	0x21
#define OP_SASL_STEP	0x22
#define OP_GATK		0x23
#define OP_GATKQ	0x24

#define ST_OK		0x0000
#define ST_ENOENT	0x0001
#define ST_EEXISTS	0x0002
#define ST_E2BIG	0x0003
#define ST_EINVAL	0x0004
#define ST_NOT_STORED	0x0005
#define ST_BADVAL	0x0006
#define ST_AUTH		0x0020
#define ST_UNKNOWN	0x0081
#define ST_ENOMEM	0x0082
#define ST_TMPFAIL	0x0086

static struct proto_bin_state	st;

/* The parser's value limit holds all the way to storage. */
static void
check_bin(const struct cache_req *req, const struct proto_ctx *ctx)
{
	(void)ctx;
	cr_assert_leq(req->cr_nvalue, VALUE_MAX);
}

/* Stats requests must come marked as binary; verbosity is recorded. */
static const struct pt_conf	conf = {
	.pc_stats = PROTO_BIN,
	.pc_verbosity = 1,
	.pc_check = check_bin,
};

static void
setup(void)
{
	pt_setup(&conf);
	memset(&st, 0, sizeof(st));
}

TestSuite(bin, .init = setup);

/* Packet builders. */

static void
be16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void
be32(uint8_t *p, uint32_t v)
{
	be16(p, v >> 16);
	be16(p + 2, v & 0xffff);
}

static void
be64(uint8_t *p, uint64_t v)
{
	be32(p, v >> 32);
	be32(p + 4, v & 0xffffffff);
}

static uint16_t
rd16(const uint8_t *p)
{
	return ((uint16_t)(p[0] << 8 | p[1]));
}

static uint32_t
rd32(const uint8_t *p)
{
	return ((uint32_t)rd16(p) << 16 | rd16(p + 2));
}

static uint64_t
rd64(const uint8_t *p)
{
	return ((uint64_t)rd32(p) << 32 | rd32(p + 4));
}

/* A header with whatever lengths the test wants, true or not. */
static size_t
hdr(uint8_t *p, uint8_t magic, uint8_t op, uint16_t keylen, uint8_t extlen,
    uint32_t bodylen, uint32_t opaque, uint64_t cas)
{
	memset(p, 0, 24);
	p[0] = magic;
	p[1] = op;
	be16(p + 2, keylen);
	p[4] = extlen;
	be32(p + 8, bodylen);
	be32(p + 12, opaque);
	be64(p + 16, cas);
	return (24);
}

/* A well-formed request; its length. */
static size_t
pkt(uint8_t *p, uint8_t op, const void *ext, size_t elen, const char *key,
    const void *val, size_t vlen, uint32_t opaque, uint64_t cas)
{
	size_t	klen = key != NULL ? strlen(key) : 0, n;

	n = hdr(p, 0x80, op, klen, elen, elen + klen + vlen, opaque, cas);
	if (elen > 0)
		memcpy(p + n, ext, elen);
	n += elen;
	if (klen > 0)
		memcpy(p + n, key, klen);
	n += klen;
	if (vlen > 0)
		memcpy(p + n, val, vlen);
	return (n + vlen);
}

static size_t
pkt_key(uint8_t *p, uint8_t op, const char *key, uint32_t opaque)
{
	return (pkt(p, op, NULL, 0, key, NULL, 0, opaque, 0));
}

static size_t
pkt_store(uint8_t *p, uint8_t op, const char *key, uint32_t flags,
    uint32_t exptime, const char *val, uint64_t cas)
{
	uint8_t	ext[8];

	be32(ext, flags);
	be32(ext + 4, exptime);
	return (pkt(p, op, ext, 8, key, val, strlen(val), 0, cas));
}

static size_t
pkt_arith(uint8_t *p, uint8_t op, const char *key, uint64_t delta,
    uint64_t initial, uint32_t exptime, uint64_t cas)
{
	uint8_t	ext[20];

	be64(ext, delta);
	be64(ext + 8, initial);
	be32(ext + 16, exptime);
	return (pkt(p, op, ext, 20, key, NULL, 0, 0, cas));
}

static size_t
pkt_touch(uint8_t *p, uint8_t op, const char *key, uint32_t exptime)
{
	uint8_t	ext[4];

	be32(ext, exptime);
	return (pkt(p, op, ext, 4, key, NULL, 0, 0, 0));
}

static enum proto_status
feed(const void *p, size_t len, size_t *used)
{
	return (proto_bin_parse(&st, &lim, &sink, p, len, used, NOW));
}

/* Feeds p, which must be consumed whole with PROTO_OK. */
static void
feed_all(const void *p, size_t len)
{
	size_t	used;

	cr_assert_eq(feed(p, len, &used), PROTO_OK);
	cr_assert_eq(used, len, "used %zu of %zu", used, len);
}

/* A decoded response. */
struct resp {
	uint8_t		 r_magic;
	uint8_t		 r_op;
	uint16_t	 r_keylen;
	uint8_t		 r_extlen;
	uint8_t		 r_datatype;
	uint16_t	 r_status;
	uint32_t	 r_bodylen;
	uint32_t	 r_opaque;
	uint64_t	 r_cas;
	const uint8_t	*r_ext;
	const uint8_t	*r_key;
	const uint8_t	*r_value;
	size_t		 r_vlen;
};

/* Decodes responses from p; how many there are (every byte used). */
static int
decode(const void *buf, size_t len, struct resp *r, int max)
{
	const uint8_t	*p = buf;
	size_t		 off = 0;
	int		 n = 0;

	while (off < len) {
		cr_assert_lt(n, max);
		cr_assert_geq(len - off, 24, "truncated header");
		r[n].r_magic = p[off];
		r[n].r_op = p[off + 1];
		r[n].r_keylen = rd16(p + off + 2);
		r[n].r_extlen = p[off + 4];
		r[n].r_datatype = p[off + 5];
		r[n].r_status = rd16(p + off + 6);
		r[n].r_bodylen = rd32(p + off + 8);
		r[n].r_opaque = rd32(p + off + 12);
		r[n].r_cas = rd64(p + off + 16);
		cr_assert_eq(r[n].r_magic, 0x81);
		cr_assert_eq(r[n].r_datatype, 0);
		cr_assert_geq(r[n].r_bodylen, r[n].r_extlen + r[n].r_keylen);
		cr_assert_geq(len - off - 24, r[n].r_bodylen,
		    "truncated body");
		r[n].r_ext = p + off + 24;
		r[n].r_key = r[n].r_ext + r[n].r_extlen;
		r[n].r_value = r[n].r_key + r[n].r_keylen;
		r[n].r_vlen = r[n].r_bodylen - r[n].r_extlen - r[n].r_keylen;
		off += 24 + r[n].r_bodylen;
		n++;
	}
	return (n);
}

static int
value_is(const struct resp *r, const char *s)
{
	return (r->r_vlen == strlen(s) && memcmp(r->r_value, s,
	    r->r_vlen) == 0);
}

/* The one local reply queued so far, with this status and text. */
static void
expect_local(uint8_t op, uint16_t status, const char *text)
{
	struct resp	r[4];

	cr_assert_eq(decode(local, nlocal, r, 4), 1);
	cr_assert_eq(r[0].r_op, op, "opcode %#x", r[0].r_op);
	cr_assert_eq(r[0].r_status, status, "status %#x want %#x",
	    r[0].r_status, status);
	cr_assert_eq(r[0].r_extlen, 0);
	cr_assert_eq(r[0].r_keylen, 0);
	cr_assert_eq(r[0].r_cas, 0);
	cr_assert(value_is(&r[0], text), "body %.*s", (int)r[0].r_vlen,
	    r[0].r_value);
}

/* Composes the reply to recs[i] from rep into a fresh buffer. */
static int
reply(int i, struct cache_rep *rep, const char *key, const char *value,
    struct resp *r, int max)
{
	static struct buf	out;
	int			n;

	buf_free(&out);
	memset(&out, 0, sizeof(out));
	if (key != NULL)
		rep->rp_nkey = strlen(key);
	if (value != NULL)
		rep->rp_nvalue = rep->rp_vlen = strlen(value);
	cr_assert_eq(proto_bin_reply(&recs[i].r_ctx, rep, key, value, &out,
	    1 << 20), 0);
	n = decode((const uint8_t *)buf_head(&out), buf_used(&out), r, max);
	return (n);
}

static struct cache_rep
rep_status(int status)
{
	struct cache_rep	rep;

	memset(&rep, 0, sizeof(rep));
	rep.rp_status = status;
	return (rep);
}

/* Requests to cache_req. */

Test(bin, get_family)
{
	uint8_t	b[1024];
	size_t	n = 0;

	n += pkt_key(b + n, OP_GET, "a", 1);
	n += pkt_key(b + n, OP_GETQ, "bb", 2);
	n += pkt_key(b + n, OP_GETK, "ccc", 3);
	n += pkt_key(b + n, OP_GETKQ, "dddd", 4);
	feed_all(b, n);
	cr_assert_eq(nlocal, 0);
	cr_assert_eq(nrecs, 4);
	cr_assert_str_eq(recs[0].r_key, "a");
	cr_assert_str_eq(recs[3].r_key, "dddd");
	for (n = 0; n < 4; n++) {
		cr_assert_eq(recs[n].r_req.cr_op, CACHE_OP_GET);
		cr_assert_eq(recs[n].r_req.cr_nvalue, 0);
		cr_assert(recs[n].r_req.cr_opts & CACHE_OPT_WANT_VALUE);
		cr_assert_eq(!!(recs[n].r_req.cr_opts & CACHE_OPT_WANT_KEY),
		    n >= 2);
		cr_assert_eq(recs[n].r_req.cr_opts & CACHE_OPT_TOUCH, 0);
		cr_assert_eq(recs[n].r_ctx.px_kind, PROTO_BIN);
		cr_assert_eq(recs[n].r_ctx.px_noreply, n % 2);
	}
}

Test(bin, binary_keys_are_bytes)
{
	uint8_t	b[256];
	size_t	n;

	/* memcached takes any bytes in a binary key; so does storage. */
	n = pkt(b, OP_GET, NULL, 0, "a b\x01", NULL, 0, 0, 0);
	feed_all(b, n);
	cr_assert_eq(nrecs, 1);
	cr_assert_str_eq(recs[0].r_key, "a b\x01");
}

Test(bin, store_family)
{
	static const struct {
		uint8_t	op;
		int	mode;
		int	quiet;
	} t[] = {
		{ OP_SET, CACHE_STORE_SET, 0 },
		{ OP_SETQ, CACHE_STORE_SET, 1 },
		{ OP_ADD, CACHE_STORE_ADD, 0 },
		{ OP_ADDQ, CACHE_STORE_ADD, 1 },
		{ OP_REPLACE, CACHE_STORE_REPLACE, 0 },
		{ OP_REPLACEQ, CACHE_STORE_REPLACE, 1 },
	};
	uint8_t	b[4096];
	size_t	n = 0, i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		n += pkt_store(b + n, t[i].op, "key", 0xdeadbeef, 100,
		    "value", 0);
	feed_all(b, n);
	cr_assert_eq(nlocal, 0);
	cr_assert_eq(nrecs, 6);
	for (i = 0; i < 6; i++) {
		cr_assert_eq(recs[i].r_req.cr_op, CACHE_OP_STORE);
		cr_assert_eq(recs[i].r_req.cr_mode, t[i].mode);
		cr_assert_eq(recs[i].r_req.cr_opts, 0);
		cr_assert_eq(recs[i].r_req.cr_flags, 0xdeadbeef);
		cr_assert_eq(recs[i].r_req.cr_exptime, NOW + 100);
		cr_assert_eq(recs[i].r_req.cr_nvalue, 5);
		cr_assert_str_eq(recs[i].r_key, "key");
		cr_assert_str_eq(recs[i].r_value, "value");
		cr_assert_eq(recs[i].r_ctx.px_noreply, t[i].quiet);
	}
}

Test(bin, store_empty_value_and_max)
{
	uint8_t	 b[2 * VALUE_MAX];
	char	 val[VALUE_MAX + 1];
	size_t	 n;

	n = pkt_store(b, OP_SET, "e", 0, 0, "", 0);
	feed_all(b, n);
	cr_assert_eq(nrecs, 1);
	cr_assert_eq(recs[0].r_req.cr_nvalue, 0);
	cr_assert_eq(recs[0].r_req.cr_exptime, 0);
	memset(val, 'v', VALUE_MAX);
	val[VALUE_MAX] = '\0';
	n = pkt_store(b, OP_SET, "m", 0, 0, val, 0);
	feed_all(b, n);
	cr_assert_eq(nrecs, 2, "exactly the limit is fine");
	cr_assert_eq(recs[1].r_req.cr_nvalue, VALUE_MAX);
	cr_assert_eq(nlocal, 0);
}

Test(bin, store_with_cas)
{
	uint8_t	b[1024];
	size_t	n = 0;

	n += pkt_store(b + n, OP_SET, "k", 0, 0, "v", 77);
	n += pkt_store(b + n, OP_ADD, "k", 0, 0, "v", UINT64_MAX);
	n += pkt_store(b + n, OP_REPLACEQ, "k", 0, 0, "v", 5);
	feed_all(b, n);
	cr_assert_eq(nrecs, 3);
	/* memcached turns any of the three with a cas into "cas". */
	cr_assert_eq(recs[0].r_req.cr_mode, CACHE_STORE_SET);
	cr_assert_eq(recs[0].r_req.cr_opts, CACHE_OPT_CAS);
	cr_assert_eq(recs[0].r_req.cr_cas, 77);
	cr_assert_eq(recs[1].r_req.cr_mode, CACHE_STORE_SET);
	cr_assert_eq(recs[1].r_req.cr_opts, CACHE_OPT_CAS);
	cr_assert_eq(recs[1].r_req.cr_cas, UINT64_MAX);
	cr_assert_eq(recs[1].r_ctx.px_cmd, OP_ADD, "replies still as add");
	cr_assert_eq(recs[2].r_req.cr_opts, CACHE_OPT_CAS);
	cr_assert_eq(recs[2].r_ctx.px_noreply, 1);
}

Test(bin, no_cas_flag_ignores_cas)
{
	uint8_t	b[1024];
	size_t	n = 0;

	lim.pl_cas = 0;
	n += pkt_store(b + n, OP_ADD, "k", 0, 0, "v", 77);
	n += pkt(b + n, OP_APPEND, NULL, 0, "k", "w", 1, 0, 77);
	n += pkt(b + n, OP_DELETE, NULL, 0, "k", NULL, 0, 0, 77);
	n += pkt_arith(b + n, OP_INCR, "k", 1, 0, 0, 77);
	feed_all(b, n);
	cr_assert_eq(nrecs, 4);
	cr_assert_eq(recs[0].r_req.cr_mode, CACHE_STORE_ADD);
	cr_assert_eq(recs[0].r_req.cr_opts & CACHE_OPT_CAS, 0);
	cr_assert_eq(recs[1].r_req.cr_opts & CACHE_OPT_CAS, 0);
	/* memcached -C still compares these, against an item cas of 0. */
	cr_assert(recs[2].r_req.cr_opts & CACHE_OPT_CAS);
	cr_assert(recs[3].r_req.cr_opts & CACHE_OPT_CAS);
}

Test(bin, exptime_conversion)
{
	uint8_t	b[1024];
	size_t	n = 0;

	n += pkt_store(b + n, OP_SET, "a", 0, 2592000, "x", 0);
	n += pkt_store(b + n, OP_SET, "b", 0, 2592001, "x", 0);
	n += pkt_store(b + n, OP_SET, "c", 0, 0x80000000U, "x", 0);
	n += pkt_store(b + n, OP_SET, "d", 0xffffffffU, 0xffffffffU, "x", 0);
	feed_all(b, n);
	cr_assert_eq(nrecs, 4);
	cr_assert_eq(recs[0].r_req.cr_exptime, NOW + 2592000);
	cr_assert_eq(recs[1].r_req.cr_exptime, 2592001, "absolute time");
	/* memcached reads the 32 bits unsigned: far future, not past. */
	cr_assert_eq(recs[2].r_req.cr_exptime, 0x80000000LL);
	cr_assert_eq(recs[3].r_req.cr_exptime, 0xffffffffLL);
	cr_assert_eq(recs[3].r_req.cr_flags, 0xffffffffU);
}

Test(bin, append_prepend)
{
	uint8_t	b[1024];
	size_t	n = 0;

	n += pkt(b + n, OP_APPEND, NULL, 0, "k", "tail", 4, 0, 0);
	n += pkt(b + n, OP_PREPENDQ, NULL, 0, "k", "head", 4, 0, 0);
	n += pkt(b + n, OP_APPENDQ, NULL, 0, "k", "x", 1, 0, 9);
	n += pkt(b + n, OP_PREPEND, NULL, 0, "k", "", 0, 0, 0);
	feed_all(b, n);
	cr_assert_eq(nrecs, 4);
	cr_assert_eq(recs[0].r_req.cr_mode, CACHE_STORE_APPEND);
	cr_assert_str_eq(recs[0].r_value, "tail");
	cr_assert_eq(recs[0].r_ctx.px_noreply, 0);
	cr_assert_eq(recs[1].r_req.cr_mode, CACHE_STORE_PREPEND);
	cr_assert_str_eq(recs[1].r_value, "head");
	cr_assert_eq(recs[1].r_ctx.px_noreply, 1);
	cr_assert_eq(recs[2].r_req.cr_opts, CACHE_OPT_CAS);
	cr_assert_eq(recs[2].r_req.cr_cas, 9);
	cr_assert_eq(recs[3].r_req.cr_nvalue, 0);
}

Test(bin, delete)
{
	uint8_t	b[1024];
	size_t	n = 0;

	n += pkt_key(b + n, OP_DELETE, "k", 0);
	n += pkt(b + n, OP_DELETEQ, NULL, 0, "q", NULL, 0, 0, 42);
	feed_all(b, n);
	cr_assert_eq(nrecs, 2);
	cr_assert_eq(recs[0].r_req.cr_op, CACHE_OP_DELETE);
	cr_assert_eq(recs[0].r_req.cr_opts, 0);
	cr_assert_eq(recs[1].r_req.cr_opts, CACHE_OPT_CAS);
	cr_assert_eq(recs[1].r_req.cr_cas, 42);
	cr_assert_eq(recs[1].r_ctx.px_noreply, 1);
}

Test(bin, arith)
{
	uint8_t	b[1024];
	size_t	n = 0;

	n += pkt_arith(b + n, OP_INCR, "n", 5, 10, 0, 0);
	n += pkt_arith(b + n, OP_DECRQ, "n", UINT64_MAX, UINT64_MAX, 100, 0);
	n += pkt_arith(b + n, OP_INCRQ, "n", 1, 7, 0xffffffffU, 3);
	n += pkt_arith(b + n, OP_DECR, "n", 1, 0, 0xfffffffeU, 0);
	feed_all(b, n);
	cr_assert_eq(nrecs, 4);
	cr_assert_eq(recs[0].r_req.cr_op, CACHE_OP_ARITH);
	cr_assert_eq(recs[0].r_req.cr_mode, CACHE_ARITH_INCR);
	cr_assert_eq(recs[0].r_req.cr_opts, CACHE_OPT_WANT_VALUE |
	    CACHE_OPT_VIVIFY);
	cr_assert_eq(recs[0].r_req.cr_delta, 5);
	cr_assert_eq(recs[0].r_req.cr_initial, 10);
	cr_assert_eq(recs[0].r_req.cr_vivify_exptime, 0);
	cr_assert_eq(recs[0].r_req.cr_exptime, 0, "an existing item keeps it");
	cr_assert_eq(recs[1].r_req.cr_mode, CACHE_ARITH_DECR);
	cr_assert_eq(recs[1].r_req.cr_delta, UINT64_MAX);
	cr_assert_eq(recs[1].r_req.cr_initial, UINT64_MAX);
	cr_assert_eq(recs[1].r_req.cr_vivify_exptime, NOW + 100);
	cr_assert_eq(recs[1].r_ctx.px_noreply, 1);
	/* 0xffffffff: a miss stays a miss. */
	cr_assert_eq(recs[2].r_req.cr_opts, CACHE_OPT_WANT_VALUE |
	    CACHE_OPT_CAS);
	cr_assert_eq(recs[2].r_req.cr_cas, 3);
	cr_assert(recs[3].r_req.cr_opts & CACHE_OPT_VIVIFY);
	cr_assert_eq(recs[3].r_req.cr_vivify_exptime, 0xfffffffeLL);
}

Test(bin, touch_and_gat)
{
	static const struct {
		uint8_t	op;
		int	quiet;
		int	key;
	} t[] = {
		{ OP_GAT, 0, 0 },
		{ OP_GATQ, 1, 0 },
		{ OP_GATK, 0, 1 },
		{ OP_GATKQ, 1, 1 },
	};
	uint8_t	b[1024];
	size_t	n = 0, i;

	n += pkt_touch(b + n, OP_TOUCH, "t", 60);
	for (i = 0; i < 4; i++)
		n += pkt_touch(b + n, t[i].op, "g", 0);
	feed_all(b, n);
	cr_assert_eq(nrecs, 5);
	cr_assert_eq(recs[0].r_req.cr_op, CACHE_OP_TOUCH);
	cr_assert_eq(recs[0].r_req.cr_exptime, NOW + 60);
	cr_assert_eq(recs[0].r_req.cr_opts, 0);
	for (i = 0; i < 4; i++) {
		const struct cache_req	*r = &recs[i + 1].r_req;

		cr_assert_eq(r->cr_op, CACHE_OP_GET);
		cr_assert(r->cr_opts & CACHE_OPT_TOUCH);
		cr_assert(r->cr_opts & CACHE_OPT_WANT_VALUE);
		cr_assert_eq(!!(r->cr_opts & CACHE_OPT_WANT_KEY), t[i].key);
		cr_assert_eq(r->cr_exptime, 0);
		cr_assert_eq(recs[i + 1].r_ctx.px_noreply, t[i].quiet);
	}
}

Test(bin, flush)
{
	uint8_t	b[1024], ext[4];
	size_t	n = 0;

	n += pkt(b + n, OP_FLUSH, NULL, 0, NULL, NULL, 0, 0, 0);
	be32(ext, 30);
	n += pkt(b + n, OP_FLUSHQ, ext, 4, NULL, NULL, 0, 0, 0);
	be32(ext, 0);
	n += pkt(b + n, OP_FLUSH, ext, 4, NULL, NULL, 0, 0, 0);
	feed_all(b, n);
	cr_assert_eq(nlocal, 0);
	cr_assert_eq(nrecs, 3);
	cr_assert_eq(recs[0].r_req.cr_op, CACHE_OP_FLUSH);
	cr_assert_eq(recs[0].r_req.cr_nkey, 0);
	cr_assert_eq(recs[0].r_req.cr_exptime, 0);
	cr_assert_eq(recs[1].r_req.cr_exptime, NOW + 30);
	cr_assert_eq(recs[1].r_ctx.px_noreply, 1);
	cr_assert_eq(recs[2].r_req.cr_exptime, 0);
}

Test(bin, flush_disabled)
{
	uint8_t	b[256];
	size_t	n;
	struct resp r[4];

	lim.pl_flush = 0;
	n = pkt(b, OP_FLUSHQ, NULL, 0, NULL, NULL, 0, 0x55, 0);
	feed_all(b, n);
	cr_assert_eq(nrecs, 0);
	expect_local(OP_FLUSHQ, ST_AUTH, "Auth failure.");
	cr_assert_eq(decode(local, nlocal, r, 4), 1);
	cr_assert_eq(r[0].r_opaque, 0x55);
}

Test(bin, noop_version_quit)
{
	uint8_t		b[256];
	size_t		n, used;
	struct resp	r[4];

	n = pkt(b, OP_NOOP, NULL, 0, NULL, NULL, 0, 0xa1b2c3d4, 0);
	feed_all(b, n);
	expect_local(OP_NOOP, ST_OK, "");
	cr_assert_eq(decode(local, nlocal, r, 4), 1);
	cr_assert_eq(r[0].r_opaque, 0xa1b2c3d4);
	setup();
	n = pkt(b, OP_VERSION, NULL, 0, NULL, NULL, 0, 7, 0);
	feed_all(b, n);
	expect_local(OP_VERSION, ST_OK, PRIVCACHED_MEMCACHED_LEVEL);
	setup();
	n = pkt(b, OP_QUIT, NULL, 0, NULL, NULL, 0, 9, 0);
	n += pkt(b + n, OP_NOOP, NULL, 0, NULL, NULL, 0, 0, 0);
	cr_assert_eq(feed(b, n, &used), PROTO_CLOSE);
	cr_assert_eq(used, 24, "nothing after quit runs");
	expect_local(OP_QUIT, ST_OK, "");
	setup();
	n = pkt(b, OP_QUITQ, NULL, 0, NULL, NULL, 0, 9, 0);
	n += pkt(b + n, OP_NOOP, NULL, 0, NULL, NULL, 0, 0, 0);
	cr_assert_eq(feed(b, n, &used), PROTO_CLOSE);
	cr_assert_eq(nlocal, 0, "quitq says nothing");
}

Test(bin, verbosity)
{
	uint8_t	b[256], ext[4];
	size_t	n;

	be32(ext, 2);
	n = pkt(b, OP_VERBOSITY, ext, 4, NULL, NULL, 0, 0, 0);
	feed_all(b, n);
	cr_assert_eq(verbosity, 2);
	expect_local(OP_VERBOSITY, ST_OK, "");
	setup();
	be32(ext, 0xffffffff);
	n = pkt(b, OP_VERBOSITY, ext, 4, NULL, NULL, 0, 0, 0);
	feed_all(b, n);
	cr_assert_eq(verbosity, 3, "clamped");
	setup();
	n = pkt(b, OP_VERBOSITY, NULL, 0, NULL, NULL, 0, 0, 0);
	feed_all(b, n);
	cr_assert_eq(verbosity, -1);
	expect_local(OP_VERBOSITY, ST_EINVAL, "Invalid arguments");
}

Test(bin, stat_kinds)
{
	static const struct {
		const char	*key;
		int		 kind;
	} t[] = {
		{ "", PROTO_STATS_GENERAL },
		{ "items", PROTO_STATS_ITEMS },
		{ "slabs", PROTO_STATS_SLABS },
		{ "sizes", PROTO_STATS_SIZES },
		{ "settings", PROTO_STATS_SETTINGS },
		{ "conns", PROTO_STATS_CONNS },
		{ "reset", PROTO_STATS_RESET },
	};
	uint8_t	b[256];
	size_t	n, i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		setup();
		n = pkt_key(b, OP_STAT, t[i].key, 1000 + i);
		feed_all(b, n);
		cr_assert_eq(stats_kind, t[i].kind, "stat %s", t[i].key);
		cr_assert_eq(nlocal, 0);
		cr_assert_eq(nrecs, 0);
	}
	setup();
	n = pkt_key(b, OP_STAT, "itemsx", 0);
	feed_all(b, n);
	cr_assert_eq(stats_kind, -1);
	expect_local(OP_STAT, ST_ENOENT, "Not found");
	setup();
	n = pkt_key(b, OP_STAT, "item", 0);
	feed_all(b, n);
	cr_assert_eq(stats_kind, -1);
}

Test(bin, sasl_and_unknown_opcodes)
{
	static const uint8_t	ops[] = { OP_SASL_LIST, OP_SASL_AUTH,
				    OP_SASL_STEP, 0x1f, 0x25, 0x50, 0xff };
	uint8_t			b[1024];
	size_t			n, i;
	struct resp		r[4];

	for (i = 0; i < sizeof(ops); i++) {
		setup();
		/* The body must be dropped, not parsed as a packet. */
		n = pkt(b, ops[i], NULL, 0, "PLAIN", "\x80\x0a\0\0", 4, 3, 0);
		n += pkt_key(b + n, OP_GET, "after", 0);
		feed_all(b, n);
		cr_assert_eq(decode(local, nlocal, r, 4), 1);
		cr_assert_eq(r[0].r_op, ops[i]);
		cr_assert_eq(r[0].r_status, ST_UNKNOWN);
		cr_assert_eq(r[0].r_opaque, 3);
		cr_assert(value_is(&r[0], "Unknown command"));
		cr_assert_eq(nrecs, 1);
		cr_assert_str_eq(recs[0].r_key, "after");
	}
}

/*
 * A SASL body holds a password: the parser says so (pb_login) for the
 * caller to wipe, when the packet is whole, cut short or swallowed, and
 * never for any other packet.
 */
Test(bin, sasl_marks_the_input_as_a_login)
{
	uint8_t	b[1024];
	size_t	n, used;

	lim.pl_sasl = 1;
	n = pkt_key(b, OP_GET, "k", 0);
	feed_all(b, n);
	cr_assert_eq(st.pb_login, 0, "a get is no login");
	n = pkt(b, OP_SASL_AUTH, NULL, 0, "PLAIN", "\0u\0pw", 5, 1, 0);
	cr_assert_eq(feed(b, n - 2, &used), PROTO_OK);
	cr_assert_eq(used, 0, "half a login waits");
	cr_assert_eq(st.pb_login, 1, "half a login is one");
	st.pb_login = 0;
	feed_all(b, n);
	cr_assert_eq(st.pb_login, 1);
	st.pb_login = 0;
	/* Refused (a mechanism name too long): its body is swallowed. */
	n = pkt(b, OP_SASL_AUTH, NULL, 0,
	    "a-mechanism-name-longer-than-32-bytes", "\0u\0pw", 5, 2, 0);
	cr_assert_eq(feed(b, 30, &used), PROTO_OK);
	cr_assert_eq(st.pb_login, 1);
	cr_assert_gt(st.pb_swallow, 0);
	st.pb_login = 0;
	feed_all(b + used, n - used);
	cr_assert_eq(st.pb_login, 1, "the rest of its body is one too");
	cr_assert_eq(st.pb_swallow, 0);
	st.pb_login = 0;
	n = pkt_key(b, OP_GET, "k", 0);
	feed_all(b, n);
	cr_assert_eq(st.pb_login, 0, "and what follows is not");
}

/* Validation. */


Test(bin, bad_magic_closes_silently)
{
	uint8_t	b[256];
	size_t	n, used;

	n = pkt_key(b, OP_GET, "k", 0);
	b[0] = 0x81;
	cr_assert_eq(feed(b, n, &used), PROTO_CLOSE);
	cr_assert_eq(nlocal, 0);
	cr_assert_eq(nrecs, 0);
	setup();
	/* After a good packet: that one runs, then the connection ends. */
	n = pkt_key(b, OP_GET, "k", 0);
	n += pkt_key(b + n, OP_GET, "k", 0);
	b[25] = 0x00;
	cr_assert_eq(feed(b, n, &used), PROTO_CLOSE);
	cr_assert_eq(nrecs, 1);
	cr_assert_eq(nlocal, 0);
	setup();
	/* A text command on a binary connection is no request either... */
	cr_assert_eq(feed("get k\r\nget k\r\nget k\r\nget k\r\n", 28, &used),
	    PROTO_CLOSE);
	cr_assert_eq(nlocal, 0);
	setup();
	/* ...and is known from its first byte, with no wait for 24. */
	cr_assert_eq(feed("quit\r\n", 6, &used), PROTO_CLOSE);
	cr_assert_eq(nlocal, 0);
	setup();
	n = pkt_key(b, OP_GET, "k", 0);
	b[n] = 'q';
	cr_assert_eq(feed(b, n + 1, &used), PROTO_CLOSE);
	cr_assert_eq(nrecs, 1);
}

Test(bin, lying_lengths_close)
{
	static const struct {
		uint8_t		op;
		uint16_t	keylen;
		uint8_t		extlen;
		uint32_t	bodylen;
	} t[] = {
		{ OP_GET, 5, 0, 3 },
		{ OP_GET, 1, 0, 0 },
		{ OP_SET, 1, 8, 8 },
		{ OP_INCR, 1, 20, 20 },
		{ OP_NOOP, 0, 4, 0 },
		{ OP_SET, 65535, 255, 65789 },
		{ 0x50, 10, 0, 9 },
	};
	uint8_t		b[256];
	size_t		i, used;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		setup();
		/* Decided on the header alone: nothing is waited for. */
		hdr(b, 0x80, t[i].op, t[i].keylen, t[i].extlen, t[i].bodylen,
		    11, 0);
		cr_assert_eq(feed(b, 24, &used), PROTO_CLOSE, "case %zu", i);
		expect_local(t[i].op, ST_EINVAL, "Invalid arguments");
		cr_assert_eq(nrecs, 0);
	}
}

Test(bin, key_length_limit)
{
	uint8_t	b[1024];
	char	key[252];
	size_t	n, used;

	memset(key, 'k', 251);
	key[251] = '\0';
	n = pkt_key(b, OP_GETK, key, 0);
	n += pkt_key(b + n, OP_GET, "after", 0);
	/* The long key arrives in pieces; it is never buffered. */
	cr_assert_eq(feed(b, 100, &used), PROTO_OK);
	cr_assert_eq(used, 100);
	expect_local(OP_GETK, ST_EINVAL, "Invalid arguments");
	cr_assert_eq(st.pb_swallow, 251 - 76);
	cr_assert_eq(feed(b + 100, n - 100, &used), PROTO_OK);
	cr_assert_eq(used, n - 100);
	cr_assert_eq(nrecs, 1);
	cr_assert_str_eq(recs[0].r_key, "after");
	setup();
	key[250] = '\0';
	n = pkt_key(b, OP_GETK, key, 0);
	feed_all(b, n);
	cr_assert_eq(nrecs, 1, "250 bytes is fine");
	cr_assert_eq(nlocal, 0);
	setup();
	/* A huge key length with a body to match is refused, not read. */
	hdr(b, 0x80, OP_SET, 65535, 8, 65535 + 8 + 1, 0, 0);
	cr_assert_eq(feed(b, 24, &used), PROTO_OK);
	cr_assert_eq(used, 24);
	expect_local(OP_SET, ST_EINVAL, "Invalid arguments");
	cr_assert_eq(st.pb_swallow, 65535 + 8 + 1);
}

Test(bin, wrong_shape_per_opcode)
{
	static const struct {
		uint8_t		op;
		uint16_t	keylen;
		uint8_t		extlen;
		uint32_t	bodylen;
	} t[] = {
		{ OP_GET, 1, 4, 5 },		/* extras */
		{ OP_GET, 0, 0, 0 },		/* no key */
		{ OP_GETQ, 1, 0, 2 },		/* a value */
		{ OP_GETK, 1, 8, 9 },
		{ OP_SET, 1, 4, 6 },		/* short extras */
		{ OP_SET, 0, 8, 9 },		/* no key */
		{ OP_SETQ, 1, 0, 2 },		/* no extras */
		{ OP_ADD, 1, 12, 14 },		/* long extras */
		{ OP_REPLACE, 1, 20, 21 },
		{ OP_APPEND, 1, 8, 10 },	/* extras */
		{ OP_PREPENDQ, 0, 0, 3 },	/* no key */
		{ OP_DELETE, 1, 0, 2 },		/* a value */
		{ OP_DELETEQ, 1, 4, 5 },
		{ OP_INCR, 1, 8, 9 },		/* short extras */
		{ OP_DECR, 0, 20, 20 },		/* no key */
		{ OP_INCRQ, 1, 20, 22 },	/* a value */
		{ OP_TOUCH, 1, 0, 1 },		/* no extras */
		{ OP_GAT, 0, 4, 4 },		/* no key */
		{ OP_GATKQ, 1, 4, 6 },		/* a value */
		{ OP_FLUSH, 0, 2, 2 },		/* odd extras */
		{ OP_FLUSHQ, 1, 0, 1 },		/* a key */
		{ OP_FLUSH, 0, 4, 5 },		/* a value */
		{ OP_NOOP, 0, 0, 2 },
		{ OP_VERSION, 1, 0, 1 },
		{ OP_QUIT, 0, 4, 4 },
		{ OP_QUITQ, 0, 0, 1 },
		{ OP_STAT, 0, 4, 4 },
		{ OP_STAT, 1, 0, 3 },
		{ OP_VERBOSITY, 1, 4, 5 },
		{ OP_VERBOSITY, 0, 4, 6 },
	};
	uint8_t		b[256];
	size_t		i, n;
	struct resp	r[4];

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		setup();
		n = hdr(b, 0x80, t[i].op, t[i].keylen, t[i].extlen,
		    t[i].bodylen, 21, 1);
		/* A body that looks like a flush: it must not run. */
		memset(b + n, 0, t[i].bodylen);
		if (t[i].bodylen > 0)
			b[n] = 0x80;
		if (t[i].bodylen > 1)
			b[n + 1] = OP_FLUSH;
		n += t[i].bodylen;
		n += pkt(b + n, OP_NOOP, NULL, 0, NULL, NULL, 0, 22, 0);
		feed_all(b, n);
		cr_assert_eq(decode(local, nlocal, r, 4), 2, "case %zu", i);
		cr_assert_eq(r[0].r_op, t[i].op);
		cr_assert_eq(r[0].r_status, ST_EINVAL, "case %zu", i);
		cr_assert_eq(r[0].r_opaque, 21);
		cr_assert_eq(r[0].r_cas, 0);
		cr_assert(value_is(&r[0], "Invalid arguments"));
		cr_assert_eq(r[1].r_op, OP_NOOP);
		cr_assert_eq(r[1].r_status, ST_OK);
		cr_assert_eq(nrecs, 0, "case %zu", i);
		cr_assert_eq(stats_kind, -1);
		cr_assert_eq(verbosity, -1);
	}
}

Test(bin, too_large_is_swallowed)
{
	static uint8_t	b[4 * VALUE_MAX];
	static char	val[VALUE_MAX + 2];
	size_t		n, i;
	struct resp	r[4];
	struct cache_rep too_large;
	static const uint8_t ops[] = { OP_SET, OP_SETQ, OP_ADDQ, OP_APPEND };

	for (i = 0; i < sizeof(ops); i++) {
		setup();
		/* The value is a run of flush packets: data, not commands. */
		memset(val, 0, sizeof(val));
		for (n = 0; n + 24 <= VALUE_MAX + 1; n += 24)
			hdr((uint8_t *)val + n, 0x80, OP_FLUSH, 0, 0, 0, 0, 0);
		if (ops[i] == OP_APPEND)
			n = pkt(b, ops[i], NULL, 0, "big", val, VALUE_MAX + 1,
			    5, 0);
		else {
			uint8_t	ext[8] = { 0 };

			n = pkt(b, ops[i], ext, 8, "big", val, VALUE_MAX + 1,
			    5, 0);
		}
		n += pkt_key(b + n, OP_GET, "after", 0);
		feed_all(b, n);
		/* Storage unlinks the old value and answers too large. */
		cr_assert_eq(nlocal, 0);
		cr_assert_eq(nrecs, 2);
		cr_assert_eq(recs[0].r_req.cr_op, CACHE_OP_DELETE);
		cr_assert_eq(recs[0].r_req.cr_opts, CACHE_OPT_TOO_LARGE);
		cr_assert_str_eq(recs[0].r_key, "big");
		too_large = rep_status(CACHE_TOO_LARGE);
		cr_assert_eq(reply(0, &too_large, NULL, NULL, r, 4), 1);
		cr_assert_eq(r[0].r_op, ops[i]);
		cr_assert_eq(r[0].r_status, ST_E2BIG);
		cr_assert_eq(r[0].r_opaque, 5);
		cr_assert(value_is(&r[0], "Too large."));
		cr_assert_eq(recs[1].r_req.cr_op, CACHE_OP_GET);
	}
}

Test(bin, swallow_across_calls)
{
	uint8_t	b[256], ext[8] = { 0 };
	size_t	n, used, left;

	/* Only the header of a 5000-byte value has come. */
	n = pkt(b, OP_SET, ext, 8, "k", NULL, 0, 0, 0);
	be32(b + 8, 8 + 1 + 5000);
	cr_assert_eq(feed(b, n, &used), PROTO_OK);
	cr_assert_eq(used, n, "header, extras and key consumed");
	cr_assert_eq(nrecs, 1);
	cr_assert_eq(recs[0].r_req.cr_opts, CACHE_OPT_TOO_LARGE);
	nrecs = 0;
	left = 5000;
	cr_assert_eq(st.pb_swallow, left);
	/* Packets inside the value are dropped with it. */
	n = pkt_key(b, OP_GET, "inside", 0);
	while (left > n) {
		cr_assert_eq(feed(b, n, &used), PROTO_OK);
		cr_assert_eq(used, n);
		left -= n;
		cr_assert_eq(st.pb_swallow, left);
	}
	cr_assert_eq(nrecs, 0);
	memset(b, 'x', left);
	n = left + pkt_key(b + left, OP_GET, "after", 0);
	cr_assert_eq(feed(b, n, &used), PROTO_OK);
	cr_assert_eq(used, n);
	cr_assert_eq(st.pb_swallow, 0);
	cr_assert_eq(nrecs, 1);
	cr_assert_str_eq(recs[0].r_key, "after");
}

Test(bin, partial_packets_wait)
{
	uint8_t	b[1024];
	size_t	n, one, i, used;

	one = pkt_store(b, OP_SET, "key", 1, 2, "value", 0);
	n = one + pkt_store(b + one, OP_SET, "key2", 1, 2, "value2", 0);
	/* Every prefix of the first packet waits, consuming nothing. */
	for (i = 0; i < one; i++) {
		cr_assert_eq(feed(b, i, &used), PROTO_OK);
		cr_assert_eq(used, 0, "prefix %zu", i);
		cr_assert_eq(nrecs, 0);
		cr_assert_eq(nlocal, 0);
	}
	/* Then one packet and a part: used stops at the second's start. */
	for (i = one; i < n; i++) {
		setup();
		cr_assert_eq(feed(b, i, &used), PROTO_OK);
		cr_assert_eq(used, one, "prefix %zu", i);
		cr_assert_eq(nrecs, 1);
	}
	setup();
	feed_all(b, n);
	cr_assert_eq(nrecs, 2);
	cr_assert_str_eq(recs[1].r_value, "value2");
}

Test(bin, byte_at_a_time)
{
	uint8_t	b[1024], in[1024];
	size_t	n, have = 0, used, i;

	/* As the net child does: unconsumed bytes stay for the next call. */
	n = pkt_store(b, OP_SETQ, "k", 0, 0, "v", 0);
	n += pkt_arith(b + n, OP_INCR, "n", 1, 0, 0, 0);
	n += pkt(b + n, OP_NOOP, NULL, 0, NULL, NULL, 0, 0, 0);
	for (i = 0; i < n; i++) {
		in[have++] = b[i];
		cr_assert_eq(feed(in, have, &used), PROTO_OK);
		memmove(in, in + used, have - used);
		have -= used;
	}
	cr_assert_eq(have, 0);
	cr_assert_eq(nrecs, 2);
	expect_local(OP_NOOP, ST_OK, "");
}

Test(bin, sink_failure_closes)
{
	uint8_t	b[256];
	size_t	n, used;

	fail_storage = 1;
	n = pkt_key(b, OP_GET, "k", 0);
	cr_assert_eq(feed(b, n, &used), PROTO_CLOSE);
}

/* Replies. */

Test(bin, reply_get_hit)
{
	uint8_t			b[256];
	struct cache_rep	rep;
	struct resp		r[4];

	feed_all(b, pkt_key(b, OP_GETQ, "k", 0x1234));
	rep = rep_status(CACHE_OK);
	rep.rp_flags = 0xcafef00d;
	rep.rp_cas = 99;
	cr_assert_eq(reply(0, &rep, NULL, "hello", r, 4), 1);
	cr_assert_eq(r[0].r_op, OP_GETQ, "a quiet hit is sent");
	cr_assert_eq(r[0].r_status, ST_OK);
	cr_assert_eq(r[0].r_opaque, 0x1234);
	cr_assert_eq(r[0].r_cas, 99);
	cr_assert_eq(r[0].r_extlen, 4);
	cr_assert_eq(rd32(r[0].r_ext), 0xcafef00d);
	cr_assert_eq(r[0].r_keylen, 0);
	cr_assert(value_is(&r[0], "hello"));
	/* An empty value is a hit all the same. */
	rep = rep_status(CACHE_OK);
	cr_assert_eq(reply(0, &rep, NULL, NULL, r, 4), 1);
	cr_assert_eq(r[0].r_bodylen, 4);
}

Test(bin, reply_getk_hit_and_miss)
{
	uint8_t			b[1024];
	char			longkey[201];
	struct cache_rep	rep;
	struct resp		r[4];
	size_t			n = 0;

	memset(longkey, 'L', 200);
	longkey[200] = '\0';
	n += pkt_key(b + n, OP_GETK, "mykey", 1);
	n += pkt_key(b + n, OP_GETKQ, "mykey", 2);
	n += pkt_key(b + n, OP_GET, "mykey", 3);
	n += pkt_key(b + n, OP_GETQ, "mykey", 4);
	n += pkt_key(b + n, OP_GETK, longkey, 5);
	feed_all(b, n);
	cr_assert_eq(nrecs, 5);
	rep = rep_status(CACHE_OK);
	rep.rp_cas = 5;
	cr_assert_eq(reply(1, &rep, "mykey", "v", r, 4), 1);
	cr_assert_eq(r[0].r_op, OP_GETKQ);
	cr_assert_eq(r[0].r_keylen, 5);
	cr_assert(memcmp(r[0].r_key, "mykey", 5) == 0);
	cr_assert(value_is(&r[0], "v"));
	cr_assert_eq(r[0].r_extlen, 4);
	/* getk miss: the key is the body, no text (memcached). */
	rep = rep_status(CACHE_MISS);
	cr_assert_eq(reply(0, &rep, NULL, NULL, r, 4), 1);
	cr_assert_eq(r[0].r_status, ST_ENOENT);
	cr_assert_eq(r[0].r_keylen, 5);
	cr_assert_eq(r[0].r_bodylen, 5);
	cr_assert_eq(r[0].r_extlen, 0);
	cr_assert(memcmp(r[0].r_key, "mykey", 5) == 0);
	cr_assert_eq(r[0].r_opaque, 1);
	/* Quiet misses say nothing. */
	rep = rep_status(CACHE_MISS);
	cr_assert_eq(reply(1, &rep, NULL, NULL, r, 4), 0);
	rep = rep_status(CACHE_MISS);
	cr_assert_eq(reply(3, &rep, NULL, NULL, r, 4), 0);
	/* get miss: "Not found". */
	rep = rep_status(CACHE_MISS);
	cr_assert_eq(reply(2, &rep, NULL, NULL, r, 4), 1);
	cr_assert_eq(r[0].r_status, ST_ENOENT);
	cr_assert_eq(r[0].r_keylen, 0);
	cr_assert(value_is(&r[0], "Not found"));
	/* A key too long to remember: the miss comes without it. */
	rep = rep_status(CACHE_MISS);
	cr_assert_eq(reply(4, &rep, NULL, NULL, r, 4), 1);
	cr_assert_eq(r[0].r_status, ST_ENOENT);
	cr_assert_eq(r[0].r_keylen, 0);
	cr_assert(value_is(&r[0], "Not found"));
	/* Unless storage hands it back. */
	rep = rep_status(CACHE_MISS);
	cr_assert_eq(reply(4, &rep, longkey, NULL, r, 4), 1);
	cr_assert_eq(r[0].r_keylen, 200);
	cr_assert_eq(r[0].r_bodylen, 200);
}

Test(bin, reply_touch_gat)
{
	uint8_t			b[1024];
	struct cache_rep	rep;
	struct resp		r[4];
	size_t			n = 0;

	n += pkt_touch(b + n, OP_TOUCH, "t", 10);
	n += pkt_touch(b + n, OP_GAT, "t", 10);
	n += pkt_touch(b + n, OP_GATK, "t", 10);
	n += pkt_touch(b + n, OP_GATQ, "t", 10);
	n += pkt_touch(b + n, OP_GATKQ, "t", 10);
	feed_all(b, n);
	cr_assert_eq(nrecs, 5);
	rep = rep_status(CACHE_OK);
	rep.rp_flags = 7;
	rep.rp_cas = 3;
	rep.rp_vlen = 10;
	cr_assert_eq(reply(0, &rep, NULL, NULL, r, 4), 1);
	cr_assert_eq(r[0].r_op, OP_TOUCH);
	cr_assert_eq(r[0].r_extlen, 4, "touch: flags only");
	cr_assert_eq(r[0].r_bodylen, 4);
	cr_assert_eq(rd32(r[0].r_ext), 7);
	cr_assert_eq(r[0].r_cas, 3);
	rep = rep_status(CACHE_OK);
	cr_assert_eq(reply(1, &rep, NULL, "val", r, 4), 1);
	cr_assert_eq(r[0].r_keylen, 0);
	cr_assert(value_is(&r[0], "val"));
	rep = rep_status(CACHE_OK);
	cr_assert_eq(reply(2, &rep, "t", "val", r, 4), 1);
	cr_assert_eq(r[0].r_keylen, 1);
	cr_assert(value_is(&r[0], "val"));
	rep = rep_status(CACHE_MISS);
	cr_assert_eq(reply(0, &rep, NULL, NULL, r, 4), 1);
	cr_assert(value_is(&r[0], "Not found"));
	rep = rep_status(CACHE_MISS);
	cr_assert_eq(reply(2, &rep, NULL, NULL, r, 4), 1);
	cr_assert_eq(r[0].r_keylen, 1, "gatk echoes the key");
	rep = rep_status(CACHE_MISS);
	cr_assert_eq(reply(3, &rep, NULL, NULL, r, 4), 0);
	rep = rep_status(CACHE_MISS);
	cr_assert_eq(reply(4, &rep, NULL, NULL, r, 4), 0);
}

Test(bin, reply_store_statuses)
{
	static const struct {
		uint8_t		 op;
		int		 status;
		uint16_t	 want;
		const char	*text;
	} t[] = {
		{ OP_SET, CACHE_EXISTS, ST_EEXISTS, "Data exists for key." },
		{ OP_SETQ, CACHE_EXISTS, ST_EEXISTS, "Data exists for key." },
		{ OP_SET, CACHE_MISS, ST_ENOENT, "Not found" },
		{ OP_SET, CACHE_NOT_STORED, ST_NOT_STORED, "Not stored." },
		{ OP_ADD, CACHE_NOT_STORED, ST_EEXISTS,
		    "Data exists for key." },
		{ OP_ADDQ, CACHE_NOT_STORED, ST_EEXISTS,
		    "Data exists for key." },
		{ OP_REPLACE, CACHE_NOT_STORED, ST_ENOENT, "Not found" },
		{ OP_REPLACEQ, CACHE_NOT_STORED, ST_ENOENT, "Not found" },
		{ OP_APPEND, CACHE_NOT_STORED, ST_NOT_STORED, "Not stored." },
		{ OP_PREPENDQ, CACHE_NOT_STORED, ST_NOT_STORED,
		    "Not stored." },
		{ OP_SET, CACHE_TOO_LARGE, ST_E2BIG, "Too large." },
		{ OP_APPEND, CACHE_TOO_LARGE, ST_NOT_STORED, "Not stored." },
		{ OP_SET, CACHE_NO_MEMORY, ST_ENOMEM, "Out of memory" },
		{ OP_ADDQ, CACHE_NO_MEMORY, ST_ENOMEM, "Out of memory" },
		{ OP_PREPEND, CACHE_NO_MEMORY, ST_NOT_STORED, "Not stored." },
		{ OP_SETQ, CACHE_UNAVAILABLE, ST_TMPFAIL,
		    "Temporary failure" },
	};
	uint8_t			b[256];
	struct cache_rep	rep;
	struct resp		r[4];
	size_t			i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		setup();
		if (t[i].op == OP_APPEND || t[i].op == OP_PREPEND ||
		    t[i].op == OP_PREPENDQ)
			feed_all(b, pkt(b, t[i].op, NULL, 0, "k", "v", 1, 8,
			    0));
		else
			feed_all(b, pkt_store(b, t[i].op, "k", 0, 0, "v", 0));
		rep = rep_status(t[i].status);
		cr_assert_eq(reply(0, &rep, NULL, NULL, r, 4), 1, "case %zu",
		    i);
		cr_assert_eq(r[0].r_op, t[i].op);
		cr_assert_eq(r[0].r_status, t[i].want, "case %zu: %#x", i,
		    r[0].r_status);
		cr_assert_eq(r[0].r_cas, 0);
		cr_assert(value_is(&r[0], t[i].text), "case %zu", i);
	}
	/* Success: the new cas, and nothing at all when quiet. */
	setup();
	feed_all(b, pkt_store(b, OP_SET, "k", 0, 0, "v", 0));
	feed_all(b, pkt_store(b, OP_SETQ, "k", 0, 0, "v", 0));
	rep = rep_status(CACHE_OK);
	rep.rp_cas = 12345678901234ULL;
	cr_assert_eq(reply(0, &rep, NULL, NULL, r, 4), 1);
	cr_assert_eq(r[0].r_status, ST_OK);
	cr_assert_eq(r[0].r_cas, 12345678901234ULL);
	cr_assert_eq(r[0].r_bodylen, 0);
	rep = rep_status(CACHE_OK);
	cr_assert_eq(reply(1, &rep, NULL, NULL, r, 4), 0);
}

Test(bin, reply_delete)
{
	uint8_t			b[256];
	struct cache_rep	rep;
	struct resp		r[4];
	size_t			n = 0;

	n += pkt_key(b + n, OP_DELETE, "k", 0);
	n += pkt_key(b + n, OP_DELETEQ, "k", 0);
	feed_all(b, n);
	rep = rep_status(CACHE_OK);
	rep.rp_cas = 77;
	cr_assert_eq(reply(0, &rep, NULL, NULL, r, 4), 1);
	cr_assert_eq(r[0].r_status, ST_OK);
	cr_assert_eq(r[0].r_cas, 0, "memcached sends no cas here");
	cr_assert_eq(r[0].r_bodylen, 0);
	rep = rep_status(CACHE_OK);
	cr_assert_eq(reply(1, &rep, NULL, NULL, r, 4), 0);
	rep = rep_status(CACHE_MISS);
	cr_assert_eq(reply(1, &rep, NULL, NULL, r, 4), 1);
	cr_assert_eq(r[0].r_op, OP_DELETEQ);
	cr_assert(value_is(&r[0], "Not found"));
	rep = rep_status(CACHE_EXISTS);
	cr_assert_eq(reply(0, &rep, NULL, NULL, r, 4), 1);
	cr_assert_eq(r[0].r_status, ST_EEXISTS);
}

Test(bin, reply_arith)
{
	uint8_t			b[256];
	struct cache_rep	rep;
	struct resp		r[4];
	size_t			n = 0;

	n += pkt_arith(b + n, OP_INCR, "n", 1, 0, 0, 0);
	n += pkt_arith(b + n, OP_DECRQ, "n", 1, 0, 0, 0);
	feed_all(b, n);
	rep = rep_status(CACHE_OK);
	rep.rp_cas = 4;
	cr_assert_eq(reply(0, &rep, NULL, "15", r, 4), 1);
	cr_assert_eq(r[0].r_status, ST_OK);
	cr_assert_eq(r[0].r_extlen, 0);
	cr_assert_eq(r[0].r_keylen, 0);
	cr_assert_eq(r[0].r_vlen, 8);
	cr_assert_eq(rd64(r[0].r_value), 15);
	cr_assert_eq(r[0].r_cas, 4);
	rep = rep_status(CACHE_OK);
	cr_assert_eq(reply(0, &rep, NULL, "18446744073709551615", r, 4), 1);
	cr_assert_eq(rd64(r[0].r_value), UINT64_MAX);
	rep = rep_status(CACHE_OK);
	cr_assert_eq(reply(0, &rep, NULL, "0", r, 4), 1);
	cr_assert_eq(rd64(r[0].r_value), 0);
	rep = rep_status(CACHE_OK);
	cr_assert_eq(reply(1, &rep, NULL, "14", r, 4), 0, "quiet");
	rep = rep_status(CACHE_MISS);
	cr_assert_eq(reply(1, &rep, NULL, NULL, r, 4), 1);
	cr_assert_eq(r[0].r_op, OP_DECRQ);
	cr_assert(value_is(&r[0], "Not found"));
	rep = rep_status(CACHE_NON_NUMERIC);
	cr_assert_eq(reply(0, &rep, NULL, NULL, r, 4), 1);
	cr_assert_eq(r[0].r_status, ST_BADVAL);
	cr_assert(value_is(&r[0],
	    "Non-numeric server-side value for incr or decr"));
	rep = rep_status(CACHE_EXISTS);
	cr_assert_eq(reply(0, &rep, NULL, NULL, r, 4), 1);
	cr_assert_eq(r[0].r_status, ST_EEXISTS);
	rep = rep_status(CACHE_NO_MEMORY);
	cr_assert_eq(reply(0, &rep, NULL, NULL, r, 4), 1);
	cr_assert_eq(r[0].r_status, ST_ENOMEM);
	/* Storage's text is checked, not trusted. */
	rep = rep_status(CACHE_OK);
	cr_assert_eq(reply(0, &rep, NULL, "12a", r, 4), 1);
	cr_assert_neq(r[0].r_status, ST_OK);
}

Test(bin, reply_flush_and_unavailable)
{
	static const uint8_t	ops[] = { OP_GETQ, OP_GETKQ, OP_DELETEQ,
				    OP_FLUSHQ, OP_INCRQ };
	uint8_t			b[256];
	struct cache_rep	rep;
	struct resp		r[4];
	size_t			n = 0, i;

	n += pkt(b + n, OP_FLUSH, NULL, 0, NULL, NULL, 0, 0, 0);
	n += pkt(b + n, OP_FLUSHQ, NULL, 0, NULL, NULL, 0, 0, 0);
	feed_all(b, n);
	rep = rep_status(CACHE_OK);
	cr_assert_eq(reply(0, &rep, NULL, NULL, r, 4), 1);
	cr_assert_eq(r[0].r_op, OP_FLUSH);
	cr_assert_eq(r[0].r_bodylen, 0);
	rep = rep_status(CACHE_OK);
	cr_assert_eq(reply(1, &rep, NULL, NULL, r, 4), 0);
	/* No storage to ask: even quiet commands hear of it. */
	for (i = 0; i < sizeof(ops); i++) {
		setup();
		if (ops[i] == OP_FLUSHQ)
			n = pkt(b, ops[i], NULL, 0, NULL, NULL, 0, 0, 0);
		else if (ops[i] == OP_INCRQ)
			n = pkt_arith(b, ops[i], "k", 1, 0, 0, 0);
		else
			n = pkt_key(b, ops[i], "k", 0);
		feed_all(b, n);
		rep = rep_status(CACHE_UNAVAILABLE);
		cr_assert_eq(reply(0, &rep, NULL, NULL, r, 4), 1);
		cr_assert_eq(r[0].r_op, ops[i]);
		cr_assert_eq(r[0].r_status, ST_TMPFAIL);
	}
}

Test(bin, stat_packets_and_terminator)
{
	uint8_t		 b[256];
	struct buf	 out;
	struct resp	 r[4];

	feed_all(b, pkt_key(b, OP_STAT, "", 0x77));
	cr_assert_eq(stats_kind, PROTO_STATS_GENERAL);
	memset(&out, 0, sizeof(out));
	cr_assert_eq(proto_bin_stat(&stats_ctx, "pid", "123", &out, 4096), 0);
	cr_assert_eq(proto_bin_stat(&stats_ctx, "version", "", &out, 4096),
	    0);
	cr_assert_eq(proto_bin_stats_end(&stats_ctx, &out, 4096), 0);
	cr_assert_eq(decode((const uint8_t *)buf_head(&out), buf_used(&out),
	    r, 4), 3);
	cr_assert_eq(r[0].r_op, OP_STAT);
	cr_assert_eq(r[0].r_status, ST_OK);
	cr_assert_eq(r[0].r_opaque, 0x77);
	cr_assert_eq(r[0].r_keylen, 3);
	cr_assert_eq(r[0].r_extlen, 0);
	cr_assert(memcmp(r[0].r_key, "pid", 3) == 0);
	cr_assert(value_is(&r[0], "123"));
	cr_assert_eq(r[1].r_keylen, 7);
	cr_assert_eq(r[1].r_vlen, 0);
	/* The terminator: an empty stat packet. */
	cr_assert_eq(r[2].r_op, OP_STAT);
	cr_assert_eq(r[2].r_opaque, 0x77);
	cr_assert_eq(r[2].r_keylen, 0);
	cr_assert_eq(r[2].r_bodylen, 0);
	cr_assert_eq(r[2].r_status, ST_OK);
	buf_free(&out);
}

Test(bin, reply_past_max_fails)
{
	uint8_t			b[256];
	char			val[101];
	struct cache_rep	rep;
	struct buf		out;

	feed_all(b, pkt_key(b, OP_GET, "k", 0));
	memset(val, 'v', 100);
	val[100] = '\0';
	rep = rep_status(CACHE_OK);
	rep.rp_nvalue = 100;
	memset(&out, 0, sizeof(out));
	cr_assert_eq(proto_bin_reply(&recs[0].r_ctx, &rep, NULL, val, &out,
	    100), -1);
	cr_assert_eq(proto_bin_reply(&recs[0].r_ctx, &rep, NULL, val, &out,
	    128), 0);
	cr_assert_eq(buf_used(&out), 24 + 4 + 100);
	cr_assert_eq(proto_bin_stat(&recs[0].r_ctx, "name", "value", &out,
	    130), -1);
	buf_free(&out);
}

static char	traced[4][512];
static int	ntraced;

static void
rec_trace(void *arg, const char *line, size_t len)
{
	(void)arg;
	cr_assert_lt(ntraced, 4);
	cr_assert_lt(len, sizeof(traced[0]));
	memcpy(traced[ntraced], line, len);
	traced[ntraced++][len] = '\0';
}

/* -vv: each packet is traced by opcode and key, never with its value. */
Test(bin, trace_names_opcode_and_key_not_value)
{
	struct proto_sink	tsink = sink;
	uint8_t			b[1024];
	size_t			n = 0, used;

	tsink.ps_trace = rec_trace;
	ntraced = 0;
	n += pkt_store(b + n, OP_SET, "k1", 0, 0, "secretvalue", 0);
	n += pkt_key(b + n, OP_GETK, "k2", 0);
	cr_assert_eq(proto_bin_parse(&st, &lim, &tsink, (const char *)b, n,
	    &used, NOW),
	    PROTO_OK);
	cr_assert_eq(used, n);
	cr_assert_eq(ntraced, 2);
	cr_assert(strstr(traced[0], "opcode 0x01 key k1") != NULL, "%s",
	    traced[0]);
	cr_assert(strstr(traced[0], "secretvalue") == NULL, "%s", traced[0]);
	cr_assert(strstr(traced[1], "opcode 0x0c key k2") != NULL, "%s",
	    traced[1]);
}
