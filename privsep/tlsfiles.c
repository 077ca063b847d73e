/*
 * Reading the TLS files (parent only; see tlsfiles.h).  Bytes only: the
 * parent never runs OpenSSL on them; the net child judges them, at start
 * as on a reload (--check-config builds a context in checkconf.c).
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "errbuf.h"
#include "log.h"
#include "tlsfiles.h"

static const char *const tlsfiles_option[TLS_PEM_MAX] = {
	[TLS_PEM_CERT] = "ssl_chain_cert",
	[TLS_PEM_KEY] = "ssl_key",
	[TLS_PEM_CA] = "ssl_ca_cert",
};

static int
tlsfiles_read(enum tls_pem_kind kind, const char *path, uint8_t **out,
    size_t *outlen, char *err, size_t errlen)
{
	struct stat	 st;
	uint8_t		*data;
	size_t		 off = 0;
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return (errbuf_set(err, errlen, "-o %s=%s: %s",
		    tlsfiles_option[kind], path, strerror(errno)));
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size <= 0 || st.st_size > TLS_PEM_FILE_MAX) {
		close(fd);
		return (errbuf_set(err, errlen, "-o %s=%s: not a regular "
		    "file of 1 to %d bytes", tlsfiles_option[kind], path,
		    TLS_PEM_FILE_MAX));
	}
	if (kind == TLS_PEM_KEY && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
		log_warnx("-o ssl_key=%s: readable by group or others; the "
		    "key should be mode 0600 or 0400", path);
	if ((data = malloc(st.st_size)) == NULL) {
		close(fd);
		return (errbuf_set(err, errlen, "-o %s: %s",
		    tlsfiles_option[kind], strerror(errno)));
	}
	while (off < (size_t)st.st_size) {
		if ((n = read(fd, data + off, st.st_size - off)) == -1 &&
		    errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += n;
	}
	close(fd);
	if (off != (size_t)st.st_size) {
		explicit_bzero(data, st.st_size);
		free(data);
		return (errbuf_set(err, errlen, "-o %s=%s: short read",
		    tlsfiles_option[kind], path));
	}
	*out = data;
	*outlen = off;
	return (0);
}

void
tlsfiles_clear(struct tls_files *tf)
{
	size_t	i;

	for (i = 0; i < TLS_PEM_MAX; i++) {
		if (tf->tf_pem[i] == NULL)
			continue;
		explicit_bzero(tf->tf_pem[i], tf->tf_len[i]);
		free(tf->tf_pem[i]);
	}
	memset(tf, 0, sizeof(*tf));
}

int
tlsfiles_load(const struct config *conf, const struct config *paths,
    struct tls_files *tf, char *err, size_t errlen)
{
	struct tls_files	 next;
	size_t			 i;

	memset(&next, 0, sizeof(next));
	for (i = 0; i < TLS_PEM_MAX; i++) {
		if (paths->c_tls_file[i] == NULL)
			continue;
		if (tlsfiles_read(i, paths->c_tls_file[i], &next.tf_pem[i],
		    &next.tf_len[i], err, errlen) == -1) {
			tlsfiles_clear(&next);
			return (-1);
		}
	}
	next.tf_params = conf->c_tls;
	next.tf_params.tp_loaded = time(NULL);
	tlsfiles_clear(tf);
	*tf = next;
	return (0);
}
