/*
 * -t N: several net children share the listeners and one storage child.
 * Connections spread over them, every one sees the same cache, stats count
 * the whole daemon, and one net child's death leaves the others serving.
 */

#include <sys/types.h>

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "daemon.h"

#define NCLIENTS	24
#define EXTRA_MAX	200

static struct daemon	d;

static void
fini(void)
{
	daemon_stop(&d);
}

TestSuite(netchildren, .fini = fini, .timeout = 60);

/* The pids of the net children, at most n; how many. */
static size_t
net_children(pid_t *out, size_t n)
{
	return (daemon_children_role(&d, "net", out, n));
}

/* Waits up to 5 s for want net children to show their titles; how many. */
static size_t
net_children_wait(pid_t *out, size_t n, size_t want)
{
	size_t	found = 0;
	int	tries;

	for (tries = 0; tries < 500; tries++) {
		if ((found = net_children(out, n)) == want)
			break;
		usleep(10 * 1000);
	}
	return (found);
}

/* How many descriptors pid holds, or -1. */
static int
fd_count(pid_t pid)
{
	struct dirent	*de;
	DIR		*dir;
	char		 path[64];
	int		 n = 0;

	(void)snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	if ((dir = opendir(path)) == NULL)
		return (-1);
	while ((de = readdir(dir)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(dir);
	return (n);
}

/* How many connections `stats conns' on fd lists: its net child's. */
static int
conns_seen(int fd)
{
	static char	 got[65536];
	char		*p;
	int		 n = 0;

	if (client_sends(fd, "stats conns\r\n") == -1 ||
	    client_recv_until(fd, got, sizeof(got), "END\r\n") <= 0)
		return (-1);
	for (p = got; (p = strstr(p, ":addr ")) != NULL; p++)
		n++;
	return (n);
}

/* arg, a pid, no longer names a process. */
static int
process_gone(void *arg)
{
	return (kill(*(pid_t *)arg, 0) == -1 && errno == ESRCH);
}

Test(netchildren, spread_shared_cache_whole_stats)
{
	const char	*args[] = { "-t", "2", "-o", "conn_per_ip=0", NULL };
	pid_t		 nets[4];
	char		 req[128], want[128];
	int		 fds[NCLIENTS], extra[EXTRA_MAX], i, seen, fewer = 0;
	int		 nextra = 0;
	long long	 v;

	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	cr_assert_eq(net_children_wait(nets, 4, 2), 2, "two net children");
	for (i = 0; i < NCLIENTS; i++) {
		cr_assert_geq(fds[i] = client_connect(d.d_port), 0);
		(void)snprintf(req, sizeof(req), "set k%d 0 0 2\r\n%02d\r\n",
		    i, i);
		cr_assert(client_expect(fds[i], req, "\r\n", "STORED\r\n"));
	}
	/* Every connection reads what every other one stored. */
	for (i = 0; i < NCLIENTS; i++) {
		(void)snprintf(req, sizeof(req), "get k%d\r\n",
		    (i + 7) % NCLIENTS);
		(void)snprintf(want, sizeof(want),
		    "VALUE k%d 0 2\r\n%02d\r\nEND\r\n", (i + 7) % NCLIENTS,
		    (i + 7) % NCLIENTS);
		cr_assert(client_expect(fds[i], req, "END\r\n", want),
		    "connection %d", i);
	}
	/*
	 * Each net child lists only its own connections: fewer than all of
	 * them somewhere means the connections were spread.
	 */
	for (i = 0; i < NCLIENTS; i++) {
		cr_assert_geq(seen = conns_seen(fds[i]), 1);
		if (seen < NCLIENTS)
			fewer = 1;
	}
	/*
	 * Which child accepts is a race the kernel decides; a slow (sanitizer)
	 * build can lose it many times running.  More connections, one at a
	 * time, until one lands on the other child, or give up.
	 */
	for (i = 0; !fewer && i < EXTRA_MAX; i++) {
		cr_assert_geq(extra[i] = client_connect(d.d_port), 0);
		cr_assert_geq(seen = conns_seen(extra[i]), 1);
		nextra = i + 1;
		if (seen < NCLIENTS + nextra)
			fewer = 1;
	}
	for (i = 0; i < nextra; i++)
		close(extra[i]);
	cr_assert(fewer, "every connection landed on one net child");
	/*
	 * Each child pushes its counters each second, after it has seen the
	 * closes above; then any connection sees all of them.
	 */
	for (i = 0; i < NCLIENTS; i += 5) {
		v = client_stat_wait(fds[i], NULL, "curr_connections",
		    NCLIENTS, 5000);
		cr_assert_eq(v, NCLIENTS, "connection %d: curr_connections "
		    "%lld", i, v);
		cr_assert_eq(client_stat(fds[i], NULL, "threads"), 2);
		/* The limit as set, not one child's share of it. */
		cr_assert_eq(client_stat(fds[i], NULL, "max_connections"), 1024);
		cr_assert_eq(client_stat(fds[i], NULL, "cmd_set"), NCLIENTS);
	}
	for (i = 0; i < NCLIENTS; i++)
		close(fds[i]);
}

Test(netchildren, one_dies_others_serve)
{
	const char	*args[] = { "-t", "3", "-o", "conn_per_ip=0", NULL };
	pid_t		 nets[4], after[4], victim;
	int		 fds[NCLIENTS + EXTRA_MAX], alive[NCLIENTS + EXTRA_MAX];
	int		 base[3], now[3], i, j, n, nfds = 0, nalive = 0, busy;
	int		 most, same;
	int		 tries;

	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	cr_assert_eq(net_children_wait(nets, 4, 3), 3, "three net children");
	/*
	 * Set up, every net child holds the same descriptors (channels,
	 * listeners, epoll); wait for that, the same in ten looks running,
	 * before counting connections.
	 */
	for (tries = 0, same = 0; tries < 500 && same < 10; tries++) {
		for (j = 0; j < 3; j++)
			cr_assert_gt(now[j] = fd_count(nets[j]), 0);
		if (now[0] == now[1] && now[1] == now[2] && now[0] == base[0])
			same++;
		else
			same = 0;
		memcpy(base, now, sizeof(base));
		usleep(10 * 1000);
	}
	cr_assert(same == 10, "descriptors %d %d %d", base[0], base[1],
	    base[2]);
	/*
	 * Connections until at least two children hold some (which child
	 * accepts is the kernel's race), so that one can die and another
	 * show that its connections live on.
	 */
	for (;;) {
		cr_assert_lt(nfds, NCLIENTS + EXTRA_MAX, "connections never "
		    "spread over two net children");
		cr_assert_geq(fds[nfds] = client_connect(d.d_port), 0);
		cr_assert(client_expect(fds[nfds], "set shared 0 0 1\r\nx\r\n",
		    "\r\n", "STORED\r\n"));
		nfds++;
		if (nfds < NCLIENTS)
			continue;
		for (j = 0, busy = 0, most = 0; j < 3; j++) {
			if ((n = fd_count(nets[j]) - base[j]) > 0)
				busy++;
			if (n > fd_count(nets[most]) - base[most])
				most = j;
		}
		if (busy >= 2)
			break;
	}
	victim = nets[most];
	cr_assert_eq(kill(victim, SIGKILL), 0);
	/* Its connections die with it, once the parent has reaped it. */
	cr_assert(client_wait_for(process_gone, &victim, 5000),
	    "net child %d still there", (int)victim);
	/* Connections on the other children go on as if nothing happened. */
	for (i = 0; i < nfds; i++) {
		alive[i] = client_expect(fds[i], "get shared\r\n", "END\r\n",
		    "VALUE shared 0 1\r\nx\r\nEND\r\n");
		nalive += alive[i];
	}
	cr_assert_gt(nalive, 0, "no connection survived the death of one "
	    "of three net children");
	cr_assert_lt(nalive, nfds, "no connection was on the child that "
	    "died");
	/* The dead one is replaced; the others keep their pids. */
	for (tries = 0; tries < 300; tries++) {
		if ((n = net_children(after, 4)) == 3 && after[0] != victim &&
		    after[1] != victim && after[2] != victim)
			break;
		usleep(10 * 1000);
	}
	cr_assert_eq(net_children(after, 4), 3, "net child replaced");
	for (i = 0; i < 3; i++)
		cr_assert_neq(after[i], victim);
	cr_assert(daemon_log_has(&d, "lost child: net", 0));
	for (i = 0; i < nfds; i++) {
		/* The survivors hear of the restart once it is ready. */
		if (alive[i])
			cr_assert_eq(client_stat_wait(fds[i], NULL,
			    "privcached_net_restarts", 1, 2000), 1);
		close(fds[i]);
	}
}

Test(netchildren, limits_are_shared)
{
	const char	*args[] = { "-t", "2", "-c", "10", NULL };
	int		 fds[16], i, refused = 0, ok = 0;
	char		 got[256];

	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	/* Together the children never pass -c: 5 each here. */
	for (i = 0; i < 16; i++) {
		cr_assert_geq(fds[i] = client_connect(d.d_port), 0);
		if (client_sends(fds[i], "version\r\n") == 0 &&
		    client_recv_until(fds[i], got, sizeof(got), "\r\n") > 0 &&
		    strncmp(got, "VERSION", 7) == 0)
			ok++;
		else
			refused++;
	}
	cr_assert_leq(ok, 10, "%d connections served with -c 10", ok);
	cr_assert_geq(refused, 6);
	for (i = 0; i < 16; i++)
		close(fds[i]);
}
