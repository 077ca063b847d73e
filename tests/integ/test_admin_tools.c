/*
 * Operators' tools against the running daemon: libmemcached's memcdump,
 * PHP's Memcached::getAllKeys() (binary protocol off and on), Debian's
 * memcached-tool dump, display and stats, pymemcache's stats cachedump and
 * cache_memlimit, Cache::Memcached::Fast's server_versions; and the same
 * admin commands refused from an address -o admin_allow leaves out.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <criterion/criterion.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "daemon.h"

#define MEMCACHED_TOOL	"/usr/share/memcached/scripts/memcached-tool"

static struct daemon	d;
static char		conf_path[128];

static void
fini(void)
{
	daemon_stop(&d);
	if (conf_path[0] != '\0')
		(void)unlink(conf_path);
}

static void
write_conf(const char *text)
{
	FILE	*fp;

	cr_assert_not_null(fp = fopen(conf_path, "w"));
	fputs(text, fp);
	cr_assert_eq(fclose(fp), 0);
}

TestSuite(admin_tools, .fini = fini, .timeout = 120);

/* Runs a shell command for port; its output into out, its exit status. */
static int
run(char *out, size_t len, const char *fmt, ...)
{
	char	 cmd[2048];
	FILE	*fp;
	size_t	 n = 0, r;
	va_list	 ap;
	int	 st;

	va_start(ap, fmt);
	(void)vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	cr_assert_not_null(fp = popen(cmd, "r"), "%s", cmd);
	while (n + 1 < len && (r = fread(out + n, 1, len - n - 1, fp)) > 0)
		n += r;
	out[n] = '\0';
	st = pclose(fp);
	return (WIFEXITED(st) ? WEXITSTATUS(st) : 128);
}

/*
 * The tools come from Debian packages (contrib/deps.sh): elsewhere a test
 * whose tool is missing is skipped; on Linux it must be there.
 */
static void
need(const char *check)
{
	char	out[256];

	if (run(out, sizeof(out), "%s >/dev/null 2>&1", check) == 0)
		return;
#ifdef __linux__
	cr_assert_fail("missing (make deps): %s", check);
#else
	cr_skip_test("not installed: %s", check);
#endif
}

static void
start(const char *const args[])
{
	int	fd;

	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	cr_assert_geq(fd = client_connect(d.d_port), 0);
	cr_assert(client_expect(fd, "set tool:one 0 0 3\r\none\r\n"
	    "set tool%two 7 0 3\r\ntwo\r\n", "STORED\r\nSTORED\r\n",
	    "STORED\r\nSTORED\r\n"));
	close(fd);
}

static const char *const plain[] = { NULL };

Test(admin_tools, memcdump)
{
	char	out[4096];

	need("command -v memcdump");
	start(plain);
	cr_assert_eq(run(out, sizeof(out), "memcdump "
	    "--servers=127.0.0.1:%d 2>&1", d.d_port), 0, "%s", out);
	cr_assert_not_null(strstr(out, "tool:one\n"), "%s", out);
	cr_assert_not_null(strstr(out, "tool%two\n"), "%s", out);
}

Test(admin_tools, php_get_all_keys)
{
	char	out[4096];

	need("php -r 'exit(class_exists(\"Memcached\") ? 0 : 1);'");
	start(plain);
	cr_assert_eq(run(out, sizeof(out), "php -r '$m = new Memcached(); "
	    "$m->addServer(\"127.0.0.1\", %d); $k = $m->getAllKeys(); "
	    "sort($k); echo implode(\",\", $k), \"\\n\";' 2>&1", d.d_port), 0,
	    "%s", out);
	cr_assert_str_eq(out, "tool%two,tool:one\n");
	/*
	 * With the binary protocol libmemcached refuses to dump before
	 * asking (it does so against memcached too): the same answer here.
	 */
	cr_assert_eq(run(out, sizeof(out), "php -r '$m = new Memcached(); "
	    "$m->setOption(Memcached::OPT_BINARY_PROTOCOL, true); "
	    "$m->addServer(\"127.0.0.1\", %d); var_dump($m->getAllKeys()); "
	    "echo $m->getResultMessage(), \"\\n\"; "
	    "var_dump($m->get(\"tool:one\"));' 2>&1", d.d_port), 0,
	    "%s", out);
	cr_assert_str_eq(out, "bool(false)\nACTION NOT SUPPORTED\n"
	    "string(3) \"one\"\n");
}

