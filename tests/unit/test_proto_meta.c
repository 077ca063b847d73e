/*
 * The meta commands without a network: request lines through the text
 * parser into a recording sink, then replies through the composer, built
 * from the context the parser recorded.  Expected strings are memcached
 * 1.6.18's, checked against the real binary.
 */

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto_test.h"

static struct proto_text_state	st;

/* Every meta command names a key, and its context says meta. */
static void
check_meta(const struct cache_req *req, const struct proto_ctx *ctx)
{
	cr_assert_geq(req->cr_nkey, 1);
	cr_assert_eq(ctx->px_kind, PROTO_META);
}

static const struct pt_conf	conf = {
	.pc_check = check_meta,
};

static void
setup(void)
{
	pt_setup(&conf);
	memset(&st, 0, sizeof(st));
}

TestSuite(meta, .init = setup);

static enum proto_status
feedn(const char *s, size_t len, size_t *used)
{
	return (proto_text_parse(&st, &lim, &sink, s, len, used, NOW));
}

static enum proto_status
feed(const char *s, size_t *used)
{
	return (feedn(s, strlen(s), used));
}

/* Parses one line that must be answered locally with want, and no more. */
static void
expect_local(const char *req, const char *want)
{
	size_t	used;

	setup();
	cr_assert_eq(feed(req, &used), PROTO_OK, "%s", req);
	cr_assert_eq(used, strlen(req), "%s", req);
	cr_assert_eq(nrecs, 0, "%s reached storage", req);
	cr_assert_str_eq(local, want, "%s", req);
}

/* Parses one line that must become exactly one request. */
static struct rec *
expect_req(const char *req)
{
	size_t	used;

	setup();
	cr_assert_eq(feed(req, &used), PROTO_OK, "%s", req);
	cr_assert_eq(used, strlen(req), "%s", req);
	cr_assert_str_eq(local, "", "%s", req);
	cr_assert_eq(nrecs, 1, "%s", req);
	return (&recs[0]);
}

Test(meta, mg_plain)
{
	struct rec	*r = expect_req("mg foo\r\n");

	cr_assert_eq(r->r_req.cr_op, CACHE_OP_GET);
	cr_assert_eq(r->r_req.cr_opts, 0);
	cr_assert_eq(r->r_req.cr_nkey, 3);
	cr_assert_str_eq(r->r_key, "foo");
	cr_assert_eq(r->r_ctx.px_noreply, 0);
	r = expect_req("  mg   foo   v  \r\n");
	cr_assert_str_eq(r->r_key, "foo");
	cr_assert_eq(r->r_req.cr_opts, CACHE_OPT_WANT_VALUE);
}

Test(meta, mg_every_flag)
{
	struct rec	*r;

	/* 17 flags: as many as memcached takes. */
	r = expect_req("mg foo v k u T30 C5 E9 N60 R40 s t c f l h O123 q "
	    "P\r\n");
	cr_assert_eq(r->r_req.cr_op, CACHE_OP_GET);
	cr_assert_eq(r->r_req.cr_opts, CACHE_OPT_WANT_VALUE |
	    CACHE_OPT_WANT_KEY | CACHE_OPT_NO_BUMP | CACHE_OPT_TOUCH |
	    CACHE_OPT_CAS | CACHE_OPT_NEW_CAS | CACHE_OPT_VIVIFY |
	    CACHE_OPT_RECACHE);
	cr_assert_eq(r->r_req.cr_exptime, NOW + 30);
	cr_assert_eq(r->r_req.cr_cas, 5);
	cr_assert_eq(r->r_req.cr_newcas, 9);
	cr_assert_eq(r->r_req.cr_vivify_exptime, NOW + 60);
	cr_assert_eq(r->r_req.cr_recache_ttl, 40);
	cr_assert_eq(r->r_ctx.px_noreply, 1);
	/* Flags memcached takes on every command are ignored by mg. */
	r = expect_req("mg foo F5 MX J1 D2 I x\r\n");
	cr_assert_eq(r->r_req.cr_opts, 0);
}

Test(meta, mg_bad_first_flag_byte_wins)
{
	/* The first flag that is wrong stops the scan... */
	expect_local("mg foo v zz v\r\n", "CLIENT_ERROR invalid flag\r\n");
	expect_local("mg foo v v zz\r\n", "CLIENT_ERROR duplicate flag\r\n");
	expect_local("mg foo T zz\r\n", "CLIENT_ERROR invalid flag\r\n");
	/* ...a bad token does not, and the last one names the error. */
	expect_local("mg foo Jx Dx\r\n",
	    "CLIENT_ERROR invalid numeric delta value\r\n");
	expect_local("mg foo Dx Tx\r\n",
	    "CLIENT_ERROR bad token in command line format\r\n");
	expect_local("mg foo Fx\r\n",
	    "CLIENT_ERROR bad command line format\r\n");
	expect_local("mg foo Fx M\r\n",
	    "CLIENT_ERROR incorrect length for M token\r\n");
	expect_local("mg foo b Tx\r\n",
	    "CLIENT_ERROR bad token in command line format\r\n");
	expect_local("mg foo Tx b\r\n", "CLIENT_ERROR error decoding key\r\n");
}

