/*
 * The last step of a child's start-up: confine it to what its role needs.
 * Linux: no_new_privs, not dumpable, and a seccomp allow-list per role
 * (libseccomp); OpenBSD: pledge.  Any failure is fatal.
 */

#ifndef PRIVCACHED_SANDBOX_H
#define PRIVCACHED_SANDBOX_H

#include "msg.h"
#include "proc.h"

enum sandbox_mode {
	SANDBOX_OFF,		/* -o no_sandbox: strace, sanitizers */
	SANDBOX_ON,		/* a forbidden call kills the process */
	SANDBOX_DEBUG,		/* it traps, logs the call's name, exits */
};

/* Enters the role's sandbox; fatal on failure.  Returns only if set. */
void	sandbox_enter(enum proc_role, enum sandbox_mode);

/*
 * The parent's own confinement, once everything is bound: OpenBSD's
 * unveil (our binary to execute, the files a reload reads, what exit
 * removes) and pledge.  Linux keeps the parent small and unsandboxed
 * (DESIGN.md section 2): a no-op there.
 */
struct sandbox_parent_paths {
	const char	*sp_self;	/* re-executed for each child */
	const char	*sp_config;	/* --config, reread on SIGHUP */
	const char	*sp_authfile;	/* -Y, reread on SIGHUP */
	const char	*sp_tls[TLS_PEM_MAX];	/* -Z files, reread on SIGHUP */
	const char	*sp_pidfile;	/* removed on exit */
	const char	*sp_unix;	/* -s socket, removed on exit */
	int		 sp_tcp;	/* TCP listeners to check, rebind */
};
void	sandbox_parent(const struct sandbox_parent_paths *,
	    enum sandbox_mode);

#endif /* PRIVCACHED_SANDBOX_H */
