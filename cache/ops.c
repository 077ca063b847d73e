/*
 * The cache operations: get, touch, store, delete and arith, one struct
 * cache_req at a time, with memcached's semantics and counters.
 */

#include <sys/types.h>

#include <stdint.h>
#include <string.h>

#include "msg.h"
#include "cache.h"
#include "cache_int.h"

/* Old hash buckets drained per request while the table grows. */
#define CACHE_MIGRATE_PER_OP	2
/* Room for 2^64 - 1 in decimal. */
#define CACHE_U64_DIGITS	20

static uint64_t		 cache_new_cas(struct cache *,
			    const struct cache_req *);
static void		 cache_rep_meta(const struct cache *,
			    const struct item *, struct cache_rep *);
static void		 cache_rep_item(struct cache *,
			    const struct cache_req *, struct item *,
			    struct cache_rep *, const struct item **, int);
static int		 cache_parse_u64(const uint8_t *, size_t, uint64_t *);
static size_t		 cache_u64_dec(uint64_t, char *);
static void		 cache_op_get(struct cache *, const struct cache_req *,
			    const void *, uint64_t, struct cache_rep *,
			    const struct item **);
static void		 cache_op_store(struct cache *,
			    const struct cache_req *, const void *,
			    const void *, uint64_t, struct cache_rep *);
static void		 cache_op_delete(struct cache *,
			    const struct cache_req *, const void *, uint64_t,
			    struct cache_rep *);
static void		 cache_op_arith(struct cache *,
			    const struct cache_req *, const void *, uint64_t,
			    struct cache_rep *, const struct item **);
static void		 cache_op_touch(struct cache *,
			    const struct cache_req *, const void *, uint64_t,
			    struct cache_rep *);

static uint64_t
cache_new_cas(struct cache *c, const struct cache_req *rq)
{
	if (!c->c_cas)
		return (0);
	if (rq->cr_opts & CACHE_OPT_NEW_CAS)
		return (rq->cr_newcas);
	return (++c->c_cas_next);
}

/* Fills flags, cas, class, size and ttl of a reply. */
static void
cache_rep_meta(const struct cache *c, const struct item *it,
    struct cache_rep *rp)
{
	rp->rp_flags = item_get_cflags(it);
	rp->rp_cas = item_get_cas(it);
	rp->rp_clsid = it->it_clsid;
	rp->rp_size = (uint32_t)item_ntotal(it);
	rp->rp_vlen = it->it_nbytes;
	if (it->it_exptime == 0)
		rp->rp_ttl = -1;
	else if (it->it_exptime <= c->c_rnow)
		rp->rp_ttl = 0;
	else
		rp->rp_ttl = (int64_t)it->it_exptime - c->c_rnow;
}

/* Fills a hit reply; the key and value when asked for. */
static void
cache_rep_item(struct cache *c, const struct cache_req *rq, struct item *it,
    struct cache_rep *rp, const struct item **itp, int value)
{
	cache_rep_meta(c, it, rp);
	if (rq->cr_opts & CACHE_OPT_WANT_KEY) {
		rp->rp_nkey = it->it_nkey;
		*itp = it;
	}
	if (value && (rq->cr_opts & CACHE_OPT_WANT_VALUE) &&
	    it->it_nbytes > 0) {
		rp->rp_nvalue = it->it_nbytes;
		*itp = it;
	}
}

