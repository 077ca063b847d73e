/*
 * Cache engine operations: storage modes, retrieval info bits, CAS (and
 * -C), delete / invalidate, incr / decr edges, touch, meta vivify and
 * recache.  The engine is driven through cache_exec() as storage.c does.
 */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "cache_test.h"
#include "compat.h"
#include "wire.h"

Test(cache_ops, set_get)
{
	struct cache_conf	 cf = ct_conf_default();
	struct cache		*c = ct_mk(&cf);
	struct cache_req	 rq;
	struct cache_rep	 rp;
	char			 buf[64];

	cr_expect_eq(ct_get(c, "foo", buf, sizeof(buf)), CACHE_MISS);
	cr_expect_eq(ct_store(c, CACHE_STORE_SET, "foo", "bar", 42, 0), CACHE_OK);
	rq = ct_req(CACHE_OP_GET, 0, CACHE_OPT_WANT_VALUE | CACHE_OPT_WANT_KEY);
	rp = ct_run(c, &rq, "foo", NULL, buf, sizeof(buf));
	cr_expect_eq(rp.rp_status, CACHE_OK);
	cr_expect_str_eq(buf, "bar");
	cr_expect_eq(rp.rp_nkey, 3);
	cr_expect_eq(rp.rp_flags, 42);
	cr_expect_eq(rp.rp_ttl, -1);
	cr_expect_neq(rp.rp_cas, 0);
	cr_expect_eq(rp.rp_info & CACHE_INFO_FETCHED, 0);
	cr_expect_eq(rp.rp_clsid, 1);
	cr_expect_eq(rp.rp_size, 36 + 8 + 4 + 3 + 3);
	/* Second hit: fetched before; last access counts seconds. */
	cache_set_time(c, T0 + 5);
	rp = ct_run(c, &rq, "foo", NULL, buf, sizeof(buf));
	cr_expect(rp.rp_info & CACHE_INFO_FETCHED);
	cr_expect_eq(rp.rp_last_access, 5);
	/* Without WANT_VALUE nothing comes back but the metadata. */
	rq = ct_req(CACHE_OP_GET, 0, 0);
	rp = ct_run(c, &rq, "foo", NULL, buf, sizeof(buf));
	cr_expect_eq(rp.rp_nvalue, 0);
	cr_expect_eq(rp.rp_last_access, 0);
	/* Empty value. */
	cr_expect_eq(ct_set(c, "e", ""), CACHE_OK);
	cr_expect_eq(ct_get(c, "e", buf, sizeof(buf)), CACHE_OK);
	cr_expect_str_eq(buf, "");
	/* NOOP */
	rq = ct_req(CACHE_OP_NOOP, 0, 0);
	cr_expect_eq(ct_run(c, &rq, "x", NULL, NULL, 0).rp_status, CACHE_OK);
	cache_free(c);
}

Test(cache_ops, no_bump)
{
	struct cache_conf	 cf = ct_conf_default();
	struct cache		*c = ct_mk(&cf);
	struct cache_req	 rq;
	struct cache_rep	 rp;

	ct_set(c, "k", "v");
	cache_set_time(c, T0 + 3);
	rq = ct_req(CACHE_OP_GET, 0, CACHE_OPT_NO_BUMP);
	rp = ct_run(c, &rq, "k", NULL, NULL, 0);
	rp = ct_run(c, &rq, "k", NULL, NULL, 0);
	cr_expect_eq(rp.rp_info & CACHE_INFO_FETCHED, 0);
	cr_expect_eq(rp.rp_last_access, 3);
	cache_free(c);
}

Test(cache_ops, add_replace_append_prepend)
{
	struct cache_conf	 cf = ct_conf_default();
	struct cache		*c = ct_mk(&cf);
	struct cache_req	 rq;
	struct cache_rep	 rp;
	char			 buf[64];

	cr_expect_eq(ct_store(c, CACHE_STORE_REPLACE, "k", "x", 0, 0),
	    CACHE_NOT_STORED);
	cr_expect_eq(ct_store(c, CACHE_STORE_APPEND, "k", "x", 0, 0),
	    CACHE_NOT_STORED);
	cr_expect_eq(ct_store(c, CACHE_STORE_PREPEND, "k", "x", 0, 0),
	    CACHE_NOT_STORED);
	cr_expect_eq(ct_store(c, CACHE_STORE_ADD, "k", "mid", 7, T0 + 100),
	    CACHE_OK);
	cr_expect_eq(ct_store(c, CACHE_STORE_ADD, "k", "no", 0, 0),
	    CACHE_NOT_STORED);
	cr_expect_eq(ct_store(c, CACHE_STORE_APPEND, "k", "_end", 1, 0),
	    CACHE_OK);
	cr_expect_eq(ct_store(c, CACHE_STORE_PREPEND, "k", "start_", 2, 0),
	    CACHE_OK);
	rq = ct_req(CACHE_OP_GET, 0, CACHE_OPT_WANT_VALUE);
	rp = ct_run(c, &rq, "k", NULL, buf, sizeof(buf));
	cr_expect_str_eq(buf, "start_mid_end");
	cr_expect_eq(rp.rp_flags, 7, "append keeps flags");
	cr_expect_eq(rp.rp_ttl, 100, "append keeps exptime");
	cr_expect_eq(ct_store(c, CACHE_STORE_REPLACE, "k", "r", 0, 0), CACHE_OK);
	cr_expect_eq(ct_get(c, "k", buf, sizeof(buf)), CACHE_OK);
	cr_expect_str_eq(buf, "r");

	/* ms MA with N: append vivifies on a miss. */
	rq = ct_req(CACHE_OP_STORE, CACHE_STORE_APPEND, CACHE_OPT_VIVIFY);
	rq.cr_nvalue = 4;
	rq.cr_vivify_exptime = T0 + 30;
	rp = ct_run(c, &rq, "viv", "seed", NULL, 0);
	cr_expect_eq(rp.rp_status, CACHE_OK);
	rq = ct_req(CACHE_OP_GET, 0, CACHE_OPT_WANT_VALUE);
	rp = ct_run(c, &rq, "viv", NULL, buf, sizeof(buf));
	cr_expect_str_eq(buf, "seed");
	cr_expect_eq(rp.rp_ttl, 30);
	cache_free(c);
}

