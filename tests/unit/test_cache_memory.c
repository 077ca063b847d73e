/*
 * Cache engine memory behaviour: expiry (lazy and by cache_maintain),
 * flush_all now and later, LRU eviction and -M, chunked large items,
 * incremental hash growth, items held at -m 64, statistics names.
 */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "cache_test.h"

Test(cache_memory, expiry_lazy)
{
	struct cache_conf	 cf = ct_conf_default();
	struct cache		*c = ct_mk(&cf);
	char			 buf[64];

	cr_expect_eq(ct_store(c, CACHE_STORE_SET, "a", "1", 0, T0 + 10),
	    CACHE_OK);
	cr_expect_eq(ct_store(c, CACHE_STORE_SET, "neg", "1", 0, -1), CACHE_OK);
	cr_expect_eq(ct_store(c, CACHE_STORE_SET, "past", "1", 0, T0 - 5),
	    CACHE_OK);
	cr_expect_eq(ct_store(c, CACHE_STORE_SET, "never", "1", 0, 0), CACHE_OK);
	cr_expect_eq(ct_get(c, "neg", buf, sizeof(buf)), CACHE_MISS);
	cr_expect_eq(ct_get(c, "past", buf, sizeof(buf)), CACHE_MISS);
	cache_set_time(c, T0 + 9);
	cr_expect_eq(ct_get(c, "a", buf, sizeof(buf)), CACHE_OK);
	cache_set_time(c, T0 + 10);
	cr_expect_eq(ct_get(c, "a", buf, sizeof(buf)), CACHE_MISS);
	cache_set_time(c, T0 + 100000000);
	cr_expect_eq(ct_get(c, "never", buf, sizeof(buf)), CACHE_OK);
	cr_expect_eq(ct_stat_get(c, CACHE_STATS_GENERAL, "get_expired"), 3);
	cr_expect_eq(ct_stat_get(c, CACHE_STATS_GENERAL, "curr_items"), 1);
	cache_free(c);
}

Test(cache_memory, expiry_maintain)
{
	struct cache_conf	 cf = ct_conf_default();
	struct cache		*c = ct_mk(&cf);
	char			 key[32];
	int			 i, n;

	for (i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		ct_store(c, CACHE_STORE_SET, key, "v", 0,
		    i % 2 ? T0 + 10 : T0 + 1000);
	}
	cr_expect_eq(cache_maintain(c, 1000), 0, "nothing due yet");
	cache_set_time(c, T0 + 20);
	for (n = 0; n < 10000 && cache_maintain(c, 100); n++)
		;
	cr_expect_eq(ct_stat_get(c, CACHE_STATS_GENERAL, "curr_items"), 500);
	cr_expect_eq(ct_stat_get(c, CACHE_STATS_GENERAL, "crawler_reclaimed"),
	    500);
	cr_expect_eq(ct_stat_get(c, CACHE_STATS_GENERAL, "expired_unfetched"),
	    500);
	cr_expect_eq(cache_maintain(c, 100), 0, "idle until T0 + 1000");
	cache_set_time(c, T0 + 1000);
	for (n = 0; n < 10000 && cache_maintain(c, 100); n++)
		;
	cr_expect_eq(ct_stat_get(c, CACHE_STATS_GENERAL, "curr_items"), 0);
	cr_expect_eq(ct_stat_get(c, CACHE_STATS_GENERAL, "bytes"), 0);
	cache_free(c);
}

Test(cache_memory, flush_now_same_second)
{
	struct cache_conf	 cf = ct_conf_default();
	struct cache		*c = ct_mk(&cf);
	struct cache_req	 rq;
	char			 buf[64];
	int			 n;

	ct_set(c, "a", "1");
	ct_set(c, "b", "2");
	rq = ct_req(CACHE_OP_FLUSH, 0, 0);
	cr_expect_eq(ct_run(c, &rq, "", NULL, NULL, 0).rp_status, CACHE_OK);
	/* Same second: stored after the flush, so valid. */
	ct_set(c, "c", "3");
	cr_expect_eq(ct_get(c, "a", buf, sizeof(buf)), CACHE_MISS);
	cr_expect_eq(ct_get(c, "c", buf, sizeof(buf)), CACHE_OK);
	/* A second flush in the same second gets c too. */
	ct_run(c, &rq, "", NULL, NULL, 0);
	cr_expect_eq(ct_get(c, "c", buf, sizeof(buf)), CACHE_MISS);
	cr_expect_eq(ct_stat_get(c, CACHE_STATS_GENERAL, "get_flushed"), 2);
	/* b is reclaimed by the crawler without a read. */
	for (n = 0; n < 100 && cache_maintain(c, 1000); n++)
		;
	cr_expect_eq(ct_stat_get(c, CACHE_STATS_GENERAL, "curr_items"), 0);
	cr_expect_eq(ct_stat_get(c, CACHE_STATS_GENERAL, "cmd_flush"), 2);
	ct_set(c, "d", "4");
	cr_expect_eq(ct_get(c, "d", buf, sizeof(buf)), CACHE_OK);
	cache_free(c);
}

