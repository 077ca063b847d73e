/*
 * memcached's text protocol (net child; no I/O): parses request lines and
 * data blocks into cache requests, and formats storage answers.  Replies and
 * error strings are those of doc/protocol.txt, byte for byte.  Every number
 * goes through the one strict parser; a data block whose length cannot be
 * trusted closes the connection rather than being run as commands.
 */

#include <stdint.h>
#include <string.h>

#include "compat.h"
#include "proto.h"
#include "version.h"
#include "wire.h"

#define TEXT_TOKENS_MAX		8

enum text_cmd {
	TEXT_GET = 1,
	TEXT_GETS,
	TEXT_GAT,
	TEXT_GATS,
	TEXT_SET,
	TEXT_ADD,
	TEXT_REPLACE,
	TEXT_APPEND,
	TEXT_PREPEND,
	TEXT_CAS,
	TEXT_DELETE,
	TEXT_INCR,
	TEXT_DECR,
	TEXT_TOUCH,
	TEXT_FLUSH,
	TEXT_STATS,
};



struct text_parser {
	struct proto_text_state		*tp_st;
	const struct proto_limits	*tp_lim;
	const struct proto_sink		*tp_sink;
	int64_t				 tp_now;
	int				 tp_failed;	/* a sink said no */
	int				 tp_authed;	/* may run commands */
	int				 tp_lines;	/* handled in this read */
};

static const char	str_error[] = "ERROR\r\n";
static const char	str_bad_format[] =
    "CLIENT_ERROR bad command line format\r\n";
static const char	str_bad_chunk[] = "CLIENT_ERROR bad data chunk\r\n";
static const char	str_too_large[] =
    "SERVER_ERROR object too large for cache\r\n";
static const char	str_line_too_long[] = "CLIENT_ERROR line too long\r\n";
static const char	str_bad_delta[] =
    "CLIENT_ERROR invalid numeric delta argument\r\n";
static const char	str_bad_exptime[] =
    "CLIENT_ERROR invalid exptime argument\r\n";
static const char	str_end[] = "END\r\n";
static const char	str_ok[] = "OK\r\n";
static const char	str_unavailable[] =
    "SERVER_ERROR storage unavailable\r\n";

#define LOCAL(tp, s)	text_local((tp), (s), sizeof(s) - 1)

static void
text_local(struct text_parser *tp, const char *s, size_t len)
{
	if (tp->tp_sink->ps_local(tp->tp_sink->ps_arg, s, len) == -1)
		tp->tp_failed = 1;
}

static void
text_storage(struct text_parser *tp, const struct cache_req *req,
    const void *key, const void *value, const struct proto_ctx *ctx)
{
	if (tp->tp_sink->ps_storage(tp->tp_sink->ps_arg, req, key, value,
	    ctx) == -1)
		tp->tp_failed = 1;
}

static void
text_ctx(struct proto_ctx *ctx, enum text_cmd cmd, int noreply)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->px_kind = PROTO_TEXT;
	ctx->px_cmd = cmd;
	ctx->px_noreply = noreply;
}

/* The next key of [*p, end) into *k, *klen; 0 when there is none. */
static int
text_next_key(const char **p, const char *end, const char **k, size_t *klen)
{
	const char	*q = *p;

	while (q < end && *q == ' ')
		q++;
	if (q == end)
		return (0);
	*k = q;
	while (q < end && *q != ' ')
		q++;
	*klen = q - *k;
	*p = q;
	return (1);
}

/* How many keys [p, end) holds, or -1 at the first that is not valid. */
static long
text_keys_check(const char *p, const char *end)
{
	const char	*k;
	size_t		 klen;
	long		 n = 0;

	while (text_next_key(&p, end, &k, &klen)) {
		if (!proto_key_valid(k, klen))
			return (-1);
		n++;
	}
	return (n);
}

/*
 * Asks storage for the nkeys keys of [p, end).  With ends, END follows the
 * last (or comes at once when a long key list's last piece holds none).
 */
static void
text_keys_ask(struct text_parser *tp, enum text_cmd cmd, int64_t exptime,
    const char *p, const char *end, long nkeys, int ends)
{
	struct cache_req	 req;
	struct proto_ctx	 ctx;
	const char		*k;
	size_t			 klen;

	if (nkeys == 0) {
		if (ends)
			LOCAL(tp, str_end);
		return;
	}
	memset(&req, 0, sizeof(req));
	req.cr_op = CACHE_OP_GET;
	req.cr_opts = CACHE_OPT_WANT_VALUE | CACHE_OPT_WANT_KEY;
	if (cmd == TEXT_GAT || cmd == TEXT_GATS) {
		req.cr_opts |= CACHE_OPT_TOUCH;
		req.cr_exptime = proto_exptime(exptime, tp->tp_now);
	}
	text_ctx(&ctx, cmd, 0);
	while (!tp->tp_failed && text_next_key(&p, end, &k, &klen)) {
		req.cr_nkey = klen;
		ctx.px_last = ends && --nkeys == 0;
		text_storage(tp, &req, k, NULL, &ctx);
	}
}

