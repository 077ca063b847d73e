/*
 * Unit tests for our imsg/ibuf implementation (common/imsg*.c): framing,
 * batching, partial reads and writes, size limits, descriptor passing and
 * the errors a hostile or dying peer can cause.  Raw bytes are built here
 * from the wire format, independently of the code under test.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

/*
 * On OpenBSD the build links libutil's imsg unless IMSG_COMPAT is set:
 * these tests are for our implementation and its stricter checks.
 */
#if !defined(__OpenBSD__) || defined(IMSG_COMPAT)

#include "imsg.h"

#define HDR		16
#define WIRE_FD_MARK	0x80000000U

struct chan {
	int		 sv[2];
	struct imsgbuf	 a;	/* on sv[0] */
	struct imsgbuf	 b;	/* on sv[1] */
};

static void
set_nonblock(int fd)
{
	int	 fl;

	fl = fcntl(fd, F_GETFL);
	cr_assert_neq(fl, -1);
	cr_assert_neq(fcntl(fd, F_SETFL, fl | O_NONBLOCK), -1);
}

static void
chan_open(struct chan *c, int nonblock)
{
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, c->sv), 0);
	if (nonblock) {
		set_nonblock(c->sv[0]);
		set_nonblock(c->sv[1]);
	}
	cr_assert_eq(imsgbuf_init(&c->a, c->sv[0]), 0);
	cr_assert_eq(imsgbuf_init(&c->b, c->sv[1]), 0);
}

static void
chan_close(struct chan *c)
{
	imsgbuf_clear(&c->a);
	imsgbuf_clear(&c->b);
	close(c->sv[0]);
	close(c->sv[1]);
}

/* Build one message in wire format: host order, len counts the header. */
static size_t
wire(unsigned char *out, uint32_t type, uint32_t len, uint32_t peerid,
    uint32_t pid, const void *payload, size_t plen)
{
	memcpy(out, &type, 4);
	memcpy(out + 4, &len, 4);
	memcpy(out + 8, &peerid, 4);
	memcpy(out + 12, &pid, 4);
	if (plen > 0)
		memcpy(out + HDR, payload, plen);
	return (HDR + plen);
}

static void
write_all(int fd, const void *p, size_t len)
{
	cr_assert_eq(write(fd, p, len), (ssize_t)len);
}

/* Send data with nfd descriptors in a single SCM_RIGHTS message. */
static void
send_with_fds(int sock, const void *data, size_t len, const int *fds,
    int nfd)
{
	struct msghdr	 msg;
	struct iovec	 iov;
	struct cmsghdr	*cmsg;
	union {
		struct cmsghdr	hdr;
		unsigned char	buf[CMSG_SPACE(sizeof(int) * 8)];
	} cbuf;

	cr_assert(nfd >= 1 && nfd <= 8);
	memset(&msg, 0, sizeof(msg));
	memset(&cbuf, 0, sizeof(cbuf));
	iov.iov_base = (void *)(uintptr_t)data;
	iov.iov_len = len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf.buf;
	msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfd);
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int) * nfd);
	memcpy(CMSG_DATA(cmsg), fds, sizeof(int) * nfd);
	cr_assert_eq(sendmsg(sock, &msg, 0), (ssize_t)len);
}

/*
 * Fails unless every write end of the pipe is closed: proves that no copy
 * of a passed descriptor leaked anywhere in this process.
 */
static void
assert_no_writers(int rfd)
{
	char	 c;

	set_nonblock(rfd);
	cr_assert_eq(read(rfd, &c, 1), 0,
	    "a copy of the pipe's write end is still open");
}

/* Read until one message is complete; fails on error or end of file. */
static ssize_t
get_one(struct imsgbuf *ib, struct imsg *m)
{
	ssize_t	 n;
	int	 i;

	for (i = 0; i < 10000; i++) {
		if ((n = imsg_get(ib, m)) != 0)
			return (n);
		cr_assert_eq(imsgbuf_read(ib), 1, "read: %s", strerror(errno));
	}
	cr_assert_fail("no message arrived");
	return (-1);
}

Test(imsg, round_trip_of_several_messages_in_one_write)
{
	struct chan	 c;
	struct imsg	 m;
	unsigned char	 big[1000], got[1000];
	char		 small[5];
	size_t		 i;

	for (i = 0; i < sizeof(big); i++)
		big[i] = i * 7;
	chan_open(&c, 1);
	cr_assert_eq(imsg_compose(&c.a, 1, 10, 0, -1, "hello", 5), 1);
	cr_assert_eq(imsg_compose(&c.a, 2, 20, 1234, -1, NULL, 0), 1);
	cr_assert_eq(imsg_compose(&c.a, 3, 30, 0, -1, big, sizeof(big)), 1);
	cr_assert_eq(imsgbuf_queuelen(&c.a), 3);
	cr_assert_eq(imsgbuf_write(&c.a), 0);
	cr_assert_eq(imsgbuf_queuelen(&c.a), 0,
	    "one imsgbuf_write must send every queued message");

	/* One read must pick up all three. */
	cr_assert_eq(imsgbuf_read(&c.b), 1);

	cr_assert_eq(imsg_get(&c.b, &m), HDR + 5);
	cr_assert_eq(imsg_get_type(&m), 1);
	cr_assert_eq(imsg_get_id(&m), 10);
	cr_assert_eq(imsg_get_pid(&m), getpid());
	cr_assert_eq(imsg_get_len(&m), 5);
	cr_assert_eq(m.hdr.len, HDR + 5);
	cr_assert_eq(imsg_get_fd(&m), -1);
	cr_assert_eq(imsg_get_data(&m, small, sizeof(small)), 0);
	cr_assert_arr_eq(small, "hello", 5);
	imsg_free(&m);

	cr_assert_eq(imsg_get(&c.b, &m), HDR);
	cr_assert_eq(imsg_get_type(&m), 2);
	cr_assert_eq(imsg_get_id(&m), 20);
	cr_assert_eq(imsg_get_pid(&m), 1234);
	cr_assert_eq(imsg_get_len(&m), 0);
	cr_assert_null(m.data);
	imsg_free(&m);

	cr_assert_eq(imsg_get(&c.b, &m), HDR + sizeof(big));
	cr_assert_eq(imsg_get_type(&m), 3);
	cr_assert_arr_eq(m.data, big, sizeof(big));
	cr_assert_eq(imsg_get_data(&m, got, sizeof(got)), 0);
	cr_assert_arr_eq(got, big, sizeof(big));
	imsg_free(&m);

	cr_assert_eq(imsg_get(&c.b, &m), 0);
	/* Nothing more to read on a non-blocking socket is not an error. */
	cr_assert_eq(imsgbuf_read(&c.b), 1);
	cr_assert_eq(imsg_get(&c.b, &m), 0);
	chan_close(&c);
}

