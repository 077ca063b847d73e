/*
 * The allowlist and the per-address count, without a network.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "access.h"
#include "net.h"

static void
allow(const char *addr, int family, int prefix)
{
	struct net_live	*nl = &net_conf.nc_live;
	struct net_cidr	*nr = &nl->nl_allow[nl->nl_nallow++];

	memset(nr, 0, sizeof(*nr));
	nr->nr_family = family;
	nr->nr_prefix = prefix;
	cr_assert_eq(inet_pton(family, addr, nr->nr_addr), 1);
}

static struct sockaddr_storage	ss;

static struct sockaddr *
v4(const char *addr)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;

	memset(&ss, 0, sizeof(ss));
	sin->sin_family = AF_INET;
	cr_assert_eq(inet_pton(AF_INET, addr, &sin->sin_addr), 1);
	return ((struct sockaddr *)&ss);
}

static struct sockaddr *
v6(const char *addr)
{
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	sin6->sin6_family = AF_INET6;
	cr_assert_eq(inet_pton(AF_INET6, addr, &sin6->sin6_addr), 1);
	return ((struct sockaddr *)&ss);
}

static void
reset(void)
{
	memset(&net_conf, 0, sizeof(net_conf));
}

TestSuite(access, .init = reset);

Test(access, empty_list_allows_all)
{
	cr_assert(access_allowed(v4("192.0.2.1")));
	cr_assert(access_allowed(v6("2001:db8::1")));
}

Test(access, prefixes)
{
	allow("10.0.0.0", AF_INET, 8);
	allow("192.168.1.128", AF_INET, 25);
	allow("2001:db8::", AF_INET6, 32);
	allow("127.0.0.1", AF_INET, 32);
	cr_assert(access_allowed(v4("10.255.1.2")));
	cr_assert_not(access_allowed(v4("11.0.0.1")));
	cr_assert(access_allowed(v4("192.168.1.200")));
	cr_assert_not(access_allowed(v4("192.168.1.127")), "/25 boundary");
	cr_assert(access_allowed(v6("2001:db8:ffff::1")));
	cr_assert_not(access_allowed(v6("2001:db9::1")));
	cr_assert(access_allowed(v4("127.0.0.1")));
	cr_assert_not(access_allowed(v4("127.0.0.2")));
	/* An IPv4 client on a v6 socket is matched as IPv4. */
	cr_assert(access_allowed(v6("::ffff:10.1.2.3")));
	cr_assert_not(access_allowed(v6("::ffff:11.1.2.3")));
	/* v4 rules never match v6 addresses. */
	cr_assert_not(access_allowed(v6("::a01:203")));
}

Test(access, zero_prefix_is_everyone_of_a_family)
{
	allow("0.0.0.0", AF_INET, 0);
	cr_assert(access_allowed(v4("203.0.113.9")));
	cr_assert_not(access_allowed(v6("2001:db8::1")));
}

Test(access, per_address_limit)
{
	struct access_addr	*a[3], *b;

	net_conf.nc_live.nl_conn_per_ip = 2;
	cr_assert_not_null(a[0] = access_acquire(v4("10.0.0.1")));
	cr_assert_not_null(a[1] = access_acquire(v4("10.0.0.1")));
	errno = 0;
	cr_assert_null(a[2] = access_acquire(v4("10.0.0.1")));
	cr_assert_eq(errno, EUSERS);
	cr_assert_not_null(b = access_acquire(v6("::ffff:10.0.0.2")),
	    "another address has its own count");
	access_release(a[0]);
	cr_assert_not_null(a[2] = access_acquire(v4("10.0.0.1")),
	    "a released slot is reusable");
	access_release(a[1]);
	access_release(a[2]);
	access_release(b);
	net_conf.nc_live.nl_conn_per_ip = 0;
	cr_assert_not_null(a[0] = access_acquire(v4("10.0.0.1")));
	access_release(a[0]);
}
