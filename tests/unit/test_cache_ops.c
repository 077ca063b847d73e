/*
 * Cache engine operations: storage modes, retrieval info bits, CAS (and
 * -C), delete / invalidate, incr / decr edges, touch, meta vivify and
 * recache.  The engine is driven through cache_exec() as storage.c does.
 */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "msg.h"
#include "cache.h"

#define T0	1700000000LL

static struct cache_conf
conf_default(void)
{
	struct cache_conf	 cf;

	memset(&cf, 0, sizeof(cf));
	cf.cc_maxbytes = 64ULL * 1024 * 1024;
	cf.cc_item_size_max = 1024 * 1024;
	cf.cc_chunk_min = 48;
	cf.cc_slab_page_size = 1024 * 1024;
	cf.cc_slab_chunk_max = 512 * 1024;
	cf.cc_factor = 1.25;
	cf.cc_evict = 1;
	cf.cc_cas = 1;
	return (cf);
}

static struct cache *
mk(const struct cache_conf *cf)
{
	struct cache	*c;

	c = cache_new(cf);
	cr_assert_not_null(c, "cache_new: %s", strerror(errno));
	cache_set_time(c, T0);
	return (c);
}

static struct cache_req
req(uint8_t op, uint8_t mode, uint16_t opts)
{
	struct cache_req	 rq;

	memset(&rq, 0, sizeof(rq));
	rq.cr_op = op;
	rq.cr_mode = mode;
	rq.cr_opts = opts;
	rq.cr_connid = 77;
	return (rq);
}

/* Runs rq on key (and value); copies a returned value, NUL-ended, to out. */
static struct cache_rep
run(struct cache *c, struct cache_req *rq, const char *key, const void *val,
    char *out, size_t outsz)
{
	struct cache_rep	 rp;
	const struct item	*it;

	rq->cr_nkey = (uint32_t)strlen(key);
	cache_exec(c, rq, key, val, &rp, &it);
	cr_assert_eq(rp.rp_connid, rq->cr_connid);
	if (rp.rp_nvalue > 0 || rp.rp_nkey > 0)
		cr_assert_not_null(it);
	else
		cr_assert_null(it);
	if (rp.rp_nkey > 0)
		cr_assert(memcmp(item_key(it), key, rp.rp_nkey) == 0);
	if (out != NULL) {
		out[0] = '\0';
		if (rp.rp_nvalue > 0) {
			cr_assert(rp.rp_nvalue < outsz);
			item_value_copy(it, out);
			out[rp.rp_nvalue] = '\0';
		}
	}
	return (rp);
}

static int
store(struct cache *c, uint8_t mode, const char *key, const char *val,
    uint32_t flags, int64_t exptime)
{
	struct cache_req	 rq = req(CACHE_OP_STORE, mode, 0);
	struct cache_rep	 rp;

	rq.cr_nvalue = (uint32_t)strlen(val);
	rq.cr_flags = flags;
	rq.cr_exptime = exptime;
	rp = run(c, &rq, key, val, NULL, 0);
	return (rp.rp_status);
}

static int
set(struct cache *c, const char *key, const char *val)
{
	return (store(c, CACHE_STORE_SET, key, val, 0, 0));
}

/* GET with value; returns the status, value in out. */
static int
get(struct cache *c, const char *key, char *out, size_t outsz)
{
	struct cache_req	 rq;

	rq = req(CACHE_OP_GET, 0, CACHE_OPT_WANT_VALUE);

	return (run(c, &rq, key, NULL, out, outsz).rp_status);
}

struct statbuf {
	char	names[256][CACHE_STAT_NAME_MAX];
	char	values[256][CACHE_STAT_VALUE_MAX];
	int	n;
};

static void
stat_cb(void *arg, const char *name, const char *value)
{
	struct statbuf	*sb = arg;

	cr_assert(strlen(name) < CACHE_STAT_NAME_MAX);
	cr_assert(strlen(value) < CACHE_STAT_VALUE_MAX);
	if (sb->n >= 256)
		return;
	strlcpy(sb->names[sb->n], name, CACHE_STAT_NAME_MAX);
	strlcpy(sb->values[sb->n], value, CACHE_STAT_VALUE_MAX);
	sb->n++;
}

