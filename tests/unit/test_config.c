/*
 * Flag parsing: defaults, every value range, and the refusal messages that
 * must name the flag.
 */

#include <criterion/criterion.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "config.h"
#include "region.h"

static struct config	conf;
static char		err[512];

#define ARGC(v)		((int)(sizeof(v) / sizeof(v[0])) - 1)

static enum config_result
parse(int argc, char **argv)
{
	config_clear(&conf);
	config_init(&conf);
	err[0] = '\0';
	return (config_parse_args(&conf, argc, argv, err, sizeof(err)));
}

#define PARSE(...)	({ char *_v[] = { "privcached", __VA_ARGS__, NULL }; \
			    parse(ARGC(_v), _v); })

static void
teardown(void)
{
	config_clear(&conf);
}

TestSuite(config, .fini = teardown);

Test(config, defaults)
{
	char	*v[] = { "privcached", NULL };

	cr_assert_eq(parse(1, v), CONFIG_OK);
	cr_assert_eq(conf.c_port, 11211);
	cr_assert_eq(conf.c_nlisten, 0, "no -l means the loopback set");
	cr_assert_eq(conf.c_cache.cc_maxbytes, 64ULL << 20);
	cr_assert_eq(conf.c_net.nc_live.nl_maxconns, 1024);
	cr_assert_eq(conf.c_cache.cc_item_size_max, 1024 * 1024);
	cr_assert_str_eq(conf.c_chroot, "/var/empty");
	cr_assert_eq(conf.c_udp_port, 0);
	cr_assert_eq(conf.c_cache.cc_evict, 1);
	cr_assert_eq(conf.c_cache.cc_cas, 1);
}

Test(config, port_range)
{
	cr_assert_eq(PARSE("-p", "70000"), CONFIG_ERROR);
	cr_assert(strstr(err, "-p") != NULL, "message names -p: %s", err);
	cr_assert_eq(PARSE("-p", "0"), CONFIG_ERROR);
	cr_assert_eq(PARSE("-p", "12x"), CONFIG_ERROR);
	cr_assert_eq(PARSE("-p", "65535"), CONFIG_OK);
	cr_assert_eq(conf.c_port, 65535);
}

Test(config, memory)
{
	cr_assert_eq(PARSE("-m", "-5"), CONFIG_ERROR);
	cr_assert(strstr(err, "-m") != NULL, "%s", err);
	cr_assert_eq(PARSE("-m", "0"), CONFIG_ERROR);
	cr_assert_eq(PARSE("-m", "128"), CONFIG_OK);
	cr_assert_eq(conf.c_cache.cc_maxbytes, 128ULL << 20);
	cr_assert_eq(PARSE("--memory-limit=256"), CONFIG_OK);
	cr_assert_eq(conf.c_cache.cc_maxbytes, 256ULL << 20);
}

Test(config, conns)
{
	cr_assert_eq(PARSE("-c", "abc"), CONFIG_ERROR);
	cr_assert(strstr(err, "-c") != NULL, "%s", err);
	cr_assert_eq(PARSE("-c", "5000"), CONFIG_OK);
	cr_assert_eq(conf.c_net.nc_live.nl_maxconns, 5000);
}

Test(config, udp_refused)
{
	cr_assert_eq(PARSE("-U", "11211"), CONFIG_ERROR);
	cr_assert(strstr(err, "UDP") != NULL, "%s", err);
	cr_assert_eq(PARSE("-U", "0"), CONFIG_OK);
	cr_assert_eq(PARSE("-U", "x"), CONFIG_ERROR);
}

Test(config, listen_lists)
{
	cr_assert_eq(PARSE("-l", "127.0.0.1,::1", "-l", "[::1]:9999",
	    "-l", "10.1.2.3:8080"), CONFIG_OK);
	cr_assert_eq(conf.c_nlisten, 4);
	cr_assert_str_eq(conf.c_listen[0].ls_host, "127.0.0.1");
	cr_assert_eq(conf.c_listen[0].ls_port, 0);
	cr_assert_str_eq(conf.c_listen[1].ls_host, "::1");
	cr_assert_str_eq(conf.c_listen[2].ls_host, "::1");
	cr_assert_eq(conf.c_listen[2].ls_port, 9999);
	cr_assert_str_eq(conf.c_listen[3].ls_host, "10.1.2.3");
	cr_assert_eq(conf.c_listen[3].ls_port, 8080);
}