Test(meta, mg_errors)
{
	char	line[600];

	expect_local("mg\r\n", "ERROR\r\n");
	expect_local("mg \r\n", "ERROR\r\n");
	expect_local("mg foo zz\r\n", "CLIENT_ERROR invalid flag\r\n");
	expect_local("mg foo W\r\n", "CLIENT_ERROR invalid flag\r\n");
	expect_local("mg foo !\r\n", "CLIENT_ERROR invalid flag\r\n");
	expect_local("mg foo \x7f\r\n", "CLIENT_ERROR duplicate flag\r\n");
	expect_local("mg foo \xc3\xa9\r\n", "CLIENT_ERROR duplicate flag\r\n");
	expect_local("mg foo vv vx\r\n", "CLIENT_ERROR duplicate flag\r\n");
	expect_local("mg foo T\r\n",
	    "CLIENT_ERROR bad token in command line format\r\n");
	expect_local("mg foo N\r\n",
	    "CLIENT_ERROR bad token in command line format\r\n");
	expect_local("mg foo R1x\r\n",
	    "CLIENT_ERROR bad token in command line format\r\n");
	expect_local("mg foo C\r\n",
	    "CLIENT_ERROR bad token in command line format\r\n");
	expect_local("mg foo C-1\r\n",
	    "CLIENT_ERROR bad token in command line format\r\n");
	expect_local("mg foo E18446744073709551616\r\n",
	    "CLIENT_ERROR bad token in command line format\r\n");
	expect_local("mg foo M\r\n",
	    "CLIENT_ERROR incorrect length for M token\r\n");
	expect_local("mg foo MEE\r\n",
	    "CLIENT_ERROR incorrect length for M token\r\n");
	expect_local("mg foo b\r\n", "CLIENT_ERROR error decoding key\r\n");
	expect_local("mg fo\x01o v\r\n",
	    "CLIENT_ERROR bad command line format\r\n");
	/* 17 flags are fine, 18 are too many. */
	expect_local("mg foo a b c d e f g h i j k l m n o p q r\r\n",
	    "CLIENT_ERROR options flags are too long\r\n");
	expect_req("mg foo s t c f h l k v O1 u P L q T1 N1 R1 C1\r\n");
	/* The key is checked first. */
	memset(line, 0, sizeof(line));
	memcpy(line, "mg ", 3);
	memset(line + 3, 'a', 251);
	strcat(line, " a b c d e f g h i j k l m n o p q r\r\n");
	expect_local(line, "CLIENT_ERROR bad command line format\r\n");
	line[3 + 250] = '\r';
	line[3 + 251] = '\n';
	line[3 + 252] = '\0';
	cr_assert_eq(expect_req(line)->r_req.cr_nkey, 250);
}

Test(meta, numbers_are_strict)
{
	struct rec	*r;

	r = expect_req("mg foo T2147483647 C18446744073709551615\r\n");
	cr_assert_eq(r->r_req.cr_exptime, 2147483647);
	cr_assert_eq(r->r_req.cr_cas, UINT64_MAX);
	r = expect_req("mg foo T01\r\n");
	cr_assert_eq(r->r_req.cr_exptime, NOW + 1);
	/* memcached would wrap these into 32 bits or take the sign. */
	expect_local("mg foo T2147483648\r\n",
	    "CLIENT_ERROR bad token in command line format\r\n");
	expect_local("mg foo T-2147483649\r\n",
	    "CLIENT_ERROR bad token in command line format\r\n");
	expect_local("mg foo T+1\r\n",
	    "CLIENT_ERROR bad token in command line format\r\n");
	expect_local("mg foo T 1\r\n", "CLIENT_ERROR invalid flag\r\n");
	expect_local("ms foo 1 F4294967296\r\nx\r\n",
	    "CLIENT_ERROR bad command line format\r\n");
	expect_local("ms foo 1 F-1\r\nx\r\n",
	    "CLIENT_ERROR bad command line format\r\n");
	r = expect_req("ms foo 1 F4294967295\r\nx\r\n");
	cr_assert_eq(r->r_req.cr_flags, UINT32_MAX);
	expect_local("ma foo D18446744073709551616\r\n",
	    "CLIENT_ERROR invalid or duplicate flag\r\n");
	expect_local("ma foo J-1 N0\r\n",
	    "CLIENT_ERROR invalid or duplicate flag\r\n");
}

Test(meta, ttl_conversion)
{
	struct rec	*r;

	r = expect_req("mg foo T-1\r\n");
	cr_assert_lt(r->r_req.cr_exptime, 0, "already expired");
	r = expect_req("mg foo T0\r\n");
	cr_assert_eq(r->r_req.cr_exptime, 0, "never");
	r = expect_req("mg foo T2592000\r\n");
	cr_assert_eq(r->r_req.cr_exptime, NOW + 2592000);
	r = expect_req("mg foo T2592001\r\n");
	cr_assert_eq(r->r_req.cr_exptime, 2592001, "absolute time");
	/* R is a time like the others; storage wants seconds left. */
	r = expect_req("mg foo R0\r\n");
	cr_assert_eq(r->r_req.cr_recache_ttl, 0);
	r = expect_req("mg foo R-5\r\n");
	cr_assert_leq(r->r_req.cr_recache_ttl, 0);
	r = expect_req("mg foo R1700000100\r\n");
	cr_assert_eq(r->r_req.cr_recache_ttl, 100);
}

Test(meta, vivify_ttl_is_the_later_of_n_and_t)
{
	struct rec	*r;

	r = expect_req("mg foo N60 T30\r\n");
	cr_assert_eq(r->r_req.cr_vivify_exptime, NOW + 30);
	cr_assert_eq(r->r_req.cr_exptime, NOW + 30);
	r = expect_req("mg foo T30 N60\r\n");
	cr_assert_eq(r->r_req.cr_vivify_exptime, NOW + 60);
	r = expect_req("ma foo N0 T100\r\n");
	cr_assert_eq(r->r_req.cr_vivify_exptime, NOW + 100);
	r = expect_req("ma foo T100 N0\r\n");
	cr_assert_eq(r->r_req.cr_vivify_exptime, 0);
}

