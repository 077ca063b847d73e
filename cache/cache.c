/*
 * The cache engine's state: setup, the clock and flush_all's epochs, and
 * linking items into the hash table and their class's LRU.  No I/O, no
 * processes: storage.c feeds it decoded requests and a clock.
 *
 * Items are linked (hash table + LRU of their head's class) or free; the
 * item an op works on is marked IT_BUSY while the op allocates, so that
 * eviction and page moves never pull it from under the op.  Nothing here
 * mallocs per request: items come from slab chunks, replies point into
 * them.  Loops are bounded; nothing recurses.
 */

#include <sys/types.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "msg.h"
#include "cache.h"
#include "cache_int.h"

/* Item times are seconds from c_epoch, 2^31 s before the clock at start. */
#define CACHE_EPOCH_BACK	((int64_t)1 << 31)
/* Bounds of -I (memcached: 1k .. 1024m). */
#define CACHE_ITEM_MIN		1024U
#define CACHE_ITEM_MAX		(1024U * 1024 * 1024)
/* The largest class must hold a chunked item's head with a 250-byte key. */
#define CACHE_CHUNK_MAX_MIN	512U

struct cache *
cache_new(const struct cache_conf *conf)
{
	return (cache_new_mem(conf, NULL, NULL));
}

struct cache *
cache_new_mem(const struct cache_conf *conf, void *mem, uint8_t *pgcls)
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
	if (slab_init_mem(&c->c_slab, conf, ITEM_HDR, mem, pgcls) == -1) {
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
	/* -C: a flush's second is over; stores from now on are kept. */
	if ((int32_t)(c->c_mepoch - c->c_flush_mepoch) < 0 &&
	    c->c_rnow > c->c_flush_rnow) {
		c->c_mepoch = c->c_flush_mepoch;
		c->c_mepoch_used = 0;
	}
	cache_region_sync(c);
}

/* Finds a valid item; an expired or flushed one is reclaimed on the way. */
struct item *
cache_lookup(struct cache *c, const void *key, size_t nkey, uint64_t hv,
    struct cache_rep *rp)
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
		/* Only here, off the path of a hit or a plain miss. */
		if (rp != NULL)
			rp->rp_info |= (uint8_t)((dead == 2 ?
			    CACHE_GONE_FLUSHED : CACHE_GONE_EXPIRED) <<
			    CACHE_INFO_GONE_SHIFT);
		cache_unlink(c, it, hv);
		cache_item_free(c, it);
		return (NULL);
	}
	return (it);
}

void
cache_link(struct cache *c, struct item *it, uint64_t hv)
{
	it->it_type = (it->it_type & ~IT_BUSY) | IT_LINKED;
	it->it_mtime = c->c_mepoch;
	c->c_mepoch_used = 1;
	item_seal(it);
	assoc_insert(&c->c_assoc, &c->c_slab, it, hv);
	lru_link(&c->c_slab, &c->c_lru[it->it_clsid], it);
	c->c_curr_items++;
	c->c_st.st_total_items++;
	c->c_bytes += item_ntotal(it);
	cache_note_exp(c, it->it_exptime);
}

void
cache_unlink(struct cache *c, struct item *it, uint64_t hv)
{
	assoc_delete(&c->c_assoc, &c->c_slab, it, hv);
	lru_unlink(&c->c_slab, &c->c_lru[it->it_clsid], it);
	it->it_type &= ~IT_LINKED;
	c->c_curr_items--;
	c->c_bytes -= item_ntotal(it);
}

/* Frees an unlinked item and its chain. */
void
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
void
cache_drop(struct cache *c, struct item *it)
{
	cache_unlink(c, it, assoc_hash(&c->c_assoc, item_keyp(it),
	    it->it_nkey));
	cache_item_free(c, it);
}

/*
 * flush_all: a new epoch; the crawler reclaims what is older.  Without
 * cas (-C) memcached can only compare seconds, so an item stored in the
 * same second after the flush is flushed too (its flush-all.t tests
 * that): the epoch of the next second is the first one that is kept.
 */
void
cache_flush_now(struct cache *c)
{
	if (!c->c_cas) {
		if ((int32_t)(c->c_mepoch - c->c_flush_mepoch) >= 0)
			c->c_flush_mepoch = c->c_mepoch + 1;
		c->c_flush_rnow = c->c_rnow;
		c->c_crawl_flush = 1;
		cache_region_sync(c);
		return;
	}
	if (c->c_mepoch_used) {
		c->c_mepoch++;
		c->c_mepoch_used = 0;
	}
	c->c_flush_mepoch = c->c_mepoch;
	c->c_crawl_flush = 1;
	/* Before the reply: a storage child dying next must not undo it. */
	cache_region_sync(c);
}
