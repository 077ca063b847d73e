/*
 * A hostile-client battery against the real daemon: malformed, oversized
 * and overflowing requests in all three protocols, smuggling through
 * refused data blocks, connection floods, slow and silent clients, lying
 * binary lengths.  Each test starts its own daemon and, after every case,
 * checks that it still answers a fresh connection, that a key stored at
 * the start is intact and that neither child was replaced (a crash would
 * show as a new pid, or as no pid at all).
 */

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "daemon.h"

#define MARKER_KEY	"hostile_marker"
#define MARKER_VALUE	"intact-0123456789"
#define BIG_VALUE	(500 * 1024)
/* What a hostile client may make a child grow by, in KiB. */
#define RSS_BOUND_KB	(64 * 1024)
/*
 * Silent readers may each hold the per-connection output cap (16 MiB by
 * default) unsent: the bound for n of them.
 */
#define OUTCAP_KB	(16 * 1024)

/*
 * Under ASan the daemon's RSS holds the allocator's quarantine and shadow
 * memory, and everything runs several times slower: bounds on memory and
 * time are checked in the ordinary build only.
 */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED	1
#else
#define SANITIZED	0
#endif

static struct daemon	d;
static pid_t		net_pid, storage_pid;

static void
fini(void)
{
	daemon_stop(&d);
}

TestSuite(hostile, .fini = fini, .timeout = 30);

/* VmRSS of pid in KiB. */
static long
rss_kb(pid_t pid)
{
	char	buf[64];

	cr_assert_eq(proc_status_field(pid, "VmRSS", buf, sizeof(buf)), 0,
	    "no VmRSS for %d", (int)pid);
	return (strtol(buf, NULL, 10));
}

/*
 * 1 once the server has hung up (within 3 s), whatever is still unread: a
 * close with our bytes unread in its socket arrives as a reset.
 */
static int
peer_gone(int fd)
{
	struct pollfd	pfd = { fd, POLLIN, 0 };
	char		buf[4096];
	ssize_t		n;
	long		deadline = client_now_ms() + 3000;

	while (client_now_ms() < deadline) {
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		if ((n = recv(fd, buf, sizeof(buf), 0)) == 0)
			return (1);
		if (n == -1)
			return (errno == ECONNRESET);
	}
	return (0);
}

static int
connect_ok(void)
{
	int	fd;

	cr_assert_neq(fd = client_connect(d.d_port), -1, "connect");
	return (fd);
}

/* Stores key with a value of n bytes of c, on its own connection. */
static void
store(const char *key, char c, size_t n)
{
	char	*req;
	size_t	 len;
	int	 fd = connect_ok();

	cr_assert_not_null(req = malloc(n + 512));
	len = (size_t)snprintf(req, 512, "set %s 0 0 %zu\r\n", key, n);
	memset(req + len, c, n);
	memcpy(req + len + n, "\r\n", 2);
	cr_assert_eq(client_send(fd, req, len + n + 2), 0);
	cr_assert(client_expect(fd, NULL, "\r\n", "STORED\r\n"));
	free(req);
	close(fd);
}

/*
 * Starts the daemon with args, stores the marker, notes both children.
 * Every hostile case is judged against this state.
 */
static void
start(const char *const args[])
{
	int	fd;

	cr_assert_eq(daemon_start(&d, NULL, args), 0, "daemon did not start");
	fd = connect_ok();
	cr_assert(client_expect(fd, "set " MARKER_KEY " 7 0 " "17\r\n"
	    MARKER_VALUE "\r\n", "\r\n", "STORED\r\n"));
	close(fd);
	cr_assert_gt(net_pid = daemon_child(&d, "net"), 0);
	cr_assert_gt(storage_pid = daemon_child(&d, "storage"), 0);
}

/* After every case: alive, same children, the marker unchanged. */
static void
check_intact(const char *after)
{
	int	fd;

	cr_assert_eq(daemon_child(&d, "net"), net_pid,
	    "%s: the net child was replaced or died", after);
	cr_assert_eq(daemon_child(&d, "storage"), storage_pid,
	    "%s: the storage child was replaced or died", after);
	fd = connect_ok();
	cr_assert(client_expect(fd, "get " MARKER_KEY "\r\n", "END\r\n",
	    "VALUE " MARKER_KEY " 7 17\r\n" MARKER_VALUE "\r\nEND\r\n"),
	    "%s: the marker is not intact", after);
	close(fd);
}

/*
 * Waits (up to 10 s) until the net child takes in no more bytes than our
 * own "stats" and its RSS stays within 64 KiB, three looks in a row:
 * whatever a flood was going to do to it is done.  Its RSS then; the
 * highest seen on the way in *peak.
 */
static long
net_settled(long *peak)
{
	long long	read0, read1;
	long		rss0, rss1, top, deadline;
	int		fd, calm = 0;

	fd = connect_ok();
	read0 = client_stat(fd, NULL, "bytes_read");
	top = rss0 = rss_kb(net_pid);
	deadline = client_now_ms() + 10000;
	while (calm < 3 && client_now_ms() < deadline) {
		/* The interval between looks, not a wait in itself. */
		client_sleep_ms(100);
		read1 = client_stat(fd, NULL, "bytes_read");
		rss1 = rss_kb(net_pid);
		if (rss1 > top)
			top = rss1;
		if (read1 - read0 <= (long long)sizeof("stats\r\n") - 1 &&
		    labs(rss1 - rss0) <= 64)
			calm++;
		else
			calm = 0;
		read0 = read1;
		rss0 = rss1;
	}
	close(fd);
	cr_assert(read0 != -1, "no bytes_read stat");
	cr_assert(SANITIZED || calm == 3, "the net child never settled");
	if (peak != NULL)
		*peak = top;
	return (rss0);
}

