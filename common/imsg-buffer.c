/*
 * ibuf buffers, and the msgbuf behind each imsg channel: the queue of
 * outgoing buffers and the receive buffer that frames incoming messages
 * and pairs them with the descriptors that came along (all processes).
 * Our own code after OpenBSD 7.7's ibuf_add(3); the message header format
 * is left to a callback from imsg.c.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imsg.h"

#ifndef IOV_MAX
#define IOV_MAX		1024
#endif

/*
 * First size of a receive buffer: several typical messages per read.  It
 * grows only when a longer message is announced, so a channel with a large
 * maxsize costs memory only once it carries large messages.
 */
#define MSGBUF_RSIZE	65536
/* Messages at least this long leave with the read buffer, uncopied. */
#define MSGBUF_STEAL_MIN	16384
/* The largest read buffer put in the place of one that left. */
#define MSGBUF_KEEP_MAX		(256 * 1024)

/* Smallest allocation of a growing ibuf: avoids a realloc per tiny add. */
#define IBUF_MINALLOC	64

/* A received descriptor waiting for the message it belongs to. */
struct msgbuf_fd {
	int			 mf_fd;
	uint64_t		 mf_start;	/* stream span of the read */
	uint64_t		 mf_end;	/* that brought it */
};

struct msgbuf {
	TAILQ_HEAD(, ibuf)	 bufs;
	uint32_t		 queued;

	/* Read side.  Stream offsets count bytes since the channel began. */
	int			(*hdrfn)(const void *, void *, size_t *,
				    int *);
	size_t			 hdrsize;
	unsigned char		*rbuf;
	size_t			 rsize;
	size_t			 rpos;		/* next message to hand out */
	size_t			 wpos;		/* end of received bytes */
	uint64_t		 rbase;		/* stream offset of rbuf[0] */
	uint64_t		 scan;		/* next header to check */
	struct msgbuf_fd	*fds;
	size_t			 fdcap;
	size_t			 fdhead;
	size_t			 fdtail;
	size_t			 fdclaimed;	/* claimed by checked headers */
	int			 rerr;		/* sticky: stream is broken */
};

static unsigned char	*ibuf_grow(struct ibuf *, size_t);
static int		 ibuf_encode(unsigned char *, uint64_t, size_t, int);
static uint64_t		 be_decode(const unsigned char *, size_t);
static void		 msgbuf_drain(struct msgbuf *, size_t);
static void		 msgbuf_dequeue(struct msgbuf *, struct ibuf *);
static int		 msgbuf_rspace(struct msgbuf *, void *);
static int		 msgbuf_pushfd(struct msgbuf *, int, uint64_t,
			    uint64_t);
static int		 msgbuf_scan(struct msgbuf *, void *);
static int		 msgbuf_stray(struct msgbuf *);

struct ibuf *
ibuf_open(size_t len)
{
	struct ibuf	*buf;

	if (len == 0) {
		errno = EINVAL;
		return (NULL);
	}
	if ((buf = calloc(1, sizeof(*buf))) == NULL)
		return (NULL);
	if ((buf->buf = malloc(len)) == NULL) {
		free(buf);
		return (NULL);
	}
	buf->size = buf->max = len;
	buf->fd = -1;
	return (buf);
}

struct ibuf *
ibuf_dynamic(size_t len, size_t max)
{
	struct ibuf	*buf;

	/* max == 0 marks a read-only view, so a real buffer needs one. */
	if (max == 0 || max < len) {
		errno = EINVAL;
		return (NULL);
	}
	if ((buf = calloc(1, sizeof(*buf))) == NULL)
		return (NULL);
	if (len > 0 && (buf->buf = malloc(len)) == NULL) {
		free(buf);
		return (NULL);
	}
	buf->size = len;
	buf->max = max;
	buf->fd = -1;
	return (buf);
}

/*
 * Extend the data by len bytes and return where they start, uninitialised:
 * every caller fills them at once.
 */
