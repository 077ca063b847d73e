/*
 * The text protocol without a network: requests through a recording sink,
 * replies through the composer.
 */

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto_test.h"
#include "version.h"

static struct proto_text_state	st;

/* Stats requests must come marked as text. */
static const struct pt_conf	conf = {
	.pc_stats = PROTO_TEXT,
};

static void
setup(void)
{
	pt_setup(&conf);
	memset(&st, 0, sizeof(st));
}

TestSuite(text, .init = setup);

static enum proto_status
feed(const char *s, size_t *used)
{
	return (proto_text_parse(&st, &lim, &sink, s, strlen(s), used, NOW));
}

Test(text, multi_get)
{
	size_t	used;

	cr_assert_eq(feed("get a bb  ccc\r\n", &used), PROTO_OK);
	cr_assert_eq(used, 15);
	cr_assert_eq(nrecs, 3);
	cr_assert_str_eq(recs[0].r_key, "a");
	cr_assert_str_eq(recs[1].r_key, "bb");
	cr_assert_str_eq(recs[2].r_key, "ccc");
	cr_assert_eq(recs[0].r_req.cr_op, CACHE_OP_GET);
	cr_assert(recs[0].r_req.cr_opts & CACHE_OPT_WANT_VALUE);
	cr_assert_eq(recs[0].r_ctx.px_last, 0);
	cr_assert_eq(recs[2].r_ctx.px_last, 1);
	cr_assert_eq(nlocal, 0);
}

Test(text, hundreds_of_keys)
{
	char	line[2048];
	size_t	used, len = 0;
	int	i;

	len += snprintf(line + len, sizeof(line) - len, "gets");
	for (i = 0; i < 300; i++)
		len += snprintf(line + len, sizeof(line) - len, " k%d", i % 60);
	len += snprintf(line + len, sizeof(line) - len, "\r\n");
	cr_assert_eq(feed(line, &used), PROTO_OK);
	cr_assert_eq(used, len);
	cr_assert_eq(nrecs, 300);
	for (i = 0; i < 299; i++)
		cr_assert_eq(recs[i].r_ctx.px_last, 0);
	cr_assert_eq(recs[299].r_ctx.px_last, 1);
	cr_assert_str_eq(recs[299].r_key, "k59");
}

Test(text, sink_failure_closes)
{
	size_t	used;

	fail_storage = 1;
	cr_assert_eq(feed("get a\r\n", &used), PROTO_CLOSE);
}

Test(text, set_and_partial_block)
{
	size_t	used;

	cr_assert_eq(feed("set k 5 0 3\r\nab", &used), PROTO_OK);
	cr_assert_eq(used, 0, "incomplete block waits");
	cr_assert_eq(nrecs, 0);
	cr_assert_eq(feed("set k 5 0 3\r\nabc\r\n", &used), PROTO_OK);
	cr_assert_eq(used, 18);
	cr_assert_eq(nrecs, 1);
	cr_assert_eq(recs[0].r_req.cr_op, CACHE_OP_STORE);
	cr_assert_eq(recs[0].r_req.cr_mode, CACHE_STORE_SET);
	cr_assert_eq(recs[0].r_req.cr_flags, 5);
	cr_assert_eq(recs[0].r_req.cr_exptime, 0);
	cr_assert_str_eq(recs[0].r_value, "abc");
}

Test(text, bare_newlines)
{
	size_t	used;

	cr_assert_eq(feed("set k 0 0 2\nhi\r\nget k\n", &used), PROTO_OK);
	cr_assert_eq(nrecs, 2);
	cr_assert_str_eq(recs[0].r_value, "hi");
	cr_assert_str_eq(recs[1].r_key, "k");
}

