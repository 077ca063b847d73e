/*
 * The IPC contract between the parent, the net child and the storage child.
 * Every message travels in imsg framing (common/imsg.h), in host byte
 * order: all three processes run the same binary on the same machine.
 * common/dispatch.c says which process may send what on which channel.
 *
 * Control channels (parent and one child; CTL_MSG_MAX):
 *   parent -> net:	IMSG_CFG_NET, _LISTENER (+fd), _DONE, _TLS_PEM,
 *			_TLS_END, IMSG_CTL_VERBOSE, _PEER (+fd),
 *			_AUTH_RESULT
 *   net -> parent:	IMSG_CTL_READY, _LOG, _SHUTDOWN, _TLS_RESULT,
 *			_AUTH_CHECK
 *   parent -> storage:	IMSG_CFG_CACHE, _POLICY, IMSG_CTL_VERBOSE,
 *			_PEER (+fd)
 *   storage -> parent:	IMSG_CTL_READY, _LOG, _PEER_BAD
 * Data channels (one net child and storage; the largest item plus
 * DATA_MSG_SLACK):
 *   net -> storage:	IMSG_CACHE_REQ, _STATS_REQ, _NET_STATS,
 *			_ADMIN_REQ, _WATCH
 *   storage -> net:	IMSG_CACHE_REP, _STATS, _PEER_STATS, _ADMIN,
 *			_EVICTED, _MEMLIMIT
 *
 * Payloads: IMSG_CACHE_REQ and _REP (struct cache_batch, then records
 * of struct cache_req or cache_rep with key and value bytes) and
 * IMSG_CACHE_STATS (a count, then name/value strings) are built and
 * checked through common/wire.c.  IMSG_CTL_LOG (an int32 priority, then
 * text), IMSG_CFG_TLS_PEM (struct tls_pem_chunk, then PEM bytes) and
 * IMSG_CTL_AUTH_CHECK (struct auth_req, then the user and password) are
 * a fixed head and bytes.  Every other payload is one fixed struct or
 * integer below, of the exact size dispatch.c's rule for it says.
 * IMSG_CFG_AUTH and _AUTH_END are no longer sent.
 */

#ifndef PRIVCACHED_MSG_H
#define PRIVCACHED_MSG_H

#include <stdint.h>

