/*
 * The storage child: holds the cache and answers request batches from the
 * net child, one reply batch per request batch.  It never sees a client
 * socket and treats everything the net child sends as hostile: a batch that
 * does not decode is dropped whole, the channel closed and the parent told.
 */

#include <sys/types.h>
#include <sys/mman.h>

#include <errno.h>
#include <event.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "log.h"
#include "msg.h"
#include "proc.h"
#include "sandbox.h"
#include "wire.h"

/* Background maintenance: how often, and how much per tick. */
#define STORAGE_MAINTAIN_MS	100
#define STORAGE_MAINTAIN_BUDGET	1000

struct storage_reply {
	struct ibuf		*sr_buf;
	size_t			 sr_hdr_off;	/* where cache_batch sits */
	struct cache_batch	 sr_batch;
	uint32_t		 sr_peerid;
};

static struct cache	*storage_cache;
static struct cache_conf storage_conf;
static int		 storage_configured;
static struct imsgev	 storage_net;
static size_t		 storage_msg_max;
static struct event	 storage_ev_maintain;
static struct event	 storage_ev_sigterm, storage_ev_sigint;
static struct event	 storage_ev_sighup;

static void	storage_dispatch_net(int, short, void *);

static void
storage_signal(int sig, short event, void *arg)
{
	(void)event;
	(void)arg;
	if (sig == SIGHUP)
		return;
	/* A cache has nothing to save: stop at once. */
	exit(0);
}

static void
storage_maintain(int fd, short event, void *arg)
{
	struct timeval	tv = { 0, STORAGE_MAINTAIN_MS * 1000 };

	(void)fd;
	(void)event;
	(void)arg;
	cache_set_time(storage_cache, time(NULL));
	if (cache_maintain(storage_cache, STORAGE_MAINTAIN_BUDGET))
		tv.tv_usec = 1000;
	evtimer_add(&storage_ev_maintain, &tv);
}

/* Net sent something that cannot come from a correct net child. */
static void
storage_peer_bad(const char *why)
{
	log_warnx("dropping data channel: %s", why);
	imsgev_close(&storage_net);
	if (imsgev_compose(&proc_ctl, IMSG_CTL_PEER_BAD, 0, -1, NULL, 0) ==
	    -1)
		fatal("compose PEER_BAD");
}

static void
storage_reply_open(struct storage_reply *sr)
{
	sr->sr_buf = imsg_create(&storage_net.iev_ibuf, IMSG_CACHE_REP,
	    sr->sr_peerid, 0, 16384);
	if (sr->sr_buf == NULL)
		fatal("imsg_create reply");
	sr->sr_hdr_off = ibuf_size(sr->sr_buf);
	memset(&sr->sr_batch, 0, sizeof(sr->sr_batch));
	if (wire_put_batch(sr->sr_buf, &sr->sr_batch) == -1)
		fatal("reply header");
}

static void
storage_reply_close(struct storage_reply *sr, uint32_t flags)
{
	sr->sr_batch.cb_flags = flags;
	if (ibuf_set(sr->sr_buf, sr->sr_hdr_off, &sr->sr_batch,
	    sizeof(sr->sr_batch)) == -1)
		fatal("reply header");
	imsg_close(&storage_net.iev_ibuf, sr->sr_buf);
	sr->sr_buf = NULL;
}

static void
storage_reply_add(struct storage_reply *sr, const struct cache_rep *rep,
    const struct item *it, const void *reqkey)
{
	size_t	 need;
	void	*dst;

	need = sizeof(*rep) + rep->rp_nkey + rep->rp_nvalue;
	/* Split only past the channel limit; net reads on with MORE. */
	if (ibuf_size(sr->sr_buf) + need > storage_msg_max) {
		storage_reply_close(sr, CACHE_BATCH_MORE);
		storage_reply_open(sr);
	}
	if (wire_put_rep(sr->sr_buf, rep) == -1)
		fatal("reply record");
	if (rep->rp_nkey > 0 && wire_put_bytes(sr->sr_buf, it != NULL ?
	    item_key(it) : reqkey, rep->rp_nkey) == -1)
		fatal("reply key");
	if (rep->rp_nvalue > 0) {
		if ((dst = ibuf_reserve(sr->sr_buf, rep->rp_nvalue)) == NULL)
			fatal("reply value");
		item_value_copy(it, dst);
	}
	sr->sr_batch.cb_count++;
}

