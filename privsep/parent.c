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

#include "authcheck.h"
#include "authfile.h"
#include "checkconf.h"
#include "detach.h"
#include "tlsfiles.h"
#include "upgrade.h"
#include "config.h"
#include "listen.h"
#include "itemmem.h"
#include "log.h"
#include "msg.h"
#include "pidfile.h"
#include "proc.h"
#include "sandbox.h"
#include "sdnotify.h"
#include "supervise.h"
#include "wire.h"

/* Descriptors the net child needs beyond one per client. */
#define NET_FD_RESERVE		32
#define STORAGE_NOFILE		16

static struct config	 parent_conf;
static time_t		 parent_start_time;
static struct listener	*parent_listeners;
static size_t		 parent_nlisteners;
static char		*parent_self;
static int		 parent_selffd = -1;
/* The flags as started: the title shows them, a reload re-reads them. */
static char		**parent_argv;
static int		 parent_memfd = -1;	/* the item memory */
static int		 parent_upgraded;	/* started by SIGUSR2 */
static char		*parent_pidfile;
static const char	*parent_user;
static struct event	 ev_sigchld, ev_sigterm, ev_sigint, ev_sighup;
static struct event	 ev_sigusr1;
static struct event	 ev_sigusr2;

/*
 * Children inherit our descriptor limit and can only lower it after the
 * drop, so raise it here for the net child's -c connections.
 */