Test(imsg, wire_format_is_openbsds)
{
	struct chan	 c;
	unsigned char	 raw[64], want[64];
	size_t		 n;

	chan_open(&c, 1);
	cr_assert_eq(imsg_compose(&c.a, 0x01020304, 0xa0b0c0d0, 4321, -1,
	    "xyz", 3), 1);
	cr_assert_eq(imsgbuf_flush(&c.a), 0);
	n = wire(want, 0x01020304, HDR + 3, 0xa0b0c0d0, 4321, "xyz", 3);
	cr_assert_eq(read(c.sv[1], raw, sizeof(raw)), (ssize_t)n);
	cr_assert_arr_eq(raw, want, n);
	chan_close(&c);
}

Test(imsg, wire_format_marks_a_descriptor_in_len)
{
	struct chan	 c;
	struct msghdr	 msg;
	struct iovec	 iov;
	struct cmsghdr	*cmsg;
	union {
		struct cmsghdr	hdr;
		unsigned char	buf[CMSG_SPACE(sizeof(int))];
	} cbuf;
	unsigned char	 raw[64], want[64];
	size_t		 n;
	int		 p[2], fd;

	chan_open(&c, 1);
	imsgbuf_allow_fdpass(&c.a);
	cr_assert_eq(pipe(p), 0);
	cr_assert_eq(imsg_compose(&c.a, 9, 1, 2, p[1], "q", 1), 1);
	cr_assert_eq(imsgbuf_flush(&c.a), 0);

	memset(&msg, 0, sizeof(msg));
	iov.iov_base = raw;
	iov.iov_len = sizeof(raw);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf.buf;
	msg.msg_controllen = sizeof(cbuf.buf);
	n = wire(want, 9, (HDR + 1) | WIRE_FD_MARK, 1, 2, "q", 1);
	cr_assert_eq(recvmsg(c.sv[1], &msg, 0), (ssize_t)n);
	cr_assert_arr_eq(raw, want, n);
	cmsg = CMSG_FIRSTHDR(&msg);
	cr_assert_not_null(cmsg);
	cr_assert_eq(cmsg->cmsg_type, SCM_RIGHTS);
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(fd));
	close(fd);
	assert_no_writers(p[0]);
	chan_close(&c);
}

Test(imsg, create_add_close)
{
	struct chan	 c;
	struct imsg	 m;
	struct ibuf	*wbuf;
	static char	 huge[MAX_IMSGSIZE];

	chan_open(&c, 1);
	wbuf = imsg_create(&c.a, 7, 70, 99, 4);
	cr_assert_not_null(wbuf);
	cr_assert_eq(imsg_add(wbuf, "abcd", 4), 4);
	/* Past the size hint: the buffer grows up to maxsize. */
	cr_assert_eq(imsg_add(wbuf, "efgh", 4), 4);
	cr_assert_eq(imsg_add(wbuf, NULL, 0), 0);
	imsg_close(&c.a, wbuf);
	cr_assert_eq(imsgbuf_queuelen(&c.a), 1);

	/* Adding past maxsize fails, and frees the message. */
	wbuf = imsg_create(&c.a, 8, 0, 0, 0);
	cr_assert_not_null(wbuf);
	errno = 0;
	cr_assert_eq(imsg_add(wbuf, huge, MAX_IMSGSIZE - HDR + 1), -1);
	cr_assert_eq(errno, ERANGE);
	cr_assert_eq(imsgbuf_queuelen(&c.a), 1);

	cr_assert_eq(imsgbuf_flush(&c.a), 0);
	cr_assert_eq(get_one(&c.b, &m), HDR + 8);
	cr_assert_eq(imsg_get_type(&m), 7);
	cr_assert_eq(imsg_get_id(&m), 70);
	cr_assert_eq(imsg_get_pid(&m), 99);
	cr_assert_eq(imsg_get_len(&m), 8);
	cr_assert_arr_eq(m.data, "abcdefgh", 8);
	imsg_free(&m);
	cr_assert_eq(imsg_get(&c.b, &m), 0);
	chan_close(&c);
}