void
cache_exec(struct cache *c, const struct cache_req *rq, const void *key,
    const void *value, struct cache_rep *rp, const struct item **itp)
{
	uint64_t	 hv;

	memset(rp, 0, sizeof(*rp));
	rp->rp_connid = rq->cr_connid;
	*itp = NULL;
	if (assoc_expanding(&c->c_assoc))
		assoc_migrate(&c->c_assoc, &c->c_slab, CACHE_MIGRATE_PER_OP);

	switch (rq->cr_op) {
	case CACHE_OP_FLUSH:
		c->c_st.st_cmd_flush++;
		if (rq->cr_exptime <= c->c_now) {
			c->c_flush_at = 0;
			cache_flush_now(c);
		} else
			c->c_flush_at = rq->cr_exptime;
		rp->rp_status = CACHE_OK;
		return;
	case CACHE_OP_NOOP:
		rp->rp_status = CACHE_OK;
		return;
	default:
		break;
	}

	if (rq->cr_nkey == 0 || rq->cr_nkey > UINT8_MAX) {
		rp->rp_status = CACHE_MISS;
		return;
	}
	hv = assoc_hash(&c->c_assoc, key, rq->cr_nkey);
	switch (rq->cr_op) {
	case CACHE_OP_GET:
		cache_op_get(c, rq, key, hv, rp, itp);
		break;
	case CACHE_OP_STORE:
		cache_op_store(c, rq, key, value, hv, rp);
		break;
	case CACHE_OP_DELETE:
		cache_op_delete(c, rq, key, hv, rp);
		break;
	case CACHE_OP_ARITH:
		cache_op_arith(c, rq, key, hv, rp, itp);
		break;
	case CACHE_OP_TOUCH:
		cache_op_touch(c, rq, key, hv, rp);
		break;
	default:
		rp->rp_status = CACHE_MISS;
		break;
	}
}

static void
cache_op_get(struct cache *c, const struct cache_req *rq, const void *key,
    uint64_t hv, struct cache_rep *rp, const struct item **itp)
{
	struct item	*it;
	int		 touch, won = 0, st, value = 1;

	touch = (rq->cr_opts & CACHE_OPT_TOUCH) != 0;
	if (touch)
		c->c_st.st_cmd_touch++;
	else
		c->c_st.st_cmd_get++;

	if ((it = cache_lookup(c, key, rq->cr_nkey, hv, rp)) == NULL) {
		if ((rq->cr_opts & CACHE_OPT_VIVIFY) == 0 ||
		    (it = cache_item_alloc(c, key, rq->cr_nkey, 0, 0,
		    &st)) == NULL) {
			if (touch)
				c->c_st.st_touch_misses++;
			else
				c->c_st.st_get_misses++;
			rp->rp_status = CACHE_MISS;
			return;
		}
		/* mg N: an empty stub; this client recaches it. */
		it->it_exptime = cache_reltime(c, rq->cr_vivify_exptime);
		it->it_atime = c->c_rnow;
		it->it_mark = IT_WIN_SENT;
		item_set_cas(it, cache_new_cas(c, rq));
		cache_link(c, it, hv);
		rp->rp_info |= CACHE_INFO_WON;
	} else {
		if (it->it_mark & IT_FETCHED)
			rp->rp_info |= CACHE_INFO_FETCHED;
		rp->rp_last_access = c->c_rnow - it->it_atime;
		if (touch) {
			it->it_exptime = cache_reltime(c, rq->cr_exptime);
			cache_note_exp(c, it->it_exptime);
			item_seal(it);
		}
		if ((rq->cr_opts & CACHE_OPT_RECACHE) &&
		    (it->it_mark & IT_WIN_SENT) == 0 &&
		    it->it_exptime != 0 &&
		    (int64_t)it->it_exptime - c->c_rnow < rq->cr_recache_ttl)
			won = 1;
		if (it->it_mark & IT_WIN_SENT)
			rp->rp_info |= CACHE_INFO_WIN_SENT;
		if (it->it_mark & IT_STALE) {
			rp->rp_info |= CACHE_INFO_STALE;
			if ((it->it_mark & IT_WIN_SENT) == 0)
				won = 1;
		}
		if (won) {
			rp->rp_info |= CACHE_INFO_WON;
			it->it_mark |= IT_WIN_SENT;
		}
	}

	if (touch)
		c->c_cls[it->it_clsid].cs_touch_hits++;
	else
		c->c_cls[it->it_clsid].cs_get_hits++;
	if ((rq->cr_opts & CACHE_OPT_NO_BUMP) == 0)
		cache_bump(c, it, 1);
	rp->rp_status = CACHE_OK;
	if ((rq->cr_opts & CACHE_OPT_CAS) && c->c_cas &&
	    item_get_cas(it) == rq->cr_cas)
		value = 0;
	cache_rep_item(c, rq, it, rp, itp, value);
}

