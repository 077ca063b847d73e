/*
 * loadgen: a memcached text-protocol load generator (privcached's bench/).
 *
 * One thread, one libevent loop.  Each of N connections keeps `depth'
 * requests outstanding: whenever a read pass completes some replies, the
 * same number of new requests is built into one buffer and sent with one
 * write (with -g, a connection waits for its whole group before sending the
 * next one).  Latency is per request, from the write that carried it to the
 * read that completed its reply, kept in a log-bucket histogram (64 linear
 * sub-buckets per power of two of nanoseconds: under 1.6% error).
 *
 * With --tls, every connection speaks TLS through libtls; the handshakes
 * all complete before the first phase that sends requests, so neither the
 * preload nor the measurement pays for them.
 *
 * Phases: [idle connections] -> [preload] -> warm-up -> measurement.
 * Output: a human summary, then one JSON line (starts with '{').
 * With -S, lines starting with '@' mark the phases on stdout (for scripts
 * that sample the server's CPU time and memory at those points).
 */

#define _GNU_SOURCE

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <tls.h>

#define PRELOAD_DEPTH	32
#define RBUF_SIZE	(256 * 1024)
#define KEY_DIGITS	10
#define MAX_VALUE	(1024 * 1024)

/* ---- histogram ---------------------------------------------------------- */

#define H_SUB_BITS	6
#define H_SUB		(1 << H_SUB_BITS)
#define H_BUCKETS	((64 - H_SUB_BITS + 1) * H_SUB)

struct hist {
	uint64_t	b[H_BUCKETS];
	uint64_t	n;
	uint64_t	sum;
	uint64_t	max;
};

static unsigned
h_index(uint64_t v)
{
	unsigned	msb, shift;

	if (v < H_SUB)
		return ((unsigned)v);
	msb = 63 - (unsigned)__builtin_clzll(v);
	shift = msb - H_SUB_BITS;
	return ((shift + 1) * H_SUB + (unsigned)((v >> shift) - H_SUB));
}

/* The middle of bucket i. */
static uint64_t
h_value(unsigned i)
{
	unsigned	shift;
	uint64_t	lo, hi;

	if (i < 2 * H_SUB)
		return (i);
	shift = i / H_SUB - 1;
	lo = (uint64_t)(i % H_SUB + H_SUB) << shift;
	hi = ((uint64_t)(i % H_SUB + H_SUB + 1) << shift) - 1;
	return (lo + (hi - lo) / 2);
}

static inline void
h_add(struct hist *h, uint64_t v)
{
	h->b[h_index(v)]++;
	h->n++;
	h->sum += v;
	if (v > h->max)
		h->max = v;
}

static uint64_t
h_pct(const struct hist *h, double p)
{
	uint64_t	target, seen = 0;
	unsigned	i;

	if (h->n == 0)
		return (0);
	target = (uint64_t)(p / 100.0 * (double)h->n + 0.999999);
	if (target == 0)
		target = 1;
	for (i = 0; i < H_BUCKETS; i++) {
		seen += h->b[i];
		if (seen >= target) {
			uint64_t v = h_value(i);
			return (v > h->max ? h->max : v);
		}
	}
	return (h->max);
}

/* ---- options and state -------------------------------------------------- */

static const char	*opt_host = "127.0.0.1";
static const char	*opt_port = "11211";
static unsigned		 opt_conns = 50;
static unsigned		 opt_depth = 1;
static uint64_t		 opt_keys = 100000;
static unsigned		 opt_set_w = 1, opt_get_w = 10;
static unsigned		 opt_vmin = 100, opt_vmax = 100;
static double		 opt_duration = 10.0;
static uint64_t		 opt_count;		/* 0: use the duration */
static double		 opt_warmup = 2.0;
static int		 opt_preload;
static unsigned		 opt_idle;
static int		 opt_lockstep;
static int		 opt_quiet;
static int		 opt_markers;
static int		 opt_wait_stdin;
static const char	*opt_prefix = "key:";
static const char	*opt_label = "";
static uint64_t		 opt_seed = 0x9e3779b97f4a7c15ULL;
static int		 opt_tls;
static const char	*opt_tls_ca;		/* NULL: do not verify */

enum phase { PH_SETUP, PH_PRELOAD, PH_WARMUP, PH_MEASURE, PH_DONE };
static enum phase	 phase = PH_SETUP;

struct conn {
	int		 fd;
	unsigned	 id;
	struct event	*rev;
	struct event	*wev;
	char		*rbuf;
	size_t		 rlen;
	char		*wbuf;
	size_t		 wcap, wlen, woff;
	uint64_t	*ts;		/* ring of send times */
	unsigned	 ts_head, outstanding;
	size_t		 skip;		/* value bytes (+CRLF) still to skip */
	int		 in_value;	/* VALUE seen for the current reply */
	struct tls	*tls;		/* NULL: plaintext */
	int		 handshaking;
	/*
	 * A TLS record layer may need the other direction to make progress
	 * (a write waiting for a read, e.g. during a key update, or the
	 * reverse): the call is retried when that direction is ready.
	 */
	int		 write_wants_read;
	int		 read_wants_write;
};

static struct event_base *base;
static struct conn	*conns;
static unsigned		 ring_cap;
static int		*idle_fds;
static struct tls	**idle_tls;
static unsigned		 idle_open;
static unsigned		 conns_up;	/* connected (and TLS handshake done) */
static struct tls_config *tls_cfg;
static char		 tls_desc[128];	/* version and cipher, as negotiated */
static char		*value_buf;
static size_t		 prefix_len;
static uint64_t		 rng_state;
static double		 set_prob;

