/*
 * Builds libtls server contexts (see tlsconf.h).  Shared by the parent,
 * which only checks that the files make a working context, and the net
 * child, which serves with the context.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <tls.h>

#include "tlsconf.h"

static const struct {
	const char	*name;
	uint32_t	 protocols;
} tlsconf_versions[TLS_MIN_MAX] = {
	[TLS_MIN_1_0] = { "tlsv1", TLS_PROTOCOL_TLSv1_0 |
	    TLS_PROTOCOL_TLSv1_1 | TLS_PROTOCOL_TLSv1_2 |
	    TLS_PROTOCOL_TLSv1_3 },
	[TLS_MIN_1_1] = { "tlsv1.1", TLS_PROTOCOL_TLSv1_1 |
	    TLS_PROTOCOL_TLSv1_2 | TLS_PROTOCOL_TLSv1_3 },
	[TLS_MIN_1_2] = { "tlsv1.2", TLS_PROTOCOL_TLSv1_2 |
	    TLS_PROTOCOL_TLSv1_3 },
	[TLS_MIN_1_3] = { "tlsv1.3", TLS_PROTOCOL_TLSv1_3 },
};

const char *
tlsconf_min_version_name(uint32_t v)
{
	if (v >= TLS_MIN_MAX)
		return ("unknown");
	return (tlsconf_versions[v].name);
}

static struct tls *
tlsconf_fail(struct tls_config *cfg, struct tls *ctx, const char *what,
    const char *why, char *err, size_t errlen)
{
	(void)snprintf(err, errlen, "%s: %s", what,
	    why != NULL ? why : "unknown libtls error");
	if (cfg != NULL) {
		tls_config_clear_keys(cfg);
		tls_config_free(cfg);
	}
	tls_free(ctx);
	return (NULL);
}

/*
 * Which file tls_configure refused: libtls loads the CA bundle there too,
 * so a bad one shows as the pair's failure unless the pair alone works.
 */
static const char *
tlsconf_culprit(const struct tls_params *tp, const struct tls_pem_set *ps)
{
	struct tls_pem_set	 pair = *ps;
	struct tls_params	 plain = *tp;
	struct tls		*ctx;
	char			 err[8];

	if (ps->tps_pem[TLS_PEM_CA] == NULL)
		return ("ssl_chain_cert/ssl_key");
	pair.tps_pem[TLS_PEM_CA] = NULL;
	pair.tps_len[TLS_PEM_CA] = 0;
	plain.tp_verify_mode = TLS_VERIFY_NONE;
	if ((ctx = tlsconf_server(&plain, &pair, err, sizeof(err))) == NULL)
		return ("ssl_chain_cert/ssl_key");
	tls_free(ctx);
	return ("ssl_ca_cert");
}

struct tls *
tlsconf_server(const struct tls_params *tp, const struct tls_pem_set *ps,
    char *err, size_t errlen)
{
	struct tls_config	*cfg;
	struct tls		*ctx;

	if (tp->tp_verify_mode >= TLS_VERIFY_MAX ||
	    tp->tp_min_version >= TLS_MIN_MAX) {
		(void)snprintf(err, errlen, "TLS settings out of range");
		return (NULL);
	}
	if (ps->tps_pem[TLS_PEM_CERT] == NULL ||
	    ps->tps_pem[TLS_PEM_KEY] == NULL) {
		(void)snprintf(err, errlen, "-Z needs -o ssl_chain_cert and "
		    "ssl_key");
		return (NULL);
	}
	/* Without our CA, libtls would look for the system's in the chroot. */
	if (tp->tp_verify_mode != TLS_VERIFY_NONE &&
	    ps->tps_pem[TLS_PEM_CA] == NULL) {
		(void)snprintf(err, errlen, "ssl_verify_mode=%u needs "
		    "ssl_ca_cert", tp->tp_verify_mode);
		return (NULL);
	}
	/* libtls appends strerror(errno) when errno is set: start clean. */
	errno = 0;
	if ((cfg = tls_config_new()) == NULL) {
		(void)snprintf(err, errlen, "tls_config_new failed");
		return (NULL);
	}
	if (tls_config_set_protocols(cfg,
	    tlsconf_versions[tp->tp_min_version].protocols) == -1)
		return (tlsconf_fail(cfg, NULL, "ssl_min_version",
		    tls_config_error(cfg), err, errlen));
	if (tp->tp_ciphers[0] != '\0' &&
	    tls_config_set_ciphers(cfg, tp->tp_ciphers) == -1)
		return (tlsconf_fail(cfg, NULL, "ssl_ciphers",
		    tls_config_error(cfg), err, errlen));
	if (tls_config_set_cert_mem(cfg, ps->tps_pem[TLS_PEM_CERT],
	    ps->tps_len[TLS_PEM_CERT]) == -1)
		return (tlsconf_fail(cfg, NULL, "ssl_chain_cert",
		    tls_config_error(cfg), err, errlen));
	if (tls_config_set_key_mem(cfg, ps->tps_pem[TLS_PEM_KEY],
	    ps->tps_len[TLS_PEM_KEY]) == -1)
		return (tlsconf_fail(cfg, NULL, "ssl_key",
		    tls_config_error(cfg), err, errlen));
	if (ps->tps_pem[TLS_PEM_CA] != NULL &&
	    tls_config_set_ca_mem(cfg, ps->tps_pem[TLS_PEM_CA],
	    ps->tps_len[TLS_PEM_CA]) == -1)
		return (tlsconf_fail(cfg, NULL, "ssl_ca_cert",
		    tls_config_error(cfg), err, errlen));
	switch (tp->tp_verify_mode) {
	case TLS_VERIFY_REQUEST:
		tls_config_verify_client_optional(cfg);
		break;
	case TLS_VERIFY_REQUIRE:
	case TLS_VERIFY_ONCE:
		tls_config_verify_client(cfg);
		break;
	default:
		break;
	}
	if ((ctx = tls_server()) == NULL)
		return (tlsconf_fail(cfg, NULL, "TLS", "tls_server failed",
		    err, errlen));
	/* This is where a key that does not match the certificate shows. */
	if (tls_configure(ctx, cfg) == -1)
		return (tlsconf_fail(cfg, ctx, tlsconf_culprit(tp, ps),
		    tls_error(ctx), err, errlen));
	tls_config_clear_keys(cfg);
	tls_config_free(cfg);
	return (ctx);
}