Test(cache_ops, cas)
{
	struct cache_conf	 cf = ct_conf_default();
	struct cache		*c = ct_mk(&cf);
	struct cache_req	 rq;
	struct cache_rep	 rp;
	uint64_t		 cas1, cas2;
	char			 buf[64];

	ct_set(c, "k", "one");
	rq = ct_req(CACHE_OP_GET, 0, 0);
	cas1 = ct_run(c, &rq, "k", NULL, NULL, 0).rp_cas;
	ct_set(c, "k", "two");
	cas2 = ct_run(c, &rq, "k", NULL, NULL, 0).rp_cas;
	cr_expect_neq(cas1, cas2);

	rq = ct_req(CACHE_OP_STORE, CACHE_STORE_SET, CACHE_OPT_CAS);
	rq.cr_nvalue = 5;
	rq.cr_cas = cas1;
	cr_expect_eq(ct_run(c, &rq, "k", "three", NULL, 0).rp_status,
	    CACHE_EXISTS);
	rq.cr_cas = 0;
	cr_expect_eq(ct_run(c, &rq, "k", "three", NULL, 0).rp_status,
	    CACHE_EXISTS);
	rq.cr_cas = cas2;
	rp = ct_run(c, &rq, "k", "three", NULL, 0);
	cr_expect_eq(rp.rp_status, CACHE_OK);
	cr_expect_neq(rp.rp_cas, cas2);
	cr_expect_eq(ct_run(c, &rq, "nokey", "three", NULL, 0).rp_status,
	    CACHE_MISS);
	cr_expect_eq(ct_stat_get(c, CACHE_STATS_GENERAL, "cas_hits"), 1);
	cr_expect_eq(ct_stat_get(c, CACHE_STATS_GENERAL, "cas_badval"), 2);
	cr_expect_eq(ct_stat_get(c, CACHE_STATS_GENERAL, "cas_misses"), 1);

	/* E: the client picks the new cas. */
	rq = ct_req(CACHE_OP_STORE, CACHE_STORE_SET, CACHE_OPT_NEW_CAS);
	rq.cr_nvalue = 1;
	rq.cr_newcas = 12345;
	cr_expect_eq(ct_run(c, &rq, "k", "e", NULL, 0).rp_cas, 12345);

	/* I with an older cas: stored but stale. */
	rq = ct_req(CACHE_OP_STORE, CACHE_STORE_SET,
	    CACHE_OPT_CAS | CACHE_OPT_INVALIDATE);
	rq.cr_nvalue = 3;
	rq.cr_cas = 100;
	cr_expect_eq(ct_run(c, &rq, "k", "old", NULL, 0).rp_status, CACHE_OK);
	rq = ct_req(CACHE_OP_GET, 0, CACHE_OPT_WANT_VALUE);
	rp = ct_run(c, &rq, "k", NULL, buf, sizeof(buf));
	cr_expect_str_eq(buf, "old");
	cr_expect(rp.rp_info & CACHE_INFO_STALE);
	cr_expect(rp.rp_info & CACHE_INFO_WON);

	/* Append with a cas compare. */
	rq = ct_req(CACHE_OP_STORE, CACHE_STORE_APPEND, CACHE_OPT_CAS);
	rq.cr_nvalue = 1;
	rq.cr_cas = 1;
	cr_expect_eq(ct_run(c, &rq, "k", "x", NULL, 0).rp_status, CACHE_EXISTS);

	/* Every modification gets a new unique cas. */
	{
		uint64_t	 seen[50];
		int		 i, j;

		rq = ct_req(CACHE_OP_GET, 0, 0);
		for (i = 0; i < 50; i++) {
			ct_set(c, i % 2 ? "a" : "b", "v");
			seen[i] = ct_run(c, &rq, i % 2 ? "a" : "b", NULL, NULL,
			    0).rp_cas;
			for (j = 0; j < i; j++)
				cr_assert_neq(seen[i], seen[j]);
		}
	}
	cache_free(c);
}