static unsigned char *
ibuf_grow(struct ibuf *buf, size_t len)
{
	unsigned char	*nb, *p;
	size_t		 need, nsize;

	if (buf->max == 0 || len > buf->max || buf->wpos > buf->max - len) {
		errno = ERANGE;
		return (NULL);
	}
	need = buf->wpos + len;
	if (buf->buf == NULL || need > buf->size) {
		/* Doubling keeps a message built by many small adds linear. */
		nsize = buf->size > buf->max / 2 ? buf->max : buf->size * 2;
		if (nsize < IBUF_MINALLOC)
			nsize = buf->max < IBUF_MINALLOC ?
			    buf->max : IBUF_MINALLOC;
		if (nsize < need)
			nsize = need;
		if ((nb = realloc(buf->buf, nsize)) == NULL)
			return (NULL);
		buf->buf = nb;
		buf->size = nsize;
	}
	p = buf->buf + buf->wpos;
	buf->wpos = need;
	return (p);
}

void *
ibuf_reserve(struct ibuf *buf, size_t len)
{
	unsigned char	*p;

	if ((p = ibuf_grow(buf, len)) == NULL)
		return (NULL);
	/* Reserved bytes may be sent unfilled: never leak old heap data. */
	memset(p, 0, len);
	return (p);
}

int
ibuf_add(struct ibuf *buf, const void *data, size_t len)
{
	unsigned char	*p;

	if (len == 0)
		return (0);
	if ((p = ibuf_grow(buf, len)) == NULL)
		return (-1);
	memcpy(p, data, len);
	return (0);
}

int
ibuf_add_ibuf(struct ibuf *buf, const struct ibuf *from)
{
	unsigned char	*p;
	size_t		 off, len;

	if (from != buf)
		return (ibuf_add(buf, ibuf_data(from), ibuf_size(from)));

	/* Growing may move the source: copy by offset, after growing. */
	off = buf->rpos;
	if ((len = ibuf_size(buf)) == 0)
		return (0);
	if ((p = ibuf_grow(buf, len)) == NULL)
		return (-1);
	memcpy(p, buf->buf + off, len);
	return (0);
}

int
ibuf_add_zero(struct ibuf *buf, size_t len)
{
	unsigned char	*p;

	if (len == 0)
		return (0);
	if ((p = ibuf_grow(buf, len)) == NULL)
		return (-1);
	memset(p, 0, len);
	return (0);
}

/*
 * Encode value in width bytes, in network byte order if net is set: 0, or
 * -1 with EINVAL if it does not fit.  Byte by byte so that no <endian.h>
 * flavour is needed.
 */
static int
ibuf_encode(unsigned char *p, uint64_t value, size_t width, int net)
{
	uint16_t	 v16;
	uint32_t	 v32;
	size_t		 i;

	if (width < sizeof(value) && (value >> (width * 8)) != 0) {
		errno = EINVAL;
		return (-1);
	}
	if (net) {
		for (i = width; i > 0; i--) {
			p[i - 1] = value & 0xff;
			value >>= 8;
		}
		return (0);
	}
	switch (width) {
	case 1:
		p[0] = value;
		break;
	case 2:
		v16 = value;
		memcpy(p, &v16, sizeof(v16));
		break;
	case 4:
		v32 = value;
		memcpy(p, &v32, sizeof(v32));
		break;
	default:
		memcpy(p, &value, sizeof(value));
		break;
	}
	return (0);
}

static uint64_t
be_decode(const unsigned char *p, size_t width)
{
	uint64_t	 v = 0;
	size_t		 i;

	for (i = 0; i < width; i++)
		v = (v << 8) | p[i];
	return (v);
}

int
ibuf_add_n8(struct ibuf *buf, uint64_t value)
{
	unsigned char	 b[1];

	if (ibuf_encode(b, value, sizeof(b), 1) == -1)
		return (-1);
	return (ibuf_add(buf, b, sizeof(b)));
}

int
ibuf_add_n16(struct ibuf *buf, uint64_t value)
{
	unsigned char	 b[2];

	if (ibuf_encode(b, value, sizeof(b), 1) == -1)
		return (-1);
	return (ibuf_add(buf, b, sizeof(b)));
}

