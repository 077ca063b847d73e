/*
 * Listening sockets (parent only): bound once at start-up and kept for the
 * parent's whole life, so a respawned net child gets the same sockets and
 * the connections waiting in their backlog.
 */

#ifndef PRIVCACHED_LISTEN_H
#define PRIVCACHED_LISTEN_H

#include <stddef.h>

#include "config.h"
#include "msg.h"

struct listener {
	int			 l_fd;
	struct listener_conf	 l_conf;
};

/*
 * Binds every -l address (loopback only without -l).  0 with *out an array
 * of *nout listeners, or -1 with a message in err.
 */
int	listen_bind_all(const struct config *, struct listener **out,
	    size_t *nout, char *err, size_t errlen);
void	listen_close_all(struct listener *, size_t);
/* Removes what binding left in the filesystem (the -s socket). */
void	listen_cleanup(const struct config *);

#endif /* PRIVCACHED_LISTEN_H */
