/*
 * Accepting connections (net child): the listeners the parent passed,
 * the allow list, -c and the per-address limit, back-off when descriptors
 * run out, the new connection's setup, and at a graceful stop the last
 * reads before the door shuts.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "access.h"
#include "log.h"
#include "net.h"
#include "tlsconn.h"

/* Accepts per listener event, so one listener cannot starve the rest. */
#define ACCEPT_BURST		64
/* How long accepting pauses when descriptors run out. */
#define ACCEPT_BACKOFF_SEC	1

static uint64_t		 conn_seq;
static struct event	 accept_backoff_ev;
static int		 accept_backoff_set;
static int		 listeners_full;
static struct listener_ev *listeners;
static size_t		 nlisteners;

static void	conn_accept(int, short, void *);

int
conn_listener_add(int fd, const struct listener_conf *lc)
{
	struct listener_ev	*nl;
	int			 fl;

	if ((nl = reallocarray(listeners, nlisteners + 1,
	    sizeof(*listeners))) == NULL)
		return (-1);
	listeners = nl;
	/* The flags are shared: a dead net child may have changed them. */
	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1)
		return (-1);
	/* Safe to move: no listener event is armed before CFG_DONE. */
	memset(&nl[nlisteners], 0, sizeof(nl[nlisteners]));
	nl[nlisteners].le_fd = fd;
	nl[nlisteners].le_conf = *lc;
	nlisteners++;
	return (0);
}

void
conn_listeners_resume(void)
{
	size_t	i;

	if (conn_is_draining())
		return;
	for (i = 0; i < nlisteners; i++) {
		if (listeners[i].le_armed)
			continue;
		event_set(&listeners[i].le_ev, listeners[i].le_fd,
		    EV_READ | EV_PERSIST, conn_accept, &listeners[i]);
		event_add(&listeners[i].le_ev, NULL);
		listeners[i].le_armed = 1;
	}
}

void
conn_listeners_pause(void)
{
	size_t	i;

	net_stats.ns_listen_disabled++;
	for (i = 0; i < nlisteners; i++) {
		if (!listeners[i].le_armed)
			continue;
		event_del(&listeners[i].le_ev);
		listeners[i].le_armed = 0;
	}
}

static void
accept_backoff_end(int fd, short event, void *arg)
{
	(void)fd;
	(void)event;
	(void)arg;
	accept_backoff_set = 0;
	conn_listeners_resume();
}

static void
conn_refuse(struct listener_ev *le, int fd, const char *peer,
    const char *msg, const char *why)
{
	/* Say why where memcached would (in plaintext only), then hang up. */
	if (msg != NULL && !le->le_conf.lc_tls &&
	    write(fd, msg, strlen(msg)) == -1)
		log_debug("refusal to %s not sent: %s", peer, strerror(errno));
	close(fd);
	access_log_refusal(peer, why);
}

static void
conn_new(struct listener_ev *le, int fd, struct sockaddr_storage *ss,
    socklen_t sslen)
{
	struct access_addr	*aa;
	struct conn		*c;
	char			 host[NI_MAXHOST], serv[NI_MAXSERV];
	char			 peer[sizeof(c->c_peer)];

	if (getnameinfo((struct sockaddr *)ss, sslen, host, sizeof(host),
	    serv, sizeof(serv), NI_NUMERICHOST | NI_NUMERICSERV) == 0)
		(void)snprintf(peer, sizeof(peer),
		    ss->ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s", host,
		    serv);
	else
		(void)strlcpy(peer, le->le_conf.lc_name, sizeof(peer));
	if (!access_allowed((struct sockaddr *)ss)) {
		net_stats.ns_denied_conns++;
		conn_refuse(le, fd, peer, NULL, "not in the allow list");
		return;
	}
	if (conn_count() >= (int)net_conf.nc_live.nl_maxconns) {
		/* Default maxconns_fast: say why, then hang up. */
		net_stats.ns_rejected_conns++;
		conn_refuse(le, fd, peer,
		    "ERROR Too many open connections\r\n",
		    "too many open connections");
		return;
	}
	if ((aa = access_acquire((struct sockaddr *)ss)) == NULL) {
		net_stats.ns_rejected_per_ip++;
		conn_refuse(le, fd, peer, "ERROR Too many connections from "
		    "your address\r\n", "too many connections from its "
		    "address");
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_warn("connection");
		access_release(aa);
		close(fd);
		return;
	}
	if (le->le_conf.lc_tls && (c->c_tls = tlsconn_accept(fd)) == NULL) {
		free(c);
		access_release(aa);
		close(fd);
		return;
	}
	/* TCP_NODELAY came with the listener (listen.c). */
	(void)strlcpy(c->c_peer, peer, sizeof(c->c_peer));
	memcpy(&c->c_ss, ss, sslen < sizeof(c->c_ss) ? sslen :
	    sizeof(c->c_ss));
	c->c_access = aa;
	c->c_id = ++conn_seq;
	c->c_fd = fd;
	c->c_listener = le;
	TAILQ_INIT(&c->c_pending);
	event_set(&c->c_rev, fd, EV_READ | EV_PERSIST, conn_read, c);
	event_set(&c->c_wev, fd, EV_WRITE | EV_PERSIST, conn_write, c);
	event_add(&c->c_rev, NULL);
	c->c_last_cmd = net_now = time(NULL);
	/* A handshake is held to the request timeout, as a request is. */
	if (c->c_tls != NULL)
		c->c_partial_since = net_now;
	conn_add(c);
	/* Without maxconns_fast, the backlog waits until a slot frees. */
	if (!net_conf.nc_live.nl_maxconns_fast &&
	    conn_count() >= (int)net_conf.nc_live.nl_maxconns) {
		conn_listeners_pause();
		listeners_full = 1;
	}
	log_debug("connection %llu from %s on %s",
	    (unsigned long long)c->c_id, c->c_peer, le->le_conf.lc_name);
}

