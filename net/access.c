/*
 * Access control at accept (net child; no I/O but logging): the allowlist
 * and a count of connections per client address, so that one address
 * cannot take every slot.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/tree.h>

#include <netinet/in.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "access.h"
#include "compat.h"
#include "log.h"
#include "net.h"

struct access_addr {
	RB_ENTRY(access_addr)	 aa_entry;
	uint8_t			 aa_family;
	uint8_t			 aa_addr[16];
	uint32_t		 aa_count;
};

static int	access_cmp(const struct access_addr *,
		    const struct access_addr *);
RB_HEAD(access_tree, access_addr);
RB_PROTOTYPE_STATIC(access_tree, access_addr, aa_entry, access_cmp)
RB_GENERATE_STATIC(access_tree, access_addr, aa_entry, access_cmp)

static struct access_tree	access_addrs = RB_INITIALIZER(&access_addrs);
/* Unix-socket clients have no address: they share one, never limited. */
static struct access_addr	access_local;
static time_t			access_log_sec;
static unsigned int		access_log_suppressed;

static int
access_cmp(const struct access_addr *a, const struct access_addr *b)
{
	if (a->aa_family != b->aa_family)
		return (a->aa_family < b->aa_family ? -1 : 1);
	return (memcmp(a->aa_addr, b->aa_addr, sizeof(a->aa_addr)));
}

static const uint8_t v4mapped[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

/* The address as family and bytes; an IPv4-mapped IPv6 one is IPv4. */
static int
access_key(const struct sockaddr *sa, uint8_t *family, uint8_t addr[16])
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;

	memset(addr, 0, 16);
	switch (sa->sa_family) {
	case AF_INET:
		sin = (const struct sockaddr_in *)sa;
		*family = AF_INET;
		memcpy(addr, &sin->sin_addr, 4);
		return (0);
	case AF_INET6:
		sin6 = (const struct sockaddr_in6 *)sa;
		if (memcmp(&sin6->sin6_addr, v4mapped, 12) == 0) {
			*family = AF_INET;
			memcpy(addr, (const uint8_t *)&sin6->sin6_addr + 12,
			    4);
		} else {
			*family = AF_INET6;
			memcpy(addr, &sin6->sin6_addr, 16);
		}
		return (0);
	default:
		return (-1);
	}
}

static int
access_match(const struct net_cidr *nr, uint8_t family,
    const uint8_t addr[16])
{
	unsigned int	bits = nr->nr_prefix, full = bits / 8, rest = bits % 8;
	uint8_t		mask;

	if (nr->nr_family != family)
		return (0);
	if (memcmp(nr->nr_addr, addr, full) != 0)
		return (0);
	if (rest == 0)
		return (1);
	mask = (uint8_t)(0xff << (8 - rest));
	return ((nr->nr_addr[full] & mask) == (addr[full] & mask));
}

int
access_allowed(const struct sockaddr *sa)
{
	uint8_t		family, addr[16];
	uint32_t	i;

	if (net_conf.nc_live.nl_nallow == 0)
		return (1);
	if (access_key(sa, &family, addr) == -1)
		return (1);
	for (i = 0; i < net_conf.nc_live.nl_nallow && i < NET_ALLOW_MAX; i++)
		if (access_match(&net_conf.nc_live.nl_allow[i], family, addr))
			return (1);
	return (0);
}

struct access_addr *
access_acquire(const struct sockaddr *sa)
{
	struct access_addr	 key, *aa;

	if (access_key(sa, &key.aa_family, key.aa_addr) == -1) {
		access_local.aa_count++;
		return (&access_local);
	}
	if ((aa = RB_FIND(access_tree, &access_addrs, &key)) == NULL) {
		if ((aa = calloc(1, sizeof(*aa))) == NULL)
			return (NULL);
		aa->aa_family = key.aa_family;
		memcpy(aa->aa_addr, key.aa_addr, sizeof(aa->aa_addr));
		RB_INSERT(access_tree, &access_addrs, aa);
	}
	if (net_conf.nc_live.nl_conn_per_ip != 0 &&
	    aa->aa_count >= net_conf.nc_live.nl_conn_per_ip) {
		if (aa->aa_count == 0) {
			RB_REMOVE(access_tree, &access_addrs, aa);
			free(aa);
		}
		errno = EUSERS;
		return (NULL);
	}
	aa->aa_count++;
	return (aa);
}

void
access_release(struct access_addr *aa)
{
	if (aa == NULL || aa->aa_count == 0)
		return;
	if (--aa->aa_count > 0 || aa == &access_local)
		return;
	RB_REMOVE(access_tree, &access_addrs, aa);
	free(aa);
}

void
access_log_refusal(const char *peer, const char *why)
{
	time_t	now = time(NULL);

	/* A flood of refusals must not become a flood of log lines. */
	if (now == access_log_sec) {
		access_log_suppressed++;
		return;
	}
	if (access_log_suppressed > 0)
		log_info("refused %s: %s (and %u more in the last second)",
		    peer, why, access_log_suppressed);
	else
		log_info("refused %s: %s", peer, why);
	access_log_sec = now;
	access_log_suppressed = 0;
}