static uint64_t		 preload_next, preload_done;
static uint64_t		 t_start_ns, t_preload_ns, t_measure_ns, t_end_ns;
static uint64_t		 t_conns_ns, t_up_ns;	/* open_conns(), all up */
static struct rusage	 ru_measure, ru_end;

struct counters {
	uint64_t	replies, hits, misses, stored, errors;
	uint64_t	bytes_in, bytes_out, writes, reads;
};
static struct counters	 ctr_measure, ctr_total;
static struct hist	 hist;
static uint64_t		 prog_last_replies, prog_last_ns;

static struct event	*ev_phase, *ev_progress;

static void	 conn_fill(struct conn *);

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list	ap;

	fflush(stdout);
	fprintf(stderr, "loadgen: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static inline uint64_t
now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec);
}

static inline uint64_t
rnd(void)
{
	uint64_t	x = rng_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return (x * 0x2545f4914f6cdd1dULL);
}

static inline uint64_t
rnd_below(uint64_t n)
{
	return (rnd() % n);
}

static double
tv_s(struct timeval tv)
{
	return ((double)tv.tv_sec + (double)tv.tv_usec / 1e6);
}

static void
marker(const char *what)
{
	if (!opt_markers)
		return;
	printf("@%s\n", what);
	fflush(stdout);
}

/* ---- option parsing ----------------------------------------------------- */

static uint64_t
parse_u64(const char *s, const char *what, uint64_t lo, uint64_t hi)
{
	char			*end;
	unsigned long long	 v;
	uint64_t		 mult = 1;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (end == s || errno != 0)
		die("bad %s: %s", what, s);
	if (*end == 'k' || *end == 'K')
		mult = 1000, end++;
	else if (*end == 'm' || *end == 'M')
		mult = 1000000, end++;
	if (*end != '\0' || v > hi / mult || v * mult < lo)
		die("bad %s: %s (%" PRIu64 "..%" PRIu64 ")", what, s, lo, hi);
	return (v * mult);
}

static double
parse_secs(const char *s, const char *what)
{
	char	*end;
	double	 v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end != '\0' || errno != 0 || v < 0 || v > 1e6)
		die("bad %s: %s", what, s);
	return (v);
}

static void
usage(FILE *f)
{
	fprintf(f,
"usage: loadgen [options]\n"
"  -s HOST     server address (127.0.0.1)\n"
"  -p PORT     server port (11211)\n"
"  -c N        connections (50)\n"
"  -d N        pipeline depth: requests outstanding per connection (1)\n"
"  -g          lockstep groups: send `depth' requests with one write, wait\n"
"              for all their replies, then send the next group (default:\n"
"              refill after every read, one write for the refill)\n"
"  -k N        key space: keys PREFIX0000000000 .. N-1 (100000; k/m suffixes)\n"
"  -x PREFIX   key prefix (key:)\n"
"  -r S:G      set:get ratio (1:10); 1:0 is sets only, 0:1 gets only\n"
"  -v N|A-B    value size in bytes, or uniform in A..B (100)\n"
"  -t SECS     measurement duration (10); with -P, 0 means preload only\n"
"  -n N        measure N replies instead of a duration\n"
"  -w SECS     warm-up before the measurement (2)\n"
"  -P          preload: set every key of the key space first\n"
"  -i N        also hold N idle connections (each answers `version' once)\n"
"              for the whole run; RLIMIT_NOFILE is raised as needed\n"
"  -S          print @ready/@measure/@done phase markers on stdout\n"
"  -W          after the idle connections are up, print @ready and wait\n"
"              for a line on stdin before going on (implies -S)\n"
"  -l LABEL    label copied into the JSON result\n"
"  -R SEED     random seed\n"
"  -q          no progress lines on stderr\n"
"  --tls       speak TLS (libtls) on every connection, the idle ones too;\n"
"              all handshakes finish before the preload or the warm-up\n"
"              starts; without --tls-ca the server is not verified\n"
"  --tls-ca FILE\n"
"              verify the server's certificate against the CA certificate(s)\n"
"              in FILE and its name against -s (implies --tls)\n"
"  -h          this help\n"
"Output: a human summary, then one JSON line: ops_per_sec, latency\n"
"percentiles in microseconds (p50 p90 p99 p99.9 max), hits/misses/errors,\n"
"and the load generator's own CPU use during the measurement (getrusage;\n"
"cpu_util near 1.0 means the load generator, not the server, may be the\n"
"bottleneck).  With --tls, also the TLS version and cipher negotiated;\n"
"bytes, reads and writes then count plaintext and tls_read/tls_write calls.\n");
}

/* The TLS options have long names only: no free letter reads as TLS. */
enum { OPT_TLS = 256, OPT_TLS_CA };

static const struct option long_opts[] = {
	{ "tls",	no_argument,		NULL,	OPT_TLS },
	{ "tls-ca",	required_argument,	NULL,	OPT_TLS_CA },
	{ "help",	no_argument,		NULL,	'h' },
	{ NULL,		0,			NULL,	0 }
};

