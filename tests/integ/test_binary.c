/*
 * The binary protocol end to end: libmemcached's conformance checker
 * against the real daemon, then raw packets for the exchanges clients
 * lean on most.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "daemon.h"

#define IO_TIMEOUT_MS	3000

#define OP_GET		0x00
#define OP_SET		0x01
#define OP_INCR		0x05
#define OP_QUIT		0x07
#define OP_GETQ		0x09
#define OP_NOOP		0x0a
#define OP_GETK		0x0c
#define OP_GETKQ	0x0d
#define OP_STAT		0x10
#define OP_SETQ		0x11
#define OP_ADDQ		0x12
#define OP_DELETEQ	0x14

static struct daemon	d;

static void
fini(void)
{
	daemon_stop(&d);
}

TestSuite(bin_integ, .fini = fini, .timeout = 120);

struct resp {
	uint8_t		r_op;
	uint16_t	r_keylen;
	uint8_t		r_extlen;
	uint16_t	r_status;
	uint32_t	r_bodylen;
	uint32_t	r_opaque;
	uint64_t	r_cas;
	uint8_t		r_body[4096];
};

static void
be16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void
be32(uint8_t *p, uint32_t v)
{
	be16(p, v >> 16);
	be16(p + 2, v & 0xffff);
}

static void
be64(uint8_t *p, uint64_t v)
{
	be32(p, v >> 32);
	be32(p + 4, v & 0xffffffff);
}

static uint32_t
rd32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3]);
}

static uint64_t
rd64(const uint8_t *p)
{
	return ((uint64_t)rd32(p) << 32 | rd32(p + 4));
}

/* Appends a request to p; its length. */
static size_t
pkt(uint8_t *p, uint8_t op, const void *ext, size_t elen, const char *key,
    const char *val, uint32_t opaque, uint64_t cas)
{
	size_t	klen = key != NULL ? strlen(key) : 0;
	size_t	vlen = val != NULL ? strlen(val) : 0;

	memset(p, 0, 24);
	p[0] = 0x80;
	p[1] = op;
	be16(p + 2, klen);
	p[4] = elen;
	be32(p + 8, elen + klen + vlen);
	be32(p + 12, opaque);
	be64(p + 16, cas);
	if (elen > 0)
		memcpy(p + 24, ext, elen);
	if (klen > 0)
		memcpy(p + 24 + elen, key, klen);
	if (vlen > 0)
		memcpy(p + 24 + elen + klen, val, vlen);
	return (24 + elen + klen + vlen);
}

static size_t
pkt_set(uint8_t *p, uint8_t op, const char *key, uint32_t flags,
    const char *val, uint32_t opaque, uint64_t cas)
{
	uint8_t	ext[8];

	be32(ext, flags);
	be32(ext + 4, 0);
	return (pkt(p, op, ext, 8, key, val, opaque, cas));
}

/* Reads exactly n bytes; 0, or -1 on timeout or EOF. */
static int
recv_exact(int fd, void *buf, size_t n)
{
	struct pollfd	pfd;
	uint8_t		*p = buf;
	ssize_t		 r;

	while (n > 0) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, IO_TIMEOUT_MS) <= 0)
			return (-1);
		if ((r = recv(fd, p, n, 0)) <= 0) {
			if (r == -1 && errno == EINTR)
				continue;
			return (-1);
		}
		p += r;
		n -= r;
	}
	return (0);
}

static void
recv_resp(int fd, struct resp *r)
{
	uint8_t	h[24];

	cr_assert_eq(recv_exact(fd, h, sizeof(h)), 0, "response header");
	cr_assert_eq(h[0], 0x81, "magic %#x", h[0]);
	r->r_op = h[1];
	r->r_keylen = (uint16_t)(h[2] << 8 | h[3]);
	r->r_extlen = h[4];
	r->r_status = (uint16_t)(h[6] << 8 | h[7]);
	r->r_bodylen = rd32(h + 8);
	r->r_opaque = rd32(h + 12);
	r->r_cas = rd64(h + 16);
	cr_assert_leq(r->r_bodylen, sizeof(r->r_body));
	cr_assert_geq(r->r_bodylen, r->r_extlen + r->r_keylen);
	cr_assert_eq(recv_exact(fd, r->r_body, r->r_bodylen), 0,
	    "response body");
}

/* The value part of a response. */
static int
value_is(const struct resp *r, const char *s)
{
	size_t	off = r->r_extlen + r->r_keylen;

	return (r->r_bodylen - off == strlen(s) &&
	    memcmp(r->r_body + off, s, strlen(s)) == 0);
}

