/*
 * Supervision: a dead net child is replaced without losing a stored key, a
 * dead storage child is replaced, reading the items back from the item
 * memory, while clients stay connected, a
 * crash loop is slowed down but never stops the daemon, and stopping
 * leaves nothing behind.
 */

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "daemon.h"

static struct daemon	d;

static void
fini(void)
{
	daemon_stop(&d);
}

TestSuite(supervise, .fini = fini, .timeout = 90);

/* Connects again and again until the daemon answers; a ready fd. */
static int
reconnect(int ms)
{
	long	end = client_now_ms() + ms;
	int	fd;

	while (client_now_ms() < end) {
		if ((fd = client_connect(d.d_port)) != -1) {
			if (client_expect(fd, "version\r\n", "\r\n",
			    "VERSION 1.6.18\r\n"))
				return (fd);
			close(fd);
		}
		usleep(1000);
	}
	return (-1);
}

Test(supervise, net_killed_no_key_lost)
{
	const char	*args[] = { NULL };
	char		 req[128], want[128], got[256];
	pid_t		 net, fresh;
	int		 fd, i, killed = 0;
	long		 t0 = 0, back;

	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	cr_assert_gt(net = daemon_child(&d, "net"), 0);
	cr_assert_geq(fd = client_connect(d.d_port), 0);
	/* The client keeps writing; net dies under it half way. */
	for (i = 0; i < 2000; i++) {
		if (i == 1000 && !killed) {
			t0 = client_now_ms();
			cr_assert_eq(kill(net, SIGKILL), 0);
			killed = 1;
		}
		(void)snprintf(req, sizeof(req), "set key%d 0 0 4\r\n%04d\r\n",
		    i, i % 10000);
		if (client_sends(fd, req) == -1 ||
		    client_recv_until(fd, got, sizeof(got), "\r\n") <= 0 ||
		    strcmp(got, "STORED\r\n") != 0) {
			cr_assert(killed, "failure before the kill: %s", got);
			close(fd);
			cr_assert_geq(fd = reconnect(5000), 0, "service back");
			if (t0 != 0) {
				back = client_now_ms() - t0;
				cr_log_info("serving again %ld ms after the kill",
				    back);
				t0 = 0;
			}
			/* The answer was lost with the connection: redo. */
			i--;
			continue;
		}
	}
	cr_assert_gt(fresh = daemon_wait_new_child(&d, "net", net, 1000), 0);
	for (i = 0; i < 2000; i++) {
		(void)snprintf(req, sizeof(req), "get key%d\r\n", i);
		(void)snprintf(want, sizeof(want),
		    "VALUE key%d 0 4\r\n%04d\r\nEND\r\n", i, i % 10000);
		cr_assert(client_expect(fd, req, "END\r\n", want),
		    "key%d survived", i);
	}
	close(fd);
	cr_assert(daemon_log_has(&d, "lost child: net", 0));
}

Test(supervise, storage_killed_back_with_keys_connection_kept)
{
	const char	*args[] = { NULL };
	char		 got[16384];
	size_t		 n;
	pid_t		 storage;
	int		 fd, i;

	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	cr_assert_geq(fd = client_connect(d.d_port), 0);
	cr_assert(client_expect(fd, "set a 0 0 1\r\nx\r\n", "\r\n",
	    "STORED\r\n"));
	cr_assert_gt(storage = daemon_child(&d, "storage"), 0);
	cr_assert_eq(kill(storage, SIGKILL), 0);
	/* Until the new storage is up: SERVER_ERROR, never a hang. */
	for (i = 0; i < 500; i++) {
		cr_assert_eq(client_sends(fd, "get a\r\n"), 0);
		cr_assert_gt(client_recv_until(fd, got, sizeof(got), "\r\n"),
		    0, "connection kept");
		if (strncmp(got, "VALUE ", 6) == 0) {
			/* The rest of the reply, if it came apart. */
			n = strlen(got);
			if (strstr(got, "END\r\n") == NULL)
				(void)client_recv_until(fd, got + n,
				    sizeof(got) - n, "END\r\n");
			break;
		}
		cr_assert_str_eq(got, "SERVER_ERROR storage unavailable\r\n");
		usleep(2000);
	}
	cr_assert_str_eq(got, "VALUE a 0 1\r\nx\r\nEND\r\n",
	    "back, with the key");
	cr_assert(client_expect(fd, "set b 0 0 1\r\ny\r\nget b\r\n",
	    "END\r\n", "STORED\r\nVALUE b 0 1\r\ny\r\nEND\r\n"));
	cr_assert_eq(client_sends(fd, "stats\r\n"), 0);
	cr_assert_gt(client_recv_until(fd, got, sizeof(got), "END\r\n"), 0);
	cr_assert(strstr(got, "STAT privcached_storage_restarts 1\r\n") !=
	    NULL, "the restart is counted");
	close(fd);
	cr_assert(daemon_log_has(&d, "lost child: storage", 0));
}

