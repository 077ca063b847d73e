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

Test(listen, tcp_nodelay_inherited_by_accepted_connections)
{
	struct config		 conf;
	struct listener		*ls = NULL;
	struct sockaddr_in	 sin;
	struct pollfd		 pfd;
	char			 err[256], port[16];
	char			*argv[] = { "privcached", "-l", "127.0.0.1", "-p",
				    port, NULL };
	size_t			 nls = 0;
	int			 c, a;

	(void)snprintf(port, sizeof(port), "%u", (unsigned)free_port());
	config_init(&conf);
	cr_assert_eq(config_parse_args(&conf, 5, argv, err, sizeof(err)),
	    CONFIG_OK, "%s", err);
	cr_assert_eq(listen_bind_all(&conf, &ls, &nls, err, sizeof(err)), 0,
	    "%s", err);
	cr_assert_eq(nls, 1);
	cr_assert(nodelay(ls[0].l_fd), "the listener has TCP_NODELAY");

	sin = loopback((in_port_t)atoi(port));
	cr_assert_geq(c = socket(AF_INET, SOCK_STREAM, 0), 0);
	cr_assert_eq(connect(c, (struct sockaddr *)&sin, sizeof(sin)), 0,
	    "connect: %s", strerror(errno));
	pfd.fd = ls[0].l_fd;
	pfd.events = POLLIN;
	cr_assert_eq(poll(&pfd, 1, 5000), 1, "nothing to accept in 5 s");
	cr_assert_geq(a = accept(ls[0].l_fd, NULL, NULL), 0, "accept: %s",
	    strerror(errno));
	cr_assert(nodelay(a), "the accepted connection inherited TCP_NODELAY");
	/* The client's own socket never had it: the check tells them apart. */
	cr_assert(!nodelay(c), "TCP_NODELAY on a socket nobody set it on");
	close(a);
	close(c);
	listen_close_all(ls, nls);
	config_clear(&conf);
}
