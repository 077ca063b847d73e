/*
 * The privileged parent: parses the flags, binds the listeners, spawns the
 * storage and net children, hands them their descriptors and watches them.
 * It never reads a client byte nor a cache item, and it never trusts what a
 * child says: anything unexpected gets that child killed.
 */

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <event.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "listen.h"
#include "log.h"
#include "msg.h"
#include "proc.h"
#include "wire.h"

/* Descriptors the net child needs beyond one per client. */
#define NET_FD_RESERVE		32
#define STORAGE_NOFILE		16
/* Socket buffers of the data channel: room for several full batches. */
#define DATA_SOCKBUF		(4 * 1024 * 1024)
/* How long children get to exit after SIGTERM before SIGKILL. */
#define SHUTDOWN_GRACE_MS	3000

struct child {
	enum proc_role	 ch_role;
	pid_t		 ch_pid;
	int		 ch_ready;
	struct imsgev	 ch_iev;
};

static struct config	 parent_conf;
static time_t		 parent_start_time;
static struct listener	*parent_listeners;
static size_t		 parent_nlisteners;
static struct child	 children[PROC_MAX];
static char		*parent_self;
/* The flags as started: the title shows them, a reload re-reads them. */
static char		**parent_argv;
static char		*parent_pidfile;
static const char	*parent_user;
static struct event	 ev_sigchld, ev_sigterm, ev_sigint, ev_sighup;

static void	parent_dispatch_child(int, short, void *);
static __attribute__((__noreturn__)) void parent_shutdown(int);

static void
parent_sanitize(char *s)
{
	/* A child's text must not reach a terminal as control sequences. */
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
			*s = '?';
}

static const char *
parent_pick_user(void)
{
	static const char *const candidates[] = {
		"_privcached", "privcached", "nobody"
	};
	struct passwd	*pw;
	size_t		 i;

	for (i = 0; i < nitems(candidates); i++) {
		if ((pw = getpwnam(candidates[i])) != NULL && pw->pw_uid != 0)
			return (candidates[i]);
	}
	return (NULL);
}

/* The chroot must be root's, not writable by others, and empty. */
static void
parent_check_chroot(const char *dir)
{
	struct stat	 st;
	struct dirent	*de;
	DIR		*d;

	if (stat(dir, &st) == -1) {
		if (errno != ENOENT)
			fatal("chroot directory %s", dir);
		if (mkdir(dir, 0755) == -1)
			fatal("cannot create chroot directory %s", dir);
		log_info("created chroot directory %s", dir);
		if (stat(dir, &st) == -1)
			fatal("chroot directory %s", dir);
	}
	if (!S_ISDIR(st.st_mode))
		fatalx("chroot %s: not a directory", dir);
	if (st.st_uid != 0)
		fatalx("chroot %s: not owned by root", dir);
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
		fatalx("chroot %s: writable by group or others", dir);
	if ((d = opendir(dir)) == NULL)
		fatal("chroot %s", dir);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			fatalx("chroot %s: not empty (%s)", dir, de->d_name);
	}
	closedir(d);
}

/*
 * Children inherit our descriptor limit and can only lower it after the
 * drop, so raise it here for the net child's -c connections.
 */
static rlim_t
parent_fd_limits(void)
{
	struct rlimit	rl;
	rlim_t		need;

	need = (rlim_t)parent_conf.c_net.nc_maxconns + NET_FD_RESERVE +
	    parent_nlisteners;
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		fatal("getrlimit");
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need) {
		if (geteuid() != 0)
			fatalx("-c %u needs %llu descriptors but the hard limit "
			    "is %llu: lower -c or start as root",
			    parent_conf.c_net.nc_maxconns,
			    (unsigned long long)need,
			    (unsigned long long)rl.rlim_max);
		rl.rlim_max = need;
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur < need)
		rl.rlim_cur = need;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		fatal("setrlimit NOFILE to %llu", (unsigned long long)need);
	return (need);
}