static void
cache_op_touch(struct cache *c, const struct cache_req *rq, const void *key,
    uint64_t hv, struct cache_rep *rp)
{
	struct item	*it;

	c->c_st.st_cmd_touch++;
	if ((it = cache_lookup(c, key, rq->cr_nkey, hv, rp)) == NULL) {
		c->c_st.st_touch_misses++;
		rp->rp_status = CACHE_MISS;
		return;
	}
	it->it_exptime = cache_reltime(c, rq->cr_exptime);
	cache_note_exp(c, it->it_exptime);
	item_seal(it);
	c->c_cls[it->it_clsid].cs_touch_hits++;
	cache_bump(c, it, 1);
	rp->rp_status = CACHE_OK;
	cache_rep_meta(c, it, rp);
}

/* How a cas compare against an existing item comes out. */
enum cas_result {
	CAS_MATCH,	/* store */
	CAS_STALE,	/* an older cas with meta's I flag: store, as stale */
	CAS_MISMATCH,	/* EXISTS */
};

/* Without stored cas (-C) cmp is 0 and nothing matches, as in memcached. */
static enum cas_result
cache_cas_compare(const struct cache_req *rq, const struct item *it,
    uint64_t cmp)
{
	if (cmp == 0)
		return (CAS_MISMATCH);
	if (cmp == item_get_cas(it))
		return (CAS_MATCH);
	if ((rq->cr_opts & CACHE_OPT_INVALIDATE) && cmp < item_get_cas(it))
		return (CAS_STALE);
	return (CAS_MISMATCH);
}

