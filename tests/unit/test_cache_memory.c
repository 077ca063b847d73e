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

Test(cache_memory, expiry_lazy)
{
	struct cache_conf	 cf = conf_default();
	struct cache		*c = mk(&cf);
	char			 buf[64];

	cr_expect_eq(store(c, CACHE_STORE_SET, "a", "1", 0, T0 + 10),
	    CACHE_OK);
	cr_expect_eq(store(c, CACHE_STORE_SET, "neg", "1", 0, -1), CACHE_OK);
	cr_expect_eq(store(c, CACHE_STORE_SET, "past", "1", 0, T0 - 5),
	    CACHE_OK);
	cr_expect_eq(store(c, CACHE_STORE_SET, "never", "1", 0, 0), CACHE_OK);
	cr_expect_eq(get(c, "neg", buf, sizeof(buf)), CACHE_MISS);
	cr_expect_eq(get(c, "past", buf, sizeof(buf)), CACHE_MISS);
	cache_set_time(c, T0 + 9);
	cr_expect_eq(get(c, "a", buf, sizeof(buf)), CACHE_OK);
	cache_set_time(c, T0 + 10);
	cr_expect_eq(get(c, "a", buf, sizeof(buf)), CACHE_MISS);
	cache_set_time(c, T0 + 100000000);
	cr_expect_eq(get(c, "never", buf, sizeof(buf)), CACHE_OK);
	cr_expect_eq(stat_get(c, CACHE_STATS_GENERAL, "get_expired"), 3);
	cr_expect_eq(stat_get(c, CACHE_STATS_GENERAL, "curr_items"), 1);
	cache_free(c);
}

Test(cache_memory, expiry_maintain)
{
	struct cache_conf	 cf = conf_default();
	struct cache		*c = mk(&cf);
	char			 key[32];
	int			 i, n;

	for (i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		store(c, CACHE_STORE_SET, key, "v", 0,
		    i % 2 ? T0 + 10 : T0 + 1000);
	}
	cr_expect_eq(cache_maintain(c, 1000), 0, "nothing due yet");
	cache_set_time(c, T0 + 20);
	for (n = 0; n < 10000 && cache_maintain(c, 100); n++)
		;
	cr_expect_eq(stat_get(c, CACHE_STATS_GENERAL, "curr_items"), 500);
	cr_expect_eq(stat_get(c, CACHE_STATS_GENERAL, "crawler_reclaimed"),
	    500);
	cr_expect_eq(stat_get(c, CACHE_STATS_GENERAL, "expired_unfetched"),
	    500);
	cr_expect_eq(cache_maintain(c, 100), 0, "idle until T0 + 1000");
	cache_set_time(c, T0 + 1000);
	for (n = 0; n < 10000 && cache_maintain(c, 100); n++)
		;
	cr_expect_eq(stat_get(c, CACHE_STATS_GENERAL, "curr_items"), 0);
	cr_expect_eq(stat_get(c, CACHE_STATS_GENERAL, "bytes"), 0);
	cache_free(c);
}

Test(cache_memory, flush_now_same_second)
{
	struct cache_conf	 cf = conf_default();
	struct cache		*c = mk(&cf);
	struct cache_req	 rq;
	char			 buf[64];
	int			 n;

	set(c, "a", "1");
	set(c, "b", "2");
	rq = req(CACHE_OP_FLUSH, 0, 0);
	cr_expect_eq(run(c, &rq, "", NULL, NULL, 0).rp_status, CACHE_OK);
	/* Same second: stored after the flush, so valid. */
	set(c, "c", "3");
	cr_expect_eq(get(c, "a", buf, sizeof(buf)), CACHE_MISS);
	cr_expect_eq(get(c, "c", buf, sizeof(buf)), CACHE_OK);
	/* A second flush in the same second gets c too. */
	run(c, &rq, "", NULL, NULL, 0);
	cr_expect_eq(get(c, "c", buf, sizeof(buf)), CACHE_MISS);
	cr_expect_eq(stat_get(c, CACHE_STATS_GENERAL, "get_flushed"), 2);
	/* b is reclaimed by the crawler without a read. */
	for (n = 0; n < 100 && cache_maintain(c, 1000); n++)
		;
	cr_expect_eq(stat_get(c, CACHE_STATS_GENERAL, "curr_items"), 0);
	cr_expect_eq(stat_get(c, CACHE_STATS_GENERAL, "cmd_flush"), 2);
	set(c, "d", "4");
	cr_expect_eq(get(c, "d", buf, sizeof(buf)), CACHE_OK);
	cache_free(c);
}