/* Returns a general (or other kind) stat as a number, -1 if absent. */
static long long
stat_get(struct cache *c, enum cache_stats_kind kind, const char *name)
{
	static struct statbuf	 sb;
	int			 i;

	sb.n = 0;
	cache_stats(c, kind, stat_cb, &sb);
	for (i = 0; i < sb.n; i++)
		if (strcmp(sb.names[i], name) == 0)
			return (strtoll(sb.values[i], NULL, 10));
	return (-1);
}

Test(cache_ops, set_get)
{
	struct cache_conf	 cf = conf_default();
	struct cache		*c = mk(&cf);
	struct cache_req	 rq;
	struct cache_rep	 rp;
	char			 buf[64];

	cr_expect_eq(get(c, "foo", buf, sizeof(buf)), CACHE_MISS);
	cr_expect_eq(store(c, CACHE_STORE_SET, "foo", "bar", 42, 0), CACHE_OK);
	rq = req(CACHE_OP_GET, 0, CACHE_OPT_WANT_VALUE | CACHE_OPT_WANT_KEY);
	rp = run(c, &rq, "foo", NULL, buf, sizeof(buf));
	cr_expect_eq(rp.rp_status, CACHE_OK);
	cr_expect_str_eq(buf, "bar");
	cr_expect_eq(rp.rp_nkey, 3);
	cr_expect_eq(rp.rp_flags, 42);
	cr_expect_eq(rp.rp_ttl, -1);
	cr_expect_neq(rp.rp_cas, 0);
	cr_expect_eq(rp.rp_info & CACHE_INFO_FETCHED, 0);
	cr_expect_eq(rp.rp_clsid, 1);
	cr_expect_eq(rp.rp_size, 32 + 8 + 4 + 3 + 3);
	/* Second hit: fetched before; last access counts seconds. */
	cache_set_time(c, T0 + 5);
	rp = run(c, &rq, "foo", NULL, buf, sizeof(buf));
	cr_expect(rp.rp_info & CACHE_INFO_FETCHED);
	cr_expect_eq(rp.rp_last_access, 5);
	/* Without WANT_VALUE nothing comes back but the metadata. */
	rq = req(CACHE_OP_GET, 0, 0);
	rp = run(c, &rq, "foo", NULL, buf, sizeof(buf));
	cr_expect_eq(rp.rp_nvalue, 0);
	cr_expect_eq(rp.rp_last_access, 0);
	/* Empty value. */
	cr_expect_eq(set(c, "e", ""), CACHE_OK);
	cr_expect_eq(get(c, "e", buf, sizeof(buf)), CACHE_OK);
	cr_expect_str_eq(buf, "");
	/* NOOP */
	rq = req(CACHE_OP_NOOP, 0, 0);
	cr_expect_eq(run(c, &rq, "x", NULL, NULL, 0).rp_status, CACHE_OK);
	cache_free(c);
}

Test(cache_ops, no_bump)
{
	struct cache_conf	 cf = conf_default();
	struct cache		*c = mk(&cf);
	struct cache_req	 rq;
	struct cache_rep	 rp;

	set(c, "k", "v");
	cache_set_time(c, T0 + 3);
	rq = req(CACHE_OP_GET, 0, CACHE_OPT_NO_BUMP);
	rp = run(c, &rq, "k", NULL, NULL, 0);
	rp = run(c, &rq, "k", NULL, NULL, 0);
	cr_expect_eq(rp.rp_info & CACHE_INFO_FETCHED, 0);
	cr_expect_eq(rp.rp_last_access, 3);
	cache_free(c);
}

