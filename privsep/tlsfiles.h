/*
 * The TLS certificate, key and CA files (parent only): read as root before
 * the drop and again on SIGHUP, checked by building a server context, then
 * handed to each net child as PEM text.
 */

#ifndef PRIVCACHED_TLSFILES_H
#define PRIVCACHED_TLSFILES_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "msg.h"

struct tls_files {
	uint8_t			*tf_pem[TLS_PEM_MAX];	/* NULL: not given */
	size_t			 tf_len[TLS_PEM_MAX];
	struct tls_params	 tf_params;
};

/*
 * Reads the files paths names (the settings come from conf) and, with
 * check, makes sure they build a working server context: at start and for
 * --check-config only.  A reload reads bytes and leaves the parsing to the
 * net child, so that root never runs OpenSSL on files that changed since
 * the operator started it.  0 and *tf filled, or -1 with a message naming
 * the option and file in err; *tf is untouched then.
 */
int	tlsfiles_load(const struct config *conf, const struct config *paths,
	    int check, struct tls_files *tf, char *err, size_t errlen);
/* Wipes and frees what tlsfiles_load filled. */
void	tlsfiles_clear(struct tls_files *);

#endif /* PRIVCACHED_TLSFILES_H */
