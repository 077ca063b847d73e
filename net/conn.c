/*
 * The connection table (net child): every open connection, the lists of
 * those with output to write and those paused while storage catches up,
 * and closing one.  The other conn_*.c files and accept.c build on it;
 * it calls none of them.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <tls.h>
#include <unistd.h>

#include "access.h"
#include "log.h"
#include "net.h"
#include "wire.h"

static struct connq	 conns = TAILQ_HEAD_INITIALIZER(conns);
static struct connq	 conns_dirty = TAILQ_HEAD_INITIALIZER(conns_dirty);
static struct connq	 conns_blocked = TAILQ_HEAD_INITIALIZER(conns_blocked);
static int		 nconns;
static int		 draining;	/* a graceful stop began */

int
conn_count(void)
{
	return (nconns);
}

/*
 * Kept here, not in watch.c: closing a watcher is part of closing, and
 * this file calls none of the others.
 */
unsigned int	watch_count;
unsigned int	watch_evict_count;
/* Lines go to these only: many clients cost a watcher nothing. */
static struct connq	 watchers = TAILQ_HEAD_INITIALIZER(watchers);

void
conn_watch_set(struct conn *c, unsigned int what)
{
	if (c->c_watch == 0 && what != 0) {
		watch_count++;
		net_stats.ns_log_watchers++;
		TAILQ_INSERT_TAIL(&watchers, c, c_watch_entry);
	} else if (c->c_watch != 0 && what == 0) {
		watch_count--;
		net_stats.ns_log_watchers--;
		TAILQ_REMOVE(&watchers, c, c_watch_entry);
	}
	if ((c->c_watch & PROTO_WATCH_EVICTIONS) &&
	    !(what & PROTO_WATCH_EVICTIONS))
		watch_evict_count--;
	else if (!(c->c_watch & PROTO_WATCH_EVICTIONS) &&
	    (what & PROTO_WATCH_EVICTIONS))
		watch_evict_count++;
	c->c_watch = what;
}

/* memcached's watcher_logbuf_size: unread lines past it are skipped. */
#define WATCH_BUF_MAX		262144

void
conn_watch_emit(unsigned int what, const char *line, size_t len)
{
	struct conn	*w;
	char		 skip[48];
	int		 n = 0;

	TAILQ_FOREACH(w, &watchers, c_watch_entry) {
		if (!(w->c_watch & what) || (w->c_flags & CONN_CLOSING))
			continue;
		if (w->c_watch_skipped > 0)
			n = snprintf(skip, sizeof(skip), "skipped=%llu\n",
			    (unsigned long long)w->c_watch_skipped);
		if (!TAILQ_EMPTY(&w->c_pending) || buf_used(&w->c_out) +
		    len + (w->c_watch_skipped > 0 ? (size_t)n : 0) >
		    WATCH_BUF_MAX) {
			w->c_watch_skipped++;
			net_stats.ns_log_watcher_skipped++;
			continue;
		}
		if ((w->c_watch_skipped > 0 && buf_add(&w->c_out, skip,
		    (size_t)n, WATCH_BUF_MAX) == -1) ||
		    buf_add(&w->c_out, line, len, WATCH_BUF_MAX) == -1)
			fatal("watch line");
		w->c_watch_skipped = 0;
		net_stats.ns_log_watcher_sent++;
		conn_mark_dirty(w);
	}
}

void
conn_watch_skip(unsigned int what, uint64_t n)
{
	struct conn	*w;

	TAILQ_FOREACH(w, &watchers, c_watch_entry)
		if (w->c_watch & what) {
			w->c_watch_skipped += n;
			net_stats.ns_log_watcher_skipped += n;
		}
}

/* watch connevents: c opened (closed 0) or is closing. */
static void
conn_watch_event(const struct conn *c, int closed)
{
	char	line[WATCH_LINE_MAX];
	int	n;

	if ((n = watch_line_conn(line, sizeof(line), c, closed)) == -1)
		return;
	conn_watch_emit(PROTO_WATCH_CONNEVENTS, line, (size_t)n);
}

struct conn *
conn_first(void)
{
	return (TAILQ_FIRST(&conns));
}

struct conn *
conn_next(struct conn *c)
{
	return (TAILQ_NEXT(c, c_entry));
}

void
conn_mark_dirty(struct conn *c)
{
	if (c->c_flags & CONN_DIRTY)
		return;
	c->c_flags |= CONN_DIRTY;
	TAILQ_INSERT_TAIL(&conns_dirty, c, c_dirty_entry);
}

