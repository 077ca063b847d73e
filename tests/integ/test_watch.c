/*
 * watch against the running daemon: the log lines a watcher gets for
 * another client's gets, stores and deletes, the storage child's
 * evictions, connections opening and closing, and the skipped notice and
 * bounded memory of a watcher that does not read.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <criterion/criterion.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
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
	/* As memcached's, a store logs the lookup it makes first. */
	expect_line(all, "^ts=[0-9]+\\.[0-9]+ gid=[0-9]+ type=item_get "
	    "key=w%2C1 status=not_found clsid=0 cfd=[0-9]+ size=0\n$");
	expect_line(all, "^ts=[0-9]+\\.[0-9]+ gid=[0-9]+ type=item_store "
	    "key=w%2C1 status=stored cmd=set ttl=0 clsid=[1-9][0-9]* "
	    "cfd=[0-9]+ size=5\n$");
	expect_line(all, "^ts=[0-9]+\\.[0-9]+ gid=[0-9]+ type=item_get "
	    "key=w%2C1 status=found clsid=[1-9][0-9]* cfd=[0-9]+ size=5\n$");
	expect_line(all, "^ts=[0-9]+\\.[0-9]+ gid=[0-9]+ type=item_store "
	    "key=w%2C1 status=not_stored cmd=add ttl=0 clsid=0 cfd=[0-9]+ "
	    "size=1\n$");
	expect_line(all, "type=item_get key=w%2C3 status=not_found ");
	expect_line(all, "^ts=[0-9]+\\.[0-9]+ gid=[0-9]+ type=item_store "
	    "key=w%2C3 status=stored cmd=set ttl=(1000|999) clsid=[1-9][0-9]* "
	    "cfd=[0-9]+ size=2\n$");
	expect_line(all, "^ts=[0-9]+\\.[0-9]+ gid=[0-9]+ type=item_get "
	    "key=w%2C1 status=found clsid=[1-9][0-9]* cfd=[0-9]+ size=5\n$");
	cr_assert_eq(client_stat(fd, NULL, "log_watchers"), 3);
	/* 8 to the first, 5 fetches to the second, 3 stores to the third. */
	cr_assert_eq(client_stat(fd, NULL, "log_watcher_sent"), 16);
	cr_assert_eq(client_stat(fd, NULL, "log_watcher_skipped"), 0);
	/* No argument: fetchers only. */
	expect_line(fetch, "type=item_get key=w%2C1 status=not_found ");
	expect_line(fetch, "type=item_get key=w%2C1 status=not_found ");
	expect_line(fetch, "type=item_get key=w%2C1 status=found ");
	expect_line(fetch, "type=item_get key=w%2C3 status=not_found ");
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

/*
 * Sets n values of vlen bytes as key prefix + i, noreply, in runs of 50,
 * and waits for them all (mn answers after them).
 */
static void
fill_ttl(int fd, const char *prefix, int first, int n, size_t vlen, int ttl)
{
	static char	req[50 * (64 + 16384 + 4)];
	char		value[16384];
	size_t		len;
	int		i, j;

	cr_assert_lt(vlen, sizeof(value));
	memset(value, 'v', vlen);
	for (i = 0; i < n; i += 50) {
		len = 0;
		for (j = i; j < n && j < i + 50; j++) {
			len += (size_t)snprintf(req + len, sizeof(req) - len,
			    "set %s%d 0 %d %zu noreply\r\n", prefix, first + j,
			    ttl, vlen);
			memcpy(req + len, value, vlen);
			memcpy(req + len + vlen, "\r\n", 2);
			len += vlen + 2;
		}
		memcpy(req + len, "mn\r\n", 4);
		cr_assert_eq(client_send(fd, req, len + 4), 0);
		cr_assert(client_expect(fd, NULL, "MN\r\n", "MN\r\n"));
	}
}

static void
fill(int fd, const char *prefix, int first, int n, size_t vlen)
{
	fill_ttl(fd, prefix, first, n, vlen, 0);
}

