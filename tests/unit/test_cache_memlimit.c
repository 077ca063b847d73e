/*
 * cache_memlimit: the cache grows past -m up to the reserve and no
 * further; a lower limit gives emptied pages back to the system (the
 * shared object's blocks drop); the limit and the pages given back stay
 * so across a new storage child reading the memory back.
 */

#include <sys/types.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "cache_test.h"
#include "cache_int.h"
#include "region.h"

#define MB		(1024LL * 1024)
/* As dyn-maxbytes.t: about fifteen to a 1 MB page. */
#define VALUE_LEN	66560

static char		 value[VALUE_LEN + 1];
static int		 memfd = -1;
static uint8_t		*mem;
static struct region_layout rl;

static void
fini(void)
{
	if (mem != NULL)
		(void)munmap(mem, (size_t)rl.rl_size);
	mem = NULL;
	if (memfd != -1)
		(void)close(memfd);
	memfd = -1;
}

TestSuite(cache_memlimit, .fini = fini);

/* -m 3, a 32 MB reserve. */
static struct cache_conf
ml_conf(void)
{
	struct cache_conf	 cf = ct_conf_default();

	cf.cc_maxbytes = 3 * MB;
	cf.cc_memlimit_max = 32 * MB;
	memset(value, 'B', VALUE_LEN);
	return (cf);
}

/* The shared item memory as the parent makes it: a sparse object. */
static void
ml_map(const struct cache_conf *cf)
{
#ifdef __linux__
	char	 name[] = "privcached-test";

	cr_assert_geq(memfd = memfd_create(name, MFD_CLOEXEC), 0);
#else
	char	 path[] = "/tmp/privcached-test.XXXXXXXXXX";

	cr_assert_geq(memfd = shm_mkstemp(path), 0);
	cr_assert_eq(shm_unlink(path), 0);
#endif
	cr_assert_eq(region_layout(cf, &rl), 0);
	cr_assert_eq(ftruncate(memfd, (off_t)rl.rl_size), 0);
	mem = mmap(NULL, (size_t)rl.rl_size, PROT_READ | PROT_WRITE,
	    MAP_SHARED, memfd, 0);
	cr_assert_neq(mem, MAP_FAILED);
}

static struct cache *
ml_open(const struct cache_conf *cf, struct cache_recovery *rc)
{
	struct cache	*c;

	c = cache_open(cf, mem, (size_t)rl.rl_size, rc);
	cr_assert_not_null(c, "cache_open: %s", strerror(errno));
	cache_set_time(c, time(NULL));
	return (c);
}

static void
ml_fill(struct cache *c, int from, int to)
{
	char	 key[32];
	int	 i;

	for (i = from; i < to; i++) {
		snprintf(key, sizeof(key), "key%d", i);
		cr_assert_eq(ct_set(c, key, value), CACHE_OK, "%s", key);
	}
}

static void
ml_delete(struct cache *c, int from, int to)
{
	struct cache_req	 rq;
	char			 key[32];
	int			 i;

	for (i = from; i < to; i++) {
		snprintf(key, sizeof(key), "key%d", i);
		rq = ct_req(CACHE_OP_DELETE, 0, 0);
		(void)ct_run(c, &rq, key, NULL, NULL, 0);
	}
}

static int
ml_count(struct cache *c, int from, int to)
{
	static char	 got[VALUE_LEN + 1];
	char		 key[32];
	int		 i, n = 0;

	for (i = from; i < to; i++) {
		snprintf(key, sizeof(key), "key%d", i);
		if (ct_get(c, key, got, sizeof(got)) == CACHE_OK &&
		    strcmp(got, value) == 0)
			n++;
	}
	return (n);
}

static long long
ml_malloced(struct cache *c)
{
	return (ct_stat_get(c, CACHE_STATS_SLABS, "total_malloced"));
}

/* Runs maintenance over the next seconds until it is idle. */
static void
ml_maintain(struct cache *c, int seconds)
{
	int64_t	 now = c->c_now;
	int	 s, n;

	for (s = 1; s <= seconds; s++) {
		cache_set_time(c, now + s);
		for (n = 0; n < 100000 && cache_maintain(c, 1000); n++)
			;
		cr_assert_lt(n, 100000, "maintenance never idle");
	}
}

/* Bytes the object holds in memory. */
static long long
ml_blocks(void)
{
	struct stat	 st;

	cr_assert_eq(fstat(memfd, &st), 0);
	return ((long long)st.st_blocks * 512);
}

