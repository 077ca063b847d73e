/*
 * What the admin commands (cache/admin.c) need of the cache's insides:
 * a walk over one class's live items (the memory limit: memlimit.c).
 */

#include <stdint.h>
#include <string.h>

#include "cache.h"
#include "cache_int.h"

unsigned int
cache_nclasses(const struct cache *c)
{
	return (c->c_slab.s_largest);
}

void
cache_walk(struct cache *c, unsigned int clsid,
    int (*fn)(void *, const struct cache_item_info *), void *arg)
{
	struct cache_item_info	 ii;
	struct item		*it;

	if (clsid == 0 || clsid >= SLAB_CLASS_MAX)
		return;
	for (it = lru_tail(&c->c_slab, &c->c_lru[clsid]); it != NULL;
	    it = lru_newer(&c->c_slab, it)) {
		if (cache_item_dead(c, it))
			continue;
		memset(&ii, 0, sizeof(ii));
		ii.ii_key = item_keyp(it);
		ii.ii_nkey = it->it_nkey;
		ii.ii_exptime = it->it_exptime == 0 ? 0 :
		    c->c_epoch + it->it_exptime;
		ii.ii_atime = c->c_epoch + it->it_atime;
		ii.ii_cas = item_get_cas(it);
		ii.ii_size = item_ntotal(it);
		ii.ii_nbytes = it->it_nbytes;
		ii.ii_clsid = it->it_clsid;
		ii.ii_fetched = (it->it_mark & IT_FETCHED) != 0;
		if (fn(arg, &ii) != 0)
			break;
	}
}