/* get, gets, gat, gats: every key checked before any is asked for. */
static enum proto_line
text_retrieve(struct text_parser *tp, enum text_cmd cmd, const char *line,
    size_t len)
{
	const char		*p = line, *end = line + len, *k;
	int64_t			 exptime = 0;
	long			 nkeys;
	size_t			 klen;

	/* Skip the command word. */
	while (p < end && *p != ' ')
		p++;
	if (cmd == TEXT_GAT || cmd == TEXT_GATS) {
		if (!text_next_key(&p, end, &k, &klen)) {
			LOCAL(tp, str_error);
			return (PROTO_LINE_DONE);
		}
		if (proto_parse_i64(k, klen, INT64_MIN, INT64_MAX,
		    &exptime) == -1) {
			LOCAL(tp, str_bad_exptime);
			return (PROTO_LINE_DONE);
		}
	}
	if ((nkeys = text_keys_check(p, end)) == -1) {
		LOCAL(tp, str_bad_format);
		return (PROTO_LINE_DONE);
	}
	if (nkeys == 0) {
		LOCAL(tp, str_error);
		return (PROTO_LINE_DONE);
	}
	text_keys_ask(tp, cmd, exptime, p, end, nkeys, 1);
	return (PROTO_LINE_DONE);
}

/*
 * memcached's get and gets take key lists of any length.  A line longer
 * than the limit that starts so is taken up to its last space: those keys
 * are asked for now and the rest of the line continues the list.  0, or -1
 * when the line is not such a list (it is then too long).
 */
static int
text_get_split(struct text_parser *tp, const char *line, size_t len,
    size_t *used)
{
	const char	*p = line, *end = line + len, *cut;
	enum text_cmd	 cmd = tp->tp_st->pt_getcont;
	long		 nkeys;

	if (cmd == 0) {
		if (len > 4 && memcmp(line, "get ", 4) == 0)
			cmd = TEXT_GET;
		else if (len > 5 && memcmp(line, "gets ", 5) == 0)
			cmd = TEXT_GETS;
		else
			return (-1);
		p += cmd == TEXT_GET ? 3 : 4;
	}
	for (cut = end; cut > p && cut[-1] != ' '; cut--)
		;
	if (cut == p || (nkeys = text_keys_check(p, cut)) == -1)
		return (-1);
	text_keys_ask(tp, cmd, 0, p, cut, nkeys, 0);
	tp->tp_st->pt_getcont = cmd;
	*used = cut - line;
	return (0);
}

/* The last piece of a long get line: its keys, then END. */
static enum proto_line
text_get_rest(struct text_parser *tp, const char *line, size_t len)
{
	enum text_cmd	cmd = tp->tp_st->pt_getcont;
	long		nkeys;

	tp->tp_st->pt_getcont = 0;
	if ((nkeys = text_keys_check(line, line + len)) == -1) {
		LOCAL(tp, str_bad_format);
		return (PROTO_LINE_DONE);
	}
	text_keys_ask(tp, cmd, 0, line, line + len, nkeys, 1);
	return (PROTO_LINE_DONE);
}

/*
 * A store refused for its size still goes to storage: memcached unlinks
 * the key's old value (no stale data outlives the refusal) and counts it
 * in store_too_large; storage answers CACHE_TOO_LARGE.
 */
static enum proto_line
text_too_large(struct text_parser *tp, enum text_cmd cmd,
    const struct proto_token *key, int noreply)
{
	struct cache_req	 req;
	struct proto_ctx	 ctx;

	if (!proto_key_valid(key->t_s, key->t_len)) {
		if (!noreply)
			LOCAL(tp, str_bad_format);
		return (PROTO_LINE_DONE);
	}
	memset(&req, 0, sizeof(req));
	req.cr_op = CACHE_OP_DELETE;
	req.cr_opts = CACHE_OPT_TOO_LARGE;
	req.cr_nkey = key->t_len;
	text_ctx(&ctx, cmd, noreply);
	text_storage(tp, &req, key->t_s, NULL, &ctx);
	return (PROTO_LINE_DONE);
}

/*
 * set/add/replace/append/prepend/cas.  The data block follows the line in
 * rest; *extra says how much of it was consumed.
 */