static void
storage_batch(struct imsg *imsg)
{
	struct ibuf		 buf, scan;
	struct cache_batch	 batch;
	struct cache_req	 req;
	struct cache_rep	 rep;
	struct storage_reply	 sr;
	const struct item	*it;
	const void		*key, *value;
	uint32_t		 i;

	if (imsg_get_ibuf(imsg, &buf) == -1 ||
	    wire_get_batch(&buf, &batch) == -1 || batch.cb_flags != 0) {
		storage_peer_bad("bad batch header");
		return;
	}
	/* Decode everything before acting on anything. */
	ibuf_from_ibuf(&scan, &buf);
	for (i = 0; i < batch.cb_count; i++) {
		if (wire_get_req(&scan, storage_conf.cc_item_size_max, &req,
		    &key, &value) == -1) {
			storage_peer_bad("bad request record");
			return;
		}
	}
	if (wire_end(&scan) == -1) {
		storage_peer_bad("trailing bytes in batch");
		return;
	}

	cache_set_time(storage_cache, time(NULL));
	memset(&sr, 0, sizeof(sr));
	sr.sr_peerid = imsg_get_id(imsg);
	storage_reply_open(&sr);
	for (i = 0; i < batch.cb_count; i++) {
		if (wire_get_req(&buf, storage_conf.cc_item_size_max, &req,
		    &key, &value) == -1)
			fatalx("batch changed under us");
		cache_exec(storage_cache, &req, key, value, &rep, &it);
		/*
		 * A request that asked for the key gets the one it asked
		 * with when no item answers (getk miss, meta k on NF/NS).
		 */
		if (rep.rp_nkey == 0 && (req.cr_opts & CACHE_OPT_WANT_KEY)) {
			rep.rp_nkey = req.cr_nkey;
			it = NULL;
		}
		storage_reply_add(&sr, &rep, it, key);
	}
	storage_reply_close(&sr, 0);
}

struct storage_stats_ctx {
	struct ibuf	*sc_buf;
	uint32_t	 sc_count;
	int		 sc_failed;
};

static void
storage_stats_emit(void *arg, const char *name, const char *value)
{
	struct storage_stats_ctx	*sc = arg;
	size_t				 nlen, vlen;

	nlen = strnlen(name, CACHE_STAT_NAME_MAX + 1);
	vlen = strnlen(value, CACHE_STAT_VALUE_MAX + 1);
	if (sc->sc_failed || nlen > CACHE_STAT_NAME_MAX ||
	    vlen > CACHE_STAT_VALUE_MAX) {
		log_warnx("stat %s dropped", name);
		return;
	}
	if (wire_put_str16(sc->sc_buf, name, nlen) == -1 ||
	    wire_put_str16(sc->sc_buf, value, vlen) == -1) {
		sc->sc_failed = 1;
		return;
	}
	sc->sc_count++;
}

static void
storage_stats(struct imsg *imsg)
{
	struct storage_stats_ctx	 sc;
	uint32_t			 kind;
	size_t				 off;

	if (imsg_get_data(imsg, &kind, sizeof(kind)) == -1 ||
	    kind >= CACHE_STATS_MAX) {
		storage_peer_bad("bad stats request");
		return;
	}
	memset(&sc, 0, sizeof(sc));
	if ((sc.sc_buf = imsg_create(&storage_net.iev_ibuf, IMSG_CACHE_STATS,
	    imsg_get_id(imsg), 0, 8192)) == NULL)
		fatal("imsg_create stats");
	off = ibuf_size(sc.sc_buf);
	if (wire_put_u32(sc.sc_buf, 0) == -1)
		fatal("stats header");
	cache_set_time(storage_cache, time(NULL));
	cache_stats(storage_cache, kind, storage_stats_emit, &sc);
	if (sc.sc_failed)
		fatalx("stats reply too large");
	if (ibuf_set(sc.sc_buf, off, &sc.sc_count, sizeof(sc.sc_count)) == -1)
		fatal("stats header");
	imsg_close(&storage_net.iev_ibuf, sc.sc_buf);
}

