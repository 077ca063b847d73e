/*
 * Admin commands the storage child answers: stats cachedump and
 * lru_crawler metadump (key listings), stats detail (per-prefix counters)
 * and cache_memlimit.  Listings go out as records in messages of about
 * CACHE_ADMIN_CHUNK bytes; the net child formats them as memcached does.
 */

#include <sys/types.h>

#include <stdint.h>
#include <string.h>

#include "admin.h"
#include "cache.h"
#include "compat.h"
#include "log.h"
#include "prefix.h"
#include "wire.h"

/* Memory limits cache_memlimit accepts, in MB, as memcached. */
#define ADMIN_MEMLIMIT_MIN	8
#define ADMIN_MEMLIMIT_MAX	1000000000U

struct admin_out {
	struct imsgbuf	*ao_ibuf;
	uint32_t	 ao_id;
	uint32_t	 ao_op;
	struct ibuf	*ao_buf;
	size_t		 ao_hdr_off;
	struct cache_admin_hdr ao_hdr;
	uint32_t	 ao_left;	/* records still allowed, 0: any */
	int		 ao_limited;
};

static void
admin_open(struct admin_out *ao)
{
	memset(&ao->ao_hdr, 0, sizeof(ao->ao_hdr));
	ao->ao_hdr.ah_op = ao->ao_op;
	if ((ao->ao_buf = imsg_create(ao->ao_ibuf, IMSG_CACHE_ADMIN,
	    ao->ao_id, 0, CACHE_ADMIN_CHUNK + 512)) == NULL)
		fatal("imsg_create admin");
	ao->ao_hdr_off = ibuf_size(ao->ao_buf);
	if (ibuf_add(ao->ao_buf, &ao->ao_hdr, sizeof(ao->ao_hdr)) == -1)
		fatal("admin header");
}

/* Closes the message under way; more says another follows. */
static void
admin_close(struct admin_out *ao, uint32_t status, int more)
{
	ao->ao_hdr.ah_status = status;
	ao->ao_hdr.ah_flags = more ? CACHE_ADMIN_MORE : 0;
	if (ibuf_set(ao->ao_buf, ao->ao_hdr_off, &ao->ao_hdr,
	    sizeof(ao->ao_hdr)) == -1)
		fatal("admin header");
	imsg_close(ao->ao_ibuf, ao->ao_buf);
	ao->ao_buf = NULL;
}

/* Adds one record (a fixed part and its name); a full message goes. */
static void
admin_add(struct admin_out *ao, const void *rec, size_t len,
    const void *name, size_t nlen)
{
	if (ibuf_size(ao->ao_buf) - ao->ao_hdr_off > CACHE_ADMIN_CHUNK) {
		admin_close(ao, CACHE_ADMIN_OK, 1);
		admin_open(ao);
	}
	if (ibuf_add(ao->ao_buf, rec, len) == -1 ||
	    ibuf_add(ao->ao_buf, name, nlen) == -1)
		fatal("admin record");
	ao->ao_hdr.ah_count++;
}

static int
admin_item(void *arg, const struct cache_item_info *ii)
{
	struct admin_out	*ao = arg;
	struct cache_dump_item	 di;

	memset(&di, 0, sizeof(di));
	di.di_exptime = ii->ii_exptime;
	di.di_atime = ii->ii_atime;
	di.di_cas = ii->ii_cas;
	di.di_size = ii->ii_size;
	di.di_nbytes = ii->ii_nbytes;
	di.di_nkey = (uint8_t)ii->ii_nkey;
	di.di_clsid = (uint8_t)ii->ii_clsid;
	di.di_fetched = ii->ii_fetched != 0;
	admin_add(ao, &di, sizeof(di), ii->ii_key, ii->ii_nkey);
	if (ao->ao_limited && --ao->ao_left == 0)
		return (1);
	return (0);
}

static int
admin_prefix(void *arg, const char *name, size_t len,
    const struct cache_prefix_stat *st)
{
	admin_add(arg, st, sizeof(*st), name, len);
	return (0);
}

int
cache_admin_check(const struct cache_admin_req *rq)
{
	if (rq->ca_op >= CACHE_ADMIN_MAX)
		return (-1);
	if ((rq->ca_op == CACHE_ADMIN_DETAIL ||
	    rq->ca_op == CACHE_ADMIN_METADUMP) && rq->ca_arg > 1)
		return (-1);
	if (rq->ca_op == CACHE_ADMIN_CACHEDUMP &&
	    rq->ca_class >= CACHE_CLASSES_MAX)
		return (-1);
	return (0);
}

void
cache_admin(struct cache *c, struct imsgbuf *ibuf, uint32_t id,
    const struct cache_admin_req *rq)
{
	struct admin_out	ao;
	unsigned int		cls, n = cache_nclasses(c);
	uint32_t		status = CACHE_ADMIN_OK;

	memset(&ao, 0, sizeof(ao));
	ao.ao_ibuf = ibuf;
	ao.ao_id = id;
	ao.ao_op = rq->ca_op;
	admin_open(&ao);
	switch (rq->ca_op) {
	case CACHE_ADMIN_CACHEDUMP:
		/* As memcached: a class without items lists nothing. */
		ao.ao_left = rq->ca_limit;
		ao.ao_limited = rq->ca_limit != 0;
		cache_walk(c, rq->ca_class, admin_item, &ao);
		break;
	case CACHE_ADMIN_METADUMP:
		for (cls = 1; cls < CACHE_CLASSES_MAX && !rq->ca_arg; cls++) {
			if (!(rq->ca_classes[cls / 8] & (1 << (cls % 8))))
				continue;
			if (cls > n) {
				status = CACHE_ADMIN_BADCLASS;
				break;
			}
		}
		if (status != CACHE_ADMIN_OK)
			break;
		for (cls = 1; cls <= n; cls++)
			if (rq->ca_arg ||
			    (rq->ca_classes[cls / 8] & (1 << (cls % 8))))
				cache_walk(c, cls, admin_item, &ao);
		break;
	case CACHE_ADMIN_DETAIL:
		prefix_enable(rq->ca_arg);
		break;
	case CACHE_ADMIN_DETAIL_DUMP:
		prefix_walk(admin_prefix, &ao);
		break;
	case CACHE_ADMIN_MEMLIMIT:
		if (rq->ca_arg < ADMIN_MEMLIMIT_MIN ||
		    rq->ca_arg > ADMIN_MEMLIMIT_MAX ||
		    cache_set_maxbytes(c, (uint64_t)rq->ca_arg * 1024 *
		    1024) == -1)
			status = CACHE_ADMIN_REFUSED;
		else
			log_info("memory limit set to %u MB", rq->ca_arg);
		break;
	}
	admin_close(&ao, status, 0);
}
