/*
 * The -P pid file, written by root without following links: a directory
 * the service user may write (Debian's /run/memcached) must not let that
 * user point root's write at another file (parent only).
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "pidfile.h"

int
pidfile_write_safe(const char *path)
{
	struct stat	st;
	char		buf[32];
	int		fd, len, saved;

	/*
	 * O_NOFOLLOW refuses a symbolic link as the last component; fstat
	 * then refuses a FIFO, a device or a hard link to someone else's
	 * file, all before anything is truncated.
	 */
	if ((fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC |
	    O_NONBLOCK, 0644)) == -1)
		return (-1);
	if (fstat(fd, &st) == -1)
		goto fail;
	if (!S_ISREG(st.st_mode) || st.st_nlink != 1) {
		errno = EPERM;
		goto fail;
	}
	len = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (len < 0 || (size_t)len >= sizeof(buf)) {
		errno = EOVERFLOW;
		goto fail;
	}
	if (ftruncate(fd, 0) == -1 || fchmod(fd, 0644) == -1 ||
	    write(fd, buf, len) != len)
		goto fail;
	return (close(fd));
 fail:
	saved = errno;
	close(fd);
	errno = saved;
	return (-1);
}
