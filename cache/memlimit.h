/*
 * cache_memlimit inside the cache engine (memlimit.c): the limit on the
 * pages classes hold, and giving back pages past it.
 */

#ifndef PRIVCACHED_MEMLIMIT_H
#define PRIVCACHED_MEMLIMIT_H

#include <stdint.h>

struct cache;

/*
 * Background part of cache_maintain: while classes hold more pages than
 * the limit, finds pages whose chunks are all free (looking at about
 * budget chunks a call, one pass a second at most) and gives them back.
 * Returns 1 if the pass is under way, 0 otherwise.
 */
int		 cache_shrink(struct cache *, unsigned int budget);
/*
 * Recovery: the limit a former storage child was given by cache_memlimit
 * (0: none, the -m one stays).  Hostile: one out of the reserve is
 * ignored.  Returns the limit in force, in bytes.
 */
uint64_t	 cache_memlimit_restore(struct cache *, uint64_t bytes);

#endif /* PRIVCACHED_MEMLIMIT_H */
