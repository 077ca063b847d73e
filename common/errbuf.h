/*
 * Errors as text in a caller's buffer: the parent's configuration and file
 * loaders report what is wrong this way, so that tests can read it and
 * the caller decides whether it is fatal.
 */

#ifndef PRIVCACHED_ERRBUF_H
#define PRIVCACHED_ERRBUF_H

#include <stddef.h>

/* Formats the message into err (errlen bytes, truncated); returns -1. */
int	errbuf_set(char *err, size_t errlen, const char *fmt, ...)
	    __attribute__((__format__(__printf__, 3, 4)));

#endif /* PRIVCACHED_ERRBUF_H */