static void
parse_opts(int argc, char **argv)
{
	int	 ch;
	char	*p;

	while ((ch = getopt_long(argc, argv,
	    "c:d:gi:k:l:n:Pp:qR:r:Ss:t:v:Ww:x:h", long_opts, NULL)) != -1) {
		switch (ch) {
		case OPT_TLS:
			opt_tls = 1;
			break;
		case OPT_TLS_CA:
			opt_tls = 1;
			opt_tls_ca = optarg;
			break;
		case 'c':
			opt_conns = (unsigned)parse_u64(optarg, "-c", 1, 100000);
			break;
		case 'd':
			opt_depth = (unsigned)parse_u64(optarg, "-d", 1, 4096);
			break;
		case 'g':
			opt_lockstep = 1;
			break;
		case 'i':
			opt_idle = (unsigned)parse_u64(optarg, "-i", 0, 1000000);
			break;
		case 'k':
			opt_keys = parse_u64(optarg, "-k", 1, 9999999999ULL);
			break;
		case 'l':
			opt_label = optarg;
			break;
		case 'n':
			opt_count = parse_u64(optarg, "-n", 1, UINT64_MAX / 2);
			break;
		case 'P':
			opt_preload = 1;
			break;
		case 'p':
			opt_port = optarg;
			break;
		case 'q':
			opt_quiet = 1;
			break;
		case 'R':
			opt_seed = parse_u64(optarg, "-R", 1, UINT64_MAX);
			break;
		case 'r':
			if ((p = strchr(optarg, ':')) == NULL)
				die("bad -r: %s (want SET:GET)", optarg);
			*p++ = '\0';
			opt_set_w = (unsigned)parse_u64(optarg, "-r", 0, 1000000);
			opt_get_w = (unsigned)parse_u64(p, "-r", 0, 1000000);
			if (opt_set_w + opt_get_w == 0)
				die("bad -r: both weights are zero");
			break;
		case 'S':
			opt_markers = 1;
			break;
		case 's':
			opt_host = optarg;
			break;
		case 't':
			opt_duration = parse_secs(optarg, "-t");
			break;
		case 'v':
			if ((p = strchr(optarg, '-')) != NULL) {
				*p++ = '\0';
				opt_vmin = (unsigned)parse_u64(optarg, "-v", 0,
				    MAX_VALUE);
				opt_vmax = (unsigned)parse_u64(p, "-v", opt_vmin,
				    MAX_VALUE);
			} else
				opt_vmin = opt_vmax = (unsigned)parse_u64(optarg,
				    "-v", 0, MAX_VALUE);
			break;
		case 'W':
			opt_wait_stdin = opt_markers = 1;
			break;
		case 'w':
			opt_warmup = parse_secs(optarg, "-w");
			break;
		case 'x':
			opt_prefix = optarg;
			if (strlen(opt_prefix) > 200)
				die("-x: prefix too long");
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (optind != argc) {
		usage(stderr);
		exit(2);
	}
	if (opt_duration == 0 && opt_count == 0 && !opt_preload)
		die("-t 0 needs -P (preload only)");
}

/* ---- connections -------------------------------------------------------- */

static struct addrinfo	*server_ai;

static void
resolve(void)
{
	struct addrinfo	hints;
	int		e;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((e = getaddrinfo(opt_host, opt_port, &hints, &server_ai)) != 0)
		die("%s port %s: %s", opt_host, opt_port, gai_strerror(e));
}

static int
dial(void)
{
	int	fd, one = 1;

	fd = socket(server_ai->ai_family, server_ai->ai_socktype | SOCK_CLOEXEC,
	    server_ai->ai_protocol);
	if (fd == -1)
		die("socket: %s", strerror(errno));
	if (connect(fd, server_ai->ai_addr, server_ai->ai_addrlen) == -1)
		die("connect %s:%s: %s", opt_host, opt_port, strerror(errno));
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == -1)
		die("TCP_NODELAY: %s", strerror(errno));
	return (fd);
}

/* One client configuration, shared by every connection's context. */
static void
tls_setup(void)
{
	if (!opt_tls)
		return;
	if (tls_init() == -1)
		die("tls_init failed");
	if ((tls_cfg = tls_config_new()) == NULL)
		die("tls_config_new: %s", strerror(errno));
	if (opt_tls_ca != NULL) {
		if (tls_config_set_ca_file(tls_cfg, opt_tls_ca) == -1)
			die("--tls-ca %s: %s", opt_tls_ca,
			    tls_config_error(tls_cfg));
	} else {
		/* A benchmark's self-signed certificate: nothing to check. */
		tls_config_insecure_noverifycert(tls_cfg);
		tls_config_insecure_noverifyname(tls_cfg);
	}
}

/*
 * A TLS client context on a connected socket.  No handshake yet: the
 * measured connections run theirs in the event loop (conn_handshake), the
 * blocking idle ones inside their first tls_write.  The name to verify
 * (and to send as SNI, unless it is an address) is -s, as given.
 */
static struct tls *
tls_start(int fd, const char *what, unsigned id)
{
	struct tls	*t;

	if ((t = tls_client()) == NULL)
		die("%s %u: tls_client: %s", what, id, strerror(errno));
	if (tls_configure(t, tls_cfg) == -1)
		die("%s %u: tls_configure: %s", what, id, tls_error(t));
	if (tls_connect_socket(t, fd, opt_host) == -1)
		die("%s %u: tls_connect_socket: %s", what, id, tls_error(t));
	return (t);
}

/*
 * Keeps the first connection's version and cipher for the report: all
 * connections share one configuration and one server, so they agree.
 */
static void
tls_note(struct tls *t)
{
	const char	*v, *c;

	if (tls_desc[0] != '\0')
		return;
	v = tls_conn_version(t);
	c = tls_conn_cipher(t);
	(void)snprintf(tls_desc, sizeof(tls_desc), "%s %s",
	    v != NULL ? v : "?", c != NULL ? c : "?");
}

static void
raise_nofile(void)
{
	struct rlimit	rl;
	rlim_t		need = (rlim_t)opt_conns + opt_idle + 64;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		die("getrlimit: %s", strerror(errno));
	if (rl.rlim_cur >= need)
		return;
	if (rl.rlim_max < need)
		rl.rlim_max = need;	/* works as root */
	rl.rlim_cur = need;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1) {
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max >= 64) {
			rl.rlim_cur = rl.rlim_max;
			(void)setrlimit(RLIMIT_NOFILE, &rl);
		}
		if (rl.rlim_cur < need)
			die("RLIMIT_NOFILE is %llu, %llu needed for -c + -i",
			    (unsigned long long)rl.rlim_cur,
			    (unsigned long long)need);
	}
}