/*
 * A child that keeps dying never stops the daemon (that would hand whoever
 * can crash a child a cache wipe): each respawn comes within the capped
 * back-off, the log says "keeps dying" once, not at every death, and what
 * was stored before is still there.
 */
Test(supervise, crash_loop_backs_off, .timeout = 120)
{
	const char	*args[] = { NULL };
	pid_t		 net = -1, fresh;
	long		 died = 0, waited, worst = 0;
	int		 i, fd;

	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	cr_assert_geq(fd = reconnect(5000), 0);
	cr_assert(client_expect(fd, "set kept 0 0 4\r\nsafe\r\n", "\r\n",
	    "STORED\r\n"));
	close(fd);
	for (i = 0; i < 8; i++) {
		cr_assert_gt(fresh = daemon_wait_new_child(&d, "net", net,
		    10000), 0, "respawn %d", i);
		if (died != 0 && (waited = client_now_ms() - died) > worst)
			worst = waited;
		net = fresh;
		died = client_now_ms();
		(void)kill(net, SIGKILL);
	}
	cr_assert_gt(net = daemon_wait_new_child(&d, "net", net, 10000), 0);
	/* The cap is 4 s; a respawn is seen by polling ps. */
	cr_assert_lt(worst, 6000, "a respawn took %ld ms", worst);
	cr_assert_eq(kill(d.d_pid, 0), 0, "the daemon lives");
	cr_assert_geq(fd = reconnect(5000), 0);
	cr_assert(client_expect(fd, "get kept\r\n", "END\r\n",
	    "VALUE kept 0 4\r\nsafe\r\nEND\r\n"), "the cache survived");
	close(fd);
	cr_assert(daemon_log_has(&d, "net child keeps dying", 0));
	cr_assert_eq(daemon_log_count(&d, "keeps dying"), 1,
	    "said once a minute, not at every death");
}

Test(supervise, sigterm_leaves_nothing)
{
	char		 pidfile[300];
	const char	*args[] = { "-P", pidfile, NULL };
	struct stat	 sb;
	pid_t		 net, storage;
	int		 st;

	(void)snprintf(pidfile, sizeof(pidfile), "/tmp/pc-test-%d.pid",
	    (int)getpid());
	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	cr_assert_eq(stat(pidfile, &sb), 0, "pidfile written");
	cr_assert_gt(net = daemon_child(&d, "net"), 0);
	cr_assert_gt(storage = daemon_child(&d, "storage"), 0);
	st = daemon_stop(&d);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "exit 0: %#x", st);
	cr_assert_neq(stat(pidfile, &sb), 0, "pidfile removed");
	cr_assert(kill(net, 0) == -1 && kill(storage, 0) == -1,
	    "no child left");
}

