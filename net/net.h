/*
 * State shared by the files of the net child: connections, the replies
 * each is waiting for, and the request batch under construction.
 */

#ifndef PRIVCACHED_NET_H
#define PRIVCACHED_NET_H

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <event.h>
#include <stdint.h>

#include "buf.h"
#include "compat.h"
#include "imsgev.h"
#include "msg.h"
#include "proto.h"

struct conn;
struct access_addr;
struct tls;
struct watch_note;

/*
 * One reply a connection is owed, in request order.  A pending entry waits
 * for storage (p_waiting) or holds a reply the net child made itself.
 */
struct pending {
	TAILQ_ENTRY(pending)	 p_conn_entry;	/* on its connection */
	TAILQ_ENTRY(pending)	 p_flight_entry; /* sent to storage */
	struct conn		*p_conn;	/* NULL once it closed */
	uint64_t		 p_connid;
	int			 p_waiting;
	int			 p_stats_kind;	/* stats requests */
	struct proto_ctx	 p_ctx;
	char			*p_text;	/* local reply */
	size_t			 p_textlen;
	struct watch_note	*p_watch;	/* only while watched */
};
TAILQ_HEAD(pendingq, pending);

struct listener_ev {
	int			 le_fd;
	struct event		 le_ev;
	struct listener_conf	 le_conf;
	int			 le_armed;
};

#define CONN_CLOSING		0x01	/* close once output is written */
#define CONN_DIRTY		0x02	/* on the flush list */
#define CONN_BLOCKED		0x04	/* on the blocked list */
#define CONN_READ_OFF		0x08	/* read event not armed */
#define CONN_WRITE_ON		0x10	/* write event armed */
#define CONN_ABORT		0x20	/* reset, not close: cut off */
#define CONN_TLS_RWANTW		0x40	/* TLS read waits for writability */
#define CONN_TLS_WWANTR		0x80	/* TLS write waits for input */
#define CONN_TLS_SPEC		0x100	/* read event activated by us */
#define CONN_PEER_EOF		0x200	/* the client closed: say so, once */

struct conn {
	TAILQ_ENTRY(conn)	 c_entry;
	TAILQ_ENTRY(conn)	 c_dirty_entry;
	TAILQ_ENTRY(conn)	 c_blocked_entry;
	uint64_t		 c_id;
	int			 c_fd;
	int			 c_flags;
	int			 c_proto;	/* 0 until the first byte */
	struct event		 c_rev;
	struct event		 c_wev;
	struct buf		 c_in;
	struct buf		 c_out;
	struct pendingq		 c_pending;
	struct proto_text_state	 c_text;
	struct proto_bin_state	 c_bin;
	time_t			 c_last_cmd;
	struct listener_ev	*c_listener;
	struct access_addr	*c_access;
	struct sockaddr_storage	 c_ss;		/* the client's address */
	int			 c_authed;	/* logged in, or no -Y */
	time_t			 c_partial_since;	/* request incomplete */
	struct tls		*c_tls;		/* NULL: plaintext */
	int			 c_tls_ready;	/* handshake done */
	char			 c_peer[64];
	TAILQ_ENTRY(conn)	 c_watch_entry;	/* while a watcher */
	unsigned int		 c_watch;	/* PROTO_WATCH_*: a watcher */
	uint64_t		 c_watch_skipped;	/* lines not sent */
	int			 c_close_reason;	/* WATCH_CLOSE_* */
};

/* Why a connection closed, as watch connevents says it (memcached's). */
enum watch_close {
	WATCH_CLOSE_ERROR,
	WATCH_CLOSE_NORMAL,
	WATCH_CLOSE_IDLE,
	WATCH_CLOSE_SHUTDOWN,
	WATCH_CLOSE_MAX
};
TAILQ_HEAD(connq, conn);


/* net.c */
extern struct net_conf	 net_conf;
extern struct net_stats	 net_stats;
extern struct imsgev	 net_storage;
extern int		 net_storage_up;
extern time_t		 net_now;

/*
 * The files below call each other one way only, each calling those
 * listed after it: accept.c, conn_read.c, conn_timeout.c, conn_sink.c,
 * stats.c, batch.c, conn_reply.c, conn_io.c, conn.c, pending.c.
 */

/* accept.c */
/* Takes a listening socket from the parent; 0, or -1 with errno. */
int	conn_listener_add(int, const struct listener_conf *);
/* Starts (or after a pause, resumes) accepting on every listener. */
void	conn_listeners_resume(void);
void	conn_listeners_pause(void);
/* At the end of a pass: accepting again if -c paused it and a slot freed. */
void	conn_listeners_check(void);
/* Stops accepting and reading: a graceful stop. */
void	conn_drain(void);

/* conn_read.c */
/* The read and write events of a connection. */
void	conn_read(int, short, void *);
void	conn_write(int, short, void *);
/*
 * Reads once and parses.  1 if the socket may hold more, 0 if not (or the
 * connection stopped reading), -1 if the connection is gone.
 */
int	conn_read_once(struct conn *);

/* conn_timeout.c */
/*
 * The one-second tick: closes connections past -o idle_timeout or
 * request_timeout and frees the empty buffers of quiet ones.
 */
void	conn_idle_start(void);

/* conn_sink.c */
/*
 * Parses len bytes c has read: the bytes used (whole requests), or -1 if
 * that closed c.
 */
ssize_t	conn_parse(struct conn *, const char *, size_t);

