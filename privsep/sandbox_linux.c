/*
 * Linux sandboxes (children only, the last step before serving): no new
 * privileges, not dumpable, and a seccomp allow-list per role.  libseccomp
 * builds the filter so that one list serves x86_64, aarch64 and the rest
 * (the README says why it is worth the dependency).  Anything not listed
 * kills the whole process; with -o sandbox_debug it traps instead and the
 * child logs the call's name before it exits.
 */

#ifdef __linux__

#include <sys/types.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "compat.h"
#include "log.h"
#include "msg.h"
#include "sandbox.h"

/* glibc has it as an enum constant only. */
#ifndef SYS_SECCOMP
#define SYS_SECCOMP	1
#endif

struct sandbox_rule {
	int		 sr_syscall;
	const char	*sr_why;
};

/* Both roles: I/O on descriptors already held, memory, time, exit. */
static const struct sandbox_rule sandbox_common[] = {
	{ SCMP_SYS(read), "channels and clients" },
	{ SCMP_SYS(readv), "channels and clients" },
	{ SCMP_SYS(recvfrom), "channels and clients" },
	{ SCMP_SYS(recvmsg), "imsg, with descriptors on the control channel" },
	{ SCMP_SYS(write), "channels and clients" },
	{ SCMP_SYS(writev), "batched replies and imsg queues" },
	{ SCMP_SYS(sendto), "channels and clients" },
	{ SCMP_SYS(sendmsg), "imsg" },
	{ SCMP_SYS(close), "closing what we hold" },
	{ SCMP_SYS(epoll_wait), "libevent" },
	{ SCMP_SYS(epoll_pwait), "libevent" },
	{ SCMP_SYS(epoll_ctl), "libevent" },
	{ SCMP_SYS(brk), "malloc" },
	{ SCMP_SYS(munmap), "malloc" },
	{ SCMP_SYS(mremap), "realloc of large buffers" },
	{ SCMP_SYS(madvise), "malloc returning memory" },
	{ SCMP_SYS(clock_gettime), "time, when the vDSO is not used" },
	{ SCMP_SYS(gettimeofday), "libevent's clock" },
	{ SCMP_SYS(getpid), "imsg headers" },
	{ SCMP_SYS(getrandom), "arc4random (SipHash key, libevent)" },
	{ SCMP_SYS(futex), "libc internal locks" },
	{ SCMP_SYS(rt_sigreturn), "return from libevent's signal handler" },
	{ SCMP_SYS(rt_sigprocmask), "libc signal masking" },
	{ SCMP_SYS(rt_sigaction), "libevent removing a signal handler" },
	{ SCMP_SYS(exit), "exit" },
	{ SCMP_SYS(exit_group), "exit" },
#ifdef __NR_time
	{ SCMP_SYS(time), "time(3) without the vDSO" },
#endif
#ifdef __NR_epoll_pwait2
	{ SCMP_SYS(epoll_pwait2), "libevent on newer libcs" },
#endif
};

/*
 * The net child adds accepting clients and reading its own counters.
 *
 * Not shutdown(2): the listening sockets are shared with the parent and
 * every later net child, and shutdown(listener, SHUT_RD) kills one for
 * all of them (accept fails with EINVAL from then on), where close(2)
 * only drops the child's own copy.  Net never needs it: a client is
 * closed, not shut down.  The other calls on shared objects are harmless
 * by construction: setsockopt is limited to SO_LINGER below (it acts on
 * a close, so on a listener only when the parent closes it),
 * fcntl to descriptor flags (a new net child sets O_NONBLOCK on each
 * listener it receives again, and the parent checks every listener with
 * SO_ACCEPTCONN before handing it over, rebinding a dead one).
 * TLS (-Z) adds nothing: libtls works on the client sockets with read and
 * write, takes randomness from getrandom and memory from malloc, all
 * allowed above; OpenSSL's configuration file is read before the chroot
 * (net_early, run by proc.c).  tests/integ/test_tls.c runs with the filter.
 */
