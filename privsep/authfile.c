/*
 * Loading the authentication file (parent only).  The net child never sees
 * the file, its path or a password: only each user's name, a random salt
 * and SHA-256(salt || password), enough to check a login in constant time.
 */

#include <sys/types.h>

#include <errno.h>
#include <sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errbuf.h"
#include "authfile.h"

static void
authfile_hash(const uint8_t *salt, const char *pass, size_t plen,
    uint8_t *out)
{
	SHA2_CTX	ctx;

	SHA256Init(&ctx);
	SHA256Update(&ctx, salt, AUTH_SALT_LEN);
	SHA256Update(&ctx, (const uint8_t *)pass, plen);
	SHA256Final(out, &ctx);
	explicit_bzero(&ctx, sizeof(ctx));
}

int
authfile_load(const char *path, struct auth_cred **creds, size_t *ncreds,
    char *err, size_t errlen)
{
	struct auth_cred	*list = NULL, *nl, *ac;
	char			*line = NULL, *colon;
	size_t			 cap = 0, n = 0, i, ulen, plen;
	ssize_t			 len;
	FILE			*fp;
	int			 lineno = 0, rv = 0;

	if ((fp = fopen(path, "r")) == NULL)
		return (errbuf_set(err, errlen, "-Y %s: %s", path,
		    strerror(errno)));
	while (rv == 0 && (len = getline(&line, &cap, fp)) != -1) {
		lineno++;
		while (len > 0 && (line[len - 1] == '\n' ||
		    line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0 || line[0] == '#')
			continue;
		if ((colon = strchr(line, ':')) == NULL) {
			rv = errbuf_set(err, errlen, "%s:%d: expected "
			    "user:password", path, lineno);
			break;
		}
		ulen = colon - line;
		plen = len - ulen - 1;
		if (ulen < 1 || ulen > AUTH_USER_MAX || plen < 1 ||
		    plen > AUTH_PASS_MAX) {
			rv = errbuf_set(err, errlen, "%s:%d: user must be "
			    "1..%d and password 1..%d bytes", path, lineno,
			    AUTH_USER_MAX, AUTH_PASS_MAX);
			break;
		}
		for (i = 0; i < ulen; i++)
			if ((unsigned char)line[i] <= ' ' ||
			    (unsigned char)line[i] == 0x7f)
				break;
		if (i < ulen || memchr(colon + 1, '\0', plen) != NULL) {
			rv = errbuf_set(err, errlen, "%s:%d: no spaces or "
			    "control characters in a user name", path,
			    lineno);
			break;
		}
		for (i = 0; i < n; i++)
			if (strlen(list[i].ac_user) == ulen &&
			    memcmp(list[i].ac_user, line, ulen) == 0)
				break;
		if (i < n) {
			rv = errbuf_set(err, errlen, "%s:%d: user %.*s "
			    "listed twice", path, lineno, (int)ulen, line);
			break;
		}
		if (n >= AUTH_USERS_MAX) {
			rv = errbuf_set(err, errlen, "%s: more than %d "
			    "users", path, AUTH_USERS_MAX);
			break;
		}
		if ((nl = reallocarray(list, n + 1, sizeof(*list))) == NULL) {
			rv = errbuf_set(err, errlen, "%s", strerror(errno));
			break;
		}
		list = nl;
		ac = &list[n++];
		memset(ac, 0, sizeof(*ac));
		memcpy(ac->ac_user, line, ulen);
		arc4random_buf(ac->ac_salt, sizeof(ac->ac_salt));
		authfile_hash(ac->ac_salt, colon + 1, plen, ac->ac_hash);
	}
	if (rv == 0 && ferror(fp))
		rv = errbuf_set(err, errlen, "-Y %s: read error", path);
	if (rv == 0 && n == 0)
		rv = errbuf_set(err, errlen, "-Y %s: no users", path);
	/* Passwords go no further than this buffer. */
	if (line != NULL)
		explicit_bzero(line, cap);
	free(line);
	fclose(fp);
	if (rv == -1) {
		free(list);
		return (-1);
	}
	*creds = list;
	*ncreds = n;
	return (0);
}