/* What a stats connection learns: until want accepts were handled. */
struct accepts {
	int		a_fd;
	long long	a_want;
};

/* Every connection accepted so far, served or refused. */
static long long
accepts_handled(int fd)
{
	return (client_stat(fd, NULL, "total_connections") +
	    client_stat(fd, NULL, "rejected_connections") +
	    client_stat(fd, NULL, "privcached_rejected_per_address"));
}

static int
accepts_reached(void *arg)
{
	struct accepts	*a = arg;

	return (accepts_handled(a->a_fd) >= a->a_want);
}

/*
 * Sends req on a fresh connection; the reply must start with want, read
 * until its last line (or the first line when want is only a prefix).
 */
static void
expect_prefix(const char *req, size_t len, const char *want)
{
	char		 buf[4096];
	const char	*end = "\r\n";
	size_t		 wl = strlen(want), i;
	int		 fd = connect_ok();

	if (wl >= 4 && strcmp(want + wl - 2, "\r\n") == 0) {
		for (i = wl - 2; i >= 2; i--)
			if (want[i - 2] == '\r' && want[i - 1] == '\n')
				break;
		end = want + (i >= 2 ? i : 0);
	}
	cr_assert_eq(client_send(fd, req, len), 0);
	client_recv_until(fd, buf, sizeof(buf), end);
	cr_assert(strncmp(buf, want, strlen(want)) == 0,
	    "request [%.60s]: got [%.200s], want [%s]", req, buf, want);
	close(fd);
}

/* Sends req; the reply must be exactly want and the server hang up. */
static void
expect_close(const char *req, size_t len, const char *want)
{
	char	buf[4096];
	int	fd = connect_ok();

	/* The server may hang up before it has read everything. */
	(void)client_send(fd, req, len);
	client_recv_until(fd, buf, sizeof(buf), "\r\n");
	cr_assert_str_eq(buf, want, "request [%.60s]", req);
	cr_assert(peer_gone(fd), "request [%.60s]: not closed", req);
	close(fd);
}

#define EXPECT(req, want)	expect_prefix((req), sizeof(req) - 1, (want))
#define EXPECT_CLOSE(req, want)	expect_close((req), sizeof(req) - 1, (want))

/* A binary request header; the body follows separately. */
static size_t
bin_hdr(uint8_t *p, uint8_t op, uint16_t klen, uint8_t elen, uint32_t body,
    uint32_t opaque)
{
	memset(p, 0, 24);
	p[0] = 0x80;
	p[1] = op;
	p[2] = klen >> 8;
	p[3] = klen & 0xff;
	p[4] = elen;
	p[8] = body >> 24;
	p[9] = (body >> 16) & 0xff;
	p[10] = (body >> 8) & 0xff;
	p[11] = body & 0xff;
	p[12] = opaque >> 24;
	p[13] = (opaque >> 16) & 0xff;
	p[14] = (opaque >> 8) & 0xff;
	p[15] = opaque & 0xff;
	return (24);
}

/* Reads one binary response header; its status, or -1. */
static int
bin_status(int fd, uint32_t *bodylen)
{
	uint8_t		hdr[24];
	size_t		got = 0;
	struct pollfd	pfd = { fd, POLLIN, 0 };
	ssize_t		n;

	while (got < sizeof(hdr)) {
		if (poll(&pfd, 1, 3000) <= 0)
			return (-1);
		if ((n = recv(fd, hdr + got, sizeof(hdr) - got, 0)) <= 0)
			return (-1);
		got += n;
	}
	if (hdr[0] != 0x81)
		return (-1);
	*bodylen = (uint32_t)hdr[8] << 24 | (uint32_t)hdr[9] << 16 |
	    (uint32_t)hdr[10] << 8 | hdr[11];
	return (hdr[6] << 8 | hdr[7]);
}

/* Skips n bytes of a response body. */
static void
bin_skip(int fd, uint32_t n)
{
	char	buf[1024];
	ssize_t	r;

	while (n > 0) {
		r = recv(fd, buf, n < sizeof(buf) ? n : sizeof(buf), 0);
		cr_assert_gt(r, 0, "short binary body");
		n -= r;
	}
}

