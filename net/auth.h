/*
 * Logins (net child): a user and password a client sends (ASCII auth,
 * SASL PLAIN) go to the parent, which alone holds the -Y users and counts
 * the failures.
 */

#ifndef PRIVCACHED_AUTH_H
#define PRIVCACHED_AUTH_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>

#include "msg.h"

/*
 * 1 if the parent says user and password match, 0 if not (or if the
 * client's address failed too often lately).  Blocks for the round trip.
 */
int	auth_check(const struct sockaddr *peer, const char *user, size_t ulen,
	    const char *pass, size_t plen);

#endif /* PRIVCACHED_AUTH_H */
