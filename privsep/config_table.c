/*
 * The flag table: every flag and -o suboption with its type, range,
 * default, whether a reload applies it and its help; the checks that run
 * once a value is stored; and -h, printed from the table.
 */

#include <sys/types.h>

#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "errbuf.h"
#include "compat.h"
#include "config.h"
#include "sandbox.h"

/* Where -h starts a flag's help text. */
#define USAGE_COLUMN		26
#define USAGE_WIDTH		79

#define FIELD(f)	.cf_off = offsetof(struct config, f), \
			.cf_size = sizeof(((struct config *)NULL)->f)

static int	hook_udp(struct config *, char *, size_t);
static int	hook_maxconns_fast(struct config *, char *, size_t);
static int	hook_conn_per_ip(struct config *, char *, size_t);
static int	hook_slab_chunk_max(struct config *, char *, size_t);

static const char *const protocols[] = { "auto", "ascii", "binary", NULL };
/* -o syslog_facility: the names, and in the same order their values. */
static const char *const facility_names[] = { "daemon", "user", "local0",
	"local1", "local2", "local3", "local4", "local5", "local6", "local7",
	NULL };
static const int facility_values[] = { LOG_DAEMON, LOG_USER, LOG_LOCAL0,
	LOG_LOCAL1, LOG_LOCAL2, LOG_LOCAL3, LOG_LOCAL4, LOG_LOCAL5, LOG_LOCAL6,
	LOG_LOCAL7 };

/*
 * Every flag, in the order -h lists them.  The letters and long names are
 * memcached's.
 */