Test(hostile, text_malformed_and_oversized)
{
	char	*line;
	size_t	 n;

	start(NULL);
	EXPECT("\r\n", "ERROR\r\n");
	EXPECT("bogus command\r\n", "ERROR\r\n");
	EXPECT("get\r\n", "ERROR\r\n");
	EXPECT("\x01\x02\xff\xfe\r\n", "ERROR\r\n");
	EXPECT("get a\x01" "b\r\n", "CLIENT_ERROR bad command line format");
	EXPECT("delete\r\n", "ERROR\r\n");
	EXPECT("incr k\r\n", "ERROR\r\n");
	EXPECT("touch k\r\n", "ERROR\r\n");
	EXPECT("verbosity a b c\r\n", "ERROR\r\n");
	EXPECT("stats bogus\r\n", "ERROR\r\n");
	EXPECT("get a b c d e f g h i j k l m n o p q r s t\r\n", "END\r\n");
	EXPECT("delete a b c d e\r\n", "ERROR\r\n");
	/* Nine tokens or more on commands that take few. */
	EXPECT("incr a 1 2 3 4 5 6 7 8 9\r\n", "ERROR\r\n");
	EXPECT("touch a 1 2 3 4 5 6 7 8 9\r\n", "ERROR\r\n");
	EXPECT("stats a b c d e f g h i\r\n", "ERROR\r\n");
	/*
	 * A storage line without a trustworthy length hangs up, with
	 * memcached's answer to a wrong token count.
	 */
	EXPECT_CLOSE("set k\r\n", "ERROR\r\n");
	EXPECT_CLOSE("set k 0 0\r\n", "ERROR\r\n");
	EXPECT_CLOSE("set k 0 0 abc\r\n",
	    "CLIENT_ERROR bad command line format\r\n");
	EXPECT_CLOSE("set k 0 0 1 2 3 4 5 6 7\r\nx\r\n",
	    "CLIENT_ERROR bad command line format\r\n");
	EXPECT_CLOSE("cas k 0 0 1\r\nx\r\n", "ERROR\r\n");
	check_intact("malformed text");

	/* Keys of 250 and 251 bytes. */
	cr_assert_not_null(line = malloc(512));
	memcpy(line, "get ", 4);
	memset(line + 4, 'k', 251);
	memcpy(line + 4 + 251, "\r\n", 3);
	expect_prefix(line, strlen(line),
	    "CLIENT_ERROR bad command line format");
	memmove(line + 4 + 250, "\r\n", 3);
	expect_prefix(line, strlen(line), "END\r\n");
	n = (size_t)snprintf(line, 512, "set ");
	memset(line + n, 'k', 251);
	n += 251;
	n += (size_t)snprintf(line + n, 512 - n, " 0 0 1\r\nx\r\nget %s\r\n",
	    MARKER_KEY);
	expect_prefix(line, n, "CLIENT_ERROR bad command line format\r\n"
	    "VALUE " MARKER_KEY " 7 17\r\n" MARKER_VALUE "\r\nEND\r\n");
	free(line);
	check_intact("oversized keys");
}

Test(hostile, text_number_overflow)
{
	int	fd;

	start(NULL);
	/* Flags are 32 bits; exptime 64; lengths 32; cas and deltas 64. */
	EXPECT("set k 4294967296 0 1\r\nx\r\n",
	    "CLIENT_ERROR bad command line format\r\n");
	EXPECT("set k -1 0 1\r\nx\r\n",
	    "CLIENT_ERROR bad command line format\r\n");
	EXPECT("set k 0 9223372036854775808 1\r\nx\r\n",
	    "CLIENT_ERROR bad command line format\r\n");
	EXPECT("set k 0 -9223372036854775809 1\r\nx\r\n",
	    "CLIENT_ERROR bad command line format\r\n");
	EXPECT("set k 0 99999999999999999999999 1\r\nx\r\n",
	    "CLIENT_ERROR bad command line format\r\n");
	EXPECT_CLOSE("set k 0 0 4294967296\r\nx\r\n",
	    "CLIENT_ERROR bad command line format\r\n");
	EXPECT_CLOSE("set k 0 0 18446744073709551616\r\nx\r\n",
	    "CLIENT_ERROR bad command line format\r\n");
	EXPECT_CLOSE("set k 0 0 -1\r\nx\r\n",
	    "CLIENT_ERROR bad command line format\r\n");
	EXPECT("cas k 0 0 1 18446744073709551616\r\nx\r\n",
	    "CLIENT_ERROR bad command line format\r\n");
	EXPECT("incr k 18446744073709551616\r\n",
	    "CLIENT_ERROR invalid numeric delta argument\r\n");
	EXPECT("decr k -1\r\n", "CLIENT_ERROR invalid numeric delta argument");
	EXPECT("touch k 99999999999999999999\r\n",
	    "CLIENT_ERROR invalid exptime argument\r\n");
	EXPECT("gat 99999999999999999999 k\r\n",
	    "CLIENT_ERROR invalid exptime argument\r\n");
	EXPECT("flush_all 99999999999999999999\r\n",
	    "CLIENT_ERROR invalid exptime argument\r\n");
	EXPECT("verbosity 4294967296\r\n",
	    "CLIENT_ERROR bad command line format\r\n");

	/* Wrap-around: incr wraps at 2^64, decr stops at 0. */
	fd = connect_ok();
	cr_assert(client_expect(fd, "set n 0 0 20\r\n18446744073709551615\r\n",
	    "\r\n", "STORED\r\n"));
	cr_assert(client_expect(fd, "incr n 2\r\n", "\r\n", "1\r\n"));
	cr_assert(client_expect(fd, "decr n 18446744073709551615\r\n", "\r\n",
	    "0\r\n"));
	cr_assert(client_expect(fd, "incr n 18446744073709551615\r\n", "\r\n",
	    "18446744073709551615\r\n"));
	close(fd);
	check_intact("number overflow");
}

