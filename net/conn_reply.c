/*
 * A connection's reply queue (net child): replies leave in request order,
 * whether storage made them or the net child did, and a connection that
 * outgrows its output cap is cut off.
 */

#include <sys/types.h>

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "net.h"

/* Output past this is written at once rather than at the pass end. */
#define CONN_EARLY_FLUSH	(256 * 1024)

static void
conn_fail_output(struct conn *c)
{
	log_info("connection %llu from %s: output over %u bytes or the "
	    "buffer budget, closing", (unsigned long long)c->c_id, c->c_peer,
	    net_conf.nc_outbuf_max);
	c->c_flags |= CONN_CLOSING | CONN_ABORT;
	conn_read_off(c);
	/* What is queued cannot be completed in order: drop it all. */
	c->c_out.b_off = c->c_out.b_len = 0;
	conn_mark_dirty(c);
}

int
conn_reply_local(struct conn *c, const void *text, size_t len)
{
	struct pending	*p;

	if (c->c_flags & CONN_CLOSING)
		return (-1);
	if (TAILQ_EMPTY(&c->c_pending)) {
		if (buf_add(&c->c_out, text, len, net_conf.nc_outbuf_max) ==
		    -1) {
			conn_fail_output(c);
			return (-1);
		}
		conn_mark_dirty(c);
		return (0);
	}
	/* Earlier requests are still at storage: wait behind them. */
	if ((p = pending_get()) == NULL || (p->p_text = malloc(len)) == NULL) {
		if (p != NULL)
			pending_put(p);
		log_warn("pending reply");
		return (-1);
	}
	memcpy(p->p_text, text, len);
	p->p_textlen = len;
	p->p_conn = c;
	p->p_connid = c->c_id;
	TAILQ_INSERT_TAIL(&c->c_pending, p, p_conn_entry);
	return (0);
}

void
conn_complete(struct pending *p, int (*fmt)(struct conn *,
    const struct proto_ctx *, void *), void *arg)
{
	struct conn	*c = p->p_conn;
	int		 rv = 0;

	if (TAILQ_FIRST(&c->c_pending) != p)
		fatalx("reply out of order on connection %llu",
		    (unsigned long long)c->c_id);
	TAILQ_REMOVE(&c->c_pending, p, p_conn_entry);
	/* After quit, what came before it is still answered; cut off, not. */
	if (!(c->c_flags & CONN_ABORT))
		rv = fmt(c, &p->p_ctx, arg);
	pending_put(p);
	if (rv == -1)
		conn_fail_output(c);
	/*
	 * Replies made here that waited behind this one go out now (or are
	 * dropped, cut off), so the queue drains and the close can happen.
	 */
	while ((p = TAILQ_FIRST(&c->c_pending)) != NULL && !p->p_waiting) {
		TAILQ_REMOVE(&c->c_pending, p, p_conn_entry);
		if (!(c->c_flags & CONN_ABORT) && buf_add(&c->c_out,
		    p->p_text, p->p_textlen, net_conf.nc_outbuf_max) == -1)
			conn_fail_output(c);
		pending_put(p);
	}
	conn_mark_dirty(c);
}

struct conn_storage_reply {
	const struct cache_rep	*sr_rep;
	const void		*sr_key;
	const void		*sr_value;
};

static int
conn_fmt_storage(struct conn *c, const struct proto_ctx *ctx, void *arg)
{
	struct conn_storage_reply	*sr = arg;

	switch (ctx->px_kind) {
	case PROTO_TEXT:
		return (proto_text_reply(ctx, sr->sr_rep, sr->sr_key,
		    sr->sr_value, &c->c_out, net_conf.nc_outbuf_max));
	case PROTO_META:
		return (proto_meta_reply(ctx, sr->sr_rep, sr->sr_key,
		    sr->sr_value, &c->c_out, net_conf.nc_outbuf_max));
	case PROTO_BIN:
		return (proto_bin_reply(ctx, sr->sr_rep, sr->sr_key,
		    sr->sr_value, &c->c_out, net_conf.nc_outbuf_max));
	}
	fatalx("reply for unknown protocol %d", ctx->px_kind);
}

static int
conn_fmt_refuse(struct conn *c, const struct proto_ctx *ctx, void *arg)
{
	(void)c;
	(void)ctx;
	(void)arg;
	return (-1);
}

void
conn_reply_storage(struct pending *p, const struct cache_rep *rep,
    const void *key, const void *value)
{
	struct conn_storage_reply	 sr = { rep, key, value };
	struct conn			*c = p->p_conn;

	if (p->p_watch != NULL)
		watch_reply(p, rep);
	/* Storage stopped copying for it: more than we would buffer. */
	if (rep->rp_status == CACHE_REPLY_LIMIT) {
		conn_complete(p, conn_fmt_refuse, NULL);
		return;
	}
	conn_complete(p, conn_fmt_storage, &sr);
	/* Big replies go out as they come, not after the whole batch. */
	if (buf_used(&c->c_out) > CONN_EARLY_FLUSH &&
	    !(c->c_flags & CONN_WRITE_ON))
		conn_flush(c);
}