Test(text, storage_modes_and_cas)
{
	size_t	used;

	cr_assert_eq(feed("add a 0 0 1\r\n1\r\nreplace a 0 0 1\r\n2\r\n"
	    "append a 0 0 1\r\n3\r\nprepend a 0 0 1\r\n4\r\n"
	    "cas a 0 0 1 18446744073709551615 noreply\r\n5\r\n", &used),
	    PROTO_OK);
	cr_assert_eq(nrecs, 5);
	cr_assert_eq(recs[0].r_req.cr_mode, CACHE_STORE_ADD);
	cr_assert_eq(recs[1].r_req.cr_mode, CACHE_STORE_REPLACE);
	cr_assert_eq(recs[2].r_req.cr_mode, CACHE_STORE_APPEND);
	cr_assert_eq(recs[3].r_req.cr_mode, CACHE_STORE_PREPEND);
	cr_assert(recs[4].r_req.cr_opts & CACHE_OPT_CAS);
	cr_assert_eq(recs[4].r_req.cr_cas, UINT64_MAX);
	cr_assert_eq(recs[4].r_ctx.px_noreply, 1);
}

Test(text, bad_data_chunk_closes)
{
	size_t	used;

	/* The length was wrong: what follows must never run. */
	cr_assert_eq(feed("set k 0 0 3\r\nabcXYget z\r\n", &used),
	    PROTO_CLOSE);
	cr_assert_str_eq(local, "CLIENT_ERROR bad data chunk\r\n");
	cr_assert_eq(nrecs, 0);
	setup();
	cr_assert_eq(feed("set k 0 0 3 noreply\r\nabcXYget z\r\n", &used),
	    PROTO_CLOSE);
	cr_assert_str_eq(local, "", "noreply: closed without a word");
}

Test(text, too_large_is_swallowed)
{
	char	req[4096];
	size_t	used;

	/* The block holds a command: it must be dropped, never run. */
	snprintf(req, sizeof(req), "set k 0 0 1100\r\n%s", "flush_all\r\n");
	memset(req + strlen(req), 'x', 1100 - 11);
	req[16 + 1100] = '\0';
	strcat(req, "\r\nget after\r\n");
	cr_assert_eq(feed(req, &used), PROTO_OK);
	/* Storage unlinks the old value and answers too large. */
	cr_assert_eq(nrecs, 2);
	cr_assert_str_eq(recs[0].r_key, "k");
	cr_assert_eq(recs[0].r_req.cr_op, CACHE_OP_DELETE);
	cr_assert_eq(recs[0].r_req.cr_opts, CACHE_OPT_TOO_LARGE);
	cr_assert_str_eq(recs[1].r_key, "after");
	cr_assert_eq(used, strlen(req));
}

Test(text, too_large_reply)
{
	struct cache_rep	rep;
	size_t			used;

	cr_assert_eq(feed("append k 0 0 5000\r\n", &used), PROTO_OK);
	cr_assert_eq(nrecs, 1);
	memset(&rep, 0, sizeof(rep));
	rep.rp_status = CACHE_TOO_LARGE;
	cr_assert_str_eq(pt_reply(proto_text_reply, &recs[0].r_ctx, &rep, NULL,
	    NULL),
	    "SERVER_ERROR object too large for cache\r\n");
}

Test(text, swallow_across_calls)
{
	size_t	used;

	cr_assert_eq(feed("set k 0 0 2000\r\n", &used), PROTO_OK);
	cr_assert_eq(st.pt_swallow, 2002);
	cr_assert_eq(feed("get x\r\n", &used), PROTO_OK);
	cr_assert_eq(nrecs, 1, "only the refusal reached storage");
	cr_assert_eq(recs[0].r_req.cr_opts, CACHE_OPT_TOO_LARGE);
	cr_assert_eq(st.pt_swallow, 2002 - 7);
}

Test(text, untrusted_length_closes)
{
	size_t	used;

	cr_assert_eq(feed("set k 0 0 -1\r\nget x\r\n", &used), PROTO_CLOSE);
	cr_assert_str_eq(local, "CLIENT_ERROR bad command line format\r\n");
	cr_assert_eq(nrecs, 0);
	setup();
	cr_assert_eq(feed("set k 0 0 99999999999999999999\r\n", &used),
	    PROTO_CLOSE);
	setup();
	cr_assert_eq(feed("set k 0 0\r\n", &used), PROTO_CLOSE);
}