Test(cache_ops, add_replace_append_prepend)
{
	struct cache_conf	 cf = conf_default();
	struct cache		*c = mk(&cf);
	struct cache_req	 rq;
	struct cache_rep	 rp;
	char			 buf[64];

	cr_expect_eq(store(c, CACHE_STORE_REPLACE, "k", "x", 0, 0),
	    CACHE_NOT_STORED);
	cr_expect_eq(store(c, CACHE_STORE_APPEND, "k", "x", 0, 0),
	    CACHE_NOT_STORED);
	cr_expect_eq(store(c, CACHE_STORE_PREPEND, "k", "x", 0, 0),
	    CACHE_NOT_STORED);
	cr_expect_eq(store(c, CACHE_STORE_ADD, "k", "mid", 7, T0 + 100),
	    CACHE_OK);
	cr_expect_eq(store(c, CACHE_STORE_ADD, "k", "no", 0, 0),
	    CACHE_NOT_STORED);
	cr_expect_eq(store(c, CACHE_STORE_APPEND, "k", "_end", 1, 0),
	    CACHE_OK);
	cr_expect_eq(store(c, CACHE_STORE_PREPEND, "k", "start_", 2, 0),
	    CACHE_OK);
	rq = req(CACHE_OP_GET, 0, CACHE_OPT_WANT_VALUE);
	rp = run(c, &rq, "k", NULL, buf, sizeof(buf));
	cr_expect_str_eq(buf, "start_mid_end");
	cr_expect_eq(rp.rp_flags, 7, "append keeps flags");
	cr_expect_eq(rp.rp_ttl, 100, "append keeps exptime");
	cr_expect_eq(store(c, CACHE_STORE_REPLACE, "k", "r", 0, 0), CACHE_OK);
	cr_expect_eq(get(c, "k", buf, sizeof(buf)), CACHE_OK);
	cr_expect_str_eq(buf, "r");

	/* ms MA with N: append vivifies on a miss. */
	rq = req(CACHE_OP_STORE, CACHE_STORE_APPEND, CACHE_OPT_VIVIFY);
	rq.cr_nvalue = 4;
	rq.cr_vivify_exptime = T0 + 30;
	rp = run(c, &rq, "viv", "seed", NULL, 0);
	cr_expect_eq(rp.rp_status, CACHE_OK);
	rq = req(CACHE_OP_GET, 0, CACHE_OPT_WANT_VALUE);
	rp = run(c, &rq, "viv", NULL, buf, sizeof(buf));
	cr_expect_str_eq(buf, "seed");
	cr_expect_eq(rp.rp_ttl, 30);
	cache_free(c);
}

Test(cache_ops, cas)
{
	struct cache_conf	 cf = conf_default();
	struct cache		*c = mk(&cf);
	struct cache_req	 rq;
	struct cache_rep	 rp;
	uint64_t		 cas1, cas2;
	char			 buf[64];

	set(c, "k", "one");
	rq = req(CACHE_OP_GET, 0, 0);
	cas1 = run(c, &rq, "k", NULL, NULL, 0).rp_cas;
	set(c, "k", "two");
	cas2 = run(c, &rq, "k", NULL, NULL, 0).rp_cas;
	cr_expect_neq(cas1, cas2);

	rq = req(CACHE_OP_STORE, CACHE_STORE_SET, CACHE_OPT_CAS);
	rq.cr_nvalue = 5;
	rq.cr_cas = cas1;
	cr_expect_eq(run(c, &rq, "k", "three", NULL, 0).rp_status,
	    CACHE_EXISTS);
	rq.cr_cas = 0;
	cr_expect_eq(run(c, &rq, "k", "three", NULL, 0).rp_status,
	    CACHE_EXISTS);
	rq.cr_cas = cas2;
	rp = run(c, &rq, "k", "three", NULL, 0);
	cr_expect_eq(rp.rp_status, CACHE_OK);
	cr_expect_neq(rp.rp_cas, cas2);
	cr_expect_eq(run(c, &rq, "nokey", "three", NULL, 0).rp_status,
	    CACHE_MISS);
	cr_expect_eq(stat_get(c, CACHE_STATS_GENERAL, "cas_hits"), 1);
	cr_expect_eq(stat_get(c, CACHE_STATS_GENERAL, "cas_badval"), 2);
	cr_expect_eq(stat_get(c, CACHE_STATS_GENERAL, "cas_misses"), 1);

	/* E: the client picks the new cas. */
	rq = req(CACHE_OP_STORE, CACHE_STORE_SET, CACHE_OPT_NEW_CAS);
	rq.cr_nvalue = 1;
	rq.cr_newcas = 12345;
	cr_expect_eq(run(c, &rq, "k", "e", NULL, 0).rp_cas, 12345);

	/* I with an older cas: stored but stale. */
	rq = req(CACHE_OP_STORE, CACHE_STORE_SET,
	    CACHE_OPT_CAS | CACHE_OPT_INVALIDATE);
	rq.cr_nvalue = 3;
	rq.cr_cas = 100;
	cr_expect_eq(run(c, &rq, "k", "old", NULL, 0).rp_status, CACHE_OK);
	rq = req(CACHE_OP_GET, 0, CACHE_OPT_WANT_VALUE);
	rp = run(c, &rq, "k", NULL, buf, sizeof(buf));
	cr_expect_str_eq(buf, "old");
	cr_expect(rp.rp_info & CACHE_INFO_STALE);
	cr_expect(rp.rp_info & CACHE_INFO_WON);

	/* Append with a cas compare. */
	rq = req(CACHE_OP_STORE, CACHE_STORE_APPEND, CACHE_OPT_CAS);
	rq.cr_nvalue = 1;
	rq.cr_cas = 1;
	cr_expect_eq(run(c, &rq, "k", "x", NULL, 0).rp_status, CACHE_EXISTS);

	/* Every modification gets a new unique cas. */
	{
		uint64_t	 seen[50];
		int		 i, j;

		rq = req(CACHE_OP_GET, 0, 0);
		for (i = 0; i < 50; i++) {
			set(c, i % 2 ? "a" : "b", "v");
			seen[i] = run(c, &rq, i % 2 ? "a" : "b", NULL, NULL,
			    0).rp_cas;
			for (j = 0; j < i; j++)
				cr_assert_neq(seen[i], seen[j]);
		}
	}
	cache_free(c);
}

