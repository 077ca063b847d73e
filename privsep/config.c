/*
 * Command-line parsing (parent only, before anything is bound).  Every value
 * is range-checked and a bad one is refused with a message that names the
 * flag: a cache server that silently misreads -m or -p is worse than none.
 */

#include <sys/types.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

#define SHORTOPTS	"p:U:l:u:m:c:vdP:hVMCFI:f:n:B:t:b:R:o:"

static const struct option longopts[] = {
	{ "port",		required_argument,	NULL, 'p' },
	{ "udp-port",		required_argument,	NULL, 'U' },
	{ "listen",		required_argument,	NULL, 'l' },
	{ "user",		required_argument,	NULL, 'u' },
	{ "memory-limit",	required_argument,	NULL, 'm' },
	{ "conn-limit",		required_argument,	NULL, 'c' },
	{ "verbose",		no_argument,		NULL, 'v' },
	{ "daemon",		no_argument,		NULL, 'd' },
	{ "pidfile",		required_argument,	NULL, 'P' },
	{ "help",		no_argument,		NULL, 'h' },
	{ "version",		no_argument,		NULL, 'V' },
	{ "disable-evictions",	no_argument,		NULL, 'M' },
	{ "disable-cas",	no_argument,		NULL, 'C' },
	{ "disable-flush-all",	no_argument,		NULL, 'F' },
	{ "max-item-size",	required_argument,	NULL, 'I' },
	{ "slab-growth-factor",	required_argument,	NULL, 'f' },
	{ "slab-min-size",	required_argument,	NULL, 'n' },
	{ "protocol",		required_argument,	NULL, 'B' },
	{ "threads",		required_argument,	NULL, 't' },
	{ "listen-backlog",	required_argument,	NULL, 'b' },
	{ "max-reqs-per-event",	required_argument,	NULL, 'R' },
	{ "extended",		required_argument,	NULL, 'o' },
	{ NULL,			0,			NULL, 0 }
};

static int	config_error(char *, size_t, const char *, ...)
		    __attribute__((__format__ (printf, 3, 4)));

void
config_init(struct config *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->c_port = CONFIG_PORT_DEFAULT;
	conf->c_backlog = CONFIG_BACKLOG_DEFAULT;
	conf->c_sandbox = 1;

	conf->c_cache.cc_maxbytes = (uint64_t)CONFIG_MEMORY_DEFAULT << 20;
	conf->c_cache.cc_item_size_max = CONFIG_ITEM_MAX_DEFAULT;
	conf->c_cache.cc_chunk_min = 48;
	conf->c_cache.cc_slab_page_size = 1024 * 1024;
	conf->c_cache.cc_slab_chunk_max = 512 * 1024;
	conf->c_cache.cc_factor = 1.25;
	conf->c_cache.cc_evict = 1;
	conf->c_cache.cc_cas = 1;

	conf->c_net.nc_maxconns = CONFIG_MAXCONNS_DEFAULT;
	conf->c_net.nc_item_size_max = CONFIG_ITEM_MAX_DEFAULT;
	conf->c_net.nc_batch_max = 64 * 1024;
	conf->c_net.nc_inflight_max = 8;
	conf->c_net.nc_line_max = 8192;
	conf->c_net.nc_outbuf_max = 4 * 1024 * 1024;
	conf->c_net.nc_cas = 1;
	conf->c_net.nc_flush_enabled = 1;
	conf->c_net.nc_protocol = LISTENER_PROTO_AUTO;
}

void
config_clear(struct config *conf)
{
	size_t	i;

	for (i = 0; i < conf->c_nlisten; i++)
		free(conf->c_listen[i].ls_host);
	free(conf->c_user);
	free(conf->c_pidfile);
	free(conf->c_chroot);
	memset(conf, 0, sizeof(*conf));
}

static int
config_error(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	(void)vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return (-1);
}

/* Integer in [min, max]; the message names the flag. */
static int
config_number(const char *flag, const char *arg, long long min,
    long long max, long long *out, char *err, size_t errlen)
{
	const char	*errstr;

	*out = strtonum(arg, min, max, &errstr);
	if (errstr != NULL)
		return (config_error(err, errlen,
		    "%s: invalid value '%s': %s (allowed %lld..%lld)",
		    flag, arg, errstr, min, max));
	return (0);
}

