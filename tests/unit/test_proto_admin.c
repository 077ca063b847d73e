/*
 * The admin commands of the text protocol without a network: lines through
 * the text parser into a recording sink, storage's answers through the
 * composer.  Expected strings are memcached 1.6.18's.
 */

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto_test.h"

static struct proto_text_state	st;
static struct proto_settings	settings;
static struct cache_admin_req	asked[8];
static int			nasked, refused;
static unsigned int		watched;
static int			nwatch;

static int
rec_admin(void *arg, const struct cache_admin_req *rq,
    const struct proto_ctx *ctx)
{
	(void)arg;
	cr_assert_eq(ctx->px_kind, PROTO_TEXT);
	cr_assert_lt(nasked, 8);
	asked[nasked++] = *rq;
	return (0);
}

static void
rec_refused(void *arg)
{
	(void)arg;
	refused++;
}

static int
rec_watch(void *arg, unsigned int flags)
{
	(void)arg;
	watched = flags;
	nwatch++;
	return (0);
}

static const struct pt_conf	conf = { .pc_stats = PROTO_TEXT };

static void
setup(void)
{
	pt_setup(&conf);
	memset(&st, 0, sizeof(st));
	memset(&settings, 0, sizeof(settings));
	settings.ps_lru_crawler = 1;
	lim.pl_settings = &settings;
	lim.pl_admin = 1;
	lim.pl_shutdown = 1;
	sink.ps_admin = rec_admin;
	sink.ps_admin_refused = rec_refused;
	sink.ps_watch = rec_watch;
	nasked = refused = nwatch = 0;
	watched = 0;
}

TestSuite(admin, .init = setup);

static enum proto_status
feed(const char *s)
{
	size_t	used;

	return (proto_text_parse(&st, &lim, &sink, s, strlen(s), &used, NOW));
}

/* Replies the parser makes itself, one command at a time. */
static void
expect(const char *line, const char *want)
{
	local[0] = '\0';
	nlocal = 0;
	cr_assert_eq(feed(line), PROTO_OK, "%s", line);
	cr_assert_str_eq(local, want, "%s", line);
}

Test(admin, local_answers)
{
	expect("stats detail\r\n",
	    "CLIENT_ERROR usage: stats detail on|off|dump\r\n");
	expect("stats detail bogus\r\n",
	    "CLIENT_ERROR usage: stats detail on|off|dump\r\n");
	expect("stats cachedump 1\r\n", "CLIENT_ERROR bad command line\r\n");
	expect("stats cachedump x 1\r\n",
	    "CLIENT_ERROR bad command line format\r\n");
	expect("stats cachedump 64 0\r\n", "CLIENT_ERROR Illegal slab id\r\n");
	expect("lru_crawler tocrawl 10\r\n", "OK\r\n");
	cr_assert_eq(settings.ps_crawler_tocrawl, 10);
	expect("lru_crawler sleep 2000000\r\n",
	    "CLIENT_ERROR sleep must be one second or less\r\n");
	expect("lru_crawler sleep 50\r\n", "OK\r\n");
	cr_assert_eq(settings.ps_crawler_sleep, 50);
	expect("lru_crawler crawl 1,2\r\n", "OK\r\n");
	expect("lru_crawler crawl 0\r\n", "BADCLASS invalid class id\r\n");
	expect("lru_crawler bogus\r\n", "ERROR\r\n");
	expect("lru_crawler disable\r\n", "OK\r\n");
	cr_assert_eq(settings.ps_lru_crawler, 0);
	expect("lru_crawler metadump all\r\n",
	    "CLIENT_ERROR lru crawler disabled\r\n");
	expect("lru_crawler crawl all\r\n",
	    "CLIENT_ERROR lru crawler disabled\r\n");
	expect("lru_crawler enable\r\n", "OK\r\n");
	expect("cache_memlimit 7\r\n",
	    "MEMLIMIT_TOO_SMALL cannot set maxbytes to less than 8m\r\n");
	expect("cache_memlimit 1000000001\r\n",
	    "MEMLIMIT_ADJUST_FAILED input value is megabytes not bytes\r\n");
	expect("cache_memlimit x\r\n", "ERROR\r\n");
	expect("cache_memlimit 7 noreply\r\n", "");
	expect("slabs reassign 1 1\r\n",
	    "SAME src and dst class are identical\r\n");
	expect("slabs reassign 1 99\r\n",
	    "BADCLASS invalid src or dst class id\r\n");
	expect("slabs reassign 1 2\r\n",
	    "NOSPARE source class has no spare pages\r\n");
	expect("slabs automove 2\r\n", "OK\r\n");
	cr_assert_eq(settings.ps_slab_automove, 2);
	expect("slabs automove 3\r\n", "ERROR\r\n");
	expect("slabs automove ratio 0.5\r\n", "OK\r\n");
	expect("slabs bogus\r\n", "ERROR\r\n");
	expect("lru tune 10 20 0.1 2.0\r\n", "OK\r\n");
	cr_assert_eq(settings.ps_warm_lru_pct, 20);
	expect("lru tune 50 50 0.1 2.0\r\n",
	    "ERROR hot and warm pcts must not exceed 80\r\n");
	expect("lru tune 10 20 0 2.0\r\n",
	    "ERROR hot/warm age factors must be greater than 0\r\n");
	expect("lru mode flat\r\n", "OK\r\n");
	expect("lru temp_ttl -1\r\n", "OK\r\n");
	cr_assert_eq(settings.ps_temp_lru, 0);
	expect("lru bogus\r\n", "ERROR\r\n");
	cr_assert_eq(nasked, 0, "none of these asks storage");
	cr_assert_eq(nrecs, 0);
}