static enum proto_line
text_store(struct text_parser *tp, enum text_cmd cmd, struct proto_token *tok,
    size_t ntok, const char *rest, size_t restlen, size_t *extra)
{
	struct cache_req	 req;
	struct proto_ctx	 ctx;
	uint64_t		 flags, bytes, cas = 0;
	int64_t			 exptime;
	size_t			 nargs = (cmd == TEXT_CAS) ? 6 : 5;
	int			 noreply = 0;

	/* As memcached, a last token other than noreply is ignored. */
	if (ntok == nargs + 1)
		noreply = proto_tok_is(&tok[nargs], "noreply");
	else if (ntok != nargs) {
		/*
		 * memcached answers ERROR and runs the data block as
		 * commands; its length cannot be trusted: hang up instead.
		 */
		LOCAL(tp, str_error);
		return (PROTO_LINE_CLOSE);
	}
	/* memcached reads the length as a signed 32-bit number. */
	if (proto_parse_u64(tok[4].t_s, tok[4].t_len, INT32_MAX - 2,
	    &bytes) == -1) {
		if (!noreply)
			LOCAL(tp, str_bad_format);
		return (PROTO_LINE_CLOSE);
	}
	if (bytes > tp->tp_lim->pl_value_max) {
		/* Drop the block whatever it holds: it is data, not commands. */
		tp->tp_st->pt_swallow = bytes + 2;
		return (text_too_large(tp, cmd, &tok[1], noreply));
	}
	if (restlen < bytes + 2)
		return (PROTO_LINE_NEED_MORE);
	*extra = bytes + 2;
	if (!proto_key_valid(tok[1].t_s, tok[1].t_len) ||
	    proto_parse_u64(tok[2].t_s, tok[2].t_len, UINT32_MAX,
	    &flags) == -1 ||
	    proto_parse_i64(tok[3].t_s, tok[3].t_len, INT64_MIN, INT64_MAX,
	    &exptime) == -1 ||
	    (cmd == TEXT_CAS && proto_parse_u64(tok[5].t_s, tok[5].t_len,
	    UINT64_MAX, &cas) == -1)) {
		if (!noreply)
			LOCAL(tp, str_bad_format);
		return (PROTO_LINE_DONE);
	}
	if (rest[bytes] != '\r' || rest[bytes + 1] != '\n') {
		/* The length was wrong: what follows is not a command. */
		if (!noreply)
			LOCAL(tp, str_bad_chunk);
		return (PROTO_LINE_CLOSE);
	}
	memset(&req, 0, sizeof(req));
	req.cr_op = CACHE_OP_STORE;
	switch (cmd) {
	case TEXT_ADD:
		req.cr_mode = CACHE_STORE_ADD;
		break;
	case TEXT_REPLACE:
		req.cr_mode = CACHE_STORE_REPLACE;
		break;
	case TEXT_APPEND:
		req.cr_mode = CACHE_STORE_APPEND;
		break;
	case TEXT_PREPEND:
		req.cr_mode = CACHE_STORE_PREPEND;
		break;
	case TEXT_CAS:
		req.cr_mode = CACHE_STORE_SET;
		req.cr_opts |= CACHE_OPT_CAS;
		req.cr_cas = cas;
		break;
	default:
		req.cr_mode = CACHE_STORE_SET;
		break;
	}
	req.cr_flags = flags;
	req.cr_exptime = proto_exptime(exptime, tp->tp_now);
	req.cr_nkey = tok[1].t_len;
	req.cr_nvalue = bytes;
	text_ctx(&ctx, cmd, noreply);
	text_storage(tp, &req, tok[1].t_s, rest, &ctx);
	return (PROTO_LINE_DONE);
}

/* delete <key> [0] [noreply] */
static enum proto_line
text_delete(struct text_parser *tp, struct proto_token *tok, size_t ntok)
{
	struct cache_req	 req;
	struct proto_ctx	 ctx;
	int			 noreply = 0;

	/* memcached's command table sends other counts to ERROR. */
	if (ntok < 2 || ntok > 4) {
		LOCAL(tp, str_error);
		return (PROTO_LINE_DONE);
	}
	if (ntok > 2 && proto_tok_is(&tok[ntok - 1], "noreply")) {
		noreply = 1;
		ntok--;
	}
	/* Old clients send a hold time; only 0 still means anything. */
	if (ntok == 3 && proto_tok_is(&tok[2], "0"))
		ntok--;
	/* As memcached, a noreply command's errors are not sent either. */
	if (ntok != 2) {
		if (!noreply)
			LOCAL(tp, "CLIENT_ERROR bad command line format.  "
			    "Usage: delete <key> [noreply]\r\n");
		return (PROTO_LINE_DONE);
	}
	if (!proto_key_valid(tok[1].t_s, tok[1].t_len)) {
		if (!noreply)
			LOCAL(tp, str_bad_format);
		return (PROTO_LINE_DONE);
	}
	memset(&req, 0, sizeof(req));
	req.cr_op = CACHE_OP_DELETE;
	req.cr_nkey = tok[1].t_len;
	text_ctx(&ctx, TEXT_DELETE, noreply);
	text_storage(tp, &req, tok[1].t_s, NULL, &ctx);
	return (PROTO_LINE_DONE);
}

