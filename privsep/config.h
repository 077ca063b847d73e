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

#define CONFIG_PORT_DEFAULT	11211
#define CONFIG_MAXCONNS_DEFAULT	1024
#define CONFIG_MEMORY_DEFAULT	64		/* megabytes */
#define CONFIG_MEMORY_MAX	(1024 * 1024)	/* megabytes: 1 TiB */
#define CONFIG_ITEM_MAX_DEFAULT	(1024 * 1024)
#define CONFIG_ITEM_MAX_MIN	1024
#define CONFIG_ITEM_MAX_MAX	(1024 * 1024 * 1024)
#define CONFIG_CHROOT_DEFAULT	"/var/empty"
#define CONFIG_LISTEN_MAX	64
#define CONFIG_BACKLOG_DEFAULT	1024
#define CONFIG_NOTES_MAX	32
#define CONFIG_IDLE_TIMEOUT_DEFAULT	3600	/* seconds */
#define CONFIG_REQUEST_TIMEOUT_DEFAULT	30	/* seconds */
#define CONFIG_BUFFER_BUDGET_DEFAULT	256	/* MiB */
#define CONFIG_LINE_TOKENS	32	/* words on one config file line */
#define CONFIG_UNIX_MASK_DEFAULT 0700

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
	int			 c_conn_per_ip;	/* -1: derived from -c */
	int			 c_chunk_max_set;
	int			 c_listen_from_file;
	int			 c_check_only;	/* --check-config */
	char			*c_config_file;	/* --config */
	char			*c_auth_file;	/* -Y */
	/* -o ssl_chain_cert, ssl_key, ssl_ca_cert: absolute paths */
	char			*c_tls_file[TLS_PEM_MAX];
	struct tls_params	 c_tls;		/* the other ssl_* settings */
	/* What was accepted but ignored, logged once logging is up. */
	char			*c_notes[CONFIG_NOTES_MAX];
	size_t			 c_nnotes;
	struct cache_conf	 c_cache;
	struct net_conf		 c_net;
};

enum config_result {
	CONFIG_OK,
	CONFIG_HELP,		/* -h: print usage, exit 0 */
	CONFIG_VERSION,		/* -V: print version, exit 0 */
	CONFIG_ERROR,		/* message in err */
};

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
/* Usage text for -h. */
void	config_usage(FILE *);

#endif /* PRIVCACHED_CONFIG_H */