Test(meta, opaque_length)
{
	struct rec	*r;

	r = expect_req("mg foo Oabcdefghijabcdefghijabcdefghij1\r\n");
	cr_assert_eq(r->r_req.cr_op, CACHE_OP_GET);
	expect_local("mg foo Oabcdefghijabcdefghijabcdefghij12\r\n",
	    "CLIENT_ERROR opaque token too long\r\n");
	expect_local("mg foo Oabcdefghijabcdefghijabcdefghij12 q\r\n",
	    "CLIENT_ERROR opaque token too long\r\n");
	expect_local("md foo Oabcdefghijabcdefghijabcdefghij12\r\n",
	    "CLIENT_ERROR opaque token too long\r\n");
	expect_local("ma foo Oabcdefghijabcdefghijabcdefghij12\r\n",
	    "CLIENT_ERROR opaque token too long\r\n");
	/* A bad mode is reported first, as memcached does. */
	expect_local("ma foo MX Oabcdefghijabcdefghijabcdefghij12\r\n",
	    "CLIENT_ERROR invalid mode for ma M token\r\n");
	expect_local("ms foo 1 MX Oabcdefghijabcdefghijabcdefghij12\r\nx\r\n",
	    "CLIENT_ERROR invalid mode for ms M token\r\n");
	expect_local("ms foo 1 Oabcdefghijabcdefghijabcdefghij12\r\nx\r\n",
	    "CLIENT_ERROR opaque token too long\r\n");
	expect_local("mg foo O k O\r\n", "CLIENT_ERROR duplicate flag\r\n");
}

Test(meta, ms_parse)
{
	struct rec	*r;

	r = expect_req("ms foo 3 T100 F5 I C7 E8 k\r\nabc\r\n");
	cr_assert_eq(r->r_req.cr_op, CACHE_OP_STORE);
	cr_assert_eq(r->r_req.cr_mode, CACHE_STORE_SET);
	cr_assert_eq(r->r_req.cr_flags, 5);
	cr_assert_eq(r->r_req.cr_exptime, NOW + 100);
	cr_assert_eq(r->r_req.cr_opts, CACHE_OPT_CAS | CACHE_OPT_INVALIDATE |
	    CACHE_OPT_NEW_CAS | CACHE_OPT_WANT_KEY);
	cr_assert_eq(r->r_req.cr_cas, 7);
	cr_assert_eq(r->r_req.cr_newcas, 8);
	cr_assert_eq(r->r_req.cr_nvalue, 3);
	cr_assert_str_eq(r->r_value, "abc");
	r = expect_req("ms foo 0\r\n\r\n");
	cr_assert_eq(r->r_req.cr_nvalue, 0);
	cr_assert_eq(r->r_req.cr_exptime, 0);
	cr_assert_eq(r->r_req.cr_flags, 0);
	/* The block may hold anything, line ends included. */
	r = expect_req("ms foo 6 q\r\na\r\nb\r\n\r\n");
	cr_assert_str_eq(r->r_value, "a\r\nb\r\n");
	cr_assert_eq(r->r_ctx.px_noreply, 1);
}

Test(meta, ms_modes)
{
	static const struct {
		const char	*req;
		int		 mode;
	} t[] = {
		{ "ms k 1 ME\r\nx\r\n", CACHE_STORE_ADD },
		{ "ms k 1 MA\r\nx\r\n", CACHE_STORE_APPEND },
		{ "ms k 1 MP\r\nx\r\n", CACHE_STORE_PREPEND },
		{ "ms k 1 MR\r\nx\r\n", CACHE_STORE_REPLACE },
		{ "ms k 1 MS\r\nx\r\n", CACHE_STORE_SET },
	};
	struct rec	*r;
	size_t		 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		r = expect_req(t[i].req);
		cr_assert_eq(r->r_req.cr_mode, t[i].mode, "%s", t[i].req);
	}
	/* N vivifies only an append or a prepend. */
	r = expect_req("ms k 1 MA N30\r\nx\r\n");
	cr_assert_eq(r->r_req.cr_opts, CACHE_OPT_VIVIFY);
	cr_assert_eq(r->r_req.cr_vivify_exptime, NOW + 30);
	r = expect_req("ms k 1 N30\r\nx\r\n");
	cr_assert_eq(r->r_req.cr_opts, 0);
	expect_local("ms k 1 Me\r\nx\r\n",
	    "CLIENT_ERROR invalid mode for ms M token\r\n");
	expect_local("ms k 1 MX\r\nx\r\n",
	    "CLIENT_ERROR invalid mode for ms M token\r\n");
	expect_local("ms k 1 M\r\nx\r\n",
	    "CLIENT_ERROR incorrect length for M token\r\n");
}

Test(meta, ms_partial_block_waits)
{
	size_t	used;

	cr_assert_eq(feed("ms foo 3 T1\r\nab", &used), PROTO_OK);
	cr_assert_eq(used, 0, "incomplete block waits");
	cr_assert_eq(nrecs, 0);
	cr_assert_eq(nlocal, 0);
	cr_assert_eq(feed("ms foo 3 T1\r\nabc\r", &used), PROTO_OK);
	cr_assert_eq(used, 0, "the block's line end too");
	cr_assert_eq(feed("ms foo 3 T1\r\nabc\r\nmn\r\n", &used), PROTO_OK);
	cr_assert_eq(used, 22);
	cr_assert_eq(nrecs, 1);
	cr_assert_str_eq(recs[0].r_value, "abc");
	cr_assert_str_eq(local, "MN\r\n");
}