int
ibuf_add_n32(struct ibuf *buf, uint64_t value)
{
	unsigned char	 b[4];

	if (ibuf_encode(b, value, sizeof(b), 1) == -1)
		return (-1);
	return (ibuf_add(buf, b, sizeof(b)));
}

int
ibuf_add_n64(struct ibuf *buf, uint64_t value)
{
	unsigned char	 b[8];

	if (ibuf_encode(b, value, sizeof(b), 1) == -1)
		return (-1);
	return (ibuf_add(buf, b, sizeof(b)));
}

int
ibuf_add_h16(struct ibuf *buf, uint64_t value)
{
	unsigned char	 b[2];

	if (ibuf_encode(b, value, sizeof(b), 0) == -1)
		return (-1);
	return (ibuf_add(buf, b, sizeof(b)));
}

int
ibuf_add_h32(struct ibuf *buf, uint64_t value)
{
	unsigned char	 b[4];

	if (ibuf_encode(b, value, sizeof(b), 0) == -1)
		return (-1);
	return (ibuf_add(buf, b, sizeof(b)));
}

int
ibuf_add_h64(struct ibuf *buf, uint64_t value)
{
	unsigned char	 b[8];

	if (ibuf_encode(b, value, sizeof(b), 0) == -1)
		return (-1);
	return (ibuf_add(buf, b, sizeof(b)));
}

void *
ibuf_seek(struct ibuf *buf, size_t pos, size_t len)
{
	/* Only the unread data [rpos, wpos) may be looked at. */
	if (pos > ibuf_size(buf) || len > ibuf_size(buf) - pos ||
	    buf->buf == NULL) {
		errno = ERANGE;
		return (NULL);
	}
	return (buf->buf + buf->rpos + pos);
}

int
ibuf_set(struct ibuf *buf, size_t pos, const void *data, size_t len)
{
	void	*p;

	if ((p = ibuf_seek(buf, pos, len)) == NULL)
		return (-1);
	if (len > 0)
		memcpy(p, data, len);
	return (0);
}

int
ibuf_set_n8(struct ibuf *buf, size_t pos, uint64_t value)
{
	unsigned char	 b[1];

	if (ibuf_encode(b, value, sizeof(b), 1) == -1)
		return (-1);
	return (ibuf_set(buf, pos, b, sizeof(b)));
}

int
ibuf_set_n16(struct ibuf *buf, size_t pos, uint64_t value)
{
	unsigned char	 b[2];

	if (ibuf_encode(b, value, sizeof(b), 1) == -1)
		return (-1);
	return (ibuf_set(buf, pos, b, sizeof(b)));
}

int
ibuf_set_n32(struct ibuf *buf, size_t pos, uint64_t value)
{
	unsigned char	 b[4];

	if (ibuf_encode(b, value, sizeof(b), 1) == -1)
		return (-1);
	return (ibuf_set(buf, pos, b, sizeof(b)));
}

int
ibuf_set_n64(struct ibuf *buf, size_t pos, uint64_t value)
{
	unsigned char	 b[8];

	if (ibuf_encode(b, value, sizeof(b), 1) == -1)
		return (-1);
	return (ibuf_set(buf, pos, b, sizeof(b)));
}

int
ibuf_set_h16(struct ibuf *buf, size_t pos, uint64_t value)
{
	unsigned char	 b[2];

	if (ibuf_encode(b, value, sizeof(b), 0) == -1)
		return (-1);
	return (ibuf_set(buf, pos, b, sizeof(b)));
}

int
ibuf_set_h32(struct ibuf *buf, size_t pos, uint64_t value)
{
	unsigned char	 b[4];

	if (ibuf_encode(b, value, sizeof(b), 0) == -1)
		return (-1);
	return (ibuf_set(buf, pos, b, sizeof(b)));
}

int
ibuf_set_h64(struct ibuf *buf, size_t pos, uint64_t value)
{
	unsigned char	 b[8];

	if (ibuf_encode(b, value, sizeof(b), 0) == -1)
		return (-1);
	return (ibuf_set(buf, pos, b, sizeof(b)));
}

