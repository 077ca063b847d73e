/*
 * Helpers shared by the protocol unit tests: a sink that records what a
 * parser hands to storage, answers locally, or asks for, so that the
 * suites can look at it afterwards, and the limits they all parse under.
 *
 * The state is global, and named as the suites name it, because each
 * test reads it directly; Criterion runs every test in a process of its
 * own, and pt_setup() clears it between the cases a test runs itself.
 */

#ifndef PRIVCACHED_PROTO_TEST_H
#define PRIVCACHED_PROTO_TEST_H

#include <stddef.h>

#include "proto.h"

#define NOW		1700000000LL
/* Enough for the longest multi-get a suite sends (300 keys). */
#define REC_MAX		512
/* The largest value a parser takes (lim.pl_value_max). */
#define VALUE_MAX	1024

/* One storage request as the sink received it. */
struct rec {
	struct cache_req	r_req;
	char			r_key[256];
	char			r_value[4096];
	struct proto_ctx	r_ctx;
};

/* What a suite's sink does beyond recording; zero for none of it. */
struct pt_conf {
	/* The px_kind stats requests must carry; 0: no ps_stats at all. */
	int	 pc_stats;
	/* Non-zero: a ps_verbosity that records the level in verbosity. */
	int	 pc_verbosity;
	/* The suite's own checks on each storage request, or NULL. */
	void	(*pc_check)(const struct cache_req *,
		    const struct proto_ctx *);
};

extern struct rec		recs[REC_MAX];
extern int			nrecs;
/* Local replies, end to end; NUL-ended for the text protocols. */
extern char			local[8192];
extern size_t			nlocal;
extern struct proto_limits	lim;
/* Non-zero: storage requests fail, as when storage cannot be reached. */
extern int			fail_storage;
/* The last stats request: its kind (-1 for none) and context. */
extern int			stats_kind;
extern struct proto_ctx		stats_ctx;
/* The last verbosity asked, -1 for none. */
extern int			verbosity;
/* The recording sink, as pt_setup() built it. */
extern struct proto_sink	sink;

/* Empties the records and resets lim and sink for a suite's conf. */
void	pt_setup(const struct pt_conf *);
/*
 * Composes rep for ctx with compose (proto_text_reply or proto_meta_reply),
 * its key and value lengths taken from key and value; the reply as a
 * string, in a static buffer, that the assertions can compare.
 */
char	*pt_reply(int (*compose)(const struct proto_ctx *,
	    const struct cache_rep *, const void *, const void *,
	    struct buf *, size_t), const struct proto_ctx *ctx,
	    struct cache_rep *rep, const char *key, const char *value);

#endif
