/*
 * LRU lists of the cache engine: one doubly linked list of item heads per
 * slab class, newest at the head, linked by 32-bit slab ids.  Inline:
 * every link, unlink and bump goes through here.
 */

#ifndef PRIVCACHED_LRU_H
#define PRIVCACHED_LRU_H

#include <stdint.h>

#include "item.h"
#include "slab.h"

struct lru {
	uint32_t	l_head;
	uint32_t	l_tail;
	uint64_t	l_count;
};

/* Puts an unlinked item at the head. */
static inline void
lru_link(const struct slab *s, struct lru *l, struct item *it)
{
	uint32_t	 id = slab_id(s, it);

	it->it_prev = 0;
	it->it_next = l->l_head;
	if (l->l_head != 0)
		((struct item *)slab_ptr(s, l->l_head))->it_prev = id;
	else
		l->l_tail = id;
	l->l_head = id;
	l->l_count++;
}

/* Takes an item off the list. */
static inline void
lru_unlink(const struct slab *s, struct lru *l, struct item *it)
{
	if (it->it_prev != 0)
		((struct item *)slab_ptr(s, it->it_prev))->it_next =
		    it->it_next;
	else
		l->l_head = it->it_next;
	if (it->it_next != 0)
		((struct item *)slab_ptr(s, it->it_next))->it_prev =
		    it->it_prev;
	else
		l->l_tail = it->it_prev;
	it->it_prev = it->it_next = 0;
	l->l_count--;
}

/* Moves an item on the list to the head. */
static inline void
lru_bump(const struct slab *s, struct lru *l, struct item *it)
{
	if (it->it_prev == 0)
		return;		/* already the head */
	lru_unlink(s, l, it);
	lru_link(s, l, it);
}

/* Returns the oldest item, or NULL. */
static inline struct item *
lru_tail(const struct slab *s, const struct lru *l)
{
	return (slab_ptr(s, l->l_tail));
}

/* Returns the next newer item, or NULL. */
static inline struct item *
lru_newer(const struct slab *s, const struct item *it)
{
	return (slab_ptr(s, it->it_prev));
}

#endif /* PRIVCACHED_LRU_H */
