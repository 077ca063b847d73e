/*
 * Item layout helpers of the cache engine (storage child; no I/O): key and
 * value access, chunked value copies.  Allocation (alloc.c) and linking
 * (cache.c) live in the engine, which knows the slabs, the hash table
 * and the LRUs.
 */

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "msg.h"
#include "cache.h"
#include "crc32c.h"
#include "item.h"
#include "region.h"

_Static_assert(ITEM_HDR == REGION_ITEM_HDR,
    "struct item changed: change REGION_ITEM_HDR and REGION_VERSION");

const void *
item_key(const struct item *it)
{
	return (item_keyp((struct item *)it));
}

size_t
item_ntotal(const struct item *it)
{
	size_t	 n;

	n = item_hdr_len(it->it_type & IT_CAS, it->it_type & IT_CFLAGS) +
	    it->it_nkey + it->it_nbytes;
	if (it->it_type & IT_CHUNKED)
		n += sizeof(struct item_chunkref);
	return (n);
}

int
item_key_eq(const struct item *it, const void *key, size_t nkey)
{
	return (it->it_nkey == nkey &&
	    memcmp(item_keyp((struct item *)it), key, nkey) == 0);
}

void
item_cursor_init(struct item *it, struct item_cursor *c)
{
	struct item_chunkref	*ref;

	if ((it->it_type & IT_CHUNKED) == 0) {
		c->ic_p = item_valuep(it);
		c->ic_left = it->it_nbytes;
		c->ic_next = NULL;
		return;
	}
	ref = item_ref(it);
	c->ic_p = (uint8_t *)(ref + 1);
	c->ic_left = ref->cr_len;
	c->ic_next = ref->cr_first;
}

void
item_cursor_write(struct item_cursor *c, const void *src, size_t n)
{
	const uint8_t	*p = src;
	size_t		 k;

	while (n > 0) {
		if (c->ic_left == 0) {
			if (c->ic_next == NULL)
				return;		/* caller overran: clip */
			c->ic_p = c->ic_next->ch_data;
			c->ic_left = c->ic_next->ch_len;
			c->ic_next = c->ic_next->ch_next;
			continue;
		}
		k = n < c->ic_left ? n : c->ic_left;
		memcpy(c->ic_p, p, k);
		c->ic_p += k;
		c->ic_left -= k;
		p += k;
		n -= k;
	}
}

void
item_cursor_copy(struct item_cursor *c, const struct item *src)
{
	struct item_cursor	 s;

	item_cursor_init((struct item *)src, &s);
	for (;;) {
		if (s.ic_left > 0)
			item_cursor_write(c, s.ic_p, s.ic_left);
		if (s.ic_next == NULL)
			break;
		s.ic_p = s.ic_next->ch_data;
		s.ic_left = s.ic_next->ch_len;
		s.ic_next = s.ic_next->ch_next;
	}
}

void
item_value_copy(const struct item *it, void *dst)
{
	struct item_cursor	 s;
	uint8_t			*d = dst;

	item_cursor_init((struct item *)it, &s);
	for (;;) {
		if (s.ic_left > 0) {
			memcpy(d, s.ic_p, s.ic_left);
			d += s.ic_left;
		}
		if (s.ic_next == NULL)
			break;
		s.ic_p = s.ic_next->ch_data;
		s.ic_left = s.ic_next->ch_len;
		s.ic_next = s.ic_next->ch_next;
	}
}

/* Type bits that say the layout; the rest change while linked. */
#define ITEM_CRC_TYPE	(IT_HEAD | IT_CHUNKED | IT_CFLAGS | IT_CAS)

uint32_t
item_crc(const struct item *it)
{
	struct item_cursor	 s;
	uint8_t			 hdr[16];
	uint32_t		 crc;

	hdr[0] = it->it_type & ITEM_CRC_TYPE;
	hdr[1] = it->it_nkey;
	hdr[2] = it->it_clsid;
	hdr[3] = 0;
	memcpy(hdr + 4, &it->it_nbytes, 4);
	memcpy(hdr + 8, &it->it_exptime, 4);
	memcpy(hdr + 12, &it->it_mtime, 4);
	crc = crc32c(0, hdr, sizeof(hdr));
	/* cas, client flags and key sit together in front of the value. */
	crc = crc32c(crc, it->it_data, (size_t)(item_keyp((struct item *)it) -
	    it->it_data) + it->it_nkey);
	item_cursor_init((struct item *)it, &s);
	for (;;) {
		if (s.ic_left > 0)
			crc = crc32c(crc, s.ic_p, s.ic_left);
		if (s.ic_next == NULL)
			break;
		s.ic_p = s.ic_next->ch_data;
		s.ic_left = s.ic_next->ch_len;
		s.ic_next = s.ic_next->ch_next;
	}
	return (crc);
}