enum imsg_type {
	IMSG_NONE,
	IMSG_CTL_READY,		/* child -> parent, empty */
	IMSG_CTL_LOG,		/* child -> parent: int prio + text */
	IMSG_CTL_PEER_BAD,	/* storage -> parent: uint32 slot of the net
				 * child that sent garbage */
	IMSG_CTL_VERBOSE,	/* parent -> child: int */
	IMSG_CTL_PEER,		/* parent -> child: fd of data channel +
				 * uint32 slot of the net child */
	IMSG_CFG_CACHE,		/* parent -> storage: fd of the item memory
				 * + struct cache_conf */
	IMSG_CFG_NET,		/* parent -> net: struct net_conf */
	IMSG_CFG_LISTENER,	/* parent -> net: fd + struct listener_conf */
	IMSG_CFG_DONE,		/* parent -> net, empty */
	IMSG_CACHE_REQ,		/* net -> storage: request batch */
	IMSG_CACHE_REP,		/* storage -> net: reply batch */
	IMSG_CACHE_STATS_REQ,	/* net -> storage: uint32 kind */
	IMSG_CACHE_STATS,	/* storage -> net: name/value pairs */
	IMSG_CTL_SHUTDOWN,	/* net -> parent, empty: shutdown (-A) */
	IMSG_CFG_AUTH,		/* parent -> net: struct auth_cred */
	IMSG_CFG_AUTH_END,	/* parent -> net, empty: the set is complete */
	IMSG_CFG_TLS_PEM,	/* parent -> net: struct tls_pem_chunk + PEM */
	IMSG_CFG_TLS_END,	/* parent -> net: struct tls_params */
	IMSG_CACHE_NET_STATS,	/* net -> storage: struct net_stats, each
				 * second when there are several nets */
	IMSG_CACHE_PEER_STATS,	/* storage -> net: struct net_stats, the sum
				 * of the other nets', before a general
				 * IMSG_CACHE_STATS */
	IMSG_CFG_POLICY,	/* parent -> storage: struct cache_policy */
	IMSG_CTL_TLS_RESULT,	/* net -> parent: uint32 1 if the TLS files
				 * of the IMSG_CFG_TLS_END whose peerid this
				 * echoes made a context, 0 if it kept the
				 * one before */
	IMSG_CTL_AUTH_CHECK,	/* net -> parent: struct auth_req, the user
				 * and the password a client sent */
	IMSG_CTL_AUTH_RESULT,	/* parent -> net: uint32 1 if they match,
				 * peerid echoed */
	IMSG_CACHE_ADMIN_REQ,	/* net -> storage: struct cache_admin_req */
	IMSG_CACHE_ADMIN,	/* storage -> net: struct cache_admin_hdr +
				 * records, in order, the last without
				 * CACHE_ADMIN_MORE */
	IMSG_CACHE_WATCH,	/* net -> storage: uint32 CACHE_WATCH_*, what
				 * its watchers want from storage now */
	IMSG_CACHE_EVICTED,	/* storage -> net: struct cache_evicted_hdr +
				 * records (watch evictions) */
	IMSG_CACHE_MEMLIMIT,	/* storage -> net: uint64 bytes, the item
				 * memory limit, when the channel opens and
				 * after cache_memlimit changes it (stats
				 * settings maxbytes) */
};

/* -t: net children, each with its own channel to storage. */
#define NET_CHILDREN_MAX	32

/*
 * A net child's counters.  With several net children each sends its own
 * to storage every second, so that stats on any connection can show the
 * whole daemon's.
 */
struct net_stats {
	uint64_t	ns_curr_conns;
	uint64_t	ns_total_conns;
	uint64_t	ns_rejected_conns;
	uint64_t	ns_bytes_read;
	uint64_t	ns_bytes_written;
	uint64_t	ns_batches;
	uint64_t	ns_batch_records;
	uint64_t	ns_idle_kicks;
	uint64_t	ns_denied_conns;	/* allowlist */
	uint64_t	ns_rejected_per_ip;
	uint64_t	ns_request_timeouts;
	uint64_t	ns_auth_cmds;
	uint64_t	ns_auth_errors;
	uint64_t	ns_listen_disabled;	/* accepting paused */
	uint64_t	ns_tls_handshake_errors;
	uint64_t	ns_admin_refused;	/* admin_allow said no */
	uint64_t	ns_meta_cmds;		/* mg ms md ma me */
	uint64_t	ns_log_watchers;	/* watch connections open */
	uint64_t	ns_log_watcher_sent;	/* lines queued to them */
	uint64_t	ns_log_watcher_skipped;	/* lines dropped: full */
};
#define NET_STATS_FIELDS	(sizeof(struct net_stats) / sizeof(uint64_t))

/*
 * TLS (-Z): the parent reads the certificate chain, key and CA files and
 * sends their PEM text in chunks (a chain or a CA bundle may pass the
 * control channel's message limit), then IMSG_CFG_TLS_END with the
 * settings; the net child builds a new server context from the whole set
 * and wipes the PEM.  Sent again on SIGHUP.
 */
enum tls_pem_kind {
	TLS_PEM_CERT,		/* ssl_chain_cert */
	TLS_PEM_KEY,		/* ssl_key */
	TLS_PEM_CA,		/* ssl_ca_cert */
	TLS_PEM_MAX
};
#define TLS_PEM_FILE_MAX	(1024 * 1024)	/* bytes per file */
#define TLS_PEM_CHUNK		8192		/* bytes per message */
struct tls_pem_chunk {
	uint32_t	tc_kind;	/* enum tls_pem_kind */
	uint32_t	tc_len;		/* PEM bytes that follow */
};