static const struct sandbox_rule sandbox_net[] = {
	{ SCMP_SYS(accept), "clients, on listeners the parent bound" },
	{ SCMP_SYS(accept4), "clients, on listeners the parent bound" },
	{ SCMP_SYS(getsockname), "connection addresses for stats and logs" },
	{ SCMP_SYS(getpeername), "connection addresses for stats and logs" },
	{ SCMP_SYS(getppid), "stats pid is the parent's" },
	{ SCMP_SYS(getrusage), "stats rusage" },
};

/* The storage child adds locking its memory (-k). */
static const struct sandbox_rule sandbox_storage[] = {
	{ SCMP_SYS(mlockall), "-k" },
};

static int	sandbox_ctl_fd = 3;

/*
 * -o sandbox_debug: name the forbidden call in a log line the parent will
 * print, then die.  Only write(2) here: we are in a signal handler.
 */
static void
sandbox_sigsys(int sig, siginfo_t *si, void *ctx)
{
	struct {
		struct imsg_hdr	hdr;
		int32_t		prio;
		char		text[128];
	}		 msg;
	const char	*name = NULL;
	int		 n;

	(void)sig;
	(void)ctx;
	if (si->si_code == SYS_SECCOMP)
		name = seccomp_syscall_resolve_num_arch(si->si_arch,
		    si->si_syscall);
	n = snprintf(msg.text, sizeof(msg.text),
	    "sandbox: forbidden system call %d (%s)", si->si_syscall,
	    name != NULL ? name : "?");
	if (n < 0)
		_exit(1);
	if ((size_t)n >= sizeof(msg.text))
		n = sizeof(msg.text) - 1;
	memset(&msg.hdr, 0, sizeof(msg.hdr));
	msg.hdr.type = IMSG_CTL_LOG;
	msg.hdr.len = sizeof(msg.hdr) + sizeof(msg.prio) + n;
	msg.prio = LOG_CRIT;
	if (write(sandbox_ctl_fd, &msg, msg.hdr.len) == -1) {
		/* Nothing safe to do here: waitpid still tells the parent. */
	}
	_exit(128 + SIGSYS);
}

static void
sandbox_allow(scmp_filter_ctx ctx, const struct sandbox_rule *rules,
    size_t n)
{
	size_t	i;
	int	rv;

	for (i = 0; i < n; i++) {
		if ((rv = seccomp_rule_add(ctx, SCMP_ACT_ALLOW,
		    rules[i].sr_syscall, 0)) < 0)
			fatalx("seccomp rule %d (%s): %s", rules[i].sr_syscall,
			    rules[i].sr_why, strerror(-rv));
	}
}

static void
sandbox_rule(scmp_filter_ctx ctx, uint32_t action, int syscall,
    unsigned int nargs, const struct scmp_arg_cmp *args, const char *why)
{
	int	rv;

	if ((rv = seccomp_rule_add_array(ctx, action, syscall, nargs,
	    args)) < 0)
		fatalx("seccomp rule %d (%s): %s", syscall, why,
		    strerror(-rv));
}

/* libseccomp's SCMP_A* macros leave a field out; spell it all. */
static struct scmp_arg_cmp
sandbox_arg(unsigned int arg, enum scmp_compare op, uint64_t a, uint64_t b)
{
	struct scmp_arg_cmp	cmp;

	memset(&cmp, 0, sizeof(cmp));
	cmp.arg = arg;
	cmp.op = op;
	cmp.datum_a = a;
	cmp.datum_b = b;
	return (cmp);
}