void *
ibuf_data(const struct ibuf *buf)
{
	/* An empty dynamic buffer has no storage; NULL + 0 is undefined. */
	if (buf->buf == NULL)
		return (NULL);
	return (buf->buf + buf->rpos);
}

size_t
ibuf_size(const struct ibuf *buf)
{
	return (buf->wpos - buf->rpos);
}

size_t
ibuf_left(const struct ibuf *buf)
{
	if (buf->max == 0)
		return (0);
	return (buf->max - buf->wpos);
}

int
ibuf_truncate(struct ibuf *buf, size_t len)
{
	if (ibuf_size(buf) >= len) {
		buf->wpos = buf->rpos + len;
		return (0);
	}
	if (buf->max == 0) {
		/* A view does not own its memory: it can only shrink. */
		errno = ERANGE;
		return (-1);
	}
	return (ibuf_add_zero(buf, len - ibuf_size(buf)));
}

void
ibuf_rewind(struct ibuf *buf)
{
	buf->rpos = 0;
}

void
ibuf_from_buffer(struct ibuf *buf, void *data, size_t len)
{
	memset(buf, 0, sizeof(*buf));
	buf->buf = data;
	buf->size = buf->wpos = len;
	buf->fd = -1;
}

void
ibuf_from_ibuf(struct ibuf *buf, const struct ibuf *from)
{
	ibuf_from_buffer(buf, ibuf_data(from), ibuf_size(from));
}

int
ibuf_get(struct ibuf *buf, void *data, size_t len)
{
	if (len > ibuf_size(buf)) {
		errno = EBADMSG;
		return (-1);
	}
	if (len > 0)
		memcpy(data, ibuf_data(buf), len);
	buf->rpos += len;
	return (0);
}

int
ibuf_get_ibuf(struct ibuf *buf, size_t len, struct ibuf *new)
{
	if (len > ibuf_size(buf)) {
		errno = EBADMSG;
		return (-1);
	}
	ibuf_from_buffer(new, ibuf_data(buf), len);
	buf->rpos += len;
	return (0);
}

int
ibuf_get_n8(struct ibuf *buf, uint8_t *value)
{
	return (ibuf_get(buf, value, sizeof(*value)));
}

int
ibuf_get_n16(struct ibuf *buf, uint16_t *value)
{
	unsigned char	 b[2];

	if (ibuf_get(buf, b, sizeof(b)) == -1)
		return (-1);
	*value = be_decode(b, sizeof(b));
	return (0);
}

int
ibuf_get_n32(struct ibuf *buf, uint32_t *value)
{
	unsigned char	 b[4];

	if (ibuf_get(buf, b, sizeof(b)) == -1)
		return (-1);
	*value = be_decode(b, sizeof(b));
	return (0);
}

int
ibuf_get_n64(struct ibuf *buf, uint64_t *value)
{
	unsigned char	 b[8];

	if (ibuf_get(buf, b, sizeof(b)) == -1)
		return (-1);
	*value = be_decode(b, sizeof(b));
	return (0);
}

int
ibuf_get_h16(struct ibuf *buf, uint16_t *value)
{
	return (ibuf_get(buf, value, sizeof(*value)));
}

int
ibuf_get_h32(struct ibuf *buf, uint32_t *value)
{
	return (ibuf_get(buf, value, sizeof(*value)));
}

int
ibuf_get_h64(struct ibuf *buf, uint64_t *value)
{
	return (ibuf_get(buf, value, sizeof(*value)));
}

char *
ibuf_get_string(struct ibuf *buf, size_t len)
{
	char	*str;

	if (len > ibuf_size(buf)) {
		errno = EBADMSG;
		return (NULL);
	}
	/* Like strndup(3), without handing it a NULL for an empty view. */
	if ((str = malloc(len + 1)) == NULL)
		return (NULL);
	if (len > 0)
		memcpy(str, ibuf_data(buf), len);
	str[len] = '\0';
	buf->rpos += len;
	return (str);
}

