/*
 * Logins (-Y, -S): memcached's ASCII authentication and binary SASL PLAIN
 * against the running daemon; nothing runs before a login; failures from
 * one address are throttled; SIGHUP reloads the users.
 */

#include <sys/types.h>
#include <sys/wait.h>

#include <arpa/inet.h>

#include <criterion/criterion.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "daemon.h"

static struct daemon	d;
static char		users[128];

static void
fini(void)
{
	daemon_stop(&d);
	if (users[0] != '\0')
		(void)unlink(users);
}

TestSuite(auth, .fini = fini, .timeout = 60);

static void
write_users(const char *text)
{
	FILE	*fp;

	if (users[0] == '\0')
		(void)snprintf(users, sizeof(users), "/tmp/pc-users-%d",
		    (int)getpid());
	cr_assert_not_null(fp = fopen(users, "w"));
	fputs(text, fp);
	cr_assert_eq(fclose(fp), 0);
}

static int
login(int fd, const char *user, const char *pass)
{
	char	req[256];

	(void)snprintf(req, sizeof(req), "set auth 0 0 %zu\r\n%s %s\r\n",
	    strlen(user) + 1 + strlen(pass), user, pass);
	return (client_expect(fd, req, "\r\n", "STORED\r\n"));
}

Test(auth, ascii_login)
{
	const char	*args[] = { "-Y", users, NULL };
	int		 fd;

	write_users("# users\nalice:s3cret\nbob:pass:with:colons\n");
	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	cr_assert_geq(fd = client_connect(d.d_port), 0);
	cr_assert(client_expect(fd, "get k\r\n", "\r\n",
	    "CLIENT_ERROR unauthenticated\r\n"), "nothing before a login");
	cr_assert(client_expect(fd, "add k 0 0 5\r\nflush\r\nversion\r\n",
	    "unauthenticated\r\nCLIENT_ERROR unauthenticated\r\n",
	    "CLIENT_ERROR unauthenticated\r\n"
	    "CLIENT_ERROR unauthenticated\r\n"),
	    "a refused block is swallowed, not run");
	cr_assert(client_expect(fd, "set auth 0 0 12\r\nalice wrong!\r\n",
	    "\r\n", "CLIENT_ERROR authentication failure\r\n"));
	cr_assert(login(fd, "alice", "s3cret"));
	cr_assert(client_expect(fd, "set k 0 0 1\r\nv\r\nget k\r\n",
	    "END\r\n", "STORED\r\nVALUE k 0 1\r\nv\r\nEND\r\n"));
	close(fd);
	cr_assert_geq(fd = client_connect(d.d_port), 0);
	cr_assert(login(fd, "bob", "pass:with:colons"));
	cr_assert(client_expect(fd, "get k\r\n", "END\r\n",
	    "VALUE k 0 1\r\nv\r\nEND\r\n"));
	close(fd);
}

Test(auth, failures_are_throttled)
{
	const char	*args[] = { "-Y", users, NULL };
	int		 fd, i;

	write_users("alice:s3cret\n");
	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	/* Five wrong guesses, each on a new connection. */
	for (i = 0; i < 5; i++) {
		cr_assert_geq(fd = client_connect(d.d_port), 0);
		cr_assert(!login(fd, "alice", "guess"));
		close(fd);
	}
	cr_assert_geq(fd = client_connect(d.d_port), 0);
	cr_assert(!login(fd, "alice", "s3cret"),
	    "even the right password waits out the window");
	close(fd);
	cr_assert(daemon_log_has(&d, "failures from one address", 2000));
}

static int
new_login_works(void *arg)
{
	int	fd, ok;

	(void)arg;
	if ((fd = client_connect(d.d_port)) == -1)
		return (0);
	ok = login(fd, "alice", "new");
	close(fd);
	return (ok);
}