Test(imsg, composev)
{
	struct chan	 c;
	struct imsg	 m;
	struct iovec	 iov[3];

	chan_open(&c, 1);
	iov[0].iov_base = "ab";
	iov[0].iov_len = 2;
	iov[1].iov_base = NULL;
	iov[1].iov_len = 0;
	iov[2].iov_base = "cde";
	iov[2].iov_len = 3;
	cr_assert_eq(imsg_composev(&c.a, 4, 5, 0, -1, iov, 3), 1);
	cr_assert_eq(imsg_composev(&c.a, 6, 7, 0, -1, NULL, 0), 1);
	errno = 0;
	cr_assert_eq(imsg_composev(&c.a, 6, 7, 0, -1, iov, -1), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(imsgbuf_flush(&c.a), 0);

	cr_assert_eq(get_one(&c.b, &m), HDR + 5);
	cr_assert_eq(imsg_get_type(&m), 4);
	cr_assert_arr_eq(m.data, "abcde", 5);
	imsg_free(&m);
	cr_assert_eq(get_one(&c.b, &m), HDR);
	cr_assert_eq(imsg_get_type(&m), 6);
	cr_assert_eq(imsg_get_len(&m), 0);
	imsg_free(&m);
	chan_close(&c);
}

Test(imsg, partial_reads_byte_by_byte)
{
	struct chan	 c;
	struct imsg	 m;
	unsigned char	 raw[128];
	size_t		 n1, n, i;
	ssize_t		 r;

	chan_open(&c, 1);
	n1 = wire(raw, 5, HDR + 10, 9, 77, "0123456789", 10);
	n = n1 + wire(raw + n1, 6, HDR, 1, 2, NULL, 0);

	for (i = 0; i < n; i++) {
		write_all(c.sv[0], raw + i, 1);
		cr_assert_eq(imsgbuf_read(&c.b), 1);
		r = imsg_get(&c.b, &m);
		if (i == n1 - 1) {
			cr_assert_eq(r, HDR + 10, "byte %zu", i);
			cr_assert_eq(imsg_get_type(&m), 5);
			cr_assert_eq(imsg_get_id(&m), 9);
			cr_assert_eq(imsg_get_pid(&m), 77);
			cr_assert_arr_eq(m.data, "0123456789", 10);
			imsg_free(&m);
		} else if (i == n - 1) {
			cr_assert_eq(r, HDR, "byte %zu", i);
			cr_assert_eq(imsg_get_type(&m), 6);
			imsg_free(&m);
		} else
			cr_assert_eq(r, 0, "message returned early at %zu", i);
	}
	cr_assert_eq(imsg_get(&c.b, &m), 0);
	chan_close(&c);
}

Test(imsg, partial_writes_keep_order_and_content)
{
	struct chan	 c;
	struct imsg	 m;
	unsigned char	*p, *q;
	uint32_t	 seq, next = 0;
	size_t		 len, k;
	ssize_t		 r;
	int		 bufsz = 4096, writes = 0, partial = 0, loops;
	const uint32_t	 N = 600;

	chan_open(&c, 1);
	cr_assert_eq(setsockopt(c.sv[0], SOL_SOCKET, SO_SNDBUF, &bufsz,
	    sizeof(bufsz)), 0);
	cr_assert_eq(setsockopt(c.sv[1], SOL_SOCKET, SO_RCVBUF, &bufsz,
	    sizeof(bufsz)), 0);
	p = malloc(4000);
	cr_assert_not_null(p);
	for (seq = 0; seq < N; seq++) {
		len = 4 + (seq * 37) % 3000;
		memcpy(p, &seq, 4);
		for (k = 4; k < len; k++)
			p[k] = (seq + k) & 0xff;
		cr_assert_eq(imsg_compose(&c.a, 1, seq, 0, -1, p, len), 1);
	}
	free(p);

	for (loops = 0; next < N; loops++) {
		cr_assert_lt(loops, 1000000, "no progress");
		if (imsgbuf_queuelen(&c.a) > 0) {
			cr_assert_eq(imsgbuf_write(&c.a), 0, "write: %s",
			    strerror(errno));
			writes++;
			if (imsgbuf_queuelen(&c.a) > 0)
				partial = 1;
		}
		cr_assert_eq(imsgbuf_read(&c.b), 1);
		while ((r = imsg_get(&c.b, &m)) > 0) {
			len = 4 + (next * 37) % 3000;
			cr_assert_eq(imsg_get_len(&m), len, "message %u", next);
			cr_assert_eq(imsg_get_id(&m), next);
			q = m.data;
			memcpy(&seq, q, 4);
			cr_assert_eq(seq, next, "out of order");
			for (k = 4; k < len; k++)
				cr_assert_eq(q[k], (next + k) & 0xff,
				    "message %u byte %zu", next, k);
			imsg_free(&m);
			next++;
		}
		cr_assert_eq(r, 0);
	}
	cr_assert(partial, "the socket buffer never filled up");
	cr_assert_gt(writes, 1);
	cr_assert_eq(imsgbuf_queuelen(&c.a), 0);
	chan_close(&c);
}

Test(imsg, maxsize_message_accepted_and_one_more_refused)
{
	struct chan	 c;
	struct imsg	 m;
	static char	 data[MAX_IMSGSIZE];

	memset(data, 'm', sizeof(data));
	chan_open(&c, 1);
	cr_assert_eq(imsg_compose(&c.a, 1, 0, 0, -1, data,
	    MAX_IMSGSIZE - HDR), 1);
	errno = 0;
	cr_assert_eq(imsg_compose(&c.a, 2, 0, 0, -1, data,
	    MAX_IMSGSIZE - HDR + 1), -1);
	cr_assert_eq(errno, ERANGE);
	errno = 0;
	cr_assert_null(imsg_create(&c.a, 2, 0, 0, MAX_IMSGSIZE - HDR + 1));
	cr_assert_eq(errno, ERANGE);
	cr_assert_null(imsg_create(&c.a, 2, 0, 0, SIZE_MAX));
	cr_assert_eq(imsgbuf_queuelen(&c.a), 1);
	cr_assert_eq(imsgbuf_flush(&c.a), 0);
	cr_assert_eq(get_one(&c.b, &m), MAX_IMSGSIZE);
	cr_assert_arr_eq(m.data, data, MAX_IMSGSIZE - HDR);
	imsg_free(&m);
	chan_close(&c);
}

Test(imsg, set_maxsize)
{
	struct chan	 c;
	struct imsg	 m;
	char		 data[100];

	memset(data, 's', sizeof(data));
	chan_open(&c, 1);
	errno = 0;
	cr_assert_eq(imsgbuf_set_maxsize(&c.a, HDR - 1), -1);
	cr_assert_eq(errno, EINVAL);
	errno = 0;
	cr_assert_eq(imsgbuf_set_maxsize(&c.a, 0x80000000U), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(imsgbuf_set_maxsize(&c.a, UINT32_MAX), -1);
	cr_assert_eq(c.a.maxsize, MAX_IMSGSIZE, "failed call changed it");
	cr_assert_eq(imsgbuf_set_maxsize(&c.a, HDR), 0);
	cr_assert_eq(imsg_compose(&c.a, 1, 0, 0, -1, NULL, 0), 1);
	cr_assert_eq(imsg_compose(&c.a, 1, 0, 0, -1, data, 1), -1);
	cr_assert_eq(imsgbuf_set_maxsize(&c.a, HDR + 100), 0);
	cr_assert_eq(imsg_compose(&c.a, 2, 0, 0, -1, data, 100), 1);
	cr_assert_eq(imsg_compose(&c.a, 2, 0, 0, -1, data, 101), -1);
	cr_assert_eq(imsgbuf_flush(&c.a), 0);

	/* The receiver's limit applies to what it reads. */
	cr_assert_eq(imsgbuf_set_maxsize(&c.b, HDR + 99), 0);
	errno = 0;
	cr_assert_eq(imsgbuf_read(&c.b), -1);
	cr_assert_eq(errno, ERANGE);
	cr_assert_eq(imsg_get(&c.b, &m), HDR);
	imsg_free(&m);
	errno = 0;
	cr_assert_eq(imsg_get(&c.b, &m), -1);
	cr_assert_eq(errno, ERANGE);
	chan_close(&c);
}

Test(imsg, large_maxsize_grows_read_buffer)
{
	struct chan	 c;
	struct imsg	 m;
	unsigned char	*data;
	const uint32_t	 max = 1024 * 1024 + 64 * 1024;
	size_t		 i, len = max - HDR;
	ssize_t		 r = 0;
	int		 loops;

	data = malloc(len);
	cr_assert_not_null(data);
	for (i = 0; i < len; i++)
		data[i] = i % 251;
	chan_open(&c, 1);
	cr_assert_eq(imsgbuf_set_maxsize(&c.a, max), 0);
	cr_assert_eq(imsgbuf_set_maxsize(&c.b, max), 0);
	cr_assert_eq(imsg_compose(&c.a, 1, 0, 0, -1, "s", 1), 1);
	cr_assert_eq(imsg_compose(&c.a, 2, 0, 0, -1, data, len), 1);
	cr_assert_eq(imsg_compose(&c.a, 3, 0, 0, -1, "e", 1), 1);
	for (loops = 0; loops < 100000; loops++) {
		cr_assert_eq(imsgbuf_write(&c.a), 0);
		cr_assert_eq(imsgbuf_read(&c.b), 1);
		if ((r = imsg_get(&c.b, &m)) != 0)
			break;
	}
	cr_assert_eq(r, HDR + 1);
	cr_assert_eq(imsg_get_type(&m), 1);
	imsg_free(&m);
	for (loops = 0; loops < 100000; loops++) {
		if ((r = imsg_get(&c.b, &m)) != 0)
			break;
		cr_assert_eq(imsgbuf_write(&c.a), 0);
		cr_assert_eq(imsgbuf_read(&c.b), 1);
	}
	cr_assert_eq(r, max);
	cr_assert_eq(imsg_get_type(&m), 2);
	cr_assert_arr_eq(m.data, data, len);
	imsg_free(&m);
	cr_assert_eq(imsgbuf_flush(&c.a), 0);
	cr_assert_eq(get_one(&c.b, &m), HDR + 1);
	cr_assert_eq(imsg_get_type(&m), 3);
	imsg_free(&m);
	free(data);
	chan_close(&c);
}

/*
 * Big messages leave with the read buffer instead of being copied out:
 * what arrived behind one in the same read must survive the hand-over,
 * and a message that outlives later reads must keep its bytes.
 */
Test(imsg, big_messages_handed_over_with_what_follows)
{
	struct chan	 c;
	struct imsg	 m[6];
	unsigned char	*data[6];
	const size_t	 lens[6] = { 20000, 10, 40000, 16384 - HDR, 3, 60000 };
	size_t		 i, j;

	chan_open(&c, 1);
	cr_assert_eq(imsgbuf_set_maxsize(&c.a, 65536 + HDR), 0);
	cr_assert_eq(imsgbuf_set_maxsize(&c.b, 65536 + HDR), 0);
	for (i = 0; i < 6; i++) {
		cr_assert_not_null(data[i] = malloc(lens[i]));
		for (j = 0; j < lens[i]; j++)
			data[i][j] = (i * 31 + j) % 253;
		cr_assert_eq(imsg_compose(&c.a, i + 1, 0, 0, -1, data[i],
		    lens[i]), 1);
	}
	/* All six (about 136 KB) go out before anything is read. */
	cr_assert_eq(imsgbuf_flush(&c.a), 0);
	for (i = 0; i < 6; i++)
		cr_assert_eq(get_one(&c.b, &m[i]), (ssize_t)(HDR + lens[i]),
		    "message %zu", i);
	/* Checked only now: each held its bytes through later reads. */
	for (i = 0; i < 6; i++) {
		cr_assert_eq(imsg_get_type(&m[i]), i + 1);
		cr_assert_eq(imsg_get_len(&m[i]), lens[i]);
		cr_assert_arr_eq(m[i].data, data[i], lens[i], "message %zu",
		    i);
		imsg_free(&m[i]);
		free(data[i]);
	}
	chan_close(&c);
}

static void
bad_length(uint32_t len)
{
	struct chan	 c;
	struct imsg	 m;
	unsigned char	 raw[64];
	size_t		 n;

	chan_open(&c, 1);
	n = wire(raw, 1, HDR + 2, 0, 0, "ok", 2);
	n += wire(raw + n, 2, len, 0, 0, "liar", 4);
	write_all(c.sv[0], raw, n);

	errno = 0;
	cr_assert_eq(imsgbuf_read(&c.b), -1, "len %#x accepted", len);
	cr_assert_eq(errno, ERANGE);
	/* The message before the bad one is still whole and delivered. */
	cr_assert_eq(imsg_get(&c.b, &m), HDR + 2);
	cr_assert_arr_eq(m.data, "ok", 2);
	imsg_free(&m);
	errno = 0;
	cr_assert_eq(imsg_get(&c.b, &m), -1);
	cr_assert_eq(errno, ERANGE);
	/* The stream stays broken. */
	cr_assert_eq(imsgbuf_read(&c.b), -1);
	cr_assert_eq(imsg_get(&c.b, &m), -1);
	chan_close(&c);
}

Test(imsg, lying_header_over_maxsize_rejected)
{
	bad_length(MAX_IMSGSIZE + 1);
	bad_length(0x7fffffff);
	bad_length(0xffffffff);
}

Test(imsg, header_shorter_than_header_rejected)
{
	bad_length(HDR - 1);
	bad_length(0);
	bad_length(WIRE_FD_MARK | 4);
}

Test(imsg, fd_passing)
{
	struct chan	 c;
	struct imsg	 m;
	char		 buf[8];
	int		 p[2], fd, rfd;

	chan_open(&c, 1);
	imsgbuf_allow_fdpass(&c.a);
	imsgbuf_allow_fdpass(&c.b);
	cr_assert_eq(pipe(p), 0);
	fd = dup(p[1]);
	cr_assert_eq(imsg_compose(&c.a, 1, 0, 0, fd, "x", 1), 1);
	cr_assert_eq(imsgbuf_flush(&c.a), 0);
	errno = 0;
	cr_assert_eq(fcntl(fd, F_GETFD), -1, "sender kept its copy");
	cr_assert_eq(errno, EBADF);

	cr_assert_eq(get_one(&c.b, &m), HDR + 1);
	cr_assert_eq(m.hdr.len, HDR + 1, "fd mark leaked into hdr.len");
	rfd = imsg_get_fd(&m);
	cr_assert_geq(rfd, 0);
	cr_assert_eq(imsg_get_fd(&m), -1, "fd handed out twice");
	cr_assert(fcntl(rfd, F_GETFD) & FD_CLOEXEC, "received fd not CLOEXEC");
	imsg_free(&m);
	/* imsg_free must not close a claimed fd. */
	cr_assert_eq(write(rfd, "ping", 4), 4);
	cr_assert_eq(read(p[0], buf, sizeof(buf)), 4);
	cr_assert_arr_eq(buf, "ping", 4);
	close(rfd);
	close(p[1]);
	assert_no_writers(p[0]);
	chan_close(&c);
}

Test(imsg, fd_message_starts_new_sendmsg_and_fds_pair_correctly)
{
	struct chan	 c;
	struct imsg	 m;
	char		 buf[4];
	int		 p1[2], p2[2], fd, i;

	chan_open(&c, 1);
	imsgbuf_allow_fdpass(&c.a);
	imsgbuf_allow_fdpass(&c.b);
	cr_assert_eq(pipe(p1), 0);
	cr_assert_eq(pipe(p2), 0);
	cr_assert_eq(imsg_compose(&c.a, 'A', 0, 0, -1, "a", 1), 1);
	cr_assert_eq(imsg_compose(&c.a, 'B', 0, 0, p1[1], "b", 1), 1);
	cr_assert_eq(imsg_compose(&c.a, 'C', 0, 0, -1, "c", 1), 1);
	cr_assert_eq(imsg_compose(&c.a, 'D', 0, 0, p2[1], "d", 1), 1);
	cr_assert_eq(imsgbuf_write(&c.a), 0);
	cr_assert_eq(imsgbuf_queuelen(&c.a), 3, "stop before an fd message");
	cr_assert_eq(imsgbuf_write(&c.a), 0);
	cr_assert_eq(imsgbuf_queuelen(&c.a), 1, "fd message and its tail");
	cr_assert_eq(imsgbuf_write(&c.a), 0);
	cr_assert_eq(imsgbuf_queuelen(&c.a), 0);

	/* Read everything first, so that both fds wait in the queue. */
	for (i = 0; i < 8; i++)
		cr_assert_eq(imsgbuf_read(&c.b), 1);

	cr_assert_gt(imsg_get(&c.b, &m), 0);
	cr_assert_eq(imsg_get_type(&m), 'A');
	cr_assert_eq(imsg_get_fd(&m), -1);
	imsg_free(&m);
	cr_assert_gt(imsg_get(&c.b, &m), 0);
	cr_assert_eq(imsg_get_type(&m), 'B');
	fd = imsg_get_fd(&m);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "1", 1), 1);
	cr_assert_eq(read(p1[0], buf, 1), 1, "B's fd is not p1");
	close(fd);
	imsg_free(&m);
	cr_assert_gt(imsg_get(&c.b, &m), 0);
	cr_assert_eq(imsg_get_type(&m), 'C');
	cr_assert_eq(imsg_get_fd(&m), -1);
	imsg_free(&m);
	cr_assert_gt(imsg_get(&c.b, &m), 0);
	cr_assert_eq(imsg_get_type(&m), 'D');
	fd = imsg_get_fd(&m);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "2", 1), 1);
	cr_assert_eq(read(p2[0], buf, 1), 1, "D's fd is not p2");
	close(fd);
	imsg_free(&m);
	cr_assert_eq(imsg_get(&c.b, &m), 0);
	assert_no_writers(p1[0]);
	assert_no_writers(p2[0]);
	chan_close(&c);
}

