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
#define NNEEDLES	5

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

/* A long password seen nowhere else: tag, this process and the clock. */
static void
make_secret(char *out, size_t len, const char *tag)
{
	(void)snprintf(out, len, "%s-%d-%ld-long-enough-to-be-unique-in-a-heap",
	    tag, (int)getpid(), client_now_ms());
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
 * Searches every readable mapping of pid for the needles; found[i] set
 * for each one seen.  The bytes read, so a scan that read nothing fails.
 */
static size_t
scan_memory(pid_t pid, char *const needles[], int found[], size_t nneedles)
{
	char		 path[64], line[512], *chunk;
	unsigned long	 start, end, at;
	size_t		 i, nlen, over = 0, total = 0, want;
	ssize_t		 n;
	FILE		*maps;
	int		 mem;

	for (i = 0; i < nneedles; i++)
		if ((nlen = strlen(needles[i])) > over)
			over = nlen;
	cr_assert_not_null(chunk = malloc(SCAN_CHUNK + over));
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
		/* Chunks overlap by a needle, so none is cut in two. */
		for (at = start; at < end; at += SCAN_CHUNK) {
			want = end - at > SCAN_CHUNK + over ? SCAN_CHUNK +
			    over : end - at;
			if ((n = pread(mem, chunk, want, (off_t)at)) <= 0)
				break;
			total += n;
			for (i = 0; i < nneedles; i++)
				if (memmem(chunk, n, needles[i],
				    strlen(needles[i])) != NULL)
					found[i] = 1;
		}
	}
	close(mem);
	fclose(maps);
	free(chunk);
	return (total);
}

Test(auth_wipe, no_password_left_in_the_net_child)
{
	const char	*args[] = { "-Y", users, "-S", NULL };
	char		 secret[NNEEDLES][128], req[1024], text[512];
	char		*needles[NNEEDLES];
	const char	*what[NNEEDLES] = { "the ASCII login's password",
			    "a wrong ASCII password", "the SASL password",
			    "a wrong SASL password", "the stored value" };
	int		 found[NNEEDLES] = { 0 };
	int		 good, bad, fd;
	size_t		 i, scanned;
	pid_t		 net;
	FILE		*fp;

	make_secret(secret[0], sizeof(secret[0]), "ascii");
	make_secret(secret[1], sizeof(secret[1]), "asciibad");
	make_secret(secret[2], sizeof(secret[2]), "sasl");
	make_secret(secret[3], sizeof(secret[3]), "saslbad");
	/* The control: a value, which the net child does not wipe. */
	make_secret(secret[4], sizeof(secret[4]), "value");
	for (i = 0; i < NNEEDLES; i++)
		needles[i] = secret[i];
	(void)snprintf(users, sizeof(users), "/tmp/pc-wipe-%d", (int)getpid());
	(void)snprintf(text, sizeof(text), "alice:%s\nbob:%s\n", secret[0],
	    secret[2]);
	cr_assert_not_null(fp = fopen(users, "w"));
	fputs(text, fp);
	cr_assert_eq(fclose(fp), 0);
	cr_assert_eq(daemon_start(&d, NULL, args), 0);
	cr_assert_gt(net = daemon_child(&d, "net"), 0);

	cr_assert_geq(good = client_connect(d.d_port), 0);
	cr_assert(ascii_login(good, "alice", secret[0]));
	/*
	 * Behind padding, so that the short requests below, read into the
	 * same input buffer, do not overwrite it.
	 */
	(void)snprintf(req, sizeof(req), "set k 0 0 %zu\r\n%0400d%s\r\n",
	    400 + strlen(secret[4]), 0, secret[4]);
	cr_assert(client_expect(good, req, "\r\n", "STORED\r\n"));

	cr_assert_geq(bad = client_connect(d.d_port), 0);
	cr_assert(!ascii_login(bad, "alice", secret[1]));
	close(bad);
	cr_assert_geq(fd = client_connect(d.d_port), 0);
	cr_assert_eq(sasl_login(fd, "bob", secret[2]), 0, "SASL accepted");
	close(fd);
	cr_assert_geq(fd = client_connect(d.d_port), 0);
	cr_assert_eq(sasl_login(fd, "bob", secret[3]), 0x20,
	    "SASL refused");
	close(fd);
	/*
	 * One more round trip: the net child serves one request at a time,
	 * so every login before it was fully handled (and wiped).
	 */
	cr_assert_eq(client_sends(good, "version\r\n"), 0);
	cr_assert_gt(client_recv_until(good, text, sizeof(text), "\r\n"), 0);
	cr_assert(strncmp(text, "VERSION ", 8) == 0, "%s", text);
	cr_assert_eq(daemon_child(&d, "net"), net, "the same net child");

	scanned = scan_memory(net, needles, found, NNEEDLES);
	cr_assert_gt(scanned, 1UL << 20, "read only %zu bytes", scanned);
	cr_assert(found[4], "the scan finds %s (%zu bytes read)", what[4],
	    scanned);
	for (i = 0; i < NNEEDLES - 1; i++)
		cr_expect(!found[i], "%s is still in the net child", what[i]);
	close(good);
}