Test(cache_ops, cas_disabled)
{
	struct cache_conf	 cf = conf_default();
	struct cache		*c;
	struct cache_req	 rq;
	struct cache_rep	 rp;

	cf.cc_cas = 0;
	c = mk(&cf);
	set(c, "k", "v");
	rq = req(CACHE_OP_GET, 0, 0);
	rp = run(c, &rq, "k", NULL, NULL, 0);
	cr_expect_eq(rp.rp_cas, 0);
	cr_expect_eq(rp.rp_size, 32 + 1 + 1, "-C saves the 8 cas bytes");
	rq = req(CACHE_OP_STORE, CACHE_STORE_SET, CACHE_OPT_CAS);
	rq.cr_nvalue = 1;
	rq.cr_cas = 0;
	cr_expect_eq(run(c, &rq, "k", "w", NULL, 0).rp_status, CACHE_EXISTS);
	cache_free(c);
}

Test(cache_ops, delete)
{
	struct cache_conf	 cf = conf_default();
	struct cache		*c = mk(&cf);
	struct cache_req	 rq;
	struct cache_rep	 rp;
	uint64_t		 cas;
	char			 buf[64];

	rq = req(CACHE_OP_DELETE, 0, 0);
	cr_expect_eq(run(c, &rq, "k", NULL, NULL, 0).rp_status, CACHE_MISS);
	set(c, "k", "v");
	cr_expect_eq(run(c, &rq, "k", NULL, NULL, 0).rp_status, CACHE_OK);
	cr_expect_eq(get(c, "k", buf, sizeof(buf)), CACHE_MISS);

	/* md C */
	set(c, "k", "v");
	rq = req(CACHE_OP_GET, 0, 0);
	cas = run(c, &rq, "k", NULL, NULL, 0).rp_cas;
	rq = req(CACHE_OP_DELETE, 0, CACHE_OPT_CAS);
	rq.cr_cas = cas + 1;
	cr_expect_eq(run(c, &rq, "k", NULL, NULL, 0).rp_status, CACHE_EXISTS);
	rq.cr_cas = cas;
	cr_expect_eq(run(c, &rq, "k", NULL, NULL, 0).rp_status, CACHE_OK);

	/* md I T: stale, new cas, new ttl; the next get wins once. */
	set(c, "k", "v");
	rq = req(CACHE_OP_DELETE, 0, CACHE_OPT_INVALIDATE | CACHE_OPT_SET_TTL);
	rq.cr_exptime = T0 + 30;
	rp = run(c, &rq, "k", NULL, NULL, 0);
	cr_expect_eq(rp.rp_status, CACHE_OK);
	cr_expect_neq(rp.rp_cas, cas);
	rq = req(CACHE_OP_GET, 0, CACHE_OPT_WANT_VALUE);
	rp = run(c, &rq, "k", NULL, buf, sizeof(buf));
	cr_expect_eq(rp.rp_status, CACHE_OK);
	cr_expect_str_eq(buf, "v");
	cr_expect_eq(rp.rp_ttl, 30);
	cr_expect_eq(rp.rp_info & (CACHE_INFO_STALE | CACHE_INFO_WON |
	    CACHE_INFO_WIN_SENT), CACHE_INFO_STALE | CACHE_INFO_WON);
	rp = run(c, &rq, "k", NULL, buf, sizeof(buf));
	cr_expect_eq(rp.rp_info & (CACHE_INFO_STALE | CACHE_INFO_WON |
	    CACHE_INFO_WIN_SENT), CACHE_INFO_STALE | CACHE_INFO_WIN_SENT);

	/* md x: the item stays, empty. */
	store(c, CACHE_STORE_SET, "x", "value", 9, 0);
	rq = req(CACHE_OP_DELETE, 0, CACHE_OPT_DROP_VALUE);
	cr_expect_eq(run(c, &rq, "x", NULL, NULL, 0).rp_status, CACHE_OK);
	rq = req(CACHE_OP_GET, 0, CACHE_OPT_WANT_VALUE);
	rp = run(c, &rq, "x", NULL, buf, sizeof(buf));
	cr_expect_eq(rp.rp_status, CACHE_OK);
	cr_expect_eq(rp.rp_nvalue, 0);
	cr_expect_eq(rp.rp_flags, 9);
	cr_expect_eq(stat_get(c, CACHE_STATS_GENERAL, "delete_hits"), 2);
	cr_expect_eq(stat_get(c, CACHE_STATS_GENERAL, "delete_misses"), 2);
	cache_free(c);
}

