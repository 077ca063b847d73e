/*
 * Spawning children (parent) and dropping privileges (each child, before it
 * touches anything that came from outside).  Children are re-executed rather
 * than just forked so that each gets a fresh address-space layout and none
 * inherits the parent's memory.
 */

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"
#include "msg.h"
#include "proc.h"
#include "wire.h"

extern char	**environ;

/* Log lines a child queues while the parent is not reading, at most. */
#define PROC_LOG_QUEUE_MAX	1024

struct imsgev	proc_ctl;

/*
 * The roles, as data: a child's role is a row, found by its name on the
 * command line.  The entry points come from net/ and cache/ (proc.h).
 */
static const struct proc_role_def {
	const char	*pr_name;
	/* While files are still in reach, before the drop; NULL: none. */
	void		(*pr_early)(void);
	void		(*pr_main)(const struct proc_args *);
} proc_roles[PROC_MAX] = {
	[PROC_PARENT] = { "parent", NULL, NULL },
	[PROC_STORAGE] = { "storage", NULL, storage_main },
	[PROC_NET] = { "net", net_early, net_main },
};

static const char *const proc_env_keep[] = {
	"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "TZ",
#ifdef TEST_HOOKS
	"PRIVCACHED_HOOK_DIE",	/* the role that fails at start (tests) */
#endif
};

const char *
proc_role_name(enum proc_role role)
{
	if (role >= PROC_MAX)
		return ("unknown");
	return (proc_roles[role].pr_name);
}

char *
proc_self_path(const char *argv0)
{
	char		 buf[PATH_MAX];
	const char	*path, *p, *end;
	size_t		 len;

	if (strchr(argv0, '/') != NULL)
		return (realpath(argv0, NULL));
	if ((path = getenv("PATH")) == NULL)
		path = "/usr/bin:/bin:/usr/sbin:/sbin";
	for (p = path; *p != '\0'; p = end + (*end == ':')) {
		if ((end = strchr(p, ':')) == NULL)
			end = p + strlen(p);
		len = end - p;
		if (len == 0)
			continue;
		if ((size_t)snprintf(buf, sizeof(buf), "%.*s/%s", (int)len, p,
		    argv0) >= sizeof(buf))
			continue;
		if (access(buf, X_OK) == 0)
			return (realpath(buf, NULL));
	}
	errno = ENOENT;
	return (NULL);
}

int
proc_self_open(const char *path)
{
	struct stat	st;
	int		fd, nfd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (-1);
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EACCES;
		return (-1);
	}
	/* Clear of the descriptors a spawn moves into place. */
	if (fd <= PROC_CTL_FD + 1) {
		nfd = fcntl(fd, F_DUPFD_CLOEXEC, PROC_CTL_FD + 2);
		close(fd);
		fd = nfd;
	}
	return (fd);
}

