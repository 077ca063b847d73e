/*
 * The IPC contract as data, and the one loop that enforces it: no handler
 * sees a message its channel's rule does not allow (all processes).
 */

#include <sys/types.h>

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "dispatch.h"
#include "log.h"
#include "msg.h"

#define FROM_PARENT	DISPATCH_FROM(PROC_PARENT)
#define FROM_STORAGE	DISPATCH_FROM(PROC_STORAGE)
#define FROM_NET	DISPATCH_FROM(PROC_NET)
#define FROM_CHILD	(FROM_STORAGE | FROM_NET)

/* A payload of exactly n bytes, no descriptor. */
#define EXACT(from, n)		{ (from), DISPATCH_FD_NEVER, (n), (n) }
#define RANGE(from, lo, hi)	{ (from), DISPATCH_FD_NEVER, (lo), (hi) }
/* Exactly n bytes and a descriptor. */
#define WITH_FD(from, n)	{ (from), DISPATCH_FD_ALWAYS, (n), (n) }

/*
 * What the children may tell the parent.  No descriptor, ever: the
 * parent's channels do not even receive them (imsgbuf_allow_fdsend).
 */
static const struct dispatch_rule rules_parent[] = {
	[IMSG_CTL_READY] =	EXACT(FROM_CHILD, 0),
	[IMSG_CTL_LOG] =	RANGE(FROM_CHILD, sizeof(int32_t),
				    sizeof(int32_t) + CTL_LOG_MAX),
	[IMSG_CTL_PEER_BAD] =	EXACT(FROM_STORAGE, sizeof(uint32_t)),
	[IMSG_CTL_SHUTDOWN] =	EXACT(FROM_NET, 0),
	[IMSG_CTL_TLS_RESULT] =	EXACT(FROM_NET, sizeof(uint32_t)),
	[IMSG_CTL_AUTH_CHECK] =	RANGE(FROM_NET, sizeof(struct auth_req),
				    sizeof(struct auth_req) + AUTH_USER_MAX +
				    AUTH_PASS_MAX),
};

static const struct dispatch_rule rules_net_ctl[] = {
	[IMSG_CTL_VERBOSE] =	EXACT(FROM_PARENT, sizeof(int32_t)),
	[IMSG_CTL_PEER] =	WITH_FD(FROM_PARENT, sizeof(uint32_t)),
	[IMSG_CFG_NET] =	EXACT(FROM_PARENT, sizeof(struct net_conf)),
	[IMSG_CFG_LISTENER] =	WITH_FD(FROM_PARENT,
				    sizeof(struct listener_conf)),
	[IMSG_CFG_DONE] =	EXACT(FROM_PARENT, 0),
	[IMSG_CTL_AUTH_RESULT] = EXACT(FROM_PARENT, sizeof(uint32_t)),
	[IMSG_CFG_TLS_PEM] =	RANGE(FROM_PARENT,
				    sizeof(struct tls_pem_chunk),
				    sizeof(struct tls_pem_chunk) +
				    TLS_PEM_CHUNK),
	[IMSG_CFG_TLS_END] =	EXACT(FROM_PARENT, sizeof(struct tls_params)),
};

/* The data channels' own size limit bounds the variable messages. */
static const struct dispatch_rule rules_net_data[] = {
	[IMSG_CACHE_REP] =	RANGE(FROM_STORAGE, sizeof(struct cache_batch),
				    SIZE_MAX),
	[IMSG_CACHE_STATS] =	RANGE(FROM_STORAGE, sizeof(uint32_t),
				    SIZE_MAX),
	[IMSG_CACHE_PEER_STATS] = EXACT(FROM_STORAGE,
				    sizeof(struct net_stats)),
	[IMSG_CACHE_ADMIN] =	RANGE(FROM_STORAGE,
				    sizeof(struct cache_admin_hdr), SIZE_MAX),
	[IMSG_CACHE_EVICTED] =	RANGE(FROM_STORAGE,
				    sizeof(struct cache_evicted_hdr),
				    sizeof(struct cache_evicted_hdr) +
				    CACHE_EVICTED_MAX),
	[IMSG_CACHE_MEMLIMIT] =	EXACT(FROM_STORAGE, sizeof(uint64_t)),
};

static const struct dispatch_rule rules_storage_ctl[] = {
	[IMSG_CTL_VERBOSE] =	EXACT(FROM_PARENT, sizeof(int32_t)),
	[IMSG_CTL_PEER] =	WITH_FD(FROM_PARENT, sizeof(uint32_t)),
	/* With the item memory, which outlives every storage child. */
	[IMSG_CFG_CACHE] =	WITH_FD(FROM_PARENT, sizeof(struct cache_conf)),
	[IMSG_CFG_POLICY] =	EXACT(FROM_PARENT, sizeof(struct cache_policy)),
};

