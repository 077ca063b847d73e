/*
 * Unit tests for watch evictions without a daemon: the cache's eviction
 * hook (cache/lru.c), storage's bounded reports (cache/evreport.c) and
 * the net child's check of them (net/watch.c watch_evicted).
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache_test.h"
#include "evreport.h"
#include "imsgev.h"
#include "net.h"
#include "wire.h"

#define VLEN	1000

static struct cache_eviction	seen[64];
static char			seen_key[64][KEY_MAX_LENGTH + 1];
static int			nseen;

static void
record(void *arg, const struct cache_eviction *ev, const void *key)
{
	(void)arg;
	if (nseen < 64) {
		seen[nseen] = *ev;
		memcpy(seen_key[nseen], key, ev->ev_nkey);
		seen_key[nseen][ev->ev_nkey] = '\0';
	}
	nseen++;
}

/* A 2 MB cache, every store from about the 1,500th one evicting. */
static struct cache *
small_cache(void)
{
	struct cache_conf	cf = ct_conf_default();

	cf.cc_maxbytes = 2 * 1024 * 1024;
	return (ct_mk(&cf));
}

static void
fill(struct cache *c, const char *prefix, int n, int64_t exptime)
{
	static char	value[VLEN + 1];
	char		key[64];
	int		i;

	memset(value, 'v', VLEN);
	for (i = 0; i < n; i++) {
		(void)snprintf(key, sizeof(key), "%s%d", prefix, i);
		cr_assert_eq(ct_store(c, CACHE_STORE_SET, key, value, 0,
		    exptime), CACHE_OK);
	}
}

Test(watch_report, the_hook_sees_each_eviction_as_memcached_logs_it)
{
	struct cache	*c = small_cache();
	char		 out[VLEN + 1];
	long long	 evicted;

	fill(c, "old,", 1500, T0 + 1000);
	evicted = ct_stat_get(c, CACHE_STATS_GENERAL, "evictions");
	/* Read, the oldest gets a second chance: the next one goes first. */
	cr_assert_eq(ct_get(c, "old,0", out, sizeof(out)), CACHE_OK);
	nseen = 0;
	cache_on_evict(c, record, NULL);
	fill(c, "new,", 400, 0);
	cr_assert_eq(nseen, ct_stat_get(c, CACHE_STATS_GENERAL, "evictions") -
	    evicted, "one call an eviction");
	cr_assert_gt(nseen, 0);
	cr_assert_str_eq(seen_key[0], "old,1");
	cr_assert_eq(seen[0].ev_nkey, 5);
	cr_assert_eq(seen[0].ev_fetched, 0);
	cr_assert_eq(seen[0].ev_ttl, 1000);
	cr_assert_eq(seen[0].ev_nbytes, VLEN);
	cr_assert_neq(seen[0].ev_clsid, 0);
	/* Off again: the next evictions call nothing. */
	cache_on_evict(c, NULL, NULL);
	nseen = 0;
	fill(c, "more,", 400, 0);
	cr_assert_eq(nseen, 0);
	cache_free(c);
}

/* Reads one IMSG_CACHE_EVICTED off fd: its header, the records' bytes. */
static size_t
read_report(struct imsgbuf *rd, struct cache_evicted_hdr *eh)
{
	struct imsg	m;
	struct ibuf	buf;
	size_t		len;
	ssize_t		n;

	while ((n = imsg_get(rd, &m)) == 0)
		cr_assert_eq(imsgbuf_read(rd), 1);
	cr_assert_gt(n, 0);
	cr_assert_eq(imsg_get_type(&m), IMSG_CACHE_EVICTED);
	len = imsg_get_len(&m);
	cr_assert_geq(len, sizeof(*eh));
	cr_assert_leq(len, sizeof(*eh) + CACHE_EVICTED_MAX);
	cr_assert_eq(imsg_get_ibuf(&m, &buf), 0);
	cr_assert_eq(ibuf_get(&buf, eh, sizeof(*eh)), 0);
	imsg_free(&m);
	return (len - sizeof(*eh));
}

