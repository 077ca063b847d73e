/*
 * Logins checked in the parent (the monitor's job in OpenSSH): the -Y
 * users' salted SHA-256 stay here, so a compromised net child has no
 * password material to crack; it can only ask, as fast as the failure
 * limiter lets any address guess.
 *
 * The limiter counts failures per client address in a table indexed by
 * SipHash under a key drawn at start, so nobody can aim two addresses at
 * one slot.  A slot that another address holds is shared, never reset:
 * interleaving addresses that collide buys no guesses (it can only lock
 * out the colliding address early, the safe way round).
 */

#include <sys/types.h>

#include <sha2.h>
#include <stdlib.h>
#include <string.h>

#include "authcheck.h"
#include "log.h"
#include "siphash.h"

struct authcheck_slot {
	uint32_t	as_count;
	time_t		as_since;
};

static struct auth_cred		*ac_users;
static size_t			 ac_nusers;
static struct authcheck_slot	 ac_slots[AUTHCHECK_SLOTS];
static uint8_t			 ac_key[SIPHASH_KEY_LEN];
static int			 ac_keyed;
/* Hashed when no user matches, so a wrong name costs a right one's time. */
static struct auth_cred		 ac_dummy;

/* 0 if equal; the time depends on len only (timingsafe_bcmp). */
static int
authcheck_bcmp(const void *a, const void *b, size_t len)
{
	const volatile unsigned char	*p = a, *q = b;
	unsigned char			 diff = 0;
	size_t				 i;

	for (i = 0; i < len; i++)
		diff |= p[i] ^ q[i];
	return (diff != 0);
}

void
authcheck_set(struct auth_cred *creds, size_t n)
{
	if (ac_users != NULL) {
		explicit_bzero(ac_users, ac_nusers * sizeof(*ac_users));
		free(ac_users);
	}
	ac_users = creds;
	ac_nusers = n;
	if (!ac_keyed) {
		arc4random_buf(ac_key, sizeof(ac_key));
		ac_keyed = 1;
	}
}

int
authcheck_enabled(void)
{
	return (ac_users != NULL);
}

static int
authcheck_match(const char *user, const char *pass)
{
	const struct auth_cred	*ac = &ac_dummy, *u;
	uint8_t			 hash[AUTH_HASH_LEN];
	SHA2_CTX		 ctx;
	size_t			 i, ulen = strlen(user);
	int			 found = 0, ok;

	/* Every name is compared: the scan takes the same time for all. */
	for (i = 0; i < ac_nusers; i++) {
		u = &ac_users[i];
		if (strlen(u->ac_user) == ulen &&
		    authcheck_bcmp(u->ac_user, user, ulen) == 0 && !found) {
			ac = u;
			found = 1;
		}
	}
	SHA256Init(&ctx);
	SHA256Update(&ctx, ac->ac_salt, AUTH_SALT_LEN);
	SHA256Update(&ctx, (const uint8_t *)pass, strlen(pass));
	SHA256Final(hash, &ctx);
	ok = authcheck_bcmp(hash, ac->ac_hash, AUTH_HASH_LEN) == 0 && found;
	explicit_bzero(hash, sizeof(hash));
	explicit_bzero(&ctx, sizeof(ctx));
	return (ok);
}

int
authcheck(const struct auth_req *ar, const char *user, const char *pass,
    time_t now)
{
	struct authcheck_slot	*s;
	uint8_t			 addr[1 + sizeof(ar->ar_addr)];

	addr[0] = ar->ar_family;
	memcpy(addr + 1, ar->ar_addr, sizeof(ar->ar_addr));
	s = &ac_slots[siphash24(ac_key, addr, sizeof(addr)) %
	    AUTHCHECK_SLOTS];
	if (now - s->as_since >= AUTHCHECK_WINDOW) {
		s->as_count = 0;
		s->as_since = now;
	}
	/* Over the limit: no check at all until the window ends. */
	if (s->as_count >= AUTHCHECK_FAIL_MAX)
		return (0);
	if (ac_users != NULL && authcheck_match(user, pass))
		return (1);
	if (++s->as_count == AUTHCHECK_FAIL_MAX)
		log_info("authentication: %d failures from one address in "
		    "%d s; refusing it for the rest of the window",
		    AUTHCHECK_FAIL_MAX, AUTHCHECK_WINDOW);
	return (0);
}