Test(auth, reload_changes_users)
{
	const char	*args[] = { "-Y", users, NULL };
	int		 fd;

	write_users("alice:old\n");
	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	cr_assert_geq(fd = client_connect(d.d_port), 0);
	cr_assert(login(fd, "alice", "old"));
	cr_assert(client_expect(fd, "set kept 0 0 1\r\nk\r\n", "\r\n",
	    "STORED\r\n"));
	close(fd);
	write_users("alice:new\n");
	cr_assert_eq(kill(d.d_pid, SIGHUP), 0);
	cr_assert(daemon_log_has(&d, "reload: 1 users", 3000));
	/* The parent has the users; the net child gets them next. */
	cr_assert(client_wait_for(new_login_works, NULL, 3000),
	    "the new password works");
	cr_assert_geq(fd = client_connect(d.d_port), 0);
	cr_assert(login(fd, "alice", "new"));
	cr_assert(client_expect(fd, "get kept\r\n", "END\r\n",
	    "VALUE kept 0 1\r\nk\r\nEND\r\n"), "data kept");
	close(fd);
	/* A broken file keeps the users that worked. */
	write_users("no colon here\n");
	cr_assert_eq(kill(d.d_pid, SIGHUP), 0);
	cr_assert(daemon_log_has(&d, "keeping the users", 3000));
	cr_assert_geq(fd = client_connect(d.d_port), 0);
	cr_assert(login(fd, "alice", "new"));
	close(fd);
}

static size_t
pkt(uint8_t *p, uint8_t op, const char *key, const void *val, size_t vlen)
{
	size_t		klen = key != NULL ? strlen(key) : 0;
	uint32_t	body = htonl(klen + vlen), opaque = htonl(42);
	uint16_t	k = htons(klen);

	memset(p, 0, 24);
	p[0] = 0x80;
	p[1] = op;
	memcpy(p + 2, &k, 2);
	memcpy(p + 8, &body, 4);
	memcpy(p + 12, &opaque, 4);
	if (klen > 0)
		memcpy(p + 24, key, klen);
	if (vlen > 0)
		memcpy(p + 24 + klen, val, vlen);
	return (24 + klen + vlen);
}

/* Sends a packet; the response's status, its body in buf. */
static int
exchange(int fd, const uint8_t *p, size_t len, char *body, size_t blen)
{
	uint8_t		h[24];
	uint32_t	n;
	uint16_t	st;

	cr_assert_eq(client_send(fd, p, len), 0);
	cr_assert_eq(client_recv_exact(fd, h, sizeof(h)), 0, "a response");
	cr_assert_eq(h[0], 0x81);
	memcpy(&st, h + 6, 2);
	memcpy(&n, h + 8, 4);
	n = ntohl(n);
	cr_assert_lt(n, blen);
	cr_assert_eq(client_recv_exact(fd, body, n), 0);
	body[n] = '\0';
	return (ntohs(st));
}

Test(auth, binary_sasl_plain)
{
	const char	*args[] = { "-Y", users, "-S", NULL };
	uint8_t		 p[512];
	char		 body[512];
	size_t		 n;
	int		 fd;

	write_users("alice:s3cret\n");
	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	cr_assert_geq(fd = client_connect(d.d_port), 0);
	n = pkt(p, 0x00, "k", NULL, 0);		/* get */
	cr_assert_eq(exchange(fd, p, n, body, sizeof(body)), 0x20,
	    "nothing before a login");
	n = pkt(p, 0x20, NULL, NULL, 0);	/* list mechanisms */
	cr_assert_eq(exchange(fd, p, n, body, sizeof(body)), 0);
	cr_assert_str_eq(body, "PLAIN");
	n = pkt(p, 0x21, "PLAIN", "\0alice\0wrong", 12);
	cr_assert_eq(exchange(fd, p, n, body, sizeof(body)), 0x20);
	n = pkt(p, 0x21, "PLAIN", "alice\0alice\0s3cret", 18);
	cr_assert_eq(exchange(fd, p, n, body, sizeof(body)), 0);
	cr_assert_str_eq(body, "Authenticated");
	n = pkt(p, 0x00, "k", NULL, 0);
	cr_assert_eq(exchange(fd, p, n, body, sizeof(body)), 0x01,
	    "after the login: a plain miss");
	close(fd);
}

Test(auth, sasl_needs_users)
{
	const char	*args[] = { "-S", NULL };
	char		 out[4096];
	int		 st;

	st = daemon_run_fail(args, out, sizeof(out));
	cr_assert(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) != 0);
	cr_assert(strstr(out, "-Y") != NULL, "%s", out);
}