Test(text, bad_keys)
{
	char	line[512];
	size_t	used;

	memset(line, 0, sizeof(line));
	memcpy(line, "get ", 4);
	memset(line + 4, 'k', 251);
	strcat(line, "\r\n");
	cr_assert_eq(feed(line, &used), PROTO_OK);
	cr_assert_str_eq(local, "CLIENT_ERROR bad command line format\r\n");
	cr_assert_eq(nrecs, 0);
	setup();
	line[4 + 250] = '\r';
	line[4 + 251] = '\n';
	line[4 + 252] = '\0';
	cr_assert_eq(feed(line, &used), PROTO_OK);
	cr_assert_eq(nrecs, 1, "250 bytes is fine");
	setup();
	cr_assert_eq(feed("get ok bad\x01key\r\n", &used), PROTO_OK);
	cr_assert_eq(nrecs, 0, "no key is asked when one is bad");
	cr_assert_str_eq(local, "CLIENT_ERROR bad command line format\r\n");
	setup();
	cr_assert_eq(feed("set k\x7f 0 0 1\r\nx\r\n", &used), PROTO_OK);
	cr_assert_eq(nrecs, 0);
	cr_assert_eq(used, 17, "the block is consumed anyway");
}

Test(text, numbers_are_strict)
{
	size_t	used;

	cr_assert_eq(feed("set k 4294967296 0 1\r\nx\r\n", &used), PROTO_OK);
	cr_assert_eq(nrecs, 0, "flags over 32 bits refused");
	cr_assert_str_eq(local, "CLIENT_ERROR bad command line format\r\n");
	setup();
	cr_assert_eq(feed("set k -1 0 1\r\nx\r\n", &used), PROTO_OK);
	cr_assert_eq(nrecs, 0);
	setup();
	cr_assert_eq(feed("set k +1 0 1\r\nx\r\n", &used), PROTO_OK);
	cr_assert_eq(nrecs, 0);
	setup();
	cr_assert_eq(feed("incr k 18446744073709551616\r\n", &used),
	    PROTO_OK);
	cr_assert_str_eq(local,
	    "CLIENT_ERROR invalid numeric delta argument\r\n");
	setup();
	cr_assert_eq(feed("incr k 18446744073709551615\r\ndecr k 1 noreply\r\n",
	    &used), PROTO_OK);
	cr_assert_eq(nrecs, 2);
	cr_assert_eq(recs[0].r_req.cr_delta, UINT64_MAX);
	cr_assert_eq(recs[1].r_req.cr_mode, CACHE_ARITH_DECR);
	cr_assert_eq(recs[1].r_ctx.px_noreply, 1);
}

Test(text, exptime_conversion)
{
	size_t	used;

	cr_assert_eq(feed("set a 0 100 1\r\nx\r\nset b 0 2592000 1\r\nx\r\n"
	    "set c 0 2592001 1\r\nx\r\nset d 0 -1 1\r\nx\r\n", &used),
	    PROTO_OK);
	cr_assert_eq(nrecs, 4);
	cr_assert_eq(recs[0].r_req.cr_exptime, NOW + 100);
	cr_assert_eq(recs[1].r_req.cr_exptime, NOW + 2592000);
	cr_assert_eq(recs[2].r_req.cr_exptime, 2592001, "absolute time");
	cr_assert_lt(recs[3].r_req.cr_exptime, 0, "already expired");
}

Test(text, other_commands)
{
	size_t	used;

	cr_assert_eq(feed("delete a\r\ndelete b 0 noreply\r\ntouch c 10\r\n"
	    "gat 5 d e\r\nflush_all 10\r\n", &used), PROTO_OK);
	cr_assert_eq(nrecs, 6);
	cr_assert_eq(recs[0].r_req.cr_op, CACHE_OP_DELETE);
	cr_assert_eq(recs[1].r_ctx.px_noreply, 1);
	cr_assert_eq(recs[2].r_req.cr_op, CACHE_OP_TOUCH);
	cr_assert_eq(recs[2].r_req.cr_exptime, NOW + 10);
	cr_assert(recs[3].r_req.cr_opts & CACHE_OPT_TOUCH);
	cr_assert_eq(recs[3].r_req.cr_exptime, NOW + 5);
	cr_assert_eq(recs[5].r_req.cr_op, CACHE_OP_FLUSH);
	cr_assert_eq(recs[5].r_req.cr_exptime, NOW + 10);
	setup();
	cr_assert_eq(feed("delete a 5\r\n", &used), PROTO_OK);
	cr_assert(strncmp(local, "CLIENT_ERROR bad command line format.",
	    37) == 0, "%s", local);
}