/* Reads lines until one matches re; at most max lines. */
static void
expect_some_line(int fd, const char *re, int max)
{
	regex_t	rx;
	char	line[1024];
	size_t	n;
	int	i;

	cr_assert_eq(regcomp(&rx, re, REG_EXTENDED | REG_NOSUB), 0);
	for (i = 0; i < max; i++) {
		n = 0;
		while (n < sizeof(line) - 1) {
			cr_assert_eq(client_recv_exact(fd, &line[n], 1), 0,
			    "no line for %s", re);
			if (line[n++] == '\n')
				break;
		}
		line[n] = '\0';
		if (regexec(&rx, line, 0, NULL, 0) == 0) {
			regfree(&rx);
			return;
		}
	}
	regfree(&rx);
	cr_assert_fail("no line of %d matches %s", max, re);
}

/*
 * Evictions happen in the storage child: it reports them to the net
 * child only while a watcher asks, and they show as memcached's lines.
 * Run as an unprivileged user, as the daemon runs in production.
 */
Test(watch, eviction_lines)
{
	static const char *const args[] = { "-m", "8", NULL };
	static char	buf[65536];
	int		fd, w, mw;

	cr_assert_eq(daemon_start(&d, "nobody", args), 0);
	cr_assert_geq(fd = client_connect(d.d_port), 0);
	/* Evictions before anyone watches are not reported later. */
	fill(fd, "pre,", 0, 1200, 10000);
	cr_assert_gt(client_stat(fd, NULL, "evictions"), 0);
	w = watcher("watch evictions\r\n");
	mw = watcher("watch mutations evictions\r\n");
	/* One item with an expiry that was read: the newest one now. */
	fill_ttl(fd, "first,", 0, 1, 10000, 5000);
	cr_assert_eq(client_sends(fd, "get first,0\r\n"), 0);
	cr_assert_gt(client_recv_until(fd, buf, sizeof(buf), "END\r\n"),
	    10000);
	/* Read, it gets a second chance: twice the cache's worth. */
	fill(fd, "ev,", 0, 2400, 10000);
	expect_line(w, "^ts=[0-9]+\\.[0-9]+ gid=[0-9]+ type=eviction "
	    "key=pre%2C[0-9]+ fetch=no ttl=-1 la=[0-9]+ clsid=[1-9][0-9]* "
	    "size=10000\n$");
	/* The read item with a ttl goes too, sooner or later. */
	expect_some_line(w, "^ts=[0-9]+\\.[0-9]+ gid=[0-9]+ type=eviction "
	    "key=first%2C0 fetch=yes ttl=(4999|5000|4998) la=[0-9]+ "
	    "clsid=[1-9][0-9]* size=10000\n$", 4000);
	/* The other watcher sees both kinds. */
	expect_some_line(mw, "type=item_store key=ev%2C[0-9]+ status=stored ",
	    10);
	expect_some_line(mw, "type=eviction key=", 2400);
	cr_assert_eq(client_stat(fd, NULL, "log_watcher_skipped"), 0);
	close(w);
	close(mw);
	cr_assert_eq(client_stat_wait(fd, NULL, "log_watchers", 0, 3000), 0);
	close(fd);
}

/*
 * Under ASan the daemon's RSS holds the allocator's quarantine: the bound
 * on memory is checked in the ordinary build only.
 */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED	1
#else
#define SANITIZED	0
#endif

/*
 * A flood of evictions and a watcher that never reads: lines are dropped
 * and counted, and neither child's memory grows with the flood.
 */