Test(meta, ms_bad_chunk_closes)
{
	size_t	used;

	/* The length was wrong: what follows is never run, q or not. */
	cr_assert_eq(feed("ms foo 3 q\r\nabcd\r\nmn\r\n", &used),
	    PROTO_CLOSE);
	cr_assert_str_eq(local, "CLIENT_ERROR bad data chunk\r\n");
	cr_assert_eq(nrecs, 0);
	setup();
	cr_assert_eq(feed("ms foo 3\r\nabc\nmg x\r\n", &used), PROTO_CLOSE);
	cr_assert_str_eq(local, "CLIENT_ERROR bad data chunk\r\n");
	cr_assert_eq(nrecs, 0);
}

Test(meta, ms_untrusted_length_closes)
{
	static const char *const bad[] = {
		"ms foo\r\nmg x\r\n",
		"ms foo -1\r\nmg x\r\n",
		"ms foo x\r\nmg x\r\n",
		"ms foo 3x\r\nmg x\r\n",
		"ms foo +3\r\nmg x\r\n",
		"ms foo 2147483646\r\nmg x\r\n",
		"ms foo 99999999999\r\nmg x\r\n",
		"ms foo 99999999999999999999999\r\nmg x\r\n",
	};
	size_t	used, i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setup();
		cr_assert_eq(feed(bad[i], &used), PROTO_CLOSE, "%s", bad[i]);
		cr_assert_str_eq(local,
		    "CLIENT_ERROR bad command line format\r\n", "%s", bad[i]);
		cr_assert_eq(nrecs, 0, "%s", bad[i]);
	}
	setup();
	cr_assert_eq(feed("ms foo 2147483645\r\n", &used), PROTO_OK);
	cr_assert_eq(nrecs, 1, "storage unlinks the old value");
	cr_assert_eq(recs[0].r_req.cr_opts, CACHE_OPT_TOO_LARGE);
	cr_assert_eq(st.pt_swallow, 2147483647ULL);
}

/* A refused block is swallowed: the command inside never runs. */
Test(meta, ms_refused_block_is_swallowed)
{
	static const struct {
		const char	*line;
		const char	*want;
	} t[] = {
		{ "ms foo 9 zz", "CLIENT_ERROR invalid flag\r\n" },
		{ "ms foo 9 v v", "CLIENT_ERROR duplicate flag\r\n" },
		{ "ms foo 9 Tx", "CLIENT_ERROR bad token in command line "
		    "format\r\n" },
		{ "ms foo 9 Tx MX", "CLIENT_ERROR bad token in command line "
		    "format\r\n" },
		{ "ms foo 9 MX",
		    "CLIENT_ERROR invalid mode for ms M token\r\n" },
		{ "ms foo 9 b", "CLIENT_ERROR error decoding key\r\n" },
		{ "ms foo 9 q Jx", "CLIENT_ERROR invalid numeric initial "
		    "value\r\n" },
		{ "ms fo\x01o 9", "CLIENT_ERROR bad command line format\r\n" },
		{ "ms foo 9 a b c d e f g h i j k l m n o p q",
		    "CLIENT_ERROR options flags too long\r\n" },
	};
	char	req[512];
	size_t	used, i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		setup();
		snprintf(req, sizeof(req),
		    "%s\r\nmg evil\r\n\r\nmg after\r\n", t[i].line);
		cr_assert_eq(feed(req, &used), PROTO_OK, "%s", req);
		cr_assert_eq(used, strlen(req));
		cr_assert_str_eq(local, t[i].want, "%s", t[i].line);
		cr_assert_eq(nrecs, 1, "%s", t[i].line);
		cr_assert_str_eq(recs[0].r_key, "after");
	}
	/* 16 flags after the length are fine. */
	expect_req("ms foo 3 c f h k l O s t u v q P L T1 N1 R1\r\nabc\r\n");
}

Test(meta, ms_key_too_long_is_swallowed)
{
	char	req[600];
	size_t	used;

	memset(req, 0, sizeof(req));
	memcpy(req, "ms ", 3);
	memset(req + 3, 'a', 251);
	strcat(req, " 9\r\nmg evil\r\n\r\nmg after\r\n");
	cr_assert_eq(feed(req, &used), PROTO_OK);
	cr_assert_str_eq(local, "CLIENT_ERROR bad command line format\r\n");
	cr_assert_eq(nrecs, 1);
	cr_assert_str_eq(recs[0].r_key, "after");
}

Test(meta, ms_too_large_is_swallowed)
{
	char	req[4096];
	size_t	used;

	/* Errors are sent even with q; the block holds a command. */
	snprintf(req, sizeof(req), "ms k 1100 q\r\nmg evil\r\n");
	memset(req + strlen(req), 'x', 1100 - 9);
	req[13 + 1100] = '\0';
	strcat(req, "\r\nmg after\r\n");
	cr_assert_eq(feed(req, &used), PROTO_OK);
	/* Storage unlinks the old value and answers too large. */
	cr_assert_eq(nrecs, 2);
	cr_assert_str_eq(recs[0].r_key, "k");
	cr_assert_eq(recs[0].r_req.cr_op, CACHE_OP_DELETE);
	cr_assert_eq(recs[0].r_req.cr_opts, CACHE_OPT_TOO_LARGE);
	cr_assert_str_eq(recs[1].r_key, "after");
	cr_assert_eq(used, strlen(req));
	/* Across reads the parser stays inside the block. */
	setup();
	cr_assert_eq(feed("ms k 2000 T5\r\n", &used), PROTO_OK);
	cr_assert_eq(st.pt_swallow, 2002);
	cr_assert_eq(feed("mg x\r\n", &used), PROTO_OK);
	cr_assert_eq(nrecs, 1);
	cr_assert_eq(st.pt_swallow, 2002 - 6);
}