Test(imsg, fd_to_receiver_without_fdpass_is_error_and_closed)
{
	struct chan	 c;
	struct imsg	 m;
	int		 p[2];

	chan_open(&c, 1);
	imsgbuf_allow_fdpass(&c.a);
	cr_assert_eq(pipe(p), 0);
	cr_assert_eq(imsg_compose(&c.a, 1, 0, 0, dup(p[1]), "x", 1), 1);
	cr_assert_eq(imsgbuf_flush(&c.a), 0);
	errno = 0;
	cr_assert_eq(imsgbuf_read(&c.b), -1);
	cr_assert_eq(errno, EBADMSG);
	cr_assert_eq(imsg_get(&c.b, &m), -1);
	close(p[1]);
	assert_no_writers(p[0]);
	chan_close(&c);
}

Test(imsg, sender_without_fdpass_refuses_fd)
{
	struct chan	 c;
	struct ibuf	*wbuf;
	int		 p[2];

	chan_open(&c, 1);
	cr_assert_eq(pipe(p), 0);
	errno = 0;
	cr_assert_eq(imsg_compose(&c.a, 1, 0, 0, p[1], "x", 1), -1);
	cr_assert_eq(errno, EPERM);
	cr_assert_neq(fcntl(p[1], F_GETFD), -1, "failed compose took the fd");
	cr_assert_eq(imsgbuf_queuelen(&c.a), 0);

	wbuf = imsg_create(&c.a, 1, 0, 0, 0);
	cr_assert_not_null(wbuf);
	ibuf_fd_set(wbuf, p[1]);
	imsg_close(&c.a, wbuf);
	errno = 0;
	cr_assert_eq(imsgbuf_write(&c.a), -1);
	cr_assert_eq(errno, EPERM);
	imsgbuf_clear(&c.a);
	assert_no_writers(p[0]);
	imsgbuf_clear(&c.b);
	close(c.sv[0]);
	close(c.sv[1]);
}