static void
cache_op_store(struct cache *c, const struct cache_req *rq, const void *key,
    const void *value, uint64_t hv, struct cache_rep *rp)
{
	struct item		*it, *nit;
	struct item_cursor	 cur;
	uint64_t		 cmp, nbytes;
	uint32_t		 cflags, exptime;
	unsigned int		 id;
	int			 mode = rq->cr_mode, cas_mode, stale = 0, st;
	int			 add_to;

	id = cache_size_clsid(c, rq->cr_nkey, rq->cr_nvalue, rq->cr_flags);
	c->c_cls[id].cs_cmd_set++;

	it = cache_lookup(c, key, rq->cr_nkey, hv, rp);
	/* watch fetchers: memcached's stores log this lookup too. */
	if (it != NULL) {
		rp->rp_info |= CACHE_INFO_OLD;
		rp->rp_old_clsid = it->it_clsid;
		rp->rp_old_vlen = it->it_nbytes;
	}
	/* memcached: a cas with SET or REPLACE is the "cas" command. */
	cas_mode = (rq->cr_opts & CACHE_OPT_CAS) &&
	    (mode == CACHE_STORE_SET || mode == CACHE_STORE_REPLACE);
	/* Without stored cas (-C) no compare can match, as in memcached. */
	cmp = c->c_cas ? rq->cr_cas : 0;
	add_to = mode == CACHE_STORE_APPEND || mode == CACHE_STORE_PREPEND;

	if (it != NULL) {
		if (mode == CACHE_STORE_ADD) {
			cache_bump(c, it, 0);
			rp->rp_status = CACHE_NOT_STORED;
			return;
		}
		if (cas_mode) {
			switch (cache_cas_compare(rq, it, cmp)) {
			case CAS_MATCH:
				break;
			case CAS_STALE:
				stale = 1;
				break;
			case CAS_MISMATCH:
				c->c_cls[it->it_clsid].cs_cas_badval++;
				rp->rp_status = CACHE_EXISTS;
				return;
			}
			c->c_cls[it->it_clsid].cs_cas_hits++;
		} else if (add_to && (rq->cr_opts & CACHE_OPT_CAS) &&
		    cmp != 0 && cmp != item_get_cas(it)) {
			rp->rp_status = CACHE_EXISTS;
			return;
		}
	} else {
		if (cas_mode) {
			c->c_st.st_cas_misses++;
			rp->rp_status = CACHE_MISS;
			return;
		}
		if (mode == CACHE_STORE_REPLACE ||
		    (add_to && (rq->cr_opts & CACHE_OPT_VIVIFY) == 0)) {
			rp->rp_status = CACHE_NOT_STORED;
			return;
		}
	}

	nbytes = rq->cr_nvalue;
	cflags = rq->cr_flags;
	exptime = cache_reltime(c, rq->cr_exptime);
	if (add_to) {
		if (it != NULL) {
			/* Append and prepend keep flags and expiry. */
			nbytes += it->it_nbytes;
			cflags = item_get_cflags(it);
			exptime = it->it_exptime;
		} else
			exptime = cache_reltime(c, rq->cr_vivify_exptime);
	} else if (stale)
		exptime = it->it_exptime;

	if (it != NULL)
		it->it_type |= IT_BUSY;
	nit = cache_item_alloc(c, key, rq->cr_nkey, nbytes, cflags, &st);
	if (it != NULL)
		it->it_type &= ~IT_BUSY;
	if (nit == NULL) {
		if (st == CACHE_TOO_LARGE)
			c->c_st.st_store_too_large++;
		else
			c->c_st.st_store_no_memory++;
		/* memcached: a failed set must not leave the old value. */
		if (it != NULL && mode == CACHE_STORE_SET) {
			cache_unlink(c, it, hv);
			cache_item_free(c, it);
		}
		rp->rp_status = (uint8_t)st;
		return;
	}

	item_cursor_init(nit, &cur);
	if (it != NULL && mode == CACHE_STORE_APPEND)
		item_cursor_copy(&cur, it);
	item_cursor_write(&cur, value, rq->cr_nvalue);
	if (it != NULL && mode == CACHE_STORE_PREPEND)
		item_cursor_copy(&cur, it);
	nit->it_exptime = exptime;
	nit->it_atime = c->c_rnow;
	if (stale)
		nit->it_mark = IT_STALE | (it->it_mark & IT_WIN_SENT);
	item_set_cas(nit, cache_new_cas(c, rq));
	if (it != NULL) {
		cache_unlink(c, it, hv);
		cache_item_free(c, it);
	}
	cache_link(c, nit, hv);

	rp->rp_status = CACHE_OK;
	cache_rep_meta(c, nit, rp);
}

