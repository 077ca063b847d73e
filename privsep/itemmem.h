/*
 * The item memory (parent only): created once, never mapped by the parent,
 * handed to each storage child so that the cache outlives any of them.
 */

#ifndef PRIVCACHED_ITEMMEM_H
#define PRIVCACHED_ITEMMEM_H

struct cache_conf;

/*
 * Creates the anonymous shared memory object of the item memory, sized
 * for conf and sealed against shrinking, or with path (-e) opens that
 * file, emptied unless it holds item memory of the same layout.  Returns
 * its descriptor (close-on-exec); fatal on error.  Sets cc_memlimit_kept
 * to the limit cache_memlimit gave the cache the memory holds (0: none).
 */
int	itemmem_create(struct cache_conf *, const char *path);
/*
 * After SIGUSR2: the item memory the previous image handed over (fd, or
 * -1 for none), if it still fits conf; else as itemmem_create.
 */
int	itemmem_adopt(int fd, struct cache_conf *, const char *path);
/*
 * Gives it back its size if someone changed it (where seals do not stop
 * that), before a new storage child maps it.
 */
void	itemmem_resize(int fd, const struct cache_conf *);

#endif /* PRIVCACHED_ITEMMEM_H */
