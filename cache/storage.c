/*
 * The storage child: holds the cache and answers request batches from the
 * net children (one channel each, -t), one reply batch per request batch.
 * It never sees a client socket and treats everything a net child sends as
 * hostile: a batch that does not decode is dropped whole, the channel
 * closed and the parent told which net child it was.
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

#include "admin.h"
#include "cache.h"
#include "dispatch.h"
#include "evreport.h"
#include "log.h"
#include "msg.h"
#include "prefix.h"
#include "privsep/proc.h"
#include "privsep/sandbox.h"
#include "region.h"
#include "wire.h"

/* Reply messages waiting to be written before a batch pauses. */
#define STORAGE_QUEUE_MAX	16
/* The smallest reply buffer a batch starts with. */
#define STORAGE_REPLY_MIN	16384
/* Requests of a batch whose lookups are prefetched before it runs. */
#define STORAGE_PREFETCH	64
/* How many requests ahead of the running one stage 2 of it looks. */
#define STORAGE_PREFETCH_AHEAD	4
/* Background maintenance: how often, and how much per tick. */
#define STORAGE_MAINTAIN_MS	100
#define STORAGE_MAINTAIN_BUDGET	1000

struct storage_reply {
	struct ibuf		*sr_buf;
	size_t			 sr_hdr_off;	/* where cache_batch sits */
	struct cache_batch	 sr_batch;
	uint32_t		 sr_peerid;
};

/*
 * The batch being answered on a channel.  A batch whose replies would
 * pile up (a multi-get of thousands of large items) is answered a piece at
 * a time: storage stops when STORAGE_QUEUE_MAX reply messages wait to be
 * written and goes on when net has read them.
 */
struct storage_batch {
	int			 sb_active;
	struct imsg		 sb_imsg;
	struct ibuf		 sb_buf;
	uint32_t		 sb_left;
	struct storage_reply	 sb_reply;
	uint64_t		 sb_connid;	/* whose records run now */
	uint64_t		 sb_conn_bytes;	/* and what they got so far */
	uint32_t		 sb_count;
	/* The first records' lookups, for stage 2 of the prefetch. */
	uint64_t		 sb_pf_hv[STORAGE_PREFETCH];	/* 0: none */
	const void		*sb_pf_key[STORAGE_PREFETCH];
	uint8_t			 sb_pf_nkey[STORAGE_PREFETCH];
	uint8_t			 sb_pf_op[STORAGE_PREFETCH];
};

/* One net child's data channel. */
struct storage_chan {
	uint32_t		 ch_slot;
	struct imsgev		 ch_iev;
	struct storage_batch	 ch_cur;
	struct net_stats	 ch_net_stats;	/* its latest counters */
	size_t			 ch_reply_hint;	/* size of its last reply */
};

static struct cache	*storage_cache;
static struct cache_conf storage_conf;
/* What the flags forbid; nothing is allowed before the parent says. */
static struct cache_policy storage_policy;
static int		 storage_configured;
static struct storage_chan storage_chans[NET_CHILDREN_MAX];
static size_t		 storage_msg_max;
static struct event	 storage_ev_maintain;
static struct event	 storage_ev_sigterm, storage_ev_sigint;
static struct event	 storage_ev_sighup;

static void	storage_dispatch_net(int, short, void *);
static void	storage_batch_drop(struct storage_chan *);
static void	storage_evictions_flush(void);

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
	if (evreport_pending())
		storage_evictions_flush();
	evtimer_add(&storage_ev_maintain, &tv);
}

/* Net sent something that cannot come from a correct net child. */
static void
storage_peer_bad(struct storage_chan *ch, const char *why)
{
	log_warnx("dropping data channel of net child %u: %s", ch->ch_slot,
	    why);
	storage_batch_drop(ch);
	(void)evreport_want(storage_cache, ch->ch_slot, 0);
	imsgev_close(&ch->ch_iev);
	memset(&ch->ch_net_stats, 0, sizeof(ch->ch_net_stats));
	if (imsgev_compose(&proc_ctl, IMSG_CTL_PEER_BAD, 0, -1, &ch->ch_slot,
	    sizeof(ch->ch_slot)) == -1)
		fatal("compose PEER_BAD");
}

