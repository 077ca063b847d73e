/*
 * The text of memcached 1.6.18's watch log lines (net child): each line's
 * "ts= gid=" head and the connection event lines.  No I/O; it calls no
 * other file of net/, so conn.c and watch.c can both use it.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>
#include <string.h>

#include "net.h"
#include "wire.h"

/* memcached numbers every line it logs; a watcher can put them in order. */
static uint64_t		watch_gid;

int
watch_line_head(char *line, size_t size)
{
	struct timeval	tv;
	int		n;

	gettimeofday(&tv, NULL);
	n = snprintf(line, size, "ts=%lld.%d gid=%llu ", (long long)tv.tv_sec,
	    (int)tv.tv_usec, (unsigned long long)++watch_gid);
	return (n > 0 && (size_t)n < size ? n : -1);
}

/* memcached's rip= and rport=: "unix" and 0 for the unix socket. */
static void
watch_line_peer(const struct conn *c, char *ip, size_t iplen,
    unsigned int *port)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;

	*port = 0;
	(void)strlcpy(ip, "unix", iplen);
	switch (c->c_ss.ss_family) {
	case AF_INET:
		sin = (const struct sockaddr_in *)&c->c_ss;
		if (inet_ntop(AF_INET, &sin->sin_addr, ip, iplen) == NULL)
			(void)strlcpy(ip, "", iplen);
		*port = ntohs(sin->sin_port);
		break;
	case AF_INET6:
		sin6 = (const struct sockaddr_in6 *)&c->c_ss;
		if (inet_ntop(AF_INET6, &sin6->sin6_addr, ip, iplen) == NULL)
			(void)strlcpy(ip, "", iplen);
		*port = ntohs(sin6->sin6_port);
		break;
	default:
		break;
	}
}

int
watch_line_conn(char *line, size_t size, const struct conn *c, int closed)
{
	static const char *const reasons[WATCH_CLOSE_MAX] = {
		"error", "normal", "idle_timeout", "shutdown",
	};
	char		ip[INET6_ADDRSTRLEN];
	unsigned int	port;
	int		h, n;

	if ((h = watch_line_head(line, size)) == -1)
		return (-1);
	watch_line_peer(c, ip, sizeof(ip), &port);
	if (closed)
		n = snprintf(line + h, size - h, "type=conn_close rip=%s "
		    "rport=%u transport=%s reason=%s cfd=%d\n", ip, port,
		    c->c_ss.ss_family == AF_UNIX ? "local" : "tcp",
		    c->c_close_reason < WATCH_CLOSE_MAX ?
		    reasons[c->c_close_reason] : "error", c->c_fd);
	else
		n = snprintf(line + h, size - h, "type=conn_new rip=%s "
		    "rport=%u transport=%s cfd=%d\n", ip, port,
		    c->c_ss.ss_family == AF_UNIX ? "local" : "tcp", c->c_fd);
	return (n > 0 && (size_t)n < size - h ? h + n : -1);
}