int
ibuf_skip(struct ibuf *buf, size_t len)
{
	if (len > ibuf_size(buf)) {
		errno = EBADMSG;
		return (-1);
	}
	buf->rpos += len;
	return (0);
}

void
ibuf_free(struct ibuf *buf)
{
	if (buf == NULL)
		return;
	/* A view lives on the caller's stack: freeing it is a bug. */
	if (buf->max == 0)
		abort();
	if (buf->fd != -1)
		close(buf->fd);
	if (buf->wipe && buf->buf != NULL)
		explicit_bzero(buf->buf, buf->size);
	free(buf->buf);
	free(buf);
}

void
ibuf_wipe_on_free(struct ibuf *buf)
{
	buf->wipe = 1;
}

int
ibuf_fd_avail(struct ibuf *buf)
{
	return (buf->fd != -1);
}

int
ibuf_fd_get(struct ibuf *buf)
{
	int	 fd;

	fd = buf->fd;
	buf->fd = -1;
	return (fd);
}

void
ibuf_fd_set(struct ibuf *buf, int fd)
{
	/* A view is never freed, so it could never close the fd. */
	if (buf->max == 0)
		abort();
	if (buf->fd != -1)
		close(buf->fd);
	buf->fd = fd;
}

void
ibuf_close(struct msgbuf *msgbuf, struct ibuf *buf)
{
	if (buf == NULL)
		return;
	if (buf->max == 0)
		abort();
	TAILQ_INSERT_TAIL(&msgbuf->bufs, buf, entry);
	msgbuf->queued++;
}

struct msgbuf *
msgbuf_new_framed(size_t hdrsize,
    int (*hdrfn)(const void *, void *, size_t *, int *))
{
	struct msgbuf	*mb;

	if (hdrsize == 0 || hdrsize > MSGBUF_RSIZE || hdrfn == NULL) {
		errno = EINVAL;
		return (NULL);
	}
	if ((mb = calloc(1, sizeof(*mb))) == NULL)
		return (NULL);
	TAILQ_INIT(&mb->bufs);
	mb->hdrsize = hdrsize;
	mb->hdrfn = hdrfn;
	return (mb);
}

void
msgbuf_free(struct msgbuf *mb)
{
	size_t	 i;

	if (mb == NULL)
		return;
	msgbuf_clear(mb);
	for (i = mb->fdhead; i < mb->fdtail; i++)
		close(mb->fds[i].mf_fd);
	free(mb->fds);
	free(mb->rbuf);
	free(mb);
}

void
msgbuf_clear(struct msgbuf *mb)
{
	struct ibuf	*buf;

	while ((buf = TAILQ_FIRST(&mb->bufs)) != NULL)
		msgbuf_dequeue(mb, buf);
}

uint32_t
msgbuf_queuelen(struct msgbuf *mb)
{
	return (mb->queued);
}

static void
msgbuf_dequeue(struct msgbuf *mb, struct ibuf *buf)
{
	TAILQ_REMOVE(&mb->bufs, buf, entry);
	mb->queued--;
	ibuf_free(buf);
}

static void
msgbuf_drain(struct msgbuf *mb, size_t n)
{
	struct ibuf	*buf;

	while ((buf = TAILQ_FIRST(&mb->bufs)) != NULL) {
		if (ibuf_size(buf) > n) {
			buf->rpos += n;
			return;
		}
		n -= ibuf_size(buf);
		msgbuf_dequeue(mb, buf);
	}
}

