/*
 * Hash table of the cache engine: chained buckets of 32-bit slab ids,
 * SipHash-2-4 keyed at start, grown incrementally (memcached's scheme:
 * the old table is drained a few buckets at a time, never all at once).
 */

#ifndef PRIVCACHED_ASSOC_H
#define PRIVCACHED_ASSOC_H

#include <stddef.h>
#include <stdint.h>

#include "siphash.h"

struct item;
struct slab;

/* Grow when items exceed buckets * ASSOC_LOAD_NUM / ASSOC_LOAD_DEN. */
#define ASSOC_LOAD_NUM		3
#define ASSOC_LOAD_DEN		2
#define ASSOC_POWER_DEFAULT	16
#define ASSOC_POWER_MAX		31

struct assoc {
	uint32_t	*as_table;	/* current (new while growing) */
	uint32_t	*as_old;	/* being drained, or NULL */
	unsigned int	 as_power;	/* log2 buckets of as_table */
	uint64_t	 as_migrate;	/* next old bucket to drain */
	uint64_t	 as_count;	/* items */
	uint8_t		 as_key[SIPHASH_KEY_LEN];
};

/* Allocates 2^power buckets (0: default).  Returns 0, or -1 with errno. */
int		 assoc_init(struct assoc *, unsigned int power,
		    const uint8_t key[SIPHASH_KEY_LEN]);
void		 assoc_destroy(struct assoc *);
/* Returns the keyed hash of a key. */
uint64_t	 assoc_hash(const struct assoc *, const void *, size_t);
/* Returns the item with this key and hash, or NULL. */
struct item	*assoc_find(const struct assoc *, const struct slab *,
		    const void *key, size_t nkey, uint64_t hv);
/*
 * Prefetch hints for a batch of lookups: first the bucket, later (once it
 * has had time to arrive) the first item it names, so the misses of many
 * requests overlap instead of adding up.
 */
void		 assoc_prefetch_bucket(const struct assoc *, uint64_t hv);
void		 assoc_prefetch_head(const struct assoc *, const struct slab *,
		    uint64_t hv);
/* Returns the first item of hv's bucket (any key), or NULL. */
struct item	*assoc_first(const struct assoc *, const struct slab *,
		    uint64_t hv);
/* Adds an item (not present); may start growing the table. */
void		 assoc_insert(struct assoc *, const struct slab *,
		    struct item *, uint64_t hv);
/* Removes an item that is present. */
void		 assoc_delete(struct assoc *, const struct slab *,
		    struct item *, uint64_t hv);
/* Drains up to n old buckets.  Returns 1 while the table is growing. */
int		 assoc_migrate(struct assoc *, const struct slab *,
		    unsigned int n);
/* Returns the bytes held by the bucket arrays. */
uint64_t	 assoc_bytes(const struct assoc *);

static inline int
assoc_expanding(const struct assoc *a)
{
	return (a->as_old != NULL);
}

#endif /* PRIVCACHED_ASSOC_H */