/* Nothing more arrives within a moment. */
static int
quiet_now(int fd)
{
	struct pollfd	pfd = { fd, POLLIN, 0 };

	return (poll(&pfd, 1, 200) == 0);
}

static int
connect_daemon(void)
{
	const char	*args[] = { NULL };
	int		 fd;

	cr_assert_eq(daemon_start(&d, NULL, args), 0, "daemon started");
	cr_assert_geq(fd = client_connect(d.d_port), 0);
	return (fd);
}

Test(bin_integ, memccapable_binary)
{
	const char	*args[] = { NULL };
	const char	*tools[] = { "memccapable", "memcapable" };
	char		 cmd[512], out[16384];
	size_t		 n = 0, i;
	FILE		*fp;
	int		 st = -1;

	cr_assert_eq(daemon_start(&d, NULL, args), 0, "daemon started");
	for (i = 0; i < sizeof(tools) / sizeof(tools[0]); i++) {
		(void)snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null",
		    tools[i]);
		if (system(cmd) == 0)
			break;
	}
	cr_assert_lt(i, sizeof(tools) / sizeof(tools[0]),
	    "memccapable not found (package libmemcached-tools)");
	(void)snprintf(cmd, sizeof(cmd), "%s -h 127.0.0.1 -p %d -b -t 5 2>&1",
	    tools[i], d.d_port);
	cr_assert_not_null(fp = popen(cmd, "r"));
	while (n < sizeof(out) - 1 && fgets(out + n, sizeof(out) - n, fp) !=
	    NULL)
		n += strlen(out + n);
	st = pclose(fp);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "memccapable -b failed (status %d):\n%s", st, out);
	cr_assert_not_null(strstr(out, "All tests passed"), "%s", out);
	cr_assert_null(strstr(out, "[fail]"), "%s", out);
	cr_assert_null(strstr(out, "[FAIL]"), "%s", out);
	/* Every binary test ran: noop to stat, 27 of them. */
	cr_assert_not_null(strstr(out, "binary noop"), "%s", out);
	cr_assert_not_null(strstr(out, "binary stat"), "%s", out);
}

Test(bin_integ, get_miss_and_set_get_cas)
{
	uint8_t		b[1024];
	struct resp	r;
	uint64_t	cas;
	size_t		n;
	int		fd = connect_daemon();

	/* A get miss: "Not found", opaque echoed, no cas. */
	n = pkt(b, OP_GET, NULL, 0, "nokey", NULL, 0xdeadbeef, 0);
	cr_assert_eq(client_send(fd, b, n), 0);
	recv_resp(fd, &r);
	cr_assert_eq(r.r_op, OP_GET);
	cr_assert_eq(r.r_status, 0x0001);
	cr_assert_eq(r.r_opaque, 0xdeadbeef);
	cr_assert_eq(r.r_cas, 0);
	cr_assert(value_is(&r, "Not found"));

	/* set: a cas comes back, and get returns it with the flags. */
	n = pkt_set(b, OP_SET, "k", 0x01020304, "hello", 1, 0);
	cr_assert_eq(client_send(fd, b, n), 0);
	recv_resp(fd, &r);
	cr_assert_eq(r.r_status, 0);
	cr_assert_eq(r.r_bodylen, 0);
	cr_assert_neq(r.r_cas, 0);
	cas = r.r_cas;
	n = pkt(b, OP_GETK, NULL, 0, "k", NULL, 2, 0);
	cr_assert_eq(client_send(fd, b, n), 0);
	recv_resp(fd, &r);
	cr_assert_eq(r.r_status, 0);
	cr_assert_eq(r.r_cas, cas);
	cr_assert_eq(r.r_extlen, 4);
	cr_assert_eq(rd32(r.r_body), 0x01020304);
	cr_assert_eq(r.r_keylen, 1);
	cr_assert_eq(r.r_body[4], 'k');
	cr_assert(value_is(&r, "hello"));

	/* A stale cas is refused, the current one wins. */
	n = pkt_set(b, OP_SET, "k", 0, "other", 3, cas + 1000);
	cr_assert_eq(client_send(fd, b, n), 0);
	recv_resp(fd, &r);
	cr_assert_eq(r.r_status, 0x0002);
	cr_assert(value_is(&r, "Data exists for key."));
	n = pkt_set(b, OP_SET, "k", 0, "other", 4, cas);
	cr_assert_eq(client_send(fd, b, n), 0);
	recv_resp(fd, &r);
	cr_assert_eq(r.r_status, 0);
	cr_assert_neq(r.r_cas, cas);
	close(fd);
}

