/*
 * libFuzzer target for the recovery scan (cache/recover.c): a cache stores
 * items of sizes the input picks (chunked ones too), "crashes", and the
 * rest of the input flips bytes anywhere in its item memory (header, page
 * table, pages); a new cache then opens that memory.  The scan must not
 * fault, loop or fail, and what it rebuilds must stand up to stores,
 * evictions, gets, a flush and the crawler afterwards (ASan checks every
 * access: the memory is a heap block of exactly the region's size).
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "msg.h"
#include "cache.h"
#include "region.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Small enough to cover fast: 16 pages of 4 KB, items chunked past 2 KB. */
static struct cache_conf
fuzz_conf(void)
{
	struct cache_conf	 cf;

	memset(&cf, 0, sizeof(cf));
	cf.cc_maxbytes = 16 * 4096;
	cf.cc_item_size_max = 8192;
	cf.cc_chunk_min = 48;
	cf.cc_slab_page_size = 4096;
	cf.cc_slab_chunk_max = 2048;
	cf.cc_factor = 1.25;
	cf.cc_evict = 1;
	cf.cc_cas = 1;
	/* A small table: growth during the scan gets exercised too. */
	cf.cc_hashpower = 4;
	return (cf);
}

static void
fuzz_fail(const char *what)
{
	fprintf(stderr, "fuzz invariant: %s\n", what);
	abort();
}

static void
fuzz_op(struct cache *c, uint8_t op, const char *key, const uint8_t *val,
    uint32_t nval)
{
	struct cache_req	 rq;
	struct cache_rep	 rp;
	const struct item	*it;
	static uint8_t		 out[8192];

	memset(&rq, 0, sizeof(rq));
	rq.cr_op = op;
	rq.cr_mode = CACHE_STORE_SET;
	rq.cr_nkey = (uint32_t)strlen(key);
	rq.cr_nvalue = nval;
	if (op == CACHE_OP_GET)
		rq.cr_opts = CACHE_OPT_WANT_VALUE;
	cache_exec(c, &rq, key, val, &rp, &it);
	/* An empty value comes back as a hit without an item to copy. */
	if (op == CACHE_OP_GET && rp.rp_status == CACHE_OK &&
	    rp.rp_nvalue > 0) {
		if (it == NULL || rp.rp_nvalue > sizeof(out))
			fuzz_fail("get hit without a value in bounds");
		/* Reads the whole value, chain and all. */
		item_value_copy(it, out);
	}
}

/* Item sizes from the input; values say which item they belong to. */
static void
fuzz_fill(struct cache *c, const uint8_t *data, size_t len)
{
	static uint8_t	 val[8000];
	char		 key[32];
	size_t		 i, n;
	uint32_t	 size;

	n = len > 0 ? data[0] % 48 : 0;
	for (i = 0; i < n; i++) {
		size = (uint32_t)((i + 1) * 397 + (len > 1 ? data[1] : 0) *
		    13) % sizeof(val);
		memset(val, (int)i, size);
		(void)snprintf(key, sizeof(key), "k%zu", i);
		fuzz_op(c, CACHE_OP_STORE, key, val, size);
	}
}

/* Whatever came back must be usable. */
static void
fuzz_churn(struct cache *c)
{
	static uint8_t	 val[3000];
	char		 key[32];
	int		 i;

	for (i = 0; i < 48; i++) {
		(void)snprintf(key, sizeof(key), "k%d", i);
		fuzz_op(c, CACHE_OP_GET, key, NULL, 0);
	}
	for (i = 0; i < 200; i++) {
		(void)snprintf(key, sizeof(key), "n%d", i);
		fuzz_op(c, CACHE_OP_STORE, key, val,
		    (uint32_t)(i * 37) % sizeof(val));
		if (i % 7 == 0) {
			(void)snprintf(key, sizeof(key), "k%d", i % 48);
			fuzz_op(c, CACHE_OP_DELETE, key, NULL, 0);
		}
	}
	fuzz_op(c, CACHE_OP_FLUSH, "", NULL, 0);
	(void)cache_maintain(c, 100000);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static struct region_layout	 rl;
	static uint8_t			*mem;
	struct cache_conf		 cf = fuzz_conf();
	struct cache_recovery		 rc;
	struct cache			*c;
	size_t				 i, off;

	if (mem == NULL) {
		if (region_layout(&cf, &rl) == -1)
			fuzz_fail("layout");
		if ((mem = aligned_alloc(REGION_ALIGN, rl.rl_size)) == NULL)
			fuzz_fail("aligned_alloc");
	}
	memset(mem, 0, rl.rl_size);
	if ((c = cache_open(&cf, mem, rl.rl_size, &rc)) == NULL)
		fuzz_fail("first open");
	cache_set_time(c, time(NULL));
	fuzz_fill(c, data, len);
	cache_free(c);

	/* The damage: (offset, xor) in four bytes, anywhere. */
	for (i = 2; i + 4 <= len; i += 4) {
		off = ((size_t)data[i] << 16 | (size_t)data[i + 1] << 8 |
		    data[i + 2]) % rl.rl_size;
		mem[off] ^= data[i + 3];
	}
	if ((c = cache_open(&cf, mem, rl.rl_size, &rc)) == NULL)
		fuzz_fail("open after damage");
	/* Undamaged memory is read back whole. */
	if (len <= 5 && (rc.rc_state != CACHE_RECOVERY_READ ||
	    rc.rc_dropped != 0))
		fuzz_fail("intact memory not read back");
	cache_set_time(c, time(NULL));
	fuzz_churn(c);
	cache_free(c);
	return (0);
}
