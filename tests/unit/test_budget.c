/*
 * RLIMIT_DATA of the storage child: room for the hash table of a cache
 * grown to the reserve, not only to -m (the items themselves are shared
 * memory, which the limit does not count).
 */

#include <sys/types.h>
#include <sys/resource.h>

#include <criterion/criterion.h>
#include <string.h>

#include "budget.h"
#include "config.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED	1
#endif
#endif
#if !defined(SANITIZED) && defined(__SANITIZE_ADDRESS__)
#define SANITIZED	1
#endif

Test(budget, storage_grows_with_the_reserve)
{
	struct config	 conf;
	rlim_t		 at_m;

#ifdef SANITIZED
	cr_skip_test("ASan's shadow memory: no RLIMIT_DATA");
#endif
	memset(&conf, 0, sizeof(conf));
	conf.c_threads = 1;
	conf.c_cache.cc_maxbytes = 64ULL << 20;
	conf.c_cache.cc_item_size_max = 1 << 20;
	conf.c_cache.cc_chunk_min = 48;
	at_m = budget_data(&conf, PROC_STORAGE);

	/* 88-byte chunks at least: 8 bytes of table each, both tables. */
	conf.c_cache.cc_memlimit_max = 32ULL << 30;
	cr_assert_geq(budget_data(&conf, PROC_STORAGE),
	    (32ULL << 30) / 88 * 8, "the table of a cache at the reserve");
	cr_assert_gt(budget_data(&conf, PROC_STORAGE), at_m);
	/* Not the items: those are shared memory. */
	cr_assert_lt(budget_data(&conf, PROC_STORAGE), 32ULL << 30);
}

/* -o hashpower's table comes at start, however small the cache. */
Test(budget, storage_holds_the_hashpower_table)
{
	struct config	 conf;

#ifdef SANITIZED
	cr_skip_test("ASan's shadow memory: no RLIMIT_DATA");
#endif
	memset(&conf, 0, sizeof(conf));
	conf.c_threads = 1;
	conf.c_cache.cc_maxbytes = 64ULL << 20;
	conf.c_cache.cc_item_size_max = 1 << 20;
	conf.c_cache.cc_chunk_min = 48;
	conf.c_cache.cc_hashpower = 30;
	cr_assert_geq(budget_data(&conf, PROC_STORAGE), 4ULL << 30);
}
