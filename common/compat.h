/*
 * Portability glue: where imsg comes from, and the few BSD names that not
 * every libc has.  Linux gets strlcpy, strtonum, closefrom, setproctitle and
 * <sys/queue.h> from libbsd's overlay headers.
 */

#ifndef PRIVCACHED_COMPAT_H
#define PRIVCACHED_COMPAT_H

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/uio.h>

#include <stdint.h>

#if defined(__OpenBSD__) && !defined(IMSG_COMPAT)
#include <imsg.h>
/* libutil's ibuf_free already wipes every buffer (freezero). */
#define ibuf_wipe_on_free(buf)	((void)(buf))
#else
#include "imsg.h"
#endif

/* <sys/tree.h>'s static generators use the BSD spelling. */
#ifndef __unused
#define __unused	__attribute__((__unused__))
#endif

#ifndef nitems
#define nitems(a)	(sizeof((a)) / sizeof((a)[0]))
#endif

#endif /* PRIVCACHED_COMPAT_H */
