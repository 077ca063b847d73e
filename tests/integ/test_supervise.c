/*
 * Supervision: a dead net child is replaced without losing a stored key, a
 * dead storage child is replaced empty while clients stay connected, a
 * crash loop stops the daemon, and stopping leaves nothing behind.
 */

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <criterion/criterion.h>
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
			    "VERSION 1.6.18-privcached-0.1.0\r\n"))
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

Test(supervise, storage_killed_back_empty_connection_kept)
{
	const char	*args[] = { NULL };
	char		 got[16384];
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
		if (strcmp(got, "END\r\n") == 0)
			break;
		cr_assert_str_eq(got, "SERVER_ERROR storage unavailable\r\n");
		usleep(2000);
	}
	cr_assert_str_eq(got, "END\r\n", "back, and empty");
	cr_assert(client_expect(fd, "set b 0 0 1\r\ny\r\nget b\r\n",
	    "END\r\n", "STORED\r\nVALUE b 0 1\r\ny\r\nEND\r\n"));
	cr_assert_eq(client_sends(fd, "stats\r\n"), 0);
	cr_assert_gt(client_recv_until(fd, got, sizeof(got), "END\r\n"), 0);
	cr_assert(strstr(got, "STAT privcached_storage_restarts 1\r\n") !=
	    NULL, "the restart is counted");
	close(fd);
	cr_assert(daemon_log_has(&d, "lost child: storage", 0));
}

Test(supervise, crash_loop_stops_daemon, .timeout = 120)
{
	const char	*args[] = { NULL };
	pid_t		 net = -1, fresh;
	int		 i, st;

	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	/* Six deaths within a minute; back-off makes that about 16 s. */
	for (i = 0; i < 6; i++) {
		cr_assert_gt(fresh = daemon_wait_new_child(&d, "net", net, 40000), 0,
		    "respawn %d", i);
		net = fresh;
		(void)kill(net, SIGKILL);
		if (i < 5)
			cr_assert(daemon_log_has(&d, "restarting net child",
			    2000));
	}
	st = daemon_wait_exit(d.d_pid, 10000);
	cr_assert(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 1,
	    "daemon exits 1: %#x", st);
	d.d_pid = -1;
	cr_assert(daemon_log_has(&d, "crash loop", 0));
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
