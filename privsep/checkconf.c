/*
 * The checks a start makes before it binds, and --check-config, which
 * makes them all and stops short of binding and serving.
 */

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <netdb.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tls.h>
#include <unistd.h>

#include "authfile.h"
#include "checkconf.h"
#include "compat.h"
#include "errbuf.h"
#include "log.h"
#include "tlsconf.h"
#include "tlsfiles.h"

static int	cannot(char *, size_t, const char *, ...)
		    __attribute__((__format__ (printf, 3, 4)));

/* The reason in err; CHECKCONF_CANNOT, for the caller to return. */
static int
cannot(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	(void)vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return (CHECKCONF_CANNOT);
}

int
checkconf_user(const struct config *conf, const char **user, char *err,
    size_t errlen)
{
	static const char *const candidates[] = {
		"_privcached", "privcached", "nobody"
	};
	struct passwd	*pw;
	size_t		 i;

	if (conf->c_user != NULL) {
		if ((pw = getpwnam(conf->c_user)) == NULL)
			return (cannot(err, errlen, "-u %s: no such user",
			    conf->c_user));
		if (pw->pw_uid == 0) {
			(void)errbuf_set(err, errlen, "-u %s: refusing to "
			    "run as a uid 0 account; name an unprivileged "
			    "user", conf->c_user);
			return (CHECKCONF_BAD);
		}
		*user = conf->c_user;
		return (CHECKCONF_OK);
	}
	for (i = 0; i < nitems(candidates); i++) {
		if ((pw = getpwnam(candidates[i])) != NULL &&
		    pw->pw_uid != 0) {
			*user = candidates[i];
			return (CHECKCONF_OK);
		}
	}
	return (cannot(err, errlen, "no -u given and none of _privcached, "
	    "privcached, nobody exists"));
}

/* A missing chroot: can the parent make it (as a start would)? */
static int
checkconf_chroot_missing(const char *dir, int create, char *err,
    size_t errlen)
{
	char	copy[PATH_MAX];

	if (create) {
		if (mkdir(dir, 0755) == -1)
			return (cannot(err, errlen, "cannot create chroot "
			    "directory %s: %s", dir, strerror(errno)));
		log_info("created chroot directory %s", dir);
		return (CHECKCONF_OK);
	}
	if (strlcpy(copy, dir, sizeof(copy)) >= sizeof(copy))
		return (cannot(err, errlen, "chroot %s: name too long", dir));
	if (access(dirname(copy), W_OK) == -1)
		return (cannot(err, errlen, "chroot %s does not exist and "
		    "cannot be created: %s", dir, strerror(errno)));
	return (CHECKCONF_OK);
}

int
checkconf_chroot(const char *dir, int create, char *err, size_t errlen)
{
	struct stat	 st;
	struct dirent	*de;
	DIR		*d;
	int		 rv = CHECKCONF_OK;

	if (stat(dir, &st) == -1) {
		if (errno != ENOENT)
			return (cannot(err, errlen, "chroot directory %s: "
			    "%s", dir, strerror(errno)));
		if ((rv = checkconf_chroot_missing(dir, create, err,
		    errlen)) != CHECKCONF_OK || !create)
			return (rv);
		if (stat(dir, &st) == -1)
			return (cannot(err, errlen, "chroot directory %s: "
			    "%s", dir, strerror(errno)));
	}
	if (!S_ISDIR(st.st_mode))
		return (cannot(err, errlen, "chroot %s: not a directory",
		    dir));
	if (st.st_uid != 0)
		return (cannot(err, errlen, "chroot %s: not owned by root",
		    dir));
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
		return (cannot(err, errlen, "chroot %s: writable by group "
		    "or others", dir));
	if ((d = opendir(dir)) == NULL)
		return (cannot(err, errlen, "chroot %s: %s", dir,
		    strerror(errno)));
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0) {
			rv = cannot(err, errlen, "chroot %s: not empty (%s)",
			    dir, de->d_name);
			break;
		}
	}
	closedir(d);
	return (rv);
}