pid_t
proc_spawn(const char *self, int selffd, const struct proc_args *pa,
    int *ctlfd)
{
	char	 role[64], user[300], root[PATH_MAX + 32], nofile[64];
	char	 verbose[64], sandbox[64], data[64];
	char	*argv[10], *envp[8], **ep;
	int	 sp[2], in[2], out[2], argc = 0;
	size_t	 i, len, envc = 0;
	pid_t	 pid;

	(void)snprintf(role, sizeof(role), "%s%s", PROC_CHILD_OPT,
	    proc_role_name(pa->pa_role));
	(void)snprintf(root, sizeof(root), "--privsep-chroot=%s",
	    pa->pa_chroot != NULL ? pa->pa_chroot : "");
	(void)snprintf(nofile, sizeof(nofile), "--privsep-nofile=%llu",
	    (unsigned long long)pa->pa_nofile);
	(void)snprintf(data, sizeof(data), "--privsep-data=%llu",
	    (unsigned long long)pa->pa_data);
	(void)snprintf(verbose, sizeof(verbose), "--privsep-verbose=%d",
	    pa->pa_verbose);
	(void)snprintf(sandbox, sizeof(sandbox), "--privsep-sandbox=%d",
	    pa->pa_sandbox);
	/*
	 * A short argv[0]: libbsd's setproctitle marks a title shorter than
	 * the original argv[0] with a trailing '.' in ps.
	 */
	argv[argc++] = "privcached";
	argv[argc++] = role;
	if (pa->pa_user != NULL) {
		if ((size_t)snprintf(user, sizeof(user), "--privsep-user=%s",
		    pa->pa_user) >= sizeof(user)) {
			errno = ENAMETOOLONG;
			return (-1);
		}
		argv[argc++] = user;
	}
	argv[argc++] = root;
	argv[argc++] = nofile;
	argv[argc++] = data;
	argv[argc++] = verbose;
	argv[argc++] = sandbox;
	argv[argc] = NULL;
	/* Children get no environment but what sanitizer runs need. */
	for (ep = environ; *ep != NULL && envc < nitems(envp) - 1; ep++) {
		for (i = 0; i < nitems(proc_env_keep); i++) {
			len = strlen(proc_env_keep[i]);
			if (strncmp(*ep, proc_env_keep[i], len) == 0 &&
			    (*ep)[len] == '=')
				envp[envc++] = *ep;
		}
	}
	envp[envc] = NULL;

	/*
	 * Stdio is two dead pipes, not /dev/null: a child then holds no
	 * descriptor to anything outside its root.  Reads see EOF, writes
	 * fail with EPIPE (SIGPIPE is ignored), and a stray write to stderr
	 * can never land on a client socket.
	 */
	if (pipe2(in, O_CLOEXEC) == -1)
		return (-1);
	if (pipe2(out, O_CLOEXEC) == -1) {
		close(in[0]);
		close(in[1]);
		return (-1);
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1) {
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		return (-1);
	}
	switch ((pid = fork())) {
	case -1:
		close(sp[0]);
		close(sp[1]);
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		return (-1);
	case 0:
		/* Only async-signal-safe calls from here to execv. */
		if (dup2(in[0], STDIN_FILENO) == -1 ||
		    dup2(out[1], STDOUT_FILENO) == -1 ||
		    dup2(out[1], STDERR_FILENO) == -1)
			_exit(126);
		if (sp[1] == PROC_CTL_FD) {
			if (fcntl(sp[1], F_SETFD, 0) == -1)
				_exit(126);
		} else if (dup2(sp[1], PROC_CTL_FD) == -1)
			_exit(126);
#ifdef __linux__
		/*
		 * The binary we started from, not whatever sits at its path
		 * now: a child that can force respawns must not choose what
		 * root runs next.  Kept close-on-exec past closefrom.
		 */
		if (dup2(selffd, PROC_CTL_FD + 1) == -1 ||
		    fcntl(PROC_CTL_FD + 1, F_SETFD, FD_CLOEXEC) == -1)
			_exit(126);
		closefrom(PROC_CTL_FD + 2);
		(void)self;
		fexecve(PROC_CTL_FD + 1, argv, envp);
#else
		/* No fexecve: the path, which only root can change. */
		(void)selffd;
		closefrom(PROC_CTL_FD + 1);
		execve(self, argv, envp);
#endif
		_exit(127);
	}
	close(sp[1]);
	close(in[0]);
	close(in[1]);
	close(out[0]);
	close(out[1]);
	*ctlfd = sp[0];
	return (pid);
}

/*
 * A child's log lines go to the parent.  Critical ones are flushed with a
 * blocking write because the process is about to exit.
 */
static void
proc_log_sink(int prio, const char *line)
{
	static int	 busy;
	struct ibuf	*buf;
	size_t		 len;

	if (busy || !proc_ctl.iev_active)
		return;
	busy = 1;
	len = strnlen(line, CTL_LOG_MAX);
	if (imsgbuf_queuelen(&proc_ctl.iev_ibuf) < PROC_LOG_QUEUE_MAX &&
	    (buf = imsg_create(&proc_ctl.iev_ibuf, IMSG_CTL_LOG, 0, 0,
	    sizeof(int32_t) + len)) != NULL) {
		if (imsg_add(buf, &(int32_t){ prio }, sizeof(int32_t)) != -1 &&
		    imsg_add(buf, line, len) != -1)
			imsg_close(&proc_ctl.iev_ibuf, buf);
	}
	if (prio <= LOG_CRIT)
		imsgev_flush_blocking(&proc_ctl);
	else {
		(void)imsgbuf_write(&proc_ctl.iev_ibuf);
		imsgev_add(&proc_ctl);
	}
	busy = 0;
}

static void
proc_set_rlimit(int resource, rlim_t value, const char *name)
{
	struct rlimit	rl;

	rl.rlim_cur = rl.rlim_max = value;
	if (setrlimit(resource, &rl) == -1)
		fatal("setrlimit %s", name);
}

/* Steps 2 to 5 of DESIGN.md section 4. */
static void
proc_drop(const struct proc_args *pa)
{
	struct passwd	*pw;
	struct stat	 st;
	uid_t		 ruid, euid, suid;
	gid_t		 rgid, egid, sgid;

	if (pa->pa_user != NULL) {
		if ((pw = getpwnam(pa->pa_user)) == NULL)
			fatalx("unknown user %s", pa->pa_user);
		if (pw->pw_uid == 0)
			fatalx("user %s has uid 0", pa->pa_user);
		if (pa->pa_chroot == NULL || *pa->pa_chroot != '/')
			fatalx("no chroot directory");
		if (stat(pa->pa_chroot, &st) == -1)
			fatal("stat %s", pa->pa_chroot);
		if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
			fatalx("chroot %s: not owned by root or writable by "
			    "others", pa->pa_chroot);
		if (chroot(pa->pa_chroot) == -1)
			fatal("chroot %s", pa->pa_chroot);
		if (chdir("/") == -1)
			fatal("chdir /");
		if (setgroups(1, &pw->pw_gid) == -1)
			fatal("setgroups");
		if (setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) == -1)
			fatal("setresgid");
		if (setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) == -1)
			fatal("setresuid");
		if (getresuid(&ruid, &euid, &suid) == -1 ||
		    getresgid(&rgid, &egid, &sgid) == -1)
			fatal("getresuid");
		if (ruid != pw->pw_uid || euid != pw->pw_uid ||
		    suid != pw->pw_uid || rgid != pw->pw_gid ||
		    egid != pw->pw_gid || sgid != pw->pw_gid)
			fatalx("ids not dropped");
		/* The drop must be permanent: regaining root must fail. */
		if (setuid(0) != -1 || seteuid(0) != -1)
			fatalx("could regain uid 0 after the drop");
		if (pw->pw_gid != 0 && (setgid(0) != -1 || setegid(0) != -1))
			fatalx("could regain gid 0 after the drop");
	}
	proc_set_rlimit(RLIMIT_NPROC, 0, "NPROC");
	proc_set_rlimit(RLIMIT_FSIZE, 0, "FSIZE");
	proc_set_rlimit(RLIMIT_CORE, 0, "CORE");
	proc_set_rlimit(RLIMIT_NOFILE, pa->pa_nofile, "NOFILE");
	if (pa->pa_data != 0)
		proc_set_rlimit(RLIMIT_DATA, pa->pa_data, "DATA");
}