Test(supervise, sigterm_finishes_inflight)
{
	const char	*args[] = { NULL };
	char		 req[65536], got[1 << 20];
	size_t		 len = 0;
	int		 fd, i, st;
	ssize_t		 n;

	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	cr_assert_geq(fd = client_connect(d.d_port), 0);
	for (i = 0; i < 2000; i++)
		len += snprintf(req + len, sizeof(req) - len,
		    "set k%d 0 0 1 noreply\r\nx\r\n", i);
	len += snprintf(req + len, sizeof(req) - len, "get k1999\r\n");
	cr_assert_eq(client_send(fd, req, len), 0);
	(void)kill(d.d_pid, SIGTERM);
	n = client_recv_until(fd, got, sizeof(got), "END\r\n");
	cr_assert_gt(n, 0);
	cr_assert_str_eq(got, "VALUE k1999 0 1\r\nx\r\nEND\r\n",
	    "requests sent before the stop are answered");
	st = daemon_wait_exit(d.d_pid, 10000);
	cr_assert(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	d.d_pid = -1;
	close(fd);
}

Test(supervise, parent_death_ends_children)
{
	const char	*args[] = { NULL };
	pid_t		 net, storage;
	int		 i;

	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	cr_assert_gt(net = daemon_child(&d, "net"), 0);
	cr_assert_gt(storage = daemon_child(&d, "storage"), 0);
	cr_assert_eq(kill(d.d_pid, SIGKILL), 0);
	(void)daemon_wait_exit(d.d_pid, 2000);
	d.d_pid = -1;
	for (i = 0; i < 200 && (kill(net, 0) == 0 || kill(storage, 0) == 0);
	    i++)
		usleep(10000);
	cr_assert(kill(net, 0) == -1, "net exited");
	cr_assert(kill(storage, 0) == -1, "storage exited");
}

static void
write_file(const char *path, const char *text)
{
	FILE	*fp;

	cr_assert_not_null(fp = fopen(path, "w"));
	fputs(text, fp);
	cr_assert_eq(fclose(fp), 0);
}

Test(supervise, sighup_reload_keeps_data)
{
	char		 conf[128], arg[160];
	const char	*args[] = { arg, NULL };
	int		 fd;

	(void)snprintf(conf, sizeof(conf), "/tmp/pc-reload-%d.conf",
	    (int)getpid());
	(void)snprintf(arg, sizeof(arg), "--config=%s", conf);
	write_file(conf, "-m 64\n");
	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	cr_assert_geq(fd = client_connect(d.d_port), 0);
	cr_assert(client_expect(fd, "set keep 0 0 4\r\ndata\r\n", "\r\n",
	    "STORED\r\n"));
	/* flush_all becomes refused, and -m needs a restart. */
	write_file(conf, "-m 128\n-F\n");
	cr_assert_eq(kill(d.d_pid, SIGHUP), 0);
	cr_assert(daemon_log_has(&d, "net: configuration reloaded", 3000));
	cr_assert(daemon_log_has(&d, "memory settings", 0),
	    "what needs a restart is named");
	cr_assert(client_expect(fd, "flush_all\r\n", "\r\n",
	    "CLIENT_ERROR flush_all not allowed\r\n"), "applied live");
	cr_assert(client_expect(fd, "get keep\r\n", "END\r\n",
	    "VALUE keep 0 4\r\ndata\r\nEND\r\n"), "data kept");
	/* A broken file is refused and the running setup stays. */
	write_file(conf, "-m banana\n");
	cr_assert_eq(kill(d.d_pid, SIGHUP), 0);
	cr_assert(daemon_log_has(&d, "reload failed", 3000));
	cr_assert(daemon_log_has(&d, ":1:", 0), "error names the line");
	cr_assert(client_expect(fd, "get keep\r\n", "END\r\n",
	    "VALUE keep 0 4\r\ndata\r\nEND\r\n"));
	close(fd);
	unlink(conf);
}

Test(supervise, daemon_mode)
{
	char		 pidfile[128], port[16], buf[64];
	const char	*args[] = { "-d", "-P", pidfile, "-p", port, "-l",
			    "127.0.0.1", NULL };
	char		 path[64], link[64];
	FILE		*fp;
	pid_t		 pid = 0;
	ssize_t		 n;
	int		 st, fd, i;

	(void)snprintf(pidfile, sizeof(pidfile), "/tmp/pc-d-%d.pid",
	    (int)getpid());
	(void)snprintf(port, sizeof(port), "%d", daemon_free_port());
	st = daemon_run_detached(&d, args);
	d.d_port = atoi(port);
	cr_assert(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "the foreground process returns at once: %#x", st);
	for (i = 0; i < 200 && pid == 0; i++) {
		if ((fp = fopen(pidfile, "r")) != NULL) {
			if (fgets(buf, sizeof(buf), fp) != NULL)
				pid = atoi(buf);
			fclose(fp);
		}
		usleep(10000);
	}
	cr_assert_gt(pid, 0, "pidfile written");
	cr_assert_eq(getsid(pid), pid, "a session of its own");
	(void)snprintf(path, sizeof(path), "/proc/%d/fd/0", (int)pid);
	n = readlink(path, link, sizeof(link) - 1);
	cr_assert_gt(n, 0);
	link[n] = '\0';
	cr_assert_str_eq(link, "/dev/null");
	cr_assert_geq(fd = reconnect(5000), 0, "serves");
	close(fd);
	cr_assert_eq(kill(pid, SIGTERM), 0);
	for (i = 0; i < 500 && kill(pid, 0) == 0; i++)
		usleep(10000);
	cr_assert_neq(kill(pid, 0), 0, "stopped");
	cr_assert_neq(access(pidfile, F_OK), 0, "pidfile removed");
}

/*
 * A respawn executes the binary that started, not what sits at its path
 * now: a hostile child that forces respawns cannot choose root's next
 * program, even if someone could replace the file.
 */
Test(supervise, respawn_runs_the_started_binary)
{
	const char	*args[] = { NULL };
	char		 marker[400], fake[400];
	struct stat	 sb;
	FILE		*fp;
	pid_t		 net;
	int		 fd;

	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	cr_assert_gt(net = daemon_child(&d, "net"), 0);
	(void)snprintf(marker, sizeof(marker), "%s.ran", d.d_bin);
	(void)snprintf(fake, sizeof(fake), "%s.new", d.d_bin);
	cr_assert_not_null(fp = fopen(fake, "w"));
	fprintf(fp, "#!/bin/sh\ntouch %s\nexit 1\n", marker);
	cr_assert_eq(fclose(fp), 0);
	cr_assert_eq(chmod(fake, 0755), 0);
	cr_assert_eq(rename(fake, d.d_bin), 0);
	cr_assert_eq(kill(net, SIGKILL), 0);
	cr_assert_gt(daemon_wait_new_child(&d, "net", net, 10000), 0,
	    "a real net child came back");
	cr_assert_geq(fd = reconnect(5000), 0);
	close(fd);
	cr_assert_neq(stat(marker, &sb), 0, "the new file never ran");
	(void)unlink(marker);
}

/*
 * -P is written without following a link planted where the pid file
 * goes, and with mode 0644 whatever umask the daemon was started with.
 */
Test(supervise, pidfile_no_symlink_and_0644)
{
	char		 pidfile[300], target[300], port[16];
	const char	*args[] = { "-P", pidfile, NULL };
	const char	*fail[] = { "-p", port, "-l", "127.0.0.1", "-P",
			    pidfile, NULL };
	struct stat	 sb;
	char		 out[1024];
	mode_t		 old;
	int		 fd, st;

	(void)snprintf(pidfile, sizeof(pidfile), "/tmp/pc-pid-%d",
	    (int)getpid());
	(void)snprintf(target, sizeof(target), "/tmp/pc-pid-target-%d",
	    (int)getpid());
	cr_assert_neq(fd = open(target, O_WRONLY | O_CREAT | O_TRUNC, 0600),
	    -1);
	cr_assert_eq(write(fd, "root's\n", 7), 7);
	close(fd);
	(void)unlink(pidfile);
	cr_assert_eq(symlink(target, pidfile), 0);
	(void)snprintf(port, sizeof(port), "%d", daemon_free_port());
	st = daemon_run_fail(fail, out, sizeof(out));
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) != 0, "refused: %s", out);
	cr_assert_not_null(strstr(out, "pidfile"), "%s", out);
	cr_assert_eq(stat(target, &sb), 0);
	cr_assert_eq(sb.st_size, 7, "the link's target is untouched");
	cr_assert_eq(unlink(pidfile), 0);
	cr_assert_eq(unlink(target), 0);

	old = umask(0);
	st = daemon_start(&d, NULL, args);
	(void)umask(old);
	cr_assert_eq(st, 0);
	cr_assert_eq(lstat(pidfile, &sb), 0);
	cr_assert(S_ISREG(sb.st_mode));
	cr_assert_eq(sb.st_mode & 07777, 0644, "mode %o",
	    (unsigned)(sb.st_mode & 07777));
}