/* Ask the host to resolve -l host and take an ephemeral port on it. */
static int
checkconf_address(const char *host, char *err, size_t errlen)
{
	struct addrinfo	 hints, *res, *ai;
	int		 rv, fd, found = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	/* No service: port 0 leaves the real port to the start. */
	if ((rv = getaddrinfo(host, NULL, &hints, &res)) != 0)
		return (cannot(err, errlen, "-l %s: %s", host,
		    gai_strerror(rv)));
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
			continue;
		found = 1;
		/* Binding an ephemeral port asks: is it this host's? */
		if ((fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC,
		    0)) == -1 || bind(fd, ai->ai_addr, ai->ai_addrlen) == -1) {
			rv = cannot(err, errlen, "-l %s: %s", host,
			    strerror(errno));
			if (fd != -1)
				close(fd);
			freeaddrinfo(res);
			return (rv);
		}
		close(fd);
	}
	freeaddrinfo(res);
	if (!found)
		return (cannot(err, errlen, "-l %s: no IPv4 or IPv6 address",
		    host));
	return (CHECKCONF_OK);
}

/* A file the parent creates (-P, -s): its directory must take it. */
static int
checkconf_creatable(const char *flag, const char *path, char *err,
    size_t errlen)
{
	char	copy[PATH_MAX];

	if (strlcpy(copy, path, sizeof(copy)) >= sizeof(copy))
		return (cannot(err, errlen, "%s %s: name too long", flag,
		    path));
	if (access(dirname(copy), W_OK) == -1)
		return (cannot(err, errlen, "%s %s: cannot create it: %s",
		    flag, path, strerror(errno)));
	return (CHECKCONF_OK);
}

static void
checkconf_report(int rv, const char *err, int *worst)
{
	if (rv == CHECKCONF_OK)
		return;
	fprintf(stderr, "privcached: %s\n", err);
	if (rv > *worst)
		*worst = rv;
}

/*
 * The TLS files as the net child will judge them: the one context built
 * in the parent's code, for --check-config only, which serves nothing
 * (tests/calls.py --only keeps every other parent file from it).
 */
static int
checkconf_tls(const struct config *conf, char *err, size_t errlen)
{
	struct tls_files	 tf;
	struct tls_pem_set	 ps;
	struct tls		*ctx;
	size_t			 i;

	memset(&tf, 0, sizeof(tf));
	if (tlsfiles_load(conf, conf, &tf, err, errlen) == -1)
		return (CHECKCONF_CANNOT);
	for (i = 0; i < TLS_PEM_MAX; i++) {
		ps.tps_pem[i] = tf.tf_pem[i];
		ps.tps_len[i] = tf.tf_len[i];
	}
	ctx = tlsconf_server(&tf.tf_params, &ps, err, errlen);
	tlsfiles_clear(&tf);
	if (ctx == NULL)
		return (CHECKCONF_CANNOT);
	tls_free(ctx);
	return (CHECKCONF_OK);
}

void
checkconf_run(const struct config *conf)
{
	struct auth_cred	*creds;
	const char		*user;
	char			 err[512];
	size_t			 i, ncreds;
	int			 worst = CHECKCONF_OK;

	for (i = 0; i < conf->c_nnotes; i++)
		fprintf(stderr, "privcached: %s\n", conf->c_notes[i]);
	if (geteuid() == 0) {
		checkconf_report(checkconf_user(conf, &user, err,
		    sizeof(err)), err, &worst);
		checkconf_report(checkconf_chroot(conf->c_chroot, 0, err,
		    sizeof(err)), err, &worst);
	} else
		fprintf(stderr, "privcached: not run as root: the children "
		    "would keep uid %u and run without chroot%s\n",
		    (unsigned)geteuid(), conf->c_user != NULL ?
		    "; -u ignored" : "");
	if (conf->c_unix_path != NULL)
		checkconf_report(checkconf_creatable("-s", conf->c_unix_path,
		    err, sizeof(err)), err, &worst);
	else
		for (i = 0; i < conf->c_nlisten; i++)
			checkconf_report(checkconf_address(
			    conf->c_listen[i].ls_host, err, sizeof(err)), err,
			    &worst);
	if (conf->c_pidfile != NULL)
		checkconf_report(checkconf_creatable("-P", conf->c_pidfile,
		    err, sizeof(err)), err, &worst);
	if (conf->c_auth_file != NULL) {
		if (authfile_load(conf->c_auth_file, &creds, &ncreds, err,
		    sizeof(err)) == -1)
			checkconf_report(CHECKCONF_CANNOT, err, &worst);
		else {
			explicit_bzero(creds, ncreds * sizeof(*creds));
			free(creds);
		}
	}
	if (conf->c_net.nc_tls)
		checkconf_report(checkconf_tls(conf, err, sizeof(err)), err,
		    &worst);
	if (worst == CHECKCONF_OK)
		printf("privcached: configuration OK\n");
	exit(worst);
}