static struct cache_rep
arith(struct cache *c, const char *key, int incr, uint64_t delta,
    char *buf, size_t bufsz)
{
	struct cache_req	 rq;

	rq = req(CACHE_OP_ARITH, incr ? CACHE_ARITH_INCR : CACHE_ARITH_DECR,
	    CACHE_OPT_WANT_VALUE);
	rq.cr_delta = delta;
	return (run(c, &rq, key, NULL, buf, bufsz));
}

Test(cache_ops, incr_decr)
{
	struct cache_conf	 cf = conf_default();
	struct cache		*c = mk(&cf);
	struct cache_rep	 rp;
	char			 buf[64];
	uint64_t		 cas;

	cr_expect_eq(arith(c, "n", 1, 1, buf, sizeof(buf)).rp_status,
	    CACHE_MISS);
	set(c, "n", "18446744073709551615");
	rp = arith(c, "n", 1, 1, buf, sizeof(buf));
	cr_expect_eq(rp.rp_status, CACHE_OK);
	cr_expect_str_eq(buf, "0", "2^64-1 + 1 wraps to 0");
	cr_expect_eq(get(c, "n", buf, sizeof(buf)), CACHE_OK);
	cr_expect_str_eq(buf, "0");
	set(c, "n", "10");
	rp = arith(c, "n", 0, 11, buf, sizeof(buf));
	cr_expect_str_eq(buf, "0", "decr stops at 0");
	set(c, "n", "100");
	arith(c, "n", 0, 1, buf, sizeof(buf));
	cr_expect_str_eq(buf, "99");
	cr_expect_eq(get(c, "n", buf, sizeof(buf)), CACHE_OK);
	cr_expect_str_eq(buf, "99", "digits stored without padding");
	set(c, "n", "9");
	arith(c, "n", 1, 18446744073709551606ULL, buf, sizeof(buf));
	cr_expect_str_eq(buf, "18446744073709551615", "grows to 20 digits");
	cr_expect_eq(get(c, "n", buf, sizeof(buf)), CACHE_OK);
	cr_expect_str_eq(buf, "18446744073709551615");

	/* memcached's parse: spaces, +, -0, trailing space, limits. */
	set(c, "n", " 12");
	cr_expect_str_eq((arith(c, "n", 1, 1, buf, sizeof(buf)), buf), "13");
	set(c, "n", "12 junk");
	cr_expect_str_eq((arith(c, "n", 1, 1, buf, sizeof(buf)), buf), "13");
	set(c, "n", "+5");
	cr_expect_str_eq((arith(c, "n", 1, 1, buf, sizeof(buf)), buf), "6");
	set(c, "n", "-0");
	cr_expect_str_eq((arith(c, "n", 1, 1, buf, sizeof(buf)), buf), "1");
	set(c, "n", "0000000000000000000001");
	cr_expect_str_eq((arith(c, "n", 1, 1, buf, sizeof(buf)), buf), "2");
	set(c, "n", "18446744073709551616");
	cr_expect_eq(arith(c, "n", 1, 1, buf, sizeof(buf)).rp_status,
	    CACHE_NON_NUMERIC);
	set(c, "n", "-1");
	cr_expect_eq(arith(c, "n", 1, 1, buf, sizeof(buf)).rp_status,
	    CACHE_NON_NUMERIC);
	set(c, "n", "12ab");
	cr_expect_eq(arith(c, "n", 1, 1, buf, sizeof(buf)).rp_status,
	    CACHE_NON_NUMERIC);
	set(c, "n", "");
	cr_expect_eq(arith(c, "n", 1, 1, buf, sizeof(buf)).rp_status,
	    CACHE_NON_NUMERIC);
	set(c, "n", "   ");
	cr_expect_eq(arith(c, "n", 0, 1, buf, sizeof(buf)).rp_status,
	    CACHE_NON_NUMERIC);

	/* ma C, N/J, T */
	set(c, "n", "5");
	{
		struct cache_req	 rq;

		rq = req(CACHE_OP_GET, 0, 0);
		cas = run(c, &rq, "n", NULL, NULL, 0).rp_cas;
		rq = req(CACHE_OP_ARITH, CACHE_ARITH_INCR,
		    CACHE_OPT_CAS | CACHE_OPT_WANT_VALUE | CACHE_OPT_SET_TTL);
		rq.cr_delta = 2;
		rq.cr_cas = cas + 7;
		rq.cr_exptime = T0 + 50;
		cr_expect_eq(run(c, &rq, "n", NULL, buf, sizeof(buf)).
		    rp_status, CACHE_EXISTS);
		rq.cr_cas = cas;
		rp = run(c, &rq, "n", NULL, buf, sizeof(buf));
		cr_expect_eq(rp.rp_status, CACHE_OK);
		cr_expect_str_eq(buf, "7");
		cr_expect_eq(rp.rp_ttl, 50);
		cr_expect_neq(rp.rp_cas, cas);

		rq = req(CACHE_OP_ARITH, CACHE_ARITH_INCR,
		    CACHE_OPT_VIVIFY | CACHE_OPT_WANT_VALUE);
		rq.cr_initial = 42;
		rq.cr_delta = 1;
		rq.cr_vivify_exptime = T0 + 9;
		rp = run(c, &rq, "fresh", NULL, buf, sizeof(buf));
		cr_expect_eq(rp.rp_status, CACHE_OK);
		cr_expect_str_eq(buf, "42");
		cr_expect_eq(rp.rp_ttl, 9);
		rp = run(c, &rq, "fresh", NULL, buf, sizeof(buf));
		cr_expect_str_eq(buf, "43");
	}
	cr_expect_eq(stat_get(c, CACHE_STATS_GENERAL, "incr_misses"), 1);
	cache_free(c);
}

