/*
 * Request batching (net child).  Records from every connection that was
 * readable in this loop pass go into one open batch, sent to storage when the
 * pass ends or the batch is full; storage answers each batch in order, and
 * the FIFO of sent records says which connection each answer belongs to.
 * This is what pays for the process boundary: one write per pass, not one
 * per request.
 */

#include <sys/types.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "net.h"
#include "wire.h"

static struct ibuf		*batch_buf;
static size_t			 batch_hdr_off;
static struct cache_batch	 batch_hdr;
static uint32_t			 batch_sent_seq;	/* last batch sent */
static uint32_t			 batch_done_seq;	/* last fully answered */
static struct pendingq		 batch_flight =
				    TAILQ_HEAD_INITIALIZER(batch_flight);

int
batch_throttled(void)
{
	return (batch_sent_seq - batch_done_seq >= net_conf.nc_inflight_max);
}

/* Connections paused for storage read again once it has caught up. */
static void
batch_resume_blocked(void)
{
	struct conn	*c;

	while (!batch_throttled() && (c = conn_blocked_pop()) != NULL)
		conn_read_on(c);
}

static int
batch_open(size_t need)
{
	size_t	hint = need + sizeof(batch_hdr);

	if (hint < net_conf.nc_batch_max)
		hint = net_conf.nc_batch_max;
	batch_buf = imsg_create(&net_storage.iev_ibuf, IMSG_CACHE_REQ,
	    batch_sent_seq + 1, 0, hint);
	if (batch_buf == NULL) {
		log_warn("cannot open a request batch");
		return (-1);
	}
	batch_hdr_off = ibuf_size(batch_buf);
	memset(&batch_hdr, 0, sizeof(batch_hdr));
	if (wire_put_batch(batch_buf, &batch_hdr) == -1) {
		log_warn("request batch header");
		ibuf_free(batch_buf);
		batch_buf = NULL;
		return (-1);
	}
	return (0);
}

void
batch_close(void)
{
	if (batch_buf == NULL)
		return;
	if (ibuf_set(batch_buf, batch_hdr_off, &batch_hdr,
	    sizeof(batch_hdr)) == -1)
		fatal("request batch header");
	imsg_close(&net_storage.iev_ibuf, batch_buf);
	batch_buf = NULL;
	batch_sent_seq++;
	net_stats.ns_batches++;
	net_stats.ns_batch_records += batch_hdr.cb_count;
}

/* Without storage the request is answered at once, in order. */
static int
batch_unavailable(struct conn *c, const struct proto_ctx *ctx)
{
	struct cache_rep	 rep;
	struct pending		*p;

	if ((p = pending_get()) == NULL) {
		log_warn("pending");
		return (-1);
	}
	p->p_conn = c;
	p->p_connid = c->c_id;
	p->p_waiting = 1;
	p->p_ctx = *ctx;
	TAILQ_INSERT_TAIL(&c->c_pending, p, p_conn_entry);
	memset(&rep, 0, sizeof(rep));
	rep.rp_status = CACHE_UNAVAILABLE;
	conn_reply_storage(p, &rep, NULL, NULL);
	return (0);
}

int
batch_add(struct conn *c, const struct cache_req *req, const void *key,
    const void *value, const struct proto_ctx *ctx)
{
	struct cache_req	 r;
	struct pending		*p;
	size_t			 need;

	if (!net_storage_up)
		return (batch_unavailable(c, ctx));
	need = sizeof(r) + req->cr_nkey + req->cr_nvalue;
	/* A record never straddles batches; a big one travels alone. */
	if (batch_buf != NULL && batch_hdr.cb_count > 0 &&
	    ibuf_size(batch_buf) + need > net_conf.nc_batch_max)
		batch_close();
	if (batch_buf == NULL && batch_open(need) == -1)
		return (-1);
	if ((p = pending_get()) == NULL) {
		log_warn("pending");
		return (-1);
	}
	r = *req;
	r.cr_connid = c->c_id;
	if (wire_put_req(batch_buf, &r) == -1 ||
	    wire_put_bytes(batch_buf, key, r.cr_nkey) == -1 ||
	    wire_put_bytes(batch_buf, value, r.cr_nvalue) == -1)
		fatal("request record");
	batch_hdr.cb_count++;
	p->p_conn = c;
	p->p_connid = c->c_id;
	p->p_waiting = 1;
	p->p_ctx = *ctx;
	if (watch_count > 0)
		watch_note(p, req, key);
	TAILQ_INSERT_TAIL(&c->c_pending, p, p_conn_entry);
	TAILQ_INSERT_TAIL(&batch_flight, p, p_flight_entry);
	return (0);
}

int
batch_reply(struct imsg *imsg)
{
	struct ibuf		 buf;
	struct cache_batch	 hdr;
	struct cache_rep	 rep;
	struct pending		*p;
	const void		*key, *value;
	uint32_t		 i;

	if (imsg_get_id(imsg) != batch_done_seq + 1 ||
	    batch_done_seq == batch_sent_seq) {
		log_warnx("reply for batch %u, expected %u",
		    imsg_get_id(imsg), batch_done_seq + 1);
		return (-1);
	}
	if (imsg_get_ibuf(imsg, &buf) == -1 ||
	    wire_get_batch(&buf, &hdr) == -1) {
		log_warnx("bad reply batch header");
		return (-1);
	}
	for (i = 0; i < hdr.cb_count; i++) {
		if (wire_get_rep(&buf, net_conf.nc_item_size_max, &rep, &key,
		    &value) == -1) {
			log_warnx("bad reply record");
			return (-1);
		}
		if ((p = TAILQ_FIRST(&batch_flight)) == NULL ||
		    p->p_connid != rep.rp_connid) {
			log_warnx("reply does not match the request sent");
			return (-1);
		}
		TAILQ_REMOVE(&batch_flight, p, p_flight_entry);
		if (p->p_conn != NULL)
			conn_reply_storage(p, &rep, key, value);
		else
			pending_put(p);
	}
	if (wire_end(&buf) == -1) {
		log_warnx("trailing bytes in reply batch");
		return (-1);
	}
	if ((hdr.cb_flags & CACHE_BATCH_MORE) == 0) {
		batch_done_seq++;
		batch_resume_blocked();
	}
	return (0);
}

void
batch_fail_all(void)
{
	struct cache_rep	 rep;
	struct pending		*p;

	if (batch_buf != NULL) {
		ibuf_free(batch_buf);
		batch_buf = NULL;
	}
	memset(&rep, 0, sizeof(rep));
	rep.rp_status = CACHE_UNAVAILABLE;
	while ((p = TAILQ_FIRST(&batch_flight)) != NULL) {
		TAILQ_REMOVE(&batch_flight, p, p_flight_entry);
		if (p->p_conn != NULL)
			conn_reply_storage(p, &rep, NULL, NULL);
		else
			pending_put(p);
	}
	batch_done_seq = batch_sent_seq;
	batch_resume_blocked();
}
