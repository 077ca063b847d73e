/*
 * SIGUSR2 (parent only): the parent executes the binary at its path again,
 * in place, handing itself the listening sockets and the item memory, so
 * that an upgrade refuses no connection and keeps the cache.
 */

#ifndef PRIVCACHED_UPGRADE_H
#define PRIVCACHED_UPGRADE_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>

struct listener;

/*
 * At start: takes what a previous image of this process handed over (the
 * environment says which descriptors), if anything.  1 if it did.
 */
int	upgrade_init(void);
/* The item memory handed over, or -1 (then create one). */
int	upgrade_memfd(void);
/* A handed-over listening socket bound to addr (taken), or -1. */
int	upgrade_listener(const struct sockaddr *addr, socklen_t len);
/* Closes what was handed over and not taken (the flags changed). */
void	upgrade_done(void);
/*
 * Executes self with argv, handing over memfd and the listeners.  The
 * children must be gone.  Returns only if the exec failed (logged), with
 * every descriptor as it was.
 */
void	upgrade_exec(const char *self, char *const argv[], int memfd,
	    const struct listener *, size_t n);

#endif /* PRIVCACHED_UPGRADE_H */
