/*
 * The recovery scan: a cache opened over item memory a former one left
 * reads back every intact item and drops, and counts, exactly those that
 * a damaged header, class, length, link or checksum, an expiry or a flush
 * rules out; the memory stays usable for new stores and evictions.
 */

#include <sys/types.h>
#include <sys/mman.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>

#include "cache_test.h"
#include "cache_int.h"
#include "crc32c.h"
#include "item.h"
#include "region.h"

#define NKEYS	100

static struct region_layout	 rl;
static uint8_t			*mem;

/* Four 1 MB pages of item memory, zero as a new memfd. */
static struct cache_conf
rc_conf(void)
{
	struct cache_conf	 cf = ct_conf_default();

	cf.cc_maxbytes = 4 * 1024 * 1024;
	return (cf);
}

static void
rc_map(const struct cache_conf *cf)
{
	cr_assert_eq(region_layout(cf, &rl), 0);
	mem = mmap(NULL, (size_t)rl.rl_size, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANON, -1, 0);
	cr_assert_neq(mem, MAP_FAILED);
}

static struct cache *
rc_open(const struct cache_conf *cf, struct cache_recovery *rc)
{
	struct cache	*c;

	c = cache_open(cf, mem, (size_t)rl.rl_size, rc);
	cr_assert_not_null(c, "cache_open: %s", strerror(errno));
	cache_set_time(c, time(NULL));
	return (c);
}

static void
rc_fill(struct cache *c)
{
	char	 key[32], val[64];
	int	 i;

	for (i = 0; i < NKEYS; i++) {
		snprintf(key, sizeof(key), "key:%d", i);
		snprintf(val, sizeof(val), "value of %d", i);
		cr_assert_eq(ct_set(c, key, val), CACHE_OK);
	}
}

/* How many of rc_fill's keys answer with their value. */
static int
rc_count(struct cache *c)
{
	char	 key[32], val[64], got[64];
	int	 i, n = 0;

	for (i = 0; i < NKEYS; i++) {
		snprintf(key, sizeof(key), "key:%d", i);
		snprintf(val, sizeof(val), "value of %d", i);
		if (ct_get(c, key, got, sizeof(got)) == CACHE_OK) {
			cr_assert_str_eq(got, val);
			n++;
		}
	}
	return (n);
}

/* The item of key, writable, as a damaged memory would have it. */
static struct item *
rc_item(struct cache *c, const char *key)
{
	struct cache_req	 rq = ct_req(CACHE_OP_GET, 0,
				    CACHE_OPT_WANT_VALUE);
	struct cache_rep	 rp;
	const struct item	*it;

	rq.cr_nkey = (uint32_t)strlen(key);
	cache_exec(c, &rq, key, NULL, &rp, &it);
	cr_assert_eq(rp.rp_status, CACHE_OK, "%s", key);
	return ((struct item *)it);
}

/* A cache that stored NKEYS keys, then "crashed": its memory is left. */
static struct cache *
rc_crashed(struct cache_conf *cf)
{
	struct cache_recovery	 rc;
	struct cache		*c;

	*cf = rc_conf();
	rc_map(cf);
	c = rc_open(cf, &rc);
	cr_assert_eq(rc.rc_state, CACHE_RECOVERY_FRESH);
	rc_fill(c);
	return (c);
}

/* Reopens, checks the counts and how many keys answer. */
static struct cache *
rc_reopen(struct cache_conf *cf, struct cache *old, uint64_t dropped)
{
	struct cache_recovery	 rc;
	struct cache		*c;

	cache_free(old);
	c = rc_open(cf, &rc);
	cr_assert_eq(rc.rc_state, CACHE_RECOVERY_READ);
	cr_expect_eq(rc.rc_dropped, dropped, "dropped %llu",
	    (unsigned long long)rc.rc_dropped);
	cr_expect_eq(rc.rc_recovered, NKEYS - dropped, "recovered %llu",
	    (unsigned long long)rc.rc_recovered);
	cr_expect_eq(rc_count(c), NKEYS - (int)dropped);
	cr_expect_eq(ct_stat_get(c, CACHE_STATS_GENERAL,
	    "privcached_dropped_items"), (long long)dropped);
	cr_expect_eq(ct_stat_get(c, CACHE_STATS_GENERAL,
	    "privcached_recovered_items"), NKEYS - (long long)dropped);
	return (c);
}

/* After a scan the allocator must work: fill well past the memory. */
static void
rc_churn(struct cache *c)
{
	char	 key[32], val[2000];
	int	 i;

	memset(val, 'z', sizeof(val) - 1);
	val[sizeof(val) - 1] = '\0';
	for (i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "churn:%d", i);
		cr_assert_eq(ct_set(c, key, val), CACHE_OK);
	}
	cr_assert_gt(ct_stat_get(c, CACHE_STATS_GENERAL, "evictions"), 0);
}

