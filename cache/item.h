/*
 * Item layout of the cache engine.  An item is a 36-byte header, the cas
 * (8 bytes, unless the cache runs with -C), the client flags (4 bytes, only
 * when not zero), the key and the value, in one chunk.  An item too big for
 * the largest class is chunked: its head chunk (of the largest class) holds
 * the header, the key, a reference to a chain of item_chunks and the start
 * of the value; the chain holds the rest.  Links are 32-bit slab ids.
 */

#ifndef PRIVCACHED_ITEM_H
#define PRIVCACHED_ITEM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* it_type (first byte of a chunk; CHUNK_FREE is 0) */
#define IT_HEAD		0x01	/* chunk starts an item */
#define IT_CHAIN	0x02	/* chunk continues a chunked item's value */
#define IT_LINKED	0x04	/* in the hash table and an LRU */
#define IT_BUSY		0x08	/* in use by the running op: not evictable */
#define IT_CHUNKED	0x10	/* value continues in a chain */
#define IT_CFLAGS	0x20	/* client flags stored (non-zero) */
#define IT_CAS		0x40	/* cas stored */

/* it_mark */
#define IT_FETCHED	0x01	/* hit since stored */
#define IT_ACTIVE	0x02	/* hit since last LRU move: second chance */
#define IT_STALE	0x04	/* marked stale (md I, ms I) */
#define IT_WIN_SENT	0x08	/* a client already won the recache token */

struct item {
	uint8_t		it_type;
	uint8_t		it_mark;
	uint8_t		it_nkey;
	uint8_t		it_clsid;	/* class of the head chunk */
	uint32_t	it_nbytes;	/* value length */
	uint32_t	it_hnext;	/* hash chain */
	uint32_t	it_prev;	/* LRU, toward the head (newer) */
	uint32_t	it_next;	/* LRU, toward the tail (older) */
	uint32_t	it_exptime;	/* cache-relative seconds, 0 never */
	uint32_t	it_atime;	/* cache-relative last access */
	uint32_t	it_mtime;	/* modification epoch, for flush_all */
	uint32_t	it_crc;		/* item_crc() when linked */
	uint8_t		it_data[];
};

/* A chain chunk of a chunked item. */
struct item_chunk {
	uint8_t			 ch_type;	/* IT_CHAIN */
	uint8_t			 ch_pad[3];
	uint32_t		 ch_head;	/* slab id of the head */
	uint32_t		 ch_len;	/* value bytes here */
	uint32_t		 ch_pad2;
	struct item_chunk	*ch_next;
	uint8_t			 ch_data[];
};

/* Follows the key (8-byte aligned) in a chunked item's head. */
struct item_chunkref {
	struct item_chunk	*cr_first;
	uint32_t		 cr_len;	/* value bytes in the head */
	uint32_t		 cr_pad;
};

#define ITEM_HDR		sizeof(struct item)
#define ITEM_CHUNK_HDR		sizeof(struct item_chunk)

/* Sequential writer into an item's value, across its chunks. */
struct item_cursor {
	uint8_t			*ic_p;
	size_t			 ic_left;
	struct item_chunk	*ic_next;
};

/* Returns the header bytes in front of the key. */
static inline size_t
item_hdr_len(int cas, int cflags)
{
	return (ITEM_HDR + (cas ? 8 : 0) + (cflags ? 4 : 0));
}

/* Returns the offset of the chunk reference of a chunked item. */
static inline size_t
item_ref_off(int cas, int cflags, size_t nkey)
{
	return ((item_hdr_len(cas, cflags) + nkey + 7) & ~(size_t)7);
}

static inline uint8_t *
item_keyp(struct item *it)
{
	return (it->it_data + ((it->it_type & IT_CAS) ? 8 : 0) +
	    ((it->it_type & IT_CFLAGS) ? 4 : 0));
}

static inline uint64_t
item_get_cas(const struct item *it)
{
	uint64_t	 v;

	if ((it->it_type & IT_CAS) == 0)
		return (0);
	memcpy(&v, it->it_data, sizeof(v));
	return (v);
}

static inline void
item_set_cas(struct item *it, uint64_t v)
{
	if (it->it_type & IT_CAS)
		memcpy(it->it_data, &v, sizeof(v));
}

static inline uint32_t
item_get_cflags(const struct item *it)
{
	uint32_t	 v;

	if ((it->it_type & IT_CFLAGS) == 0)
		return (0);
	memcpy(&v, it->it_data + ((it->it_type & IT_CAS) ? 8 : 0), sizeof(v));
	return (v);
}

static inline struct item_chunkref *
item_ref(struct item *it)
{
	return ((struct item_chunkref *)((uint8_t *)it +
	    item_ref_off(it->it_type & IT_CAS, it->it_type & IT_CFLAGS,
	    it->it_nkey)));
}

/* Returns the value of an unchunked item. */
static inline uint8_t *
item_valuep(struct item *it)
{
	return (item_keyp(it) + it->it_nkey);
}

/* Returns the bytes the item accounts for (memcached's ITEM_ntotal). */
size_t		 item_ntotal(const struct item *);
/* Points c at the start of the item's value. */
void		 item_cursor_init(struct item *, struct item_cursor *c);
/* Writes n bytes at the cursor; the caller stays within it_nbytes. */
void		 item_cursor_write(struct item_cursor *, const void *, size_t);
/* Writes the value of src at the cursor. */
void		 item_cursor_copy(struct item_cursor *, const struct item *src);
/* Returns 1 if the keys are equal. */
int		 item_key_eq(const struct item *, const void *, size_t);
/*
 * CRC32C of what a later storage child needs of a linked item: its type,
 * sizes, class, times that decide validity, cas, flags, key and value (not
 * the links, the LRU marks or the access time, which change on reads).
 */
uint32_t	 item_crc(const struct item *);

/* Stamps the checksum: after linking, and after any change it covers. */
static inline void
item_seal(struct item *it)
{
	it->it_crc = item_crc(it);
}

#endif /* PRIVCACHED_ITEM_H */
