/*
 * TLS (-Z, -o ssl_*) against the running daemon: round trips with
 * pymemcache and openssl s_client, client certificates (required,
 * optional, from a rogue CA), plaintext and hostile handshakes on a TLS
 * port, notls: listeners beside TLS ones, start-up errors, a certificate
 * reload on SIGHUP, the minimum version and the cipher list, and an
 * unprivileged daemon.  Certificates are made afresh for each test
 * (tls_make_certs); the TLS clients live in tls_client.py.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "daemon.h"

/* Bounds on time mean little under ASan: see test_hostile.c. */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED	1
#else
#define SANITIZED	0
#endif

#define REFUSED		3	/* tls_client.py probe: the server refused */

static struct daemon	d;
static char		certdir[128];
static int		plain_port;

static void
init(void)
{
	cr_assert_eq(tls_make_certs(certdir, sizeof(certdir)), 0,
	    "making certificates");
}

static void
fini(void)
{
	daemon_stop(&d);
	if (certdir[0] != '\0')
		tls_remove_certs(certdir);
}

TestSuite(tls, .init = init, .fini = fini, .timeout = 60);

/* "ssl_chain_cert=<dir>/server.crt,ssl_key=<dir>/server.key[,extra]" */
static const char *
ssl_opts(const char *extra)
{
	static char	buf[1024];

	(void)snprintf(buf, sizeof(buf), "ssl_chain_cert=%s/server.crt,"
	    "ssl_key=%s/server.key%s%s", certdir, certdir,
	    extra != NULL ? "," : "", extra != NULL ? extra : "");
	return (buf);
}

/* The end of the daemon's stderr so far (for failure messages). */
static const char *
daemon_log(void)
{
	static char	buf[16384];
	FILE		*fp;
	size_t		 n = 0;
	long		 size;

	buf[0] = '\0';
	if ((fp = fopen(d.d_log, "r")) != NULL) {
		if (fseek(fp, 0, SEEK_END) == 0 && (size = ftell(fp)) >
		    (long)sizeof(buf) - 1)
			(void)fseek(fp, size - (long)sizeof(buf) + 1,
			    SEEK_SET);
		else
			rewind(fp);
		n = fread(buf, 1, sizeof(buf) - 1, fp);
		fclose(fp);
	}
	buf[n] = '\0';
	return (buf);
}

/* Starts a TLS daemon with the server certificate and extra -o options. */
static void
start_tls(const char *user, const char *extra)
{
	/* -v: failed handshakes are logged, for the failure messages. */
	const char	*args[] = { "-v", "-Z", "-o", ssl_opts(extra), NULL };

	cr_assert_eq(daemon_start_tls(&d, user, args, &plain_port), 0,
	    "TLS daemon with -o %s did not come up: %s", args[3],
	    daemon_log());
}

/* What is left to read from fp, into out; fp's status (pclose). */
static int
read_close(FILE *fp, char *out, size_t outlen)
{
	size_t	got = 0, n;

	while (got + 1 < outlen &&
	    (n = fread(out + got, 1, outlen - got - 1, fp)) > 0)
		got += n;
	out[got] = '\0';
	return (pclose(fp));
}

/* Runs a shell command: its stdout into out, its status. */
static int
shell(char *out, size_t outlen, const char *cmd)
{
	FILE	*fp;

	cr_assert_not_null(fp = popen(cmd, "r"), "popen %s", cmd);
	return (read_close(fp, out, outlen));
}

/*
 * Runs tls_client.py with the arguments fmt makes; its stdout and stderr
 * into out.  Its exit status (128 when it did not exit).
 */
static int
py(char *out, size_t outlen, const char *fmt, ...)
{
	char	 args[1024], cmd[2048];
	va_list	 ap;
	int	 st;

	va_start(ap, fmt);
	(void)vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	(void)snprintf(cmd, sizeof(cmd), "/usr/bin/python3 "
	    "%s/tests/integ/tls_client.py %s 2>&1", daemon_src(), args);
	st = shell(out, outlen, cmd);
	return (WIFEXITED(st) ? WEXITSTATUS(st) : 128);
}

/* A probe (handshake and "version") with extra probe options: its status. */
static int
probe(char *out, size_t outlen, const char *opts)
{
	return (py(out, outlen, "probe %d %s %s", d.d_port, certdir,
	    opts != NULL ? opts : ""));
}

static void
probe_ok(const char *opts, const char *what)
{
	char	out[4096];
	int	st;

	st = probe(out, sizeof(out), opts);
	cr_assert_eq(st, 0, "%s: probe %s: status %d: %s", what,
	    opts != NULL ? opts : "", st, out);
	cr_assert(strncmp(out, "OK ", 3) == 0, "%s: %s", what, out);
}

static void
probe_refused(const char *opts, const char *what)
{
	char	out[4096];
	int	st;

	st = probe(out, sizeof(out), opts);
	cr_assert_eq(st, REFUSED, "%s: probe %s: status %d (want %d, "
	    "refused): %s", what, opts != NULL ? opts : "", st, REFUSED, out);
}

/* Sends req on the plaintext listener; the reply, up to END, in buf. */
static void
plain_until_end(const char *req, char *buf, size_t len)
{
	int	fd;

	cr_assert_geq(fd = client_connect(plain_port), 0);
	cr_assert_eq(client_sends(fd, req), 0);
	cr_assert_gt(client_recv_until(fd, buf, len, "END\r\n"), 0);
	close(fd);
}

/* A stats value over the plaintext listener, or -1 without that line. */
static long
stat_of(const char *group, const char *name)
{
	char	 buf[65536], want[128], req[64], *p;

	(void)snprintf(req, sizeof(req), "stats%s%s\r\n",
	    group != NULL ? " " : "", group != NULL ? group : "");
	plain_until_end(req, buf, sizeof(buf));
	(void)snprintf(want, sizeof(want), "STAT %s ", name);
	if ((p = strstr(buf, want)) == NULL)
		return (-1);
	return (strtol(p + strlen(want), NULL, 10));
}

