/*
 * The -d handshake (see detach.h): daemon(3) with a pipe that tells the
 * process the shell waits for whether the start worked.
 */

#include <sys/types.h>
#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <paths.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "detach.h"
#include "log.h"

#define DETACH_READY	'R'

static int	detach_fd = -1;		/* the pipe's write end, daemon only */

/*
 * The process the shell started: a byte means the daemon serves; the end
 * of the pipe without one means it died (every child closed the end on
 * exec), and its status is ours.
 */
static __attribute__((__noreturn__)) void
detach_wait(int fd, pid_t pid)
{
	ssize_t	n;
	char	c;
	int	status;

	while ((n = read(fd, &c, 1)) == -1 && errno == EINTR)
		;
	if (n == 1 && c == DETACH_READY)
		_exit(0);
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			err(1, "waitpid");
	if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
		fprintf(stderr, "privcached: the daemon did not start "
		    "(status %d); its log says why\n", WEXITSTATUS(status));
		_exit(WEXITSTATUS(status));
	}
	fprintf(stderr, "privcached: the daemon did not start; its log says "
	    "why\n");
	_exit(1);
}

void
detach_start(void)
{
	pid_t	pid;
	int	p[2], fd;

	if (pipe2(p, O_CLOEXEC) == -1)
		fatal("pipe");
	switch (pid = fork()) {
	case -1:
		fatal("fork");
	case 0:
		break;
	default:
		close(p[1]);
		detach_wait(p[0], pid);
	}
	close(p[0]);
	detach_fd = p[1];
	if (setsid() == -1)
		fatal("setsid");
	if (chdir("/") == -1)
		fatal("chdir /");
	if ((fd = open(_PATH_DEVNULL, O_RDWR)) == -1)
		fatal("%s", _PATH_DEVNULL);
	if (dup2(fd, STDIN_FILENO) == -1 || dup2(fd, STDOUT_FILENO) == -1 ||
	    dup2(fd, STDERR_FILENO) == -1)
		fatal("dup2 %s", _PATH_DEVNULL);
	if (fd > STDERR_FILENO)
		close(fd);
}

void
detach_ready(void)
{
	char	c = DETACH_READY;

	if (detach_fd == -1)
		return;
	/* The waiter may be gone (killed): nothing to tell then. */
	if (write(detach_fd, &c, 1) != 1)
		log_warn("cannot tell the starting process we serve");
	close(detach_fd);
	detach_fd = -1;
}