Test(cache_ops, cas_disabled)
{
	struct cache_conf	 cf = ct_conf_default();
	struct cache		*c;
	struct cache_req	 rq;
	struct cache_rep	 rp;

	cf.cc_cas = 0;
	c = ct_mk(&cf);
	ct_set(c, "k", "v");
	rq = ct_req(CACHE_OP_GET, 0, 0);
	rp = ct_run(c, &rq, "k", NULL, NULL, 0);
	cr_expect_eq(rp.rp_cas, 0);
	cr_expect_eq(rp.rp_size, 36 + 1 + 1, "-C saves the 8 cas bytes");
	rq = ct_req(CACHE_OP_STORE, CACHE_STORE_SET, CACHE_OPT_CAS);
	rq.cr_nvalue = 1;
	rq.cr_cas = 0;
	cr_expect_eq(ct_run(c, &rq, "k", "w", NULL, 0).rp_status, CACHE_EXISTS);
	cache_free(c);
}

/*
 * Storage keeps -C's word whatever a (compromised) net child sends: no
 * cas value exists, so no cas store can match one, and no gets returns
 * one.
 */
Test(cache_ops, cas_disabled_refused_in_storage)
{
	struct cache_conf	 cf = ct_conf_default();
	struct cache		*c;
	struct cache_req	 rq;
	const uint64_t		 tries[] = { 1, 2, 1000, UINT64_MAX };
	char			 buf[64];
	size_t			 i;

	cf.cc_cas = 0;
	c = ct_mk(&cf);
	ct_set(c, "k", "v");
	for (i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
		rq = ct_req(CACHE_OP_STORE, CACHE_STORE_SET, CACHE_OPT_CAS);
		rq.cr_nvalue = 1;
		rq.cr_cas = tries[i];
		cr_expect_eq(ct_run(c, &rq, "k", "w", NULL, 0).rp_status,
		    CACHE_EXISTS, "cas %llu stored under -C",
		    (unsigned long long)tries[i]);
		rq.cr_mode = CACHE_STORE_REPLACE;
		cr_expect_eq(ct_run(c, &rq, "k", "w", NULL, 0).rp_status,
		    CACHE_EXISTS);
	}
	cr_expect_eq(ct_get(c, "k", buf, sizeof(buf)), CACHE_OK);
	cr_expect_str_eq(buf, "v");
	rq = ct_req(CACHE_OP_GET, 0, CACHE_OPT_CAS);
	rq.cr_cas = 0;
	cr_expect_eq(ct_run(c, &rq, "k", NULL, NULL, 0).rp_cas, 0);
	cache_free(c);
}

/*
 * -C: memcached can only compare seconds, so a store in the flush's own
 * second is flushed too (its flush-all.t asserts it); the next second's
 * stores are kept.  With cas the flush is exact (cache_memory tests).
 */
Test(cache_ops, flush_without_cas_covers_its_second)
{
	struct cache_conf	 cf = ct_conf_default();
	struct cache		*c;
	struct cache_req	 rq;
	char			 buf[64];

	cf.cc_cas = 0;
	c = ct_mk(&cf);
	ct_set(c, "a", "1");
	rq = ct_req(CACHE_OP_FLUSH, 0, 0);
	cr_expect_eq(ct_run(c, &rq, "", NULL, NULL, 0).rp_status, CACHE_OK);
	ct_set(c, "b", "2");
	cr_expect_eq(ct_get(c, "a", buf, sizeof(buf)), CACHE_MISS);
	cr_expect_eq(ct_get(c, "b", buf, sizeof(buf)), CACHE_MISS,
	    "stored in the flush's second");
	/* A second flush in that second changes nothing. */
	ct_run(c, &rq, "", NULL, NULL, 0);
	ct_set(c, "b", "2");
	cr_expect_eq(ct_get(c, "b", buf, sizeof(buf)), CACHE_MISS);

	cache_set_time(c, T0 + 1);
	ct_set(c, "c", "3");
	cr_expect_eq(ct_get(c, "c", buf, sizeof(buf)), CACHE_OK);
	cr_expect_eq(ct_get(c, "b", buf, sizeof(buf)), CACHE_MISS);

	/* A delayed flush: its second, from the tick that runs it. */
	rq.cr_exptime = T0 + 10;
	ct_run(c, &rq, "", NULL, NULL, 0);
	cache_set_time(c, T0 + 9);
	ct_set(c, "d", "4");
	cr_expect_eq(ct_get(c, "d", buf, sizeof(buf)), CACHE_OK);
	cache_set_time(c, T0 + 10);
	cr_expect_eq(ct_get(c, "c", buf, sizeof(buf)), CACHE_MISS);
	cr_expect_eq(ct_get(c, "d", buf, sizeof(buf)), CACHE_MISS);
	ct_set(c, "e", "5");
	cr_expect_eq(ct_get(c, "e", buf, sizeof(buf)), CACHE_MISS);
	cache_set_time(c, T0 + 11);
	ct_set(c, "f", "6");
	cr_expect_eq(ct_get(c, "f", buf, sizeof(buf)), CACHE_OK);
	cache_free(c);
}

