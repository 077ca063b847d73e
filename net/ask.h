/*
 * A question to the parent and the wait for its answer (net child): for
 * logins, which only the parent can check.
 */

#ifndef PRIVCACHED_ASK_H
#define PRIVCACHED_ASK_H

#include <sys/types.h>
#include <sys/uio.h>

#include <stdint.h>

#include "compat.h"	/* base imsg on OpenBSD, ours elsewhere */

/*
 * Sends the parent type with iov and waits for its IMSG_CTL_AUTH_RESULT:
 * the uint32 answer.  What else the parent sends meanwhile is kept for
 * ask_deferred, to run at the end of the loop pass, not inside the request
 * that asked.
 */
uint32_t	ask_parent(uint32_t type, const struct iovec *, int iovcnt);
/* Whether messages wait for ask_deferred. */
int		ask_pending(void);
/* The oldest message kept while waiting into *imsg: 1, or 0 if none. */
int		ask_deferred(struct imsg *);

#endif /* PRIVCACHED_ASK_H */