/* incr|decr <key> <delta> [noreply] */
static enum proto_line
text_arith(struct text_parser *tp, enum text_cmd cmd, struct proto_token *tok,
    size_t ntok)
{
	struct cache_req	 req;
	struct proto_ctx	 ctx;
	uint64_t		 delta;
	int			 noreply = 0;

	if (ntok == 4 && proto_tok_is(&tok[3], "noreply"))
		noreply = 1;
	else if (ntok != 3) {
		LOCAL(tp, str_error);
		return (PROTO_LINE_DONE);
	}
	if (!proto_key_valid(tok[1].t_s, tok[1].t_len)) {
		if (!noreply)
			LOCAL(tp, str_bad_format);
		return (PROTO_LINE_DONE);
	}
	if (proto_parse_u64(tok[2].t_s, tok[2].t_len, UINT64_MAX, &delta) ==
	    -1) {
		if (!noreply)
			LOCAL(tp, str_bad_delta);
		return (PROTO_LINE_DONE);
	}
	memset(&req, 0, sizeof(req));
	req.cr_op = CACHE_OP_ARITH;
	req.cr_mode = cmd == TEXT_INCR ? CACHE_ARITH_INCR : CACHE_ARITH_DECR;
	req.cr_opts = CACHE_OPT_WANT_VALUE;
	req.cr_delta = delta;
	req.cr_nkey = tok[1].t_len;
	text_ctx(&ctx, cmd, noreply);
	text_storage(tp, &req, tok[1].t_s, NULL, &ctx);
	return (PROTO_LINE_DONE);
}

/* touch <key> <exptime> [noreply] */
static enum proto_line
text_touch(struct text_parser *tp, struct proto_token *tok, size_t ntok)
{
	struct cache_req	 req;
	struct proto_ctx	 ctx;
	int64_t			 exptime;
	int			 noreply = 0;

	if (ntok == 4 && proto_tok_is(&tok[3], "noreply"))
		noreply = 1;
	else if (ntok != 3) {
		LOCAL(tp, str_error);
		return (PROTO_LINE_DONE);
	}
	if (!proto_key_valid(tok[1].t_s, tok[1].t_len)) {
		if (!noreply)
			LOCAL(tp, str_bad_format);
		return (PROTO_LINE_DONE);
	}
	if (proto_parse_i64(tok[2].t_s, tok[2].t_len, INT64_MIN, INT64_MAX,
	    &exptime) == -1) {
		if (!noreply)
			LOCAL(tp, str_bad_exptime);
		return (PROTO_LINE_DONE);
	}
	memset(&req, 0, sizeof(req));
	req.cr_op = CACHE_OP_TOUCH;
	req.cr_exptime = proto_exptime(exptime, tp->tp_now);
	req.cr_nkey = tok[1].t_len;
	text_ctx(&ctx, TEXT_TOUCH, noreply);
	text_storage(tp, &req, tok[1].t_s, NULL, &ctx);
	return (PROTO_LINE_DONE);
}

/* flush_all [delay] [noreply] */
static enum proto_line
text_flush(struct text_parser *tp, struct proto_token *tok, size_t ntok)
{
	struct cache_req	 req;
	struct proto_ctx	 ctx;
	int64_t			 delay = 0;
	int			 noreply = 0;

	if (ntok > 3) {
		LOCAL(tp, str_error);
		return (PROTO_LINE_DONE);
	}
	if (ntok > 1 && proto_tok_is(&tok[ntok - 1], "noreply"))
		noreply = 1;
	if (!tp->tp_lim->pl_flush) {
		if (!noreply)
			LOCAL(tp, "CLIENT_ERROR flush_all not allowed\r\n");
		return (PROTO_LINE_DONE);
	}
	/*
	 * As memcached, the delay is the first argument; a third token is
	 * ignored.  A negative delay flushes now.
	 */
	if (ntok != (size_t)(noreply ? 2 : 1) && proto_parse_i64(tok[1].t_s,
	    tok[1].t_len, INT64_MIN, INT64_MAX, &delay) == -1) {
		if (!noreply)
			LOCAL(tp, str_bad_exptime);
		return (PROTO_LINE_DONE);
	}
	memset(&req, 0, sizeof(req));
	req.cr_op = CACHE_OP_FLUSH;
	req.cr_exptime = delay > 0 ? proto_exptime(delay, tp->tp_now) : 0;
	text_ctx(&ctx, TEXT_FLUSH, noreply);
	text_storage(tp, &req, NULL, NULL, &ctx);
	return (PROTO_LINE_DONE);
}