#define IDLE_TIMEOUT_MS	10000

/*
 * libtls returns TLS_WANT_* even on a blocking socket: it turns off
 * OpenSSL's auto-retry, so a record that carries no data (a TLS 1.3
 * session ticket) ends a tls_read early.  Waiting with poll(2) tells
 * that apart from a server that does not answer.
 */
static void
idle_wait(unsigned i, int fd, ssize_t want)
{
	struct pollfd	pfd;
	int		r;

	pfd.fd = fd;
	pfd.events = want == TLS_WANT_POLLIN ? POLLIN : POLLOUT;
	pfd.revents = 0;
	while ((r = poll(&pfd, 1, IDLE_TIMEOUT_MS)) == -1 && errno == EINTR)
		;
	if (r == -1)
		die("idle connection %u: poll: %s", i, strerror(errno));
	if (r == 0)
		die("idle connection %u: TLS: no answer in %d s", i,
		    IDLE_TIMEOUT_MS / 1000);
}

/*
 * An idle connection's blocking I/O, plain or TLS (the first tls_write
 * runs the handshake).
 */
static void
idle_write(unsigned i, int fd, struct tls *t, const char *buf, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		if (t != NULL) {
			n = tls_write(t, buf, len);
			if (n == TLS_WANT_POLLIN || n == TLS_WANT_POLLOUT) {
				idle_wait(i, fd, n);
				continue;
			}
			if (n == -1)
				die("idle connection %u: tls_write: %s", i,
				    tls_error(t));
		} else if ((n = write(fd, buf, len)) == -1) {
			if (errno == EINTR)
				continue;
			die("idle connection %u: write: %s", i,
			    strerror(errno));
		}
		buf += n;
		len -= (size_t)n;
	}
}

static ssize_t
idle_read(unsigned i, int fd, struct tls *t, char *buf, size_t len)
{
	ssize_t	n;

	if (t != NULL) {
		while ((n = tls_read(t, buf, len)) == TLS_WANT_POLLIN ||
		    n == TLS_WANT_POLLOUT)
			idle_wait(i, fd, n);
		if (n == -1)
			die("idle connection %u: tls_read: %s", i,
			    tls_error(t));
	} else if ((n = read(fd, buf, len)) == -1)
		die("idle connection %u: read: %s", i, strerror(errno));
	if (n == 0)
		die("idle connection %u: closed by the server", i);
	return (n);
}

/*
 * Idle connections, one after another: connect, ask `version', wait for
 * the answer (so the server has really taken the connection), keep it.
 */
static void
open_idle(void)
{
	struct timeval	 tv = { IDLE_TIMEOUT_MS / 1000, 0 };
	char		 buf[256];
	unsigned	 i;
	size_t		 got;

	if (opt_idle == 0)
		return;
	if ((idle_fds = calloc(opt_idle, sizeof(*idle_fds))) == NULL ||
	    (idle_tls = calloc(opt_idle, sizeof(*idle_tls))) == NULL)
		die("calloc: %s", strerror(errno));
	for (i = 0; i < opt_idle; i++) {
		int		 fd = dial();
		struct tls	*t = NULL;

		if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv,
		    sizeof(tv)) == -1)
			die("SO_RCVTIMEO: %s", strerror(errno));
		if (opt_tls)
			t = tls_start(fd, "idle connection", i);
		idle_write(i, fd, t, "version\r\n", 9);
		got = 0;
		while (got < 2 || memcmp(buf + got - 2, "\r\n", 2) != 0) {
			got += (size_t)idle_read(i, fd, t, buf + got,
			    sizeof(buf) - 1 - got);
			if (got >= sizeof(buf) - 1)
				break;
		}
		buf[got] = '\0';
		if (strncmp(buf, "VERSION ", 8) != 0)
			die("idle connection %u: server said: %.*s", i,
			    (int)strcspn(buf, "\r\n"), buf);
		if (t != NULL)
			tls_note(t);
		idle_fds[i] = fd;
		idle_tls[i] = t;	/* kept: the connection stays TLS */
		idle_open++;
		if (!opt_quiet && (i + 1) % 2000 == 0)
			fprintf(stderr, "loadgen: %u idle connections up\n",
			    i + 1);
	}
}

static void	conn_readcb(evutil_socket_t, short, void *);
static void	conn_writecb(evutil_socket_t, short, void *);

/* Waits for the socket to take more: conn_writecb runs then. */
static void
want_write(struct conn *c)
{
	if (event_add(c->wev, NULL) == -1)
		die("connection %u: event_add failed", c->id);
}

static void
open_conns(void)
{
	size_t		maxreq;
	unsigned	i;

	t_conns_ns = now_ns();
	ring_cap = opt_depth > PRELOAD_DEPTH ? opt_depth : PRELOAD_DEPTH;
	maxreq = 4 + prefix_len + KEY_DIGITS + 32 + opt_vmax + 2;
	if ((conns = calloc(opt_conns, sizeof(*conns))) == NULL)
		die("calloc: %s", strerror(errno));
	for (i = 0; i < opt_conns; i++) {
		struct conn *c = &conns[i];

		c->id = i;
		c->fd = dial();
		if (evutil_make_socket_nonblocking(c->fd) == -1)
			die("nonblocking: %s", strerror(errno));
		c->wcap = maxreq * ring_cap;
		if ((c->rbuf = malloc(RBUF_SIZE)) == NULL ||
		    (c->wbuf = malloc(c->wcap)) == NULL ||
		    (c->ts = calloc(ring_cap, sizeof(*c->ts))) == NULL)
			die("malloc: %s", strerror(errno));
		c->rev = event_new(base, c->fd, EV_READ | EV_PERSIST,
		    conn_readcb, c);
		c->wev = event_new(base, c->fd, EV_WRITE | EV_PERSIST,
		    conn_writecb, c);
		if (c->rev == NULL || c->wev == NULL ||
		    event_add(c->rev, NULL) == -1)
			die("event_new/event_add failed");
		if (opt_tls) {
			/*
			 * The ClientHello goes out from the loop, like every
			 * later step: conn_writecb starts the handshake.
			 */
			c->tls = tls_start(c->fd, "connection", i);
			c->handshaking = 1;
			want_write(c);
		} else
			conns_up++;
	}
	if (conns_up == opt_conns)
		t_up_ns = now_ns();
}

