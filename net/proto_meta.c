/*
 * memcached's meta commands, mg ms md ma mn me (net child; no I/O).  The
 * text parser hands over every line whose first token is one of them; this
 * file turns it (and the data block of ms) into one cache request, and
 * formats the storage answer with the return flags the client asked for,
 * in its order.  Replies and error strings are memcached 1.6.18's, byte for
 * byte, where doc/protocol.txt leaves room; flags 1.6.18 lacks (E, x, mg C,
 * ms s and N) follow the newer protocol text.  Every number goes through
 * the one strict parser; a data block whose length cannot be trusted closes
 * the connection, a refused one is swallowed, never run as commands.
 */

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "proto.h"
#include "wire.h"

/* memcached counts the end of the line as a token and allows 20. */
#define META_TOKENS_MAX		19
/* An opaque token, its 'O' included, is at most this long. */
#define META_OPAQUE_MAX		32
/* Return flags one reply can carry: mg's s t c f l h O k. */
#define META_RET_MAX		8
/* Room in the private context for the opaque, then a copy of the key. */
#define META_DATA_MAX		74
/* The longest key in base64, padding included. */
#define META_KEY_B64_MAX	(((KEY_MAX_LENGTH + 2) / 3) * 4)
/* Longest reply line: code, size, every flag, a base64 key; no value. */
#define META_LINE_MAX		(META_KEY_B64_MAX + 256)
/* memcached refuses data lengths past INT_MAX - 2. */
#define META_DATALEN_MAX	((uint64_t)INT32_MAX - 2)

enum meta_cmd {
	META_GET = 1,
	META_SET,
	META_DELETE,
	META_ARITH,
	META_DEBUG,
};

/* mp_bits */
#define MP_QUIET	0x01	/* q */
#define MP_B64		0x02	/* b: the key goes back in base64 */
#define MP_VALUE	0x04	/* v */
#define MP_CASCHK	0x08	/* mg C: mp_num is the cas to compare */

/*
 * What a reply needs to know of its request, kept in proto_ctx px_priv.
 * Storage sends the key back only for a hit of mg and ma, so the key is
 * kept here too when it fits beside the opaque.
 */
struct meta_priv {
	uint64_t	mp_num;		/* mg: C token; ms: data length */
	uint8_t		mp_bits;
	uint8_t		mp_nret;	/* letters in mp_ret */
	uint8_t		mp_nopaque;	/* opaque bytes at mp_data */
	uint8_t		mp_nkey;	/* key bytes after them, 0: none */
	char		mp_ret[META_RET_MAX];	/* return flags in order */
	char		mp_data[META_DATA_MAX];
};
_Static_assert(sizeof(struct meta_priv) <= PROTO_PRIV_SIZE,
    "meta context does not fit in proto_ctx");
_Static_assert(META_OPAQUE_MAX - 1 <= META_DATA_MAX,
    "no room for the opaque");

/* The flags each command echoes, as memcached does (ms s: newer text). */
static const char *const meta_ret_flags[] = {
	[META_GET] = "stcflhOk",
	[META_SET] = "kcOs",
	[META_DELETE] = "kO",
	[META_ARITH] = "ctOk",
	[META_DEBUG] = "",
};

struct meta_token {
	const char	*t_s;
	size_t		 t_len;
};

/* One request line taken apart. */
struct meta_req {
	struct meta_token	 mr_tok[META_TOKENS_MAX + 1];
	size_t			 mr_ntok;	/* > TOKENS_MAX: too many */
	enum meta_cmd		 mr_cmd;
	const char		*mr_key;
	size_t			 mr_nkey;
	unsigned char		 mr_bkey[KEY_MAX_LENGTH];	/* b, decoded */
	uint8_t			 mr_seen[128];	/* flags given */
	const char		*mr_opaque;	/* after the 'O' */
	size_t			 mr_nopaque;
	char			 mr_ret[META_RET_MAX];
	size_t			 mr_nret;
	char			 mr_mode;	/* M, 0: none */
	int			 mr_t_after_n;	/* T follows N */
	uint32_t		 mr_cflags;	/* F */
	int64_t			 mr_ttl;	/* T, protocol exptime */
	int64_t			 mr_vivify;	/* N */
	int64_t			 mr_recache;	/* R */
	uint64_t		 mr_cas;	/* C */
	uint64_t		 mr_newcas;	/* E */
	uint64_t		 mr_delta;	/* D */
	uint64_t		 mr_initial;	/* J */
};

struct meta_parser {
	struct proto_text_state		*mp_st;
	const struct proto_limits	*mp_lim;
	const struct proto_sink		*mp_sink;
	int64_t				 mp_now;
	int				*mp_failed;
};

static const char	str_error[] = "ERROR\r\n";
static const char	str_bad_format[] =
    "CLIENT_ERROR bad command line format\r\n";
static const char	str_bad_token[] =
    "CLIENT_ERROR bad token in command line format\r\n";
static const char	str_opaque_long[] =
    "CLIENT_ERROR opaque token too long\r\n";
static const char	str_md_ma_flag[] =
    "CLIENT_ERROR invalid or duplicate flag\r\n";
static const char	str_too_large[] =
    "SERVER_ERROR object too large for cache\r\n";

#define HAS(mr, c)	((mr)->mr_seen[(unsigned char)(c)])

