/*
 * Payload encoding and decoding (all processes; no I/O).  Fixed parts are
 * copied with memcpy, never cast from the payload, so alignment and a short
 * payload can never be an issue.
 */

#include <sys/types.h>

#include <errno.h>
#include <string.h>

#include "wire.h"

static int
wire_put(struct ibuf *buf, const void *p, size_t n)
{
	return (ibuf_add(buf, p, n));
}

static int
wire_get(struct ibuf *buf, void *p, size_t n)
{
	if (ibuf_size(buf) < n) {
		errno = EBADMSG;
		return (-1);
	}
	memcpy(p, ibuf_data(buf), n);
	return (ibuf_skip(buf, n));
}

int
wire_put_batch(struct ibuf *buf, const struct cache_batch *b)
{
	return (wire_put(buf, b, sizeof(*b)));
}

int
wire_put_req(struct ibuf *buf, const struct cache_req *r)
{
	return (wire_put(buf, r, sizeof(*r)));
}

int
wire_put_rep(struct ibuf *buf, const struct cache_rep *r)
{
	return (wire_put(buf, r, sizeof(*r)));
}

int
wire_put_u32(struct ibuf *buf, uint32_t v)
{
	return (wire_put(buf, &v, sizeof(v)));
}

int
wire_put_i32(struct ibuf *buf, int32_t v)
{
	return (wire_put(buf, &v, sizeof(v)));
}

int
wire_put_bytes(struct ibuf *buf, const void *p, size_t n)
{
	if (n == 0)
		return (0);
	return (wire_put(buf, p, n));
}

int
wire_put_str16(struct ibuf *buf, const char *s, size_t len)
{
	uint16_t	n;

	if (len > UINT16_MAX) {
		errno = EINVAL;
		return (-1);
	}
	n = len;
	if (wire_put(buf, &n, sizeof(n)) == -1)
		return (-1);
	return (wire_put_bytes(buf, s, len));
}

int
wire_get_batch(struct ibuf *buf, struct cache_batch *b)
{
	if (wire_get(buf, b, sizeof(*b)) == -1)
		return (-1);
	if ((b->cb_flags & ~CACHE_BATCH_MORE) != 0) {
		errno = EBADMSG;
		return (-1);
	}
	return (0);
}

int
wire_get_u32(struct ibuf *buf, uint32_t *v)
{
	return (wire_get(buf, v, sizeof(*v)));
}

int
wire_get_i32(struct ibuf *buf, int32_t *v)
{
	return (wire_get(buf, v, sizeof(*v)));
}

int
wire_get_bytes(struct ibuf *buf, size_t n, const void **p)
{
	if (ibuf_size(buf) < n) {
		errno = EBADMSG;
		return (-1);
	}
	*p = ibuf_data(buf);
	return (ibuf_skip(buf, n));
}

int
wire_get_str16(struct ibuf *buf, const char **p, size_t *len)
{
	uint16_t	 n;
	const void	*d;

	if (wire_get(buf, &n, sizeof(n)) == -1)
		return (-1);
	if (wire_get_bytes(buf, n, &d) == -1)
		return (-1);
	*p = d;
	*len = n;
	return (0);
}

static int
wire_bad(void)
{
	errno = EBADMSG;
	return (-1);
}

int
wire_get_req(struct ibuf *buf, size_t value_max, struct cache_req *r,
    const void **key, const void **value)
{
	if (wire_get(buf, r, sizeof(*r)) == -1)
		return (-1);
	if (r->cr_op < CACHE_OP_GET || r->cr_op >= CACHE_OP_MAX)
		return (wire_bad());
	if ((r->cr_opts & ~CACHE_OPT_ALL) != 0)
		return (wire_bad());
	switch (r->cr_op) {
	case CACHE_OP_STORE:
		if (r->cr_mode >= CACHE_STORE_MAX)
			return (wire_bad());
		break;
	case CACHE_OP_ARITH:
		if (r->cr_mode >= CACHE_ARITH_MAX)
			return (wire_bad());
		break;
	default:
		if (r->cr_mode != 0)
			return (wire_bad());
		break;
	}
	if (r->cr_op == CACHE_OP_FLUSH || r->cr_op == CACHE_OP_NOOP) {
		if (r->cr_nkey != 0)
			return (wire_bad());
	} else if (r->cr_nkey < 1 || r->cr_nkey > KEY_MAX_LENGTH)
		return (wire_bad());
	if (r->cr_op != CACHE_OP_STORE && r->cr_nvalue != 0)
		return (wire_bad());
	if (r->cr_nvalue > value_max)
		return (wire_bad());
	if (wire_get_bytes(buf, r->cr_nkey, key) == -1)
		return (-1);
	return (wire_get_bytes(buf, r->cr_nvalue, value));
}

int
wire_get_rep(struct ibuf *buf, size_t value_max, struct cache_rep *r,
    const void **key, const void **value)
{
	if (wire_get(buf, r, sizeof(*r)) == -1)
		return (-1);
	if (r->rp_status < CACHE_OK || r->rp_status >= CACHE_STATUS_MAX ||
	    (r->rp_info & ~CACHE_INFO_ALL) != 0 ||
	    CACHE_INFO_GONE(r->rp_info) >= CACHE_GONE_MAX)
		return (wire_bad());
	if (r->rp_nkey > KEY_MAX_LENGTH || r->rp_nvalue > value_max ||
	    r->rp_ttl < -1)
		return (wire_bad());
	if (wire_get_bytes(buf, r->rp_nkey, key) == -1)
		return (-1);
	return (wire_get_bytes(buf, r->rp_nvalue, value));
}

int
wire_end(struct ibuf *buf)
{
	if (ibuf_size(buf) != 0)
		return (wire_bad());
	return (0);
}
