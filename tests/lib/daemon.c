/*
 * Starting and inspecting the real daemon in integration tests.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/un.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <netinet/in.h>
#include <arpa/inet.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "daemon.h"

const char *
daemon_bin(void)
{
	const char	*p = getenv("PRIVCACHED_BIN");

	return (p != NULL ? p : "./privcached");
}

const char *
daemon_src(void)
{
	const char	*p = getenv("PRIVCACHED_SRC");

	return (p != NULL ? p : ".");
}

int
daemon_free_port(void)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	int			fd, port = -1;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return (-1);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &len) == 0)
		port = ntohs(sin.sin_port);
	close(fd);
	return (port);
}

int
daemon_wait_exit(pid_t pid, int ms)
{
	int	status, waited;

	for (waited = 0; waited <= ms; waited += 10) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return (status);
		client_sleep_ms(10);
	}
	return (-1);
}

static int
copy_file(const char *from, const char *to)
{
	char	buf[65536];
	ssize_t	n;
	int	in, out, rv = 0;

	if ((in = open(from, O_RDONLY | O_CLOEXEC)) == -1)
		return (-1);
	if ((out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0755)) == -1) {
		close(in);
		return (-1);
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n) {
			rv = -1;
			break;
		}
	if (n < 0)
		rv = -1;
	close(in);
	if (close(out) == -1)
		rv = -1;
	return (rv);
}

/* A private, world-readable copy so that any user can execute it. */
static int
daemon_prepare(struct daemon *d)
{
	memset(d, 0, sizeof(*d));
	d->d_pid = -1;
	(void)strlcpy(d->d_dir, "/tmp/privcached-test.XXXXXX",
	    sizeof(d->d_dir));
	if (mkdtemp(d->d_dir) == NULL || chmod(d->d_dir, 0755) == -1)
		return (-1);
	(void)snprintf(d->d_bin, sizeof(d->d_bin), "%s/privcached",
	    d->d_dir);
	(void)snprintf(d->d_log, sizeof(d->d_log), "%s/stderr.log",
	    d->d_dir);
	return (copy_file(daemon_bin(), d->d_bin));
}