Test(cache_memlimit, grows_past_m)
{
	struct cache_conf	 cf = ml_conf();
	struct cache		*c = ct_mk(&cf);
	long long		 evicted;

	ml_fill(c, 0, 40);
	evicted = ct_stat_get(c, CACHE_STATS_GENERAL, "evictions");
	cr_assert_gt(evicted, 0, "-m 3 holds fewer than 40");
	cr_assert_leq(ml_malloced(c), 3 * MB);

	cr_assert_eq(cache_set_maxbytes(c, 16 * MB), 0);
	cr_expect_eq(ct_stat_get(c, CACHE_STATS_GENERAL, "limit_maxbytes"),
	    16 * MB);
	ml_fill(c, 40, 150);
	cr_expect_eq(ct_stat_get(c, CACHE_STATS_GENERAL, "evictions"),
	    evicted, "no evictions below the new limit");
	cr_expect_gt(ml_malloced(c), 8 * MB);
	cr_expect_leq(ml_malloced(c), 16 * MB);
	cr_expect_eq(ml_count(c, 40, 150), 110);
	/* The reserve, whole: still never past the limit. */
	cr_assert_eq(cache_set_maxbytes(c, 32 * MB), 0);
	ml_fill(c, 150, 1000);
	cr_expect_leq(ml_malloced(c), 32 * MB);
	cr_expect_gt(ml_malloced(c), 30 * MB);
	cache_free(c);
}

Test(cache_memlimit, refused_past_the_reserve)
{
	struct cache_conf	 cf = ml_conf();
	struct cache		*c = ct_mk(&cf);

	cr_expect_eq(cache_set_maxbytes(c, 32 * MB + MB), -1);
	cr_expect_eq(cache_set_maxbytes(c, 1ULL << 40), -1);
	cr_expect_eq(cache_set_maxbytes(c, MB - 1), -1, "less than a page");
	cr_expect_eq(ct_stat_get(c, CACHE_STATS_GENERAL, "limit_maxbytes"),
	    3 * MB, "a refused limit changes nothing");
	ml_fill(c, 0, 100);
	cr_expect_leq(ml_malloced(c), 3 * MB);
	cache_free(c);

	/* No reserve: -m is all there is. */
	cf.cc_memlimit_max = 0;
	c = ct_mk(&cf);
	cr_expect_eq(cache_set_maxbytes(c, 4 * MB), -1);
	cr_expect_eq(cache_set_maxbytes(c, 2 * MB), 0);
	cache_free(c);
}

/* Lowered: pages go back only as they empty, and not below the limit. */
Test(cache_memlimit, shrink_gives_empty_pages_back)
{
	struct cache_conf	 cf = ml_conf();
	struct cache_recovery	 rc;
	struct cache		*c;
	long long		 full, blocks, evicted;

	ml_map(&cf);
	c = ml_open(&cf, &rc);
	cr_assert_eq(cache_set_maxbytes(c, 16 * MB), 0);
	ml_fill(c, 0, 150);
	full = ml_malloced(c);
	blocks = ml_blocks();
	cr_assert_gt(full, 8 * MB);
	cr_assert_geq(blocks, 150LL * VALUE_LEN, "the values are in memory");
	cr_assert_gt(blocks, 8 * MB);

	cr_assert_eq(cache_set_maxbytes(c, 8 * MB), 0);
	/* Full pages stay; stores evict within what classes hold. */
	ml_maintain(c, 2);
	cr_expect_eq(ml_malloced(c), full);
	evicted = ct_stat_get(c, CACHE_STATS_GENERAL, "evictions");
	ml_fill(c, 150, 160);
	cr_expect_eq(ml_malloced(c), full);
	cr_expect_gt(ct_stat_get(c, CACHE_STATS_GENERAL, "evictions"),
	    evicted);

	ml_delete(c, 0, 160);
	ml_maintain(c, 2);
	cr_expect_leq(ml_malloced(c), 8 * MB);
	cr_expect_geq(ml_malloced(c), 7 * MB, "not below the limit");
	cr_expect_eq(ct_stat_get(c, CACHE_STATS_SLABS, "total_malloced"),
	    ct_stat_get(c, CACHE_STATS_GENERAL, "total_malloced"));
#ifdef MADV_REMOVE
	/* What the object holds is within the pages classes still hold. */
	cr_expect_leq(ml_blocks(), ml_malloced(c),
	    "the pages given back left the object: %lld, was %lld",
	    ml_blocks(), blocks);
#endif
	/* The pages given back are taken again first, up to the limit. */
	ml_fill(c, 0, 150);
	cr_expect_leq(ml_malloced(c), 8 * MB);
	cr_expect_gt(ml_malloced(c), 7 * MB);
	cr_expect_leq(ml_blocks(), blocks);
	cache_free(c);
}