Test(admin, storage_requests)
{
	cr_assert_eq(feed("stats detail on\r\nstats detail dump\r\n"
	    "stats cachedump 3 10\r\n"), PROTO_OK);
	cr_assert_eq(feed("lru_crawler metadump 1,5\r\n"), PROTO_OK);
	cr_assert_eq(feed("cache_memlimit 100\r\n"), PROTO_OK);
	cr_assert_eq(feed("lru_crawler metadump hash\r\n"), PROTO_OK);
	cr_assert_eq(nlocal, 0);
	cr_assert_eq(nasked, 6);
	cr_assert_eq(asked[0].ca_op, CACHE_ADMIN_DETAIL);
	cr_assert_eq(asked[0].ca_arg, 1);
	cr_assert_eq(settings.ps_detail, 1);
	cr_assert_eq(asked[1].ca_op, CACHE_ADMIN_DETAIL_DUMP);
	cr_assert_eq(asked[2].ca_op, CACHE_ADMIN_CACHEDUMP);
	cr_assert_eq(asked[2].ca_class, 3);
	cr_assert_eq(asked[2].ca_limit, 10);
	cr_assert_eq(asked[3].ca_op, CACHE_ADMIN_METADUMP);
	cr_assert_eq(asked[3].ca_arg, 0);
	cr_assert_eq(asked[3].ca_classes[0], (1 << 1) | (1 << 5));
	cr_assert_eq(asked[4].ca_op, CACHE_ADMIN_MEMLIMIT);
	cr_assert_eq(asked[4].ca_arg, 100);
	cr_assert_eq(asked[5].ca_arg, 1, "hash: every class");
}

/* As memcached: metadump must be the first command of a read. */
Test(admin, metadump_not_pipelined)
{
	cr_assert_eq(feed("get a\r\nlru_crawler metadump all\r\n"), PROTO_OK);
	cr_assert_str_eq(local,
	    "ERROR cannot pipeline other commands before metadump\r\n");
	cr_assert_eq(nasked, 0);
}

/* Numbers memcached's safe_strtod refuses, and NaN. */
Test(admin, bad_doubles)
{
	expect("lru tune 10 40 nan 2.0\r\n", "ERROR\r\n");
	expect("lru tune 10 40 0.1 1e999\r\n", "ERROR\r\n");
	expect("slabs automove ratio nan\r\n", "ERROR\r\n");
	expect("slabs automove ratio 1e999\r\n", "ERROR\r\n");
	cr_assert_eq(settings.ps_hot_max_factor, 0);
	cr_assert_eq(settings.ps_automove_ratio, 0);
	expect("slabs automove ratio 0.5\r\n", "OK\r\n");
	cr_assert_eq(settings.ps_automove_ratio, 0.5);
}

