/*
 * watch connections (net child): memcached's log lines for the fetches and
 * stores this net child answers, queued on each watcher within a bound.
 */

#include <sys/types.h>
#include <sys/time.h>

#include <event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "net.h"
#include "wire.h"

/* memcached's watcher_logbuf_size: unread lines past it are skipped. */
#define WATCH_BUF_MAX		262144
#define WATCH_LINE_MAX		(3 * KEY_MAX_LENGTH + 256)

/* What a request was, kept only while somebody watches. */
struct watch_note {
	uint8_t		wn_op;
	uint8_t		wn_mode;
	uint16_t	wn_opts;
	uint32_t	wn_nkey;
	uint32_t	wn_nvalue;
	char		wn_key[KEY_MAX_LENGTH];
};

static uint64_t		watch_gid;

void
watch_note(struct pending *p, const struct cache_req *req, const void *key)
{
	struct watch_note	*wn;

	if ((req->cr_op != CACHE_OP_GET && req->cr_op != CACHE_OP_STORE) ||
	    req->cr_nkey > KEY_MAX_LENGTH)
		return;
	if ((wn = malloc(sizeof(*wn))) == NULL) {
		/* The line is lost, the request is not. */
		log_warn("watch note");
		return;
	}
	wn->wn_op = req->cr_op;
	wn->wn_mode = req->cr_mode;
	wn->wn_opts = req->cr_opts;
	wn->wn_nkey = req->cr_nkey;
	wn->wn_nvalue = req->cr_nvalue;
	memcpy(wn->wn_key, key, req->cr_nkey);
	p->p_watch = wn;
}

/* Appends line to every watcher of what; a full one counts it skipped. */
static void
watch_emit(unsigned int what, const char *line, size_t len)
{
	struct conn	*w;
	char		 skip[48];
	int		 n = 0;

	for (w = conn_first(); w != NULL; w = conn_next(w)) {
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

static const char *
watch_store_status(uint8_t st)
{
	switch (st) {
	case CACHE_OK:
		return ("stored");
	case CACHE_NOT_STORED:
		return ("not_stored");
	case CACHE_EXISTS:
		return ("exists");
	case CACHE_MISS:
		return ("not_found");
	case CACHE_TOO_LARGE:
		return ("too_large");
	case CACHE_NO_MEMORY:
		return ("no_memory");
	default:
		return (NULL);
	}
}

void
watch_reply(struct pending *p, const struct cache_rep *rep)
{
	static const char *const cmds[CACHE_STORE_MAX] = {
		"set", "add", "replace", "append", "prepend",
	};
	struct watch_note	*wn = p->p_watch;
	struct timeval		 tv;
	char			 key[3 * KEY_MAX_LENGTH + 1];
	char			 line[WATCH_LINE_MAX];
	const char		*st, *cmd;
	int			 n;

	gettimeofday(&tv, NULL);
	proto_uriencode(wn->wn_key, wn->wn_nkey, key);
	if (wn->wn_op == CACHE_OP_GET) {
		if (rep->rp_status != CACHE_OK && rep->rp_status != CACHE_MISS)
			return;
		n = snprintf(line, sizeof(line), "ts=%lld.%d gid=%llu "
		    "type=item_get key=%s status=%s clsid=%u cfd=%d "
		    "size=%u\n", (long long)tv.tv_sec, (int)tv.tv_usec,
		    (unsigned long long)++watch_gid, key,
		    rep->rp_status == CACHE_OK ? "found" : "not_found",
		    (unsigned int)rep->rp_clsid, p->p_conn->c_fd,
		    rep->rp_status == CACHE_OK ? rep->rp_vlen : 0);
		if (n > 0 && (size_t)n < sizeof(line))
			watch_emit(PROTO_WATCH_FETCHERS, line, (size_t)n);
		return;
	}
	if ((st = watch_store_status(rep->rp_status)) == NULL)
		return;
	if (wn->wn_opts & CACHE_OPT_CAS)
		cmd = "cas";
	else if (wn->wn_mode < CACHE_STORE_MAX)
		cmd = cmds[wn->wn_mode];
	else
		cmd = "na";
	n = snprintf(line, sizeof(line), "ts=%lld.%d gid=%llu "
	    "type=item_store key=%s status=%s cmd=%s ttl=%lld clsid=%u "
	    "cfd=%d size=%u\n", (long long)tv.tv_sec, (int)tv.tv_usec,
	    (unsigned long long)++watch_gid, key, st, cmd,
	    rep->rp_status == CACHE_OK && rep->rp_ttl > 0 ?
	    (long long)rep->rp_ttl : 0LL,
	    (unsigned int)rep->rp_clsid, p->p_conn->c_fd, wn->wn_nvalue);
	if (n > 0 && (size_t)n < sizeof(line))
		watch_emit(PROTO_WATCH_MUTATIONS, line, (size_t)n);
}