Test(cache_memory, flush_later)
{
	struct cache_conf	 cf = conf_default();
	struct cache		*c = mk(&cf);
	struct cache_req	 rq;
	char			 buf[64];

	set(c, "a", "1");
	rq = req(CACHE_OP_FLUSH, 0, 0);
	rq.cr_exptime = T0 + 10;
	run(c, &rq, "", NULL, NULL, 0);
	cache_set_time(c, T0 + 5);
	set(c, "b", "2");
	cr_expect_eq(get(c, "a", buf, sizeof(buf)), CACHE_OK);
	cache_set_time(c, T0 + 10);
	cr_expect_eq(get(c, "a", buf, sizeof(buf)), CACHE_MISS);
	cr_expect_eq(get(c, "b", buf, sizeof(buf)), CACHE_MISS,
	    "stored before the flush time");
	set(c, "c", "3");
	cache_set_time(c, T0 + 11);
	cr_expect_eq(get(c, "c", buf, sizeof(buf)), CACHE_OK);
	cache_free(c);
}

Test(cache_memory, lru_eviction_order)
{
	struct cache_conf	 cf = conf_default();
	struct cache		*c;
	char			 key[32], val[101], buf[128];
	int			 i, n;

	cf.cc_maxbytes = 1024 * 1024;	/* one page */
	c = mk(&cf);
	memset(val, 'v', 100);
	val[100] = '\0';
	for (n = 0; ; n++) {
		snprintf(key, sizeof(key), "key:%06d", n);
		cr_assert_eq(set(c, key, val), CACHE_OK);
		if (stat_get(c, CACHE_STATS_GENERAL, "evictions") > 0)
			break;
		if (n == 1) {
			/* key 0 is read: it gets a second chance. */
			cr_assert_eq(get(c, "key:000000", buf, sizeof(buf)),
			    CACHE_OK);
		}
	}
	cr_expect_eq(n, 1048576 / 176, "one page of 176-byte chunks");
	cr_expect_eq(get(c, "key:000000", buf, sizeof(buf)), CACHE_OK,
	    "recently read item survived");
	cr_expect_eq(get(c, "key:000001", buf, sizeof(buf)), CACHE_MISS,
	    "least recently used went first");
	for (i = 0; i < 10; i++) {
		snprintf(key, sizeof(key), "new:%d", i);
		set(c, key, val);
	}
	for (i = 2; i <= 12; i++) {
		snprintf(key, sizeof(key), "key:%06d", i);
		cr_expect_eq(get(c, key, buf, sizeof(buf)),
		    i < 12 ? CACHE_MISS : CACHE_OK, "%s", key);
	}
	cr_expect_eq(stat_get(c, CACHE_STATS_ITEMS, "items:4:evicted"), 11);
	cache_free(c);
}

