/*
 * The cache's statistics: one emit per line, memcached's names and number
 * formats.
 */

#include <sys/types.h>

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "msg.h"
#include "cache.h"
#include "cache_int.h"

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
	/* Pages classes may still take without a cache_memlimit. */
	cache_emit_u64(e, "slab_global_page_pool",
	    c->c_slab.s_nlimit > c->c_slab.s_nheld ?
	    c->c_slab.s_nlimit - c->c_slab.s_nheld : 0);
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
	/* What this storage child read back of the item memory at start. */
	cache_emit_u64(e, "privcached_recovered_items",
	    c->c_recovery.rc_recovered);
	cache_emit_u64(e, "privcached_dropped_items", c->c_recovery.rc_dropped);
	cache_emit_u64(e, "privcached_recovery_usec", c->c_recovery.rc_usec);
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