/* "Max data size" of /proc/<pid>/limits in bytes; -1 when unlimited. */
static long long
data_limit(pid_t pid)
{
	char		 path[64], line[256];
	long long	 soft = -2;
	FILE		*fp;

	(void)snprintf(path, sizeof(path), "/proc/%d/limits", (int)pid);
	cr_assert_not_null(fp = fopen(path, "r"));
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (strncmp(line, "Max data size", 13) != 0)
			continue;
		soft = strncmp(line + 26, "unlimited", 9) == 0 ? -1 :
		    strtoll(line + 26, NULL, 10);
	}
	fclose(fp);
	cr_assert_neq(soft, -2, "no data size line");
	return (soft);
}

/*
 * Each child's data segment is bounded from -m and the other budgets: a
 * child that allocates without end fails its own allocations.
 */
Test(supervise, children_have_a_data_limit)
{
	/* The reserve, not -m, bounds what storage's hash table may reach. */
	const char	*args[] = { "-m", "64", "-o", "memlimit_max=1024", NULL };
	long long	 storage, net;

	if (getenv("PRIVCACHED_TEST_NO_SANDBOX") != NULL &&
	    strcmp(getenv("PRIVCACHED_TEST_NO_SANDBOX"), "1") == 0)
		cr_skip_test("sanitizer build: no data limit");
	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	storage = data_limit(daemon_child(&d, "storage"));
	net = data_limit(daemon_child(&d, "net"));
	cr_assert_geq(storage, 128LL << 20, "storage: %lld", storage);
	cr_assert_leq(storage, 1LL << 30, "storage: %lld", storage);
	cr_assert_gt(net, 0, "net: %lld", net);
	cr_assert_leq(net, 4LL << 30, "net: %lld", net);
}