/* verbosity <level> [noreply] */
static enum proto_line
text_verbosity(struct text_parser *tp, struct proto_token *tok, size_t ntok)
{
	uint64_t	level = 0;
	int		noreply = 0;

	if (ntok != 2 && ntok != 3) {
		LOCAL(tp, str_error);
		return (PROTO_LINE_DONE);
	}
	noreply = proto_tok_is(&tok[ntok - 1], "noreply");
	/* "verbosity noreply" is level 0, quietly, as in memcached. */
	if (!(ntok == 2 && noreply) && proto_parse_u64(tok[1].t_s,
	    tok[1].t_len, UINT32_MAX, &level) == -1) {
		if (!noreply)
			LOCAL(tp, str_bad_format);
		return (PROTO_LINE_DONE);
	}
	if (tp->tp_sink->ps_verbosity != NULL &&
	    tp->tp_sink->ps_verbosity(tp->tp_sink->ps_arg, (int)(level > 3 ?
	    3 : level)) == -1)
		tp->tp_failed = 1;
	if (!noreply)
		LOCAL(tp, str_ok);
	return (PROTO_LINE_DONE);
}

/* stats [items|slabs|sizes|settings|conns|reset] */
static enum proto_line
text_stats(struct text_parser *tp, struct proto_token *tok, size_t ntok)
{
	struct proto_ctx	ctx;
	int			kind = -1;

	if (ntok == 1)
		kind = PROTO_STATS_GENERAL;
	else if (ntok == 2 && tok[1].t_len > 0)
		kind = proto_stats_kind(tok[1].t_s, tok[1].t_len);
	if (kind == -1 || tp->tp_sink->ps_stats == NULL) {
		LOCAL(tp, str_error);
		return (PROTO_LINE_DONE);
	}
	text_ctx(&ctx, TEXT_STATS, 0);
	ctx.px_priv[0] = kind;
	if (tp->tp_sink->ps_stats(tp->tp_sink->ps_arg, kind, &ctx) == -1)
		tp->tp_failed = 1;
	return (PROTO_LINE_DONE);
}

/*
 * Before a login (-Y) only the login itself goes: a "set" whose data is
 * "user password", as memcached's ASCII authentication.  Other storage
 * commands have their block swallowed; anything else is refused.
 */
static enum proto_line
text_unauthed(struct text_parser *tp, enum text_cmd cmd, struct proto_token *tok,
    size_t ntok, const char *rest, size_t restlen, size_t *extra)
{
	static const char	 fail[] =
	    "CLIENT_ERROR authentication failure\r\n";
	static const char	 unauth[] = "CLIENT_ERROR unauthenticated\r\n";
	const char		*space;
	uint64_t		 bytes;
	size_t			 nargs = (cmd == TEXT_CAS) ? 6 : 5;

	switch (cmd) {
	case TEXT_SET:
	case TEXT_ADD:
	case TEXT_REPLACE:
	case TEXT_APPEND:
	case TEXT_PREPEND:
	case TEXT_CAS:
		break;
	default:
		LOCAL(tp, unauth);
		return (PROTO_LINE_DONE);
	}
	if ((ntok != nargs && ntok != nargs + 1) ||
	    proto_parse_u64(tok[4].t_s, tok[4].t_len, UINT32_MAX, &bytes) ==
	    -1) {
		LOCAL(tp, str_bad_format);
		return (PROTO_LINE_CLOSE);
	}
	if (cmd != TEXT_SET || bytes > PROTO_AUTH_MAX) {
		if (cmd != TEXT_SET)
			LOCAL(tp, unauth);
		else
			LOCAL(tp, fail);
		tp->tp_st->pt_swallow = bytes + 2;
		return (PROTO_LINE_DONE);
	}
	if (restlen < bytes + 2)
		return (PROTO_LINE_NEED_MORE);
	*extra = bytes + 2;
	if (rest[bytes] != '\r' || rest[bytes + 1] != '\n' ||
	    (space = memchr(rest, ' ', bytes)) == NULL ||
	    tp->tp_sink->ps_auth == NULL ||
	    tp->tp_sink->ps_auth(tp->tp_sink->ps_arg, rest, space - rest,
	    space + 1, bytes - (space + 1 - rest)) != 1) {
		LOCAL(tp, fail);
		return (PROTO_LINE_DONE);
	}
	tp->tp_authed = 1;
	LOCAL(tp, "STORED\r\n");
	return (PROTO_LINE_DONE);
}

/* mg ms md ma mn me: two letters, the first an m. */
static int
text_is_meta(const struct proto_token *t)
{
	return (t->t_len == 2 && t->t_s[0] == 'm' && strchr("gsdane",
	    t->t_s[1]) != NULL);
}

