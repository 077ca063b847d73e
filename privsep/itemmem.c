/*
 * Creates the item memory (parent only).  Linux: a memfd, sealed so that
 * nobody (a compromised storage child included) can shrink it under a
 * later storage child's mapping, which would turn its reads into SIGBUS.
 * OpenBSD: shm_mkstemp(3) and at once shm_unlink(3), so that only the
 * descriptor names it.  OpenBSD has no seals: the parent sets the size
 * again before each storage child gets the descriptor.  With -e, a
 * regular file the parent opens as root instead, so that the cache also
 * outlives the daemon.
 */

#include <sys/types.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "msg.h"
#include "itemmem.h"
#include "region.h"

#ifdef __OpenBSD__
static int
itemmem_object(void)
{
	char	 path[] = "/tmp/privcached-items.XXXXXXXXXX";
	int	 fd;

	if ((fd = shm_mkstemp(path)) == -1)
		fatal("shm_mkstemp");
	if (shm_unlink(path) == -1)
		fatal("shm_unlink %s", path);
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) == -1)
		fatal("item memory: FD_CLOEXEC");
	return (fd);
}
#else
static int
itemmem_object(void)
{
	int	 fd;

	if ((fd = memfd_create("privcached-items",
	    MFD_CLOEXEC | MFD_ALLOW_SEALING)) == -1)
		fatal("memfd_create");
	return (fd);
}
#endif

/*
 * -e: the file, opened as root before anything runs unprivileged.  Only
 * the first page (the header) is read here, to say in the log whether a
 * cache comes back; storage checks the rest as it reads it.
 */
static int
itemmem_file(const char *path, const struct cache_conf *conf,
    const struct region_layout *rl)
{
	struct region_hdr	 want, h;
	struct stat		 st;
	ssize_t			 n;
	int			 fd;

	if ((fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0600)) == -1)
		fatal("-e %s", path);
	if (fstat(fd, &st) == -1)
		fatal("-e %s: fstat", path);
	if (!S_ISREG(st.st_mode))
		fatalx("-e %s: not a regular file", path);
	/* Whoever may write it decides what storage reads back. */
	if (st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH)))
		fatalx("-e %s: writable by another user", path);
	region_hdr_make(conf, rl, &want);
	memset(&h, 0, sizeof(h));
	if (st.st_size == 0)
		log_info("-e %s: new item memory", path);
	else if ((n = pread(fd, &h, sizeof(h), 0)) == -1)
		fatal("-e %s: read", path);
	else if ((uint64_t)st.st_size == rl->rl_size &&
	    (size_t)n == sizeof(h) && h.rh_magic == REGION_MAGIC &&
	    region_hdr_match(&h, &want))
		log_info("-e %s: reading the cache back", path);
	else {
		/* Never read with the wrong layout: empty it. */
		log_warnx("-e %s: written with other -m, -I, -n, -f, -C or "
		    "by another version: starting empty", path);
		if (ftruncate(fd, 0) == -1)
			fatal("-e %s: ftruncate", path);
	}
	return (fd);
}

/*
 * The limit cache_memlimit gave the cache fd holds (from the image before
 * an upgrade, or a daemon before with -e): storage keeps it as it reads
 * the cache back, so net says it in stats settings too.  Checked as
 * storage checks it (recover.c); 0 if there is none.
 */
static uint64_t
itemmem_limit(int fd, const struct cache_conf *conf,
    const struct region_layout *rl)
{
	struct region_hdr	 want, h;
	uint64_t		 pages;

	region_hdr_make(conf, rl, &want);
	if (pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h) ||
	    h.rh_magic != REGION_MAGIC || !region_hdr_match(&h, &want))
		return (0);
	pages = h.rh_limit / conf->cc_slab_page_size;
	if (pages == 0 || pages > rl->rl_npages)
		return (0);
	return (h.rh_limit);
}

int
itemmem_create(struct cache_conf *conf, const char *path)
{
	struct region_layout	 rl;
	int			 fd;

	if (region_layout(conf, &rl) == -1)
		fatal("item memory of %llu bytes",
		    (unsigned long long)conf->cc_maxbytes);
	if (path != NULL)
		fd = itemmem_file(path, conf, &rl);
	else
		fd = itemmem_object();
	if (rl.rl_size > INT64_MAX || ftruncate(fd, (off_t)rl.rl_size) == -1)
		fatal("item memory: %llu bytes",
		    (unsigned long long)rl.rl_size);
#ifdef F_ADD_SEALS
	if (path == NULL && fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK |
	    F_SEAL_GROW | F_SEAL_SEAL) == -1)
		fatal("item memory: seals");
#endif
	conf->cc_memlimit_kept = itemmem_limit(fd, conf, &rl);
	return (fd);
}

void
itemmem_resize(int fd, const struct cache_conf *conf)
{
	struct region_layout	 rl;
	struct stat		 st;

	if (region_layout(conf, &rl) == -1)
		fatal("item memory layout");
	if (fstat(fd, &st) == -1)
		fatal("item memory: fstat");
	if ((uint64_t)st.st_size == rl.rl_size)
		return;
	log_warnx("item memory was resized to %lld bytes; restoring it",
	    (long long)st.st_size);
	if (ftruncate(fd, (off_t)rl.rl_size) == -1)
		fatal("item memory: ftruncate");
}

int
itemmem_adopt(int fd, struct cache_conf *conf, const char *path)
{
	struct region_layout	 rl;
	struct stat		 st;

	if (fd == -1)
		return (itemmem_create(conf, path));
	/* -e: the file says what it holds; open it as at any start. */
	if (path != NULL) {
		close(fd);
		return (itemmem_create(conf, path));
	}
	if (region_layout(conf, &rl) == -1 || fstat(fd, &st) == -1 ||
	    (uint64_t)st.st_size != rl.rl_size) {
		log_warnx("the item memory handed over has another size: "
		    "starting empty");
		close(fd);
		return (itemmem_create(conf, NULL));
	}
	conf->cc_memlimit_kept = itemmem_limit(fd, conf, &rl);
	return (fd);
}