Test(meta, md_parse)
{
	struct rec	*r;

	r = expect_req("md foo q I T30 x C5 E6 k O1\r\n");
	cr_assert_eq(r->r_req.cr_op, CACHE_OP_DELETE);
	cr_assert_eq(r->r_req.cr_opts, CACHE_OPT_INVALIDATE |
	    CACHE_OPT_SET_TTL | CACHE_OPT_DROP_VALUE | CACHE_OPT_CAS |
	    CACHE_OPT_NEW_CAS | CACHE_OPT_WANT_KEY);
	cr_assert_eq(r->r_req.cr_exptime, NOW + 30);
	cr_assert_eq(r->r_req.cr_cas, 5);
	cr_assert_eq(r->r_req.cr_newcas, 6);
	cr_assert_eq(r->r_ctx.px_noreply, 1);
	/* T alone does nothing: only a stale mark takes a new TTL. */
	r = expect_req("md foo T30 MX\r\n");
	cr_assert_eq(r->r_req.cr_opts, 0);
	cr_assert_eq(r->r_req.cr_exptime, 0);
	expect_local("md\r\n", "ERROR\r\n");
	expect_local("md foo zz\r\n",
	    "CLIENT_ERROR invalid or duplicate flag\r\n");
	expect_local("md foo q q\r\n",
	    "CLIENT_ERROR invalid or duplicate flag\r\n");
	expect_local("md foo Tx\r\n",
	    "CLIENT_ERROR invalid or duplicate flag\r\n");
	expect_local("md foo b\r\n",
	    "CLIENT_ERROR invalid or duplicate flag\r\n");
	expect_local("md foo a b c d e f g h i j k l m n o p q r\r\n",
	    "CLIENT_ERROR options flags too long\r\n");
	expect_local("md foo a b c d e f g h i j k l m n o p q\r\n",
	    "CLIENT_ERROR invalid or duplicate flag\r\n");
}

Test(meta, ma_parse)
{
	static const struct {
		const char	*req;
		int		 mode;
	} t[] = {
		{ "ma k MI\r\n", CACHE_ARITH_INCR },
		{ "ma k M+\r\n", CACHE_ARITH_INCR },
		{ "ma k MD\r\n", CACHE_ARITH_DECR },
		{ "ma k M-\r\n", CACHE_ARITH_DECR },
	};
	struct rec	*r;
	size_t		 i;

	r = expect_req("ma foo\r\n");
	cr_assert_eq(r->r_req.cr_op, CACHE_OP_ARITH);
	cr_assert_eq(r->r_req.cr_mode, CACHE_ARITH_INCR);
	cr_assert_eq(r->r_req.cr_delta, 1, "one by default");
	cr_assert_eq(r->r_req.cr_initial, 0);
	cr_assert_eq(r->r_req.cr_opts, 0);
	r = expect_req("ma foo MD D5 J7 N0 T10 v C3 E4 k q\r\n");
	cr_assert_eq(r->r_req.cr_mode, CACHE_ARITH_DECR);
	cr_assert_eq(r->r_req.cr_delta, 5);
	cr_assert_eq(r->r_req.cr_initial, 7);
	cr_assert_eq(r->r_req.cr_opts, CACHE_OPT_VIVIFY | CACHE_OPT_SET_TTL |
	    CACHE_OPT_WANT_VALUE | CACHE_OPT_CAS | CACHE_OPT_NEW_CAS |
	    CACHE_OPT_WANT_KEY);
	cr_assert_eq(r->r_req.cr_vivify_exptime, NOW + 10);
	cr_assert_eq(r->r_req.cr_exptime, NOW + 10);
	cr_assert_eq(r->r_req.cr_cas, 3);
	cr_assert_eq(r->r_req.cr_newcas, 4);
	r = expect_req("ma foo D18446744073709551615 "
	    "J18446744073709551615\r\n");
	cr_assert_eq(r->r_req.cr_delta, UINT64_MAX);
	cr_assert_eq(r->r_req.cr_initial, UINT64_MAX);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		r = expect_req(t[i].req);
		cr_assert_eq(r->r_req.cr_mode, t[i].mode, "%s", t[i].req);
	}
	expect_local("ma\r\n", "ERROR\r\n");
	expect_local("ma foo Md\r\n",
	    "CLIENT_ERROR invalid mode for ma M token\r\n");
	expect_local("ma foo MX q\r\n",
	    "CLIENT_ERROR invalid mode for ma M token\r\n");
	expect_local("ma foo Dx\r\n",
	    "CLIENT_ERROR invalid or duplicate flag\r\n");
	expect_local("ma foo D-1\r\n",
	    "CLIENT_ERROR invalid or duplicate flag\r\n");
	expect_local("ma foo M\r\n",
	    "CLIENT_ERROR invalid or duplicate flag\r\n");
	expect_local("ma foo a b c d e f g h i j k l m n o p q r\r\n",
	    "CLIENT_ERROR options flags too long\r\n");
}

