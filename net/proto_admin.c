/*
 * The admin commands of the text protocol (net child; no I/O): stats
 * detail and cachedump, lru_crawler, cache_memlimit, slabs, lru, watch.
 * Replies and errors are memcached 1.6.18's, byte for byte.  What storage
 * must answer goes to the sink's ps_admin, watch to ps_watch; the rest
 * changes proto_settings and is answered here.
 */

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "wire.h"

#define ADMIN_TOKENS_MAX	24
#define IS(t, s)		proto_tok_is((t), (s))
/* memcached's MAX_NUMBER_OF_SLAB_CLASSES. */
#define ADMIN_CLASSES		64


struct admin_parser {
	const struct proto_limits	*ap_lim;
	const struct proto_sink		*ap_sink;
	int				*ap_failed;
	int				 ap_noreply;
};

static void
say(struct admin_parser *ap, const char *s)
{
	if (ap->ap_noreply)
		return;
	if (ap->ap_sink->ps_local(ap->ap_sink->ps_arg, s, strlen(s)) == -1)
		*ap->ap_failed = 1;
}

static void
ask(struct admin_parser *ap, struct cache_admin_req *rq)
{
	struct proto_ctx	ctx;

	memset(&ctx, 0, sizeof(ctx));
	ctx.px_kind = PROTO_TEXT;
	ctx.px_noreply = ap->ap_noreply;

	if (ap->ap_sink->ps_admin == NULL) {
		say(ap, "ERROR\r\n");
		return;
	}
	if (ap->ap_sink->ps_admin(ap->ap_sink->ps_arg, rq, &ctx) == -1)
		*ap->ap_failed = 1;
}

static int
u32(const struct proto_token *t, uint32_t *v)
{
	uint64_t	n;

	if (proto_parse_u64(t->t_s, t->t_len, UINT32_MAX, &n) == -1)
		return (-1);
	*v = (uint32_t)n;
	return (0);
}

static int
i32(const struct proto_token *t, int32_t *v)
{
	int64_t	n;

	if (proto_parse_i64(t->t_s, t->t_len, INT32_MIN, INT32_MAX, &n) == -1)
		return (-1);
	*v = (int32_t)n;
	return (0);
}

/*
 * As memcached's safe_strtod, which refuses what overflows; a NaN too,
 * which it takes only because NaN fails its "> 0" checks unnoticed.
 */
static int
dbl(const struct proto_token *t, double *v)
{
	char	buf[32], *end;

	if (t->t_len == 0 || t->t_len >= sizeof(buf))
		return (-1);
	memcpy(buf, t->t_s, t->t_len);
	buf[t->t_len] = '\0';
	errno = 0;
	*v = strtod(buf, &end);
	return (*end == '\0' && errno != ERANGE && !isnan(*v) ? 0 : -1);
}

/* "all", "hash" or a comma list of class ids into a bitmap; 0 or -1. */
static int
admin_classes(const struct proto_token *t, uint8_t *map)
{
	const char	*p = t->t_s, *end = t->t_s + t->t_len, *c;
	uint64_t	 id;

	memset(map, 0, CACHE_CLASSES_MAX / 8);
	if (IS(t, "all") || IS(t, "hash")) {
		for (id = 1; id < ADMIN_CLASSES; id++)
			map[id / 8] |= 1 << (id % 8);
		return (0);
	}
	while (p < end) {
		for (c = p; c < end && *c != ','; c++)
			;
		if (proto_parse_u64(p, c - p, ADMIN_CLASSES - 1, &id) == -1 ||
		    id == 0)
			return (-1);
		map[id / 8] |= 1 << (id % 8);
		p = c < end ? c + 1 : c;
	}
	return (0);
}

