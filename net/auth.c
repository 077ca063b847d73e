/*
 * Checking logins (net child).  The parent sends each user's name, a salt
 * and SHA-256(salt || password); a check hashes what the client sent with
 * that salt and compares in constant time.  Failures are counted per client
 * address, and an address over the limit waits out a window, so guessing is
 * slow even over many connections.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <sha2.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "log.h"
#include "net.h"

/* Failures an address may have within AUTH_FAIL_WINDOW seconds. */
#define AUTH_FAIL_MAX		5
#define AUTH_FAIL_WINDOW	60
#define AUTH_FAIL_SLOTS		256

struct auth_set {
	struct auth_cred	*as_users;
	size_t			 as_n;
};

struct auth_fail {
	uint8_t		af_addr[17];	/* family, then the address */
	uint32_t	af_count;
	time_t		af_since;
};

static struct auth_set	auth_cur, auth_next;
static struct auth_fail	auth_fails[AUTH_FAIL_SLOTS];
/* Hashed when no user matches, so a wrong name costs a right one's time. */
static struct auth_cred	auth_dummy;

/* 0 if equal; the time depends on len only (timingsafe_bcmp). */
static int
auth_bcmp(const void *a, const void *b, size_t len)
{
	const volatile unsigned char	*p = a, *q = b;
	unsigned char			 diff = 0;
	size_t				 i;

	for (i = 0; i < len; i++)
		diff |= p[i] ^ q[i];
	return (diff != 0);
}

int
auth_add(const struct auth_cred *ac)
{
	struct auth_cred	*nl;

	if (auth_next.as_n >= AUTH_USERS_MAX)
		return (-1);
	if ((nl = reallocarray(auth_next.as_users, auth_next.as_n + 1,
	    sizeof(*nl))) == NULL)
		return (-1);
	auth_next.as_users = nl;
	nl[auth_next.as_n] = *ac;
	nl[auth_next.as_n].ac_user[AUTH_USER_MAX] = '\0';
	auth_next.as_n++;
	return (0);
}

void
auth_commit(void)
{
	if (auth_cur.as_users != NULL) {
		explicit_bzero(auth_cur.as_users,
		    auth_cur.as_n * sizeof(*auth_cur.as_users));
		free(auth_cur.as_users);
	}
	auth_cur = auth_next;
	memset(&auth_next, 0, sizeof(auth_next));
	log_debug("%zu users for logins", auth_cur.as_n);
}

static struct auth_fail *
auth_fail_slot(const struct sockaddr *sa, uint8_t key[17])
{
	uint32_t	h = 2166136261u;
	size_t		i;

	memset(key, 0, 17);
	key[0] = sa->sa_family;
	if (sa->sa_family == AF_INET)
		memcpy(key + 1, &((const struct sockaddr_in *)sa)->sin_addr,
		    4);
	else if (sa->sa_family == AF_INET6)
		memcpy(key + 1,
		    &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
	for (i = 0; i < 17; i++)
		h = (h ^ key[i]) * 16777619u;
	return (&auth_fails[h % AUTH_FAIL_SLOTS]);
}

static int
auth_match(const char *user, size_t ulen, const char *pass, size_t plen)
{
	const struct auth_cred	*ac = &auth_dummy, *u;
	uint8_t			 hash[AUTH_HASH_LEN];
	SHA2_CTX		 ctx;
	size_t			 i;
	int			 found = 0, ok;

	/* Every name is compared: the scan takes the same time for all. */
	for (i = 0; i < auth_cur.as_n; i++) {
		u = &auth_cur.as_users[i];
		if (ulen <= AUTH_USER_MAX && strlen(u->ac_user) == ulen &&
		    auth_bcmp(u->ac_user, user, ulen) == 0 && !found) {
			ac = u;
			found = 1;
		}
	}
	SHA256Init(&ctx);
	SHA256Update(&ctx, ac->ac_salt, AUTH_SALT_LEN);
	SHA256Update(&ctx, (const uint8_t *)pass, plen);
	SHA256Final(hash, &ctx);
	ok = auth_bcmp(hash, ac->ac_hash, AUTH_HASH_LEN) == 0 && found;
	explicit_bzero(hash, sizeof(hash));
	explicit_bzero(&ctx, sizeof(ctx));
	return (ok);
}

int
auth_check(const struct sockaddr *peer, const char *user, size_t ulen,
    const char *pass, size_t plen)
{
	struct auth_fail	*af;
	uint8_t			 key[17];
	time_t			 now = time(NULL);

	net_stats.ns_auth_cmds++;
	af = auth_fail_slot(peer, key);
	if (memcmp(af->af_addr, key, sizeof(key)) != 0 ||
	    now - af->af_since >= AUTH_FAIL_WINDOW) {
		memcpy(af->af_addr, key, sizeof(key));
		af->af_count = 0;
		af->af_since = now;
	}
	if (af->af_count >= AUTH_FAIL_MAX) {
		/* Over the limit: no check at all until the window ends. */
		net_stats.ns_auth_errors++;
		return (0);
	}
	if (plen <= AUTH_PASS_MAX && auth_match(user, ulen, pass, plen))
		return (1);
	af->af_count++;
	net_stats.ns_auth_errors++;
	if (af->af_count == AUTH_FAIL_MAX)
		log_info("authentication: %d failures from one address in "
		    "%d s; refusing it for the rest of the window",
		    AUTH_FAIL_MAX, AUTH_FAIL_WINDOW);
	return (0);
}