Test(config, listen_bad)
{
	cr_assert_eq(PARSE("-l", "127.0.0.1:99999"), CONFIG_ERROR);
	cr_assert_eq(PARSE("-l", "[::1"), CONFIG_ERROR);
	cr_assert_eq(PARSE("-l", "[]:1"), CONFIG_ERROR);
	cr_assert_eq(PARSE("-l", ":80"), CONFIG_ERROR);
	cr_assert_eq(PARSE("-l", "a,,b"), CONFIG_ERROR);
	cr_assert_eq(PARSE("-l", "[::1]x"), CONFIG_ERROR);
}

Test(config, unknown_flag)
{
	cr_assert_eq(PARSE("-Q"), CONFIG_ERROR);
	cr_assert(strstr(err, "-Q") != NULL, "%s", err);
	cr_assert_eq(PARSE("--bogus"), CONFIG_ERROR);
	cr_assert(strstr(err, "--bogus") != NULL, "%s", err);
	cr_assert_eq(PARSE("stray"), CONFIG_ERROR);
	cr_assert_eq(PARSE("-p"), CONFIG_ERROR);
}

Test(config, item_size)
{
	cr_assert_eq(PARSE("-I", "2m"), CONFIG_OK);
	cr_assert_eq(conf.c_cache.cc_item_size_max, 2 * 1024 * 1024);
	cr_assert_eq(conf.c_net.nc_item_size_max, 2 * 1024 * 1024);
	cr_assert_eq(PARSE("-I", "512k"), CONFIG_OK);
	cr_assert_eq(conf.c_cache.cc_item_size_max, 512 * 1024);
	cr_assert_eq(PARSE("-I", "100"), CONFIG_ERROR, "under 1k");
	cr_assert_eq(PARSE("-I", "2000m"), CONFIG_ERROR, "over 1024m");
	cr_assert_eq(PARSE("-I", "-1"), CONFIG_ERROR);
	cr_assert_eq(PARSE("-I", "3m", "-m", "4"), CONFIG_ERROR);
	cr_assert(strstr(err, "-I") != NULL, "%s", err);
}

Test(config, factor_and_switches)
{
	cr_assert_eq(PARSE("-f", "1.0"), CONFIG_ERROR);
	cr_assert_eq(PARSE("-f", "abc"), CONFIG_ERROR);
	cr_assert_eq(PARSE("-f", "1.5", "-n", "64", "-M", "-C", "-F"),
	    CONFIG_OK);
	cr_assert_float_eq(conf.c_cache.cc_factor, 1.5, 1e-9);
	cr_assert_eq(conf.c_cache.cc_chunk_min, 64);
	cr_assert_eq(conf.c_cache.cc_evict, 0);
	cr_assert_eq(conf.c_cache.cc_cas, 0);
	cr_assert_eq(conf.c_net.nc_live.nl_flush_enabled, 0);
}

Test(config, protocol)
{
	cr_assert_eq(PARSE("-B", "binary"), CONFIG_OK);
	cr_assert_eq(conf.c_net.nc_live.nl_protocol, LISTENER_PROTO_BINARY);
	cr_assert_eq(PARSE("-B", "ascii"), CONFIG_OK);
	cr_assert_eq(conf.c_net.nc_live.nl_protocol, LISTENER_PROTO_ASCII);
	cr_assert_eq(PARSE("-B", "morse"), CONFIG_ERROR);
}

Test(config, extended)
{
	cr_assert_eq(PARSE("-o", "chroot=/srv/empty,no_sandbox"), CONFIG_OK);
	cr_assert_str_eq(conf.c_chroot, "/srv/empty");
	cr_assert_eq(conf.c_sandbox, 0);
	cr_assert_eq(PARSE("-o", "chroot=relative"), CONFIG_ERROR);
	cr_assert_eq(PARSE("-o", "nonsense"), CONFIG_ERROR);
	cr_assert(strstr(err, "nonsense") != NULL, "%s", err);
}

Test(config, help_version_user)
{
	cr_assert_eq(PARSE("-h"), CONFIG_HELP);
	cr_assert_eq(PARSE("-V"), CONFIG_VERSION);
	cr_assert_eq(PARSE("-u", "nobody", "-vv", "-d", "-P", "/tmp/x.pid"),
	    CONFIG_OK);
	cr_assert_str_eq(conf.c_user, "nobody");
	cr_assert_eq(conf.c_verbose, 2);
	cr_assert_eq(conf.c_daemonize, 1);
	cr_assert_str_eq(conf.c_pidfile, "/tmp/x.pid");
	cr_assert_eq(PARSE("-u", ""), CONFIG_ERROR);
}

