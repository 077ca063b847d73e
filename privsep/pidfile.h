/*
 * The -P pid file, written by root without following links (parent only).
 */

#ifndef PRIVCACHED_PIDFILE_H
#define PRIVCACHED_PIDFILE_H

/*
 * Writes our pid to path: never through a symbolic link, only into a
 * regular file with one link, mode 0644.  0, or -1 with errno (ELOOP for
 * a link, EPERM for anything that is not a plain file).
 */
int	pidfile_write_safe(const char *path);

#endif /* PRIVCACHED_PIDFILE_H */