/* memcached's ssl_verify_mode values. */
enum tls_verify_mode {
	TLS_VERIFY_NONE,	/* no client certificate asked for */
	TLS_VERIFY_REQUEST,	/* optional, verified when sent */
	TLS_VERIFY_REQUIRE,	/* required and verified */
	TLS_VERIFY_ONCE,	/* as REQUIRE: no renegotiation here */
	TLS_VERIFY_MAX
};
/* memcached's ssl_min_version values. */
enum tls_min_version {
	TLS_MIN_1_0,
	TLS_MIN_1_1,
	TLS_MIN_1_2,
	TLS_MIN_1_3,
	TLS_MIN_MAX
};
#define TLS_CIPHERS_MAX		256
struct tls_params {
	uint32_t	tp_verify_mode;		/* enum tls_verify_mode */
	uint32_t	tp_min_version;		/* enum tls_min_version */
	int64_t		tp_loaded;		/* when the files were read */
	char		tp_ciphers[TLS_CIPHERS_MAX];	/* "": libtls's */
};

/*
 * One user of the -Y file as the parent keeps it: a salted SHA-256 of the
 * password.  (IMSG_CFG_AUTH once sent these to net; nothing does now.)
 */
#define AUTH_USER_MAX		64
#define AUTH_PASS_MAX		256
#define AUTH_SALT_LEN		16
#define AUTH_HASH_LEN		32
#define AUTH_USERS_MAX		4096
struct auth_cred {
	char		ac_user[AUTH_USER_MAX + 1];	/* NUL-terminated */
	uint8_t		ac_pad[3];
	uint8_t		ac_salt[AUTH_SALT_LEN];
	uint8_t		ac_hash[AUTH_HASH_LEN];
};

/*
 * IMSG_CTL_AUTH_CHECK: the client's address (for the parent's failure
 * limiter), then ar_ulen user and ar_plen password bytes.
 */
struct auth_req {
	uint8_t		ar_family;	/* AF_INET, AF_INET6, or 0 (unix) */
	uint8_t		ar_pad[3];
	uint8_t		ar_addr[16];	/* network order, v4 in the first 4 */
	uint32_t	ar_ulen;
	uint32_t	ar_plen;
};

/* Control channels keep imsg's default limit. */
#define CTL_MSG_MAX		16384
/* Longest log line a child may send (text only, NUL excluded). */
#define CTL_LOG_MAX		1024
/* The data channel carries one item of the largest size plus this. */
#define DATA_MSG_SLACK		(64 * 1024)

/* IMSG_CFG_CACHE: what the storage child needs to build the cache. */
struct cache_conf {
	uint64_t	cc_maxbytes;		/* -m, item memory budget */
	uint32_t	cc_item_size_max;	/* -I */
	uint32_t	cc_chunk_min;		/* -n, smallest chunk */
	uint32_t	cc_slab_page_size;	/* bytes per slab page */
	uint32_t	cc_slab_chunk_max;	/* -o slab_chunk_max */
	uint32_t	cc_hashpower;		/* -o hashpower, 0: default */
	double		cc_factor;		/* -f, chunk growth factor */
	uint8_t		cc_evict;		/* 0 with -M */
	uint8_t		cc_cas;			/* 0 with -C */
	uint8_t		cc_prealloc;		/* -L */
	uint8_t		cc_lock_memory;		/* -k */
	uint32_t	cc_reply_budget;	/* bytes one connection may
						 * get from one batch */
	uint32_t	cc_pad2;
	uint64_t	cc_memlimit_max;	/* -o memlimit_max: the most
						 * cache_memlimit may set;
						 * 0: cc_maxbytes */
	uint64_t	cc_memlimit_kept;	/* the limit the item memory
						 * came back with, 0: none */
};