Test(bin_integ, incr_creates_then_counts)
{
	uint8_t		b[256], ext[20];
	struct resp	r;
	size_t		n;
	int		fd = connect_daemon();

	/* Miss with "do not create": not found. */
	be64(ext, 1);
	be64(ext + 8, 100);
	be32(ext + 16, 0xffffffff);
	n = pkt(b, OP_INCR, ext, 20, "ctr", NULL, 1, 0);
	cr_assert_eq(client_send(fd, b, n), 0);
	recv_resp(fd, &r);
	cr_assert_eq(r.r_status, 0x0001);
	/* Miss that creates: the initial value, delta not applied. */
	be32(ext + 16, 0);
	n = pkt(b, OP_INCR, ext, 20, "ctr", NULL, 2, 0);
	cr_assert_eq(client_send(fd, b, n), 0);
	recv_resp(fd, &r);
	cr_assert_eq(r.r_status, 0);
	cr_assert_eq(r.r_bodylen, 8);
	cr_assert_eq(rd64(r.r_body), 100);
	cr_assert_neq(r.r_cas, 0);
	/* Then it counts; the text protocol sees the same number. */
	be64(ext, 0xffffffffffULL);
	n = pkt(b, OP_INCR, ext, 20, "ctr", NULL, 3, 0);
	cr_assert_eq(client_send(fd, b, n), 0);
	recv_resp(fd, &r);
	cr_assert_eq(r.r_status, 0);
	cr_assert_eq(rd64(r.r_body), 100 + 0xffffffffffULL);
	close(fd);
	cr_assert_geq(fd = client_connect(d.d_port), 0);
	cr_assert(client_expect(fd, "get ctr\r\n", "END\r\n",
	    "VALUE ctr 0 13\r\n1099511627875\r\nEND\r\n"));
	close(fd);
}

Test(bin_integ, quiet_pipeline_ends_in_noop)
{
	uint8_t		b[4096];
	struct resp	r;
	size_t		n = 0;
	int		fd = connect_daemon();

	/* One write: quiet successes and misses say nothing. */
	n += pkt_set(b + n, OP_SETQ, "q1", 1, "one", 10, 0);
	n += pkt_set(b + n, OP_SETQ, "q2", 2, "two", 11, 0);
	n += pkt(b + n, OP_GETQ, NULL, 0, "missing", NULL, 12, 0);
	n += pkt(b + n, OP_GETKQ, NULL, 0, "q1", NULL, 13, 0);
	n += pkt(b + n, OP_GETQ, NULL, 0, "q2", NULL, 14, 0);
	n += pkt(b + n, OP_DELETEQ, NULL, 0, "q2", NULL, 15, 0);
	/* A quiet failure is still reported, in order. */
	n += pkt_set(b + n, OP_ADDQ, "q1", 0, "x", 16, 0);
	n += pkt(b + n, OP_GETKQ, NULL, 0, "q2", NULL, 17, 0);
	n += pkt(b + n, OP_NOOP, NULL, 0, NULL, NULL, 18, 0);
	cr_assert_eq(client_send(fd, b, n), 0);
	recv_resp(fd, &r);
	cr_assert_eq(r.r_op, OP_GETKQ);
	cr_assert_eq(r.r_opaque, 13);
	cr_assert_eq(r.r_keylen, 2);
	cr_assert(value_is(&r, "one"));
	recv_resp(fd, &r);
	cr_assert_eq(r.r_op, OP_GETQ);
	cr_assert_eq(r.r_opaque, 14);
	cr_assert_eq(rd32(r.r_body), 2);
	cr_assert(value_is(&r, "two"));
	recv_resp(fd, &r);
	cr_assert_eq(r.r_op, OP_ADDQ);
	cr_assert_eq(r.r_opaque, 16);
	cr_assert_eq(r.r_status, 0x0002);
	recv_resp(fd, &r);
	cr_assert_eq(r.r_op, OP_NOOP);
	cr_assert_eq(r.r_opaque, 18);
	cr_assert_eq(r.r_status, 0);
	cr_assert(quiet_now(fd), "nothing after the noop");
	/* quit answers, then the connection ends. */
	n = pkt(b, OP_QUIT, NULL, 0, NULL, NULL, 19, 0);
	cr_assert_eq(client_send(fd, b, n), 0);
	recv_resp(fd, &r);
	cr_assert_eq(r.r_op, OP_QUIT);
	cr_assert(client_closed(fd));
	close(fd);
}

