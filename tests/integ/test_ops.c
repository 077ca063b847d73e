/*
 * An operator's day: --check-config as a start would judge, a Debian
 * memcached.conf run as the systemd unit runs it, readiness to a notify
 * socket, syslog lines, and what ps and top show.
 */

#include <sys/types.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "daemon.h"

/* Debian's memcached package keeps the pristine /etc/memcached.conf here. */
#define STOCK_CONF	"/usr/share/memcached/memcached.conf.default"

static struct daemon	d;
static char		scratch[64];

/*
 * The /dev of private_dev_log: its mounts die with this process's mount
 * namespace, its files would not.
 */
static void
remove_dev(void)
{
	struct dirent	*de;
	DIR		*dir;
	char		 dev[128], node[400];

	(void)snprintf(dev, sizeof(dev), "%s/dev", scratch);
	if ((dir = opendir(dev)) == NULL)
		return;
	(void)umount2("/dev", MNT_DETACH);
	while ((de = readdir(dir)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		(void)snprintf(node, sizeof(node), "%s/%s", dev, de->d_name);
		(void)umount2(node, MNT_DETACH);
		(void)unlink(node);
	}
	closedir(dir);
	(void)rmdir(dev);
}

static void
fini(void)
{
	char	path[128];

	daemon_stop(&d);
	if (scratch[0] != '\0') {
		remove_dev();
		(void)snprintf(path, sizeof(path), "%s/notify", scratch);
		(void)unlink(path);
		(void)snprintf(path, sizeof(path), "%s/log", scratch);
		(void)unlink(path);
		(void)snprintf(path, sizeof(path), "%s/all.conf", scratch);
		(void)unlink(path);
		(void)snprintf(path, sizeof(path), "%s/pid", scratch);
		(void)unlink(path);
		(void)rmdir(scratch);
	}
}

TestSuite(ops, .fini = fini, .timeout = 60);

static void
make_scratch(void)
{
	(void)strlcpy(scratch, "/tmp/privcached-ops.XXXXXX", sizeof(scratch));
	cr_assert_not_null(mkdtemp(scratch));
	cr_assert_eq(chmod(scratch, 0755), 0);
}

/* A datagram socket at scratch/name, readable with a timeout. */
static int
dgram_bind(const char *name, char *path, size_t len)
{
	struct sockaddr_un	sun;
	int			fd;

	(void)snprintf(path, len, "%s/%s", scratch, name);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	(void)strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	cr_assert_geq(fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0), 0);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	cr_assert_eq(chmod(path, 0666), 0);
	return (fd);
}

/* Datagrams until one contains want (within ms): 1 with it in buf. */
static int
dgram_wait(int fd, const char *want, char *buf, size_t len, int ms)
{
	struct timeval	tv;
	long		end = client_now_ms() + ms, left;
	ssize_t		n;

	while ((left = end - client_now_ms()) > 0) {
		tv.tv_sec = left / 1000;
		tv.tv_usec = (left % 1000) * 1000;
		if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv,
		    sizeof(tv)) == -1)
			return (0);
		if ((n = recv(fd, buf, len - 1, 0)) == -1) {
			if (errno == EINTR)
				continue;
			return (0);
		}
		buf[n] = '\0';
		if (strstr(buf, want) != NULL)
			return (1);
	}
	return (0);
}

static void
expect_check(const char *const args[], int status, const char *needle)
{
	char	out[4096];
	int	st;

	st = daemon_run_fail(args, out, sizeof(out));
	cr_assert(WIFEXITED(st), "status %d", st);
	cr_assert_eq(WEXITSTATUS(st), status, "exit %d, want %d: %s",
	    WEXITSTATUS(st), status, out);
	cr_assert(strstr(out, needle) != NULL, "no '%s' in: %s", needle,
	    out);
}

