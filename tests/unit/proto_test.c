/*
 * Helpers shared by the protocol unit tests (see proto_test.h).
 */

#include <string.h>

#include <criterion/criterion.h>

#include "proto_test.h"

struct rec		recs[REC_MAX];
int			nrecs;
char			local[8192];
size_t			nlocal;
struct proto_limits	lim;
int			fail_storage;
int			stats_kind;
struct proto_ctx	stats_ctx;
int			verbosity;
struct proto_sink	sink;

static struct pt_conf	conf;

static int
rec_storage(void *arg, const struct cache_req *req, const void *key,
    const void *value, const struct proto_ctx *ctx)
{
	struct rec	*r;

	(void)arg;
	if (fail_storage || nrecs == REC_MAX)
		return (-1);
	r = &recs[nrecs++];
	r->r_req = *req;
	if (conf.pc_check != NULL)
		conf.pc_check(req, ctx);
	cr_assert_leq(req->cr_nkey, 250);
	if (req->cr_nkey > 0)
		memcpy(r->r_key, key, req->cr_nkey);
	r->r_key[req->cr_nkey] = '\0';
	cr_assert_lt(req->cr_nvalue, sizeof(r->r_value));
	if (req->cr_nvalue > 0)
		memcpy(r->r_value, value, req->cr_nvalue);
	r->r_value[req->cr_nvalue] = '\0';
	r->r_ctx = *ctx;
	return (0);
}

static int
rec_local(void *arg, const void *p, size_t len)
{
	(void)arg;
	/* A byte is kept for the NUL the text suites compare up to. */
	cr_assert_lt(nlocal + len, sizeof(local));
	memcpy(local + nlocal, p, len);
	nlocal += len;
	local[nlocal] = '\0';
	return (0);
}

static int
rec_stats(void *arg, int kind, const struct proto_ctx *ctx)
{
	(void)arg;
	cr_assert_eq(ctx->px_kind, conf.pc_stats);
	stats_kind = kind;
	stats_ctx = *ctx;
	return (0);
}

static int
rec_verbosity(void *arg, int level)
{
	(void)arg;
	verbosity = level;
	return (0);
}

void
pt_setup(const struct pt_conf *pc)
{
	conf = *pc;
	memset(recs, 0, sizeof(recs));
	nrecs = 0;
	nlocal = 0;
	local[0] = '\0';
	memset(&lim, 0, sizeof(lim));
	lim.pl_line_max = 2048;
	lim.pl_value_max = VALUE_MAX;
	lim.pl_cas = 1;
	lim.pl_flush = 1;
	fail_storage = 0;
	stats_kind = -1;
	memset(&stats_ctx, 0, sizeof(stats_ctx));
	verbosity = -1;
	/* Only what the suite asked for: the parsers act on a NULL hook. */
	memset(&sink, 0, sizeof(sink));
	sink.ps_storage = rec_storage;
	sink.ps_local = rec_local;
	if (conf.pc_stats != 0)
		sink.ps_stats = rec_stats;
	if (conf.pc_verbosity)
		sink.ps_verbosity = rec_verbosity;
}

char *
pt_reply(int (*compose)(const struct proto_ctx *, const struct cache_rep *,
    const void *, const void *, struct buf *, size_t),
    const struct proto_ctx *ctx, struct cache_rep *rep, const char *key,
    const char *value)
{
	static char	 out[4096];
	struct buf	 b;

	memset(&b, 0, sizeof(b));
	rep->rp_nkey = key != NULL ? strlen(key) : 0;
	rep->rp_nvalue = value != NULL ? strlen(value) : 0;
	cr_assert_eq(compose(ctx, rep, key, value, &b, 1 << 20), 0);
	cr_assert_lt(buf_used(&b), sizeof(out));
	if (buf_used(&b) > 0)
		memcpy(out, buf_head(&b), buf_used(&b));
	out[buf_used(&b)] = '\0';
	buf_free(&b);
	return (out);
}
