/*
 * The recovery scan (storage child; no I/O): a new storage child reads back
 * the items a former one left in the shared item memory.  A crashed or
 * compromised storage child wrote that memory, so it is hostile input:
 * every class, length, offset and link is checked before use, an item
 * that fails a check (or whose checksum, expiry or flush says it is gone)
 * is dropped and counted, and the scan touches each chunk a fixed number
 * of times, follows each chain link once and allocates only the hash
 * table, bounded by the items it keeps.  It cannot fault (every address it
 * forms lies inside the region), loop (chains are bounded by the value
 * length and each chunk joins one chain) or trust a pointer as stored.
 */

#include <sys/types.h>

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "msg.h"
#include "cache.h"
#include "cache_int.h"
#include "memlimit.h"

/* memcached's KEY_MAX_LENGTH: no store makes a longer key. */
#define RECOVER_KEY_MAX		250
/* Type bits a head may carry; anything else is garbage. */
#define RECOVER_HEAD_BITS	(IT_HEAD | IT_LINKED | IT_BUSY | \
				 IT_CHUNKED | IT_CFLAGS | IT_CAS)
/* A chain chunk's mark while the scan runs (ch_pad[0]): claimed. */
#define RECOVER_CLAIMED		1

struct recover {
	struct cache	*rv_c;
	struct slab	*rv_s;
	uint64_t	 rv_oldbase;	/* where the old child had the pages */
	uint64_t	 rv_maxcas;
	uint32_t	 rv_maxmtime;
};

/* Item times: the stored epoch must leave the clock in range. */
static int
recover_epoch_ok(int64_t epoch, int64_t now)
{
	return (epoch < now && now - epoch < (int64_t)UINT32_MAX -
	    ((int64_t)1 << 30));
}

/*
 * The chunk at region offset off, if one starts there on a page that was
 * read: its class in *id.  NULL otherwise.
 */
static uint8_t *
recover_chunk(const struct slab *s, uint64_t off, unsigned int *id)
{
	const struct slab_page	*pg;
	uint64_t		 idx, in;

	if (off >= s->s_size)
		return (NULL);
	idx = off / s->s_page_size;
	if (idx >= s->s_nused)
		return (NULL);
	pg = &s->s_pages[idx];
	if (pg->pg_unread || pg->pg_clsid == 0)
		return (NULL);
	in = off % s->s_page_size;
	if (in % s->s_class[pg->pg_clsid].sc_size != 0 ||
	    in / s->s_class[pg->pg_clsid].sc_size >=
	    s->s_class[pg->pg_clsid].sc_perslab)
		return (NULL);
	*id = pg->pg_clsid;
	return (s->s_base + off);
}

/*
 * A pointer as the old child stored it, moved to our mapping: the chain
 * chunk it names, checked, or NULL.
 */
static struct item_chunk *
recover_link(struct recover *rv, struct item_chunk **slot, uint32_t head)
{
	struct item_chunk	*ch;
	uint64_t		 raw;
	unsigned int		 id;

	memcpy(&raw, slot, sizeof(raw));
	if (raw < rv->rv_oldbase)
		return (NULL);
	if ((ch = (struct item_chunk *)recover_chunk(rv->rv_s,
	    raw - rv->rv_oldbase, &id)) == NULL)
		return (NULL);
	if (ch->ch_type != IT_CHAIN || ch->ch_head != head ||
	    ch->ch_pad[0] == RECOVER_CLAIMED || ch->ch_len == 0 ||
	    ch->ch_len > rv->rv_s->s_class[id].sc_size - ITEM_CHUNK_HDR)
		return (NULL);
	*slot = ch;
	return (ch);
}

/* Unclaims the first n chunks of a chain that turned out bad. */
static void
recover_unclaim(struct item_chunk *ch, uint64_t n)
{
	for (; ch != NULL && n > 0; n--, ch = ch->ch_next)
		ch->ch_pad[0] = 0;
}

/*
 * Checks a chunked item's chain (the links rewritten for our mapping) and
 * claims its chunks.  Returns 0, or -1 with nothing claimed.
 */