Test(cache_memory, no_evict)
{
	struct cache_conf	 cf = conf_default();
	struct cache		*c;
	char			 key[32], val[101], buf[128];
	int			 n, st;

	cf.cc_maxbytes = 1024 * 1024;
	cf.cc_evict = 0;
	c = mk(&cf);
	memset(val, 'v', 100);
	val[100] = '\0';
	for (n = 0; n < 100000; n++) {
		snprintf(key, sizeof(key), "key:%06d", n);
		if ((st = set(c, key, val)) != CACHE_OK)
			break;
	}
	cr_expect_eq(st, CACHE_NO_MEMORY);
	cr_expect_eq(n, 1048576 / 176);
	cr_expect_eq(get(c, "key:000000", buf, sizeof(buf)), CACHE_OK);
	cr_expect_eq(stat_get(c, CACHE_STATS_GENERAL, "evictions"), 0);
	cr_expect_eq(stat_get(c, CACHE_STATS_GENERAL, "store_no_memory"), 1);
	/* Expired items still give their memory back. */
	store(c, CACHE_STORE_SET, "key:000000", val, 0, T0 + 1);
	cache_set_time(c, T0 + 2);
	cr_expect_eq(set(c, "another", val), CACHE_OK);
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
	struct cache_conf	 cf = conf_default();
	struct cache		*c;
	struct cache_req	 rq;
	struct cache_rep	 rp;
	const struct item	*it;
	static const size_t	 sizes[] = { 900 * 1024, 5 * 1024 * 1024,
	    524288 - 60, 524288 + 1, 1048576 * 3 + 7 };
	char			*in, *out;
	size_t			 i;

	cf.cc_item_size_max = 8 * 1024 * 1024;
	c = mk(&cf);
	in = malloc(8 * 1024 * 1024);
	out = malloc(16 * 1024 * 1024);
	cr_assert(in != NULL && out != NULL);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		fill_pattern(in, sizes[i], (unsigned int)i);
		rq = req(CACHE_OP_STORE, CACHE_STORE_SET, 0);
		rq.cr_nvalue = (uint32_t)sizes[i];
		rq.cr_nkey = 3;
		cache_exec(c, &rq, "big", in, &rp, &it);
		cr_assert_eq(rp.rp_status, CACHE_OK, "size %zu", sizes[i]);
		rq = req(CACHE_OP_GET, 0, CACHE_OPT_WANT_VALUE);
		rq.cr_nkey = 3;
		cache_exec(c, &rq, "big", NULL, &rp, &it);
		cr_assert_eq(rp.rp_status, CACHE_OK);
		cr_assert_eq(rp.rp_nvalue, sizes[i]);
		item_value_copy(it, out);
		cr_assert(memcmp(in, out, sizes[i]) == 0, "size %zu",
		    sizes[i]);
	}
	/* Append across chunks. */
	rq = req(CACHE_OP_STORE, CACHE_STORE_APPEND, 0);
	rq.cr_nvalue = 1000;
	rq.cr_nkey = 3;
	fill_pattern(in + sizes[4], 1000, 99);
	cache_exec(c, &rq, "big", in + sizes[4], &rp, &it);
	cr_assert_eq(rp.rp_status, CACHE_OK);
	rq = req(CACHE_OP_GET, 0, CACHE_OPT_WANT_VALUE);
	rq.cr_nkey = 3;
	cache_exec(c, &rq, "big", NULL, &rp, &it);
	cr_assert_eq(rp.rp_nvalue, sizes[4] + 1000);
	item_value_copy(it, out);
	cr_assert(memcmp(in, out, sizes[4] + 1000) == 0);
	/* incr on a chunked item is non-numeric, as in memcached. */
	rq = req(CACHE_OP_ARITH, CACHE_ARITH_INCR, 0);
	rq.cr_nkey = 3;
	cache_exec(c, &rq, "big", NULL, &rp, &it);
	cr_expect_eq(rp.rp_status, CACHE_NON_NUMERIC);
	/* Too large for -I 8m. */
	rq = req(CACHE_OP_STORE, CACHE_STORE_SET, 0);
	rq.cr_nvalue = 8 * 1024 * 1024;
	rq.cr_nkey = 3;
	cache_exec(c, &rq, "big", in, &rp, &it);
	cr_expect_eq(rp.rp_status, CACHE_TOO_LARGE);

	/* Many large items in 64 MB: old ones are evicted, memory holds. */
	for (i = 0; i < 40; i++) {
		char	 key[16];

		snprintf(key, sizeof(key), "b%zu", i);
		fill_pattern(in, 5 * 1024 * 1024, (unsigned int)i);
		rq = req(CACHE_OP_STORE, CACHE_STORE_SET, 0);
		rq.cr_nvalue = 5 * 1024 * 1024;
		rq.cr_nkey = (uint32_t)strlen(key);
		cache_exec(c, &rq, key, in, &rp, &it);
		cr_assert_eq(rp.rp_status, CACHE_OK, "b%zu", i);
	}
	rq = req(CACHE_OP_GET, 0, CACHE_OPT_WANT_VALUE);
	rq.cr_nkey = 3;
	cache_exec(c, &rq, "b39", NULL, &rp, &it);
	cr_assert_eq(rp.rp_status, CACHE_OK);
	item_value_copy(it, out);
	cr_assert(memcmp(in, out, 5 * 1024 * 1024) == 0);
	cr_expect(stat_get(c, CACHE_STATS_SLABS, "total_malloced") <=
	    64 * 1024 * 1024);
	free(in);
	free(out);
	cache_free(c);
}