static void
cache_op_delete(struct cache *c, const struct cache_req *rq,
    const void *key, uint64_t hv, struct cache_rep *rp)
{
	struct item	*it, *nit;
	int		 st;

	if (rq->cr_opts & CACHE_OPT_TOO_LARGE) {
		/* As memcached: no stale value outlives a refused store. */
		c->c_st.st_store_too_large++;
		if ((it = cache_lookup(c, key, rq->cr_nkey, hv, rp)) != NULL) {
			cache_unlink(c, it, hv);
			cache_item_free(c, it);
		}
		rp->rp_status = CACHE_TOO_LARGE;
		return;
	}
	if ((it = cache_lookup(c, key, rq->cr_nkey, hv, rp)) == NULL) {
		c->c_st.st_delete_misses++;
		rp->rp_status = CACHE_MISS;
		return;
	}
	if ((rq->cr_opts & CACHE_OPT_CAS) && item_get_cas(it) != rq->cr_cas) {
		/* memcached counts a md cas mismatch as a delete miss. */
		c->c_st.st_delete_misses++;
		rp->rp_status = CACHE_EXISTS;
		return;
	}
	/* watch deletions shows the class and size of what goes. */
	rp->rp_clsid = it->it_clsid;
	rp->rp_vlen = it->it_nbytes;
	if ((rq->cr_opts & (CACHE_OPT_INVALIDATE | CACHE_OPT_DROP_VALUE)) ==
	    0) {
		c->c_cls[it->it_clsid].cs_delete_hits++;
		cache_unlink(c, it, hv);
		cache_item_free(c, it);
		rp->rp_status = CACHE_OK;
		return;
	}

	if (rq->cr_opts & CACHE_OPT_DROP_VALUE) {
		/* md x: same item, empty value, in a fresh small chunk. */
		it->it_type |= IT_BUSY;
		nit = cache_item_alloc(c, key, rq->cr_nkey, 0,
		    item_get_cflags(it), &st);
		it->it_type &= ~IT_BUSY;
		if (nit == NULL) {
			c->c_st.st_store_no_memory++;
			rp->rp_status = CACHE_NO_MEMORY;
			return;
		}
		nit->it_exptime = it->it_exptime;
		nit->it_atime = it->it_atime;
		nit->it_mark = it->it_mark & (IT_STALE | IT_WIN_SENT);
		item_set_cas(nit, cache_new_cas(c, rq));
		cache_unlink(c, it, hv);
		cache_item_free(c, it);
		cache_link(c, nit, hv);
		it = nit;
	}
	if (rq->cr_opts & CACHE_OPT_INVALIDATE) {
		/* md I: stale, next client wins the recache. */
		if (rq->cr_opts & CACHE_OPT_SET_TTL) {
			it->it_exptime = cache_reltime(c, rq->cr_exptime);
			cache_note_exp(c, it->it_exptime);
		}
		it->it_mark = (it->it_mark | IT_STALE) & ~IT_WIN_SENT;
		item_set_cas(it, cache_new_cas(c, rq));
		item_seal(it);
	}
	rp->rp_status = CACHE_OK;
	cache_rep_meta(c, it, rp);
}

/*
 * Parses a stored number as memcached's safe_strtoull() does: leading
 * white space, an optional sign ("-" only for zero), decimal digits (any
 * number of leading zeros), then the end, a NUL or white space.  Returns
 * 0, or -1 if it is not a number or passes 2^64 - 1.
 */
static int
cache_parse_u64(const uint8_t *p, size_t n, uint64_t *v)
{
	uint64_t	 val = 0;
	size_t		 i = 0, start;
	int		 neg = 0, d;

	while (i < n && (p[i] == ' ' || (p[i] >= '\t' && p[i] <= '\r')))
		i++;
	if (i < n && (p[i] == '+' || p[i] == '-'))
		neg = p[i++] == '-';
	for (start = i; i < n && p[i] >= '0' && p[i] <= '9'; i++) {
		d = p[i] - '0';
		if (val > (UINT64_MAX - (uint64_t)d) / 10)
			return (-1);
		val = val * 10 + (uint64_t)d;
	}
	if (i == start)
		return (-1);
	if (i < n && !(p[i] == '\0' || p[i] == ' ' ||
	    (p[i] >= '\t' && p[i] <= '\r')))
		return (-1);
	if (neg && val != 0)
		return (-1);
	*v = val;
	return (0);
}

