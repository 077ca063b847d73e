/*
 * Access control and limits against the running daemon: the allowlist
 * (and changing it live with SIGHUP), the per-address limit, the
 * partial-request timeout, the buffer budget.
 */

#include <sys/types.h>

#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "daemon.h"

static struct daemon	d;
static char		conf_path[128];

static void
fini(void)
{
	daemon_stop(&d);
	if (conf_path[0] != '\0')
		(void)unlink(conf_path);
}

TestSuite(access_integ, .fini = fini, .timeout = 60);

static void
write_conf(const char *text)
{
	FILE	*fp;

	cr_assert_not_null(fp = fopen(conf_path, "w"));
	fputs(text, fp);
	cr_assert_eq(fclose(fp), 0);
}

static void
reload(const char *logline)
{
	cr_assert_eq(kill(d.d_pid, SIGHUP), 0);
	cr_assert(daemon_log_has(&d, logline, 3000));
}

Test(access_integ, allowlist_live_change_keeps_data)
{
	char		 arg[160];
	const char	*args[] = { arg, NULL };
	int		 fd, denied;

	(void)snprintf(conf_path, sizeof(conf_path), "/tmp/pc-allow-%d.conf",
	    (int)getpid());
	(void)snprintf(arg, sizeof(arg), "--config=%s", conf_path);
	write_conf("-o allow=127.0.0.0/8;::1\n");
	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	cr_assert_geq(fd = client_connect(d.d_port), 0);
	cr_assert(client_expect(fd, "set kept 0 0 2\r\nok\r\n", "\r\n",
	    "STORED\r\n"));

	/* Loopback leaves the list: new connections are refused. */
	write_conf("-o allow=10.0.0.0/8\n");
	reload("net: configuration reloaded");
	cr_assert_geq(denied = client_connect(d.d_port), 0);
	cr_assert(client_closed(denied), "refused at accept");
	close(denied);
	cr_assert(daemon_log_has(&d, "not in the allow list", 2000));
	/* The connection made before stays: access is checked at accept. */
	cr_assert(client_expect(fd, "get kept\r\n", "END\r\n",
	    "VALUE kept 0 2\r\nok\r\nEND\r\n"));
	close(fd);

	write_conf("-o allow=127.0.0.1\n");
	reload("configuration reloaded");
	/* The parent has reloaded; the net child applies it next. */
	cr_assert(client_expect_within(d.d_port, "get kept\r\n", "END\r\n",
	    "VALUE kept 0 2\r\nok\r\nEND\r\n", 3000), "data survived");
}

Test(access_integ, denied_is_counted)
{
	const char	*args[] = { "-o", "allow=127.0.0.1/32", NULL };
	char		 buf[65536];
	int		 fd;

	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	cr_assert_geq(fd = client_connect(d.d_port), 0);
	cr_assert_eq(client_sends(fd, "stats\r\n"), 0);
	cr_assert_gt(client_recv_until(fd, buf, sizeof(buf), "END\r\n"), 0);
	cr_assert(strstr(buf, "STAT privcached_denied_connections 0\r\n") !=
	    NULL);
	cr_assert(strstr(buf, "STAT privcached_request_timeouts 0\r\n") !=
	    NULL);
	close(fd);
}

Test(access_integ, per_address_limit)
{
	const char	*args[] = { "-o", "conn_per_ip=2", NULL };
	char		 buf[256];
	int		 a, b, c;

	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	cr_assert_geq(a = client_connect(d.d_port), 0);
	cr_assert_geq(b = client_connect(d.d_port), 0);
	cr_assert(client_expect(a, "get x\r\n", "END\r\n", "END\r\n"));
	cr_assert(client_expect(b, "get x\r\n", "END\r\n", "END\r\n"));
	cr_assert_geq(c = client_connect(d.d_port), 0);
	cr_assert_gt(client_recv_until(c, buf, sizeof(buf), "\r\n"), 0);
	cr_assert_str_eq(buf, "ERROR Too many connections from your "
	    "address\r\n");
	cr_assert(client_closed(c));
	close(c);
	close(a);
	/* Once the daemon has seen a close, its slot takes a new one. */
	cr_assert(client_expect_within(d.d_port, "get x\r\n", "END\r\n",
	    "END\r\n", 3000), "a freed slot is usable again");
	close(b);
	close(c);
}

Test(access_integ, slowloris_request_timeout)
{
	const char	*args[] = { "-o", "request_timeout=1", NULL };
	int		 slow, line, ok;

	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	cr_assert_geq(slow = client_connect(d.d_port), 0);
	cr_assert_geq(line = client_connect(d.d_port), 0);
	cr_assert_geq(ok = client_connect(d.d_port), 0);
	/* A data block that never completes, and a line without end. */
	cr_assert_eq(client_sends(slow, "set k 0 0 100\r\nabc"), 0);
	cr_assert_eq(client_sends(line, "get never_end"), 0);
	cr_assert(client_expect(ok, "get k\r\n", "END\r\n", "END\r\n"));
	/* Timeouts count whole seconds on a 1 s tick: allow 5 s. */
	cr_assert(client_closed_within(slow, 5000), "partial value closed");
	cr_assert(client_closed_within(line, 5000), "partial line closed");
	cr_assert(client_expect(ok, "get k\r\n", "END\r\n", "END\r\n"),
	    "complete requests are not affected");
	cr_assert(daemon_log_has(&d, "request incomplete", 2000));
	close(slow);
	close(line);
	close(ok);
}

Test(access_integ, buffer_budget)
{
	const char	*args[] = { "-o", "buffer_budget=16,conn_per_ip=0",
			    "-I", "4m", NULL };
	char		*val;
	int		 fds[12], i, closed = 0;

	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	cr_assert_not_null(val = malloc(3 << 20));
	memset(val, 'v', 3 << 20);
	/* Each holds 3 MB of an unfinished value: 36 MB against 16. */
	for (i = 0; i < 12; i++) {
		cr_assert_geq(fds[i] = client_connect(d.d_port), 0);
		(void)client_sends(fds[i], "set big 0 0 4000000\r\n");
		(void)client_send(fds[i], val, 3 << 20);
	}
	for (i = 0; i < 12; i++) {
		if (client_closed(fds[i]))
			closed++;
	}
	for (i = 0; i < 12; i++)
		close(fds[i]);
	cr_assert_gt(closed, 0, "connections past the budget are closed");
	cr_assert(daemon_log_has(&d, "at their budget", 3000));
	/* The closed ones give their memory back. */
	cr_assert(client_expect_within(d.d_port,
	    "set a 0 0 1\r\nx\r\nget a\r\n", "END\r\n",
	    "STORED\r\nVALUE a 0 1\r\nx\r\nEND\r\n", 3000));
	free(val);
}