static int
recover_chain(struct recover *rv, struct item *it, uint32_t head)
{
	struct slab		*s = rv->rv_s;
	struct item_chunkref	*ref;
	struct item_chunk	*ch, **slot;
	uint64_t		 rest, n = 0;
	size_t			 off;

	if (it->it_clsid != s->s_largest)
		return (-1);
	off = item_ref_off(it->it_type & IT_CAS, it->it_type & IT_CFLAGS,
	    it->it_nkey);
	if (off + sizeof(*ref) > s->s_class[s->s_largest].sc_size)
		return (-1);
	ref = item_ref(it);
	if (ref->cr_len > s->s_class[s->s_largest].sc_size - off -
	    sizeof(*ref) || ref->cr_len > it->it_nbytes)
		return (-1);
	rest = it->it_nbytes - ref->cr_len;
	slot = &ref->cr_first;
	/* Each link takes at least one byte of the value: rest bounds it. */
	while (rest > 0) {
		if ((ch = recover_link(rv, slot, head)) == NULL ||
		    ch->ch_len > rest) {
			recover_unclaim(ref->cr_first, n);
			return (-1);
		}
		ch->ch_pad[0] = RECOVER_CLAIMED;
		n++;
		rest -= ch->ch_len;
		slot = &ch->ch_next;
	}
	if (*slot != NULL) {
		recover_unclaim(n > 0 ? ref->cr_first : NULL, n);
		return (-1);
	}
	return (0);
}

/* Whether the head at p, in a page of class id, is an item to keep. */
static int
recover_item(struct recover *rv, struct item *it, unsigned int id)
{
	struct cache	*c = rv->rv_c;
	struct slab	*s = rv->rv_s;
	uint64_t	 ntotal;
	size_t		 hdr;

	if ((it->it_type & ~RECOVER_HEAD_BITS) != 0 ||
	    it->it_clsid != id || it->it_nkey == 0 ||
	    it->it_nkey > RECOVER_KEY_MAX ||
	    ((it->it_type & IT_CAS) != 0) != (c->c_cas != 0))
		return (-1);
	hdr = item_hdr_len(it->it_type & IT_CAS, it->it_type & IT_CFLAGS);
	ntotal = (uint64_t)hdr + it->it_nkey + it->it_nbytes;
	if (ntotal > c->c_item_size_max)
		return (-1);
	if ((it->it_type & IT_CHUNKED) == 0) {
		if (ntotal > s->s_class[id].sc_size)
			return (-1);
	} else if (recover_chain(rv, it, slab_id(s, it)) == -1)
		return (-1);
	if (cache_item_dead(c, it) != 0 || item_crc(it) != it->it_crc ||
	    assoc_find(&c->c_assoc, s, item_keyp(it), it->it_nkey,
	    assoc_hash(&c->c_assoc, item_keyp(it), it->it_nkey)) != NULL) {
		if (it->it_type & IT_CHUNKED)
			recover_unclaim(item_ref(it)->cr_first, UINT64_MAX);
		return (-1);
	}
	return (0);
}

/* Links a checked item, as cache_link but keeping what it says. */
static void
recover_link_item(struct recover *rv, struct item *it)
{
	struct cache	*c = rv->rv_c;
	uint64_t	 cas;

	it->it_type &= ~IT_BUSY;
	if ((int32_t)(it->it_atime - c->c_rnow) > 0)
		it->it_atime = c->c_rnow;
	assoc_insert(&c->c_assoc, &c->c_slab, it,
	    assoc_hash(&c->c_assoc, item_keyp(it), it->it_nkey));
	lru_link(&c->c_slab, &c->c_lru[it->it_clsid], it);
	c->c_curr_items++;
	c->c_bytes += item_ntotal(it);
	cache_note_exp(c, it->it_exptime);
	if ((cas = item_get_cas(it)) > rv->rv_maxcas)
		rv->rv_maxcas = cas;
	if ((int32_t)(it->it_mtime - rv->rv_maxmtime) > 0)
		rv->rv_maxmtime = it->it_mtime;
}

/*
 * Pages: those up to the last one with a class were handed out (pages
 * leave the pool in order); one given back goes to the pool again, one
 * with no valid class is freed whole.
 */