/* A byte count with an optional k or m suffix, as memcached's -I. */
static int
config_size(const char *flag, const char *arg, long long min, long long max,
    long long *out, char *err, size_t errlen)
{
	char		 digits[32];
	size_t		 len;
	long long	 unit = 1, n;
	const char	*errstr;

	len = strlen(arg);
	if (len == 0 || len >= sizeof(digits))
		return (config_error(err, errlen, "%s: invalid size '%s'",
		    flag, arg));
	memcpy(digits, arg, len + 1);
	switch (digits[len - 1]) {
	case 'k':
	case 'K':
		unit = 1024;
		digits[--len] = '\0';
		break;
	case 'm':
	case 'M':
		unit = 1024 * 1024;
		digits[--len] = '\0';
		break;
	}
	n = strtonum(digits, 1, max / unit, &errstr);
	if (errstr != NULL || n * unit < min)
		return (config_error(err, errlen,
		    "%s: invalid size '%s' (allowed %lld..%lld bytes)",
		    flag, arg, min, max));
	*out = n * unit;
	return (0);
}

/*
 * One -l element: "host", "host:port", "[v6]" or "[v6]:port"; a bare
 * address with several colons is IPv6 without a port.
 */
static int
config_listen_one(struct config *conf, const char *spec, char *err,
    size_t errlen)
{
	struct listen_spec	*ls;
	const char		*close, *colon, *portstr = NULL;
	char			*host;
	long long		 port = 0;

	if (conf->c_nlisten >= CONFIG_LISTEN_MAX)
		return (config_error(err, errlen,
		    "-l: more than %d listeners", CONFIG_LISTEN_MAX));
	if (spec[0] == '[') {
		if ((close = strchr(spec, ']')) == NULL || close == spec + 1 ||
		    (close[1] != '\0' && close[1] != ':'))
			return (config_error(err, errlen,
			    "-l: invalid address '%s'", spec));
		host = strndup(spec + 1, close - spec - 1);
		if (close[1] == ':')
			portstr = close + 2;
	} else if ((colon = strchr(spec, ':')) != NULL &&
	    strchr(colon + 1, ':') == NULL) {
		host = strndup(spec, colon - spec);
		portstr = colon + 1;
	} else
		host = strdup(spec);
	if (host == NULL)
		return (config_error(err, errlen, "-l: %s", strerror(errno)));
	if (*host == '\0') {
		free(host);
		return (config_error(err, errlen,
		    "-l: invalid address '%s'", spec));
	}
	if (portstr != NULL && config_number("-l", portstr, 1, 65535, &port,
	    err, errlen) == -1) {
		free(host);
		return (-1);
	}
	ls = &conf->c_listen[conf->c_nlisten++];
	ls->ls_host = host;
	ls->ls_port = port;
	return (0);
}

static int
config_listen(struct config *conf, const char *arg, char *err, size_t errlen)
{
	char	*list, *p, *elem;
	int	 rv = 0;

	if ((list = strdup(arg)) == NULL)
		return (config_error(err, errlen, "-l: %s", strerror(errno)));
	p = list;
	while ((elem = strsep(&p, ",")) != NULL) {
		if ((rv = config_listen_one(conf, elem, err, errlen)) == -1)
			break;
	}
	free(list);
	return (rv);
}

static int
config_extended(struct config *conf, const char *arg, char *err,
    size_t errlen)
{
	char	*list, *p, *opt, *val;
	int	 rv = 0;

	if ((list = strdup(arg)) == NULL)
		return (config_error(err, errlen, "-o: %s", strerror(errno)));
	p = list;
	while (rv == 0 && (opt = strsep(&p, ",")) != NULL) {
		if ((val = strchr(opt, '=')) != NULL)
			*val++ = '\0';
		if (strcmp(opt, "chroot") == 0) {
			if (val == NULL || *val != '/') {
				rv = config_error(err, errlen,
				    "-o chroot: needs an absolute directory");
				break;
			}
			free(conf->c_chroot);
			if ((conf->c_chroot = strdup(val)) == NULL)
				rv = config_error(err, errlen, "-o: %s",
				    strerror(errno));
		} else if (strcmp(opt, "no_sandbox") == 0 && val == NULL) {
			conf->c_sandbox = 0;
		} else {
			rv = config_error(err, errlen,
			    "-o: unknown or unsupported option '%s'", opt);
		}
	}
	free(list);
	return (rv);
}