static const struct {
	const char	*name;
	enum text_cmd	 cmd;
} text_commands[] = {
	{ "get",	TEXT_GET },
	{ "gets",	TEXT_GETS },
	{ "gat",	TEXT_GAT },
	{ "gats",	TEXT_GATS },
	{ "set",	TEXT_SET },
	{ "add",	TEXT_ADD },
	{ "replace",	TEXT_REPLACE },
	{ "append",	TEXT_APPEND },
	{ "prepend",	TEXT_PREPEND },
	{ "cas",	TEXT_CAS },
	{ "delete",	TEXT_DELETE },
	{ "incr",	TEXT_INCR },
	{ "decr",	TEXT_DECR },
	{ "touch",	TEXT_TOUCH },
	{ "flush_all",	TEXT_FLUSH },
};

static enum proto_line
text_line(struct text_parser *tp, const char *line, size_t len,
    const char *rest, size_t restlen, size_t *extra)
{
	struct proto_token	tok[TEXT_TOKENS_MAX + 1];
	size_t		ntok, i;
	enum text_cmd	cmd = 0;

	*extra = 0;
	ntok = proto_tokenize(line, len, tok, TEXT_TOKENS_MAX);
	if (ntok == 0) {
		LOCAL(tp, str_error);
		return (PROTO_LINE_DONE);
	}
	if (!tp->tp_authed) {
		if (proto_tok_is(&tok[0], "quit") && ntok == 1) {
			tp->tp_st->pt_quit = 1;
			return (PROTO_LINE_CLOSE);
		}
		for (i = 0; i < sizeof(text_commands) /
		    sizeof(text_commands[0]); i++)
			if (proto_tok_is(&tok[0], text_commands[i].name))
				cmd = text_commands[i].cmd;
		if (ntok > TEXT_TOKENS_MAX)
			ntok = TEXT_TOKENS_MAX;
		/* ms carries a block whose framing is not trusted yet. */
		if (proto_tok_is(&tok[0], "ms")) {
			LOCAL(tp, "CLIENT_ERROR unauthenticated\r\n");
			return (PROTO_LINE_CLOSE);
		}
		return (text_unauthed(tp, cmd, tok, ntok, rest, restlen,
		    extra));
	}
	if (text_is_meta(&tok[0]))
		return (proto_meta_line(tp->tp_st, tp->tp_lim, tp->tp_sink,
		    tp->tp_now, line, len, rest, restlen, extra,
		    &tp->tp_failed));
	for (i = 0; i < nitems(text_commands); i++) {
		if (proto_tok_is(&tok[0], text_commands[i].name)) {
			cmd = text_commands[i].cmd;
			break;
		}
	}
	switch (cmd) {
	case TEXT_GET:
	case TEXT_GETS:
	case TEXT_GAT:
	case TEXT_GATS:
		/* Key lists are long: they are walked, not tokenized. */
		return (text_retrieve(tp, cmd, line, len));
	case TEXT_SET:
	case TEXT_ADD:
	case TEXT_REPLACE:
	case TEXT_APPEND:
	case TEXT_PREPEND:
	case TEXT_CAS:
		if (ntok > TEXT_TOKENS_MAX) {
			LOCAL(tp, str_bad_format);
			return (PROTO_LINE_CLOSE);
		}
		return (text_store(tp, cmd, tok, ntok, rest, restlen, extra));
	default:
		break;
	}
	/* Admin commands take key prefixes and class lists: not tokenized. */
	if (proto_admin_line(tp->tp_lim, tp->tp_sink, line, len,
	    tp->tp_lines > 1, &tp->tp_failed))
		return (PROTO_LINE_DONE);
	/* The handlers below look at tok[ntok - 1]: it must be filled. */
	if (ntok > TEXT_TOKENS_MAX) {
		LOCAL(tp, str_error);
		return (PROTO_LINE_DONE);
	}
	/* shutdown, verbosity and flush_all change the whole server. */
	if (tp->tp_lim->pl_settings != NULL && !tp->tp_lim->pl_admin &&
	    proto_admin_gated(tok[0].t_s, tok[0].t_len)) {
		if (tp->tp_sink->ps_admin_refused != NULL)
			tp->tp_sink->ps_admin_refused(tp->tp_sink->ps_arg);
		LOCAL(tp, "CLIENT_ERROR admin commands not allowed from this "
		    "address\r\n");
		return (PROTO_LINE_DONE);
	}
	switch (cmd) {
	case TEXT_DELETE:
		return (text_delete(tp, tok, ntok));
	case TEXT_INCR:
	case TEXT_DECR:
		return (text_arith(tp, cmd, tok, ntok));
	case TEXT_TOUCH:
		return (text_touch(tp, tok, ntok));
	case TEXT_FLUSH:
		return (text_flush(tp, tok, ntok));
	default:
		break;
	}
	/* memcached answers version whatever follows it. */
	if (proto_tok_is(&tok[0], "version")) {
		LOCAL(tp, "VERSION " PRIVCACHED_MEMCACHED_LEVEL "\r\n");
		return (PROTO_LINE_DONE);
	}
	if (proto_tok_is(&tok[0], "verbosity"))
		return (text_verbosity(tp, tok, ntok));
	if (proto_tok_is(&tok[0], "stats"))
		return (text_stats(tp, tok, ntok));
#ifdef TEST_HOOKS
	if (proto_tok_is(&tok[0], "misbehave") && ntok == 2 &&
	    tp->tp_sink->ps_misbehave != NULL) {
		if (tp->tp_sink->ps_misbehave(tp->tp_sink->ps_arg, tok[1].t_s,
		    tok[1].t_len) == -1)
			LOCAL(tp, str_error);
		else
			LOCAL(tp, str_ok);
		return (PROTO_LINE_DONE);
	}
#endif
	if (proto_tok_is(&tok[0], "quit") && ntok == 1) {
		tp->tp_st->pt_quit = 1;
		return (PROTO_LINE_CLOSE);
	}
	if (proto_tok_is(&tok[0], "shutdown")) {
		if (tp->tp_lim->pl_shutdown && ntok != 1 && !(ntok == 2 &&
		    proto_tok_is(&tok[1], "graceful"))) {
			LOCAL(tp, "CLIENT_ERROR invalid shutdown mode\r\n");
			return (PROTO_LINE_DONE);
		}
		switch (tp->tp_sink->ps_shutdown != NULL ?
		    tp->tp_sink->ps_shutdown(tp->tp_sink->ps_arg) : 0) {
		case 1:
			return (PROTO_LINE_CLOSE);
		case 0:
			LOCAL(tp, "ERROR: shutdown not enabled\r\n");
			return (PROTO_LINE_DONE);
		default:
			tp->tp_failed = 1;
			return (PROTO_LINE_DONE);
		}
	}
	/*
	 * A browser's request sent to the cache port (cross-protocol
	 * attacks): hang up without a byte, as memcached.
	 */
	if (tok[ntok - 1].t_len >= 5 && memcmp(tok[ntok - 1].t_s, "HTTP/",
	    5) == 0)
		return (PROTO_LINE_CLOSE);
	LOCAL(tp, str_error);
	return (PROTO_LINE_DONE);
}

