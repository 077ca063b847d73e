/*
 * The walking skeleton end to end: three processes with the right
 * identities, real clients served, bad flags refused, a child's death
 * noticed.
 */

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "daemon.h"

static struct daemon	d;

static void
fini(void)
{
	daemon_stop(&d);
}

TestSuite(skeleton, .fini = fini, .timeout = 60);

static int
run_pymemcache(int port, int count, const char *user)
{
	struct passwd	*pw;
	char		 cmd[1024];

	if (user != NULL) {
		cr_assert_not_null(pw = getpwnam(user));
		(void)snprintf(cmd, sizeof(cmd), "setpriv --reuid=%u "
		    "--regid=%u --clear-groups /usr/bin/python3 - %d %d < "
		    "%s/tests/integ/pymemcache_roundtrip.py",
		    (unsigned)pw->pw_uid, (unsigned)pw->pw_gid, port, count,
		    daemon_src());
	}
	else
		(void)snprintf(cmd, sizeof(cmd), "/usr/bin/python3 "
		    "%s/tests/integ/pymemcache_roundtrip.py %d %d",
		    daemon_src(), port, count);
	return (system(cmd));
}

static uid_t
uid_of(const char *user)
{
	struct passwd	*pw = getpwnam(user);

	cr_assert_not_null(pw, "user %s", user);
	return (pw->pw_uid);
}

/* Sockets of pid that are established TCP connections. */
static int
established_sockets(pid_t pid)
{
	char		 path[64], link[128], line[512];
	unsigned long	 inodes[1024], ino;
	size_t		 n = 0, i;
	struct dirent	*de;
	DIR		*dir;
	FILE		*fp;
	ssize_t		 len;
	int		 count = 0, st;
	const char	*files[] = { "/proc/net/tcp", "/proc/net/tcp6" };
	size_t		 f;

	(void)snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	cr_assert_not_null(dir = opendir(path));
	while ((de = readdir(dir)) != NULL && n < 1024) {
		char	fdpath[512];

		(void)snprintf(fdpath, sizeof(fdpath), "%s/%s", path,
		    de->d_name);
		if ((len = readlink(fdpath, link, sizeof(link) - 1)) <= 0)
			continue;
		link[len] = '\0';
		if (sscanf(link, "socket:[%lu]", &ino) == 1)
			inodes[n++] = ino;
	}
	closedir(dir);
	for (f = 0; f < 2; f++) {
		if ((fp = fopen(files[f], "r")) == NULL)
			continue;
		while (fgets(line, sizeof(line), fp) != NULL) {
			/* sl local rem st tx:rx tr:when retr uid timeout inode */
			if (sscanf(line, "%*s %*s %*s %x %*s %*s %*s %*s %*s "
			    "%lu", &st, &ino) != 2)
				continue;
			for (i = 0; i < n; i++)
				if (inodes[i] == ino && st == 0x01)
					count++;
		}
		fclose(fp);
	}
	return (count);
}