static const struct config_flag flags[] = {
	{ .cf_letter = 'p', .cf_name = "port", .cf_type = CT_INT,
	  .cf_min = 1, .cf_max = CONFIG_PORT_MAX, .cf_default = "11211",
	  .cf_apply = CA_LISTEN, FIELD(c_port),
	  .cf_arg = "<num>", .cf_help = "TCP port" },
	{ .cf_letter = 'U', .cf_name = "udp-port", .cf_type = CT_INT,
	  .cf_min = 0, .cf_max = CONFIG_PORT_MAX, .cf_apply = CA_LISTEN,
	  FIELD(c_udp_port), .cf_hook = hook_udp,
	  .cf_arg = "<num>", .cf_help = "only 0: UDP is off by design" },
	{ .cf_letter = 's', .cf_name = "unix-socket", .cf_type = CT_PATH,
	  .cf_max = CONFIG_UNIX_PATH_MAX, .cf_apply = CA_LISTEN,
	  FIELD(c_unix_path),
	  .cf_arg = "<file>",
	  .cf_help = "unix socket to listen on (no TCP then)" },
	{ .cf_letter = 'a', .cf_name = "unix-mask", .cf_type = CT_OCTAL,
	  .cf_max = CONFIG_UNIX_MASK_MAX, .cf_default = "700",
	  .cf_apply = CA_LISTEN, FIELD(c_unix_mask),
	  .cf_arg = "<mask>",
	  .cf_help = "access mask of the unix socket, octal" },
	{ .cf_letter = 'l', .cf_name = "listen", .cf_type = CT_LISTEN,
	  .cf_apply = CA_LISTEN, FIELD(c_listen),
	  .cf_arg = "<addr>",
	  .cf_help = "address[:port] to listen on, repeatable and\n"
	  "comma separated; IPv6 as [addr]:port\n"
	  "(default: 127.0.0.1 and ::1 only)" },
	{ .cf_letter = 'b', .cf_name = "listen-backlog", .cf_type = CT_INT,
	  .cf_min = 1, .cf_max = CONFIG_BACKLOG_MAX, .cf_default = "1024",
	  .cf_apply = CA_LISTEN, FIELD(c_backlog),
	  .cf_arg = "<num>", .cf_help = "listen backlog" },
	{ .cf_letter = 'u', .cf_name = "user", .cf_type = CT_STRING,
	  .cf_apply = CA_PRIVILEGE, FIELD(c_user),
	  .cf_arg = "<user>",
	  .cf_help = "unprivileged user for the children\n"
	  "(default: _privcached, privcached or nobody)" },
	/* memcached reads "-m 64m" as 64: suffixes k, m and g here. */
	{ .cf_letter = 'm', .cf_name = "memory-limit", .cf_type = CT_SIZE,
	  .cf_min = 1 << 20, .cf_max = (long long)CONFIG_MEMORY_MAX << 20,
	  .cf_scale = 1 << 20,
	  .cf_default = "64", .cf_apply = CA_MEMORY,
	  FIELD(c_cache.cc_maxbytes),
	  .cf_arg = "<num>", .cf_help = "item memory in megabytes" },
	{ .cf_letter = 'M', .cf_name = "disable-evictions",
	  .cf_type = CT_SWITCH, .cf_on = 0, .cf_default = "1",
	  .cf_apply = CA_MEMORY, FIELD(c_cache.cc_evict),
	  .cf_help = "error on memory exhausted instead of evicting" },
	{ .cf_letter = 'c', .cf_name = "conn-limit", .cf_type = CT_INT,
	  .cf_min = 1, .cf_max = CONFIG_MAXCONNS_MAX, .cf_default = "1024",
	  .cf_apply = CA_RELOAD, FIELD(c_net.nc_live.nl_maxconns),
	  .cf_arg = "<num>",
	  .cf_help = "max simultaneous connections (a reload lowers it)" },
	{ .cf_letter = 'C', .cf_name = "disable-cas", .cf_type = CT_SWITCH,
	  .cf_on = 0, .cf_default = "1", .cf_apply = CA_MEMORY,
	  FIELD(c_cache.cc_cas), .cf_help = "disable use of CAS" },
	{ .cf_letter = 'F', .cf_name = "disable-flush-all",
	  .cf_type = CT_SWITCH, .cf_on = 0, .cf_default = "1",
	  .cf_apply = CA_RELOAD, FIELD(c_net.nc_live.nl_flush_enabled),
	  .cf_help = "disable flush_all" },
	{ .cf_letter = 'A', .cf_name = "enable-shutdown",
	  .cf_type = CT_SWITCH, .cf_on = 1, .cf_apply = CA_RELOAD,
	  FIELD(c_net.nc_live.nl_shutdown_enabled),
	  .cf_help = "enable the shutdown command" },
	{ .cf_letter = 'I', .cf_name = "max-item-size", .cf_type = CT_SIZE,
	  .cf_min = CONFIG_ITEM_MAX_MIN, .cf_max = CONFIG_ITEM_MAX_MAX,
	  .cf_default = "1m", .cf_apply = CA_MEMORY,
	  FIELD(c_cache.cc_item_size_max),
	  .cf_arg = "<num>", .cf_help = "max item size, 1k..1024m" },
	{ .cf_letter = 'f', .cf_name = "slab-growth-factor",
	  .cf_type = CT_FLOAT, .cf_min = 1, .cf_max = CONFIG_FACTOR_MAX,
	  .cf_default = "1.25", .cf_apply = CA_MEMORY,
	  FIELD(c_cache.cc_factor),
	  .cf_arg = "<num>", .cf_help = "chunk growth factor" },
	{ .cf_letter = 'n', .cf_name = "slab-min-size", .cf_type = CT_INT,
	  .cf_min = 1, .cf_max = CONFIG_CHUNK_MIN_MAX, .cf_default = "48",
	  .cf_apply = CA_MEMORY, FIELD(c_cache.cc_chunk_min),
	  .cf_arg = "<bytes>", .cf_help = "smallest chunk" },
	{ .cf_letter = 'L', .cf_name = "enable-largepages",
	  .cf_type = CT_SWITCH, .cf_on = 1, .cf_apply = CA_MEMORY,
	  FIELD(c_cache.cc_prealloc),
	  .cf_help = "allocate all item memory at start" },
	{ .cf_letter = 'k', .cf_name = "lock-memory", .cf_type = CT_SWITCH,
	  .cf_on = 1, .cf_apply = CA_MEMORY, FIELD(c_lock_memory),
	  .cf_help = "lock item memory in RAM" },
	{ .cf_letter = 'B', .cf_name = "protocol", .cf_type = CT_CHOICE,
	  .cf_choices = protocols, .cf_default = "auto",
	  .cf_apply = CA_RELOAD, FIELD(c_net.nc_live.nl_protocol),
	  .cf_arg = "<name>", .cf_help = "ascii, binary or auto" },
	{ .cf_letter = 't', .cf_name = "threads", .cf_type = CT_INT,
	  .cf_min = 1, .cf_max = NET_CHILDREN_MAX, .cf_default = "1",
	  .cf_apply = CA_PROCESS, FIELD(c_threads),
	  .cf_arg = "<num>", .cf_help = "net children sharing the listeners" },
	{ .cf_letter = 'R', .cf_name = "max-reqs-per-event",
	  .cf_type = CT_INT, .cf_min = 1, .cf_max = INT_MAX,
	  .cf_why = "ignored: every complete request read is parsed in the "
	  "same pass" },
	{ .cf_letter = 'D', .cf_type = CT_ANY,
	  .cf_why = "ignored: no per-prefix stats" },
	{ .cf_letter = 'N', .cf_name = "napi_ids", .cf_type = CT_ANY,
	  .cf_why = "ignored: no NAPI id grouping" },
	{ .cf_letter = 'X', .cf_name = "disable-dumping", .cf_type = CT_NONE },
	{ .cf_letter = 'W', .cf_name = "disable-watch", .cf_type = CT_SWITCH,
	  .cf_on = 1, .cf_apply = CA_PROCESS, FIELD(c_net.nc_watch_off),
	  .cf_help = "disable the watch command" },
	{ .cf_letter = 'r', .cf_name = "enable-coredumps",
	  .cf_type = CT_SWITCH, .cf_on = 1, .cf_apply = CA_PROCESS,
	  FIELD(c_coredumps),
	  .cf_why = "only the parent may dump core; the children run "
	  "chrooted without a writable directory" },
	{ .cf_letter = 'e', .cf_name = "memory-file", .cf_type = CT_PATH,
	  .cf_apply = CA_MEMORY, FIELD(c_memory_file),
	  .cf_arg = "<file>",
	  .cf_help = "keep the item memory in <file> (absolute; tmpfs\n"
	  "for speed): the cache survives a restart" },
	{ .cf_letter = 'o', .cf_name = "extended", .cf_type = CT_EXTENDED,
	  .cf_arg = "<opts>", .cf_help = "comma separated:" },
	{ .cf_letter = 'Y', .cf_name = "auth-file", .cf_type = CT_PATH,
	  .cf_apply = CA_AUTH, FIELD(c_auth_file),
	  .cf_arg = "<file>",
	  .cf_help = "clients log in with a user:password from <file>\n"
	  "(absolute: it is read again on SIGHUP)" },
	{ .cf_letter = 'S', .cf_name = "enable-sasl", .cf_type = CT_SWITCH,
	  .cf_on = 1, .cf_apply = CA_AUTH, FIELD(c_net.nc_sasl),
	  .cf_help = "binary clients log in with SASL PLAIN (needs -Y)" },
	{ .cf_letter = 'Z', .cf_name = "enable-ssl", .cf_type = CT_SWITCH,
	  .cf_on = 1, .cf_apply = CA_PROCESS, FIELD(c_net.nc_tls),
	  .cf_help = "TLS on every TCP listener not given as\n"
	  "-l notls:<addr>; needs -o ssl_chain_cert, ssl_key" },
	{ .cf_letter = 'v', .cf_name = "verbose", .cf_type = CT_COUNT,
	  .cf_apply = CA_RELOAD, FIELD(c_verbose),
	  .cf_help = "verbose (-vv: also requests)" },
	{ .cf_letter = 'd', .cf_name = "daemon", .cf_type = CT_SWITCH,
	  .cf_on = 1, .cf_apply = CA_PROCESS, FIELD(c_daemonize),
	  .cf_help = "run as a daemon" },
	{ .cf_name = "foreground", .cf_type = CT_SWITCH, .cf_on = 1,
	  .cf_apply = CA_PROCESS, FIELD(c_foreground),
	  .cf_help = "stay in the foreground even with -d (systemd)" },
	{ .cf_letter = 'P', .cf_name = "pidfile", .cf_type = CT_STRING,
	  .cf_apply = CA_PROCESS, FIELD(c_pidfile),
	  .cf_arg = "<file>", .cf_help = "write the parent's pid to <file>" },
	{ .cf_name = "config", .cf_type = CT_CONFIG, .cf_arg = "<file>",
	  .cf_help = "read flags from a memcached.conf-style file first" },
	{ .cf_name = "check-config", .cf_type = CT_SWITCH, .cf_on = 1,
	  .cf_apply = CA_RELOAD, FIELD(c_check_only),
	  .cf_help = "check the configuration and exit" },
	{ .cf_letter = 'h', .cf_name = "help", .cf_type = CT_HELP,
	  .cf_help = "print this help and exit" },
	{ .cf_letter = 'V', .cf_name = "version", .cf_type = CT_VERSION,
	  .cf_help = "print version and exit" },
};

