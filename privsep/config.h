/*
 * The daemon's configuration as the parent parses it from the command line
 * (memcached's flags, same letters, same meanings).
 */

#ifndef PRIVCACHED_CONFIG_H
#define PRIVCACHED_CONFIG_H

#include <sys/types.h>

#include <netinet/in.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "msg.h"
#include "version.h"

/* Bounds of the flags' values. */
#define CONFIG_PORT_MAX		65535
#define CONFIG_MAXCONNS_MAX	1000000
#define CONFIG_MEMORY_MAX	(1024 * 1024)	/* megabytes: 1 TiB */
#define CONFIG_ITEM_MAX_MIN	1024
#define CONFIG_ITEM_MAX_MAX	(1024 * 1024 * 1024)
#define CONFIG_CHUNK_MIN_MAX	(1024 * 1024)	/* -n, bytes */
#define CONFIG_FACTOR_MAX	100		/* -f; the least is over 1 */
#define CONFIG_BACKLOG_MAX	65535
#define CONFIG_UNIX_PATH_MAX	100		/* -s, with its NUL */
#define CONFIG_UNIX_MASK_MAX	0777
#define CONFIG_SECONDS_MAX	(86400 * 365)	/* timeouts */
#define CONFIG_BUDGET_MIN	16		/* buffer_budget, MiB */
#define CONFIG_BUDGET_MAX	(1024 * 1024)
#define CONFIG_HASHPOWER_MIN	12
#define CONFIG_HASHPOWER_MAX	32
#define CONFIG_LISTEN_MAX	64
#define CONFIG_NOTES_MAX	32
#define CONFIG_LINE_TOKENS	32	/* words on one config file line */
#define CONFIG_FLAGS_MAX	64	/* rows of the flag table */

/* Fixed sizes no flag sets. */
#define CONFIG_SLAB_PAGE_SIZE	(1024 * 1024)
#define CONFIG_BATCH_MAX	(64 * 1024)	/* bytes per request batch */
#define CONFIG_INFLIGHT_MAX	8		/* batches in flight */
#define CONFIG_LINE_MAX		65536		/* longest request line */
#define CONFIG_OUTBUF_MAX	(16 * 1024 * 1024)

struct listen_spec {
	char		*ls_host;	/* NULL: the default loopback set */
	in_port_t	 ls_port;	/* 0: the -p port */
	int		 ls_notls;	/* "notls:" prefix: plaintext
					 * even with -Z */
};

struct config {
	struct listen_spec	 c_listen[CONFIG_LISTEN_MAX];
	size_t			 c_nlisten;
	in_port_t		 c_port;
	int			 c_udp_port;
	char			*c_user;
	char			*c_pidfile;
	char			*c_chroot;
	int			 c_verbose;
	int			 c_daemonize;
	int			 c_backlog;
	int			 c_sandbox;	/* enum sandbox_mode */
	char			*c_unix_path;	/* -s */
	int			 c_unix_mask;	/* -a */
	int			 c_lock_memory;	/* -k */
	int			 c_coredumps;	/* -r */
	int			 c_threads;	/* -t */
	int			 c_conn_per_ip;	/* -o conn_per_ip */
	int			 c_conn_per_ip_set; /* else derived from -c */
	int			 c_chunk_max_set;
	int			 c_listen_from_file;
	int			 c_check_only;	/* --check-config */
	char			*c_config_file;	/* --config */
	char			*c_auth_file;	/* -Y */
	char			*c_memory_file;	/* -e */
	/* -o ssl_chain_cert, ssl_key, ssl_ca_cert: absolute paths */
	char			*c_tls_file[TLS_PEM_MAX];
	struct tls_params	 c_tls;		/* the other ssl_* settings */
	/* What was accepted but ignored, logged once logging is up. */
	char			*c_notes[CONFIG_NOTES_MAX];
	size_t			 c_nnotes;
	struct cache_conf	 c_cache;
	struct net_conf		 c_net;
	int			 c_foreground;	/* --foreground: over -d */
	int			 c_syslog_facility; /* -o syslog_facility,
						 * an index: see
						 * config_syslog_facility() */
};

enum config_result {
	CONFIG_OK,
	CONFIG_HELP,		/* -h: print usage, exit 0 */
	CONFIG_VERSION,		/* -V: print version, exit 0 */
	CONFIG_ERROR,		/* message in err */
};

