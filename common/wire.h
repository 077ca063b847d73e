/*
 * Typed encoders and decoders for message payloads.  Every payload is built
 * and read only through these, so that each length is checked against what
 * is left before it is used and trailing bytes are refused.
 */

#ifndef PRIVCACHED_WIRE_H
#define PRIVCACHED_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "compat.h"
#include "msg.h"

/* Encoders: 0, or -1 with errno from ibuf_add (ERANGE past the limit). */
int	wire_put_batch(struct ibuf *, const struct cache_batch *);
int	wire_put_req(struct ibuf *, const struct cache_req *);
int	wire_put_rep(struct ibuf *, const struct cache_rep *);
int	wire_put_u32(struct ibuf *, uint32_t);
int	wire_put_i32(struct ibuf *, int32_t);
int	wire_put_bytes(struct ibuf *, const void *, size_t);
/* uint16_t length then the bytes; -1 EINVAL when longer than 65535. */
int	wire_put_str16(struct ibuf *, const char *, size_t);

/*
 * Decoders read from the current position of the ibuf and advance it:
 * 0, or -1 with errno EBADMSG when fewer bytes are left than needed or a
 * field is out of its range.
 */
int	wire_get_batch(struct ibuf *, struct cache_batch *);
int	wire_get_u32(struct ibuf *, uint32_t *);
int	wire_get_i32(struct ibuf *, int32_t *);
/* Points *p at the next n bytes without copying them. */
int	wire_get_bytes(struct ibuf *, size_t n, const void **p);
int	wire_get_str16(struct ibuf *, const char **p, size_t *len);
/*
 * A request record: fixed part, then key and value pointers into the
 * buffer.  Rejects unknown ops, modes and option bits, keys outside
 * 1..KEY_MAX_LENGTH bytes and values over value_max.
 */
int	wire_get_req(struct ibuf *, size_t value_max, struct cache_req *,
	    const void **key, const void **value);
/* A reply record, likewise; key up to KEY_MAX_LENGTH, value to value_max. */
int	wire_get_rep(struct ibuf *, size_t value_max, struct cache_rep *,
	    const void **key, const void **value);
/* 0 when the payload is fully consumed, else -1 EBADMSG. */
int	wire_end(struct ibuf *);

#define KEY_MAX_LENGTH	250

#endif /* PRIVCACHED_WIRE_H */