/* A lookup that meets a dead item tells why (watch's item_get). */
Test(cache_ops, lookup_says_expired_or_flushed)
{
	struct cache_conf	 cf = ct_conf_default();
	struct cache		*c = ct_mk(&cf);
	struct cache_req	 rq;
	struct cache_rep	 rp;

	rq = ct_req(CACHE_OP_GET, 0, 0);
	rp = ct_run(c, &rq, "none", NULL, NULL, 0);
	cr_expect_eq(rp.rp_status, CACHE_MISS);
	cr_expect_eq(CACHE_INFO_GONE(rp.rp_info), CACHE_GONE_NONE);
	cr_expect_eq(ct_store(c, CACHE_STORE_SET, "old", "v", 0, T0 + 1),
	    CACHE_OK);
	rp = ct_run(c, &rq, "old", NULL, NULL, 0);
	cr_expect_eq(rp.rp_status, CACHE_OK);
	cr_expect_eq(CACHE_INFO_GONE(rp.rp_info), CACHE_GONE_NONE);
	cache_set_time(c, T0 + 1);
	rp = ct_run(c, &rq, "old", NULL, NULL, 0);
	cr_expect_eq(rp.rp_status, CACHE_MISS);
	cr_expect_eq(CACHE_INFO_GONE(rp.rp_info), CACHE_GONE_EXPIRED);
	/* Reclaimed by that lookup: a plain miss now. */
	rp = ct_run(c, &rq, "old", NULL, NULL, 0);
	cr_expect_eq(CACHE_INFO_GONE(rp.rp_info), CACHE_GONE_NONE);
	/* A store's lookup too, and its reply still says stored. */
	cr_expect_eq(ct_store(c, CACHE_STORE_SET, "s", "v", 0, T0 + 2),
	    CACHE_OK);
	cache_set_time(c, T0 + 2);
	rq = ct_req(CACHE_OP_STORE, CACHE_STORE_SET, 0);
	rq.cr_nvalue = 1;
	rp = ct_run(c, &rq, "s", "w", NULL, 0);
	cr_expect_eq(rp.rp_status, CACHE_OK);
	cr_expect_eq(CACHE_INFO_GONE(rp.rp_info), CACHE_GONE_EXPIRED);
	cr_expect_eq(rp.rp_info & CACHE_INFO_OLD, 0);
	rq = ct_req(CACHE_OP_FLUSH, 0, 0);
	ct_run(c, &rq, "", NULL, NULL, 0);
	rq = ct_req(CACHE_OP_GET, 0, 0);
	rp = ct_run(c, &rq, "s", NULL, NULL, 0);
	cr_expect_eq(rp.rp_status, CACHE_MISS);
	cr_expect_eq(CACHE_INFO_GONE(rp.rp_info), CACHE_GONE_FLUSHED);
	cache_free(c);
}

/* Net reads the reason as hostile input: out of range is refused. */
Test(cache_ops, reply_reason_checked_on_the_wire)
{
	struct cache_rep	 rp;
	struct ibuf		 buf;
	const void		*key, *val;
	uint8_t			 info[] = { 0, CACHE_INFO_GONE_MASK,
				    0x80 | CACHE_INFO_FETCHED };
	int			 want[] = { 0, -1, -1 };
	size_t			 i;

	for (i = 0; i < nitems(info); i++) {
		memset(&rp, 0, sizeof(rp));
		rp.rp_status = CACHE_MISS;
		rp.rp_info = info[i];
		ibuf_from_buffer(&buf, &rp, sizeof(rp));
		cr_expect_eq(wire_get_rep(&buf, 1024, &rp, &key, &val),
		    want[i], "rp_info %#x", info[i]);
	}
	for (i = CACHE_GONE_NONE; i < CACHE_GONE_MAX; i++) {
		memset(&rp, 0, sizeof(rp));
		rp.rp_status = CACHE_MISS;
		rp.rp_info = (uint8_t)(i << CACHE_INFO_GONE_SHIFT);
		ibuf_from_buffer(&buf, &rp, sizeof(rp));
		cr_expect_eq(wire_get_rep(&buf, 1024, &rp, &key, &val), 0);
	}
}

