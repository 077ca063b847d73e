/*
 * memcached's flags that change what a client sees: unix sockets, the
 * shutdown command, idle timeouts, connection limits, -B.
 */

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "daemon.h"

static struct daemon	d;
static char		sock_path[128];

static void
fini(void)
{
	daemon_stop(&d);
	if (sock_path[0] != '\0')
		(void)unlink(sock_path);
}

TestSuite(flags, .fini = fini, .timeout = 60);

Test(flags, unix_socket)
{
	const char	*args[] = { "-s", sock_path, "-a", "770", NULL };
	struct stat	 st;
	int		 fd;

	(void)snprintf(sock_path, sizeof(sock_path), "/tmp/pc-test-%d.sock",
	    (int)getpid());
	cr_assert_eq(daemon_start_unix(&d, args, sock_path), 0);
	cr_assert_eq(lstat(sock_path, &st), 0);
	cr_assert(S_ISSOCK(st.st_mode));
	cr_assert_eq(st.st_mode & 0777, 0770, "mode %o", st.st_mode & 0777);
	cr_assert_geq(fd = client_connect_unix(sock_path), 0);
	cr_assert(client_expect(fd, "set u 0 0 2\r\nok\r\nget u\r\n",
	    "END\r\n", "STORED\r\nVALUE u 0 2\r\nok\r\nEND\r\n"));
	close(fd);
	cr_assert_eq(daemon_stop(&d), 0);
	cr_assert_neq(lstat(sock_path, &st), 0, "socket removed on exit");
}

Test(flags, shutdown_command)
{
	const char	*off[] = { NULL };
	const char	*on[] = { "-A", NULL };
	int		 fd, st;

	cr_assert_eq(daemon_start(&d, NULL, off), 0);
	cr_assert_geq(fd = client_connect(d.d_port), 0);
	cr_assert(client_expect(fd, "shutdown\r\n", "\r\n",
	    "ERROR: shutdown not enabled\r\n"));
	close(fd);
	daemon_stop(&d);

	cr_assert_eq(daemon_start(&d, NULL, on), 0);
	cr_assert_geq(fd = client_connect(d.d_port), 0);
	cr_assert_eq(client_sends(fd, "shutdown\r\n"), 0);
	cr_assert(client_closed(fd));
	close(fd);
	st = daemon_wait_exit(d.d_pid, 5000);
	cr_assert(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "daemon exits 0 after shutdown: %d", st);
	d.d_pid = -1;
}

Test(flags, idle_timeout)
{
	const char	*args[] = { "-o", "idle_timeout=1", NULL };
	int		 idle, busy, i, closed = 0;

	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	cr_assert_geq(idle = client_connect(d.d_port), 0);
	cr_assert_geq(busy = client_connect(d.d_port), 0);
	/* busy asks every 400 ms while idle says nothing, for 6 s at most. */
	for (i = 0; i < 15 && !closed; i++) {
		cr_assert(client_expect(busy, "get k\r\n", "END\r\n",
		    "END\r\n"));
		closed = client_closed_within(idle, 400);
	}
	cr_assert(closed, "idle connection closed");
	cr_assert(client_expect(busy, "get k\r\n", "END\r\n", "END\r\n"),
	    "busy connection kept");
	close(idle);
	close(busy);
}

Test(flags, max_connections_fast)
{
	const char	*args[] = { "-c", "3", NULL };
	char		 buf[256];
	int		 fds[3], extra, i;

	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	for (i = 0; i < 3; i++) {
		cr_assert_geq(fds[i] = client_connect(d.d_port), 0);
		cr_assert(client_expect(fds[i], "get k\r\n", "END\r\n",
		    "END\r\n"));
	}
	cr_assert_geq(extra = client_connect(d.d_port), 0);
	cr_assert_gt(client_recv_until(extra, buf, sizeof(buf), "\r\n"), 0);
	cr_assert_str_eq(buf, "ERROR Too many open connections\r\n");
	cr_assert(client_closed(extra));
	close(extra);
	close(fds[0]);
	/* Once the daemon has seen the close, the slot takes a new one. */
	cr_assert(client_expect_within(d.d_port, "get k\r\n", "END\r\n",
	    "END\r\n", 3000), "a freed slot is usable");
	for (i = 1; i < 3; i++)
		close(fds[i]);
}

Test(flags, protocol_ascii_only)
{
	const char	*args[] = { "-B", "ascii", NULL };
	const char	 pkt[24] = { (char)0x80, 0x0b };	/* version */
	int		 fd;

	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	cr_assert_geq(fd = client_connect(d.d_port), 0);
	cr_assert_eq(client_send(fd, pkt, sizeof(pkt)), 0);
	cr_assert(client_closed(fd), "binary refused with -B ascii");
	close(fd);
}