/* What a start would refuse, --check-config refuses, with its status. */
Test(ops, check_config_judges_as_a_start)
{
	const char *const bad_host[] = { "--check-config", "-l",
	    "999.1.1.1", NULL };
	const char *const unresolvable[] = { "--check-config", "-l",
	    "no-such-host.invalid", NULL };
	const char *const pidfile[] = { "--check-config", "-P",
	    "/nonexistent/privcached.pid", NULL };
	const char *const authfile[] = { "--check-config", "-Y",
	    "/nonexistent/users", NULL };
	const char *const root_user[] = { "--check-config", "-u", "root",
	    NULL };
	const char *const no_user[] = { "--check-config", "-u",
	    "no-such-user-here", NULL };
	const char *const chroot[] = { "--check-config", "-o",
	    "chroot=/nonexistent/empty", NULL };
	const char *const bad_flag[] = { "--check-config", "-p", "0", NULL };
	const char *const good[] = { "--check-config", "-l", "127.0.0.1",
	    NULL };

	expect_check(bad_host, 1, "-l 999.1.1.1");
	expect_check(unresolvable, 1, "-l no-such-host.invalid");
	expect_check(pidfile, 1, "-P /nonexistent/privcached.pid");
	expect_check(authfile, 1, "/nonexistent/users");
	expect_check(bad_flag, 2, "-p");
	expect_check(good, 0, "configuration OK");
	if (geteuid() != 0)
		return;
	expect_check(root_user, 2, "uid 0");
	expect_check(no_user, 1, "no-such-user-here");
	expect_check(chroot, 1, "/nonexistent/empty");
}

/*
 * A commented-out flag line: "# -k" or "# -c 1024", not prose that
 * happens to start with a dash ("# -u command is present in ...").
 */
static int
commented_flag(const char *line)
{
	const char	*p;
	int		 words = 0;

	if (strncmp(line, "# -", 3) != 0)
		return (0);
	for (p = line + 2; *p != '\0' && *p != '\n'; p++)
		if (*p == ' ')
			words++;
	return (words <= 1);
}

/* STOCK_CONF with every commented-out flag line switched on. */
static void
write_all_options_conf(char *path, size_t len)
{
	FILE	*in, *out;
	char	 line[1024];
	int	 n = 0;

	(void)snprintf(path, len, "%s/all.conf", scratch);
	cr_assert_not_null(in = fopen(STOCK_CONF, "r"));
	cr_assert_not_null(out = fopen(path, "w"));
	while (fgets(line, sizeof(line), in) != NULL) {
		if (commented_flag(line)) {
			fputs(line + 2, out);
			n++;
		} else
			fputs(line, out);
	}
	fclose(in);
	cr_assert_eq(fclose(out), 0);
	/* -v, -vv, -c, -k, -M, -r in Debian 12's file. */
	cr_assert_geq(n, 6, "only %d commented flags found", n);
}

/*
 * The migration: --check-config on the old file, then privcached started
 * on it the way the unit starts it (--foreground over the file's -d, the
 * pid file moved) serves as memcached's user.
 */
static void
migrate(const char *conf)
{
	char		 arg[512], pidfile[128], out[4096], buf[64];
	const char	*check[] = { arg, "--check-config", NULL };
	const char	*unit[] = { arg, "--foreground", "-P", pidfile, NULL };
	struct passwd	*pw;
	pid_t		 net;
	int		 st, fd;

	(void)snprintf(arg, sizeof(arg), "--config=%s", conf);
	(void)snprintf(pidfile, sizeof(pidfile), "%s/pid", scratch);
	st = daemon_run_fail(check, out, sizeof(out));
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s: %s", conf,
	    out);
	cr_assert_eq(daemon_start(&d, NULL, unit), 0,
	    "%s did not stay in the foreground and serve", conf);
	cr_assert_eq(access(pidfile, F_OK), 0);
	cr_assert_not_null(pw = getpwnam("memcache"));
	cr_assert_gt(net = daemon_child(&d, "net"), 0);
	cr_assert_eq(proc_status_field(net, "Uid", buf, sizeof(buf)), 0);
	cr_assert_eq(atoi(buf), (int)pw->pw_uid);
	cr_assert_geq(fd = client_connect(d.d_port), 0);
	cr_assert(client_expect(fd, "set k 0 0 1\r\nv\r\nget k\r\n",
	    "END\r\n", "STORED\r\nVALUE k 0 1\r\nv\r\nEND\r\n"));
	close(fd);
	cr_assert_eq(daemon_stop(&d), 0);
}

Test(ops, migrate_debian_memcached_conf)
{
	char	all[128];

	if (geteuid() != 0 || access(STOCK_CONF, R_OK) == -1 ||
	    getpwnam("memcache") == NULL)
		cr_skip_test("needs root and Debian's memcached package");
	make_scratch();
	migrate(STOCK_CONF);
	write_all_options_conf(all, sizeof(all));
	migrate(all);
}