/* ---- requests ----------------------------------------------------------- */

static inline char *
put_key(char *p, uint64_t k)
{
	int	i;

	memcpy(p, opt_prefix, prefix_len);
	p += prefix_len;
	for (i = KEY_DIGITS - 1; i >= 0; i--) {
		p[i] = (char)('0' + k % 10);
		k /= 10;
	}
	return (p + KEY_DIGITS);
}

static inline char *
put_uint(char *p, unsigned v)
{
	char	tmp[16];
	int	n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (n > 0)
		*p++ = tmp[--n];
	return (p);
}

static inline char *
put_set(char *p, uint64_t k)
{
	unsigned	vlen = opt_vmin;

	if (opt_vmax > opt_vmin)
		vlen += (unsigned)rnd_below(opt_vmax - opt_vmin + 1);
	memcpy(p, "set ", 4);
	p = put_key(p + 4, k);
	memcpy(p, " 0 0 ", 5);
	p = put_uint(p + 5, vlen);
	*p++ = '\r';
	*p++ = '\n';
	memcpy(p, value_buf, vlen);
	p += vlen;
	*p++ = '\r';
	*p++ = '\n';
	return (p);
}

static inline char *
put_get(char *p, uint64_t k)
{
	memcpy(p, "get ", 4);
	p = put_key(p + 4, k);
	*p++ = '\r';
	*p++ = '\n';
	return (p);
}

static void
conn_flush(struct conn *c)
{
	ssize_t	n;

	while (c->woff < c->wlen) {
		if (c->tls != NULL) {
			/*
			 * A retry after TLS_WANT_* must pass the same bytes
			 * again: conn_fill leaves wbuf alone until wlen is 0.
			 */
			n = tls_write(c->tls, c->wbuf + c->woff,
			    c->wlen - c->woff);
			if (n == TLS_WANT_POLLOUT) {
				want_write(c);
				return;
			}
			if (n == TLS_WANT_POLLIN) {
				/* The read event (always armed) retries. */
				c->write_wants_read = 1;
				return;
			}
			if (n == -1)
				die("connection %u: tls_write: %s", c->id,
				    tls_error(c->tls));
		} else if ((n = write(c->fd, c->wbuf + c->woff,
		    c->wlen - c->woff)) == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				want_write(c);
				return;
			}
			die("connection %u: write: %s", c->id, strerror(errno));
		}
		c->woff += (size_t)n;
		ctr_total.writes++;
		ctr_total.bytes_out += (uint64_t)n;
		if (phase == PH_MEASURE) {
			ctr_measure.writes++;
			ctr_measure.bytes_out += (uint64_t)n;
		}
		/*
		 * A short write(2) means the socket buffer is full; a short
		 * tls_write only that one record went out (libtls allows
		 * partial writes), so TLS goes on until TLS_WANT_POLLOUT.
		 */
		if (c->woff < c->wlen && c->tls == NULL) {
			want_write(c);
			return;
		}
	}
	c->woff = c->wlen = 0;
}

static void
conn_fill(struct conn *c)
{
	unsigned	depth, want, i;
	uint64_t	t;
	char		*p;

	if (c->wlen != 0)
		return;			/* a partial write is pending */
	switch (phase) {
	case PH_PRELOAD:
		depth = ring_cap;
		break;
	case PH_WARMUP:
	case PH_MEASURE:
		depth = opt_depth;
		break;
	default:
		return;
	}
	if (c->outstanding >= depth)
		return;
	if (opt_lockstep && c->outstanding != 0)
		return;
	want = depth - c->outstanding;
	if (phase == PH_PRELOAD) {
		if (preload_next >= opt_keys)
			return;
		if (want > opt_keys - preload_next)
			want = (unsigned)(opt_keys - preload_next);
	}
	p = c->wbuf;
	for (i = 0; i < want; i++) {
		if (phase == PH_PRELOAD)
			p = put_set(p, preload_next++);
		else if (set_prob >= 1.0 ||
		    (set_prob > 0 && (double)(rnd() >> 11) * 0x1p-53 <
		    set_prob))
			p = put_set(p, rnd_below(opt_keys));
		else
			p = put_get(p, rnd_below(opt_keys));
	}
	c->wlen = (size_t)(p - c->wbuf);
	c->woff = 0;
	t = now_ns();
	for (i = 0; i < want; i++)
		c->ts[(c->ts_head + c->outstanding + i) % ring_cap] = t;
	c->outstanding += want;
	conn_flush(c);
}

static void	phase_next(void);

