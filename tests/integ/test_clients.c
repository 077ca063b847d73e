/*
 * Real memcached clients from Debian packages against the running daemon:
 * pymemcache and python-memcache through every command they have, and
 * libmemcached's conformance checker in ascii mode.
 */

#include <sys/types.h>
#include <sys/wait.h>

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "daemon.h"

static struct daemon	d;

static void
fini(void)
{
	daemon_stop(&d);
}

TestSuite(clients, .fini = fini, .timeout = 120);

static int
run(const char *fmt, int port)
{
	char	cmd[1024];
	int	st;

	(void)snprintf(cmd, sizeof(cmd), fmt, daemon_src(), port);
	st = system(cmd);
	return (WIFEXITED(st) ? WEXITSTATUS(st) : 128);
}

Test(clients, pymemcache_every_command)
{
	const char	*args[] = { NULL };

	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	cr_assert_eq(run("/usr/bin/python3 %s/tests/integ/clients_pymemcache.py"
	    " %d", d.d_port), 0);
}

Test(clients, python_memcache_every_command)
{
	const char	*args[] = { NULL };

	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	cr_assert_eq(run("/usr/bin/python3 "
	    "%s/tests/integ/clients_python_memcache.py %d", d.d_port), 0);
}

Test(clients, memccapable_ascii)
{
	const char	*args[] = { NULL };

	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	/* memccapable prints [FAIL] lines and exits non-zero on failure. */
	cr_assert_eq(run("cd %s && memccapable -h 127.0.0.1 -p %d -a -t 10 "
	    ">/dev/null", d.d_port), 0);
}

Test(clients, prometheus_exporter_keys)
{
	const char	*args[] = { NULL };

	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	cr_assert_eq(run("/usr/bin/python3 "
	    "%s/tests/integ/clients_exporter_keys.py %d", d.d_port), 0);
}