/*
 * IMSG_CFG_POLICY: what storage refuses even from a net child, because the
 * flags forbid it.  Sent at start and after every reload.
 */
struct cache_policy {
	uint8_t		cp_flush_enabled;	/* 0 with -F */
	uint8_t		cp_pad[7];
};

/* One allowlist entry: an address and how many leading bits count. */
struct net_cidr {
	uint8_t		nr_family;	/* AF_INET or AF_INET6 */
	uint8_t		nr_prefix;	/* 0..32 or 0..128 */
	uint8_t		nr_pad[2];
	uint8_t		nr_addr[16];	/* network order, v4 in the first 4 */
};
#define NET_ALLOW_MAX		64

/*
 * What a reload changes in a net child: one struct, copied whole.  Every
 * flag the table (privsep/config_table.c) marks CA_RELOAD and net uses
 * lives here, and nothing else does.
 */
struct net_live {
	struct net_cidr	nl_allow[NET_ALLOW_MAX];	/* empty: everyone */
	uint32_t	nl_nallow;
	uint32_t	nl_conn_per_ip;		/* 0: no limit */
	uint32_t	nl_request_timeout;	/* seconds a partial request
						 * may wait, 0: none */
	uint32_t	nl_buffer_budget;	/* MiB, all client buffers */
	uint32_t	nl_maxconns;		/* -c */
	uint32_t	nl_idle_timeout;	/* seconds, 0: none */
	int32_t		nl_verbose;		/* -v count */
	/* -c and conn_per_ip as set; nl_maxconns and nl_conn_per_ip are
	 * this net child's share of them. */
	uint32_t	nl_maxconns_all;
	uint32_t	nl_conn_per_ip_all;
	uint8_t		nl_flush_enabled;	/* 0 with -F */
	uint8_t		nl_protocol;		/* -B: enum listener_proto */
	uint8_t		nl_maxconns_fast;	/* refuse, not pause, at -c */
	uint8_t		nl_shutdown_enabled;	/* -A */
	/* -o admin_allow: who may run admin commands (none set: loopback;
	 * the unix socket always). */
	struct net_cidr	nl_admin_allow[NET_ALLOW_MAX];
	uint32_t	nl_nadmin_allow;
};

/* IMSG_CFG_NET: the net child's reloadable part, then what is fixed. */
struct net_conf {
	struct net_live	nc_live;
	uint32_t	nc_net_restarts;	/* since the parent started */
	uint32_t	nc_storage_restarts;
	uint8_t		nc_auth;		/* -Y: clients must log in */
	uint8_t		nc_sasl;		/* -S: binary SASL PLAIN */
	uint8_t		nc_cas;			/* 0 with -C */
	uint8_t		nc_tls;			/* -Z */
	struct cache_conf nc_cache;		/* for stats settings */
	int64_t		nc_start_time;		/* the parent's, for uptime */
	uint32_t	nc_item_size_max;	/* -I */
	uint32_t	nc_batch_max;		/* bytes per request batch */
	uint32_t	nc_inflight_max;	/* request batches in flight */
	uint32_t	nc_line_max;		/* longest request line */
	uint32_t	nc_outbuf_max;		/* per-connection output cap */
	uint32_t	nc_tcp_port;		/* -p */
	uint32_t	nc_backlog;		/* -b */
	uint32_t	nc_net_children;	/* -t */
	uint8_t		nc_client_verbosity;	/* -o client_verbosity */
	uint8_t		nc_lru_crawler_off;	/* -o no_lru_crawler */
	uint8_t		nc_watch_off;		/* -W */
	uint8_t		nc_pad[1];
};

enum listener_proto {
	LISTENER_PROTO_AUTO,
	LISTENER_PROTO_ASCII,
	LISTENER_PROTO_BINARY,
};