static char *
config_strdup(char **dst, const char *src)
{
	free(*dst);
	*dst = strdup(src);
	return (*dst);
}

enum config_result
config_parse_args(struct config *conf, int argc, char **argv, char *err,
    size_t errlen)
{
	long long	 n = 0;
	char		*end;
	double		 f;
	int		 ch, rv = 0;

	/* glibc restarts with optind 0, the BSDs with optreset. */
	optind = 0;
#if defined(__OpenBSD__) || defined(__FreeBSD__) || defined(__NetBSD__)
	optreset = 1;
	optind = 1;
#endif
	opterr = 0;
	while (rv == 0 &&
	    (ch = getopt_long(argc, argv, SHORTOPTS, longopts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			if ((rv = config_number("-p", optarg, 1, 65535, &n,
			    err, errlen)) == 0)
				conf->c_port = n;
			break;
		case 'U':
			if ((rv = config_number("-U", optarg, 0, 65535, &n,
			    err, errlen)) == 0 && n != 0)
				rv = config_error(err, errlen, "-U %s: UDP is "
				    "off by design (it serves amplification "
				    "attacks); only -U 0 is accepted", optarg);
			conf->c_udp_port = 0;
			break;
		case 'l':
			rv = config_listen(conf, optarg, err, errlen);
			break;
		case 'u':
			if (*optarg == '\0')
				rv = config_error(err, errlen,
				    "-u: empty user name");
			else if (config_strdup(&conf->c_user, optarg) == NULL)
				rv = config_error(err, errlen, "-u: %s",
				    strerror(errno));
			break;
		case 'm':
			if ((rv = config_number("-m", optarg, 1,
			    CONFIG_MEMORY_MAX, &n, err, errlen)) == 0)
				conf->c_cache.cc_maxbytes = (uint64_t)n << 20;
			break;
		case 'c':
			if ((rv = config_number("-c", optarg, 1, 1000000, &n,
			    err, errlen)) == 0)
				conf->c_net.nc_maxconns = n;
			break;
		case 'v':
			conf->c_verbose++;
			break;
		case 'd':
			conf->c_daemonize = 1;
			break;
		case 'P':
			if (*optarg == '\0')
				rv = config_error(err, errlen,
				    "-P: empty file name");
			else if (config_strdup(&conf->c_pidfile, optarg) ==
			    NULL)
				rv = config_error(err, errlen, "-P: %s",
				    strerror(errno));
			break;
		case 'h':
			return (CONFIG_HELP);
		case 'V':
			return (CONFIG_VERSION);
		case 'M':
			conf->c_cache.cc_evict = 0;
			break;
		case 'C':
			conf->c_cache.cc_cas = 0;
			conf->c_net.nc_cas = 0;
			break;
		case 'F':
			conf->c_net.nc_flush_enabled = 0;
			break;
		case 'I':
			if ((rv = config_size("-I", optarg, CONFIG_ITEM_MAX_MIN,
			    CONFIG_ITEM_MAX_MAX, &n, err, errlen)) == 0) {
				conf->c_cache.cc_item_size_max = n;
				conf->c_net.nc_item_size_max = n;
			}
			break;
		case 'f':
			errno = 0;
			f = strtod(optarg, &end);
			if (errno != 0 || end == optarg || *end != '\0' ||
			    !isfinite(f) || f <= 1.0 || f > 100.0)
				rv = config_error(err, errlen, "-f: invalid "
				    "factor '%s' (must be > 1.0 and <= 100)",
				    optarg);
			else
				conf->c_cache.cc_factor = f;
			break;
		case 'n':
			if ((rv = config_number("-n", optarg, 1, 1024 * 1024,
			    &n, err, errlen)) == 0)
				conf->c_cache.cc_chunk_min = n;
			break;
		case 'B':
			if (strcmp(optarg, "auto") == 0)
				conf->c_net.nc_protocol = LISTENER_PROTO_AUTO;
			else if (strcmp(optarg, "ascii") == 0)
				conf->c_net.nc_protocol = LISTENER_PROTO_ASCII;
			else if (strcmp(optarg, "binary") == 0)
				conf->c_net.nc_protocol =
				    LISTENER_PROTO_BINARY;
			else
				rv = config_error(err, errlen, "-B: invalid "
				    "protocol '%s' (ascii, binary or auto)",
				    optarg);
			break;
		case 't':
			rv = config_number("-t", optarg, 1, 64, &n, err,
			    errlen);
			break;
		case 'b':
			if ((rv = config_number("-b", optarg, 1, 65535, &n,
			    err, errlen)) == 0)
				conf->c_backlog = n;
			break;
		case 'R':
			rv = config_number("-R", optarg, 1, INT_MAX, &n, err,
			    errlen);
			break;
		case 'o':
			rv = config_extended(conf, optarg, err, errlen);
			break;
		case ':':
			rv = config_error(err, errlen,
			    "option %s needs a value", argv[optind - 1]);
			break;
		default:
			if (optopt != 0)
				rv = config_error(err, errlen,
				    "unknown option -%c", optopt);
			else
				rv = config_error(err, errlen,
				    "unknown option %s", argv[optind - 1]);
			break;
		}
	}
	if (rv != 0)
		return (CONFIG_ERROR);
	if (optind < argc) {
		(void)config_error(err, errlen, "unexpected argument '%s'",
		    argv[optind]);
		return (CONFIG_ERROR);
	}
	if (conf->c_cache.cc_item_size_max > conf->c_cache.cc_maxbytes / 2) {
		(void)config_error(err, errlen, "-I: item size limit %u is "
		    "more than half of the memory limit (-m)",
		    conf->c_cache.cc_item_size_max);
		return (CONFIG_ERROR);
	}
	if (conf->c_cache.cc_item_size_max > conf->c_cache.cc_slab_page_size)
		conf->c_cache.cc_slab_chunk_max =
		    conf->c_cache.cc_slab_page_size / 2;
	if (conf->c_chroot == NULL &&
	    (conf->c_chroot = strdup(CONFIG_CHROOT_DEFAULT)) == NULL) {
		(void)config_error(err, errlen, "%s", strerror(errno));
		return (CONFIG_ERROR);
	}
	return (CONFIG_OK);
}

void
config_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: privcached [options]\n"
	    "-p, --port=<num>          TCP port (default: 11211)\n"
	    "-U, --udp-port=<num>      only 0: UDP is off by design\n"
	    "-l, --listen=<addr>       address[:port] to listen on, repeatable"
	    " and\n"
	    "                          comma separated; IPv6 as [addr]:port\n"
	    "                          (default: 127.0.0.1 and ::1 only)\n"
	    "-u, --user=<user>         unprivileged user for the children\n"
	    "                          (default: _privcached, privcached or "
	    "nobody)\n"
	    "-m, --memory-limit=<num>  item memory in megabytes (default: 64)\n"
	    "-c, --conn-limit=<num>    max simultaneous connections "
	    "(default: 1024)\n"
	    "-M, --disable-evictions   error on memory exhausted instead of "
	    "evicting\n"
	    "-C, --disable-cas         disable use of CAS\n"
	    "-F, --disable-flush-all   disable flush_all\n"
	    "-I, --max-item-size=<num> max item size (default: 1m, 1k..1024m)\n"
	    "-f, --slab-growth-factor=<num> chunk growth factor (default: 1.25)"
	    "\n"
	    "-n, --slab-min-size=<bytes> smallest chunk (default: 48)\n"
	    "-B, --protocol=<name>     ascii, binary or auto (default: auto)\n"
	    "-b, --listen-backlog=<num> listen backlog (default: 1024)\n"
	    "-t, --threads=<num>       accepted for compatibility\n"
	    "-R, --max-reqs-per-event=<num> accepted for compatibility\n"
	    "-o, --extended=<opts>     chroot=<dir> (default: /var/empty),\n"
	    "                          no_sandbox (debugging only)\n"
	    "-v, --verbose             verbose (-vv: also requests)\n"
	    "-d, --daemon              run as a daemon\n"
	    "-P, --pidfile=<file>      write the parent's pid to <file>\n"
	    "-h, --help                print this help and exit\n"
	    "-V, --version             print version and exit\n");
}