/* How a flag's argument is read and stored. */
enum config_type {
	CT_NONE,	/* no argument, nothing stored */
	CT_SWITCH,	/* no argument: stores cf_on */
	CT_COUNT,	/* no argument: adds one */
	CT_INT,		/* decimal in [cf_min, cf_max], stored times cf_scale */
	CT_SIZE,	/* bytes, k or m suffix, in [cf_min, cf_max] */
	CT_FLOAT,	/* over cf_min, at most cf_max */
	CT_OCTAL,	/* a file mode in [cf_min, cf_max] */
	CT_STRING,	/* non-empty, a copy stored */
	CT_PATH,	/* absolute, shorter than cf_max (0: any length) */
	CT_TEXT,	/* non-empty, into a char array of cf_size */
	CT_CHOICE,	/* one of cf_choices, stored as its index */
	CT_ANY,		/* an argument, not looked at */
	CT_LISTEN,	/* -l's address list */
	CT_CIDRS,	/* -o allow's network list */
	CT_EXTENDED,	/* -o's suboption list */
	CT_CONFIG,	/* --config: read before the rest */
	CT_REFUSED,	/* an error saying cf_why */
	CT_HELP,
	CT_VERSION,
};

/* What applies a changed setting; all but CA_RELOAD need a restart. */
enum config_apply {
	CA_RELOAD,	/* SIGHUP */
	CA_LISTEN,
	CA_MEMORY,
	CA_PRIVILEGE,
	CA_AUTH,
	CA_PROCESS,
	CA_MAX
};

/*
 * One flag or -o suboption: how -h shows it, how it is parsed, where it
 * is stored, its default, and whether a reload applies it.
 */
struct config_flag {
	int		 cf_letter;	/* 0: long or -o name only */
	const char	*cf_name;	/* long flag or -o suboption */
	enum config_type cf_type;
	long long	 cf_min;	/* the value's range as typed */
	long long	 cf_max;
	long long	 cf_scale;	/* stored = typed * cf_scale (0: 1) */
	long long	 cf_on;		/* what a CT_SWITCH stores */
	/*
	 * As typed; config_init parses it (a switch's: the field's value
	 * while the switch is absent).  NULL: none or derived.
	 */
	const char	*cf_default;
	enum config_apply cf_apply;
	size_t		 cf_off;	/* the field in struct config */
	size_t		 cf_size;	/* 0: nothing stored */
	int		 cf_prefix;	/* -o: cf_name is a prefix */
	const char *const *cf_choices;	/* CT_CHOICE, NULL-terminated */
	const char	*cf_why;	/* noted when given, or the refusal */
	/* After the value is stored: checks and derived settings. */
	int		(*cf_hook)(struct config *, char *, size_t);
	const char	*cf_arg;	/* "<num>" in -h */
	const char	*cf_help;	/* NULL: only listed as accepted */
};

/* The flags and -o suboptions, for tests and documentation checks. */
const struct config_flag *config_flags(size_t *);
const struct config_flag *config_suboptions(size_t *);

/* Fills defaults. */
void	config_init(struct config *);
/*
 * Parses memcached-style flags.  CONFIG_ERROR with a message naming the
 * flag in err; never exits, so tests can drive it.  Resets getopt.
 */
enum config_result
	config_parse_args(struct config *, int argc, char **argv, char *err,
	    size_t errlen);
/* Frees what config_parse_args allocated. */
void	config_clear(struct config *);
/*
 * 1 if next differs from cur in what only a restart can apply, with the
 * names of those settings in buf; 0 if a reload can apply all of it.
 */
int	config_needs_restart(const struct config *, const struct config *,
	    char *buf, size_t len);
/* The syslog(3) facility -o syslog_facility names (LOG_DAEMON ...). */
int	config_syslog_facility(const struct config *);
/* Usage text for -h. */
void	config_usage(FILE *);

/* Between config.c, config_table.c and config_addr.c. */
/* Puts a -o suboption back to its default; 0 or -1 with err. */
int	config_reset(struct config *, const char *, char *, size_t);
/* Integer in [min, max] into *out; 0, or -1 with err naming flag. */
int	config_number(const char *flag, const char *arg, long long min,
	    long long max, long long *out, char *err, size_t errlen);
/* Adds -l's comma separated listeners; 0 or -1 with err. */
int	config_listen(struct config *, const char *, char *, size_t);
/* Adds -o allow's networks; 0 or -1 with err. */
int	config_allow(struct config *, const char *, const char *, char *,
	    size_t);

#endif /* PRIVCACHED_CONFIG_H */
