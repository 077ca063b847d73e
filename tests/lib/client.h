/*
 * Test helper: a blocking memcached client that speaks raw bytes.
 */

#ifndef PRIVCACHED_TEST_CLIENT_H
#define PRIVCACHED_TEST_CLIENT_H

#include <stddef.h>

/* How often waits look again. */
#define CLIENT_POLL_MS	10

/* A monotonic clock in milliseconds, and a sleep. */
long	client_now_ms(void);
void	client_sleep_ms(int ms);
/* Connects to 127.0.0.1:port; the fd, or -1. */
int	client_connect(int port);
/* Sends all of s. 0, or -1. */
int	client_send(int fd, const void *, size_t);
int	client_sends(int fd, const char *);
/*
 * Reads until the reply ends with `end' (or the peer closes, or 3 s pass).
 * NUL-terminated in buf; the number of bytes, or -1.
 */
ssize_t	client_recv_until(int fd, char *buf, size_t len, const char *end);
/* Sends req, reads until end; compares with want exactly. 1 if equal. */
int	client_expect(int fd, const char *req, const char *end,
	    const char *want);
/* Reads exactly n bytes (within 3 s): 0, or -1. */
int	client_recv_exact(int fd, void *, size_t n);
/* 1 once the peer has closed the connection (within 3 s). */
int	client_closed(int fd);
/* The same, waiting up to ms milliseconds. */
int	client_closed_within(int fd, int ms);
/*
 * Calls cond(arg) every CLIENT_POLL_MS until it is true or ms pass: 1 if
 * it came true, 0 at the deadline.  What tests wait with, not sleeps.
 */
int	client_wait_for(int (*cond)(void *), void *arg, int ms);
/* A "stats [group]" value on fd, or -1 if it is missing. */
long long client_stat(int fd, const char *group, const char *name);
/* Asks for the stat until it equals want or ms pass: its last value. */
long long client_stat_wait(int fd, const char *group, const char *name,
	    long long want, int ms);
/*
 * A new connection to port sends req and gets want (up to end), tried
 * again until it does or ms pass: 1 if it did.  For a change (a reload,
 * a close) the daemon applies on its own time.
 */
int	client_expect_within(int port, const char *req, const char *end,
	    const char *want, int ms);

#endif