enum proto_status
proto_text_parse(struct proto_text_state *st, const struct proto_limits *lim,
    const struct proto_sink *sink, const char *buf, size_t len, size_t *used,
    int64_t now)
{
	struct text_parser	 tp;
	const char		*line, *nl;
	size_t			 pos = 0, scan, linelen, extra, n;
	enum proto_line	 res;

	memset(&tp, 0, sizeof(tp));
	tp.tp_st = st;
	tp.tp_lim = lim;
	tp.tp_sink = sink;
	tp.tp_now = now;
	tp.tp_authed = !lim->pl_auth;
	while (pos < len && !tp.tp_failed) {
		if (st->pt_swallow > 0) {
			n = len - pos < st->pt_swallow ? len - pos :
			    st->pt_swallow;
			pos += n;
			st->pt_swallow -= n;
			continue;
		}
		line = buf + pos;
		scan = len - pos;
		if (scan > lim->pl_line_max + 1)
			scan = lim->pl_line_max + 1;
		if ((nl = memchr(line, '\n', scan)) == NULL) {
			if (len - pos > lim->pl_line_max && tp.tp_authed &&
			    text_get_split(&tp, line, lim->pl_line_max,
			    &n) == 0) {
				pos += n;
				continue;
			}
			if (len - pos > lim->pl_line_max) {
				LOCAL(&tp, str_line_too_long);
				*used = len;
				return (PROTO_CLOSE);
			}
			break;
		}
		linelen = nl - line;
		if (linelen > 0 && line[linelen - 1] == '\r')
			linelen--;
		extra = 0;
		tp.tp_lines++;
		if (st->pt_getcont != 0)
			res = text_get_rest(&tp, line, linelen);
		else
			res = text_line(&tp, line, linelen, nl + 1,
			    len - pos - (nl + 1 - line), &extra);
		if (res == PROTO_LINE_NEED_MORE)
			break;
		/* Once: a line whose data is still coming is parsed again. */
		if (sink->ps_trace != NULL)
			sink->ps_trace(sink->ps_arg, line, linelen);
		pos += (nl + 1 - line) + extra;
		if (res == PROTO_LINE_CLOSE) {
			*used = pos;
			return (PROTO_CLOSE);
		}
	}
	*used = pos;
	return (tp.tp_failed ? PROTO_CLOSE : PROTO_OK);
}

static int
text_put(struct buf *out, size_t max, const char *s, size_t len)
{
	return (buf_add(out, s, len, max));
}