/* stats.c */
/* A stats request from c; 0, or -1. */
int	stats_request(struct conn *, int kind, const struct proto_ctx *);
/* Handles one IMSG_CACHE_STATS; -1 if nothing asked for it. */
int	stats_reply(struct imsg *);
/* IMSG_CACHE_PEER_STATS: the other net children's counters; 0, or -1. */
int	stats_peers_reply(struct imsg *);
/* Starts sending this net child's counters to storage each second. */
void	stats_push_start(void);
/* Storage went away: waiting stats requests get an error. */
void	stats_fail_all(void);

#ifdef TEST_HOOKS
/* Test builds only: "misbehave <what>" (net/misbehave.c). */
int	net_misbehave(const char *what, size_t len);
/* "misbehave tlsvouch": every TLS verdict says the files work. */
extern int	misbehave_tls_vouch;
#endif

/* batch.c */
/* Appends one record to the open batch; 0, or -1 on failure. */
int	batch_add(struct conn *, const struct cache_req *, const void *key,
	    const void *value, const struct proto_ctx *);
/* Sends the open batch, if any. */
void	batch_close(void);
/* Handles one IMSG_CACHE_REP; -1 if it does not match what was sent. */
int	batch_reply(struct imsg *);
/* 1 while too many batches are in flight to read more requests. */
int	batch_throttled(void);
/* Storage went away: every waiting request gets SERVER_ERROR. */
void	batch_fail_all(void);

/* conn_reply.c */
/* Queues a reply the net child made; 0, or -1 (connection closing). */
int	conn_reply_local(struct conn *, const void *, size_t);
/*
 * p, the head of its connection's queue, is answered: fmt appends its
 * reply (0, or -1 past the output cap), then the replies that waited
 * behind it follow.  p is released.
 */
void	conn_complete(struct pending *, int (*fmt)(struct conn *,
	    const struct proto_ctx *, void *), void *);
/* Storage answered p. */
void	conn_reply_storage(struct pending *, const struct cache_rep *,
	    const void *key, const void *value);

/* conn_io.c */
/* The TLS handshake: 1 when done, 0 to wait, -1 if c is gone. */
int	conn_tls_handshake(struct conn *);
/* One read, as read(2); errno EAGAIN when there is nothing yet. */
ssize_t	conn_sock_read(struct conn *, void *, size_t);
/* Writes what c has; -1 if that closed it. */
int	conn_flush(struct conn *);
/* Writes the output of every connection marked dirty. */
void	conn_flush_dirty(void);

/* conn.c */
/* Every open connection, for stats conns. */
struct conn	*conn_first(void);
struct conn	*conn_next(struct conn *);
int	conn_count(void);
/* c watches what (PROTO_WATCH_*), or no longer (0): keeps the count. */
void	conn_watch_set(struct conn *, unsigned int what);
/* Connections watching evictions, which storage must be asked for. */
extern unsigned int	watch_evict_count;
/*
 * Queues a log line on every watcher of what, within its bound; a watcher
 * whose bound is reached counts it skipped.
 */
void	conn_watch_emit(unsigned int what, const char *line, size_t len);
/* n lines of what were lost before they reached us: each watcher's. */
void	conn_watch_skip(unsigned int what, uint64_t n);
/* A new connection joins the table. */
void	conn_add(struct conn *);
void	conn_close(struct conn *);
/* c has output for the end of the pass. */
void	conn_mark_dirty(struct conn *);
struct conn	*conn_dirty_pop(void);
void	conn_read_off(struct conn *);
void	conn_read_on(struct conn *);
/* c waits, not reading, until storage catches up. */
void	conn_block(struct conn *);
struct conn	*conn_blocked_pop(void);
/* From now on no connection starts reading again. */
void	conn_drain_begin(void);
int	conn_is_draining(void);
/* 1 when no connection is owed a reply or has output left. */
int	conn_all_answered(void);

/* pending.c */
struct pending	*pending_get(void);
void	 pending_put(struct pending *);

/* admin.c */
/* The admin commands' settings, as stats settings shows them. */
extern struct proto_settings	admin_settings;
/* 1 if a client at sa may run admin commands. */
int	admin_allowed(const struct sockaddr *);
/* An admin command storage answers, from c; 0, or -1. */
int	admin_request(struct conn *, const struct cache_admin_req *,
	    const struct proto_ctx *);
/* Handles one IMSG_CACHE_ADMIN; -1 if it is not a valid answer. */
int	admin_reply(struct imsg *);
/* Storage went away: waiting admin requests get an error. */
void	admin_fail_all(void);
/* Handles one IMSG_CACHE_MEMLIMIT; -1 if the limit cannot be storage's. */
int	admin_memlimit(struct imsg *);

/* watch.c */
/*
 * Connections watching (counted in conn.c): the one test the reply path
 * pays otherwise.
 */
extern unsigned int	watch_count;
/* While watched: keeps what p asked for its log line. */
void	watch_note(struct pending *, const struct cache_req *, const void *);
/* Storage answered p, which has a note: the log line to the watchers. */
void	watch_reply(struct pending *, const struct cache_rep *);
/* A new storage child: it knows nothing of our watchers yet. */
void	watch_storage_new(void);
/* At the end of a pass: tells storage what the watchers want, if new. */
void	watch_sync(void);
/* Handles one IMSG_CACHE_EVICTED; -1 if it is not a valid report. */
int	watch_evicted(struct imsg *);

/* watch_line.c */
/* The longest line: an item line with a key of 250 bytes, encoded. */
#define WATCH_LINE_MAX		(3 * KEY_MAX_LENGTH + 256)
/* The "ts=... gid=... " every line starts with; its length, or -1. */
int	watch_line_head(char *, size_t);
/* The conn_new (closed 0) or conn_close line of c; its length, or -1. */
int	watch_line_conn(char *, size_t, const struct conn *, int closed);

#endif /* PRIVCACHED_NET_H */