Test(meta, me_and_mn)
{
	struct rec	*r;

	r = expect_req("me foo\r\n");
	cr_assert_eq(r->r_req.cr_op, CACHE_OP_GET);
	cr_assert_eq(r->r_req.cr_opts, CACHE_OPT_NO_BUMP | CACHE_OPT_WANT_KEY,
	    "a look that changes nothing");
	/* Only a b right after the key means anything. */
	r = expect_req("me foo v k zz q\r\n");
	cr_assert_str_eq(r->r_key, "foo");
	r = expect_req("me Zm9v b\r\n");
	cr_assert_str_eq(r->r_key, "foo");
	r = expect_req("me Zm9v x b\r\n");
	cr_assert_str_eq(r->r_key, "Zm9v");
	expect_local("me\r\n", "CLIENT_ERROR bad command line format\r\n");
	expect_local("me foo b\r\n",
	    "CLIENT_ERROR bad command line format\r\n");
	expect_local("mn\r\n", "MN\r\n");
	expect_local("mn foo bar q\r\n", "MN\r\n");
	expect_local("mx foo\r\n", "ERROR\r\n");
}

Test(meta, base64_keys)
{
	static const struct {
		const char	*tok;
		const char	*key;	/* NULL: cannot be decoded */
		size_t		 nkey;
	} t[] = {
		{ "Zm9v", "foo", 3 },
		{ "Zm9vYg==", "foob", 4 },
		{ "Zm8=", "fo", 2 },
		{ "ICAg", "   ", 3 },
		{ "AA==", "\0", 1 },
		/* memcached's decoder: stray bytes skipped, '=' ends it. */
		{ "Zm!9v", "foo", 3 },
		{ "Zg==Zm9v", "f", 1 },
		{ "=AAA", "\0\0", 2 },
		{ "Zm9", NULL, 0 },
		{ "Zm9vYg=", NULL, 0 },
		{ "Zm9vYg", NULL, 0 },
		{ "Zm9v=", NULL, 0 },
		{ "A===", NULL, 0 },
		{ "====", NULL, 0 },
		{ "-___", NULL, 0 },
	};
	char		 req[128], line[300];
	struct rec	*r;
	size_t		 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(req, sizeof(req), "mg %s v b\r\n", t[i].tok);
		if (t[i].key == NULL) {
			expect_local(req,
			    "CLIENT_ERROR error decoding key\r\n");
			continue;
		}
		r = expect_req(req);
		cr_assert_eq(r->r_req.cr_nkey, t[i].nkey, "%s", t[i].tok);
		cr_assert(memcmp(r->r_key, t[i].key, t[i].nkey) == 0, "%s",
		    t[i].tok);
	}
	/* A long token decodes to up to 186 bytes of any value. */
	memset(line, 0, sizeof(line));
	memcpy(line, "ms ", 3);
	memset(line + 3, '/', 248);
	strcat(line, " 1 b\r\nx\r\n");
	r = expect_req(line);
	cr_assert_eq(r->r_req.cr_nkey, 186);
	cr_assert_eq((unsigned char)r->r_key[0], 0xff);
	cr_assert_eq((unsigned char)r->r_key[185], 0xff);
}

Test(meta, sink_failure_closes)
{
	size_t	used;

	fail_storage = 1;
	cr_assert_eq(feed("mg a v\r\n", &used), PROTO_CLOSE);
	setup();
	fail_storage = 1;
	cr_assert_eq(feed("ms a 1\r\nx\r\n", &used), PROTO_CLOSE);
}

Test(meta, direct_call_reports_extra)
{
	enum proto_line	res;
	size_t		extra = 99;
	int		failed = 0;

	res = proto_meta_line(&st, &lim, &sink, NOW, "ms k 2", 6, "hi\r\nmn",
	    6, &extra, &failed);
	cr_assert_eq(res, PROTO_LINE_DONE);
	cr_assert_eq(extra, 4);
	cr_assert_eq(failed, 0);
	cr_assert_str_eq(recs[0].r_value, "hi");
	res = proto_meta_line(&st, &lim, &sink, NOW, "ms k 2", 6, "hi\r", 3,
	    &extra, &failed);
	cr_assert_eq(res, PROTO_LINE_NEED_MORE);
	res = proto_meta_line(&st, &lim, &sink, NOW, "mg k", 4, "", 0,
	    &extra, &failed);
	cr_assert_eq(res, PROTO_LINE_DONE);
	cr_assert_eq(extra, 0);
	fail_storage = 1;
	res = proto_meta_line(&st, &lim, &sink, NOW, "md k", 4, "", 0,
	    &extra, &failed);
	cr_assert_eq(failed, 1);
}

/* Replies: the context comes from parsing the request. */

static struct cache_rep	rep;

static void
rep_hit(void)
{
	memset(&rep, 0, sizeof(rep));
	rep.rp_status = CACHE_OK;
	rep.rp_flags = 5;
	rep.rp_ttl = 30;
	rep.rp_last_access = 7;
	rep.rp_vlen = 3;
	rep.rp_cas = 99;
	rep.rp_size = 70;
	rep.rp_clsid = 2;
	rep.rp_info = CACHE_INFO_FETCHED;
}

static void
rep_status(enum cache_status status)
{
	memset(&rep, 0, sizeof(rep));
	rep.rp_status = status;
}

/* Formats rep for the request in req; key and value as storage sent. */
static char *
reply(const char *req, const char *key, const char *value)
{
	struct rec	*r;

	r = expect_req(req);
	return (pt_reply(proto_meta_reply, &r->r_ctx, &rep, key, value));
}

