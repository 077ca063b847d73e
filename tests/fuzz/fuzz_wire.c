/*
 * libFuzzer target for common/wire.c: arbitrary bytes decoded as the
 * payload of the three data-channel messages, exactly as their readers
 * decode them.
 *
 *   IMSG_CACHE_REQ    cache/storage.c storage_batch: header, flags 0, every
 *                     record checked before any runs, then the same walk
 *                     again (storage_batch_run), which must not fail.
 *   IMSG_CACHE_REP    net/batch.c batch_reply: header, each record, end.
 *   IMSG_CACHE_STATS  net/stats.c stats_reply: count, name/value pairs.
 *
 * The request side is the one that matters: storage treats net as hostile.
 * A batch storage accepts must re-encode to the very same bytes, so no
 * field can carry something the validator did not look at.
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imsg.h"
#include "msg.h"
#include "wire.h"

#define FUZZ_VALUE_MAX	(1024 * 1024)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
fuzz_fail(const char *what)
{
	fprintf(stderr, "fuzz invariant: %s\n", what);
	abort();
}

/* Touches every byte a decoder pointed at, so ASan checks the range. */
static unsigned int
fuzz_touch(const void *p, size_t n)
{
	const unsigned char	*s = p;
	unsigned int		 sum = 0;
	size_t			 i;

	for (i = 0; i < n; i++)
		sum += s[i];
	return (sum);
}

static void
fuzz_requests(void *data, size_t size)
{
	struct ibuf		 buf, scan, *re;
	struct cache_batch	 batch;
	struct cache_req	 req;
	const void		*key, *value;
	uint32_t		 i;

	ibuf_from_buffer(&buf, data, size);
	if (wire_get_batch(&buf, &batch) == -1 || batch.cb_flags != 0)
		return;
	ibuf_from_ibuf(&scan, &buf);
	for (i = 0; i < batch.cb_count; i++) {
		if (wire_get_req(&scan, FUZZ_VALUE_MAX, &req, &key,
		    &value) == -1)
			return;
		/* What cache_exec relies on. */
		if (req.cr_op < CACHE_OP_GET || req.cr_op >= CACHE_OP_MAX ||
		    (req.cr_opts & ~CACHE_OPT_ALL) != 0 ||
		    req.cr_nkey > KEY_MAX_LENGTH ||
		    req.cr_nvalue > FUZZ_VALUE_MAX ||
		    (req.cr_op != CACHE_OP_STORE && req.cr_nvalue != 0))
			fuzz_fail("request past the validator");
		if (req.cr_op == CACHE_OP_STORE &&
		    req.cr_mode >= CACHE_STORE_MAX)
			fuzz_fail("store mode");
		if (req.cr_op == CACHE_OP_ARITH &&
		    req.cr_mode >= CACHE_ARITH_MAX)
			fuzz_fail("arith mode");
		(void)fuzz_touch(key, req.cr_nkey);
		(void)fuzz_touch(value, req.cr_nvalue);
	}
	if (wire_end(&scan) == -1)
		return;

	/* Accepted: the second walk and a byte-exact re-encoding. */
	if ((re = ibuf_dynamic(64, size + 64)) == NULL)
		abort();
	if (wire_put_batch(re, &batch) == -1)
		fuzz_fail("wire_put_batch");
	for (i = 0; i < batch.cb_count; i++) {
		if (wire_get_req(&buf, FUZZ_VALUE_MAX, &req, &key,
		    &value) == -1)
			fuzz_fail("batch changed under us");
		if (wire_put_req(re, &req) == -1 ||
		    wire_put_bytes(re, key, req.cr_nkey) == -1 ||
		    wire_put_bytes(re, value, req.cr_nvalue) == -1)
			fuzz_fail("re-encoding");
	}
	if (wire_end(&buf) == -1)
		fuzz_fail("second walk left bytes");
	if (ibuf_size(re) != size || memcmp(ibuf_data(re), data, size) != 0)
		fuzz_fail("accepted batch does not re-encode to itself");
	ibuf_free(re);
}

static void
fuzz_replies(void *data, size_t size)
{
	struct ibuf		 buf;
	struct cache_batch	 batch;
	struct cache_rep	 rep;
	const void		*key, *value;
	uint32_t		 i;

	ibuf_from_buffer(&buf, data, size);
	if (wire_get_batch(&buf, &batch) == -1)
		return;
	if ((batch.cb_flags & ~CACHE_BATCH_MORE) != 0)
		fuzz_fail("reply batch flags");
	for (i = 0; i < batch.cb_count; i++) {
		if (wire_get_rep(&buf, FUZZ_VALUE_MAX, &rep, &key,
		    &value) == -1)
			return;
		/* What the composers rely on. */
		if (rep.rp_status < CACHE_OK ||
		    rep.rp_status >= CACHE_STATUS_MAX ||
		    rep.rp_nkey > KEY_MAX_LENGTH ||
		    rep.rp_nvalue > FUZZ_VALUE_MAX)
			fuzz_fail("reply past the validator");
		(void)fuzz_touch(key, rep.rp_nkey);
		(void)fuzz_touch(value, rep.rp_nvalue);
	}
	(void)wire_end(&buf);
}

static void
fuzz_stats(void *data, size_t size)
{
	struct ibuf	 buf, scan;
	const char	*n, *v;
	size_t		 nlen, vlen;
	uint32_t	 count, i;

	ibuf_from_buffer(&buf, data, size);
	if (wire_get_u32(&buf, &count) == -1)
		return;
	ibuf_from_ibuf(&scan, &buf);
	for (i = 0; i < count; i++) {
		if (wire_get_str16(&scan, &n, &nlen) == -1 ||
		    wire_get_str16(&scan, &v, &vlen) == -1 ||
		    nlen == 0 || nlen > CACHE_STAT_NAME_MAX ||
		    vlen > CACHE_STAT_VALUE_MAX ||
		    memchr(n, '\0', nlen) != NULL ||
		    (vlen > 0 && memchr(v, '\0', vlen) != NULL))
			return;
	}
	if (wire_end(&scan) == -1)
		return;
	/* stats_fmt walks again and trusts the first walk. */
	for (i = 0; i < count; i++)
		if (wire_get_str16(&buf, &n, &nlen) == -1 ||
		    wire_get_str16(&buf, &v, &vlen) == -1)
			fuzz_fail("stats pairs changed");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	void	*copy;

	/* Decoders point into the payload: give them exactly size bytes. */
	if ((copy = malloc(size > 0 ? size : 1)) == NULL)
		abort();
	if (size > 0)
		memcpy(copy, data, size);
	fuzz_requests(copy, size);
	fuzz_replies(copy, size);
	fuzz_stats(copy, size);
	free(copy);
	return (0);
}