/*
 * memcached's -o suboptions.  Those that only note are tuning knobs of
 * memcached's own threads and LRU that privcached's engine does not have:
 * accepted, so existing configurations start, and reported as ignored.
 * Those refused cannot be honoured and say why.
 */
#define IGNORED(name, why)	{ .cf_name = (name), .cf_type = CT_NONE, \
				  .cf_why = "ignored: " why }
#define REFUSED(name, why)	{ .cf_name = (name), .cf_type = CT_REFUSED, \
				  .cf_why = (why) }
#define REFUSED_PREFIX(name, why) { .cf_name = (name), \
				  .cf_type = CT_REFUSED, .cf_prefix = 1, \
				  .cf_why = (why) }
static const struct config_flag suboptions[] = {
	{ .cf_name = "chroot", .cf_type = CT_PATH, .cf_default = "/var/empty",
	  .cf_apply = CA_PRIVILEGE, FIELD(c_chroot),
	  .cf_arg = "<dir>", .cf_help = "the children's empty root" },
	{ .cf_name = "allow", .cf_type = CT_CIDRS, .cf_apply = CA_RELOAD,
	  FIELD(c_net.nc_live.nl_allow), .cf_arg = "<cidr>[;<cidr>]",
	  .cf_help = "who may connect over TCP (default: anyone)" },
	{ .cf_name = "admin_allow", .cf_type = CT_CIDRS,
	  .cf_apply = CA_RELOAD, FIELD(c_net.nc_live.nl_admin_allow),
	  .cf_arg = "<cidr>[;<cidr>]", .cf_help = "who may run admin "
	  "commands (default:\nloopback; the unix socket always)" },
	{ .cf_name = "conn_per_ip", .cf_type = CT_INT, .cf_min = 0,
	  .cf_max = CONFIG_MAXCONNS_MAX, .cf_apply = CA_RELOAD,
	  FIELD(c_conn_per_ip), .cf_hook = hook_conn_per_ip,
	  .cf_arg = "<n>", .cf_help = "connections from one address\n"
	  "(default: -c / 2, at least 64; 0: no limit)" },
	{ .cf_name = "idle_timeout", .cf_type = CT_INT, .cf_min = 0,
	  .cf_max = CONFIG_SECONDS_MAX, .cf_default = "3600",
	  .cf_apply = CA_RELOAD, FIELD(c_net.nc_live.nl_idle_timeout),
	  .cf_arg = "<sec>",
	  .cf_help = "close connections idle this long (0: never)" },
	{ .cf_name = "request_timeout", .cf_type = CT_INT, .cf_min = 0,
	  .cf_max = CONFIG_SECONDS_MAX, .cf_default = "30",
	  .cf_apply = CA_RELOAD, FIELD(c_net.nc_live.nl_request_timeout),
	  .cf_arg = "<sec>", .cf_help = "close a connection whose request "
	  "stays\nincomplete this long" },
	{ .cf_name = "buffer_budget", .cf_type = CT_INT,
	  .cf_min = CONFIG_BUDGET_MIN, .cf_max = CONFIG_BUDGET_MAX,
	  .cf_default = "256", .cf_apply = CA_RELOAD,
	  FIELD(c_net.nc_live.nl_buffer_budget),
	  .cf_arg = "<mb>", .cf_help = "all client buffers together" },
	{ .cf_name = "maxconns_fast", .cf_type = CT_SWITCH, .cf_on = 1,
	  .cf_default = "1", .cf_apply = CA_RELOAD,
	  FIELD(c_net.nc_live.nl_maxconns_fast), .cf_hook = hook_maxconns_fast,
	  .cf_help = "refuse connections past -c (default)" },
	{ .cf_name = "no_maxconns_fast", .cf_type = CT_SWITCH, .cf_on = 0,
	  .cf_apply = CA_RELOAD, FIELD(c_net.nc_live.nl_maxconns_fast),
	  .cf_help = "leave them in the backlog instead" },
	{ .cf_name = "hashpower", .cf_type = CT_INT,
	  .cf_min = CONFIG_HASHPOWER_MIN, .cf_max = CONFIG_HASHPOWER_MAX,
	  .cf_apply = CA_MEMORY, FIELD(c_cache.cc_hashpower),
	  .cf_arg = "<n>", .cf_help = "initial hash table size, 2^n" },
	/* Mapped at start, sparse: costs nothing until cache_memlimit. */
	{ .cf_name = "memlimit_max", .cf_type = CT_SIZE,
	  .cf_min = 1 << 20, .cf_max = (long long)CONFIG_MEMORY_MAX << 20,
	  .cf_scale = 1 << 20, .cf_apply = CA_MEMORY,
	  FIELD(c_cache.cc_memlimit_max), .cf_arg = "<mb>",
	  .cf_help = "the most cache_memlimit may grow item\n"
	  "memory to (default: physical memory)" },
	/* Bytes, as memcached 1.6 reads it (its -h says kilobytes). */
	{ .cf_name = "slab_chunk_max", .cf_type = CT_SIZE, .cf_min = 1,
	  .cf_max = CONFIG_SLAB_PAGE_SIZE,
	  .cf_apply = CA_MEMORY, FIELD(c_cache.cc_slab_chunk_max),
	  .cf_hook = hook_slab_chunk_max, .cf_arg = "<bytes>",
	  .cf_help = "largest chunk before items are chained" },
	{ .cf_name = "syslog_facility", .cf_type = CT_CHOICE,
	  .cf_choices = facility_names, .cf_default = "daemon",
	  .cf_apply = CA_PROCESS, FIELD(c_syslog_facility),
	  .cf_arg = "<name>", .cf_help = "where -d logs: daemon, user or "
	  "local0..7" },
	{ .cf_name = "sandbox_debug", .cf_type = CT_SWITCH,
	  .cf_on = SANDBOX_DEBUG, .cf_apply = CA_PRIVILEGE, FIELD(c_sandbox),
	  .cf_help = "a forbidden system call is logged by name" },
	{ .cf_name = "no_sandbox", .cf_type = CT_SWITCH, .cf_on = SANDBOX_OFF,
	  .cf_default = "1", .cf_apply = CA_PRIVILEGE, FIELD(c_sandbox),
	  .cf_help = "no seccomp/pledge: strace, sanitizers" },
	/* Else any client could put every key in root's log (-vv). */
	{ .cf_name = "client_verbosity", .cf_type = CT_SWITCH, .cf_on = 1,
	  .cf_apply = CA_PRIVILEGE, FIELD(c_net.nc_client_verbosity),
	  .cf_help = "the verbosity command changes the log level\n"
	  "(default: answered OK, no effect)" },
	/* SIGHUP rereads the files; new names (unveil(2)) take a restart. */
	{ .cf_name = "ssl_chain_cert", .cf_type = CT_PATH,
	  .cf_apply = CA_AUTH, FIELD(c_tls_file[TLS_PEM_CERT]),
	  .cf_arg = "<file>",
	  .cf_help = "-Z: certificate chain, PEM, absolute path" },
	{ .cf_name = "ssl_key", .cf_type = CT_PATH, .cf_apply = CA_AUTH,
	  FIELD(c_tls_file[TLS_PEM_KEY]), .cf_arg = "<file>",
	  .cf_help = "-Z: its private key, PEM, absolute path" },
	{ .cf_name = "ssl_ca_cert", .cf_type = CT_PATH, .cf_apply = CA_AUTH,
	  FIELD(c_tls_file[TLS_PEM_CA]), .cf_arg = "<file>",
	  .cf_help = "-Z: CAs that sign client certificates" },
	{ .cf_name = "ssl_verify_mode", .cf_type = CT_INT, .cf_min = 0,
	  .cf_max = TLS_VERIFY_MAX - 1, .cf_default = "0",
	  .cf_apply = CA_RELOAD, FIELD(c_tls.tp_verify_mode),
	  .cf_arg = "<n>", .cf_help = "-Z client certificates: 0 none, "
	  "1 request,\n2 require, 3 once (as 2)" },
	{ .cf_name = "ssl_min_version", .cf_type = CT_INT, .cf_min = 0,
	  .cf_max = TLS_MIN_MAX - 1, .cf_default = "2",	/* TLS_MIN_1_2 */
	  .cf_apply = CA_RELOAD, FIELD(c_tls.tp_min_version),
	  .cf_arg = "<n>", .cf_help = "-Z: 0 TLSv1.0, 1 TLSv1.1, 2 TLSv1.2, "
	  "3 TLSv1.3" },
	{ .cf_name = "ssl_ciphers", .cf_type = CT_TEXT, .cf_apply = CA_RELOAD,
	  FIELD(c_tls.tp_ciphers), .cf_arg = "<list>",
	  .cf_help = "-Z: OpenSSL cipher list for TLS 1.2 and older" },
	/* memcached: 0 is PEM; libtls reads nothing else. */
	{ .cf_name = "ssl_keyformat", .cf_type = CT_INT, .cf_min = 0,
	  .cf_max = 0 },
	IGNORED("modern", "nothing differs in 1.6"),
	/* The crawler runs always; these set what stats settings says. */
	{ .cf_name = "no_modern", .cf_type = CT_SWITCH, .cf_on = 1,
	  .cf_apply = CA_MEMORY, FIELD(c_net.nc_lru_crawler_off),
	  .cf_why = "ignored but for lru_crawler: 1.4 defaults are not "
	  "kept" },
	IGNORED("hash_algorithm", "keys are hashed with keyed SipHash"),
	IGNORED("no_hashexpand", "the table grows incrementally"),
	{ .cf_name = "lru_crawler", .cf_type = CT_SWITCH, .cf_on = 0,
	  .cf_apply = CA_MEMORY, FIELD(c_net.nc_lru_crawler_off),
	  .cf_help = "lru_crawler commands allowed (default)" },
	{ .cf_name = "no_lru_crawler", .cf_type = CT_SWITCH, .cf_on = 1,
	  .cf_apply = CA_MEMORY, FIELD(c_net.nc_lru_crawler_off),
	  .cf_help = "lru_crawler crawl and metadump refused until\n"
	  "lru_crawler enable; expired items are still reclaimed" },
	IGNORED("lru_crawler_sleep", "no crawler thread"),
	IGNORED("lru_crawler_tocrawl", "no crawler thread"),
	IGNORED("lru_maintainer", "one LRU per class"),
	IGNORED("no_lru_maintainer", "one LRU per class"),
	IGNORED("lru_segmented", "one LRU per class"),
	IGNORED("no_lru_segmented", "one LRU per class"),
	IGNORED("hot_lru_pct", "one LRU per class"),
	IGNORED("warm_lru_pct", "one LRU per class"),
	IGNORED("hot_max_factor", "one LRU per class"),
	IGNORED("warm_max_factor", "one LRU per class"),
	IGNORED("temp_lru", "one LRU per class"),
	IGNORED("temporary_ttl", "one LRU per class"),
	IGNORED("tail_repair_time", "items are never reference-locked"),
	IGNORED("slab_reassign", "pages move to starving classes always"),
	IGNORED("no_slab_reassign", "pages move to starving classes always"),
	IGNORED("slab_automove", "pages move to starving classes always"),
	IGNORED("slab_automove_ratio", "pages move to starving classes "
	    "always"),
	IGNORED("slab_automove_window", "pages move to starving classes "
	    "always"),
	IGNORED("slab_automove_freeratio", "pages move to starving classes "
	    "always"),
	IGNORED("track_sizes", "stats sizes is not tracked"),
	IGNORED("inline_ascii_resp", "replies are built whole"),
	IGNORED("no_inline_ascii_resp", "replies are built whole"),
	IGNORED("no_temp_lru", "one LRU per class"),
	IGNORED("num_napi_ids", "no NAPI id grouping"),
	IGNORED("relaxed_privileges", "the children are always sandboxed"),
	IGNORED("read_buf_mem_limit", "buffers have their own caps"),
	IGNORED("resp_obj_mem_limit", "buffers have their own caps"),
	IGNORED("watcher_logbuf_size", "a watcher keeps up to 256 KB"),
	IGNORED("worker_logbuf_size", "no log buffer per thread"),
	IGNORED("inline_ascii_response", "no such buffers"),
	IGNORED("no_inline_ascii_response", "no such buffers"),
	IGNORED("sock_cookie_id", "not supported"),
	IGNORED("drop_privileges", "privileges are always dropped"),
	IGNORED("ssl_session_cache", "TLS sessions are not resumed"),
	IGNORED("ssl_wbuf_size", "TLS output goes straight from the "
	    "connection's buffer"),
	REFUSED("no_drop_privileges", "privilege separation cannot be "
	    "turned off"),
	REFUSED_PREFIX("ext_", "no external storage: the storage child has "
	    "no filesystem"),
	REFUSED_PREFIX("ssl_", "not a TLS setting privcached knows"),
	REFUSED_PREFIX("proxy_", "no built-in proxy; see the README for "
	    "twemproxy and mcrouter"),
};
#undef IGNORED
#undef REFUSED
#undef REFUSED_PREFIX