/* One reply is complete: account for it. */
static inline void
reply_done(struct conn *c, uint64_t t, int kind)
{
	uint64_t	sent;

	if (c->outstanding == 0)
		die("connection %u: reply without a request", c->id);
	sent = c->ts[c->ts_head];
	c->ts_head = (c->ts_head + 1) % ring_cap;
	c->outstanding--;
	ctr_total.replies++;
	if (phase == PH_PRELOAD) {
		if (kind != 's')
			die("preload: set not stored");
		preload_done++;
		return;
	}
	if (phase != PH_MEASURE)
		return;
	ctr_measure.replies++;
	switch (kind) {
	case 'h':
		ctr_measure.hits++;
		break;
	case 'm':
		ctr_measure.misses++;
		break;
	case 's':
		ctr_measure.stored++;
		break;
	default:
		ctr_measure.errors++;
		break;
	}
	h_add(&hist, t - sent);
}

static inline int
line_is(const char *l, size_t len, const char *word)
{
	size_t	wl = strlen(word);

	return (len >= wl && memcmp(l, word, wl) == 0);
}

/* Parses what has arrived; keeps a partial line for the next read. */
static void
conn_parse(struct conn *c, uint64_t t)
{
	char	*p = c->rbuf, *end = c->rbuf + c->rlen, *nl;
	size_t	 len;

	while (p < end) {
		if (c->skip) {
			size_t n = (size_t)(end - p);

			if (n > c->skip)
				n = c->skip;
			c->skip -= n;
			p += n;
			continue;
		}
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			break;
		len = (size_t)(nl - p) + 1;
		switch (p[0]) {
		case 'V':
			if (line_is(p, len, "VALUE ")) {
				/* VALUE <key> <flags> <bytes> [<cas>] */
				char		*q = p + 6;
				int		 f;
				unsigned long	 bytes;

				for (f = 0; f < 2; f++) {
					q = memchr(q, ' ', (size_t)(nl - q));
					if (q == NULL)
						die("bad VALUE line");
					q++;
				}
				bytes = strtoul(q, NULL, 10);
				c->skip = bytes + 2;
				c->in_value = 1;
				break;
			}
			goto other;
		case 'E':
			if (line_is(p, len, "END\r\n")) {
				reply_done(c, t, c->in_value ? 'h' : 'm');
				c->in_value = 0;
				break;
			}
			goto other;
		case 'S':
			if (line_is(p, len, "STORED\r\n")) {
				reply_done(c, t, 's');
				break;
			}
			goto other;
		default:
		other:
			/* ERROR, SERVER_ERROR, CLIENT_ERROR, NOT_STORED ... */
			if (ctr_total.errors++ < 5)
				fprintf(stderr, "loadgen: connection %u: "
				    "server said: %.*s\n", c->id,
				    (int)(len > 2 ? len - 2 : len), p);
			reply_done(c, t, 'e');
			c->in_value = 0;
			break;
		}
		p = nl + 1;
	}
	c->rlen = (size_t)(end - p);
	if (c->rlen == RBUF_SIZE)
		die("connection %u: reply line too long", c->id);
	if (c->rlen != 0 && p != c->rbuf)
		memmove(c->rbuf, p, c->rlen);
}

/* After a read pass: move the phases on, send what the replies freed. */
static void
conn_read_done(struct conn *c)
{
	if (phase == PH_PRELOAD && preload_done == opt_keys) {
		phase_next();
		return;
	}
	if (phase == PH_MEASURE && opt_count && ctr_measure.replies >=
	    opt_count) {
		phase_next();
		return;
	}
	conn_fill(c);
}

static void
count_read(ssize_t n)
{
	ctr_total.reads++;
	ctr_total.bytes_in += (uint64_t)n;
	if (phase == PH_MEASURE) {
		ctr_measure.reads++;
		ctr_measure.bytes_in += (uint64_t)n;
	}
}

/*
 * The last connection up starts the preload or the warm-up: no request
 * goes out while another connection is still in its handshake.
 */
static void
conn_handshake(struct conn *c)
{
	int	r;

	r = tls_handshake(c->tls);
	if (r == TLS_WANT_POLLIN)
		return;			/* the read event is always armed */
	if (r == TLS_WANT_POLLOUT) {
		want_write(c);
		return;
	}
	if (r == -1)
		die("connection %u: TLS handshake with %s:%s: %s", c->id,
		    opt_host, opt_port, tls_error(c->tls));
	c->handshaking = 0;
	tls_note(c->tls);
	if (++conns_up == opt_conns) {
		t_up_ns = now_ns();
		phase_next();
	}
}

/*
 * TLS: tls_read returns at most one record's plaintext per call, and
 * when the buffer is smaller than a record it keeps the rest decrypted
 * inside libtls, where no socket readiness would ever announce it.  So
 * read until libtls wants the socket again, parsing as we go (which also
 * frees buffer space).
 */
static void
conn_tls_read(struct conn *c)
{
	ssize_t	n;

	for (;;) {
		n = tls_read(c->tls, c->rbuf + c->rlen, RBUF_SIZE - c->rlen);
		if (n == TLS_WANT_POLLIN)
			break;
		if (n == TLS_WANT_POLLOUT) {
			/* e.g. a key update to answer: conn_writecb retries */
			c->read_wants_write = 1;
			want_write(c);
			break;
		}
		if (n == 0)
			die("connection %u: closed by the server", c->id);
		if (n == -1)
			die("connection %u: tls_read: %s", c->id,
			    tls_error(c->tls));
		count_read(n);
		c->rlen += (size_t)n;
		conn_parse(c, now_ns());
	}
	conn_read_done(c);
}

static void
conn_readcb(evutil_socket_t fd, short what, void *arg)
{
	struct conn	*c = arg;
	ssize_t		 n;

	(void)what;
	if (c->tls != NULL) {
		if (c->handshaking) {
			conn_handshake(c);
			return;
		}
		if (c->write_wants_read) {
			c->write_wants_read = 0;
			conn_flush(c);
		}
		conn_tls_read(c);
		return;
	}
	n = read(fd, c->rbuf + c->rlen, RBUF_SIZE - c->rlen);
	if (n == 0)
		die("connection %u: closed by the server", c->id);
	if (n == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		die("connection %u: read: %s", c->id, strerror(errno));
	}
	count_read(n);
	c->rlen += (size_t)n;
	conn_parse(c, now_ns());
	conn_read_done(c);
}