/* Waits (up to ms) for the stat to reach at least min: its last value. */
static long
stat_reaches(const char *name, long min, int ms)
{
	long	v;
	int	waited;

	for (waited = 0;; waited += 50) {
		if ((v = stat_of(NULL, name)) >= min || waited >= ms)
			return (v);
		client_sleep_ms(50);
	}
}

/*
 * Reads what the server sends until it hangs up (within ms): 1 if it did
 * (an orderly close or a reset), 0 if it was still open.  What came is in
 * buf, *gotp bytes of it (binary, NUL-terminated).
 */
static int
read_until_gone(int fd, char *buf, size_t len, size_t *gotp, int ms)
{
	struct pollfd	pfd = { fd, POLLIN, 0 };
	long		deadline = client_now_ms() + ms, left;
	size_t		got = 0;
	ssize_t		n;
	char		scratch[4096];

	buf[0] = '\0';
	*gotp = 0;
	while ((left = deadline - client_now_ms()) > 0) {
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		n = recv(fd, scratch, sizeof(scratch), 0);
		if (n == 0)
			return (1);
		if (n == -1)
			return (errno == ECONNRESET);
		if (got + 1 < len) {
			if ((size_t)n > len - got - 1)
				n = len - got - 1;
			memcpy(buf + got, scratch, n);
			got += n;
			buf[got] = '\0';
			*gotp = got;
		}
	}
	return (0);
}

/* Whether len bytes of p contain the string s. */
static int
contains(const char *p, size_t len, const char *s)
{
	size_t	slen = strlen(s), i;

	for (i = 0; i + slen <= len; i++)
		if (memcmp(p + i, s, slen) == 0)
			return (1);
	return (0);
}

/*
 * 1. pymemcache over TLS (set, get, delete, incr, 500 KB), the server's
 * certificate checked against the test CA; TLS 1.2 and 1.3 both offered
 * by default; stats settings says TLS is on.
 */
Test(tls, pymemcache_roundtrip)
{
	char	out[8192];
	int	st;

	start_tls(NULL, NULL);
	cr_assert_eq(stat_of(NULL, "ssl_handshake_errors"), 0,
	    "stats: ssl_handshake_errors missing or not 0");
	{
		char	 buf[65536];

		plain_until_end("stats settings\r\n", buf, sizeof(buf));
		cr_assert(strstr(buf, "STAT ssl_enabled yes\r\n") != NULL,
		    "stats settings: %s", buf);
	}
	st = py(out, sizeof(out), "roundtrip %d %s", d.d_port, certdir);
	cr_assert_eq(st, 0, "pymemcache over TLS: status %d: %s", st, out);

	/* What went in over TLS is in the same cache. */
	{
		int	fd;

		cr_assert_geq(fd = client_connect(plain_port), 0);
		cr_assert(client_expect(fd, "get tls:n\r\n", "END\r\n",
		    "VALUE tls:n 0 2\r\n40\r\nEND\r\n"));
		close(fd);
	}

	/* The default minimum is TLS 1.2; 1.3 is there too. */
	st = probe(out, sizeof(out), "--max 1.2");
	cr_assert_eq(st, 0, "TLS 1.2 client: status %d: %s", st, out);
	cr_assert(strncmp(out, "OK TLSv1.2 ", 11) == 0, "%s", out);
	st = probe(out, sizeof(out), "--min 1.3");
	cr_assert_eq(st, 0, "TLS 1.3 client: status %d: %s", st, out);
	cr_assert(strncmp(out, "OK TLSv1.3 ", 11) == 0, "%s", out);
	cr_assert(strstr(out, "cn=privcached-test-server-1 serial=4097 "
	    "VERSION ") != NULL, "%s", out);
	cr_assert_eq(stat_of(NULL, "ssl_handshake_errors"), 0);
}

/*
 * 2. openssl s_client, verifying the server: a set and a get, then quit;
 * first with a pause before the quit, then all in one go (pipelined).
 */
Test(tls, openssl_s_client)
{
	static const char	 want[] =
	    "STORED\r\nVALUE k 0 5\r\nhello\r\nEND\r\n";
	char			 client[1024], cmd[2048], out[8192];
	int			 st, fd;

	start_tls(NULL, NULL);
	(void)snprintf(client, sizeof(client), "timeout 10 /usr/bin/openssl "
	    "s_client -connect 127.0.0.1:%d -CAfile %s/ca.crt "
	    "-verify_return_error -verify_ip 127.0.0.1 -quiet "
	    "2>>%s/s_client.err", d.d_port, certdir, certdir);

	/* -quiet reads on after its input ends, until the server hangs up. */
	(void)snprintf(cmd, sizeof(cmd), "printf 'set k 0 0 5\\r\\nhello"
	    "\\r\\nget k\\r\\nquit\\r\\n' | %s", client);
	st = shell(out, sizeof(out), cmd);
	/* quit: the server hangs up and s_client ends (not timeout's 124). */
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) != 124,
	    "s_client still running after quit");
	cr_assert_str_eq(out, want, "s_client got [%s]", out);
	cr_assert_geq(fd = client_connect(plain_port), 0);
	cr_assert(client_expect(fd, "get k\r\n", "END\r\n",
	    "VALUE k 0 5\r\nhello\r\nEND\r\n"));
	close(fd);

	(void)snprintf(cmd, sizeof(cmd), "printf 'set k 0 0 5\\r\\nhello"
	    "\\r\\nget k\\r\\nquit\\r\\n' | %s", client);
	st = shell(out, sizeof(out), cmd);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) != 124,
	    "s_client still running after quit");
	cr_assert_str_eq(out, want, "set, get and quit in one go: the "
	    "replies before quit are lost: s_client got [%s]", out);
}