/* -m as memcached reads it: megabytes, a unit suffix allowed. */
Test(config, memory_suffixes)
{
	cr_assert_eq(PARSE("-m", "64"), CONFIG_OK);
	cr_assert_eq(conf.c_cache.cc_maxbytes, 64ULL << 20);
	cr_assert_eq(PARSE("-m", "64m"), CONFIG_OK);
	cr_assert_eq(conf.c_cache.cc_maxbytes, 64ULL << 20);
	cr_assert_eq(PARSE("-m", "2g"), CONFIG_OK);
	cr_assert_eq(conf.c_cache.cc_maxbytes, 2ULL << 30);
	cr_assert_eq(PARSE("-m", "2048k"), CONFIG_OK);
	cr_assert_eq(conf.c_cache.cc_maxbytes, 2ULL << 20);
	cr_assert_eq(PARSE("-m", "512k"), CONFIG_ERROR, "under a megabyte");
	cr_assert_eq(PARSE("-m", "0"), CONFIG_ERROR);
	cr_assert_eq(PARSE("-m", "64x"), CONFIG_ERROR);
}

Test(config, extended_table)
{
	cr_assert_eq(PARSE("-o", "idle_timeout=30,hashpower=20,"
	    "no_maxconns_fast,slab_chunk_max=256"), CONFIG_OK);
	cr_assert_eq(conf.c_net.nc_live.nl_idle_timeout, 30);
	cr_assert_eq(conf.c_cache.cc_hashpower, 20);
	cr_assert_eq(conf.c_net.nc_live.nl_maxconns_fast, 0);
	cr_assert_eq(conf.c_cache.cc_slab_chunk_max, 256);
	cr_assert_eq(PARSE("-o", "hashpower=70"), CONFIG_ERROR);
	cr_assert_eq(PARSE("-o", "idle_timeout=-1"), CONFIG_ERROR);
	cr_assert_eq(PARSE("-o", "slab_chunk_max=300"), CONFIG_ERROR,
	    "300 bytes do not divide a 1 MB page");
	/* Bytes, as memcached's own tests give it. */
	cr_assert_eq(PARSE("-o", "slab_chunk_max=16384"), CONFIG_OK);
	cr_assert_eq(conf.c_cache.cc_slab_chunk_max, 16384);
	cr_assert_eq(PARSE("-o", "slab_chunk_max=512k"), CONFIG_OK);
	cr_assert_eq(conf.c_cache.cc_slab_chunk_max, 512 * 1024);
	cr_assert_eq(PARSE("-o", "modern,lru_crawler,hot_lru_pct=20"),
	    CONFIG_OK);
	cr_assert_eq(conf.c_nnotes, 2, "each ignored option is reported");
	cr_assert(strstr(conf.c_notes[1], "hot_lru_pct") != NULL);
	cr_assert_eq(conf.c_net.nc_lru_crawler_off, 0);
	cr_assert_eq(PARSE("-o", "no_modern,inline_ascii_resp,"
	    "relaxed_privileges"), CONFIG_OK);
	cr_assert_eq(conf.c_net.nc_lru_crawler_off, 1);
	cr_assert_eq(PARSE("-o", "admin_allow=10.0.0.0/8;::1"), CONFIG_OK);
	cr_assert_eq(conf.c_net.nc_live.nl_nadmin_allow, 2);
	cr_assert_eq(conf.c_net.nc_live.nl_nallow, 0, "allow is a list of its own");
	cr_assert_eq(PARSE("-o", "admin_allow=10.0.0.300"), CONFIG_ERROR);
	cr_assert_eq(PARSE("-o", "ext_path=/tmp/x:1G"), CONFIG_ERROR);
	cr_assert(strstr(err, "refused") != NULL, "%s", err);
	cr_assert_eq(PARSE("-o", "no_drop_privileges"), CONFIG_ERROR);
	cr_assert_eq(PARSE("-o", "ssl_bogus=1"), CONFIG_ERROR);
}

