/*
 * TLS in the net child: the server context built from what the parent
 * sends, and a libtls context for each connection on a TLS listener.
 */

#ifndef PRIVCACHED_TLSCONN_H
#define PRIVCACHED_TLSCONN_H

#include <stddef.h>

#include "msg.h"

struct tls;

/* Before the sandbox: libtls may read OpenSSL's configuration file. */
void	tlsconn_init(void);
/* One IMSG_CFG_TLS_PEM payload; 0, or -1 if malformed or too large. */
int	tlsconn_pem_add(const void *data, size_t len);
/*
 * IMSG_CFG_TLS_END: a new server context from the PEM received since the
 * last one, which is then wiped.  Connections already open keep the
 * context they started with.  0, or -1 (logged; the old one stays).
 */
int	tlsconn_commit(const struct tls_params *);
/* A connection's context for an accepted socket, or NULL (logged). */
struct tls *tlsconn_accept(int fd);
/* The settings in use, or NULL before the first commit. */
const struct tls_params *tlsconn_params(void);

#endif /* PRIVCACHED_TLSCONN_H */
