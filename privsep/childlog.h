/*
 * What becomes of a child's log line in the parent: its priority clamped,
 * its bytes escaped, its rate limited (parent only).
 */

#ifndef PRIVCACHED_CHILDLOG_H
#define PRIVCACHED_CHILDLOG_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/*
 * Log lines a child may send per second; past KILL it is killed.  With -vv
 * the operator asked for a line per request: then the _TRACE limits.
 */
#define CHILDLOG_RATE		200
#define CHILDLOG_KILL		2000
#define CHILDLOG_RATE_TRACE	20000
#define CHILDLOG_KILL_TRACE	200000

/* The longest escaped line: every byte may take four. */
#define CHILDLOG_ESCAPED_MAX(n)	((n) * 4 + 1)

struct childlog_rate {
	time_t		cr_second;
	unsigned int	cr_lines;
	unsigned int	cr_dropped;
};

enum childlog_verdict {
	CHILDLOG_PASS,		/* log it */
	CHILDLOG_DROP,		/* over the rate: count it only */
	CHILDLOG_FLOOD		/* over the kill limit: kill the child */
};

/*
 * One more line at now, against rate and kill (lines per second).  When a
 * new second starts, *dropped says how many lines the last one dropped (to
 * be logged once), else 0.
 */
enum childlog_verdict childlog_rate(struct childlog_rate *, time_t now,
		    unsigned int rate, unsigned int kill,
		    unsigned int *dropped);
/* A child's priority, or -1 if it is none; never above LOG_ERR. */
int		 childlog_prio(int32_t);
/*
 * len bytes into out (outlen >= CHILDLOG_ESCAPED_MAX(len) for the whole
 * line), every byte outside printable ASCII, and the backslash, as \xNN.
 */
void		 childlog_escape(const void *, size_t len, char *out,
		    size_t outlen);

#endif /* PRIVCACHED_CHILDLOG_H */