Test(meta, reply_mg_hit_flags_in_order)
{
	rep_hit();
	cr_assert_str_eq(reply("mg foo s t c f l h O123 k v\r\n", "foo", "abc"),
	    "VA 3 s3 t30 c99 f5 l7 h1 O123 kfoo\r\nabc\r\n");
	cr_assert_str_eq(reply("mg foo k O1 h l f c t s\r\n", "foo", NULL),
	    "HD kfoo O1 h1 l7 f5 c99 t30 s3\r\n");
	/* Flags that return nothing leave no trace. */
	cr_assert_str_eq(reply("mg foo u T5 N5 R5 E5 P L q\r\n", NULL, NULL),
	    "HD\r\n");
	cr_assert_str_eq(reply("mg foo O\r\n", NULL, NULL), "HD O\r\n");
	rep.rp_ttl = -1;
	rep.rp_info = 0;
	cr_assert_str_eq(reply("mg foo t h\r\n", NULL, NULL), "HD t-1 h0\r\n");
	rep.rp_vlen = 0;
	cr_assert_str_eq(reply("mg foo v s\r\n", NULL, NULL),
	    "VA 0 s0\r\n\r\n");
}

Test(meta, reply_mg_win_flags)
{
	rep_hit();
	rep.rp_info = CACHE_INFO_WON;
	cr_assert_str_eq(reply("mg foo N30 t v\r\n", NULL, "abc"),
	    "VA 3 t30 W\r\nabc\r\n");
	rep.rp_info = CACHE_INFO_STALE | CACHE_INFO_WON;
	cr_assert_str_eq(reply("mg foo c\r\n", NULL, NULL), "HD c99 X W\r\n");
	rep.rp_info = CACHE_INFO_STALE | CACHE_INFO_WIN_SENT;
	cr_assert_str_eq(reply("mg foo c\r\n", NULL, NULL), "HD c99 Z X\r\n");
	rep.rp_info = CACHE_INFO_WIN_SENT | CACHE_INFO_FETCHED;
	cr_assert_str_eq(reply("mg foo h\r\n", NULL, NULL), "HD h1 Z\r\n");
}

Test(meta, reply_mg_miss_and_q)
{
	rep_status(CACHE_MISS);
	cr_assert_str_eq(reply("mg foo v\r\n", NULL, NULL), "EN\r\n");
	/* A miss echoes only O and k, from the copy kept with the request. */
	cr_assert_str_eq(reply("mg foo v t O5 c k s\r\n", NULL, NULL),
	    "EN O5 kfoo\r\n");
	cr_assert_str_eq(reply("mg foo k q O5\r\n", NULL, NULL), "");
	/* q hides only the miss. */
	rep_hit();
	cr_assert_str_eq(reply("mg foo q v\r\n", NULL, "abc"),
	    "VA 3\r\nabc\r\n");
	cr_assert_str_eq(reply("mg foo q\r\n", NULL, NULL), "HD\r\n");
}

Test(meta, reply_mg_cas_check)
{
	rep_hit();
	/* C matches: storage sent no value, and the answer is HD. */
	cr_assert_str_eq(reply("mg foo v C99 c\r\n", NULL, NULL),
	    "HD c99\r\n");
	cr_assert_str_eq(reply("mg foo v C98\r\n", NULL, "abc"),
	    "VA 3\r\nabc\r\n");
	rep.rp_vlen = 0;
	cr_assert_str_eq(reply("mg foo v C98\r\n", NULL, NULL),
	    "VA 0\r\n\r\n");
}

Test(meta, reply_base64_key)
{
	rep_hit();
	cr_assert_str_eq(reply("mg Zm9v b k v\r\n", "foo", "abc"),
	    "VA 3 kZm9v b\r\nabc\r\n");
	cr_assert_str_eq(reply("mg AA== b k\r\n", NULL, NULL),
	    "HD kAA== b\r\n", "a NUL byte, from the copy kept");
	rep_status(CACHE_MISS);
	cr_assert_str_eq(reply("mg Zm9vYg== k b\r\n", NULL, NULL),
	    "EN kZm9vYg== b\r\n");
	cr_assert_str_eq(reply("mg =AAA k b\r\n", NULL, NULL),
	    "EN kAAA= b\r\n");
	cr_assert_str_eq(reply("md Zm9v b k O2\r\n", NULL, NULL),
	    "NF kZm9v b O2\r\n");
	rep_status(CACHE_OK);
	cr_assert_str_eq(reply("ms Zm9v 1 k c O9 b\r\nx\r\n", NULL, NULL),
	    "HD kZm9v b c0 O9\r\n");
	cr_assert_str_eq(reply("mg Zm9v b\r\n", NULL, NULL), "HD\r\n");
}

Test(meta, reply_key_from_storage)
{
	char	req[400], want[400], key[251];

	/* A key too long to keep is echoed when storage sends it back. */
	memset(key, 'k', 200);
	key[200] = '\0';
	snprintf(req, sizeof(req), "mg %s k O0123456789012345678901234567890"
	    "\r\n", key);
	snprintf(want, sizeof(want), "HD k%s O0123456789012345678901234567890"
	    "\r\n", key);
	rep_hit();
	cr_assert_str_eq(reply(req, key, NULL), want);
}

