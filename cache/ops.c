/*
 * The cache engine of the storage child: executes one struct cache_req at
 * a time against the slabs, the hash table and the per-class LRUs, runs
 * background reclamation and reports statistics.  No I/O, no processes:
 * cache/storage.c feeds it decoded requests and a clock.
 *
 * Items are linked (hash table + LRU of their head's class) or free; the
 * item an op works on is marked IT_BUSY while the op allocates, so that
 * eviction and page moves never pull it from under the op.  Nothing here
 * mallocs per request: items come from slab chunks, replies point into
 * them.  Loops are bounded; nothing recurses.
 */

#include <sys/types.h>

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "msg.h"
#include "assoc.h"
#include "cache.h"
#include "item.h"
#include "lru.h"
#include "siphash.h"
#include "slab.h"

/* memcached's ITEM_UPDATE_INTERVAL: relink an item at most once a minute. */
#define CACHE_BUMP_INTERVAL	60
/* Item times are seconds from c_epoch, 2^31 s before the clock at start. */
#define CACHE_EPOCH_BACK	((int64_t)1 << 31)
/* Old hash buckets drained per request while the table grows. */
#define CACHE_MIGRATE_PER_OP	2
/* LRU tail items examined for one allocation, and rescued at most. */
#define CACHE_TAIL_SEARCH	16
#define CACHE_RESCUE_MAX	4
/* Rounds of (free list, LRU tail, page move) for one chunk. */
#define CACHE_ALLOC_TRIES	8
/* Classes tried as donors of a page for a starving class. */
#define CACHE_DONOR_TRIES	3
/* Bounds of -I (memcached: 1k .. 1024m). */
#define CACHE_ITEM_MIN		1024U
#define CACHE_ITEM_MAX		(1024U * 1024 * 1024)
/* The largest class must hold a chunked item's head with a 250-byte key. */
#define CACHE_CHUNK_MAX_MIN	512U
/* Room for 2^64 - 1 in decimal. */
#define CACHE_U64_DIGITS	20

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
	 * one second, unlike a comparison of seconds.
	 */
	uint32_t		 c_mepoch;
	uint32_t		 c_flush_mepoch;
	int			 c_mepoch_used;
	int64_t			 c_flush_at;	/* delayed flush, 0: none */

	/* Crawler: a cursor over the hash buckets. */
	int			 c_crawling;
	int			 c_crawl_flush;	/* a flush wants a pass */
	uint64_t		 c_crawl_pos;
	uint32_t		 c_next_exp;	/* earliest expiry, 0: none */
	uint32_t		 c_pass_exp;
};

static uint32_t		 cache_reltime(const struct cache *, int64_t);
static int		 cache_item_dead(const struct cache *,
			    const struct item *);
static void		 cache_note_exp(struct cache *, uint32_t);
static uint64_t		 cache_new_cas(struct cache *,
			    const struct cache_req *);
static struct item	*cache_lookup(struct cache *, const void *, size_t,
			    uint64_t);
static void		 cache_link(struct cache *, struct item *, uint64_t);
static void		 cache_unlink(struct cache *, struct item *, uint64_t);
static void		 cache_item_free(struct cache *, struct item *);
static void		 cache_drop(struct cache *, struct item *);
static void		 cache_evict(struct cache *, struct item *);
static void		 cache_bump(struct cache *, struct item *, int);
static int		 cache_lru_free_one(struct cache *, unsigned int);
static int		 cache_page_donate(struct cache *, unsigned int);
static int		 cache_page_clear(struct cache *, uint32_t);
static void		*cache_chunk_alloc(struct cache *, unsigned int,
			    size_t);
static struct item	*cache_item_alloc(struct cache *, const void *,
			    size_t, uint64_t, uint32_t, int *);
static unsigned int	 cache_size_clsid(const struct cache *, size_t,
			    uint64_t, uint32_t);
static void		 cache_rep_meta(const struct cache *,
			    const struct item *, struct cache_rep *);
static void		 cache_rep_item(struct cache *,
			    const struct cache_req *, struct item *,
			    struct cache_rep *, const struct item **, int);
static int		 cache_parse_u64(const uint8_t *, size_t, uint64_t *);
static size_t		 cache_u64_dec(uint64_t, char *);
static void		 cache_flush_now(struct cache *);
static void		 cache_op_get(struct cache *, const struct cache_req *,
			    const void *, uint64_t, struct cache_rep *,
			    const struct item **);
static void		 cache_op_store(struct cache *,
			    const struct cache_req *, const void *,
			    const void *, uint64_t, struct cache_rep *);
static void		 cache_op_delete(struct cache *,
			    const struct cache_req *, const void *, uint64_t,
			    struct cache_rep *);
static void		 cache_op_arith(struct cache *,
			    const struct cache_req *, const void *, uint64_t,
			    struct cache_rep *, const struct item **);
static void		 cache_op_touch(struct cache *,
			    const struct cache_req *, const void *, uint64_t,
			    struct cache_rep *);

