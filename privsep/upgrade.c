/*
 * In-place upgrade (parent only).  On SIGUSR2 the children are stopped
 * gracefully, then the parent executes the binary now at its path with
 * the same arguments; the listening sockets and the item memory stay open
 * across the exec, named in PRIVCACHED_UPGRADE, so connections wait in the
 * kernel's backlog and the new storage child reads the cache back.  The
 * variable is trusted as much as our own command line (whoever can set
 * it can run us), yet each descriptor is checked before it is used.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "msg.h"
#include "listen.h"
#include "upgrade.h"

#define UPGRADE_ENV		"PRIVCACHED_UPGRADE"
/* The memory and at most this many listeners. */
#define UPGRADE_FDS_MAX		64

static int	up_memfd = -1;
static int	up_fds[UPGRADE_FDS_MAX];
static size_t	up_nfds;

static int
upgrade_cloexec(int fd, int on)
{
	int	 fl;

	if ((fl = fcntl(fd, F_GETFD)) == -1)
		return (-1);
	fl = on ? fl | FD_CLOEXEC : fl & ~FD_CLOEXEC;
	return (fcntl(fd, F_SETFD, fl));
}

/* One descriptor of the list: open, and of the kind expected. */
static int
upgrade_fd(const char *s, int sock)
{
	struct stat	 st;
	const char	*errstr;
	int		 fd;

	fd = (int)strtonum(s, 3, INT_MAX, &errstr);
	if (errstr != NULL)
		fatalx(UPGRADE_ENV ": descriptor %s is %s", s, errstr);
	if (fstat(fd, &st) == -1)
		fatal(UPGRADE_ENV ": descriptor %d", fd);
	if ((sock && !S_ISSOCK(st.st_mode)) || (!sock && !S_ISREG(st.st_mode)))
		fatalx(UPGRADE_ENV ": descriptor %d is not a %s", fd,
		    sock ? "socket" : "memory object");
	if (upgrade_cloexec(fd, 1) == -1)
		fatal(UPGRADE_ENV ": descriptor %d", fd);
	return (fd);
}

int
upgrade_init(void)
{
	char	*env, *list, *p, *tok;

	if ((env = getenv(UPGRADE_ENV)) == NULL)
		return (0);
	if ((list = strdup(env)) == NULL)
		fatal("strdup");
	(void)unsetenv(UPGRADE_ENV);
	p = list;
	if ((tok = strsep(&p, ",")) == NULL || *tok == '\0')
		fatalx(UPGRADE_ENV ": no item memory");
	up_memfd = upgrade_fd(tok, 0);
	while ((tok = strsep(&p, ",")) != NULL) {
		if (up_nfds == UPGRADE_FDS_MAX)
			fatalx(UPGRADE_ENV ": too many descriptors");
		up_fds[up_nfds++] = upgrade_fd(tok, 1);
	}
	free(list);
	log_info("upgraded in place: %zu listeners and the item memory "
	    "handed over", up_nfds);
	return (1);
}

int
upgrade_memfd(void)
{
	int	 fd = up_memfd;

	up_memfd = -1;
	return (fd);
}

int
upgrade_listener(const struct sockaddr *addr, socklen_t len)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	size_t			 i;
	int			 fd;

	for (i = 0; i < up_nfds; i++) {
		if (up_fds[i] == -1)
			continue;
		sslen = sizeof(ss);
		memset(&ss, 0, sizeof(ss));
		if (getsockname(up_fds[i], (struct sockaddr *)&ss,
		    &sslen) == -1 || ss.ss_family != addr->sa_family)
			continue;
		/* A unix socket's name comes back as long as its path. */
		if (addr->sa_family == AF_UNIX ? strncmp(
		    ((struct sockaddr_un *)&ss)->sun_path,
		    ((const struct sockaddr_un *)addr)->sun_path,
		    sizeof(((struct sockaddr_un *)&ss)->sun_path)) != 0 :
		    sslen != len || memcmp(&ss, addr, len) != 0)
			continue;
		fd = up_fds[i];
		up_fds[i] = -1;
		return (fd);
	}
	return (-1);
}

void
upgrade_done(void)
{
	size_t	 i;

	for (i = 0; i < up_nfds; i++)
		if (up_fds[i] != -1) {
			log_warnx("a listener handed over is no longer "
			    "configured: closing it");
			close(up_fds[i]);
			up_fds[i] = -1;
		}
	up_nfds = 0;
	if (up_memfd != -1) {
		close(up_memfd);
		up_memfd = -1;
	}
}

void
upgrade_exec(const char *self, char *const argv[], int memfd,
    const struct listener *ls, size_t n)
{
	char	 env[UPGRADE_FDS_MAX * 12 + 16];
	size_t	 i, len;
	int	 saved;

	if (n > UPGRADE_FDS_MAX) {
		log_warnx("SIGUSR2: too many listeners to hand over");
		return;
	}
	len = (size_t)snprintf(env, sizeof(env), "%d", memfd);
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(env + len, sizeof(env) - len, ",%d",
		    ls[i].l_fd);
	if (upgrade_cloexec(memfd, 0) == -1)
		fatal("SIGUSR2: item memory");
	for (i = 0; i < n; i++)
		if (upgrade_cloexec(ls[i].l_fd, 0) == -1)
			fatal("SIGUSR2: listener");
	if (setenv(UPGRADE_ENV, env, 1) == -1)
		fatal("setenv");
	log_info("SIGUSR2: executing %s", self);
	execv(self, argv);
	saved = errno;
	(void)unsetenv(UPGRADE_ENV);
	(void)upgrade_cloexec(memfd, 1);
	for (i = 0; i < n; i++)
		(void)upgrade_cloexec(ls[i].l_fd, 1);
	errno = saved;
	log_warn("SIGUSR2: cannot execute %s; going on as before", self);
}
