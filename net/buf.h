/*
 * A byte buffer with a read offset and a hard cap, for client input and
 * output (net child).  Memory is taken lazily and given back when a buffer
 * drains, so idle connections cost little.
 */

#ifndef PRIVCACHED_BUF_H
#define PRIVCACHED_BUF_H

#include <stddef.h>

struct buf {
	char	*b_data;
	size_t	 b_off;		/* first unconsumed byte */
	size_t	 b_len;		/* end of data */
	size_t	 b_cap;		/* allocated */
	/*
	 * May hold a password: bytes are wiped when consumed, moved, or
	 * freed, until the buffer drains.  Only login input sets it, so the
	 * get/set path pays one test.
	 */
	int	 b_secret;
};

/* Bytes waiting to be consumed. */
#define buf_used(b)	((b)->b_len - (b)->b_off)
#define buf_head(b)	((b)->b_data + (b)->b_off)

/*
 * Makes room for n more bytes at the end without growing past max bytes in
 * use; moves data to the front first.  0, or -1 with errno ENOBUFS past max,
 * EDQUOT past the budget of all buffers, ENOMEM when memory is short.
 */
int	buf_reserve(struct buf *, size_t n, size_t max);
/* Appends; 0, or -1 as buf_reserve. */
int	buf_add(struct buf *, const void *, size_t, size_t max);
/* Appends printf output; 0, or -1 as buf_reserve. */
int	buf_printf(struct buf *, size_t max, const char *, ...)
	    __attribute__((__format__ (printf, 3, 4)));
/* Room at the end and its address, after buf_reserve. */
#define buf_tail(b)	((b)->b_data + (b)->b_len)
#define buf_room(b)	((b)->b_cap - (b)->b_len)
/* Marks n bytes written at the tail / consumed at the head. */
void	buf_produce(struct buf *, size_t);
void	buf_consume(struct buf *, size_t);
/* Frees memory once empty, or keeps a small block if keep is set. */
void	buf_release(struct buf *);
/* Caps all buffers together at bytes (0: no cap); what they hold now. */
void	buf_set_budget(size_t);
size_t	buf_total_bytes(void);
void	buf_free(struct buf *);

#endif /* PRIVCACHED_BUF_H */