static void
send_many_fds(int nfd, int want_errno)
{
	struct chan	 c;
	struct imsg	 m;
	unsigned char	 raw[64];
	size_t		 n;
	int		 p[2], fds[8], i;

	chan_open(&c, 1);
	imsgbuf_allow_fdpass(&c.b);
	cr_assert_eq(pipe(p), 0);
	for (i = 0; i < nfd; i++)
		cr_assert_geq(fds[i] = dup(p[1]), 0);
	n = wire(raw, 1, (HDR + 1) | WIRE_FD_MARK, 0, 0, "x", 1);
	send_with_fds(c.sv[0], raw, n, fds, nfd);
	for (i = 0; i < nfd; i++)
		close(fds[i]);
	close(p[1]);

	errno = 0;
	cr_assert_eq(imsgbuf_read(&c.b), -1, "%d fds accepted", nfd);
	if (want_errno != 0)
		cr_assert_eq(errno, want_errno, "errno %d", errno);
	else
		cr_assert(errno == EMSGSIZE || errno == EBADMSG);
	cr_assert_eq(imsg_get(&c.b, &m), -1);
	assert_no_writers(p[0]);
	chan_close(&c);
}

Test(imsg, truncated_control_data_is_an_error)
{
	/* Four fds never fit in room for one: the kernel sets MSG_CTRUNC. */
	send_many_fds(4, EMSGSIZE);
}

