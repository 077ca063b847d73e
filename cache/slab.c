/*
 * Slab allocator of the cache engine (storage child; no I/O).
 *
 * Item memory is one region of pages for the reserve (-o memlimit_max,
 * at least -m; one page at least), reserved with a single mmap so that
 * malloc granularity costs nothing and chunks can be named by 32-bit ids.
 * Classes may hold cc_maxbytes of it, or what cache_memlimit says since;
 * the rest is never touched, so it costs no memory.  Pages go from the
 * pool to a size class when the class first needs one and are then cut
 * into equal chunks.  Free chunks sit on a doubly linked list per class,
 * so that a page whose items were all evicted can be taken off the list
 * chunk by chunk and moved to a starving class.
 *
 * Memory bound: classes never hold more pages than the limit (cc_maxbytes
 * or cache_memlimit's, rounded down to whole pages; one page at least).
 * A lower limit takes effect as pages empty: memlimit.c gives them back
 * to the system (hole punch) and they wait in the pool for reuse.  Fixed
 * overhead outside it: the hash table (4 bytes per bucket, 2^hashpower
 * buckets, doubling when items > 1.5 x buckets; both tables while it
 * grows), 12 bytes per page of the reserve of page table, and about 3 KiB
 * of class bookkeeping and counters in struct cache.
 */

#include <sys/types.h>
#include <sys/mman.h>

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "region.h"
#include "slab.h"

/* memcached's CHUNK_ALIGN_BYTES: chunk sizes are multiples of this. */
#define SLAB_ALIGN		8
/* Bounds we accept for a page: a chunk must fit, ids must not overflow. */
#define SLAB_PAGE_MIN		1024
#define SLAB_PAGE_MAX		(1024U * 1024 * 1024)

static void	slab_push_free(struct slab_class *, void *);
static void	slab_unlink_free(struct slab_class *, struct slab_free *);
static void	slab_page_give(struct slab *, uint32_t, unsigned int);
static void	slab_page_unlist(struct slab *, uint32_t);
static uint32_t	slab_page_take(struct slab *);
static int	slab_punch(struct slab *, void *, size_t);

int
slab_init(struct slab *s, const struct cache_conf *conf, size_t hdr)
{
	return (slab_init_mem(s, conf, hdr, NULL, NULL));
}

int
slab_init_mem(struct slab *s, const struct cache_conf *conf, size_t hdr,
    void *mem, uint8_t *pgcls)
{
	uint64_t	 npages, units;
	size_t		 unit, chunk_max, size;
	unsigned int	 i;
	double		 grown;
	volatile uint8_t *v;
	void		*p;

	memset(s, 0, sizeof(*s));
	if (conf->cc_slab_page_size < SLAB_PAGE_MIN ||
	    conf->cc_slab_page_size > SLAB_PAGE_MAX ||
	    conf->cc_slab_page_size % SLAB_ALIGN != 0 ||
	    !(conf->cc_factor > 1.0) || conf->cc_factor > 64.0 ||
	    conf->cc_chunk_min == 0 ||
	    conf->cc_chunk_min > conf->cc_slab_page_size ||
	    hdr == 0 || hdr > 1024) {
		errno = EINVAL;
		return (-1);
	}
	s->s_page_size = conf->cc_slab_page_size;

	npages = region_reserve(conf) / s->s_page_size;
	if (npages == 0)
		npages = 1;
	if (npages > UINT32_MAX - 1 || npages > SIZE_MAX / s->s_page_size) {
		errno = ENOMEM;
		return (-1);
	}
	s->s_npages = (uint32_t)npages;
	units = conf->cc_maxbytes / s->s_page_size;
	s->s_nlimit = units == 0 ? 1 : units < npages ? (uint32_t)units :
	    s->s_npages;
	s->s_size = (size_t)npages * s->s_page_size;

	/*
	 * Ids are 32 bits: past 32 GiB of region the id unit, and with it the
	 * chunk alignment, doubles as often as needed.
	 */
	s->s_shift = 3;
	while (((uint64_t)s->s_size >> s->s_shift) >= UINT32_MAX - 1)
		s->s_shift++;
	unit = (size_t)1 << s->s_shift;
	if (unit > SLAB_PAGE_MIN || s->s_page_size % unit != 0) {
		errno = EINVAL;
		return (-1);
	}

	chunk_max = conf->cc_slab_chunk_max;
	if (chunk_max == 0 || chunk_max > s->s_page_size)
		chunk_max = s->s_page_size / 2;
	chunk_max -= chunk_max % unit;
	if (chunk_max < hdr + 64) {
		errno = EINVAL;
		return (-1);
	}

	/* memcached's slabs_init(), growth loop and all. */
	size = hdr + conf->cc_chunk_min;
	i = 0;
	while (++i < SLAB_CLASS_MAX - 1) {
		if ((double)size >= (double)chunk_max / conf->cc_factor)
			break;
		if (size % unit != 0)
			size += unit - size % unit;
		s->s_class[i].sc_size = (uint32_t)size;
		s->s_class[i].sc_perslab = s->s_page_size / (uint32_t)size;
		grown = (double)size * conf->cc_factor;
		size = (size_t)grown;
	}
	s->s_largest = i;
	s->s_class[i].sc_size = (uint32_t)chunk_max;
	s->s_class[i].sc_perslab = s->s_page_size / (uint32_t)chunk_max;

	s->s_pages = calloc(s->s_npages, sizeof(*s->s_pages));
	if (s->s_pages == NULL)
		return (-1);

	if (mem != NULL) {
		s->s_base = mem;
		s->s_shared = 1;
		s->s_pgcls = pgcls;
		goto mapped;
	}
	/*
	 * One mapping for the whole budget; the kernel backs a page only
	 * when a class first writes it.
	 */
#ifdef MAP_NORESERVE
	p = mmap(NULL, s->s_size, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANON | MAP_NORESERVE, -1, 0);
#else
	p = mmap(NULL, s->s_size, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANON, -1, 0);
#endif
	if (p == MAP_FAILED) {
		free(s->s_pages);
		s->s_pages = NULL;
		errno = ENOMEM;
		return (-1);
	}
	s->s_base = p;

mapped:
	if (conf->cc_prealloc) {
		/*
		 * -L: fault the budget in now rather than on demand,
		 * writing back what is there: shared memory holds items.
		 * Not the reserve past it: that stays free until used.
		 */
		v = s->s_base;
		for (units = 0; units < (uint64_t)s->s_nlimit *
		    s->s_page_size; units += 4096)
			v[units] = v[units];
	}
	return (0);
}