static void
storage_reply_open(struct storage_chan *ch, struct storage_reply *sr)
{
	size_t	size;

	/*
	 * Start as big as the last reply (and a little more): a reply that
	 * grows by doubling copies itself over and over, a batch of 4 KB
	 * values more than once.
	 */
	size = ch->ch_reply_hint + ch->ch_reply_hint / 8;
	if (size < STORAGE_REPLY_MIN)
		size = STORAGE_REPLY_MIN;
	if (size > storage_msg_max - IMSG_HEADER_SIZE)
		size = storage_msg_max - IMSG_HEADER_SIZE;
	sr->sr_buf = imsg_create(&ch->ch_iev.iev_ibuf, IMSG_CACHE_REP,
	    sr->sr_peerid, 0, size);
	if (sr->sr_buf == NULL)
		fatal("imsg_create reply");
	sr->sr_hdr_off = ibuf_size(sr->sr_buf);
	memset(&sr->sr_batch, 0, sizeof(sr->sr_batch));
	if (wire_put_batch(sr->sr_buf, &sr->sr_batch) == -1)
		fatal("reply header");
}

static void
storage_reply_close(struct storage_chan *ch, struct storage_reply *sr,
    uint32_t flags)
{
	sr->sr_batch.cb_flags = flags;
	if (ibuf_set(sr->sr_buf, sr->sr_hdr_off, &sr->sr_batch,
	    sizeof(sr->sr_batch)) == -1)
		fatal("reply header");
	ch->ch_reply_hint = ibuf_size(sr->sr_buf);
	imsg_close(&ch->ch_iev.iev_ibuf, sr->sr_buf);
	sr->sr_buf = NULL;
}