static void
conn_writecb(evutil_socket_t fd, short what, void *arg)
{
	struct conn	*c = arg;

	(void)fd;
	(void)what;
	if (event_del(c->wev) == -1)
		die("connection %u: event_del failed", c->id);
	if (c->tls != NULL) {
		if (c->handshaking) {
			conn_handshake(c);
			return;
		}
		if (c->read_wants_write) {
			c->read_wants_write = 0;
			conn_tls_read(c);
		}
	}
	conn_flush(c);
	if (c->wlen == 0)
		conn_fill(c);
}

/* ---- phases ------------------------------------------------------------- */

static void
phase_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	phase_next();
}

static void
arm_phase_timer(double secs)
{
	struct timeval	tv;

	tv.tv_sec = (time_t)secs;
	tv.tv_usec = (suseconds_t)((secs - (double)tv.tv_sec) * 1e6);
	if (evtimer_add(ev_phase, &tv) == -1)
		die("evtimer_add failed");
}

static void
fill_all(void)
{
	unsigned	i;

	for (i = 0; i < opt_conns; i++)
		conn_fill(&conns[i]);
}

static void
phase_next(void)
{
	uint64_t	t = now_ns();

	switch (phase) {
	case PH_SETUP:
		if (opt_preload && opt_keys > 0) {
			phase = PH_PRELOAD;
			fill_all();
			break;
		}
		/* FALLTHROUGH */
	case PH_PRELOAD:
		t_preload_ns = t;
		if (opt_duration == 0 && opt_count == 0) {
			phase = PH_DONE;
			event_base_loopbreak(base);
			break;
		}
		phase = PH_WARMUP;
		if (opt_warmup > 0) {
			arm_phase_timer(opt_warmup);
			fill_all();
			break;
		}
		/* FALLTHROUGH */
	case PH_WARMUP:
		phase = PH_MEASURE;
		marker("measure");
		t_measure_ns = prog_last_ns = t;
		prog_last_replies = 0;
		getrusage(RUSAGE_SELF, &ru_measure);
		if (opt_count == 0)
			arm_phase_timer(opt_duration);
		fill_all();
		break;
	case PH_MEASURE:
		t_end_ns = t;
		getrusage(RUSAGE_SELF, &ru_end);
		phase = PH_DONE;
		marker("done");
		event_base_loopbreak(base);
		break;
	case PH_DONE:
		break;
	}
}

static const char *
phase_name(void)
{
	switch (phase) {
	case PH_SETUP:
		return ("setup");
	case PH_PRELOAD:
		return ("preload");
	case PH_WARMUP:
		return ("warm-up");
	case PH_MEASURE:
		return ("measure");
	default:
		return ("done");
	}
}

static void
progress(evutil_socket_t fd, short what, void *arg)
{
	uint64_t	t = now_ns(), r;
	double		dt;

	(void)fd;
	(void)what;
	(void)arg;
	if (phase == PH_MEASURE) {
		r = ctr_measure.replies;
		dt = (double)(t - prog_last_ns) / 1e9;
		fprintf(stderr, "loadgen: %5.1fs measure %10.0f ops/s  "
		    "p50 %.1fus p99 %.1fus (so far)\n",
		    (double)(t - t_measure_ns) / 1e9,
		    dt > 0 ? (double)(r - prog_last_replies) / dt : 0.0,
		    (double)h_pct(&hist, 50) / 1e3,
		    (double)h_pct(&hist, 99) / 1e3);
		prog_last_replies = r;
		prog_last_ns = t;
	} else if (phase == PH_PRELOAD) {
		fprintf(stderr, "loadgen: %5.1fs preload %" PRIu64 "/%" PRIu64
		    " keys\n", (double)(t - t_start_ns) / 1e9, preload_done,
		    opt_keys);
	} else if (phase == PH_SETUP && conns != NULL)
		fprintf(stderr, "loadgen: %5.1fs setup: %u/%u connections up\n",
		    (double)(t - t_start_ns) / 1e9, conns_up, opt_conns);
	else
		fprintf(stderr, "loadgen: %5.1fs %s\n",
		    (double)(t - t_start_ns) / 1e9, phase_name());
}

/* ---- output ------------------------------------------------------------- */