Test(imsg, two_fds_in_one_message_is_an_error)
{
	/* Padding may leave room for two: then it is a protocol error. */
	send_many_fds(2, 0);
}

Test(imsg, stray_fd_without_mark_is_an_error)
{
	struct chan	 c;
	unsigned char	 raw[64];
	size_t		 n;
	int		 p[2], fd;

	chan_open(&c, 1);
	imsgbuf_allow_fdpass(&c.b);
	cr_assert_eq(pipe(p), 0);
	fd = p[1];
	n = wire(raw, 1, HDR + 1, 0, 0, "x", 1);
	send_with_fds(c.sv[0], raw, n, &fd, 1);
	close(p[1]);
	errno = 0;
	cr_assert_eq(imsgbuf_read(&c.b), -1);
	cr_assert_eq(errno, EBADMSG);
	chan_close(&c);
	assert_no_writers(p[0]);
}

Test(imsg, fd_mark_without_fd_is_an_error)
{
	struct chan	 c;
	unsigned char	 raw[64];
	size_t		 n;

	chan_open(&c, 1);
	imsgbuf_allow_fdpass(&c.b);
	n = wire(raw, 1, (HDR + 1) | WIRE_FD_MARK, 0, 0, "x", 1);
	write_all(c.sv[0], raw, n);
	errno = 0;
	cr_assert_eq(imsgbuf_read(&c.b), -1);
	cr_assert_eq(errno, EBADMSG);
	chan_close(&c);
}

Test(imsg, peer_closing_mid_message_is_eof_without_message)
{
	struct chan	 c;
	struct imsg	 m;
	unsigned char	 raw[128];
	size_t		 n1, n2;

	chan_open(&c, 1);
	n1 = wire(raw, 1, HDR + 3, 0, 0, "one", 3);
	n2 = wire(raw + n1, 2, HDR + 10, 0, 0, "0123456789", 10);
	write_all(c.sv[0], raw, n1 + n2 - 4);
	close(c.sv[0]);
	c.sv[0] = -1;

	cr_assert_eq(imsgbuf_read(&c.b), 1);
	cr_assert_eq(imsg_get(&c.b, &m), HDR + 3);
	imsg_free(&m);
	cr_assert_eq(imsg_get(&c.b, &m), 0);
	cr_assert_eq(imsgbuf_read(&c.b), 0, "end of file not reported");
	cr_assert_eq(imsg_get(&c.b, &m), 0, "partial message returned");
	cr_assert_eq(imsgbuf_read(&c.b), 0);
	cr_assert_eq(imsg_get(&c.b, &m), 0);
	chan_close(&c);
}

Test(imsg, write_to_closed_peer_is_epipe)
{
	struct chan	 c;

	chan_open(&c, 1);
	close(c.sv[1]);
	c.sv[1] = -1;
	cr_assert_eq(imsg_compose(&c.a, 1, 0, 0, -1, "x", 1), 1);
	errno = 0;
	cr_assert_eq(imsgbuf_write(&c.a), -1);
	cr_assert_eq(errno, EPIPE);
	chan_close(&c);
}