/* Private memory (cache_new): the pages given back are not resident. */
Test(cache_memlimit, private_pages_given_back)
{
	struct cache_conf	 cf = ml_conf();
	struct cache		*c = ct_mk(&cf);
	struct slab		*s = &c->c_slab;
	unsigned char		 vec[256];
	uint32_t		 idx, pooled = 0;
	size_t			 i, n;

	cr_assert_eq(cache_set_maxbytes(c, 16 * MB), 0);
	ml_fill(c, 0, 150);
	cr_assert_eq(cache_set_maxbytes(c, 8 * MB), 0);
	ml_delete(c, 0, 150);
	ml_maintain(c, 2);
	cr_assert_leq(ml_malloced(c), 8 * MB);
	n = s->s_page_size / (size_t)sysconf(_SC_PAGESIZE);
	cr_assert_leq(n, sizeof(vec));
	for (idx = s->s_pool; idx != 0; idx = s->s_pages[idx - 1].pg_next) {
		pooled++;
		/* Linux; OpenBSD has no mincore(2) and keeps the pages. */
#ifdef MADV_REMOVE
		cr_assert_eq(mincore(s->s_base + (size_t)(idx - 1) *
		    s->s_page_size, s->s_page_size, vec), 0);
		for (i = 0; i < n; i++)
			cr_expect_eq(vec[i] & 1, 0, "page %u resident",
			    idx - 1);
#else
		(void)i;
		(void)vec;
#endif
	}
	cr_expect_geq(pooled, 4, "pages held past 8 MB went to the pool");
	cache_free(c);
}

/*
 * A new storage child: the limit cache_memlimit set comes back, and the
 * pages given back stay in the pool, not counted as damage.
 */
Test(cache_memlimit, survives_recovery)
{
	struct cache_conf	 cf = ml_conf();
	struct cache_recovery	 rc;
	struct cache		*c;
	long long		 held;

	ml_map(&cf);
	c = ml_open(&cf, &rc);
	cr_assert_eq(cache_set_maxbytes(c, 16 * MB), 0);
	ml_fill(c, 0, 150);
	cache_free(c);

	c = ml_open(&cf, &rc);
	cr_assert_eq(rc.rc_state, CACHE_RECOVERY_READ);
	cr_expect_eq(rc.rc_recovered, 150);
	cr_expect_eq((long long)rc.rc_limit, 16 * MB);
	cr_expect_eq(ml_count(c, 0, 150), 150);
	cr_expect_eq(ct_stat_get(c, CACHE_STATS_GENERAL, "limit_maxbytes"),
	    16 * MB);

	cr_assert_eq(cache_set_maxbytes(c, 8 * MB), 0);
	ml_delete(c, 0, 100);
	ml_maintain(c, 2);
	held = ml_malloced(c);
	cr_assert_leq(held, 8 * MB);
	cache_free(c);

	c = ml_open(&cf, &rc);
	cr_assert_eq(rc.rc_state, CACHE_RECOVERY_READ);
	cr_expect_eq(rc.rc_recovered, 50);
	cr_expect_eq(rc.rc_bad_pages, 0);
	cr_expect_eq((long long)rc.rc_limit, 8 * MB);
	cr_expect_eq(ml_malloced(c), held);
	cr_expect_eq(ml_count(c, 100, 150), 50);
	/* Room up to the limit again, from the pool first. */
	ml_fill(c, 150, 300);
	cr_expect_leq(ml_malloced(c), 8 * MB);
	cr_expect_eq(ml_count(c, 250, 300), 50);
	cache_free(c);
}

/* The limit in the header is hostile input like the rest. */
Test(cache_memlimit, recovered_limit_past_the_reserve_ignored)
{
	struct cache_conf	 cf = ml_conf();
	struct cache_recovery	 rc;
	struct cache		*c;
	struct region_hdr	*h;

	ml_map(&cf);
	c = ml_open(&cf, &rc);
	ml_fill(c, 0, 10);
	cache_free(c);
	h = (struct region_hdr *)mem;
	h->rh_limit = 1ULL << 40;

	c = ml_open(&cf, &rc);
	cr_assert_eq(rc.rc_state, CACHE_RECOVERY_READ);
	cr_expect_eq((long long)rc.rc_limit, 3 * MB, "-m, not the header's");
	cr_expect_eq(h->rh_limit, 0);
	ml_fill(c, 10, 100);
	cr_expect_leq(ml_malloced(c), 3 * MB);
	cache_free(c);
}

/* region_reserve_default in MB, for -m m on a machine of phys bytes. */
static long long
ml_reserve(long long m, uint64_t phys)
{
	return ((long long)(region_reserve_default((uint64_t)(m * MB), phys,
	    MB) / MB));
}

Test(cache_memlimit, reserve_default)
{
	/* Physical memory, not less than -m. */
	cr_expect_eq(ml_reserve(64, 8192ULL << 20), 8192);
	cr_expect_eq(ml_reserve(64, 32ULL << 20), 64);
	cr_expect_eq(ml_reserve(64, (100ULL << 20) + 5), 100, "whole pages");
	/* Not so much that chunk ids need a wider unit than -m's. */
	cr_expect_eq(ml_reserve(64, 1ULL << 40), 32767);
	cr_expect_eq(ml_reserve(40960, 1ULL << 40), 65535);
}
