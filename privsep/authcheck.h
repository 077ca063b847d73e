/*
 * Logins checked in the parent: the -Y users' salted hashes never leave
 * it; the net child forwards what a client sent and gets yes or no
 * (parent only).
 */

#ifndef PRIVCACHED_AUTHCHECK_H
#define PRIVCACHED_AUTHCHECK_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "msg.h"

/* Failures an address may have within AUTHCHECK_WINDOW seconds. */
#define AUTHCHECK_FAIL_MAX	5
#define AUTHCHECK_WINDOW	60
#define AUTHCHECK_SLOTS		1024

/* The users to check against (taken over; the old set is wiped). */
void	authcheck_set(struct auth_cred *, size_t n);
/* Whether any user is set: -Y was given and read. */
int	authcheck_enabled(void);
/*
 * 1 if user and password match, 0 if not or if the address (struct
 * auth_req's family and address) failed too often within the window.  The
 * time taken does not depend on which part was wrong.
 */
int	authcheck(const struct auth_req *, const char *user,
	    const char *pass, time_t now);

#endif /* PRIVCACHED_AUTHCHECK_H */