int
msgbuf_send(struct msgbuf *mb, int fd, int fdpass)
{
	struct iovec	 iov[IOV_MAX];
	union {
		struct cmsghdr	hdr;
		unsigned char	buf[CMSG_SPACE(sizeof(int))];
	} cmsgbuf;
	struct msghdr	 msg;
	struct cmsghdr	*cmsg;
	struct ibuf	*buf, *fdbuf = NULL;
	ssize_t		 n;
	int		 i = 0, flags = 0;

	TAILQ_FOREACH(buf, &mb->bufs, entry) {
		if (i == IOV_MAX)
			break;
		if (buf->fd != -1) {
			/*
			 * The receiver pairs a descriptor with the message
			 * whose first byte came in the same read: so the
			 * message carrying it must open a sendmsg.
			 */
			if (i > 0)
				break;
			/* Silently dropping it would hide a bug. */
			if (!fdpass) {
				errno = EPERM;
				return (-1);
			}
			fdbuf = buf;
		}
		iov[i].iov_base = ibuf_data(buf);
		iov[i].iov_len = ibuf_size(buf);
		i++;
	}
	if (i == 0)
		return (0);

	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = iov;
	msg.msg_iovlen = i;
	if (fdbuf != NULL) {
		memset(&cmsgbuf, 0, sizeof(cmsgbuf));
		msg.msg_control = cmsgbuf.buf;
		msg.msg_controllen = sizeof(cmsgbuf.buf);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		memcpy(CMSG_DATA(cmsg), &fdbuf->fd, sizeof(int));
	}
#ifdef MSG_NOSIGNAL
	/* A dead peer must show up as EPIPE, not kill us with SIGPIPE. */
	flags |= MSG_NOSIGNAL;
#endif
	while ((n = sendmsg(fd, &msg, flags)) == -1) {
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == ENOBUFS)
			return (0);
		return (-1);
	}
	/* Any byte sent took the descriptor along; the peer has its copy. */
	if (fdbuf != NULL && n > 0)
		close(ibuf_fd_get(fdbuf));
	msgbuf_drain(mb, n);
	return (1);
}

/*
 * Make room to read: move the unread bytes to the front, and grow the
 * buffer if the message there is announced longer than it.
 */
static int
msgbuf_rspace(struct msgbuf *mb, void *arg)
{
	unsigned char	*nb;
	size_t		 need, len;
	int		 hasfd;

	if (mb->rpos > 0) {
		memmove(mb->rbuf, mb->rbuf + mb->rpos, mb->wpos - mb->rpos);
		mb->rbase += mb->rpos;
		mb->wpos -= mb->rpos;
		mb->rpos = 0;
	}
	need = MSGBUF_RSIZE;
	/* The header at the front was checked if the scan went past it. */
	if (mb->scan > mb->rbase) {
		if (mb->hdrfn(mb->rbuf, arg, &len, &hasfd) == -1) {
			mb->rerr = errno;
			return (-1);
		}
		if (len > need)
			need = len;
	}
	if (need > mb->rsize) {
		if ((nb = realloc(mb->rbuf, need)) == NULL)
			return (-1);
		mb->rbuf = nb;
		mb->rsize = need;
	}
	return (0);
}

static int
msgbuf_pushfd(struct msgbuf *mb, int fd, uint64_t start, uint64_t end)
{
	struct msgbuf_fd	*nf;
	size_t			 ncap;

	if (mb->fdtail == mb->fdcap) {
		if (mb->fdhead > 0) {
			memmove(mb->fds, mb->fds + mb->fdhead,
			    (mb->fdtail - mb->fdhead) * sizeof(*mb->fds));
			mb->fdtail -= mb->fdhead;
			mb->fdhead = 0;
		} else {
			ncap = mb->fdcap == 0 ? 4 : mb->fdcap * 2;
			if ((nf = reallocarray(mb->fds, ncap,
			    sizeof(*nf))) == NULL)
				return (-1);
			mb->fds = nf;
			mb->fdcap = ncap;
		}
	}
	mb->fds[mb->fdtail].mf_fd = fd;
	mb->fds[mb->fdtail].mf_start = start;
	mb->fds[mb->fdtail].mf_end = end;
	mb->fdtail++;
	return (0);
}

/*
 * A descriptor no header can claim any more: the next headers all start
 * after the read that brought it.
 */
static int
msgbuf_stray(struct msgbuf *mb)
{
	size_t	 i = mb->fdhead + mb->fdclaimed;

	return (i < mb->fdtail && mb->fds[i].mf_end <= mb->scan);
}

