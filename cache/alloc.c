/*
 * Memory for items: a chunk from the class's free list, else from its LRU
 * tail, else a page moved over from another class; chained chunks for
 * items larger than the largest class.
 */

#include <sys/types.h>

#include <stdint.h>
#include <string.h>

#include "msg.h"
#include "cache.h"
#include "cache_int.h"

/* Rounds of (free list, LRU tail, page move) for one chunk. */
#define CACHE_ALLOC_TRIES	8
/* Classes tried as donors of a page for a starving class. */
#define CACHE_DONOR_TRIES	3

/*
 * Evicts every item with a chunk in page idx.  Returns 0 when the page is
 * all free, -1 if an item there is busy.
 */
int
cache_page_clear(struct cache *c, uint32_t idx)
{
	struct slab	*s = &c->c_slab;
	struct slab_class *sc = &s->s_class[s->s_pages[idx].pg_clsid];
	struct item	*it;
	uint8_t		*p;
	uint32_t	 n;

	for (n = 0; n < sc->sc_perslab; n++) {
		p = slab_page_chunk(s, idx, n);
		if (p[0] == CHUNK_FREE)
			continue;
		if (p[0] & IT_CHAIN)
			it = slab_ptr(s, ((struct item_chunk *)p)->ch_head);
		else
			it = (struct item *)p;
		if ((it->it_type & IT_BUSY) || !(it->it_type & IT_LINKED))
			return (-1);
		cache_evict(c, it);
	}
	return (0);
}

/*
 * A class that cannot evict its way to a chunk (its LRU is empty) takes a
 * page from the class holding the most, emptied by eviction, so that one
 * size never locks the others out of memory.  Returns 0 on success.
 */
int
cache_page_donate(struct cache *c, unsigned int id)
{
	struct slab	*s = &c->c_slab;
	struct item	*tail;
	uint64_t	 tried = 0;
	uint32_t	 idx, best_pages;
	unsigned int	 v, best, t;

	if (!c->c_evict)
		return (-1);
	for (t = 0; t < CACHE_DONOR_TRIES; t++) {
		best = 0;
		best_pages = 0;
		for (v = 1; v <= s->s_largest; v++) {
			if (v == id || (tried & ((uint64_t)1 << v)))
				continue;
			if (s->s_class[v].sc_npages > best_pages) {
				best = v;
				best_pages = s->s_class[v].sc_npages;
			}
		}
		if (best == 0)
			return (-1);
		tried |= (uint64_t)1 << best;
		/* The page of the oldest item: the least missed. */
		if ((tail = lru_tail(s, &c->c_lru[best])) != NULL)
			idx = slab_page_index(s, tail);
		else
			idx = slab_class_page(s, best);
		if (idx == UINT32_MAX || cache_page_clear(c, idx) == -1)
			continue;
		slab_page_move(s, idx, id);
		c->c_st.st_slabs_moved++;
		return (0);
	}
	return (-1);
}

/* Returns a chunk of class id, reclaiming or evicting as allowed, or NULL. */
void *
cache_chunk_alloc(struct cache *c, unsigned int id, size_t requested)
{
	void		*p;
	unsigned int	 n;

	for (n = 0; n < CACHE_ALLOC_TRIES; n++) {
		if ((p = slab_alloc(&c->c_slab, id, requested)) != NULL)
			return (p);
		c->c_cls[id].cs_direct_reclaims++;
		if (cache_lru_free_one(c, id) == 0)
			continue;
		if (cache_page_donate(c, id) == 0)
			continue;
		break;
	}
	c->c_cls[id].cs_outofmemory++;
	return (NULL);
}

/* Returns the class of an item's head chunk for these sizes, 0 if none. */
unsigned int
cache_size_clsid(const struct cache *c, size_t nkey, uint64_t nbytes,
    uint32_t cflags)
{
	uint64_t	 ntotal;

	ntotal = item_hdr_len(c->c_cas, cflags != 0) + nkey + nbytes;
	if (ntotal > c->c_item_size_max)
		return (0);
	if (ntotal > c->c_slab.s_class[c->c_slab.s_largest].sc_size)
		return (c->c_slab.s_largest);
	return (slab_clsid(&c->c_slab, (size_t)ntotal));
}

