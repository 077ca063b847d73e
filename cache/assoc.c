/*
 * Hash table of the cache engine (storage child; no I/O).  Buckets hold
 * slab ids of item heads, chained through it_hnext.  When items pass 1.5
 * per bucket a table twice the size is allocated and the old one is
 * drained bucket by bucket from ops and from cache_maintain(), so growth
 * never stalls the single-threaded storage process.  While draining, an
 * old bucket below as_migrate has moved: its keys live in the new table.
 */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "assoc.h"
#include "item.h"
#include "siphash.h"
#include "slab.h"

static uint32_t	*assoc_bucket(const struct assoc *, uint64_t);

int
assoc_init(struct assoc *a, unsigned int power,
    const uint8_t key[SIPHASH_KEY_LEN])
{
	memset(a, 0, sizeof(*a));
	if (power == 0)
		power = ASSOC_POWER_DEFAULT;
	if (power > ASSOC_POWER_MAX) {
		errno = EINVAL;
		return (-1);
	}
	a->as_table = calloc((size_t)1 << power, sizeof(uint32_t));
	if (a->as_table == NULL)
		return (-1);
	a->as_power = power;
	memcpy(a->as_key, key, SIPHASH_KEY_LEN);
	return (0);
}

void
assoc_destroy(struct assoc *a)
{
	free(a->as_table);
	free(a->as_old);
	explicit_bzero(a, sizeof(*a));
}

uint64_t
assoc_hash(const struct assoc *a, const void *key, size_t nkey)
{
	return (siphash24(a->as_key, key, nkey));
}

static uint32_t *
assoc_bucket(const struct assoc *a, uint64_t hv)
{
	uint64_t	 ob;

	if (a->as_old != NULL) {
		ob = hv & (((uint64_t)1 << (a->as_power - 1)) - 1);
		if (ob >= a->as_migrate)
			return (&a->as_old[ob]);
	}
	return (&a->as_table[hv & (((uint64_t)1 << a->as_power) - 1)]);
}

struct item *
assoc_find(const struct assoc *a, const struct slab *s, const void *key,
    size_t nkey, uint64_t hv)
{
	struct item	*it;
	uint32_t	 id;

	for (id = *assoc_bucket(a, hv); id != 0; id = it->it_hnext) {
		it = slab_ptr(s, id);
		if (item_key_eq(it, key, nkey))
			return (it);
	}
	return (NULL);
}

void
assoc_prefetch_bucket(const struct assoc *a, uint64_t hv)
{
	__builtin_prefetch(assoc_bucket(a, hv));
}

void
assoc_prefetch_head(const struct assoc *a, const struct slab *s,
    uint64_t hv)
{
	const char	*p;
	uint32_t	 id;

	if ((id = *assoc_bucket(a, hv)) == 0)
		return;
	/*
	 * Chunks are not line aligned: the header and key may straddle two
	 * cache lines, and a small value starts in the second.
	 */
	p = (const char *)slab_ptr(s, id);
	__builtin_prefetch(p);
	__builtin_prefetch(p + 64);
}

struct item *
assoc_first(const struct assoc *a, const struct slab *s, uint64_t hv)
{
	uint32_t	id;

	if ((id = *assoc_bucket(a, hv)) == 0)
		return (NULL);
	return (slab_ptr(s, id));
}

void
assoc_insert(struct assoc *a, const struct slab *s, struct item *it,
    uint64_t hv)
{
	uint32_t	*b, *t;
	size_t		 n;

	b = assoc_bucket(a, hv);
	it->it_hnext = *b;
	*b = slab_id(s, it);
	a->as_count++;

	if (a->as_old != NULL || a->as_power >= ASSOC_POWER_MAX ||
	    a->as_count * ASSOC_LOAD_DEN <=
	    ((uint64_t)1 << a->as_power) * ASSOC_LOAD_NUM)
		return;
	/* Start growing.  Without memory we stay as we are and try later. */
	n = (size_t)1 << (a->as_power + 1);
	if ((t = calloc(n, sizeof(uint32_t))) == NULL)
		return;
	a->as_old = a->as_table;
	a->as_table = t;
	a->as_power++;
	a->as_migrate = 0;
}

void
assoc_delete(struct assoc *a, const struct slab *s, struct item *it,
    uint64_t hv)
{
	uint32_t	*link, id, want;
	struct item	*cur;

	want = slab_id(s, it);
	for (link = assoc_bucket(a, hv); (id = *link) != 0;
	    link = &cur->it_hnext) {
		cur = slab_ptr(s, id);
		if (id == want) {
			*link = cur->it_hnext;
			cur->it_hnext = 0;
			a->as_count--;
			return;
		}
	}
}

int
assoc_migrate(struct assoc *a, const struct slab *s, unsigned int n)
{
	uint64_t	 oldn, mask, hv;
	uint32_t	 id, next;
	struct item	*it;

	if (a->as_old == NULL)
		return (0);
	oldn = (uint64_t)1 << (a->as_power - 1);
	mask = ((uint64_t)1 << a->as_power) - 1;
	while (n-- > 0 && a->as_migrate < oldn) {
		for (id = a->as_old[a->as_migrate]; id != 0; id = next) {
			it = slab_ptr(s, id);
			next = it->it_hnext;
			hv = assoc_hash(a, item_keyp(it), it->it_nkey);
			it->it_hnext = a->as_table[hv & mask];
			a->as_table[hv & mask] = id;
		}
		a->as_old[a->as_migrate++] = 0;
	}
	if (a->as_migrate < oldn)
		return (1);
	free(a->as_old);
	a->as_old = NULL;
	a->as_migrate = 0;
	return (0);
}

uint64_t
assoc_bytes(const struct assoc *a)
{
	uint64_t	 n;

	n = ((uint64_t)1 << a->as_power) * sizeof(uint32_t);
	if (a->as_old != NULL)
		n += ((uint64_t)1 << (a->as_power - 1)) * sizeof(uint32_t);
	return (n);
}
