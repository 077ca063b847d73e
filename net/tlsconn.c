/*
 * The net child's TLS server context (see tlsconn.h).  libtls offers no
 * signing callback here (libretls on Linux has none; LibreSSL keeps its
 * signer API internal), so the private key lives in this process: in the
 * SSL_CTX that libtls builds.  The PEM copies are wiped once it is built;
 * the README's TLS section says what that means.
 */

#include <stdlib.h>
#include <string.h>
#include <tls.h>

#include "log.h"
#include "tlsconf.h"
#include "privsep/proc.h"
#include "tlsconn.h"

static struct tls		*tlsconn_server;
static struct tls_params	 tlsconn_cur;
static uint8_t			*tlsconn_pem[TLS_PEM_MAX];
static size_t			 tlsconn_len[TLS_PEM_MAX];

/*
 * The net role's work before the drop (proc.c): OpenSSL reads its
 * configuration file once, at its first use: here, where the file is
 * still in reach, not in the chroot.
 */
void
net_early(void)
{
	tlsconn_init();
}

void
tlsconn_init(void)
{
	if (tls_init() == -1)
		fatalx("tls_init failed");
}

static void
tlsconn_pem_wipe(void)
{
	size_t	i;

	for (i = 0; i < TLS_PEM_MAX; i++) {
		if (tlsconn_pem[i] != NULL) {
			explicit_bzero(tlsconn_pem[i], tlsconn_len[i]);
			free(tlsconn_pem[i]);
		}
		tlsconn_pem[i] = NULL;
		tlsconn_len[i] = 0;
	}
}

int
tlsconn_pem_add(const void *data, size_t len)
{
	struct tls_pem_chunk	 tc;
	uint8_t			*grown;
	size_t			 have;

	if (len < sizeof(tc))
		return (-1);
	memcpy(&tc, data, sizeof(tc));
	if (tc.tc_kind >= TLS_PEM_MAX || tc.tc_len == 0 ||
	    tc.tc_len > TLS_PEM_CHUNK || tc.tc_len != len - sizeof(tc))
		return (-1);
	have = tlsconn_len[tc.tc_kind];
	if (have + tc.tc_len > TLS_PEM_FILE_MAX)
		return (-1);
	/* Grown by copying, so no stale copy of a key is left behind. */
	if ((grown = malloc(have + tc.tc_len)) == NULL)
		fatal("TLS files");
	if (have > 0) {
		memcpy(grown, tlsconn_pem[tc.tc_kind], have);
		explicit_bzero(tlsconn_pem[tc.tc_kind], have);
		free(tlsconn_pem[tc.tc_kind]);
	}
	memcpy(grown + have, (const uint8_t *)data + sizeof(tc), tc.tc_len);
	tlsconn_pem[tc.tc_kind] = grown;
	tlsconn_len[tc.tc_kind] = have + tc.tc_len;
	return (0);
}

int
tlsconn_commit(const struct tls_params *tp)
{
	struct tls_pem_set	 ps;
	struct tls		*ctx;
	char			 err[256];
	size_t			 i;

	for (i = 0; i < TLS_PEM_MAX; i++) {
		ps.tps_pem[i] = tlsconn_pem[i];
		ps.tps_len[i] = tlsconn_len[i];
	}
	ctx = tlsconf_server(tp, &ps, err, sizeof(err));
	tlsconn_pem_wipe();
	if (ctx == NULL) {
		if (tlsconn_server != NULL)
			log_warnx("TLS: %s; keeping the previous certificate",
			    err);
		else
			log_warnx("TLS: %s", err);
		return (-1);
	}
	/* Open connections hold their own reference to the old SSL_CTX. */
	tls_free(tlsconn_server);
	tlsconn_server = ctx;
	tlsconn_cur = *tp;
	tlsconn_cur.tp_ciphers[sizeof(tlsconn_cur.tp_ciphers) - 1] = '\0';
	log_debug("TLS certificate loaded (minimum %s, verify mode %u)",
	    tlsconf_min_version_name(tp->tp_min_version),
	    tp->tp_verify_mode);
	return (0);
}

struct tls *
tlsconn_accept(int fd)
{
	struct tls	*conn;

	if (tlsconn_server == NULL) {
		log_warnx("TLS connection before a certificate arrived");
		return (NULL);
	}
	if (tls_accept_socket(tlsconn_server, &conn, fd) == -1) {
		log_warnx("tls_accept_socket: %s", tls_error(tlsconn_server));
		return (NULL);
	}
	return (conn);
}

const struct tls_params *
tlsconn_params(void)
{
	return (tlsconn_server != NULL ? &tlsconn_cur : NULL);
}
