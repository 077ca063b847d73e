/*
 * The protocol layer of the net child: parsers turn client bytes into cache
 * requests and replies the net child makes itself; composers turn storage
 * answers into client bytes.  No I/O and no process knowledge here, so the
 * unit tests and fuzzers link these files directly.
 */

#ifndef PRIVCACHED_PROTO_H
#define PRIVCACHED_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "msg.h"

/* Relative exptimes go up to 30 days; larger values are unix times. */
#define PROTO_REL_TIME_MAX	(60 * 60 * 24 * 30)

enum proto_kind {
	PROTO_TEXT = 1,
	PROTO_META,
	PROTO_BIN,
};

/* Bytes each protocol may keep per request, in its own layout. */
#define PROTO_PRIV_SIZE		96

/* What a protocol remembers about one request to answer it later. */
struct proto_ctx {
	uint8_t		 px_kind;	/* enum proto_kind */
	uint8_t		 px_cmd;	/* protocol's own command number */
	uint8_t		 px_noreply;
	uint8_t		 px_last;	/* text get: END follows */
	uint32_t	 px_pad;
	/* Private to the protocol named by px_kind (memcpy in and out). */
	uint64_t	 px_priv[PROTO_PRIV_SIZE / sizeof(uint64_t)];
};

/*
 * Run-time settings the admin commands change (net/proto_admin.c), as
 * stats settings shows them.  memcached's tuning knobs are kept and shown;
 * privcached's own LRU and crawler do not read them (README).
 */
struct proto_settings {
	uint32_t	ps_lru_crawler;		/* enabled */
	uint32_t	ps_crawler_sleep;	/* microseconds */
	uint32_t	ps_crawler_tocrawl;
	uint32_t	ps_slab_automove;	/* 0..2 */
	double		ps_automove_ratio;
	uint32_t	ps_hot_lru_pct;
	uint32_t	ps_warm_lru_pct;
	double		ps_hot_max_factor;
	double		ps_warm_max_factor;
	uint32_t	ps_lru_segmented;
	uint32_t	ps_temp_lru;
	int32_t		ps_temporary_ttl;
	uint32_t	ps_detail;		/* stats detail on */
	uint64_t	ps_maxbytes;		/* as cache_memlimit set it */
	uint32_t	ps_watch_off;		/* -W: no watch */
};

/* Limits a parser enforces before anything reaches storage. */
struct proto_limits {
	size_t		 pl_line_max;
	size_t		 pl_value_max;
	int		 pl_cas;
	int		 pl_flush;
	int		 pl_auth;	/* must log in before anything else */
	int		 pl_sasl;	/* binary SASL PLAIN offered */
	int		 pl_shutdown;	/* -A: shutdown may be asked for */
	int		 pl_admin;	/* may run admin commands */
	struct proto_settings *pl_settings;	/* NULL: no admin commands */
};

/* What an ASCII login may carry: "user password". */
#define PROTO_AUTH_MAX	(AUTH_USER_MAX + 1 + AUTH_PASS_MAX)

/*
 * Where a parser puts its work, supplied by the net child (and by tests).
 * ps_storage copies key and value at once; ps_local queues a reply in
 * request order.  Both return 0, or -1 when the connection must close.
 */