Test(watch, eviction_flood_stays_bounded)
{
	static const char *const args[] = { "-m", "8", NULL };
	pid_t	net, storage;
	long	net_before, storage_before;
	int	fd, w, i;

	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	cr_assert_gt(net = daemon_child(&d, "net"), 0);
	cr_assert_gt(storage = daemon_child(&d, "storage"), 0);
	cr_assert_geq(fd = client_connect(d.d_port), 0);
	/* Full, so that every store from now on evicts. */
	fill(fd, "warm,", 0, 100000, 20);
	cr_assert_gt(client_stat(fd, NULL, "evictions"), 0);
	w = watcher("watch evictions\r\n");
	cr_assert_gt(net_before = proc_rss_kb(net), 0);
	cr_assert_gt(storage_before = proc_rss_kb(storage), 0);
	/* About 100 bytes of lines each: far past every bound. */
	for (i = 0; i < 4; i++)
		fill(fd, "flood,", i * 100000, 100000, 20);
	cr_assert_gt(client_stat(fd, NULL, "evictions"), 400000);
	cr_assert_gt(client_stat(fd, NULL, "log_watcher_skipped"), 100000);
	cr_assert(SANITIZED || proc_rss_kb(net) - net_before < 4096,
	    "net grew by %ld KiB", proc_rss_kb(net) - net_before);
	cr_assert(SANITIZED || proc_rss_kb(storage) - storage_before < 4096,
	    "storage grew by %ld KiB", proc_rss_kb(storage) - storage_before);
	/* Neither child died of it. */
	cr_assert_eq(daemon_child(&d, "net"), net);
	cr_assert_eq(daemon_child(&d, "storage"), storage);
	close(w);
	close(fd);
}