static void
report(void)
{
	double	secs, ops, ucpu, scpu, util;
	double	p50, p90, p99, p999, pmax, mean;

	if (t_measure_ns == 0) {
		double ps = (double)(t_preload_ns - t_start_ns) / 1e9;

		printf("loadgen: preloaded %" PRIu64 " keys in %.2fs\n",
		    preload_done, ps);
		printf("{\"label\":\"%s\",\"preload_keys\":%" PRIu64
		    ",\"preload_s\":%.3f}\n", opt_label, preload_done, ps);
		return;
	}
	secs = (double)(t_end_ns - t_measure_ns) / 1e9;
	ops = (double)ctr_measure.replies / secs;
	ucpu = tv_s(ru_end.ru_utime) - tv_s(ru_measure.ru_utime);
	scpu = tv_s(ru_end.ru_stime) - tv_s(ru_measure.ru_stime);
	util = (ucpu + scpu) / secs;
	p50 = (double)h_pct(&hist, 50) / 1e3;
	p90 = (double)h_pct(&hist, 90) / 1e3;
	p99 = (double)h_pct(&hist, 99) / 1e3;
	p999 = (double)h_pct(&hist, 99.9) / 1e3;
	pmax = (double)hist.max / 1e3;
	mean = hist.n ? (double)hist.sum / (double)hist.n / 1e3 : 0;

	printf("loadgen: %s:%s  %u conns  depth %u%s  %" PRIu64 " keys  "
	    "set:get %u:%u  values %u", opt_host, opt_port, opt_conns,
	    opt_depth, opt_lockstep ? " (lockstep)" : "", opt_keys, opt_set_w,
	    opt_get_w, opt_vmin);
	if (opt_vmax != opt_vmin)
		printf("-%u", opt_vmax);
	printf(" B");
	if (opt_idle)
		printf("  +%u idle conns", opt_idle);
	printf("\n");
	if (opt_tls)
		printf("  TLS: %s; %u connections up in %.2fs%s\n", tls_desc,
		    opt_conns, (double)(t_up_ns - t_conns_ns) / 1e9,
		    opt_tls_ca != NULL ? ", server verified" :
		    ", server not verified");
	printf("  %.0f ops/s over %.2fs (%" PRIu64 " replies: %" PRIu64
	    " hits, %" PRIu64 " misses, %" PRIu64 " stored, %" PRIu64
	    " errors)\n", ops, secs, ctr_measure.replies, ctr_measure.hits,
	    ctr_measure.misses, ctr_measure.stored, ctr_measure.errors);
	printf("  latency us: mean %.1f  p50 %.1f  p90 %.1f  p99 %.1f  "
	    "p99.9 %.1f  max %.1f\n", mean, p50, p90, p99, p999, pmax);
	printf("  loadgen cpu: %.2fs user + %.2fs sys = %.0f%% of one core; "
	    "%.2f requests per write, %.2f replies per read\n", ucpu, scpu,
	    100 * util, ctr_measure.writes ? (double)ctr_measure.replies /
	    (double)ctr_measure.writes : 0, ctr_measure.reads ?
	    (double)ctr_measure.replies / (double)ctr_measure.reads : 0);
	if (util > 0.9)
		printf("  warning: the load generator used %.0f%% of a core: "
		    "it may be the bottleneck\n", 100 * util);
	printf("{\"label\":\"%s\",\"server\":\"%s:%s\",\"conns\":%u,"
	    "\"depth\":%u,\"lockstep\":%d,\"keys\":%" PRIu64 ",\"set_weight\":%u,"
	    "\"get_weight\":%u,\"value_min\":%u,\"value_max\":%u,"
	    "\"idle_conns\":%u,\"duration_s\":%.3f,\"ops\":%" PRIu64
	    ",\"ops_per_sec\":%.1f,\"hits\":%" PRIu64 ",\"misses\":%" PRIu64
	    ",\"stored\":%" PRIu64 ",\"errors\":%" PRIu64 ",\"lat_us\":{"
	    "\"mean\":%.2f,\"p50\":%.2f,\"p90\":%.2f,\"p99\":%.2f,"
	    "\"p999\":%.2f,\"max\":%.2f},\"cpu\":{\"user_s\":%.3f,"
	    "\"sys_s\":%.3f,\"util\":%.3f},\"writes\":%" PRIu64 ",\"reads\":%"
	    PRIu64 ",\"bytes_out\":%" PRIu64 ",\"bytes_in\":%" PRIu64
	    ",\"preload_s\":%.3f,\"tls\":\"%s\",\"connect_s\":%.3f}\n",
	    opt_label, opt_host, opt_port, opt_conns, opt_depth, opt_lockstep,
	    opt_keys, opt_set_w, opt_get_w, opt_vmin, opt_vmax, opt_idle, secs,
	    ctr_measure.replies, ops, ctr_measure.hits, ctr_measure.misses,
	    ctr_measure.stored, ctr_measure.errors, mean, p50, p90, p99, p999,
	    pmax, ucpu, scpu, util, ctr_measure.writes, ctr_measure.reads,
	    ctr_measure.bytes_out, ctr_measure.bytes_in,
	    opt_preload ? (double)(t_preload_ns - t_start_ns) / 1e9 : 0.0,
	    tls_desc, (double)(t_up_ns - t_conns_ns) / 1e9);
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	struct timeval	one_sec = { 1, 0 };
	char		line[64];

	parse_opts(argc, argv);
	signal(SIGPIPE, SIG_IGN);
	prefix_len = strlen(opt_prefix);
	set_prob = (double)opt_set_w / (double)(opt_set_w + opt_get_w);
	rng_state = opt_seed | 1;
	if ((value_buf = malloc(opt_vmax + 1)) == NULL)
		die("malloc: %s", strerror(errno));
	memset(value_buf, 'x', opt_vmax);

	raise_nofile();
	resolve();
	tls_setup();
	if ((base = event_base_new()) == NULL)
		die("event_base_new failed");
	ev_phase = evtimer_new(base, phase_timer, NULL);
	ev_progress = event_new(base, -1, EV_PERSIST, progress, NULL);
	if (ev_phase == NULL || ev_progress == NULL)
		die("evtimer_new failed");

	t_start_ns = now_ns();
	open_idle();
	if (opt_wait_stdin) {
		marker("ready");
		if (fgets(line, sizeof(line), stdin) == NULL)
			die("stdin closed before the go-ahead");
	}
	open_conns();
	if (!opt_quiet && evtimer_add(ev_progress, &one_sec) == -1)
		die("evtimer_add failed");
	/* Over TLS, the last handshake to finish calls phase_next. */
	if (conns_up == opt_conns)
		phase_next();
	if (phase != PH_DONE && event_base_dispatch(base) == -1)
		die("event_base_dispatch failed");
	if (phase != PH_DONE)
		die("the event loop stopped in the %s phase", phase_name());
	report();
	return (0);
}
