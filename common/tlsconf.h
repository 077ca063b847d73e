/*
 * A libtls server context from PEM text and memcached's ssl_* settings.
 * The net child builds the one it serves with (at start and on SIGHUP);
 * the parent only for --check-config, which serves nothing.
 */

#ifndef PRIVCACHED_TLSCONF_H
#define PRIVCACHED_TLSCONF_H

#include <stddef.h>
#include <stdint.h>

#include "msg.h"

struct tls;

struct tls_pem_set {
	const uint8_t	*tps_pem[TLS_PEM_MAX];	/* NULL: not given */
	size_t		 tps_len[TLS_PEM_MAX];
};

/*
 * A configured server context, or NULL with the reason in err.  The
 * private key is wiped from libtls's configuration copy before return;
 * the context itself (OpenSSL's SSL_CTX) keeps the one it signs with.
 */
struct tls	*tlsconf_server(const struct tls_params *,
		    const struct tls_pem_set *, char *err, size_t errlen);
/* memcached's names for the settings, for stats settings and logs. */
const char	*tlsconf_min_version_name(uint32_t);

#endif /* PRIVCACHED_TLSCONF_H */