/* IMSG_CFG_LISTENER: metadata for the listening socket attached. */
struct listener_conf {
	char		lc_name[128];	/* printable address, for logs/stats */
	uint8_t		lc_family;	/* AF_INET, AF_INET6, AF_UNIX */
	uint8_t		lc_tls;		/* -Z and no notls: prefix */
	uint8_t		lc_pad[2];
};

/*
 * IMSG_CACHE_REQ is a struct cache_batch then cb_count records, each a
 * struct cache_req, cr_nkey key bytes and cr_nvalue value bytes.
 * IMSG_CACHE_REP is a struct cache_batch then cb_count records, each a
 * struct cache_rep, rp_nkey key bytes and rp_nvalue value bytes.  The imsg
 * peerid is the batch number; the reply echoes it.  Replies answer records
 * in order; a reply batch with CACHE_BATCH_MORE is continued by the next.
 */
struct cache_batch {
	uint32_t	cb_count;
	uint32_t	cb_flags;
};
#define CACHE_BATCH_MORE	0x0001

enum cache_op {
	CACHE_OP_GET = 1,	/* get gets gat gats touch(via TOUCH) mg me */
	CACHE_OP_STORE,		/* set add replace append prepend cas ms */
	CACHE_OP_DELETE,	/* delete md */
	CACHE_OP_ARITH,		/* incr decr ma */
	CACHE_OP_TOUCH,		/* touch: set exptime, no value back */
	CACHE_OP_FLUSH,		/* flush_all: cr_exptime is when, 0 now */
	CACHE_OP_NOOP,		/* holds a place in the reply order */
	CACHE_OP_MAX
};

enum cache_store_mode {
	CACHE_STORE_SET,
	CACHE_STORE_ADD,
	CACHE_STORE_REPLACE,
	CACHE_STORE_APPEND,
	CACHE_STORE_PREPEND,
	CACHE_STORE_MAX
};

enum cache_arith_mode {
	CACHE_ARITH_INCR,
	CACHE_ARITH_DECR,
	CACHE_ARITH_MAX
};

/* cr_opts */
#define CACHE_OPT_WANT_VALUE	0x0001	/* GET, ARITH: return the value */
#define CACHE_OPT_WANT_KEY	0x0002	/* return the key (the item's, or
					 * the request's when none answers) */
#define CACHE_OPT_TOUCH		0x0004	/* GET: exptime := cr_exptime */
#define CACHE_OPT_NO_BUMP	0x0008	/* GET: no LRU bump, no access mark */
#define CACHE_OPT_CAS		0x0010	/* compare cr_cas with the item */
#define CACHE_OPT_NEW_CAS	0x0020	/* modified item gets cr_newcas */
#define CACHE_OPT_VIVIFY	0x0040	/* create on miss, cr_vivify_exptime */
#define CACHE_OPT_RECACHE	0x0080	/* GET: win if ttl < cr_recache_ttl */
#define CACHE_OPT_INVALIDATE	0x0100	/* STORE: I; DELETE: mark stale */
#define CACHE_OPT_DROP_VALUE	0x0200	/* DELETE: keep item, empty value */
#define CACHE_OPT_SET_TTL	0x0400	/* DELETE(I), ARITH: exptime := */
#define CACHE_OPT_TOO_LARGE	0x0800	/* DELETE: a store net refused for
					 * its size: unlink the old value,
					 * count it, answer CACHE_TOO_LARGE */
#define CACHE_OPT_ALL		0x0fff

/*
 * Expiry times are absolute unix seconds, converted by the net child from
 * whatever the protocol said: 0 never expires, a negative value is already
 * expired.
 */