Test(cache_recover, crc32c_known_value)
{
	static const char	 s[] = "123456789";
	uint8_t			 buf[1000];
	size_t			 i;

	cr_assert_eq(crc32c(0, s, 9), 0xe3069283U);
	cr_assert_eq(crc32c_sw(0, s, 9), 0xe3069283U);
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 31 + 7);
	/* Any split, either way, gives the same value. */
	for (i = 0; i < 20; i++)
		cr_assert_eq(crc32c(crc32c(0, buf, i), buf + i,
		    sizeof(buf) - i), crc32c_sw(0, buf, sizeof(buf)));
}

Test(cache_recover, all_fine)
{
	struct cache_conf	 cf;
	struct cache		*c = rc_crashed(&cf);

	c = rc_reopen(&cf, c, 0);
	/* A cas after recovery is newer than any read back. */
	rc_churn(c);
	cache_free(c);
}

Test(cache_recover, bad_checksum)
{
	struct cache_conf	 cf;
	struct cache		*c = rc_crashed(&cf);

	item_valuep(rc_item(c, "key:7"))[0] ^= 0x40;
	c = rc_reopen(&cf, c, 1);
	cr_expect_eq(ct_get(c, "key:7", NULL, 0), CACHE_MISS);
	rc_churn(c);
	cache_free(c);
}

Test(cache_recover, damaged_header)
{
	struct cache_conf	 cf;
	struct cache		*c = rc_crashed(&cf);
	struct item		*it;

	/* Sealed again: only the checks on the fields can catch these. */
	it = rc_item(c, "key:1");
	it->it_nkey = 0;
	item_seal(it);
	it = rc_item(c, "key:2");
	it->it_type |= 0x80;
	item_seal(it);
	it = rc_item(c, "key:3");
	it->it_type &= ~IT_CAS;
	item_seal(it);
	c = rc_reopen(&cf, c, 3);
	rc_churn(c);
	cache_free(c);
}

Test(cache_recover, bad_class)
{
	struct cache_conf	 cf;
	struct cache		*c = rc_crashed(&cf);
	struct item		*it;

	it = rc_item(c, "key:4");
	it->it_clsid++;
	item_seal(it);
	it = rc_item(c, "key:5");
	it->it_clsid = 200;
	item_seal(it);
	c = rc_reopen(&cf, c, 2);
	cache_free(c);
}

Test(cache_recover, page_of_no_class)
{
	struct cache_conf	 cf;
	struct cache		*c = rc_crashed(&cf);
	struct cache_recovery	 rc;
	uint8_t			*table = mem + rl.rl_table_off;

	/* All the keys sit in one page: it is freed whole, not read. */
	cr_assert_eq(table[0], 1);
	cr_assert_eq(table[1], 0);
	table[0] = 200;
	cache_free(c);
	c = rc_open(&cf, &rc);
	cr_expect_eq(rc.rc_bad_pages, 1);
	cr_expect_eq(rc.rc_recovered, 0);
	cr_expect_eq(rc_count(c), 0);
	rc_churn(c);
	cache_free(c);
}

Test(cache_recover, bad_length)
{
	struct cache_conf	 cf;
	struct cache		*c = rc_crashed(&cf);
	struct item		*it;

	it = rc_item(c, "key:8");
	it->it_nbytes = 5000;		/* past its 88-byte chunk */
	item_seal(it);
	/* Not sealed: a checksum over 4 GB would read past the memory. */
	rc_item(c, "key:9")->it_nbytes = UINT32_MAX;
	c = rc_reopen(&cf, c, 2);
	rc_churn(c);
	cache_free(c);
}

Test(cache_recover, expired_and_flushed)
{
	struct cache_conf	 cf;
	struct cache		*c = rc_crashed(&cf);
	struct item		*it;

	it = rc_item(c, "key:10");
	it->it_exptime = 1;		/* long past, validly sealed */
	item_seal(it);
	c = rc_reopen(&cf, c, 1);
	cache_free(c);

	/* A flush_all before the crash stays done. */
	c = rc_crashed(&cf);
	{
		struct cache_req	 rq = ct_req(CACHE_OP_FLUSH, 0, 0);

		ct_run(c, &rq, "", NULL, NULL, 0);
	}
	cr_assert_eq(ct_set(c, "after", "flush"), CACHE_OK);
	cache_free(c);
	{
		struct cache_recovery	 rc;
		char			 got[16];

		c = rc_open(&cf, &rc);
		cr_expect_eq(rc.rc_recovered, 1);
		cr_expect_eq(rc.rc_dropped, NKEYS);
		cr_expect_eq(rc_count(c), 0);
		cr_expect_eq(ct_get(c, "after", got, sizeof(got)), CACHE_OK);
	}
	cache_free(c);
}

