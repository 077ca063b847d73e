/*
 * Background work between requests: the crawler that reclaims expired
 * and flushed items, the hash table's growth, and (memlimit.c) pages
 * given back past a lowered cache_memlimit.
 */

#include <sys/types.h>

#include <stdint.h>

#include "msg.h"
#include "cache.h"
#include "cache_int.h"
#include "memlimit.h"

static int	cache_crawl(struct cache *, unsigned int);

int
cache_maintain(struct cache *c, unsigned int budget)
{
	int	 more;

	more = cache_crawl(c, budget);
	return (cache_shrink(c, budget) | more);
}

static int
cache_crawl(struct cache *c, unsigned int budget)
{
	struct assoc	*a = &c->c_assoc;
	struct item	*it;
	uint64_t	 nb;
	uint32_t	 id, next;
	unsigned int	 n;
	int		 dead;

	if (assoc_expanding(a)) {
		if (assoc_migrate(a, &c->c_slab, budget))
			return (1);
		budget = budget / 2;
	}
	if (!c->c_crawling) {
		if (!c->c_crawl_flush &&
		    (c->c_next_exp == 0 || c->c_next_exp > c->c_rnow))
			return (0);
		c->c_crawling = 1;
		c->c_crawl_flush = 0;
		c->c_crawl_pos = 0;
		c->c_pass_exp = 0;
		c->c_st.st_crawler_starts++;
	}

	nb = (uint64_t)1 << a->as_power;
	for (n = 0; n < budget && c->c_crawl_pos < nb; c->c_crawl_pos++) {
		n++;
		for (id = a->as_table[c->c_crawl_pos]; id != 0; id = next) {
			it = slab_ptr(&c->c_slab, id);
			next = it->it_hnext;
			n++;
			c->c_cls[it->it_clsid].cs_crawler_checked++;
			if ((dead = cache_item_dead(c, it)) != 0) {
				c->c_cls[it->it_clsid].cs_crawler_reclaimed++;
				if (dead == 1 &&
				    (it->it_mark & IT_FETCHED) == 0)
					c->c_cls[it->it_clsid].
					    cs_expired_unfetched++;
				cache_drop(c, it);
			} else if (it->it_exptime != 0 &&
			    (c->c_pass_exp == 0 ||
			    it->it_exptime < c->c_pass_exp))
				c->c_pass_exp = it->it_exptime;
		}
	}
	if (c->c_crawl_pos < nb)
		return (1);
	c->c_crawling = 0;
	c->c_next_exp = c->c_pass_exp;
	if (c->c_crawl_flush ||
	    (c->c_next_exp != 0 && c->c_next_exp <= c->c_rnow))
		return (1);
	return (0);
}