/* memcached's conn_new and conn_close lines, with the close's reason. */
Test(watch, connevents_lines)
{
	static const char *const args[] = { "-o", "idle_timeout=1", NULL };
	static const unsigned char bin_quit[24] = { 0x80, 0x07 };
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	char			re[256];
	int			w, fd;

	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	w = watcher("watch connevents\r\n");
	/* quit: a normal close. */
	cr_assert_geq(fd = client_connect(d.d_port), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	cr_assert(client_expect(fd, "version\r\n", "\r\n",
	    "VERSION 1.6.18\r\n"));
	cr_assert_eq(client_sends(fd, "quit\r\n"), 0);
	(void)snprintf(re, sizeof(re), "^ts=[0-9]+\\.[0-9]+ gid=[0-9]+ "
	    "type=conn_new rip=127\\.0\\.0\\.1 rport=%u transport=tcp "
	    "cfd=[0-9]+\n$", (unsigned int)ntohs(sin.sin_port));
	expect_line(w, re);
	(void)snprintf(re, sizeof(re), "^ts=[0-9]+\\.[0-9]+ gid=[0-9]+ "
	    "type=conn_close rip=127\\.0\\.0\\.1 rport=%u transport=tcp "
	    "reason=normal cfd=[0-9]+\n$", (unsigned int)ntohs(sin.sin_port));
	expect_line(w, re);
	close(fd);
	/* The client hangs up: normal too. */
	cr_assert_geq(fd = client_connect(d.d_port), 0);
	expect_line(w, "type=conn_new rip=127\\.0\\.0\\.1 ");
	close(fd);
	expect_line(w, "type=conn_close rip=127\\.0\\.0\\.1 rport=[0-9]+ "
	    "transport=tcp reason=normal ");
	/* The binary protocol's quit is normal too. */
	cr_assert_geq(fd = client_connect(d.d_port), 0);
	expect_line(w, "type=conn_new ");
	cr_assert_eq(client_send(fd, bin_quit, sizeof(bin_quit)), 0);
	expect_line(w, "type=conn_close .* reason=normal ");
	close(fd);
	/* HTTP on the memcached port: hung up on, an error. */
	cr_assert_geq(fd = client_connect(d.d_port), 0);
	cr_assert_eq(client_sends(fd, "GET / HTTP/1.1\r\n"), 0);
	expect_line(w, "type=conn_new ");
	expect_line(w, "type=conn_close .* reason=error cfd=[0-9]+\n$");
	cr_assert(client_closed(fd));
	close(fd);
	/* An idle client: idle_timeout. */
	cr_assert_geq(fd = client_connect(d.d_port), 0);
	expect_line(w, "type=conn_new ");
	cr_assert(client_closed_within(fd, 5000));
	expect_line(w, "type=conn_close .* reason=idle_timeout ");
	close(fd);
	close(w);
}

/* delete and md that remove an item log memcached's deleted line. */
Test(watch, deletions_lines)
{
	static const char *const args[] = { NULL };
	int	w, fd;

	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	w = watcher("watch deletions\r\n");
	cr_assert_geq(fd = client_connect(d.d_port), 0);
	cr_assert(client_expect(fd, "set d,1 0 0 5\r\nhello\r\n", "\r\n",
	    "STORED\r\n"));
	cr_assert(client_expect(fd, "set d,2 0 0 2\r\nhi\r\n", "\r\n",
	    "STORED\r\n"));
	cr_assert(client_expect(fd, "delete d,1\r\n", "\r\n", "DELETED\r\n"));
	/* A miss deletes nothing and logs nothing. */
	cr_assert(client_expect(fd, "delete d,1\r\n", "\r\n",
	    "NOT_FOUND\r\n"));
	cr_assert(client_expect(fd, "md d,2\r\n", "\r\n", "HD\r\n"));
	expect_line(w, "^ts=[0-9]+\\.[0-9]+ gid=[0-9]+ type=deleted "
	    "key=d%2C1 cmd=delete clsid=[1-9][0-9]* size=5\n$");
	expect_line(w, "^ts=[0-9]+\\.[0-9]+ gid=[0-9]+ type=deleted "
	    "key=d%2C2 cmd=md clsid=[1-9][0-9]* size=2\n$");
	close(w);
	close(fd);
}

/*
 * A lookup that meets an expired or flushed item says so, as memcached's
 * item_get does.  Each request goes with the lookup that meets the dead
 * item in one packet, so one storage batch runs both and the background
 * crawler, which reclaims dead items within 100 ms, cannot come between:
 * a negative exptime stores an item already expired.
 */
Test(watch, expired_and_flushed_lines)
{
	static const char *const args[] = { NULL };
	int	w, fd;

	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	w = watcher("watch fetchers\r\n");
	cr_assert_geq(fd = client_connect(d.d_port), 0);
	cr_assert(client_expect(fd, "set e,1 0 -1 5\r\nhello\r\nget e,1\r\n",
	    "END\r\n", "STORED\r\nEND\r\n"));
	expect_line(w, "type=item_get key=e%2C1 status=not_found ");
	expect_line(w, "^ts=[0-9]+\\.[0-9]+ gid=[0-9]+ type=item_get "
	    "key=e%2C1 status=expired clsid=0 cfd=[0-9]+ size=0\n$");
	/* A store's lookup too. */
	cr_assert(client_expect(fd, "set e,2 0 -1 1\r\nx\r\nset e,2 0 0 1\r\n"
	    "y\r\n", "STORED\r\nSTORED\r\n", "STORED\r\nSTORED\r\n"));
	expect_line(w, "type=item_get key=e%2C2 status=not_found ");
	expect_line(w, "^ts=[0-9]+\\.[0-9]+ gid=[0-9]+ type=item_get "
	    "key=e%2C2 status=expired clsid=0 cfd=[0-9]+ size=0\n$");
	cr_assert(client_expect(fd, "flush_all\r\nget e,2\r\n", "END\r\n",
	    "OK\r\nEND\r\n"));
	expect_line(w, "^ts=[0-9]+\\.[0-9]+ gid=[0-9]+ type=item_get "
	    "key=e%2C2 status=flushed clsid=0 cfd=[0-9]+ size=0\n$");
	/* Reclaimed since: a plain miss. */
	cr_assert(client_expect(fd, "get e,2\r\n", "END\r\n", "END\r\n"));
	expect_line(w, "type=item_get key=e%2C2 status=not_found ");
	close(w);
	close(fd);
}

/* -W: memcached's answer, and the connection stays a client. */
Test(watch, disabled_by_W)
{
	static const char *const args[] = { "-W", NULL };
	int	fd;

	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	cr_assert_geq(fd = client_connect(d.d_port), 0);
	cr_assert(client_expect(fd, "watch mutations\r\n", "\r\n",
	    "CLIENT_ERROR watch commands not allowed\r\n"));
	cr_assert(client_expect(fd, "get x\r\n", "END\r\n", "END\r\n"));
	close(fd);
}

/* On the unix socket: memcached's rip=unix, rport=0, transport=local. */
Test(watch, connevents_on_the_unix_socket)
{
	char		 path[64];
	const char	*args[] = { "-s", path, NULL };
	int		 w, fd;

	(void)snprintf(path, sizeof(path), "/tmp/pc-watch-%d.sock",
	    (int)getpid());
	cr_assert_eq(daemon_start_unix(&d, args, path), 0);
	cr_assert_geq(w = client_connect_unix(path), 0);
	cr_assert(client_expect(w, "watch connevents\r\n", "\r\n", "OK\r\n"));
	cr_assert_geq(fd = client_connect_unix(path), 0);
	expect_line(w, "^ts=[0-9]+\\.[0-9]+ gid=[0-9]+ type=conn_new rip=unix "
	    "rport=0 transport=local cfd=[0-9]+\n$");
	cr_assert_eq(client_sends(fd, "quit\r\n"), 0);
	expect_line(w, "^ts=[0-9]+\\.[0-9]+ gid=[0-9]+ type=conn_close "
	    "rip=unix rport=0 transport=local reason=normal cfd=[0-9]+\n$");
	close(fd);
	close(w);
	(void)unlink(path);
}

/*
 * With several net children, storage reports evictions to each that
 * asks, whichever child's client caused them.  The children take
 * connections as they wake: six watchers all but surely sit on more than
 * one of them.
 */
Test(watch, evictions_reach_every_net_child)
{
	static const char *const args[] = { "-m", "8", "-t", "3", NULL };
	int	fd, w[6], i;

	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	for (i = 0; i < 6; i++)
		w[i] = watcher("watch evictions\r\n");
	cr_assert_geq(fd = client_connect(d.d_port), 0);
	fill(fd, "t,", 0, 1200, 10000);
	for (i = 0; i < 6; i++) {
		expect_line(w[i], "^ts=[0-9]+\\.[0-9]+ gid=[0-9]+ "
		    "type=eviction key=t%2C[0-9]+ fetch=no ttl=-1 ");
		close(w[i]);
	}
	close(fd);
}

/* A new storage child is told again what the watchers want. */
Test(watch, evictions_after_storage_restarts)
{
	static const char *const args[] = { "-m", "8", NULL };
	pid_t	storage;
	int	fd, w;

	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	w = watcher("watch evictions\r\n");
	cr_assert_gt(storage = daemon_child(&d, "storage"), 0);
	cr_assert_eq(kill(storage, SIGKILL), 0);
	cr_assert_gt(daemon_wait_new_child(&d, "storage", storage, 10000), 0);
	cr_assert(client_expect_within(d.d_port, "version\r\n", "\r\n",
	    "VERSION 1.6.18\r\n", 10000));
	cr_assert_geq(fd = client_connect(d.d_port), 0);
	/* Until the new one answers, stores may find no storage. */
	cr_assert(client_expect_within(d.d_port, "set probe 0 0 1\r\nx\r\n",
	    "\r\n", "STORED\r\n", 10000));
	fill(fd, "r,", 0, 1200, 10000);
	expect_line(w, "^ts=[0-9]+\\.[0-9]+ gid=[0-9]+ type=eviction "
	    "key=r%2C[0-9]+ fetch=no ttl=-1 ");
	close(w);
	close(fd);
}