Test(skeleton, root_three_processes_dropped)
{
	const char	*args[] = { "-u", "nobody", NULL };
	pid_t		 kids[8], net, storage;
	char		 buf[256], root[PATH_MAX], path[64];
	ssize_t		 len;
	size_t		 i;
	int		 fd;

	if (geteuid() != 0)
		cr_skip_test("needs root");
	cr_assert_eq(daemon_start(&d, NULL, args), 0, "daemon started");
	cr_assert_eq(daemon_children(d.d_pid, kids, 8), 2,
	    "parent plus exactly two children");
	cr_assert_gt(net = daemon_child(&d, "net"), 0);
	cr_assert_gt(storage = daemon_child(&d, "storage"), 0);
	cr_assert_eq(daemon_children(net, kids, 8), 0);
	cr_assert_eq(daemon_children(storage, kids, 8), 0);
	for (i = 0; i < 2; i++) {
		pid_t	 pid = i == 0 ? net : storage;
		char	 want[64];

		(void)snprintf(want, sizeof(want), "%u\t%u\t%u\t%u",
		    (unsigned)uid_of("nobody"), (unsigned)uid_of("nobody"),
		    (unsigned)uid_of("nobody"), (unsigned)uid_of("nobody"));
		cr_assert_eq(proc_status_field(pid, "Uid", buf,
		    sizeof(buf)), 0);
		cr_assert_str_eq(buf, want, "uids of %d", (int)pid);
		cr_assert_eq(proc_status_field(pid, "CapEff", buf,
		    sizeof(buf)), 0);
		cr_assert_str_eq(buf, "0000000000000000");
		cr_assert_eq(proc_status_field(pid, "CapPrm", buf,
		    sizeof(buf)), 0);
		cr_assert_str_eq(buf, "0000000000000000");
		(void)snprintf(path, sizeof(path), "/proc/%d/root", (int)pid);
		len = readlink(path, root, sizeof(root) - 1);
		cr_assert_gt(len, 0);
		root[len] = '\0';
		cr_assert_str_neq(root, "/", "child %d is chrooted", (int)pid);
		cr_assert_str_eq(root, "/var/empty");
	}
	/* The parent keeps root and holds no client connection. */
	cr_assert_eq(proc_status_field(d.d_pid, "Uid", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "0\t0\t0\t0");
	cr_assert_geq(fd = client_connect(d.d_port), 0);
	cr_assert(client_expect(fd, "set k 0 0 1\r\nv\r\n", "\r\n",
	    "STORED\r\n"));
	cr_assert_eq(established_sockets(d.d_pid), 0);
	cr_assert_eq(established_sockets(net), 1, "net holds the client");
	cr_assert_eq(established_sockets(storage), 0);
	close(fd);
	cr_assert_eq(run_pymemcache(d.d_port, 100, NULL), 0,
	    "pymemcache round trip");
	cr_assert_eq(daemon_stop(&d), 0, "clean exit on SIGTERM");
}

Test(skeleton, titles)
{
	const char	*args[] = { "-u", "nobody", NULL };
	char		 path[64], buf[256];
	ssize_t		 len;
	int		 fd;

	if (geteuid() != 0)
		cr_skip_test("needs root");
	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	(void)snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)d.d_pid);
	cr_assert_geq(fd = open(path, O_RDONLY), 0);
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	cr_assert_gt(len, 0);
	buf[len] = '\0';
	cr_assert(strncmp(buf, "privcached: parent -u nobody", 28) == 0,
	    "parent title: %s", buf);
}

Test(skeleton, unprivileged_user)
{
	const char	*args[] = { NULL };
	pid_t		 net;
	char		 buf[256], want[64];

	if (geteuid() != 0)
		cr_skip_test("needs root to become nobody");
	cr_assert_eq(daemon_start(&d, "nobody", args), 0,
	    "started as nobody");
	cr_assert(daemon_log_has(&d, "not started as root", 2000));
	cr_assert_eq(proc_status_field(d.d_pid, "Uid", buf, sizeof(buf)), 0);
	(void)snprintf(want, sizeof(want), "%u", (unsigned)uid_of("nobody"));
	cr_assert(strncmp(buf, want, strlen(want)) == 0, "%s", buf);
	cr_assert_gt(net = daemon_child(&d, "net"), 0);
	cr_assert_gt(daemon_child(&d, "storage"), 0);
	cr_assert_eq(run_pymemcache(d.d_port, 100, "nobody"), 0);
}

Test(skeleton, refuses_root_user)
{
	const char	*args[] = { "-u", "root", "-p", "1", NULL };
	char		 out[4096];
	int		 st;

	if (geteuid() != 0)
		cr_skip_test("needs root");
	st = daemon_run_fail(args, out, sizeof(out));
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) != 0, "status %d", st);
	cr_assert(strstr(out, "uid 0") != NULL, "message: %s", out);
}

static void
expect_refusal(const char *flag, const char *value, const char *needle)
{
	const char	*args[] = { flag, value, NULL };
	char		 out[4096];
	int		 st;

	st = daemon_run_fail(args, out, sizeof(out));
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) != 0,
	    "%s %s: status %d", flag, value, st);
	cr_assert(strstr(out, needle) != NULL, "%s %s: %s", flag, value, out);
}