const struct config_flag *
config_flags(size_t *n)
{
	*n = nitems(flags);
	return (flags);
}

int
config_syslog_facility(const struct config *conf)
{
	if (conf->c_syslog_facility < 0 ||
	    (size_t)conf->c_syslog_facility >= nitems(facility_values))
		return (LOG_DAEMON);
	return (facility_values[conf->c_syslog_facility]);
}

const struct config_flag *
config_suboptions(size_t *n)
{
	*n = nitems(suboptions);
	return (suboptions);
}

static int
hook_udp(struct config *conf, char *err, size_t errlen)
{
	if (conf->c_udp_port != 0)
		return (errbuf_set(err, errlen, "-U %d: UDP is off by design "
		    "(it serves amplification attacks); only -U 0 is "
		    "accepted", conf->c_udp_port));
	return (0);
}

/* memcached's maxconns_fast brings back the defaults it goes with. */
static int
hook_maxconns_fast(struct config *conf, char *err, size_t errlen)
{
	static const char *const related[] = {
		"idle_timeout", "request_timeout", "buffer_budget",
	};
	size_t	i;

	for (i = 0; i < nitems(related); i++)
		if (config_reset(conf, related[i], err, errlen) == -1)
			return (-1);
	conf->c_conn_per_ip = 0;
	conf->c_conn_per_ip_set = 0;
	return (0);
}

