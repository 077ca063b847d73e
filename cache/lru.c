/*
 * The LRU policy (bump rate limit, second chance for active items,
 * eviction) on the per-class lists of lru.h.
 */

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "msg.h"
#include "cache.h"
#include "cache_int.h"
#include "item.h"
#include "lru.h"
#include "slab.h"

/* memcached's ITEM_UPDATE_INTERVAL: relink an item at most once a minute. */
#define CACHE_BUMP_INTERVAL	60
/* LRU tail items examined for one allocation, and rescued at most. */
#define CACHE_TAIL_SEARCH	16
#define CACHE_RESCUE_MAX	4

void
cache_on_evict(struct cache *c, void (*fn)(void *,
    const struct cache_eviction *, const void *), void *arg)
{
	c->c_on_evict = fn;
	c->c_on_evict_arg = arg;
}

/* What memcached's eviction log line shows of it. */
static void
cache_evict_tell(struct cache *c, const struct item *it)
{
	struct cache_eviction	ev;

	memset(&ev, 0, sizeof(ev));
	ev.ev_ttl = it->it_exptime == 0 ? -1 :
	    (int64_t)it->it_exptime - c->c_rnow;
	ev.ev_la = c->c_rnow - it->it_atime;
	ev.ev_nbytes = it->it_nbytes;
	ev.ev_nkey = it->it_nkey;
	ev.ev_clsid = it->it_clsid;
	ev.ev_fetched = (it->it_mark & IT_FETCHED) != 0;
	c->c_on_evict(c->c_on_evict_arg, &ev, item_key(it));
}

void
cache_evict(struct cache *c, struct item *it)
{
	struct cache_cls_stats	*cs = &c->c_cls[it->it_clsid];

	if (c->c_on_evict != NULL)
		cache_evict_tell(c, it);
	cs->cs_evicted++;
	if (it->it_exptime != 0)
		cs->cs_evicted_nonzero++;
	if ((it->it_mark & IT_FETCHED) == 0)
		cs->cs_evicted_unfetched++;
	cs->cs_evicted_time = c->c_rnow - it->it_atime;
	cache_drop(c, it);
}

/*
 * Records an access.  Relinking at most once a minute keeps hits cheap;
 * an item hit in between is marked active and gets a second chance at
 * the tail instead (memcached's segmented LRU, in one list).
 */
void
cache_bump(struct cache *c, struct item *it, int fetch)
{
	if (fetch)
		it->it_mark |= IT_FETCHED;
	if (c->c_rnow - it->it_atime >= CACHE_BUMP_INTERVAL) {
		lru_bump(&c->c_slab, &c->c_lru[it->it_clsid], it);
		it->it_mark &= ~IT_ACTIVE;
	} else
		it->it_mark |= IT_ACTIVE;
	it->it_atime = c->c_rnow;
}

/*
 * Frees one chunk's worth in class id from its LRU tail: an expired or
 * flushed item first, else (with eviction on) the least recently used one,
 * active items getting a second chance.  Returns 0 if it freed an item.
 */
int
cache_lru_free_one(struct cache *c, unsigned int id)
{
	struct lru		*l = &c->c_lru[id];
	struct cache_cls_stats	*cs = &c->c_cls[id];
	struct item		*it, *newer;
	unsigned int		 n, rescued = 0;

	it = lru_tail(&c->c_slab, l);
	for (n = 0; it != NULL && n < CACHE_TAIL_SEARCH; n++, it = newer) {
		newer = lru_newer(&c->c_slab, it);
		if (it->it_type & IT_BUSY)
			continue;
		if (cache_item_dead(c, it) != 0) {
			cs->cs_reclaimed++;
			if ((it->it_mark & IT_FETCHED) == 0)
				cs->cs_expired_unfetched++;
			cache_drop(c, it);
			return (0);
		}
		if (!c->c_evict)
			continue;
		if ((it->it_mark & IT_ACTIVE) && rescued < CACHE_RESCUE_MAX) {
			it->it_mark &= ~IT_ACTIVE;
			lru_bump(&c->c_slab, l, it);
			cs->cs_moves_within_lru++;
			rescued++;
			continue;
		}
		cache_evict(c, it);
		return (0);
	}
	return (-1);
}