/* As memcached: a noreply command's errors are not sent either. */
Test(text, noreply_errors_are_silent)
{
	size_t	used;

	cr_assert_eq(feed("delete a 10 noreply\r\nincr a x noreply\r\n"
	    "touch a x noreply\r\nflush_all x noreply\r\n"
	    "decr a 1 noreply\r\n", &used), PROTO_OK);
	cr_assert_str_eq(local, "");
	cr_assert_eq(nrecs, 1);
	cr_assert_eq(recs[0].r_req.cr_op, CACHE_OP_ARITH);
	setup();
	cr_assert_eq(feed("delete a 10\r\nflush_all invalid\r\n", &used),
	    PROTO_OK);
	cr_assert_str_eq(local, "CLIENT_ERROR bad command line format.  "
	    "Usage: delete <key> [noreply]\r\n"
	    "CLIENT_ERROR invalid exptime argument\r\n");
	cr_assert_eq(nrecs, 0);
}

/* Browsers' requests to the cache port are hung up on without a byte. */
Test(text, http_hangs_up)
{
	static const char *const lines[] = {
		"GET / HTTP/1.0\r\n",
		"PUT /asdf/asd/fasdfasdf/sadf HTTP/1.1\r\n",
		"DELETE HTTP/1.1\r\n",
	};
	size_t	used, i;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		setup();
		cr_assert_eq(feed(lines[i], &used), PROTO_CLOSE, "%s",
		    lines[i]);
		cr_assert_eq(nlocal, 0, "%s", lines[i]);
	}
	setup();
	cr_assert_eq(feed("bogus HTTP\r\n", &used), PROTO_OK);
	cr_assert_str_eq(local, "ERROR\r\n");
}

/* get and gets take key lists longer than the line limit. */
Test(text, long_get_line)
{
	static char	line[200000];
	size_t		used, len = 0, off = 0, n, keys = 0, end;

	len += snprintf(line, sizeof(line), "gets");
	while (len < 3 * lim.pl_line_max / 2) {
		len += snprintf(line + len, sizeof(line) - len, " key%zu",
		    keys);
		keys++;
	}
	len += snprintf(line + len, sizeof(line) - len, "\r\nget tail\r\n");
	/* In reads of a few KB, as a socket delivers it. */
	for (end = 4096; off < len; end += 4096) {
		if (end > len)
			end = len;
		cr_assert_eq(proto_text_parse(&st, &lim, &sink, line + off,
		    end - off, &n, NOW), PROTO_OK);
		off += n;
		if (end == len)
			break;
		/* Unconsumed bytes are offered again with the next read. */
	}
	cr_assert_eq(off, len);
	cr_assert_eq(nlocal, 0);
	cr_assert_lt(keys + 1, REC_MAX);
	cr_assert_eq((size_t)nrecs, keys + 1);
	cr_assert_str_eq(recs[keys].r_key, "tail");
	for (n = 0; n < keys; n++) {
		cr_assert_eq(recs[n].r_ctx.px_cmd, recs[0].r_ctx.px_cmd);
		cr_assert_eq(recs[n].r_ctx.px_last, n + 1 == keys,
		    "END after the last key only (%zu)", n);
	}
	cr_assert_eq(st.pt_getcont, 0);
	/* Any other long line is still refused. */
	setup();
	memset(line, 'x', lim.pl_line_max + 10);
	line[lim.pl_line_max + 10] = '\0';
	cr_assert_eq(feed(line, &used), PROTO_CLOSE);
	cr_assert_str_eq(local, "CLIENT_ERROR line too long\r\n");
}

Test(text, flush_disabled)
{
	size_t	used;

	lim.pl_flush = 0;
	cr_assert_eq(feed("flush_all\r\n", &used), PROTO_OK);
	cr_assert_str_eq(local, "CLIENT_ERROR flush_all not allowed\r\n");
	cr_assert_eq(nrecs, 0);
}

