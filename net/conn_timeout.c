/*
 * The connections' one-second tick (net child): -o idle_timeout and
 * request_timeout, and giving back the empty buffers of quiet ones.
 */

#include <sys/types.h>

#include <time.h>

#include "log.h"
#include "net.h"

/* Seconds without a request before a connection's buffers are freed. */
#define CONN_QUIET_SEC		2

static struct event	 idle_ev;
static int		 idle_armed;

static void
conn_idle_check(int fd, short event, void *arg)
{
	struct timeval	 tv = { 1, 0 };
	struct conn	*c, *next;

	(void)fd;
	(void)event;
	(void)arg;
	for (c = conn_first(); c != NULL; c = next) {
		next = conn_next(c);
		/*
		 * A quiet connection gives its empty buffers back, so ten
		 * thousand idle clients cost little; busy ones keep theirs
		 * and never pay an allocation per request.
		 */
		if (net_now - c->c_last_cmd >= CONN_QUIET_SEC) {
			if (buf_used(&c->c_in) == 0 && c->c_in.b_cap > 0)
				buf_free(&c->c_in);
			if (buf_used(&c->c_out) == 0 && c->c_out.b_cap > 0)
				buf_free(&c->c_out);
		}
		/* Slowloris: a request that never completes. */
		if (net_conf.nc_live.nl_request_timeout != 0 &&
		    c->c_partial_since != 0 && net_now - c->c_partial_since >
		    (time_t)net_conf.nc_live.nl_request_timeout) {
			log_info("connection %llu from %s: %s incomplete "
			    "for %u s, closing", (unsigned long long)c->c_id,
			    c->c_peer, c->c_tls != NULL && !c->c_tls_ready ?
			    "TLS handshake" : "request",
			    net_conf.nc_live.nl_request_timeout);
			net_stats.ns_request_timeouts++;
			conn_close(c);
			continue;
		}
		/* A watcher never sends commands; memcached spares it too. */
		if (net_conf.nc_live.nl_idle_timeout == 0 || c->c_watch != 0)
			continue;
		/* Only connections with nothing in flight count as idle. */
		/* Whole seconds: strictly more than the timeout has passed. */
		if (TAILQ_EMPTY(&c->c_pending) && buf_used(&c->c_out) == 0 &&
		    net_now - c->c_last_cmd >
		    (time_t)net_conf.nc_live.nl_idle_timeout) {
			log_debug("connection %llu from %s: idle for %u s",
			    (unsigned long long)c->c_id, c->c_peer,
			    net_conf.nc_live.nl_idle_timeout);
			net_stats.ns_idle_kicks++;
			c->c_close_reason = WATCH_CLOSE_IDLE;
			conn_close(c);
		}
	}
	evtimer_add(&idle_ev, &tv);
}

void
conn_idle_start(void)
{
	struct timeval	tv = { 1, 0 };

	if (idle_armed)
		return;
	idle_armed = 1;
	evtimer_set(&idle_ev, conn_idle_check, NULL);
	evtimer_add(&idle_ev, &tv);
}
