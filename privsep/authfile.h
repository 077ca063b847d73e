/*
 * The -Y file (parent only): user:password lines, read before the drop and
 * again on SIGHUP, turned into salted hashes for the net child.
 */

#ifndef PRIVCACHED_AUTHFILE_H
#define PRIVCACHED_AUTHFILE_H

#include <stddef.h>

#include "msg.h"

/*
 * Reads path into *creds (*ncreds entries, allocated).  0, or -1 with a
 * message naming the file and line in err; *creds is untouched then.
 */
int	authfile_load(const char *path, struct auth_cred **creds,
	    size_t *ncreds, char *err, size_t errlen);

#endif /* PRIVCACHED_AUTHFILE_H */