/* Rules that look at arguments, as the table cannot say them. */
static void
sandbox_allow_args(scmp_filter_ctx ctx, enum proc_role role)
{
	struct scmp_arg_cmp	noexec[1], fl[1], opt[2];
	static const int	fcntl_cmds[] = {
		F_GETFL, F_SETFL, F_GETFD, F_SETFD
	};
	size_t			i;

	/* Memory, never executable: no code can be made at run time. */
	noexec[0] = sandbox_arg(2, SCMP_CMP_MASKED_EQ, PROT_EXEC, 0);
	sandbox_rule(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1, noexec,
	    "malloc and the slab region, without PROT_EXEC");
	sandbox_rule(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1, noexec,
	    "malloc guard pages, without PROT_EXEC");
	/* O_NONBLOCK on received channels and client sockets. */
	for (i = 0; i < nitems(fcntl_cmds); i++) {
		fl[0] = sandbox_arg(1, SCMP_CMP_EQ, fcntl_cmds[i], 0);
		sandbox_rule(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 1, fl,
		    "descriptor flags");
	}
	/* Probes by libc for files fail quietly instead of killing. */
	sandbox_rule(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(openat), 0, NULL,
	    "no files in the sandbox");
	sandbox_rule(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(newfstatat), 0,
	    NULL, "no files in the sandbox");
#ifdef __NR_open
	sandbox_rule(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(open), 0, NULL,
	    "no files in the sandbox");
#endif
#ifdef __NR_stat
	sandbox_rule(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(stat), 0, NULL,
	    "no files in the sandbox");
#endif
	if (role == PROC_NET) {
		/*
		 * The one socket option net sets itself.  TCP_NODELAY comes
		 * with the listener (listen.c), which accepted connections
		 * inherit, so no option of the shared listeners is writable.
		 */
		opt[0] = sandbox_arg(1, SCMP_CMP_EQ, SOL_SOCKET, 0);
		opt[1] = sandbox_arg(2, SCMP_CMP_EQ, SO_LINGER, 0);
		sandbox_rule(ctx, SCMP_ACT_ALLOW, SCMP_SYS(setsockopt), 2,
		    opt, "SO_LINGER 0: reset a client cut off for not reading");
	}
}

void
sandbox_enter(enum proc_role role, enum sandbox_mode mode)
{
	struct sigaction	 sa;
	scmp_filter_ctx		 ctx;
	uint32_t		 deny;
	int			 rv;

	if (mode == SANDBOX_OFF) {
		log_warnx("sandbox disabled (-o no_sandbox)");
		return;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("PR_SET_NO_NEW_PRIVS");
	/* No core dumps, no ptrace by our own uid, no /proc peeking. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		fatal("PR_SET_DUMPABLE");

	deny = SCMP_ACT_KILL_PROCESS;
	if (mode == SANDBOX_DEBUG) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = sandbox_sigsys;
		sa.sa_flags = SA_SIGINFO;
		sigemptyset(&sa.sa_mask);
		if (sigaction(SIGSYS, &sa, NULL) == -1)
			fatal("sigaction SIGSYS");
		deny = SCMP_ACT_TRAP;
	}
	if ((ctx = seccomp_init(deny)) == NULL)
		fatalx("seccomp_init");
	sandbox_allow(ctx, sandbox_common, nitems(sandbox_common));
	switch (role) {
	case PROC_NET:
		sandbox_allow(ctx, sandbox_net, nitems(sandbox_net));
		break;
	case PROC_STORAGE:
		sandbox_allow(ctx, sandbox_storage, nitems(sandbox_storage));
		break;
	default:
		fatalx("no sandbox for role %d", role);
	}
	sandbox_allow_args(ctx, role);
	if ((rv = seccomp_load(ctx)) < 0)
		fatalx("seccomp_load: %s", strerror(-rv));
	seccomp_release(ctx);
}

void
sandbox_parent(const struct sandbox_parent_paths *sp,
    enum sandbox_mode mode)
{
	/* The parent stays small and unsandboxed here (DESIGN.md 2). */
	(void)sp;
	(void)mode;
}

#endif /* __linux__ */
