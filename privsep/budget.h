/*
 * How much data memory each child may map (parent only): RLIMIT_DATA
 * sized from -m and the other budgets, so that a compromised child that
 * allocates without end fails its own allocations instead of pushing the
 * machine into swap or the OOM killer onto others.
 */

#ifndef PRIVCACHED_BUDGET_H
#define PRIVCACHED_BUDGET_H

#include <sys/types.h>
#include <sys/resource.h>

#include "config.h"
#include "proc.h"

/* RLIMIT_DATA for a child of role, in bytes; 0: leave it unlimited. */
rlim_t	budget_data(const struct config *, enum proc_role);

#endif /* PRIVCACHED_BUDGET_H */