Test(hostile, meta_malformed_and_overflow)
{
	char	line[1024];
	size_t	n;

	start(NULL);
	EXPECT("mg\r\n", "ERROR\r\n");
	EXPECT("mz k\r\n", "ERROR\r\n");
	EXPECT("mg k v v\r\n", "CLIENT_ERROR duplicate flag\r\n");
	EXPECT("mg k \x01\r\n", "CLIENT_ERROR");
	EXPECT("mg k T99999999999\r\n",
	    "CLIENT_ERROR bad token in command line format\r\n");
	EXPECT("mg k C18446744073709551616\r\n",
	    "CLIENT_ERROR bad token in command line format\r\n");
	EXPECT("mg k O012345678901234567890123456789012\r\n",
	    "CLIENT_ERROR opaque token too long\r\n");
	EXPECT("mg !!!! b v\r\n", "CLIENT_ERROR error decoding key\r\n");
	EXPECT("mg k a b c d e f g h i j k l m n o p q r s t u\r\n",
	    "CLIENT_ERROR options flags are too long\r\n");
	EXPECT("ma n D18446744073709551616\r\n",
	    "CLIENT_ERROR invalid or duplicate flag\r\n");
	EXPECT("ma n J-1\r\n", "CLIENT_ERROR invalid or duplicate flag\r\n");
	EXPECT("md k Zq\r\n", "CLIENT_ERROR invalid or duplicate flag\r\n");
	/* ms without a trustworthy length hangs up. */
	EXPECT_CLOSE("ms k\r\n", "CLIENT_ERROR bad command line format\r\n");
	EXPECT_CLOSE("ms k 2147483646\r\nx\r\n",
	    "CLIENT_ERROR bad command line format\r\n");
	EXPECT_CLOSE("ms k 99999999999999999999\r\nx\r\n",
	    "CLIENT_ERROR bad command line format\r\n");
	EXPECT_CLOSE("ms k -1\r\nx\r\n",
	    "CLIENT_ERROR bad command line format\r\n");
	/* A refused ms with a length swallows its block. */
	EXPECT("ms k 5 MZ\r\nhello\r\nmn\r\n",
	    "CLIENT_ERROR invalid mode for ms M token\r\nMN\r\n");
	EXPECT("ms k 5 F4294967296\r\nhello\r\nmn\r\n",
	    "CLIENT_ERROR bad command line format\r\nMN\r\n");
	/* A 251-byte key. */
	n = (size_t)snprintf(line, sizeof(line), "mg ");
	memset(line + n, 'k', 251);
	n += 251;
	n += (size_t)snprintf(line + n, sizeof(line) - n, " v\r\nmn\r\n");
	expect_prefix(line, n, "CLIENT_ERROR bad command line format\r\n"
	    "MN\r\n");
	check_intact("malformed meta");
}

/*
 * A block that, run as commands, would flush the cache and overwrite the
 * marker: nothing of it may run.
 */
#define SMUGGLED	"flush_all\r\nset " MARKER_KEY " 0 0 6\r\nhacked\r\n" \
			"ms " MARKER_KEY " 6\r\nhacked\r\n"

static void
smuggle_text(const char *line, size_t datalen, const char *want)
{
	char	*req;
	size_t	 n;

	cr_assert_not_null(req = malloc(datalen + 1024));
	n = (size_t)snprintf(req, 1024, "%s", line);
	cr_assert_geq(datalen, sizeof(SMUGGLED) - 1);
	memcpy(req + n, SMUGGLED, sizeof(SMUGGLED) - 1);
	memset(req + n + sizeof(SMUGGLED) - 1, 'p', datalen -
	    (sizeof(SMUGGLED) - 1));
	n += datalen;
	n += (size_t)snprintf(req + n, 1024, "\r\nmn\r\n");
	expect_prefix(req, n, want);
	free(req);
	check_intact(line);
}