static pid_t
daemon_spawn(struct daemon *d, const char *user, const char *const args[],
    int extra_listen)
{
	const char	*argv[DAEMON_ARGS_MAX + 16];
	char		 port[16], uid[32], gid[32];
	struct passwd	*pw = NULL;
	size_t		 n = 0, i;
	pid_t		 pid;
	int		 logfd;

	if (user != NULL && (pw = getpwnam(user)) == NULL)
		return (-1);
	if (user != NULL) {
		(void)snprintf(uid, sizeof(uid), "--reuid=%u",
		    (unsigned)pw->pw_uid);
		(void)snprintf(gid, sizeof(gid), "--regid=%u",
		    (unsigned)pw->pw_gid);
		argv[n++] = "setpriv";
		argv[n++] = uid;
		argv[n++] = gid;
		argv[n++] = "--clear-groups";
		argv[n++] = "--";
	}
	argv[n++] = d->d_bin;
	for (i = 0; args != NULL && args[i] != NULL && i < DAEMON_ARGS_MAX;
	    i++)
		argv[n++] = args[i];
	/* Sanitizer runtimes make calls no sandbox list should allow. */
	if (getenv("PRIVCACHED_TEST_NO_SANDBOX") != NULL &&
	    strcmp(getenv("PRIVCACHED_TEST_NO_SANDBOX"), "1") == 0) {
		argv[n++] = "-o";
		argv[n++] = "no_sandbox";
	}
	if (extra_listen) {
		(void)snprintf(port, sizeof(port), "%d", d->d_port);
		argv[n++] = "-p";
		argv[n++] = port;
		argv[n++] = "-l";
		argv[n++] = "127.0.0.1";
	}
	argv[n] = NULL;

	if ((logfd = open(d->d_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
	    0644)) == -1)
		return (-1);
	switch ((pid = fork())) {
	case -1:
		close(logfd);
		return (-1);
	case 0:
#ifdef __linux__
		/* A test that dies must not leave its daemon behind. */
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
		(void)dup2(logfd, STDERR_FILENO);
		(void)dup2(logfd, STDOUT_FILENO);
		(void)setsid();
		if (user != NULL)
			execvp("setpriv", (char *const *)argv);
		else
			execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(logfd);
	return (pid);
}

/* The daemon answers: a version, or the refusal before a login (-Y). */
static int
daemon_answered(const char *line)
{
	return (strncmp(line, "VERSION ", 8) == 0 ||
	    strcmp(line, "CLIENT_ERROR unauthenticated\r\n") == 0);
}

/*
 * Waits (10 s at most) until the daemon answers "version" on the TCP port
 * or, with path, the unix socket: 0, or -1 if it exited or stayed mute.
 */
static int
daemon_wait_ready(struct daemon *d, int port, const char *path)
{
	char	buf[256];
	int	waited, fd, status, rv;

	for (waited = 0; waited < 10000; waited += 20) {
		if (waitpid(d->d_pid, &status, WNOHANG) == d->d_pid) {
			d->d_pid = -1;
			return (-1);
		}
		fd = path != NULL ? client_connect_unix(path) :
		    client_connect(port);
		if (fd != -1) {
			if (client_sends(fd, "version\r\n") == 0 &&
			    client_recv_until(fd, buf, sizeof(buf), "\r\n") >
			    0 && daemon_answered(buf)) {
				/*
				 * The daemon hangs up first: once we see it,
				 * the probe no longer counts against -c,
				 * conn_per_ip or curr_connections.
				 */
				rv = client_sends(fd, "quit\r\n") == 0 &&
				    client_closed(fd) ? 0 : -1;
				close(fd);
				return (rv);
			}
			close(fd);
		}
		client_sleep_ms(20);
	}
	return (-1);
}

int
daemon_start(struct daemon *d, const char *user, const char *const args[])
{
	if (daemon_prepare(d) == -1)
		return (-1);
	if ((d->d_port = daemon_free_port()) == -1)
		return (-1);
	if ((d->d_pid = daemon_spawn(d, user, args, 1)) == -1)
		return (-1);
	return (daemon_wait_ready(d, d->d_port, NULL));
}

int
client_connect_unix(const char *path)
{
	struct sockaddr_un	sun;
	int			fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	(void)strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		close(fd);
		return (-1);
	}
	return (fd);
}

int
daemon_start_unix(struct daemon *d, const char *const args[],
    const char *path)
{
	if (daemon_prepare(d) == -1)
		return (-1);
	if ((d->d_pid = daemon_spawn(d, NULL, args, 0)) == -1)
		return (-1);
	return (daemon_wait_ready(d, 0, path));
}

int
daemon_run_detached(struct daemon *d, const char *const args[])
{
	int	status;

	if (daemon_prepare(d) == -1)
		return (-1);
	if ((d->d_pid = daemon_spawn(d, NULL, args, 0)) == -1)
		return (-1);
	status = daemon_wait_exit(d->d_pid, 5000);
	d->d_pid = -1;
	return (status);
}

int
daemon_run_fail(const char *const args[], char *out, size_t outlen)
{
	struct daemon	d;
	ssize_t		n;
	int		status, fd;

	if (daemon_prepare(&d) == -1)
		return (-1);
	if ((d.d_pid = daemon_spawn(&d, NULL, args, 0)) == -1)
		return (-1);
	if ((status = daemon_wait_exit(d.d_pid, 5000)) == -1) {
		(void)kill(-d.d_pid, SIGKILL);
		(void)waitpid(d.d_pid, NULL, 0);
	}
	out[0] = '\0';
	if ((fd = open(d.d_log, O_RDONLY)) != -1) {
		n = read(fd, out, outlen - 1);
		out[n > 0 ? n : 0] = '\0';
		close(fd);
	}
	(void)unlink(d.d_log);
	(void)unlink(d.d_bin);
	(void)rmdir(d.d_dir);
	return (status);
}

