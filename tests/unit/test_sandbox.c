/*
 * Each role's sandbox from the inside: forbidden calls kill the process
 * with SIGSYS (Criterion runs each test in its own process), allowed ones
 * work, file probes fail with EACCES.
 */

#ifdef __linux__

#include <sys/types.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sandbox.h"

/*
 * Runs fn in a child inside the role's sandbox, so that only fn's calls
 * meet the filter (not Criterion's own): the child's wait status.  fn
 * _exit()s with a non-zero code to report a failed check.
 */
static int
sandboxed(enum proc_role role, void (*fn)(void))
{
	pid_t	pid;
	int	status;

	cr_assert_neq(pid = fork(), -1);
	if (pid == 0) {
		sandbox_enter(role, SANDBOX_ON);
		fn();
		_exit(0);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	return (status);
}

#define CHECK(cond, code)	do { if (!(cond)) _exit(code); } while (0)

static void
expect_sigsys(enum proc_role role, void (*fn)(void))
{
	int	st = sandboxed(role, fn);

	cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS,
	    "expected death by SIGSYS, got status %#x", st);
}

static void
expect_ok(enum proc_role role, void (*fn)(void))
{
	int	st;

#if defined(__SANITIZE_ADDRESS__)
	/* ASan's runtime makes calls no allow-list has (see README). */
	cr_skip_test("sanitizer runtime inside the sandbox");
#endif
	st = sandboxed(role, fn);

	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "expected a clean exit, got status %#x (exit %d, signal %d)", st,
	    WIFEXITED(st) ? WEXITSTATUS(st) : -1,
	    WIFSIGNALED(st) ? WTERMSIG(st) : -1);
}

static int	fd_a, fd_b, pipe_r, pipe_w;

static void
net_work(void)
{
	char	 c = 'x', *big;
	void		*m;
	struct linger	 lg = { 1, 0 };

	CHECK(write(pipe_w, &c, 1) == 1, 2);
	CHECK(read(pipe_r, &c, 1) == 1, 3);
	CHECK((big = malloc(8 << 20)) != NULL, 4);
	memset(big, 1, 8 << 20);
	free(big);
	m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE |
	    MAP_ANONYMOUS, -1, 0);
	CHECK(m != MAP_FAILED, 5);
	CHECK(fcntl(pipe_r, F_SETFL, O_NONBLOCK) == 0, 6);
	/* File probes fail quietly rather than kill. */
	CHECK(open("/etc/passwd", O_RDONLY) == -1 && errno == EACCES, 7);
	/* What matters is that the call is let by. */
	CHECK(setsockopt(fd_a, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) == 0,
	    10);
	CHECK(send(fd_a, "y", 1, 0) == 1, 8);
	CHECK(recv(fd_b, &c, 1, 0) == 1 && c == 'y', 9);
}

static void
setup_fds(void)
{
	int	sv[2], p[2];

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	cr_assert_eq(pipe(p), 0);
	fd_a = sv[0];
	fd_b = sv[1];
	pipe_r = p[0];
	pipe_w = p[1];
}

Test(sandbox, net_allows_its_work)
{
	setup_fds();
	expect_ok(PROC_NET, net_work);
}

static void
forbidden_nothing(void)
{
}

Test(sandbox, nothing_forbidden_exits_cleanly)
{
	/* The harness itself must not be what kills the child. */
	expect_ok(PROC_NET, forbidden_nothing);
	expect_ok(PROC_STORAGE, forbidden_nothing);
}

static void
do_socket(void)
{
	(void)socket(AF_INET, SOCK_STREAM, 0);
}

static void
do_connect(void)
{
	struct sockaddr_in	sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(9);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	(void)connect(fd_a, (struct sockaddr *)&sin, sizeof(sin));
}

static void
do_exec(void)
{
	char	*argv[] = { "/bin/true", NULL };

	(void)execv("/bin/true", argv);
}

static void
do_fork(void)
{
	(void)fork();
}

static void
do_ptrace(void)
{
	(void)ptrace(PTRACE_TRACEME, 0, NULL, NULL);
}

static void
do_exec_memory(void)
{
	(void)mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE |
	    MAP_ANONYMOUS, -1, 0);
}

static void
do_other_sockopt(void)
{
	int	sz = 1 << 20;

	(void)setsockopt(fd_a, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
}

static void
do_accept(void)
{
	(void)accept(fd_a, NULL, NULL);
}

static void
do_linger(void)
{
	struct linger	lg = { 1, 0 };

	(void)setsockopt(fd_a, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
}

static void
storage_work(void)
{
	void	*m;
	char	 c = 'z';

	m = mmap(NULL, 64 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE |
	    MAP_ANONYMOUS, -1, 0);
	CHECK(m != MAP_FAILED, 2);
	memset(m, 0, 1 << 20);
	CHECK(munmap(m, 64 << 20) == 0, 3);
	CHECK(write(pipe_w, &c, 1) == 1, 4);
	CHECK(read(pipe_r, &c, 1) == 1 && c == 'z', 5);
	CHECK(arc4random() != 0 || arc4random() != 0, 6);
}

Test(sandbox, net_forbidden)
{
	setup_fds();
	expect_sigsys(PROC_NET, do_socket);
	expect_sigsys(PROC_NET, do_connect);
	expect_sigsys(PROC_NET, do_exec);
	expect_sigsys(PROC_NET, do_fork);
	expect_sigsys(PROC_NET, do_ptrace);
	expect_sigsys(PROC_NET, do_exec_memory);
	expect_sigsys(PROC_NET, do_other_sockopt);
}

Test(sandbox, storage_forbidden)
{
	setup_fds();
	expect_sigsys(PROC_STORAGE, do_socket);
	expect_sigsys(PROC_STORAGE, do_connect);
	expect_sigsys(PROC_STORAGE, do_exec);
	expect_sigsys(PROC_STORAGE, do_fork);
	expect_sigsys(PROC_STORAGE, do_ptrace);
	expect_sigsys(PROC_STORAGE, do_accept);
	expect_sigsys(PROC_STORAGE, do_linger);
	expect_sigsys(PROC_STORAGE, do_exec_memory);
}

Test(sandbox, storage_big_memory)
{
	setup_fds();
	expect_ok(PROC_STORAGE, storage_work);
}

#endif /* __linux__ */