/* Type=notify: READY=1 once serving, RELOADING=1/READY=1, STOPPING=1. */
Test(ops, notify_socket)
{
	const char	*args[] = { NULL };
	char		 path[128], buf[512], want[64];
	int		 fd;

	make_scratch();
	fd = dgram_bind("notify", path, sizeof(path));
	cr_assert_eq(setenv("NOTIFY_SOCKET", path, 1), 0);
	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	cr_assert(dgram_wait(fd, "READY=1", buf, sizeof(buf), 5000));
	(void)snprintf(want, sizeof(want), "MAINPID=%d", (int)d.d_pid);
	cr_assert(strstr(buf, want) != NULL, "%s", buf);
	cr_assert_eq(daemon_child(&d, "net") > 0, 1);
	cr_assert_eq(kill(d.d_pid, SIGHUP), 0);
	cr_assert(dgram_wait(fd, "RELOADING=1", buf, sizeof(buf), 5000));
	cr_assert(dgram_wait(fd, "READY=1", buf, sizeof(buf), 5000));
	cr_assert_eq(kill(d.d_pid, SIGTERM), 0);
	cr_assert(dgram_wait(fd, "STOPPING=1", buf, sizeof(buf), 5000));
	close(fd);
}

/* Binds the test's socket as /dev/log, seen by this process only. */
static void
private_dev_log(const char *sock)
{
	static const char *const nodes[] = {
		"null", "zero", "full", "random", "urandom", "tty"
	};
	char	dev[128], node[160], from[64];
	size_t	i;
	int	fd;

	cr_assert_eq(unshare(CLONE_NEWNS), 0, "unshare: %s",
	    strerror(errno));
	cr_assert_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	if (access("/dev/log", F_OK) == 0) {
		cr_assert_eq(mount(sock, "/dev/log", NULL, MS_BIND, NULL), 0);
		return;
	}
	/* No /dev/log to cover: a /dev of our own with the usual nodes. */
	(void)snprintf(dev, sizeof(dev), "%s/dev", scratch);
	cr_assert_eq(mkdir(dev, 0755), 0);
	for (i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
		(void)snprintf(from, sizeof(from), "/dev/%s", nodes[i]);
		if (access(from, F_OK) == -1)
			continue;
		(void)snprintf(node, sizeof(node), "%s/%s", dev, nodes[i]);
		cr_assert_geq(fd = open(node, O_CREAT | O_WRONLY, 0644), 0);
		close(fd);
		cr_assert_eq(mount(from, node, NULL, MS_BIND, NULL), 0);
	}
	(void)snprintf(node, sizeof(node), "%s/log", dev);
	cr_assert_geq(fd = open(node, O_CREAT | O_WRONLY, 0644), 0);
	close(fd);
	cr_assert_eq(mount(sock, node, NULL, MS_BIND, NULL), 0);
	cr_assert_eq(mount(dev, "/dev", NULL, MS_BIND | MS_REC, NULL), 0);
}

static pid_t
read_pidfile(const char *path)
{
	FILE	*fp;
	long	 pid = -1;

	if ((fp = fopen(path, "r")) == NULL)
		return (-1);
	if (fscanf(fp, "%ld", &pid) != 1)
		pid = -1;
	fclose(fp);
	return ((pid_t)pid);
}

/*
 * With -d: ident "privcached" with the parent's pid, facility daemon (or
 * -o syslog_facility), and each line names the process it came from.
 */
static void
syslog_run(const char *facility_opt, int facility)
{
	char		 sock[128], pidfile[128], port[16], buf[1024];
	char		 want[128];
	const char	*args[] = { "-d", "-v", "-p", port, "-l", "127.0.0.1",
			    "-P", pidfile, facility_opt != NULL ? "-o" : NULL,
			    facility_opt, NULL };
	pid_t		 pid;
	int		 fd, cfd, st;

	if (geteuid() != 0)
		cr_skip_test("needs root (a private mount namespace)");
	make_scratch();
	fd = dgram_bind("log", sock, sizeof(sock));
	(void)snprintf(pidfile, sizeof(pidfile), "%s/pid", scratch);
	(void)snprintf(port, sizeof(port), "%d", daemon_free_port());
	private_dev_log(sock);
	st = daemon_run_detached(&d, args);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d", st);
	cr_assert(dgram_wait(fd, "parent: listening on 127.0.0.1:", buf,
	    sizeof(buf), 5000));
	cr_assert_gt(pid = read_pidfile(pidfile), 0);
	/* glibc: "<PRI>Mmm dd hh:mm:ss privcached[pid]: ..." */
	(void)snprintf(want, sizeof(want), "<%d>", facility | 6);
	cr_assert(strncmp(buf, want, strlen(want)) == 0, "priority: %s",
	    buf);
	(void)snprintf(want, sizeof(want), " privcached[%d]: parent: ",
	    (int)pid);
	cr_assert(strstr(buf, want) != NULL, "ident: %s", buf);
	cr_assert_geq(cfd = client_connect(atoi(port)), 0);
	(void)snprintf(want, sizeof(want), " privcached[%d]: net: connection",
	    (int)pid);
	cr_assert(dgram_wait(fd, want, buf, sizeof(buf), 5000),
	    "no net line as %s", want);
	close(cfd);
	cr_assert_eq(daemon_stop_detached(pid), 0);
	close(fd);
}

