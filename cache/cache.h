/*
 * Public API of the cache engine run by the storage child (cache/storage.c).
 * The engine does no I/O and knows nothing of processes: it executes
 * decoded requests against slabs, a hash table and LRUs, on a clock the
 * caller sets.
 */

#ifndef PRIVCACHED_CACHE_H
#define PRIVCACHED_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "msg.h"

struct cache;
struct item;
struct cache_conf;

/*
 * Builds a cache from conf; the SipHash key comes from arc4random_buf.
 * Returns NULL on error with errno set (EINVAL for a conf out of range,
 * ENOMEM).
 */
struct cache	*cache_new(const struct cache_conf *conf);
void		 cache_free(struct cache *);

/* What a storage child made of the shared item memory it was handed. */
enum cache_recovery_state {
	CACHE_RECOVERY_FRESH,		/* never used: started empty */
	CACHE_RECOVERY_READ,		/* items read back */
	CACHE_RECOVERY_CLEARED		/* unreadable: started empty */
};
struct cache_recovery {
	enum cache_recovery_state rc_state;
	const char	*rc_why;	/* CLEARED: why */
	uint64_t	 rc_recovered;	/* items kept */
	uint64_t	 rc_dropped;	/* live items that failed a check */
	uint64_t	 rc_bad_pages;	/* pages with no valid class */
	uint64_t	 rc_usec;	/* time the scan took */
	uint64_t	 rc_limit;	/* READ: the memory limit kept, bytes */
};

/*
 * Builds a cache over the shared item memory (mem, len bytes, sized by
 * region_layout() for conf) and reads back the items a former storage
 * child left there.  That memory is hostile input: every item is checked
 * (bounds, class, links, checksum, expiry) and dropped if it fails, and a
 * header of another layout clears the memory.  Fills *rc.  Returns NULL
 * with errno on error, as cache_new.
 */
struct cache	*cache_open(const struct cache_conf *conf, void *mem,
		    size_t len, struct cache_recovery *rc);

/*
 * The clock: absolute unix seconds.  storage.c sets it from time(3) once
 * per batch; tests inject any value.  Times from 1970 to 2093 are exact,
 * others are clamped.  A flush_all scheduled for a time now reached takes
 * effect here.
 */
void		 cache_set_time(struct cache *, int64_t now);

/*
 * Runs one request (already validated by the caller: op/mode in range,
 * opts within CACHE_OPT_ALL, 1..250 byte key, nvalue <= item size max).
 * Fills *rep completely (rp_connid echoed).  When the reply carries a key
 * (CACHE_OPT_WANT_KEY on a hit) or a value (CACHE_OPT_WANT_VALUE on a
 * GET/ARITH hit; the value of ARITH is the new number in decimal), *itp is
 * set to the item, valid until the next call into the cache, and
 * rep->rp_nkey / rp_nvalue say how many bytes; otherwise *itp = NULL and
 * rp_nkey = rp_nvalue = 0 (storage.c then echoes the request's key when
 * one was asked for).  A GET with CACHE_OPT_CAS whose cr_cas equals
 * the item's cas (mg C) returns no value: the caller sees rp_cas == cr_cas.
 */
void		 cache_exec(struct cache *, const struct cache_req *,
		    const void *key, const void *value, struct cache_rep *rep,
		    const struct item **itp);

/*
 * A batch's lookups, before cache_exec runs them: stage 0 hashes the key
 * and prefetches its bucket (the hash is returned), stage 1 prefetches
 * the first item of that bucket.  Hints only: nothing changes.
 */
uint64_t	 cache_prefetch_bucket(struct cache *, const void *key,
		    size_t nkey);
void		 cache_prefetch_item(struct cache *, uint64_t hv);
/*
 * Stage 2, a few requests before this one runs, when the first item has
 * arrived: prefetches what the op will touch next.
 */
void		 cache_prefetch_deep(struct cache *, uint64_t hv,
		    const void *key, size_t nkey, unsigned int op);

/* Returns the key of an item (item->it_nkey bytes, rp_nkey in a reply). */
const void	*item_key(const struct item *);
/* Copies the value (possibly chunked) into dst, room for rp_nvalue bytes. */
void		 item_value_copy(const struct item *, void *dst);

/*
 * Background work for a bounded budget (about budget buckets or items):
 * advances incremental hash growth, then reclaims expired and flushed
 * items without being asked.  Returns 1 if more work is pending, 0 if
 * the engine is idle until the clock passes the next expiry or a flush.
 * Called from a timer.
 */
int		 cache_maintain(struct cache *, unsigned int budget);

/*
 * Statistics with memcached's names and formats, one call of emit per
 * line (name, value), in memcached's order.  GENERAL gives the cache's
 * part of "stats", cmd_get to lru_bumps_dropped; the caller emits pid ..
 * reserved_fds before it and slots its own lines in after "cmd_touch"
 * (cmd_meta), "store_no_memory" (auth_cmds .. bytes_written) and
 * "limit_maxbytes" (accepting_conns .. conn_yields) to match memcached.
 * ITEMS is "stats items", SLABS "stats slabs", SIZES "stats sizes"
 * (sizes_status disabled, as stock memcached); RESET zeroes the
 * resettable counters and emits nothing.
 */
/* One live item as the admin listings (cache/admin.c) see it. */
struct cache_item_info {
	const void	*ii_key;
	size_t		 ii_nkey;
	int64_t		 ii_exptime;	/* unix seconds, 0: never */
	int64_t		 ii_atime;	/* unix seconds */
	uint64_t	 ii_cas;
	uint32_t	 ii_size;	/* bytes in memory */
	uint32_t	 ii_nbytes;	/* value length */
	unsigned int	 ii_clsid;
	int		 ii_fetched;
};
/* The largest slab class id. */
unsigned int	 cache_nclasses(const struct cache *);
/*
 * Calls fn for each live item of slab class clsid, oldest first, until fn
 * returns nonzero.  Changes nothing: no bump, no access mark.
 */
void		 cache_walk(struct cache *, unsigned int clsid,
		    int (*fn)(void *, const struct cache_item_info *),
		    void *arg);
/*
 * cache_memlimit (memlimit.c): the bytes classes may hold, up to the
 * reserve the item memory was sized for; 0, or -1 past it or below a page.
 */
int		 cache_set_maxbytes(struct cache *, uint64_t);
/* The limit now: -m, or what cache_memlimit set since. */
uint64_t	 cache_maxbytes(const struct cache *);

/*
 * watch evictions: fn is told of each item evicted (its record and key)
 * before it goes; NULL stops it.  Nothing is spent while it is NULL.
 */
void		 cache_on_evict(struct cache *, void (*fn)(void *,
		    const struct cache_eviction *, const void *), void *arg);

void		 cache_stats(struct cache *, enum cache_stats_kind,
		    void (*emit)(void *arg, const char *name,
		    const char *value), void *arg);

#endif /* PRIVCACHED_CACHE_H */