static void
parent_spawn(enum proc_role role, rlim_t nofile)
{
	struct proc_args	 pa;
	struct child		*ch = &children[role];
	int			 fd;

	memset(&pa, 0, sizeof(pa));
	pa.pa_role = role;
	pa.pa_user = parent_user;
	pa.pa_chroot = parent_conf.c_chroot;
	pa.pa_nofile = nofile;
	pa.pa_verbose = parent_conf.c_verbose;
	pa.pa_sandbox = parent_conf.c_sandbox;
	if ((ch->ch_pid = proc_spawn(parent_self, &pa, &fd)) == -1)
		fatal("cannot start %s child", proc_role_name(role));
	ch->ch_role = role;
	ch->ch_ready = 0;
	if (imsgev_init(&ch->ch_iev, fd, parent_dispatch_child, ch) == -1)
		fatal("control channel of %s", proc_role_name(role));
	/* The parent hands children descriptors, never the reverse. */
	imsgbuf_allow_fdpass(&ch->ch_iev.iev_ibuf);
	imsgev_start(&ch->ch_iev);
	log_debug("started %s child, pid %d", proc_role_name(role),
	    (int)ch->ch_pid);
}

static void
parent_compose(struct child *ch, uint32_t type, int fd, const void *data,
    size_t len)
{
	if (imsgev_compose(&ch->ch_iev, type, 0, fd, data, len) == -1)
		fatal("compose to %s", proc_role_name(ch->ch_role));
}

/* Both children are up: give them their configuration and channel. */
static void
parent_configure(void)
{
	struct child	*net = &children[PROC_NET];
	struct child	*storage = &children[PROC_STORAGE];
	int		 sp[2], sz = DATA_SOCKBUF, i;
	size_t		 n;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1)
		fatal("data channel");
	for (i = 0; i < 2; i++) {
		/* Best effort: the kernel may cap it; batching still works. */
		(void)setsockopt(sp[i], SOL_SOCKET, SO_SNDBUF, &sz,
		    sizeof(sz));
		(void)setsockopt(sp[i], SOL_SOCKET, SO_RCVBUF, &sz,
		    sizeof(sz));
	}
	parent_compose(storage, IMSG_CFG_CACHE, -1, &parent_conf.c_cache,
	    sizeof(parent_conf.c_cache));
	parent_compose(storage, IMSG_CTL_PEER, sp[0], NULL, 0);

	parent_conf.c_net.nc_cache = parent_conf.c_cache;
	parent_conf.c_net.nc_start_time = parent_start_time;
	parent_conf.c_net.nc_tcp_port = parent_conf.c_port;
	parent_conf.c_net.nc_backlog = parent_conf.c_backlog;
	parent_conf.c_net.nc_verbose = parent_conf.c_verbose;
	parent_compose(net, IMSG_CFG_NET, -1, &parent_conf.c_net,
	    sizeof(parent_conf.c_net));
	parent_compose(net, IMSG_CTL_PEER, sp[1], NULL, 0);
	for (n = 0; n < parent_nlisteners; n++) {
		int	fd;

		/* The net child gets a copy; ours outlives every child. */
		if ((fd = dup(parent_listeners[n].l_fd)) == -1)
			fatal("dup listener");
		parent_compose(net, IMSG_CFG_LISTENER, fd,
		    &parent_listeners[n].l_conf,
		    sizeof(parent_listeners[n].l_conf));
	}
	parent_compose(net, IMSG_CFG_DONE, -1, NULL, 0);
	for (n = 0; n < parent_nlisteners; n++)
		log_info("listening on %s", parent_listeners[n].l_conf.lc_name);
}

static void
parent_kill_child(struct child *ch, const char *why)
{
	log_warnx("%s child (pid %d): %s; killing it",
	    proc_role_name(ch->ch_role), (int)ch->ch_pid, why);
	if (ch->ch_pid > 0)
		(void)kill(ch->ch_pid, SIGKILL);
	imsgev_close(&ch->ch_iev);
}