Test(skeleton, bad_flags_refused)
{
	expect_refusal("-m", "-5", "-m");
	expect_refusal("-p", "70000", "-p");
	expect_refusal("-c", "abc", "-c");
	expect_refusal("-U", "11211", "UDP");
	expect_refusal("-o", "ssl_verify_mode=7", "ssl_verify_mode");
}

Test(skeleton, text_protocol_exact)
{
	const char	*args[] = { NULL };
	char		 big[300], *huge;
	int		 fd;

	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	cr_assert_geq(fd = client_connect(d.d_port), 0);
	cr_assert(client_expect(fd, "get nothing\r\n", "END\r\n", "END\r\n"));
	cr_assert(client_expect(fd, "set a 42 0 5\r\nhello\r\n", "\r\n",
	    "STORED\r\n"));
	cr_assert(client_expect(fd, "add a 0 0 1\r\nx\r\n", "\r\n",
	    "NOT_STORED\r\n"));
	cr_assert(client_expect(fd, "replace b 0 0 1\r\nx\r\n", "\r\n",
	    "NOT_STORED\r\n"));
	cr_assert(client_expect(fd, "add b 1 0 2\r\nhi\r\n", "\r\n",
	    "STORED\r\n"));
	cr_assert(client_expect(fd, "get a b c\r\n", "END\r\n",
	    "VALUE a 42 5\r\nhello\r\nVALUE b 1 2\r\nhi\r\nEND\r\n"));
	cr_assert(client_expect(fd, "set n 0 0 1 noreply\r\n7\r\nget n\r\n",
	    "END\r\n", "VALUE n 0 1\r\n7\r\nEND\r\n"));
	cr_assert(client_expect(fd, "delete a\r\n", "\r\n", "DELETED\r\n"));
	cr_assert(client_expect(fd, "delete a\r\n", "\r\n", "NOT_FOUND\r\n"));
	cr_assert(client_expect(fd, "bogus\r\n", "\r\n", "ERROR\r\n"));
	memcpy(big, "get ", 4);
	memset(big + 4, 'k', 251);
	memcpy(big + 255, "\r\n", 3);
	cr_assert(client_expect(fd, big, "\r\n",
	    "CLIENT_ERROR bad command line format\r\n"));
	cr_assert(client_expect(fd, "version\r\n", "\r\n",
	    "VERSION 1.6.18\r\n"));
	/* A refused store leaves no stale value behind, as memcached. */
	cr_assert(client_expect(fd, "set big 0 0 1\r\nx\r\n", "\r\n",
	    "STORED\r\n"));
	cr_assert(client_expect(fd, "set big 0 0 2000000\r\n", "\r\n",
	    "SERVER_ERROR object too large for cache\r\n"));
	cr_assert_not_null(huge = calloc(1, 2000002));
	cr_assert(client_send(fd, huge, 2000002) == 0);
	free(huge);
	cr_assert(client_expect(fd, "get big\r\n", "END\r\n", "END\r\n"));
	/* The block's length was wrong: what follows is not a command. */
	cr_assert(client_expect(fd, "set x 0 0 3\r\nabcde\r\n", "\r\n",
	    "CLIENT_ERROR bad data chunk\r\n"));
	cr_assert(client_closed(fd), "a bad data chunk closes");
	close(fd);
	/* A browser's request is hung up on without a byte. */
	cr_assert_geq(fd = client_connect(d.d_port), 0);
	cr_assert(client_sends(fd, "GET / HTTP/1.1\r\nHost: x\r\n\r\n") == 0);
	cr_assert(client_closed(fd), "HTTP hangs up");
	close(fd);
	/* gets returns a cas that changes with each store. */
	cr_assert_geq(fd = client_connect(d.d_port), 0);
	cr_assert(client_sends(fd, "quit\r\n") == 0);
	cr_assert(client_closed(fd), "quit closes");
	close(fd);
}

