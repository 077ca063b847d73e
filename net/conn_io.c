/*
 * A connection's socket and TLS I/O (net child): the TLS handshake, one
 * read, and writing out what the connection has to send.
 */

#include <sys/types.h>

#include <errno.h>
#include <string.h>
#include <tls.h>
#include <unistd.h>

#include "log.h"
#include "net.h"

static void
conn_tls_wait_write(struct conn *c)
{
	c->c_flags |= CONN_TLS_RWANTW;
	if (!(c->c_flags & CONN_WRITE_ON)) {
		event_add(&c->c_wev, NULL);
		c->c_flags |= CONN_WRITE_ON;
	}
}

/*
 * The TLS handshake, driven by socket events before any request is read.
 * 1 when done, 0 to wait for an event, -1 if the connection is gone.
 */
int
conn_tls_handshake(struct conn *c)
{
	const char	*subject;
	int		 rv;

	if ((rv = tls_handshake(c->c_tls)) == TLS_WANT_POLLIN)
		return (0);
	if (rv == TLS_WANT_POLLOUT) {
		conn_tls_wait_write(c);
		return (0);
	}
	if (rv == -1) {
		net_stats.ns_tls_handshake_errors++;
		log_info("connection %llu from %s: TLS handshake failed: %s",
		    (unsigned long long)c->c_id, c->c_peer,
		    tls_error(c->c_tls));
		conn_close(c);
		return (-1);
	}
	c->c_tls_ready = 1;
	c->c_partial_since = 0;
	c->c_last_cmd = net_now;
	subject = tls_peer_cert_provided(c->c_tls) ?
	    tls_peer_cert_subject(c->c_tls) : NULL;
	log_debug("connection %llu from %s: %s %s%s%s",
	    (unsigned long long)c->c_id, c->c_peer,
	    tls_conn_version(c->c_tls), tls_conn_cipher(c->c_tls),
	    subject != NULL ? ", client " : "", subject != NULL ? subject : "");
	return (1);
}

/* libtls gave up on c's stream: as a failed read(2) or write(2). */
static ssize_t
conn_tls_failed(struct conn *c)
{
	log_debug("connection %llu from %s: TLS: %s",
	    (unsigned long long)c->c_id, c->c_peer, tls_error(c->c_tls));
	errno = EPROTO;
	return (-1);
}

/*
 * One read from the client: read(2), or libtls, which may first need to
 * write (then the write event brings us back).  As read(2), with errno
 * EAGAIN when there is nothing yet.
 */
ssize_t
conn_sock_read(struct conn *c, void *buf, size_t len)
{
	ssize_t	n;
	int	spec;

	if (c->c_tls == NULL)
		return (read(c->c_fd, buf, len));
	spec = c->c_flags & CONN_TLS_SPEC;
	c->c_flags &= ~CONN_TLS_SPEC;
	if ((n = tls_read(c->c_tls, buf, len)) >= 0)
		return (n);
	if (n == TLS_WANT_POLLOUT)
		conn_tls_wait_write(c);
	if (n == TLS_WANT_POLLIN || n == TLS_WANT_POLLOUT) {
		/*
		 * The socket had bytes but no whole record: a request is
		 * under way inside libtls, where c_in cannot show it.  The
		 * request timeout starts; a parsed request clears it.  A
		 * read we made on spec, not on a socket event, says nothing.
		 */
		if (c->c_partial_since == 0 && !spec)
			c->c_partial_since = net_now;
		errno = EAGAIN;
		return (-1);
	}
	return (conn_tls_failed(c));
}

/*
 * One write to the client, as write(2); libtls may need input first
 * (renegotiation, key updates): then -1 with errno EINPROGRESS, and the
 * read event retries the write.
 */
static ssize_t
conn_sock_write(struct conn *c, const void *buf, size_t len)
{
	ssize_t	n;

	if (c->c_tls == NULL)
		return (write(c->c_fd, buf, len));
	if ((n = tls_write(c->c_tls, buf, len)) >= 0)
		return (n);
	if (n == TLS_WANT_POLLOUT) {
		errno = EAGAIN;
		return (-1);
	}
	if (n == TLS_WANT_POLLIN) {
		c->c_flags |= CONN_TLS_WWANTR;
		if (c->c_flags & CONN_READ_OFF) {
			/* Armed for this write's sake only; see conn_read. */
			event_add(&c->c_rev, NULL);
		}
		errno = EINPROGRESS;
		return (-1);
	}
	return (conn_tls_failed(c));
}

/* Writes what c has; -1 if that closed it. */
int
conn_flush(struct conn *c)
{
	ssize_t	n;

	while (buf_used(&c->c_out) > 0) {
		n = conn_sock_write(c, buf_head(&c->c_out),
		    buf_used(&c->c_out));
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EINPROGRESS)
				return (0);
			if (errno == EAGAIN)
				break;
			log_debug("connection %llu from %s: write: %s",
			    (unsigned long long)c->c_id, c->c_peer,
			    strerror(errno));
			conn_close(c);
			return (-1);
		}
		net_stats.ns_bytes_written += n;
		buf_consume(&c->c_out, n);
	}
	if (buf_used(&c->c_out) > 0) {
		/* Ask for writability only after a partial write. */
		if (!(c->c_flags & CONN_WRITE_ON)) {
			event_add(&c->c_wev, NULL);
			c->c_flags |= CONN_WRITE_ON;
		}
		return (0);
	}
	if ((c->c_flags & CONN_WRITE_ON) && !(c->c_flags & CONN_TLS_RWANTW)) {
		event_del(&c->c_wev);
		c->c_flags &= ~CONN_WRITE_ON;
	}
	buf_release(&c->c_out);
	if ((c->c_flags & CONN_CLOSING) && TAILQ_EMPTY(&c->c_pending)) {
		conn_close(c);
		return (-1);
	}
	return (0);
}

void
conn_flush_dirty(void)
{
	struct conn	*c;

	while ((c = conn_dirty_pop()) != NULL) {
		/* Waiting for writability already: a write now would fail. */
		if ((c->c_flags & CONN_WRITE_ON) && buf_used(&c->c_out) > 0)
			continue;
		conn_flush(c);
	}
}