static void
admin_stats(struct admin_parser *ap, struct proto_token *tok, size_t n)
{
	struct cache_admin_req	rq;

	memset(&rq, 0, sizeof(rq));
	if (IS(&tok[1], "detail")) {
		if (n >= 3 && (IS(&tok[2], "on") || IS(&tok[2], "off"))) {
			rq.ca_op = CACHE_ADMIN_DETAIL;
			rq.ca_arg = IS(&tok[2], "on");
			ap->ap_lim->pl_settings->ps_detail = rq.ca_arg;
		} else if (n >= 3 && IS(&tok[2], "dump"))
			rq.ca_op = CACHE_ADMIN_DETAIL_DUMP;
		else {
			say(ap, "CLIENT_ERROR usage: stats detail "
			    "on|off|dump\r\n");
			return;
		}
		ask(ap, &rq);
		return;
	}
	/* stats cachedump <class> <limit> */
	if (n < 4) {
		say(ap, "CLIENT_ERROR bad command line\r\n");
		return;
	}
	if (u32(&tok[2], &rq.ca_class) == -1 ||
	    u32(&tok[3], &rq.ca_limit) == -1) {
		say(ap, "CLIENT_ERROR bad command line format\r\n");
		return;
	}
	if (rq.ca_class >= ADMIN_CLASSES) {
		say(ap, "CLIENT_ERROR Illegal slab id\r\n");
		return;
	}
	rq.ca_op = CACHE_ADMIN_CACHEDUMP;
	ask(ap, &rq);
}

static void
admin_crawler(struct admin_parser *ap, struct proto_token *tok, size_t n,
    int pipelined)
{
	struct proto_settings	*ps = ap->ap_lim->pl_settings;
	struct cache_admin_req	 rq;
	uint32_t		 v;

	memset(&rq, 0, sizeof(rq));
	if (n == 3 && (IS(&tok[1], "crawl") || IS(&tok[1], "metadump"))) {
		if (!ps->ps_lru_crawler) {
			say(ap, "CLIENT_ERROR lru crawler disabled\r\n");
			return;
		}
		if (IS(&tok[1], "metadump") && pipelined) {
			say(ap, "ERROR cannot pipeline other commands before "
			    "metadump\r\n");
			return;
		}
		if (admin_classes(&tok[2], rq.ca_classes) == -1) {
			say(ap, "BADCLASS invalid class id\r\n");
			return;
		}
		if (IS(&tok[1], "crawl")) {
			/* The crawler always runs here: a crawl is a no-op. */
			say(ap, "OK\r\n");
			return;
		}
		rq.ca_op = CACHE_ADMIN_METADUMP;
		/* Every class there is, however many the sizes made. */
		rq.ca_arg = IS(&tok[2], "all") || IS(&tok[2], "hash");
		ask(ap, &rq);
	} else if (n == 3 && (IS(&tok[1], "tocrawl") ||
	    IS(&tok[1], "sleep"))) {
		if (u32(&tok[2], &v) == -1)
			say(ap, "CLIENT_ERROR bad command line format\r\n");
		else if (IS(&tok[1], "sleep") && v > 1000000)
			say(ap, "CLIENT_ERROR sleep must be one second or "
			    "less\r\n");
		else {
			if (IS(&tok[1], "sleep"))
				ps->ps_crawler_sleep = v;
			else
				ps->ps_crawler_tocrawl = v;
			say(ap, "OK\r\n");
		}
	} else if (n == 2 && (IS(&tok[1], "enable") ||
	    IS(&tok[1], "disable"))) {
		ps->ps_lru_crawler = IS(&tok[1], "enable");
		say(ap, "OK\r\n");
	} else
		say(ap, "ERROR\r\n");
}

static void
admin_memlimit(struct admin_parser *ap, struct proto_token *tok, size_t n)
{
	struct cache_admin_req	rq;

	memset(&rq, 0, sizeof(rq));
	if (n != 2 && n != 3) {
		say(ap, "ERROR\r\n");
		return;
	}
	ap->ap_noreply = IS(&tok[n - 1], "noreply");
	if (u32(&tok[1], &rq.ca_arg) == -1)
		say(ap, "ERROR\r\n");
	else if (rq.ca_arg < 8)
		say(ap, "MEMLIMIT_TOO_SMALL cannot set maxbytes to less than "
		    "8m\r\n");
	else if (rq.ca_arg > 1000000000)
		say(ap, "MEMLIMIT_ADJUST_FAILED input value is megabytes not "
		    "bytes\r\n");
	else {
		rq.ca_op = CACHE_ADMIN_MEMLIMIT;
		ask(ap, &rq);
	}
}