/*
 * Check every header received in full, once: its length, and that the
 * descriptor it announces came in the read holding its first byte.
 */
static int
msgbuf_scan(struct msgbuf *mb, void *arg)
{
	struct msgbuf_fd	*f;
	uint64_t		 end;
	size_t			 len, i;
	int			 hasfd;

	end = mb->rbase + mb->wpos;
	while (mb->scan <= end && end - mb->scan >= mb->hdrsize) {
		if (mb->hdrfn(mb->rbuf + (mb->scan - mb->rbase), arg, &len,
		    &hasfd) == -1)
			goto bad;
		if (len < mb->hdrsize) {
			errno = EBADMSG;
			goto bad;
		}
		if (hasfd) {
			i = mb->fdhead + mb->fdclaimed;
			if (i == mb->fdtail) {
				errno = EBADMSG;
				goto bad;
			}
			f = &mb->fds[i];
			if (mb->scan < f->mf_start || mb->scan >= f->mf_end) {
				errno = EBADMSG;
				goto bad;
			}
			mb->fdclaimed++;
		}
		mb->scan += len;
		if (msgbuf_stray(mb)) {
			errno = EBADMSG;
			goto bad;
		}
	}
	if (msgbuf_stray(mb)) {
		errno = EBADMSG;
		goto bad;
	}
	return (1);

 bad:
	mb->rerr = errno;
	return (-1);
}

int
msgbuf_recv(struct msgbuf *mb, int fd, int fdpass, void *arg)
{
	union {
		struct cmsghdr	hdr;
		unsigned char	buf[CMSG_SPACE(sizeof(int))];
	} cmsgbuf;
	struct msghdr	 msg;
	struct iovec	 iov;
	struct cmsghdr	*cmsg;
	unsigned char	*p, *cend;
	uint64_t	 start;
	ssize_t		 n;
	size_t		 i, nfd, len;
	int		 flags = 0, got = -1, f, err = 0;

	if (mb->rerr != 0) {
		errno = mb->rerr;
		return (-1);
	}
	if (msgbuf_rspace(mb, arg) == -1)
		return (-1);
	/* Full of messages nobody took yet: reading must wait for that. */
	if (mb->wpos == mb->rsize)
		return (1);

	memset(&msg, 0, sizeof(msg));
	memset(&cmsgbuf, 0, sizeof(cmsgbuf));
	iov.iov_base = mb->rbuf + mb->wpos;
	iov.iov_len = mb->rsize - mb->wpos;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	/*
	 * Room for one descriptor: more in one read breaks the protocol.  A
	 * channel that takes none offers no room, so that the kernel drops
	 * what a peer sends instead of installing it here.
	 */
	if (fdpass) {
		msg.msg_control = cmsgbuf.buf;
		msg.msg_controllen = sizeof(cmsgbuf.buf);
	}
#ifdef MSG_CMSG_CLOEXEC
	/* Never let a received fd slip into a child we exec. */
	flags |= MSG_CMSG_CLOEXEC;
#endif
	while ((n = recvmsg(fd, &msg, flags)) == -1) {
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return (1);
		return (-1);
	}

	nfd = 0;
	cend = cmsgbuf.buf + (msg.msg_controllen < sizeof(cmsgbuf.buf) ?
	    msg.msg_controllen : sizeof(cmsgbuf.buf));
	for (cmsg = CMSG_FIRSTHDR(&msg); cmsg != NULL;
	    cmsg = CMSG_NXTHDR(&msg, cmsg)) {
		if (cmsg->cmsg_level != SOL_SOCKET ||
		    cmsg->cmsg_type != SCM_RIGHTS ||
		    cmsg->cmsg_len < CMSG_LEN(0))
			continue;
		p = CMSG_DATA(cmsg);
		/* After a truncation, trust only what the buffer holds. */
		len = p < cend ? (size_t)(cend - p) : 0;
		if (len > cmsg->cmsg_len - CMSG_LEN(0))
			len = cmsg->cmsg_len - CMSG_LEN(0);
		for (i = 0; i < len / sizeof(int); i++) {
			memcpy(&f, p + i * sizeof(int), sizeof(int));
			if (nfd++ == 0)
				got = f;
			else
				close(f);
		}
	}
#ifndef MSG_CMSG_CLOEXEC
	if (got != -1)
		(void)fcntl(got, F_SETFD, FD_CLOEXEC);
#endif

	if (msg.msg_flags & MSG_CTRUNC)
		/* The kernel dropped descriptors: none fit, or too many. */
		err = fdpass ? EMSGSIZE : EBADMSG;
	else if (nfd > 1 || (nfd == 1 && (!fdpass || n == 0)))
		err = EBADMSG;
	if (err != 0) {
		if (got != -1)
			close(got);
		mb->rerr = errno = err;
		return (-1);
	}
	if (n == 0)
		return (0);

	start = mb->rbase + mb->wpos;
	mb->wpos += n;
	if (got != -1 && msgbuf_pushfd(mb, got, start, start + n) == -1) {
		/* The stream cannot be trusted once a descriptor is lost. */
		close(got);
		mb->rerr = errno;
		return (-1);
	}
	return (msgbuf_scan(mb, arg));
}