Test(admin_tools, memcached_tool)
{
	char	out[8192];

	need("test -r " MEMCACHED_TOOL);
	start(plain);
	cr_assert_eq(run(out, sizeof(out), "perl " MEMCACHED_TOOL
	    " 127.0.0.1:%d dump 2>/dev/null", d.d_port), 0);
	cr_assert_not_null(strstr(out, "add tool:one 0 0 3\r\none\r\n"),
	    "%s", out);
	cr_assert_not_null(strstr(out, "add tool%two 7 0 3\r\ntwo\r\n"),
	    "%s", out);
	cr_assert_eq(run(out, sizeof(out), "perl " MEMCACHED_TOOL
	    " 127.0.0.1:%d display 2>&1", d.d_port), 0);
	cr_assert_not_null(strstr(out, "Item_Size"), "%s", out);
	cr_assert_eq(run(out, sizeof(out), "perl " MEMCACHED_TOOL
	    " 127.0.0.1:%d stats 2>&1", d.d_port), 0);
	cr_assert_not_null(strstr(out, " curr_items             2"), "%s",
	    out);
	cr_assert_not_null(strstr(out, " version        1.6.18"), "%s", out);
}

Test(admin_tools, pymemcache_cachedump_and_memlimit)
{
	char	out[4096];

	need("/usr/bin/python3 -c 'import pymemcache'");
	start(plain);
	cr_assert_eq(run(out, sizeof(out), "/usr/bin/python3 "
	    "%s/tests/integ/admin_tools.py %d 2>&1", daemon_src(), d.d_port),
	    0, "%s", out);
}

/*
 * cache_memlimit past -m and back (tests/integ/memlimit.py), as root
 * and unprivileged: the storage child's shared memory shrinks too.
 */
static void
memlimit(const char *user)
{
	static const char *const args[] = {
		"-m", "3", "-o", "memlimit_max=32", NULL
	};
	char	out[4096];
	pid_t	storage;

	need("/usr/bin/python3 -c 'import pymemcache'");
	cr_assert_eq(daemon_start(&d, user, args), 0);
	cr_assert_gt(storage = daemon_child(&d, "storage"), 0);
	cr_assert_eq(run(out, sizeof(out), "/usr/bin/python3 "
	    "%s/tests/integ/memlimit.py %d %d 2>&1", daemon_src(), d.d_port,
	    (int)storage), 0, "%s", out);
}

Test(admin_tools, pymemcache_memlimit_grows_and_shrinks)
{
	memlimit(NULL);
}

Test(admin_tools, unprivileged_memlimit_grows_and_shrinks)
{
	memlimit("nobody");
}

/* Whether the net child serving fd also serves the client at port. */
static int
serves_port(int fd, unsigned int port)
{
	static char	got[65536];
	char		pat[64];

	cr_assert_eq(client_sends(fd, "stats conns\r\n"), 0);
	cr_assert_gt(client_recv_until(fd, got, sizeof(got), "END\r\n"), 0);
	(void)snprintf(pat, sizeof(pat), ":addr tcp:127.0.0.1:%u\r\n", port);
	return (strstr(got, pat) != NULL);
}

static unsigned int
local_port(int fd)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);

	cr_assert_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	return (ntohs(sin.sin_port));
}

/* arg, two net children's pids: two others serve instead. */
static int
nets_replaced(void *arg)
{
	const pid_t	*old = arg;
	pid_t		 now[3];
	size_t		 i;

	if (daemon_children_role(&d, "net", now, 3) != 2)
		return (0);
	for (i = 0; i < 2; i++)
		if (now[i] == old[0] || now[i] == old[1])
			return (0);
	return (1);
}

#define MEMLIMIT_32	(32LL * 1024 * 1024)

struct probe {
	unsigned int	pr_port;	/* a client of the first child */
	int		pr_fd;		/* one of another child, or -1 */
};

/*
 * A new connection lands on a net child other than the one serving
 * pr_port: kept in pr_fd.  Which child accepts is the kernel's choice,
 * and a child still starting takes none.
 */
static int
landed_elsewhere(void *arg)
{
	struct probe	*pr = arg;
	int		 fd;

	cr_assert_geq(fd = client_connect(d.d_port), 0);
	if (!serves_port(fd, pr->pr_port)) {
		pr->pr_fd = fd;
		return (1);
	}
	close(fd);
	return (0);
}

/*
 * stats settings maxbytes is the storage child's limit on every net
 * child: the one cache_memlimit went through, another one, and net
 * children started after it.
 */
