/*
 * watch evictions (storage child): reports of evicted items to the net
 * children whose watchers asked for them.
 */

#ifndef PRIVCACHED_EVREPORT_H
#define PRIVCACHED_EVREPORT_H

#include <stdint.h>

struct cache;
struct imsgev;

/*
 * The net child on channel slot now wants want (CACHE_WATCH_*; 0 when its
 * channel closes).  0, or -1 if it asked for what does not exist.
 */
int	evreport_want(struct cache *, unsigned int slot, uint32_t want);
/* 1 if some channel has evictions waiting to be sent. */
int	evreport_pending(void);
/* Sends slot's evictions on iev, unless its queue is full. */
void	evreport_flush(unsigned int slot, struct imsgev *iev, int full);

#endif /* PRIVCACHED_EVREPORT_H */
