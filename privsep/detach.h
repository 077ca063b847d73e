/*
 * -d: leaving the shell only once the daemon serves, so that a start that
 * fails (TLS files the net child refuses, a child that cannot start) ends
 * with a non-zero exit status rather than a daemon that is silently gone.
 */

#ifndef PRIVCACHED_DETACH_H
#define PRIVCACHED_DETACH_H

/*
 * Forks.  The process the shell started waits and exits 0 once the
 * daemon calls detach_ready(), or with the daemon's status (1 if it was
 * killed) when the daemon exits first.  Returns in the daemon: a new
 * session, "/" as its directory and /dev/null on 0, 1 and 2.
 */
void	detach_start(void);
/* The daemon serves: the waiting process exits 0.  Once; later calls no-op. */
void	detach_ready(void);

#endif /* PRIVCACHED_DETACH_H */
