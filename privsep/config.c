/*
 * Command-line parsing (parent only, before anything is bound), driven by
 * one table of flags from which -h, the defaults, the parser and the
 * reload check all come.  Every value is range-checked and a bad one is
 * refused with a message that names the flag: a cache server that
 * silently misreads -m or -p is worse than none.
 */

#include <sys/types.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errbuf.h"
#include "compat.h"
#include "config.h"
#include "region.h"

/* getopt values of the flags without a letter: this plus their row. */
#define CONFIG_OPT_BASE		1000

/* Where flags come from: the command line overrides the file. */
enum config_origin {
	ORIGIN_DEFAULT,
	ORIGIN_FILE,
	ORIGIN_ARGS,
};

static int	config_note(struct config *, char *, size_t, const char *,
		    ...)
		    __attribute__((__format__ (printf, 4, 5)));

/* The restart groups, as the reload warning names them. */
static const char *const apply_names[CA_MAX] = {
	[CA_RELOAD] = "",
	[CA_LISTEN] = "listeners",
	[CA_MEMORY] = "memory settings",
	[CA_PRIVILEGE] = "privilege settings",
	[CA_AUTH] = "authentication",
	[CA_PROCESS] = "process settings",
};

/* -p, --config, -o chroot: how messages name a row. */
static const char *
config_flag_name(const struct config_flag *f, const char *typed, char *buf,
    size_t len)
{
	const struct config_flag	*sub;
	size_t				 nsub;

	sub = config_suboptions(&nsub);
	if (f >= sub && f < sub + nsub)
		(void)snprintf(buf, len, "-o %s", typed != NULL ? typed :
		    f->cf_name);
	else if (f->cf_letter != 0)
		(void)snprintf(buf, len, "-%c", f->cf_letter);
	else
		(void)snprintf(buf, len, "--%s", f->cf_name);
	return (buf);
}

static void *
config_field(struct config *conf, const struct config_flag *f)
{
	return ((char *)conf + f->cf_off);
}

static const void *
config_cfield(const struct config *conf, const struct config_flag *f)
{
	return ((const char *)conf + f->cf_off);
}

/* An integer into a field of the row's width. */
static int
config_store(struct config *conf, const struct config_flag *f,
    long long n, const char *name, char *err, size_t errlen)
{
	void		*p = config_field(conf, f);
	uint8_t		 u8 = n;
	uint16_t	 u16 = n;
	uint32_t	 u32 = n;
	uint64_t	 u64 = n;

	switch (f->cf_size) {
	case 0:
		break;
	case sizeof(u8):
		memcpy(p, &u8, sizeof(u8));
		break;
	case sizeof(u16):
		memcpy(p, &u16, sizeof(u16));
		break;
	case sizeof(u32):
		memcpy(p, &u32, sizeof(u32));
		break;
	case sizeof(u64):
		memcpy(p, &u64, sizeof(u64));
		break;
	default:
		return (errbuf_set(err, errlen, "%s: no integer field of %zu "
		    "bytes", name, f->cf_size));
	}
	return (0);
}