void
slab_destroy(struct slab *s)
{
	if (s->s_base != NULL && !s->s_shared)
		munmap(s->s_base, s->s_size);
	free(s->s_pages);
	memset(s, 0, sizeof(*s));
}

unsigned int
slab_clsid(const struct slab *s, size_t size)
{
	unsigned int	 lo, hi, mid;

	if (size == 0 || size > s->s_class[s->s_largest].sc_size)
		return (0);
	/* Class sizes increase with the id: binary search. */
	lo = 1;
	hi = s->s_largest;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (s->s_class[mid].sc_size >= size)
			hi = mid;
		else
			lo = mid + 1;
	}
	return (lo);
}

static void
slab_push_free(struct slab_class *sc, void *p)
{
	struct slab_free	*f = p;

	f->sf_type = CHUNK_FREE;
	f->sf_prev = NULL;
	f->sf_next = sc->sc_free;
	if (sc->sc_free != NULL)
		sc->sc_free->sf_prev = f;
	sc->sc_free = f;
	sc->sc_nfree++;
}

static void
slab_unlink_free(struct slab_class *sc, struct slab_free *f)
{
	if (f->sf_prev != NULL)
		f->sf_prev->sf_next = f->sf_next;
	else
		sc->sc_free = f->sf_next;
	if (f->sf_next != NULL)
		f->sf_next->sf_prev = f->sf_prev;
	sc->sc_nfree--;
}

void
slab_page_adopt(struct slab *s, uint32_t idx, unsigned int id)
{
	struct slab_class	*sc = &s->s_class[id];
	struct slab_page	*pg = &s->s_pages[idx];

	pg->pg_clsid = (uint8_t)id;
	pg->pg_prev = 0;
	pg->pg_next = sc->sc_pages;
	if (sc->sc_pages != 0)
		s->s_pages[sc->sc_pages - 1].pg_prev = idx + 1;
	sc->sc_pages = idx + 1;
	sc->sc_npages++;
}

void
slab_release(struct slab *s, unsigned int id, void *p)
{
	slab_push_free(&s->s_class[id], p);
}

/* Hands page idx to class id: list it and cut it into free chunks. */
static void
slab_page_give(struct slab *s, uint32_t idx, unsigned int id)
{
	struct slab_class	*sc = &s->s_class[id];
	uint8_t			*base;
	uint32_t		 n;

	/*
	 * The shared table names no class while the page is cut: a storage
	 * child dying half way leaves a page a later one frees whole, never
	 * one whose old bytes it reads as chunks of the new class.
	 */
	if (s->s_pgcls != NULL) {
		s->s_pgcls[idx] = 0;
		atomic_signal_fence(memory_order_seq_cst);
	}
	slab_page_adopt(s, idx, id);
	/* Pushed backwards so that allocation walks the page forwards. */
	base = s->s_base + (size_t)idx * s->s_page_size;
	for (n = sc->sc_perslab; n > 0; n--)
		slab_push_free(sc, base + (size_t)(n - 1) * sc->sc_size);
	if (s->s_pgcls != NULL) {
		atomic_signal_fence(memory_order_seq_cst);
		s->s_pgcls[idx] = (uint8_t)id;
	}
}

void *
slab_alloc(struct slab *s, unsigned int id, size_t requested)
{
	struct slab_class	*sc = &s->s_class[id];
	struct slab_free	*f;
	uint32_t		 idx;

	if (sc->sc_free == NULL) {
		if (s->s_nheld >= s->s_nlimit ||
		    (idx = slab_page_take(s)) == UINT32_MAX)
			return (NULL);
		slab_page_give(s, idx, id);
	}
	f = sc->sc_free;
	slab_unlink_free(sc, f);
	sc->sc_requested += requested;
	return (f);
}