struct cache_req {
	uint8_t		cr_op;		/* enum cache_op */
	uint8_t		cr_mode;	/* store or arith mode */
	uint16_t	cr_opts;	/* CACHE_OPT_* */
	uint32_t	cr_flags;	/* client flags to store */
	uint32_t	cr_nkey;
	uint32_t	cr_nvalue;
	int64_t		cr_exptime;
	int64_t		cr_vivify_exptime;
	int64_t		cr_recache_ttl;	/* seconds */
	uint64_t	cr_cas;		/* compare value */
	uint64_t	cr_newcas;
	uint64_t	cr_delta;
	uint64_t	cr_initial;	/* ARITH vivify seed */
	uint64_t	cr_connid;	/* echoed in the reply */
};

enum cache_status {
	CACHE_OK = 1,		/* hit, stored, deleted, touched */
	CACHE_MISS,		/* no such item */
	CACHE_NOT_STORED,	/* add/replace/append condition failed */
	CACHE_EXISTS,		/* cas mismatch */
	CACHE_NON_NUMERIC,	/* incr/decr on a non-number */
	CACHE_NO_MEMORY,	/* out of memory storing object */
	CACHE_TOO_LARGE,	/* object too large for cache */
	CACHE_UNAVAILABLE,	/* net only: no storage child to ask */
	CACHE_REPLY_LIMIT,	/* this connection's replies in the batch
				 * passed cc_reply_budget: net closes it */
	CACHE_STATUS_MAX
};

/* rp_info */
#define CACHE_INFO_FETCHED	0x01	/* hit before this request (h) */
#define CACHE_INFO_WON		0x02	/* W: this client should recache */
#define CACHE_INFO_STALE	0x04	/* X: item is stale */
#define CACHE_INFO_WIN_SENT	0x08	/* Z: another client won */
#define CACHE_INFO_OLD		0x10	/* STORE: the key had an item */
/*
 * Why the lookup found no item though the key had one (watch's item_get
 * says so): bits 5-6 hold an enum cache_gone.
 */
#define CACHE_INFO_GONE_SHIFT	5
#define CACHE_INFO_GONE_MASK	0x60
#define CACHE_INFO_GONE(info)	\
	(((info) & CACHE_INFO_GONE_MASK) >> CACHE_INFO_GONE_SHIFT)
#define CACHE_INFO_ALL		0x7f
enum cache_gone {
	CACHE_GONE_NONE,
	CACHE_GONE_EXPIRED,	/* its time was up */
	CACHE_GONE_FLUSHED,	/* flush_all came after it */
	CACHE_GONE_MAX
};

struct cache_rep {
	uint8_t		rp_status;	/* enum cache_status */
	uint8_t		rp_info;	/* CACHE_INFO_* */
	uint8_t		rp_clsid;	/* slab class (me) */
	uint8_t		rp_old_clsid;	/* STORE: the item replaced, if any
					 * (CACHE_INFO_OLD): watch fetchers */
	uint32_t	rp_flags;	/* client flags */
	uint32_t	rp_nkey;
	uint32_t	rp_nvalue;
	int64_t		rp_ttl;		/* remaining seconds, -1 never */
	uint32_t	rp_last_access;	/* seconds since, before this request */
	uint32_t	rp_size;	/* total item size in memory */
	uint32_t	rp_vlen;	/* value length, sent or not */
	uint32_t	rp_old_vlen;	/* STORE: the old value's length */
	uint64_t	rp_cas;
	uint64_t	rp_connid;	/* echo of cr_connid */
};

/* IMSG_CACHE_STATS_REQ payload: one uint32_t of this. */
enum cache_stats_kind {
	CACHE_STATS_GENERAL,
	CACHE_STATS_ITEMS,
	CACHE_STATS_SLABS,
	CACHE_STATS_SIZES,
	CACHE_STATS_RESET,
	CACHE_STATS_MAX
};
/*
 * IMSG_CACHE_STATS payload: uint32_t count, then count pairs of
 * (uint16_t length, name bytes, uint16_t length, value bytes).
 */
#define CACHE_STAT_NAME_MAX	64
#define CACHE_STAT_VALUE_MAX	64

