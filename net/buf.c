/*
 * Client buffers (net child; no I/O here).
 */

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

/*
 * Below this, a buffer is never allocated smaller: small, because most
 * replies are (STORED, a version line) and a buffer an idle connection
 * gave back leaves a hole of this size in the heap.
 */
#define BUF_MIN		512
/* An empty buffer at most this big is kept for the next request. */
#define BUF_KEEP	16384

/* Every buffer's allocation together, and its cap (0: none). */
static size_t	buf_total;
static size_t	buf_budget;

void
buf_set_budget(size_t bytes)
{
	buf_budget = bytes;
}

size_t
buf_total_bytes(void)
{
	return (buf_total);
}

int
buf_reserve(struct buf *b, size_t n, size_t max)
{
	size_t	 used = buf_used(b), want;
	char	*p;

	if (n > max || used > max - n) {
		errno = ENOBUFS;
		return (-1);
	}
	if (b->b_cap - b->b_len >= n)
		return (0);
	if (b->b_off > 0) {
		memmove(b->b_data, b->b_data + b->b_off, used);
		/* What the move left behind is a stale copy. */
		if (b->b_secret)
			explicit_bzero(b->b_data + used, b->b_off);
		b->b_off = 0;
		b->b_len = used;
		if (b->b_cap - b->b_len >= n)
			return (0);
	}
	want = b->b_cap < BUF_MIN ? BUF_MIN : b->b_cap;
	while (want < used + n)
		want = want > SIZE_MAX / 2 ? used + n : want * 2;
	if (want > max && used + n <= max)
		want = max;
	/* All clients together may not take more than the budget. */
	if (buf_budget != 0 && buf_total + (want - b->b_cap) > buf_budget) {
		errno = EDQUOT;
		return (-1);
	}
	if (b->b_secret) {
		/* realloc could free the old block with the bytes in it. */
		if ((p = malloc(want)) == NULL)
			return (-1);
		if (b->b_data != NULL) {
			memcpy(p, b->b_data, b->b_len);
			explicit_bzero(b->b_data, b->b_cap);
			free(b->b_data);
		}
	} else if ((p = realloc(b->b_data, want)) == NULL)
		return (-1);
	buf_total += want - b->b_cap;
	b->b_data = p;
	b->b_cap = want;
	return (0);
}

int
buf_add(struct buf *b, const void *p, size_t n, size_t max)
{
	if (n == 0)
		return (0);
	if (buf_reserve(b, n, max) == -1)
		return (-1);
	memcpy(b->b_data + b->b_len, p, n);
	b->b_len += n;
	return (0);
}

int
buf_printf(struct buf *b, size_t max, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	/* Most replies fit in a small reservation; retry once if not. */
	if (buf_reserve(b, 128, max) == -1)
		return (-1);
	va_start(ap, fmt);
	n = vsnprintf(buf_tail(b), buf_room(b), fmt, ap);
	va_end(ap);
	if (n < 0)
		return (-1);
	if ((size_t)n >= buf_room(b)) {
		if (buf_reserve(b, (size_t)n + 1, max) == -1)
			return (-1);
		va_start(ap, fmt);
		n = vsnprintf(buf_tail(b), buf_room(b), fmt, ap);
		va_end(ap);
		if (n < 0 || (size_t)n >= buf_room(b))
			return (-1);
	}
	b->b_len += n;
	return (0);
}

void
buf_produce(struct buf *b, size_t n)
{
	b->b_len += n;
}

void
buf_consume(struct buf *b, size_t n)
{
	if (b->b_secret && n > 0)
		explicit_bzero(b->b_data + b->b_off, n);
	b->b_off += n;
	if (b->b_off == b->b_len) {
		b->b_off = b->b_len = 0;
		b->b_secret = 0;
	}
}

void
buf_release(struct buf *b)
{
	/* An empty buffer that grew big goes back to the allocator. */
	if (buf_used(b) == 0 && b->b_cap > BUF_KEEP)
		buf_free(b);
}

void
buf_free(struct buf *b)
{
	buf_total -= b->b_cap;
	if (b->b_secret && b->b_data != NULL)
		explicit_bzero(b->b_data, b->b_cap);
	free(b->b_data);
	memset(b, 0, sizeof(*b));
}
