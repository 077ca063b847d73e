/*
 * Unit tests for the parent's login check (privsep/authcheck.c): the -Y
 * users' hashes match only the right password, failures lock an address
 * out for the window, and interleaving addresses buys no extra guesses.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "authcheck.h"
#include "authfile.h"

static void
load(void)
{
	struct auth_cred	*creds;
	char			 path[64], err[256];
	size_t			 n;
	FILE			*fp;

	(void)snprintf(path, sizeof(path), "/tmp/pc-authcheck-%d",
	    (int)getpid());
	cr_assert_not_null(fp = fopen(path, "w"));
	fputs("alice:s3cret\nbob:pass:with:colons\n", fp);
	cr_assert_eq(fclose(fp), 0);
	cr_assert_eq(authfile_load(path, &creds, &n, err, sizeof(err)), 0,
	    "%s", err);
	(void)unlink(path);
	cr_assert_eq(n, 2);
	authcheck_set(creds, n);
	cr_assert(authcheck_enabled());
}

static struct auth_req
addr(uint8_t last)
{
	struct auth_req	ar;

	memset(&ar, 0, sizeof(ar));
	ar.ar_family = AF_INET;
	ar.ar_addr[0] = 10;
	ar.ar_addr[3] = last;
	return (ar);
}

Test(authcheck, right_password_only)
{
	struct auth_req	a = addr(1);

	load();
	cr_assert_eq(authcheck(&a, "alice", "s3cret", 1000), 1);
	cr_assert_eq(authcheck(&a, "bob", "pass:with:colons", 1000), 1);
	cr_assert_eq(authcheck(&a, "alice", "s3cret!", 1000), 0);
	cr_assert_eq(authcheck(&a, "alice", "pass:with:colons", 1000), 0);
	cr_assert_eq(authcheck(&a, "carol", "s3cret", 1000), 0);
	cr_assert_eq(authcheck(&a, "", "", 1000), 0);
}

Test(authcheck, failures_lock_an_address_out_for_the_window)
{
	struct auth_req	a = addr(2);
	int		i;

	load();
	for (i = 0; i < AUTHCHECK_FAIL_MAX; i++)
		cr_assert_eq(authcheck(&a, "alice", "guess", 2000 + i), 0);
	cr_assert_eq(authcheck(&a, "alice", "s3cret", 2010), 0,
	    "locked out: not even the right password");
	cr_assert_eq(authcheck(&a, "alice", "s3cret",
	    2000 + AUTHCHECK_WINDOW), 1, "the window ended");
}

/*
 * Two addresses taking turns get no more guesses than their limits: a
 * slot another address holds is shared, never reset.
 */
Test(authcheck, interleaving_addresses_buys_nothing)
{
	struct auth_req	a = addr(3), b = addr(4);
	int		i;

	load();
	for (i = 0; i < AUTHCHECK_FAIL_MAX; i++) {
		cr_assert_eq(authcheck(&a, "alice", "guess", 3000), 0);
		cr_assert_eq(authcheck(&b, "alice", "guess", 3000), 0);
	}
	cr_assert_eq(authcheck(&a, "alice", "s3cret", 3001), 0);
	cr_assert_eq(authcheck(&b, "alice", "s3cret", 3001), 0);
}