static const struct dispatch_rule rules_storage_data[] = {
	[IMSG_CACHE_REQ] =	RANGE(FROM_NET, sizeof(struct cache_batch),
				    SIZE_MAX),
	[IMSG_CACHE_STATS_REQ] = EXACT(FROM_NET, sizeof(uint32_t)),
	[IMSG_CACHE_NET_STATS] = EXACT(FROM_NET, sizeof(struct net_stats)),
	[IMSG_CACHE_ADMIN_REQ] = EXACT(FROM_NET,
				    sizeof(struct cache_admin_req)),
	[IMSG_CACHE_WATCH] =	EXACT(FROM_NET, sizeof(uint32_t)),
};

static const struct {
	const struct dispatch_rule	*r;
	size_t				 n;
} rules[DISPATCH_CHAN_MAX] = {
	[DISPATCH_PARENT] = { rules_parent, nitems(rules_parent) },
	[DISPATCH_NET_CTL] = { rules_net_ctl, nitems(rules_net_ctl) },
	[DISPATCH_NET_DATA] = { rules_net_data, nitems(rules_net_data) },
	[DISPATCH_STORAGE_CTL] = { rules_storage_ctl,
	    nitems(rules_storage_ctl) },
	[DISPATCH_STORAGE_DATA] = { rules_storage_data,
	    nitems(rules_storage_data) },
};

const struct dispatch_rule *
dispatch_rule(enum dispatch_chan chan, uint32_t type)
{
	const struct dispatch_rule	*r;

	if ((unsigned)chan >= DISPATCH_CHAN_MAX || type >= rules[chan].n)
		return (NULL);
	r = &rules[chan].r[type];
	return (r->dr_senders != 0 ? r : NULL);
}

const char *
dispatch_check(enum dispatch_chan chan, enum proc_role sender,
    struct imsg *imsg)
{
	const struct dispatch_rule	*r;
	size_t				 len;

	if ((r = dispatch_rule(chan, imsg_get_type(imsg))) == NULL)
		return ("unexpected message");
	if ((unsigned)sender >= PROC_MAX ||
	    (r->dr_senders & DISPATCH_FROM(sender)) == 0)
		return ("message from the wrong process");
	len = imsg_get_len(imsg);
	if (len < r->dr_min || len > r->dr_max)
		return ("message of a wrong length");
	if (ibuf_fd_avail(imsg->buf) != (r->dr_fd == DISPATCH_FD_ALWAYS))
		return (r->dr_fd == DISPATCH_FD_ALWAYS ?
		    "descriptor missing" : "unexpected descriptor");
	return (NULL);
}

void
dispatch_verify(const struct dispatch *dp)
{
	uint32_t	type;
	size_t		n;
	int		rule, fn;

	if ((unsigned)dp->dp_chan >= DISPATCH_CHAN_MAX)
		fatalx("dispatch: no channel %d", (int)dp->dp_chan);
	n = rules[dp->dp_chan].n > dp->dp_nfn ? rules[dp->dp_chan].n :
	    dp->dp_nfn;
	for (type = 0; type < n; type++) {
		rule = dispatch_rule(dp->dp_chan, type) != NULL;
		fn = type < dp->dp_nfn && dp->dp_fn[type] != NULL;
		if (rule != fn)
			fatalx("dispatch: channel %d, type %u: %s without %s",
			    (int)dp->dp_chan, type, rule ? "rule" : "handler",
			    rule ? "handler" : "rule");
	}
}

int
dispatch_imsg(const struct dispatch *dp, enum proc_role sender,
    struct imsg *imsg, void *arg, int *stop, const char **why)
{
	int	rv;

	*stop = 0;
	if ((*why = dispatch_check(dp->dp_chan, sender, imsg)) != NULL) {
		/* Closes the descriptor, if one came. */
		imsg_free(imsg);
		return (-1);
	}
	/* dispatch_verify made sure a handler is there. */
	rv = dp->dp_fn[imsg_get_type(imsg)](arg, imsg);
	if (rv != DISPATCH_KEEP)
		imsg_free(imsg);
	*stop = rv == DISPATCH_STOP;
	return (1);
}

int
dispatch_one(const struct dispatch *dp, enum proc_role sender,
    struct imsgbuf *ibuf, void *arg, int *stop, const char **why)
{
	struct imsg	 imsg;
	ssize_t		 n;

	*stop = 0;
	if ((n = imsg_get(ibuf, &imsg)) == -1) {
		*why = errno == ERANGE ? "oversized message" :
		    "malformed message";
		return (-1);
	}
	if (n == 0)
		return (0);
	return (dispatch_imsg(dp, sender, &imsg, arg, stop, why));
}

int
dispatch_run(const struct dispatch *dp, enum proc_role sender,
    struct imsgbuf *ibuf, void *arg, const char **why)
{
	int	rv, stop;

	while ((rv = dispatch_one(dp, sender, ibuf, arg, &stop, why)) == 1)
		if (stop)
			return (0);
	return (rv);
}

int
dispatch_verbose(void *arg, struct imsg *imsg)
{
	int32_t	verbose;

	(void)arg;
	/* The rule fixed the length. */
	if (imsg_get_data(imsg, &verbose, sizeof(verbose)) == -1)
		fatal("IMSG_CTL_VERBOSE");
	log_setverbose(verbose);
	return (DISPATCH_NEXT);
}
