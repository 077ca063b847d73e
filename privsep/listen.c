/*
 * Binding the configured addresses (parent only).
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errbuf.h"
#include "listen.h"
#include "upgrade.h"
#include "log.h"

/* Without -l: loopback only, IPv6 when the host has it. */
static const char *const listen_defaults[] = { "127.0.0.1", "::1" };

static void
listen_name(const struct sockaddr *sa, socklen_t salen, char *name,
    size_t namelen)
{
	char	host[NI_MAXHOST], port[NI_MAXSERV];

	if (getnameinfo(sa, salen, host, sizeof(host), port, sizeof(port),
	    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		(void)strlcpy(name, "?", namelen);
		return;
	}
	/* A truncated name is only cosmetic: it is for logs and stats. */
	if (sa->sa_family == AF_INET6) {
		if (snprintf(name, namelen, "[%s]:%s", host, port) < 0)
			(void)strlcpy(name, "?", namelen);
	} else if (snprintf(name, namelen, "%s:%s", host, port) < 0)
		(void)strlcpy(name, "?", namelen);
}

/*
 * A TCP socket bound to sa and listening, with the options every listener
 * carries: its fd, or -1 with errno.  At start and to replace a dead one.
 */
static int
listen_tcp(const struct sockaddr *sa, socklen_t salen, int backlog)
{
	int	fd, on = 1, saved;

	/* Handed over by SIGUSR2: its backlog was never closed. */
	if ((fd = upgrade_listener(sa, salen)) != -1) {
		if (listen(fd, backlog) == -1)
			goto fail;
		return (fd);
	}
	if ((fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1)
		goto fail;
	/*
	 * Accepted connections inherit it (Linux and the BSDs alike): the
	 * net child sets no TCP option, which OpenBSD's pledge would only
	 * allow it with "inet" (sandbox_openbsd.c).
	 */
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) == -1)
		goto fail;
#ifndef __OpenBSD__
	/*
	 * One listener per family: ::1 must not also take 127.0.0.1.
	 * OpenBSD's IPv6 sockets never take IPv4, and pledge's "inet" does
	 * not allow the option to the parent that rebinds a dead listener.
	 */
	if (sa->sa_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6,
	    IPV6_V6ONLY, &on, sizeof(on)) == -1)
		goto fail;
#endif
	if (bind(fd, sa, salen) == -1 || listen(fd, backlog) == -1)
		goto fail;
	return (fd);
 fail:
	saved = errno;
	close(fd);
	errno = saved;
	return (-1);
}

static int
listen_one(const struct addrinfo *ai, int backlog, struct listener *l,
    char *err, size_t errlen)
{
	listen_name(ai->ai_addr, ai->ai_addrlen, l->l_conf.lc_name,
	    sizeof(l->l_conf.lc_name));
	l->l_conf.lc_family = ai->ai_family;
	if ((l->l_fd = listen_tcp(ai->ai_addr, ai->ai_addrlen,
	    backlog)) == -1)
		return (errbuf_set(err, errlen, "listen on %s: %s",
		    l->l_conf.lc_name, strerror(errno)));
	memcpy(&l->l_addr, ai->ai_addr, ai->ai_addrlen);
	l->l_addrlen = ai->ai_addrlen;
	l->l_backlog = backlog;
	return (0);
}

static int
listen_host(const char *host, in_port_t port, int backlog, int optional,
    struct listener **ls, size_t *nls, char *err, size_t errlen)
{
	struct addrinfo	 hints, *res, *ai;
	struct listener	*nl;
	char		 portstr[16];
	int		 rv;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	(void)snprintf(portstr, sizeof(portstr), "%u", port);
	if ((rv = getaddrinfo(host, portstr, &hints, &res)) != 0)
		return (errbuf_set(err, errlen, "-l %s: %s", host,
		    gai_strerror(rv)));
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
			continue;
		if ((nl = reallocarray(*ls, *nls + 1, sizeof(**ls))) == NULL) {
			freeaddrinfo(res);
			return (errbuf_set(err, errlen, "%s",
			    strerror(errno)));
		}
		*ls = nl;
		memset(&nl[*nls], 0, sizeof(nl[*nls]));
		if (listen_one(ai, backlog, &nl[*nls], err, errlen) == -1) {
			if (optional) {
				log_warnx("skipping default listener: %s", err);
				continue;
			}
			freeaddrinfo(res);
			return (-1);
		}
		(*nls)++;
	}
	freeaddrinfo(res);
	return (0);
}

