/*
 * Prefetch for a batch of requests: storage.c touches the buckets, items
 * and values of the requests ahead while it executes the current one.
 */

#include <sys/types.h>

#include <stdint.h>

#include "msg.h"
#include "cache.h"
#include "cache_int.h"

uint64_t
cache_prefetch_bucket(struct cache *c, const void *key, size_t nkey)
{
	uint64_t	hv;

	hv = assoc_hash(&c->c_assoc, key, nkey);
	assoc_prefetch_bucket(&c->c_assoc, hv);
	return (hv);
}

void
cache_prefetch_item(struct cache *c, uint64_t hv)
{
	assoc_prefetch_head(&c->c_assoc, &c->c_slab, hv);
}

/*
 * If the bucket's first item holds the key, a store or delete will unlink
 * it from its LRU (touching both neighbours, random memory) and a get
 * will copy its value; if not, the lookup goes on down the chain.
 */
void
cache_prefetch_deep(struct cache *c, uint64_t hv, const void *key,
    size_t nkey, unsigned int op)
{
	struct item	*it;
	const char	*v;

	if ((it = assoc_first(&c->c_assoc, &c->c_slab, hv)) == NULL)
		return;
	if (!item_key_eq(it, key, nkey)) {
		if (it->it_hnext != 0)
			__builtin_prefetch(slab_ptr(&c->c_slab, it->it_hnext));
		return;
	}
	switch (op) {
	case CACHE_OP_GET:
		if (it->it_type & IT_CHUNKED)
			break;
		v = (const char *)item_valuep(it);
		__builtin_prefetch(v);
		__builtin_prefetch(v + 64);
		__builtin_prefetch(v + 128);
		__builtin_prefetch(v + 192);
		break;
	case CACHE_OP_STORE:
	case CACHE_OP_DELETE:
		if (it->it_prev != 0)
			__builtin_prefetch(slab_ptr(&c->c_slab, it->it_prev));
		if (it->it_next != 0)
			__builtin_prefetch(slab_ptr(&c->c_slab, it->it_next));
		break;
	default:
		break;
	}
}
