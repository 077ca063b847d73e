/*
 * The item memory as it outlives storage children: a header, the class of
 * every slab page, then the pages.  The parent creates and sizes it
 * (never maps it), storage maps and lays it out; both size it from
 * struct cache_conf with region_layout().
 */

#ifndef PRIVCACHED_REGION_H
#define PRIVCACHED_REGION_H

#include <stddef.h>
#include <stdint.h>

struct cache_conf;

/* "PRIVCMEM", little-endian. */
#define REGION_MAGIC		0x4d454d4356495250ULL
/* Bumped whenever struct item, the table or the header change meaning. */
#define REGION_VERSION		1
/* sizeof(struct item) of this layout (cache/item.c checks it). */
#define REGION_ITEM_HDR		36
/* The header's share of the region; the page table follows it. */
#define REGION_HDR_SIZE		4096
/* The table and the pages start on this boundary. */
#define REGION_ALIGN		4096
/* A page table entry: a page given back to the system, in the pool. */
#define REGION_PAGE_FREE	0xff

/*
 * What a later storage child (or a later daemon, with -e) needs to read
 * the memory back.  The part up to rh_base says how the memory is laid
 * out: a region whose layout part differs from what our flags give is
 * never read, only cleared.  The rest storage updates as it runs.
 */
struct region_hdr {
	uint64_t	rh_magic;
	uint32_t	rh_version;
	uint32_t	rh_item_hdr;		/* sizeof(struct item) */
	uint64_t	rh_size;		/* whole region */
	uint64_t	rh_maxbytes;		/* -m */
	uint64_t	rh_factor_bits;		/* -f, its bits */
	uint32_t	rh_item_size_max;	/* -I */
	uint32_t	rh_chunk_min;		/* -n */
	uint32_t	rh_page_size;
	uint32_t	rh_chunk_max;
	uint32_t	rh_npages;
	uint8_t		rh_cas;			/* 0 with -C */
	uint8_t		rh_pad[3];
	/* Kept up to date by storage. */
	uint64_t	rh_base;	/* where storage mapped the pages */
	int64_t		rh_epoch;	/* item times count from here */
	int64_t		rh_flush_at;	/* pending delayed flush_all */
	uint32_t	rh_mepoch;
	uint32_t	rh_flush_mepoch;
	uint64_t	rh_limit;	/* cache_memlimit's bytes, 0: -m */
};

/* Bytes of struct region_hdr that say the layout. */
#define REGION_LAYOUT_LEN	offsetof(struct region_hdr, rh_base)

/*
 * The pages are sized for the reserve (cc_memlimit_max, at least -m):
 * pages past the limit cost nothing until cache_memlimit lets classes
 * use them, since the object is sparse.
 */
struct region_layout {
	uint64_t	rl_size;	/* bytes of the whole region */
	uint32_t	rl_npages;
	size_t		rl_table_off;	/* uint8_t class per page */
	size_t		rl_data_off;	/* first slab page */
};

/*
 * Sizes the region for conf.  Returns 0, or -1 with errno (EINVAL, or
 * ENOMEM when it does not fit the address space).
 */
int		 region_layout(const struct cache_conf *,
		    struct region_layout *);
/* Bytes the pages may grow to: cc_memlimit_max, at least cc_maxbytes. */
uint64_t	 region_reserve(const struct cache_conf *);
/*
 * The reserve -o memlimit_max defaults to for a limit of maxbytes on a
 * machine of physmem bytes: all of physmem, but never less than maxbytes
 * and never so much that chunk ids need a coarser unit than maxbytes
 * alone would (slab.c), nor a quarter of the address space.
 */
uint64_t	 region_reserve_default(uint64_t maxbytes, uint64_t physmem,
		    uint32_t page_size);
/* Fills the layout part of a header for conf (the rest zero). */
void		 region_hdr_make(const struct cache_conf *,
		    const struct region_layout *, struct region_hdr *);
/* 1 if hdr's layout part is the one conf expects. */
int		 region_hdr_match(const struct region_hdr *,
		    const struct region_hdr *expected);

#endif /* PRIVCACHED_REGION_H */