Test(text, local_replies)
{
	size_t	used;

	cr_assert_eq(feed("version\r\nbogus\r\n\r\nget\r\n", &used), PROTO_OK);
	cr_assert_str_eq(local, "VERSION " PRIVCACHED_MEMCACHED_LEVEL "\r\n"
	    "ERROR\r\nERROR\r\nERROR\r\n");
	setup();
	cr_assert_eq(feed("quit\r\nget a\r\n", &used), PROTO_CLOSE);
	cr_assert_eq(used, 6);
	cr_assert_eq(nrecs, 0, "nothing after quit runs");
}

Test(text, long_line_closes)
{
	char	big[4000];
	size_t	used;

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	cr_assert_eq(feed(big, &used), PROTO_CLOSE);
	cr_assert_str_eq(local, "CLIENT_ERROR line too long\r\n");
	setup();
	big[100] = '\0';
	cr_assert_eq(feed(big, &used), PROTO_OK, "short partial line waits");
	cr_assert_eq(used, 0);
}

static char *
reply(const struct proto_ctx *ctx, enum cache_status status,
    const char *key, const char *value, uint64_t cas)
{
	struct cache_rep	 rep;

	memset(&rep, 0, sizeof(rep));
	rep.rp_status = status;
	rep.rp_flags = 7;
	rep.rp_cas = cas;
	return (pt_reply(proto_text_reply, ctx, &rep, key, value));
}

Test(text, replies)
{
	size_t	used;

	cr_assert_eq(feed("get k\r\ngets k\r\nset k 0 0 1\r\nx\r\n"
	    "delete k\r\nincr k 1\r\ntouch k 1\r\nflush_all\r\n"
	    "set q 0 0 1 noreply\r\nx\r\n", &used), PROTO_OK);
	cr_assert_eq(nrecs, 8);
	cr_assert_str_eq(reply(&recs[0].r_ctx, CACHE_OK, "k", "abc", 9),
	    "VALUE k 7 3\r\nabc\r\nEND\r\n");
	cr_assert_str_eq(reply(&recs[0].r_ctx, CACHE_MISS, NULL, NULL, 0),
	    "END\r\n");
	cr_assert_str_eq(reply(&recs[1].r_ctx, CACHE_OK, "k", "abc", 9),
	    "VALUE k 7 3 9\r\nabc\r\nEND\r\n");
	cr_assert_str_eq(reply(&recs[2].r_ctx, CACHE_OK, NULL, NULL, 0),
	    "STORED\r\n");
	cr_assert_str_eq(reply(&recs[2].r_ctx, CACHE_NOT_STORED, NULL, NULL,
	    0), "NOT_STORED\r\n");
	cr_assert_str_eq(reply(&recs[2].r_ctx, CACHE_EXISTS, NULL, NULL, 0),
	    "EXISTS\r\n");
	cr_assert_str_eq(reply(&recs[2].r_ctx, CACHE_MISS, NULL, NULL, 0),
	    "NOT_FOUND\r\n");
	cr_assert_str_eq(reply(&recs[2].r_ctx, CACHE_NO_MEMORY, NULL, NULL,
	    0), "SERVER_ERROR out of memory storing object\r\n");
	cr_assert_str_eq(reply(&recs[3].r_ctx, CACHE_OK, NULL, NULL, 0),
	    "DELETED\r\n");
	cr_assert_str_eq(reply(&recs[3].r_ctx, CACHE_MISS, NULL, NULL, 0),
	    "NOT_FOUND\r\n");
	cr_assert_str_eq(reply(&recs[4].r_ctx, CACHE_OK, NULL, "42", 0),
	    "42\r\n");
	cr_assert_str_eq(reply(&recs[4].r_ctx, CACHE_NON_NUMERIC, NULL, NULL,
	    0), "CLIENT_ERROR cannot increment or decrement non-numeric "
	    "value\r\n");
	cr_assert_str_eq(reply(&recs[5].r_ctx, CACHE_OK, NULL, NULL, 0),
	    "TOUCHED\r\n");
	cr_assert_str_eq(reply(&recs[6].r_ctx, CACHE_OK, NULL, NULL, 0),
	    "OK\r\n");
	cr_assert_str_eq(reply(&recs[7].r_ctx, CACHE_OK, NULL, NULL, 0), "",
	    "noreply says nothing");
	cr_assert_str_eq(reply(&recs[2].r_ctx, CACHE_UNAVAILABLE, NULL, NULL,
	    0), "SERVER_ERROR storage unavailable\r\n");
}