static void
parent_handle_log(struct child *ch, struct imsg *imsg)
{
	struct ibuf	 buf;
	int32_t		 prio;
	const void	*text;
	char		 line[CTL_LOG_MAX + 1];
	size_t		 len;

	if (imsg_get_ibuf(imsg, &buf) == -1 ||
	    wire_get_i32(&buf, &prio) == -1 ||
	    (len = ibuf_size(&buf)) > CTL_LOG_MAX ||
	    wire_get_bytes(&buf, len, &text) == -1 ||
	    prio < LOG_EMERG || prio > LOG_DEBUG) {
		parent_kill_child(ch, "malformed log message");
		return;
	}
	memcpy(line, text, len);
	line[len] = '\0';
	parent_sanitize(line);
	log_line(proc_role_name(ch->ch_role), prio, line);
}

static void
parent_dispatch_child(int fd, short event, void *arg)
{
	struct child	*ch = arg;
	struct imsg	 imsg;
	ssize_t		 n;
	int		 rv;

	(void)fd;
	if ((rv = imsgev_io(&ch->ch_iev, event)) <= 0) {
		/* SIGCHLD will tell how it died. */
		if (rv == -1)
			log_warn("control channel of %s",
			    proc_role_name(ch->ch_role));
		imsgev_close(&ch->ch_iev);
		return;
	}
	for (;;) {
		if ((n = imsg_get(&ch->ch_iev.iev_ibuf, &imsg)) == -1) {
			parent_kill_child(ch, "malformed message");
			return;
		}
		if (n == 0)
			break;
		/* Every message is checked for type, length and fd. */
		if (imsg_get_fd(&imsg) != -1) {
			imsg_free(&imsg);
			parent_kill_child(ch, "unexpected descriptor");
			return;
		}
		switch (imsg_get_type(&imsg)) {
		case IMSG_CTL_READY:
			if (imsg_get_len(&imsg) != 0 || ch->ch_ready) {
				imsg_free(&imsg);
				parent_kill_child(ch, "bad READY");
				return;
			}
			ch->ch_ready = 1;
			log_debug("%s child ready", proc_role_name(ch->ch_role));
			if (children[PROC_NET].ch_ready &&
			    children[PROC_STORAGE].ch_ready)
				parent_configure();
			break;
		case IMSG_CTL_LOG:
			parent_handle_log(ch, &imsg);
			break;
		case IMSG_CTL_SHUTDOWN:
			if (ch->ch_role != PROC_NET ||
			    imsg_get_len(&imsg) != 0 ||
			    !parent_conf.c_net.nc_shutdown_enabled) {
				imsg_free(&imsg);
				parent_kill_child(ch, "bad SHUTDOWN");
				return;
			}
			imsg_free(&imsg);
			log_info("shutdown command received, stopping");
			parent_shutdown(0);
		case IMSG_CTL_PEER_BAD:
			if (ch->ch_role != PROC_STORAGE ||
			    imsg_get_len(&imsg) != 0) {
				imsg_free(&imsg);
				parent_kill_child(ch, "bad PEER_BAD");
				return;
			}
			log_warnx("storage reports garbage from net");
			if (children[PROC_NET].ch_pid > 0)
				(void)kill(children[PROC_NET].ch_pid, SIGKILL);
			break;
		default:
			imsg_free(&imsg);
			parent_kill_child(ch, "unexpected message");
			return;
		}
		imsg_free(&imsg);
		if (!ch->ch_iev.iev_active)
			return;
	}
	imsgev_add(&ch->ch_iev);
}

static void
parent_describe_status(int status, char *buf, size_t len)
{
	if (WIFSIGNALED(status))
		(void)snprintf(buf, len, "killed by signal %d (%s)",
		    WTERMSIG(status), strsignal(WTERMSIG(status)));
	else if (WIFEXITED(status))
		(void)snprintf(buf, len, "exited with status %d",
		    WEXITSTATUS(status));
	else
		(void)snprintf(buf, len, "stopped (status %#x)", status);
}