Test(meta, reply_ms)
{
	rep_status(CACHE_OK);
	rep.rp_cas = 12;
	rep.rp_vlen = 3;
	cr_assert_str_eq(reply("ms foo 3\r\nabc\r\n", NULL, NULL), "HD\r\n");
	cr_assert_str_eq(reply("ms foo 3 k c O1 s f t v\r\nabc\r\n", NULL,
	    NULL), "HD kfoo c12 O1 s3\r\n");
	cr_assert_str_eq(reply("ms foo 3 q k\r\nabc\r\n", NULL, NULL), "");
	rep.rp_vlen = 10;
	cr_assert_str_eq(reply("ms foo 3 s MA\r\nabc\r\n", NULL, NULL),
	    "HD s10\r\n", "the size after the append");
	rep_status(CACHE_NOT_STORED);
	cr_assert_str_eq(reply("ms foo 3 ME k c O1 s\r\nabc\r\n", NULL, NULL),
	    "NS kfoo c0 O1 s3\r\n");
	cr_assert_str_eq(reply("ms foo 3 ME q\r\nabc\r\n", NULL, NULL),
	    "NS\r\n");
	rep_status(CACHE_EXISTS);
	cr_assert_str_eq(reply("ms foo 3 C5 q c\r\nabc\r\n", NULL, NULL),
	    "EX c0\r\n");
	rep_status(CACHE_MISS);
	cr_assert_str_eq(reply("ms foo 3 C5 MR\r\nabc\r\n", NULL, NULL),
	    "NF\r\n");
	rep_status(CACHE_TOO_LARGE);
	cr_assert_str_eq(reply("ms foo 3 q\r\nabc\r\n", NULL, NULL),
	    "SERVER_ERROR object too large for cache\r\n");
	rep_status(CACHE_NO_MEMORY);
	cr_assert_str_eq(reply("ms foo 3 q\r\nabc\r\n", NULL, NULL),
	    "SERVER_ERROR out of memory storing object\r\n");
}

Test(meta, reply_md)
{
	rep_status(CACHE_OK);
	rep.rp_cas = 12;
	cr_assert_str_eq(reply("md foo\r\n", NULL, NULL), "HD\r\n");
	cr_assert_str_eq(reply("md foo k O1 c t s f v\r\n", NULL, NULL),
	    "HD kfoo O1\r\n");
	cr_assert_str_eq(reply("md foo q I\r\n", NULL, NULL), "");
	rep_status(CACHE_MISS);
	cr_assert_str_eq(reply("md foo q O1 k\r\n", NULL, NULL),
	    "NF O1 kfoo\r\n", "q hides only HD");
	rep_status(CACHE_EXISTS);
	cr_assert_str_eq(reply("md foo C1 q\r\n", NULL, NULL), "EX\r\n");
	rep_status(CACHE_NO_MEMORY);
	cr_assert_str_eq(reply("md foo x q\r\n", NULL, NULL),
	    "SERVER_ERROR out of memory\r\n");
}

Test(meta, reply_ma)
{
	rep_hit();
	rep.rp_ttl = -1;
	rep.rp_cas = 44;
	cr_assert_str_eq(reply("ma foo N0 J5 v c t k O9 s f h l\r\n", "foo",
	    "5"), "VA 1 c44 t-1 kfoo O9\r\n5\r\n");
	cr_assert_str_eq(reply("ma foo\r\n", NULL, NULL), "HD\r\n");
	cr_assert_str_eq(reply("ma foo t c\r\n", NULL, NULL),
	    "HD t-1 c44\r\n");
	cr_assert_str_eq(reply("ma foo q v\r\n", NULL, "11"), "",
	    "q hides the value too");
	rep_status(CACHE_MISS);
	cr_assert_str_eq(reply("ma foo k O1 c t v\r\n", NULL, NULL),
	    "NF kfoo O1\r\n", "no item: only k and O");
	cr_assert_str_eq(reply("ma foo q\r\n", NULL, NULL), "NF\r\n");
	rep_status(CACHE_EXISTS);
	cr_assert_str_eq(reply("ma foo C1 q v\r\n", NULL, NULL), "EX\r\n");
	rep_status(CACHE_NOT_STORED);
	cr_assert_str_eq(reply("ma foo N0\r\n", NULL, NULL), "NS\r\n");
	rep_status(CACHE_NON_NUMERIC);
	cr_assert_str_eq(reply("ma foo q\r\n", NULL, NULL),
	    "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n");
	rep_status(CACHE_NO_MEMORY);
	cr_assert_str_eq(reply("ma foo N0\r\n", NULL, NULL),
	    "SERVER_ERROR out of memory\r\n");
}

Test(meta, reply_me)
{
	rep_hit();
	rep.rp_ttl = 100;
	rep.rp_last_access = 3;
	rep.rp_cas = 7;
	cr_assert_str_eq(reply("me foo\r\n", "foo", NULL),
	    "ME foo exp=-100 la=3 cas=7 fetch=yes cls=2 size=70\r\n");
	rep.rp_ttl = -1;
	rep.rp_info = 0;
	cr_assert_str_eq(reply("me Zm9v b\r\n", "foo", NULL),
	    "ME Zm9v exp=-1 la=3 cas=7 fetch=no cls=2 size=70\r\n");
	rep_status(CACHE_MISS);
	cr_assert_str_eq(reply("me foo\r\n", NULL, NULL), "EN\r\n");
}

Test(meta, reply_errors_ignore_q)
{
	rep_status(CACHE_UNAVAILABLE);
	cr_assert_str_eq(reply("mg foo q\r\n", NULL, NULL),
	    "SERVER_ERROR storage unavailable\r\n");
	cr_assert_str_eq(reply("ms foo 1 q\r\nx\r\n", NULL, NULL),
	    "SERVER_ERROR storage unavailable\r\n");
	cr_assert_str_eq(reply("me foo\r\n", NULL, NULL),
	    "SERVER_ERROR storage unavailable\r\n");
}

Test(meta, reply_past_max_fails)
{
	struct rec	*r;
	struct buf	 b;

	r = expect_req("mg foo v k\r\n");
	rep_hit();
	rep.rp_nkey = 3;
	rep.rp_nvalue = 3;
	memset(&b, 0, sizeof(b));
	cr_assert_eq(proto_meta_reply(&r->r_ctx, &rep, "foo", "abc", &b, 8),
	    -1);
	buf_free(&b);
}