/* 3. ssl_verify_mode=2: only clients with a certificate from the CA. */
Test(tls, client_cert_required)
{
	char	extra[512], out[8192];
	long	before;
	int	st;

	(void)snprintf(extra, sizeof(extra), "ssl_ca_cert=%s/ca.crt,"
	    "ssl_verify_mode=2", certdir);
	start_tls(NULL, extra);
	cr_assert_eq(stat_of("settings", "ssl_verify_mode"), 2);
	before = stat_of(NULL, "ssl_handshake_errors");
	cr_assert_eq(before, 0);
	probe_ok("--cert client", "good client certificate");
	probe_refused("", "no client certificate, TLS 1.3");
	probe_refused("--cert rogue", "rogue client certificate, TLS 1.3");
	probe_refused("--max 1.2", "no client certificate, TLS 1.2");
	probe_refused("--max 1.2 --cert rogue",
	    "rogue client certificate, TLS 1.2");
	/* Still up, and a good client still served. */
	probe_ok("--cert client --max 1.2", "good client, TLS 1.2");
	st = py(out, sizeof(out), "roundtrip %d %s --cert client", d.d_port,
	    certdir);
	cr_assert_eq(st, 0, "pymemcache with a client certificate: %d: %s",
	    st, out);
	cr_assert_geq(stat_reaches("ssl_handshake_errors", before + 4, 2000),
	    before + 4, "four refused handshakes counted");
}

/* ssl_verify_mode=3 (once) is the same as 2 for a connection. */
Test(tls, client_cert_once)
{
	char	extra[512];

	(void)snprintf(extra, sizeof(extra), "ssl_ca_cert=%s/ca.crt,"
	    "ssl_verify_mode=3", certdir);
	start_tls(NULL, extra);
	probe_ok("--cert client", "good client certificate");
	probe_refused("", "no client certificate");
	probe_refused("--cert rogue", "rogue client certificate");
	probe_ok("--cert client", "good client afterwards");
}

/* 4. ssl_verify_mode=1: a certificate is optional, but checked if sent. */
Test(tls, client_cert_optional)
{
	char	extra[512];

	(void)snprintf(extra, sizeof(extra), "ssl_ca_cert=%s/ca.crt,"
	    "ssl_verify_mode=1", certdir);
	start_tls(NULL, extra);
	probe_ok("", "no client certificate");
	probe_ok("--cert client", "good client certificate");
	probe_refused("--cert rogue", "rogue client certificate, TLS 1.3");
	probe_refused("--cert rogue --max 1.2",
	    "rogue client certificate, TLS 1.2");
	probe_ok("--max 1.2", "no client certificate, TLS 1.2");
	probe_ok("--cert client", "good client afterwards");
}

/*
 * 5. Plaintext on a TLS port: text and binary protocol requests are not
 * answered, the connection is closed, the failure counted.
 */
Test(tls, plaintext_on_tls_port)
{
	/* Binary protocol "version" (opcode 0x0b). */
	static const unsigned char	bin_version[24] = { 0x80, 0x0b };
	char				buf[4096];
	size_t				got;
	long				before;
	int				fd;

	start_tls(NULL, NULL);
	before = stat_of(NULL, "ssl_handshake_errors");
	cr_assert_eq(before, 0);

	cr_assert_geq(fd = client_connect(d.d_port), 0);
	cr_assert_eq(client_sends(fd, "version\r\n"), 0);
	cr_assert(read_until_gone(fd, buf, sizeof(buf), &got, 3000),
	    "plaintext on the TLS port: still open after 3 s");
	cr_assert(!contains(buf, got, "VERSION") && !contains(buf, got,
	    "ERROR"), "a memcached reply on the TLS port: [%s]", buf);
	close(fd);
	cr_assert_geq(stat_reaches("ssl_handshake_errors", before + 1, 2000),
	    before + 1, "plaintext handshake not counted");

	cr_assert_geq(fd = client_connect(d.d_port), 0);
	cr_assert_eq(client_send(fd, bin_version, sizeof(bin_version)), 0);
	cr_assert(read_until_gone(fd, buf, sizeof(buf), &got, 3000),
	    "binary protocol on the TLS port: still open after 3 s");
	/* A binary reply would start with the response magic, 0x81. */
	cr_assert(got == 0 || (unsigned char)buf[0] != 0x81,
	    "a binary reply");
	close(fd);
	cr_assert_geq(stat_reaches("ssl_handshake_errors", before + 2, 2000),
	    before + 2);

	probe_ok(NULL, "TLS client after plaintext ones");
}

/*
 * 6. notls: listeners beside TLS ones, in the repeated and the comma
 * separated -l forms: plaintext where notls:, TLS elsewhere, one cache.
 */
Test(tls, notls_listeners)
{
	char		 list[128], out[4096], buf[4096];
	const char	*args[] = { "-Z", "-o", NULL, "-l", list, NULL };
	size_t		 got;
	int		 p3, p4, fd, st;

	do
		p3 = daemon_free_port();
	while (p3 == -1);
	do
		p4 = daemon_free_port();
	while (p4 == p3 || p4 == -1);
	args[2] = ssl_opts(NULL);
	/* p3 plaintext, p4 TLS (its own port, so -p does not apply). */
	(void)snprintf(list, sizeof(list), "notls:127.0.0.1:%d,127.0.0.1:%d",
	    p3, p4);
	cr_assert_eq(daemon_start_tls(&d, NULL, args, &plain_port), 0,
	    "%s", daemon_log());

	/* Plaintext where notls: says so. */
	cr_assert_geq(fd = client_connect(plain_port), 0);
	cr_assert(client_expect(fd, "set plain 0 0 3\r\nabc\r\n", "\r\n",
	    "STORED\r\n"));
	close(fd);
	cr_assert_geq(fd = client_connect(p3), 0);
	cr_assert(client_expect(fd, "get plain\r\n", "END\r\n",
	    "VALUE plain 0 3\r\nabc\r\nEND\r\n"));
	close(fd);

	/* TLS on both TLS ports, plaintext refused there. */
	probe_ok(NULL, "TLS on the -p port");
	st = py(out, sizeof(out), "probe %d %s", p4, certdir);
	cr_assert_eq(st, 0, "TLS on the port of -l 127.0.0.1:%d: %d: %s", p4,
	    st, out);
	cr_assert_geq(fd = client_connect(p4), 0);
	cr_assert_eq(client_sends(fd, "get plain\r\n"), 0);
	cr_assert(read_until_gone(fd, buf, sizeof(buf), &got, 3000),
	    "plaintext on a TLS port: still open after 3 s");
	cr_assert(!contains(buf, got, "VALUE") && !contains(buf, got, "END"),
	    "plaintext answered on a TLS port: [%s]", buf);
	close(fd);

	/* A TLS client on a notls: port is not served TLS. */
	st = py(out, sizeof(out), "probe %d %s", plain_port, certdir);
	cr_assert_neq(st, 0, "TLS handshake on a notls: port: %s", out);
	st = py(out, sizeof(out), "probe %d %s", p3, certdir);
	cr_assert_neq(st, 0, "TLS handshake on a notls: port: %s", out);

	/* One cache: what TLS stored, plaintext reads. */
	st = py(out, sizeof(out), "roundtrip %d %s", p4, certdir);
	cr_assert_eq(st, 0, "%s", out);
	cr_assert_geq(fd = client_connect(p3), 0);
	cr_assert(client_expect(fd, "get tls:n\r\n", "END\r\n",
	    "VALUE tls:n 0 2\r\n40\r\nEND\r\n"));
	close(fd);
}

