/*
 * The net child keeps no copy of a password: after ASCII and SASL logins,
 * right and wrong, every readable mapping of the net child is searched
 * for the passwords (Linux: /proc/PID/maps and /proc/PID/mem, as root).
 */

#include <sys/types.h>

#include <arpa/inet.h>

#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "daemon.h"

/* Mappings larger than this are ASan's shadow, never the heap. */
#define SCAN_MAP_MAX	(256UL << 20)
#define SCAN_CHUNK	(1UL << 20)
/* A copy of any part of a password counts: it is searched in pieces. */
#define PIECES		4
#define PIECE		16
#define NNEEDLES	5	/* at most, per scan */

static struct daemon	d;
static char		users[128];

static void
fini(void)
{
	daemon_stop(&d);
	if (users[0] != '\0')
		(void)unlink(users);
}

TestSuite(auth_wipe, .fini = fini, .timeout = 60);

/*
 * A password seen nowhere else: a tag, then random hex, PIECES pieces of
 * PIECE characters, each one unique enough to be searched alone.
 */
static void
make_secret(char *out, size_t len, const char *tag)
{
	static int	seeded;
	size_t		i, n;

	if (!seeded) {
		srandom((unsigned int)getpid() ^ (unsigned int)client_now_ms());
		seeded = 1;
	}
	n = (size_t)snprintf(out, len, "%s-", tag);
	cr_assert_gt(len, n + PIECES * PIECE);
	for (i = 0; i < PIECES * PIECE; i += 4, n += 4)
		(void)snprintf(out + n, len - n, "%04lx", random() & 0xffff);
}

/* The ASCII login's answer: 1 if STORED. */
static int
ascii_login(int fd, const char *user, const char *pass)
{
	char	req[512], rep[128];

	(void)snprintf(req, sizeof(req), "set auth 0 0 %zu\r\n%s %s\r\n",
	    strlen(user) + 1 + strlen(pass), user, pass);
	cr_assert_eq(client_sends(fd, req), 0);
	cr_assert_gt(client_recv_until(fd, rep, sizeof(rep), "\r\n"), 0,
	    "an answer to the login");
	return (strcmp(rep, "STORED\r\n") == 0);
}

/* A binary SASL PLAIN login ("\0user\0pass"): the answer's status. */
static int
sasl_login(int fd, const char *user, const char *pass)
{
	uint8_t		p[24 + 5 + 2 + 64 + 256], h[24];
	char		body[64];
	size_t		ulen = strlen(user), plen = strlen(pass);
	size_t		vlen = 2 + ulen + plen;
	uint32_t	blen = htonl(5 + vlen), n;
	uint16_t	klen = htons(5), st;

	cr_assert_leq(24 + 5 + vlen, sizeof(p));
	memset(p, 0, 24);
	p[0] = 0x80;
	p[1] = 0x21;		/* SASL auth */
	memcpy(p + 2, &klen, 2);
	memcpy(p + 8, &blen, 4);
	memcpy(p + 24, "PLAIN", 5);
	p[29] = '\0';
	memcpy(p + 30, user, ulen);
	p[30 + ulen] = '\0';
	memcpy(p + 31 + ulen, pass, plen);
	cr_assert_eq(client_send(fd, p, 24 + 5 + vlen), 0);
	cr_assert_eq(client_recv_exact(fd, h, sizeof(h)), 0, "an answer");
	memcpy(&st, h + 6, 2);
	memcpy(&n, h + 8, 4);
	n = ntohl(n);
	cr_assert_lt(n, sizeof(body));
	cr_assert_eq(client_recv_exact(fd, body, n), 0);
	return (ntohs(st));
}

/*
 * Searches every readable mapping of pid for the needles' random parts;
 * found[i] set for each one with any piece seen.  The bytes read, so a scan that read nothing fails.
 */
static size_t
scan_memory(pid_t pid, char *const needles[], int found[], size_t nneedles)
{
	char		 path[64], line[512], *chunk;
	unsigned long	 start, end, at;
	const char	*hex;
	size_t		 i, k, total = 0, want;
	ssize_t		 n;
	FILE		*maps;
	int		 mem;

	cr_assert_not_null(chunk = malloc(SCAN_CHUNK + PIECE));
	(void)snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	cr_assert_not_null(maps = fopen(path, "r"), "%s", path);
	(void)snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	cr_assert_geq(mem = open(path, O_RDONLY), 0, "%s", path);
	while (fgets(line, sizeof(line), maps) != NULL) {
		char	perms[8];

		if (sscanf(line, "%lx-%lx %7s", &start, &end, perms) != 3)
			continue;
		if (perms[0] != 'r' || end - start > SCAN_MAP_MAX ||
		    strstr(line, "[vvar") != NULL ||
		    strstr(line, "[vsyscall]") != NULL)
			continue;
		/* Chunks overlap by a piece, so none is cut in two. */
		for (at = start; at < end; at += SCAN_CHUNK) {
			want = end - at > SCAN_CHUNK + PIECE ? SCAN_CHUNK +
			    PIECE : end - at;
			if ((n = pread(mem, chunk, want, (off_t)at)) <= 0)
				break;
			total += n;
			for (i = 0; i < nneedles; i++) {
				hex = strchr(needles[i], '-') + 1;
				for (k = 0; k < PIECES; k++)
					if (memmem(chunk, n, hex + k * PIECE,
					    PIECE) != NULL)
						found[i] = 1;
			}
		}
	}
	close(mem);
	fclose(maps);
	free(chunk);
	return (total);
}

