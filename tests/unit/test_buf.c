/*
 * Client buffers (net/buf.c): one that may hold a password (b_secret)
 * leaves no copy behind when consumed or moved, and stops wiping once
 * drained; an ordinary one is never wiped.
 */

#include <criterion/criterion.h>
#include <string.h>

#include "buf.h"

#define MAX	(1 << 20)

static const char	pw[] = "login-secret-0123456789";

/* Whether s appears anywhere in b's whole allocation. */
static int
holds(const struct buf *b, const char *s)
{
	return (b->b_data != NULL && memmem(b->b_data, b->b_cap, s,
	    strlen(s)) != NULL);
}

Test(buf, consumed_secret_is_wiped)
{
	struct buf	b = { 0 };

	cr_assert_eq(buf_add(&b, pw, sizeof(pw) - 1, MAX), 0);
	cr_assert_eq(buf_add(&b, "rest", 4, MAX), 0);
	b.b_secret = 1;
	buf_consume(&b, sizeof(pw) - 1);
	cr_assert(!holds(&b, pw));
	cr_assert_eq(memcmp(buf_head(&b), "rest", 4), 0, "the rest stays");
	cr_assert_eq(b.b_secret, 1, "not drained yet");
	buf_consume(&b, 4);
	cr_assert_eq(b.b_secret, 0, "drained: no more wiping");
	buf_free(&b);
}

Test(buf, moved_secret_leaves_no_copy)
{
	struct buf	b = { 0 };
	char		pad[64];
	size_t		cap;

	/* Consumed ahead of it, longer than it: the copies do not overlap. */
	memset(pad, 'x', sizeof(pad));
	cr_assert_eq(buf_add(&b, pad, sizeof(pad), MAX), 0);
	cr_assert_eq(buf_add(&b, pw, sizeof(pw) - 1, MAX), 0);
	b.b_secret = 1;
	buf_consume(&b, sizeof(pad));
	/* Room only if the data moves to the front. */
	cap = b.b_cap;
	cr_assert_eq(buf_reserve(&b, cap - (sizeof(pw) - 1), MAX), 0);
	cr_assert_eq(b.b_cap, cap, "moved, not grown");
	cr_assert_eq(b.b_off, 0);
	cr_assert_eq(memcmp(b.b_data, pw, sizeof(pw) - 1), 0);
	cr_assert_null(memmem(b.b_data + 1, b.b_cap - 1, pw, sizeof(pw) - 1),
	    "one copy, at the front");
	/* Grown: the data comes along, the old block is wiped (not seen). */
	cr_assert_eq(buf_reserve(&b, 2 * cap, MAX), 0);
	cr_assert_gt(b.b_cap, cap);
	cr_assert_eq(memcmp(b.b_data, pw, sizeof(pw) - 1), 0);
	buf_free(&b);
}

Test(buf, ordinary_buffer_is_not_wiped)
{
	struct buf	b = { 0 };

	cr_assert_eq(buf_add(&b, pw, sizeof(pw) - 1, MAX), 0);
	cr_assert_eq(buf_add(&b, "rest", 4, MAX), 0);
	buf_consume(&b, sizeof(pw) - 1);
	cr_assert(holds(&b, pw), "no cost where no password can be");
	buf_free(&b);
}