/* Unix sockets stay plaintext under -Z. */
Test(tls, unix_socket_plaintext)
{
	char		 path[160];
	const char	*args[] = { "-Z", "-o", NULL, "-s", path, NULL };
	int		 fd;

	args[2] = ssl_opts(NULL);
	(void)snprintf(path, sizeof(path), "%s/mc.sock", certdir);
	cr_assert_eq(daemon_start_unix(&d, args, path), 0,
	    "a plaintext version on the unix socket of a -Z daemon");
	cr_assert_geq(fd = client_connect_unix(path), 0);
	cr_assert(client_expect(fd, "set u 0 0 1\r\nx\r\nget u\r\n", "END\r\n",
	    "STORED\r\nVALUE u 0 1\r\nx\r\nEND\r\n"));
	close(fd);
}

/* Hex digits to bytes: how many. */
static size_t
unhex(const char *hex, unsigned char *out, size_t max)
{
	size_t	n = 0;
	unsigned int	b;

	while (n < max && sscanf(hex + 2 * n, "%2x", &b) == 1)
		out[n++] = (unsigned char)b;
	return (n);
}

#define GARBAGE_CONNS	50
#define STALLED_CONNS	20
#define TRUNCATED_LEN	40

/*
 * 7. Hostile handshakes (garbage, truncated ClientHellos that stall, a
 * ClientHello dribbled a byte every 200 ms) while a TLS client works:
 * its operations all succeed, promptly; with request_timeout=2 the stalled
 * handshakes are closed within a few seconds.
 */