/* Starts the daemon with alice and bob (-Y, -S): its net child. */
static pid_t
start(const char *alice, const char *bob)
{
	const char	*args[] = { "-Y", users, "-S", NULL };
	FILE		*fp;
	pid_t		 net;

	(void)snprintf(users, sizeof(users), "/tmp/pc-wipe-%d", (int)getpid());
	cr_assert_not_null(fp = fopen(users, "w"));
	fprintf(fp, "alice:%s\nbob:%s\n", alice, bob);
	cr_assert_eq(fclose(fp), 0);
	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	cr_assert_gt(net = daemon_child(&d, "net"), 0);
	return (net);
}

/*
 * Stores value behind padding (so that the short requests after it, read
 * into the same input buffer, do not overwrite it): the scan's control,
 * since the net child does not wipe values.
 */
static void
store_control(int fd, const char *value)
{
	char	req[1024];

	(void)snprintf(req, sizeof(req), "set k 0 0 %zu\r\n%0400d%s\r\n",
	    400 + strlen(value), 0, value);
	cr_assert(client_expect(fd, req, "\r\n", "STORED\r\n"));
}

/*
 * One more round trip on fd (logged in), then the scan: the net child
 * serves one request at a time, so every login before that answer was
 * fully handled, wipes included.  The last needle is the control, which
 * must be found; none of the others may be.
 */
static void
assert_wiped(pid_t net, int fd, char *const needles[],
    const char *const what[], size_t nneedles)
{
	char	rep[128];
	int	found[NNEEDLES] = { 0 };
	size_t	i, scanned;

	cr_assert_leq(nneedles, NNEEDLES);
	cr_assert_eq(client_sends(fd, "version\r\n"), 0);
	cr_assert_gt(client_recv_until(fd, rep, sizeof(rep), "\r\n"), 0);
	cr_assert(strncmp(rep, "VERSION ", 8) == 0, "%s", rep);
	cr_assert_eq(daemon_child(&d, "net"), net, "the same net child");
	scanned = scan_memory(net, needles, found, nneedles);
	cr_assert_gt(scanned, 1UL << 20, "read only %zu bytes", scanned);
	cr_assert(found[nneedles - 1], "the scan finds %s (%zu bytes read)",
	    what[nneedles - 1], scanned);
	for (i = 0; i < nneedles - 1; i++)
		cr_expect(!found[i], "%s is still in the net child", what[i]);
}

Test(auth_wipe, no_password_left_in_the_net_child)
{
	char		 secret[NNEEDLES][128];
	char		*needles[NNEEDLES];
	const char	*what[NNEEDLES] = { "the ASCII login's password",
			    "a wrong ASCII password", "the SASL password",
			    "a wrong SASL password", "the stored value" };
	int		 good, bad, fd;
	size_t		 i;
	pid_t		 net;

	make_secret(secret[0], sizeof(secret[0]), "ascii");
	make_secret(secret[1], sizeof(secret[1]), "asciibad");
	make_secret(secret[2], sizeof(secret[2]), "sasl");
	make_secret(secret[3], sizeof(secret[3]), "saslbad");
	make_secret(secret[4], sizeof(secret[4]), "value");
	for (i = 0; i < NNEEDLES; i++)
		needles[i] = secret[i];
	net = start(secret[0], secret[2]);

	cr_assert_geq(good = client_connect(d.d_port), 0);
	cr_assert(ascii_login(good, "alice", secret[0]));
	store_control(good, secret[4]);
	cr_assert_geq(bad = client_connect(d.d_port), 0);
	cr_assert(!ascii_login(bad, "alice", secret[1]));
	close(bad);
	cr_assert_geq(fd = client_connect(d.d_port), 0);
	cr_assert_eq(sasl_login(fd, "bob", secret[2]), 0, "SASL accepted");
	/* A second login on a logged-in connection is one too. */
	cr_assert_eq(sasl_login(fd, "bob", secret[3]), 0x20,
	    "SASL refused");
	close(fd);
	assert_wiped(net, good, needles, what, NNEEDLES);
	close(good);
}

/*
 * A login cut in two waits in the connection's own buffer, which grows
 * (a copy) before the rest arrives.
 */
Test(auth_wipe, login_cut_in_two)
{
	char		 secret[3][128], req[512], rep[64];
	char		*needles[3] = { secret[0], secret[1], secret[2] };
	const char	*what[3] = { "the password sent in two parts",
			    "the unused password", "the stored value" };
	size_t		 half;
	int		 fd, other;
	pid_t		 net;

	make_secret(secret[0], sizeof(secret[0]), "split");
	make_secret(secret[1], sizeof(secret[1]), "unused");
	make_secret(secret[2], sizeof(secret[2]), "value");
	net = start(secret[0], secret[1]);
	cr_assert_geq(fd = client_connect(d.d_port), 0);
	(void)snprintf(req, sizeof(req), "set auth 0 0 %zu\r\nalice %s\r\n",
	    6 + strlen(secret[0]), secret[0]);
	half = strlen(req) - strlen(secret[0]) / 2 - 2;
	cr_assert_eq(client_send(fd, req, half), 0);
	/*
	 * Another connection's answer: the first half, sent before it, was
	 * read by then (one process, events in order of arrival).
	 */
	cr_assert_geq(other = client_connect(d.d_port), 0);
	cr_assert(client_expect(other, "get x\r\n", "\r\n",
	    "CLIENT_ERROR unauthenticated\r\n"));
	close(other);
	cr_assert_eq(client_sends(fd, req + half), 0);
	cr_assert_gt(client_recv_until(fd, rep, sizeof(rep), "\r\n"), 0);
	cr_assert_str_eq(rep, "STORED\r\n");
	store_control(fd, secret[2]);
	assert_wiped(net, fd, needles, what, 3);
	close(fd);
}