Test(cache_memory, flush_later)
{
	struct cache_conf	 cf = ct_conf_default();
	struct cache		*c = ct_mk(&cf);
	struct cache_req	 rq;
	char			 buf[64];

	ct_set(c, "a", "1");
	rq = ct_req(CACHE_OP_FLUSH, 0, 0);
	rq.cr_exptime = T0 + 10;
	ct_run(c, &rq, "", NULL, NULL, 0);
	cache_set_time(c, T0 + 5);
	ct_set(c, "b", "2");
	cr_expect_eq(ct_get(c, "a", buf, sizeof(buf)), CACHE_OK);
	cache_set_time(c, T0 + 10);
	cr_expect_eq(ct_get(c, "a", buf, sizeof(buf)), CACHE_MISS);
	cr_expect_eq(ct_get(c, "b", buf, sizeof(buf)), CACHE_MISS,
	    "stored before the flush time");
	ct_set(c, "c", "3");
	cache_set_time(c, T0 + 11);
	cr_expect_eq(ct_get(c, "c", buf, sizeof(buf)), CACHE_OK);
	cache_free(c);
}

Test(cache_memory, lru_eviction_order)
{
	struct cache_conf	 cf = ct_conf_default();
	struct cache		*c;
	char			 key[32], val[101], buf[128];
	int			 i, n;

	cf.cc_maxbytes = 1024 * 1024;	/* one page */
	c = ct_mk(&cf);
	memset(val, 'v', 100);
	val[100] = '\0';
	for (n = 0; ; n++) {
		snprintf(key, sizeof(key), "key:%06d", n);
		cr_assert_eq(ct_set(c, key, val), CACHE_OK);
		if (ct_stat_get(c, CACHE_STATS_GENERAL, "evictions") > 0)
			break;
		if (n == 1) {
			/* key 0 is read: it gets a second chance. */
			cr_assert_eq(ct_get(c, "key:000000", buf, sizeof(buf)),
			    CACHE_OK);
		}
	}
	cr_expect_eq(n, 1048576 / 184, "one page of 184-byte chunks");
	cr_expect_eq(ct_get(c, "key:000000", buf, sizeof(buf)), CACHE_OK,
	    "recently read item survived");
	cr_expect_eq(ct_get(c, "key:000001", buf, sizeof(buf)), CACHE_MISS,
	    "least recently used went first");
	for (i = 0; i < 10; i++) {
		snprintf(key, sizeof(key), "new:%d", i);
		ct_set(c, key, val);
	}
	for (i = 2; i <= 12; i++) {
		snprintf(key, sizeof(key), "key:%06d", i);
		cr_expect_eq(ct_get(c, key, buf, sizeof(buf)),
		    i < 12 ? CACHE_MISS : CACHE_OK, "%s", key);
	}
	cr_expect_eq(ct_stat_get(c, CACHE_STATS_ITEMS, "items:4:evicted"), 11);
	cache_free(c);
}

Test(cache_memory, no_evict)
{
	struct cache_conf	 cf = ct_conf_default();
	struct cache		*c;
	char			 key[32], val[101], buf[128];
	int			 n, st;

	cf.cc_maxbytes = 1024 * 1024;
	cf.cc_evict = 0;
	c = ct_mk(&cf);
	memset(val, 'v', 100);
	val[100] = '\0';
	for (n = 0; n < 100000; n++) {
		snprintf(key, sizeof(key), "key:%06d", n);
		if ((st = ct_set(c, key, val)) != CACHE_OK)
			break;
	}
	cr_expect_eq(st, CACHE_NO_MEMORY);
	cr_expect_eq(n, 1048576 / 184);
	cr_expect_eq(ct_get(c, "key:000000", buf, sizeof(buf)), CACHE_OK);
	cr_expect_eq(ct_stat_get(c, CACHE_STATS_GENERAL, "evictions"), 0);
	cr_expect_eq(ct_stat_get(c, CACHE_STATS_GENERAL, "store_no_memory"), 1);
	/* Expired items still give their memory back. */
	ct_store(c, CACHE_STORE_SET, "key:000000", val, 0, T0 + 1);
	cache_set_time(c, T0 + 2);
	cr_expect_eq(ct_set(c, "another", val), CACHE_OK);
	cache_free(c);
}