Test(text, reply_output_cap)
{
	struct proto_ctx	 ctx;
	struct cache_rep	 rep;
	struct buf		 b;
	char			 value[600];

	memset(&ctx, 0, sizeof(ctx));
	ctx.px_kind = PROTO_TEXT;
	ctx.px_cmd = 1;		/* get */
	memset(&rep, 0, sizeof(rep));
	memset(&b, 0, sizeof(b));
	memset(value, 'v', sizeof(value));
	rep.rp_status = CACHE_OK;
	rep.rp_nkey = 1;
	rep.rp_nvalue = sizeof(value);
	cr_assert_eq(proto_text_reply(&ctx, &rep, "k", value, &b, 1000), 0);
	cr_assert_eq(proto_text_reply(&ctx, &rep, "k", value, &b, 1000), -1,
	    "past the cap");
	buf_free(&b);
}

Test(number, parsers)
{
	uint64_t	u;
	int64_t		i;

	cr_assert_eq(proto_parse_u64("0", 1, 10, &u), 0);
	cr_assert_eq(u, 0);
	cr_assert_eq(proto_parse_u64("18446744073709551615", 20, UINT64_MAX,
	    &u), 0);
	cr_assert_eq(u, UINT64_MAX);
	cr_assert_eq(proto_parse_u64("18446744073709551616", 20, UINT64_MAX,
	    &u), -1);
	cr_assert_eq(proto_parse_u64("11", 2, 10, &u), -1, "over max");
	cr_assert_eq(proto_parse_u64("", 0, 10, &u), -1);
	cr_assert_eq(proto_parse_u64("-1", 2, 10, &u), -1);
	cr_assert_eq(proto_parse_u64("+1", 2, 10, &u), -1);
	cr_assert_eq(proto_parse_u64(" 1", 2, 10, &u), -1);
	cr_assert_eq(proto_parse_u64("1a", 2, 10, &u), -1);
	cr_assert_eq(proto_parse_i64("-9223372036854775808", 20, INT64_MIN,
	    INT64_MAX, &i), 0);
	cr_assert_eq(i, INT64_MIN);
	cr_assert_eq(proto_parse_i64("9223372036854775808", 19, INT64_MIN,
	    INT64_MAX, &i), -1);
	cr_assert_eq(proto_parse_i64("-", 1, INT64_MIN, INT64_MAX, &i), -1);
	cr_assert_eq(proto_parse_i64("-5", 2, 0, 10, &i), -1, "under min");
}

Test(text, stats_requests)
{
	size_t	used;

	cr_assert_eq(feed("stats\r\n", &used), PROTO_OK);
	cr_assert_eq(stats_kind, PROTO_STATS_GENERAL);
	cr_assert_eq(feed("stats slabs\r\n", &used), PROTO_OK);
	cr_assert_eq(stats_kind, PROTO_STATS_SLABS);
	cr_assert_eq(feed("stats reset\r\n", &used), PROTO_OK);
	cr_assert_eq(stats_kind, PROTO_STATS_RESET);
	stats_kind = -1;
	cr_assert_eq(feed("stats nonsense\r\n", &used), PROTO_OK);
	cr_assert_eq(stats_kind, -1);
	cr_assert_str_eq(local, "ERROR\r\n");
}

static char	auth_user[64], auth_pass[300];

static int
rec_auth(void *arg, const char *user, size_t ulen, const char *pass,
    size_t plen)
{
	(void)arg;
	cr_assert_lt(ulen, sizeof(auth_user));
	cr_assert_lt(plen, sizeof(auth_pass));
	memcpy(auth_user, user, ulen);
	auth_user[ulen] = '\0';
	memcpy(auth_pass, pass, plen);
	auth_pass[plen] = '\0';
	return (strcmp(auth_user, "alice") == 0 &&
	    strcmp(auth_pass, "p w") == 0);
}