Test(skeleton, pipelined_many_connections)
{
	const char	*args[] = { NULL };
	char		 req[65536], want[65536], got[65536];
	int		 fds[20], i, j;
	size_t		 rl, wl;

	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	for (i = 0; i < 20; i++)
		cr_assert_geq(fds[i] = client_connect(d.d_port), 0);
	/* All connections send at once; each must get its own answers. */
	for (i = 0; i < 20; i++) {
		rl = wl = 0;
		for (j = 0; j < 100; j++) {
			rl += snprintf(req + rl, sizeof(req) - rl,
			    "set c%d:%d 0 0 4\r\n%04d\r\nget c%d:%d\r\n",
			    i, j, j, i, j);
			wl += snprintf(want + wl, sizeof(want) - wl,
			    "STORED\r\nVALUE c%d:%d 0 4\r\n%04d\r\nEND\r\n",
			    i, j, j);
		}
		cr_assert_eq(client_send(fds[i], req, rl), 0);
	}
	for (i = 0; i < 20; i++) {
		wl = 0;
		for (j = 0; j < 100; j++)
			wl += snprintf(want + wl, sizeof(want) - wl,
			    "STORED\r\nVALUE c%d:%d 0 4\r\n%04d\r\nEND\r\n",
			    i, j, j);
		cr_assert_geq(client_recv_until(fds[i], got, sizeof(got),
		    "0099\r\nEND\r\n"), 0);
		cr_assert_str_eq(got, want, "connection %d", i);
		close(fds[i]);
	}
}

Test(skeleton, child_death_is_logged)
{
	const char	*args[] = { NULL };
	pid_t		 net;

	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	cr_assert_gt(net = daemon_child(&d, "net"), 0);
	cr_assert_eq(kill(net, SIGKILL), 0);
	cr_assert(daemon_log_has(&d, "lost child: net", 3000));
	cr_assert(daemon_log_has(&d, "signal 9", 0));
}

/* The argv Debian's memcached wrapper builds from /etc/memcached.conf. */
Test(skeleton, debian_memcached_argv)
{
	char		 pidfile[64];
	const char	*args[] = { "-m", "64", "-u", "memcache", "-P",
			    pidfile, NULL };
	struct passwd	*pw;
	char		 buf[64];
	pid_t		 net;

	if (geteuid() != 0 || (pw = getpwnam("memcache")) == NULL)
		cr_skip_test("needs root and the memcache user (memcached "
		    "package)");
	(void)snprintf(pidfile, sizeof(pidfile), "/tmp/pc-deb-%d.pid",
	    (int)getpid());
	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	cr_assert_eq(access(pidfile, F_OK), 0, "pidfile written");
	cr_assert_gt(net = daemon_child(&d, "net"), 0);
	cr_assert_eq(proc_status_field(net, "Uid", buf, sizeof(buf)), 0);
	cr_assert_eq(atoi(buf), (int)pw->pw_uid, "children run as memcache");
	cr_assert_eq(run_pymemcache(d.d_port, 20, NULL), 0);
	cr_assert_eq(daemon_stop(&d), 0);
	cr_assert_neq(access(pidfile, F_OK), 0, "pidfile removed");
}

/*
 * quit after pipelined requests: what came before it is answered, then
 * the connection closes (memcached does the same).
 */
Test(skeleton, quit_answers_what_came_before)
{
	const char	*args[] = { NULL };
	char		 got[256];
	int		 fd;

	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	cr_assert_geq(fd = client_connect(d.d_port), 0);
	cr_assert_eq(client_sends(fd, "set k 0 0 5\r\nhello\r\nget k\r\n"
	    "get nosuch\r\nquit\r\nget k\r\n"), 0);
	cr_assert_gt(client_recv_until(fd, got, sizeof(got),
	    "END\r\nEND\r\n"), 0);
	cr_assert_str_eq(got, "STORED\r\nVALUE k 0 5\r\nhello\r\nEND\r\n"
	    "END\r\n");
	cr_assert(client_closed_within(fd, 2000), "closed after quit");
	close(fd);
}
