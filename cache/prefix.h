/*
 * stats detail (storage child): per-prefix counters of gets, hits, sets
 * and deletes, as memcached keeps them when detail is on.
 */

#ifndef PRIVCACHED_PREFIX_H
#define PRIVCACHED_PREFIX_H

#include <stddef.h>

#include "msg.h"

/* Prefixes kept at most: past it new ones are not counted. */
#define PREFIX_MAX	4096

void	prefix_enable(int);
int	prefix_enabled(void);
/* Counts one answered request (only while detail is on). */
void	prefix_record(const struct cache_req *, const void *key,
	    const struct cache_rep *);
/* Calls fn for each prefix counted, in no order; stops at nonzero. */
int	prefix_walk(int (*fn)(void *, const char *, size_t,
	    const struct cache_prefix_stat *), void *);
/* Forgets every prefix (stats reset). */
void	prefix_clear(void);

#endif /* PRIVCACHED_PREFIX_H */
