/*
 * LRU lists of the cache engine: one doubly linked list of item heads per
 * slab class, newest at the head, linked by 32-bit slab ids.
 */

#ifndef PRIVCACHED_LRU_H
#define PRIVCACHED_LRU_H

#include <stdint.h>

struct item;
struct slab;

struct lru {
	uint32_t	l_head;
	uint32_t	l_tail;
	uint64_t	l_count;
};

/* Puts an unlinked item at the head. */
void		 lru_link(const struct slab *, struct lru *, struct item *);
/* Takes an item off the list. */
void		 lru_unlink(const struct slab *, struct lru *, struct item *);
/* Moves an item on the list to the head. */
void		 lru_bump(const struct slab *, struct lru *, struct item *);
/* Returns the oldest item, or NULL. */
struct item	*lru_tail(const struct slab *, const struct lru *);
/* Returns the next newer item, or NULL. */
struct item	*lru_newer(const struct slab *, const struct item *);

#endif /* PRIVCACHED_LRU_H */
