/*
 * Logging for all three processes.  The parent writes to stderr (with a
 * timestamp) in the foreground or to syslog when detached; a child installs a
 * sink that forwards each line to the parent over its control channel, so a
 * chrooted child never needs /dev/log.
 */

#ifndef PRIVCACHED_LOG_H
#define PRIVCACHED_LOG_H

#include <stdarg.h>

/* Where lines go when no sink is installed: stderr if foreground, syslog. */
void	log_init(int foreground, int facility);
/* Name shown before each line ("net", "storage"); NULL for none. */
void	log_procinit(const char *);
/* 0 quiet, 1 -v, 2 -vv, 3 -vvv: log_debug prints from 1 on. */
void	log_setverbose(int);
int	log_getverbose(void);
/* Forward lines to fn instead (children); NULL restores the default. */
void	log_setsink(void (*fn)(int prio, const char *line));
/* Write an already formatted line from process `who' (parent only). */
void	log_line(const char *who, int prio, const char *line);

void	log_warn(const char *, ...)
	    __attribute__((__format__ (printf, 1, 2)));
void	log_warnx(const char *, ...)
	    __attribute__((__format__ (printf, 1, 2)));
void	log_info(const char *, ...)
	    __attribute__((__format__ (printf, 1, 2)));
void	log_debug(const char *, ...)
	    __attribute__((__format__ (printf, 1, 2)));
/* -vv and up: per-request detail. */
void	log_trace(const char *, ...)
	    __attribute__((__format__ (printf, 1, 2)));
void	vlog(int, const char *, va_list)
	    __attribute__((__format__ (printf, 2, 0)));
__attribute__((__noreturn__)) void fatal(const char *, ...)
	    __attribute__((__format__ (printf, 1, 2)));
__attribute__((__noreturn__)) void fatalx(const char *, ...)
	    __attribute__((__format__ (printf, 1, 2)));

#endif /* PRIVCACHED_LOG_H */