/* -s handed over by SIGUSR2, still bound and listening. */
static int
listen_unix_adopt(const struct config *conf, int fd,
    const struct sockaddr_un *sun, struct listener **ls, size_t *nls,
    char *err, size_t errlen)
{
	struct listener	*l;

	if ((l = calloc(1, sizeof(*l))) == NULL) {
		close(fd);
		return (errbuf_set(err, errlen, "%s", strerror(errno)));
	}
	(void)snprintf(l->l_conf.lc_name, sizeof(l->l_conf.lc_name),
	    "unix:%s", conf->c_unix_path);
	l->l_conf.lc_family = AF_UNIX;
	l->l_fd = fd;
	memcpy(&l->l_addr, sun, sizeof(*sun));
	l->l_addrlen = sizeof(*sun);
	l->l_backlog = conf->c_backlog;
	l->l_mask = conf->c_unix_mask;
	*ls = l;
	*nls = 1;
	return (0);
}

/* memcached's -s: a unix socket with the -a mask, and no TCP. */
static int
listen_unix(const struct config *conf, struct listener **ls, size_t *nls,
    char *err, size_t errlen)
{
	struct sockaddr_un	 sun;
	struct stat		 st;
	struct listener		*l;
	mode_t			 old;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, conf->c_unix_path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path))
		return (errbuf_set(err, errlen, "-s %s: path too long",
		    conf->c_unix_path));
	if ((fd = upgrade_listener((struct sockaddr *)&sun,
	    sizeof(sun))) != -1)
		return (listen_unix_adopt(conf, fd, &sun, ls, nls, err,
		    errlen));
	/* A socket left by a previous run may go; anything else stays. */
	if (lstat(conf->c_unix_path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return (errbuf_set(err, errlen, "-s %s: exists and "
			    "is not a socket", conf->c_unix_path));
		if (unlink(conf->c_unix_path) == -1)
			return (errbuf_set(err, errlen, "-s %s: %s",
			    conf->c_unix_path, strerror(errno)));
	}
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return (errbuf_set(err, errlen, "%s", strerror(errno)));
	(void)snprintf(l->l_conf.lc_name, sizeof(l->l_conf.lc_name),
	    "unix:%s", conf->c_unix_path);
	l->l_conf.lc_family = AF_UNIX;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		free(l);
		return (errbuf_set(err, errlen, "socket: %s",
		    strerror(errno)));
	}
	old = umask(~conf->c_unix_mask & 0777);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(fd, conf->c_backlog) == -1) {
		(void)umask(old);
		(void)errbuf_set(err, errlen, "-s %s: %s",
		    conf->c_unix_path, strerror(errno));
		close(fd);
		free(l);
		return (-1);
	}
	(void)umask(old);
	l->l_fd = fd;
	memcpy(&l->l_addr, &sun, sizeof(sun));
	l->l_addrlen = sizeof(sun);
	l->l_backlog = conf->c_backlog;
	l->l_mask = conf->c_unix_mask;
	*ls = l;
	*nls = 1;
	return (0);
}

void
listen_cleanup(const struct config *conf)
{
	if (conf->c_unix_path != NULL)
		(void)unlink(conf->c_unix_path);
}