/* watch: the words memcached 1.6.18 knows here; none means fetchers. */
Test(admin, watch_words)
{
	expect("watch\r\n", "");
	cr_assert_eq(watched, PROTO_WATCH_FETCHERS);
	expect("watch mutations evictions\r\n", "");
	cr_assert_eq(watched, PROTO_WATCH_MUTATIONS | PROTO_WATCH_EVICTIONS);
	expect("watch fetchers mutations\r\n", "");
	cr_assert_eq(watched, PROTO_WATCH_FETCHERS | PROTO_WATCH_MUTATIONS);
	cr_assert_eq(nwatch, 3);
	expect("watch connevents deletions\r\n", "");
	cr_assert_eq(watched, PROTO_WATCH_CONNEVENTS | PROTO_WATCH_DELETIONS);
	/* Accepted as memcached does; nothing here logs them. */
	expect("watch rawcmds sysevents proxyreqs proxyevents proxyuser\r\n",
	    "");
	cr_assert_eq(watched, PROTO_WATCH_SILENT);
	cr_assert_eq(nwatch, 5);
	expect("watch fetchers bogus\r\n", "ERROR\r\n");
	expect("watch Fetchers\r\n", "ERROR\r\n");
	cr_assert_eq(nwatch, 5, "a bad word starts nothing");
	/* memcached: no replies may be queued before the stream starts. */
	cr_assert_eq(feed("mn\r\nwatch\r\n"), PROTO_OK);
	cr_assert(strstr(local, "ERROR cannot pipeline other commands before "
	    "watch\r\n") != NULL, "%s", local);
	cr_assert_eq(nwatch, 5);
	/* -W */
	settings.ps_watch_off = 1;
	expect("watch\r\n", "CLIENT_ERROR watch commands not allowed\r\n");
	cr_assert_eq(nwatch, 5);
	settings.ps_watch_off = 0;
	sink.ps_watch = NULL;
	expect("watch\r\n", "ERROR\r\n");
}

/* memcached's uriencode, as watch and metadump print keys. */
Test(admin, uri_encoded_keys)
{
	char	out[3 * 8 + 1];

	cr_assert_eq(proto_uriencode("a-Z_9.~", 7, out), 7);
	cr_assert_str_eq(out, "a-Z_9.~");
	cr_assert_eq(proto_uriencode("n,foo", 5, out), 7);
	cr_assert_str_eq(out, "n%2Cfoo");
	cr_assert_eq(proto_uriencode("\x00\xff%/ ", 5, out), 15);
	cr_assert_str_eq(out, "%00%FF%25%2F%20");
}

/* Not from an admin address: refused and counted, nothing else runs. */
Test(admin, refused_from_other_addresses)
{
	static const char *const lines[] = {
		"stats detail dump\r\n", "stats cachedump 1 0\r\n",
		"lru_crawler metadump all\r\n", "cache_memlimit 100\r\n",
		"slabs automove 1\r\n", "lru mode flat\r\n", "watch\r\n",
		"shutdown\r\n", "verbosity 1\r\n", "flush_all\r\n",
		"flush_all noreply\r\n",
	};
	size_t	i;

	lim.pl_admin = 0;
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		expect(lines[i], "CLIENT_ERROR admin commands not allowed "
		    "from this address\r\n");
	cr_assert_eq(refused, (int)(sizeof(lines) / sizeof(lines[0])));
	cr_assert_eq(nasked, 0);
	cr_assert_eq(nrecs, 0, "no flush reached storage");
	/* Everything else still works. */
	expect("version\r\n", "VERSION 1.6.18\r\n");
	cr_assert_eq(feed("get a\r\n"), PROTO_OK);
	cr_assert_eq(nrecs, 1);
}

static char *
reply(uint32_t op, uint32_t status, uint32_t flags, const void *recs,
    size_t len, uint32_t count)
{
	static struct buf	out;
	struct cache_admin_hdr	h;
	struct proto_ctx	ctx;

	buf_free(&out);
	memset(&out, 0, sizeof(out));
	memset(&ctx, 0, sizeof(ctx));
	ctx.px_kind = PROTO_TEXT;
	memset(&h, 0, sizeof(h));
	h.ah_op = op;
	h.ah_status = status;
	h.ah_flags = flags;
	h.ah_count = count;
	cr_assert_eq(proto_admin_reply(&ctx, &h, recs, len, &out, 1 << 20),
	    0);
	cr_assert_eq(buf_add(&out, "", 1, 1 << 20), 0);
	return (buf_head(&out));
}