/*
 * A child that dies before the daemon first served is the start failing
 * (a setting, the system), not an attack: the start stops with the
 * reason, in the foreground and under -d, instead of respawning while
 * the shell or systemd waits for ever.  (The test-hooks build's child
 * fails at start when PRIVCACHED_HOOK_DIE names its role.)
 */
Test(supervise, child_dying_at_start_stops_the_start)
{
	const char *const	 roles[] = { "storage", "net" };
	char			 port[16], out[8192];
	const char		*args[] = { "-p", port, "-l", "127.0.0.1",
	    NULL, NULL };
	size_t			 i, j;
	int			 st;

	if (daemon_use_hooks() == -1)
		cr_skip_test("no test-hooks build (make hooks-bin)");
	for (i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		cr_assert_eq(setenv("PRIVCACHED_HOOK_DIE", roles[i], 1), 0);
		for (j = 0; j < 2; j++) {
			args[4] = j == 0 ? NULL : "-d";
			(void)snprintf(port, sizeof(port), "%d",
			    daemon_free_port());
			st = daemon_run_fail(args, out, sizeof(out));
			cr_assert(st != -1, "%s %s: still running after 5 s",
			    roles[i], j ? "-d" : "");
			cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1,
			    "%s %s: status %#x", roles[i], j ? "-d" : "", st);
			cr_assert_eq(client_connect(atoi(port)), -1);
			if (j == 0)
				cr_assert_not_null(strstr(out, "died before "
				    "the daemon served"), "%s", out);
			else
				cr_assert_not_null(strstr(out, "the daemon "
				    "did not start (status 1)"), "%s", out);
		}
	}
	cr_assert_eq(unsetenv("PRIVCACHED_HOOK_DIE"), 0);
	/* Once it served, the same deaths are only respawned (above). */
}
