/*
 * memcached's binary protocol (net child; no I/O): parses request packets
 * into cache requests and local replies, and encodes storage answers as
 * response packets.  Status codes, error texts and which replies a quiet
 * command leaves out are memcached 1.6's.
 *
 * Every length of a header is checked against the others and against the
 * limits before a byte of the body is looked at or waited for: lengths that
 * contradict each other close the connection (the packet boundary is lost),
 * a packet that is well framed but wrong for its opcode or too large is
 * answered and its body dropped as it arrives, never parsed.  Header fields
 * are copied out of the client's bytes and decoded byte by byte, so neither
 * alignment nor host byte order matters.
 */

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "proto.h"
#include "version.h"
#include "wire.h"

#define BIN_HDR_LEN		24
#define BIN_REQ_MAGIC		0x80
#define BIN_RES_MAGIC		0x81

/* Extras lengths of the requests that carry them. */
#define BIN_STORE_EXTLEN	8	/* flags, expiration */
#define BIN_ARITH_EXTLEN	20	/* delta, initial, expiration */
/* Where each field of the extras starts. */
#define BIN_STORE_FLAGS		0
#define BIN_STORE_EXPTIME	4
#define BIN_ARITH_DELTA		0
#define BIN_ARITH_INITIAL	8
#define BIN_ARITH_EXPTIME	16
#define BIN_TOUCH_EXTLEN	4	/* expiration */
#define BIN_FLUSH_EXTLEN	4	/* optional delay */
#define BIN_VERB_EXTLEN		4	/* level */
#define BIN_GET_EXTLEN		4	/* flags, in responses */

/* incr/decr: this expiration means "do not create on a miss". */
#define BIN_ARITH_NO_CREATE	0xffffffffU

/* Longest local reply: a header and the longest text after it. */
#define BIN_LOCAL_MAX		(BIN_HDR_LEN + 64)

enum bin_opcode {
	BIN_GET =		0x00,
	BIN_SET =		0x01,
	BIN_ADD =		0x02,
	BIN_REPLACE =		0x03,
	BIN_DELETE =		0x04,
	BIN_INCR =		0x05,
	BIN_DECR =		0x06,
	BIN_QUIT =		0x07,
	BIN_FLUSH =		0x08,
	BIN_GETQ =		0x09,
	BIN_NOOP =		0x0a,
	BIN_VERSION =		0x0b,
	BIN_GETK =		0x0c,
	BIN_GETKQ =		0x0d,
	BIN_APPEND =		0x0e,
	BIN_PREPEND =		0x0f,
	BIN_STAT =		0x10,
	BIN_SETQ =		0x11,
	BIN_ADDQ =		0x12,
	BIN_REPLACEQ =		0x13,
	BIN_DELETEQ =		0x14,
	BIN_INCRQ =		0x15,
	BIN_DECRQ =		0x16,
	BIN_QUITQ =		0x17,
	BIN_FLUSHQ =		0x18,
	BIN_APPENDQ =		0x19,
	BIN_PREPENDQ =		0x1a,
	BIN_VERBOSITY =		0x1b,
	BIN_TOUCH =		0x1c,
	BIN_GAT =		0x1d,
	BIN_GATQ =		0x1e,
	BIN_SASL_LIST_MECHS =	0x20,
	BIN_SASL_AUTH =		0x21,
	BIN_SASL_STEP =		0x22,
	BIN_GATK =		0x23,
	BIN_GATKQ =		0x24,
};

enum bin_status {
	BIN_OK =		0x0000,
	BIN_ENOENT =		0x0001,
	BIN_EEXISTS =		0x0002,
	BIN_E2BIG =		0x0003,
	BIN_EINVAL =		0x0004,
	BIN_NOT_STORED =	0x0005,
	BIN_DELTA_BADVAL =	0x0006,
	BIN_AUTH_ERROR =	0x0020,
	BIN_UNKNOWN =		0x0081,
	BIN_ENOMEM =		0x0082,
	BIN_EINTERNAL =		0x0084,
	BIN_ETMPFAIL =		0x0086,
};

/* A request header, decoded. */
struct bin_hdr {
	uint8_t		bh_magic;
	uint8_t		bh_opcode;
	uint16_t	bh_keylen;
	uint8_t		bh_extlen;
	uint8_t		bh_datatype;
	uint16_t	bh_vbucket;
	uint32_t	bh_bodylen;
	uint32_t	bh_opaque;
	uint64_t	bh_cas;
};

/*
 * What a reply needs besides the storage answer, kept in px_priv: the
 * opcode and opaque to echo and, when it fits, the key (getk and gatk
 * echo it on a miss, and storage returns keys only on a hit).
 */
#define BIN_PRIV_KEY_MAX	(PROTO_PRIV_SIZE - 6)
struct bin_priv {
	uint32_t	bp_opaque;
	uint8_t		bp_opcode;	/* as sent, quiet or not */
	uint8_t		bp_nkey;	/* 0: key not kept */
	char		bp_key[BIN_PRIV_KEY_MAX];
};
_Static_assert(sizeof(struct bin_priv) <= PROTO_PRIV_SIZE,
    "struct bin_priv must fit in px_priv");
_Static_assert(BIN_PRIV_KEY_MAX <= UINT8_MAX, "bp_nkey is 8 bits");

