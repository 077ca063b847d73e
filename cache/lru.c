/*
 * LRU lists of the cache engine (storage child; no I/O).  Plain doubly
 * linked lists; the policy (bump rate limit, second chance for active
 * items, eviction) is in ops.c.
 */

#include <stddef.h>
#include <stdint.h>

#include "item.h"
#include "lru.h"
#include "slab.h"

void
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

void
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

void
lru_bump(const struct slab *s, struct lru *l, struct item *it)
{
	if (it->it_prev == 0)
		return;		/* already the head */
	lru_unlink(s, l, it);
	lru_link(s, l, it);
}

struct item *
lru_tail(const struct slab *s, const struct lru *l)
{
	return (slab_ptr(s, l->l_tail));
}

struct item *
lru_newer(const struct slab *s, const struct item *it)
{
	return (slab_ptr(s, it->it_prev));
}