/*
 * Admin commands storage answers (net/admin.c asks, cache/admin.c
 * answers): key listings, per-prefix counters, the memory limit.
 */
enum cache_admin_op {
	CACHE_ADMIN_CACHEDUMP,	/* stats cachedump: ca_class, ca_limit */
	CACHE_ADMIN_METADUMP,	/* lru_crawler metadump: ca_classes */
	CACHE_ADMIN_DETAIL,	/* stats detail on|off: ca_arg 1|0 */
	CACHE_ADMIN_DETAIL_DUMP,/* stats detail dump */
	CACHE_ADMIN_MEMLIMIT,	/* cache_memlimit: ca_arg MB */
	CACHE_ADMIN_MAX
};
#define CACHE_CLASSES_MAX	256
struct cache_admin_req {
	uint32_t	ca_op;		/* enum cache_admin_op */
	uint32_t	ca_arg;
	uint32_t	ca_class;
	uint32_t	ca_limit;	/* items, 0: all */
	uint8_t		ca_classes[CACHE_CLASSES_MAX / 8];	/* bitmap */
};
enum cache_admin_status {
	CACHE_ADMIN_OK,
	CACHE_ADMIN_BADCLASS,	/* no such slab class */
	CACHE_ADMIN_REFUSED,	/* memlimit out of bounds */
	CACHE_ADMIN_STATUS_MAX
};
#define CACHE_ADMIN_MORE	0x0001
/* Records per message stop near this, the last may pass it by one. */
#define CACHE_ADMIN_CHUNK	(48 * 1024)
struct cache_admin_hdr {
	uint32_t	ah_op;		/* echo of ca_op */
	uint32_t	ah_status;	/* enum cache_admin_status */
	uint32_t	ah_flags;	/* CACHE_ADMIN_MORE */
	uint32_t	ah_count;	/* records that follow */
};
/* CACHEDUMP and METADUMP records: this, then di_nkey key bytes. */
struct cache_dump_item {
	int64_t		di_exptime;	/* unix seconds, 0: never */
	int64_t		di_atime;	/* last access, unix seconds */
	uint64_t	di_cas;
	uint32_t	di_size;	/* item bytes in memory */
	uint32_t	di_nbytes;	/* value length */
	uint8_t		di_nkey;
	uint8_t		di_clsid;
	uint8_t		di_fetched;
	uint8_t		di_pad[5];
};
/* DETAIL_DUMP records: this, then dp_nprefix prefix bytes. */
#define CACHE_PREFIX_MAX	250
struct cache_prefix_stat {
	uint64_t	dp_get;
	uint64_t	dp_hit;
	uint64_t	dp_set;
	uint64_t	dp_del;
	uint8_t		dp_nprefix;
	uint8_t		dp_pad[7];
};

/*
 * watch evictions: the items storage evicts, reported only to a net child
 * that said (IMSG_CACHE_WATCH) its watchers want them.  A report is a
 * struct cache_evicted_hdr, then eh_count records, each a struct
 * cache_eviction and ev_nkey key bytes.  Reports are bounded: what does
 * not fit is counted in eh_dropped, never queued.
 */
#define CACHE_WATCH_EVICTIONS	0x0001
#define CACHE_WATCH_ALL		0x0001
#define CACHE_EVICTED_MAX	(16 * 1024)	/* record bytes per report */
struct cache_evicted_hdr {
	uint32_t	eh_count;	/* records that follow */
	uint32_t	eh_dropped;	/* evictions not reported */
};
struct cache_eviction {
	int64_t		ev_ttl;		/* seconds left, -1: never expires */
	uint32_t	ev_la;		/* seconds since the last access */
	uint32_t	ev_nbytes;	/* value length */
	uint8_t		ev_nkey;
	uint8_t		ev_clsid;
	uint8_t		ev_fetched;	/* 1 if it was ever read */
	uint8_t		ev_pad[5];
};

#endif /* PRIVCACHED_MSG_H */
