/*
 * The parent's reading of the -Z files: what it refuses (with the option
 * named in the message), and that it reads bytes without judging them.
 */

#include <sys/stat.h>

#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "tlsfiles.h"

static char		 dir[] = "/tmp/pc-tlsfiles.XXXXXX";
static struct config	 conf;
static struct tls_files	 tf;
static char		 err[512];

static void
setup(void)
{
	cr_assert_not_null(mkdtemp(dir));
	config_init(&conf);
	conf.c_net.nc_tls = 1;
	memset(&tf, 0, sizeof(tf));
}

static void
teardown(void)
{
	char	cmd[128];

	tlsfiles_clear(&tf);
	config_clear(&conf);
	(void)snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	(void)system(cmd);
}

TestSuite(tlsfiles, .init = setup, .fini = teardown);

/* A file of size bytes of 'A' in the temporary directory; its path. */
static char *
make_file(const char *name, size_t size)
{
	char	*path, block[4096];
	size_t	 n;
	int	 fd;

	cr_assert_neq(asprintf(&path, "%s/%s", dir, name), -1);
	cr_assert_geq(fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600), 0);
	memset(block, 'A', sizeof(block));
	for (; size > 0; size -= n) {
		n = size < sizeof(block) ? size : sizeof(block);
		cr_assert_eq(write(fd, block, n), (ssize_t)n);
	}
	close(fd);
	return (path);
}

static void
expect_refused(const char *needle)
{
	cr_assert_eq(tlsfiles_load(&conf, &conf, &tf, err, sizeof(err)), -1);
	cr_assert(strstr(err, needle) != NULL, "message: %s", err);
	cr_assert_null(tf.tf_pem[TLS_PEM_CERT], "nothing kept on failure");
}

Test(tlsfiles, missing_empty_oversized_or_not_a_file)
{
	conf.c_tls_file[TLS_PEM_CERT] = make_file("cert.pem", 10);
	conf.c_tls_file[TLS_PEM_KEY] = strdup("/nonexistent/key.pem");
	expect_refused("ssl_key");

	free(conf.c_tls_file[TLS_PEM_KEY]);
	conf.c_tls_file[TLS_PEM_KEY] = make_file("empty.pem", 0);
	expect_refused("ssl_key");

	free(conf.c_tls_file[TLS_PEM_KEY]);
	conf.c_tls_file[TLS_PEM_KEY] = strdup(dir);
	expect_refused("not a regular file");

	free(conf.c_tls_file[TLS_PEM_KEY]);
	conf.c_tls_file[TLS_PEM_KEY] = make_file("key.pem", 10);
	free(conf.c_tls_file[TLS_PEM_CERT]);
	conf.c_tls_file[TLS_PEM_CERT] = make_file("huge.pem",
	    TLS_PEM_FILE_MAX + 1);
	expect_refused("ssl_chain_cert");
}

/*
 * Files that are not PEM are read whole and not judged: the net child
 * parses them, not root, at start as on a reload; the paths are the ones
 * given apart (a reload's are the start's).
 */
Test(tlsfiles, reads_bytes_only)
{
	struct config	paths;

	memset(&paths, 0, sizeof(paths));
	paths.c_tls_file[TLS_PEM_CERT] = make_file("cert.pem", 100);
	paths.c_tls_file[TLS_PEM_KEY] = make_file("key.pem", 50);
	conf.c_tls_file[TLS_PEM_CERT] = strdup("/nonexistent/other.pem");
	cr_assert_eq(tlsfiles_load(&conf, &paths, &tf, err, sizeof(err)),
	    0, "%s", err);
	cr_assert_eq(tf.tf_len[TLS_PEM_CERT], 100);
	cr_assert_eq(tf.tf_len[TLS_PEM_KEY], 50);
	cr_assert_eq(tf.tf_pem[TLS_PEM_CERT][0], 'A');
	cr_assert_null(tf.tf_pem[TLS_PEM_CA], "a file not given stays NULL");
	free(paths.c_tls_file[TLS_PEM_CERT]);
	free(paths.c_tls_file[TLS_PEM_KEY]);
}

Test(tlsfiles, symlinked_key_refused)
{
	char	*link, *key;

	conf.c_tls_file[TLS_PEM_CERT] = make_file("cert.pem", 100);
	cr_assert_neq(asprintf(&link, "%s/link.pem", dir), -1);
	key = make_file("key.pem", 100);
	cr_assert_eq(symlink(key, link), 0);
	free(key);
	/* O_NOFOLLOW: the key is the file named, not where a link points. */
	conf.c_tls_file[TLS_PEM_KEY] = link;
	expect_refused("ssl_key");
}