Test(cache_ops, delete)
{
	struct cache_conf	 cf = ct_conf_default();
	struct cache		*c = ct_mk(&cf);
	struct cache_req	 rq;
	struct cache_rep	 rp;
	uint64_t		 cas;
	char			 buf[64];

	rq = ct_req(CACHE_OP_DELETE, 0, 0);
	cr_expect_eq(ct_run(c, &rq, "k", NULL, NULL, 0).rp_status, CACHE_MISS);
	ct_set(c, "k", "v");
	cr_expect_eq(ct_run(c, &rq, "k", NULL, NULL, 0).rp_status, CACHE_OK);
	cr_expect_eq(ct_get(c, "k", buf, sizeof(buf)), CACHE_MISS);

	/* md C */
	ct_set(c, "k", "v");
	rq = ct_req(CACHE_OP_GET, 0, 0);
	cas = ct_run(c, &rq, "k", NULL, NULL, 0).rp_cas;
	rq = ct_req(CACHE_OP_DELETE, 0, CACHE_OPT_CAS);
	rq.cr_cas = cas + 1;
	cr_expect_eq(ct_run(c, &rq, "k", NULL, NULL, 0).rp_status, CACHE_EXISTS);
	rq.cr_cas = cas;
	cr_expect_eq(ct_run(c, &rq, "k", NULL, NULL, 0).rp_status, CACHE_OK);

	/* md I T: stale, new cas, new ttl; the next get wins once. */
	ct_set(c, "k", "v");
	rq = ct_req(CACHE_OP_DELETE, 0, CACHE_OPT_INVALIDATE | CACHE_OPT_SET_TTL);
	rq.cr_exptime = T0 + 30;
	rp = ct_run(c, &rq, "k", NULL, NULL, 0);
	cr_expect_eq(rp.rp_status, CACHE_OK);
	cr_expect_neq(rp.rp_cas, cas);
	rq = ct_req(CACHE_OP_GET, 0, CACHE_OPT_WANT_VALUE);
	rp = ct_run(c, &rq, "k", NULL, buf, sizeof(buf));
	cr_expect_eq(rp.rp_status, CACHE_OK);
	cr_expect_str_eq(buf, "v");
	cr_expect_eq(rp.rp_ttl, 30);
	cr_expect_eq(rp.rp_info & (CACHE_INFO_STALE | CACHE_INFO_WON |
	    CACHE_INFO_WIN_SENT), CACHE_INFO_STALE | CACHE_INFO_WON);
	rp = ct_run(c, &rq, "k", NULL, buf, sizeof(buf));
	cr_expect_eq(rp.rp_info & (CACHE_INFO_STALE | CACHE_INFO_WON |
	    CACHE_INFO_WIN_SENT), CACHE_INFO_STALE | CACHE_INFO_WIN_SENT);

	/* md x: the item stays, empty. */
	ct_store(c, CACHE_STORE_SET, "x", "value", 9, 0);
	rq = ct_req(CACHE_OP_DELETE, 0, CACHE_OPT_DROP_VALUE);
	cr_expect_eq(ct_run(c, &rq, "x", NULL, NULL, 0).rp_status, CACHE_OK);
	rq = ct_req(CACHE_OP_GET, 0, CACHE_OPT_WANT_VALUE);
	rp = ct_run(c, &rq, "x", NULL, buf, sizeof(buf));
	cr_expect_eq(rp.rp_status, CACHE_OK);
	cr_expect_eq(rp.rp_nvalue, 0);
	cr_expect_eq(rp.rp_flags, 9);
	cr_expect_eq(ct_stat_get(c, CACHE_STATS_GENERAL, "delete_hits"), 2);
	cr_expect_eq(ct_stat_get(c, CACHE_STATS_GENERAL, "delete_misses"), 2);
	cache_free(c);
}

static struct cache_rep
arith(struct cache *c, const char *key, int incr, uint64_t delta,
    char *buf, size_t bufsz)
{
	struct cache_req	 rq;

	rq = ct_req(CACHE_OP_ARITH, incr ? CACHE_ARITH_INCR : CACHE_ARITH_DECR,
	    CACHE_OPT_WANT_VALUE);
	rq.cr_delta = delta;
	return (ct_run(c, &rq, key, NULL, buf, bufsz));
}