int
msgbuf_next(struct msgbuf *mb, void *arg, struct ibuf **bufp)
{
	struct ibuf	*buf;
	unsigned char	*nb;
	size_t		 len, rest, nsize;
	int		 hasfd;

	*bufp = NULL;
	/* Only headers msgbuf_scan accepted are trusted. */
	if (mb->scan <= mb->rbase + mb->rpos)
		goto none;
	if (mb->hdrfn(mb->rbuf + mb->rpos, arg, &len, &hasfd) == -1) {
		mb->rerr = errno;
		return (-1);
	}
	if (mb->wpos - mb->rpos < len)
		goto none;
	if (hasfd && mb->fdclaimed == 0) {
		mb->rerr = errno = EBADMSG;
		return (-1);
	}

	/*
	 * A big message at the front (a request or reply batch) takes the
	 * read buffer with it rather than being copied out of it: what
	 * follows it, usually nothing, moves to a fresh buffer instead.
	 */
	if (mb->rpos == 0 && !hasfd && len >= MSGBUF_STEAL_MIN) {
		rest = mb->wpos - len;
		/*
		 * The next message is likely as big: a buffer that must
		 * grow while it fills copies what it holds.
		 */
		nsize = mb->rsize < MSGBUF_KEEP_MAX ? mb->rsize :
		    MSGBUF_KEEP_MAX;
		if (nsize < MSGBUF_RSIZE)
			nsize = MSGBUF_RSIZE;
		if (nsize < rest)
			nsize = rest;
		if ((buf = calloc(1, sizeof(*buf))) == NULL)
			return (-1);
		if ((nb = malloc(nsize)) == NULL) {
			free(buf);
			return (-1);
		}
		memcpy(nb, mb->rbuf + len, rest);
		buf->buf = mb->rbuf;
		buf->size = buf->max = mb->rsize;
		buf->wpos = len;
		buf->fd = -1;
		mb->rbuf = nb;
		mb->rsize = nsize;
		mb->rbase += len;
		mb->wpos = rest;
		*bufp = buf;
		return (1);
	}
	if ((buf = ibuf_open(len)) == NULL)
		return (-1);
	memcpy(buf->buf, mb->rbuf + mb->rpos, len);
	buf->wpos = len;
	if (hasfd) {
		buf->fd = mb->fds[mb->fdhead].mf_fd;
		mb->fdhead++;
		mb->fdclaimed--;
		if (mb->fdhead == mb->fdtail)
			mb->fdhead = mb->fdtail = 0;
	}
	mb->rpos += len;
	if (mb->rpos == mb->wpos) {
		/* Empty: the next read may start at the front, for free. */
		mb->rbase += mb->wpos;
		mb->rpos = mb->wpos = 0;
	}
	*bufp = buf;
	return (1);

 none:
	if (mb->rerr != 0) {
		errno = mb->rerr;
		return (-1);
	}
	return (0);
}
