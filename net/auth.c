/*
 * Logins (net child).  Net holds no password material: it forwards what
 * the client sent, with the client's address, and the parent answers yes
 * or no (privsep/authcheck.c), counting failures per address there, where
 * a compromised net child cannot reset them.  Nor does it keep what it
 * forwarded: the message is wiped once sent (ask.c), the input once parsed
 * (conn_read.c, buf.c).
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <netinet/in.h>

#include <string.h>

#include "ask.h"
#include "auth.h"
#include "net.h"

int
auth_check(const struct sockaddr *peer, const char *user, size_t ulen,
    const char *pass, size_t plen)
{
	struct auth_req	ar;
	struct iovec	iov[3];
	int		ok;

	net_stats.ns_auth_cmds++;
	if (ulen > AUTH_USER_MAX || plen > AUTH_PASS_MAX) {
		net_stats.ns_auth_errors++;
		return (0);
	}
	memset(&ar, 0, sizeof(ar));
	if (peer->sa_family == AF_INET) {
		ar.ar_family = AF_INET;
		memcpy(ar.ar_addr,
		    &((const struct sockaddr_in *)peer)->sin_addr, 4);
	} else if (peer->sa_family == AF_INET6) {
		ar.ar_family = AF_INET6;
		memcpy(ar.ar_addr,
		    &((const struct sockaddr_in6 *)peer)->sin6_addr, 16);
	}
	ar.ar_ulen = ulen;
	ar.ar_plen = plen;
	iov[0].iov_base = &ar;
	iov[0].iov_len = sizeof(ar);
	iov[1].iov_base = (void *)user;
	iov[1].iov_len = ulen;
	iov[2].iov_base = (void *)pass;
	iov[2].iov_len = plen;
	ok = ask_parent(IMSG_CTL_AUTH_CHECK, iov, 3) == 1;
	if (!ok)
		net_stats.ns_auth_errors++;
	return (ok);
}