Test(tls, hostile_handshakes)
{
	unsigned char	 hello[4096], junk[512];
	char		 out[8192], line[256], cmd[1024];
	int		 garbage[GARBAGE_CONNS], stalled[STALLED_CONNS], slow;
	long		 gone_g[GARBAGE_CONNS], gone_s[STALLED_CONNS], gone_slow;
	long		 t0, now, next_byte, ops, errors, worst;
	long		 errs, timeouts;
	size_t		 hello_len, slow_sent = 0, i, j;
	struct pollfd	 pfd;
	pid_t		 net;
	FILE		*loop;
	int		 st, open_left;

	start_tls(NULL, "request_timeout=2");
	cr_assert_gt(net = daemon_child(&d, "net"), 0);

	/* A real ClientHello, from python's ssl. */
	st = py(out, sizeof(out), "clienthello");
	cr_assert_eq(st, 0, "%s", out);
	hello_len = unhex(out, hello, sizeof(hello));
	cr_assert_gt(hello_len, 100, "ClientHello of %zu bytes", hello_len);
	cr_assert_eq(hello[0], 0x16, "not a handshake record");

	/* The good client: sets and gets for 8 s. */
	(void)snprintf(cmd, sizeof(cmd), "/usr/bin/python3 "
	    "%s/tests/integ/tls_client.py loop %d %s 8 2>&1", daemon_src(),
	    d.d_port, certdir);
	cr_assert_not_null(loop = popen(cmd, "r"));
	cr_assert_not_null(fgets(line, sizeof(line), loop));
	cr_assert_str_eq(line, "started\n", "good client: %s", line);

	srandom((unsigned)getpid());
	t0 = client_now_ms();
	for (i = 0; i < GARBAGE_CONNS; i++) {
		for (j = 0; j < sizeof(junk); j++)
			junk[j] = (unsigned char)random();
		/*
		 * Nothing the server should wait on: a printable first byte
		 * is no SSLv2 header, and a second byte other than 3 no TLS
		 * record header (one whose length goes past what we send
		 * would rightly be waited for, until request_timeout).
		 */
		junk[0] = (unsigned char)(0x20 + random() % 0x5f);
		if (junk[1] == 0x03)
			junk[1] = 0x04;
		cr_assert_geq(garbage[i] = client_connect(d.d_port), 0);
		(void)client_send(garbage[i], junk, sizeof(junk));
		gone_g[i] = -1;
	}
	for (i = 0; i < STALLED_CONNS; i++) {
		cr_assert_geq(stalled[i] = client_connect(d.d_port), 0);
		cr_assert_eq(client_send(stalled[i], hello, TRUNCATED_LEN), 0);
		gone_s[i] = -1;
	}
	cr_assert_geq(slow = client_connect(d.d_port), 0);
	gone_slow = -1;
	next_byte = t0;

	/* Up to 8 s: dribble, and note when each connection ends. */
	open_left = GARBAGE_CONNS + STALLED_CONNS + 1;
	while (open_left > 0 && (now = client_now_ms()) - t0 < 8000) {
		if (gone_slow == -1 && now >= next_byte &&
		    slow_sent < hello_len) {
			if (send(slow, hello + slow_sent, 1,
			    MSG_NOSIGNAL) == 1)
				slow_sent++;
			next_byte += 200;
		}
		for (i = 0; i < GARBAGE_CONNS + STALLED_CONNS + 1; i++) {
			int	 fd;
			long	*gone;

			if (i < GARBAGE_CONNS) {
				fd = garbage[i];
				gone = &gone_g[i];
			} else if (i < GARBAGE_CONNS + STALLED_CONNS) {
				fd = stalled[i - GARBAGE_CONNS];
				gone = &gone_s[i - GARBAGE_CONNS];
			} else {
				fd = slow;
				gone = &gone_slow;
			}
			if (*gone != -1)
				continue;
			pfd.fd = fd;
			pfd.events = POLLIN;
			pfd.revents = 0;
			if (poll(&pfd, 1, 0) <= 0)
				continue;
			/* Alerts are fine; a hang-up ends it. */
			{
				char	buf[1024];
				ssize_t	n = recv(fd, buf, sizeof(buf),
				    MSG_DONTWAIT);

				if (n == 0 || (n == -1 && errno != EAGAIN &&
				    errno != EINTR)) {
					*gone = client_now_ms() - t0;
					open_left--;
				}
			}
		}
		client_sleep_ms(10);
	}

	for (i = 0; i < GARBAGE_CONNS; i++) {
		cr_assert_neq(gone_g[i], -1, "garbage connection %zu still "
		    "open after 8 s", i);
		cr_assert_lt(gone_g[i], 3000, "garbage connection %zu closed "
		    "only after %ld ms", i, gone_g[i]);
		close(garbage[i]);
	}
	for (i = 0; i < STALLED_CONNS; i++) {
		cr_assert_neq(gone_s[i], -1, "truncated ClientHello %zu still "
		    "open after 8 s (request_timeout=2)", i);
		/* Part of a record is no error: the server must wait. */
		cr_assert_geq(gone_s[i], 1500, "truncated ClientHello %zu "
		    "closed after %ld ms, before request_timeout", i,
		    gone_s[i]);
		cr_assert_lt(gone_s[i], 6500, "truncated ClientHello %zu "
		    "closed after %ld ms", i, gone_s[i]);
		close(stalled[i]);
	}
	cr_assert_neq(gone_slow, -1, "a ClientHello dribbled a byte every "
	    "200 ms is still being read after 8 s (%zu of %zu bytes)",
	    slow_sent, hello_len);
	cr_assert_geq(gone_slow, 1500, "dribbled ClientHello closed after "
	    "%ld ms", gone_slow);
	cr_assert_lt(gone_slow, 6500, "dribbled ClientHello closed only "
	    "after %ld ms", gone_slow);
	cr_assert_lt(slow_sent, hello_len);
	close(slow);

	/* The good client was never failed, nor kept waiting. */
	st = read_close(loop, out, sizeof(out));
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "good client failed: %s", out);
	cr_assert(sscanf(strstr(out, "ops ") != NULL ? strstr(out, "ops ") :
	    "", "ops %ld errors %ld max_ms %ld", &ops, &errors, &worst) == 3,
	    "good client said: %s", out);
	cr_assert_eq(errors, 0);
	cr_assert_gt(ops, 100, "only %ld operations in 8 s", ops);
	cr_assert(SANITIZED || worst < 1000,
	    "the good client waited %ld ms for an answer", worst);

	/* Counted; the net child is the same; new clients are served. */
	errs = stat_of(NULL, "ssl_handshake_errors");
	timeouts = stat_of(NULL, "privcached_request_timeouts");
	cr_assert_geq(errs, GARBAGE_CONNS, "ssl_handshake_errors %ld: %s",
	    errs, daemon_log());
	cr_assert_geq(errs + (timeouts > 0 ? timeouts : 0),
	    GARBAGE_CONNS + STALLED_CONNS + 1,
	    "ssl_handshake_errors %ld + request timeouts %ld", errs,
	    timeouts);
	cr_assert_eq(daemon_child(&d, "net"), net, "the net child changed");
	probe_ok(NULL, "a new TLS client afterwards");
}

/*
 * request_timeout=2 closes a connection that stops half way through TLS:
 * one that never starts its handshake, one that sends half a record after
 * the handshake (bytes of a request the server holds but cannot use yet,
 * as a partial plaintext request), one with a partial request inside
 * TLS.
 */
Test(tls, stalls_after_handshake_time_out)
{
	static const char	*modes[] = { "silent", "record", "request" };
	char			 out[4096], want[32], *p;
	long			 ms;
	size_t			 i;
	int			 st;

	start_tls(NULL, "request_timeout=2");
	st = py(out, sizeof(out), "stall %d %s 7 silent record request",
	    d.d_port, certdir);
	cr_assert_eq(st, 0, "%s", out);
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		(void)snprintf(want, sizeof(want), "%s closed ", modes[i]);
		p = strstr(out, want);
		cr_assert_not_null(p, "%s connection not closed by "
		    "request_timeout=2 within 7 s: %s", modes[i], out);
		ms = strtol(p + strlen(want), NULL, 10);
		cr_assert_geq(ms, 1500, "%s closed after %ld ms", modes[i], ms);
		cr_assert_lt(ms, 6500, "%s closed after %ld ms", modes[i], ms);
	}
	probe_ok(NULL, "a TLS client afterwards");
}

/*
 * 8. Start-up errors name the problem and exit non-zero, before anything
 * serves: the parent reads the files' bytes, the first net child builds
 * the context and the parent stops the start if it could not.  `how' is
 * NULL (a start in the foreground), "--check-config" (the one place the
 * parent builds a context) or "-d" (the shell's process exits with the
 * daemon's failure; its reason goes to syslog).
 */