static void
memlimit_every_net_child(const char *user)
{
	static const char *const args[] = { "-t", "2", NULL };
	struct probe	 pr;
	pid_t		 nets[2];
	size_t		 n, i;
	long long	 v;
	int		 a, fd;

	cr_assert_eq(daemon_start(&d, user, args), 0);
	cr_assert_geq(a = client_connect(d.d_port), 0);
	cr_assert_eq(client_stat(a, "settings", "maxbytes"), 64LL << 20);
	cr_assert(client_expect(a, "cache_memlimit 32\r\n", "\r\n",
	    "OK\r\n"));
	cr_assert_eq(client_stat(a, "settings", "maxbytes"), MEMLIMIT_32);
	pr.pr_port = local_port(a);
	pr.pr_fd = -1;
	cr_assert(client_wait_for(landed_elsewhere, &pr, 20000),
	    "every connection landed on one net child");
	/* Told after the asker's reply: it may take a moment. */
	v = client_stat_wait(pr.pr_fd, "settings", "maxbytes", MEMLIMIT_32,
	    5000);
	cr_assert_eq(v, MEMLIMIT_32, "the other net child: maxbytes %lld", v);
	close(pr.pr_fd);
	/* Both net children die; those the parent starts were never told. */
	cr_assert_eq(daemon_children_role(&d, "net", nets, 2), 2);
	for (n = 0; n < 2; n++)
		cr_assert_eq(kill(nets[n], SIGKILL), 0);
	cr_assert(client_wait_for(nets_replaced, nets, 10000),
	    "the net children were not started again");
	close(a);
	for (i = 0; i < 8; i++) {
		cr_assert_geq(fd = client_connect(d.d_port), 0);
		cr_assert_geq(client_stat_wait(fd, NULL,
		    "privcached_net_restarts", 2, 5000), 2);
		v = client_stat_wait(fd, "settings", "maxbytes", MEMLIMIT_32,
		    5000);
		cr_assert_eq(v, MEMLIMIT_32, "after respawn %zu: maxbytes %lld",
		    i, v);
		close(fd);
	}
}

Test(admin_tools, memlimit_on_every_net_child)
{
	memlimit_every_net_child(NULL);
}

Test(admin_tools, unprivileged_memlimit_on_every_net_child)
{
	memlimit_every_net_child("nobody");
}

Test(admin_tools, cache_memcached_fast_versions)
{
	char	out[4096];

	need("perl -MCache::Memcached::Fast -e 1");
	start(plain);
	cr_assert_eq(run(out, sizeof(out), "perl -MCache::Memcached::Fast "
	    "-e '$m = Cache::Memcached::Fast->new({ servers => "
	    "[\"127.0.0.1:%d\"] }); $v = $m->server_versions; "
	    "print values(%%$v), \"\\n\";' 2>&1", d.d_port), 0, "%s", out);
	cr_assert_str_eq(out, "1.6.18\n");
}

/* From an address admin_allow leaves out: refused, counted, logged. */
Test(admin_tools, refused_from_other_addresses)
{
	static const char *const args[] = {
		"-o", "admin_allow=10.0.0.0/8;fd00::/8", "-A", NULL
	};
	static const char *const cmds[] = {
		"stats cachedump 1 0", "stats detail dump",
		"lru_crawler metadump all", "cache_memlimit 32", "watch",
		"slabs automove 0", "lru mode flat", "flush_all",
		"verbosity 1", "shutdown",
	};
	char	out[4096], req[128];
	size_t	i;
	int	fd;

	start(args);
	cr_assert_geq(fd = client_connect(d.d_port), 0);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		(void)snprintf(req, sizeof(req), "%s\r\n", cmds[i]);
		cr_assert(client_expect(fd, req, "\r\n", "CLIENT_ERROR admin "
		    "commands not allowed from this address\r\n"), "%s",
		    cmds[i]);
	}
	cr_assert_eq(client_stat(fd, NULL, "privcached_admin_refused"),
	    (long long)(sizeof(cmds) / sizeof(cmds[0])));
	/* Nothing was flushed, the daemon still runs, the rest works. */
	cr_assert(client_expect(fd, "get tool:one\r\n", "END\r\n",
	    "VALUE tool:one 0 3\r\none\r\nEND\r\n"));
	close(fd);
	cr_assert(daemon_log_has(&d, "admin command refused", 3000));
	/* The tools get the refusal too, not a listing. */
	need("command -v memcdump");
	(void)run(out, sizeof(out), "memcdump --servers=127.0.0.1:%d 2>&1",
	    d.d_port);
	cr_assert_null(strstr(out, "tool:one"), "%s", out);
}

/* admin_allow is reloaded with SIGHUP and applies to open connections. */
Test(admin_tools, admin_allow_reloads)
{
	static const char	 refused[] = "CLIENT_ERROR admin commands not "
				    "allowed from this address\r\n";
	char			 arg[160];
	const char		*args[] = { arg, NULL };
	int			 fd;

	(void)snprintf(conf_path, sizeof(conf_path), "/tmp/pc-admin-%d.conf",
	    (int)getpid());
	(void)snprintf(arg, sizeof(arg), "--config=%s", conf_path);
	write_conf("-o admin_allow=10.0.0.0/8\n");
	start(args);
	cr_assert_geq(fd = client_connect(d.d_port), 0);
	cr_assert(client_expect(fd, "lru_crawler tocrawl 5\r\n", "\r\n",
	    refused));
	write_conf("-o admin_allow=127.0.0.1/32\n");
	cr_assert_eq(kill(d.d_pid, SIGHUP), 0);
	cr_assert(daemon_log_has(&d, "net: configuration reloaded", 3000));
	cr_assert(client_expect(fd, "lru_crawler tocrawl 5\r\n", "\r\n",
	    "OK\r\n"), "the open connection may now");
	close(fd);
}
