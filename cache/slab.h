/*
 * Slab allocator of the cache engine: one contiguous region of slab pages
 * cut into size classes, memcached style.  Chunks are named by 32-bit ids
 * (their offset in the region in units of 1 << s_shift bytes, plus one) so
 * that item headers hold 4-byte links instead of 8-byte pointers.
 */

#ifndef PRIVCACHED_SLAB_H
#define PRIVCACHED_SLAB_H

#include <stddef.h>
#include <stdint.h>

struct cache_conf;

/* Class ids run 1..SLAB_CLASS_MAX - 1, as memcached's; 0 means none. */
#define SLAB_CLASS_MAX		64
#define SLAB_ID_NONE		0

/* First byte of every chunk says what it holds. */
#define CHUNK_FREE		0x00

/* A free chunk: on its class's doubly linked free list. */
struct slab_free {
	uint8_t			 sf_type;	/* CHUNK_FREE */
	uint8_t			 sf_pad[7];
	struct slab_free	*sf_next;
	struct slab_free	*sf_prev;
};

struct slab_class {
	uint32_t		 sc_size;	/* chunk bytes */
	uint32_t		 sc_perslab;	/* chunks per page */
	uint32_t		 sc_npages;
	uint32_t		 sc_pages;	/* page list head, index + 1 */
	uint64_t		 sc_nfree;
	uint64_t		 sc_requested;	/* bytes asked of live chunks */
	struct slab_free	*sc_free;
};

struct slab_page {
	uint32_t		 pg_next;	/* class page list, index + 1 */
	uint32_t		 pg_prev;
	uint8_t			 pg_clsid;	/* 0: still in the pool */
	uint8_t			 pg_unread;	/* recovery: page not read */
	uint8_t			 pg_pad[2];
};

struct slab {
	uint8_t			*s_base;	/* the region */
	size_t			 s_size;	/* region bytes */
	unsigned int		 s_shift;	/* id unit is 1 << s_shift */
	uint32_t		 s_page_size;
	uint32_t		 s_npages;	/* pages in the region: the
						 * reserve */
	uint32_t		 s_nused;	/* pages ever handed out: the
						 * rest were never touched */
	uint32_t		 s_nheld;	/* pages classes hold now */
	uint32_t		 s_nlimit;	/* cache_memlimit: pages classes
						 * may hold, <= s_npages */
	uint32_t		 s_pool;	/* pages given back, a list
						 * through pg_next, index + 1 */
	uint32_t		 s_scan;	/* memlimit.c: next page to
						 * look at, 0: no pass */
	uint32_t		 s_scan_done;	/* clock of the last pass */
	unsigned int		 s_largest;	/* largest class id */
	int			 s_shared;	/* region not ours to unmap */
	uint8_t			*s_pgcls;	/* shared copy of pg_clsid */
	struct slab_page	*s_pages;
	struct slab_class	 s_class[SLAB_CLASS_MAX];
};

/*
 * Lays out the classes (first chunk hdr + cc_chunk_min bytes, growing by
 * cc_factor, aligned, up to cc_slab_chunk_max) and maps the region.
 * Returns 0, or -1 with errno (EINVAL for a bad conf, ENOMEM).
 */
int		 slab_init(struct slab *, const struct cache_conf *,
		    size_t hdr);
/*
 * The same over memory the caller mapped (the shared item memory, sized
 * by region_layout()): mem for the pages, pgcls for a byte per page that
 * says its class, kept up to date so that a later storage child can read
 * the pages back.
 */
int		 slab_init_mem(struct slab *, const struct cache_conf *,
		    size_t hdr, void *mem, uint8_t *pgcls);
/*
 * Recovery only: lists page idx in class id without cutting it into free
 * chunks (the caller frees those that hold nothing with slab_release).
 */
void		 slab_page_adopt(struct slab *, uint32_t idx, unsigned int id);
/* Recovery only: puts an unused chunk of class id on its free list. */
void		 slab_release(struct slab *, unsigned int id, void *);
void		 slab_destroy(struct slab *);
/* Returns the smallest class holding size bytes, or 0 if none does. */
unsigned int	 slab_clsid(const struct slab *, size_t size);
/*
 * Returns a chunk of class id, from its free list or a new page of the
 * pool, with requested bytes accounted; NULL when neither has one.
 * Never evicts: the caller does that.
 */
void		*slab_alloc(struct slab *, unsigned int id, size_t requested);
/* Gives a chunk back to its class (found from its page). */
void		 slab_free(struct slab *, void *, size_t requested);
/* Returns the class of the page holding p. */
unsigned int	 slab_page_clsid(const struct slab *, const void *p);
/* Returns the index of the page holding p. */
uint32_t	 slab_page_index(const struct slab *, const void *p);
/* Returns the first chunk of page idx. */
void		*slab_page_chunk(const struct slab *, uint32_t idx, uint32_t n);
/* Returns the index of some page of class id, or UINT32_MAX if none. */
uint32_t	 slab_class_page(const struct slab *, unsigned int id);
/*
 * Moves page idx, every chunk of which must be free, from its class to
 * class id, cut into id's chunks.  Returns 0.
 */
int		 slab_page_move(struct slab *, uint32_t idx, unsigned int id);
/* Whether every chunk of page idx (of a class) is free. */
int		 slab_page_empty(const struct slab *, uint32_t idx);
/*
 * Takes page idx, every chunk of which must be free, from its class into
 * the pool and gives its memory back to the system.  Returns 0, or -1
 * with errno when the memory could not be given back (EOPNOTSUPP where
 * the system has no way): the page is in the pool all the same.
 */
int		 slab_page_release(struct slab *, uint32_t idx);
/* Recovery only: puts page idx, of no class, in the pool. */
void		 slab_page_pool(struct slab *, uint32_t idx);

/* Bytes of item memory handed out (memcached's total_malloced). */
static inline uint64_t
slab_malloced(const struct slab *s)
{
	return ((uint64_t)s->s_nheld * s->s_page_size);
}

/* Converts a chunk pointer to its id; NULL is 0. */
static inline uint32_t
slab_id(const struct slab *s, const void *p)
{
	if (p == NULL)
		return (0);
	return ((uint32_t)(((const uint8_t *)p - s->s_base) >> s->s_shift) +
	    1);
}

/* Converts an id back to its chunk; 0 is NULL. */
static inline void *
slab_ptr(const struct slab *s, uint32_t id)
{
	if (id == 0)
		return (NULL);
	return (s->s_base + ((size_t)(id - 1) << s->s_shift));
}

#endif /* PRIVCACHED_SLAB_H */