Test(cache_ops, incr_decr)
{
	struct cache_conf	 cf = ct_conf_default();
	struct cache		*c = ct_mk(&cf);
	struct cache_rep	 rp;
	char			 buf[64];
	uint64_t		 cas;

	cr_expect_eq(arith(c, "n", 1, 1, buf, sizeof(buf)).rp_status,
	    CACHE_MISS);
	ct_set(c, "n", "18446744073709551615");
	rp = arith(c, "n", 1, 1, buf, sizeof(buf));
	cr_expect_eq(rp.rp_status, CACHE_OK);
	cr_expect_str_eq(buf, "0", "2^64-1 + 1 wraps to 0");
	cr_expect_eq(ct_get(c, "n", buf, sizeof(buf)), CACHE_OK);
	cr_expect_str_eq(buf, "0");
	ct_set(c, "n", "10");
	rp = arith(c, "n", 0, 11, buf, sizeof(buf));
	cr_expect_str_eq(buf, "0", "decr stops at 0");
	ct_set(c, "n", "100");
	arith(c, "n", 0, 1, buf, sizeof(buf));
	cr_expect_str_eq(buf, "99");
	cr_expect_eq(ct_get(c, "n", buf, sizeof(buf)), CACHE_OK);
	cr_expect_str_eq(buf, "99", "digits stored without padding");
	ct_set(c, "n", "9");
	arith(c, "n", 1, 18446744073709551606ULL, buf, sizeof(buf));
	cr_expect_str_eq(buf, "18446744073709551615", "grows to 20 digits");
	cr_expect_eq(ct_get(c, "n", buf, sizeof(buf)), CACHE_OK);
	cr_expect_str_eq(buf, "18446744073709551615");

	/* memcached's parse: spaces, +, -0, trailing space, limits. */
	ct_set(c, "n", " 12");
	cr_expect_str_eq((arith(c, "n", 1, 1, buf, sizeof(buf)), buf), "13");
	ct_set(c, "n", "12 junk");
	cr_expect_str_eq((arith(c, "n", 1, 1, buf, sizeof(buf)), buf), "13");
	ct_set(c, "n", "+5");
	cr_expect_str_eq((arith(c, "n", 1, 1, buf, sizeof(buf)), buf), "6");
	ct_set(c, "n", "-0");
	cr_expect_str_eq((arith(c, "n", 1, 1, buf, sizeof(buf)), buf), "1");
	ct_set(c, "n", "0000000000000000000001");
	cr_expect_str_eq((arith(c, "n", 1, 1, buf, sizeof(buf)), buf), "2");
	ct_set(c, "n", "18446744073709551616");
	cr_expect_eq(arith(c, "n", 1, 1, buf, sizeof(buf)).rp_status,
	    CACHE_NON_NUMERIC);
	ct_set(c, "n", "-1");
	cr_expect_eq(arith(c, "n", 1, 1, buf, sizeof(buf)).rp_status,
	    CACHE_NON_NUMERIC);
	ct_set(c, "n", "12ab");
	cr_expect_eq(arith(c, "n", 1, 1, buf, sizeof(buf)).rp_status,
	    CACHE_NON_NUMERIC);
	ct_set(c, "n", "");
	cr_expect_eq(arith(c, "n", 1, 1, buf, sizeof(buf)).rp_status,
	    CACHE_NON_NUMERIC);
	ct_set(c, "n", "   ");
	cr_expect_eq(arith(c, "n", 0, 1, buf, sizeof(buf)).rp_status,
	    CACHE_NON_NUMERIC);

	/* ma C, N/J, T */
	ct_set(c, "n", "5");
	{
		struct cache_req	 rq;

		rq = ct_req(CACHE_OP_GET, 0, 0);
		cas = ct_run(c, &rq, "n", NULL, NULL, 0).rp_cas;
		rq = ct_req(CACHE_OP_ARITH, CACHE_ARITH_INCR,
		    CACHE_OPT_CAS | CACHE_OPT_WANT_VALUE | CACHE_OPT_SET_TTL);
		rq.cr_delta = 2;
		rq.cr_cas = cas + 7;
		rq.cr_exptime = T0 + 50;
		cr_expect_eq(ct_run(c, &rq, "n", NULL, buf, sizeof(buf)).
		    rp_status, CACHE_EXISTS);
		rq.cr_cas = cas;
		rp = ct_run(c, &rq, "n", NULL, buf, sizeof(buf));
		cr_expect_eq(rp.rp_status, CACHE_OK);
		cr_expect_str_eq(buf, "7");
		cr_expect_eq(rp.rp_ttl, 50);
		cr_expect_neq(rp.rp_cas, cas);

		rq = ct_req(CACHE_OP_ARITH, CACHE_ARITH_INCR,
		    CACHE_OPT_VIVIFY | CACHE_OPT_WANT_VALUE);
		rq.cr_initial = 42;
		rq.cr_delta = 1;
		rq.cr_vivify_exptime = T0 + 9;
		rp = ct_run(c, &rq, "fresh", NULL, buf, sizeof(buf));
		cr_expect_eq(rp.rp_status, CACHE_OK);
		cr_expect_str_eq(buf, "42");
		cr_expect_eq(rp.rp_ttl, 9);
		rp = ct_run(c, &rq, "fresh", NULL, buf, sizeof(buf));
		cr_expect_str_eq(buf, "43");
	}
	cr_expect_eq(ct_stat_get(c, CACHE_STATS_GENERAL, "incr_misses"), 1);
	cache_free(c);
}