Test(hostile, smuggling_in_refused_blocks)
{
	char	 line[128];
	uint8_t	 pkt[512];
	size_t	 n, body;
	int	 fd;
	uint32_t blen;

	start(NULL);
	/* Too large for the cache (-I 1m): refused, block swallowed. */
	(void)snprintf(line, sizeof(line), "set big 0 0 %d\r\n", 1048577);
	smuggle_text(line, 1048577,
	    "SERVER_ERROR object too large for cache\r\nMN\r\n");
	(void)snprintf(line, sizeof(line), "ms big %d\r\n", 1048577);
	smuggle_text(line, 1048577,
	    "SERVER_ERROR object too large for cache\r\nMN\r\n");
	/* Bad key, bad flags, bad exptime, bad cas: refused after the block. */
	smuggle_text("set a\x01" "b 0 0 100\r\n", 100,
	    "CLIENT_ERROR bad command line format\r\nMN\r\n");
	smuggle_text("set k abc 0 100\r\n", 100,
	    "CLIENT_ERROR bad command line format\r\nMN\r\n");
	smuggle_text("set k 0 x 100\r\n", 100,
	    "CLIENT_ERROR bad command line format\r\nMN\r\n");
	smuggle_text("cas k 0 0 100 x\r\n", 100,
	    "CLIENT_ERROR bad command line format\r\nMN\r\n");
	smuggle_text("set k 0 0 100 noreply\r\n", 100, "MN\r\n");
	smuggle_text("ms k 100 MZ\r\n", 100,
	    "CLIENT_ERROR invalid mode for ms M token\r\nMN\r\n");
	smuggle_text("ms k 100 !\r\n", 100,
	    "CLIENT_ERROR invalid flag\r\nMN\r\n");
	smuggle_text("ms k 100 v v\r\n", 100,
	    "CLIENT_ERROR duplicate flag\r\nMN\r\n");
	/* An untrustworthy length: the connection closes, nothing runs. */
	EXPECT_CLOSE("set k 0 0 -5\r\n" SMUGGLED,
	    "CLIENT_ERROR bad command line format\r\n");
	check_intact("set with a negative length");

	/*
	 * Binary: a set whose value is over -I is answered E2BIG and its
	 * body, holding a flush and a set of the marker, is dropped.
	 */
	fd = connect_ok();
	body = 8 + 3 + 1048577;
	n = bin_hdr(pkt, 0x01, 3, 8, (uint32_t)body, 1);
	memset(pkt + n, 0, 8);
	n += 8;
	memcpy(pkt + n, "big", 3);
	n += 3;
	cr_assert_eq(client_send(fd, pkt, n), 0);
	body -= 11;
	n = bin_hdr(pkt, 0x08, 0, 0, 0, 2);		/* flush */
	n += bin_hdr(pkt + n, 0x01, sizeof(MARKER_KEY) - 1, 8,
	    8 + sizeof(MARKER_KEY) - 1 + 6, 3);
	memset(pkt + n, 0, 8);
	n += 8;
	memcpy(pkt + n, MARKER_KEY "hacked", sizeof(MARKER_KEY) - 1 + 6);
	n += sizeof(MARKER_KEY) - 1 + 6;
	cr_assert_eq(client_send(fd, pkt, n), 0);
	body -= n;
	while (body > 0) {
		memset(pkt, 'p', sizeof(pkt));
		n = body < sizeof(pkt) ? body : sizeof(pkt);
		cr_assert_eq(client_send(fd, pkt, n), 0);
		body -= n;
	}
	n = bin_hdr(pkt, 0x0a, 0, 0, 0, 4);		/* noop */
	cr_assert_eq(client_send(fd, pkt, n), 0);
	cr_assert_eq(bin_status(fd, &blen), 0x0003, "E2BIG expected");
	bin_skip(fd, blen);
	cr_assert_eq(bin_status(fd, &blen), 0, "noop after the body");
	close(fd);
	check_intact("binary set over -I");
}

Test(hostile, connection_flood)
{
	const char	*args[] = { "-c", "20", NULL };
	struct rlimit	 rl;
	struct accepts	 acc;
	char		 buf[256];
	ssize_t		 got;
	int		 fds[900], i, n, sfd, rejected = 0;

	/* Default -c 1024: 900 clients at once, all served. */
	start(NULL);
	cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_cur < 1024 && rl.rlim_max >= 1024) {
		rl.rlim_cur = 1024;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	n = rl.rlim_cur >= 1024 ? 900 : (int)rl.rlim_cur - 64;
	for (i = 0; i < n; i++)
		cr_assert_neq(fds[i] = client_connect(d.d_port), -1,
		    "connection %d", i);
	for (i = 0; i < n; i++)
		cr_assert_eq(client_sends(fds[i], "version\r\n"), 0);
	/*
	 * All served, or (a per-address limit being worked on) the first
	 * few hundred served and the rest refused with an ERROR line.
	 */
	for (i = 0; i < n; i++) {
		client_recv_until(fds[i], buf, sizeof(buf), "\r\n");
		if (i >= 256 && strncmp(buf, "ERROR Too many connections",
		    26) == 0)
			continue;
		cr_assert(strncmp(buf, "VERSION ", 8) == 0,
		    "connection %d of %d: [%s]", i, n, buf);
	}
	for (i = 0; i < n; i++)
		close(fds[i]);
	check_intact("900 connections");
	daemon_stop(&d);

	/* -c 20: past it, the memcached error and a hang-up. */
	start(args);
	/* The connections of start() closed and counted out: ours alone. */
	sfd = connect_ok();
	cr_assert_eq(client_stat_wait(sfd, NULL, "curr_connections", 1, 5000),
	    1);
	acc.a_fd = sfd;
	acc.a_want = accepts_handled(sfd) + 30;
	for (i = 0; i < 30; i++)
		cr_assert_neq(fds[i] = client_connect(d.d_port), -1);
	/*
	 * A refused client hears at once, before it says anything (data
	 * it sent could turn the server's close into a reset): so listen
	 * only once the server has handled all thirty.
	 */
	cr_assert(client_wait_for(accepts_reached, &acc, 10000),
	    "the server did not handle 30 connections within 10 s");
	for (i = 0; i < 30; i++) {
		got = recv(fds[i], buf, sizeof(buf) - 1, MSG_DONTWAIT);
		if (got > 0) {
			buf[got] = '\0';
			/* -c, or the per-address limit being worked on. */
			cr_assert(strcmp(buf,
			    "ERROR Too many open connections\r\n") == 0 ||
			    strcmp(buf, "ERROR Too many connections from "
			    "your address\r\n") == 0, "refused with [%s]", buf);
			cr_assert(peer_gone(fds[i]));
			rejected++;
			continue;
		}
		cr_assert_eq(client_sends(fds[i], "version\r\n"), 0);
		client_recv_until(fds[i], buf, sizeof(buf), "\r\n");
		cr_assert(strncmp(buf, "VERSION ", 8) == 0,
		    "connection %d neither served nor refused: [%s]", i, buf);
	}
	cr_assert_geq(rejected, 10, "%d of 30 rejected at -c 20", rejected);
	for (i = 0; i < 30; i++)
		close(fds[i]);
	/* Room again below -c for check_intact's connection. */
	cr_assert_eq(client_stat_wait(sfd, NULL, "curr_connections", 1, 5000),
	    1);
	close(sfd);
	check_intact("connections past -c");
}

