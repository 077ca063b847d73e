/*
 * Sizes of the shared item memory (parent and storage; no I/O): both
 * compute them from the same flags, so the parent can create the object
 * without ever mapping it.
 */

#include <sys/types.h>

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "msg.h"
#include "region.h"

int
region_layout(const struct cache_conf *conf, struct region_layout *rl)
{
	uint64_t	npages, table, data;

	memset(rl, 0, sizeof(*rl));
	if (conf->cc_slab_page_size == 0) {
		errno = EINVAL;
		return (-1);
	}
	/* As slab_init(): whole pages of the reserve, at least one. */
	npages = region_reserve(conf) / conf->cc_slab_page_size;
	if (npages == 0)
		npages = 1;
	if (npages > UINT32_MAX - 1) {
		errno = ENOMEM;
		return (-1);
	}
	table = REGION_HDR_SIZE;
	data = table + npages;
	data = (data + REGION_ALIGN - 1) & ~(uint64_t)(REGION_ALIGN - 1);
	if (npages > (UINT64_MAX - data) / conf->cc_slab_page_size ||
	    data + npages * conf->cc_slab_page_size > SIZE_MAX / 2) {
		errno = ENOMEM;
		return (-1);
	}
	rl->rl_npages = (uint32_t)npages;
	rl->rl_table_off = (size_t)table;
	rl->rl_data_off = (size_t)data;
	rl->rl_size = data + npages * conf->cc_slab_page_size;
	return (0);
}

uint64_t
region_reserve(const struct cache_conf *conf)
{
	return (conf->cc_memlimit_max > conf->cc_maxbytes ?
	    conf->cc_memlimit_max : conf->cc_maxbytes);
}

uint64_t
region_reserve_default(uint64_t maxbytes, uint64_t physmem,
    uint32_t page_size)
{
	uint64_t	 cap;
	unsigned int	 shift;

	if (page_size == 0)
		return (maxbytes);
	/* slab_init()'s id unit for maxbytes, and the most it covers. */
	for (shift = 3; (maxbytes >> shift) >= UINT32_MAX - 1; shift++)
		;
	cap = ((uint64_t)UINT32_MAX - 2) << shift;
	if (cap > SIZE_MAX / 4)
		cap = SIZE_MAX / 4;
	if (physmem > cap)
		physmem = cap;
	physmem -= physmem % page_size;
	return (physmem > maxbytes ? physmem : maxbytes);
}

void
region_hdr_make(const struct cache_conf *conf, const struct region_layout *rl,
    struct region_hdr *h)
{
	memset(h, 0, sizeof(*h));
	h->rh_magic = REGION_MAGIC;
	h->rh_version = REGION_VERSION;
	h->rh_item_hdr = REGION_ITEM_HDR;
	h->rh_size = rl->rl_size;
	h->rh_maxbytes = conf->cc_maxbytes;
	memcpy(&h->rh_factor_bits, &conf->cc_factor, sizeof(h->rh_factor_bits));
	h->rh_item_size_max = conf->cc_item_size_max;
	h->rh_chunk_min = conf->cc_chunk_min;
	h->rh_page_size = conf->cc_slab_page_size;
	h->rh_chunk_max = conf->cc_slab_chunk_max;
	h->rh_npages = rl->rl_npages;
	h->rh_cas = conf->cc_cas != 0;
}

int
region_hdr_match(const struct region_hdr *h, const struct region_hdr *want)
{
	return (memcmp(h, want, REGION_LAYOUT_LEN) == 0);
}