struct proto_sink {
	void	*ps_arg;
	int	(*ps_storage)(void *, const struct cache_req *,
		    const void *key, const void *value,
		    const struct proto_ctx *);
	int	(*ps_local)(void *, const void *, size_t);
	/* verbosity N: what the client asked; returns 0 or -1. */
	int	(*ps_verbosity)(void *, int);
	/*
	 * A statistics request (enum proto_stats): the net child gathers
	 * the pairs, then formats them with the protocol's stat functions,
	 * in order with the other replies.  0, or -1.
	 */
	int	(*ps_stats)(void *, int kind, const struct proto_ctx *);
	/*
	 * shutdown [graceful]: 1 if the server agreed to stop (-A), 0 if
	 * shutdown is not enabled, -1 when the connection must close.
	 */
	int	(*ps_shutdown)(void *);
	/* A login: 1 accepted (the connection may go on), 0 refused. */
	int	(*ps_auth)(void *, const char *user, size_t,
		    const char *pass, size_t);
	/*
	 * An admin command storage answers (net/admin.c): 0, or -1 when the
	 * connection must close.
	 */
	int	(*ps_admin)(void *, const struct cache_admin_req *,
		    const struct proto_ctx *);
	/* An admin command refused for the client's address (a counter). */
	void	(*ps_admin_refused)(void *);
	/* -vv: each request line as received, before it is handled. */
	void	(*ps_trace)(void *, const char *, size_t);
	/*
	 * watch: the connection becomes a log stream of the PROTO_WATCH_*
	 * events asked for (it says OK itself); 0, or -1 to close it.
	 */
	int	(*ps_watch)(void *, unsigned int);
#ifdef TEST_HOOKS
	/* Test builds only: "misbehave <what>" (see net/conn.c). */
	int	(*ps_misbehave)(void *, const char *, size_t);
#endif
};

/* What a watch connection asked to see. */
#define PROTO_WATCH_FETCHERS	0x01
#define PROTO_WATCH_MUTATIONS	0x02
#define PROTO_WATCH_EVICTIONS	0x04
#define PROTO_WATCH_CONNEVENTS	0x08
#define PROTO_WATCH_DELETIONS	0x10
/*
 * rawcmds, sysevents, proxyreqs, proxyevents, proxyuser: memcached 1.6.18
 * accepts them; here, as in a memcached without a proxy or crawler
 * events, they never log a line.
 */
#define PROTO_WATCH_SILENT	0x20

/*
 * memcached's uriencode: nkey bytes of key into out (3 * nkey + 1 bytes),
 * all but [A-Za-z0-9._~-] as %XX; the length written.
 */
size_t	proto_uriencode(const char *key, size_t nkey, char *out);

enum proto_stats {
	PROTO_STATS_GENERAL,
	PROTO_STATS_ITEMS,
	PROTO_STATS_SLABS,
	PROTO_STATS_SIZES,
	PROTO_STATS_SETTINGS,
	PROTO_STATS_CONNS,
	PROTO_STATS_RESET,
	PROTO_STATS_MAX
};

/* What handling one request line decided (text and meta). */
enum proto_line {
	PROTO_LINE_DONE,	/* line (and data block) consumed */
	PROTO_LINE_NEED_MORE,	/* data block incomplete: wait */
	PROTO_LINE_CLOSE,	/* consumed; close the connection */
};

enum proto_status {
	PROTO_OK,		/* consumed all complete requests */
	PROTO_CLOSE,		/* flush replies, then close */
};

/* Parser state that outlives one call. */
struct proto_text_state {
	size_t		pt_swallow;	/* refused data block bytes left */
	int		pt_getcont;	/* a long get's key list goes on */
	int		pt_quit;	/* the close asked for was a quit */
};

/*
 * Parses complete text/meta requests from buf.  *used says how many bytes
 * were consumed; the rest waits for more input.  PROTO_CLOSE after a
 * request that ends the connection (quit, a line past the limit, a length
 * that cannot be trusted) or a sink failure.
 */
enum proto_status
	proto_text_parse(struct proto_text_state *, const struct proto_limits *,
	    const struct proto_sink *, const char *buf, size_t len,
	    size_t *used, int64_t now);
/* Formats a text-protocol answer; 0, or -1 past max bytes in out. */
int	proto_text_reply(const struct proto_ctx *, const struct cache_rep *,
	    const void *key, const void *value, struct buf *out, size_t max);
/* One "STAT name value" line, and the END after the last. 0 or -1. */
int	proto_text_stat(const struct proto_ctx *, const char *name,
	    const char *value, struct buf *out, size_t max);
int	proto_text_stats_end(const struct proto_ctx *, struct buf *out,
	    size_t max);