struct bin_parser {
	struct proto_bin_state		*bp_st;
	const struct proto_limits	*bp_lim;
	const struct proto_sink		*bp_sink;
	int64_t				 bp_now;
	int				 bp_failed;	/* sink said no */
	int				 bp_authed;	/* may run commands */
};

/* Big-endian fields, whatever the host's order and alignment. */
static uint16_t
get16(const uint8_t *p)
{
	return ((uint16_t)((unsigned)p[0] << 8 | p[1]));
}

static uint32_t
get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3]);
}

static uint64_t
get64(const uint8_t *p)
{
	return ((uint64_t)get32(p) << 32 | get32(p + 4));
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void
put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

static void
bin_hdr_decode(const char *buf, struct bin_hdr *h)
{
	uint8_t	raw[BIN_HDR_LEN];

	memcpy(raw, buf, sizeof(raw));
	h->bh_magic = raw[0];
	h->bh_opcode = raw[1];
	h->bh_keylen = get16(raw + 2);
	h->bh_extlen = raw[4];
	h->bh_datatype = raw[5];
	h->bh_vbucket = get16(raw + 6);
	h->bh_bodylen = get32(raw + 8);
	h->bh_opaque = get32(raw + 12);
	h->bh_cas = get64(raw + 16);
}

/* A response header into p (BIN_HDR_LEN bytes). */
static void
bin_hdr_encode(uint8_t *p, uint8_t opcode, uint16_t status, uint16_t keylen,
    uint8_t extlen, uint32_t bodylen, uint32_t opaque, uint64_t cas)
{
	p[0] = BIN_RES_MAGIC;
	p[1] = opcode;
	put16(p + 2, keylen);
	p[4] = extlen;
	p[5] = 0;		/* raw bytes */
	put16(p + 6, status);
	put32(p + 8, bodylen);
	put32(p + 12, opaque);
	put64(p + 16, cas);
}

/* The text memcached sends with an error status. */
static const char *
bin_status_text(uint16_t status)
{
	switch (status) {
	case BIN_ENOENT:
		return ("Not found");
	case BIN_EEXISTS:
		return ("Data exists for key.");
	case BIN_E2BIG:
		return ("Too large.");
	case BIN_EINVAL:
		return ("Invalid arguments");
	case BIN_NOT_STORED:
		return ("Not stored.");
	case BIN_DELTA_BADVAL:
		return ("Non-numeric server-side value for incr or decr");
	case BIN_AUTH_ERROR:
		return ("Auth failure.");
	case BIN_UNKNOWN:
		return ("Unknown command");
	case BIN_ENOMEM:
		return ("Out of memory");
	case BIN_ETMPFAIL:
		return ("Temporary failure");
	default:
		return ("Internal error");
	}
}

/*
 * The non-quiet opcode a request stands for, and whether it was quiet.
 * Returns -1 for an opcode we do not implement.
 */
static int
bin_base(uint8_t opcode, uint8_t *base, int *quiet)
{
	*quiet = 1;
	switch (opcode) {
	case BIN_GETQ:
		*base = BIN_GET;
		return (0);
	case BIN_GETKQ:
		*base = BIN_GETK;
		return (0);
	case BIN_SETQ:
		*base = BIN_SET;
		return (0);
	case BIN_ADDQ:
		*base = BIN_ADD;
		return (0);
	case BIN_REPLACEQ:
		*base = BIN_REPLACE;
		return (0);
	case BIN_DELETEQ:
		*base = BIN_DELETE;
		return (0);
	case BIN_INCRQ:
		*base = BIN_INCR;
		return (0);
	case BIN_DECRQ:
		*base = BIN_DECR;
		return (0);
	case BIN_QUITQ:
		*base = BIN_QUIT;
		return (0);
	case BIN_FLUSHQ:
		*base = BIN_FLUSH;
		return (0);
	case BIN_APPENDQ:
		*base = BIN_APPEND;
		return (0);
	case BIN_PREPENDQ:
		*base = BIN_PREPEND;
		return (0);
	case BIN_GATQ:
		*base = BIN_GAT;
		return (0);
	case BIN_GATKQ:
		*base = BIN_GATK;
		return (0);
	case BIN_GET:
	case BIN_SET:
	case BIN_ADD:
	case BIN_REPLACE:
	case BIN_DELETE:
	case BIN_INCR:
	case BIN_DECR:
	case BIN_QUIT:
	case BIN_FLUSH:
	case BIN_NOOP:
	case BIN_VERSION:
	case BIN_GETK:
	case BIN_APPEND:
	case BIN_PREPEND:
	case BIN_STAT:
	case BIN_VERBOSITY:
	case BIN_TOUCH:
	case BIN_GAT:
	case BIN_GATK:
		*quiet = 0;
		*base = opcode;
		return (0);
	case BIN_SASL_LIST_MECHS:
	case BIN_SASL_AUTH:
	case BIN_SASL_STEP:
		/*
		 * Unknown until authentication exists (memcached without -S
		 * answers the same).  Then these get their shape checks in
		 * bin_check() and their handlers in bin_dispatch(), and an
		 * unauthenticated connection gets BIN_AUTH_ERROR for every
		 * other opcode, decided here before anything is parsed.
		 */
		*quiet = 0;
		return (-1);
	default:
		*quiet = 0;
		return (-1);
	}
}

/*
 * Whether a well-framed header has the shape its opcode needs (extras,
 * key and value present or not, as memcached checks them).  Returns
 * BIN_OK, or the status to answer with while the body is dropped.
 */
static uint16_t
bin_check(const struct bin_hdr *h, uint8_t base,
    const struct proto_limits *lim)
{
	size_t	klen = h->bh_keylen, elen = h->bh_extlen;
	size_t	vlen = h->bh_bodylen - klen - elen;
	int	ok;

	switch (base) {
	case BIN_GET:
	case BIN_GETK:
	case BIN_DELETE:
		ok = elen == 0 && klen > 0 && vlen == 0;
		break;
	case BIN_SET:
	case BIN_ADD:
	case BIN_REPLACE:
		ok = elen == BIN_STORE_EXTLEN && klen > 0;
		break;
	case BIN_APPEND:
	case BIN_PREPEND:
		ok = elen == 0 && klen > 0;
		break;
	case BIN_INCR:
	case BIN_DECR:
		ok = elen == BIN_ARITH_EXTLEN && klen > 0 && vlen == 0;
		break;
	case BIN_TOUCH:
	case BIN_GAT:
	case BIN_GATK:
		ok = elen == BIN_TOUCH_EXTLEN && klen > 0 && vlen == 0;
		break;
	case BIN_FLUSH:
		ok = (elen == 0 || elen == BIN_FLUSH_EXTLEN) && klen == 0 &&
		    vlen == 0;
		break;
	case BIN_VERBOSITY:
		ok = elen == BIN_VERB_EXTLEN && klen == 0 && vlen == 0;
		break;
	case BIN_STAT:
		/* The key names the group; an empty key is all of them. */
		ok = elen == 0 && vlen == 0;
		break;
	default:
		/* quit, noop, version: nothing at all. */
		ok = h->bh_bodylen == 0;
		break;
	}
	if (!ok || klen > KEY_MAX_LENGTH)
		return (BIN_EINVAL);
	if (vlen > lim->pl_value_max)
		return (BIN_E2BIG);
	return (BIN_OK);
}

/* Queues a local reply: a header without extras or key, then text. */
static void
bin_local(struct bin_parser *bp, const struct bin_hdr *h, uint16_t status,
    const void *body, size_t len)
{
	uint8_t	pkt[BIN_LOCAL_MAX];

	/* Callers pass short constant texts only. */
	if (len > sizeof(pkt) - BIN_HDR_LEN)
		len = sizeof(pkt) - BIN_HDR_LEN;
	bin_hdr_encode(pkt, h->bh_opcode, status, 0, 0, (uint32_t)len,
	    h->bh_opaque, 0);
	if (len > 0)
		memcpy(pkt + BIN_HDR_LEN, body, len);
	if (bp->bp_sink->ps_local(bp->bp_sink->ps_arg, pkt,
	    BIN_HDR_LEN + len) == -1)
		bp->bp_failed = 1;
}

static void
bin_local_error(struct bin_parser *bp, const struct bin_hdr *h,
    uint16_t status)
{
	const char	*text = bin_status_text(status);

	bin_local(bp, h, status, text, strlen(text));
}

static void
bin_ctx(struct proto_ctx *ctx, const struct bin_hdr *h, uint8_t base,
    int quiet, const char *key)
{
	struct bin_priv	priv;

	memset(ctx, 0, sizeof(*ctx));
	memset(&priv, 0, sizeof(priv));
	ctx->px_kind = PROTO_BIN;
	ctx->px_cmd = base;
	ctx->px_noreply = quiet;
	priv.bp_opaque = h->bh_opaque;
	priv.bp_opcode = h->bh_opcode;
	if (key != NULL && h->bh_keylen <= sizeof(priv.bp_key)) {
		priv.bp_nkey = (uint8_t)h->bh_keylen;
		memcpy(priv.bp_key, key, h->bh_keylen);
	}
	memcpy(ctx->px_priv, &priv, sizeof(priv));
}

static void
bin_priv_get(const struct proto_ctx *ctx, struct bin_priv *priv)
{
	memcpy(priv, ctx->px_priv, sizeof(*priv));
}

static void
bin_storage(struct bin_parser *bp, const struct bin_hdr *h, uint8_t base,
    int quiet, struct cache_req *req, const char *key, const char *value)
{
	struct proto_ctx	ctx;

	req->cr_nkey = h->bh_keylen;
	bin_ctx(&ctx, h, base, quiet, base == BIN_GETK || base == BIN_GATK ?
	    key : NULL);
	if (bp->bp_sink->ps_storage(bp->bp_sink->ps_arg, req, key, value,
	    &ctx) == -1)
		bp->bp_failed = 1;
}

static int
bin_is_store(uint8_t base)
{
	return (base == BIN_SET || base == BIN_ADD || base == BIN_REPLACE ||
	    base == BIN_APPEND || base == BIN_PREPEND);
}

/* A store refused for its size: the key's old value goes too. */
static void
bin_too_large(struct bin_parser *bp, const struct bin_hdr *h,
    const char *key)
{
	struct cache_req	req;

	memset(&req, 0, sizeof(req));
	req.cr_op = CACHE_OP_DELETE;
	req.cr_opts = CACHE_OPT_TOO_LARGE;
	/* SET, not base: memcached answers "too large" for every store. */
	bin_storage(bp, h, BIN_SET, 0, &req, key, NULL);
}

/*
 * stat "detail on|off|dump", as memcached: on and off answer the empty
 * stat that ends a stat reply, dump one "detailed" stat with the text.
 */
static void
bin_stat_detail(struct bin_parser *bp, const struct bin_hdr *h,
    const char *key)
{
	struct cache_admin_req	rq;
	struct proto_ctx	ctx;
	size_t			len = h->bh_keylen;

	memset(&rq, 0, sizeof(rq));
	if (len == 9 && memcmp(key, "detail on", 9) == 0) {
		rq.ca_op = CACHE_ADMIN_DETAIL;
		rq.ca_arg = 1;
	} else if (len == 10 && memcmp(key, "detail off", 10) == 0)
		rq.ca_op = CACHE_ADMIN_DETAIL;
	else if (len == 11 && memcmp(key, "detail dump", 11) == 0)
		rq.ca_op = CACHE_ADMIN_DETAIL_DUMP;
	else {
		bin_local_error(bp, h, BIN_ENOENT);
		return;
	}
	if (!bp->bp_lim->pl_admin || bp->bp_sink->ps_admin == NULL ||
	    bp->bp_lim->pl_settings == NULL) {
		/* Prefixes of other clients' keys: admin addresses only. */
		if (bp->bp_sink->ps_admin_refused != NULL)
			bp->bp_sink->ps_admin_refused(bp->bp_sink->ps_arg);
		bin_local_error(bp, h, BIN_ENOENT);
		return;
	}
	if (rq.ca_op == CACHE_ADMIN_DETAIL)
		bp->bp_lim->pl_settings->ps_detail = rq.ca_arg;
	bin_ctx(&ctx, h, BIN_STAT, 0, NULL);
	if (bp->bp_sink->ps_admin(bp->bp_sink->ps_arg, &rq, &ctx) == -1)
		bp->bp_failed = 1;
}

/* stat [items|slabs|sizes|settings|conns|reset] */
static void
bin_stat(struct bin_parser *bp, const struct bin_hdr *h, const char *key)
{
	struct proto_ctx	ctx;
	int			kind;

	if (h->bh_keylen > 6 && memcmp(key, "detail", 6) == 0) {
		bin_stat_detail(bp, h, key);
		return;
	}
	/* An empty key is every general statistic. */
	kind = proto_stats_kind(key, h->bh_keylen);
	if (bp->bp_sink->ps_stats == NULL) {
		bin_local_error(bp, h, BIN_UNKNOWN);
		return;
	}
	if (kind == -1) {
		bin_local_error(bp, h, BIN_ENOENT);
		return;
	}
	bin_ctx(&ctx, h, BIN_STAT, 0, NULL);
	if (bp->bp_sink->ps_stats(bp->bp_sink->ps_arg, kind, &ctx) == -1)
		bp->bp_failed = 1;
}

/*
 * Runs one complete, checked packet; body holds bh_bodylen bytes.
 * Returns 1 when the connection is to close after it, else 0.
 */
static int
bin_dispatch(struct bin_parser *bp, const struct bin_hdr *h, uint8_t base,
    int quiet, const char *body)
{
	struct cache_req	 req;
	uint8_t			 ext[BIN_ARITH_EXTLEN];
	const char		*key = body + h->bh_extlen;
	const char		*value = key + h->bh_keylen;
	uint32_t		 exptime;
	int			 cas;

	/* Extras are copied out before they are read, as the header is. */
	memset(ext, 0, sizeof(ext));
	memcpy(ext, body, h->bh_extlen < sizeof(ext) ? h->bh_extlen :
	    sizeof(ext));
	memset(&req, 0, sizeof(req));
	/* Without cas (-C) a store ignores it, as memcached's does. */
	cas = h->bh_cas != 0 && bp->bp_lim->pl_cas;

	switch (base) {
	case BIN_GET:
	case BIN_GETK:
		req.cr_op = CACHE_OP_GET;
		req.cr_opts = CACHE_OPT_WANT_VALUE;
		if (base == BIN_GETK)
			req.cr_opts |= CACHE_OPT_WANT_KEY;
		bin_storage(bp, h, base, quiet, &req, key, NULL);
		return (0);
	case BIN_GAT:
	case BIN_GATK:
		req.cr_op = CACHE_OP_GET;
		req.cr_opts = CACHE_OPT_WANT_VALUE | CACHE_OPT_TOUCH;
		if (base == BIN_GATK)
			req.cr_opts |= CACHE_OPT_WANT_KEY;
		/* memcached reads a 32-bit expiration as unsigned. */
		req.cr_exptime = proto_exptime(get32(ext), bp->bp_now);
		bin_storage(bp, h, base, quiet, &req, key, NULL);
		return (0);
	case BIN_TOUCH:
		req.cr_op = CACHE_OP_TOUCH;
		req.cr_exptime = proto_exptime(get32(ext), bp->bp_now);
		bin_storage(bp, h, base, quiet, &req, key, NULL);
		return (0);
	case BIN_SET:
	case BIN_ADD:
	case BIN_REPLACE:
		req.cr_op = CACHE_OP_STORE;
		if (cas) {
			/* memcached: any of the three with a cas is "cas". */
			req.cr_mode = CACHE_STORE_SET;
			req.cr_opts = CACHE_OPT_CAS;
			req.cr_cas = h->bh_cas;
		} else if (base == BIN_ADD)
			req.cr_mode = CACHE_STORE_ADD;
		else if (base == BIN_REPLACE)
			req.cr_mode = CACHE_STORE_REPLACE;
		else
			req.cr_mode = CACHE_STORE_SET;
		req.cr_flags = get32(ext + BIN_STORE_FLAGS);
		req.cr_exptime = proto_exptime(get32(ext + BIN_STORE_EXPTIME),
		    bp->bp_now);
		req.cr_nvalue = h->bh_bodylen - h->bh_keylen - h->bh_extlen;
		bin_storage(bp, h, base, quiet, &req, key, value);
		return (0);
	case BIN_APPEND:
	case BIN_PREPEND:
		req.cr_op = CACHE_OP_STORE;
		req.cr_mode = base == BIN_APPEND ? CACHE_STORE_APPEND :
		    CACHE_STORE_PREPEND;
		if (cas) {
			req.cr_opts = CACHE_OPT_CAS;
			req.cr_cas = h->bh_cas;
		}
		req.cr_nvalue = h->bh_bodylen - h->bh_keylen;
		bin_storage(bp, h, base, quiet, &req, key, value);
		return (0);
	case BIN_DELETE:
		req.cr_op = CACHE_OP_DELETE;
		/*
		 * Compared even with -C, as memcached does: an item then
		 * has cas 0, so any other value is a mismatch.
		 */
		if (h->bh_cas != 0) {
			req.cr_opts = CACHE_OPT_CAS;
			req.cr_cas = h->bh_cas;
		}
		bin_storage(bp, h, base, quiet, &req, key, NULL);
		return (0);
	case BIN_INCR:
	case BIN_DECR:
		req.cr_op = CACHE_OP_ARITH;
		req.cr_mode = base == BIN_INCR ? CACHE_ARITH_INCR :
		    CACHE_ARITH_DECR;
		req.cr_opts = CACHE_OPT_WANT_VALUE;
		req.cr_delta = get64(ext + BIN_ARITH_DELTA);
		exptime = get32(ext + BIN_ARITH_EXPTIME);
		if (exptime != BIN_ARITH_NO_CREATE) {
			req.cr_opts |= CACHE_OPT_VIVIFY;
			req.cr_initial = get64(ext + BIN_ARITH_INITIAL);
			req.cr_vivify_exptime = proto_exptime(exptime,
			    bp->bp_now);
		}
		/* As delete: memcached compares it even with -C. */
		if (h->bh_cas != 0) {
			req.cr_opts |= CACHE_OPT_CAS;
			req.cr_cas = h->bh_cas;
		}
		bin_storage(bp, h, base, quiet, &req, key, NULL);
		return (0);
	case BIN_FLUSH:
		if (!bp->bp_lim->pl_flush) {
			/* memcached -F: even flushq hears about it. */
			bin_local_error(bp, h, BIN_AUTH_ERROR);
			return (0);
		}
		req.cr_op = CACHE_OP_FLUSH;
		if (h->bh_extlen == BIN_FLUSH_EXTLEN && get32(ext) > 0)
			req.cr_exptime = proto_exptime(get32(ext),
			    bp->bp_now);
		req.cr_nkey = 0;
		bin_storage(bp, h, base, quiet, &req, NULL, NULL);
		return (0);
	case BIN_NOOP:
		bin_local(bp, h, BIN_OK, NULL, 0);
		return (0);
	case BIN_VERSION:
		bin_local(bp, h, BIN_OK, PRIVCACHED_MEMCACHED_LEVEL,
		    sizeof(PRIVCACHED_MEMCACHED_LEVEL) - 1);
		return (0);
	case BIN_VERBOSITY:
		if (bp->bp_sink->ps_verbosity != NULL &&
		    bp->bp_sink->ps_verbosity(bp->bp_sink->ps_arg,
		    get32(ext) > 3 ? 3 : (int)get32(ext)) == -1)
			bp->bp_failed = 1;
		bin_local(bp, h, BIN_OK, NULL, 0);
		return (0);
	case BIN_STAT:
		bin_stat(bp, h, key);
		return (0);
	case BIN_QUIT:
		if (!quiet)
			bin_local(bp, h, BIN_OK, NULL, 0);
		bp->bp_st->pb_quit = 1;
		return (1);
	default:
		/* bin_base() let through only what is handled above. */
		bin_local_error(bp, h, BIN_UNKNOWN);
		return (0);
	}
}

static int
bin_is_sasl(uint8_t opcode)
{
	return (opcode == BIN_SASL_LIST_MECHS || opcode == BIN_SASL_AUTH ||
	    opcode == BIN_SASL_STEP);
}

/* SASL bodies: a mechanism name as the key, its data as the value. */
static uint16_t
bin_check_sasl(const struct bin_hdr *h)
{
	size_t	klen = h->bh_keylen, elen = h->bh_extlen;
	size_t	vlen = h->bh_bodylen - klen - elen;

	if (elen != 0 || klen > 32)
		return (BIN_EINVAL);
	if (h->bh_opcode == BIN_SASL_LIST_MECHS)
		return (h->bh_bodylen == 0 ? BIN_OK : BIN_EINVAL);
	if (klen == 0 || vlen > PROTO_AUTH_MAX + 2)
		return (BIN_EINVAL);
	return (BIN_OK);
}

/*
 * SASL PLAIN (RFC 4616): "[authzid] NUL authcid NUL passwd", one step.
 * The authorization identity, if any, must be the user itself.
 */
static void
bin_sasl(struct bin_parser *bp, const struct bin_hdr *h, const char *body)
{
	static const char	 plain[] = "PLAIN";
	static const char	 ok[] = "Authenticated";
	const char		*key = body + h->bh_extlen;
	const char		*val = key + h->bh_keylen;
	const char		*user, *pass, *nul;
	size_t			 vlen = h->bh_bodylen - h->bh_keylen -
				    h->bh_extlen, zlen, ulen;

	if (h->bh_opcode == BIN_SASL_LIST_MECHS) {
		bin_local(bp, h, BIN_OK, plain, sizeof(plain) - 1);
		return;
	}
	if (h->bh_opcode != BIN_SASL_AUTH || h->bh_keylen != 5 ||
	    memcmp(key, plain, 5) != 0 ||
	    (nul = memchr(val, '\0', vlen)) == NULL) {
		bin_local_error(bp, h, BIN_AUTH_ERROR);
		return;
	}
	zlen = nul - val;
	user = nul + 1;
	if ((nul = memchr(user, '\0', vlen - zlen - 1)) == NULL) {
		bin_local_error(bp, h, BIN_AUTH_ERROR);
		return;
	}
	ulen = nul - user;
	pass = nul + 1;
	if ((zlen != 0 && (zlen != ulen || memcmp(val, user, ulen) != 0)) ||
	    bp->bp_sink->ps_auth == NULL ||
	    bp->bp_sink->ps_auth(bp->bp_sink->ps_arg, user, ulen, pass,
	    vlen - (pass - val)) != 1) {
		bin_local_error(bp, h, BIN_AUTH_ERROR);
		return;
	}
	bp->bp_authed = 1;
	bin_local(bp, h, BIN_OK, ok, sizeof(ok) - 1);
}

/* -vv: one line per packet, as the text protocols log their lines. */
static void
bin_trace(const struct proto_sink *sink, const struct bin_hdr *h,
    const char *body)
{
	char	line[128 + 250];
	int	n;

	if (sink->ps_trace == NULL)
		return;
	/* The key only: values and SASL bodies (passwords) stay out. */
	n = snprintf(line, sizeof(line), "binary opcode 0x%02x key %.*s "
	    "(%u body bytes)", h->bh_opcode, (int)h->bh_keylen,
	    body + h->bh_extlen, h->bh_bodylen);
	if (n > 0)
		sink->ps_trace(sink->ps_arg, line, (size_t)n < sizeof(line) ?
		    (size_t)n : sizeof(line) - 1);
}

enum proto_status
proto_bin_parse(struct proto_bin_state *st, const struct proto_limits *lim,
    const struct proto_sink *sink, const char *buf, size_t len, size_t *used,
    int64_t now)
{
	struct bin_parser	bp;
	struct bin_hdr		h;
	size_t			pos = 0, n;
	uint16_t		status;
	uint8_t			base;
	int			quiet;

	memset(&bp, 0, sizeof(bp));
	bp.bp_st = st;
	bp.bp_lim = lim;
	bp.bp_sink = sink;
	bp.bp_now = now;
	bp.bp_authed = !lim->pl_auth;
	while (pos < len && !bp.bp_failed) {
		if (st->pb_swallow > 0) {
			/* A refused body: data, never packets. */
			n = len - pos < st->pb_swallow ? len - pos :
			    st->pb_swallow;
			pos += n;
			st->pb_swallow -= n;
			if (st->pb_swallow_login)
				st->pb_login = 1;
			if (st->pb_swallow == 0)
				st->pb_swallow_login = 0;
			continue;
		}
		if ((unsigned char)buf[pos] != BIN_REQ_MAGIC) {
			/*
			 * Not a request: memcached hangs up without a word.
			 * The first byte decides; no need to wait for more.
			 */
			*used = len;
			return (PROTO_CLOSE);
		}
		if (len - pos < BIN_HDR_LEN)
			break;
		bin_hdr_decode(buf + pos, &h);
		if ((size_t)h.bh_extlen + h.bh_keylen > h.bh_bodylen) {
			/* Where this packet ends cannot be known. */
			bin_local_error(&bp, &h, BIN_EINVAL);
			*used = len;
			return (PROTO_CLOSE);
		}
		if (lim->pl_sasl && bin_is_sasl(h.bh_opcode)) {
			/* Logins: checked and answered here, never stored. */
			st->pb_login = 1;
			if ((status = bin_check_sasl(&h)) == BIN_OK) {
				if (len - pos - BIN_HDR_LEN < h.bh_bodylen)
					break;
				bin_sasl(&bp, &h, buf + pos + BIN_HDR_LEN);
				pos += BIN_HDR_LEN + h.bh_bodylen;
				continue;
			}
		} else if (!bp.bp_authed)
			status = BIN_AUTH_ERROR;
		else if (bin_base(h.bh_opcode, &base, &quiet) == -1)
			status = BIN_UNKNOWN;
		else
			status = bin_check(&h, base, lim);
		if (status == BIN_E2BIG && bin_is_store(base)) {
			/*
			 * Storage unlinks the old value (no stale data
			 * outlives the refusal, as memcached), counts it and
			 * answers too large.  It needs the key.
			 */
			n = (size_t)h.bh_extlen + h.bh_keylen;
			if (len - pos - BIN_HDR_LEN < n)
				break;
			bin_too_large(&bp, &h, buf + pos + BIN_HDR_LEN +
			    h.bh_extlen);
			pos += BIN_HDR_LEN + n;
			st->pb_swallow = h.bh_bodylen - n;
			continue;
		}
		if (status != BIN_OK) {
			/* Quiet or not, an error is always answered. */
			bin_local_error(&bp, &h, status);
			pos += BIN_HDR_LEN;
			st->pb_swallow = h.bh_bodylen;
			st->pb_swallow_login = lim->pl_sasl &&
			    bin_is_sasl(h.bh_opcode);
			continue;
		}
		if (len - pos - BIN_HDR_LEN < h.bh_bodylen)
			break;
		bin_trace(sink, &h, buf + pos + BIN_HDR_LEN);
		n = BIN_HDR_LEN + h.bh_bodylen;
		if (bin_dispatch(&bp, &h, base, quiet, buf + pos +
		    BIN_HDR_LEN) == 1) {
			*used = pos + n;
			return (PROTO_CLOSE);
		}
		pos += n;
	}
	*used = pos;
	return (bp.bp_failed ? PROTO_CLOSE : PROTO_OK);
}

/*
 * Appends one response packet.  Returns 0, or -1 past max bytes in out.
 */
static int
bin_put(struct buf *out, size_t max, const struct bin_priv *priv,
    uint16_t status, uint64_t cas, const void *ext, uint8_t extlen,
    const void *key, uint16_t keylen, const void *value, uint32_t vlen)
{
	uint8_t	hdr[BIN_HDR_LEN];
	size_t	body = (size_t)extlen + keylen + vlen;

	bin_hdr_encode(hdr, priv->bp_opcode, status, keylen, extlen,
	    (uint32_t)body, priv->bp_opaque, cas);
	if (buf_reserve(out, sizeof(hdr) + body, max) == -1 ||
	    buf_add(out, hdr, sizeof(hdr), max) == -1 ||
	    (extlen > 0 && buf_add(out, ext, extlen, max) == -1) ||
	    (keylen > 0 && buf_add(out, key, keylen, max) == -1) ||
	    (vlen > 0 && buf_add(out, value, vlen, max) == -1))
		return (-1);
	return (0);
}

static int
bin_put_error(struct buf *out, size_t max, const struct bin_priv *priv,
    uint16_t status)
{
	const char	*text = bin_status_text(status);

	return (bin_put(out, max, priv, status, 0, NULL, 0, NULL, 0, text,
	    (uint32_t)strlen(text)));
}

/* get, getk, gat, gatk, touch and their quiet forms. */
static int
bin_reply_get(const struct proto_ctx *ctx, const struct bin_priv *priv,
    const struct cache_rep *rep, const void *key, const void *value,
    struct buf *out, size_t max)
{
	uint8_t		 flags[BIN_GET_EXTLEN];
	const void	*k = NULL;
	uint16_t	 klen = 0;
	int		 withkey;

	withkey = ctx->px_cmd == BIN_GETK || ctx->px_cmd == BIN_GATK;
	if (withkey) {
		if (rep->rp_nkey > 0) {
			k = key;
			klen = (uint16_t)rep->rp_nkey;
		} else if (priv->bp_nkey > 0) {
			k = priv->bp_key;
			klen = priv->bp_nkey;
		}
	}
	switch (rep->rp_status) {
	case CACHE_OK:
		put32(flags, rep->rp_flags);
		if (ctx->px_cmd == BIN_TOUCH)
			return (bin_put(out, max, priv, BIN_OK, rep->rp_cas,
			    flags, sizeof(flags), NULL, 0, NULL, 0));
		return (bin_put(out, max, priv, BIN_OK, rep->rp_cas, flags,
		    sizeof(flags), k, klen, value, rep->rp_nvalue));
	case CACHE_MISS:
		if (ctx->px_noreply)
			return (0);
		/* getk: the key is the body; a key too long to keep is not. */
		if (klen > 0)
			return (bin_put(out, max, priv, BIN_ENOENT, 0, NULL, 0,
			    k, klen, NULL, 0));
		return (bin_put_error(out, max, priv, BIN_ENOENT));
	default:
		return (bin_put_error(out, max, priv, BIN_EINTERNAL));
	}
}

/* set, add, replace, append, prepend and their quiet forms. */
static int
bin_reply_store(const struct proto_ctx *ctx, const struct bin_priv *priv,
    const struct cache_rep *rep, struct buf *out, size_t max)
{
	int	add_to;

	add_to = ctx->px_cmd == BIN_APPEND || ctx->px_cmd == BIN_PREPEND;

	switch (rep->rp_status) {
	case CACHE_OK:
		if (ctx->px_noreply)
			return (0);
		return (bin_put(out, max, priv, BIN_OK, rep->rp_cas, NULL, 0,
		    NULL, 0, NULL, 0));
	case CACHE_EXISTS:
		return (bin_put_error(out, max, priv, BIN_EEXISTS));
	case CACHE_MISS:
		return (bin_put_error(out, max, priv, BIN_ENOENT));
	case CACHE_NOT_STORED:
		/* memcached names the condition that failed. */
		if (ctx->px_cmd == BIN_ADD)
			return (bin_put_error(out, max, priv, BIN_EEXISTS));
		if (ctx->px_cmd == BIN_REPLACE)
			return (bin_put_error(out, max, priv, BIN_ENOENT));
		return (bin_put_error(out, max, priv, BIN_NOT_STORED));
	case CACHE_TOO_LARGE:
		/* Append/prepend fail when joining: "not stored" there. */
		return (bin_put_error(out, max, priv, add_to ?
		    BIN_NOT_STORED : BIN_E2BIG));
	case CACHE_NO_MEMORY:
		return (bin_put_error(out, max, priv, add_to ?
		    BIN_NOT_STORED : BIN_ENOMEM));
	default:
		return (bin_put_error(out, max, priv, BIN_EINTERNAL));
	}
}

/* incr, decr and their quiet forms: the new value, 8 bytes. */
static int
bin_reply_arith(const struct proto_ctx *ctx, const struct bin_priv *priv,
    const struct cache_rep *rep, const void *value, struct buf *out,
    size_t max)
{
	uint8_t		num[8];
	uint64_t	v;

	switch (rep->rp_status) {
	case CACHE_OK:
		if (proto_parse_u64(value, rep->rp_nvalue, UINT64_MAX, &v) ==
		    -1)
			return (bin_put_error(out, max, priv, BIN_EINTERNAL));
		if (ctx->px_noreply)
			return (0);
		put64(num, v);
		return (bin_put(out, max, priv, BIN_OK, rep->rp_cas, NULL, 0,
		    NULL, 0, num, sizeof(num)));
	case CACHE_MISS:
		return (bin_put_error(out, max, priv, BIN_ENOENT));
	case CACHE_EXISTS:
		return (bin_put_error(out, max, priv, BIN_EEXISTS));
	case CACHE_NON_NUMERIC:
		return (bin_put_error(out, max, priv, BIN_DELTA_BADVAL));
	case CACHE_NO_MEMORY:
	case CACHE_TOO_LARGE:
		return (bin_put_error(out, max, priv, BIN_ENOMEM));
	default:
		return (bin_put_error(out, max, priv, BIN_EINTERNAL));
	}
}

int
proto_bin_reply(const struct proto_ctx *ctx, const struct cache_rep *rep,
    const void *key, const void *value, struct buf *out, size_t max)
{
	struct bin_priv	priv;

	bin_priv_get(ctx, &priv);
	if (rep->rp_status == CACHE_UNAVAILABLE)
		return (bin_put_error(out, max, &priv, BIN_ETMPFAIL));
	switch (ctx->px_cmd) {
	case BIN_GET:
	case BIN_GETK:
	case BIN_GAT:
	case BIN_GATK:
	case BIN_TOUCH:
		return (bin_reply_get(ctx, &priv, rep, key, value, out, max));
	case BIN_SET:
	case BIN_ADD:
	case BIN_REPLACE:
	case BIN_APPEND:
	case BIN_PREPEND:
		return (bin_reply_store(ctx, &priv, rep, out, max));
	case BIN_INCR:
	case BIN_DECR:
		return (bin_reply_arith(ctx, &priv, rep, value, out, max));
	case BIN_DELETE:
		switch (rep->rp_status) {
		case CACHE_OK:
			if (ctx->px_noreply)
				return (0);
			/* memcached sends no cas for a delete. */
			return (bin_put(out, max, &priv, BIN_OK, 0, NULL, 0,
			    NULL, 0, NULL, 0));
		case CACHE_EXISTS:
			return (bin_put_error(out, max, &priv, BIN_EEXISTS));
		case CACHE_MISS:
			return (bin_put_error(out, max, &priv, BIN_ENOENT));
		default:
			return (bin_put_error(out, max, &priv,
			    BIN_EINTERNAL));
		}
	case BIN_FLUSH:
		if (rep->rp_status != CACHE_OK)
			return (bin_put_error(out, max, &priv,
			    BIN_EINTERNAL));
		if (ctx->px_noreply)
			return (0);
		return (bin_put(out, max, &priv, BIN_OK, 0, NULL, 0, NULL, 0,
		    NULL, 0));
	default:
		return (bin_put_error(out, max, &priv, BIN_EINTERNAL));
	}
}

int
proto_bin_stat(const struct proto_ctx *ctx, const char *name,
    const char *value, struct buf *out, size_t max)
{
	struct bin_priv	priv;
	size_t		nlen = strlen(name), vlen = strlen(value);

	/* Names and values are short; a key length must fit 16 bits. */
	if (nlen > UINT16_MAX || vlen > UINT32_MAX - nlen)
		return (-1);
	bin_priv_get(ctx, &priv);
	return (bin_put(out, max, &priv, BIN_OK, 0, NULL, 0, name,
	    (uint16_t)nlen, value, (uint32_t)vlen));
}

int
proto_bin_stats_end(const struct proto_ctx *ctx, struct buf *out,
    size_t max)
{
	struct bin_priv	priv;

	/* An empty stat packet ends the list (and is all "reset" gets). */
	bin_priv_get(ctx, &priv);
	return (bin_put(out, max, &priv, BIN_OK, 0, NULL, 0, NULL, 0, NULL,
	    0));
}
