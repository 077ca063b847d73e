/*
 * The parent's supervision of its two children: spawning, configuring,
 * respawning with back-off, and stopping.
 */

#ifndef PRIVCACHED_SUPERVISE_H
#define PRIVCACHED_SUPERVISE_H

#include <sys/types.h>
#include <sys/resource.h>

#include <time.h>

#include "config.h"
#include "listen.h"
#include "msg.h"
#include "tlsfiles.h"

/* A child that lived this long restarts at once when it dies. */
#define SUPERVISE_WINDOW	60	/* seconds */
#define SUPERVISE_BACKOFF_MAX	4	/* seconds */
/*
 * Messages the parent holds for a child that does not read: two full
 * configurations (every TLS chunk, about 3 MB) and some slack.
 */
#define SUPERVISE_QUEUE_MAX	(2 * (TLS_PEM_MAX * \
				    (TLS_PEM_FILE_MAX / TLS_PEM_CHUNK + 1) + \
				    64))
/* Logins a net child may have checked per second; the rest fail. */
#define SUPERVISE_AUTH_RATE	1000
/* How long net gets to finish in-flight requests on a graceful stop. */
#define SUPERVISE_DRAIN_MS	5000

struct supervise_conf {
	struct config		*sc_conf;
	struct listener		*sc_listeners;
	size_t			 sc_nlisteners;
	const char		*sc_self;	/* our binary, absolute */
	int			 sc_selffd;	/* and opened */
	const char		*sc_user;	/* NULL: not root */
	const char		*sc_pidfile;	/* removed on exit */
	rlim_t			 sc_net_nofile;
	rlim_t			 sc_storage_nofile;
	time_t			 sc_start_time;
	int			 sc_memfd;	/* the item memory */
};

/* Spawns storage, then net; both are configured as they report ready. */
void	supervise_start(const struct supervise_conf *);
/* The TLS files to give every net child (taken over, *tf emptied). */
void	supervise_set_tls(struct tls_files *tf);
/*
 * A reload's TLS files (taken over, *tf emptied): offered to the running
 * net children, kept once one of them has made a context of them.
 */
void	supervise_offer_tls(struct tls_files *tf);
/* Sends the running children what a reload changed. */
void	supervise_reconfigure(void);
/* Reaps children and schedules their respawn (SIGCHLD). */
void	supervise_reap(void);
/*
 * Graceful stop: net stops accepting and drains for a bounded time, then
 * storage goes; anything left is killed.  Exits with code.
 */
__attribute__((__noreturn__)) void supervise_stop(int code);
/*
 * SIGUSR2: stops every child as supervise_stop does, but returns, with
 * the listeners and the item memory untouched, ready to be handed over.
 */
void	supervise_quiesce(void);
/* Starts the children again after a quiesce (the exec failed). */
void	supervise_resume(void);

#endif /* PRIVCACHED_SUPERVISE_H */