Test(cache_memory, mixed_sizes_share_memory)
{
	struct cache_conf	 cf = conf_default();
	struct cache		*c;
	static char		 buf[1024 * 1024];
	char			 key[32], small[101];
	char			*big;
	struct cache_req	 rq;
	int			 i;

	cf.cc_maxbytes = 4 * 1024 * 1024;
	c = mk(&cf);
	memset(small, 's', 100);
	small[100] = '\0';
	for (i = 0; i < 40000; i++) {
		snprintf(key, sizeof(key), "s%d", i);
		cr_assert_eq(set(c, key, small), CACHE_OK);
	}
	/* Every page is small chunks; a large item must still fit. */
	big = calloc(1, 700 * 1024);
	cr_assert_not_null(big);
	rq = req(CACHE_OP_STORE, CACHE_STORE_SET, 0);
	rq.cr_nvalue = 700 * 1024;
	cr_expect_eq(run(c, &rq, "big", big, NULL, 0).rp_status, CACHE_OK);
	cr_expect_gt(stat_get(c, CACHE_STATS_GENERAL, "slabs_moved"), 0);
	cr_expect_eq(get(c, "big", buf, sizeof(buf)), CACHE_OK);
	cr_expect_gt(stat_get(c, CACHE_STATS_GENERAL, "curr_items"), 10000);
	cr_expect_leq(stat_get(c, CACHE_STATS_SLABS, "total_malloced"),
	    4 * 1024 * 1024);
	free(big);
	cache_free(c);
}

Test(cache_memory, hash_growth)
{
	struct cache_conf	 cf = conf_default();
	struct cache		*c;
	char			 key[32], val[32], buf[64];
	int			 i, j, grew = 0;

	cf.cc_hashpower = 10;
	c = mk(&cf);
	for (i = 0; i < 20000; i++) {
		snprintf(key, sizeof(key), "key%d", i);
		snprintf(val, sizeof(val), "val%d", i);
		cr_assert_eq(set(c, key, val), CACHE_OK);
		if (stat_get(c, CACHE_STATS_GENERAL, "hash_is_expanding") == 1)
			grew = 1;
		/* Read some back while buckets move. */
		for (j = i; j >= 0 && j > i - 3; j--) {
			snprintf(key, sizeof(key), "key%d", j);
			snprintf(val, sizeof(val), "val%d", j);
			cr_assert_eq(get(c, key, buf, sizeof(buf)), CACHE_OK,
			    "%s", key);
			cr_assert_str_eq(buf, val);
		}
	}
	cr_expect(grew);
	while (cache_maintain(c, 1000))
		;
	cr_expect_eq(stat_get(c, CACHE_STATS_GENERAL, "hash_is_expanding"), 0);
	cr_expect_geq(stat_get(c, CACHE_STATS_GENERAL, "hash_power_level"), 14);
	for (i = 0; i < 20000; i++) {
		snprintf(key, sizeof(key), "key%d", i);
		cr_assert_eq(get(c, key, buf, sizeof(buf)), CACHE_OK);
	}
	cache_free(c);
}

