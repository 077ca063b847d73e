/*
 * systemd's readiness protocol (sd_notify(3)) without libsystemd: the
 * parent tells the service manager when it serves, reloads and stops.
 */

#ifndef PRIVCACHED_SDNOTIFY_H
#define PRIVCACHED_SDNOTIFY_H

/*
 * Opens $NOTIFY_SOCKET if set, and unsets it.  Call once, before any
 * child exists.  A socket that cannot be reached is logged, not fatal:
 * the service manager then reports the start as timed out.
 */
void	sdnotify_init(void);
/* READY=1, the first time every child reported ready. */
void	sdnotify_ready(void);
/* RELOADING=1 before a SIGHUP's reload, READY=1 after it. */
void	sdnotify_reloading(void);
void	sdnotify_reloaded(void);
/* STOPPING=1, once stopping has begun. */
void	sdnotify_stopping(void);

#endif /* PRIVCACHED_SDNOTIFY_H */