static void
admin_slabs(struct admin_parser *ap, struct proto_token *tok, size_t n)
{
	struct proto_settings	*ps = ap->ap_lim->pl_settings;
	int32_t			 src, dst;
	uint32_t		 level;
	double			 ratio;

	if (n == 4 && IS(&tok[1], "reassign")) {
		if (i32(&tok[2], &src) == -1 || i32(&tok[3], &dst) == -1)
			say(ap, "CLIENT_ERROR bad command line format\r\n");
		else if (src == dst)
			say(ap, "SAME src and dst class are identical\r\n");
		else if (src < -1 || src == 0 || src >= ADMIN_CLASSES ||
		    dst < 1 || dst >= ADMIN_CLASSES)
			say(ap, "BADCLASS invalid src or dst class id\r\n");
		else
			/* Pages stay with their class here (README). */
			say(ap, "NOSPARE source class has no spare pages\r\n");
		return;
	}
	if (n < 3 || !IS(&tok[1], "automove")) {
		say(ap, "ERROR\r\n");
		return;
	}
	ap->ap_noreply = IS(&tok[n - 1], "noreply");
	if (IS(&tok[2], "ratio")) {
		if (n < 4 || dbl(&tok[3], &ratio) == -1) {
			say(ap, "ERROR\r\n");
			return;
		}
		ps->ps_automove_ratio = ratio;
	} else if (u32(&tok[2], &level) == -1) {
		say(ap, "CLIENT_ERROR bad command line format\r\n");
		return;
	} else if (level > 2) {
		say(ap, "ERROR\r\n");
		return;
	} else
		ps->ps_slab_automove = level;
	say(ap, "OK\r\n");
}

static void
admin_lru(struct admin_parser *ap, struct proto_token *tok, size_t n)
{
	struct proto_settings	*ps = ap->ap_lim->pl_settings;
	uint32_t		 hot, warm;
	double			 hot_factor, factor;
	int32_t			 ttl;

	ap->ap_noreply = IS(&tok[n - 1], "noreply");
	if (n >= 6 && IS(&tok[1], "tune")) {
		if (u32(&tok[2], &hot) == -1 || u32(&tok[3], &warm) == -1 ||
		    dbl(&tok[4], &hot_factor) == -1 ||
		    dbl(&tok[5], &factor) == -1)
			say(ap, "ERROR\r\n");
		else if ((uint64_t)hot + warm > 80)
			say(ap, "ERROR hot and warm pcts must not exceed "
			    "80\r\n");
		else if (factor <= 0 || hot_factor <= 0)
			say(ap, "ERROR hot/warm age factors must be greater "
			    "than 0\r\n");
		else {
			ps->ps_hot_lru_pct = hot;
			ps->ps_warm_lru_pct = warm;
			ps->ps_hot_max_factor = hot_factor;
			ps->ps_warm_max_factor = factor;
			say(ap, "OK\r\n");
		}
	} else if (n >= 3 && IS(&tok[1], "mode")) {
		if (IS(&tok[2], "flat") || IS(&tok[2], "segmented")) {
			ps->ps_lru_segmented = IS(&tok[2], "segmented");
			say(ap, "OK\r\n");
		} else
			say(ap, "ERROR\r\n");
	} else if (n >= 3 && IS(&tok[1], "temp_ttl")) {
		if (i32(&tok[2], &ttl) == -1)
			say(ap, "ERROR\r\n");
		else {
			ps->ps_temp_lru = ttl >= 0;
			if (ttl >= 0)
				ps->ps_temporary_ttl = ttl;
			say(ap, "OK\r\n");
		}
	} else
		say(ap, "ERROR\r\n");
}

/*
 * watch [word ...]; none: fetchers.  The words memcached 1.6.18 knows;
 * those with nothing to log here are accepted as a memcached without a
 * proxy accepts proxyreqs.
 */
static void
admin_watch(struct admin_parser *ap, const struct proto_token *tok,
    size_t n, int pipelined)
{
	static const struct {
		const char	*w_word;
		unsigned int	 w_flag;
	} words[] = {
		{ "fetchers", PROTO_WATCH_FETCHERS },
		{ "mutations", PROTO_WATCH_MUTATIONS },
		{ "evictions", PROTO_WATCH_EVICTIONS },
		{ "connevents", PROTO_WATCH_CONNEVENTS },
		{ "deletions", PROTO_WATCH_DELETIONS },
		{ "rawcmds", PROTO_WATCH_SILENT },
		{ "sysevents", PROTO_WATCH_SILENT },
		{ "proxyreqs", PROTO_WATCH_SILENT },
		{ "proxyevents", PROTO_WATCH_SILENT },
		{ "proxyuser", PROTO_WATCH_SILENT },
	};
	unsigned int	flags = 0;
	size_t		i, j;

	if (ap->ap_lim->pl_settings->ps_watch_off) {
		say(ap, "CLIENT_ERROR watch commands not allowed\r\n");
		return;
	}
	if (pipelined) {
		say(ap, "ERROR cannot pipeline other commands before watch\r\n");
		return;
	}
	for (i = 1; i < n; i++) {
		for (j = 0; j < sizeof(words) / sizeof(words[0]); j++)
			if (IS(&tok[i], words[j].w_word))
				break;
		if (j == sizeof(words) / sizeof(words[0])) {
			say(ap, "ERROR\r\n");
			return;
		}
		flags |= words[j].w_flag;
	}
	if (n == 1)
		flags = PROTO_WATCH_FETCHERS;
	if (ap->ap_sink->ps_watch == NULL) {
		say(ap, "ERROR\r\n");
		return;
	}
	if (ap->ap_sink->ps_watch(ap->ap_sink->ps_arg, flags) == -1)
		*ap->ap_failed = 1;
}