static void
parent_sigchld(void)
{
	char	 what[128];
	pid_t	 pid;
	int	 status, i, lost = 0;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0; i < PROC_MAX; i++) {
			if (children[i].ch_pid != pid)
				continue;
			parent_describe_status(status, what, sizeof(what));
			log_warnx("lost child: %s (pid %d) %s",
			    proc_role_name(i), (int)pid, what);
			children[i].ch_pid = 0;
			imsgev_close(&children[i].ch_iev);
			lost = 1;
		}
	}
	/* Respawning comes with the supervisor; until then stop cleanly. */
	if (lost)
		parent_shutdown(1);
}

static void
parent_signal(int sig, short event, void *arg)
{
	(void)event;
	(void)arg;
	switch (sig) {
	case SIGCHLD:
		parent_sigchld();
		break;
	case SIGTERM:
	case SIGINT:
		log_info("%s received, stopping", strsignal(sig));
		parent_shutdown(0);
	case SIGHUP:
		log_warnx("SIGHUP: reload is not supported yet; ignored");
		break;
	}
}

static void
parent_shutdown(int code)
{
	struct timespec	 ts = { 0, 10 * 1000 * 1000 };
	int		 i, alive, waited = 0, status;

	for (i = 0; i < PROC_MAX; i++)
		if (children[i].ch_pid > 0)
			(void)kill(children[i].ch_pid, SIGTERM);
	for (;;) {
		alive = 0;
		for (i = 0; i < PROC_MAX; i++) {
			if (children[i].ch_pid <= 0)
				continue;
			if (waitpid(children[i].ch_pid, &status, WNOHANG) ==
			    children[i].ch_pid)
				children[i].ch_pid = 0;
			else
				alive = 1;
		}
		if (!alive)
			break;
		if (waited >= SHUTDOWN_GRACE_MS) {
			for (i = 0; i < PROC_MAX; i++)
				if (children[i].ch_pid > 0)
					(void)kill(children[i].ch_pid, SIGKILL);
		}
		nanosleep(&ts, NULL);
		waited += 10;
	}
	if (parent_pidfile != NULL)
		(void)unlink(parent_pidfile);
	listen_cleanup(&parent_conf);
	log_info("stopped");
	exit(code);
}

static char *
parent_absolute(const char *path)
{
	char	cwd[PATH_MAX], *abs;

	if (path[0] == '/')
		abs = strdup(path);
	else {
		if (getcwd(cwd, sizeof(cwd)) == NULL)
			fatal("getcwd");
		if (asprintf(&abs, "%s/%s", cwd, path) == -1)
			abs = NULL;
	}
	if (abs == NULL)
		fatal("pidfile");
	return (abs);
}

static void
parent_write_pidfile(void)
{
	FILE	*fp;

	if (parent_pidfile == NULL)
		return;
	if ((fp = fopen(parent_pidfile, "w")) == NULL)
		fatal("pidfile %s", parent_pidfile);
	fprintf(fp, "%ld\n", (long)getpid());
	if (fclose(fp) == EOF)
		fatal("pidfile %s", parent_pidfile);
}

/* "parent" and the flags as started, for ps. */
static void
parent_title(int argc, char **argv)
{
	char	title[512];
	size_t	len = 0;
	int	i;

	title[0] = '\0';
	for (i = 1; i < argc && len < sizeof(title); i++)
		len = strlcat(title, " ", sizeof(title)),
		    len = strlcat(title, argv[i], sizeof(title));
	setproctitle("parent%s", title);
}