Test(config, tls)
{
	cr_assert_eq(PARSE("-Z"), CONFIG_ERROR);
	cr_assert(strstr(err, "ssl_chain_cert") != NULL, "%s", err);
	cr_assert_eq(PARSE("-Z", "-o", "ssl_chain_cert=/c.pem"), CONFIG_ERROR);
	cr_assert_eq(PARSE("-Z", "-o", "ssl_chain_cert=c.pem,ssl_key=/k"),
	    CONFIG_ERROR);
	cr_assert(strstr(err, "absolute") != NULL, "%s", err);
	cr_assert_eq(PARSE("-Z", "-o", "ssl_chain_cert=/c,ssl_key=/k", "-l",
	    "127.0.0.1,notls:127.0.0.1:11212", "-l", "notls:[::1]:11213"),
	    CONFIG_OK);
	cr_assert_eq(conf.c_net.nc_tls, 1);
	cr_assert_str_eq(conf.c_tls_file[TLS_PEM_CERT], "/c");
	cr_assert_str_eq(conf.c_tls_file[TLS_PEM_KEY], "/k");
	cr_assert_null(conf.c_tls_file[TLS_PEM_CA]);
	cr_assert_eq(conf.c_tls.tp_min_version, TLS_MIN_1_2,
	    "memcached's default floor is TLS 1.2");
	cr_assert_eq(conf.c_tls.tp_verify_mode, TLS_VERIFY_NONE);
	cr_assert_eq(conf.c_nlisten, 3);
	cr_assert_eq(conf.c_listen[0].ls_notls, 0);
	cr_assert_eq(conf.c_listen[1].ls_notls, 1);
	cr_assert_str_eq(conf.c_listen[1].ls_host, "127.0.0.1");
	cr_assert_eq(conf.c_listen[1].ls_port, 11212);
	cr_assert_eq(conf.c_listen[2].ls_notls, 1);
	cr_assert_str_eq(conf.c_listen[2].ls_host, "::1");
	cr_assert_eq(PARSE("-Z", "-o", "ssl_chain_cert=/c,ssl_key=/k,"
	    "ssl_verify_mode=2"), CONFIG_ERROR);
	cr_assert(strstr(err, "ssl_ca_cert") != NULL, "%s", err);
	cr_assert_eq(PARSE("-Z", "-o", "ssl_chain_cert=/c,ssl_key=/k,"
	    "ssl_verify_mode=3,ssl_ca_cert=/ca,ssl_min_version=3,"
	    "ssl_ciphers=HIGH,ssl_keyformat=0,ssl_session_cache"), CONFIG_OK);
	cr_assert_eq(conf.c_tls.tp_verify_mode, TLS_VERIFY_ONCE);
	cr_assert_eq(conf.c_tls.tp_min_version, TLS_MIN_1_3);
	cr_assert_str_eq(conf.c_tls.tp_ciphers, "HIGH");
	cr_assert_str_eq(conf.c_tls_file[TLS_PEM_CA], "/ca");
	cr_assert_eq(conf.c_nnotes, 1, "ssl_session_cache is reported");
	cr_assert_eq(PARSE("-Z", "-o", "ssl_chain_cert=/c,ssl_key=/k,"
	    "ssl_verify_mode=4"), CONFIG_ERROR);
	cr_assert_eq(PARSE("-Z", "-o", "ssl_chain_cert=/c,ssl_key=/k,"
	    "ssl_min_version=9"), CONFIG_ERROR);
	cr_assert_eq(PARSE("-Z", "-o", "ssl_chain_cert=/c,ssl_key=/k,"
	    "ssl_keyformat=1"), CONFIG_ERROR);
	/* Without -Z the files are noted as unused, as a reminder. */
	cr_assert_eq(PARSE("-o", "ssl_chain_cert=/c,ssl_key=/k"), CONFIG_OK);
	cr_assert_eq(conf.c_net.nc_tls, 0);
	cr_assert_eq(conf.c_nnotes, 1);
}