/*
 * The meta commands (net/proto_meta.c), reached through the text parser:
 * one request line without its line ending, then the bytes after it (the
 * data block of ms).  *extra says how many of those were consumed; a sink
 * failure sets *failed.
 */
enum proto_line
	proto_meta_line(struct proto_text_state *, const struct proto_limits *,
	    const struct proto_sink *, int64_t now, const char *line,
	    size_t len, const char *rest, size_t restlen, size_t *extra,
	    int *failed);
/*
 * The admin commands of the text protocol (net/proto_admin.c): 1 if line
 * was one (answered or handed to ps_admin), 0 if not.  pipelined says
 * commands came before it in the same read.  *failed is set when a sink
 * failed.
 */
int	proto_admin_line(const struct proto_limits *,
	    const struct proto_sink *, const char *line, size_t len,
	    int pipelined, int *failed);
/* 1 if the text command word cmd needs an admin address. */
int	proto_admin_gated(const char *cmd, size_t len);
/*
 * Whether storage's answer to an admin command holds whole records that
 * say only what they may (keys, prefixes): 0, or -1.
 */
int	proto_admin_check(const struct cache_admin_hdr *, const void *recs,
	    size_t len);
/*
 * Formats storage's answer to an admin command for ctx, once
 * proto_admin_check passed it; 0, or -1 past max bytes in out.
 */
int	proto_admin_reply(const struct proto_ctx *,
	    const struct cache_admin_hdr *, const void *recs, size_t len,
	    struct buf *out, size_t max);

/* Formats a meta answer; 0, or -1 past max bytes in out. */
int	proto_meta_reply(const struct proto_ctx *, const struct cache_rep *,
	    const void *key, const void *value, struct buf *out, size_t max);

/* The binary protocol (net/proto_bin.c). */
struct proto_bin_state {
	size_t		pb_swallow;	/* refused body bytes left to drop */
	int		pb_quit;	/* the close asked for was a quit */
	/*
	 * The input held (part of) a SASL body, a password: the caller wipes
	 * it and clears this.  pb_swallow_login: what is swallowed is one.
	 */
	int		pb_login;
	int		pb_swallow_login;
};
/* As proto_text_parse, for binary packets. */
enum proto_status
	proto_bin_parse(struct proto_bin_state *, const struct proto_limits *,
	    const struct proto_sink *, const char *buf, size_t len,
	    size_t *used, int64_t now);
int	proto_bin_reply(const struct proto_ctx *, const struct cache_rep *,
	    const void *key, const void *value, struct buf *out, size_t max);
/* One stat packet, and the empty one that ends a stat reply. */
int	proto_bin_stat(const struct proto_ctx *, const char *name,
	    const char *value, struct buf *out, size_t max);
int	proto_bin_stats_end(const struct proto_ctx *, struct buf *out,
	    size_t max);

/* Shared by the protocols (net/proto.c). */

/* One space-separated word of a request line. */
struct proto_token {
	const char	*t_s;
	size_t		 t_len;
};
/*
 * Splits line on spaces into at most max tokens: how many, or max + 1
 * when there are more.
 */
size_t	proto_tokenize(const char *, size_t, struct proto_token *,
	    size_t max);
/* 1 if the token is exactly s. */
int	proto_tok_is(const struct proto_token *, const char *);

/* enum proto_stats for a stats group name ("" is general), or -1. */
int	proto_stats_kind(const char *, size_t);
/* Absolute expiry from a protocol exptime at now (see msg.h). */
int64_t	proto_exptime(int64_t exptime, int64_t now);
/* 1 if the key is 1..250 bytes without spaces or control characters. */
int	proto_key_valid(const char *, size_t);
/*
 * The one number parser: decimal digits only (a leading '-' where min < 0),
 * no sign for unsigned fields, no spaces, value within [min, max].
 * 0, or -1 when the token is not such a number.
 */
int	proto_parse_u64(const char *, size_t, uint64_t max, uint64_t *);
int	proto_parse_i64(const char *, size_t, int64_t min, int64_t max,
	    int64_t *);

#endif /* PRIVCACHED_PROTO_H */
