/*
 * The cache engine's private state, and the calls between its files,
 * each calling only those listed after it: ops.c (the operations),
 * maint.c (background reclamation), prefetch.c, cache_stats.c, alloc.c
 * (memory for items), lru.c (the LRU policy), cache.c (setup, clock,
 * linking).  Not for outside cache/.
 */

#ifndef PRIVCACHED_CACHE_INT_H
#define PRIVCACHED_CACHE_INT_H

#include <stdint.h>

#include "assoc.h"
#include "item.h"
#include "lru.h"
#include "region.h"
#include "slab.h"

struct cache_eviction;

struct cache_cls_stats {
	uint64_t	cs_get_hits;
	uint64_t	cs_cmd_set;
	uint64_t	cs_delete_hits;
	uint64_t	cs_incr_hits;
	uint64_t	cs_decr_hits;
	uint64_t	cs_cas_hits;
	uint64_t	cs_cas_badval;
	uint64_t	cs_touch_hits;
	uint64_t	cs_evicted;
	uint64_t	cs_evicted_nonzero;
	uint64_t	cs_outofmemory;
	uint64_t	cs_reclaimed;
	uint64_t	cs_expired_unfetched;
	uint64_t	cs_evicted_unfetched;
	uint64_t	cs_crawler_reclaimed;
	uint64_t	cs_crawler_checked;
	uint64_t	cs_moves_within_lru;
	uint64_t	cs_direct_reclaims;
	uint64_t	cs_evicted_time;	/* a gauge: kept on reset */
};

struct cache_counters {
	uint64_t	st_cmd_get;
	uint64_t	st_cmd_touch;
	uint64_t	st_cmd_flush;
	uint64_t	st_get_misses;
	uint64_t	st_get_expired;
	uint64_t	st_get_flushed;
	uint64_t	st_delete_misses;
	uint64_t	st_incr_misses;
	uint64_t	st_decr_misses;
	uint64_t	st_cas_misses;
	uint64_t	st_touch_misses;
	uint64_t	st_store_too_large;
	uint64_t	st_store_no_memory;
	uint64_t	st_total_items;
	uint64_t	st_crawler_starts;
	uint64_t	st_slabs_moved;
};

struct cache {
	struct slab		 c_slab;
	struct assoc		 c_assoc;
	struct lru		 c_lru[SLAB_CLASS_MAX];
	struct cache_cls_stats	 c_cls[SLAB_CLASS_MAX];
	struct cache_counters	 c_st;
	uint64_t		 c_curr_items;
	uint64_t		 c_bytes;
	uint64_t		 c_maxbytes;
	uint32_t		 c_item_size_max;
	int			 c_evict;
	int			 c_cas;

	int64_t			 c_now;		/* unix seconds */
	int64_t			 c_epoch;
	uint32_t		 c_rnow;	/* c_now - c_epoch */
	uint64_t		 c_cas_next;

	/*
	 * flush_all: every store stamps the item with c_mepoch; a flush
	 * starts a new epoch (only if something was stored in the current
	 * one) and invalidates every item stamped before it.  Exact within
	 * one second, unlike a comparison of seconds.  Without cas (-C) a
	 * flush covers the rest of its second as well, as in memcached:
	 * the new epoch starts only when the clock passes c_flush_rnow.
	 */
	uint32_t		 c_mepoch;
	uint32_t		 c_flush_mepoch;
	int			 c_mepoch_used;
	uint32_t		 c_flush_rnow;	/* -C: the flush's second */
	int64_t			 c_flush_at;	/* delayed flush, 0: none */

	/* Crawler: a cursor over the hash buckets. */
	int			 c_crawling;
	int			 c_crawl_flush;	/* a flush wants a pass */
	uint64_t		 c_crawl_pos;
	uint32_t		 c_next_exp;	/* earliest expiry, 0: none */
	uint32_t		 c_pass_exp;

	/* The shared item memory's header (recover.c), NULL: private. */
	struct region_hdr	*c_region;
	struct cache_recovery	 c_recovery;

	/* watch evictions (lru.c): told of each one; NULL, the usual. */
	void			(*c_on_evict)(void *,
				    const struct cache_eviction *, const void *);
	void			*c_on_evict_arg;
};

/* cache.c */
/* cache_new over mem and its page table (slab_init_mem), or private. */
struct cache	*cache_new_mem(const struct cache_conf *, void *mem,
		    uint8_t *pgcls);
/*
 * A valid item, or NULL; when the key's item was expired or flushed, says
 * so in rp's rp_info (rp may be NULL).
 */
struct item	*cache_lookup(struct cache *, const void *, size_t, uint64_t,
		    struct cache_rep *);
void		 cache_link(struct cache *, struct item *, uint64_t);
void		 cache_unlink(struct cache *, struct item *, uint64_t);
/* Frees an unlinked item and its chain. */
void		 cache_item_free(struct cache *, struct item *);
/* Unlinks and frees a linked item whose hash we do not have. */
void		 cache_drop(struct cache *, struct item *);
/* flush_all now: every item stored before is invalid. */
void		 cache_flush_now(struct cache *);

/* lru.c */
void		 cache_evict(struct cache *, struct item *);
void		 cache_bump(struct cache *, struct item *, int fetch);
int		 cache_lru_free_one(struct cache *, unsigned int);

/* alloc.c */
unsigned int	 cache_size_clsid(const struct cache *, size_t, uint64_t,
		    uint32_t);
struct item	*cache_item_alloc(struct cache *, const void *, size_t,
		    uint64_t, uint32_t, int *);

/* Converts an absolute expiry to item time: 0 never, 1 already past. */
static inline uint32_t
cache_reltime(const struct cache *c, int64_t abs)
{
	int64_t	 r;

	if (abs == 0)
		return (0);
	if (abs < 0 || abs <= c->c_epoch)
		return (1);
	r = abs - c->c_epoch;
	if (r > (int64_t)UINT32_MAX)
		return (UINT32_MAX);
	return ((uint32_t)r);
}

/* Returns 0 if the item is valid, 1 if expired, 2 if flushed. */
static inline int
cache_item_dead(const struct cache *c, const struct item *it)
{
	if ((int32_t)(it->it_mtime - c->c_flush_mepoch) < 0)
		return (2);
	if (it->it_exptime != 0 && it->it_exptime <= c->c_rnow)
		return (1);
	return (0);
}

/*
 * What decides which items a later storage child may read back: kept in
 * the shared header whenever it changes (a flush) and on each clock tick.
 */
static inline void
cache_region_sync(struct cache *c)
{
	struct region_hdr	*h = c->c_region;

	if (h == NULL)
		return;
	h->rh_mepoch = c->c_mepoch;
	h->rh_flush_mepoch = c->c_flush_mepoch;
	h->rh_flush_at = c->c_flush_at;
}

/* Keeps the earliest expiry known, so the crawler knows when to run. */
static inline void
cache_note_exp(struct cache *c, uint32_t exp)
{
	if (exp == 0)
		return;
	if (c->c_next_exp == 0 || exp < c->c_next_exp)
		c->c_next_exp = exp;
	if (c->c_crawling && (c->c_pass_exp == 0 || exp < c->c_pass_exp))
		c->c_pass_exp = exp;
}

#endif /* PRIVCACHED_CACHE_INT_H */
