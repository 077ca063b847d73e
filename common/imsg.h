/*
 * Our implementation of the OpenBSD 7.7 libutil imsg/ibuf API subset that
 * privcached uses (DESIGN.md section 5), for systems without libutil's imsg.
 * Written from the imsg_init(3) and ibuf_add(3) manuals; the wire format is
 * the same as OpenBSD's, so either end may use either implementation.
 *
 * Wire format: each message is a struct imsg_hdr in host byte order followed
 * by the payload.  hdr.len counts the header too; its top bit (not visible
 * to callers) says that one descriptor travels with the message, sent with
 * SCM_RIGHTS together with the message's first byte.
 */

#ifndef PRIVCACHED_IMSG_H
#define PRIVCACHED_IMSG_H

#include <sys/types.h>
#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>

#define IMSG_HEADER_SIZE	sizeof(struct imsg_hdr)
#define MAX_IMSGSIZE		16384

struct iovec;

struct ibuf {
	TAILQ_ENTRY(ibuf)	 entry;
	unsigned char		*buf;
	size_t			 size;
	size_t			 max;
	size_t			 wpos;
	size_t			 rpos;
	int			 fd;
	int			 wipe;	/* ibuf_free wipes the bytes */
};

/* Queue of outgoing buffers plus the read side; private to imsg-buffer.c. */
struct msgbuf;

struct imsgbuf {
	struct msgbuf		*w;
	pid_t			 pid;
	uint32_t		 maxsize;
	int			 fd;
	int			 flags;
};

struct imsg_hdr {
	uint32_t		 type;
	uint32_t		 len;
	uint32_t		 peerid;
	uint32_t		 pid;
};

struct imsg {
	struct imsg_hdr		 hdr;
	void			*data;
	struct ibuf		*buf;
};

/*
 * ibuf: a buffer with a read and a write position.  Failures set errno:
 * ERANGE past the buffer's limit, EBADMSG reading past the data, EINVAL for
 * a value too wide for its field, ENOMEM.
 */

