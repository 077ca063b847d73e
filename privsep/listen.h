/*
 * Listening sockets (parent only): bound once at start-up and kept for the
 * parent's whole life, so a respawned net child gets the same sockets and
 * the connections waiting in their backlog.
 */

#ifndef PRIVCACHED_LISTEN_H
#define PRIVCACHED_LISTEN_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>

#include "config.h"
#include "msg.h"

struct listener {
	int			 l_fd;
	struct listener_conf	 l_conf;
	/* What it was bound to, to bind it again should it die. */
	struct sockaddr_storage	 l_addr;
	socklen_t		 l_addrlen;
	int			 l_backlog;
	mode_t			 l_mask;	/* -a, unix sockets */
};

/*
 * Binds every -l address (loopback only without -l).  0 with *out an array
 * of *nout listeners, or -1 with a message in err.
 */
int	listen_bind_all(const struct config *, struct listener **out,
	    size_t *nout, char *err, size_t errlen);
void	listen_close_all(struct listener *, size_t);
/*
 * Whether l still accepts (a child may have shut it down for everyone):
 * 1 if it does, 0 if it was dead and is bound anew, -1 if binding again
 * failed (logged; l_fd is -1 until a later call binds it).
 */
int	listen_revive(struct listener *l);
/* Removes what binding left in the filesystem (the -s socket). */
void	listen_cleanup(const struct config *);

#endif /* PRIVCACHED_LISTEN_H */