Test(config, other_letters)
{
	cr_assert_eq(PARSE("-s", "/tmp/pc.sock", "-a", "770", "-A", "-X",
	    "-L", "-k", "-W", "-t", "4", "-R", "10", "-D", ":"), CONFIG_OK);
	cr_assert_str_eq(conf.c_unix_path, "/tmp/pc.sock");
	cr_assert_eq(conf.c_unix_mask, 0770);
	cr_assert_eq(conf.c_net.nc_live.nl_shutdown_enabled, 1);
	cr_assert_eq(conf.c_cache.cc_prealloc, 1);
	cr_assert_eq(conf.c_cache.cc_lock_memory, 1);
	cr_assert_eq(conf.c_threads, 4);
	cr_assert_eq(PARSE("-s", "relative.sock"), CONFIG_ERROR);
	cr_assert_eq(PARSE("-a", "999"), CONFIG_ERROR);
	cr_assert_eq(PARSE("-e", "mem"), CONFIG_ERROR, "-e: absolute only");
	cr_assert_eq(PARSE("-e", "/dev/shm/mem"), CONFIG_OK);
	cr_assert_str_eq(conf.c_memory_file, "/dev/shm/mem");
	cr_assert_eq(PARSE("-Z"), CONFIG_ERROR);
	cr_assert_eq(PARSE("-t", "0"), CONFIG_ERROR);
}

static char *
write_conf(const char *text)
{
	static char	path[64];
	FILE		*fp;

	(void)snprintf(path, sizeof(path), "/tmp/pc-conf-%d.conf",
	    (int)getpid());
	cr_assert_not_null(fp = fopen(path, "w"));
	fputs(text, fp);
	fclose(fp);
	return (path);
}

Test(config, file_like_debian)
{
	char	*path, arg[128];

	path = write_conf("# Default memcached config\n-d\n"
	    "logfile /var/log/memcached.log\n-m 128\n-p 11311\n"
	    "-u memcache\n-l 127.0.0.1\n  \n-c 2048   # trailing comment\n"
	    "-P /var/run/memcached/memcached.pid\n");
	(void)snprintf(arg, sizeof(arg), "--config=%s", path);
	cr_assert_eq(PARSE(arg), CONFIG_OK, "%s", err);
	cr_assert_eq(conf.c_cache.cc_maxbytes, 128ULL << 20);
	cr_assert_eq(conf.c_port, 11311);
	cr_assert_str_eq(conf.c_user, "memcache");
	cr_assert_eq(conf.c_nlisten, 1);
	cr_assert_eq(conf.c_net.nc_live.nl_maxconns, 2048);
	cr_assert_eq(conf.c_daemonize, 1);
	cr_assert_eq(conf.c_nnotes, 1, "logfile is reported as ignored");
	unlink(path);
}

Test(config, command_line_overrides_file)
{
	char	*path;

	path = write_conf("-m 128\n-l 10.0.0.1\n-l 10.0.0.2\n");
	cr_assert_eq(PARSE("--config", path, "-m", "256", "-l",
	    "127.0.0.1"), CONFIG_OK, "%s", err);
	cr_assert_eq(conf.c_cache.cc_maxbytes, 256ULL << 20);
	cr_assert_eq(conf.c_nlisten, 1, "-l replaces the file's list");
	cr_assert_str_eq(conf.c_listen[0].ls_host, "127.0.0.1");
	unlink(path);
}

Test(config, file_errors_name_the_line)
{
	char	*path, arg[128];

	path = write_conf("-m 64\n# fine\n-p 70000\n");
	(void)snprintf(arg, sizeof(arg), "--config=%s", path);
	cr_assert_eq(PARSE(arg), CONFIG_ERROR);
	cr_assert(strstr(err, ":3:") != NULL && strstr(err, "-p") != NULL,
	    "%s", err);
	path = write_conf("-m 64\nm 64\n");
	cr_assert_eq(PARSE(arg), CONFIG_ERROR);
	cr_assert(strstr(err, ":2: expected a flag") != NULL, "%s", err);
	path = write_conf("--config=/etc/other\n");
	cr_assert_eq(PARSE(arg), CONFIG_ERROR);
	cr_assert(strstr(err, ":1:") != NULL, "%s", err);
	path = write_conf("-h\n");
	cr_assert_eq(PARSE(arg), CONFIG_ERROR);
	unlink(path);
	cr_assert_eq(PARSE("--config=/nonexistent/privcached.conf"),
	    CONFIG_ERROR);
	cr_assert(strstr(err, "/nonexistent/privcached.conf") != NULL, "%s",
	    err);
	cr_assert_eq(PARSE("--check-config"), CONFIG_OK);
	cr_assert_eq(conf.c_check_only, 1);
}