static void
storage_reply_add(struct storage_chan *ch, const struct cache_rep *rep,
    const struct item *it, const void *reqkey)
{
	struct storage_reply	*sr = &ch->ch_cur.sb_reply;
	size_t	 need;
	void	*dst;

	need = sizeof(*rep) + rep->rp_nkey + rep->rp_nvalue;
	/* Split only past the channel limit; net reads on with MORE. */
	if (ibuf_size(sr->sr_buf) + need > storage_msg_max) {
		storage_reply_close(ch, sr, CACHE_BATCH_MORE);
		storage_reply_open(ch, sr);
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

/* Returns 1 when the batch is fully answered, 0 when it must wait. */
static int
storage_batch_run(struct storage_chan *ch)
{
	struct storage_batch	*cur = &ch->ch_cur;
	struct cache_req	 req;
	struct cache_rep	 rep;
	const struct item	*it;
	const void		*key, *value;
	uint32_t		 ahead;

	cache_set_time(storage_cache, time(NULL));
	while (cur->sb_left > 0) {
		if (imsgbuf_queuelen(&ch->ch_iev.iev_ibuf) >=
		    STORAGE_QUEUE_MAX)
			return (0);
		ahead = cur->sb_count - cur->sb_left + STORAGE_PREFETCH_AHEAD;
		if (ahead < cur->sb_count && ahead < STORAGE_PREFETCH &&
		    cur->sb_pf_hv[ahead] != 0)
			cache_prefetch_deep(storage_cache, cur->sb_pf_hv[ahead],
			    cur->sb_pf_key[ahead], cur->sb_pf_nkey[ahead],
			    cur->sb_pf_op[ahead]);
		if (wire_get_req(&cur->sb_buf,
		    storage_conf.cc_item_size_max, &req, &key, &value) == -1)
			fatalx("batch changed under us");
		cur->sb_left--;
		/*
		 * A connection's records sit together in a batch.  Past its
		 * budget (a multi-get naming one big item thousands of
		 * times) the rest is not copied: net closes it anyway.
		 */
		if (req.cr_connid != cur->sb_connid) {
			cur->sb_connid = req.cr_connid;
			cur->sb_conn_bytes = 0;
		}
		if (cur->sb_conn_bytes > storage_conf.cc_reply_budget) {
			memset(&rep, 0, sizeof(rep));
			rep.rp_status = CACHE_REPLY_LIMIT;
			rep.rp_connid = req.cr_connid;
			storage_reply_add(ch, &rep, NULL, NULL);
			continue;
		}
		cache_exec(storage_cache, &req, key, value, &rep, &it);
		prefix_record(&req, key, &rep);
		cur->sb_conn_bytes += rep.rp_nvalue;
		/*
		 * A request that asked for the key gets the one it asked
		 * with when no item answers (getk miss, meta k on NF/NS).
		 */
		if (rep.rp_nkey == 0 && (req.cr_opts & CACHE_OPT_WANT_KEY)) {
			rep.rp_nkey = req.cr_nkey;
			it = NULL;
		}
		storage_reply_add(ch, &rep, it, key);
	}
	storage_reply_close(ch, &cur->sb_reply, 0);
	imsg_free(&cur->sb_imsg);
	cur->sb_active = 0;
	return (1);
}

/* Takes over imsg: 1 if answered, 0 if it waits, -1 if it was bad. */
static int
storage_batch(struct storage_chan *ch, struct imsg *imsg)
{
	struct storage_batch	*cur = &ch->ch_cur;
	struct ibuf		 buf, scan;
	struct cache_batch	 batch;
	struct cache_req	 req;
	const void		*key, *value;
	uint64_t		*hv = cur->sb_pf_hv;
	uint32_t		 i;

	if (imsg_get_ibuf(imsg, &buf) == -1 ||
	    wire_get_batch(&buf, &batch) == -1 || batch.cb_flags != 0) {
		storage_peer_bad(ch, "bad batch header");
		return (-1);
	}
	/*
	 * Decode everything before acting on anything.  On the way, ask for
	 * each key's bucket, then each bucket's first item: a batch's cache
	 * misses overlap instead of stalling one request at a time.  While
	 * the batch runs, stage 2 looks a few requests ahead of the running
	 * one (storage_batch_run).
	 */
	ibuf_from_ibuf(&scan, &buf);
	for (i = 0; i < batch.cb_count; i++) {
		if (wire_get_req(&scan, storage_conf.cc_item_size_max, &req,
		    &key, &value) == -1) {
			storage_peer_bad(ch, "bad request record");
			return (-1);
		}
		/* A correct net child never sends what the flags forbid. */
		if (req.cr_op == CACHE_OP_FLUSH &&
		    !storage_policy.cp_flush_enabled) {
			storage_peer_bad(ch, "flush_all forbidden by -F");
			return (-1);
		}
		if (i >= STORAGE_PREFETCH)
			continue;
		hv[i] = 0;
		if (req.cr_nkey > 0 && req.cr_nkey <= UINT8_MAX) {
			hv[i] = cache_prefetch_bucket(storage_cache, key,
			    req.cr_nkey);
			cur->sb_pf_key[i] = key;
			cur->sb_pf_nkey[i] = req.cr_nkey;
			cur->sb_pf_op[i] = req.cr_op;
		}
	}
	for (i = 0; i < batch.cb_count && i < STORAGE_PREFETCH; i++)
		if (hv[i] != 0)
			cache_prefetch_item(storage_cache, hv[i]);
	if (wire_end(&scan) == -1) {
		storage_peer_bad(ch, "trailing bytes in batch");
		return (-1);
	}
	cur->sb_active = 1;
	cur->sb_imsg = *imsg;
	ibuf_from_ibuf(&cur->sb_buf, &buf);
	cur->sb_left = cur->sb_count = batch.cb_count;
	cur->sb_connid = 0;
	cur->sb_conn_bytes = 0;
	memset(&cur->sb_reply, 0, sizeof(cur->sb_reply));
	cur->sb_reply.sr_peerid = imsg_get_id(imsg);
	storage_reply_open(ch, &cur->sb_reply);
	return (storage_batch_run(ch));
}

/* The channel is gone: drop the batch and what was built of its reply. */
static void
storage_batch_drop(struct storage_chan *ch)
{
	struct storage_batch	*cur = &ch->ch_cur;

	if (!cur->sb_active)
		return;
	if (cur->sb_reply.sr_buf != NULL) {
		ibuf_free(cur->sb_reply.sr_buf);
		cur->sb_reply.sr_buf = NULL;
	}
	imsg_free(&cur->sb_imsg);
	cur->sb_active = 0;
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

/*
 * The other net children's counters, summed, go first: the net child that
 * asked adds its own and shows the whole daemon's.
 */
static void
storage_peer_stats(struct storage_chan *ch, uint32_t id)
{
	struct net_stats	 sum;
	const uint64_t		*from;
	uint64_t		*to = (uint64_t *)&sum;
	size_t			 i, f;

	memset(&sum, 0, sizeof(sum));
	for (i = 0; i < nitems(storage_chans); i++) {
		if (&storage_chans[i] == ch)
			continue;
		from = (const uint64_t *)&storage_chans[i].ch_net_stats;
		for (f = 0; f < NET_STATS_FIELDS; f++)
			to[f] += from[f];
	}
	if (imsg_compose(&ch->ch_iev.iev_ibuf, IMSG_CACHE_PEER_STATS, id, 0,
	    -1, &sum, sizeof(sum)) == -1)
		fatal("compose peer stats");
}

static void
storage_stats(struct storage_chan *ch, struct imsg *imsg)
{
	struct storage_stats_ctx	 sc;
	uint32_t			 kind;
	size_t				 off;

	if (imsg_get_data(imsg, &kind, sizeof(kind)) == -1 ||
	    kind >= CACHE_STATS_MAX) {
		storage_peer_bad(ch, "bad stats request");
		return;
	}
	if (kind == CACHE_STATS_GENERAL)
		storage_peer_stats(ch, imsg_get_id(imsg));
	if (kind == CACHE_STATS_RESET)
		prefix_clear();
	memset(&sc, 0, sizeof(sc));
	if ((sc.sc_buf = imsg_create(&ch->ch_iev.iev_ibuf, IMSG_CACHE_STATS,
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
	imsg_close(&ch->ch_iev.iev_ibuf, sc.sc_buf);
}

/*
 * stats settings maxbytes on every net child is ours: each is told the
 * limit when its channel opens and whenever cache_memlimit changes it.
 */
static void
storage_memlimit_tell(struct storage_chan *ch)
{
	uint64_t	limit = cache_maxbytes(storage_cache);

	if (imsgev_compose(&ch->ch_iev, IMSG_CACHE_MEMLIMIT, 0, -1, &limit,
	    sizeof(limit)) == -1)
		fatal("compose IMSG_CACHE_MEMLIMIT");
}

static void
storage_channel_close(struct storage_chan *ch)
{
	/* A slot never used has no ch_slot yet: it wants nothing. */
	if (ch->ch_iev.iev_active)
		(void)evreport_want(storage_cache, ch->ch_slot, 0);
	storage_batch_drop(ch);
	imsgev_close(&ch->ch_iev);
	/* Its connections are gone with it. */
	memset(&ch->ch_net_stats, 0, sizeof(ch->ch_net_stats));
}

static int
storage_on_req(void *arg, struct imsg *imsg)
{
	struct storage_chan	*ch = arg;

	/* The batch owns the message from here on, unless it was bad. */
	if (storage_batch(ch, imsg) == -1)
		return (DISPATCH_STOP);
	return (DISPATCH_KEEP);
}

static int
storage_on_net_stats(void *arg, struct imsg *imsg)
{
	struct storage_chan	*ch = arg;

	/* The rule fixed the length. */
	if (imsg_get_data(imsg, &ch->ch_net_stats,
	    sizeof(ch->ch_net_stats)) == -1)
		fatal("IMSG_CACHE_NET_STATS");
	return (DISPATCH_NEXT);
}

static int
storage_on_stats_req(void *arg, struct imsg *imsg)
{
	struct storage_chan	*ch = arg;

	storage_stats(ch, imsg);
	return (ch->ch_iev.iev_active ? DISPATCH_NEXT : DISPATCH_STOP);
}

/* An admin command (cache/admin.c): checked, then answered. */
static int
storage_on_admin(void *arg, struct imsg *imsg)
{
	struct storage_chan	*ch = arg;
	struct cache_admin_req	 rq;
	uint64_t		 limit = cache_maxbytes(storage_cache);
	size_t			 i;

	/* The rule fixed the length. */
	if (imsg_get_data(imsg, &rq, sizeof(rq)) == -1)
		fatal("IMSG_CACHE_ADMIN_REQ");
	if (cache_admin_check(&rq) == -1) {
		storage_peer_bad(ch, "bad admin request");
		return (DISPATCH_STOP);
	}
	cache_set_time(storage_cache, time(NULL));
	cache_admin(storage_cache, &ch->ch_iev.iev_ibuf, imsg_get_id(imsg),
	    &rq);
	/* The asking net child took it from the reply already. */
	if (cache_maxbytes(storage_cache) != limit)
		for (i = 0; i < nitems(storage_chans); i++)
			if (storage_chans[i].ch_iev.iev_active)
				storage_memlimit_tell(&storage_chans[i]);
	return (DISPATCH_NEXT);
}

/* watch evictions: what this net child's watchers want now. */
static int
storage_on_watch(void *arg, struct imsg *imsg)
{
	struct storage_chan	*ch = arg;
	uint32_t		 want;

	/* The rule fixed the length. */
	if (imsg_get_data(imsg, &want, sizeof(want)) == -1)
		fatal("IMSG_CACHE_WATCH");
	if (evreport_want(storage_cache, ch->ch_slot, want) == -1) {
		storage_peer_bad(ch, "bad watch request");
		return (DISPATCH_STOP);
	}
	return (DISPATCH_NEXT);
}

static const dispatch_fn storage_net_handlers[] = {
	[IMSG_CACHE_REQ] = storage_on_req,
	[IMSG_CACHE_STATS_REQ] = storage_on_stats_req,
	[IMSG_CACHE_NET_STATS] = storage_on_net_stats,
	[IMSG_CACHE_ADMIN_REQ] = storage_on_admin,
	[IMSG_CACHE_WATCH] = storage_on_watch,
};
static const struct dispatch storage_net_tab = {
	DISPATCH_STORAGE_DATA, storage_net_handlers,
	nitems(storage_net_handlers)
};

/*
 * Whether replies of any kind fill the queue: then nothing more is read
 * until net has taken some, so a net child that asks and never reads
 * costs STORAGE_QUEUE_MAX replies, not memory without end.
 */
static int
storage_queue_full(struct storage_chan *ch)
{
	return (imsgbuf_queuelen(&ch->ch_iev.iev_ibuf) >= STORAGE_QUEUE_MAX);
}

/* Evictions the watchers asked for, to each net child with room. */
static void
storage_evictions_flush(void)
{
	unsigned int	i;

	for (i = 0; i < NET_CHILDREN_MAX && evreport_pending(); i++)
		if (storage_chans[i].ch_iev.iev_active)
			evreport_flush(i, &storage_chans[i].ch_iev,
			    storage_queue_full(&storage_chans[i]));
}

static void
storage_dispatch_net(int fd, short event, void *arg)
{
	struct storage_chan	*ch = arg;
	const char		*why;
	int			 rv, stop;

	(void)fd;
	if ((rv = imsgev_io(&ch->ch_iev, event)) <= 0) {
		/* A frame no correct net child sends: say who it was. */
		if (rv == -1 && (errno == ERANGE || errno == EBADMSG ||
		    errno == EMSGSIZE)) {
			storage_peer_bad(ch, errno == ERANGE ?
			    "oversized message" : "malformed message");
			return;
		}
		if (rv == -1)
			log_warn("data channel");
		else
			log_debug("net closed the data channel");
		storage_channel_close(ch);
		return;
	}
	while (ch->ch_iev.iev_active) {
		/*
		 * A paused batch goes on before anything newer is read.  It
		 * waits only while its replies fill the queue after a write:
		 * then EV_WRITE (the queue is not empty) brings us back.
		 */
		if ((ch->ch_cur.sb_active && storage_batch_run(ch) == 0) ||
		    storage_queue_full(ch)) {
			if (imsgbuf_write(&ch->ch_iev.iev_ibuf) == -1) {
				log_warn("data channel write");
				storage_channel_close(ch);
				return;
			}
			if (!storage_queue_full(ch))
				continue;
			break;
		}
		if ((rv = dispatch_one(&storage_net_tab, PROC_NET,
		    &ch->ch_iev.iev_ibuf, ch, &stop, &why)) == -1) {
			storage_peer_bad(ch, why);
			return;
		}
		if (rv == 0 || stop)
			break;
	}
	if (evreport_pending())
		storage_evictions_flush();
	if (!ch->ch_iev.iev_active)
		return;
	/* The socket is almost always writable: skip a wake-up. */
	if (imsgbuf_queuelen(&ch->ch_iev.iev_ibuf) > 0 &&
	    imsgbuf_write(&ch->ch_iev.iev_ibuf) == -1) {
		log_warn("data channel write");
		storage_channel_close(ch);
		return;
	}
	/* While a batch waits or replies pile up, requests stay unread. */
	imsgev_pause_read(&ch->ch_iev, ch->ch_cur.sb_active ||
	    storage_queue_full(ch));
}

/*
 * Maps the item memory the parent created (it outlives us) and reads back
 * what a former storage child left in it.  Net children's requests wait
 * unread on their channels meanwhile: the parent connects them when we
 * are ready, and we read nothing before the scan is over.
 */
static void
storage_open(int fd)
{
	struct region_layout	 rl;
	struct cache_recovery	 rc;
	void			*mem;

	if (region_layout(&storage_conf, &rl) == -1)
		fatal("item memory layout");
	mem = mmap(NULL, (size_t)rl.rl_size, PROT_READ | PROT_WRITE,
	    MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED)
		fatal("mmap item memory");
	close(fd);
	if ((storage_cache = cache_open(&storage_conf, mem,
	    (size_t)rl.rl_size, &rc)) == NULL)
		fatal("cannot build the cache");
	switch (rc.rc_state) {
	case CACHE_RECOVERY_FRESH:
		break;
	case CACHE_RECOVERY_CLEARED:
		log_warnx("item memory %s: starting empty", rc.rc_why);
		break;
	case CACHE_RECOVERY_READ:
		log_info("recovered %llu items, dropped %llu%s in %llu ms; "
		    "memory limit %llu MB",
		    (unsigned long long)rc.rc_recovered,
		    (unsigned long long)rc.rc_dropped,
		    rc.rc_bad_pages > 0 ? " (and pages with no class)" : "",
		    (unsigned long long)(rc.rc_usec / 1000),
		    (unsigned long long)(rc.rc_limit >> 20));
		break;
	}
}

static int
storage_on_cache(void *arg, struct imsg *imsg)
{
	(void)arg;
	if (storage_configured)
		fatalx("second cache configuration");
	if (imsg_get_data(imsg, &storage_conf, sizeof(storage_conf)) == -1)
		fatal("IMSG_CFG_CACHE");
	if (storage_conf.cc_reply_budget == 0)
		fatalx("IMSG_CFG_CACHE without a reply budget");
	storage_open(imsg_get_fd(imsg));
#ifdef __OpenBSD__
	/* No pledge(2) promise allows mlockall(2): the call would kill us. */
	if (storage_conf.cc_lock_memory)
		log_warnx("-k: pledge allows no mlockall on OpenBSD; memory "
		    "stays pageable");
#else
	if (storage_conf.cc_lock_memory &&
	    mlockall(MCL_CURRENT | MCL_FUTURE) == -1)
		log_warn("-k: mlockall failed; memory stays pageable");
#endif
	storage_configured = 1;
	storage_msg_max = (size_t)storage_conf.cc_item_size_max +
	    DATA_MSG_SLACK;
	evtimer_set(&storage_ev_maintain, storage_maintain, NULL);
	storage_maintain(-1, 0, NULL);
	return (DISPATCH_NEXT);
}

static int
storage_on_peer(void *arg, struct imsg *imsg)
{
	struct storage_chan	*ch;
	uint32_t		 slot;
	int			 peer;

	(void)arg;
	if (!storage_configured ||
	    imsg_get_data(imsg, &slot, sizeof(slot)) == -1 ||
	    slot >= nitems(storage_chans))
		fatalx("bad IMSG_CTL_PEER");
	peer = imsg_get_fd(imsg);
	/* A new net child: forget the old one's half batch. */
	ch = &storage_chans[slot];
	storage_channel_close(ch);
	ch->ch_slot = slot;
	if (imsgev_init(&ch->ch_iev, peer, storage_dispatch_net, ch) == -1 ||
	    imsgbuf_set_maxsize(&ch->ch_iev.iev_ibuf, storage_msg_max) == -1)
		fatal("data channel");
	imsgev_start(&ch->ch_iev);
	storage_memlimit_tell(ch);
	return (DISPATCH_NEXT);
}

static int
storage_on_policy(void *arg, struct imsg *imsg)
{
	(void)arg;
	if (imsg_get_data(imsg, &storage_policy, sizeof(storage_policy)) == -1)
		fatal("IMSG_CFG_POLICY");
	return (DISPATCH_NEXT);
}

static const dispatch_fn storage_parent_handlers[] = {
	[IMSG_CTL_VERBOSE] = dispatch_verbose,
	[IMSG_CTL_PEER] = storage_on_peer,
	[IMSG_CFG_CACHE] = storage_on_cache,
	[IMSG_CFG_POLICY] = storage_on_policy,
};
static const struct dispatch storage_parent_tab = {
	DISPATCH_STORAGE_CTL, storage_parent_handlers,
	nitems(storage_parent_handlers)
};

static void
storage_dispatch_parent(int fd, short event, void *arg)
{
	const char	*why;
	int		 rv;

	(void)fd;
	(void)arg;
	if ((rv = imsgev_io(&proc_ctl, event)) == -1)
		fatal("control channel");
	if (rv == 0)
		fatalx("parent went away");
	if (dispatch_run(&storage_parent_tab, PROC_PARENT, &proc_ctl.iev_ibuf,
	    NULL, &why) == -1)
		fatalx("control channel: %s", why);
	imsgev_add(&proc_ctl);
}

void
storage_main(const struct proc_args *pa)
{
	dispatch_verify(&storage_parent_tab);
	dispatch_verify(&storage_net_tab);
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
