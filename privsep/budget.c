/*
 * RLIMIT_DATA of each child, from -m and the other budgets (parent only).
 * Generous on purpose: the limit is there to stop a child that allocates
 * without end, not to second-guess the budgets the children keep.
 */

#include <sys/types.h>
#include <sys/resource.h>

#include <stdint.h>

#include "budget.h"
#include "msg.h"
#include "region.h"

/* Libraries, libevent, stacks of bookkeeping: every child has this. */
#define BUDGET_BASE		(128ULL << 20)
/* Per client connection beyond its buffers: struct, TLS state. */
#define BUDGET_PER_CONN		(128ULL << 10)
/* Reply messages storage queues per channel (STORAGE_QUEUE_MAX), +2. */
#define BUDGET_REPLIES		18

rlim_t
budget_data(const struct config *conf, enum proc_role role)
{
	const struct cache_conf	*cc = &conf->c_cache;
	const struct net_conf	*nc = &conf->c_net;
	uint64_t		 msg, n;

#if defined(__SANITIZE_ADDRESS__)
	/* ASan's shadow memory alone is terabytes of data mappings. */
	(void)cc;
	(void)nc;
	(void)msg;
	(void)n;
	(void)role;
	return (0);
#else
	msg = (uint64_t)cc->cc_item_size_max + DATA_MSG_SLACK;
	switch (role) {
	case PROC_STORAGE:
		/*
		 * Items live in the shared item memory, which RLIMIT_DATA
		 * does not count (private writable mappings only); the hash
		 * table does: 4 bytes a bucket, at most 4/3 buckets an item,
		 * and the old half-size table held while it grows, so at
		 * most 8 bytes an item.  An item takes a chunk of -n bytes
		 * and a header of more than 32, and cache_memlimit's ceiling
		 * (the reserve) bounds them all.  Then each net child's
		 * channel: replies queued and read.
		 */
		n = region_reserve(cc) / (cc->cc_chunk_min + 32) * 8;
		/*
		 * The table -o hashpower asks for at start, however few items
		 * come (4 bytes a bucket; the default's is in the base).
		 */
		if (cc->cc_hashpower != 0)
			n += (uint64_t)4 << cc->cc_hashpower;
		n += (uint64_t)conf->c_threads * (BUDGET_REPLIES + 2) * msg;
		break;
	case PROC_NET:
		/*
		 * Every client buffer (twice: what is read and what is
		 * owed), each connection's own state, the batches in
		 * flight and the channel to storage.
		 */
		n = ((uint64_t)nc->nc_live.nl_buffer_budget << 20) * 2;
		n += (uint64_t)nc->nc_live.nl_maxconns * BUDGET_PER_CONN;
		n += (uint64_t)nc->nc_inflight_max * nc->nc_batch_max * 2;
		n += 4 * msg;
		break;
	default:
		return (0);
	}
	n += BUDGET_BASE;
	return (n > RLIM_INFINITY ? RLIM_INFINITY : (rlim_t)n);
#endif
}
