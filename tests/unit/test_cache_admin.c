/*
 * The storage child's answers to admin commands (cache/admin.c): key
 * listings in pieces, per-prefix counters, the memory limit, read back off
 * a real imsg channel as the net child reads them.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "admin.h"
#include "cache_test.h"
#include "compat.h"
#include "prefix.h"
#include "wire.h"

static struct imsgbuf	wr, rd;
static int		sv[2];

static void
setup(void)
{
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	cr_assert_eq(imsgbuf_init(&wr, sv[0]), 0);
	cr_assert_eq(imsgbuf_init(&rd, sv[1]), 0);
	cr_assert_eq(imsgbuf_set_maxsize(&wr, 4 * CACHE_ADMIN_CHUNK), 0);
	cr_assert_eq(imsgbuf_set_maxsize(&rd, 4 * CACHE_ADMIN_CHUNK), 0);
	prefix_clear();
	prefix_enable(0);
}

static void
teardown(void)
{
	imsgbuf_clear(&wr);
	imsgbuf_clear(&rd);
	close(sv[0]);
	close(sv[1]);
}

TestSuite(cache_admin, .init = setup, .fini = teardown);

/* Runs rq, then reads every answer: records counted, last header kept. */
static int
run(struct cache *c, const struct cache_admin_req *rq,
    struct cache_admin_hdr *last, char *keys, size_t keyssz)
{
	struct imsg		 m;
	struct cache_dump_item	 di;
	struct ibuf		 buf;
	const void		*p;
	uint32_t		 i;
	int			 msgs = 0, recs = 0;

	if (keys != NULL)
		keys[0] = '\0';
	cr_assert_eq(cache_admin_check(rq), 0);
	cache_admin(c, &wr, 77, rq);
	do {
		cr_assert_eq(imsgbuf_flush(&wr), 0);
		while (imsg_get(&rd, &m) == 0)
			cr_assert_eq(imsgbuf_read(&rd), 1);
		cr_assert_eq(imsg_get_type(&m), IMSG_CACHE_ADMIN);
		cr_assert_eq(imsg_get_id(&m), 77);
		cr_assert_eq(imsg_get_ibuf(&m, &buf), 0);
		cr_assert_eq(wire_get_bytes(&buf, sizeof(*last), &p), 0);
		memcpy(last, p, sizeof(*last));
		cr_assert_eq(last->ah_op, rq->ca_op);
		for (i = 0; i < last->ah_count && keys != NULL; i++) {
			cr_assert_eq(wire_get_bytes(&buf, sizeof(di), &p), 0);
			memcpy(&di, p, sizeof(di));
			cr_assert_eq(wire_get_bytes(&buf, di.di_nkey, &p), 0);
			if (strlen(keys) + di.di_nkey + 2 < keyssz) {
				strncat(keys, p, di.di_nkey);
				strcat(keys, " ");
			}
		}
		recs += last->ah_count;
		msgs++;
		imsg_free(&m);
	} while (last->ah_flags & CACHE_ADMIN_MORE);
	cr_assert_gt(msgs, 0);
	return (recs);
}

Test(cache_admin, listings)
{
	struct cache_conf	 cf = ct_conf_default();
	struct cache		*c = ct_mk(&cf);
	struct cache_admin_req	 rq;
	struct cache_admin_hdr	 h;
	char			 keys[256];
	unsigned int		 cls;
	int			 i;

	ct_set(c, "one", "1");
	ct_set(c, "two", "2");
	ct_store(c, CACHE_STORE_SET, "old", "3", 0, T0 - 10);
	memset(&rq, 0, sizeof(rq));
	rq.ca_op = CACHE_ADMIN_METADUMP;
	rq.ca_arg = 1;
	i = run(c, &rq, &h, keys, sizeof(keys));
	cr_assert_eq(i, 2, "expired items are not listed (%d: %s)", i, keys);
	cr_assert_eq(h.ah_status, CACHE_ADMIN_OK);
	cr_assert_str_eq(keys, "one two ");
	/* All three share the smallest class. */
	memset(&rq, 0, sizeof(rq));
	rq.ca_op = CACHE_ADMIN_CACHEDUMP;
	for (cls = 1; cls < 64 && run(c, &rq, &h, NULL, 0) == 0; cls++)
		rq.ca_class = cls;
	rq.ca_limit = 1;
	cr_assert_eq(run(c, &rq, &h, keys, sizeof(keys)), 1, "the limit");
	cr_assert_str_eq(keys, "one ");
	/* A class that does not exist. */
	memset(&rq, 0, sizeof(rq));
	rq.ca_op = CACHE_ADMIN_METADUMP;
	rq.ca_classes[63 / 8] = 1 << (63 % 8);
	cr_assert_eq(run(c, &rq, &h, NULL, 0), 0);
	cr_assert_eq(h.ah_status, CACHE_ADMIN_BADCLASS);
	cache_free(c);
}