Test(cache_ops, touch_and_gat)
{
	struct cache_conf	 cf = ct_conf_default();
	struct cache		*c = ct_mk(&cf);
	struct cache_req	 rq;
	struct cache_rep	 rp;
	char			 buf[64];

	rq = ct_req(CACHE_OP_TOUCH, 0, 0);
	rq.cr_exptime = T0 + 10;
	cr_expect_eq(ct_run(c, &rq, "k", NULL, NULL, 0).rp_status, CACHE_MISS);
	ct_set(c, "k", "v");
	cr_expect_eq(ct_run(c, &rq, "k", NULL, NULL, 0).rp_status, CACHE_OK);
	cache_set_time(c, T0 + 10);
	cr_expect_eq(ct_get(c, "k", buf, sizeof(buf)), CACHE_MISS);

	ct_set(c, "k", "v");
	rq = ct_req(CACHE_OP_GET, 0, CACHE_OPT_TOUCH | CACHE_OPT_WANT_VALUE);
	rq.cr_exptime = T0 + 20;
	rp = ct_run(c, &rq, "k", NULL, buf, sizeof(buf));
	cr_expect_eq(rp.rp_status, CACHE_OK);
	cr_expect_str_eq(buf, "v");
	cr_expect_eq(rp.rp_ttl, 10);
	cr_expect_eq(ct_stat_get(c, CACHE_STATS_GENERAL, "cmd_touch"), 3);
	cr_expect_eq(ct_stat_get(c, CACHE_STATS_GENERAL, "touch_hits"), 2);
	cr_expect_eq(ct_stat_get(c, CACHE_STATS_GENERAL, "touch_misses"), 1);
	cache_free(c);
}

Test(cache_ops, vivify_and_recache)
{
	struct cache_conf	 cf = ct_conf_default();
	struct cache		*c = ct_mk(&cf);
	struct cache_req	 rq;
	struct cache_rep	 rp;
	char			 buf[64];

	rq = ct_req(CACHE_OP_GET, 0, CACHE_OPT_VIVIFY | CACHE_OPT_WANT_VALUE);
	rq.cr_vivify_exptime = T0 + 30;
	rp = ct_run(c, &rq, "v", NULL, buf, sizeof(buf));
	cr_expect_eq(rp.rp_status, CACHE_OK);
	cr_expect_eq(rp.rp_info, CACHE_INFO_WON);
	cr_expect_eq(rp.rp_nvalue, 0);
	cr_expect_eq(rp.rp_ttl, 30);
	rp = ct_run(c, &rq, "v", NULL, buf, sizeof(buf));
	cr_expect_eq(rp.rp_info & (CACHE_INFO_WON | CACHE_INFO_WIN_SENT),
	    CACHE_INFO_WIN_SENT);

	ct_store(c, CACHE_STORE_SET, "r", "v", 0, T0 + 100);
	rq = ct_req(CACHE_OP_GET, 0, CACHE_OPT_RECACHE);
	rq.cr_recache_ttl = 30;
	rp = ct_run(c, &rq, "r", NULL, NULL, 0);
	cr_expect_eq(rp.rp_info & CACHE_INFO_WON, 0, "ttl 100 >= 30");
	cache_set_time(c, T0 + 80);
	rp = ct_run(c, &rq, "r", NULL, NULL, 0);
	cr_expect(rp.rp_info & CACHE_INFO_WON, "ttl 20 < 30");
	rp = ct_run(c, &rq, "r", NULL, NULL, 0);
	cr_expect_eq(rp.rp_info & (CACHE_INFO_WON | CACHE_INFO_WIN_SENT),
	    CACHE_INFO_WIN_SENT);
	/* A new store clears the win. */
	ct_store(c, CACHE_STORE_SET, "r", "v", 0, T0 + 90);
	rp = ct_run(c, &rq, "r", NULL, NULL, 0);
	cr_expect(rp.rp_info & CACHE_INFO_WON);

	/* mg C: no value when the cas matches. */
	ct_set(c, "m", "val");
	rq = ct_req(CACHE_OP_GET, 0, CACHE_OPT_WANT_VALUE);
	rp = ct_run(c, &rq, "m", NULL, buf, sizeof(buf));
	rq = ct_req(CACHE_OP_GET, 0, CACHE_OPT_WANT_VALUE | CACHE_OPT_CAS);
	rq.cr_cas = rp.rp_cas;
	cr_expect_eq(ct_run(c, &rq, "m", NULL, buf, sizeof(buf)).rp_nvalue, 0);
	rq.cr_cas = rp.rp_cas + 1;
	cr_expect_eq(ct_run(c, &rq, "m", NULL, buf, sizeof(buf)).rp_nvalue, 3);
	cache_free(c);
}

Test(cache_ops, too_large)
{
	struct cache_conf	 cf = ct_conf_default();
	struct cache		*c = ct_mk(&cf);
	struct cache_req	 rq;
	char			*big;
	char			 buf[8];

	big = calloc(1, 1024 * 1024);
	cr_assert_not_null(big);
	ct_set(c, "k", "v");
	rq = ct_req(CACHE_OP_STORE, CACHE_STORE_SET, 0);
	rq.cr_nvalue = 1024 * 1024;
	cr_expect_eq(ct_run(c, &rq, "k", big, NULL, 0).rp_status,
	    CACHE_TOO_LARGE);
	cr_expect_eq(ct_get(c, "k", buf, sizeof(buf)), CACHE_MISS,
	    "a failed set drops the old value");
	rq.cr_nvalue = 1024 * 1024 - 100;
	cr_expect_eq(ct_run(c, &rq, "k", big, NULL, 0).rp_status, CACHE_OK);
	cr_expect_eq(ct_stat_get(c, CACHE_STATS_GENERAL, "store_too_large"), 1);
	free(big);
	cache_free(c);
}