static int
hook_conn_per_ip(struct config *conf, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	conf->c_conn_per_ip_set = 1;
	return (0);
}

/* A page must hold whole chunks. */
static int
hook_slab_chunk_max(struct config *conf, char *err, size_t errlen)
{
	if (conf->c_cache.cc_slab_page_size %
	    conf->c_cache.cc_slab_chunk_max != 0)
		return (errbuf_set(err, errlen, "-o slab_chunk_max: %u "
		    "bytes do not divide the %u-byte slab page",
		    conf->c_cache.cc_slab_chunk_max,
		    conf->c_cache.cc_slab_page_size));
	conf->c_chunk_max_set = 1;
	return (0);
}

/* One -h entry: the flag at the left, its help wrapped at the column. */
static void
config_usage_row(FILE *fp, const struct config_flag *f, int sub)
{
	const char	*line, *nl;
	char		 left[80];
	int		 col;

	if (sub)
		(void)snprintf(left, sizeof(left), "    %s%s%s", f->cf_name,
		    f->cf_arg != NULL ? "=" : "", f->cf_arg != NULL ?
		    f->cf_arg : "");
	else if (f->cf_letter != 0)
		(void)snprintf(left, sizeof(left), "-%c%s%s%s%s",
		    f->cf_letter, f->cf_name != NULL ? ", --" : "",
		    f->cf_name != NULL ? f->cf_name : "",
		    f->cf_arg != NULL ? "=" : "",
		    f->cf_arg != NULL ? f->cf_arg : "");
	else
		(void)snprintf(left, sizeof(left), "    --%s%s%s", f->cf_name,
		    f->cf_arg != NULL ? "=" : "", f->cf_arg != NULL ?
		    f->cf_arg : "");
	col = fprintf(fp, "%-*s", USAGE_COLUMN - 1, left);
	for (line = f->cf_help; line != NULL; line = nl) {
		if ((nl = strchr(line, '\n')) != NULL)
			nl++;
		col += fprintf(fp, " %.*s", nl != NULL ? (int)(nl - line - 1) :
		    (int)strlen(line), line);
		if (nl != NULL)
			col = fprintf(fp, "\n%*s", USAGE_COLUMN - 1, "") - 1;
	}
	if (f->cf_default != NULL && f->cf_type != CT_SWITCH) {
		if (col + (int)strlen(f->cf_default) + 12 > USAGE_WIDTH)
			fprintf(fp, "\n%*s", USAGE_COLUMN - 1, "");
		fprintf(fp, " (default: %s)", f->cf_default);
	}
	fputc('\n', fp);
}