static void
expect_start_error_as(const char *how, const char *opts, const char *needle,
    const char *needle2)
{
	char		 port[16], out[8192];
	const char	*args[] = { "-Z", "-p", port, "-l", "127.0.0.1", "-o",
	    opts, how, NULL };
	int		 st;

	(void)snprintf(port, sizeof(port), "%d", daemon_free_port());
	st = daemon_run_fail(args, out, sizeof(out));
	cr_assert(st != -1, "%s -o %s: still running after 5 s",
	    how != NULL ? how : "", opts);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) != 0,
	    "%s -o %s: status %d", how != NULL ? how : "", opts, st);
	if (how != NULL && strcmp(how, "-d") == 0) {
		cr_assert_eq(client_connect(atoi(port)), -1,
		    "-d -o %s: something listens on %s", opts, port);
		/* What fails after the fork is in syslog. */
		needle2 = "the daemon did not start (status 1)";
	}
	cr_assert(strstr(out, needle) != NULL ||
	    (needle2 != NULL && strstr(out, needle2) != NULL),
	    "%s -o %s: the message does not name %s: %s",
	    how != NULL ? how : "", opts, needle, out);
}

static void
expect_start_error(const char *opts, const char *needle,
    const char *needle2)
{
	expect_start_error_as(NULL, opts, needle, needle2);
}

/*
 * What the net child refuses at start (the parent reads them fine): a key
 * that does not match the certificate, a certificate or a CA bundle that
 * is not PEM.  Each stops a start, a --check-config and a -d start.
 */
Test(tls, startup_refused_by_net_child)
{
	const char	*hows[] = { NULL, "--check-config", "-d" };
	char		 mismatch[1024], badcert[1024], badca[1536];
	char		 garbage[256];
	FILE		*fp;
	size_t		 i;

	(void)snprintf(garbage, sizeof(garbage), "%s/garbage.pem", certdir);
	cr_assert_not_null(fp = fopen(garbage, "w"));
	fputs("-----BEGIN CERTIFICATE-----\nnot base64 at all!\n"
	    "-----END CERTIFICATE-----\n", fp);
	cr_assert_eq(fclose(fp), 0);
	(void)snprintf(mismatch, sizeof(mismatch), "ssl_chain_cert=%s/"
	    "server.crt,ssl_key=%s/client.key", certdir, certdir);
	(void)snprintf(badcert, sizeof(badcert), "ssl_chain_cert=%s,"
	    "ssl_key=%s/server.key", garbage, certdir);
	(void)snprintf(badca, sizeof(badca), "%s,ssl_ca_cert=%s,"
	    "ssl_verify_mode=2", ssl_opts(NULL), garbage);
	for (i = 0; i < sizeof(hows) / sizeof(hows[0]); i++) {
		expect_start_error_as(hows[i], mismatch, "ssl_key", "match");
		expect_start_error_as(hows[i], badcert, "ssl_chain_cert",
		    NULL);
		expect_start_error_as(hows[i], badca, "ssl_ca_cert", NULL);
	}
	/* Unreadable: the parent's own read names it, whatever the mode. */
	(void)snprintf(badca, sizeof(badca), "ssl_chain_cert=%s/server.crt,"
	    "ssl_key=%s/nonexistent.key", certdir, certdir);
	for (i = 0; i < sizeof(hows) / sizeof(hows[0]); i++)
		expect_start_error_as(hows[i], badca, "ssl_key", NULL);
}

/* A -d start with good files: the shell's process exits 0 once it serves. */
Test(tls, detached_start_serves_when_shell_returns)
{
	char		 port[16], pidfile[160], buf[32];
	const char	*args[] = { "-d", "-Z", "-p", port, "-l", "127.0.0.1",
	    "-P", pidfile, "-o", ssl_opts(NULL), NULL };
	FILE		*fp;
	pid_t		 pid;
	int		 st, fd;

	(void)snprintf(port, sizeof(port), "%d", daemon_free_port());
	(void)snprintf(pidfile, sizeof(pidfile), "%s/pid", certdir);
	st = daemon_run_detached(&d, args);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
	/* No waiting: ready was said only once the net child listened. */
	cr_assert_geq(fd = client_connect(atoi(port)), 0,
	    "nothing listens when -d returns");
	close(fd);
	cr_assert_not_null(fp = fopen(pidfile, "r"));
	cr_assert_not_null(fgets(buf, sizeof(buf), fp));
	fclose(fp);
	cr_assert_gt(pid = atoi(buf), 0);
	cr_assert_eq(daemon_stop_detached(pid), 0, "the daemon stopped");
	cr_assert_neq(access(pidfile, F_OK), 0, "pidfile removed");
}

Test(tls, startup_errors)
{
	char	opts[1024];

	(void)snprintf(opts, sizeof(opts), "ssl_key=%s/server.key", certdir);
	expect_start_error(opts, "ssl_chain_cert", NULL);

	(void)snprintf(opts, sizeof(opts), "ssl_chain_cert=%s/nonexistent.crt,"
	    "ssl_key=%s/server.key", certdir, certdir);
	expect_start_error(opts, "ssl_chain_cert", NULL);

	/* What the net child refuses: startup_refused_by_net_child. */
	expect_start_error(ssl_opts("ssl_ca_cert=/nonexistent/ca.crt,"
	    "ssl_verify_mode=2"), "ssl_ca_cert", NULL);
	expect_start_error(ssl_opts("ssl_min_version=9"), "ssl_min_version",
	    NULL);
	expect_start_error(ssl_opts("ssl_verify_mode=7"), "ssl_verify_mode",
	    NULL);
	expect_start_error(ssl_opts("ssl_ciphers=NOT-A-CIPHER"),
	    "ssl_ciphers", NULL);
}

/*
 * 9. SIGHUP re-reads the certificate and key: new connections get the new
 * certificate, a connection from before keeps working.
 */
