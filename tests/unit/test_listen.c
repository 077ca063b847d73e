/*
 * Listeners: a TCP listener carries TCP_NODELAY and the connections it
 * accepts inherit it, which is why the net child sets no TCP option (and
 * on OpenBSD pledges no "inet").
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "listen.h"

static int
nodelay(int fd)
{
	socklen_t	len;
	int		on = 0;

	len = sizeof(on);
	cr_assert_eq(getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, &len), 0,
	    "getsockopt: %s", strerror(errno));
	return (on != 0);
}

static struct sockaddr_in
loopback(in_port_t port)
{
	struct sockaddr_in	sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(port);
	return (sin);
}

/* A port the kernel just handed out, free again once we close it. */
static in_port_t
free_port(void)
{
	struct sockaddr_in	sin = loopback(0);
	socklen_t		len = sizeof(sin);
	int			fd;

	cr_assert_geq(fd = socket(AF_INET, SOCK_STREAM, 0), 0);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	close(fd);
	return (ntohs(sin.sin_port));
}

/* A loopback listener from the flags, on a free port (into port). */
static struct listener *
bind_one(struct config *conf, char *port, size_t portlen)
{
	struct listener	*ls = NULL;
	char		 err[256];
	char		*argv[] = { "privcached", "-l", "127.0.0.1", "-p", port,
			    NULL };
	size_t		 nls = 0;

	(void)snprintf(port, portlen, "%u", (unsigned)free_port());
	config_init(conf);
	cr_assert_eq(config_parse_args(conf, 5, argv, err, sizeof(err)),
	    CONFIG_OK, "%s", err);
	cr_assert_eq(listen_bind_all(conf, &ls, &nls, err, sizeof(err)), 0,
	    "%s", err);
	cr_assert_eq(nls, 1);
	return (ls);
}

/* Connects to port and accepts on lfd: the accepted fd, client in *c. */
static int
connect_accept(int lfd, const char *port, int *c)
{
	struct sockaddr_in	sin = loopback((in_port_t)atoi(port));
	struct pollfd		pfd;
	int			a;

	cr_assert_geq(*c = socket(AF_INET, SOCK_STREAM, 0), 0);
	cr_assert_eq(connect(*c, (struct sockaddr *)&sin, sizeof(sin)), 0,
	    "connect: %s", strerror(errno));
	pfd.fd = lfd;
	pfd.events = POLLIN;
	cr_assert_eq(poll(&pfd, 1, 5000), 1, "nothing to accept in 5 s");
	cr_assert_geq(a = accept(lfd, NULL, NULL), 0, "accept: %s",
	    strerror(errno));
	return (a);
}

Test(listen, tcp_nodelay_inherited_by_accepted_connections)
{
	struct config		 conf;
	struct listener		*ls;
	char			 port[16];
	int			 c, a;

	ls = bind_one(&conf, port, sizeof(port));
	cr_assert(nodelay(ls[0].l_fd), "the listener has TCP_NODELAY");
	a = connect_accept(ls[0].l_fd, port, &c);
	cr_assert(nodelay(a), "the accepted connection inherited TCP_NODELAY");
	/* The client's own socket never had it: the check tells them apart. */
	cr_assert(!nodelay(c), "TCP_NODELAY on a socket nobody set it on");
	close(a);
	close(c);
	listen_close_all(ls, 1);
	config_clear(&conf);
}

/*
 * A listener a child shut down for everyone (accept fails with EINVAL
 * from then on) is seen dead and bound anew, with its options; a live
 * one is left alone.
 */
Test(listen, dead_listener_bound_again)
{
	struct config		 conf;
	struct listener		*ls;
	char			 port[16];
	int			 c, a, fd;

#ifdef __OpenBSD__
	cr_skip_test("the parent's pledge leaves it no getsockopt or socket");
#endif
	ls = bind_one(&conf, port, sizeof(port));
	fd = ls[0].l_fd;
	cr_assert_eq(listen_revive(&ls[0]), 1, "alive");
	cr_assert_eq(ls[0].l_fd, fd, "left alone");

	cr_assert_eq(shutdown(ls[0].l_fd, SHUT_RD), 0);
	cr_assert_eq(accept(ls[0].l_fd, NULL, NULL), -1);
	cr_assert_eq(listen_revive(&ls[0]), 0, "dead, bound again");
	cr_assert(nodelay(ls[0].l_fd), "with the listeners' options");
	a = connect_accept(ls[0].l_fd, port, &c);
	close(a);
	close(c);
	listen_close_all(ls, 1);
	config_clear(&conf);
}