int
daemon_stop(struct daemon *d)
{
	int	status = -1;

	if (d->d_pid > 0) {
		(void)kill(d->d_pid, SIGTERM);
		if ((status = daemon_wait_exit(d->d_pid, 5000)) == -1) {
			/* Its whole session: children too. */
			(void)kill(-d->d_pid, SIGKILL);
			(void)waitpid(d->d_pid, &status, 0);
			status = -1;
		}
		d->d_pid = -1;
	}
	if (d->d_dir[0] != '\0') {
		(void)unlink(d->d_log);
		(void)unlink(d->d_bin);
		(void)rmdir(d->d_dir);
		d->d_dir[0] = '\0';
	}
	return (status);
}

int
daemon_use_hooks(void)
{
	const char	*hooks = getenv("PRIVCACHED_HOOKS_BIN");

	if (hooks == NULL || access(hooks, X_OK) != 0)
		return (-1);
	return (setenv("PRIVCACHED_BIN", hooks, 1));
}

int
daemon_stop_detached(pid_t pid)
{
	long	end = client_now_ms() + 5000;

	if (kill(pid, SIGTERM) == -1)
		return (-1);
	while (client_now_ms() < end) {
		if (kill(pid, 0) == -1 && errno == ESRCH)
			return (0);
		client_sleep_ms(10);
	}
	(void)kill(pid, SIGKILL);
	return (-1);
}

static pid_t
proc_ppid(pid_t pid)
{
	char	path[64], buf[1024], *p;
	ssize_t	n;
	int	fd;
	long	ppid;

	(void)snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY)) == -1)
		return (-1);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return (-1);
	buf[n] = '\0';
	/* The command name may hold spaces and parentheses. */
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 1, " %*c %ld", &ppid) != 1)
		return (-1);
	return ((pid_t)ppid);
}

size_t
daemon_children(pid_t parent, pid_t *pids, size_t max)
{
	struct dirent	*de;
	DIR		*d;
	size_t		 n = 0;
	pid_t		 pid;

	if ((d = opendir("/proc")) == NULL)
		return (0);
	while ((de = readdir(d)) != NULL) {
		if ((pid = atoi(de->d_name)) <= 0)
			continue;
		if (proc_ppid(pid) != parent)
			continue;
		if (n < max)
			pids[n] = pid;
		n++;
	}
	closedir(d);
	return (n);
}

size_t
daemon_children_role(struct daemon *d, const char *role, pid_t *out,
    size_t max)
{
	pid_t	pids[64];
	char	path[64], buf[256], want[64];
	size_t	n, i, found = 0;
	ssize_t	len;
	int	fd;

	(void)snprintf(want, sizeof(want), "privcached: %s", role);
	n = daemon_children(d->d_pid, pids, 64);
	for (i = 0; i < n && i < 64 && found < max; i++) {
		(void)snprintf(path, sizeof(path), "/proc/%d/cmdline",
		    (int)pids[i]);
		if ((fd = open(path, O_RDONLY)) == -1)
			continue;
		len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (len <= 0)
			continue;
		buf[len] = '\0';
		if (strncmp(buf, want, strlen(want)) == 0)
			out[found++] = pids[i];
	}
	return (found);
}

pid_t
daemon_wait_new_child(struct daemon *d, const char *role, pid_t old, int ms)
{
	pid_t	pid;
	long	end = client_now_ms() + ms;

	while (client_now_ms() < end) {
		if ((pid = daemon_child(d, role)) > 0 && pid != old)
			return (pid);
		client_sleep_ms(2);
	}
	return (-1);
}

pid_t
daemon_child(struct daemon *d, const char *role)
{
	pid_t	pid;

	return (daemon_children_role(d, role, &pid, 1) == 1 ? pid : -1);
}

int
proc_status_field(pid_t pid, const char *field, char *out, size_t len)
{
	char	path[64], line[512];
	size_t	flen = strlen(field);
	FILE	*fp;
	int	rv = -1;

	(void)snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((fp = fopen(path, "r")) == NULL)
		return (-1);
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (strncmp(line, field, flen) == 0 && line[flen] == ':') {
			(void)strlcpy(out, line + flen + 1 +
			    strspn(line + flen + 1, " \t"), len);
			out[strcspn(out, "\n")] = '\0';
			rv = 0;
			break;
		}
	}
	fclose(fp);
	return (rv);
}

