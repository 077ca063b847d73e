/*
 * A compromised net child, played by the test-hooks build ("misbehave
 * <what>"): it shuts the shared listeners down, sends the parent a
 * descriptor, garbage or an oversized frame, floods root's log, floods
 * storage with stats requests it never reads, stops reading its control
 * channel, exits again and again, makes a forbidden call.  After each, the
 * parent lives with exactly the descriptors it had, the parent's and
 * storage's memory stay within the bounds below, no process burns more than
 * half a CPU, every listener serves again within a second of the respawn
 * (counted from the new child's fork) and every key is intact.
 */

#include <sys/types.h>

#include <criterion/criterion.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "daemon.h"

#define NKEYS		200
/*
 * What an attack may make storage grow by, in KiB; the parent may also
 * hold two full configurations (TLS files, up to 3 MB each) for a child
 * that does not read.
 */
#define RSS_SLACK_KB	(8 * 1024)
#define PARENT_SLACK_KB	(RSS_SLACK_KB + 2 * 3 * 1024)
/* The share of one CPU any process may use once the attack is over. */
#define CPU_MAX_PCT	50
/* Every listener serves this soon after a new net child is forked. */
#define RESPAWN_MS	1000

/*
 * Under ASan the daemon's RSS holds the allocator's quarantine (every
 * freed reply, up to 256 MB) and shadow memory: memory bounds are checked
 * in the ordinary build only.
 */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED	1
#else
#define SANITIZED	0
#endif

static struct daemon	d;
static int		port1;		/* the first plaintext listener */
static int		port2;		/* the second listener */
static char		sock_path[108];	/* port 0: this -s socket */

static void
fini(void)
{
	daemon_stop(&d);
}

TestSuite(hostile_child, .fini = fini, .timeout = 90);

static size_t
fd_count(pid_t pid)
{
	char		 path[64];
	DIR		*dir;
	size_t		 n = 0;

	(void)snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	cr_assert_not_null(dir = opendir(path));
	while (readdir(dir) != NULL)
		n++;
	closedir(dir);
	return (n);
}

static long
rss_kb(pid_t pid)
{
	char	buf[64];

	cr_assert_eq(proc_status_field(pid, "VmRSS", buf, sizeof(buf)), 0);
	return (strtol(buf, NULL, 10));
}

/*
 * From /proc/<pid>/stat, in clock ticks: the CPU pid used (utime + stime)
 * and when it was forked (starttime, since boot).  0, or -1 once it is
 * gone.
 */
static int
proc_ticks(pid_t pid, long *cpu, long *start)
{
	char		 path[64], buf[1024], *p;
	unsigned long	 ut, st;
	long long	 born;
	FILE		*fp;

	(void)snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fp = fopen(path, "r")) == NULL)
		return (-1);
	p = fgets(buf, sizeof(buf), fp);
	fclose(fp);
	/* The command may hold spaces: fields count from its ')'. */
	if (p == NULL || (p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu "
	    "%*d %*d %*d %*d %*d %*d %llu", &ut, &st, &born) != 3)
		return (-1);
	*cpu = (long)(ut + st);
	*start = (long)born;
	return (0);
}

/* utime + stime of pid in clock ticks, or -1 once it is gone. */
static long
cpu_ticks(pid_t pid)
{
	long	cpu, start;

	return (proc_ticks(pid, &cpu, &start) == -1 ? -1 : cpu);
}