Test(tls, sighup_reloads_certificate)
{
	char	out[8192];
	int	st;

	long	age;

	start_tls(NULL, NULL);
	st = probe(out, sizeof(out), NULL);
	cr_assert_eq(st, 0, "%s", out);
	cr_assert(strstr(out, "cn=privcached-test-server-1 serial=4097 ") !=
	    NULL, "%s", out);
	/* Old enough that a refresh shows in the age. */
	age = stat_reaches("time_since_server_cert_refresh", 2, 4000);
	cr_assert_geq(age, 2, "time_since_server_cert_refresh %ld", age);
	st = py(out, sizeof(out), "reload %d %s %d", d.d_port, certdir,
	    (int)d.d_pid);
	cr_assert_eq(st, 0, "reload: status %d: %s", st, out);
	st = probe(out, sizeof(out), NULL);
	cr_assert_eq(st, 0, "%s", out);
	cr_assert(strstr(out, "cn=privcached-test-server-2 serial=8193 ") !=
	    NULL, "after SIGHUP: %s", out);
	cr_assert_lt(stat_of(NULL, "time_since_server_cert_refresh"), age,
	    "time_since_server_cert_refresh did not restart");
	cr_assert_gt(daemon_child(&d, "net"), 0);
}

/*
 * A net child that dies is replaced by one that serves TLS with the
 * certificate loaded last (by SIGHUP), not the one of the start.
 */
Test(tls, respawned_net_child_serves_reloaded_certificate)
{
	char	out[8192];
	pid_t	net;
	long	end;
	int	st;

	start_tls(NULL, NULL);
	st = py(out, sizeof(out), "reload %d %s %d", d.d_port, certdir,
	    (int)d.d_pid);
	cr_assert_eq(st, 0, "reload: status %d: %s", st, out);
	cr_assert_gt(net = daemon_child(&d, "net"), 0);
	cr_assert_eq(kill(net, SIGKILL), 0);
	cr_assert_gt(daemon_wait_new_child(&d, "net", net, 5000), 0, "no new net child");
	/* Until the new child accepts (it may still be starting). */
	end = client_now_ms() + 5000;
	while ((st = probe(out, sizeof(out), NULL)) != 0 && client_now_ms() < end)
		client_sleep_ms(50);
	cr_assert_eq(st, 0, "TLS after the net child was replaced: %s", out);
	cr_assert(strstr(out, "cn=privcached-test-server-2 serial=8193 ") !=
	    NULL, "the new net child serves: %s", out);
	st = py(out, sizeof(out), "roundtrip %d %s", d.d_port, certdir);
	cr_assert_eq(st, 0, "%s", out);
}

/* A reload that fails keeps the certificate that works, and the daemon. */
Test(tls, sighup_bad_certificate_keeps_old)
{
	char	out[8192];
	int	st;

	long	age;

	start_tls(NULL, NULL);
	age = stat_reaches("time_since_server_cert_refresh", 1, 3000);
	cr_assert_geq(age, 1, "time_since_server_cert_refresh %ld", age);
	st = py(out, sizeof(out), "badreload %d %s %d", d.d_port, certdir,
	    (int)d.d_pid);
	cr_assert_eq(st, 0, "bad reload: status %d: %s", st, out);
	cr_assert_eq(daemon_wait_exit(d.d_pid, 0), -1, "the daemon exited");
	/* Nothing was refreshed. */
	cr_assert_gt(stat_of(NULL, "time_since_server_cert_refresh"), age,
	    "time_since_server_cert_refresh restarted on failed reloads");
}

/*
 * The parent does not parse a reload's files: the net child refuses them,
 * and the parent then keeps the set that worked, so a net child started
 * after the failed reload still serves the first certificate.
 */
Test(tls, bad_reload_then_respawn_serves_old)
{
	char	out[8192];
	pid_t	net;
	long	end;
	int	st;

	start_tls(NULL, NULL);
	st = py(out, sizeof(out), "badreload %d %s %d", d.d_port, certdir,
	    (int)d.d_pid);
	cr_assert_eq(st, 0, "bad reload: status %d: %s", st, out);
	cr_assert(daemon_log_has(&d, "keeping the one before", 5000),
	    "%s", daemon_log());
	cr_assert_gt(net = daemon_child(&d, "net"), 0);
	cr_assert_eq(kill(net, SIGKILL), 0);
	cr_assert_gt(daemon_wait_new_child(&d, "net", net, 5000), 0);
	end = client_now_ms() + 5000;
	while ((st = probe(out, sizeof(out), NULL)) != 0 &&
	    client_now_ms() < end)
		client_sleep_ms(50);
	cr_assert_eq(st, 0, "TLS after the net child was replaced: %s", out);
	cr_assert(strstr(out, "cn=privcached-test-server-1 serial=4097 ") !=
	    NULL, "the first certificate: %s", out);
}

/* The hooks build, or the test is skipped; then a TLS daemon as usual. */
static void
start_tls_hooks(void)
{
	if (daemon_use_hooks() == -1)
		cr_skip_test("no test-hooks build (make hooks-bin)");
	start_tls(NULL, NULL);
}

/* "misbehave <what>" to the net child, over the plaintext listener. */
static void
misbehave(const char *what)
{
	char	req[64];
	int	fd;

	(void)snprintf(req, sizeof(req), "misbehave %s\r\n", what);
	cr_assert_geq(fd = client_connect(plain_port), 0);
	cr_assert(client_expect(fd, req, "\r\n", "OK\r\n"), "%s", req);
	close(fd);
}

/* Until a TLS probe succeeds (a new net child may still be starting). */
static void
probe_serves(const char *cn, int ms)
{
	char	out[8192];
	long	end = client_now_ms() + ms;
	int	st;

	while ((st = probe(out, sizeof(out), NULL)) != 0 &&
	    client_now_ms() < end)
		client_sleep_ms(50);
	cr_assert_eq(st, 0, "TLS after the net child was replaced: %s", out);
	cr_assert(strstr(out, cn) != NULL, "serves %s: %s", cn, out);
}

/*
 * A compromised net child says again that the start's files do not work:
 * it is killed, not the daemon, and the next one serves.
 */
Test(tls, second_verdict_kills_only_the_child)
{
	start_tls_hooks();
	misbehave("tlsrefused");
	cr_assert(daemon_log_has(&d, "second verdict on its TLS files; "
	    "killing it", 5000), "%s", daemon_log());
	cr_assert_eq(daemon_wait_exit(d.d_pid, 0), -1, "the daemon exited");
	probe_serves("cn=privcached-test-server-1 serial=4097 ", 5000);
}