/* Writes v in decimal (no NUL).  Returns the length. */
static size_t
cache_u64_dec(uint64_t v, char *buf)
{
	char	 tmp[CACHE_U64_DIGITS];
	size_t	 n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	for (i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	return (n);
}

static void
cache_op_arith(struct cache *c, const struct cache_req *rq, const void *key,
    uint64_t hv, struct cache_rep *rp, const struct item **itp)
{
	struct slab_class	*sc;
	struct item		*it, *nit;
	char			 buf[CACHE_U64_DIGITS];
	uint64_t		 v;
	size_t			 len, room, oldtotal;
	int			 incr, st;

	incr = rq->cr_mode == CACHE_ARITH_INCR;
	if ((it = cache_lookup(c, key, rq->cr_nkey, hv, rp)) == NULL) {
		if ((rq->cr_opts & CACHE_OPT_VIVIFY) == 0) {
			if (incr)
				c->c_st.st_incr_misses++;
			else
				c->c_st.st_decr_misses++;
			rp->rp_status = CACHE_MISS;
			return;
		}
		/* ma N: created with the initial value, returned as is. */
		len = cache_u64_dec(rq->cr_initial, buf);
		if ((it = cache_item_alloc(c, key, rq->cr_nkey, len, 0,
		    &st)) == NULL) {
			c->c_st.st_store_no_memory++;
			rp->rp_status = (uint8_t)st;
			return;
		}
		memcpy(item_valuep(it), buf, len);
		it->it_exptime = cache_reltime(c, rq->cr_vivify_exptime);
		it->it_atime = c->c_rnow;
		item_set_cas(it, cache_new_cas(c, rq));
		cache_link(c, it, hv);
		rp->rp_status = CACHE_OK;
		cache_rep_item(c, rq, it, rp, itp, 1);
		return;
	}

	/* memcached's order: empty or chunked, then cas, then the digits. */
	if (it->it_nbytes == 0 || (it->it_type & IT_CHUNKED)) {
		rp->rp_status = CACHE_NON_NUMERIC;
		return;
	}
	if ((rq->cr_opts & CACHE_OPT_CAS) && item_get_cas(it) != rq->cr_cas) {
		rp->rp_status = CACHE_EXISTS;
		return;
	}
	if (cache_parse_u64(item_valuep(it), it->it_nbytes, &v) == -1) {
		rp->rp_status = CACHE_NON_NUMERIC;
		return;
	}
	if (incr) {
		v += rq->cr_delta;	/* wraps at 2^64, as memcached */
		c->c_cls[it->it_clsid].cs_incr_hits++;
	} else {
		v = rq->cr_delta > v ? 0 : v - rq->cr_delta;
		c->c_cls[it->it_clsid].cs_decr_hits++;
	}
	len = cache_u64_dec(v, buf);

	sc = &c->c_slab.s_class[it->it_clsid];
	room = sc->sc_size - (size_t)(item_valuep(it) - (uint8_t *)it);
	if (len <= room) {
		/* Rewritten in place: the chunk has room for the digits. */
		oldtotal = item_ntotal(it);
		memcpy(item_valuep(it), buf, len);
		it->it_nbytes = (uint32_t)len;
		c->c_bytes = c->c_bytes - oldtotal + item_ntotal(it);
		sc->sc_requested = sc->sc_requested - oldtotal +
		    item_ntotal(it);
		it->it_mtime = c->c_mepoch;
		c->c_mepoch_used = 1;
		item_set_cas(it, cache_new_cas(c, rq));
		item_seal(it);
		cache_bump(c, it, 0);
	} else {
		it->it_type |= IT_BUSY;
		nit = cache_item_alloc(c, key, rq->cr_nkey, len,
		    item_get_cflags(it), &st);
		it->it_type &= ~IT_BUSY;
		if (nit == NULL) {
			c->c_st.st_store_no_memory++;
			rp->rp_status = (uint8_t)st;
			return;
		}
		memcpy(item_valuep(nit), buf, len);
		nit->it_exptime = it->it_exptime;
		nit->it_atime = c->c_rnow;
		nit->it_mark = it->it_mark & ~IT_ACTIVE;
		item_set_cas(nit, cache_new_cas(c, rq));
		cache_unlink(c, it, hv);
		cache_item_free(c, it);
		cache_link(c, nit, hv);
		it = nit;
	}
	if (rq->cr_opts & CACHE_OPT_SET_TTL) {
		it->it_exptime = cache_reltime(c, rq->cr_exptime);
		cache_note_exp(c, it->it_exptime);
		item_seal(it);
	}
	rp->rp_status = CACHE_OK;
	cache_rep_item(c, rq, it, rp, itp, 1);
}