Test(cache_ops, touch_and_gat)
{
	struct cache_conf	 cf = conf_default();
	struct cache		*c = mk(&cf);
	struct cache_req	 rq;
	struct cache_rep	 rp;
	char			 buf[64];

	rq = req(CACHE_OP_TOUCH, 0, 0);
	rq.cr_exptime = T0 + 10;
	cr_expect_eq(run(c, &rq, "k", NULL, NULL, 0).rp_status, CACHE_MISS);
	set(c, "k", "v");
	cr_expect_eq(run(c, &rq, "k", NULL, NULL, 0).rp_status, CACHE_OK);
	cache_set_time(c, T0 + 10);
	cr_expect_eq(get(c, "k", buf, sizeof(buf)), CACHE_MISS);

	set(c, "k", "v");
	rq = req(CACHE_OP_GET, 0, CACHE_OPT_TOUCH | CACHE_OPT_WANT_VALUE);
	rq.cr_exptime = T0 + 20;
	rp = run(c, &rq, "k", NULL, buf, sizeof(buf));
	cr_expect_eq(rp.rp_status, CACHE_OK);
	cr_expect_str_eq(buf, "v");
	cr_expect_eq(rp.rp_ttl, 10);
	cr_expect_eq(stat_get(c, CACHE_STATS_GENERAL, "cmd_touch"), 3);
	cr_expect_eq(stat_get(c, CACHE_STATS_GENERAL, "touch_hits"), 2);
	cr_expect_eq(stat_get(c, CACHE_STATS_GENERAL, "touch_misses"), 1);
	cache_free(c);
}

