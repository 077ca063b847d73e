/*
 * Helpers shared by the cache engine's unit tests: a default
 * configuration, a cache at a fixed clock, and requests run the way
 * cache/storage.c runs them.
 */

#ifndef PRIVCACHED_CACHE_TEST_H
#define PRIVCACHED_CACHE_TEST_H

#include <stddef.h>
#include <stdint.h>

#include "cache.h"
#include "msg.h"

#define T0	1700000000LL

struct ct_statbuf {
	char	names[256][CACHE_STAT_NAME_MAX];
	char	values[256][CACHE_STAT_VALUE_MAX];
	int	n;
};

/* -m 64, 1 MB items, -n 48, -f 1.25, evictions and CAS on. */
struct cache_conf	ct_conf_default(void);
/* A cache from cf with its clock at T0; fails the test on error. */
struct cache		*ct_mk(const struct cache_conf *);
/* A request with op, mode and options set, the rest zero. */
struct cache_req	ct_req(uint8_t op, uint8_t mode, uint16_t opts);
/* Runs rq on key (and value); a returned value, NUL-ended, in out. */
struct cache_rep	ct_run(struct cache *, struct cache_req *,
			    const char *key, const void *val, char *out,
			    size_t outsz);
/* A store in mode: the reply status. */
int			ct_store(struct cache *, uint8_t mode, const char *key,
			    const char *val, uint32_t flags, int64_t exptime);
int			ct_set(struct cache *, const char *key,
			    const char *val);
/* GET with value: the status, the value in out. */
int			ct_get(struct cache *, const char *key, char *out,
			    size_t outsz);
void			ct_stat_cb(void *, const char *, const char *);
/* A stat of kind as a number, -1 if absent. */
long long		ct_stat_get(struct cache *, enum cache_stats_kind,
			    const char *name);

#endif