void
slab_free(struct slab *s, void *p, size_t requested)
{
	struct slab_class	*sc;

	sc = &s->s_class[slab_page_clsid(s, p)];
	sc->sc_requested -= requested;
	slab_push_free(sc, p);
}

uint32_t
slab_page_index(const struct slab *s, const void *p)
{
	return ((uint32_t)(((const uint8_t *)p - s->s_base) /
	    s->s_page_size));
}

unsigned int
slab_page_clsid(const struct slab *s, const void *p)
{
	return (s->s_pages[slab_page_index(s, p)].pg_clsid);
}

void *
slab_page_chunk(const struct slab *s, uint32_t idx, uint32_t n)
{
	const struct slab_class	*sc;

	sc = &s->s_class[s->s_pages[idx].pg_clsid];
	return (s->s_base + (size_t)idx * s->s_page_size +
	    (size_t)n * sc->sc_size);
}

uint32_t
slab_class_page(const struct slab *s, unsigned int id)
{
	if (s->s_class[id].sc_pages == 0)
		return (UINT32_MAX);
	return (s->s_class[id].sc_pages - 1);
}

/* Takes page idx, every chunk of it free, off its class's lists. */
static void
slab_page_unlist(struct slab *s, uint32_t idx)
{
	struct slab_page	*pg = &s->s_pages[idx];
	struct slab_class	*sc = &s->s_class[pg->pg_clsid];
	uint8_t			*base;
	uint32_t		 n;

	base = s->s_base + (size_t)idx * s->s_page_size;
	for (n = 0; n < sc->sc_perslab; n++)
		slab_unlink_free(sc,
		    (struct slab_free *)(base + (size_t)n * sc->sc_size));

	if (pg->pg_prev != 0)
		s->s_pages[pg->pg_prev - 1].pg_next = pg->pg_next;
	else
		sc->sc_pages = pg->pg_next;
	if (pg->pg_next != 0)
		s->s_pages[pg->pg_next - 1].pg_prev = pg->pg_prev;
	sc->sc_npages--;
}

int
slab_page_move(struct slab *s, uint32_t idx, unsigned int id)
{
	slab_page_unlist(s, idx);
	slab_page_give(s, idx, id);
	return (0);
}

/*
 * A page for a class: one given back before (reused first, so that what
 * is touched stays compact), else one never used.  UINT32_MAX if none.
 */
static uint32_t
slab_page_take(struct slab *s)
{
	uint32_t	 idx;

	if (s->s_pool != 0) {
		idx = s->s_pool - 1;
		s->s_pool = s->s_pages[idx].pg_next;
	} else if (s->s_nused < s->s_npages)
		idx = s->s_nused++;
	else
		return (UINT32_MAX);
	s->s_nheld++;
	return (idx);
}

int
slab_page_empty(const struct slab *s, uint32_t idx)
{
	const struct slab_class	*sc;
	const uint8_t		*base;
	uint32_t		 n;

	sc = &s->s_class[s->s_pages[idx].pg_clsid];
	base = s->s_base + (size_t)idx * s->s_page_size;
	for (n = 0; n < sc->sc_perslab; n++)
		if (base[(size_t)n * sc->sc_size] != CHUNK_FREE)
			return (0);
	return (1);
}

void
slab_page_pool(struct slab *s, uint32_t idx)
{
	struct slab_page	*pg = &s->s_pages[idx];

	pg->pg_clsid = 0;
	pg->pg_prev = 0;
	pg->pg_next = s->s_pool;
	s->s_pool = idx + 1;
}

int
slab_page_release(struct slab *s, uint32_t idx)
{
	slab_page_unlist(s, idx);
	/*
	 * Marked before the memory goes: a storage child dying in between
	 * leaves a page a later one puts in the pool, never one it reads.
	 */
	if (s->s_pgcls != NULL) {
		s->s_pgcls[idx] = REGION_PAGE_FREE;
		atomic_signal_fence(memory_order_seq_cst);
	}
	slab_page_pool(s, idx);
	s->s_nheld--;
	return (slab_punch(s, s->s_base + (size_t)idx * s->s_page_size,
	    s->s_page_size));
}

/*
 * Gives the memory of a page back to the system; it reads as zeros next.
 * Linux: MADV_REMOVE punches a hole in the shared object (memfd, or the
 * -e file where its file system can), MADV_DONTNEED drops private pages.
 * OpenBSD can do neither for shared memory: the page stays allocated to
 * the object until a class takes it from the pool again.
 */
static int
slab_punch(struct slab *s, void *p, size_t len)
{
#ifdef MADV_REMOVE
	return (madvise(p, len, s->s_shared ? MADV_REMOVE : MADV_DONTNEED));
#else
	(void)s;
	(void)p;
	(void)len;
	errno = EOPNOTSUPP;
	return (-1);
#endif
}