Test(cache_ops, vivify_and_recache)
{
	struct cache_conf	 cf = conf_default();
	struct cache		*c = mk(&cf);
	struct cache_req	 rq;
	struct cache_rep	 rp;
	char			 buf[64];

	rq = req(CACHE_OP_GET, 0, CACHE_OPT_VIVIFY | CACHE_OPT_WANT_VALUE);
	rq.cr_vivify_exptime = T0 + 30;
	rp = run(c, &rq, "v", NULL, buf, sizeof(buf));
	cr_expect_eq(rp.rp_status, CACHE_OK);
	cr_expect_eq(rp.rp_info, CACHE_INFO_WON);
	cr_expect_eq(rp.rp_nvalue, 0);
	cr_expect_eq(rp.rp_ttl, 30);
	rp = run(c, &rq, "v", NULL, buf, sizeof(buf));
	cr_expect_eq(rp.rp_info & (CACHE_INFO_WON | CACHE_INFO_WIN_SENT),
	    CACHE_INFO_WIN_SENT);

	store(c, CACHE_STORE_SET, "r", "v", 0, T0 + 100);
	rq = req(CACHE_OP_GET, 0, CACHE_OPT_RECACHE);
	rq.cr_recache_ttl = 30;
	rp = run(c, &rq, "r", NULL, NULL, 0);
	cr_expect_eq(rp.rp_info & CACHE_INFO_WON, 0, "ttl 100 >= 30");
	cache_set_time(c, T0 + 80);
	rp = run(c, &rq, "r", NULL, NULL, 0);
	cr_expect(rp.rp_info & CACHE_INFO_WON, "ttl 20 < 30");
	rp = run(c, &rq, "r", NULL, NULL, 0);
	cr_expect_eq(rp.rp_info & (CACHE_INFO_WON | CACHE_INFO_WIN_SENT),
	    CACHE_INFO_WIN_SENT);
	/* A new store clears the win. */
	store(c, CACHE_STORE_SET, "r", "v", 0, T0 + 90);
	rp = run(c, &rq, "r", NULL, NULL, 0);
	cr_expect(rp.rp_info & CACHE_INFO_WON);

	/* mg C: no value when the cas matches. */
	set(c, "m", "val");
	rq = req(CACHE_OP_GET, 0, CACHE_OPT_WANT_VALUE);
	rp = run(c, &rq, "m", NULL, buf, sizeof(buf));
	rq = req(CACHE_OP_GET, 0, CACHE_OPT_WANT_VALUE | CACHE_OPT_CAS);
	rq.cr_cas = rp.rp_cas;
	cr_expect_eq(run(c, &rq, "m", NULL, buf, sizeof(buf)).rp_nvalue, 0);
	rq.cr_cas = rp.rp_cas + 1;
	cr_expect_eq(run(c, &rq, "m", NULL, buf, sizeof(buf)).rp_nvalue, 3);
	cache_free(c);
}

Test(cache_ops, too_large)
{
	struct cache_conf	 cf = conf_default();
	struct cache		*c = mk(&cf);
	struct cache_req	 rq;
	char			*big;
	char			 buf[8];

	big = calloc(1, 1024 * 1024);
	cr_assert_not_null(big);
	set(c, "k", "v");
	rq = req(CACHE_OP_STORE, CACHE_STORE_SET, 0);
	rq.cr_nvalue = 1024 * 1024;
	cr_expect_eq(run(c, &rq, "k", big, NULL, 0).rp_status,
	    CACHE_TOO_LARGE);
	cr_expect_eq(get(c, "k", buf, sizeof(buf)), CACHE_MISS,
	    "a failed set drops the old value");
	rq.cr_nvalue = 1024 * 1024 - 100;
	cr_expect_eq(run(c, &rq, "k", big, NULL, 0).rp_status, CACHE_OK);
	cr_expect_eq(stat_get(c, CACHE_STATS_GENERAL, "store_too_large"), 1);
	free(big);
	cache_free(c);
}
