/*
 * watch against the running daemon: the log lines a watcher gets for
 * another client's gets and stores, and the skipped notice of a watcher
 * that does not read.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <criterion/criterion.h>
#include <regex.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "daemon.h"

static struct daemon	d;

static void
fini(void)
{
	daemon_stop(&d);
}

TestSuite(watch, .fini = fini, .timeout = 60);

/* The next line the watcher gets matches re (POSIX extended). */
static void
expect_line(int fd, const char *re)
{
	regex_t	rx;
	char	line[1024];
	size_t	n = 0;

	while (n < sizeof(line) - 1) {
		cr_assert_eq(client_recv_exact(fd, &line[n], 1), 0,
		    "no line for %s", re);
		if (line[n++] == '\n')
			break;
	}
	line[n] = '\0';
	cr_assert_eq(regcomp(&rx, re, REG_EXTENDED | REG_NOSUB), 0);
	cr_assert_eq(regexec(&rx, line, 0, NULL, 0), 0, "%s does not match %s",
	    line, re);
	regfree(&rx);
}

static int
watcher(const char *cmd)
{
	int	fd;

	cr_assert_geq(fd = client_connect(d.d_port), 0);
	cr_assert(client_expect(fd, cmd, "\r\n", "OK\r\n"), "%s", cmd);
	return (fd);
}

Test(watch, fetchers_and_mutations_lines)
{
	static const char *const args[] = { NULL };
	int	fd, all, fetch, mut;

	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	all = watcher("watch fetchers mutations\r\n");
	fetch = watcher("watch\r\n");
	mut = watcher("watch mutations\r\n");
	cr_assert_geq(fd = client_connect(d.d_port), 0);
	cr_assert(client_expect(fd, "get w,1\r\n", "END\r\n", "END\r\n"));
	cr_assert(client_expect(fd, "set w,1 0 0 5\r\nhello\r\n", "\r\n",
	    "STORED\r\n"));
	cr_assert(client_expect(fd, "add w,1 0 0 1\r\nx\r\n", "\r\n",
	    "NOT_STORED\r\n"));
	cr_assert(client_expect(fd, "set w,3 0 1000 2\r\nhi\r\n", "\r\n",
	    "STORED\r\n"));
	cr_assert(client_expect(fd, "get w,1\r\n", "END\r\n",
	    "VALUE w,1 0 5\r\nhello\r\nEND\r\n"));
	expect_line(all, "^ts=[0-9]+\\.[0-9]+ gid=[0-9]+ type=item_get "
	    "key=w%2C1 status=not_found clsid=0 cfd=[0-9]+ size=0\n$");
	expect_line(all, "^ts=[0-9]+\\.[0-9]+ gid=[0-9]+ type=item_store "
	    "key=w%2C1 status=stored cmd=set ttl=0 clsid=[1-9][0-9]* "
	    "cfd=[0-9]+ size=5\n$");
	expect_line(all, "^ts=[0-9]+\\.[0-9]+ gid=[0-9]+ type=item_store "
	    "key=w%2C1 status=not_stored cmd=add ttl=0 clsid=0 cfd=[0-9]+ "
	    "size=1\n$");
	expect_line(all, "^ts=[0-9]+\\.[0-9]+ gid=[0-9]+ type=item_store "
	    "key=w%2C3 status=stored cmd=set ttl=(1000|999) clsid=[1-9][0-9]* "
	    "cfd=[0-9]+ size=2\n$");
	expect_line(all, "^ts=[0-9]+\\.[0-9]+ gid=[0-9]+ type=item_get "
	    "key=w%2C1 status=found clsid=[1-9][0-9]* cfd=[0-9]+ size=5\n$");
	cr_assert_eq(client_stat(fd, NULL, "log_watchers"), 3);
	cr_assert_eq(client_stat(fd, NULL, "log_watcher_sent"), 10);
	cr_assert_eq(client_stat(fd, NULL, "log_watcher_skipped"), 0);
	/* No argument: fetchers only. */
	expect_line(fetch, "type=item_get key=w%2C1 status=not_found ");
	expect_line(fetch, "type=item_get key=w%2C1 status=found ");
	expect_line(mut, "type=item_store key=w%2C1 status=stored cmd=set ");
	expect_line(mut, "type=item_store key=w%2C1 status=not_stored "
	    "cmd=add ");
	expect_line(mut, "type=item_store key=w%2C3 status=stored cmd=set ");
	/* A watcher no longer runs commands. */
	cr_assert_eq(client_sends(mut, "get w,1\r\n"), 0);
	cr_assert(client_expect(fd, "set w,2 0 0 1\r\ny\r\n", "\r\n",
	    "STORED\r\n"));
	expect_line(mut, "type=item_store key=w%2C2 status=stored cmd=set ");
	close(all);
	close(fetch);
	close(mut);
	close(fd);
}

