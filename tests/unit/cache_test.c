/*
 * Helpers shared by the cache engine's unit tests (see cache_test.h).
 */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "cache_test.h"

struct cache_conf
ct_conf_default(void)
{
	struct cache_conf	 cf;

	memset(&cf, 0, sizeof(cf));
	cf.cc_maxbytes = 64ULL * 1024 * 1024;
	cf.cc_item_size_max = 1024 * 1024;
	cf.cc_chunk_min = 48;
	cf.cc_slab_page_size = 1024 * 1024;
	cf.cc_slab_chunk_max = 512 * 1024;
	cf.cc_factor = 1.25;
	cf.cc_evict = 1;
	cf.cc_cas = 1;
	return (cf);
}

struct cache *
ct_mk(const struct cache_conf *cf)
{
	struct cache	*c;

	c = cache_new(cf);
	cr_assert_not_null(c, "cache_new: %s", strerror(errno));
	cache_set_time(c, T0);
	return (c);
}

struct cache_req
ct_req(uint8_t op, uint8_t mode, uint16_t opts)
{
	struct cache_req	 rq;

	memset(&rq, 0, sizeof(rq));
	rq.cr_op = op;
	rq.cr_mode = mode;
	rq.cr_opts = opts;
	rq.cr_connid = 77;
	return (rq);
}

/* Runs rq on key (and value); copies a returned value, NUL-ended, to out. */
struct cache_rep
ct_run(struct cache *c, struct cache_req *rq, const char *key, const void *val,
    char *out, size_t outsz)
{
	struct cache_rep	 rp;
	const struct item	*it;

	rq->cr_nkey = (uint32_t)strlen(key);
	cache_exec(c, rq, key, val, &rp, &it);
	cr_assert_eq(rp.rp_connid, rq->cr_connid);
	if (rp.rp_nvalue > 0 || rp.rp_nkey > 0)
		cr_assert_not_null(it);
	else
		cr_assert_null(it);
	if (rp.rp_nkey > 0)
		cr_assert(memcmp(item_key(it), key, rp.rp_nkey) == 0);
	if (out != NULL) {
		out[0] = '\0';
		if (rp.rp_nvalue > 0) {
			cr_assert(rp.rp_nvalue < outsz);
			item_value_copy(it, out);
			out[rp.rp_nvalue] = '\0';
		}
	}
	return (rp);
}

int
ct_store(struct cache *c, uint8_t mode, const char *key, const char *val,
    uint32_t flags, int64_t exptime)
{
	struct cache_req	 rq = ct_req(CACHE_OP_STORE, mode, 0);
	struct cache_rep	 rp;

	rq.cr_nvalue = (uint32_t)strlen(val);
	rq.cr_flags = flags;
	rq.cr_exptime = exptime;
	rp = ct_run(c, &rq, key, val, NULL, 0);
	return (rp.rp_status);
}

int
ct_set(struct cache *c, const char *key, const char *val)
{
	return (ct_store(c, CACHE_STORE_SET, key, val, 0, 0));
}

/* GET with value; returns the status, value in out. */
int
ct_get(struct cache *c, const char *key, char *out, size_t outsz)
{
	struct cache_req	 rq;

	rq = ct_req(CACHE_OP_GET, 0, CACHE_OPT_WANT_VALUE);

	return (ct_run(c, &rq, key, NULL, out, outsz).rp_status);
}

void
ct_stat_cb(void *arg, const char *name, const char *value)
{
	struct ct_statbuf	*sb = arg;

	cr_assert(strlen(name) < CACHE_STAT_NAME_MAX);
	cr_assert(strlen(value) < CACHE_STAT_VALUE_MAX);
	if (sb->n >= 256)
		return;
	strlcpy(sb->names[sb->n], name, CACHE_STAT_NAME_MAX);
	strlcpy(sb->values[sb->n], value, CACHE_STAT_VALUE_MAX);
	sb->n++;
}

/* Returns a general (or other kind) stat as a number, -1 if absent. */
long long
ct_stat_get(struct cache *c, enum cache_stats_kind kind, const char *name)
{
	static struct ct_statbuf	 sb;
	int			 i;

	sb.n = 0;
	cache_stats(c, kind, ct_stat_cb, &sb);
	for (i = 0; i < sb.n; i++)
		if (strcmp(sb.names[i], name) == 0)
			return (strtoll(sb.values[i], NULL, 10));
	return (-1);
}
