/*
 * Command-line parsing (parent only, before anything is bound).  Every value
 * is range-checked and a bad one is refused with a message that names the
 * flag: a cache server that silently misreads -m or -p is worse than none.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errbuf.h"
#include "compat.h"
#include "config.h"

/* Long options without a letter. */
#define CONFIG_OPT_FILE		1000
#define CONFIG_OPT_CHECK	1001

/* Where flags come from: the command line overrides the file. */
enum config_origin {
	ORIGIN_FILE,
	ORIGIN_ARGS,
};

#define SHORTOPTS	"p:U:l:u:m:c:vdP:hVMCFI:f:n:B:t:b:R:o:s:a:AXLkrD:e:WN:Y:SZ"

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
	{ "unix-socket",	required_argument,	NULL, 's' },
	{ "unix-mask",		required_argument,	NULL, 'a' },
	{ "enable-shutdown",	no_argument,		NULL, 'A' },
	{ "disable-dumping",	no_argument,		NULL, 'X' },
	{ "enable-largepages",	no_argument,		NULL, 'L' },
	{ "lock-memory",	no_argument,		NULL, 'k' },
	{ "enable-coredumps",	no_argument,		NULL, 'r' },
	{ "memory-file",	required_argument,	NULL, 'e' },
	{ "disable-watch",	no_argument,		NULL, 'W' },
	{ "napi_ids",		required_argument,	NULL, 'N' },
	{ "auth-file",		required_argument,	NULL, 'Y' },
	{ "enable-sasl",	no_argument,		NULL, 'S' },
	{ "enable-ssl",		no_argument,		NULL, 'Z' },
	{ "config",		required_argument,	NULL, CONFIG_OPT_FILE },
	{ "check-config",	no_argument,		NULL, CONFIG_OPT_CHECK },
	{ NULL,			0,			NULL, 0 }
};

static int	config_note(struct config *, char *, size_t, const char *,
		    ...)
		    __attribute__((__format__ (printf, 4, 5)));
static char	*config_strdup(char **, const char *);

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
	conf->c_net.nc_line_max = 65536;
	conf->c_net.nc_outbuf_max = 16 * 1024 * 1024;
	conf->c_net.nc_cas = 1;
	conf->c_net.nc_flush_enabled = 1;
	conf->c_net.nc_protocol = LISTENER_PROTO_AUTO;
	conf->c_net.nc_maxconns_fast = 1;
	conf->c_net.nc_idle_timeout = CONFIG_IDLE_TIMEOUT_DEFAULT;
	conf->c_net.nc_request_timeout = CONFIG_REQUEST_TIMEOUT_DEFAULT;
	conf->c_net.nc_buffer_budget = CONFIG_BUFFER_BUDGET_DEFAULT;
	conf->c_conn_per_ip = -1;
	conf->c_unix_mask = CONFIG_UNIX_MASK_DEFAULT;
	conf->c_threads = 1;
	/* memcached 1.6's default floor. */
	conf->c_tls.tp_min_version = TLS_MIN_1_2;
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
	free(conf->c_unix_path);
	free(conf->c_config_file);
	free(conf->c_auth_file);
	for (i = 0; i < TLS_PEM_MAX; i++)
		free(conf->c_tls_file[i]);
	for (i = 0; i < conf->c_nnotes; i++)
		free(conf->c_notes[i]);
	memset(conf, 0, sizeof(*conf));
}