/* memcached 1.6.18 -m 64 holds 349,504 of these (64 pages x 5461). */
Test(cache_memory, items_held_at_m64)
{
	struct cache_conf	 cf = conf_default();
	struct cache		*c = mk(&cf);
	char			 key[32], val[101];
	int			 n;

	memset(val, 'v', 100);
	val[100] = '\0';
	for (n = 0; ; n++) {
		snprintf(key, sizeof(key), "k%011d", n);	/* 12 bytes */
		cr_assert_eq(set(c, key, val), CACHE_OK);
		if (stat_get(c, CACHE_STATS_GENERAL, "evictions") > 0)
			break;
	}
	cr_log_info("items held at -m 64, 100-byte values, 12-byte keys: %d",
	    n);
	cr_expect_gt(n, 349504);
	cache_free(c);
}

Test(cache_memory, stats_names)
{
	struct cache_conf	 cf = conf_default();
	struct cache		*c = mk(&cf);
	static struct statbuf	 sb;
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

	set(c, "foo", "bar");
	get(c, "foo", buf, sizeof(buf));
	get(c, "nope", buf, sizeof(buf));
	for (i = 0; i < sizeof(general) / sizeof(general[0]); i++)
		cr_expect_geq(stat_get(c, CACHE_STATS_GENERAL, general[i]), 0,
		    "%s", general[i]);
	cr_expect_eq(stat_get(c, CACHE_STATS_GENERAL, "limit_maxbytes"),
	    67108864);
	cr_expect_eq(stat_get(c, CACHE_STATS_GENERAL, "hash_power_level"), 16);
	cr_expect_eq(stat_get(c, CACHE_STATS_GENERAL, "hash_bytes"), 262144);
	cr_expect_eq(stat_get(c, CACHE_STATS_GENERAL, "get_hits"), 1);
	cr_expect_eq(stat_get(c, CACHE_STATS_GENERAL, "get_misses"), 1);
	cr_expect_eq(stat_get(c, CACHE_STATS_GENERAL, "bytes"), 46);
	cr_expect_eq(stat_get(c, CACHE_STATS_ITEMS, "items:1:number"), 1);
	cr_expect_eq(stat_get(c, CACHE_STATS_ITEMS, "items:1:mem_requested"),
	    46);
	cr_expect_eq(stat_get(c, CACHE_STATS_SLABS, "1:chunk_size"), 80);
	cr_expect_eq(stat_get(c, CACHE_STATS_SLABS, "1:used_chunks"), 1);
	cr_expect_eq(stat_get(c, CACHE_STATS_SLABS, "1:get_hits"), 1);
	cr_expect_eq(stat_get(c, CACHE_STATS_SLABS, "active_slabs"), 1);
	cr_expect_eq(stat_get(c, CACHE_STATS_SLABS, "total_malloced"),
	    1048576);
	sb.n = 0;
	cache_stats(c, CACHE_STATS_SIZES, stat_cb, &sb);
	cr_expect_eq(sb.n, 1);
	cr_expect_str_eq(sb.names[0], "sizes_status");
	cr_expect_str_eq(sb.values[0], "disabled");
	sb.n = 0;
	cache_stats(c, CACHE_STATS_ITEMS, stat_cb, &sb);
	cr_expect_eq(sb.n, 28, "memcached has 28 lines per class");
	cr_expect_str_eq(sb.names[27], "items:1:hits_to_temp");
	sb.n = 0;
	cache_stats(c, CACHE_STATS_SLABS, stat_cb, &sb);
	cr_expect_eq(sb.n, 17);

	sb.n = 0;
	cache_stats(c, CACHE_STATS_RESET, stat_cb, &sb);
	cr_expect_eq(sb.n, 0);
	cr_expect_eq(stat_get(c, CACHE_STATS_GENERAL, "get_hits"), 0);
	cr_expect_eq(stat_get(c, CACHE_STATS_GENERAL, "cmd_get"), 0);
	cr_expect_eq(stat_get(c, CACHE_STATS_GENERAL, "curr_items"), 1);
	cache_free(c);
}
