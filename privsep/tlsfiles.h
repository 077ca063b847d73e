/*
 * The TLS certificate, key and CA files (parent only): read as root before
 * the drop and again on SIGHUP, as bytes, and handed to each net child as
 * PEM text; the net child builds the context and says whether it could.
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
 * Reads the files paths names (the settings come from conf), bytes only:
 * root never runs OpenSSL on them, at start or on a reload (tests/calls.py
 * --only holds the parent to that).  0 and *tf filled, or -1 with a
 * message naming the option and file in err; *tf is untouched then.
 */
int	tlsfiles_load(const struct config *conf, const struct config *paths,
	    struct tls_files *tf, char *err, size_t errlen);
/* Wipes and frees what tlsfiles_load filled. */
void	tlsfiles_clear(struct tls_files *);

#endif /* PRIVCACHED_TLSFILES_H */