/* Sends len bytes one at a time, with a pause now and then. */
static void
send_slowly(int fd, const void *s, size_t len)
{
	const char	*p = s;
	size_t		 i;

	for (i = 0; i < len; i++) {
		cr_assert_eq(client_send(fd, p + i, 1), 0);
		/* The slowness is the workload: bytes in separate reads. */
		if (i % 8 == 0)
			client_sleep_ms(1);
	}
}

Test(hostile, byte_at_a_time)
{
	uint8_t	pkt[128];
	size_t	n;
	int	fd, fds[16], i;
	char	buf[512], want[256];

	start(NULL);
	fd = connect_ok();
	send_slowly(fd, "set slow 3 0 5\r\nhello\r\nget slow\r\n", 33);
	cr_assert(client_expect(fd, NULL, "END\r\n",
	    "STORED\r\nVALUE slow 3 5\r\nhello\r\nEND\r\n"));
	send_slowly(fd, "ms slow2 2 T0\r\nhi\r\nmg slow2 v\r\n", 31);
	cr_assert(client_expect(fd, NULL, "hi\r\n",
	    "HD\r\nVA 2\r\nhi\r\n"));
	close(fd);

	/* Binary: a get of the marker, a byte at a time. */
	fd = connect_ok();
	n = bin_hdr(pkt, 0x00, sizeof(MARKER_KEY) - 1, 0,
	    sizeof(MARKER_KEY) - 1, 9);
	memcpy(pkt + n, MARKER_KEY, sizeof(MARKER_KEY) - 1);
	n += sizeof(MARKER_KEY) - 1;
	send_slowly(fd, pkt, n);
	{
		uint32_t	blen;

		cr_assert_eq(bin_status(fd, &blen), 0);
		cr_assert_eq(blen, 4 + sizeof(MARKER_VALUE) - 1);
		bin_skip(fd, blen);
	}
	close(fd);

	/* Sixteen slow clients interleaved, byte by byte. */
	for (i = 0; i < 16; i++)
		fds[i] = connect_ok();
	for (n = 0; n < sizeof("get " MARKER_KEY "\r\n") - 1; n++)
		for (i = 0; i < 16; i++)
			cr_assert_eq(client_send(fds[i],
			    &("get " MARKER_KEY "\r\n")[n], 1), 0);
	(void)snprintf(want, sizeof(want), "VALUE %s 7 17\r\n%s\r\nEND\r\n",
	    MARKER_KEY, MARKER_VALUE);
	for (i = 0; i < 16; i++) {
		client_recv_until(fds[i], buf, sizeof(buf), "END\r\n");
		cr_assert_str_eq(buf, want, "slow client %d", i);
		close(fds[i]);
	}
	check_intact("byte-at-a-time senders");
}

/* Sends what the socket takes without blocking; bytes sent. */
static size_t
send_some(int fd, const char *p, size_t len)
{
	ssize_t	n;
	size_t	sent = 0;

	while (sent < len) {
		n = send(fd, p + sent, len - sent, MSG_NOSIGNAL |
		    MSG_DONTWAIT);
		if (n <= 0)
			break;
		sent += n;
	}
	return (sent);
}

Test(hostile, silent_readers_of_large_values)
{
	const char	 req[] = "get big\r\n";
	long		 before, after;
	int		 fds[8], i, j, small = 4096;

	start(NULL);
	store("big", 'b', BIG_VALUE);
	before = net_settled(NULL);
	/*
	 * Eight clients that ask for 500 KB again and again and never
	 * read: each could pull 100 MB through the server.
	 */
	for (i = 0; i < 8; i++) {
		fds[i] = connect_ok();
		(void)setsockopt(fds[i], SOL_SOCKET, SO_RCVBUF, &small,
		    sizeof(small));
	}
	for (j = 0; j < 200; j++)
		for (i = 0; i < 8; i++)
			(void)send_some(fds[i], req, sizeof(req) - 1);
	/* Measured once the server has taken in all it will of them. */
	(void)net_settled(&after);
	cr_assert(SANITIZED || after - before < 8 * OUTCAP_KB + RSS_BOUND_KB,
	    "net child grew by %ld KiB with 8 silent readers", after - before);
	check_intact("silent readers");
	for (i = 0; i < 8; i++)
		close(fds[i]);
	check_intact("silent readers gone");
}