static const char *
proc_arg(const char *arg, const char *name)
{
	size_t	len = strlen(name);

	if (strncmp(arg, name, len) == 0 && arg[len] == '=')
		return (arg + len + 1);
	return (NULL);
}

static long long
proc_num(const char *s, long long min, long long max)
{
	const char	*errstr;
	long long	 n;

	n = strtonum(s, min, max, &errstr);
	if (errstr != NULL)
		fatalx("bad child argument %s: %s", s, errstr);
	return (n);
}

void
proc_child_main(int argc, char **argv)
{
	struct proc_args	 pa;
	const char		*v;
#ifdef __linux__
	char			 comm[32];	/* the kernel keeps 15 */
#endif
	int			 i, r;

	/* Step 1: nothing but the control channel stays open. */
	closefrom(PROC_CTL_FD + 1);
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		_exit(1);
	log_init(1, LOG_DAEMON);
	if (imsgev_init(&proc_ctl, PROC_CTL_FD, NULL, NULL) == -1)
		_exit(1);
	/* Listeners and the data channel arrive over this channel. */
	imsgbuf_allow_fdpass(&proc_ctl.iev_ibuf);
	log_setsink(proc_log_sink);

	memset(&pa, 0, sizeof(pa));
	pa.pa_role = PROC_MAX;
	pa.pa_sandbox = 1;
	for (i = 1; i < argc; i++) {
		if ((v = proc_arg(argv[i], "--privsep-child")) != NULL) {
			for (r = PROC_PARENT + 1; r < PROC_MAX; r++)
				if (strcmp(v, proc_roles[r].pr_name) == 0)
					pa.pa_role = r;
		} else if ((v = proc_arg(argv[i], "--privsep-user")) != NULL)
			pa.pa_user = v;
		else if ((v = proc_arg(argv[i], "--privsep-chroot")) != NULL)
			pa.pa_chroot = *v != '\0' ? v : NULL;
		else if ((v = proc_arg(argv[i], "--privsep-nofile")) != NULL)
			pa.pa_nofile = proc_num(v, 8, 16 * 1024 * 1024);
		else if ((v = proc_arg(argv[i], "--privsep-data")) != NULL)
			pa.pa_data = proc_num(v, 0, LLONG_MAX);
		else if ((v = proc_arg(argv[i], "--privsep-verbose")) != NULL)
			pa.pa_verbose = proc_num(v, 0, 10);
		else if ((v = proc_arg(argv[i], "--privsep-sandbox")) != NULL)
			pa.pa_sandbox = proc_num(v, 0, 2);
		else
			fatalx("unknown child argument %s", argv[i]);
	}
	if (pa.pa_role == PROC_MAX || pa.pa_nofile == 0)
		fatalx("incomplete child arguments");
	log_setverbose(pa.pa_verbose);
	log_procinit(proc_role_name(pa.pa_role));
	setproctitle("%s", proc_role_name(pa.pa_role));
#ifdef __linux__
	/* top shows the kernel's name, not the title: privcached-net. */
	(void)snprintf(comm, sizeof(comm), "privcached-%s",
	    proc_role_name(pa.pa_role));
	if (prctl(PR_SET_NAME, comm) == -1)
		log_warn("prctl PR_SET_NAME");
#endif

	if (proc_roles[pa.pa_role].pr_early != NULL)
		proc_roles[pa.pa_role].pr_early();
	proc_drop(&pa);
#ifdef TEST_HOOKS
	if ((v = getenv("PRIVCACHED_HOOK_DIE")) != NULL &&
	    strcmp(v, proc_role_name(pa.pa_role)) == 0)
		fatalx("failing at start, as the test hook asks");
#endif
	proc_roles[pa.pa_role].pr_main(&pa);
	fatalx("%s: main returned", proc_role_name(pa.pa_role));
}