/* Queues a reply made here; a sink failure marks the parse failed. */
static void
meta_local(struct meta_parser *mp, const char *s)
{
	if (mp->mp_sink->ps_local(mp->mp_sink->ps_arg, s, strlen(s)) == -1)
		*mp->mp_failed = 1;
}

static void
meta_storage(struct meta_parser *mp, const struct cache_req *req,
    const void *key, const void *value, const struct proto_ctx *ctx)
{
	if (mp->mp_sink->ps_storage(mp->mp_sink->ps_arg, req, key, value,
	    ctx) == -1)
		*mp->mp_failed = 1;
}

/*
 * Splits on spaces as memcached does.  Returns the number of tokens, or
 * max + 1 when there are more.
 */
static size_t
meta_tokenize(const char *line, size_t len, struct meta_token *tok,
    size_t max)
{
	size_t	n = 0, i = 0, start;

	while (i < len) {
		while (i < len && line[i] == ' ')
			i++;
		if (i == len)
			break;
		if (n == max)
			return (max + 1);
		start = i;
		while (i < len && line[i] != ' ')
			i++;
		tok[n].t_s = line + start;
		tok[n].t_len = i - start;
		n++;
	}
	return (n);
}

/* The value of a base64 digit, '=' counting as 0; 0x80 for anything else. */
static unsigned char
meta_b64_val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return (c - 'A');
	if (c >= 'a' && c <= 'z')
		return (c - 'a' + 26);
	if (c >= '0' && c <= '9')
		return (c - '0' + 52);
	if (c == '+')
		return (62);
	if (c == '/')
		return (63);
	if (c == '=')
		return (0);
	return (0x80);
}

/*
 * memcached's decoder, quirks and all, so that the same keys are the same
 * items: bytes outside the alphabet are skipped, the digits must come in
 * fours, and the first padded group ends the input.  Returns the decoded
 * length, 0 if it cannot be decoded or does not fit in dstlen.
 */
static size_t
meta_b64_decode(const char *src, size_t len, unsigned char *dst,
    size_t dstlen)
{
	unsigned char	block[4], v;
	size_t		i, count = 0, n = 0;
	int		pad = 0;

	for (i = 0; i < len; i++)
		if (meta_b64_val(src[i]) != 0x80)
			count++;
	if (count == 0 || count % 4 != 0 || count / 4 * 3 > dstlen)
		return (0);
	count = 0;
	for (i = 0; i < len; i++) {
		if ((v = meta_b64_val(src[i])) == 0x80)
			continue;
		if (src[i] == '=')
			pad++;
		block[count++] = v;
		if (count < 4)
			continue;
		dst[n++] = (block[0] << 2) | (block[1] >> 4);
		dst[n++] = (block[1] << 4) | (block[2] >> 2);
		dst[n++] = (block[2] << 6) | block[3];
		count = 0;
		if (pad == 0)
			continue;
		if (pad > 2)
			return (0);
		n -= pad;
		break;
	}
	return (n);
}