/* "get big big big ...": 16000 times one 500 KB key in a 64 KB line. */
static int
send_multiget(void)
{
	char	*line;
	size_t	 n;
	int	 fd;

	cr_assert_not_null(line = malloc(70000));
	n = (size_t)snprintf(line, 70000, "get");
	while (n + 4 + 2 < 64000) {
		memcpy(line + n, " big", 4);
		n += 4;
	}
	memcpy(line + n, "\r\n", 2);
	n += 2;
	fd = connect_ok();
	cr_assert_eq(client_send(fd, line, n), 0);
	free(line);
	return (fd);
}

/*
 * 8 GB of reply asked for with 64 KB: the client that does not read must
 * be cut off, and neither child may balloon meanwhile.
 */
Test(hostile, multiget_of_one_large_key)
{
	struct pollfd	pfd;
	long		net0, sto0, deadline, r, peak_net = 0, peak_sto = 0;
	int		fd, gone = 0;

	start(NULL);
	store("big", 'b', BIG_VALUE);
	net0 = net_settled(NULL);
	sto0 = rss_kb(storage_pid);
	fd = send_multiget();
	/* Never read: the server must hang up (output cap) by itself. */
	deadline = client_now_ms() + 15000;
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (client_now_ms() < deadline && !gone) {
		/* Only a hang-up wakes us: data stays unread in the socket. */
		pfd.events = POLLRDHUP;
		if (poll(&pfd, 1, 100) > 0 &&
		    (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR)))
			gone = 1;
		if ((r = rss_kb(net_pid)) > peak_net)
			peak_net = r;
		if ((r = rss_kb(storage_pid)) > peak_sto)
			peak_sto = r;
	}
	close(fd);
	cr_assert(gone, "a multi-get of 8 GB was not cut off within 15 s");
	cr_assert(SANITIZED || peak_net - net0 < RSS_BOUND_KB,
	    "net grew %ld KiB", peak_net - net0);
	cr_assert(SANITIZED || peak_sto - sto0 < RSS_BOUND_KB,
	    "storage grew %ld KiB", peak_sto - sto0);
	check_intact("multi-get of one large key");
}

/* How long check_intact takes now, in ms. */
static long
probe_ms(const char *what)
{
	long	t0 = client_now_ms();

	check_intact(what);
	return (client_now_ms() - t0);
}

/*
 * The same request must not hold up everyone else: another client's get
 * is answered while it runs, and after its sender left.  A stall would
 * hold most probes for seconds; a loaded machine slows a few, and the
 * baseline measured first says how slow this machine is now.
 */
Test(hostile, multiget_does_not_stall_others)
{
	struct pollfd	pfd;
	long		base = 0, bound, dt, worst = 0;
	int		fd, i, slow = 0;

	if (SANITIZED)
		cr_skip_test("a latency bound means nothing under ASan");
	start(NULL);
	store("big", 'b', BIG_VALUE);
	for (i = 0; i < 5; i++)
		if ((dt = probe_ms("before the multi-get")) > base)
			base = dt;
	bound = 1000 + 10 * base;
	fd = send_multiget();
	/* The server is working on it once its reply starts to arrive. */
	pfd.fd = fd;
	pfd.events = POLLIN;
	cr_assert_eq(poll(&pfd, 1, 5000), 1, "no reply to the multi-get");
	close(fd);
	for (i = 0; i < 10; i++) {
		if ((dt = probe_ms("during a stalled multi-get")) > bound)
			slow++;
		if (dt > worst)
			worst = dt;
		/* Spreads the probes over the multi-get's lifetime. */
		client_sleep_ms(300);
	}
	cr_assert_leq(slow, 2, "%d of 10 probes over %ld ms (worst %ld ms, "
	    "baseline %ld ms)", slow, bound, worst, base);
}

Test(hostile, endless_line)
{
	char	chunk[4096], buf[256];
	size_t	sent = 0;
	int	fd;

	start(NULL);
	fd = connect_ok();
	memset(chunk, 'a', sizeof(chunk));
	memcpy(chunk, "get ", 4);
	/* Past the 64 KiB line limit, without a newline. */
	while (sent < 200 * 1024 && client_send(fd, chunk,
	    sizeof(chunk)) == 0) {
		sent += sizeof(chunk);
		memset(chunk, 'a', 4);
	}
	client_recv_until(fd, buf, sizeof(buf), "\r\n");
	cr_assert_str_eq(buf, "CLIENT_ERROR line too long\r\n");
	cr_assert(peer_gone(fd));
	close(fd);
	check_intact("endless line");

	/* Binary: a 64 KB key length is refused before any of it arrives. */
	{
		uint8_t		pkt[24];
		uint32_t	blen;

		fd = connect_ok();
		(void)bin_hdr(pkt, 0x00, 0xffff, 0, 0xffff, 1);
		cr_assert_eq(client_send(fd, pkt, sizeof(pkt)), 0);
		cr_assert_eq(bin_status(fd, &blen), 0x0004, "EINVAL expected");
		close(fd);
	}
	check_intact("endless binary key");
}

