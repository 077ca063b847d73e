/*
 * A raw-bytes memcached client for the integration tests.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client.h"

#define CLIENT_TIMEOUT_MS	3000

int
client_connect(int port)
{
	struct sockaddr_in	sin;
	int			fd, on = 1;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		close(fd);
		return (-1);
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	return (fd);
}

int
client_send(int fd, const void *p, size_t len)
{
	const char	*s = p;
	ssize_t		 n;

	while (len > 0) {
		if ((n = send(fd, s, len, MSG_NOSIGNAL)) == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		s += n;
		len -= n;
	}
	return (0);
}

int
client_sends(int fd, const char *s)
{
	return (client_send(fd, s, strlen(s)));
}

long
client_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

void
client_sleep_ms(int ms)
{
	struct timespec	ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

ssize_t
client_recv_until(int fd, char *buf, size_t len, const char *end)
{
	struct pollfd	pfd;
	size_t		got = 0, elen = strlen(end);
	long		deadline = client_now_ms() + CLIENT_TIMEOUT_MS, left;
	ssize_t		n;

	buf[0] = '\0';
	while (got + 1 < len) {
		if (got >= elen && memcmp(buf + got - elen, end, elen) == 0)
			break;
		if ((left = deadline - client_now_ms()) <= 0)
			break;
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, (int)left) <= 0)
			break;
		if ((n = recv(fd, buf + got, len - got - 1, 0)) <= 0)
			break;
		got += n;
		buf[got] = '\0';
	}
	return ((ssize_t)got);
}

int
client_recv_exact(int fd, void *buf, size_t n)
{
	struct pollfd	 pfd;
	char		*p = buf;
	long		 deadline = client_now_ms() + CLIENT_TIMEOUT_MS, left;
	ssize_t		 r;

	while (n > 0) {
		if ((left = deadline - client_now_ms()) <= 0)
			return (-1);
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, (int)left) <= 0)
			return (-1);
		if ((r = recv(fd, p, n, 0)) <= 0) {
			if (r == -1 && errno == EINTR)
				continue;
			return (-1);
		}
		p += r;
		n -= r;
	}
	return (0);
}

int
client_expect(int fd, const char *req, const char *end, const char *want)
{
	char	buf[65536];

	if (req != NULL && client_sends(fd, req) == -1)
		return (0);
	if (client_recv_until(fd, buf, sizeof(buf), end) < 0)
		return (0);
	if (strcmp(buf, want) != 0) {
		fprintf(stderr, "request %s: got [%s] want [%s]\n",
		    req != NULL ? req : "(none)", buf, want);
		return (0);
	}
	return (1);
}

int
client_closed(int fd)
{
	return (client_closed_within(fd, CLIENT_TIMEOUT_MS));
}

int
client_closed_within(int fd, int ms)
{
	struct pollfd	pfd;
	char		c;

	pfd.fd = fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, ms) <= 0)
		return (0);
	/* Closed with unread data on our side, the peer sends a reset. */
	switch (recv(fd, &c, 1, 0)) {
	case 0:
		return (1);
	case -1:
		return (errno == ECONNRESET);
	default:
		return (0);
	}
}

int
client_wait_for(int (*cond)(void *), void *arg, int ms)
{
	long	deadline = client_now_ms() + ms;

	for (;;) {
		if (cond(arg))
			return (1);
		if (client_now_ms() >= deadline)
			return (0);
		client_sleep_ms(CLIENT_POLL_MS);
	}
}

long long
client_stat(int fd, const char *group, const char *name)
{
	static char	 got[65536];
	char		 req[128], want[128], *p;

	(void)snprintf(req, sizeof(req), "stats%s%s\r\n",
	    group != NULL ? " " : "", group != NULL ? group : "");
	if (client_sends(fd, req) == -1 ||
	    client_recv_until(fd, got, sizeof(got), "END\r\n") <= 0)
		return (-1);
	(void)snprintf(want, sizeof(want), "STAT %s ", name);
	if ((p = strstr(got, want)) == NULL)
		return (-1);
	return (strtoll(p + strlen(want), NULL, 10));
}

long long
client_stat_wait(int fd, const char *group, const char *name,
    long long want, int ms)
{
	long		deadline = client_now_ms() + ms;
	long long	v;

	while ((v = client_stat(fd, group, name)) != want &&
	    client_now_ms() < deadline)
		client_sleep_ms(CLIENT_POLL_MS);
	return (v);
}

int
client_expect_within(int port, const char *req, const char *end,
    const char *want, int ms)
{
	long	deadline = client_now_ms() + ms;
	int	fd, ok;

	for (;;) {
		ok = 0;
		if ((fd = client_connect(port)) != -1) {
			ok = client_expect(fd, req, end, want);
			close(fd);
		}
		if (ok || client_now_ms() >= deadline)
			return (ok);
		client_sleep_ms(CLIENT_POLL_MS);
	}
}
