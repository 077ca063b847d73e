/*
 * Slab class sizing (memcached's progression from the smallest chunk)
 * and chunk allocation within the budget.
 */

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <criterion/criterion.h>

#include "cache_test.h"
#include "item.h"
#include "slab.h"

Test(cache_slab, default_classes)
{
	struct cache_conf	 cf = ct_conf_default();
	struct slab		 s;
	static const uint32_t	 first[] = { 88, 112, 144, 184, 232, 296, 376,
	    472 };
	unsigned int		 i;

	cr_assert_eq(ITEM_HDR, 36);
	cr_assert_eq(slab_init(&s, &cf, ITEM_HDR), 0);
	for (i = 0; i < 8; i++)
		cr_expect_eq(s.s_class[i + 1].sc_size, first[i],
		    "class %u: %u", i + 1, s.s_class[i + 1].sc_size);
	cr_expect_eq(s.s_largest, 39);
	cr_expect_eq(s.s_class[38].sc_size, 391224);
	cr_expect_eq(s.s_class[39].sc_size, 524288);
	cr_expect_eq(s.s_class[39].sc_perslab, 2);
	cr_expect_eq(s.s_class[1].sc_perslab, 1048576 / 88);
	for (i = 1; i <= s.s_largest; i++)
		cr_expect_eq(s.s_class[i].sc_size % 8, 0);
	cr_expect_eq(s.s_npages, 64);
	cr_expect_eq(slab_clsid(&s, 1), 1);
	cr_expect_eq(slab_clsid(&s, 88), 1);
	cr_expect_eq(slab_clsid(&s, 89), 2);
	cr_expect_eq(slab_clsid(&s, 524288), 39);
	cr_expect_eq(slab_clsid(&s, 524289), 0);
	slab_destroy(&s);
}

Test(cache_slab, custom_n_f)
{
	struct cache_conf	 cf = ct_conf_default();
	struct slab		 s;
	static const uint32_t	 want[] = { 48, 96, 192, 384, 768, 1536, 3072,
	    6144, 12288, 24576, 49152, 98304, 196608, 524288 };
	unsigned int		 i;

	cf.cc_chunk_min = 10;
	cf.cc_factor = 2.0;
	cr_assert_eq(slab_init(&s, &cf, ITEM_HDR), 0);
	cr_expect_eq(s.s_largest, 14);
	for (i = 0; i < 14; i++)
		cr_expect_eq(s.s_class[i + 1].sc_size, want[i],
		    "class %u: %u", i + 1, s.s_class[i + 1].sc_size);
	slab_destroy(&s);
}

Test(cache_slab, bad_conf)
{
	struct cache_conf	 cf = ct_conf_default();
	struct slab		 s;

	cf.cc_factor = 1.0;
	cr_expect_eq(slab_init(&s, &cf, ITEM_HDR), -1);
	cr_expect_eq(errno, EINVAL);
	cf = ct_conf_default();
	cf.cc_slab_page_size = 100;
	cr_expect_eq(slab_init(&s, &cf, ITEM_HDR), -1);
}

Test(cache_slab, budget_is_pages)
{
	struct cache_conf	 cf = ct_conf_default();
	struct slab		 s;
	unsigned int		 n = 0;
	void			*p;

	cf.cc_maxbytes = 2 * 1024 * 1024;
	cr_assert_eq(slab_init(&s, &cf, ITEM_HDR), 0);
	while ((p = slab_alloc(&s, 1, 88)) != NULL) {
		cr_assert(slab_ptr(&s, slab_id(&s, p)) == p);
		n++;
	}
	cr_expect_eq(n, 2 * (1048576 / 88));
	cr_expect_eq(slab_malloced(&s), 2 * 1048576);
	cr_expect_null(slab_alloc(&s, 2, 100));
	slab_destroy(&s);
}