long
proc_rss_kb(pid_t pid)
{
	char	buf[64];

	if (proc_status_field(pid, "VmRSS", buf, sizeof(buf)) == -1)
		return (-1);
	return (strtol(buf, NULL, 10));
}

int
daemon_log_has(struct daemon *d, const char *s, int ms)
{
	char	buf[65536];
	ssize_t	n;
	int	fd, waited;

	for (waited = 0; waited <= ms; waited += 20) {
		if ((fd = open(d->d_log, O_RDONLY)) != -1) {
			n = read(fd, buf, sizeof(buf) - 1);
			close(fd);
			buf[n > 0 ? n : 0] = '\0';
			if (strstr(buf, s) != NULL)
				return (1);
		}
		client_sleep_ms(20);
	}
	return (0);
}

size_t
daemon_log_count(struct daemon *d, const char *s)
{
	char	*buf = NULL, *p;
	size_t	 len = 0, n = 0;
	FILE	*fp;

	/* The whole log, however long a flood made it. */
	if ((fp = fopen(d->d_log, "r")) == NULL)
		return (0);
	if (getdelim(&buf, &len, '\0', fp) > 0)
		for (p = buf; (p = strstr(p, s)) != NULL; p += strlen(s))
			n++;
	free(buf);
	fclose(fp);
	return (n);
}

int
tls_make_certs(char *dir, size_t len)
{
	char	cmd[2 * PATH_MAX], src[PATH_MAX];
	int	st;

	/* The script runs in dir: its own path must not be relative. */
	if (realpath(daemon_src(), src) == NULL ||
	    strchr(src, '\'') != NULL)
		return (-1);
	if (strlcpy(dir, "/tmp/privcached-tls.XXXXXX", len) >= len ||
	    mkdtemp(dir) == NULL)
		return (-1);
	if (chmod(dir, 0755) == -1)
		goto fail;
	(void)snprintf(cmd, sizeof(cmd), "cd '%s' && sh '%s/tests/lib/"
	    "tls_gen.sh' >gen.log 2>&1 && rm -f gen.log", dir, src);
	st = system(cmd);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		(void)snprintf(cmd, sizeof(cmd), "cat '%s/gen.log' >&2", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "tls_make_certs: no log\n");
		goto fail;
	}
	return (0);
 fail:
	tls_remove_certs(dir);
	return (-1);
}

void
tls_remove_certs(const char *dir)
{
	char	cmd[512];

	/* Only what tls_make_certs made. */
	if (strncmp(dir, "/tmp/privcached-tls.", 20) != 0 ||
	    strchr(dir, '\'') != NULL || strstr(dir, "..") != NULL)
		return;
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "tls_remove_certs: %s stays\n", dir);
}

int
daemon_start_tls(struct daemon *d, const char *user,
    const char *const args[], int *plain_port)
{
	const char	*argv[DAEMON_ARGS_MAX + 1];
	char		 notls[64];
	size_t		 n = 0;
	int		 port;

	if (daemon_prepare(d) == -1)
		return (-1);
	if ((d->d_port = daemon_free_port()) == -1)
		return (-1);
	do {
		if ((port = daemon_free_port()) == -1)
			return (-1);
	} while (port == d->d_port);
	*plain_port = port;
	while (args != NULL && args[n] != NULL && n < DAEMON_ARGS_MAX - 2) {
		argv[n] = args[n];
		n++;
	}
	(void)snprintf(notls, sizeof(notls), "notls:127.0.0.1:%d", port);
	argv[n++] = "-l";
	argv[n++] = notls;
	argv[n] = NULL;
	if ((d->d_pid = daemon_spawn(d, user, argv, 1)) == -1)
		return (-1);
	return (daemon_wait_ready(d, port, NULL));
}