Test(hostile, values_that_never_finish)
{
	char	*req;
	size_t	 n;
	long	 before, after;
	int	 fds[20], i;

	start(NULL);
	before = rss_kb(net_pid);
	/* Twenty clients each 900 KB into a 1 MB value, then silence. */
	cr_assert_not_null(req = malloc(1024 * 1024));
	for (i = 0; i < 20; i++) {
		fds[i] = connect_ok();
		n = (size_t)snprintf(req, 128, "set vn%d 0 0 1000000\r\n", i);
		memset(req + n, 'v', 900 * 1024);
		cr_assert_eq(client_send(fds[i], req, n + 900 * 1024), 0);
	}
	free(req);
	(void)net_settled(&after);
	cr_assert(SANITIZED || after - before < RSS_BOUND_KB,
	    "net grew %ld KiB for 20 unfinished values", after - before);
	check_intact("unfinished values");
	EXPECT("get vn0\r\n", "END\r\n");
	for (i = 0; i < 20; i++)
		close(fds[i]);
	/* All twenty closes seen, so none can still finish its value. */
	i = connect_ok();
	cr_assert_eq(client_stat_wait(i, NULL, "curr_connections", 1, 5000),
	    1);
	close(i);
	EXPECT("get vn0\r\n", "END\r\n");
	check_intact("unfinished values closed");
}

Test(hostile, binary_lying_lengths)
{
	uint8_t		pkt[512];
	uint32_t	blen;
	size_t		n;
	int		fd;

	start(NULL);
	/* Extras and key longer than the body: the boundary is lost. */
	fd = connect_ok();
	n = bin_hdr(pkt, 0x01, 10, 8, 4, 1);
	cr_assert_eq(client_send(fd, pkt, n), 0);
	cr_assert_eq(bin_status(fd, &blen), 0x0004);
	bin_skip(fd, blen);
	cr_assert(peer_gone(fd), "lying lengths: not closed");
	close(fd);
	check_intact("extras + key > body");

	/* A get with a body: EINVAL, the body dropped, the next one runs. */
	fd = connect_ok();
	n = bin_hdr(pkt, 0x00, 3, 0, 13, 2);
	memcpy(pkt + n, "fooflush_all\n", 13);
	n += 13;
	n += bin_hdr(pkt + n, 0x0a, 0, 0, 0, 3);
	cr_assert_eq(client_send(fd, pkt, n), 0);
	cr_assert_eq(bin_status(fd, &blen), 0x0004);
	bin_skip(fd, blen);
	cr_assert_eq(bin_status(fd, &blen), 0);
	close(fd);

	/*
	 * A 4 GB body announced, extras and key sent: refused (the key's
	 * old value unlinked), still open.
	 */
	fd = connect_ok();
	n = bin_hdr(pkt, 0x01, 3, 8, 0xffffffffU, 4);
	memset(pkt + n, 0, 11);
	n += 11;
	cr_assert_eq(client_send(fd, pkt, n), 0);
	cr_assert_eq(bin_status(fd, &blen), 0x0003, "E2BIG expected");
	bin_skip(fd, blen);
	check_intact("4 GB body announced");
	close(fd);

	/* Keys past 250 bytes and unknown opcodes with bodies. */
	fd = connect_ok();
	n = bin_hdr(pkt, 0x00, 251, 0, 251, 5);
	memset(pkt + n, 'k', 251);
	n += 251;
	cr_assert_eq(client_send(fd, pkt, n), 0);
	cr_assert_eq(bin_status(fd, &blen), 0x0004);
	bin_skip(fd, blen);
	n = bin_hdr(pkt, 0xee, 0, 0, 100, 6);
	cr_assert_eq(client_send(fd, pkt, n), 0);
	cr_assert_eq(bin_status(fd, &blen), 0x0081);
	bin_skip(fd, blen);
	close(fd);

	/* A header cut short, then silence; and the wrong magic. */
	fd = connect_ok();
	cr_assert_eq(client_send(fd, "\x80\x01\x00", 3), 0);
	check_intact("half a header");
	close(fd);
	fd = connect_ok();
	(void)client_send(fd, "\x80\x0a\x00\x00\x00\x00\x00\x00\x00\x00\x00"
	    "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x81", 25);
	cr_assert_eq(bin_status(fd, &blen), 0);
	cr_assert(peer_gone(fd), "response magic from a client");
	close(fd);
	check_intact("binary lying lengths");
}

/*
 * "verbosity 2" from any client is answered OK as memcached does, but
 * puts nothing in root's log unless the operator allowed it with -o
 * client_verbosity: then the request lines (keys included) show.
 */
static void
verbosity_case(const char *const args[], int allowed)
{
	int	fd;

	start(args);
	fd = connect_ok();
	cr_assert(client_expect(fd, "verbosity 2\r\n", "\r\n", "OK\r\n"));
	cr_assert(client_expect(fd, "get secret_key_in_log\r\n", "END\r\n",
	    "END\r\n"));
	close(fd);
	/* A marker request after it: once logged, the trace would be too. */
	fd = connect_ok();
	cr_assert(client_expect(fd, "verbosity 0\r\n", "\r\n", "OK\r\n"));
	close(fd);
	if (allowed)
		cr_assert(daemon_log_has(&d, "get secret_key_in_log", 3000));
	else {
		cr_assert_not(daemon_log_has(&d, "secret_key_in_log", 500),
		    "a client's verbosity reached root's log");
	}
	check_intact("verbosity");
}

Test(hostile, client_verbosity_has_no_effect)
{
	const char	*args[] = { NULL };

	verbosity_case(args, 0);
}

Test(hostile, client_verbosity_with_the_switch)
{
	const char	*args[] = { "-o", "client_verbosity", NULL };

	verbosity_case(args, 1);
}