Test(cache_recover, chunked_item_and_broken_chain)
{
	struct cache_conf	 cf;
	struct cache		*c = rc_crashed(&cf);
	struct cache_recovery	 rc;
	struct item		*it;
	static char		 big[700 * 1024 + 1], got[sizeof(big)];

	memset(big, 'B', sizeof(big) - 1);
	big[1000] = 'x';
	cr_assert_eq(ct_set(c, "big", big), CACHE_OK);
	cr_assert_eq(ct_set(c, "big2", big), CACHE_OK);
	it = rc_item(c, "big2");
	cr_assert(it->it_type & IT_CHUNKED);
	/* The chain now points at the head itself. */
	item_ref(it)->cr_first = (struct item_chunk *)it;
	cache_free(c);
	c = rc_open(&cf, &rc);
	cr_expect_eq(rc.rc_recovered, NKEYS + 1);
	cr_expect_eq(rc.rc_dropped, 1);
	cr_expect_eq(rc_count(c), NKEYS);
	cr_expect_eq(ct_get(c, "big", got, sizeof(got)), CACHE_OK);
	cr_expect_str_eq(got, big);
	cr_expect_eq(ct_get(c, "big2", got, sizeof(got)), CACHE_MISS);
	rc_churn(c);
	cache_free(c);
}

Test(cache_recover, other_layout_starts_empty)
{
	struct cache_conf	 cf;
	struct cache		*c = rc_crashed(&cf);
	struct cache_recovery	 rc;

	cache_free(c);
	cf.cc_factor = 1.5;
	c = rc_open(&cf, &rc);
	cr_expect_eq(rc.rc_state, CACHE_RECOVERY_CLEARED);
	cr_expect_not_null(rc.rc_why);
	cr_expect_eq(rc_count(c), 0);
	rc_fill(c);
	cache_free(c);
	/* And the new layout is read back from then on. */
	c = rc_open(&cf, &rc);
	cr_expect_eq(rc.rc_state, CACHE_RECOVERY_READ);
	cr_expect_eq(rc_count(c), NKEYS);
	cache_free(c);
}

Test(cache_recover, garbage_memory)
{
	struct cache_conf	 cf;
	struct cache		*c = rc_crashed(&cf);
	struct cache_recovery	 rc;
	uint64_t		 x = 88172645463325252ULL;
	size_t			 i;

	/* Random bytes over the pages, the header and table kept. */
	for (i = rl.rl_data_off; i < rl.rl_size; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		mem[i] = (uint8_t)x;
	}
	cache_free(c);
	c = rc_open(&cf, &rc);
	cr_expect_eq(rc.rc_state, CACHE_RECOVERY_READ);
	cr_expect_eq(rc.rc_recovered, 0);
	rc_churn(c);
	cache_free(c);
}

/*
 * Every change to a linked item that its checksum covers stamps it again:
 * touch, gat, an incr in place, md I with a TTL, an incr with a TTL.
 */
Test(cache_recover, changes_in_place_stay_readable)
{
	struct cache_conf	 cf;
	struct cache		*c = rc_crashed(&cf);
	struct cache_req	 rq;
	struct cache_recovery	 rc;
	int64_t			 later = time(NULL) + 3600;
	char			 got[64];

	cr_assert_eq(ct_set(c, "n", "41"), CACHE_OK);
	rq = ct_req(CACHE_OP_TOUCH, 0, 0);
	rq.cr_exptime = later;
	cr_assert_eq(ct_run(c, &rq, "key:1", NULL, NULL, 0).rp_status,
	    CACHE_OK);
	rq = ct_req(CACHE_OP_GET, 0, CACHE_OPT_TOUCH | CACHE_OPT_WANT_VALUE);
	rq.cr_exptime = later;
	cr_assert_eq(ct_run(c, &rq, "key:2", NULL, got, sizeof(got)).
	    rp_status, CACHE_OK);
	rq = ct_req(CACHE_OP_ARITH, CACHE_ARITH_INCR, CACHE_OPT_SET_TTL);
	rq.cr_delta = 1;
	rq.cr_exptime = later;
	cr_assert_eq(ct_run(c, &rq, "n", NULL, NULL, 0).rp_status, CACHE_OK);
	rq = ct_req(CACHE_OP_DELETE, 0, CACHE_OPT_INVALIDATE |
	    CACHE_OPT_SET_TTL);
	rq.cr_exptime = later;
	cr_assert_eq(ct_run(c, &rq, "key:3", NULL, NULL, 0).rp_status,
	    CACHE_OK);
	cache_free(c);

	c = rc_open(&cf, &rc);
	cr_expect_eq(rc.rc_dropped, 0);
	cr_expect_eq(rc.rc_recovered, NKEYS + 1);
	cr_expect_eq(ct_get(c, "n", got, sizeof(got)), CACHE_OK);
	cr_expect_str_eq(got, "42");
	cache_free(c);
}

/* -L faults the memory in on open: without writing over what it holds. */
Test(cache_recover, prealloc_keeps_items)
{
	struct cache_conf	 cf;
	struct cache		*c = rc_crashed(&cf);

	cf.cc_prealloc = 1;
	c = rc_reopen(&cf, c, 0);
	cache_free(c);
}
