/*
 * Process plumbing: the parent spawns each child by re-executing its own
 * binary with a hidden role option; the child drops its privileges in the
 * order DESIGN.md section 4 fixes, then runs its role.
 */

#ifndef PRIVCACHED_PROC_H
#define PRIVCACHED_PROC_H

#include <sys/types.h>
#include <sys/resource.h>

#include "imsgev.h"

enum proc_role {
	PROC_PARENT,
	PROC_STORAGE,
	PROC_NET,
	PROC_MAX
};

#define PROC_CHILD_OPT	"--privsep-child="
/* The control channel of a child is always this descriptor. */
#define PROC_CTL_FD	3

/* What a child needs before it can drop privileges, passed on argv. */
struct proc_args {
	enum proc_role	 pa_role;
	const char	*pa_user;	/* NULL: not started as root */
	const char	*pa_chroot;
	rlim_t		 pa_nofile;
	rlim_t		 pa_data;	/* RLIMIT_DATA, 0: unlimited */
	int		 pa_verbose;
	int		 pa_sandbox;
};

/* The child's control channel to the parent (children only). */
extern struct imsgev	proc_ctl;

const char	*proc_role_name(enum proc_role);
/* Absolute path of our own binary from argv[0] and PATH; NULL on error. */
char		*proc_self_path(const char *argv0);
/*
 * Forks and re-executes self (the file selffd, on Linux) as a child with
 * pa; the child gets the other end of a new socketpair as PROC_CTL_FD and
 * dead pipes as stdio.  Returns the child's pid and our end in *ctlfd, or
 * -1 with errno.
 */
pid_t		 proc_spawn(const char *self, int selffd,
		    const struct proc_args *, int *ctlfd);
/*
 * Our binary, opened once at start: respawns execute this file (fexecve
 * on Linux), not whatever is at its path by then.  The fd, or -1.
 */
int		 proc_self_open(const char *path);
/* main() of a re-executed child; never returns. */
__attribute__((__noreturn__)) void
		 proc_child_main(int argc, char **argv);

/*
 * Role entry points, defined in net/ and cache/: what runs before the
 * drop, then main, once the drop is done.
 */
void	net_early(void);
__attribute__((__noreturn__)) void net_main(const struct proc_args *);
__attribute__((__noreturn__)) void storage_main(const struct proc_args *);

#endif /* PRIVCACHED_PROC_H */