static size_t
dump_rec(uint8_t *p, const char *key, int64_t exp, int64_t la, uint64_t cas,
    int fetched, unsigned int cls, uint32_t size, uint32_t nbytes)
{
	struct cache_dump_item	di;

	memset(&di, 0, sizeof(di));
	di.di_exptime = exp;
	di.di_atime = la;
	di.di_cas = cas;
	di.di_fetched = fetched;
	di.di_clsid = cls;
	di.di_size = size;
	di.di_nbytes = nbytes;
	di.di_nkey = strlen(key);
	memcpy(p, &di, sizeof(di));
	memcpy(p + sizeof(di), key, di.di_nkey);
	return (sizeof(di) + di.di_nkey);
}

/* memcached's crawler.c and items.c formats, keys URI-encoded in one. */
Test(admin, listing_formats)
{
	uint8_t		recs[1024];
	size_t		n = 0;

	n += dump_rec(recs + n, "foo", 0, 1700000000, 7, 0, 1, 70, 3);
	n += dump_rec(recs + n, "a%b/c:d", 1700000100, 1700000001, 8, 1, 2,
	    90, 10);
	cr_assert_str_eq(reply(CACHE_ADMIN_METADUMP, CACHE_ADMIN_OK, 0, recs,
	    n, 2),
	    "key=foo exp=-1 la=1700000000 cas=7 fetch=no cls=1 size=70\n"
	    "key=a%25b%2Fc%3Ad exp=1700000100 la=1700000001 cas=8 fetch=yes "
	    "cls=2 size=90\nEND\r\n");
	cr_assert_str_eq(reply(CACHE_ADMIN_CACHEDUMP, CACHE_ADMIN_OK, 0, recs,
	    n, 2),
	    "ITEM foo [3 b; 0 s]\r\nITEM a%b/c:d [10 b; 1700000100 s]\r\n"
	    "END\r\n");
	/* A listing in pieces: END only after the last. */
	cr_assert_str_eq(reply(CACHE_ADMIN_CACHEDUMP, CACHE_ADMIN_OK,
	    CACHE_ADMIN_MORE, recs, n, 2),
	    "ITEM foo [3 b; 0 s]\r\nITEM a%b/c:d [10 b; 1700000100 s]\r\n");
	cr_assert_str_eq(reply(CACHE_ADMIN_METADUMP, CACHE_ADMIN_BADCLASS, 0,
	    NULL, 0, 0), "BADCLASS invalid class id\r\n");
}

Test(admin, detail_and_memlimit_answers)
{
	uint8_t				recs[256];
	struct cache_prefix_stat	dp;

	memset(&dp, 0, sizeof(dp));
	dp.dp_get = 2;
	dp.dp_hit = 1;
	dp.dp_set = 3;
	dp.dp_del = 4;
	dp.dp_nprefix = 3;
	memcpy(recs, &dp, sizeof(dp));
	memcpy(recs + sizeof(dp), "foo", 3);
	cr_assert_str_eq(reply(CACHE_ADMIN_DETAIL_DUMP, CACHE_ADMIN_OK, 0,
	    recs, sizeof(dp) + 3, 1),
	    "PREFIX foo get 2 hit 1 set 3 del 4\r\nEND\r\n");
	cr_assert_str_eq(reply(CACHE_ADMIN_DETAIL, CACHE_ADMIN_OK, 0, NULL, 0,
	    0), "OK\r\n");
	cr_assert_str_eq(reply(CACHE_ADMIN_MEMLIMIT, CACHE_ADMIN_OK, 0, NULL,
	    0, 0), "OK\r\n");
	cr_assert_str_eq(reply(CACHE_ADMIN_MEMLIMIT, CACHE_ADMIN_REFUSED, 0,
	    NULL, 0, 0),
	    "MEMLIMIT_ADJUST_FAILED out of bounds or unable to adjust\r\n");
}