/* Integer in [min, max]; the message names the flag. */
static int
config_number(const char *flag, const char *arg, long long min,
    long long max, long long *out, char *err, size_t errlen)
{
	const char	*errstr;

	*out = strtonum(arg, min, max, &errstr);
	if (errstr != NULL)
		return (errbuf_set(err, errlen,
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
		return (errbuf_set(err, errlen, "%s: invalid size '%s'",
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
		return (errbuf_set(err, errlen,
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
	int			 notls = 0;

	if (conf->c_nlisten >= CONFIG_LISTEN_MAX)
		return (errbuf_set(err, errlen,
		    "-l: more than %d listeners", CONFIG_LISTEN_MAX));
	/* memcached's way to keep one listener plaintext under -Z. */
	if (strncmp(spec, "notls:", 6) == 0) {
		notls = 1;
		spec += 6;
	}
	if (spec[0] == '[') {
		if ((close = strchr(spec, ']')) == NULL || close == spec + 1 ||
		    (close[1] != '\0' && close[1] != ':'))
			return (errbuf_set(err, errlen,
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
		return (errbuf_set(err, errlen, "-l: %s", strerror(errno)));
	if (*host == '\0') {
		free(host);
		return (errbuf_set(err, errlen,
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
	ls->ls_notls = notls;
	return (0);
}

static int
config_listen(struct config *conf, const char *arg, char *err, size_t errlen)
{
	char	*list, *p, *elem;
	int	 rv = 0;

	if ((list = strdup(arg)) == NULL)
		return (errbuf_set(err, errlen, "-l: %s", strerror(errno)));
	p = list;
	while ((elem = strsep(&p, ",")) != NULL) {
		if ((rv = config_listen_one(conf, elem, err, errlen)) == -1)
			break;
	}
	free(list);
	return (rv);
}

static int
config_note(struct config *conf, char *err, size_t errlen, const char *fmt,
    ...)
{
	va_list	 ap;
	char	*note;
	int	 rv;

	if (conf->c_nnotes >= CONFIG_NOTES_MAX)
		return (0);
	va_start(ap, fmt);
	rv = vasprintf(&note, fmt, ap);
	va_end(ap);
	if (rv == -1)
		return (errbuf_set(err, errlen, "%s", strerror(errno)));
	conf->c_notes[conf->c_nnotes++] = note;
	return (0);
}

static int
ext_chroot(struct config *conf, const char *val, char *err, size_t errlen)
{
	if (val == NULL || *val != '/')
		return (errbuf_set(err, errlen,
		    "-o chroot: needs an absolute directory"));
	if (config_strdup(&conf->c_chroot, val) == NULL)
		return (errbuf_set(err, errlen, "-o: %s", strerror(errno)));
	return (0);
}

static int
ext_no_sandbox(struct config *conf, const char *val, char *err,
    size_t errlen)
{
	(void)val;
	(void)err;
	(void)errlen;
	conf->c_sandbox = 0;
	return (0);
}

static int
ext_sandbox_debug(struct config *conf, const char *val, char *err,
    size_t errlen)
{
	(void)val;
	(void)err;
	(void)errlen;
	conf->c_sandbox = 2;
	return (0);
}

/*
 * The client "verbosity" command is answered OK but changes nothing,
 * unless this allows it: at -vv every request line, keys included, lands
 * in root's log, and that is for the operator to choose.
 */
static int
ext_client_verbosity(struct config *conf, const char *val, char *err,
    size_t errlen)
{
	(void)val;
	(void)err;
	(void)errlen;
	conf->c_net.nc_client_verbosity = 1;
	return (0);
}

static int
ext_seconds(const char *name, const char *val, uint32_t *out, char *err,
    size_t errlen)
{
	long long	n;
	char		flag[64];

	(void)snprintf(flag, sizeof(flag), "-o %s", name);
	if (val == NULL)
		return (errbuf_set(err, errlen, "%s: needs seconds", flag));
	if (config_number(flag, val, 0, 86400 * 365, &n, err, errlen) == -1)
		return (-1);
	*out = n;
	return (0);
}

static int
ext_idle_timeout(struct config *conf, const char *val, char *err,
    size_t errlen)
{
	return (ext_seconds("idle_timeout", val, &conf->c_net.nc_idle_timeout,
	    err, errlen));
}

static int
ext_maxconns_fast(struct config *conf, const char *val, char *err,
    size_t errlen)
{
	(void)val;
	(void)err;
	(void)errlen;
	conf->c_net.nc_maxconns_fast = 1;
	conf->c_net.nc_idle_timeout = CONFIG_IDLE_TIMEOUT_DEFAULT;
	conf->c_net.nc_request_timeout = CONFIG_REQUEST_TIMEOUT_DEFAULT;
	conf->c_net.nc_buffer_budget = CONFIG_BUFFER_BUDGET_DEFAULT;
	conf->c_conn_per_ip = -1;
	return (0);
}

static int
ext_no_maxconns_fast(struct config *conf, const char *val, char *err,
    size_t errlen)
{
	(void)val;
	(void)err;
	(void)errlen;
	conf->c_net.nc_maxconns_fast = 0;
	return (0);
}

/* allow=CIDR[;CIDR...]: who may connect over TCP; repeatable. */
static int
ext_allow(struct config *conf, const char *val, char *err, size_t errlen)
{
	struct net_cidr	*nr;
	char		*list, *p, *elem, *slash;
	const char	*errstr;
	long long	 prefix;
	int		 rv = 0, max;

	if (val == NULL || *val == '\0')
		return (errbuf_set(err, errlen, "-o allow: needs "
		    "addresses, e.g. allow=10.0.0.0/8;::1"));
	if ((list = strdup(val)) == NULL)
		return (errbuf_set(err, errlen, "%s", strerror(errno)));
	p = list;
	while (rv == 0 && (elem = strsep(&p, ";")) != NULL) {
		if (conf->c_net.nc_nallow >= NET_ALLOW_MAX) {
			rv = errbuf_set(err, errlen, "-o allow: more than "
			    "%d entries", NET_ALLOW_MAX);
			break;
		}
		nr = &conf->c_net.nc_allow[conf->c_net.nc_nallow];
		memset(nr, 0, sizeof(*nr));
		if ((slash = strchr(elem, '/')) != NULL)
			*slash++ = '\0';
		if (inet_pton(AF_INET, elem, nr->nr_addr) == 1) {
			nr->nr_family = AF_INET;
			max = 32;
		} else if (inet_pton(AF_INET6, elem, nr->nr_addr) == 1) {
			nr->nr_family = AF_INET6;
			max = 128;
		} else {
			rv = errbuf_set(err, errlen, "-o allow: '%s' is not "
			    "an IPv4 or IPv6 address", elem);
			break;
		}
		prefix = max;
		if (slash != NULL) {
			prefix = strtonum(slash, 0, max, &errstr);
			if (errstr != NULL) {
				rv = errbuf_set(err, errlen, "-o allow: "
				    "prefix /%s of %s is %s (0..%d)", slash,
				    elem, errstr, max);
				break;
			}
		}
		nr->nr_prefix = prefix;
		conf->c_net.nc_nallow++;
	}
	free(list);
	return (rv);
}

static int
ext_request_timeout(struct config *conf, const char *val, char *err,
    size_t errlen)
{
	return (ext_seconds("request_timeout", val,
	    &conf->c_net.nc_request_timeout, err, errlen));
}

static int
ext_conn_per_ip(struct config *conf, const char *val, char *err,
    size_t errlen)
{
	long long	n;

	if (val == NULL)
		return (errbuf_set(err, errlen, "-o conn_per_ip: needs a "
		    "number (0: no limit)"));
	if (config_number("-o conn_per_ip", val, 0, 1000000, &n, err,
	    errlen) == -1)
		return (-1);
	conf->c_conn_per_ip = n;
	return (0);
}

static int
ext_buffer_budget(struct config *conf, const char *val, char *err,
    size_t errlen)
{
	long long	n;

	if (val == NULL)
		return (errbuf_set(err, errlen, "-o buffer_budget: needs "
		    "megabytes"));
	if (config_number("-o buffer_budget", val, 16, 1024 * 1024, &n, err,
	    errlen) == -1)
		return (-1);
	conf->c_net.nc_buffer_budget = n;
	return (0);
}

static int
ext_hashpower(struct config *conf, const char *val, char *err,
    size_t errlen)
{
	long long	n;

	if (val == NULL)
		return (errbuf_set(err, errlen, "-o hashpower: needs a "
		    "number"));
	if (config_number("-o hashpower", val, 12, 32, &n, err, errlen) == -1)
		return (-1);
	conf->c_cache.cc_hashpower = n;
	return (0);
}

static int
ext_slab_chunk_max(struct config *conf, const char *val, char *err,
    size_t errlen)
{
	long long	n;

	if (val == NULL)
		return (errbuf_set(err, errlen, "-o slab_chunk_max: needs "
		    "kilobytes"));
	/* Kilobytes, at most one page, and a page must hold whole chunks. */
	if (config_number("-o slab_chunk_max", val, 1,
	    conf->c_cache.cc_slab_page_size / 1024, &n, err, errlen) == -1)
		return (-1);
	if (conf->c_cache.cc_slab_page_size % (n * 1024) != 0)
		return (errbuf_set(err, errlen, "-o slab_chunk_max: %lld "
		    "KB does not divide the %u KB slab page", n,
		    conf->c_cache.cc_slab_page_size / 1024));
	conf->c_cache.cc_slab_chunk_max = n * 1024;
	conf->c_chunk_max_set = 1;
	return (0);
}

static int
ext_tls_file(struct config *conf, enum tls_pem_kind kind, const char *name,
    const char *val, char *err, size_t errlen)
{
	/* Read again on SIGHUP, when -d may have moved us to /. */
	if (val == NULL || *val != '/')
		return (errbuf_set(err, errlen, "-o %s: needs an absolute "
		    "path (it is read again on SIGHUP)", name));
	if (config_strdup(&conf->c_tls_file[kind], val) == NULL)
		return (errbuf_set(err, errlen, "-o: %s", strerror(errno)));
	return (0);
}

static int
ext_ssl_chain_cert(struct config *conf, const char *val, char *err,
    size_t errlen)
{
	return (ext_tls_file(conf, TLS_PEM_CERT, "ssl_chain_cert", val, err,
	    errlen));
}

static int
ext_ssl_key(struct config *conf, const char *val, char *err, size_t errlen)
{
	return (ext_tls_file(conf, TLS_PEM_KEY, "ssl_key", val, err,
	    errlen));
}

static int
ext_ssl_ca_cert(struct config *conf, const char *val, char *err,
    size_t errlen)
{
	return (ext_tls_file(conf, TLS_PEM_CA, "ssl_ca_cert", val, err,
	    errlen));
}

static int
ext_ssl_verify_mode(struct config *conf, const char *val, char *err,
    size_t errlen)
{
	long long	n;

	if (val == NULL)
		return (errbuf_set(err, errlen, "-o ssl_verify_mode: needs "
		    "0 (none), 1 (request), 2 (require) or 3 (once)"));
	if (config_number("-o ssl_verify_mode", val, 0, TLS_VERIFY_MAX - 1,
	    &n, err, errlen) == -1)
		return (-1);
	conf->c_tls.tp_verify_mode = n;
	return (0);
}

static int
ext_ssl_min_version(struct config *conf, const char *val, char *err,
    size_t errlen)
{
	long long	n;

	if (val == NULL)
		return (errbuf_set(err, errlen, "-o ssl_min_version: needs "
		    "0 (TLSv1.0), 1 (TLSv1.1), 2 (TLSv1.2) or 3 (TLSv1.3)"));
	if (config_number("-o ssl_min_version", val, 0, TLS_MIN_MAX - 1, &n,
	    err, errlen) == -1)
		return (-1);
	conf->c_tls.tp_min_version = n;
	return (0);
}

static int
ext_ssl_ciphers(struct config *conf, const char *val, char *err,
    size_t errlen)
{
	if (val == NULL || *val == '\0' || strlcpy(conf->c_tls.tp_ciphers,
	    val, sizeof(conf->c_tls.tp_ciphers)) >=
	    sizeof(conf->c_tls.tp_ciphers))
		return (errbuf_set(err, errlen, "-o ssl_ciphers: needs a "
		    "cipher list of at most %d characters",
		    TLS_CIPHERS_MAX - 1));
	return (0);
}

static int
ext_ssl_key_format(struct config *conf, const char *val, char *err,
    size_t errlen)
{
	(void)conf;
	/* memcached: 0 is PEM; libtls reads nothing else. */
	if (val == NULL || strcmp(val, "0") != 0)
		return (errbuf_set(err, errlen, "-o ssl_keyformat: only 0 "
		    "(PEM) is supported"));
	return (0);
}

/*
 * memcached's -o suboptions.  Those without a handler are tuning knobs of
 * memcached's own threads and LRU that privcached's engine does not have:
 * accepted, so existing configurations start, and reported as ignored.
 * Those with a refusal cannot be honoured and say why.
 */
static const struct config_extopt {
	const char	*eo_name;
	int		 eo_prefix;	/* eo_name is a prefix (ext_) */
	int		(*eo_fn)(struct config *, const char *, char *,
			    size_t);
	const char	*eo_ignored;
	const char	*eo_refused;
} config_extopts[] = {
	{ "chroot", 0, ext_chroot, NULL, NULL },
	{ "no_sandbox", 0, ext_no_sandbox, NULL, NULL },
	{ "sandbox_debug", 0, ext_sandbox_debug, NULL, NULL },
	{ "client_verbosity", 0, ext_client_verbosity, NULL, NULL },
	{ "idle_timeout", 0, ext_idle_timeout, NULL, NULL },
	{ "request_timeout", 0, ext_request_timeout, NULL, NULL },
	{ "allow", 0, ext_allow, NULL, NULL },
	{ "conn_per_ip", 0, ext_conn_per_ip, NULL, NULL },
	{ "buffer_budget", 0, ext_buffer_budget, NULL, NULL },
	{ "maxconns_fast", 0, ext_maxconns_fast, NULL, NULL },
	{ "no_maxconns_fast", 0, ext_no_maxconns_fast, NULL, NULL },
	{ "hashpower", 0, ext_hashpower, NULL, NULL },
	{ "slab_chunk_max", 0, ext_slab_chunk_max, NULL, NULL },
	{ "modern", 0, NULL, "nothing differs in 1.6", NULL },
	{ "no_modern", 0, NULL, "1.4 defaults are not kept", NULL },
	{ "hash_algorithm", 0, NULL, "keys are hashed with keyed SipHash",
	    NULL },
	{ "no_hashexpand", 0, NULL, "the table grows incrementally", NULL },
	{ "lru_crawler", 0, NULL, "expired items are reclaimed in the "
	    "background always", NULL },
	{ "no_lru_crawler", 0, NULL, "expired items are reclaimed in the "
	    "background always", NULL },
	{ "lru_crawler_sleep", 0, NULL, "no crawler thread", NULL },
	{ "lru_crawler_tocrawl", 0, NULL, "no crawler thread", NULL },
	{ "lru_maintainer", 0, NULL, "one LRU per class", NULL },
	{ "no_lru_maintainer", 0, NULL, "one LRU per class", NULL },
	{ "lru_segmented", 0, NULL, "one LRU per class", NULL },
	{ "no_lru_segmented", 0, NULL, "one LRU per class", NULL },
	{ "hot_lru_pct", 0, NULL, "one LRU per class", NULL },
	{ "warm_lru_pct", 0, NULL, "one LRU per class", NULL },
	{ "hot_max_factor", 0, NULL, "one LRU per class", NULL },
	{ "warm_max_factor", 0, NULL, "one LRU per class", NULL },
	{ "temp_lru", 0, NULL, "one LRU per class", NULL },
	{ "temporary_ttl", 0, NULL, "one LRU per class", NULL },
	{ "tail_repair_time", 0, NULL, "items are never reference-locked",
	    NULL },
	{ "slab_reassign", 0, NULL, "pages move to starving classes always",
	    NULL },
	{ "no_slab_reassign", 0, NULL, "pages move to starving classes "
	    "always", NULL },
	{ "slab_automove", 0, NULL, "pages move to starving classes always",
	    NULL },
	{ "slab_automove_ratio", 0, NULL, "pages move to starving classes "
	    "always", NULL },
	{ "slab_automove_window", 0, NULL, "pages move to starving classes "
	    "always", NULL },
	{ "slab_automove_freeratio", 0, NULL, "pages move to starving "
	    "classes always", NULL },
	{ "track_sizes", 0, NULL, "stats sizes is not tracked", NULL },
	{ "read_buf_mem_limit", 0, NULL, "buffers have their own caps",
	    NULL },
	{ "resp_obj_mem_limit", 0, NULL, "buffers have their own caps",
	    NULL },
	{ "watcher_logbuf_size", 0, NULL, "no watch command", NULL },
	{ "worker_logbuf_size", 0, NULL, "no watch command", NULL },
	{ "inline_ascii_response", 0, NULL, "no such buffers", NULL },
	{ "no_inline_ascii_response", 0, NULL, "no such buffers", NULL },
	{ "sock_cookie_id", 0, NULL, "not supported", NULL },
	{ "drop_privileges", 0, NULL, "privileges are always dropped",
	    NULL },
	{ "no_drop_privileges", 0, NULL, NULL, "privilege separation "
	    "cannot be turned off" },
	{ "ext_", 1, NULL, NULL, "no external storage: the storage child "
	    "has no filesystem" },
	{ "ssl_chain_cert", 0, ext_ssl_chain_cert, NULL, NULL },
	{ "ssl_key", 0, ext_ssl_key, NULL, NULL },
	{ "ssl_ca_cert", 0, ext_ssl_ca_cert, NULL, NULL },
	{ "ssl_verify_mode", 0, ext_ssl_verify_mode, NULL, NULL },
	{ "ssl_min_version", 0, ext_ssl_min_version, NULL, NULL },
	{ "ssl_ciphers", 0, ext_ssl_ciphers, NULL, NULL },
	{ "ssl_keyformat", 0, ext_ssl_key_format, NULL, NULL },
	{ "ssl_session_cache", 0, NULL, "TLS sessions are not resumed",
	    NULL },
	{ "ssl_wbuf_size", 0, NULL, "TLS output goes straight from the "
	    "connection's buffer", NULL },
	{ "ssl_", 1, NULL, NULL, "not a TLS setting privcached knows" },
	{ "proxy_", 1, NULL, NULL, "no built-in proxy; see the README for "
	    "twemproxy and mcrouter" },
};

static int
config_extended(struct config *conf, const char *arg, char *err,
    size_t errlen)
{
	const struct config_extopt	*eo;
	char				*list, *p, *opt, *val;
	size_t				 i;
	int				 rv = 0;

	if ((list = strdup(arg)) == NULL)
		return (errbuf_set(err, errlen, "-o: %s", strerror(errno)));
	p = list;
	while (rv == 0 && (opt = strsep(&p, ",")) != NULL) {
		if ((val = strchr(opt, '=')) != NULL)
			*val++ = '\0';
		eo = NULL;
		for (i = 0; i < nitems(config_extopts); i++) {
			if ((config_extopts[i].eo_prefix &&
			    strncmp(opt, config_extopts[i].eo_name,
			    strlen(config_extopts[i].eo_name)) == 0) ||
			    strcmp(opt, config_extopts[i].eo_name) == 0) {
				eo = &config_extopts[i];
				break;
			}
		}
		if (eo == NULL)
			rv = errbuf_set(err, errlen,
			    "-o: unknown option '%s'", opt);
		else if (eo->eo_refused != NULL)
			rv = errbuf_set(err, errlen, "-o %s: refused: %s",
			    opt, eo->eo_refused);
		else if (eo->eo_ignored != NULL)
			rv = config_note(conf, err, errlen,
			    "-o %s: ignored: %s", opt, eo->eo_ignored);
		else
			rv = eo->eo_fn(conf, val, err, errlen);
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

static int
config_parse_flags(struct config *conf, int argc, char **argv, char *err,
    size_t errlen, enum config_origin origin)
{
	long long	 n = 0;
	char		*end;
	double		 f;
	size_t		 i;
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
				rv = errbuf_set(err, errlen, "-U %s: UDP is "
				    "off by design (it serves amplification "
				    "attacks); only -U 0 is accepted", optarg);
			conf->c_udp_port = 0;
			break;
		case 'l':
			/* -l on the command line replaces the file's list. */
			if (origin == ORIGIN_ARGS && conf->c_listen_from_file) {
				for (i = 0; i < conf->c_nlisten; i++)
					free(conf->c_listen[i].ls_host);
				conf->c_nlisten = 0;
				conf->c_listen_from_file = 0;
			}
			if ((rv = config_listen(conf, optarg, err, errlen)) ==
			    0 && origin == ORIGIN_FILE)
				conf->c_listen_from_file = 1;
			break;
		case 'u':
			if (*optarg == '\0')
				rv = errbuf_set(err, errlen,
				    "-u: empty user name");
			else if (config_strdup(&conf->c_user, optarg) == NULL)
				rv = errbuf_set(err, errlen, "-u: %s",
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
				rv = errbuf_set(err, errlen,
				    "-P: empty file name");
			else if (config_strdup(&conf->c_pidfile, optarg) ==
			    NULL)
				rv = errbuf_set(err, errlen, "-P: %s",
				    strerror(errno));
			break;
		case 'h':
			return (CONFIG_HELP);
		case 'V':
			return (CONFIG_VERSION);
		case CONFIG_OPT_FILE:
			/* Read before the rest of the command line. */
			if (origin == ORIGIN_FILE)
				rv = errbuf_set(err, errlen, "--config "
				    "inside a configuration file");
			break;
		case CONFIG_OPT_CHECK:
			conf->c_check_only = 1;
			break;
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
				rv = errbuf_set(err, errlen, "-f: invalid "
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
				rv = errbuf_set(err, errlen, "-B: invalid "
				    "protocol '%s' (ascii, binary or auto)",
				    optarg);
			break;
		case 't':
			if ((rv = config_number("-t", optarg, 1,
			    NET_CHILDREN_MAX, &n, err, errlen)) == 0)
				conf->c_threads = n;
			break;
		case 'b':
			if ((rv = config_number("-b", optarg, 1, 65535, &n,
			    err, errlen)) == 0)
				conf->c_backlog = n;
			break;
		case 'R':
			if ((rv = config_number("-R", optarg, 1, INT_MAX, &n,
			    err, errlen)) == 0)
				rv = config_note(conf, err, errlen, "-R: "
				    "ignored: every complete request read is "
				    "parsed in the same pass");
			break;
		case 's':
			if (*optarg != '/' || strlen(optarg) >= 100)
				rv = errbuf_set(err, errlen, "-s: needs an "
				    "absolute path under 100 bytes");
			else if (config_strdup(&conf->c_unix_path, optarg) ==
			    NULL)
				rv = errbuf_set(err, errlen, "-s: %s",
				    strerror(errno));
			break;
		case 'a':
			errno = 0;
			n = strtol(optarg, &end, 8);
			if (errno != 0 || end == optarg || *end != '\0' ||
			    n < 0 || n > 0777)
				rv = errbuf_set(err, errlen, "-a: invalid "
				    "octal mask '%s'", optarg);
			else
				conf->c_unix_mask = n;
			break;
		case 'A':
			conf->c_net.nc_shutdown_enabled = 1;
			break;
		case 'X':
		case 'W':
			/* Nothing to disable: no cachedump, no watch. */
			break;
		case 'L':
			conf->c_cache.cc_prealloc = 1;
			break;
		case 'k':
			conf->c_lock_memory = 1;
			conf->c_cache.cc_lock_memory = 1;
			break;
		case 'r':
			conf->c_coredumps = 1;
			rv = config_note(conf, err, errlen, "-r: only the "
			    "parent may dump core; the children run chrooted "
			    "without a writable directory");
			break;
		case 'D':
			rv = config_note(conf, err, errlen, "-D: ignored: no "
			    "per-prefix stats");
			break;
		case 'N':
			rv = config_note(conf, err, errlen, "-N: ignored: no "
			    "NAPI id grouping");
			break;
		case 'e':
			rv = errbuf_set(err, errlen, "-e: refused: the cache "
			    "lives in a sandboxed process with no filesystem");
			break;
		case 'Y':
			if (*optarg != '/')
				rv = errbuf_set(err, errlen, "-Y: needs an "
				    "absolute path (it is read again on "
				    "SIGHUP)");
			else if (config_strdup(&conf->c_auth_file, optarg) ==
			    NULL)
				rv = errbuf_set(err, errlen, "-Y: %s",
				    strerror(errno));
			else
				conf->c_net.nc_auth = 1;
			break;
		case 'S':
			conf->c_net.nc_sasl = 1;
			break;
		case 'Z':
			conf->c_net.nc_tls = 1;
			break;
		case 'o':
			rv = config_extended(conf, optarg, err, errlen);
			break;
		case ':':
			rv = errbuf_set(err, errlen,
			    "option %s needs a value", argv[optind - 1]);
			break;
		default:
			if (optopt != 0)
				rv = errbuf_set(err, errlen,
				    "unknown option -%c", optopt);
			else
				rv = errbuf_set(err, errlen,
				    "unknown option %s", argv[optind - 1]);
			break;
		}
	}
	if (rv != 0)
		return (CONFIG_ERROR);
	if (optind < argc) {
		(void)errbuf_set(err, errlen, "unexpected argument '%s'",
		    argv[optind]);
		return (CONFIG_ERROR);
	}
	return (CONFIG_OK);
}

/*
 * A memcached.conf: one or more flags a line, as on the command line, and
 * # comments.  Each line is parsed on its own, so an error names it.
 */
static int
config_parse_file(struct config *conf, const char *path, char *err,
    size_t errlen)
{
	char		*line = NULL, *p, *tok, *argv[CONFIG_LINE_TOKENS + 2];
	char		 msg[512];
	size_t		 cap = 0;
	ssize_t		 len;
	FILE		*fp;
	int		 argc, lineno = 0, rv = 0;
	enum config_result cr;

	if ((fp = fopen(path, "r")) == NULL)
		return (errbuf_set(err, errlen, "--config %s: %s", path,
		    strerror(errno)));
	while (rv == 0 && (len = getline(&line, &cap, fp)) != -1) {
		lineno++;
		if ((p = strchr(line, '#')) != NULL)
			*p = '\0';
		argc = 0;
		argv[argc++] = "privcached";
		p = line;
		while ((tok = strsep(&p, " \t\r\n")) != NULL) {
			if (*tok == '\0')
				continue;
			if (argc > CONFIG_LINE_TOKENS) {
				rv = errbuf_set(err, errlen, "%s:%d: too "
				    "many words", path, lineno);
				break;
			}
			argv[argc++] = tok;
		}
		argv[argc] = NULL;
		if (rv != 0 || argc == 1)
			continue;
		/* Debian's wrapper reads this one itself. */
		if (strcmp(argv[1], "logfile") == 0) {
			rv = config_note(conf, err, errlen, "%s:%d: logfile "
			    "ignored: logs go to stderr or syslog", path,
			    lineno);
			continue;
		}
		if (argv[1][0] != '-') {
			rv = errbuf_set(err, errlen, "%s:%d: expected a "
			    "flag, not '%s'", path, lineno, argv[1]);
			continue;
		}
		cr = config_parse_flags(conf, argc, argv, msg, sizeof(msg),
		    ORIGIN_FILE);
		if (cr == CONFIG_HELP || cr == CONFIG_VERSION)
			rv = errbuf_set(err, errlen, "%s:%d: -h and -V do "
			    "not belong in a file", path, lineno);
		else if (cr != CONFIG_OK)
			rv = errbuf_set(err, errlen, "%s:%d: %s", path,
			    lineno, msg);
	}
	if (rv == 0 && ferror(fp))
		rv = errbuf_set(err, errlen, "--config %s: read error",
		    path);
	free(line);
	fclose(fp);
	return (rv);
}

/* Checks that need every flag seen, and derived values. */
static enum config_result
config_finish(struct config *conf, char *err, size_t errlen)
{
	if (conf->c_cache.cc_item_size_max > conf->c_cache.cc_maxbytes / 2) {
		(void)errbuf_set(err, errlen, "-I: item size limit %u is "
		    "more than half of the memory limit (-m)",
		    conf->c_cache.cc_item_size_max);
		return (CONFIG_ERROR);
	}
	if (conf->c_cache.cc_item_size_max > conf->c_cache.cc_slab_page_size &&
	    !conf->c_chunk_max_set)
		conf->c_cache.cc_slab_chunk_max =
		    conf->c_cache.cc_slab_page_size / 2;
	if (conf->c_net.nc_tls && (conf->c_tls_file[TLS_PEM_CERT] == NULL ||
	    conf->c_tls_file[TLS_PEM_KEY] == NULL)) {
		(void)errbuf_set(err, errlen, "-Z: needs -o "
		    "ssl_chain_cert=<file>,ssl_key=<file>");
		return (CONFIG_ERROR);
	}
	if (conf->c_net.nc_tls && conf->c_tls.tp_verify_mode !=
	    TLS_VERIFY_NONE && conf->c_tls_file[TLS_PEM_CA] == NULL) {
		(void)errbuf_set(err, errlen, "-o ssl_verify_mode=%u: needs "
		    "-o ssl_ca_cert=<file> to verify client certificates",
		    conf->c_tls.tp_verify_mode);
		return (CONFIG_ERROR);
	}
	if (!conf->c_net.nc_tls && (conf->c_tls_file[TLS_PEM_CERT] != NULL ||
	    conf->c_tls_file[TLS_PEM_KEY] != NULL) && config_note(conf, err,
	    errlen, "ssl_* settings without -Z: no listener speaks TLS") ==
	    -1)
		return (CONFIG_ERROR);
	if (conf->c_net.nc_sasl && conf->c_auth_file == NULL) {
		(void)errbuf_set(err, errlen, "-S: SASL users come from the "
		    "-Y file: give -Y too");
		return (CONFIG_ERROR);
	}
	/*
	 * Half of -c, so one address cannot take every slot; a small -c
	 * (64 or less) is left to itself.
	 */
	if (conf->c_conn_per_ip < 0)
		conf->c_net.nc_conn_per_ip = conf->c_net.nc_maxconns <= 64 ?
		    conf->c_net.nc_maxconns : conf->c_net.nc_maxconns / 2 > 64 ?
		    conf->c_net.nc_maxconns / 2 : 64;
	else
		conf->c_net.nc_conn_per_ip = conf->c_conn_per_ip;
	if (conf->c_chroot == NULL &&
	    (conf->c_chroot = strdup(CONFIG_CHROOT_DEFAULT)) == NULL) {
		(void)errbuf_set(err, errlen, "%s", strerror(errno));
		return (CONFIG_ERROR);
	}
	return (CONFIG_OK);
}

/* The configuration file named by --config, if any. */
static const char *
config_file_arg(int argc, char **argv)
{
	int	i;

	for (i = 1; i < argc; i++) {
		if (strncmp(argv[i], "--config=", 9) == 0)
			return (argv[i] + 9);
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			return (argv[i + 1]);
		if (strcmp(argv[i], "--") == 0)
			break;
	}
	return (NULL);
}

enum config_result
config_parse_args(struct config *conf, int argc, char **argv, char *err,
    size_t errlen)
{
	enum config_result	 cr;
	const char		*file;

	if ((file = config_file_arg(argc, argv)) != NULL) {
		if (config_strdup(&conf->c_config_file, file) == NULL) {
			(void)errbuf_set(err, errlen, "%s", strerror(errno));
			return (CONFIG_ERROR);
		}
		if (config_parse_file(conf, file, err, errlen) == -1)
			return (CONFIG_ERROR);
	}
	if ((cr = config_parse_flags(conf, argc, argv, err, errlen,
	    ORIGIN_ARGS)) != CONFIG_OK)
		return (cr);
	return (config_finish(conf, err, errlen));
}

static void
config_changed(char *buf, size_t len, int *n, int cond, const char *what)
{
	if (!cond)
		return;
	if ((*n)++ > 0)
		(void)strlcat(buf, ", ", len);
	(void)strlcat(buf, what, len);
}

static int
config_str_differs(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a != b);
	return (strcmp(a, b) != 0);
}

int
config_needs_restart(const struct config *cur, const struct config *next,
    char *buf, size_t len)
{
	const struct cache_conf	*a = &cur->c_cache, *b = &next->c_cache;
	size_t			 i;
	int			 n = 0, listen = 0;

	buf[0] = '\0';
	if (cur->c_nlisten != next->c_nlisten || cur->c_port != next->c_port ||
	    config_str_differs(cur->c_unix_path, next->c_unix_path) ||
	    cur->c_unix_mask != next->c_unix_mask ||
	    cur->c_backlog != next->c_backlog)
		listen = 1;
	for (i = 0; !listen && i < cur->c_nlisten; i++)
		if (config_str_differs(cur->c_listen[i].ls_host,
		    next->c_listen[i].ls_host) ||
		    cur->c_listen[i].ls_port != next->c_listen[i].ls_port ||
		    cur->c_listen[i].ls_notls != next->c_listen[i].ls_notls)
			listen = 1;
	config_changed(buf, len, &n, listen, "listeners (-l -p -s -a -b)");
	config_changed(buf, len, &n, cur->c_net.nc_tls != next->c_net.nc_tls,
	    "-Z");
	config_changed(buf, len, &n, cur->c_threads != next->c_threads,
	    "-t");
	config_changed(buf, len, &n, a->cc_maxbytes != b->cc_maxbytes ||
	    a->cc_item_size_max != b->cc_item_size_max ||
	    a->cc_chunk_min != b->cc_chunk_min ||
	    a->cc_factor != b->cc_factor ||
	    a->cc_slab_chunk_max != b->cc_slab_chunk_max ||
	    a->cc_hashpower != b->cc_hashpower ||
	    a->cc_evict != b->cc_evict || a->cc_cas != b->cc_cas ||
	    a->cc_prealloc != b->cc_prealloc ||
	    a->cc_lock_memory != b->cc_lock_memory,
	    "memory settings (-m -I -n -f -M -C -L -k -o hashpower, "
	    "slab_chunk_max)");
	config_changed(buf, len, &n, config_str_differs(cur->c_user,
	    next->c_user) || config_str_differs(cur->c_chroot,
	    next->c_chroot) || cur->c_sandbox != next->c_sandbox,
	    "privilege settings (-u, chroot, sandbox)");
	config_changed(buf, len, &n, config_str_differs(cur->c_auth_file,
	    next->c_auth_file) || cur->c_net.nc_sasl != next->c_net.nc_sasl,
	    "authentication (-Y -S)");
	config_changed(buf, len, &n, cur->c_daemonize != next->c_daemonize ||
	    config_str_differs(cur->c_pidfile, next->c_pidfile),
	    "-d or -P");
	return (n > 0);
}

void
config_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: privcached [options]\n"
	    "-p, --port=<num>          TCP port (default: 11211)\n"
	    "-U, --udp-port=<num>      only 0: UDP is off by design\n"
	    "-s, --unix-socket=<file>  unix socket to listen on (no TCP then)\n"
	    "-a, --unix-mask=<mask>    access mask of the unix socket, octal "
	    "(default: 700)\n"
	    "-l, --listen=<addr>       address[:port] to listen on, repeatable"
	    " and\n"
	    "                          comma separated; IPv6 as [addr]:port\n"
	    "                          (default: 127.0.0.1 and ::1 only)\n"
	    "-b, --listen-backlog=<num> listen backlog (default: 1024)\n"
	    "-u, --user=<user>         unprivileged user for the children\n"
	    "                          (default: _privcached, privcached or "
	    "nobody)\n"
	    "-m, --memory-limit=<num>  item memory in megabytes (default: 64)\n"
	    "-M, --disable-evictions   error on memory exhausted instead of "
	    "evicting\n"
	    "-c, --conn-limit=<num>    max simultaneous connections "
	    "(default: 1024)\n"
	    "-C, --disable-cas         disable use of CAS\n"
	    "-F, --disable-flush-all   disable flush_all\n"
	    "-A, --enable-shutdown     enable the shutdown command\n"
	    "-I, --max-item-size=<num> max item size (default: 1m, 1k..1024m)\n"
	    "-f, --slab-growth-factor=<num> chunk growth factor (default: 1.25)"
	    "\n"
	    "-n, --slab-min-size=<bytes> smallest chunk (default: 48)\n"
	    "-L, --enable-largepages   allocate all item memory at start\n"
	    "-k, --lock-memory         lock item memory in RAM\n"
	    "-B, --protocol=<name>     ascii, binary or auto (default: auto)\n"
	    "-t, --threads=<num>       net children sharing the listeners "
	    "(default: 1)\n"
	    "-R, -D, -N, -X, -W, -r    accepted for compatibility\n"
	    "-o, --extended=<opts>     comma separated:\n"
	    "    chroot=<dir>          the children's empty root "
	    "(default: /var/empty)\n"
	    "    allow=<cidr>[;<cidr>] who may connect over TCP (default: "
	    "anyone)\n"
	    "    conn_per_ip=<n>       connections from one address "
	    "(default: -c / 2,\n"
	    "                          at least 64; 0: no limit)\n"
	    "    idle_timeout=<sec>    close connections idle this long "
	    "(default: 3600;\n"
	    "                          0: never)\n"
	    "    request_timeout=<sec> close a connection whose request "
	    "stays\n"
	    "                          incomplete this long (default: 30)\n"
	    "    buffer_budget=<mb>    all client buffers together "
	    "(default: 256)\n"
	    "    maxconns_fast         refuse connections past -c "
	    "(default)\n"
	    "    no_maxconns_fast      leave them in the backlog instead\n"
	    "    hashpower=<n>         initial hash table size, 2^n (12..32)\n"
	    "    slab_chunk_max=<kb>   largest chunk before items are chained\n"
	    "    sandbox_debug         a forbidden system call is logged "
	    "by name\n"
	    "    no_sandbox            no seccomp/pledge: strace, "
	    "sanitizers\n"
	    "    client_verbosity      the verbosity command changes the "
	    "log level\n"
	    "                          (default: answered OK, no effect)\n"
	    "                          memcached's other -o options are "
	    "accepted and\n"
	    "                          reported as ignored, or refused with "
	    "the reason\n"
	    "-Y, --auth-file=<file>    clients log in with a user:password "
	    "from <file>\n"
	    "-S, --enable-sasl         binary clients log in with SASL PLAIN "
	    "(needs -Y)\n"
	    "-Z, --enable-ssl          TLS on every TCP listener not given "
	    "as\n"
	    "                          -l notls:<addr>; with -o:\n"
	    "    ssl_chain_cert=<file> certificate chain, PEM, absolute "
	    "path\n"
	    "    ssl_key=<file>        its private key, PEM, absolute path\n"
	    "    ssl_ca_cert=<file>    CAs that sign client certificates\n"
	    "    ssl_verify_mode=<n>   client certificates: 0 none (default), "
	    "1 request,\n"
	    "                          2 require, 3 once (as 2)\n"
	    "    ssl_min_version=<n>   0 TLSv1.0, 1 TLSv1.1, 2 TLSv1.2 "
	    "(default),\n"
	    "                          3 TLSv1.3\n"
	    "    ssl_ciphers=<list>    OpenSSL cipher list for TLS 1.2 and "
	    "older\n"
	    "-v, --verbose             verbose (-vv: also requests)\n"
	    "-d, --daemon              run as a daemon\n"
	    "-P, --pidfile=<file>      write the parent's pid to <file>\n"
	    "    --config=<file>       read flags from a memcached.conf-style "
	    "file first\n"
	    "    --check-config        check the configuration and exit\n"
	    "-h, --help                print this help and exit\n"
	    "-V, --version             print version and exit\n");
}