/* Integer in [min, max]; the message names the flag. */
int
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
    long long unit, long long *out, char *err, size_t errlen)
{
	char		 digits[32];
	size_t		 len;
	long long	 n;
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
	case 'g':
	case 'G':
		unit = 1024 * 1024 * 1024;
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

static int
config_float(const char *flag, const char *arg, const struct config_flag *f,
    double *out, char *err, size_t errlen)
{
	char	*end;
	double	 d;

	errno = 0;
	d = strtod(arg, &end);
	if (errno != 0 || end == arg || *end != '\0' || !isfinite(d) ||
	    d <= f->cf_min || d > f->cf_max)
		return (errbuf_set(err, errlen, "%s: invalid value '%s' "
		    "(must be > %lld and <= %lld)", flag, arg, f->cf_min,
		    f->cf_max));
	*out = d;
	return (0);
}

static int
config_octal(const char *flag, const char *arg, const struct config_flag *f,
    long long *out, char *err, size_t errlen)
{
	char	*end;
	long	 n;

	errno = 0;
	n = strtol(arg, &end, 8);
	if (errno != 0 || end == arg || *end != '\0' || n < f->cf_min ||
	    n > f->cf_max)
		return (errbuf_set(err, errlen, "%s: invalid octal mask '%s' "
		    "(allowed %llo..%llo)", flag, arg, f->cf_min, f->cf_max));
	*out = n;
	return (0);
}

static int
config_choice(const char *flag, const char *arg, const struct config_flag *f,
    long long *out, char *err, size_t errlen)
{
	char		 list[128];
	long long	 i;

	list[0] = '\0';
	for (i = 0; f->cf_choices[i] != NULL; i++) {
		if (strcmp(arg, f->cf_choices[i]) == 0) {
			*out = i;
			return (0);
		}
		if (i > 0)
			(void)strlcat(list, ", ", sizeof(list));
		(void)strlcat(list, f->cf_choices[i], sizeof(list));
	}
	return (errbuf_set(err, errlen, "%s: invalid value '%s' (one of %s)",
	    flag, arg, list));
}

static char *
config_strdup(char **dst, const char *src)
{
	free(*dst);
	*dst = strdup(src);
	return (*dst);
}

/* A copy of a string argument into its char * field. */
static int
config_string(struct config *conf, const struct config_flag *f,
    const char *flag, const char *arg, char *err, size_t errlen)
{
	char	**p = config_field(conf, f);

	if (f->cf_size != sizeof(*p))
		return (errbuf_set(err, errlen, "%s: no string field", flag));
	if (*arg == '\0')
		return (errbuf_set(err, errlen, "%s: empty value", flag));
	if (f->cf_type == CT_PATH && (*arg != '/' || (f->cf_max > 0 &&
	    strlen(arg) >= (size_t)f->cf_max))) {
		if (f->cf_max > 0)
			return (errbuf_set(err, errlen, "%s: needs an "
			    "absolute path under %lld bytes", flag,
			    f->cf_max));
		return (errbuf_set(err, errlen, "%s: needs an absolute path",
		    flag));
	}
	if (config_strdup(p, arg) == NULL)
		return (errbuf_set(err, errlen, "%s: %s", flag,
		    strerror(errno)));
	return (0);
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

static int	config_extended(struct config *, const char *, char *,
		    size_t);

/*
 * Reads arg by the row's type, stores it, runs the row's hook and notes
 * what is accepted but ignored.
 */
static int
config_value(struct config *conf, const struct config_flag *f,
    const char *typed, const char *arg, enum config_origin origin,
    char *err, size_t errlen)
{
	char		 name[80];
	long long	 n = 0;
	double		 d = 0;
	size_t		 i;
	int		 count, rv = 0;

	config_flag_name(f, typed, name, sizeof(name));
	if (f->cf_type == CT_REFUSED)
		return (errbuf_set(err, errlen, "%s: refused: %s", name,
		    f->cf_why));
	if (arg == NULL && f->cf_type != CT_NONE && f->cf_type != CT_SWITCH &&
	    f->cf_type != CT_COUNT)
		return (errbuf_set(err, errlen, "%s: needs a value%s%s",
		    name, f->cf_arg != NULL ? " " : "",
		    f->cf_arg != NULL ? f->cf_arg : ""));
	switch (f->cf_type) {
	case CT_NONE:
	case CT_ANY:
	case CT_REFUSED:
	case CT_HELP:
	case CT_VERSION:
		break;
	case CT_SWITCH:
		rv = config_store(conf, f, f->cf_on, name, err, errlen);
		break;
	case CT_COUNT:
		if (f->cf_size != sizeof(count))
			return (errbuf_set(err, errlen, "%s: no counter",
			    name));
		memcpy(&count, config_field(conf, f), sizeof(count));
		count++;
		memcpy(config_field(conf, f), &count, sizeof(count));
		break;
	case CT_INT:
		if ((rv = config_number(name, arg, f->cf_min, f->cf_max, &n,
		    err, errlen)) == 0)
			rv = config_store(conf, f, n * (f->cf_scale > 0 ?
			    f->cf_scale : 1), name, err, errlen);
		break;
	case CT_SIZE:
		/* Without a suffix the unit is cf_scale (-m: megabytes). */
		if ((rv = config_size(name, arg, f->cf_min, f->cf_max,
		    f->cf_scale > 0 ? f->cf_scale : 1, &n, err, errlen)) == 0)
			rv = config_store(conf, f, n, name, err, errlen);
		break;
	case CT_OCTAL:
		if ((rv = config_octal(name, arg, f, &n, err, errlen)) == 0)
			rv = config_store(conf, f, n, name, err, errlen);
		break;
	case CT_CHOICE:
		if ((rv = config_choice(name, arg, f, &n, err, errlen)) == 0)
			rv = config_store(conf, f, n, name, err, errlen);
		break;
	case CT_FLOAT:
		if (f->cf_size != sizeof(d))
			return (errbuf_set(err, errlen, "%s: no float field",
			    name));
		if ((rv = config_float(name, arg, f, &d, err, errlen)) == 0)
			memcpy(config_field(conf, f), &d, sizeof(d));
		break;
	case CT_STRING:
	case CT_PATH:
		rv = config_string(conf, f, name, arg, err, errlen);
		break;
	case CT_TEXT:
		if (*arg == '\0' || strlcpy(config_field(conf, f), arg,
		    f->cf_size) >= f->cf_size)
			rv = errbuf_set(err, errlen, "%s: needs a value of "
			    "1..%zu characters", name, f->cf_size - 1);
		break;
	case CT_LISTEN:
		/* -l on the command line replaces the file's list. */
		if (origin == ORIGIN_ARGS && conf->c_listen_from_file) {
			for (i = 0; i < conf->c_nlisten; i++)
				free(conf->c_listen[i].ls_host);
			conf->c_nlisten = 0;
			conf->c_listen_from_file = 0;
		}
		rv = config_listen(conf, arg, err, errlen);
		if (rv == 0 && origin == ORIGIN_FILE)
			conf->c_listen_from_file = 1;
		break;
	case CT_CIDRS:
		rv = config_allow(conf, f->cf_name, arg, err, errlen);
		break;
	case CT_EXTENDED:
		rv = config_extended(conf, arg, err, errlen);
		break;
	case CT_CONFIG:
		/* Read before the rest of the command line. */
		if (origin == ORIGIN_FILE)
			rv = errbuf_set(err, errlen, "--config inside a "
			    "configuration file");
		break;
	}
	if (rv == 0 && f->cf_hook != NULL && origin != ORIGIN_DEFAULT)
		rv = f->cf_hook(conf, err, errlen);
	if (rv == 0 && f->cf_why != NULL && origin != ORIGIN_DEFAULT)
		rv = config_note(conf, err, errlen, "%s: %s", name, f->cf_why);
	return (rv);
}

/* The row's default, if it has one that needs no allocation. */
static int
config_default(struct config *conf, const struct config_flag *f, char *err,
    size_t errlen)
{
	char		name[80];
	long long	n;

	/* Strings wait for config_finish: config_init cannot fail. */
	if (f->cf_default == NULL || f->cf_type == CT_STRING ||
	    f->cf_type == CT_PATH)
		return (0);
	if (f->cf_type != CT_SWITCH)
		return (config_value(conf, f, NULL, f->cf_default,
		    ORIGIN_DEFAULT, err, errlen));
	config_flag_name(f, NULL, name, sizeof(name));
	if (config_number(name, f->cf_default, LLONG_MIN, LLONG_MAX, &n, err,
	    errlen) == -1)
		return (-1);
	return (config_store(conf, f, n, name, err, errlen));
}

void
config_init(struct config *conf)
{
	const struct config_flag	*tab[2];
	char				 err[256];
	size_t				 n[2], i, t;

	memset(conf, 0, sizeof(*conf));
	conf->c_cache.cc_slab_page_size = CONFIG_SLAB_PAGE_SIZE;
	conf->c_cache.cc_slab_chunk_max = CONFIG_SLAB_PAGE_SIZE / 2;
	conf->c_net.nc_batch_max = CONFIG_BATCH_MAX;
	conf->c_net.nc_inflight_max = CONFIG_INFLIGHT_MAX;
	conf->c_net.nc_line_max = CONFIG_LINE_MAX;
	conf->c_net.nc_outbuf_max = CONFIG_OUTBUF_MAX;
	/*
	 * A default that does not parse is a bug in the table, which the
	 * unit tests catch; config_init has no caller to tell.
	 */
	tab[0] = config_flags(&n[0]);
	tab[1] = config_suboptions(&n[1]);
	for (t = 0; t < nitems(tab); t++)
		for (i = 0; i < n[t]; i++)
			if (config_default(conf, &tab[t][i], err,
			    sizeof(err)) == -1)
				abort();
}

static const struct config_flag *
config_suboption(const char *opt)
{
	const struct config_flag	*sub, *f;
	size_t				 i, n;

	sub = config_suboptions(&n);
	for (i = 0; i < n; i++) {
		f = &sub[i];
		if ((f->cf_prefix && strncmp(opt, f->cf_name,
		    strlen(f->cf_name)) == 0) || strcmp(opt, f->cf_name) == 0)
			return (f);
	}
	return (NULL);
}

int
config_reset(struct config *conf, const char *name, char *err, size_t errlen)
{
	const struct config_flag	*f;

	if ((f = config_suboption(name)) == NULL)
		return (errbuf_set(err, errlen, "-o %s: no such row", name));
	return (config_default(conf, f, err, errlen));
}

static int
config_extended(struct config *conf, const char *arg, char *err,
    size_t errlen)
{
	const struct config_flag	*f;
	char				*list, *p, *opt, *val;
	int				 rv = 0;

	if ((list = strdup(arg)) == NULL)
		return (errbuf_set(err, errlen, "-o: %s", strerror(errno)));
	p = list;
	while (rv == 0 && (opt = strsep(&p, ",")) != NULL) {
		if ((val = strchr(opt, '=')) != NULL)
			*val++ = '\0';
		if ((f = config_suboption(opt)) == NULL)
			rv = errbuf_set(err, errlen,
			    "-o: unknown option '%s'", opt);
		else
			rv = config_value(conf, f, opt, val, ORIGIN_ARGS, err,
			    errlen);
	}
	free(list);
	return (rv);
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
	free(conf->c_memory_file);
	for (i = 0; i < TLS_PEM_MAX; i++)
		free(conf->c_tls_file[i]);
	for (i = 0; i < conf->c_nnotes; i++)
		free(conf->c_notes[i]);
	memset(conf, 0, sizeof(*conf));
}

static int
config_has_arg(const struct config_flag *f)
{
	switch (f->cf_type) {
	case CT_NONE:
	case CT_SWITCH:
	case CT_COUNT:
	case CT_HELP:
	case CT_VERSION:
		return (0);
	default:
		return (1);
	}
}

/* getopt_long's view of the table; longopts has CONFIG_FLAGS_MAX + 1. */
static int
config_getopt_table(char *shortopts, size_t len, struct option *longopts,
    char *err, size_t errlen)
{
	const struct config_flag	*tab, *f;
	struct option			*lo = longopts;
	size_t				 i, n, ntab;

	tab = config_flags(&ntab);
	if (ntab > CONFIG_FLAGS_MAX || len < 2 * ntab + 2)
		return (errbuf_set(err, errlen, "%zu flags: more than the "
		    "parser's %d", ntab, CONFIG_FLAGS_MAX));
	/* A leading colon: a missing value is ':', not '?'. */
	n = 0;
	shortopts[n++] = ':';
	for (i = 0; i < ntab; i++) {
		f = &tab[i];
		if (f->cf_letter != 0) {
			shortopts[n++] = f->cf_letter;
			if (config_has_arg(f))
				shortopts[n++] = ':';
		}
		if (f->cf_name == NULL)
			continue;
		lo->name = f->cf_name;
		lo->has_arg = config_has_arg(f) ? required_argument :
		    no_argument;
		lo->flag = NULL;
		lo->val = f->cf_letter != 0 ? f->cf_letter :
		    CONFIG_OPT_BASE + (int)i;
		lo++;
	}
	shortopts[n] = '\0';
	memset(lo, 0, sizeof(*lo));
	return (0);
}

static const struct config_flag *
config_flag_by_opt(int ch)
{
	const struct config_flag	*tab;
	size_t				 i, n;

	tab = config_flags(&n);
	if (ch >= CONFIG_OPT_BASE && ch - CONFIG_OPT_BASE < (int)n)
		return (&tab[ch - CONFIG_OPT_BASE]);
	for (i = 0; i < n; i++)
		if (tab[i].cf_letter == ch)
			return (&tab[i]);
	return (NULL);
}

static enum config_result
config_parse_flags(struct config *conf, int argc, char **argv, char *err,
    size_t errlen, enum config_origin origin)
{
	const struct config_flag	*f;
	struct option			 longopts[CONFIG_FLAGS_MAX + 1];
	char				 shortopts[2 * CONFIG_FLAGS_MAX + 2];
	int				 ch, rv = 0;

	if (config_getopt_table(shortopts, sizeof(shortopts), longopts, err,
	    errlen) == -1)
		return (CONFIG_ERROR);
	/* glibc restarts with optind 0, the BSDs with optreset. */
	optind = 0;
#if defined(__OpenBSD__) || defined(__FreeBSD__) || defined(__NetBSD__)
	optreset = 1;
	optind = 1;
#endif
	opterr = 0;
	while (rv == 0 &&
	    (ch = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		if (ch == ':') {
			rv = errbuf_set(err, errlen,
			    "option %s needs a value", argv[optind - 1]);
			break;
		}
		if (ch == '?' || (f = config_flag_by_opt(ch)) == NULL) {
			if (optopt != 0)
				rv = errbuf_set(err, errlen,
				    "unknown option -%c", optopt);
			else
				rv = errbuf_set(err, errlen,
				    "unknown option %s", argv[optind - 1]);
			break;
		}
		if (f->cf_type == CT_HELP)
			return (CONFIG_HELP);
		if (f->cf_type == CT_VERSION)
			return (CONFIG_VERSION);
		rv = config_value(conf, f, NULL, optarg, origin, err, errlen);
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

/* Defaults that need allocating: the flags are read, nothing overrode. */
static int
config_string_defaults(struct config *conf, const struct config_flag *tab,
    size_t n, char *err, size_t errlen)
{
	const struct config_flag	*f;
	char				**p;
	size_t				 i;

	for (i = 0; i < n; i++) {
		f = &tab[i];
		if (f->cf_default == NULL || (f->cf_type != CT_STRING &&
		    f->cf_type != CT_PATH))
			continue;
		p = config_field(conf, f);
		if (*p == NULL && (*p = strdup(f->cf_default)) == NULL)
			return (errbuf_set(err, errlen, "%s",
			    strerror(errno)));
	}
	return (0);
}

/*
 * The reserve cache_memlimit may grow into.  -k locks all of it in RAM,
 * so there it defaults to -m: only an explicit reserve is locked whole.
 */
static enum config_result
config_memlimit_max(struct config *conf, char *err, size_t errlen)
{
	struct cache_conf	*cc = &conf->c_cache;
	long			 pages, pagesize;

	if (cc->cc_memlimit_max != 0) {
		if (cc->cc_memlimit_max >= cc->cc_maxbytes)
			return (CONFIG_OK);
		(void)errbuf_set(err, errlen, "-o memlimit_max: %llu MB is "
		    "less than -m", (unsigned long long)(cc->cc_memlimit_max
		    >> 20));
		return (CONFIG_ERROR);
	}
	pages = sysconf(_SC_PHYS_PAGES);
	pagesize = sysconf(_SC_PAGESIZE);
	if (conf->c_lock_memory || pages <= 0 || pagesize <= 0)
		cc->cc_memlimit_max = cc->cc_maxbytes;
	else
		cc->cc_memlimit_max = region_reserve_default(cc->cc_maxbytes,
		    (uint64_t)pages * (uint64_t)pagesize,
		    cc->cc_slab_page_size);
	return (CONFIG_OK);
}

/* Checks that need every flag seen, and derived values. */
static enum config_result
config_finish(struct config *conf, char *err, size_t errlen)
{
	const struct config_flag	*tab, *sub;
	struct cache_conf		*cc = &conf->c_cache;
	struct net_conf			*nc = &conf->c_net;
	size_t				 ntab, nsub;
	enum config_result		 rv;

	if (cc->cc_item_size_max > cc->cc_maxbytes / 2) {
		(void)errbuf_set(err, errlen, "-I: item size limit %u is "
		    "more than half of the memory limit (-m)",
		    cc->cc_item_size_max);
		return (CONFIG_ERROR);
	}
	if ((rv = config_memlimit_max(conf, err, errlen)) != CONFIG_OK)
		return (rv);
	if (cc->cc_item_size_max > cc->cc_slab_page_size &&
	    !conf->c_chunk_max_set)
		cc->cc_slab_chunk_max = cc->cc_slab_page_size / 2;
	/*
	 * What one connection may get from one batch.  Net writes as
	 * replies arrive, so a client that reads gets big multi-gets whole;
	 * past four times what net would hold unsent for it, copying more
	 * for one batch is wasted work.
	 */
	cc->cc_reply_budget = nc->nc_outbuf_max * 4;
	/* What both children need of one flag. */
	nc->nc_item_size_max = cc->cc_item_size_max;
	nc->nc_cas = cc->cc_cas;
	cc->cc_lock_memory = conf->c_lock_memory;
	nc->nc_auth = conf->c_auth_file != NULL;
	if (nc->nc_tls && (conf->c_tls_file[TLS_PEM_CERT] == NULL ||
	    conf->c_tls_file[TLS_PEM_KEY] == NULL)) {
		(void)errbuf_set(err, errlen, "-Z: needs -o "
		    "ssl_chain_cert=<file>,ssl_key=<file>");
		return (CONFIG_ERROR);
	}
	if (nc->nc_tls && conf->c_tls.tp_verify_mode != TLS_VERIFY_NONE &&
	    conf->c_tls_file[TLS_PEM_CA] == NULL) {
		(void)errbuf_set(err, errlen, "-o ssl_verify_mode=%u: needs "
		    "-o ssl_ca_cert=<file> to verify client certificates",
		    conf->c_tls.tp_verify_mode);
		return (CONFIG_ERROR);
	}
	if (!nc->nc_tls && (conf->c_tls_file[TLS_PEM_CERT] != NULL ||
	    conf->c_tls_file[TLS_PEM_KEY] != NULL) && config_note(conf, err,
	    errlen, "ssl_* settings without -Z: no listener speaks TLS") ==
	    -1)
		return (CONFIG_ERROR);
	if (nc->nc_sasl && conf->c_auth_file == NULL) {
		(void)errbuf_set(err, errlen, "-S: SASL users come from the "
		    "-Y file: give -Y too");
		return (CONFIG_ERROR);
	}
	/*
	 * Half of -c, so one address cannot take every slot; a small -c
	 * (64 or less) is left to itself.
	 */
	if (!conf->c_conn_per_ip_set)
		nc->nc_live.nl_conn_per_ip = nc->nc_live.nl_maxconns <= 64 ?
		    nc->nc_live.nl_maxconns : nc->nc_live.nl_maxconns / 2 > 64 ?
		    nc->nc_live.nl_maxconns / 2 : 64;
	else
		nc->nc_live.nl_conn_per_ip = conf->c_conn_per_ip;
	tab = config_flags(&ntab);
	sub = config_suboptions(&nsub);
	if (config_string_defaults(conf, tab, ntab, err, errlen) == -1 ||
	    config_string_defaults(conf, sub, nsub, err, errlen) == -1)
		return (CONFIG_ERROR);
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

/* Whether the setting of one row differs between two configurations. */
static int
config_differs(const struct config *a, const struct config *b,
    const struct config_flag *f)
{
	const char	*sa, *sb;
	size_t		 i;

	switch (f->cf_type) {
	case CT_STRING:
	case CT_PATH:
		memcpy(&sa, config_cfield(a, f), sizeof(sa));
		memcpy(&sb, config_cfield(b, f), sizeof(sb));
		if (sa == NULL || sb == NULL)
			return (sa != sb);
		return (strcmp(sa, sb) != 0);
	case CT_LISTEN:
		if (a->c_nlisten != b->c_nlisten)
			return (1);
		for (i = 0; i < a->c_nlisten; i++) {
			sa = a->c_listen[i].ls_host;
			sb = b->c_listen[i].ls_host;
			if ((sa == NULL || sb == NULL ? sa != sb :
			    strcmp(sa, sb) != 0) ||
			    a->c_listen[i].ls_port != b->c_listen[i].ls_port ||
			    a->c_listen[i].ls_notls != b->c_listen[i].ls_notls)
				return (1);
		}
		return (0);
	default:
		return (f->cf_size > 0 && memcmp(config_cfield(a, f),
		    config_cfield(b, f), f->cf_size) != 0);
	}
}

/* Adds the rows of one restart group that changed, as "-m -o hashpower". */
static void
config_changed(const struct config *cur, const struct config *next,
    const struct config_flag *tab, size_t ntab, enum config_apply group,
    char *names, size_t len)
{
	const struct config_flag	*f, *g;
	char				 name[80];
	size_t				 i;

	for (i = 0; i < ntab; i++) {
		f = &tab[i];
		if (f->cf_apply != group || !config_differs(cur, next, f))
			continue;
		/* Switches that share a field are one setting. */
		for (g = tab; g < f; g++)
			if (g->cf_size > 0 && g->cf_off == f->cf_off)
				break;
		if (g < f)
			continue;
		if (names[0] != '\0')
			(void)strlcat(names, " ", len);
		(void)strlcat(names, config_flag_name(f, NULL, name,
		    sizeof(name)), len);
	}
}

int
config_needs_restart(const struct config *cur, const struct config *next,
    char *buf, size_t len)
{
	const struct config_flag	*tab, *sub;
	char				 names[256];
	size_t				 ntab, nsub;
	int				 group, n = 0;

	tab = config_flags(&ntab);
	sub = config_suboptions(&nsub);
	buf[0] = '\0';
	for (group = 0; group < CA_MAX; group++) {
		if (group == CA_RELOAD)
			continue;
		names[0] = '\0';
		config_changed(cur, next, tab, ntab, group, names,
		    sizeof(names));
		config_changed(cur, next, sub, nsub, group, names,
		    sizeof(names));
		if (names[0] == '\0')
			continue;
		if (n++ > 0)
			(void)strlcat(buf, ", ", len);
		(void)strlcat(buf, apply_names[group], len);
		(void)strlcat(buf, " (", len);
		(void)strlcat(buf, names, len);
		(void)strlcat(buf, ")", len);
	}
	return (n > 0);
}