int
listen_bind_all(const struct config *conf, struct listener **out,
    size_t *nout, char *err, size_t errlen)
{
	struct listener		*ls = NULL;
	const struct listen_spec *spec;
	size_t			 nls = 0, i, first;
	in_port_t		 port;

	if (conf->c_unix_path != NULL) {
		if (listen_unix(conf, &ls, &nls, err, errlen) == -1)
			return (-1);
		*out = ls;
		*nout = nls;
		return (0);
	}
	if (conf->c_nlisten == 0) {
		for (i = 0; i < sizeof(listen_defaults) /
		    sizeof(listen_defaults[0]); i++) {
			/* ::1 may be missing on hosts without IPv6. */
			if (listen_host(listen_defaults[i], conf->c_port,
			    conf->c_backlog, i > 0, &ls, &nls, err,
			    errlen) == -1)
				goto fail;
		}
		for (first = 0; first < nls; first++)
			ls[first].l_conf.lc_tls = conf->c_net.nc_tls;
	}
	for (i = 0; i < conf->c_nlisten; i++) {
		spec = &conf->c_listen[i];
		port = spec->ls_port != 0 ? spec->ls_port : conf->c_port;
		first = nls;
		if (listen_host(spec->ls_host, port, conf->c_backlog, 0, &ls,
		    &nls, err, errlen) == -1)
			goto fail;
		/* One name may resolve to several sockets: mark them all. */
		for (; first < nls; first++)
			ls[first].l_conf.lc_tls = conf->c_net.nc_tls &&
			    !spec->ls_notls;
	}
	if (nls == 0) {
		(void)errbuf_set(err, errlen, "no address to listen on");
		goto fail;
	}
	*out = ls;
	*nout = nls;
	return (0);
 fail:
	listen_close_all(ls, nls);
	return (-1);
}

void
listen_close_all(struct listener *ls, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		close(ls[i].l_fd);
	free(ls);
}

/* A new socket like l's, bound and listening: its fd, or -1. */
static int
listen_rebind(const struct listener *l)
{
	const struct sockaddr_un	*sun;
	mode_t				 old;
	int				 fd;

	if (l->l_addr.ss_family != AF_UNIX)
		return (listen_tcp((const struct sockaddr *)&l->l_addr,
		    l->l_addrlen, l->l_backlog));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		return (-1);
	/* Ours was there: the path may be taken over again. */
	sun = (const struct sockaddr_un *)&l->l_addr;
	(void)unlink(sun->sun_path);
	old = umask(~l->l_mask & 0777);
	if (bind(fd, (const struct sockaddr *)sun, l->l_addrlen) == -1 ||
	    listen(fd, l->l_backlog) == -1) {
		(void)umask(old);
		close(fd);
		return (-1);
	}
	(void)umask(old);
	return (fd);
}

/*
 * Whether fd still takes connections.  A TCP listener shut down for
 * reading stops listening (SO_ACCEPTCONN); a Linux unix socket stays
 * listening but refuses every connect, which only poll's RDHUP shows.
 */
static int
listen_alive(int fd)
{
	socklen_t	len = sizeof(int);
	int		on = 0;
#ifdef POLLRDHUP
	struct pollfd	pfd;

	pfd.fd = fd;
	pfd.events = POLLRDHUP;
	pfd.revents = 0;
	if (poll(&pfd, 1, 0) == 1 &&
	    (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) != 0)
		return (0);
#else
	char		c;

	/*
	 * BSD: a listener shut down for reading keeps SO_ACCEPTCONN, and
	 * poll has no RDHUP.  Its receive side, though, reads as end of
	 * file (soreceive looks at "can't receive more" before it refuses
	 * an unconnected socket with ENOTCONN), which a live listener
	 * never does.  Not run here: no OpenBSD machine (README).
	 */
	if (recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0)
		return (0);
#endif
	return (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) == 0 &&
	    on);
}

int
listen_revive(struct listener *l)
{
	int	fd, fl;

	/*
	 * The open file's flags are shared with every child that had it:
	 * a blocking listener would hang the next one in accept.
	 */
	/* OpenBSD: the parent's pledge holds the family's promise for it. */
	if (l->l_fd != -1) {
		if ((fl = fcntl(l->l_fd, F_GETFL)) != -1 &&
		    !(fl & O_NONBLOCK))
			(void)fcntl(l->l_fd, F_SETFL, fl | O_NONBLOCK);
		if (listen_alive(l->l_fd))
			return (1);
		/* The old socket holds the address until it is closed. */
		close(l->l_fd);
		l->l_fd = -1;
	}
	if ((fd = listen_rebind(l)) == -1) {
		/* Tried again with the next net child. */
		log_warn("listener %s is dead and cannot be bound again",
		    l->l_conf.lc_name);
		return (-1);
	}
	l->l_fd = fd;
	log_warnx("listener %s was shut down; bound it again",
	    l->l_conf.lc_name);
	return (0);
}