int
main(int argc, char **argv, char **envp)
{
	char		 errbuf[512];
	rlim_t		 nofile;
	int		 i;

	/* Children re-exec us with a hidden role option first. */
	if (argc >= 2 && strncmp(argv[1], PROC_CHILD_OPT,
	    strlen(PROC_CHILD_OPT)) == 0) {
#ifdef __linux__
		setproctitle_init(argc, argv, envp);
#endif
		proc_child_main(argc, argv);
	}
	(void)envp;

	/* getopt permutes argv; ps should show it as typed. */
	if ((parent_argv = calloc(argc + 1, sizeof(*parent_argv))) == NULL)
		err(1, "calloc");
	for (i = 0; i < argc; i++)
		if ((parent_argv[i] = strdup(argv[i])) == NULL)
			err(1, "strdup");

	parent_start_time = time(NULL);
	config_init(&parent_conf);
	switch (config_parse_args(&parent_conf, argc, argv, errbuf,
	    sizeof(errbuf))) {
	case CONFIG_HELP:
		config_usage(stdout);
		exit(0);
	case CONFIG_VERSION:
		printf("privcached %s\n", PRIVCACHED_PROTO_VERSION);
		exit(0);
	case CONFIG_ERROR:
		fprintf(stderr, "privcached: %s\n", errbuf);
		config_usage(stderr);
		exit(2);
	case CONFIG_OK:
		break;
	}
	log_init(1, LOG_DAEMON);
	log_setverbose(parent_conf.c_verbose);
	for (i = 0; i < (int)parent_conf.c_nnotes; i++)
		log_info("%s", parent_conf.c_notes[i]);

	if (geteuid() == 0) {
		struct passwd	*pw;

		if (parent_conf.c_user != NULL) {
			if ((pw = getpwnam(parent_conf.c_user)) == NULL) {
				fprintf(stderr, "privcached: -u %s: no such "
				    "user\n", parent_conf.c_user);
				exit(1);
			}
			if (pw->pw_uid == 0) {
				fprintf(stderr, "privcached: -u %s: refusing "
				    "to run as a uid 0 account; name an "
				    "unprivileged user\n", parent_conf.c_user);
				exit(1);
			}
			parent_user = parent_conf.c_user;
		} else {
			if ((parent_user = parent_pick_user()) == NULL) {
				fprintf(stderr, "privcached: no -u given and "
				    "none of _privcached, privcached, nobody "
				    "exists\n");
				exit(1);
			}
			fprintf(stderr, "privcached: no -u given: children "
			    "run as %s\n", parent_user);
		}
		parent_check_chroot(parent_conf.c_chroot);
	} else {
		parent_user = NULL;
		log_warnx("not started as root: children keep uid %u and run "
		    "without chroot%s", (unsigned)geteuid(),
		    parent_conf.c_user != NULL ? "; -u ignored" : "");
	}

	if ((parent_self = proc_self_path(parent_argv[0])) == NULL)
		fatal("cannot find our own binary from %s", parent_argv[0]);
	if (listen_bind_all(&parent_conf, &parent_listeners,
	    &parent_nlisteners, errbuf, sizeof(errbuf)) == -1)
		fatalx("%s", errbuf);
	nofile = parent_fd_limits();
	if (parent_conf.c_lock_memory) {
		struct rlimit	rl = { RLIM_INFINITY, RLIM_INFINITY };

		/* The storage child locks its memory after the drop. */
		if (setrlimit(RLIMIT_MEMLOCK, &rl) == -1)
			log_warn("-k: cannot raise the locked memory limit");
	}
	if (parent_conf.c_pidfile != NULL)
		parent_pidfile = parent_absolute(parent_conf.c_pidfile);

	if (parent_conf.c_daemonize) {
		if (daemon(0, 0) == -1)
			fatal("daemon");
		log_init(0, LOG_DAEMON);
	}
	parent_write_pidfile();
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		fatal("signal");

#ifdef __linux__
	setproctitle_init(argc, argv, envp);
#endif
	parent_title(argc, parent_argv);

	event_init();
	signal_set(&ev_sigchld, SIGCHLD, parent_signal, NULL);
	signal_set(&ev_sigterm, SIGTERM, parent_signal, NULL);
	signal_set(&ev_sigint, SIGINT, parent_signal, NULL);
	signal_set(&ev_sighup, SIGHUP, parent_signal, NULL);
	signal_add(&ev_sigchld, NULL);
	signal_add(&ev_sigterm, NULL);
	signal_add(&ev_sigint, NULL);
	signal_add(&ev_sighup, NULL);

	parent_spawn(PROC_STORAGE, STORAGE_NOFILE);
	parent_spawn(PROC_NET, nofile);

	event_dispatch();
	fatalx("event loop ended");
}