int
proto_admin_gated(const char *cmd, size_t len)
{
	static const char *const gated[] = {
		"lru_crawler", "cache_memlimit", "slabs", "lru", "watch",
		"shutdown", "verbosity", "flush_all",
	};
	size_t	i;

	for (i = 0; i < sizeof(gated) / sizeof(gated[0]); i++)
		if (strlen(gated[i]) == len && memcmp(gated[i], cmd, len) == 0)
			return (1);
	return (0);
}

int
proto_admin_line(const struct proto_limits *lim,
    const struct proto_sink *sink, const char *line, size_t len,
    int pipelined, int *failed)
{
	struct proto_token		tok[ADMIN_TOKENS_MAX];
	struct admin_parser	ap;
	size_t			n;

	/* Past the last token kept, the rest of the line is not read. */
	if ((n = proto_tokenize(line, len, tok, ADMIN_TOKENS_MAX)) >
	    ADMIN_TOKENS_MAX)
		n = ADMIN_TOKENS_MAX;
	if (n == 0 || lim->pl_settings == NULL)
		return (0);
	if (!(IS(&tok[0], "stats") && n >= 2 && (IS(&tok[1], "detail") ||
	    IS(&tok[1], "cachedump"))) && !(proto_admin_gated(tok[0].t_s,
	    tok[0].t_len) && !IS(&tok[0], "shutdown") &&
	    !IS(&tok[0], "verbosity") && !IS(&tok[0], "flush_all")))
		return (0);
	memset(&ap, 0, sizeof(ap));
	ap.ap_lim = lim;
	ap.ap_sink = sink;
	ap.ap_failed = failed;
	if (!lim->pl_admin) {
		/* They show other clients' keys or change the whole server. */
		if (sink->ps_admin_refused != NULL)
			sink->ps_admin_refused(sink->ps_arg);
		say(&ap, "CLIENT_ERROR admin commands not allowed from this "
		    "address\r\n");
		return (1);
	}
	if (IS(&tok[0], "stats"))
		admin_stats(&ap, tok, n);
	else if (IS(&tok[0], "lru_crawler"))
		admin_crawler(&ap, tok, n, pipelined);
	else if (IS(&tok[0], "cache_memlimit"))
		admin_memlimit(&ap, tok, n);
	else if (IS(&tok[0], "slabs"))
		admin_slabs(&ap, tok, n);
	else if (IS(&tok[0], "lru"))
		admin_lru(&ap, tok, n);
	else
		admin_watch(&ap, tok, n, pipelined);
	return (1);
}