Test(ops, syslog_ident_facility_role)
{
	syslog_run(NULL, 3 << 3);
}

/* Titles end with the role, and the kernel's name (top) tells them apart. */
Test(ops, titles_and_names)
{
	const char	*args[] = { NULL };
	char		 path[64], buf[256];
	pid_t		 net, storage;
	ssize_t		 n;
	int		 fd;

	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	cr_assert_gt(net = daemon_child(&d, "net"), 0);
	cr_assert_gt(storage = daemon_child(&d, "storage"), 0);
	(void)snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)net);
	cr_assert_geq(fd = open(path, O_RDONLY), 0);
	cr_assert_gt(n = read(fd, buf, sizeof(buf) - 1), 0);
	close(fd);
	buf[n] = '\0';
	/* Past the title only NULs: no '.' or stale argument bytes. */
	cr_assert_str_eq(buf, "privcached: net");
	while (--n > (ssize_t)strlen(buf))
		cr_assert_eq(buf[n], '\0', "byte %zd of the title area",
		    n);
	cr_assert_eq(proc_status_field(net, "Name", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "privcached-net");
	cr_assert_eq(proc_status_field(storage, "Name", buf, sizeof(buf)),
	    0);
	cr_assert_str_eq(buf, "privcached-stor");
}

/* Under systemd stderr is the journal: priorities as "<N>", no time. */
Test(ops, journal_priorities)
{
	const char	*args[] = { NULL };

	cr_assert_eq(setenv("JOURNAL_STREAM", "8:12345", 1), 0);
	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	cr_assert(daemon_log_has(&d, "\n<6>parent: listening on 127.0.0.1:",
	    3000));
	cr_assert_eq(kill(d.d_pid, SIGTERM), 0);
	cr_assert(daemon_log_has(&d, "\n<6>parent: stopped", 5000));
}

Test(ops, syslog_facility_option)
{
	syslog_run("syslog_facility=local3", 19 << 3);
}

/* How often s occurs in the daemon's log so far. */
static int
log_count(const char *s)
{
	static char	 buf[65536];
	const char	*p;
	ssize_t		 n;
	int		 fd, count = 0;

	if ((fd = open(d.d_log, O_RDONLY)) == -1)
		return (-1);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return (-1);
	buf[n] = '\0';
	for (p = buf; (p = strstr(p, s)) != NULL; p += strlen(s))
		count++;
	return (count);
}

/* -v: one line when a client hangs up, naming who closed. */
Test(ops, close_logged_once)
{
	const char	*args[] = { "-v", NULL };
	char		 buf[128];
	long		 end;
	int		 fd;

	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	cr_assert_geq(fd = client_connect(d.d_port), 0);
	cr_assert_eq(client_sends(fd, "version\r\n"), 0);
	cr_assert_gt(client_recv_until(fd, buf, sizeof(buf), "\r\n"), 0);
	cr_assert(strncmp(buf, "VERSION ", 8) == 0, "%s", buf);
	close(fd);
	/*
	 * daemon_start's probe ends with quit (the daemon hangs up), this
	 * one is hung up by the client: two closes, one by the peer.
	 */
	end = client_now_ms() + 3000;
	while (log_count(" closed by peer") < 1 && client_now_ms() < end)
		client_sleep_ms(10);
	cr_assert_eq(log_count(" closed by peer"), 1);
	cr_assert_eq(log_count(" closed"), 2, "a close logged twice");
}