static void
fill_pattern(char *p, size_t n, unsigned int seed)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		p[i] = (char)((i * 31 + seed) & 0xff);
}

Test(cache_memory, large_items)
{
	struct cache_conf	 cf = ct_conf_default();
	struct cache		*c;
	struct cache_req	 rq;
	struct cache_rep	 rp;
	const struct item	*it;
	static const size_t	 sizes[] = { 900 * 1024, 5 * 1024 * 1024,
	    524288 - 60, 524288 + 1, 1048576 * 3 + 7 };
	char			*in, *out;
	size_t			 i;

	cf.cc_item_size_max = 8 * 1024 * 1024;
	c = ct_mk(&cf);
	in = malloc(8 * 1024 * 1024);
	out = malloc(16 * 1024 * 1024);
	cr_assert(in != NULL && out != NULL);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		fill_pattern(in, sizes[i], (unsigned int)i);
		rq = ct_req(CACHE_OP_STORE, CACHE_STORE_SET, 0);
		rq.cr_nvalue = (uint32_t)sizes[i];
		rq.cr_nkey = 3;
		cache_exec(c, &rq, "big", in, &rp, &it);
		cr_assert_eq(rp.rp_status, CACHE_OK, "size %zu", sizes[i]);
		rq = ct_req(CACHE_OP_GET, 0, CACHE_OPT_WANT_VALUE);
		rq.cr_nkey = 3;
		cache_exec(c, &rq, "big", NULL, &rp, &it);
		cr_assert_eq(rp.rp_status, CACHE_OK);
		cr_assert_eq(rp.rp_nvalue, sizes[i]);
		item_value_copy(it, out);
		cr_assert(memcmp(in, out, sizes[i]) == 0, "size %zu",
		    sizes[i]);
	}
	/* Append across chunks. */
	rq = ct_req(CACHE_OP_STORE, CACHE_STORE_APPEND, 0);
	rq.cr_nvalue = 1000;
	rq.cr_nkey = 3;
	fill_pattern(in + sizes[4], 1000, 99);
	cache_exec(c, &rq, "big", in + sizes[4], &rp, &it);
	cr_assert_eq(rp.rp_status, CACHE_OK);
	rq = ct_req(CACHE_OP_GET, 0, CACHE_OPT_WANT_VALUE);
	rq.cr_nkey = 3;
	cache_exec(c, &rq, "big", NULL, &rp, &it);
	cr_assert_eq(rp.rp_nvalue, sizes[4] + 1000);
	item_value_copy(it, out);
	cr_assert(memcmp(in, out, sizes[4] + 1000) == 0);
	/* incr on a chunked item is non-numeric, as in memcached. */
	rq = ct_req(CACHE_OP_ARITH, CACHE_ARITH_INCR, 0);
	rq.cr_nkey = 3;
	cache_exec(c, &rq, "big", NULL, &rp, &it);
	cr_expect_eq(rp.rp_status, CACHE_NON_NUMERIC);
	/* Too large for -I 8m. */
	rq = ct_req(CACHE_OP_STORE, CACHE_STORE_SET, 0);
	rq.cr_nvalue = 8 * 1024 * 1024;
	rq.cr_nkey = 3;
	cache_exec(c, &rq, "big", in, &rp, &it);
	cr_expect_eq(rp.rp_status, CACHE_TOO_LARGE);

	/* Many large items in 64 MB: old ones are evicted, memory holds. */
	for (i = 0; i < 40; i++) {
		char	 key[16];

		snprintf(key, sizeof(key), "b%zu", i);
		fill_pattern(in, 5 * 1024 * 1024, (unsigned int)i);
		rq = ct_req(CACHE_OP_STORE, CACHE_STORE_SET, 0);
		rq.cr_nvalue = 5 * 1024 * 1024;
		rq.cr_nkey = (uint32_t)strlen(key);
		cache_exec(c, &rq, key, in, &rp, &it);
		cr_assert_eq(rp.rp_status, CACHE_OK, "b%zu", i);
	}
	rq = ct_req(CACHE_OP_GET, 0, CACHE_OPT_WANT_VALUE);
	rq.cr_nkey = 3;
	cache_exec(c, &rq, "b39", NULL, &rp, &it);
	cr_assert_eq(rp.rp_status, CACHE_OK);
	item_value_copy(it, out);
	cr_assert(memcmp(in, out, 5 * 1024 * 1024) == 0);
	cr_expect(ct_stat_get(c, CACHE_STATS_SLABS, "total_malloced") <=
	    64 * 1024 * 1024);
	free(in);
	free(out);
	cache_free(c);
}