static enum proto_status
feed_auth(const char *s, size_t *used)
{
	struct proto_sink	as = sink;

	as.ps_auth = rec_auth;
	lim.pl_auth = 1;
	return (proto_text_parse(&st, &lim, &as, s, strlen(s), used, NOW));
}

Test(text, login_required)
{
	size_t	used;

	cr_assert_eq(feed_auth("get k\r\nmg k v\r\nversion\r\n", &used),
	    PROTO_OK);
	cr_assert_str_eq(local, "CLIENT_ERROR unauthenticated\r\n"
	    "CLIENT_ERROR unauthenticated\r\nCLIENT_ERROR unauthenticated\r\n");
	cr_assert_eq(nrecs, 0);
	setup();
	cr_assert_eq(feed_auth("set x 0 0 9\r\nalice bad\r\nget k\r\n",
	    &used), PROTO_OK);
	cr_assert_str_eq(auth_user, "alice");
	cr_assert_str_eq(auth_pass, "bad");
	cr_assert_str_eq(local, "CLIENT_ERROR authentication failure\r\n"
	    "CLIENT_ERROR unauthenticated\r\n");
	cr_assert_eq(nrecs, 0);
}

Test(text, login_then_commands)
{
	size_t	used;

	/* The password may hold spaces: only the first one splits. */
	cr_assert_eq(feed_auth("set x 0 0 9\r\nalice p w\r\nget k\r\n",
	    &used), PROTO_OK);
	cr_assert_str_eq(local, "STORED\r\n");
	cr_assert_eq(nrecs, 1, "the rest of the buffer runs once logged in");
	cr_assert_str_eq(recs[0].r_key, "k");
}

Test(text, login_blocks_are_never_run)
{
	size_t	used;

	cr_assert_eq(feed_auth("append k 0 0 7\r\nget a\r\n\r\n", &used),
	    PROTO_OK);
	cr_assert_str_eq(local, "CLIENT_ERROR unauthenticated\r\n");
	cr_assert_eq(nrecs, 0);
	setup();
	cr_assert_eq(feed_auth("ms k 5\r\nhello\r\n", &used), PROTO_CLOSE);
	setup();
	cr_assert_eq(feed_auth("set x 0 0 -1\r\n", &used), PROTO_CLOSE);
	setup();
	cr_assert_eq(feed_auth("set x 0 0 1000\r\n", &used), PROTO_OK);
	cr_assert_str_eq(local, "CLIENT_ERROR authentication failure\r\n");
	cr_assert_eq(st.pt_swallow, 1002, "an oversized login is dropped");
}

Test(text, value_line_numbers)
{
	size_t	used;

	cr_assert_eq(feed("gets k\r\n", &used), PROTO_OK);
	cr_assert_eq(nrecs, 1);
	cr_assert_str_eq(reply(&recs[0].r_ctx, CACHE_OK, "k", "", UINT64_MAX),
	    "VALUE k 7 0 18446744073709551615\r\n\r\nEND\r\n",
	    "zero, and the largest cas, written out in full");
}

static int	ntraced;

static void
count_trace(void *arg, const char *line, size_t len)
{
	(void)arg;
	(void)line;
	(void)len;
	ntraced++;
}

/* -vv: a set whose data comes in a later read is traced once. */
Test(text, trace_once_when_data_comes_later)
{
	struct proto_sink	tsink = sink;
	const char		*head = "set k 0 0 2\r\n";
	const char		*all = "set k 0 0 2\r\nab\r\n";
	size_t			 used;

	tsink.ps_trace = count_trace;
	cr_assert_eq(proto_text_parse(&st, &lim, &tsink, head, strlen(head),
	    &used, NOW), PROTO_OK);
	cr_assert_eq(used, 0, "the line waits for its data");
	cr_assert_eq(ntraced, 0);
	cr_assert_eq(proto_text_parse(&st, &lim, &tsink, all, strlen(all),
	    &used, NOW), PROTO_OK);
	cr_assert_eq(used, strlen(all));
	cr_assert_eq(ntraced, 1);
	cr_assert_eq(nrecs, 1);
}