/*
 * Allocates an unlinked, busy item with key, flags and room for nbytes of
 * value (exptime, marks and cas left to the caller).  Returns NULL with
 * *status CACHE_TOO_LARGE or CACHE_NO_MEMORY.
 */
struct item *
cache_item_alloc(struct cache *c, const void *key, size_t nkey,
    uint64_t nbytes, uint32_t cflags, int *status)
{
	struct slab		*s = &c->c_slab;
	struct item		*it;
	struct item_chunkref	*ref;
	struct item_chunk	*ch, **tailp;
	uint64_t		 ntotal, rest;
	size_t			 hdr, off, cap, len;
	unsigned int		 id, big;
	uint32_t		 headid;

	hdr = item_hdr_len(c->c_cas, cflags != 0);
	ntotal = hdr + nkey + nbytes;
	if (nkey > UINT8_MAX || nbytes > UINT32_MAX ||
	    ntotal > c->c_item_size_max) {
		*status = CACHE_TOO_LARGE;
		return (NULL);
	}
	big = s->s_largest;
	if (ntotal <= s->s_class[big].sc_size) {
		id = slab_clsid(s, (size_t)ntotal);
		if ((it = cache_chunk_alloc(c, id, (size_t)ntotal)) == NULL) {
			*status = CACHE_NO_MEMORY;
			return (NULL);
		}
		memset(it, 0, ITEM_HDR);
		it->it_type = IT_HEAD | IT_BUSY;
		off = 0;
	} else {
		/* Head chunk of the largest class, value spilling over. */
		off = item_ref_off(c->c_cas, cflags != 0, nkey) +
		    sizeof(struct item_chunkref);
		cap = s->s_class[big].sc_size - off;
		len = nbytes < cap ? (size_t)nbytes : cap;
		if ((it = cache_chunk_alloc(c, big, off + len)) == NULL) {
			*status = CACHE_NO_MEMORY;
			return (NULL);
		}
		memset(it, 0, ITEM_HDR);
		it->it_type = IT_HEAD | IT_BUSY | IT_CHUNKED;
		off = len;
	}
	if (c->c_cas)
		it->it_type |= IT_CAS;
	if (cflags != 0)
		it->it_type |= IT_CFLAGS;
	it->it_nkey = (uint8_t)nkey;
	it->it_nbytes = (uint32_t)nbytes;
	it->it_clsid = (uint8_t)slab_page_clsid(s, it);
	item_set_cas(it, 0);
	if (cflags != 0)
		memcpy(it->it_data + (c->c_cas ? 8 : 0), &cflags,
		    sizeof(cflags));
	memcpy(item_keyp(it), key, nkey);
	if ((it->it_type & IT_CHUNKED) == 0)
		return (it);

	ref = item_ref(it);
	ref->cr_first = NULL;
	ref->cr_len = (uint32_t)off;
	ref->cr_pad = 0;
	tailp = &ref->cr_first;
	headid = slab_id(s, it);
	cap = s->s_class[big].sc_size - ITEM_CHUNK_HDR;
	for (rest = nbytes - off; rest > 0; rest -= len) {
		len = rest < cap ? (size_t)rest : cap;
		id = len == cap ? big : slab_clsid(s, ITEM_CHUNK_HDR + len);
		ch = cache_chunk_alloc(c, id, ITEM_CHUNK_HDR + len);
		if (ch == NULL && id != big)
			ch = cache_chunk_alloc(c, big, ITEM_CHUNK_HDR + len);
		if (ch == NULL) {
			cache_item_free(c, it);
			*status = CACHE_NO_MEMORY;
			return (NULL);
		}
		/* Typed at once: a page move may look at it next. */
		ch->ch_type = IT_CHAIN;
		ch->ch_head = headid;
		ch->ch_len = (uint32_t)len;
		ch->ch_next = NULL;
		*tailp = ch;
		tailp = &ch->ch_next;
	}
	return (it);
}