Test(cache_memory, mixed_sizes_share_memory)
{
	struct cache_conf	 cf = ct_conf_default();
	struct cache		*c;
	static char		 buf[1024 * 1024];
	char			 key[32], small[101];
	char			*big;
	struct cache_req	 rq;
	int			 i;

	cf.cc_maxbytes = 4 * 1024 * 1024;
	c = ct_mk(&cf);
	memset(small, 's', 100);
	small[100] = '\0';
	for (i = 0; i < 40000; i++) {
		snprintf(key, sizeof(key), "s%d", i);
		cr_assert_eq(ct_set(c, key, small), CACHE_OK);
	}
	/* Every page is small chunks; a large item must still fit. */
	big = calloc(1, 700 * 1024);
	cr_assert_not_null(big);
	rq = ct_req(CACHE_OP_STORE, CACHE_STORE_SET, 0);
	rq.cr_nvalue = 700 * 1024;
	cr_expect_eq(ct_run(c, &rq, "big", big, NULL, 0).rp_status, CACHE_OK);
	cr_expect_gt(ct_stat_get(c, CACHE_STATS_GENERAL, "slabs_moved"), 0);
	cr_expect_eq(ct_get(c, "big", buf, sizeof(buf)), CACHE_OK);
	cr_expect_gt(ct_stat_get(c, CACHE_STATS_GENERAL, "curr_items"), 10000);
	cr_expect_leq(ct_stat_get(c, CACHE_STATS_SLABS, "total_malloced"),
	    4 * 1024 * 1024);
	free(big);
	cache_free(c);
}

Test(cache_memory, hash_growth)
{
	struct cache_conf	 cf = ct_conf_default();
	struct cache		*c;
	char			 key[32], val[32], buf[64];
	int			 i, j, grew = 0;

	cf.cc_hashpower = 10;
	c = ct_mk(&cf);
	for (i = 0; i < 20000; i++) {
		snprintf(key, sizeof(key), "key%d", i);
		snprintf(val, sizeof(val), "val%d", i);
		cr_assert_eq(ct_set(c, key, val), CACHE_OK);
		if (ct_stat_get(c, CACHE_STATS_GENERAL, "hash_is_expanding") == 1)
			grew = 1;
		/* Read some back while buckets move. */
		for (j = i; j >= 0 && j > i - 3; j--) {
			snprintf(key, sizeof(key), "key%d", j);
			snprintf(val, sizeof(val), "val%d", j);
			cr_assert_eq(ct_get(c, key, buf, sizeof(buf)), CACHE_OK,
			    "%s", key);
			cr_assert_str_eq(buf, val);
		}
	}
	cr_expect(grew);
	while (cache_maintain(c, 1000))
		;
	cr_expect_eq(ct_stat_get(c, CACHE_STATS_GENERAL, "hash_is_expanding"), 0);
	cr_expect_geq(ct_stat_get(c, CACHE_STATS_GENERAL, "hash_power_level"), 14);
	for (i = 0; i < 20000; i++) {
		snprintf(key, sizeof(key), "key%d", i);
		cr_assert_eq(ct_get(c, key, buf, sizeof(buf)), CACHE_OK);
	}
	cache_free(c);
}

/* memcached 1.6.18 -m 64 holds 349,504 of these (64 pages x 5461). */
Test(cache_memory, items_held_at_m64)
{
	struct cache_conf	 cf = ct_conf_default();
	struct cache		*c = ct_mk(&cf);
	char			 key[32], val[101];
	int			 n;

	memset(val, 'v', 100);
	val[100] = '\0';
	for (n = 0; ; n++) {
		snprintf(key, sizeof(key), "k%011d", n);	/* 12 bytes */
		cr_assert_eq(ct_set(c, key, val), CACHE_OK);
		if (ct_stat_get(c, CACHE_STATS_GENERAL, "evictions") > 0)
			break;
	}
	cr_log_info("items held at -m 64, 100-byte values, 12-byte keys: %d",
	    n);
	cr_expect_gt(n, 349504);
	cache_free(c);
}