static void
storage_dispatch_net(int fd, short event, void *arg)
{
	struct imsg	 imsg;
	ssize_t		 n;
	int		 rv;

	(void)fd;
	(void)arg;
	if ((rv = imsgev_io(&storage_net, event)) <= 0) {
		if (rv == -1)
			log_warn("data channel");
		else
			log_debug("net closed the data channel");
		imsgev_close(&storage_net);
		return;
	}
	while (storage_net.iev_active) {
		if ((n = imsg_get(&storage_net.iev_ibuf, &imsg)) == -1) {
			storage_peer_bad("malformed message");
			return;
		}
		if (n == 0)
			break;
		if (imsg_get_fd(&imsg) != -1) {
			imsg_free(&imsg);
			storage_peer_bad("unexpected descriptor");
			return;
		}
		switch (imsg_get_type(&imsg)) {
		case IMSG_CACHE_REQ:
			storage_batch(&imsg);
			break;
		case IMSG_CACHE_STATS_REQ:
			storage_stats(&imsg);
			break;
		default:
			storage_peer_bad("unexpected message type");
			break;
		}
		imsg_free(&imsg);
	}
	if (!storage_net.iev_active)
		return;
	/* The socket is almost always writable: skip a wake-up. */
	if (imsgbuf_queuelen(&storage_net.iev_ibuf) > 0 &&
	    imsgbuf_write(&storage_net.iev_ibuf) == -1) {
		log_warn("data channel write");
		imsgev_close(&storage_net);
		return;
	}
	imsgev_add(&storage_net);
}

static void
storage_dispatch_parent(int fd, short event, void *arg)
{
	struct imsg	 imsg;
	ssize_t		 n;
	int		 rv, peer, verbose;

	(void)fd;
	(void)arg;
	if ((rv = imsgev_io(&proc_ctl, event)) == -1)
		fatal("control channel");
	if (rv == 0)
		fatalx("parent went away");
	for (;;) {
		if ((n = imsg_get(&proc_ctl.iev_ibuf, &imsg)) == -1)
			fatal("control message");
		if (n == 0)
			break;
		switch (imsg_get_type(&imsg)) {
		case IMSG_CFG_CACHE:
			if (storage_configured)
				fatalx("second cache configuration");
			if (imsg_get_data(&imsg, &storage_conf,
			    sizeof(storage_conf)) == -1)
				fatalx("bad IMSG_CFG_CACHE");
			if ((storage_cache = cache_new(&storage_conf)) == NULL)
				fatal("cannot build the cache");
			if (storage_conf.cc_lock_memory &&
			    mlockall(MCL_CURRENT | MCL_FUTURE) == -1)
				log_warn("-k: mlockall failed; memory stays "
				    "pageable");
			storage_configured = 1;
			storage_msg_max = (size_t)storage_conf.cc_item_size_max
			    + DATA_MSG_SLACK;
			evtimer_set(&storage_ev_maintain, storage_maintain,
			    NULL);
			storage_maintain(-1, 0, NULL);
			break;
		case IMSG_CTL_PEER:
			if (!storage_configured || imsg_get_len(&imsg) != 0 ||
			    (peer = imsg_get_fd(&imsg)) == -1)
				fatalx("bad IMSG_CTL_PEER");
			/* A new net child: forget the old one's half batch. */
			imsgev_close(&storage_net);
			if (imsgev_init(&storage_net, peer,
			    storage_dispatch_net, NULL) == -1 ||
			    imsgbuf_set_maxsize(&storage_net.iev_ibuf,
			    storage_msg_max) == -1)
				fatal("data channel");
			imsgev_start(&storage_net);
			break;
		case IMSG_CTL_VERBOSE:
			if (imsg_get_data(&imsg, &verbose,
			    sizeof(verbose)) == -1)
				fatalx("bad IMSG_CTL_VERBOSE");
			log_setverbose(verbose);
			break;
		default:
			fatalx("unexpected message %u from parent",
			    imsg_get_type(&imsg));
		}
		imsg_free(&imsg);
	}
	imsgev_add(&proc_ctl);
}

void
storage_main(const struct proc_args *pa)
{
	event_init();
	signal_set(&storage_ev_sigterm, SIGTERM, storage_signal, NULL);
	signal_set(&storage_ev_sigint, SIGINT, storage_signal, NULL);
	signal_set(&storage_ev_sighup, SIGHUP, storage_signal, NULL);
	signal_add(&storage_ev_sigterm, NULL);
	signal_add(&storage_ev_sigint, NULL);
	signal_add(&storage_ev_sighup, NULL);
	proc_ctl.iev_handler = storage_dispatch_parent;
	imsgev_start(&proc_ctl);

	sandbox_enter(PROC_STORAGE, pa->pa_sandbox);
	if (imsgev_compose(&proc_ctl, IMSG_CTL_READY, 0, -1, NULL, 0) == -1)
		fatal("compose READY");
	event_dispatch();
	fatalx("event loop ended");
}