/* A store net refused for its size: the old value goes, counted. */
Test(cache_ops, refused_store_unlinks)
{
	struct cache_conf	 cf = ct_conf_default();
	struct cache		*c = ct_mk(&cf);
	struct cache_req	 rq;
	char			 buf[8];

	ct_set(c, "k", "v");
	rq = ct_req(CACHE_OP_DELETE, 0, CACHE_OPT_TOO_LARGE);
	cr_expect_eq(ct_run(c, &rq, "k", NULL, NULL, 0).rp_status,
	    CACHE_TOO_LARGE);
	cr_expect_eq(ct_get(c, "k", buf, sizeof(buf)), CACHE_MISS);
	rq = ct_req(CACHE_OP_DELETE, 0, CACHE_OPT_TOO_LARGE);
	cr_expect_eq(ct_run(c, &rq, "none", NULL, NULL, 0).rp_status,
	    CACHE_TOO_LARGE, "answered too large with or without a value");
	cr_expect_eq(ct_stat_get(c, CACHE_STATS_GENERAL, "store_too_large"), 2);
	cr_expect_eq(ct_stat_get(c, CACHE_STATS_GENERAL, "delete_misses"), 0);
	cache_free(c);
}

/*
 * The batch prefetch (storage.c) runs all three stages on every key and
 * op before and while a batch runs: hits at the head of a chain and
 * further down, misses, a chunked item, every op.  It must leave the
 * cache exactly as it was: items, values, counters.
 */
Test(cache_ops, prefetch_changes_nothing)
{
	struct cache_conf	 cf = ct_conf_default();
	struct cache		*c = ct_mk(&cf);
	static const uint8_t	 ops[] = { CACHE_OP_GET, CACHE_OP_STORE,
				    CACHE_OP_DELETE, CACHE_OP_ARITH,
				    CACHE_OP_TOUCH, CACHE_OP_NOOP, 0, 200 };
	struct cache_req	 rq;
	struct cache_rep	 rp;
	const struct item	*it;
	static char		 big[700000];	/* chunked */
	char			 key[32], val[32], out[64];
	const char		*names[] = { "curr_items", "get_hits",
				    "get_misses", "cmd_set", "delete_hits",
				    "evictions" };
	long long		 before[6];
	uint64_t		 hv;
	size_t			 i, k, o;

	memset(big, 'b', sizeof(big));
	rq = ct_req(CACHE_OP_STORE, CACHE_STORE_SET, 0);
	rq.cr_nkey = 3;
	rq.cr_nvalue = sizeof(big);
	cache_exec(c, &rq, "big", big, &rp, &it);
	cr_assert_eq(rp.rp_status, CACHE_OK);
	/* Enough keys that some buckets chain. */
	for (k = 0; k < 100000; k++) {
		snprintf(key, sizeof(key), "key:%zu", k);
		snprintf(val, sizeof(val), "%zu", k);
		cr_assert_eq(ct_set(c, key, val), CACHE_OK);
	}
	for (i = 0; i < 6; i++)
		before[i] = ct_stat_get(c, CACHE_STATS_GENERAL, names[i]);
	for (k = 0; k < 100010; k += 7) {
		if (k == 100003)
			snprintf(key, sizeof(key), "big");
		else
			snprintf(key, sizeof(key), "key:%zu", k);
		for (o = 0; o < sizeof(ops); o++) {
			hv = cache_prefetch_bucket(c, key, strlen(key));
			cache_prefetch_item(c, hv);
			cache_prefetch_deep(c, hv, key, strlen(key), ops[o]);
		}
	}
	for (i = 0; i < 6; i++)
		cr_expect_eq(ct_stat_get(c, CACHE_STATS_GENERAL, names[i]),
		    before[i], "%s", names[i]);
	for (k = 0; k < 100000; k += 1009) {
		snprintf(key, sizeof(key), "key:%zu", k);
		snprintf(val, sizeof(val), "%zu", k);
		cr_assert_eq(ct_get(c, key, out, sizeof(out)), CACHE_OK);
		cr_expect_str_eq(out, val);
	}
	rq = ct_req(CACHE_OP_GET, 0, CACHE_OPT_WANT_VALUE);
	rq.cr_nkey = 3;
	cache_exec(c, &rq, "big", NULL, &rp, &it);
	cr_expect_eq(rp.rp_status, CACHE_OK);
	cr_expect_eq(rp.rp_nvalue, sizeof(big));
	cache_free(c);
}
