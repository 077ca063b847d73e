/*
 * stats detail (storage child): per-prefix counters.  A key's prefix is
 * what comes before its first ':' (memcached's default -D); keys without
 * one are not counted, as in memcached.  Storage counts rather than the
 * net children so that one dump covers the whole daemon.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "prefix.h"

#define PREFIX_DELIM	':'
#define PREFIX_BUCKETS	1024

struct prefix {
	struct prefix		*pf_next;
	struct cache_prefix_stat pf_st;
	char			 pf_name[CACHE_PREFIX_MAX];
};

static struct prefix	*prefix_tab[PREFIX_BUCKETS];
static size_t		 prefix_count;
static int		 prefix_on;

void
prefix_enable(int on)
{
	prefix_on = on;
}

int
prefix_enabled(void)
{
	return (prefix_on);
}

static unsigned int
prefix_hash(const char *s, size_t len)
{
	unsigned int	h = 5381;

	while (len-- > 0)
		h = h * 33 + (unsigned char)*s++;
	return (h % PREFIX_BUCKETS);
}

static struct prefix *
prefix_find(const char *key, size_t nkey)
{
	struct prefix	*pf;
	const char	*d;
	size_t		 len;
	unsigned int	 h;

	if ((d = memchr(key, PREFIX_DELIM, nkey)) == NULL)
		return (NULL);
	len = d - key;
	if (len > CACHE_PREFIX_MAX)
		return (NULL);
	h = prefix_hash(key, len);
	for (pf = prefix_tab[h]; pf != NULL; pf = pf->pf_next)
		if (pf->pf_st.dp_nprefix == len &&
		    memcmp(pf->pf_name, key, len) == 0)
			return (pf);
	if (prefix_count >= PREFIX_MAX)
		return (NULL);
	if ((pf = calloc(1, sizeof(*pf))) == NULL) {
		log_warn("stats detail prefix");
		return (NULL);
	}
	memcpy(pf->pf_name, key, len);
	pf->pf_st.dp_nprefix = (uint8_t)len;
	pf->pf_next = prefix_tab[h];
	prefix_tab[h] = pf;
	prefix_count++;
	return (pf);
}

void
prefix_record(const struct cache_req *rq, const void *key,
    const struct cache_rep *rp)
{
	struct prefix	*pf;

	if (!prefix_on || rq->cr_nkey == 0)
		return;
	switch (rq->cr_op) {
	case CACHE_OP_GET:
	case CACHE_OP_STORE:
	case CACHE_OP_DELETE:
		break;
	default:
		return;
	}
	if ((pf = prefix_find(key, rq->cr_nkey)) == NULL)
		return;
	switch (rq->cr_op) {
	case CACHE_OP_GET:
		pf->pf_st.dp_get++;
		if (rp->rp_status == CACHE_OK)
			pf->pf_st.dp_hit++;
		break;
	case CACHE_OP_STORE:
		pf->pf_st.dp_set++;
		break;
	default:
		/* A store refused for its size is a set to memcached. */
		if (rq->cr_opts & CACHE_OPT_TOO_LARGE)
			pf->pf_st.dp_set++;
		else
			pf->pf_st.dp_del++;
		break;
	}
}

int
prefix_walk(int (*fn)(void *, const char *, size_t,
    const struct cache_prefix_stat *), void *arg)
{
	struct prefix	*pf;
	size_t		 i;

	for (i = 0; i < PREFIX_BUCKETS; i++)
		for (pf = prefix_tab[i]; pf != NULL; pf = pf->pf_next)
			if (fn(arg, pf->pf_name, pf->pf_st.dp_nprefix,
			    &pf->pf_st) != 0)
				return (1);
	return (0);
}

void
prefix_clear(void)
{
	struct prefix	*pf, *next;
	size_t		 i;

	for (i = 0; i < PREFIX_BUCKETS; i++) {
		for (pf = prefix_tab[i]; pf != NULL; pf = next) {
			next = pf->pf_next;
			free(pf);
		}
		prefix_tab[i] = NULL;
	}
	prefix_count = 0;
}