/* What follows watch in the same packet is not run, as in memcached. */
Test(watch, requests_after_watch_do_nothing)
{
	static const char *const args[] = { NULL };
	int	fd, w;

	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	cr_assert_geq(w = client_connect(d.d_port), 0);
	cr_assert(client_expect(w, "watch mutations\r\nset gone 0 0 1\r\n"
	    "x\r\nstats\r\nwatch\r\n", "\r\n", "OK\r\n"));
	cr_assert_geq(fd = client_connect(d.d_port), 0);
	cr_assert(client_expect(fd, "set seen 0 0 1\r\ny\r\n", "\r\n",
	    "STORED\r\n"));
	/* The first thing after OK is the other client's line. */
	expect_line(w, "^ts=[0-9]+\\.[0-9]+ gid=[0-9]+ type=item_store "
	    "key=seen ");
	cr_assert(client_expect(fd, "get gone\r\n", "END\r\n", "END\r\n"));
	cr_assert_eq(client_stat(fd, NULL, "log_watchers"), 1);
	close(w);
	close(fd);
}

Test(watch, unknown_word_is_an_error)
{
	static const char *const args[] = { NULL };
	int	fd;

	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	cr_assert_geq(fd = client_connect(d.d_port), 0);
	cr_assert(client_expect(fd, "watch fetchers bogus\r\n", "\r\n",
	    "ERROR\r\n"));
	/* Still an ordinary connection. */
	cr_assert(client_expect(fd, "get x\r\n", "END\r\n", "END\r\n"));
	close(fd);
}

/* idle_timeout closes idle clients, not watchers, as in memcached. */
Test(watch, idle_timeout_spares_watchers)
{
	static const char *const args[] = { "-o", "idle_timeout=1", NULL };
	int	fd, w;

	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	w = watcher("watch mutations\r\n");
	cr_assert_geq(fd = client_connect(d.d_port), 0);
	cr_assert(client_closed_within(fd, 5000), "an idle client stays");
	close(fd);
	cr_assert_geq(fd = client_connect(d.d_port), 0);
	cr_assert(client_expect(fd, "set late 0 0 1\r\nz\r\n", "\r\n",
	    "STORED\r\n"));
	expect_line(w, "type=item_store key=late status=stored cmd=set ");
	close(w);
	close(fd);
}

/* A watcher that does not read loses lines, and is told how many. */
Test(watch, slow_watcher_skips)
{
	static const char *const args[] = { NULL };
	static char	req[100 * 260], ends[100 * 5 + 1], buf[65536];
	char		key[251];
	size_t		len;
	int		fd, w, i, j;
	ssize_t		n;

	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	cr_assert_geq(w = client_connect(d.d_port), 0);
	cr_assert(client_expect(w, "watch\r\n", "\r\n", "OK\r\n"));
	cr_assert_geq(fd = client_connect(d.d_port), 0);
	/* Each ',' is three bytes encoded: lines of about 830 bytes. */
	memset(key, ',', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	for (i = 0; i < 100; i++)
		memcpy(ends + 5 * i, "END\r\n", 5);
	ends[sizeof(ends) - 1] = '\0';
	/*
	 * 25000 lines, 20 MB: past the 256 KiB bound and what the socket
	 * buffers hold.
	 */
	for (j = 0; j < 250; j++) {
		len = 0;
		for (i = 0; i < 100; i++)
			len += (size_t)snprintf(req + len, sizeof(req) - len,
			    "get %s\r\n", key);
		cr_assert(client_expect(fd, req, ends, ends));
	}
	/* Drain what was kept; then one more get brings the notice. */
	while ((n = client_recv_until(w, buf, sizeof(buf), "\r\n\r\n")) > 0)
		;
	cr_assert(client_expect(fd, "get last\r\n", "END\r\n", "END\r\n"));
	expect_line(w, "^skipped=[1-9][0-9]*\n$");
	expect_line(w, "type=item_get key=last status=not_found ");
	cr_assert_gt(client_stat(fd, NULL, "log_watcher_skipped"), 0);
	close(w);
	/* The watcher is gone once the daemon sees it close. */
	cr_assert_eq(client_stat_wait(fd, NULL, "log_watchers", 0, 3000), 0);
	close(fd);
}
