/*
 * watch connections (net child): memcached's log lines for the fetches,
 * stores and deletes this net child answers and the evictions storage
 * reports, and telling storage when its watchers want evictions.
 */

#include <sys/types.h>

#include <event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "net.h"
#include "wire.h"

/* What a request was, kept only while somebody watches. */
struct watch_note {
	uint8_t		wn_op;
	uint8_t		wn_mode;
	uint16_t	wn_opts;
	uint8_t		wn_kind;	/* enum proto_kind */
	uint32_t	wn_nkey;
	uint32_t	wn_nvalue;
	char		wn_key[KEY_MAX_LENGTH];
};

/* What storage was last told (IMSG_CACHE_WATCH); -1: nothing yet. */
static int64_t		watch_told = -1;

void
watch_note(struct pending *p, const struct cache_req *req, const void *key)
{
	struct watch_note	*wn;

	if ((req->cr_op != CACHE_OP_GET && req->cr_op != CACHE_OP_STORE &&
	    req->cr_op != CACHE_OP_DELETE) || req->cr_nkey > KEY_MAX_LENGTH)
		return;
	if ((wn = malloc(sizeof(*wn))) == NULL) {
		/* The line is lost, the request is not. */
		log_warn("watch note");
		return;
	}
	wn->wn_op = req->cr_op;
	wn->wn_mode = req->cr_mode;
	wn->wn_opts = req->cr_opts;
	wn->wn_kind = p->p_ctx.px_kind;
	wn->wn_nkey = req->cr_nkey;
	wn->wn_nvalue = req->cr_nvalue;
	memcpy(wn->wn_key, key, req->cr_nkey);
	p->p_watch = wn;
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

/*
 * memcached's item_get status: a lookup that found an expired or flushed
 * item says which (wire_get_rep checked the reason's range).
 */
static const char *
watch_get_status(int hit, uint8_t info)
{
	static const char *const gone[CACHE_GONE_MAX] = {
		"not_found", "expired", "flushed",
	};

	return (hit ? "found" : gone[CACHE_INFO_GONE(info)]);
}

/* The item_store line's text after the head; its length, or -1. */
static int
watch_store_line(char *line, size_t size, const struct watch_note *wn,
    const struct pending *p, const struct cache_rep *rep, const char *key)
{
	static const char *const cmds[CACHE_STORE_MAX] = {
		"set", "add", "replace", "append", "prepend",
	};
	const char	*st, *cmd;

	if ((st = watch_store_status(rep->rp_status)) == NULL)
		return (-1);
	if (wn->wn_opts & CACHE_OPT_CAS)
		cmd = "cas";
	else if (wn->wn_mode < CACHE_STORE_MAX)
		cmd = cmds[wn->wn_mode];
	else
		cmd = "na";
	return (snprintf(line, size, "type=item_store key=%s status=%s "
	    "cmd=%s ttl=%lld clsid=%u cfd=%d size=%u\n", key, st, cmd,
	    rep->rp_status == CACHE_OK && rep->rp_ttl > 0 ?
	    (long long)rep->rp_ttl : 0LL, (unsigned int)rep->rp_clsid,
	    p->p_conn->c_fd, wn->wn_nvalue));
}

/* The item_get line of the lookup a store made. */
static void
watch_store_lookup(const struct pending *p, const struct cache_rep *rep,
    const char *key)
{
	char	line[WATCH_LINE_MAX];
	int	h, n;
	int	old = (rep->rp_info & CACHE_INFO_OLD) != 0;

	if ((h = watch_line_head(line, sizeof(line))) == -1)
		return;
	n = snprintf(line + h, sizeof(line) - h, "type=item_get key=%s "
	    "status=%s clsid=%u cfd=%d size=%u\n", key,
	    watch_get_status(old, rep->rp_info),
	    old ? (unsigned int)rep->rp_old_clsid : 0U, p->p_conn->c_fd,
	    old ? rep->rp_old_vlen : 0);
	if (n > 0 && (size_t)n < sizeof(line) - h)
		conn_watch_emit(PROTO_WATCH_FETCHERS, line, (size_t)(h + n));
}

void
watch_reply(struct pending *p, const struct cache_rep *rep)
{
	struct watch_note	*wn = p->p_watch;
	char			 key[3 * KEY_MAX_LENGTH + 1];
	char			 line[WATCH_LINE_MAX];
	unsigned int		 what;
	int			 h, n, hit;

	/* What memcached logs nothing for. */
	switch (wn->wn_op) {
	case CACHE_OP_GET:
		if (rep->rp_status != CACHE_OK && rep->rp_status != CACHE_MISS)
			return;
		what = PROTO_WATCH_FETCHERS;
		break;
	case CACHE_OP_DELETE:
		/*
		 * What delete and md remove, not a binary delete, nor an md
		 * that only marks the item stale.
		 */
		if (rep->rp_status != CACHE_OK || wn->wn_kind == PROTO_BIN ||
		    (wn->wn_opts & CACHE_OPT_INVALIDATE))
			return;
		what = PROTO_WATCH_DELETIONS;
		break;
	default:
		if (watch_store_status(rep->rp_status) == NULL)
			return;
		what = PROTO_WATCH_MUTATIONS;
		break;
	}
	proto_uriencode(wn->wn_key, wn->wn_nkey, key);
	/* A store looks the key up first: memcached logs that too. */
	if (wn->wn_op == CACHE_OP_STORE && rep->rp_status != CACHE_TOO_LARGE &&
	    rep->rp_status != CACHE_NO_MEMORY)
		watch_store_lookup(p, rep, key);
	if ((h = watch_line_head(line, sizeof(line))) == -1)
		return;
	switch (wn->wn_op) {
	case CACHE_OP_GET:
		/* mg's vivify after an expired item: memcached logs that. */
		hit = rep->rp_status == CACHE_OK &&
		    CACHE_INFO_GONE(rep->rp_info) == CACHE_GONE_NONE;
		n = snprintf(line + h, sizeof(line) - h, "type=item_get "
		    "key=%s status=%s clsid=%u cfd=%d size=%u\n", key,
		    watch_get_status(hit, rep->rp_info),
		    hit ? (unsigned int)rep->rp_clsid : 0U, p->p_conn->c_fd,
		    hit ? rep->rp_vlen : 0);
		break;
	case CACHE_OP_DELETE:
		n = snprintf(line + h, sizeof(line) - h, "type=deleted key=%s "
		    "cmd=%s clsid=%u size=%u\n", key,
		    wn->wn_kind == PROTO_META ? "md" : "delete",
		    (unsigned int)rep->rp_clsid, rep->rp_vlen);
		break;
	default:
		n = watch_store_line(line + h, sizeof(line) - h, wn, p, rep,
		    key);
		break;
	}
	if (n > 0 && (size_t)n < sizeof(line) - h)
		conn_watch_emit(what, line, (size_t)(h + n));
}

void
watch_storage_new(void)
{
	watch_told = -1;
}

void
watch_sync(void)
{
	uint32_t	want;

	want = watch_evict_count > 0 ? CACHE_WATCH_EVICTIONS : 0;
	if (!net_storage_up || (int64_t)want == watch_told ||
	    (watch_told == -1 && want == 0))
		return;
	if (imsgev_compose(&net_storage, IMSG_CACHE_WATCH, 0, -1, &want,
	    sizeof(want)) == -1)
		fatal("compose IMSG_CACHE_WATCH");
	watch_told = want;
}

/* One eviction record from storage as memcached's line. */
static void
watch_eviction(const struct cache_eviction *ev, const char *rawkey)
{
	char	key[3 * KEY_MAX_LENGTH + 1];
	char	line[WATCH_LINE_MAX];
	int	h, n;

	if ((h = watch_line_head(line, sizeof(line))) == -1)
		return;
	proto_uriencode(rawkey, ev->ev_nkey, key);
	n = snprintf(line + h, sizeof(line) - h, "type=eviction key=%s "
	    "fetch=%s ttl=%lld la=%u clsid=%u size=%u\n", key,
	    ev->ev_fetched ? "yes" : "no", (long long)ev->ev_ttl, ev->ev_la,
	    (unsigned int)ev->ev_clsid, ev->ev_nbytes);
	if (n > 0 && (size_t)n < sizeof(line) - h)
		conn_watch_emit(PROTO_WATCH_EVICTIONS, line, (size_t)(h + n));
}

int
watch_evicted(struct imsg *imsg)
{
	struct cache_evicted_hdr	 eh;
	struct cache_eviction		 ev;
	struct ibuf			 buf, scan;
	char				 key[KEY_MAX_LENGTH];
	uint32_t			 i;

	/* Storage is no more trusted than a client: check it all first. */
	if (imsg_get_ibuf(imsg, &buf) == -1 ||
	    ibuf_get(&buf, &eh, sizeof(eh)) == -1)
		return (-1);
	ibuf_from_ibuf(&scan, &buf);
	for (i = 0; i < eh.eh_count; i++) {
		if (ibuf_get(&scan, &ev, sizeof(ev)) == -1 ||
		    ev.ev_nkey == 0 || ev.ev_nkey > KEY_MAX_LENGTH ||
		    ev.ev_fetched > 1 || ibuf_skip(&scan, ev.ev_nkey) == -1)
			return (-1);
	}
	if (ibuf_size(&scan) != 0)
		return (-1);
	for (i = 0; i < eh.eh_count; i++) {
		if (ibuf_get(&buf, &ev, sizeof(ev)) == -1 ||
		    ibuf_get(&buf, key, ev.ev_nkey) == -1)
			return (-1);
		/* Asked for before a watcher left: nobody to tell. */
		if (watch_evict_count > 0)
			watch_eviction(&ev, key);
	}
	/* What storage could not report counts as skipped by each. */
	if (eh.eh_dropped > 0)
		conn_watch_skip(PROTO_WATCH_EVICTIONS, eh.eh_dropped);
	return (0);
}