Test(config, restart_needed)
{
	struct config	 a, b;
	char		 why[256];
	char		*va[] = { "privcached", "-m", "64", "-c", "100", NULL };
	char		*vb[] = { "privcached", "-m", "64", "-c", "50", NULL };
	char		*vc[] = { "privcached", "-m", "128", "-p", "1234", NULL };

	config_init(&a);
	config_init(&b);
	cr_assert_eq(config_parse_args(&a, 5, va, err, sizeof(err)),
	    CONFIG_OK);
	cr_assert_eq(config_parse_args(&b, 5, vb, err, sizeof(err)),
	    CONFIG_OK);
	cr_assert_eq(config_needs_restart(&a, &b, why, sizeof(why)), 0,
	    "-c can change live");
	config_clear(&b);
	config_init(&b);
	cr_assert_eq(config_parse_args(&b, 5, vc, err, sizeof(err)),
	    CONFIG_OK);
	cr_assert_eq(config_needs_restart(&a, &b, why, sizeof(why)), 1);
	cr_assert(strstr(why, "memory") != NULL && strstr(why, "listeners")
	    != NULL, "%s", why);
	config_clear(&a);
	config_clear(&b);
}

Test(config, access_options)
{
	cr_assert_eq(PARSE("-o", "allow=10.0.0.0/8;::1;192.168.0.1",
	    "-o", "allow=2001:db8::/32"), CONFIG_OK, "%s", err);
	cr_assert_eq(conf.c_net.nc_live.nl_nallow, 4);
	cr_assert_eq(conf.c_net.nc_live.nl_allow[0].nr_prefix, 8);
	cr_assert_eq(conf.c_net.nc_live.nl_allow[1].nr_prefix, 128);
	cr_assert_eq(conf.c_net.nc_live.nl_allow[2].nr_prefix, 32);
	cr_assert_eq(conf.c_net.nc_live.nl_allow[3].nr_prefix, 32);
	cr_assert_eq(PARSE("-o", "allow=10.0.0.0/33"), CONFIG_ERROR);
	cr_assert_eq(PARSE("-o", "allow=example.com"), CONFIG_ERROR);
	cr_assert_eq(PARSE("-o", "allow="), CONFIG_ERROR);
	cr_assert_eq(PARSE("-c", "1000"), CONFIG_OK);
	cr_assert_eq(conf.c_net.nc_live.nl_conn_per_ip, 500, "half of -c");
	cr_assert_eq(PARSE("-c", "100"), CONFIG_OK);
	cr_assert_eq(conf.c_net.nc_live.nl_conn_per_ip, 64, "at least 64");
	cr_assert_eq(PARSE("-c", "3"), CONFIG_OK);
	cr_assert_eq(conf.c_net.nc_live.nl_conn_per_ip, 3,
	    "never more than -c");
	cr_assert_eq(conf.c_net.nc_live.nl_idle_timeout, 3600);
	cr_assert_eq(conf.c_net.nc_live.nl_request_timeout, 30);
	cr_assert_eq(PARSE("-o", "conn_per_ip=0,request_timeout=5,"
	    "buffer_budget=64"), CONFIG_OK);
	cr_assert_eq(conf.c_net.nc_live.nl_conn_per_ip, 0);
	cr_assert_eq(conf.c_net.nc_live.nl_request_timeout, 5);
	cr_assert_eq(conf.c_net.nc_live.nl_buffer_budget, 64);
	cr_assert_eq(PARSE("-o", "buffer_budget=1"), CONFIG_ERROR);
}

/* The table's rows must be usable: a field for what stores, defaults. */
Test(config, table_rows)
{
	const struct config_flag	*tab[2], *f;
	size_t				 n[2], i, t;

	tab[0] = config_flags(&n[0]);
	tab[1] = config_suboptions(&n[1]);
	cr_assert_leq(n[0], CONFIG_FLAGS_MAX, "the parser's bound");
	for (t = 0; t < 2; t++)
		for (i = 0; i < n[t]; i++) {
			f = &tab[t][i];
			cr_assert(f->cf_letter != 0 || f->cf_name != NULL);
			if (f->cf_type == CT_SWITCH || f->cf_type == CT_COUNT ||
			    f->cf_type == CT_FLOAT || f->cf_type == CT_CHOICE ||
			    f->cf_type == CT_STRING || f->cf_type == CT_PATH ||
			    f->cf_type == CT_TEXT || f->cf_type == CT_OCTAL ||
			    f->cf_type == CT_SIZE)
				cr_assert(f->cf_size > 0, "%s stores nowhere",
				    f->cf_name);
			if (f->cf_type == CT_REFUSED)
				cr_assert_not_null(f->cf_why);
			cr_assert(f->cf_off + f->cf_size <=
			    sizeof(struct config));
		}
	/* config_init parses every default or aborts. */
	config_init(&conf);
	cr_assert_eq(conf.c_tls.tp_min_version, TLS_MIN_1_2);
	cr_assert_eq(conf.c_sandbox, 1, "the sandbox is on by default");
	cr_assert_eq(conf.c_unix_mask, 0700);
	cr_assert_float_eq(conf.c_cache.cc_factor, 1.25, 1e-9);
	cr_assert_eq(conf.c_net.nc_live.nl_idle_timeout, 3600);
}