static rlim_t
parent_fd_limits(void)
{
	struct rlimit	rl;
	rlim_t		need;

	need = (rlim_t)parent_conf.c_net.nc_live.nl_maxconns + NET_FD_RESERVE +
	    parent_nlisteners;
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		fatal("getrlimit");
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need) {
		if (geteuid() != 0)
			fatalx("-c %u needs %llu descriptors but the hard limit "
			    "is %llu: lower -c or start as root",
			    parent_conf.c_net.nc_live.nl_maxconns,
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

/*
 * SIGHUP: read the flags (and --config file) again.  What the net child
 * can change at run time is applied without touching the cache; what
 * needs a restart is named in the log and left as it was.
 */
static void
parent_reload(void)
{
	struct config	 next;
	char		 errbuf[512];
	size_t		 i;
	int		 argc;

	for (argc = 0; parent_argv[argc] != NULL; argc++)
		;
	memset(&next, 0, sizeof(next));
	config_init(&next);
	if (config_parse_args(&next, argc, parent_argv, errbuf,
	    sizeof(errbuf)) != CONFIG_OK) {
		log_warnx("reload failed, keeping the running configuration: "
		    "%s", errbuf);
		config_clear(&next);
		return;
	}
	for (i = 0; i < next.c_nnotes; i++)
		log_info("%s", next.c_notes[i]);
	if (parent_conf.c_auth_file != NULL) {
		struct auth_cred	*creds;
		size_t			 ncreds;

		/* A broken file keeps the users that worked. */
		if (authfile_load(parent_conf.c_auth_file, &creds, &ncreds,
		    errbuf, sizeof(errbuf)) == -1)
			log_warnx("reload: %s; keeping the users loaded "
			    "before", errbuf);
		else {
			authcheck_set(creds, ncreds);
			log_info("reload: %zu users from %s", ncreds,
			    parent_conf.c_auth_file);
		}
	}
	if (parent_conf.c_net.nc_tls && next.c_net.nc_tls) {
		struct tls_files	tf;

		/*
		 * Bytes only, from the paths we started with (the ones
		 * OpenBSD's unveil allows): the net child parses them and
		 * keeps the certificate that worked if they are broken.
		 */
		memset(&tf, 0, sizeof(tf));
		if (tlsfiles_load(&next, &parent_conf, &tf, errbuf,
		    sizeof(errbuf)) == -1)
			log_warnx("reload: %s; keeping the TLS certificate "
			    "loaded before", errbuf);
		else {
			supervise_offer_tls(&tf);
			log_info("reload: TLS certificate and key read again");
		}
	}
	if (config_needs_restart(&parent_conf, &next, errbuf,
	    sizeof(errbuf)))
		log_warnx("reload: %s changed; restart to apply", errbuf);
	if (next.c_net.nc_live.nl_maxconns >
	    parent_conf.c_net.nc_live.nl_maxconns) {
		log_warnx("reload: raising -c to %u needs a restart",
		    next.c_net.nc_live.nl_maxconns);
		next.c_net.nc_live.nl_maxconns =
		    parent_conf.c_net.nc_live.nl_maxconns;
	}
	/* Only what net applies live moves over. */
	parent_conf.c_verbose = next.c_verbose;
	parent_conf.c_net.nc_live = next.c_net.nc_live;
	config_clear(&next);
	log_setverbose(parent_conf.c_verbose);
	supervise_reconfigure();
	log_info("configuration reloaded");
}

/*
 * SIGUSR2: the binary at our path, again, in this process; connections
 * wait in the listeners' backlog meanwhile, the cache in the item memory.
 */
static void
parent_upgrade(void)
{
	log_info("SIGUSR2 received: upgrading in place");
	supervise_quiesce();
	upgrade_exec(parent_self, parent_argv, parent_memfd, parent_listeners,
	    parent_nlisteners);
	supervise_resume();
}

static void
parent_signal(int sig, short event, void *arg)
{
	(void)event;
	(void)arg;
	switch (sig) {
	case SIGCHLD:
		supervise_reap();
		break;
	case SIGHUP:
		sdnotify_reloading();
		parent_reload();
		sdnotify_reloaded();
		break;
	case SIGUSR2:
		parent_upgrade();
		break;
	case SIGTERM:
	case SIGINT:
	case SIGUSR1:
		/* SIGUSR1 is memcached's graceful stop too. */
		log_info("%s received, stopping", strsignal(sig));
		supervise_stop(0);
	}
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
		fatal("absolute path of %s", path);
	return (abs);
}

/*
 * A reload parses parent_argv again, possibly after -d moved us to /: a
 * relative --config must name the same file then.
 */
static void
parent_config_absolute(void)
{
	char	*abs, *arg;
	int	 i;

	for (i = 1; parent_argv[i] != NULL; i++) {
		if (strncmp(parent_argv[i], "--config=", 9) == 0 &&
		    parent_argv[i][9] != '/') {
			abs = parent_absolute(parent_argv[i] + 9);
			if (asprintf(&arg, "--config=%s", abs) == -1)
				fatal("asprintf");
			free(abs);
			free(parent_argv[i]);
			parent_argv[i] = arg;
		} else if (strcmp(parent_argv[i], "--config") == 0 &&
		    parent_argv[i + 1] != NULL &&
		    parent_argv[i + 1][0] != '/') {
			abs = parent_absolute(parent_argv[i + 1]);
			free(parent_argv[i + 1]);
			parent_argv[i + 1] = abs;
		}
	}
}

static void
parent_write_pidfile(void)
{
	if (parent_pidfile != NULL && pidfile_write_safe(parent_pidfile) == -1)
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
	struct supervise_conf	 sc;
	struct sandbox_parent_paths sp;
	char		 errbuf[512];
	rlim_t		 nofile;
	int		 i, rv;

	/* Children re-exec us with a hidden role option first. */
	if (argc >= 2 && strncmp(argv[1], PROC_CHILD_OPT,
	    strlen(PROC_CHILD_OPT)) == 0) {
#ifdef __linux__
		setproctitle_init(argc, argv, envp);
#endif
		proc_child_main(argc, argv);
	}
	(void)envp;
	/* Nothing we create (pid file, unix socket) is anyone's to write. */
	(void)umask(022);

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
		/* NOTREACHED */
	case CONFIG_VERSION:
		printf("privcached %s\n", PRIVCACHED_PROTO_VERSION);
		exit(0);
		/* NOTREACHED */
	case CONFIG_ERROR:
		fprintf(stderr, "privcached: %s\n(privcached -h lists the "
		    "flags)\n", errbuf);
		exit(2);
		/* NOTREACHED */
	case CONFIG_OK:
		break;
	}
	if (parent_conf.c_check_only)
		checkconf_run(&parent_conf);
	log_init(1, LOG_DAEMON);
	log_procinit("parent");
	log_setverbose(parent_conf.c_verbose);
	for (i = 0; i < (int)parent_conf.c_nnotes; i++)
		log_info("%s", parent_conf.c_notes[i]);

	if (geteuid() == 0) {
		if ((rv = checkconf_user(&parent_conf, &parent_user, errbuf,
		    sizeof(errbuf))) != CHECKCONF_OK) {
			fprintf(stderr, "privcached: %s\n", errbuf);
			exit(rv);
		}
		if (parent_conf.c_user == NULL)
			fprintf(stderr, "privcached: no -u given: children "
			    "run as %s\n", parent_user);
		if (checkconf_chroot(parent_conf.c_chroot, 1, errbuf,
		    sizeof(errbuf)) != CHECKCONF_OK)
			fatalx("%s", errbuf);
	} else {
		parent_user = NULL;
		log_warnx("not started as root: children keep uid %u and run "
		    "without chroot%s", (unsigned)geteuid(),
		    parent_conf.c_user != NULL ? "; -u ignored" : "");
	}

	if (parent_conf.c_auth_file != NULL) {
		struct auth_cred	*creds;
		size_t			 ncreds;

		/* Read as root; the hashes never leave the parent. */
		if (authfile_load(parent_conf.c_auth_file, &creds, &ncreds,
		    errbuf, sizeof(errbuf)) == -1)
			fatalx("%s", errbuf);
		authcheck_set(creds, ncreds);
		log_info("%zu users from %s", ncreds,
		    parent_conf.c_auth_file);
	}
	if (parent_conf.c_net.nc_tls) {
		struct tls_files	tf;

		/*
		 * Bytes only, read as root before the drop: the first net
		 * child builds the context, and we serve only if it could.
		 */
		memset(&tf, 0, sizeof(tf));
		if (tlsfiles_load(&parent_conf, &parent_conf, &tf, errbuf,
		    sizeof(errbuf)) == -1)
			fatalx("%s", errbuf);
		supervise_set_tls(&tf);
	}
	if ((parent_self = proc_self_path(parent_argv[0])) == NULL)
		fatal("cannot find our own binary from %s", parent_argv[0]);
	if ((parent_selffd = proc_self_open(parent_self)) == -1)
		fatal("cannot open our own binary %s", parent_self);
	parent_upgraded = upgrade_init();
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
	parent_config_absolute();

	/*
	 * --foreground wins: a unit passes it over a memcached.conf's -d.
	 * An upgrade is a daemon already: the pid must stay.
	 */
	if (parent_conf.c_daemonize && !parent_conf.c_foreground &&
	    !parent_upgraded) {
		/* The shell's process exits once we serve, or with our error. */
		detach_start();
		log_init(0, config_syslog_facility(&parent_conf));
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
	signal_set(&ev_sigusr1, SIGUSR1, parent_signal, NULL);
	signal_set(&ev_sigusr2, SIGUSR2, parent_signal, NULL);
	signal_add(&ev_sigusr2, NULL);
	/* The argv copy must end with NULL for a reload's parse. */
	signal_add(&ev_sigusr1, NULL);

	sdnotify_init();
	memset(&sc, 0, sizeof(sc));
	sc.sc_conf = &parent_conf;
	sc.sc_listeners = parent_listeners;
	sc.sc_nlisteners = parent_nlisteners;
	sc.sc_self = parent_self;
	sc.sc_selffd = parent_selffd;
	sc.sc_user = parent_user;
	sc.sc_pidfile = parent_pidfile;
	sc.sc_net_nofile = nofile;
	sc.sc_storage_nofile = STORAGE_NOFILE;
	sc.sc_start_time = parent_start_time;
	parent_memfd = itemmem_adopt(upgrade_memfd(), &parent_conf.c_cache,
	    parent_conf.c_memory_file);
	upgrade_done();
	sc.sc_memfd = parent_memfd;
	supervise_start(&sc);

	memset(&sp, 0, sizeof(sp));
	sp.sp_self = parent_self;
	sp.sp_config = parent_conf.c_config_file;
	sp.sp_authfile = parent_conf.c_auth_file;
	for (i = 0; i < TLS_PEM_MAX; i++)
		sp.sp_tls[i] = parent_conf.c_tls_file[i];
	sp.sp_pidfile = parent_pidfile;
	sp.sp_unix = parent_conf.c_unix_path;
	for (i = 0; i < (int)parent_nlisteners; i++)
		if (parent_listeners[i].l_addr.ss_family != AF_UNIX)
			sp.sp_tcp = 1;
	sandbox_parent(&sp, parent_conf.c_sandbox);

	event_dispatch();
	fatalx("event loop ended");
}