/* Milliseconds since boot, /proc's starttime's clock. */
static long
boot_ms(void)
{
	struct timespec	ts;

	cr_assert_eq(clock_gettime(CLOCK_BOOTTIME, &ts), 0);
	return (ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* No process of the daemon over CPU_MAX_PCT, measured over one second. */
static void
assert_no_spin(void)
{
	pid_t	 pids[40];
	long	 before[40], after, hz = sysconf(_SC_CLK_TCK);
	size_t	 n, i;

	pids[0] = d.d_pid;
	n = 1 + daemon_children(d.d_pid, pids + 1, 39);
	if (n > 40)
		n = 40;
	for (i = 0; i < n; i++)
		before[i] = cpu_ticks(pids[i]);
	/* A measurement window, not a wait for something to happen. */
	client_sleep_ms(1000);
	for (i = 0; i < n; i++) {
		if (before[i] == -1 || (after = cpu_ticks(pids[i])) == -1)
			continue;
		cr_assert_leq((after - before[i]) * 100 / hz, CPU_MAX_PCT,
		    "pid %d used %ld%% of a CPU", (int)pids[i],
		    (after - before[i]) * 100 / hz);
	}
}

/* A connection to port that answers within ms, or -1. */
static int
serve_within(int port, int ms)
{
	char	buf[256];
	long	end = client_now_ms() + ms;
	int	fd;

	do {
		if ((fd = port == 0 ? client_connect_unix(sock_path) :
		    client_connect(port)) != -1) {
			if (client_sends(fd, "version\r\n") == 0 &&
			    client_recv_until(fd, buf, sizeof(buf),
			    "\r\n") > 0 && strncmp(buf, "VERSION ", 8) == 0)
				return (fd);
			close(fd);
		}
		client_sleep_ms(20);
	} while (client_now_ms() < end);
	return (-1);
}

/*
 * Each listener serves within RESPAWN_MS of net's fork: the respawn, not
 * when the test noticed it.  A port that answers later fails, even if the
 * test itself was late to ask.
 */
static void
listeners_back(pid_t net)
{
	const int	 ports[] = { port1, port2 };
	long		 cpu, born, took;
	size_t		 i;
	int		 fd;

	cr_assert_eq(proc_ticks(net, &cpu, &born), 0, "net %d", (int)net);
	born = born * 1000 / sysconf(_SC_CLK_TCK);
	for (i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
		fd = serve_within(ports[i], born + RESPAWN_MS - boot_ms());
		took = boot_ms() - born;
		cr_assert_geq(fd, 0, "port %d does not serve %ld ms after the "
		    "respawn", ports[i], took);
		close(fd);
		cr_assert_leq(took, RESPAWN_MS, "port %d served %ld ms after "
		    "the respawn", ports[i], took);
	}
}

static void
store_keys(void)
{
	char	req[128];
	int	fd, i;

	cr_assert_geq(fd = serve_within(port1, 5000), 0);
	for (i = 0; i < NKEYS; i++) {
		(void)snprintf(req, sizeof(req), "set key%d 0 0 6\r\nval%03d"
		    "\r\n", i, i);
		cr_assert(client_expect(fd, req, "\r\n", "STORED\r\n"));
	}
	close(fd);
}

static void
keys_intact(int port)
{
	char	req[64], want[128];
	int	fd, i;

	cr_assert_geq(fd = serve_within(port, 3000), 0,
	    "port %d serves again", port);
	for (i = 0; i < NKEYS; i++) {
		(void)snprintf(req, sizeof(req), "get key%d\r\n", i);
		(void)snprintf(want, sizeof(want),
		    "VALUE key%d 0 6\r\nval%03d\r\nEND\r\n", i, i);
		cr_assert(client_expect(fd, req, "END\r\n", want),
		    "key%d intact", i);
	}
	close(fd);
}

struct before {
	size_t	b_fds;
	long	b_parent_kb;
	long	b_storage_kb;
	pid_t	b_storage;
	pid_t	b_net;
};

static void	started(struct before *);

static void
use_hooks(void)
{
	if (daemon_use_hooks() == -1)
		cr_skip_test("no test-hooks build (make hooks-bin)");
}

static void
start(const char *const extra[], struct before *b)
{
	const char	*args[DAEMON_ARGS_MAX];
	char		 l2[64];
	size_t		 n = 0;

	use_hooks();
	port2 = daemon_free_port();
	(void)snprintf(l2, sizeof(l2), "127.0.0.1:%d", port2);
	for (; extra[n] != NULL; n++)
		args[n] = extra[n];
	args[n++] = "-l";
	args[n++] = l2;
	args[n] = NULL;
	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	port1 = d.d_port;
	started(b);
}

/* The state an attack is judged against, once the daemon is up. */
static void
started(struct before *b)
{
	cr_assert_gt(b->b_net = daemon_wait_new_child(&d, "net", -1, 5000),
	    0);
	cr_assert_gt(b->b_storage = daemon_child(&d, "storage"), 0);
	store_keys();
	keys_intact(port2);
	b->b_fds = fd_count(d.d_pid);
	b->b_parent_kb = rss_kb(d.d_pid);
	b->b_storage_kb = rss_kb(b->b_storage);
}

/* Waits up to ms for s to be in the log n times. */
static int
wait_count(const char *s, size_t n, int ms)
{
	long	end = client_now_ms() + ms;

	while (daemon_log_count(&d, s) < n) {
		if (client_now_ms() > end)
			return (0);
		client_sleep_ms(20);
	}
	return (1);
}

/* A client of the net child asks it to misbehave; the connection. */
static int
misbehave(const char *what)
{
	char	req[64];
	int	fd;

	cr_assert_geq(fd = serve_within(port1, 3000), 0);
	(void)snprintf(req, sizeof(req), "misbehave %s\r\n", what);
	cr_assert_eq(client_sends(fd, req), 0);
	return (fd);
}

/* Everything that must hold once the misbehaving child is gone. */
static void
aftermath(const struct before *b)
{
	long	end = client_now_ms() + 3000;
	size_t	fds;

	keys_intact(port1);
	keys_intact(port2);
	cr_assert_eq(kill(d.d_pid, 0), 0, "the parent lives");
	cr_assert_eq(daemon_child(&d, "storage"), b->b_storage,
	    "storage was not replaced");
	/* The last respawn's channel may still be in flight: wait for it. */
	while ((fds = fd_count(d.d_pid)) != b->b_fds &&
	    client_now_ms() < end)
		client_sleep_ms(20);
	cr_assert_eq(fds, b->b_fds, "parent descriptors: %zu, were %zu", fds,
	    b->b_fds);
	cr_assert(SANITIZED ||
	    rss_kb(d.d_pid) <= b->b_parent_kb + PARENT_SLACK_KB,
	    "parent RSS %ld KiB, was %ld", rss_kb(d.d_pid), b->b_parent_kb);
	cr_assert(SANITIZED ||
	    rss_kb(b->b_storage) <= b->b_storage_kb + RSS_SLACK_KB,
	    "storage RSS %ld KiB, was %ld", rss_kb(b->b_storage),
	    b->b_storage_kb);
	assert_no_spin();
}

/* Misbehave, see logline, see the net child replaced, check it all. */
static void
attack(const char *const extra[], const char *what, const char *logline)
{
	struct before	b;
	pid_t		net;
	int		fd;

	start(extra, &b);
	fd = misbehave(what);
	cr_assert(daemon_log_has(&d, logline, 5000), "log: %s", logline);
	cr_assert_gt(net = daemon_wait_new_child(&d, "net", b.b_net, 10000),
	    0, "a new net child");
	close(fd);
	listeners_back(net);
	aftermath(&b);
}

static const char *const plain[] = { NULL };

/*
 * Without the sandbox the shutdown goes through and kills the shared
 * listeners: the parent sees them dead and binds them again.
 */
Test(hostile_child, unlisten_rebinds)
{
	const char *const	args[] = { "-o", "no_sandbox", NULL };

	attack(args, "unlisten", "was shut down; bound it again");
	cr_assert_eq(daemon_log_count(&d, "bound it again"), 2,
	    "both listeners");
}

/*
 * The -s socket shut down: Linux keeps it listening but refuses every
 * connect, so SO_ACCEPTCONN alone would call it alive; the parent sees
 * the shutdown and binds the path again.  (OpenBSD's pledge allows the
 * shutdown in "stdio": the parent holds "unix" and the path unveiled "c"
 * for this.)
 */
Test(hostile_child, unlisten_rebinds_unix)
{
	const char *const	args[] = { "-o", "no_sandbox", "-s", sock_path,
				    NULL };
	struct before		b;
	pid_t			net;
	int			fd;

	use_hooks();
	(void)snprintf(sock_path, sizeof(sock_path), "/tmp/pc-hc-%d.sock",
	    (int)getpid());
	cr_assert_eq(daemon_start_unix(&d, args, sock_path), 0);
	port1 = port2 = 0;
	started(&b);
	fd = misbehave("unlisten");
	cr_assert(daemon_log_has(&d, "was shut down; bound it again", 5000),
	    "the -s socket bound again");
	cr_assert_gt(net = daemon_wait_new_child(&d, "net", b.b_net, 10000),
	    0, "a new net child");
	close(fd);
	listeners_back(net);
	aftermath(&b);
}

/* A TLS verdict from a daemon without TLS: that child only is killed. */
Test(hostile_child, tls_verdict_without_tls)
{
	attack(plain, "tlsrefused", "bad TLS_RESULT; killing it");
}

/* With it, shutdown(2) itself is what kills the child. */
Test(hostile_child, unlisten_forbidden)
{
	if (getenv("PRIVCACHED_TEST_NO_SANDBOX") != NULL &&
	    strcmp(getenv("PRIVCACHED_TEST_NO_SANDBOX"), "1") == 0)
		cr_skip_test("sandbox off in this run");
	attack(plain, "unlisten", "lost child: net");
	cr_assert(daemon_log_has(&d, "signal 31", 0), "killed by SIGSYS");
	cr_assert_eq(daemon_log_count(&d, "bound it again"), 0);
}

Test(hostile_child, descriptor_to_parent)
{
	attack(plain, "fd", "descriptor or broken frame sent; killing it");
}

Test(hostile_child, garbage_frame)
{
	attack(plain, "garbage", "unexpected message; killing it");
}

Test(hostile_child, oversized_frame)
{
	attack(plain, "oversized", "; killing it");
}

Test(hostile_child, wrong_sender)
{
	attack(plain, "parent", "unexpected message; killing it");
}

Test(hostile_child, garbage_to_storage)
{
	attack(plain, "storage", "storage reports garbage from it");
}

Test(hostile_child, oversized_frame_to_storage)
{
	attack(plain, "storagehuge", "oversized message");
	cr_assert(daemon_log_has(&d, "storage reports garbage from it", 0));
}

Test(hostile_child, log_flood)
{
	attack(plain, "logflood", "log flood; killing it");
	/* What got through stayed under the rate, give or take a second. */
	cr_assert_leq(daemon_log_count(&d, ": flood"), 2 * 200);
}

/*
 * A child's line at LOG_EMERG with a C1 CSI, a right-to-left override
 * and an ESC: logged, escaped, and the child is left alone (it did
 * nothing forbidden).
 */
Test(hostile_child, log_bytes_escaped)
{
	struct before	b;
	int		fd;

	start(plain, &b);
	fd = misbehave("logbytes");
	cr_assert(daemon_log_has(&d,
	    "evil \\x9b31m \\xe2\\x80\\xae \\x1b[2J end", 5000));
	close(fd);
	cr_assert_eq(daemon_child(&d, "net"), b.b_net);
	aftermath(&b);
}

/*
 * Stats requests storage answers but net never reads: storage stops
 * reading once its reply queue is full.  The net child stays wedged
 * (that is its own loss) until it is killed.
 */
Test(hostile_child, stats_flood)
{
	struct before	b;
	long		end, kb, worst = 0;
	int		fd;

	start(plain, &b);
	fd = misbehave("statsflood");
	cr_assert(daemon_log_has(&d, "misbehaving on request: statsflood",
	    5000));
	/* Watch storage while the flood is offered. */
	for (end = client_now_ms() + 3000; client_now_ms() < end;
	    client_sleep_ms(100))
		if ((kb = rss_kb(b.b_storage)) > worst)
			worst = kb;
	cr_assert(SANITIZED || worst <= b.b_storage_kb + RSS_SLACK_KB,
	    "storage grew to %ld KiB from %ld", worst, b.b_storage_kb);
	close(fd);
	cr_assert_eq(kill(b.b_net, SIGKILL), 0);
	cr_assert_gt(daemon_wait_new_child(&d, "net", b.b_net, 10000), 0);
	aftermath(&b);
}

/*
 * A child that stops reading its control channel while reloads send it
 * TLS files again (a CA bundle of almost 1 MB, 128 messages a time): the
 * parent's queue for it hits its bound and the child is killed.  The
 * plaintext listeners serve the checks.
 */
Test(hostile_child, deaf_to_control_channel)
{
	char		 certdir[256], opts[2048], ca[512], bigca[512], l2[64];
	char		*pem;
	const char	*args[] = { "-Z", "-o", opts, "-l", l2, NULL };
	struct before	 b;
	size_t		 len, total;
	FILE		*fp;
	int		 i, fd, tlsport;

	use_hooks();
	cr_assert_eq(tls_make_certs(certdir, sizeof(certdir)), 0);
	(void)snprintf(ca, sizeof(ca), "%s/ca.crt", certdir);
	(void)snprintf(bigca, sizeof(bigca), "%s/big-ca.crt", certdir);
	cr_assert_not_null(pem = malloc(64 * 1024));
	cr_assert_not_null(fp = fopen(ca, "r"));
	len = fread(pem, 1, 64 * 1024, fp);
	fclose(fp);
	cr_assert_gt(len, 0);
	cr_assert_not_null(fp = fopen(bigca, "w"));
	for (total = 0; total + len < 1000 * 1024; total += len)
		cr_assert_eq(fwrite(pem, 1, len, fp), len);
	cr_assert_eq(fclose(fp), 0);
	free(pem);
	(void)snprintf(opts, sizeof(opts), "ssl_chain_cert=%s/server.crt,"
	    "ssl_key=%s/server.key,ssl_ca_cert=%s", certdir, certdir, bigca);
	port2 = daemon_free_port();
	(void)snprintf(l2, sizeof(l2), "notls:127.0.0.1:%d", port2);
	cr_assert_eq(daemon_start_tls(&d, NULL, args, &port1), 0);
	tlsport = d.d_port;
	started(&b);
	fd = misbehave("ctldeaf");
	cr_assert(daemon_log_has(&d, "misbehaving on request: ctldeaf",
	    5000));
	for (i = 0; i < 40 && !daemon_log_has(&d,
	    "does not read its control channel", 0); i++) {
		cr_assert_eq(kill(d.d_pid, SIGHUP), 0);
		/* One reload at a time: each is logged when done. */
		cr_assert(wait_count("configuration reloaded", i + 1, 3000));
	}
	cr_assert(daemon_log_has(&d, "does not read its control channel",
	    5000));
	cr_assert_gt(daemon_wait_new_child(&d, "net", b.b_net, 10000), 0);
	close(fd);
	aftermath(&b);
	/* And the TLS listener accepts again. */
	cr_assert_geq(fd = client_connect(tlsport), 0);
	close(fd);
	tls_remove_certs(certdir);
}

/*
 * Logins for the parent to check, 50 000 at once, answers never read:
 * the parent checks at most 1000 a second, and the answers piling up for
 * the child hit the bound of its queue.
 */
Test(hostile_child, login_flood)
{
	attack(plain, "authflood", "does not read its control channel");
}

/* A net child that exits on every request: respawned, never given up. */
Test(hostile_child, exit_loop)
{
	struct before	b;
	pid_t		net;
	int		i, fd;

	start(plain, &b);
	net = b.b_net;
	/* Backed off 0, 1, 2, 4 s; each respawn serves at once. */
	for (i = 0; i < 4; i++) {
		fd = misbehave("exit");
		cr_assert_gt(net = daemon_wait_new_child(&d, "net", net,
		    10000), 0, "respawn %d", i);
		close(fd);
		listeners_back(net);
	}
	aftermath(&b);
}

Test(hostile_child, forbidden_call)
{
	if (getenv("PRIVCACHED_TEST_NO_SANDBOX") != NULL &&
	    strcmp(getenv("PRIVCACHED_TEST_NO_SANDBOX"), "1") == 0)
		cr_skip_test("sandbox off in this run");
	attack(plain, "syscall", "lost child: net");
}

/* Storage refuses what the flags forbid, whoever asks: flush_all with -F. */
Test(hostile_child, flush_despite_F)
{
	const char *const	args[] = { "-F", NULL };

	attack(args, "flush", "flush_all forbidden by -F");
	cr_assert(daemon_log_has(&d, "storage reports garbage from it", 0));
}

/*
 * Without -F the same request is a flush, as memcached's flush_all (the
 * reply, which no batch of net's awaits, then ends that net child).
 */
Test(hostile_child, flush_allowed_without_F)
{
	struct before	b;
	int		fd;

	start(plain, &b);
	fd = misbehave("flush");
	cr_assert(daemon_log_has(&d, "misbehaving on request: flush", 5000));
	cr_assert_gt(daemon_wait_new_child(&d, "net", b.b_net, 10000), 0);
	close(fd);
	cr_assert_geq(fd = serve_within(port1, 3000), 0);
	cr_assert(client_expect(fd, "get key1\r\n", "END\r\n", "END\r\n"),
	    "flushed");
	close(fd);
}