Test(cache_memory, stats_names)
{
	struct cache_conf	 cf = ct_conf_default();
	struct cache		*c = ct_mk(&cf);
	static struct ct_statbuf	 sb;
	static const char	*general[] = { "cmd_get", "cmd_set",
	    "cmd_flush", "cmd_touch", "get_hits", "get_misses", "get_expired",
	    "get_flushed", "delete_misses", "delete_hits", "incr_misses",
	    "incr_hits", "decr_misses", "decr_hits", "cas_misses", "cas_hits",
	    "cas_badval", "touch_hits", "touch_misses", "store_too_large",
	    "store_no_memory", "limit_maxbytes", "hash_power_level",
	    "hash_bytes", "hash_is_expanding", "bytes", "curr_items",
	    "total_items", "expired_unfetched", "evicted_unfetched",
	    "evictions", "reclaimed", "crawler_reclaimed" };
	char			 buf[8];
	size_t			 i;

	ct_set(c, "foo", "bar");
	ct_get(c, "foo", buf, sizeof(buf));
	ct_get(c, "nope", buf, sizeof(buf));
	for (i = 0; i < sizeof(general) / sizeof(general[0]); i++)
		cr_expect_geq(ct_stat_get(c, CACHE_STATS_GENERAL, general[i]), 0,
		    "%s", general[i]);
	cr_expect_eq(ct_stat_get(c, CACHE_STATS_GENERAL, "limit_maxbytes"),
	    67108864);
	cr_expect_eq(ct_stat_get(c, CACHE_STATS_GENERAL, "hash_power_level"), 16);
	cr_expect_eq(ct_stat_get(c, CACHE_STATS_GENERAL, "hash_bytes"), 262144);
	cr_expect_eq(ct_stat_get(c, CACHE_STATS_GENERAL, "get_hits"), 1);
	cr_expect_eq(ct_stat_get(c, CACHE_STATS_GENERAL, "get_misses"), 1);
	cr_expect_eq(ct_stat_get(c, CACHE_STATS_GENERAL, "bytes"), 50);
	cr_expect_eq(ct_stat_get(c, CACHE_STATS_ITEMS, "items:1:number"), 1);
	cr_expect_eq(ct_stat_get(c, CACHE_STATS_ITEMS, "items:1:mem_requested"),
	    50);
	cr_expect_eq(ct_stat_get(c, CACHE_STATS_SLABS, "1:chunk_size"), 88);
	cr_expect_eq(ct_stat_get(c, CACHE_STATS_SLABS, "1:used_chunks"), 1);
	cr_expect_eq(ct_stat_get(c, CACHE_STATS_SLABS, "1:get_hits"), 1);
	cr_expect_eq(ct_stat_get(c, CACHE_STATS_SLABS, "active_slabs"), 1);
	cr_expect_eq(ct_stat_get(c, CACHE_STATS_SLABS, "total_malloced"),
	    1048576);
	sb.n = 0;
	cache_stats(c, CACHE_STATS_SIZES, ct_stat_cb, &sb);
	cr_expect_eq(sb.n, 1);
	cr_expect_str_eq(sb.names[0], "sizes_status");
	cr_expect_str_eq(sb.values[0], "disabled");
	sb.n = 0;
	cache_stats(c, CACHE_STATS_ITEMS, ct_stat_cb, &sb);
	cr_expect_eq(sb.n, 28, "memcached has 28 lines per class");
	cr_expect_str_eq(sb.names[27], "items:1:hits_to_temp");
	sb.n = 0;
	cache_stats(c, CACHE_STATS_SLABS, ct_stat_cb, &sb);
	cr_expect_eq(sb.n, 17);

	sb.n = 0;
	cache_stats(c, CACHE_STATS_RESET, ct_stat_cb, &sb);
	cr_expect_eq(sb.n, 0);
	cr_expect_eq(ct_stat_get(c, CACHE_STATS_GENERAL, "get_hits"), 0);
	cr_expect_eq(ct_stat_get(c, CACHE_STATS_GENERAL, "cmd_get"), 0);
	cr_expect_eq(ct_stat_get(c, CACHE_STATS_GENERAL, "curr_items"), 1);
	cache_free(c);
}