Test(bin_integ, stat_with_terminator)
{
	uint8_t		b[256];
	struct resp	r;
	size_t		n;
	int		fd = connect_daemon(), count = 0, pid = 0, items = 0;

	n = pkt_set(b, OP_SET, "s", 0, "v", 0, 0);
	cr_assert_eq(client_send(fd, b, n), 0);
	recv_resp(fd, &r);
	n = pkt(b, OP_STAT, NULL, 0, NULL, NULL, 0x5151, 0);
	cr_assert_eq(client_send(fd, b, n), 0);
	for (;;) {
		recv_resp(fd, &r);
		cr_assert_eq(r.r_op, OP_STAT);
		cr_assert_eq(r.r_status, 0);
		cr_assert_eq(r.r_opaque, 0x5151);
		if (r.r_keylen == 0)
			break;
		count++;
		if (r.r_keylen == 3 && memcmp(r.r_body, "pid", 3) == 0)
			pid = 1;
		if (r.r_keylen == 10 && memcmp(r.r_body, "curr_items", 10) ==
		    0) {
			items = 1;
			cr_assert(value_is(&r, "1"));
		}
	}
	cr_assert_eq(r.r_bodylen, 0, "the terminator is empty");
	cr_assert_gt(count, 20);
	cr_assert(pid && items);
	/* An unknown group: "Not found", and the connection goes on. */
	n = pkt(b, OP_STAT, NULL, 0, "bogus", NULL, 1, 0);
	n += pkt(b + n, OP_NOOP, NULL, 0, NULL, NULL, 2, 0);
	cr_assert_eq(client_send(fd, b, n), 0);
	recv_resp(fd, &r);
	cr_assert_eq(r.r_status, 0x0001);
	recv_resp(fd, &r);
	cr_assert_eq(r.r_op, OP_NOOP);
	close(fd);
}

Test(bin_integ, bad_packets)
{
	uint8_t		b[2048];
	struct resp	r;
	size_t		n;
	int		fd = connect_daemon();

	/* Too large: answered, the value dropped, the connection kept. */
	n = pkt_set(b, OP_SETQ, "big", 0, NULL, 7, 0);
	be32(b + 8, 8 + 3 + 2 * 1024 * 1024);
	cr_assert_eq(client_send(fd, b, n), 0);
	recv_resp(fd, &r);
	cr_assert_eq(r.r_op, OP_SETQ);
	cr_assert_eq(r.r_status, 0x0003);
	cr_assert(value_is(&r, "Too large."));
	memset(b, 0x80, sizeof(b));
	for (n = 0; n < 1024; n++)
		cr_assert_eq(client_send(fd, b, 2048), 0);
	n = pkt(b, OP_NOOP, NULL, 0, NULL, NULL, 8, 0);
	cr_assert_eq(client_send(fd, b, n), 0);
	recv_resp(fd, &r);
	cr_assert_eq(r.r_op, OP_NOOP);
	cr_assert_eq(r.r_opaque, 8);
	/* Lengths that contradict each other end the connection. */
	n = pkt(b, OP_GET, NULL, 0, "abc", NULL, 9, 0);
	be32(b + 8, 2);
	cr_assert_eq(client_send(fd, b, n), 0);
	recv_resp(fd, &r);
	cr_assert_eq(r.r_status, 0x0004);
	cr_assert(client_closed(fd));
	close(fd);
	/* So does a bad magic byte, silently. */
	cr_assert_geq(fd = client_connect(d.d_port), 0);
	n = pkt(b, OP_NOOP, NULL, 0, NULL, NULL, 0, 0);
	n += pkt(b + n, OP_NOOP, NULL, 0, NULL, NULL, 0, 0);
	b[24] = 0x81;
	cr_assert_eq(client_send(fd, b, n), 0);
	recv_resp(fd, &r);
	cr_assert_eq(r.r_op, OP_NOOP);
	cr_assert(client_closed(fd));
	close(fd);
}

Test(bin_integ, getk_miss_echoes_long_key)
{
	const char	*args[] = { NULL };
	uint8_t		 buf[512];
	char		 key[201];
	struct resp	 r;
	size_t		 n;
	int		 fd;

	/* Longer than a reply context can hold: storage echoes it. */
	memset(key, 'k', 200);
	key[200] = '\0';
	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	cr_assert_geq(fd = client_connect(d.d_port), 0);
	n = pkt(buf, OP_GETK, NULL, 0, key, NULL, 0xabcd, 0);
	cr_assert_eq(client_send(fd, buf, n), 0);
	recv_resp(fd, &r);
	cr_assert_eq(r.r_status, 0x0001, "not found");
	cr_assert_eq(r.r_opaque, 0xabcd);
	cr_assert_eq(r.r_keylen, 200);
	cr_assert(memcmp(r.r_body, key, 200) == 0, "the key asked for");
	close(fd);
}
