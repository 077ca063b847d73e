/*
 * SIGUSR2 upgrades in place: with clients connected and pipelining, no
 * connection is refused, no answer is wrong (a connection the old net
 * child closes after its last answer is simply opened again), the pid
 * stays and every key is still there.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "daemon.h"

#define NKEYS		200
#define PIPELINE	20
#define CLIENTS		4

static struct daemon	d;
static volatile int	stop_clients;

struct pipeliner {
	pthread_t	 p_thread;
	int		 p_id;
	long		 p_refused;	/* connect() failed */
	long		 p_wrong;	/* an answer that is not the value */
	long		 p_answers;
	long		 p_reconnects;
};

static void
fini(void)
{
	daemon_stop(&d);
}

TestSuite(upgrade, .fini = fini, .timeout = 120);

/* Reads what comes until want bytes or EOF/timeout: how many. */
static size_t
read_some(int fd, char *buf, size_t want)
{
	struct pollfd	 pfd;
	size_t		 got = 0;
	ssize_t		 n;

	while (got < want) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 10000) <= 0)
			break;
		if ((n = recv(fd, buf + got, want - got, 0)) <= 0)
			break;
		got += (size_t)n;
	}
	return (got);
}

static void *
pipeliner_run(void *arg)
{
	struct pipeliner	*p = arg;
	char			 req[PIPELINE * 32], want[PIPELINE * 64];
	char			 got[sizeof(want)];
	size_t			 rlen, wlen, n;
	int			 fd = -1, i, k, round = 0;

	while (!stop_clients) {
		if (fd == -1 && (fd = client_connect(d.d_port)) == -1) {
			p->p_refused++;
			client_sleep_ms(1);
			continue;
		}
		rlen = wlen = 0;
		for (i = 0; i < PIPELINE; i++) {
			k = (p->p_id * 7 + round * PIPELINE + i) % NKEYS;
			rlen += (size_t)snprintf(req + rlen, sizeof(req) - rlen,
			    "get u:%d\r\n", k);
			wlen += (size_t)snprintf(want + wlen,
			    sizeof(want) - wlen,
			    "VALUE u:%d 0 %d\r\nv-%d\r\nEND\r\n", k,
			    2 + snprintf(NULL, 0, "%d", k), k);
		}
		round++;
		if (client_send(fd, req, rlen) == -1) {
			close(fd);
			fd = -1;
			p->p_reconnects++;
			continue;
		}
		n = read_some(fd, got, wlen);
		/* All of it, or (the old net child left) a part of it. */
		if (memcmp(got, want, n) != 0)
			p->p_wrong++;
		p->p_answers += n == wlen;
		if (n < wlen) {
			close(fd);
			fd = -1;
			p->p_reconnects++;
		}
	}
	if (fd != -1)
		close(fd);
	return (NULL);
}

Test(upgrade, sigusr2_while_pipelining)
{
	const char		*args[] = { NULL };
	struct pipeliner	 p[CLIENTS];
	char			 buf[256], want[64];
	long			 before, after = 0;
	int			 fd, i;
	pid_t			 pid;

	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	pid = d.d_pid;
	cr_assert_geq(fd = client_connect(d.d_port), 0);
	for (i = 0; i < NKEYS; i++) {
		(void)snprintf(buf, sizeof(buf), "set u:%d 0 0 %d\r\nv-%d\r\n",
		    i, 2 + snprintf(NULL, 0, "%d", i), i);
		cr_assert(client_expect(fd, buf, "\r\n", "STORED\r\n"));
	}
	close(fd);

	memset(p, 0, sizeof(p));
	stop_clients = 0;
	for (i = 0; i < CLIENTS; i++) {
		p[i].p_id = i;
		cr_assert_eq(pthread_create(&p[i].p_thread, NULL,
		    pipeliner_run, &p[i]), 0);
	}
	client_sleep_ms(300);
	for (i = 0, before = 0; i < CLIENTS; i++)
		before += p[i].p_answers;
	cr_assert_eq(kill(d.d_pid, SIGUSR2), 0);
	cr_assert(daemon_log_has(&d, "upgraded in place", 15000));
	cr_assert(daemon_log_has(&d, "recovered 200 items, dropped 0", 15000));
	/* Served again by the new children, for a while. */
	for (i = 0; i < 200 && after <= before + CLIENTS * 5; i++) {
		client_sleep_ms(10);
		for (after = 0, fd = 0; fd < CLIENTS; fd++)
			after += p[fd].p_answers;
	}
	client_sleep_ms(300);
	stop_clients = 1;
	for (i = 0; i < CLIENTS; i++) {
		cr_assert_eq(pthread_join(p[i].p_thread, NULL), 0);
		cr_expect_eq(p[i].p_refused, 0, "client %d refused %ld times",
		    i, p[i].p_refused);
		cr_expect_eq(p[i].p_wrong, 0, "client %d: %ld wrong answers",
		    i, p[i].p_wrong);
	}
	cr_assert_gt(after, before, "answers after the upgrade");
	cr_assert_eq(d.d_pid, pid);

	cr_assert_geq(fd = client_connect(d.d_port), 0);
	for (i = 0; i < NKEYS; i++) {
		(void)snprintf(buf, sizeof(buf), "get u:%d\r\n", i);
		(void)snprintf(want, sizeof(want),
		    "VALUE u:%d 0 %d\r\nv-%d\r\nEND\r\n", i,
		    2 + snprintf(NULL, 0, "%d", i), i);
		cr_assert(client_expect(fd, buf, "END\r\n", want));
	}
	close(fd);
	cr_assert_eq(kill(pid, 0), 0, "the same parent");
}