static void
recover_pages(struct recover *rv, uint8_t *table, uint32_t npages)
{
	struct slab	*s = rv->rv_s;
	uint32_t	 idx, n, last = 0;
	unsigned int	 id;
	uint8_t		*base;

	for (idx = 0; idx < npages; idx++)
		if (table[idx] != 0)
			last = idx + 1;
	s->s_nused = last;
	s->s_nheld = 0;
	for (idx = 0; idx < last; idx++) {
		id = table[idx];
		if (id == REGION_PAGE_FREE) {
			slab_page_pool(s, idx);
			continue;
		}
		s->s_nheld++;
		if (id >= 1 && id <= s->s_largest) {
			slab_page_adopt(s, idx, id);
			continue;
		}
		rv->rv_c->c_recovery.rc_bad_pages++;
		id = s->s_largest;
		table[idx] = 0;
		slab_page_adopt(s, idx, id);
		s->s_pages[idx].pg_unread = 1;
		base = s->s_base + (size_t)idx * s->s_page_size;
		for (n = 0; n < s->s_class[id].sc_perslab; n++)
			slab_release(s, id, base + (size_t)n *
			    s->s_class[id].sc_size);
		atomic_signal_fence(memory_order_seq_cst);
		table[idx] = (uint8_t)id;
	}
}

/* Calls fn on every chunk of the pages read. */
static void
recover_walk(struct recover *rv, void (*fn)(struct recover *, uint8_t *,
    unsigned int))
{
	struct slab	*s = rv->rv_s;
	uint32_t	 idx, n;
	unsigned int	 id;
	uint8_t		*base;

	for (idx = 0; idx < s->s_nused; idx++) {
		if (s->s_pages[idx].pg_unread ||
		    s->s_pages[idx].pg_clsid == 0)
			continue;
		id = s->s_pages[idx].pg_clsid;
		base = s->s_base + (size_t)idx * s->s_page_size;
		for (n = 0; n < s->s_class[id].sc_perslab; n++)
			fn(rv, base + (size_t)n * s->s_class[id].sc_size, id);
	}
}

/* Pass 1: no chain chunk is claimed yet. */
static void
recover_unmark(struct recover *rv, uint8_t *p, unsigned int id)
{
	(void)rv;
	(void)id;
	if (p[0] == IT_CHAIN)
		((struct item_chunk *)p)->ch_pad[0] = 0;
}

/* Pass 2: heads that were live are kept, or dropped and counted. */
static void
recover_heads(struct recover *rv, uint8_t *p, unsigned int id)
{
	struct item	*it = (struct item *)p;

	if ((p[0] & (IT_HEAD | IT_LINKED)) != (IT_HEAD | IT_LINKED) ||
	    (p[0] & IT_CHAIN) != 0)
		return;
	if (recover_item(rv, it, id) == -1) {
		rv->rv_c->c_recovery.rc_dropped++;
		p[0] = CHUNK_FREE;
		return;
	}
	recover_link_item(rv, it);
	rv->rv_c->c_recovery.rc_recovered++;
}

/* Pass 3: whatever no kept item holds goes on its free list. */
static void
recover_free(struct recover *rv, uint8_t *p, unsigned int id)
{
	struct slab		*s = rv->rv_s;
	struct item		*it = (struct item *)p;
	struct item_chunk	*ch = (struct item_chunk *)p;
	struct item_chunkref	*ref;

	if (p[0] == IT_CHAIN && ch->ch_pad[0] == RECOVER_CLAIMED) {
		ch->ch_pad[0] = 0;
		s->s_class[id].sc_requested += ITEM_CHUNK_HDR + ch->ch_len;
		return;
	}
	if ((p[0] & (IT_HEAD | IT_LINKED)) == (IT_HEAD | IT_LINKED) &&
	    (p[0] & IT_CHAIN) == 0) {
		if (it->it_type & IT_CHUNKED) {
			ref = item_ref(it);
			s->s_class[id].sc_requested += (size_t)((uint8_t *)
			    (ref + 1) - p) + ref->cr_len;
		} else
			s->s_class[id].sc_requested += item_ntotal(it);
		return;
	}
	slab_release(s, id, p);
}