/* Is word one of the words of line (split at blanks and commas)? */
static int
has_word(const char *line, const char *word)
{
	size_t	len = strlen(word);
	const char *p;

	for (p = line; (p = strstr(p, word)) != NULL; p++)
		if ((p == line || strchr(" ,", p[-1]) != NULL) &&
		    strchr(" ,\n", p[len]) != NULL)
			return (1);
	return (0);
}

/* privcached.8 documents every flag and suboption the table has. */
Test(config, man_page_lists_the_table)
{
	const struct config_flag	*f;
	const char			*src;
	char				 path[512], line[512], word[64];
	char				*man = NULL;
	size_t				 n, i, len = 0;
	FILE				*fp;

	src = getenv("PRIVCACHED_SRC");
	(void)snprintf(path, sizeof(path), "%s/man/privcached.8",
	    src != NULL ? src : ".");
	cr_assert_not_null(fp = fopen(path, "r"), "%s", path);
	while (fgets(line, sizeof(line), fp) != NULL) {
		/* Only the lines that name flags and suboptions. */
		if (strncmp(line, ".It ", 4) != 0 &&
		    strncmp(line, ".Fl ", 4) != 0)
			continue;
		cr_assert_not_null(man = realloc(man, len + strlen(line) + 1));
		memcpy(man + len, line, strlen(line) + 1);
		len += strlen(line);
	}
	fclose(fp);
	cr_assert_not_null(man);
	f = config_flags(&n);
	for (i = 0; i < n; i++) {
		if (f[i].cf_letter != 0) {
			(void)snprintf(word, sizeof(word), "%c",
			    f[i].cf_letter);
			cr_assert(has_word(man, word), "-%c is not in %s",
			    f[i].cf_letter, path);
		}
		if (f[i].cf_name != NULL && f[i].cf_help != NULL) {
			(void)snprintf(word, sizeof(word), "-%s",
			    f[i].cf_name);
			cr_assert(strstr(man, word) != NULL,
			    "--%s is not in %s", f[i].cf_name, path);
		}
	}
	f = config_suboptions(&n);
	for (i = 0; i < n; i++) {
		if (f[i].cf_help == NULL)
			continue;
		cr_assert(has_word(man, f[i].cf_name), "-o %s is not in %s",
		    f[i].cf_name, path);
	}
	free(man);
}

/* A reload names what it cannot apply, from the table's groups. */
Test(config, restart_names_the_flags)
{
	struct config	 a, b;
	char		 why[256];
	char		*va[] = { "privcached", "-o", "hashpower=16", "-t", "2",
			    NULL };
	char		*vb[] = { "privcached", "-o", "hashpower=17,"
			    "idle_timeout=5", "-t", "2", "-v", NULL };

	config_init(&a);
	config_init(&b);
	cr_assert_eq(config_parse_args(&a, 5, va, err, sizeof(err)),
	    CONFIG_OK);
	cr_assert_eq(config_parse_args(&b, 6, vb, err, sizeof(err)),
	    CONFIG_OK);
	cr_assert_eq(config_needs_restart(&a, &b, why, sizeof(why)), 1);
	cr_assert_str_eq(why, "memory settings (-o hashpower)");
	config_clear(&a);
	config_clear(&b);
}

/*
 * The TLS files a reload rereads are the ones named at start (the only
 * ones OpenBSD's unveil lets the parent read): new names need a restart.
 */