struct cache *
cache_new(const struct cache_conf *conf)
{
	struct cache	*c;
	uint8_t		 key[SIPHASH_KEY_LEN];
	int		 saved;

	if (conf->cc_item_size_max < CACHE_ITEM_MIN ||
	    conf->cc_item_size_max > CACHE_ITEM_MAX ||
	    conf->cc_hashpower > ASSOC_POWER_MAX) {
		errno = EINVAL;
		return (NULL);
	}
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return (NULL);
	if (slab_init(&c->c_slab, conf, ITEM_HDR) == -1) {
		saved = errno;
		free(c);
		errno = saved;
		return (NULL);
	}
	if (c->c_slab.s_class[c->c_slab.s_largest].sc_size <
	    CACHE_CHUNK_MAX_MIN) {
		slab_destroy(&c->c_slab);
		free(c);
		errno = EINVAL;
		return (NULL);
	}
	arc4random_buf(key, sizeof(key));
	if (assoc_init(&c->c_assoc, conf->cc_hashpower, key) == -1) {
		saved = errno;
		explicit_bzero(key, sizeof(key));
		slab_destroy(&c->c_slab);
		free(c);
		errno = saved;
		return (NULL);
	}
	explicit_bzero(key, sizeof(key));

	c->c_maxbytes = conf->cc_maxbytes;
	c->c_item_size_max = conf->cc_item_size_max;
	c->c_evict = conf->cc_evict != 0;
	c->c_cas = conf->cc_cas != 0;
	c->c_now = time(NULL);
	c->c_epoch = c->c_now - CACHE_EPOCH_BACK;
	c->c_rnow = (uint32_t)CACHE_EPOCH_BACK;
	c->c_mepoch = 1;
	c->c_flush_mepoch = 1;
	return (c);
}

void
cache_free(struct cache *c)
{
	if (c == NULL)
		return;
	assoc_destroy(&c->c_assoc);
	slab_destroy(&c->c_slab);
	free(c);
}

void
cache_set_time(struct cache *c, int64_t now)
{
	int64_t	 r;

	c->c_now = now;
	r = now > INT64_MIN / 2 ? now - c->c_epoch : 1;
	if (r < 1)
		r = 1;
	if (r > (int64_t)UINT32_MAX - 1)
		r = (int64_t)UINT32_MAX - 1;
	c->c_rnow = (uint32_t)r;
	if (c->c_flush_at != 0 && now >= c->c_flush_at) {
		c->c_flush_at = 0;
		cache_flush_now(c);
	}
}

/* Converts an absolute expiry to item time: 0 never, 1 already past. */
static uint32_t
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
static int
cache_item_dead(const struct cache *c, const struct item *it)
{
	if ((int32_t)(it->it_mtime - c->c_flush_mepoch) < 0)
		return (2);
	if (it->it_exptime != 0 && it->it_exptime <= c->c_rnow)
		return (1);
	return (0);
}

/* Keeps the earliest expiry known, so the crawler knows when to run. */
static void
cache_note_exp(struct cache *c, uint32_t exp)
{
	if (exp == 0)
		return;
	if (c->c_next_exp == 0 || exp < c->c_next_exp)
		c->c_next_exp = exp;
	if (c->c_crawling && (c->c_pass_exp == 0 || exp < c->c_pass_exp))
		c->c_pass_exp = exp;
}

static uint64_t
cache_new_cas(struct cache *c, const struct cache_req *rq)
{
	if (!c->c_cas)
		return (0);
	if (rq->cr_opts & CACHE_OPT_NEW_CAS)
		return (rq->cr_newcas);
	return (++c->c_cas_next);
}

/* Finds a valid item; an expired or flushed one is reclaimed on the way. */
static struct item *
cache_lookup(struct cache *c, const void *key, size_t nkey, uint64_t hv)
{
	struct item	*it;
	int		 dead;

	it = assoc_find(&c->c_assoc, &c->c_slab, key, nkey, hv);
	if (it == NULL)
		return (NULL);
	if ((dead = cache_item_dead(c, it)) != 0) {
		/* memcached counts these on every lookup, stores included. */
		if (dead == 2)
			c->c_st.st_get_flushed++;
		else
			c->c_st.st_get_expired++;
		cache_unlink(c, it, hv);
		cache_item_free(c, it);
		return (NULL);
	}
	return (it);
}

static void
cache_link(struct cache *c, struct item *it, uint64_t hv)
{
	it->it_type = (it->it_type & ~IT_BUSY) | IT_LINKED;
	it->it_mtime = c->c_mepoch;
	c->c_mepoch_used = 1;
	assoc_insert(&c->c_assoc, &c->c_slab, it, hv);
	lru_link(&c->c_slab, &c->c_lru[it->it_clsid], it);
	c->c_curr_items++;
	c->c_st.st_total_items++;
	c->c_bytes += item_ntotal(it);
	cache_note_exp(c, it->it_exptime);
}

static void
cache_unlink(struct cache *c, struct item *it, uint64_t hv)
{
	assoc_delete(&c->c_assoc, &c->c_slab, it, hv);
	lru_unlink(&c->c_slab, &c->c_lru[it->it_clsid], it);
	it->it_type &= ~IT_LINKED;
	c->c_curr_items--;
	c->c_bytes -= item_ntotal(it);
}

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

/*
 * The arena is mapped once at -m: a new limit may shrink the budget items
 * are held to (eviction makes room as stores come) or grow it back up to
 * the arena, never past it.
 */
int
cache_set_maxbytes(struct cache *c, uint64_t bytes)
{
	uint64_t	pages = bytes / c->c_slab.s_page_size;

	if (pages == 0 || bytes > c->c_slab.s_size)
		return (-1);
	/* Pages classes hold already stay theirs: items are not moved. */
	c->c_slab.s_nlimit = (uint32_t)pages;
	c->c_maxbytes = bytes;
	return (0);
}

/* Frees an unlinked item and its chain. */
static void
cache_item_free(struct cache *c, struct item *it)
{
	struct item_chunkref	*ref;
	struct item_chunk	*ch, *next;
	size_t			 headreq;

	if (it->it_type & IT_CHUNKED) {
		ref = item_ref(it);
		headreq = (size_t)((uint8_t *)(ref + 1) - (uint8_t *)it) +
		    ref->cr_len;
		for (ch = ref->cr_first; ch != NULL; ch = next) {
			next = ch->ch_next;
			slab_free(&c->c_slab, ch, ITEM_CHUNK_HDR + ch->ch_len);
		}
	} else
		headreq = item_ntotal(it);
	slab_free(&c->c_slab, it, headreq);
}