static void
recover_scan(struct cache *c, struct region_hdr *h, uint8_t *table,
    uint32_t npages)
{
	struct region_hdr	 old = *h;
	struct recover		 rv;

	memset(&rv, 0, sizeof(rv));
	rv.rv_c = c;
	rv.rv_s = &c->c_slab;
	rv.rv_oldbase = old.rh_base;
	/* The clock and the flush state first: a flushed item stays gone. */
	c->c_epoch = old.rh_epoch;
	c->c_mepoch = old.rh_mepoch;
	c->c_flush_mepoch = old.rh_flush_mepoch;
	c->c_flush_at = old.rh_flush_at;
	cache_set_time(c, c->c_now);
	rv.rv_maxmtime = c->c_mepoch;

	recover_pages(&rv, table, npages);
	recover_walk(&rv, recover_unmark);
	recover_walk(&rv, recover_heads);
	recover_walk(&rv, recover_free);

	c->c_mepoch = rv.rv_maxmtime;
	/* A flush now must cover every item read back. */
	c->c_mepoch_used = 1;
	if (rv.rv_maxcas > c->c_cas_next)
		c->c_cas_next = rv.rv_maxcas;
	c->c_st.st_total_items = c->c_curr_items;
}

/* Why a region with our magic cannot be read, or NULL. */
static const char *
recover_unreadable(const struct region_hdr *h, const struct region_hdr *want,
    int64_t now)
{
	if (h->rh_version != want->rh_version ||
	    h->rh_item_hdr != want->rh_item_hdr)
		return ("written by another version");
	if (!region_hdr_match(h, want))
		return ("written with other -m, -I, -n, -f, -C or slab "
		    "sizes");
	if (!recover_epoch_ok(h->rh_epoch, now))
		return ("its clock is out of range");
	return (NULL);
}

static uint64_t
recover_usec(const struct timespec *a, const struct timespec *b)
{
	int64_t	 us;

	us = ((int64_t)b->tv_sec - a->tv_sec) * 1000000 +
	    ((int64_t)b->tv_nsec - a->tv_nsec) / 1000;
	return (us > 0 ? (uint64_t)us : 0);
}

struct cache *
cache_open(const struct cache_conf *conf, void *mem, size_t len,
    struct cache_recovery *rc)
{
	struct region_layout	 rl;
	struct region_hdr	 want, *h = mem;
	struct timespec		 t0, t1;
	struct cache		*c;
	uint8_t			*table;
	int64_t			 now;
	int			 read = 0;

	memset(rc, 0, sizeof(*rc));
	if (region_layout(conf, &rl) == -1)
		return (NULL);
	if (len != rl.rl_size || ((uintptr_t)mem % REGION_ALIGN) != 0) {
		errno = EINVAL;
		return (NULL);
	}
	region_hdr_make(conf, &rl, &want);
	table = (uint8_t *)mem + rl.rl_table_off;
	now = time(NULL);
	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	if (h->rh_magic == REGION_MAGIC) {
		if ((rc->rc_why = recover_unreadable(h, &want, now)) == NULL)
			read = 1;
		else
			rc->rc_state = CACHE_RECOVERY_CLEARED;
	} else if (h->rh_magic != 0) {
		rc->rc_state = CACHE_RECOVERY_CLEARED;
		rc->rc_why = "not item memory of this program";
	}
	if (!read) {
		/* The magic goes last: a half-written header is no header. */
		h->rh_magic = 0;
		atomic_signal_fence(memory_order_seq_cst);
		memset(table, 0, rl.rl_npages);
	}
	if ((c = cache_new_mem(conf, (uint8_t *)mem + rl.rl_data_off,
	    table)) == NULL)
		return (NULL);
	c->c_region = h;
	if (read) {
		rc->rc_state = CACHE_RECOVERY_READ;
		c->c_recovery = *rc;
		recover_scan(c, h, table, rl.rl_npages);
		c->c_recovery.rc_limit = cache_memlimit_restore(c,
		    h->rh_limit);
	} else {
		memcpy(h, &want, sizeof(want));
		h->rh_magic = 0;
		c->c_recovery = *rc;
	}
	h->rh_base = (uint64_t)(uintptr_t)c->c_slab.s_base;
	h->rh_epoch = c->c_epoch;
	cache_region_sync(c);
	atomic_signal_fence(memory_order_seq_cst);
	h->rh_magic = REGION_MAGIC;
	(void)clock_gettime(CLOCK_MONOTONIC, &t1);
	c->c_recovery.rc_usec = recover_usec(&t0, &t1);
	*rc = c->c_recovery;
	return (c);
}