Test(config, restart_for_new_tls_file_names)
{
	struct config	 a, b;
	char		 why[256];
	char		*va[] = { "privcached", "-Z", "-o",
			    "ssl_chain_cert=/c,ssl_key=/k", NULL };
	char		*vb[] = { "privcached", "-Z", "-o",
			    "ssl_chain_cert=/c2,ssl_key=/k", NULL };

	config_init(&a);
	config_init(&b);
	cr_assert_eq(config_parse_args(&a, 4, va, err, sizeof(err)),
	    CONFIG_OK, "%s", err);
	cr_assert_eq(config_parse_args(&b, 4, va, err, sizeof(err)),
	    CONFIG_OK, "%s", err);
	cr_assert_eq(config_needs_restart(&a, &b, why, sizeof(why)), 0,
	    "same names: %s", why);
	config_clear(&b);
	config_init(&b);
	cr_assert_eq(config_parse_args(&b, 4, vb, err, sizeof(err)),
	    CONFIG_OK, "%s", err);
	cr_assert_eq(config_needs_restart(&a, &b, why, sizeof(why)), 1);
	cr_assert(strstr(why, "ssl_chain_cert") != NULL, "%s", why);
	config_clear(&a);
	config_clear(&b);
}

/* The systemd unit's --foreground; where -d sends the log. */
Test(config, foreground_and_syslog_facility)
{
	cr_assert_eq(PARSE("-d"), CONFIG_OK);
	cr_assert_eq(conf.c_foreground, 0);
	cr_assert_eq(config_syslog_facility(&conf), LOG_DAEMON);
	cr_assert_eq(PARSE("-d", "--foreground", "-o",
	    "syslog_facility=local3"), CONFIG_OK);
	cr_assert_eq(conf.c_daemonize, 1);
	cr_assert_eq(conf.c_foreground, 1);
	cr_assert_eq(config_syslog_facility(&conf), LOG_LOCAL3);
	cr_assert_eq(PARSE("-o", "syslog_facility=kern"), CONFIG_ERROR);
	cr_assert(strstr(err, "syslog_facility") != NULL, "%s", err);
}

/*
 * What a reload copies (net_conf's nc_live) is exactly what the table
 * says a reload applies: a flag stored in net_conf is reloadable if and
 * only if it is stored in nc_live.
 */
Test(config, reloadable_is_net_live)
{
	const struct config_flag	*tab[2], *f;
	size_t				 n[2], i, t, net, net_end, live;
	size_t				 live_end;
	int				 in_live;

	net = offsetof(struct config, c_net);
	net_end = net + sizeof(struct net_conf);
	live = net + offsetof(struct net_conf, nc_live);
	live_end = live + sizeof(struct net_live);
	tab[0] = config_flags(&n[0]);
	tab[1] = config_suboptions(&n[1]);
	for (t = 0; t < 2; t++)
		for (i = 0; i < n[t]; i++) {
			f = &tab[t][i];
			if (f->cf_size == 0 || f->cf_off < net ||
			    f->cf_off >= net_end)
				continue;
			in_live = f->cf_off >= live &&
			    f->cf_off + f->cf_size <= live_end;
			cr_assert_eq(in_live, f->cf_apply == CA_RELOAD,
			    "%s: %s nc_live, but a reload %s apply it",
			    f->cf_name != NULL ? f->cf_name : "?",
			    in_live ? "in" : "not in",
			    f->cf_apply == CA_RELOAD ? "does" : "does not");
		}
}

/* cache_memlimit's reserve: physical memory, but -m with -k. */
Test(config, memlimit_max)
{
	uint64_t	phys;

	phys = (uint64_t)sysconf(_SC_PHYS_PAGES) *
	    (uint64_t)sysconf(_SC_PAGESIZE);
	cr_assert_eq(PARSE("-m", "64"), CONFIG_OK);
	cr_assert_eq(conf.c_cache.cc_memlimit_max, region_reserve_default(
	    64ULL << 20, phys, conf.c_cache.cc_slab_page_size));
	cr_assert_geq(conf.c_cache.cc_memlimit_max, 64ULL << 20);
	cr_assert_eq(PARSE("-m", "64", "-k"), CONFIG_OK);
	cr_assert_eq(conf.c_cache.cc_memlimit_max, 64ULL << 20,
	    "-k would lock all of it");
	cr_assert_eq(PARSE("-m", "64", "-o", "memlimit_max=1g"), CONFIG_OK);
	cr_assert_eq(conf.c_cache.cc_memlimit_max, 1ULL << 30);
	cr_assert_eq(PARSE("-m", "64", "-o", "memlimit_max=32"),
	    CONFIG_ERROR);
	cr_assert(strstr(err, "memlimit_max") != NULL, "%s", err);
}