/*
 * Thousands of keys: several messages, every key once (fewer than the
 * socket buffer holds: this test reads only after all are written).
 */
Test(cache_admin, listing_in_pieces)
{
	struct cache_conf	 cf = ct_conf_default();
	struct cache		*c = ct_mk(&cf);
	struct cache_admin_req	 rq;
	struct cache_admin_hdr	 h;
	char			 key[32];
	int			 i;

	for (i = 0; i < 2000; i++) {
		(void)snprintf(key, sizeof(key), "key:%d", i);
		cr_assert_eq(ct_set(c, key, "v"), CACHE_OK);
	}
	memset(&rq, 0, sizeof(rq));
	rq.ca_op = CACHE_ADMIN_METADUMP;
	rq.ca_arg = 1;
	i = run(c, &rq, &h, NULL, 0);
	cr_assert_eq(i, 2000, "%d", i);
	cache_free(c);
}

Test(cache_admin, detail_counters)
{
	struct cache_conf	 cf = ct_conf_default();
	struct cache		*c = ct_mk(&cf);
	struct cache_admin_req	 rq;
	struct cache_admin_hdr	 h;
	struct cache_req	 req;
	struct cache_rep	 rep;

	memset(&rq, 0, sizeof(rq));
	rq.ca_op = CACHE_ADMIN_DETAIL;
	rq.ca_arg = 1;
	run(c, &rq, &h, NULL, 0);
	cr_assert(prefix_enabled());
	memset(&req, 0, sizeof(req));
	memset(&rep, 0, sizeof(rep));
	req.cr_op = CACHE_OP_GET;
	req.cr_nkey = 5;
	rep.rp_status = CACHE_OK;
	prefix_record(&req, "foo:1", &rep);
	rep.rp_status = CACHE_MISS;
	prefix_record(&req, "foo:2", &rep);
	prefix_record(&req, "nocolon", &rep);
	req.cr_op = CACHE_OP_STORE;
	prefix_record(&req, "bar:1", &rep);
	memset(&rq, 0, sizeof(rq));
	rq.ca_op = CACHE_ADMIN_DETAIL_DUMP;
	cr_assert_eq(run(c, &rq, &h, NULL, 0), 2, "foo and bar");
	prefix_clear();
	cr_assert_eq(run(c, &rq, &h, NULL, 0), 0, "stats reset clears");
	cache_free(c);
}

Test(cache_admin, memlimit)
{
	struct cache_conf	 cf = ct_conf_default();
	struct cache		*c = ct_mk(&cf);
	struct cache_admin_req	 rq;
	struct cache_admin_hdr	 h;

	memset(&rq, 0, sizeof(rq));
	rq.ca_op = CACHE_ADMIN_MEMLIMIT;
	rq.ca_arg = 32;
	run(c, &rq, &h, NULL, 0);
	cr_assert_eq(h.ah_status, CACHE_ADMIN_OK, "shrinking");
	cr_assert_eq(ct_stat_get(c, CACHE_STATS_GENERAL, "limit_maxbytes"),
	    32LL << 20);
	rq.ca_arg = 64;
	run(c, &rq, &h, NULL, 0);
	cr_assert_eq(h.ah_status, CACHE_ADMIN_OK, "back up to -m");
	rq.ca_arg = 65;
	run(c, &rq, &h, NULL, 0);
	cr_assert_eq(h.ah_status, CACHE_ADMIN_REFUSED, "past the arena");
	rq.ca_arg = 4;
	run(c, &rq, &h, NULL, 0);
	cr_assert_eq(h.ah_status, CACHE_ADMIN_REFUSED, "under 8 MB");
	/* A malformed request is refused before anything runs. */
	rq.ca_op = CACHE_ADMIN_MAX;
	cr_assert_eq(cache_admin_check(&rq), -1);
	rq.ca_op = CACHE_ADMIN_CACHEDUMP;
	rq.ca_class = 256;
	cr_assert_eq(cache_admin_check(&rq), -1);
	cache_free(c);
}