void
config_usage(FILE *fp)
{
	const struct config_flag	*f;
	size_t				 i, j;
	int				 compat = 0, pad;

	fprintf(fp, "usage: privcached [options]\n");
	for (i = 0; i < nitems(flags); i++) {
		f = &flags[i];
		if (f->cf_help == NULL)
			continue;
		config_usage_row(fp, f, 0);
		if (f->cf_type != CT_EXTENDED)
			continue;
		for (j = 0; j < nitems(suboptions); j++)
			if (suboptions[j].cf_help != NULL)
				config_usage_row(fp, &suboptions[j], 1);
		fprintf(fp, "%*s memcached's other -o options are accepted "
		    "and\n%*s reported as ignored, or refused with the "
		    "reason\n", USAGE_COLUMN - 1, "", USAGE_COLUMN - 1, "");
	}
	/* What only memcached's scripts pass. */
	for (i = 0; i < nitems(flags); i++) {
		f = &flags[i];
		if (f->cf_help != NULL || f->cf_type == CT_REFUSED)
			continue;
		fprintf(fp, "%s-%c", compat++ > 0 ? ", " : "", f->cf_letter);
	}
	/* Each letter took four columns but the first two. */
	pad = USAGE_COLUMN - 1 - (compat * 4 - 2);
	if (compat > 0)
		fprintf(fp, "%*s accepted for compatibility\n",
		    pad > 0 ? pad : 0, "");
}
