/*
 * cache_memlimit: the limit on the pages classes hold, anywhere up to the
 * reserve the item memory was sized for, and giving pages past it back
 * to the system as they empty.
 *
 * A higher limit takes effect at the next page a class needs.  A lower
 * one cannot take items away: stores stop taking new pages until classes
 * hold less than it, eviction makes room within what they hold, and
 * pages whose items are all gone (deleted, expired, flushed, or moved
 * out by eviction) go back to the system here, between requests, so the
 * store path does no more than compare two counters per new page.
 */

#include <sys/types.h>

#include <errno.h>
#include <stdint.h>

#include "msg.h"
#include "cache.h"
#include "cache_int.h"
#include "log.h"
#include "memlimit.h"

int
cache_set_maxbytes(struct cache *c, uint64_t bytes)
{
	struct slab	*s = &c->c_slab;
	uint64_t	 pages = bytes / s->s_page_size;

	if (pages == 0 || pages > s->s_npages)
		return (-1);
	s->s_nlimit = (uint32_t)pages;
	c->c_maxbytes = bytes;
	/* A storage child after us keeps it (recover.c). */
	if (c->c_region != NULL)
		c->c_region->rh_limit = bytes;
	return (0);
}

uint64_t
cache_maxbytes(const struct cache *c)
{
	return (c->c_maxbytes);
}

uint64_t
cache_memlimit_restore(struct cache *c, uint64_t bytes)
{
	if (bytes != 0 && cache_set_maxbytes(c, bytes) == -1 &&
	    c->c_region != NULL)
		c->c_region->rh_limit = 0;
	return (c->c_maxbytes);
}

int
cache_shrink(struct cache *c, unsigned int budget)
{
	static int	 warned;
	struct slab	*s = &c->c_slab;
	uint32_t	 idx, n;

	if (s->s_nheld <= s->s_nlimit) {
		s->s_scan = 0;
		return (0);
	}
	/* A page empties when its last item goes: look again a second on. */
	if (s->s_scan == 0 && s->s_scan_done == c->c_rnow)
		return (0);
	while (budget > 0 && s->s_scan < s->s_nused &&
	    s->s_nheld > s->s_nlimit) {
		idx = s->s_scan++;
		if (s->s_pages[idx].pg_clsid == 0)
			continue;
		n = s->s_class[s->s_pages[idx].pg_clsid].sc_perslab;
		budget -= n < budget ? n : budget;
		if (!slab_page_empty(s, idx))
			continue;
		if (slab_page_release(s, idx) == -1 && !warned) {
			/* The page is reused first all the same. */
			log_warn("item memory: a page past cache_memlimit "
			    "could not be given back to the system");
			warned = 1;
		}
	}
	if (s->s_scan < s->s_nused && s->s_nheld > s->s_nlimit)
		return (1);
	s->s_scan = 0;
	s->s_scan_done = c->c_rnow;
	return (0);
}
