/*
 * Admin commands the storage child answers (IMSG_CACHE_ADMIN_REQ): key
 * listings, per-prefix counters, the memory limit.
 */

#ifndef PRIVCACHED_ADMIN_H
#define PRIVCACHED_ADMIN_H

#include <stdint.h>

#include "msg.h"

struct cache;
struct imsgbuf;

/* 0 if a request from a net child is well formed, else -1. */
int	cache_admin_check(const struct cache_admin_req *);
/* Answers a checked request with one IMSG_CACHE_ADMIN or more. */
void	cache_admin(struct cache *, struct imsgbuf *, uint32_t id,
	    const struct cache_admin_req *);

#endif /* PRIVCACHED_ADMIN_H */
