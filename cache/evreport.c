/*
 * watch evictions (storage child): the evictions each net child's watchers
 * asked for, gathered in a fixed buffer per channel and sent as
 * IMSG_CACHE_EVICTED; what does not fit is counted, never queued.
 */

#include <sys/types.h>

#include <string.h>

#include "cache.h"
#include "evreport.h"
#include "imsgev.h"
#include "log.h"
#include "msg.h"

struct evreport {
	uint32_t		 er_want;	/* CACHE_WATCH_* */
	size_t			 er_len;	/* record bytes in er_buf */
	struct cache_evicted_hdr er_hdr;
	/* The header is sent from here, then the records. */
	uint8_t			 er_buf[sizeof(struct cache_evicted_hdr) +
				    CACHE_EVICTED_MAX];
};

static struct evreport	 reports[NET_CHILDREN_MAX];
static unsigned int	 nwanting;	/* channels with er_want set */
static int		 npending;	/* channels with something to send */

static void
evreport_evicted(void *arg, const struct cache_eviction *ev, const void *key)
{
	struct evreport	*er;
	size_t		 need = sizeof(*ev) + ev->ev_nkey;
	unsigned int	 i;

	(void)arg;
	for (i = 0; i < NET_CHILDREN_MAX; i++) {
		er = &reports[i];
		if (!(er->er_want & CACHE_WATCH_EVICTIONS))
			continue;
		if (er->er_hdr.eh_count == 0 && er->er_hdr.eh_dropped == 0)
			npending++;
		/* A net child that does not keep up loses lines, counted. */
		if (er->er_len + need > CACHE_EVICTED_MAX) {
			if (er->er_hdr.eh_dropped < UINT32_MAX)
				er->er_hdr.eh_dropped++;
			continue;
		}
		memcpy(er->er_buf + sizeof(er->er_hdr) + er->er_len, ev,
		    sizeof(*ev));
		memcpy(er->er_buf + sizeof(er->er_hdr) + er->er_len +
		    sizeof(*ev), key, ev->ev_nkey);
		er->er_len += need;
		er->er_hdr.eh_count++;
	}
}

int
evreport_want(struct cache *c, unsigned int slot, uint32_t want)
{
	struct evreport	*er;

	if (slot >= NET_CHILDREN_MAX || (want & ~CACHE_WATCH_ALL) != 0)
		return (-1);
	er = &reports[slot];
	if (er->er_want != 0)
		nwanting--;
	if (want != 0)
		nwanting++;
	er->er_want = want;
	if (want == 0 && (er->er_hdr.eh_count > 0 || er->er_hdr.eh_dropped >
	    0)) {
		/* Nobody is left to read them. */
		npending--;
		er->er_len = 0;
		memset(&er->er_hdr, 0, sizeof(er->er_hdr));
	}
	/* The eviction path pays a pointer test, and only that, otherwise. */
	cache_on_evict(c, nwanting > 0 ? evreport_evicted : NULL, NULL);
	return (0);
}

int
evreport_pending(void)
{
	return (npending > 0);
}

void
evreport_flush(unsigned int slot, struct imsgev *iev, int full)
{
	struct evreport	*er;

	if (slot >= NET_CHILDREN_MAX)
		return;
	er = &reports[slot];
	if ((er->er_hdr.eh_count == 0 && er->er_hdr.eh_dropped == 0) || full)
		return;
	memcpy(er->er_buf, &er->er_hdr, sizeof(er->er_hdr));
	if (imsgev_compose(iev, IMSG_CACHE_EVICTED, 0, -1, er->er_buf,
	    sizeof(er->er_hdr) + er->er_len) == -1)
		fatal("compose IMSG_CACHE_EVICTED");
	npending--;
	er->er_len = 0;
	memset(&er->er_hdr, 0, sizeof(er->er_hdr));
}
