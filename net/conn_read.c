/*
 * Reading from connections (net child): read and write events, the input
 * buffer all connections share, and the request timeout's start.
 */

#include <sys/types.h>

#include <errno.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "net.h"

/* Read size per call; the input buffer grows to hold a whole item. */
#define READ_CHUNK		16384

/* Where reads land when a connection holds no partial request. */
static char		 conn_scratch[4 * READ_CHUNK];

static size_t
conn_in_max(void)
{
	/* A whole request: its line, its data block and the \r\n. */
	return ((size_t)net_conf.nc_line_max + net_conf.nc_item_size_max +
	    READ_CHUNK);
}

/* After a parse: a request left half-sent starts the request timeout. */
static void
conn_parsed(struct conn *c)
{
	if (buf_used(&c->c_in) > 0 || c->c_text.pt_swallow > 0 ||
	    c->c_text.pt_getcont != 0 ||
	    c->c_bin.pb_swallow > 0) {
		if (c->c_partial_since == 0)
			c->c_partial_since = net_now;
	} else
		c->c_partial_since = 0;
	buf_release(&c->c_in);
}

/*
 * Whether c's input may hold a password: before its login (-Y), or when
 * the binary parser saw SASL.  Such input is wiped once parsed, so a later
 * compromise of this process finds no past client's password in its heap.
 */
static int
conn_login_input(struct conn *c)
{
	int	login = c->c_bin.pb_login;

	c->c_bin.pb_login = 0;
	return (login || (net_conf.nc_auth && !c->c_authed));
}

/* No room for what c sent: say why and close. */
static void
conn_fail_input(struct conn *c)
{
	log_info("connection %llu from %s: %s, closing",
	    (unsigned long long)c->c_id, c->c_peer, errno == EDQUOT ?
	    "client buffers are at their budget" : errno == ENOBUFS ?
	    "request too large" : strerror(errno));
	conn_close(c);
}

/*
 * Reads once and parses.  1 if the socket may hold more, 0 if not (or the
 * connection stopped reading), -1 if the connection is gone.
 */
int
conn_read_once(struct conn *c)
{
	ssize_t	n, used;
	char	*dst;
	size_t	 room;
	int	 rv, shared, login;

	if (c->c_flags & (CONN_READ_OFF | CONN_CLOSING))
		return (0);
	if (c->c_tls != NULL && !c->c_tls_ready &&
	    (rv = conn_tls_handshake(c)) != 1)
		return (rv);
	/* Relative expiry times count from now, not from the last pass. */
	net_now = time(NULL);
	/*
	 * Most reads hold whole requests: they land in one buffer all
	 * connections share, are parsed there, and only a request cut in
	 * half is kept in the connection's own.  So a connection costs no
	 * input buffer between requests, and the one in use stays in cache.
	 */
	login = conn_login_input(c);
	if ((shared = buf_used(&c->c_in) == 0)) {
		dst = conn_scratch;
		room = sizeof(conn_scratch);
	} else {
		if (buf_reserve(&c->c_in, READ_CHUNK, conn_in_max()) == -1) {
			conn_fail_input(c);
			return (-1);
		}
		dst = buf_tail(&c->c_in);
		room = buf_room(&c->c_in);
		/* Before the parse: a close inside it frees c_in, wiped. */
		if (login)
			c->c_in.b_secret = 1;
	}
	n = conn_sock_read(c, dst, room);
	if (n == -1) {
		if (errno == EAGAIN || errno == EINTR)
			return (0);
		log_debug("connection %llu from %s: read: %s",
		    (unsigned long long)c->c_id, c->c_peer, strerror(errno));
		conn_close(c);
		return (-1);
	}
	if (n == 0) {
		c->c_flags |= CONN_PEER_EOF;
		conn_close(c);
		return (-1);
	}
	net_stats.ns_bytes_read += n;
	/*
	 * A record holds at most 16 KB and we offer at least READ_CHUNK, so
	 * libtls keeps nothing back unless the read filled the buffer; then
	 * it may, and no socket event would say so.
	 */
	if (c->c_tls != NULL && (size_t)n == room) {
		c->c_flags |= CONN_TLS_SPEC;
		event_active(&c->c_rev, EV_READ, 1);
	}
	if (shared) {
		used = conn_parse(c, conn_scratch, n);
		/* c may be gone: wipe whenever logins exist (closes are rare). */
		if (used == -1) {
			if (net_conf.nc_auth)
				explicit_bzero(conn_scratch, n);
			return (-1);
		}
		if (conn_login_input(c))
			login = c->c_in.b_secret = 1;
		rv = used < n && !(c->c_flags & CONN_CLOSING) &&
		    buf_add(&c->c_in, conn_scratch + used, n - used,
		    conn_in_max()) == -1;
		if (login)
			explicit_bzero(conn_scratch, n);
		if (rv) {
			conn_fail_input(c);
			return (-1);
		}
	} else {
		buf_produce(&c->c_in, n);
		if ((used = conn_parse(c, buf_head(&c->c_in),
		    buf_used(&c->c_in))) == -1)
			return (-1);
		if (conn_login_input(c))
			c->c_in.b_secret = 1;
		buf_consume(&c->c_in, used);
	}
	conn_parsed(c);
	return (1);
}

void
conn_read(int fd, short event, void *arg)
{
	struct conn	*c = arg;

	(void)fd;
	(void)event;
	/* A TLS write stalled on input: the input is here. */
	if (c->c_flags & CONN_TLS_WWANTR) {
		c->c_flags &= ~CONN_TLS_WWANTR;
		if (conn_flush(c) == -1)
			return;
		if (c->c_flags & CONN_READ_OFF) {
			/* Armed only for that write (conn_sock_write). */
			if (!(c->c_flags & CONN_TLS_WWANTR))
				event_del(&c->c_rev);
			return;
		}
	}
	if (batch_throttled()) {
		/* Storage is behind: leave the bytes in the socket. */
		conn_block(c);
		return;
	}
	(void)conn_read_once(c);
}

void
conn_write(int fd, short event, void *arg)
{
	struct conn	*c = arg;

	(void)fd;
	(void)event;
	/* A TLS read (or handshake) stalled on output: go on with it. */
	if (c->c_flags & CONN_TLS_RWANTW) {
		c->c_flags &= ~CONN_TLS_RWANTW;
		if (conn_read_once(c) == -1)
			return;
	}
	conn_flush(c);
}