#define PUT(out, max, s)	text_put((out), (max), (s), sizeof(s) - 1)

/*
 * " <decimal>": the VALUE line of every hit, so no printf on this path
 * (it was a noticeable share of the net child's time).
 */
static int
text_put_num(struct buf *out, size_t max, uint64_t v)
{
	char	digits[21], *p = digits + sizeof(digits);

	do {
		*--p = '0' + v % 10;
		v /= 10;
	} while (v != 0);
	*--p = ' ';
	return (text_put(out, max, p, digits + sizeof(digits) - p));
}

int
proto_text_reply(const struct proto_ctx *ctx, const struct cache_rep *rep,
    const void *key, const void *value, struct buf *out, size_t max)
{
	int	with_cas;

	switch (ctx->px_cmd) {
	case TEXT_GET:
	case TEXT_GETS:
	case TEXT_GAT:
	case TEXT_GATS:
		/* One failed key fails the command; the rest say nothing. */
		if (rep->rp_status == CACHE_UNAVAILABLE)
			return (ctx->px_last ? PUT(out, max, str_unavailable) :
			    0);
		if (rep->rp_status == CACHE_OK) {
			with_cas = ctx->px_cmd == TEXT_GETS ||
			    ctx->px_cmd == TEXT_GATS;
			if (buf_reserve(out, rep->rp_nkey + rep->rp_nvalue +
			    64, max) == -1 ||
			    PUT(out, max, "VALUE ") == -1 ||
			    text_put(out, max, key, rep->rp_nkey) == -1)
				return (-1);
			if (text_put_num(out, max, rep->rp_flags) == -1 ||
			    text_put_num(out, max, rep->rp_nvalue) == -1 ||
			    (with_cas && text_put_num(out, max,
			    rep->rp_cas) == -1) ||
			    PUT(out, max, "\r\n") == -1)
				return (-1);
			if (text_put(out, max, value, rep->rp_nvalue) == -1 ||
			    PUT(out, max, "\r\n") == -1)
				return (-1);
		}
		if (ctx->px_last)
			return (PUT(out, max, str_end));
		return (0);
	default:
		break;
	}
	if (ctx->px_noreply)
		return (0);
	switch (rep->rp_status) {
	case CACHE_NO_MEMORY:
		return (PUT(out, max,
		    "SERVER_ERROR out of memory storing object\r\n"));
	case CACHE_TOO_LARGE:
		return (PUT(out, max, str_too_large));
	case CACHE_UNAVAILABLE:
		return (PUT(out, max, str_unavailable));
	default:
		break;
	}
	switch (ctx->px_cmd) {
	case TEXT_SET:
	case TEXT_ADD:
	case TEXT_REPLACE:
	case TEXT_APPEND:
	case TEXT_PREPEND:
	case TEXT_CAS:
		switch (rep->rp_status) {
		case CACHE_OK:
			return (PUT(out, max, "STORED\r\n"));
		case CACHE_EXISTS:
			return (PUT(out, max, "EXISTS\r\n"));
		case CACHE_MISS:
			return (PUT(out, max, "NOT_FOUND\r\n"));
		default:
			return (PUT(out, max, "NOT_STORED\r\n"));
		}
	case TEXT_DELETE:
		if (rep->rp_status == CACHE_OK)
			return (PUT(out, max, "DELETED\r\n"));
		return (PUT(out, max, "NOT_FOUND\r\n"));
	case TEXT_TOUCH:
		if (rep->rp_status == CACHE_OK)
			return (PUT(out, max, "TOUCHED\r\n"));
		return (PUT(out, max, "NOT_FOUND\r\n"));
	case TEXT_INCR:
	case TEXT_DECR:
		switch (rep->rp_status) {
		case CACHE_OK:
			if (text_put(out, max, value, rep->rp_nvalue) == -1)
				return (-1);
			return (PUT(out, max, "\r\n"));
		case CACHE_NON_NUMERIC:
			return (PUT(out, max, "CLIENT_ERROR cannot increment "
			    "or decrement non-numeric value\r\n"));
		default:
			return (PUT(out, max, "NOT_FOUND\r\n"));
		}
	case TEXT_FLUSH:
		return (PUT(out, max, str_ok));
	default:
		return (PUT(out, max, "SERVER_ERROR unexpected reply\r\n"));
	}
}

int
proto_text_stat(const struct proto_ctx *ctx, const char *name,
    const char *value, struct buf *out, size_t max)
{
	(void)ctx;
	return (buf_printf(out, max, "STAT %s %s\r\n", name, value));
}

int
proto_text_stats_end(const struct proto_ctx *ctx, struct buf *out,
    size_t max)
{
	if (ctx->px_priv[0] == PROTO_STATS_RESET)
		return (PUT(out, max, "RESET\r\n"));
	return (PUT(out, max, str_end));
}