Test(imsg, get_data_and_get_ibuf)
{
	struct chan	 c;
	struct imsg	 m;
	struct ibuf	 view;
	uint32_t	 v;
	char		 buf[8];
	unsigned char	 n32[4] = { 0x11, 0x22, 0x33, 0x44 };

	chan_open(&c, 1);
	cr_assert_eq(imsg_compose(&c.a, 1, 0, 0, -1, "abcd", 4), 1);
	cr_assert_eq(imsg_compose(&c.a, 2, 0, 0, -1, n32, 4), 1);
	cr_assert_eq(imsg_compose(&c.a, 3, 0, 0, -1, NULL, 0), 1);
	cr_assert_eq(imsgbuf_flush(&c.a), 0);

	cr_assert_eq(get_one(&c.b, &m), HDR + 4);
	errno = 0;
	cr_assert_eq(imsg_get_data(&m, buf, 3), -1);
	cr_assert_eq(errno, EBADMSG);
	errno = 0;
	cr_assert_eq(imsg_get_data(&m, buf, 5), -1);
	cr_assert_eq(errno, EBADMSG);
	errno = 0;
	cr_assert_eq(imsg_get_data(&m, buf, 0), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(imsg_get_data(&m, buf, 4), 0);
	cr_assert_arr_eq(buf, "abcd", 4);
	cr_assert_eq(imsg_get_len(&m), 0, "payload not consumed");
	imsg_free(&m);

	cr_assert_eq(get_one(&c.b, &m), HDR + 4);
	cr_assert_eq(imsg_get_ibuf(&m, &view), 0);
	cr_assert_eq(ibuf_get_n32(&view, &v), 0);
	cr_assert_eq(v, 0x11223344);
	cr_assert_eq(ibuf_get_n32(&view, &v), -1);
	imsg_free(&m);

	cr_assert_eq(get_one(&c.b, &m), HDR);
	errno = 0;
	cr_assert_eq(imsg_get_ibuf(&m, &view), -1);
	cr_assert_eq(errno, EBADMSG);
	imsg_free(&m);
	chan_close(&c);
}

Test(imsg, imsg_free_closes_unclaimed_fd)
{
	struct chan	 c;
	struct imsg	 m;
	int		 p[2];

	chan_open(&c, 1);
	imsgbuf_allow_fdpass(&c.a);
	imsgbuf_allow_fdpass(&c.b);
	cr_assert_eq(pipe(p), 0);
	cr_assert_eq(imsg_compose(&c.a, 1, 0, 0, dup(p[1]), NULL, 0), 1);
	cr_assert_eq(imsgbuf_flush(&c.a), 0);
	cr_assert_eq(get_one(&c.b, &m), HDR);
	imsg_free(&m);
	imsg_free(&m);		/* harmless */
	close(p[1]);
	assert_no_writers(p[0]);
	chan_close(&c);
}

Test(imsg, clear_closes_queued_fds_both_ways)
{
	struct chan	 c;
	int		 p[2], q[2];

	chan_open(&c, 1);
	imsgbuf_allow_fdpass(&c.a);
	imsgbuf_allow_fdpass(&c.b);
	cr_assert_eq(pipe(p), 0);
	cr_assert_eq(pipe(q), 0);
	/* p: received but never fetched.  q: queued but never sent. */
	cr_assert_eq(imsg_compose(&c.a, 1, 0, 0, p[1], NULL, 0), 1);
	cr_assert_eq(imsgbuf_flush(&c.a), 0);
	cr_assert_eq(imsgbuf_read(&c.b), 1);
	cr_assert_eq(imsg_compose(&c.a, 2, 0, 0, q[1], NULL, 0), 1);
	chan_close(&c);
	assert_no_writers(p[0]);
	assert_no_writers(q[0]);
}

Test(imsg, eof_on_clean_close)
{
	struct chan	 c;
	struct imsg	 m;

	chan_open(&c, 0);
	close(c.sv[0]);
	c.sv[0] = -1;
	cr_assert_eq(imsgbuf_read(&c.b), 0);
	cr_assert_eq(imsg_get(&c.b, &m), 0);
	chan_close(&c);
}

Test(imsg, blocking_flush_and_read)
{
	struct chan	 c;
	struct imsg	 m;
	int		 i;

	chan_open(&c, 0);
	for (i = 0; i < 50; i++)
		cr_assert_eq(imsg_compose(&c.a, i, i, 0, -1, &i, sizeof(i)),
		    1);
	cr_assert_eq(imsgbuf_flush(&c.a), 0);
	cr_assert_eq(imsgbuf_queuelen(&c.a), 0);
	for (i = 0; i < 50; i++) {
		cr_assert_eq(get_one(&c.b, &m), HDR + sizeof(i));
		cr_assert_eq(imsg_get_type(&m), (uint32_t)i);
		imsg_free(&m);
	}
	chan_close(&c);
}

Test(ibuf, fixed_and_dynamic_limits)
{
	struct ibuf	*b;
	int		 i;

	errno = 0;
	cr_assert_null(ibuf_open(0));
	cr_assert_eq(errno, EINVAL);
	cr_assert_null(ibuf_dynamic(11, 10));
	cr_assert_null(ibuf_dynamic(0, 0));

	b = ibuf_open(8);
	cr_assert_not_null(b);
	cr_assert_eq(ibuf_left(b), 8);
	cr_assert_eq(ibuf_add(b, "12345678", 8), 0);
	cr_assert_eq(ibuf_left(b), 0);
	errno = 0;
	cr_assert_eq(ibuf_add(b, "9", 1), -1);
	cr_assert_eq(errno, ERANGE);
	cr_assert_eq(ibuf_size(b), 8);
	ibuf_free(b);

	b = ibuf_dynamic(0, 10);
	cr_assert_not_null(b);
	cr_assert_eq(ibuf_size(b), 0);
	for (i = 0; i < 10; i++)
		cr_assert_eq(ibuf_add(b, "z", 1), 0, "add %d", i);
	cr_assert_eq(ibuf_add(b, "z", 1), -1);
	cr_assert_eq(ibuf_add_zero(b, 1), -1);
	cr_assert_null(ibuf_reserve(b, 1));
	cr_assert_eq(ibuf_size(b), 10);
	cr_assert_arr_eq(ibuf_data(b), "zzzzzzzzzz", 10);
	ibuf_free(b);

	/* Length arithmetic must not wrap around. */
	b = ibuf_dynamic(4, 64);
	cr_assert_eq(ibuf_add(b, "ab", 2), 0);
	errno = 0;
	cr_assert_eq(ibuf_add(b, "x", SIZE_MAX), -1);
	cr_assert_eq(errno, ERANGE);
	cr_assert_null(ibuf_reserve(b, SIZE_MAX - 1));
	cr_assert_null(ibuf_seek(b, SIZE_MAX, 2));
	cr_assert_null(ibuf_seek(b, 1, SIZE_MAX));
	cr_assert_eq(ibuf_skip(b, SIZE_MAX), -1);
	cr_assert_eq(ibuf_size(b), 2);
	ibuf_free(b);
	ibuf_free(NULL);
}

Test(ibuf, network_and_host_order)
{
	struct ibuf	*b;
	uint8_t		 v8;
	uint16_t	 v16, h16 = 0xbeef;
	uint32_t	 v32, h32 = 0xdeadbeef;
	uint64_t	 v64, h64 = 0x1122334455667788ULL;
	const unsigned char want[] = { 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc,
	    0xde, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08 };

	b = ibuf_dynamic(0, 1024);
	cr_assert_not_null(b);
	cr_assert_eq(ibuf_add_n8(b, 0x12), 0);
	cr_assert_eq(ibuf_add_n16(b, 0x3456), 0);
	cr_assert_eq(ibuf_add_n32(b, 0x789abcde), 0);
	cr_assert_eq(ibuf_add_n64(b, 0x0102030405060708ULL), 0);
	cr_assert_eq(ibuf_size(b), sizeof(want));
	cr_assert_arr_eq(ibuf_data(b), want, sizeof(want));

	errno = 0;
	cr_assert_eq(ibuf_add_n8(b, 0x100), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(ibuf_add_n16(b, 0x10000), -1);
	cr_assert_eq(ibuf_add_n32(b, 0x100000000ULL), -1);
	cr_assert_eq(ibuf_add_h16(b, 0x10000), -1);
	cr_assert_eq(ibuf_add_h32(b, 0x100000000ULL), -1);
	cr_assert_eq(ibuf_size(b), sizeof(want), "failed add wrote");

	cr_assert_eq(ibuf_add_h16(b, h16), 0);
	cr_assert_eq(ibuf_add_h32(b, h32), 0);
	cr_assert_eq(ibuf_add_h64(b, h64), 0);
	cr_assert_arr_eq((char *)ibuf_data(b) + 15, &h16, 2);
	cr_assert_arr_eq((char *)ibuf_data(b) + 17, &h32, 4);
	cr_assert_arr_eq((char *)ibuf_data(b) + 21, &h64, 8);

	cr_assert_eq(ibuf_get_n8(b, &v8), 0);
	cr_assert_eq(v8, 0x12);
	cr_assert_eq(ibuf_get_n16(b, &v16), 0);
	cr_assert_eq(v16, 0x3456);
	cr_assert_eq(ibuf_get_n32(b, &v32), 0);
	cr_assert_eq(v32, 0x789abcde);
	cr_assert_eq(ibuf_get_n64(b, &v64), 0);
	cr_assert_eq(v64, 0x0102030405060708ULL);
	cr_assert_eq(ibuf_get_h16(b, &v16), 0);
	cr_assert_eq(v16, h16);
	cr_assert_eq(ibuf_get_h32(b, &v32), 0);
	cr_assert_eq(v32, h32);
	cr_assert_eq(ibuf_get_h64(b, &v64), 0);
	cr_assert_eq(v64, h64);
	cr_assert_eq(ibuf_size(b), 0);
	errno = 0;
	cr_assert_eq(ibuf_get_n8(b, &v8), -1);
	cr_assert_eq(errno, EBADMSG);
	cr_assert_eq(ibuf_get_n64(b, &v64), -1);
	ibuf_free(b);
}

Test(ibuf, set_seek_and_bounds)
{
	struct ibuf	*b;
	unsigned char	*p;
	const unsigned char want[] = { 0xde, 0xad, 0xbe, 0xef, 0, 7, 0, 0 };

	b = ibuf_dynamic(8, 8);
	cr_assert_not_null(b);
	p = ibuf_reserve(b, 8);
	cr_assert_not_null(p);
	cr_assert_arr_eq(p, "\0\0\0\0\0\0\0\0", 8, "reserve not zeroed");
	cr_assert_eq(ibuf_set_n32(b, 0, 0xdeadbeef), 0);
	cr_assert_eq(ibuf_set_n16(b, 4, 7), 0);
	cr_assert_arr_eq(ibuf_data(b), want, 8);
	errno = 0;
	cr_assert_eq(ibuf_set_n16(b, 7, 1), -1);
	cr_assert_eq(errno, ERANGE);
	cr_assert_eq(ibuf_set_n64(b, 1, 1), -1);
	cr_assert_eq(ibuf_set(b, 9, "x", 0), -1);
	cr_assert_eq(ibuf_set(b, 8, "x", 0), 0);
	errno = 0;
	cr_assert_eq(ibuf_set_n8(b, 0, 256), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(ibuf_set_h16(b, 0, 0x10000), -1);
	cr_assert_arr_eq(ibuf_data(b), want, 8, "failed set wrote");
	cr_assert_eq(ibuf_set_h32(b, 4, 5), 0);
	cr_assert_not_null(ibuf_seek(b, 0, 8));
	cr_assert_null(ibuf_seek(b, 0, 9));
	cr_assert_null(ibuf_seek(b, 9, 0));

	/* seek and set are relative to the read position. */
	cr_assert_eq(ibuf_skip(b, 2), 0);
	cr_assert_eq(ibuf_size(b), 6);
	p = ibuf_seek(b, 0, 1);
	cr_assert_eq(*p, 0xbe);
	cr_assert_null(ibuf_seek(b, 0, 7));
	cr_assert_eq(ibuf_skip(b, 7), -1);
	ibuf_rewind(b);
	cr_assert_eq(ibuf_size(b), 8);
	ibuf_free(b);
}

Test(ibuf, truncate_views_strings)
{
	struct ibuf	*b, view, peek, sub;
	char		 mem[4] = "wxyz", *s;

	b = ibuf_dynamic(0, 16);
	cr_assert_eq(ibuf_add(b, "hello", 5), 0);
	cr_assert_eq(ibuf_truncate(b, 2), 0);
	cr_assert_eq(ibuf_size(b), 2);
	cr_assert_eq(ibuf_truncate(b, 4), 0);
	cr_assert_arr_eq(ibuf_data(b), "he\0\0", 4);
	cr_assert_eq(ibuf_truncate(b, 17), -1);

	/* Appending a buffer to itself survives the move on growth. */
	cr_assert_eq(ibuf_add_ibuf(b, b), 0);
	cr_assert_arr_eq(ibuf_data(b), "he\0\0he\0\0", 8);

	ibuf_from_ibuf(&peek, b);
	cr_assert_eq(ibuf_size(&peek), 8);
	cr_assert_eq(ibuf_skip(&peek, 8), 0);
	cr_assert_eq(ibuf_size(b), 8, "from_ibuf consumed the source");

	cr_assert_eq(ibuf_get_ibuf(b, 2, &sub), 0);
	cr_assert_arr_eq(ibuf_data(&sub), "he", 2);
	cr_assert_eq(ibuf_size(b), 6);
	cr_assert_eq(ibuf_get_ibuf(b, 7, &sub), -1);
	ibuf_free(b);

	ibuf_from_buffer(&view, mem, sizeof(mem));
	cr_assert_eq(ibuf_left(&view), 0);
	errno = 0;
	cr_assert_eq(ibuf_add(&view, "a", 1), -1);
	cr_assert_eq(errno, ERANGE);
	cr_assert_eq(ibuf_truncate(&view, 5), -1);
	s = ibuf_get_string(&view, 3);
	cr_assert_not_null(s);
	cr_assert_str_eq(s, "wxy");
	free(s);
	cr_assert_eq(ibuf_size(&view), 1);
	errno = 0;
	cr_assert_null(ibuf_get_string(&view, 2));
	cr_assert_eq(errno, EBADMSG);
	s = ibuf_get_string(&view, 1);
	cr_assert_str_eq(s, "z");
	free(s);
	s = ibuf_get_string(&view, 0);
	cr_assert_str_eq(s, "");
	free(s);
}

Test(ibuf, fd_ownership)
{
	struct ibuf	*b;
	int		 p[2], q[2];

	cr_assert_eq(pipe(p), 0);
	cr_assert_eq(pipe(q), 0);
	b = ibuf_open(1);
	cr_assert_not(ibuf_fd_avail(b));
	cr_assert_eq(ibuf_fd_get(b), -1);
	ibuf_fd_set(b, p[1]);
	cr_assert(ibuf_fd_avail(b));
	/* Setting another closes the first. */
	ibuf_fd_set(b, q[1]);
	assert_no_writers(p[0]);
	cr_assert_eq(ibuf_fd_get(b), q[1]);
	cr_assert_not(ibuf_fd_avail(b));
	ibuf_fd_set(b, q[1]);
	ibuf_free(b);
	assert_no_writers(q[0]);
}

#endif /* !__OpenBSD__ || IMSG_COMPAT */