static void
conn_accept(int fd, short event, void *arg)
{
	struct listener_ev	*le = arg;
	struct sockaddr_storage	 ss;
	struct timeval		 tv = { ACCEPT_BACKOFF_SEC, 0 };
	socklen_t		 sslen;
	int			 s, i, burst;

	(void)event;
	/*
	 * Net children share the listeners: one takes a connection per
	 * wake-up, so that whichever is least busy (first awake) gets the
	 * next one and a burst of connections does not land on one.
	 */
	burst = net_conf.nc_net_children > 1 ? 1 : ACCEPT_BURST;
	for (i = 0; i < burst; i++) {
		sslen = sizeof(ss);
		if ((s = accept4(fd, (struct sockaddr *)&ss, &sslen,
		    SOCK_NONBLOCK | SOCK_CLOEXEC)) == -1) {
			switch (errno) {
			case EINTR:
			case ECONNABORTED:
				continue;
			case EMFILE:
			case ENFILE:
			case ENOBUFS:
			case ENOMEM:
				/* Retrying at once would spin: pause. */
				log_warn("accept on %s", le->le_conf.lc_name);
				conn_listeners_pause();
				if (!accept_backoff_set) {
					evtimer_set(&accept_backoff_ev,
					    accept_backoff_end, NULL);
					evtimer_add(&accept_backoff_ev, &tv);
					accept_backoff_set = 1;
				}
				return;
			case EAGAIN:
#if EWOULDBLOCK != EAGAIN
			case EWOULDBLOCK:
#endif
			case EPROTO:
			case EPERM:
			case ENETDOWN:
			case ENETUNREACH:
			case EHOSTUNREACH:
			case ENOPROTOOPT:
			case EOPNOTSUPP:
				/* Nothing there, or that client's problem. */
				return;
			default:
				/*
				 * A dead listener (EINVAL after a shutdown):
				 * retrying would spin.  Dying makes the
				 * parent check and rebind it.
				 */
				fatal("accept on %s", le->le_conf.lc_name);
			}
		}
		conn_new(le, s, &ss, sslen);
	}
}

void
conn_listeners_check(void)
{
	/* A connection closed since: a slot is free again. */
	if (listeners_full && !accept_backoff_set &&
	    conn_count() < (int)net_conf.nc_live.nl_maxconns) {
		listeners_full = 0;
		conn_listeners_resume();
	}
}

void
conn_drain(void)
{
	struct conn	*c, *next;
	int		 n;

	conn_drain_begin();
	conn_listeners_pause();
	/*
	 * What clients sent before the stop is answered: read what each
	 * socket holds now (a bounded number of times), then no more.
	 */
	for (c = conn_first(); c != NULL; c = next) {
		next = conn_next(c);
		for (n = 0; n < 64 && conn_read_once(c) == 1; n++)
			;
	}
	for (c = conn_first(); c != NULL; c = conn_next(c))
		conn_read_off(c);
}
