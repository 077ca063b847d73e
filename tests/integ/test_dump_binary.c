/*
 * PHP's Memcached::getAllKeys() with the binary protocol on: libmemcached
 * (1.1.4, Debian's) refuses memcached_dump() on a binary connection
 * before it sends a byte, so the call fails against stock memcached
 * exactly as against privcached.  This proves the failure is the
 * client's: stock memcached (Debian's, which make deps installs) sees no
 * request, while the same PHP in text mode asks both.
 */

#include <sys/types.h>
#include <sys/wait.h>

#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "daemon.h"

#define MEMCACHED	"/usr/bin/memcached"

static struct daemon	d;
static pid_t		stock = -1;
static char		stock_log[64];

static void
fini(void)
{
	daemon_stop(&d);
	if (stock > 0) {
		(void)kill(stock, SIGTERM);
		(void)waitpid(stock, NULL, 0);
	}
	if (stock_log[0] != '\0')
		(void)unlink(stock_log);
}

TestSuite(dump_binary, .fini = fini, .timeout = 60);

/* Runs the PHP snippet (binary on or off) against port: its output. */
static void
php_get_all_keys(int port, int binary, char *out, size_t len)
{
	char	 cmd[1024];
	FILE	*fp;
	size_t	 n = 0, r;

	(void)snprintf(cmd, sizeof(cmd), "php -r '$m = new Memcached(); "
	    "$m->setOption(Memcached::OPT_BINARY_PROTOCOL, %s); "
	    "$m->addServer(\"127.0.0.1\", %d); $k = $m->getAllKeys(); "
	    "if ($k === false) { echo \"false \", $m->getResultMessage(); } "
	    "else { sort($k); echo implode(\",\", $k); }' 2>&1",
	    binary ? "true" : "false", port);
	cr_assert_not_null(fp = popen(cmd, "r"), "%s", cmd);
	while (n + 1 < len && (r = fread(out + n, 1, len - n - 1, fp)) > 0)
		n += r;
	out[n] = '\0';
	(void)pclose(fp);
}

static void
store_two(int port)
{
	int	fd;

	cr_assert_geq(fd = client_connect(port), 0);
	cr_assert(client_expect(fd, "set dump:one 0 0 3\r\none\r\n"
	    "set dump:two 0 0 3\r\ntwo\r\n", "STORED\r\nSTORED\r\n",
	    "STORED\r\nSTORED\r\n"));
	close(fd);
}

/* Stock memcached, verbose, its log in stock_log: its port. */
static int
start_stock(void)
{
	char	port[16];
	int	port_n;

	port_n = daemon_free_port();
	(void)snprintf(port, sizeof(port), "%d", port_n);
	(void)snprintf(stock_log, sizeof(stock_log), "/tmp/pc-stock-%d.log",
	    (int)getpid());
	cr_assert_neq(stock = fork(), -1);
	if (stock == 0) {
		if (freopen(stock_log, "w", stderr) == NULL)
			_exit(127);
		execl(MEMCACHED, "memcached", "-u", "nobody", "-l",
		    "127.0.0.1", "-p", port, "-U", "0", "-vv", (char *)NULL);
		_exit(127);
	}
	cr_assert(client_expect_within(port_n, "version\r\n", "\r\n",
	    "VERSION 1.6.18\r\n", 5000),
	    "stock memcached did not come up");
	return (port_n);
}

/* How often stock memcached's -vv log holds s. */
static int
stock_log_count(const char *s)
{
	char		 buf[65536];
	const char	*p;
	FILE		*fp;
	size_t		 n;
	int		 count = 0;

	if ((fp = fopen(stock_log, "r")) == NULL)
		return (0);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	(void)fclose(fp);
	for (p = buf; (p = strstr(p, s)) != NULL; p += strlen(s))
		count++;
	return (count);
}

Test(dump_binary, same_refusal_from_stock_memcached)
{
	const char *const	 args[] = { NULL };
	char			 out[1024];
	int			 port, asked;

	if (access(MEMCACHED, X_OK) == -1 || system("php -r 'exit("
	    "class_exists(\"Memcached\") ? 0 : 1);' >/dev/null 2>&1") != 0)
#ifdef __linux__
		cr_assert_fail("memcached or php-memcached missing (make deps)");
#else
		cr_skip_test("memcached or php-memcached not installed");
#endif
	port = start_stock();
	store_two(port);
	/*
	 * Text: libmemcached walks the classes with "stats cachedump" (stock
	 * memcached lists only its cold LRU, so fresh keys may not show).
	 */
	php_get_all_keys(port, 0, out, sizeof(out));
	cr_assert_neq(strncmp(out, "false", 5), 0, "stock, text: %s", out);
	cr_assert_gt(asked = stock_log_count("stats cachedump"), 0,
	    "the text dump asked stock memcached");
	php_get_all_keys(port, 1, out, sizeof(out));
	cr_assert_str_eq(out, "false ACTION NOT SUPPORTED", "stock: %s", out);
	cr_assert_eq(stock_log_count("stats cachedump"), asked,
	    "the binary one never asked");

	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	store_two(d.d_port);
	php_get_all_keys(d.d_port, 0, out, sizeof(out));
	cr_assert_str_eq(out, "dump:one,dump:two", "privcached, text: %s",
	    out);
	php_get_all_keys(d.d_port, 1, out, sizeof(out));
	cr_assert_str_eq(out, "false ACTION NOT SUPPORTED", "privcached: %s",
	    out);
}