/* Standard base64 with padding.  Returns the length written. */
static size_t
meta_b64_encode(const unsigned char *src, size_t len, char *dst)
{
	static const char	 digits[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t			 i, n = 0;
	uint32_t		 v;

	for (i = 0; i + 2 < len; i += 3) {
		v = (uint32_t)src[i] << 16 | (uint32_t)src[i + 1] << 8 |
		    src[i + 2];
		dst[n++] = digits[v >> 18];
		dst[n++] = digits[(v >> 12) & 0x3f];
		dst[n++] = digits[(v >> 6) & 0x3f];
		dst[n++] = digits[v & 0x3f];
	}
	if (i < len) {
		v = (uint32_t)src[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)src[i + 1] << 8;
		dst[n++] = digits[v >> 18];
		dst[n++] = digits[(v >> 12) & 0x3f];
		dst[n++] = i + 1 < len ? digits[(v >> 6) & 0x3f] : '=';
		dst[n++] = '=';
	}
	return (n);
}

/* A TTL token: a 32-bit protocol exptime, as memcached's.  0, or -1. */
static int
meta_ttl(const char *s, size_t len, int64_t *out)
{
	return (proto_parse_i64(s, len, INT32_MIN, INT32_MAX, out));
}

/*
 * memcached's flag pre-parse over mr_tok[first..]: a flag seen twice or
 * unknown ends the scan at once; a token that does not parse is noted
 * (the last one names the error) and the scan goes on.  Returns 0, or -1
 * with *err the reply.
 */
static int
meta_flags(struct meta_req *mr, size_t first, const char **err)
{
	const struct meta_token	*t;
	const char		*arg, *rets = meta_ret_flags[mr->mr_cmd];
	size_t			 i, alen;
	uint64_t		 u;
	unsigned char		 c;
	int			 bad = 0;

	*err = str_bad_format;
	for (i = first; i < mr->mr_ntok; i++) {
		t = &mr->mr_tok[i];
		c = (unsigned char)t->t_s[0];
		arg = t->t_s + 1;
		alen = t->t_len - 1;
		if (c >= 127 || mr->mr_seen[c]) {
			*err = "CLIENT_ERROR duplicate flag\r\n";
			return (-1);
		}
		mr->mr_seen[c] = 1;
		switch (c) {
		case 'b':
			/* Decoded in place of the key, as memcached does. */
			mr->mr_nkey = meta_b64_decode(mr->mr_key, mr->mr_nkey,
			    mr->mr_bkey, sizeof(mr->mr_bkey));
			mr->mr_key = (const char *)mr->mr_bkey;
			if (mr->mr_nkey == 0) {
				*err = "CLIENT_ERROR error decoding key\r\n";
				bad = 1;
			}
			break;
		case 'N':
		case 'T':
		case 'R':
			if (meta_ttl(arg, alen, c == 'N' ? &mr->mr_vivify :
			    c == 'T' ? &mr->mr_ttl : &mr->mr_recache) == -1) {
				*err = str_bad_token;
				bad = 1;
			}
			/* On a new item the later of N and T wins. */
			if (c == 'T' && HAS(mr, 'N'))
				mr->mr_t_after_n = 1;
			break;
		case 'C':
		case 'E':
			if (proto_parse_u64(arg, alen, UINT64_MAX, c == 'C' ?
			    &mr->mr_cas : &mr->mr_newcas) == -1) {
				*err = str_bad_token;
				bad = 1;
			}
			break;
		case 'F':
			/* memcached names no error of its own for F. */
			if (proto_parse_u64(arg, alen, UINT32_MAX, &u) == -1)
				bad = 1;
			else
				mr->mr_cflags = (uint32_t)u;
			break;
		case 'M':
			if (alen != 1) {
				*err = "CLIENT_ERROR incorrect length for M "
				    "token\r\n";
				bad = 1;
			} else
				mr->mr_mode = arg[0];
			break;
		case 'J':
			if (proto_parse_u64(arg, alen, UINT64_MAX,
			    &mr->mr_initial) == -1) {
				*err = "CLIENT_ERROR invalid numeric initial "
				    "value\r\n";
				bad = 1;
			}
			break;
		case 'D':
			if (proto_parse_u64(arg, alen, UINT64_MAX,
			    &mr->mr_delta) == -1) {
				*err = "CLIENT_ERROR invalid numeric delta "
				    "value\r\n";
				bad = 1;
			}
			break;
		case 'O':
			mr->mr_opaque = arg;
			mr->mr_nopaque = alen;
			break;
		case 'c': case 'f': case 'h': case 'I': case 'k': case 'l':
		case 'L': case 'P': case 'q': case 's': case 't': case 'u':
		case 'v': case 'x':
			break;
		default:
			*err = "CLIENT_ERROR invalid flag\r\n";
			return (-1);
		}
		if (strchr(rets, c) != NULL)
			mr->mr_ret[mr->mr_nret++] = (char)c;
	}
	return (bad ? -1 : 0);
}

/*
 * The checks every keyed command starts with, in memcached's order.
 * Returns NULL, or the error to answer.
 */
static const char *
meta_key_and_count(struct meta_req *mr)
{
	mr->mr_key = mr->mr_tok[1].t_s;
	mr->mr_nkey = mr->mr_tok[1].t_len;
	if (mr->mr_nkey > KEY_MAX_LENGTH)
		return (str_bad_format);
	if (mr->mr_ntok > META_TOKENS_MAX)
		return (mr->mr_cmd == META_GET ?
		    "CLIENT_ERROR options flags are too long\r\n" :
		    "CLIENT_ERROR options flags too long\r\n");
	return (NULL);
}

/*
 * Storage takes no spaces or control bytes in a text key; a base64 one,
 * decoded by meta_flags, may hold any byte.  Returns 0, or -1.
 */
static int
meta_key_check(const struct meta_req *mr)
{
	if (HAS(mr, 'b'))
		return (0);
	return (proto_key_valid(mr->mr_key, mr->mr_nkey) ? 0 : -1);
}

/* An O token too long to echo (it is kept with its NUL). */
static int
meta_opaque_too_long(const struct meta_req *mr)
{
	return (HAS(mr, 'O') && mr->mr_nopaque + 1 > META_OPAQUE_MAX);
}

/* The checks mg and md make in this order: the error to send, or NULL. */
static const char *
meta_key_opaque_error(const struct meta_req *mr)
{
	if (meta_key_check(mr) == -1)
		return (str_bad_format);
	if (meta_opaque_too_long(mr))
		return (str_opaque_long);
	return (NULL);
}

/* What the reply will need, in the context that travels with the request. */
static void
meta_ctx(struct proto_ctx *ctx, const struct meta_req *mr, uint64_t num)
{
	struct meta_priv	mp;

	memset(ctx, 0, sizeof(*ctx));
	memset(&mp, 0, sizeof(mp));
	ctx->px_kind = PROTO_META;
	ctx->px_cmd = mr->mr_cmd;
	ctx->px_noreply = HAS(mr, 'q');
	mp.mp_num = num;
	if (HAS(mr, 'q'))
		mp.mp_bits |= MP_QUIET;
	if (HAS(mr, 'b'))
		mp.mp_bits |= MP_B64;
	if (HAS(mr, 'v'))
		mp.mp_bits |= MP_VALUE;
	if (HAS(mr, 'C') && mr->mr_cmd == META_GET)
		mp.mp_bits |= MP_CASCHK;
	mp.mp_nret = mr->mr_nret;
	memcpy(mp.mp_ret, mr->mr_ret, mr->mr_nret);
	mp.mp_nopaque = mr->mr_nopaque;
	if (mr->mr_nopaque > 0)
		memcpy(mp.mp_data, mr->mr_opaque, mr->mr_nopaque);
	/* Misses, ms and md get no key from storage: keep it if it fits. */
	if (HAS(mr, 'k') && mr->mr_nkey <= META_DATA_MAX - mr->mr_nopaque) {
		mp.mp_nkey = mr->mr_nkey;
		memcpy(mp.mp_data + mr->mr_nopaque, mr->mr_key, mr->mr_nkey);
	}
	memcpy(ctx->px_priv, &mp, sizeof(mp));
}

/* Seconds before expiry under which R wins, from its protocol exptime. */
static int64_t
meta_recache_ttl(int64_t r, int64_t now)
{
	int64_t	abs = proto_exptime(r, now);

	return (abs > 0 ? abs - now : 0);
}

/* The expiry a created item gets: of N and T, the one given last. */
static int64_t
meta_vivify_exptime(const struct meta_req *mr, int64_t now)
{
	if (mr->mr_t_after_n)
		return (proto_exptime(mr->mr_ttl, now));
	return (proto_exptime(mr->mr_vivify, now));
}

/* mg <key> <flags>*; this and the other commands answer as proto.h says. */
static enum proto_line
meta_get(struct meta_parser *mp, struct meta_req *mr)
{
	struct cache_req	 req;
	struct proto_ctx	 ctx;
	const char		*err;

	if ((err = meta_key_and_count(mr)) != NULL ||
	    meta_flags(mr, 2, &err) == -1) {
		meta_local(mp, err);
		return (PROTO_LINE_DONE);
	}
	if ((err = meta_key_opaque_error(mr)) != NULL) {
		meta_local(mp, err);
		return (PROTO_LINE_DONE);
	}
	memset(&req, 0, sizeof(req));
	req.cr_op = CACHE_OP_GET;
	if (HAS(mr, 'v'))
		req.cr_opts |= CACHE_OPT_WANT_VALUE;
	if (HAS(mr, 'k'))
		req.cr_opts |= CACHE_OPT_WANT_KEY;
	if (HAS(mr, 'u'))
		req.cr_opts |= CACHE_OPT_NO_BUMP;
	if (HAS(mr, 'T')) {
		req.cr_opts |= CACHE_OPT_TOUCH;
		req.cr_exptime = proto_exptime(mr->mr_ttl, mp->mp_now);
	}
	if (HAS(mr, 'C')) {
		req.cr_opts |= CACHE_OPT_CAS;
		req.cr_cas = mr->mr_cas;
	}
	if (HAS(mr, 'E')) {
		req.cr_opts |= CACHE_OPT_NEW_CAS;
		req.cr_newcas = mr->mr_newcas;
	}
	if (HAS(mr, 'N')) {
		req.cr_opts |= CACHE_OPT_VIVIFY;
		req.cr_vivify_exptime = meta_vivify_exptime(mr, mp->mp_now);
	}
	if (HAS(mr, 'R')) {
		req.cr_opts |= CACHE_OPT_RECACHE;
		req.cr_recache_ttl = meta_recache_ttl(mr->mr_recache,
		    mp->mp_now);
	}
	req.cr_nkey = mr->mr_nkey;
	meta_ctx(&ctx, mr, mr->mr_cas);
	meta_storage(mp, &req, mr->mr_key, NULL, &ctx);
	return (PROTO_LINE_DONE);
}

/*
 * ms <key> <datalen> <flags>*, the data block in rest.  Once the length
 * is known every refusal swallows the block; without it, hang up.
 */
static enum proto_line
meta_set(struct meta_parser *mp, struct meta_req *mr, const char *rest,
    size_t restlen, size_t *extra)
{
	struct cache_req	 req;
	struct proto_ctx	 ctx;
	const char		*err;
	uint64_t		 bytes;
	int			 mode;

	err = meta_key_and_count(mr);
	if (mr->mr_ntok < 3 || proto_parse_u64(mr->mr_tok[2].t_s,
	    mr->mr_tok[2].t_len, META_DATALEN_MAX, &bytes) == -1) {
		/* The length cannot be trusted: do not guess, hang up. */
		meta_local(mp, err != NULL ? err : str_bad_format);
		return (PROTO_LINE_CLOSE);
	}
	if (err != NULL || meta_flags(mr, 3, &err) == -1)
		goto refuse;
	err = str_bad_format;
	if (meta_key_check(mr) == -1)
		goto refuse;
	if (meta_opaque_too_long(mr))
		err = str_opaque_long;
	switch (mr->mr_mode) {
	case 0:
	case 'S':
		mode = CACHE_STORE_SET;
		break;
	case 'E':
		mode = CACHE_STORE_ADD;
		break;
	case 'A':
		mode = CACHE_STORE_APPEND;
		break;
	case 'P':
		mode = CACHE_STORE_PREPEND;
		break;
	case 'R':
		mode = CACHE_STORE_REPLACE;
		break;
	default:
		err = "CLIENT_ERROR invalid mode for ms M token\r\n";
		goto refuse;
	}
	if (err == str_opaque_long)
		goto refuse;
	if (bytes > mp->mp_lim->pl_value_max) {
		/*
		 * Storage unlinks the old value (no stale data outlives the
		 * refusal, as memcached), counts it and answers too large.
		 */
		mp->mp_st->pt_swallow = bytes + 2;
		memset(&req, 0, sizeof(req));
		req.cr_op = CACHE_OP_DELETE;
		req.cr_opts = CACHE_OPT_TOO_LARGE;
		req.cr_nkey = mr->mr_nkey;
		meta_ctx(&ctx, mr, bytes);
		meta_storage(mp, &req, mr->mr_key, NULL, &ctx);
		return (PROTO_LINE_DONE);
	}
	if (restlen < bytes + 2)
		return (PROTO_LINE_NEED_MORE);
	*extra = bytes + 2;
	if (rest[bytes] != '\r' || rest[bytes + 1] != '\n') {
		/*
		 * Errors are answered even with q.  The length was wrong:
		 * what follows is not a command.
		 */
		meta_local(mp, "CLIENT_ERROR bad data chunk\r\n");
		return (PROTO_LINE_CLOSE);
	}
	memset(&req, 0, sizeof(req));
	req.cr_op = CACHE_OP_STORE;
	req.cr_mode = mode;
	if (HAS(mr, 'k'))
		req.cr_opts |= CACHE_OPT_WANT_KEY;
	if (HAS(mr, 'C')) {
		req.cr_opts |= CACHE_OPT_CAS;
		req.cr_cas = mr->mr_cas;
	}
	if (HAS(mr, 'I'))
		req.cr_opts |= CACHE_OPT_INVALIDATE;
	if (HAS(mr, 'E')) {
		req.cr_opts |= CACHE_OPT_NEW_CAS;
		req.cr_newcas = mr->mr_newcas;
	}
	if (HAS(mr, 'N') && (mode == CACHE_STORE_APPEND ||
	    mode == CACHE_STORE_PREPEND)) {
		req.cr_opts |= CACHE_OPT_VIVIFY;
		req.cr_vivify_exptime = proto_exptime(mr->mr_vivify,
		    mp->mp_now);
	}
	req.cr_flags = mr->mr_cflags;
	if (HAS(mr, 'T'))
		req.cr_exptime = proto_exptime(mr->mr_ttl, mp->mp_now);
	req.cr_nkey = mr->mr_nkey;
	req.cr_nvalue = bytes;
	meta_ctx(&ctx, mr, bytes);
	meta_storage(mp, &req, mr->mr_key, rest, &ctx);
	return (PROTO_LINE_DONE);

refuse:
	/* The block is data whatever it holds: drop it unread. */
	meta_local(mp, err);
	mp->mp_st->pt_swallow = bytes + 2;
	return (PROTO_LINE_DONE);
}

/* md <key> <flags>* */
static enum proto_line
meta_delete(struct meta_parser *mp, struct meta_req *mr)
{
	struct cache_req	 req;
	struct proto_ctx	 ctx;
	const char		*err;

	if ((err = meta_key_and_count(mr)) != NULL) {
		meta_local(mp, err);
		return (PROTO_LINE_DONE);
	}
	/* memcached names no flag error of its own for md. */
	if (meta_flags(mr, 2, &err) == -1) {
		meta_local(mp, str_md_ma_flag);
		return (PROTO_LINE_DONE);
	}
	if ((err = meta_key_opaque_error(mr)) != NULL) {
		meta_local(mp, err);
		return (PROTO_LINE_DONE);
	}
	memset(&req, 0, sizeof(req));
	req.cr_op = CACHE_OP_DELETE;
	if (HAS(mr, 'k'))
		req.cr_opts |= CACHE_OPT_WANT_KEY;
	if (HAS(mr, 'C')) {
		req.cr_opts |= CACHE_OPT_CAS;
		req.cr_cas = mr->mr_cas;
	}
	if (HAS(mr, 'E')) {
		req.cr_opts |= CACHE_OPT_NEW_CAS;
		req.cr_newcas = mr->mr_newcas;
	}
	if (HAS(mr, 'x'))
		req.cr_opts |= CACHE_OPT_DROP_VALUE;
	if (HAS(mr, 'I')) {
		req.cr_opts |= CACHE_OPT_INVALIDATE;
		/* T means something only while marking stale. */
		if (HAS(mr, 'T')) {
			req.cr_opts |= CACHE_OPT_SET_TTL;
			req.cr_exptime = proto_exptime(mr->mr_ttl,
			    mp->mp_now);
		}
	}
	req.cr_nkey = mr->mr_nkey;
	meta_ctx(&ctx, mr, 0);
	meta_storage(mp, &req, mr->mr_key, NULL, &ctx);
	return (PROTO_LINE_DONE);
}

/* ma <key> <flags>* */
static enum proto_line
meta_arith(struct meta_parser *mp, struct meta_req *mr)
{
	struct cache_req	 req;
	struct proto_ctx	 ctx;
	const char		*err;
	int			 mode;

	mr->mr_delta = 1;
	if ((err = meta_key_and_count(mr)) != NULL) {
		meta_local(mp, err);
		return (PROTO_LINE_DONE);
	}
	if (meta_flags(mr, 2, &err) == -1) {
		meta_local(mp, str_md_ma_flag);
		return (PROTO_LINE_DONE);
	}
	if (meta_key_check(mr) == -1) {
		meta_local(mp, str_bad_format);
		return (PROTO_LINE_DONE);
	}
	switch (mr->mr_mode) {
	case 0:
	case 'I':
	case '+':
		mode = CACHE_ARITH_INCR;
		break;
	case 'D':
	case '-':
		mode = CACHE_ARITH_DECR;
		break;
	default:
		meta_local(mp, "CLIENT_ERROR invalid mode for ma M token\r\n");
		return (PROTO_LINE_DONE);
	}
	if (meta_opaque_too_long(mr)) {
		meta_local(mp, str_opaque_long);
		return (PROTO_LINE_DONE);
	}
	memset(&req, 0, sizeof(req));
	req.cr_op = CACHE_OP_ARITH;
	req.cr_mode = mode;
	if (HAS(mr, 'v'))
		req.cr_opts |= CACHE_OPT_WANT_VALUE;
	if (HAS(mr, 'k'))
		req.cr_opts |= CACHE_OPT_WANT_KEY;
	if (HAS(mr, 'C')) {
		req.cr_opts |= CACHE_OPT_CAS;
		req.cr_cas = mr->mr_cas;
	}
	if (HAS(mr, 'E')) {
		req.cr_opts |= CACHE_OPT_NEW_CAS;
		req.cr_newcas = mr->mr_newcas;
	}
	if (HAS(mr, 'N')) {
		req.cr_opts |= CACHE_OPT_VIVIFY;
		req.cr_vivify_exptime = meta_vivify_exptime(mr, mp->mp_now);
	}
	if (HAS(mr, 'T')) {
		req.cr_opts |= CACHE_OPT_SET_TTL;
		req.cr_exptime = proto_exptime(mr->mr_ttl, mp->mp_now);
	}
	req.cr_delta = mr->mr_delta;
	req.cr_initial = mr->mr_initial;
	req.cr_nkey = mr->mr_nkey;
	meta_ctx(&ctx, mr, 0);
	meta_storage(mp, &req, mr->mr_key, NULL, &ctx);
	return (PROTO_LINE_DONE);
}

/* me <key> [b]: every other token is ignored, as memcached does. */
static enum proto_line
meta_debug(struct meta_parser *mp, struct meta_req *mr)
{
	struct cache_req	 req;
	struct proto_ctx	 ctx;

	if (mr->mr_ntok < 2 || mr->mr_tok[1].t_len > KEY_MAX_LENGTH) {
		meta_local(mp, str_bad_format);
		return (PROTO_LINE_DONE);
	}
	mr->mr_key = mr->mr_tok[1].t_s;
	mr->mr_nkey = mr->mr_tok[1].t_len;
	if (mr->mr_ntok >= 3 && mr->mr_tok[2].t_len == 1 &&
	    mr->mr_tok[2].t_s[0] == 'b') {
		mr->mr_seen['b'] = 1;
		mr->mr_nkey = meta_b64_decode(mr->mr_key, mr->mr_nkey,
		    mr->mr_bkey, sizeof(mr->mr_bkey));
		mr->mr_key = (const char *)mr->mr_bkey;
		if (mr->mr_nkey == 0) {
			meta_local(mp, str_bad_format);
			return (PROTO_LINE_DONE);
		}
	} else if (!proto_key_valid(mr->mr_key, mr->mr_nkey)) {
		meta_local(mp, str_bad_format);
		return (PROTO_LINE_DONE);
	}
	memset(&req, 0, sizeof(req));
	req.cr_op = CACHE_OP_GET;
	/* A look that changes nothing: no bump, no fetched mark. */
	req.cr_opts = CACHE_OPT_NO_BUMP | CACHE_OPT_WANT_KEY;
	req.cr_nkey = mr->mr_nkey;
	meta_ctx(&ctx, mr, 0);
	meta_storage(mp, &req, mr->mr_key, NULL, &ctx);
	return (PROTO_LINE_DONE);
}

enum proto_line
proto_meta_line(struct proto_text_state *st, const struct proto_limits *lim,
    const struct proto_sink *sink, int64_t now, const char *line, size_t len,
    const char *rest, size_t restlen, size_t *extra, int *failed)
{
	struct meta_parser	mp;
	struct meta_req		mr;

	*extra = 0;
	mp.mp_st = st;
	mp.mp_lim = lim;
	mp.mp_sink = sink;
	mp.mp_now = now;
	mp.mp_failed = failed;
	memset(&mr, 0, sizeof(mr));
	mr.mr_ntok = meta_tokenize(line, len, mr.mr_tok, META_TOKENS_MAX);
	if (mr.mr_ntok == 0 || mr.mr_tok[0].t_len != 2 ||
	    mr.mr_tok[0].t_s[0] != 'm') {
		meta_local(&mp, str_error);
		return (PROTO_LINE_DONE);
	}
	switch (mr.mr_tok[0].t_s[1]) {
	case 'n':
		/* mn takes nothing and says MN, whatever follows. */
		meta_local(&mp, "MN\r\n");
		return (PROTO_LINE_DONE);
	case 'e':
		mr.mr_cmd = META_DEBUG;
		return (meta_debug(&mp, &mr));
	case 'g':
		mr.mr_cmd = META_GET;
		break;
	case 's':
		mr.mr_cmd = META_SET;
		break;
	case 'd':
		mr.mr_cmd = META_DELETE;
		break;
	case 'a':
		mr.mr_cmd = META_ARITH;
		break;
	default:
		meta_local(&mp, str_error);
		return (PROTO_LINE_DONE);
	}
	if (mr.mr_ntok < 2) {
		meta_local(&mp, str_error);
		return (PROTO_LINE_DONE);
	}
	switch (mr.mr_cmd) {
	case META_SET:
		return (meta_set(&mp, &mr, rest, restlen, extra));
	case META_DELETE:
		return (meta_delete(&mp, &mr));
	case META_ARITH:
		return (meta_arith(&mp, &mr));
	default:
		return (meta_get(&mp, &mr));
	}
}

/* A reply line under construction; too long is a bug, caught by -1. */
struct meta_line {
	char	ml_buf[META_LINE_MAX];
	size_t	ml_len;
	int	ml_over;
};

static void
line_add(struct meta_line *ml, const void *s, size_t len)
{
	if (ml->ml_over || len > sizeof(ml->ml_buf) - ml->ml_len) {
		ml->ml_over = 1;
		return;
	}
	memcpy(ml->ml_buf + ml->ml_len, s, len);
	ml->ml_len += len;
}

static void
line_str(struct meta_line *ml, const char *s)
{
	line_add(ml, s, strlen(s));
}

/* " <flag><number>" */
static void
line_u64(struct meta_line *ml, char flag, uint64_t v)
{
	char	num[24];
	int	n;

	n = snprintf(num, sizeof(num), " %c%" PRIu64, flag, v);
	line_add(ml, num, (size_t)n);
}

static void
line_i64(struct meta_line *ml, char flag, int64_t v)
{
	char	num[24];
	int	n;

	n = snprintf(num, sizeof(num), " %c%" PRId64, flag, v);
	line_add(ml, num, (size_t)n);
}

/* The key as a token: base64 when it came so, then memcached's " b". */
static void
line_key(struct meta_line *ml, const struct meta_priv *mp, const char *key,
    size_t nkey)
{
	char	enc[META_KEY_B64_MAX];

	if (mp->mp_bits & MP_B64) {
		line_add(ml, enc, meta_b64_encode((const unsigned char *)key,
		    nkey, enc));
		line_str(ml, " b");
	} else
		line_add(ml, key, nkey);
}

/* " O<opaque>" and " k<key>" where the client asked for them. */
static void
line_echo(struct meta_line *ml, const struct meta_priv *mp, char flag,
    const char *key, size_t nkey)
{
	if (flag == 'O') {
		line_str(ml, " O");
		line_add(ml, mp->mp_data, mp->mp_nopaque);
	} else if (flag == 'k' && key != NULL) {
		/* A key that did not fit in the context is left out. */
		line_str(ml, " k");
		line_key(ml, mp, key, nkey);
	}
}

/*
 * Appends the line, then the value and its end when there is one.  0, or
 * -1 past max (or a line that overflowed its buffer).
 */
static int
line_put(struct meta_line *ml, const void *value, size_t nvalue,
    int with_value, struct buf *out, size_t max)
{
	if (ml->ml_over)
		return (-1);
	line_add(ml, "\r\n", 2);
	if (ml->ml_over || buf_reserve(out, ml->ml_len + (with_value ?
	    nvalue + 2 : 0), max) == -1 ||
	    buf_add(out, ml->ml_buf, ml->ml_len, max) == -1)
		return (-1);
	if (!with_value)
		return (0);
	if (nvalue > 0 && buf_add(out, value, nvalue, max) == -1)
		return (-1);
	return (buf_add(out, "\r\n", 2, max));
}

/* A fixed reply.  0, or -1 past max. */
static int
meta_put(struct buf *out, size_t max, const char *s)
{
	return (buf_add(out, s, strlen(s), max));
}

/*
 * mg: VA or HD with the flags asked for, then Z X W; EN on a miss, which
 * q hides.  0, or -1 past max.
 */
static int
meta_reply_get(const struct meta_priv *mp, const struct cache_rep *rep,
    const char *key, size_t nkey, const void *value, struct buf *out,
    size_t max)
{
	struct meta_line	ml;
	char			num[24];
	size_t			i;
	int			with_value, n;

	ml.ml_len = 0;
	ml.ml_over = 0;
	if (rep->rp_status != CACHE_OK) {
		if (mp->mp_bits & MP_QUIET)
			return (0);
		line_str(&ml, "EN");
		for (i = 0; i < mp->mp_nret; i++)
			line_echo(&ml, mp, mp->mp_ret[i], key, nkey);
		return (line_put(&ml, NULL, 0, 0, out, max));
	}
	/* A matching C leaves the value out: storage sent none. */
	with_value = (mp->mp_bits & MP_VALUE) && !((mp->mp_bits & MP_CASCHK) &&
	    rep->rp_nvalue == 0 && rep->rp_cas == mp->mp_num);
	if (with_value) {
		n = snprintf(num, sizeof(num), "VA %" PRIu32, rep->rp_nvalue);
		line_add(&ml, num, (size_t)n);
	} else
		line_str(&ml, "HD");
	for (i = 0; i < mp->mp_nret; i++) {
		switch (mp->mp_ret[i]) {
		case 's':
			line_u64(&ml, 's', rep->rp_vlen);
			break;
		case 't':
			line_i64(&ml, 't', rep->rp_ttl);
			break;
		case 'c':
			line_u64(&ml, 'c', rep->rp_cas);
			break;
		case 'f':
			line_u64(&ml, 'f', rep->rp_flags);
			break;
		case 'l':
			line_u64(&ml, 'l', rep->rp_last_access);
			break;
		case 'h':
			line_str(&ml, rep->rp_info & CACHE_INFO_FETCHED ?
			    " h1" : " h0");
			break;
		default:
			line_echo(&ml, mp, mp->mp_ret[i], key, nkey);
			break;
		}
	}
	/* memcached's order; Z and W never come together. */
	if (rep->rp_info & CACHE_INFO_WIN_SENT)
		line_str(&ml, " Z");
	if (rep->rp_info & CACHE_INFO_STALE)
		line_str(&ml, " X");
	if (rep->rp_info & CACHE_INFO_WON)
		line_str(&ml, " W");
	return (line_put(&ml, value, rep->rp_nvalue, with_value, out, max));
}

/*
 * ms md ma: a two-letter code, then the flags each one echoes; q hides
 * only success.  0, or -1 past max.
 */
static int
meta_reply_status(int cmd, const struct meta_priv *mp,
    const struct cache_rep *rep, const char *key, size_t nkey,
    const void *value, struct buf *out, size_t max)
{
	struct meta_line	ml;
	char			num[24];
	size_t			i;
	int			ok, with_value = 0, n;

	ml.ml_len = 0;
	ml.ml_over = 0;
	ok = rep->rp_status == CACHE_OK;
	if (ok && (mp->mp_bits & MP_QUIET))
		return (0);
	switch (rep->rp_status) {
	case CACHE_OK:
		if (cmd == META_ARITH && (mp->mp_bits & MP_VALUE)) {
			with_value = 1;
			n = snprintf(num, sizeof(num), "VA %" PRIu32,
			    rep->rp_nvalue);
			line_add(&ml, num, (size_t)n);
		} else
			line_str(&ml, "HD");
		break;
	case CACHE_MISS:
		line_str(&ml, "NF");
		break;
	case CACHE_EXISTS:
		line_str(&ml, "EX");
		break;
	case CACHE_NOT_STORED:
		line_str(&ml, "NS");
		break;
	default:
		return (meta_put(out, max,
		    "SERVER_ERROR unexpected reply\r\n"));
	}
	for (i = 0; i < mp->mp_nret; i++) {
		switch (mp->mp_ret[i]) {
		case 'c':
			/* ma has no item to show on a failure; ms says 0. */
			if (cmd == META_SET || ok)
				line_u64(&ml, 'c', rep->rp_cas);
			break;
		case 't':
			if (ok)
				line_i64(&ml, 't', rep->rp_ttl);
			break;
		case 's':
			/* The stored size, or the size that was refused. */
			line_u64(&ml, 's', ok ? rep->rp_vlen : mp->mp_num);
			break;
		default:
			line_echo(&ml, mp, mp->mp_ret[i], key, nkey);
			break;
		}
	}
	return (line_put(&ml, value, rep->rp_nvalue, with_value, out, max));
}

/* me: memcached's debug line; exp is minus the seconds left.  0, or -1. */
static int
meta_reply_debug(const struct meta_priv *mp, const struct cache_rep *rep,
    const char *key, size_t nkey, struct buf *out, size_t max)
{
	struct meta_line	ml;
	char			tail[160], enc[META_KEY_B64_MAX];
	int			n;

	if (rep->rp_status != CACHE_OK || key == NULL)
		return (meta_put(out, max, "EN\r\n"));
	ml.ml_len = 0;
	ml.ml_over = 0;
	line_str(&ml, "ME ");
	if (mp->mp_bits & MP_B64)
		line_add(&ml, enc, meta_b64_encode((const unsigned char *)key,
		    nkey, enc));
	else
		line_add(&ml, key, nkey);
	n = snprintf(tail, sizeof(tail), " exp=%" PRId64 " la=%" PRIu32
	    " cas=%" PRIu64 " fetch=%s cls=%u size=%" PRIu32,
	    rep->rp_ttl == -1 ? -1 : -rep->rp_ttl, rep->rp_last_access,
	    rep->rp_cas, rep->rp_info & CACHE_INFO_FETCHED ? "yes" : "no",
	    (unsigned int)rep->rp_clsid, rep->rp_size);
	line_add(&ml, tail, (size_t)n);
	return (line_put(&ml, NULL, 0, 0, out, max));
}

int
proto_meta_reply(const struct proto_ctx *ctx, const struct cache_rep *rep,
    const void *key, const void *value, struct buf *out, size_t max)
{
	struct meta_priv	 mp;
	const char		*k = NULL;
	size_t			 nkey = 0;

	memcpy(&mp, ctx->px_priv, sizeof(mp));
	/* The key storage sent back, else the copy kept with the request. */
	if (key != NULL && rep->rp_nkey > 0) {
		k = key;
		nkey = rep->rp_nkey;
	} else if (mp.mp_nkey > 0) {
		k = mp.mp_data + mp.mp_nopaque;
		nkey = mp.mp_nkey;
	}
	/* Errors are answered whatever q says. */
	switch (rep->rp_status) {
	case CACHE_UNAVAILABLE:
		return (meta_put(out, max,
		    "SERVER_ERROR storage unavailable\r\n"));
	case CACHE_TOO_LARGE:
		return (meta_put(out, max, str_too_large));
	case CACHE_NO_MEMORY:
		return (meta_put(out, max, ctx->px_cmd == META_SET ?
		    "SERVER_ERROR out of memory storing object\r\n" :
		    "SERVER_ERROR out of memory\r\n"));
	case CACHE_NON_NUMERIC:
		return (meta_put(out, max, "CLIENT_ERROR cannot increment or "
		    "decrement non-numeric value\r\n"));
	default:
		break;
	}
	switch (ctx->px_cmd) {
	case META_GET:
		return (meta_reply_get(&mp, rep, k, nkey, value, out, max));
	case META_SET:
	case META_DELETE:
	case META_ARITH:
		return (meta_reply_status(ctx->px_cmd, &mp, rep, k, nkey,
		    value, out, max));
	case META_DEBUG:
		return (meta_reply_debug(&mp, rep, key != NULL &&
		    rep->rp_nkey > 0 ? key : NULL, rep->rp_nkey, out, max));
	default:
		return (meta_put(out, max,
		    "SERVER_ERROR unexpected reply\r\n"));
	}
}
