/*
 * The last step of a child's start-up: confine it to what its role needs.
 * Linux: no_new_privs, not dumpable, and a seccomp allow-list per role
 * (libseccomp); OpenBSD: pledge.  Any failure is fatal.
 */

#ifndef PRIVCACHED_SANDBOX_H
#define PRIVCACHED_SANDBOX_H

#include "proc.h"

enum sandbox_mode {
	SANDBOX_OFF,		/* -o no_sandbox: strace, sanitizers */
	SANDBOX_ON,		/* a forbidden call kills the process */
	SANDBOX_DEBUG,		/* it traps, logs the call's name, exits */
};

/* Enters the role's sandbox; fatal on failure.  Returns only if set. */
void	sandbox_enter(enum proc_role, enum sandbox_mode);

#endif /* PRIVCACHED_SANDBOX_H */
