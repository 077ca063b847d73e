/*
 * A child's log line, made safe for root's log: its priority clamped, its
 * bytes escaped, its rate limited (parent only).
 */

#include <sys/types.h>

#include <syslog.h>

#include "childlog.h"

enum childlog_verdict
childlog_rate(struct childlog_rate *cr, time_t now, unsigned int rate,
    unsigned int kill, unsigned int *dropped)
{
	*dropped = 0;
	if (now != cr->cr_second) {
		*dropped = cr->cr_dropped;
		cr->cr_second = now;
		cr->cr_lines = 0;
		cr->cr_dropped = 0;
	}
	if (cr->cr_lines < kill)
		cr->cr_lines++;
	if (cr->cr_lines >= kill)
		return (CHILDLOG_FLOOD);
	if (cr->cr_lines > rate) {
		cr->cr_dropped++;
		return (CHILDLOG_DROP);
	}
	return (CHILDLOG_PASS);
}

int
childlog_prio(int32_t prio)
{
	if (prio < LOG_EMERG || prio > LOG_DEBUG)
		return (-1);
	/* Nothing a child says is an emergency of the whole daemon. */
	return (prio < LOG_ERR ? LOG_ERR : prio);
}

void
childlog_escape(const void *in, size_t len, char *out, size_t outlen)
{
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*p = in;
	size_t			 i, o = 0;

	if (outlen == 0)
		return;
	/*
	 * Not only control bytes: 0x9b is a C1 escape on some terminals,
	 * and UTF-8 can carry bidirectional overrides (U+202E).
	 */
	for (i = 0; i < len && o + 5 <= outlen; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\')
			out[o++] = p[i];
		else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[p[i] >> 4];
			out[o++] = hex[p[i] & 0xf];
		}
	}
	out[o] = '\0';
}