/*
 * A compromised net child vouches for a reload's broken files: the next
 * new net child (which has read no client byte) refuses them, the parent
 * goes back to the certificate before, and the one after serves it.
 */
Test(tls, lying_child_cannot_keep_broken_reload)
{
	char	path[256];
	FILE	*fp;
	pid_t	net;

	start_tls_hooks();
	misbehave("tlsvouch");
	(void)snprintf(path, sizeof(path), "%s/server.crt", certdir);
	cr_assert_not_null(fp = fopen(path, "w"));
	fputs("-----BEGIN CERTIFICATE-----\nnot base64 at all!\n"
	    "-----END CERTIFICATE-----\n", fp);
	cr_assert_eq(fclose(fp), 0);
	cr_assert_eq(kill(d.d_pid, SIGHUP), 0);
	cr_assert(daemon_log_has(&d, "reload: the new TLS certificate is in "
	    "use", 5000), "the lie believed: %s", daemon_log());
	cr_assert_gt(net = daemon_child(&d, "net"), 0);
	cr_assert_eq(kill(net, SIGKILL), 0);
	cr_assert(daemon_log_has(&d, "back to the certificate before", 5000),
	    "%s", daemon_log());
	probe_serves("cn=privcached-test-server-1 serial=4097 ", 10000);
}

/*
 * Several net children (-t 3): each serves TLS, a SIGHUP reaches them all,
 * and their handshake errors add up in stats.
 */
Test(tls, several_net_children)
{
	char		 out[8192], *p;
	const char	*args[] = { "-Z", "-o", NULL, "-t", "3", NULL };
	pid_t		 kids[16];
	long		 before, end;
	int		 st, i, fd, lines, old;

	args[2] = ssl_opts(NULL);
	cr_assert_eq(daemon_start_tls(&d, NULL, args, &plain_port), 0,
	    "%s", daemon_log());
	cr_assert_eq(daemon_children(d.d_pid, kids, 16), 4,
	    "storage and three net children");
	before = stat_of(NULL, "ssl_handshake_errors");
	cr_assert_eq(before, 0);
	for (i = 0; i < 12; i++) {
		cr_assert_geq(fd = client_connect(d.d_port), 0);
		cr_assert_eq(client_sends(fd, "version\r\n"), 0);
		cr_assert(client_closed(fd), "plaintext %d on TLS", i);
		close(fd);
	}
	cr_assert_eq(stat_reaches("ssl_handshake_errors", 12, 2000), 12,
	    "twelve failed handshakes over three children");

	st = py(out, sizeof(out), "reload %d %s %d", d.d_port, certdir,
	    (int)d.d_pid);
	cr_assert_eq(st, 0, "reload: status %d: %s", st, out);
	/*
	 * Every child takes it on its own time: many connections, again
	 * until each one got the new certificate.
	 */
	end = client_now_ms() + 5000;
	do {
		st = py(out, sizeof(out), "peers %d %s 30", d.d_port, certdir);
		cr_assert_eq(st, 0, "%s", out);
		for (lines = 0, old = 0, p = out;
		    (p = strstr(p, "cn=")) != NULL; p++, lines++)
			if (strncmp(p, "cn=privcached-test-server-2 "
			    "serial=8193", 39) != 0)
				old++;
	} while (old > 0 && client_now_ms() < end);
	cr_assert_eq(old, 0, "a connection after SIGHUP got the old "
	    "certificate: %s", out);
	cr_assert_eq(lines, 30, "%s", out);
}

/* 10. ssl_min_version=3: TLS 1.2 clients refused, TLS 1.3 served. */
Test(tls, min_version_13)
{
	char	out[4096];
	int	st;

	start_tls(NULL, "ssl_min_version=3");
	{
		char	buf[65536];

		plain_until_end("stats settings\r\n", buf, sizeof(buf));
		/* As memcached says it. */
		cr_assert(strstr(buf, "STAT ssl_min_version tlsv1.3\r\n") !=
		    NULL, "stats settings: %s", buf);
	}
	probe_refused("--max 1.2", "a TLS 1.2 client under ssl_min_version=3");
	st = probe(out, sizeof(out), NULL);
	cr_assert_eq(st, 0, "%s", out);
	cr_assert(strncmp(out, "OK TLSv1.3 ", 11) == 0, "%s", out);
}

/* ssl_ciphers limits the TLS 1.2 cipher suites. */
Test(tls, ciphers)
{
	char	out[4096];
	int	st;

	start_tls(NULL, "ssl_ciphers=ECDHE-ECDSA-AES128-GCM-SHA256");
	probe_refused("--max 1.2 --ciphers ECDHE-ECDSA-CHACHA20-POLY1305",
	    "a cipher not in ssl_ciphers");
	st = probe(out, sizeof(out), "--max 1.2");
	cr_assert_eq(st, 0, "%s", out);
	cr_assert(strncmp(out, "OK TLSv1.2 ECDHE-ECDSA-AES128-GCM-SHA256 ",
	    41) == 0, "%s", out);
}

/* 11. A daemon started by an unprivileged user serves TLS too. */
Test(tls, unprivileged_user)
{
	char	out[8192];
	int	st;

	char		 key[256];
	struct passwd	*pw;

	if (geteuid() != 0)
		cr_skip_test("needs root to become nobody");
	/* Its key, 0600, as an operator would give it. */
	cr_assert_not_null(pw = getpwnam("nobody"));
	(void)snprintf(key, sizeof(key), "%s/server.key", certdir);
	cr_assert_eq(chown(key, pw->pw_uid, pw->pw_gid), 0);
	start_tls("nobody", NULL);
	st = py(out, sizeof(out), "roundtrip %d %s", d.d_port, certdir);
	cr_assert_eq(st, 0, "pymemcache over TLS, daemon as nobody: %d: %s",
	    st, out);
}
