/*
 * Who may connect (net child): the -o allow list and the per-address
 * connection limit, decided at accept before a byte is read.
 */

#ifndef PRIVCACHED_ACCESS_H
#define PRIVCACHED_ACCESS_H

#include <sys/types.h>
#include <sys/socket.h>

struct access_addr;

/* 1 if the allowlist lets sa in (always for non-IP sockets), else 0. */
int	access_allowed(const struct sockaddr *sa);
/*
 * Counts one more connection from sa's address: a handle for
 * access_release, or NULL when that address is at its limit (errno
 * EUSERS) or memory ran out.  Non-IP sockets get a shared handle.
 */
struct access_addr *access_acquire(const struct sockaddr *sa);
void	access_release(struct access_addr *);
/* Logs a refused connection, at most one line a second. */
void	access_log_refusal(const char *peer, const char *why);

#endif /* PRIVCACHED_ACCESS_H */