/* New fixed-size buffer of len (> 0) bytes, or NULL. */
struct ibuf	*ibuf_open(size_t len);
/* New buffer of len bytes that grows up to max (>= len, > 0), or NULL. */
struct ibuf	*ibuf_dynamic(size_t len, size_t max);
/* Append: 0, or -1 (ERANGE past max). */
int		 ibuf_add(struct ibuf *, const void *, size_t);
int		 ibuf_add_ibuf(struct ibuf *, const struct ibuf *);
int		 ibuf_add_zero(struct ibuf *, size_t);
/* Append in network (n) or host (h) byte order: 0, or -1 (EINVAL, ERANGE). */
int		 ibuf_add_n8(struct ibuf *, uint64_t);
int		 ibuf_add_n16(struct ibuf *, uint64_t);
int		 ibuf_add_n32(struct ibuf *, uint64_t);
int		 ibuf_add_n64(struct ibuf *, uint64_t);
int		 ibuf_add_h16(struct ibuf *, uint64_t);
int		 ibuf_add_h32(struct ibuf *, uint64_t);
int		 ibuf_add_h64(struct ibuf *, uint64_t);
/* Append len zeroed bytes: pointer to them, or NULL. */
void		*ibuf_reserve(struct ibuf *, size_t len);
/* Pointer to len bytes at pos from the read position, or NULL (ERANGE). */
void		*ibuf_seek(struct ibuf *, size_t pos, size_t len);
/* Overwrite bytes at pos from the read position: 0, or -1. */
int		 ibuf_set(struct ibuf *, size_t pos, const void *, size_t);
int		 ibuf_set_n8(struct ibuf *, size_t, uint64_t);
int		 ibuf_set_n16(struct ibuf *, size_t, uint64_t);
int		 ibuf_set_n32(struct ibuf *, size_t, uint64_t);
int		 ibuf_set_n64(struct ibuf *, size_t, uint64_t);
int		 ibuf_set_h16(struct ibuf *, size_t, uint64_t);
int		 ibuf_set_h32(struct ibuf *, size_t, uint64_t);
int		 ibuf_set_h64(struct ibuf *, size_t, uint64_t);
/* Unread data: its start, and its length. */
void		*ibuf_data(const struct ibuf *);
size_t		 ibuf_size(const struct ibuf *);
/* Bytes that may still be appended (0 for a read-only view). */
size_t		 ibuf_left(const struct ibuf *);
/* Cut or zero-extend the unread data to len: 0, or -1. */
int		 ibuf_truncate(struct ibuf *, size_t len);
/* Move the read position back to the start. */
void		 ibuf_rewind(struct ibuf *);
/* Make a read-only view of memory (never passed to ibuf_free). */
void		 ibuf_from_buffer(struct ibuf *, void *, size_t);
/* Make a read-only view of another ibuf's unread data, not consuming it. */
void		 ibuf_from_ibuf(struct ibuf *, const struct ibuf *);
/* Consume len bytes: 0, or -1 (EBADMSG if fewer are left). */
int		 ibuf_get(struct ibuf *, void *, size_t len);
/* Consume len bytes as a view valid while the source lives: 0, or -1. */
int		 ibuf_get_ibuf(struct ibuf *, size_t len, struct ibuf *);
/* Consume an integer in network (n) or host (h) byte order: 0, or -1. */
int		 ibuf_get_n8(struct ibuf *, uint8_t *);
int		 ibuf_get_n16(struct ibuf *, uint16_t *);
int		 ibuf_get_n32(struct ibuf *, uint32_t *);
int		 ibuf_get_n64(struct ibuf *, uint64_t *);
int		 ibuf_get_h16(struct ibuf *, uint16_t *);
int		 ibuf_get_h32(struct ibuf *, uint32_t *);
int		 ibuf_get_h64(struct ibuf *, uint64_t *);
/* Consume len bytes as a new NUL-terminated string to free(3), or NULL. */
char		*ibuf_get_string(struct ibuf *, size_t len);
/* Skip len bytes: 0, or -1 (EBADMSG). */
int		 ibuf_skip(struct ibuf *, size_t len);
/* Free the buffer and close its descriptor; NULL is a no-op. */
void		 ibuf_free(struct ibuf *);
/*
 * Not in OpenBSD's libutil, whose ibuf_free wipes every buffer: here only
 * buffers marked so (a password's), since the data channel frees many.
 */
void		 ibuf_wipe_on_free(struct ibuf *);
/* Whether a descriptor is attached (non-zero if so). */
int		 ibuf_fd_avail(struct ibuf *);
/* Detach and return the descriptor (the caller now owns it), or -1. */
int		 ibuf_fd_get(struct ibuf *);
/* Attach fd (closing any previous one); the ibuf now owns it. */
void		 ibuf_fd_set(struct ibuf *, int fd);
/* Queue buf for sending on msgbuf; the msgbuf now owns it. */
void		 ibuf_close(struct msgbuf *, struct ibuf *);

/*
 * imsg channels.  Return conventions follow OpenBSD 7.7.
 */

/* Set up one end of a channel on fd (never closed here): 0, or -1. */
int		 imsgbuf_init(struct imsgbuf *, int fd);
/* Allow descriptors to be sent and received on this channel. */
void		 imsgbuf_allow_fdpass(struct imsgbuf *);
/*
 * Allow descriptors to be sent only: reads offer the kernel no room for
 * one, so a descriptor the peer sends is never installed here and the
 * stream fails (not in OpenBSD's API).
 */
void		 imsgbuf_allow_fdsend(struct imsgbuf *);
/*
 * Set the largest message, header included: 0, or -1 (EINVAL if below
 * IMSG_HEADER_SIZE or 2^31 and above, which the wire cannot carry).
 */
int		 imsgbuf_set_maxsize(struct imsgbuf *, uint32_t max);
/*
 * Read what the socket holds: 1 (also when nothing was there yet), 0 on
 * end of file, -1 with errno on error.  A malformed stream (bad length,
 * descriptor missing, unexpected or truncated) is EBADMSG, ERANGE or
 * EMSGSIZE and stays an error on later calls.
 */
int		 imsgbuf_read(struct imsgbuf *);
/*
 * Send queued messages with one sendmsg(2): 0 (also when the socket is
 * full), -1 with errno on error (EPIPE when the peer is gone).
 */