size_t
proto_uriencode(const char *key, size_t nkey, char *out)
{
	static const char	hex[] = "0123456789ABCDEF";
	size_t			i, o = 0;
	unsigned char		c;

	for (i = 0; i < nkey; i++) {
		c = (unsigned char)key[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		    c == '-' || c == '~')
			out[o++] = c;
		else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
	return (o);
}

int
proto_admin_check(const struct cache_admin_hdr *h, const void *recs,
    size_t len)
{
	const uint8_t			*p = recs;
	struct cache_dump_item		 di;
	struct cache_prefix_stat	 dp;
	uint32_t			 i;

	if (h->ah_status >= CACHE_ADMIN_STATUS_MAX ||
	    (h->ah_flags & ~CACHE_ADMIN_MORE) != 0)
		return (-1);
	for (i = 0; i < h->ah_count; i++) {
		switch (h->ah_op) {
		case CACHE_ADMIN_CACHEDUMP:
		case CACHE_ADMIN_METADUMP:
			if (len < sizeof(di))
				return (-1);
			memcpy(&di, p, sizeof(di));
			if (di.di_nkey == 0 || di.di_nkey > KEY_MAX_LENGTH ||
			    len - sizeof(di) < di.di_nkey ||
			    !proto_key_valid((const char *)p + sizeof(di),
			    di.di_nkey))
				return (-1);
			p += sizeof(di) + di.di_nkey;
			len -= sizeof(di) + di.di_nkey;
			break;
		case CACHE_ADMIN_DETAIL_DUMP:
			if (len < sizeof(dp))
				return (-1);
			memcpy(&dp, p, sizeof(dp));
			if (len - sizeof(dp) < dp.dp_nprefix ||
			    memchr(p + sizeof(dp), '\0', dp.dp_nprefix) !=
			    NULL || !proto_key_valid((const char *)p +
			    sizeof(dp), dp.dp_nprefix))
				return (-1);
			p += sizeof(dp) + dp.dp_nprefix;
			len -= sizeof(dp) + dp.dp_nprefix;
			break;
		default:
			return (-1);
		}
	}
	return (len == 0 ? 0 : -1);
}

int
proto_admin_reply(const struct proto_ctx *ctx,
    const struct cache_admin_hdr *h, const void *recs, size_t len,
    struct buf *out, size_t max)
{
	const uint8_t			*p = recs;
	struct cache_dump_item		 di;
	struct cache_prefix_stat	 dp;
	char				 key[3 * KEY_MAX_LENGTH + 1];
	char				 name[CACHE_PREFIX_MAX + 1];
	uint32_t			 i;

	if (h->ah_status == CACHE_ADMIN_BADCLASS)
		return (ctx->px_noreply ? 0 : buf_printf(out, max,
		    "BADCLASS invalid class id\r\n"));
	switch (h->ah_op) {
	case CACHE_ADMIN_CACHEDUMP:
	case CACHE_ADMIN_METADUMP:
		for (i = 0; i < h->ah_count; i++) {
			/* Checked by the caller: len holds every record. */
			memcpy(&di, p, sizeof(di));
			p += sizeof(di);
			if (h->ah_op == CACHE_ADMIN_METADUMP) {
				proto_uriencode((const char *)p, di.di_nkey,
				    key);
				if (buf_printf(out, max, "key=%s exp=%lld "
				    "la=%llu cas=%llu fetch=%s cls=%u "
				    "size=%lu\n", key, di.di_exptime == 0 ?
				    -1LL : (long long)di.di_exptime,
				    (unsigned long long)di.di_atime,
				    (unsigned long long)di.di_cas,
				    di.di_fetched ? "yes" : "no",
				    (unsigned int)di.di_clsid,
				    (unsigned long)di.di_size) == -1)
					return (-1);
			} else if (buf_printf(out, max, "ITEM %.*s [%u b; "
			    "%llu s]\r\n", (int)di.di_nkey, (const char *)p,
			    di.di_nbytes, (unsigned long long)di.di_exptime)
			    == -1)
				return (-1);
			p += di.di_nkey;
		}
		break;
	case CACHE_ADMIN_DETAIL_DUMP:
		for (i = 0; i < h->ah_count; i++) {
			memcpy(&dp, p, sizeof(dp));
			p += sizeof(dp);
			memcpy(name, p, dp.dp_nprefix);
			name[dp.dp_nprefix] = '\0';
			p += dp.dp_nprefix;
			if (buf_printf(out, max, "PREFIX %s get %llu hit %llu "
			    "set %llu del %llu\r\n", name,
			    (unsigned long long)dp.dp_get,
			    (unsigned long long)dp.dp_hit,
			    (unsigned long long)dp.dp_set,
			    (unsigned long long)dp.dp_del) == -1)
				return (-1);
		}
		break;
	default:
		break;
	}
	(void)len;
	if (h->ah_flags & CACHE_ADMIN_MORE)
		return (0);
	switch (h->ah_op) {
	case CACHE_ADMIN_DETAIL:
		return (ctx->px_noreply ? 0 : buf_printf(out, max, "OK\r\n"));
	case CACHE_ADMIN_MEMLIMIT:
		if (ctx->px_noreply)
			return (0);
		if (h->ah_status == CACHE_ADMIN_REFUSED)
			return (buf_printf(out, max, "MEMLIMIT_ADJUST_FAILED "
			    "out of bounds or unable to adjust\r\n"));
		return (buf_printf(out, max, "OK\r\n"));
	default:
		return (buf_printf(out, max, "END\r\n"));
	}
}
