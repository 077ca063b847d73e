/*
 * Logins (net child): the -Y users as salted hashes from the parent, and
 * the check of a user and password a client sends (ASCII auth, SASL PLAIN).
 */

#ifndef PRIVCACHED_AUTH_H
#define PRIVCACHED_AUTH_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>

#include "msg.h"

/* Adds a user to the set being received.  0, or -1 when it is full. */
int	auth_add(const struct auth_cred *);
/* The set received replaces the one in use. */
void	auth_commit(void);
/*
 * 1 if user and password match, 0 if not.  The time taken does not depend
 * on which part was wrong; an address that failed too often lately is
 * refused without a check for a while.
 */
int	auth_check(const struct sockaddr *peer, const char *user, size_t ulen,
	    const char *pass, size_t plen);

#endif /* PRIVCACHED_AUTH_H */