int		 imsgbuf_write(struct imsgbuf *);
/* Write until the queue is empty; for blocking fds only: 0, or -1. */
int		 imsgbuf_flush(struct imsgbuf *);
/* Free all queued data and descriptors; the fd stays open. */
void		 imsgbuf_clear(struct imsgbuf *);
/* Number of messages waiting to be sent. */
uint32_t	 imsgbuf_queuelen(struct imsgbuf *);

/*
 * Next received message: its size, header included (> 0); 0 if no complete
 * message is buffered; -1 with errno if the stream is malformed.  A
 * message returned must be released with imsg_free.
 */
ssize_t		 imsg_get(struct imsgbuf *, struct imsg *);
/* View of the whole payload: 0, or -1 (EBADMSG if empty). */
int		 imsg_get_ibuf(struct imsg *, struct ibuf *);
/* Copy the payload, which must be exactly len bytes: 0, or -1 (EBADMSG). */
int		 imsg_get_data(struct imsg *, void *, size_t len);
/* Take the message's descriptor (the caller owns it), or -1 if none. */
int		 imsg_get_fd(struct imsg *);
/* Header fields, and the length of the unread payload. */
uint32_t	 imsg_get_id(struct imsg *);
size_t		 imsg_get_len(struct imsg *);
pid_t		 imsg_get_pid(struct imsg *);
uint32_t	 imsg_get_type(struct imsg *);

/*
 * Queue a message, with fd (or -1) attached: 1, or -1 with errno (ERANGE
 * past maxsize, EPERM for a descriptor on a channel without fd passing).
 * The fd is owned by the channel only on success.  pid 0 means ours.
 */
int		 imsg_compose(struct imsgbuf *, uint32_t type, uint32_t id,
		    pid_t pid, int fd, const void *data, size_t datalen);
int		 imsg_composev(struct imsgbuf *, uint32_t type, uint32_t id,
		    pid_t pid, int fd, const struct iovec *iov, int iovcnt);
/* Start a message with room for datalen bytes: the buffer, or NULL. */
struct ibuf	*imsg_create(struct imsgbuf *, uint32_t type, uint32_t id,
		    pid_t pid, size_t datalen);
/* Append to a started message: datalen, or -1 after freeing msg. */
int		 imsg_add(struct ibuf *msg, const void *data, size_t datalen);
/* Finish a started message and queue it. */
void		 imsg_close(struct imsgbuf *, struct ibuf *msg);
/* Release a received message, closing a descriptor nobody took. */
void		 imsg_free(struct imsg *);

/*
 * Plumbing between imsg.c and imsg-buffer.c.  Not part of the OpenBSD API:
 * nothing else may call these.
 */

/*
 * New queue whose read side frames messages with hdrfn, which is given
 * hdrsize bytes and the arg passed to msgbuf_recv/msgbuf_next and returns
 * 0 with the whole message length and whether a descriptor comes with it,
 * or -1 with errno for an invalid header.  The queue, or NULL.
 */
struct msgbuf	*msgbuf_new_framed(size_t hdrsize,
		    int (*hdrfn)(const void *, void *, size_t *, int *));
/* Free queued buffers, received data and descriptors; NULL is a no-op. */
void		 msgbuf_free(struct msgbuf *);
/* Drop queued outgoing buffers. */
void		 msgbuf_clear(struct msgbuf *);
/* Number of outgoing buffers queued. */
uint32_t	 msgbuf_queuelen(struct msgbuf *);
/* One sendmsg(2): 1 if bytes left, 0 if the socket was full, -1 on error. */
int		 msgbuf_send(struct msgbuf *, int fd, int fdpass);
/* One recvmsg(2): 1 ok or nothing there, 0 end of file, -1 on error. */
int		 msgbuf_recv(struct msgbuf *, int fd, int fdpass, void *arg);
/* Next complete message into *bufp: 1, 0 if none, -1 on error. */
int		 msgbuf_next(struct msgbuf *, void *arg, struct ibuf **bufp);

#endif /* PRIVCACHED_IMSG_H */
