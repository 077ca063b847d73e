/*
 * Past one machine without home-made clustering: twemproxy in front of
 * three instances (keys spread, an instance lost and ejected, traffic goes
 * on), and client-side consistent hashing with libmemcached (ketama) and
 * pymemcache's HashClient.
 */

#include <sys/types.h>
#include <sys/wait.h>

#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "client.h"
#include "daemon.h"

static struct daemon	servers[3];
static pid_t		proxy_pid = -1;
static char		proxy_dir[64];

static void
fini(void)
{
	int	i;

	if (proxy_pid > 0) {
		(void)kill(proxy_pid, SIGTERM);
		(void)waitpid(proxy_pid, NULL, 0);
	}
	for (i = 0; i < 3; i++)
		daemon_stop(&servers[i]);
	if (proxy_dir[0] != '\0') {
		char	cmd[128];

		(void)snprintf(cmd, sizeof(cmd), "rm -rf %s", proxy_dir);
		(void)system(cmd);
	}
}

TestSuite(cluster, .fini = fini, .timeout = 90);

static void
start_three(void)
{
	const char	*args[] = { NULL };
	int		 i;

	for (i = 0; i < 3; i++)
		cr_assert_eq(daemon_start(&servers[i], NULL, args), 0);
}

static int
run(const char *mode, int proxy)
{
	char	cmd[512];
	int	st;

	if (proxy > 0)
		(void)snprintf(cmd, sizeof(cmd), "/usr/bin/python3 "
		    "%s/tests/integ/clients_cluster.py %s %d %d %d %d",
		    daemon_src(), mode, proxy, servers[0].d_port,
		    servers[1].d_port, servers[2].d_port);
	else
		(void)snprintf(cmd, sizeof(cmd), "/usr/bin/python3 "
		    "%s/tests/integ/clients_cluster.py %s %d %d %d",
		    daemon_src(), mode, servers[0].d_port, servers[1].d_port,
		    servers[2].d_port);
	st = system(cmd);
	return (WIFEXITED(st) ? WEXITSTATUS(st) : 128);
}

Test(cluster, libmemcached_ketama)
{
	start_three();
	cr_assert_eq(run("ketama", 0), 0);
}

Test(cluster, pymemcache_hashclient)
{
	start_three();
	cr_assert_eq(run("hashclient", 0), 0);
}

Test(cluster, twemproxy)
{
	char	 conf[128], stats[16], *argv[8];
	FILE	*fp;
	int	 port, i, fd = -1;

	start_three();
	(void)snprintf(proxy_dir, sizeof(proxy_dir), "/tmp/pc-nut.XXXXXX");
	cr_assert_not_null(mkdtemp(proxy_dir));
	(void)snprintf(conf, sizeof(conf), "%s/nutcracker.yml", proxy_dir);
	port = daemon_free_port();
	cr_assert_not_null(fp = fopen(conf, "w"));
	/* fnv1a_64 with ketama leaves one of three servers without a key
	 * here (stock memcached behind it too); md5 spreads them. */
	fprintf(fp, "pool:\n  listen: 127.0.0.1:%d\n  hash: md5\n"
	    "  distribution: ketama\n  auto_eject_hosts: true\n"
	    "  server_retry_timeout: 60000\n  server_failure_limit: 1\n"
	    "  timeout: 500\n  servers:\n", port);
	for (i = 0; i < 3; i++)
		fprintf(fp, "   - 127.0.0.1:%d:1\n", servers[i].d_port);
	cr_assert_eq(fclose(fp), 0);
	(void)snprintf(stats, sizeof(stats), "%d", daemon_free_port());
	argv[0] = "nutcracker";
	argv[1] = "-c";
	argv[2] = conf;
	argv[3] = "-s";
	argv[4] = stats;
	argv[5] = "-a";
	argv[6] = "127.0.0.1";
	argv[7] = NULL;
	cr_assert_neq(proxy_pid = fork(), -1);
	if (proxy_pid == 0) {
		(void)freopen("/dev/null", "w", stdout);
		(void)freopen("/dev/null", "w", stderr);
		execvp("nutcracker", argv);
		_exit(127);
	}
	for (i = 0; i < 300 && (fd = client_connect(port)) == -1; i++)
		usleep(10000);
	cr_assert_geq(fd, 0, "twemproxy listens");
	close(fd);
	cr_assert_eq(run("proxy", port), 0, "keys spread and read back");
	daemon_stop(&servers[1]);
	cr_assert_eq(run("proxy-degraded", port), 0,
	    "the lost instance is ejected and traffic goes on");
}
