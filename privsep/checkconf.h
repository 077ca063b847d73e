/*
 * What a start checks before it binds (parent only): the children's user,
 * their chroot, the files named by flags and the -l addresses.  A start
 * and --check-config share these, so a configuration that checks OK
 * fails, if at all, only at bind time.
 */

#ifndef PRIVCACHED_CHECKCONF_H
#define PRIVCACHED_CHECKCONF_H

#include <stddef.h>

#include "config.h"

/* Exit statuses (privcached(8) EXIT STATUS). */
#define CHECKCONF_OK		0
#define CHECKCONF_CANNOT	1	/* the system lacks what is named */
#define CHECKCONF_BAD		2	/* a flag's value is refused */

/*
 * The children's user when started as root: -u, else the first of
 * _privcached, privcached, nobody.  CHECKCONF_OK with *user set, or a
 * status with the reason in err.
 */
int	checkconf_user(const struct config *, const char **user, char *err,
	    size_t errlen);
/*
 * The chroot must be root's, not writable by group or others, and empty.
 * A missing one is created when create is set; otherwise it must be
 * creatable.  CHECKCONF_OK, or CHECKCONF_CANNOT with the reason in err.
 */
int	checkconf_chroot(const char *dir, int create, char *err,
	    size_t errlen);
/* --check-config: everything above and more, then exits. */
__attribute__((__noreturn__)) void checkconf_run(const struct config *);

#endif /* PRIVCACHED_CHECKCONF_H */