void
conn_read_off(struct conn *c)
{
	if (c->c_flags & CONN_READ_OFF)
		return;
	event_del(&c->c_rev);
	c->c_flags |= CONN_READ_OFF;
}

void
conn_read_on(struct conn *c)
{
	if (!(c->c_flags & CONN_READ_OFF) || (c->c_flags & CONN_CLOSING) ||
	    draining)
		return;
	event_add(&c->c_rev, NULL);
	c->c_flags &= ~CONN_READ_OFF;
	/* libtls may hold input the socket no longer signals. */
	if (c->c_tls != NULL) {
		c->c_flags |= CONN_TLS_SPEC;
		event_active(&c->c_rev, EV_READ, 1);
	}
}

void
conn_add(struct conn *c)
{
	TAILQ_INSERT_TAIL(&conns, c, c_entry);
	nconns++;
	net_stats.ns_curr_conns++;
	net_stats.ns_total_conns++;
	if (watch_count > 0)
		conn_watch_event(c, 0);
}

struct conn *
conn_dirty_pop(void)
{
	struct conn	*c;

	if ((c = TAILQ_FIRST(&conns_dirty)) != NULL) {
		TAILQ_REMOVE(&conns_dirty, c, c_dirty_entry);
		c->c_flags &= ~CONN_DIRTY;
	}
	return (c);
}

void
conn_block(struct conn *c)
{
	conn_read_off(c);
	if (!(c->c_flags & CONN_BLOCKED)) {
		c->c_flags |= CONN_BLOCKED;
		TAILQ_INSERT_TAIL(&conns_blocked, c, c_blocked_entry);
	}
}

struct conn *
conn_blocked_pop(void)
{
	struct conn	*c;

	if ((c = TAILQ_FIRST(&conns_blocked)) != NULL) {
		TAILQ_REMOVE(&conns_blocked, c, c_blocked_entry);
		c->c_flags &= ~CONN_BLOCKED;
	}
	return (c);
}

void
conn_drain_begin(void)
{
	draining = 1;
}

int
conn_is_draining(void)
{
	return (draining);
}

void
conn_close(struct conn *c)
{
	struct pending	*p;

	log_debug("connection %llu from %s closed%s",
	    (unsigned long long)c->c_id, c->c_peer,
	    c->c_flags & CONN_PEER_EOF ? " by peer" : "");
	/*
	 * A client cut off for not reading would never see our FIN behind
	 * the data it leaves unread, and the kernel would keep that data:
	 * reset the connection instead.
	 */
	if (c->c_flags & CONN_ABORT) {
		struct linger	l = { 1, 0 };

		(void)setsockopt(c->c_fd, SOL_SOCKET, SO_LINGER, &l,
		    sizeof(l));
	}
	/* Unconditionally: an activated read event is pending too. */
	event_del(&c->c_rev);
	if (c->c_flags & CONN_WRITE_ON)
		event_del(&c->c_wev);
	if (c->c_tls != NULL) {
		/* One try at close_notify; a client that does not read loses it. */
		if (!(c->c_flags & CONN_ABORT))
			(void)tls_close(c->c_tls);
		tls_free(c->c_tls);
	}
	conn_watch_set(c, 0);
	if (watch_count > 0) {
		if (c->c_flags & CONN_PEER_EOF)
			c->c_close_reason = WATCH_CLOSE_NORMAL;
		conn_watch_event(c, 1);
	}
	close(c->c_fd);
	while ((p = TAILQ_FIRST(&c->c_pending)) != NULL) {
		TAILQ_REMOVE(&c->c_pending, p, p_conn_entry);
		/* Storage still owes an answer: the batch FIFO frees it. */
		if (p->p_waiting)
			p->p_conn = NULL;
		else
			pending_put(p);
	}
	if (c->c_flags & CONN_DIRTY)
		TAILQ_REMOVE(&conns_dirty, c, c_dirty_entry);
	if (c->c_flags & CONN_BLOCKED)
		TAILQ_REMOVE(&conns_blocked, c, c_blocked_entry);
	TAILQ_REMOVE(&conns, c, c_entry);
	buf_free(&c->c_in);
	buf_free(&c->c_out);
	access_release(c->c_access);
	free(c);
	nconns--;
	net_stats.ns_curr_conns--;
}

int
conn_all_answered(void)
{
	struct conn	*c;

	TAILQ_FOREACH(c, &conns, c_entry)
		if (!TAILQ_EMPTY(&c->c_pending) || buf_used(&c->c_out) > 0)
			return (0);
	return (1);
}