/* Unlinks and frees a linked item whose hash we do not have. */
static void
cache_drop(struct cache *c, struct item *it)
{
	cache_unlink(c, it, assoc_hash(&c->c_assoc, item_keyp(it),
	    it->it_nkey));
	cache_item_free(c, it);
}

static void
cache_evict(struct cache *c, struct item *it)
{
	struct cache_cls_stats	*cs = &c->c_cls[it->it_clsid];

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
static void
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
static int
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

/*
 * Evicts every item with a chunk in page idx.  Returns 0 when the page is
 * all free, -1 if an item there is busy.
 */
static int
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
static int
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
static void *
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
static unsigned int
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
static struct item *
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

/* Fills flags, cas, class, size and ttl of a reply. */
static void
cache_rep_meta(const struct cache *c, const struct item *it,
    struct cache_rep *rp)
{
	rp->rp_flags = item_get_cflags(it);
	rp->rp_cas = item_get_cas(it);
	rp->rp_clsid = it->it_clsid;
	rp->rp_size = (uint32_t)item_ntotal(it);
	rp->rp_vlen = it->it_nbytes;
	if (it->it_exptime == 0)
		rp->rp_ttl = -1;
	else if (it->it_exptime <= c->c_rnow)
		rp->rp_ttl = 0;
	else
		rp->rp_ttl = (int64_t)it->it_exptime - c->c_rnow;
}

/* Fills a hit reply; the key and value when asked for. */
static void
cache_rep_item(struct cache *c, const struct cache_req *rq, struct item *it,
    struct cache_rep *rp, const struct item **itp, int value)
{
	cache_rep_meta(c, it, rp);
	if (rq->cr_opts & CACHE_OPT_WANT_KEY) {
		rp->rp_nkey = it->it_nkey;
		*itp = it;
	}
	if (value && (rq->cr_opts & CACHE_OPT_WANT_VALUE) &&
	    it->it_nbytes > 0) {
		rp->rp_nvalue = it->it_nbytes;
		*itp = it;
	}
}

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

void
cache_exec(struct cache *c, const struct cache_req *rq, const void *key,
    const void *value, struct cache_rep *rp, const struct item **itp)
{
	uint64_t	 hv;

	memset(rp, 0, sizeof(*rp));
	rp->rp_connid = rq->cr_connid;
	*itp = NULL;
	if (assoc_expanding(&c->c_assoc))
		assoc_migrate(&c->c_assoc, &c->c_slab, CACHE_MIGRATE_PER_OP);

	switch (rq->cr_op) {
	case CACHE_OP_FLUSH:
		c->c_st.st_cmd_flush++;
		if (rq->cr_exptime <= c->c_now) {
			c->c_flush_at = 0;
			cache_flush_now(c);
		} else
			c->c_flush_at = rq->cr_exptime;
		rp->rp_status = CACHE_OK;
		return;
	case CACHE_OP_NOOP:
		rp->rp_status = CACHE_OK;
		return;
	default:
		break;
	}

	if (rq->cr_nkey == 0 || rq->cr_nkey > UINT8_MAX) {
		rp->rp_status = CACHE_MISS;
		return;
	}
	hv = assoc_hash(&c->c_assoc, key, rq->cr_nkey);
	switch (rq->cr_op) {
	case CACHE_OP_GET:
		cache_op_get(c, rq, key, hv, rp, itp);
		break;
	case CACHE_OP_STORE:
		cache_op_store(c, rq, key, value, hv, rp);
		break;
	case CACHE_OP_DELETE:
		cache_op_delete(c, rq, key, hv, rp);
		break;
	case CACHE_OP_ARITH:
		cache_op_arith(c, rq, key, hv, rp, itp);
		break;
	case CACHE_OP_TOUCH:
		cache_op_touch(c, rq, key, hv, rp);
		break;
	default:
		rp->rp_status = CACHE_MISS;
		break;
	}
}

static void
cache_op_get(struct cache *c, const struct cache_req *rq, const void *key,
    uint64_t hv, struct cache_rep *rp, const struct item **itp)
{
	struct item	*it;
	int		 touch, won = 0, st, value = 1;

	touch = (rq->cr_opts & CACHE_OPT_TOUCH) != 0;
	if (touch)
		c->c_st.st_cmd_touch++;
	else
		c->c_st.st_cmd_get++;

	if ((it = cache_lookup(c, key, rq->cr_nkey, hv)) == NULL) {
		if ((rq->cr_opts & CACHE_OPT_VIVIFY) == 0 ||
		    (it = cache_item_alloc(c, key, rq->cr_nkey, 0, 0,
		    &st)) == NULL) {
			if (touch)
				c->c_st.st_touch_misses++;
			else
				c->c_st.st_get_misses++;
			rp->rp_status = CACHE_MISS;
			return;
		}
		/* mg N: an empty stub; this client recaches it. */
		it->it_exptime = cache_reltime(c, rq->cr_vivify_exptime);
		it->it_atime = c->c_rnow;
		it->it_mark = IT_WIN_SENT;
		item_set_cas(it, cache_new_cas(c, rq));
		cache_link(c, it, hv);
		rp->rp_info = CACHE_INFO_WON;
	} else {
		if (it->it_mark & IT_FETCHED)
			rp->rp_info |= CACHE_INFO_FETCHED;
		rp->rp_last_access = c->c_rnow - it->it_atime;
		if (touch) {
			it->it_exptime = cache_reltime(c, rq->cr_exptime);
			cache_note_exp(c, it->it_exptime);
		}
		if ((rq->cr_opts & CACHE_OPT_RECACHE) &&
		    (it->it_mark & IT_WIN_SENT) == 0 &&
		    it->it_exptime != 0 &&
		    (int64_t)it->it_exptime - c->c_rnow < rq->cr_recache_ttl)
			won = 1;
		if (it->it_mark & IT_WIN_SENT)
			rp->rp_info |= CACHE_INFO_WIN_SENT;
		if (it->it_mark & IT_STALE) {
			rp->rp_info |= CACHE_INFO_STALE;
			if ((it->it_mark & IT_WIN_SENT) == 0)
				won = 1;
		}
		if (won) {
			rp->rp_info |= CACHE_INFO_WON;
			it->it_mark |= IT_WIN_SENT;
		}
	}

	if (touch)
		c->c_cls[it->it_clsid].cs_touch_hits++;
	else
		c->c_cls[it->it_clsid].cs_get_hits++;
	if ((rq->cr_opts & CACHE_OPT_NO_BUMP) == 0)
		cache_bump(c, it, 1);
	rp->rp_status = CACHE_OK;
	if ((rq->cr_opts & CACHE_OPT_CAS) && c->c_cas &&
	    item_get_cas(it) == rq->cr_cas)
		value = 0;
	cache_rep_item(c, rq, it, rp, itp, value);
}

static void
cache_op_touch(struct cache *c, const struct cache_req *rq, const void *key,
    uint64_t hv, struct cache_rep *rp)
{
	struct item	*it;

	c->c_st.st_cmd_touch++;
	if ((it = cache_lookup(c, key, rq->cr_nkey, hv)) == NULL) {
		c->c_st.st_touch_misses++;
		rp->rp_status = CACHE_MISS;
		return;
	}
	it->it_exptime = cache_reltime(c, rq->cr_exptime);
	cache_note_exp(c, it->it_exptime);
	c->c_cls[it->it_clsid].cs_touch_hits++;
	cache_bump(c, it, 1);
	rp->rp_status = CACHE_OK;
	cache_rep_meta(c, it, rp);
}

static void
cache_op_store(struct cache *c, const struct cache_req *rq, const void *key,
    const void *value, uint64_t hv, struct cache_rep *rp)
{
	struct item		*it, *nit;
	struct item_cursor	 cur;
	uint64_t		 cmp, nbytes;
	uint32_t		 cflags, exptime;
	unsigned int		 id;
	int			 mode = rq->cr_mode, cas_mode, stale = 0, st;
	int			 add_to;

	id = cache_size_clsid(c, rq->cr_nkey, rq->cr_nvalue, rq->cr_flags);
	c->c_cls[id].cs_cmd_set++;

	it = cache_lookup(c, key, rq->cr_nkey, hv);
	/* memcached: a cas with SET or REPLACE is the "cas" command. */
	cas_mode = (rq->cr_opts & CACHE_OPT_CAS) &&
	    (mode == CACHE_STORE_SET || mode == CACHE_STORE_REPLACE);
	/* Without stored cas (-C) no compare can match, as in memcached. */
	cmp = c->c_cas ? rq->cr_cas : 0;
	add_to = mode == CACHE_STORE_APPEND || mode == CACHE_STORE_PREPEND;

	if (it != NULL) {
		if (mode == CACHE_STORE_ADD) {
			cache_bump(c, it, 0);
			rp->rp_status = CACHE_NOT_STORED;
			return;
		}
		if (cas_mode) {
			if (cmp != 0 && cmp == item_get_cas(it))
				;
			else if (cmp != 0 &&
			    (rq->cr_opts & CACHE_OPT_INVALIDATE) &&
			    cmp < item_get_cas(it))
				stale = 1;
			else {
				c->c_cls[it->it_clsid].cs_cas_badval++;
				rp->rp_status = CACHE_EXISTS;
				return;
			}
			c->c_cls[it->it_clsid].cs_cas_hits++;
		} else if (add_to && (rq->cr_opts & CACHE_OPT_CAS) &&
		    cmp != 0 && cmp != item_get_cas(it)) {
			rp->rp_status = CACHE_EXISTS;
			return;
		}
	} else {
		if (cas_mode) {
			c->c_st.st_cas_misses++;
			rp->rp_status = CACHE_MISS;
			return;
		}
		if (mode == CACHE_STORE_REPLACE ||
		    (add_to && (rq->cr_opts & CACHE_OPT_VIVIFY) == 0)) {
			rp->rp_status = CACHE_NOT_STORED;
			return;
		}
	}

	nbytes = rq->cr_nvalue;
	cflags = rq->cr_flags;
	exptime = cache_reltime(c, rq->cr_exptime);
	if (add_to) {
		if (it != NULL) {
			/* Append and prepend keep flags and expiry. */
			nbytes += it->it_nbytes;
			cflags = item_get_cflags(it);
			exptime = it->it_exptime;
		} else
			exptime = cache_reltime(c, rq->cr_vivify_exptime);
	} else if (stale)
		exptime = it->it_exptime;

	if (it != NULL)
		it->it_type |= IT_BUSY;
	nit = cache_item_alloc(c, key, rq->cr_nkey, nbytes, cflags, &st);
	if (it != NULL)
		it->it_type &= ~IT_BUSY;
	if (nit == NULL) {
		if (st == CACHE_TOO_LARGE)
			c->c_st.st_store_too_large++;
		else
			c->c_st.st_store_no_memory++;
		/* memcached: a failed set must not leave the old value. */
		if (it != NULL && mode == CACHE_STORE_SET) {
			cache_unlink(c, it, hv);
			cache_item_free(c, it);
		}
		rp->rp_status = (uint8_t)st;
		return;
	}

	item_cursor_init(nit, &cur);
	if (it != NULL && mode == CACHE_STORE_APPEND)
		item_cursor_copy(&cur, it);
	item_cursor_write(&cur, value, rq->cr_nvalue);
	if (it != NULL && mode == CACHE_STORE_PREPEND)
		item_cursor_copy(&cur, it);
	nit->it_exptime = exptime;
	nit->it_atime = c->c_rnow;
	if (stale)
		nit->it_mark = IT_STALE | (it->it_mark & IT_WIN_SENT);
	item_set_cas(nit, cache_new_cas(c, rq));
	if (it != NULL) {
		cache_unlink(c, it, hv);
		cache_item_free(c, it);
	}
	cache_link(c, nit, hv);

	rp->rp_status = CACHE_OK;
	cache_rep_meta(c, nit, rp);
}

static void
cache_op_delete(struct cache *c, const struct cache_req *rq,
    const void *key, uint64_t hv, struct cache_rep *rp)
{
	struct item	*it, *nit;
	int		 st;

	if (rq->cr_opts & CACHE_OPT_TOO_LARGE) {
		/* As memcached: no stale value outlives a refused store. */
		c->c_st.st_store_too_large++;
		if ((it = cache_lookup(c, key, rq->cr_nkey, hv)) != NULL) {
			cache_unlink(c, it, hv);
			cache_item_free(c, it);
		}
		rp->rp_status = CACHE_TOO_LARGE;
		return;
	}
	if ((it = cache_lookup(c, key, rq->cr_nkey, hv)) == NULL) {
		c->c_st.st_delete_misses++;
		rp->rp_status = CACHE_MISS;
		return;
	}
	if ((rq->cr_opts & CACHE_OPT_CAS) && item_get_cas(it) != rq->cr_cas) {
		/* memcached counts a md cas mismatch as a delete miss. */
		c->c_st.st_delete_misses++;
		rp->rp_status = CACHE_EXISTS;
		return;
	}
	if ((rq->cr_opts & (CACHE_OPT_INVALIDATE | CACHE_OPT_DROP_VALUE)) ==
	    0) {
		c->c_cls[it->it_clsid].cs_delete_hits++;
		cache_unlink(c, it, hv);
		cache_item_free(c, it);
		rp->rp_status = CACHE_OK;
		return;
	}

	if (rq->cr_opts & CACHE_OPT_DROP_VALUE) {
		/* md x: same item, empty value, in a fresh small chunk. */
		it->it_type |= IT_BUSY;
		nit = cache_item_alloc(c, key, rq->cr_nkey, 0,
		    item_get_cflags(it), &st);
		it->it_type &= ~IT_BUSY;
		if (nit == NULL) {
			c->c_st.st_store_no_memory++;
			rp->rp_status = CACHE_NO_MEMORY;
			return;
		}
		nit->it_exptime = it->it_exptime;
		nit->it_atime = it->it_atime;
		nit->it_mark = it->it_mark & (IT_STALE | IT_WIN_SENT);
		item_set_cas(nit, cache_new_cas(c, rq));
		cache_unlink(c, it, hv);
		cache_item_free(c, it);
		cache_link(c, nit, hv);
		it = nit;
	}
	if (rq->cr_opts & CACHE_OPT_INVALIDATE) {
		/* md I: stale, next client wins the recache. */
		if (rq->cr_opts & CACHE_OPT_SET_TTL) {
			it->it_exptime = cache_reltime(c, rq->cr_exptime);
			cache_note_exp(c, it->it_exptime);
		}
		it->it_mark = (it->it_mark | IT_STALE) & ~IT_WIN_SENT;
		item_set_cas(it, cache_new_cas(c, rq));
	}
	rp->rp_status = CACHE_OK;
	cache_rep_meta(c, it, rp);
}

/*
 * Parses a stored number as memcached's safe_strtoull() does: leading
 * white space, an optional sign ("-" only for zero), decimal digits (any
 * number of leading zeros), then the end, a NUL or white space.  Returns
 * 0, or -1 if it is not a number or passes 2^64 - 1.
 */
static int
cache_parse_u64(const uint8_t *p, size_t n, uint64_t *v)
{
	uint64_t	 val = 0;
	size_t		 i = 0, start;
	int		 neg = 0, d;

	while (i < n && (p[i] == ' ' || (p[i] >= '\t' && p[i] <= '\r')))
		i++;
	if (i < n && (p[i] == '+' || p[i] == '-'))
		neg = p[i++] == '-';
	for (start = i; i < n && p[i] >= '0' && p[i] <= '9'; i++) {
		d = p[i] - '0';
		if (val > (UINT64_MAX - (uint64_t)d) / 10)
			return (-1);
		val = val * 10 + (uint64_t)d;
	}
	if (i == start)
		return (-1);
	if (i < n && !(p[i] == '\0' || p[i] == ' ' ||
	    (p[i] >= '\t' && p[i] <= '\r')))
		return (-1);
	if (neg && val != 0)
		return (-1);
	*v = val;
	return (0);
}

/* Writes v in decimal (no NUL).  Returns the length. */
static size_t
cache_u64_dec(uint64_t v, char *buf)
{
	char	 tmp[CACHE_U64_DIGITS];
	size_t	 n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	for (i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	return (n);
}

static void
cache_op_arith(struct cache *c, const struct cache_req *rq, const void *key,
    uint64_t hv, struct cache_rep *rp, const struct item **itp)
{
	struct slab_class	*sc;
	struct item		*it, *nit;
	char			 buf[CACHE_U64_DIGITS];
	uint64_t		 v;
	size_t			 len, room, oldtotal;
	int			 incr, st;

	incr = rq->cr_mode == CACHE_ARITH_INCR;
	if ((it = cache_lookup(c, key, rq->cr_nkey, hv)) == NULL) {
		if ((rq->cr_opts & CACHE_OPT_VIVIFY) == 0) {
			if (incr)
				c->c_st.st_incr_misses++;
			else
				c->c_st.st_decr_misses++;
			rp->rp_status = CACHE_MISS;
			return;
		}
		/* ma N: created with the initial value, returned as is. */
		len = cache_u64_dec(rq->cr_initial, buf);
		if ((it = cache_item_alloc(c, key, rq->cr_nkey, len, 0,
		    &st)) == NULL) {
			c->c_st.st_store_no_memory++;
			rp->rp_status = (uint8_t)st;
			return;
		}
		memcpy(item_valuep(it), buf, len);
		it->it_exptime = cache_reltime(c, rq->cr_vivify_exptime);
		it->it_atime = c->c_rnow;
		item_set_cas(it, cache_new_cas(c, rq));
		cache_link(c, it, hv);
		rp->rp_status = CACHE_OK;
		cache_rep_item(c, rq, it, rp, itp, 1);
		return;
	}

	/* memcached's order: empty or chunked, then cas, then the digits. */
	if (it->it_nbytes == 0 || (it->it_type & IT_CHUNKED)) {
		rp->rp_status = CACHE_NON_NUMERIC;
		return;
	}
	if ((rq->cr_opts & CACHE_OPT_CAS) && item_get_cas(it) != rq->cr_cas) {
		rp->rp_status = CACHE_EXISTS;
		return;
	}
	if (cache_parse_u64(item_valuep(it), it->it_nbytes, &v) == -1) {
		rp->rp_status = CACHE_NON_NUMERIC;
		return;
	}
	if (incr) {
		v += rq->cr_delta;	/* wraps at 2^64, as memcached */
		c->c_cls[it->it_clsid].cs_incr_hits++;
	} else {
		v = rq->cr_delta > v ? 0 : v - rq->cr_delta;
		c->c_cls[it->it_clsid].cs_decr_hits++;
	}
	len = cache_u64_dec(v, buf);

	sc = &c->c_slab.s_class[it->it_clsid];
	room = sc->sc_size - (size_t)(item_valuep(it) - (uint8_t *)it);
	if (len <= room) {
		/* Rewritten in place: the chunk has room for the digits. */
		oldtotal = item_ntotal(it);
		memcpy(item_valuep(it), buf, len);
		it->it_nbytes = (uint32_t)len;
		c->c_bytes = c->c_bytes - oldtotal + item_ntotal(it);
		sc->sc_requested = sc->sc_requested - oldtotal +
		    item_ntotal(it);
		it->it_mtime = c->c_mepoch;
		c->c_mepoch_used = 1;
		item_set_cas(it, cache_new_cas(c, rq));
		cache_bump(c, it, 0);
	} else {
		it->it_type |= IT_BUSY;
		nit = cache_item_alloc(c, key, rq->cr_nkey, len,
		    item_get_cflags(it), &st);
		it->it_type &= ~IT_BUSY;
		if (nit == NULL) {
			c->c_st.st_store_no_memory++;
			rp->rp_status = (uint8_t)st;
			return;
		}
		memcpy(item_valuep(nit), buf, len);
		nit->it_exptime = it->it_exptime;
		nit->it_atime = c->c_rnow;
		nit->it_mark = it->it_mark & ~IT_ACTIVE;
		item_set_cas(nit, cache_new_cas(c, rq));
		cache_unlink(c, it, hv);
		cache_item_free(c, it);
		cache_link(c, nit, hv);
		it = nit;
	}
	if (rq->cr_opts & CACHE_OPT_SET_TTL) {
		it->it_exptime = cache_reltime(c, rq->cr_exptime);
		cache_note_exp(c, it->it_exptime);
	}
	rp->rp_status = CACHE_OK;
	cache_rep_item(c, rq, it, rp, itp, 1);
}

static void
cache_flush_now(struct cache *c)
{
	if (c->c_mepoch_used) {
		c->c_mepoch++;
		c->c_mepoch_used = 0;
	}
	c->c_flush_mepoch = c->c_mepoch;
	c->c_crawl_flush = 1;
}

int
cache_maintain(struct cache *c, unsigned int budget)
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

/* Statistics: one emit per line, memcached's names and number formats. */

struct cache_emit {
	void	(*ce_emit)(void *, const char *, const char *);
	void	 *ce_arg;
};

static void
cache_emit_u64(struct cache_emit *e, const char *name, uint64_t v)
{
	char	 buf[CACHE_STAT_VALUE_MAX];

	(void)snprintf(buf, sizeof(buf), "%" PRIu64, v);
	e->ce_emit(e->ce_arg, name, buf);
}

static void
cache_emit_cls(struct cache_emit *e, const char *prefix, unsigned int id,
    const char *name, uint64_t v)
{
	char	 key[CACHE_STAT_NAME_MAX];

	(void)snprintf(key, sizeof(key), "%s%u:%s", prefix, id, name);
	cache_emit_u64(e, key, v);
}

static void
cache_stats_general(struct cache *c, struct cache_emit *e)
{
	struct cache_cls_stats	 t;
	unsigned int		 i;
	uint64_t		 crawling;

	memset(&t, 0, sizeof(t));
	for (i = 0; i < SLAB_CLASS_MAX; i++) {
		t.cs_get_hits += c->c_cls[i].cs_get_hits;
		t.cs_cmd_set += c->c_cls[i].cs_cmd_set;
		t.cs_delete_hits += c->c_cls[i].cs_delete_hits;
		t.cs_incr_hits += c->c_cls[i].cs_incr_hits;
		t.cs_decr_hits += c->c_cls[i].cs_decr_hits;
		t.cs_cas_hits += c->c_cls[i].cs_cas_hits;
		t.cs_cas_badval += c->c_cls[i].cs_cas_badval;
		t.cs_touch_hits += c->c_cls[i].cs_touch_hits;
		t.cs_evicted += c->c_cls[i].cs_evicted;
		t.cs_reclaimed += c->c_cls[i].cs_reclaimed;
		t.cs_expired_unfetched += c->c_cls[i].cs_expired_unfetched;
		t.cs_evicted_unfetched += c->c_cls[i].cs_evicted_unfetched;
		t.cs_crawler_reclaimed += c->c_cls[i].cs_crawler_reclaimed;
		t.cs_crawler_checked += c->c_cls[i].cs_crawler_checked;
		t.cs_moves_within_lru += c->c_cls[i].cs_moves_within_lru;
		t.cs_direct_reclaims += c->c_cls[i].cs_direct_reclaims;
	}
	crawling = c->c_crawling != 0;

	cache_emit_u64(e, "cmd_get", c->c_st.st_cmd_get);
	cache_emit_u64(e, "cmd_set", t.cs_cmd_set);
	cache_emit_u64(e, "cmd_flush", c->c_st.st_cmd_flush);
	cache_emit_u64(e, "cmd_touch", c->c_st.st_cmd_touch);
	cache_emit_u64(e, "get_hits", t.cs_get_hits);
	cache_emit_u64(e, "get_misses", c->c_st.st_get_misses);
	cache_emit_u64(e, "get_expired", c->c_st.st_get_expired);
	cache_emit_u64(e, "get_flushed", c->c_st.st_get_flushed);
	cache_emit_u64(e, "delete_misses", c->c_st.st_delete_misses);
	cache_emit_u64(e, "delete_hits", t.cs_delete_hits);
	cache_emit_u64(e, "incr_misses", c->c_st.st_incr_misses);
	cache_emit_u64(e, "incr_hits", t.cs_incr_hits);
	cache_emit_u64(e, "decr_misses", c->c_st.st_decr_misses);
	cache_emit_u64(e, "decr_hits", t.cs_decr_hits);
	cache_emit_u64(e, "cas_misses", c->c_st.st_cas_misses);
	cache_emit_u64(e, "cas_hits", t.cs_cas_hits);
	cache_emit_u64(e, "cas_badval", t.cs_cas_badval);
	cache_emit_u64(e, "touch_hits", t.cs_touch_hits);
	cache_emit_u64(e, "touch_misses", c->c_st.st_touch_misses);
	cache_emit_u64(e, "store_too_large", c->c_st.st_store_too_large);
	cache_emit_u64(e, "store_no_memory", c->c_st.st_store_no_memory);
	cache_emit_u64(e, "limit_maxbytes", c->c_maxbytes);
	cache_emit_u64(e, "hash_power_level", c->c_assoc.as_power);
	cache_emit_u64(e, "hash_bytes", assoc_bytes(&c->c_assoc));
	cache_emit_u64(e, "hash_is_expanding",
	    (uint64_t)assoc_expanding(&c->c_assoc));
	cache_emit_u64(e, "slab_reassign_rescues", 0);
	cache_emit_u64(e, "slab_reassign_chunk_rescues", 0);
	cache_emit_u64(e, "slab_reassign_evictions_nomem", 0);
	cache_emit_u64(e, "slab_reassign_inline_reclaim", 0);
	cache_emit_u64(e, "slab_reassign_busy_items", 0);
	cache_emit_u64(e, "slab_reassign_busy_deletes", 0);
	cache_emit_u64(e, "slab_reassign_running", 0);
	cache_emit_u64(e, "slabs_moved", c->c_st.st_slabs_moved);
	cache_emit_u64(e, "lru_crawler_running", crawling);
	cache_emit_u64(e, "lru_crawler_starts", c->c_st.st_crawler_starts);
	cache_emit_u64(e, "lru_maintainer_juggles", 0);
	cache_emit_u64(e, "malloc_fails", 0);
	cache_emit_u64(e, "bytes", c->c_bytes);
	cache_emit_u64(e, "curr_items", c->c_curr_items);
	cache_emit_u64(e, "total_items", c->c_st.st_total_items);
	cache_emit_u64(e, "slab_global_page_pool",
	    c->c_slab.s_npages - c->c_slab.s_nused);
	cache_emit_u64(e, "expired_unfetched", t.cs_expired_unfetched);
	cache_emit_u64(e, "evicted_unfetched", t.cs_evicted_unfetched);
	cache_emit_u64(e, "evicted_active", 0);
	cache_emit_u64(e, "evictions", t.cs_evicted);
	cache_emit_u64(e, "reclaimed", t.cs_reclaimed);
	cache_emit_u64(e, "crawler_reclaimed", t.cs_crawler_reclaimed);
	cache_emit_u64(e, "crawler_items_checked", t.cs_crawler_checked);
	cache_emit_u64(e, "lrutail_reflocked", 0);
	cache_emit_u64(e, "moves_to_cold", 0);
	cache_emit_u64(e, "moves_to_warm", 0);
	cache_emit_u64(e, "moves_within_lru", t.cs_moves_within_lru);
	cache_emit_u64(e, "direct_reclaims", t.cs_direct_reclaims);
	cache_emit_u64(e, "lru_bumps_dropped", 0);
	/* memcached repeats it here, and monitoring reads it here. */
	cache_emit_u64(e, "total_malloced", slab_malloced(&c->c_slab));
}

static void
cache_stats_items(struct cache *c, struct cache_emit *e)
{
	const struct cache_cls_stats	*cs;
	const struct item		*tail;
	unsigned int			 i;
	uint64_t			 age;

	for (i = 1; i <= c->c_slab.s_largest; i++) {
		if (c->c_lru[i].l_count == 0)
			continue;
		cs = &c->c_cls[i];
		tail = lru_tail(&c->c_slab, &c->c_lru[i]);
		age = tail != NULL ? c->c_rnow - tail->it_atime : 0;
		/* One list per class: memcached's COLD holds it all. */
		cache_emit_cls(e, "items:", i, "number",
		    c->c_lru[i].l_count);
		cache_emit_cls(e, "items:", i, "number_hot", 0);
		cache_emit_cls(e, "items:", i, "number_warm", 0);
		cache_emit_cls(e, "items:", i, "number_cold",
		    c->c_lru[i].l_count);
		cache_emit_cls(e, "items:", i, "age_hot", 0);
		cache_emit_cls(e, "items:", i, "age_warm", 0);
		cache_emit_cls(e, "items:", i, "age", age);
		cache_emit_cls(e, "items:", i, "mem_requested",
		    c->c_slab.s_class[i].sc_requested);
		cache_emit_cls(e, "items:", i, "evicted", cs->cs_evicted);
		cache_emit_cls(e, "items:", i, "evicted_nonzero",
		    cs->cs_evicted_nonzero);
		cache_emit_cls(e, "items:", i, "evicted_time",
		    cs->cs_evicted_time);
		cache_emit_cls(e, "items:", i, "outofmemory",
		    cs->cs_outofmemory);
		cache_emit_cls(e, "items:", i, "tailrepairs", 0);
		cache_emit_cls(e, "items:", i, "reclaimed", cs->cs_reclaimed);
		cache_emit_cls(e, "items:", i, "expired_unfetched",
		    cs->cs_expired_unfetched);
		cache_emit_cls(e, "items:", i, "evicted_unfetched",
		    cs->cs_evicted_unfetched);
		cache_emit_cls(e, "items:", i, "evicted_active", 0);
		cache_emit_cls(e, "items:", i, "crawler_reclaimed",
		    cs->cs_crawler_reclaimed);
		cache_emit_cls(e, "items:", i, "crawler_items_checked",
		    cs->cs_crawler_checked);
		cache_emit_cls(e, "items:", i, "lrutail_reflocked", 0);
		cache_emit_cls(e, "items:", i, "moves_to_cold", 0);
		cache_emit_cls(e, "items:", i, "moves_to_warm", 0);
		cache_emit_cls(e, "items:", i, "moves_within_lru",
		    cs->cs_moves_within_lru);
		cache_emit_cls(e, "items:", i, "direct_reclaims",
		    cs->cs_direct_reclaims);
		cache_emit_cls(e, "items:", i, "hits_to_hot", 0);
		cache_emit_cls(e, "items:", i, "hits_to_warm", 0);
		cache_emit_cls(e, "items:", i, "hits_to_cold",
		    cs->cs_get_hits);
		cache_emit_cls(e, "items:", i, "hits_to_temp", 0);
	}
}

static void
cache_stats_slabs(struct cache *c, struct cache_emit *e)
{
	const struct slab_class		*sc;
	const struct cache_cls_stats	*cs;
	unsigned int			 i, active = 0;
	uint64_t			 total;

	for (i = 1; i <= c->c_slab.s_largest; i++) {
		sc = &c->c_slab.s_class[i];
		if (sc->sc_npages == 0)
			continue;
		cs = &c->c_cls[i];
		active++;
		total = (uint64_t)sc->sc_npages * sc->sc_perslab;
		cache_emit_cls(e, "", i, "chunk_size", sc->sc_size);
		cache_emit_cls(e, "", i, "chunks_per_page", sc->sc_perslab);
		cache_emit_cls(e, "", i, "total_pages", sc->sc_npages);
		cache_emit_cls(e, "", i, "total_chunks", total);
		cache_emit_cls(e, "", i, "used_chunks", total - sc->sc_nfree);
		cache_emit_cls(e, "", i, "free_chunks", sc->sc_nfree);
		cache_emit_cls(e, "", i, "free_chunks_end", 0);
		cache_emit_cls(e, "", i, "get_hits", cs->cs_get_hits);
		cache_emit_cls(e, "", i, "cmd_set", cs->cs_cmd_set);
		cache_emit_cls(e, "", i, "delete_hits", cs->cs_delete_hits);
		cache_emit_cls(e, "", i, "incr_hits", cs->cs_incr_hits);
		cache_emit_cls(e, "", i, "decr_hits", cs->cs_decr_hits);
		cache_emit_cls(e, "", i, "cas_hits", cs->cs_cas_hits);
		cache_emit_cls(e, "", i, "cas_badval", cs->cs_cas_badval);
		cache_emit_cls(e, "", i, "touch_hits", cs->cs_touch_hits);
	}
	cache_emit_u64(e, "active_slabs", active);
	cache_emit_u64(e, "total_malloced", slab_malloced(&c->c_slab));
}

void
cache_stats(struct cache *c, enum cache_stats_kind kind,
    void (*emit)(void *, const char *, const char *), void *arg)
{
	struct cache_emit	 e;
	unsigned int		 i;
	uint64_t		 evicted_time;

	e.ce_emit = emit;
	e.ce_arg = arg;
	switch (kind) {
	case CACHE_STATS_GENERAL:
		cache_stats_general(c, &e);
		break;
	case CACHE_STATS_ITEMS:
		cache_stats_items(c, &e);
		break;
	case CACHE_STATS_SLABS:
		cache_stats_slabs(c, &e);
		break;
	case CACHE_STATS_SIZES:
		/* Stock memcached without -o track_sizes says just this. */
		emit(arg, "sizes_status", "disabled");
		break;
	case CACHE_STATS_RESET:
		memset(&c->c_st, 0, sizeof(c->c_st));
		for (i = 0; i < SLAB_CLASS_MAX; i++) {
			evicted_time = c->c_cls[i].cs_evicted_time;
			memset(&c->c_cls[i], 0, sizeof(c->c_cls[i]));
			c->c_cls[i].cs_evicted_time = evicted_time;
		}
		break;
	default:
		break;
	}
}
