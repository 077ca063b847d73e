/*
 * Logging (all processes).  Children forward through a sink so that their
 * lines survive the chroot and a syslogd restart; the parent alone writes.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static int	 log_foreground = 1;
static int	 log_journal;
static int	 log_verbose;
static const char *log_procname;
static void	(*log_sink)(int, const char *);

static void	logit(int, const char *, ...)
		    __attribute__((__format__ (printf, 2, 3)));
static void	vlog_errno(int, int, const char *, va_list)
		    __attribute__((__format__ (printf, 3, 0)));

void
log_init(int foreground, int facility)
{
	log_foreground = foreground;
	/*
	 * systemd's journal reads stderr: it stamps the time itself and
	 * takes the priority from a "<N>" prefix (sd-daemon(3)).
	 */
	log_journal = foreground && getenv("JOURNAL_STREAM") != NULL;
	/* Not getprogname(): setproctitle may have rewritten argv[0]. */
	if (!foreground)
		openlog("privcached", LOG_PID | LOG_NDELAY, facility);
	tzset();
}

void
log_procinit(const char *name)
{
	log_procname = name;
}

void
log_setverbose(int v)
{
	log_verbose = v;
}

int
log_getverbose(void)
{
	return (log_verbose);
}

void
log_setsink(void (*fn)(int, const char *))
{
	log_sink = fn;
}

void
log_line(const char *who, int prio, const char *line)
{
	char		 stamp[32];
	struct tm	 tm;
	time_t		 now;
	int		 saved_errno = errno;

	if (!log_foreground) {
		if (who != NULL)
			syslog(prio, "%s: %s", who, line);
		else
			syslog(prio, "%s", line);
		errno = saved_errno;
		return;
	}
	if (log_journal) {
		if (who != NULL)
			fprintf(stderr, "<%d>%s: %s\n", LOG_PRI(prio), who,
			    line);
		else
			fprintf(stderr, "<%d>%s\n", LOG_PRI(prio), line);
		fflush(stderr);
		errno = saved_errno;
		return;
	}
	now = time(NULL);
	if (localtime_r(&now, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm) == 0)
		stamp[0] = '\0';
	if (who != NULL)
		fprintf(stderr, "%s %s: %s\n", stamp, who, line);
	else
		fprintf(stderr, "%s %s\n", stamp, line);
	fflush(stderr);
	errno = saved_errno;
}

void
vlog(int prio, const char *fmt, va_list ap)
{
	char	line[1024];

	/* A truncated line is still worth logging. */
	(void)vsnprintf(line, sizeof(line), fmt, ap);
	if (log_sink != NULL)
		log_sink(prio, line);
	else
		log_line(log_procname, prio, line);
}

static void
logit(int prio, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(prio, fmt, ap);
	va_end(ap);
}

static void
vlog_errno(int prio, int saved_errno, const char *fmt, va_list ap)
{
	char	msg[1024];

	if (fmt == NULL) {
		logit(prio, "%s", strerror(saved_errno));
		return;
	}
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	logit(prio, "%s: %s", msg, strerror(saved_errno));
}

void
log_warn(const char *fmt, ...)
{
	va_list	ap;
	int	saved_errno = errno;

	va_start(ap, fmt);
	vlog_errno(LOG_WARNING, saved_errno, fmt, ap);
	va_end(ap);
	errno = saved_errno;
}

void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	if (log_verbose < 1)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap);
	va_end(ap);
}

void
log_trace(const char *fmt, ...)
{
	va_list	ap;

	if (log_verbose < 2)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	ap;
	int	saved_errno = errno;

	va_start(ap, fmt);
	vlog_errno(LOG_CRIT, saved_errno, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap);
	va_end(ap);
	exit(1);
}