Test(watch_report, reports_are_bounded_and_only_while_asked)
{
	struct cache			*c = small_cache();
	struct cache_evicted_hdr	 eh;
	struct imsgev			 iev;
	struct imsgbuf			 rd;
	int				 sv[2];
	size_t				 len;

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	cr_assert_eq(imsgev_init(&iev, sv[0], NULL, NULL), 0);
	/* As storage's data channel: an item's size and more. */
	cr_assert_eq(imsgbuf_set_maxsize(&iev.iev_ibuf,
	    2 * CACHE_EVICTED_MAX), 0);
	cr_assert_eq(imsgbuf_init(&rd, sv[1]), 0);
	cr_assert_eq(imsgbuf_set_maxsize(&rd, 2 * CACHE_EVICTED_MAX), 0);
	/* Nobody asked: nothing gathered. */
	fill(c, "a,", 2500, 0);
	cr_assert_not(evreport_pending());
	/* Unknown wishes and channels are refused. */
	cr_assert_eq(evreport_want(c, 3, 0x8000), -1);
	cr_assert_eq(evreport_want(c, NET_CHILDREN_MAX, CACHE_WATCH_EVICTIONS),
	    -1);
	cr_assert_not(evreport_pending());

	cr_assert_eq(evreport_want(c, 3, CACHE_WATCH_EVICTIONS), 0);
	fill(c, "b,", 10, 0);
	cr_assert(evreport_pending());
	/* A full queue keeps them for later. */
	evreport_flush(3, &iev, 1);
	cr_assert_eq(imsgbuf_queuelen(&iev.iev_ibuf), 0);
	evreport_flush(3, &iev, 0);
	cr_assert_not(evreport_pending());
	cr_assert_eq(imsgbuf_flush(&iev.iev_ibuf), 0);
	len = read_report(&rd, &eh);
	cr_assert_eq(eh.eh_count, 10);
	cr_assert_eq(eh.eh_dropped, 0);
	/* The evicted "a,N": records of 3 to 6 key bytes. */
	cr_assert_geq(len, 10 * (sizeof(struct cache_eviction) + 3));
	cr_assert_leq(len, 10 * (sizeof(struct cache_eviction) + 6));

	/* A flood between two sends: what does not fit is only counted. */
	fill(c, "c,", 5000, 0);
	evreport_flush(3, &iev, 0);
	cr_assert_eq(imsgbuf_flush(&iev.iev_ibuf), 0);
	len = read_report(&rd, &eh);
	cr_assert_leq(len, CACHE_EVICTED_MAX);
	cr_assert_gt(eh.eh_dropped, 0);
	cr_assert_eq(eh.eh_count + eh.eh_dropped, 5000);

	/* No longer asked: what waited is dropped, nothing more comes. */
	fill(c, "d,", 10, 0);
	cr_assert_eq(evreport_want(c, 3, 0), 0);
	cr_assert_not(evreport_pending());
	fill(c, "e,", 100, 0);
	cr_assert_not(evreport_pending());
	imsgbuf_clear(&iev.iev_ibuf);
	imsgbuf_clear(&rd);
	close(sv[0]);
	close(sv[1]);
	cache_free(c);
}

/* A report as storage might send it, through a channel, to check. */
static int
check_report(const void *p, size_t len)
{
	struct imsgbuf	wr, rd;
	struct imsg	m;
	int		sv[2], rv;
	ssize_t		n;

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	cr_assert_eq(imsgbuf_init(&wr, sv[0]), 0);
	cr_assert_eq(imsgbuf_init(&rd, sv[1]), 0);
	cr_assert_eq(imsgbuf_set_maxsize(&rd, 2 * CACHE_EVICTED_MAX), 0);
	cr_assert_eq(imsgbuf_set_maxsize(&wr, 2 * CACHE_EVICTED_MAX), 0);
	cr_assert_eq(imsg_compose(&wr, IMSG_CACHE_EVICTED, 0, 0, -1, p, len),
	    1);
	cr_assert_eq(imsgbuf_flush(&wr), 0);
	while ((n = imsg_get(&rd, &m)) == 0)
		cr_assert_eq(imsgbuf_read(&rd), 1);
	cr_assert_gt(n, 0);
	rv = watch_evicted(&m);
	imsg_free(&m);
	imsgbuf_clear(&wr);
	imsgbuf_clear(&rd);
	close(sv[0]);
	close(sv[1]);
	return (rv);
}

/* One record with key "k,1" after a header saying count and dropped. */
static size_t
report(uint8_t *buf, uint32_t count, uint8_t nkey, uint8_t fetched)
{
	struct cache_evicted_hdr	eh = { count, 7 };
	struct cache_eviction		ev;
	size_t				n = 0;

	memset(&ev, 0, sizeof(ev));
	ev.ev_ttl = -1;
	ev.ev_nkey = nkey;
	ev.ev_clsid = 5;
	ev.ev_fetched = fetched;
	memcpy(buf, &eh, sizeof(eh));
	n += sizeof(eh);
	memcpy(buf + n, &ev, sizeof(ev));
	n += sizeof(ev);
	memset(buf + n, 'k', nkey);
	return (n + nkey);
}

/* Net takes storage's reports no more on trust than a client's bytes. */
Test(watch_report, net_checks_every_report)
{
	uint8_t	buf[sizeof(struct cache_evicted_hdr) +
		    sizeof(struct cache_eviction) + 256 + 8];
	size_t	n;

	n = report(buf, 1, 3, 1);
	cr_assert_eq(check_report(buf, n), 0);
	/* Only dropped ones. */
	(void)report(buf, 0, 3, 0);
	cr_assert_eq(check_report(buf, sizeof(struct cache_evicted_hdr)), 0);
	n = report(buf, 2, 3, 0);
	cr_assert_eq(check_report(buf, n), -1, "a record missing");
	n = report(buf, 1, 3, 0);
	cr_assert_eq(check_report(buf, n - 1), -1, "a key cut short");
	cr_assert_eq(check_report(buf, n + 1), -1, "bytes after the last");
	n = report(buf, 1, 0, 0);
	cr_assert_eq(check_report(buf, n), -1, "no key");
	n = report(buf, 1, 251, 0);
	cr_assert_eq(check_report(buf, n), -1, "a key past 250 bytes");
	n = report(buf, 1, 3, 2);
	cr_assert_eq(check_report(buf, n), -1, "fetched neither 0 nor 1");
	cr_assert_eq(check_report(buf, 4), -1, "no whole header");
}
