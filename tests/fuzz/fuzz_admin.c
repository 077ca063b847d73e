/*
 * libFuzzer target for the admin commands (net/proto_admin.c): request
 * lines through proto_admin_line, and a storage answer through
 * proto_admin_check and, when it passes, proto_admin_reply.
 *
 * Input layout: byte 0 configures the run, then client lines up to the
 * first NUL byte (split at '\n', a '\r' before it dropped, each handed to
 * proto_admin_line as the text parser does), then what storage answered:
 * a struct cache_admin_hdr and its records.
 *   bit 0	the client is not allowed admin commands
 *   bit 1	the first line came after others in the same read
 *   bit 2	-W: watch disabled
 *   bit 3	lru_crawler disabled
 *   bit 4	the sink has no ps_admin and no ps_watch (tests)
 *   bit 5	the answer is for a noreply request
 *   bit 6	a small output cap for the answer
 *   bit 7	every sink call fails
 * Seeds keep byte 0 printable ('0' is the plain configuration).
 *
 * What is checked: every request handed on passes the storage child's own
 * validator (cache_admin_check); local replies are whole CRLF lines;
 * settings stay within what memcached allows; a refused client gets the
 * refusal and nothing else; an answer that passes the check formats into
 * at most the cap, in lines without control bytes.
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "buf.h"
#include "proto.h"
#include "wire.h"

#include "fuzz_proto.h"

#define FUZZ_OUT_MAX		(4 * 1024 * 1024)

struct fuzz_admin {
	int	fa_fail;	/* sinks say no */
	int	fa_calls;	/* sink calls for the current line */
	int	fa_refused;
};

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
sink_local(void *arg, const void *text, size_t len)
{
	struct fuzz_admin	*fa = arg;
	const char		*nl;
	char			*c;

	/* A heap copy of exactly len bytes: ASan checks the source. */
	if ((c = malloc(len > 0 ? len : 1)) == NULL)
		abort();
	memcpy(c, text, len);
	if (len < 2 || c[len - 2] != '\r' || c[len - 1] != '\n')
		fuzz_fail("local reply does not end in CRLF");
	if ((nl = memchr(c, '\n', len)) != c + len - 1)
		fuzz_fail("local reply of more than one line");
	free(c);
	fa->fa_calls++;
	return (fa->fa_fail ? -1 : 0);
}

static int
sink_admin(void *arg, const struct cache_admin_req *rq,
    const struct proto_ctx *ctx)
{
	struct fuzz_admin	*fa = arg;
	unsigned int		 i, any = 0;

	if (ctx->px_kind != PROTO_TEXT)
		fuzz_fail("admin request of protocol %u", ctx->px_kind);
	/* What storage would drop the channel for. */
	if (cache_admin_check(rq) == -1)
		fuzz_fail("storage would refuse admin op %u arg %u class %u",
		    rq->ca_op, rq->ca_arg, rq->ca_class);
	switch (rq->ca_op) {
	case CACHE_ADMIN_CACHEDUMP:
		if (rq->ca_class >= 64)
			fuzz_fail("cachedump of class %u", rq->ca_class);
		break;
	case CACHE_ADMIN_METADUMP:
		if (rq->ca_classes[0] & 1)
			fuzz_fail("metadump of class 0");
		for (i = 0; i < sizeof(rq->ca_classes); i++)
			any |= rq->ca_classes[i];
		if (!any)
			fuzz_fail("metadump of no class");
		break;
	case CACHE_ADMIN_MEMLIMIT:
		if (rq->ca_arg < 8 || rq->ca_arg > 1000000000)
			fuzz_fail("cache_memlimit %u", rq->ca_arg);
		break;
	default:
		break;
	}
	fa->fa_calls++;
	return (fa->fa_fail ? -1 : 0);
}

static void
sink_refused(void *arg)
{
	struct fuzz_admin	*fa = arg;

	fa->fa_refused++;
}

static int
sink_watch(void *arg, unsigned int flags)
{
	struct fuzz_admin	*fa = arg;

	if (flags == 0 || (flags & ~(PROTO_WATCH_FETCHERS |
	    PROTO_WATCH_MUTATIONS | PROTO_WATCH_EVICTIONS |
	    PROTO_WATCH_CONNEVENTS | PROTO_WATCH_DELETIONS |
	    PROTO_WATCH_SILENT)) != 0)
		fuzz_fail("watch flags %#x", flags);
	fa->fa_calls++;
	return (fa->fa_fail ? -1 : 0);
}

/* What memcached lets the admin commands set, and no more. */
static void
fuzz_check_settings(const struct proto_settings *ps)
{
	if (ps->ps_lru_crawler > 1 || ps->ps_lru_segmented > 1 ||
	    ps->ps_temp_lru > 1 || ps->ps_detail > 1)
		fuzz_fail("a switch is not 0 or 1");
	if (ps->ps_crawler_sleep > 1000000)
		fuzz_fail("crawler sleep %u", ps->ps_crawler_sleep);
	if (ps->ps_slab_automove > 2)
		fuzz_fail("slab_automove %u", ps->ps_slab_automove);
	if ((uint64_t)ps->ps_hot_lru_pct + ps->ps_warm_lru_pct > 80)
		fuzz_fail("hot %u + warm %u", ps->ps_hot_lru_pct,
		    ps->ps_warm_lru_pct);
	if (!(ps->ps_hot_max_factor > 0) || !(ps->ps_warm_max_factor > 0))
		fuzz_fail("an age factor not above 0");
	if (ps->ps_temporary_ttl < 0)
		fuzz_fail("temporary_ttl %d", ps->ps_temporary_ttl);
}

/* Storage's answer: checked as net checks it, then formatted. */
static void
fuzz_answer(uint8_t conf, const uint8_t *data, size_t size)
{
	struct cache_admin_hdr	 h;
	struct proto_ctx	 ctx;
	struct buf		 out;
	const uint8_t		*o;
	uint8_t			*recs;
	size_t			 max, i, len;
	int			 rv;

	if (size < sizeof(h))
		return;
	memcpy(&h, data, sizeof(h));
	len = size - sizeof(h);
	/* Exactly the records, on the heap: ASan sees any read past. */
	if ((recs = malloc(len > 0 ? len : 1)) == NULL)
		abort();
	memcpy(recs, data + sizeof(h), len);
	if (proto_admin_check(&h, recs, len) == -1) {
		free(recs);
		return;
	}
	memset(&ctx, 0, sizeof(ctx));
	ctx.px_kind = PROTO_TEXT;
	ctx.px_noreply = (conf & 0x20) != 0;
	max = conf & 0x40 ? 64 : FUZZ_OUT_MAX;
	memset(&out, 0, sizeof(out));
	rv = proto_admin_reply(&ctx, &h, recs, len, &out, max);
	if (rv != 0 && rv != -1)
		fuzz_fail("proto_admin_reply returned %d", rv);
	if (buf_used(&out) > max)
		fuzz_fail("answer of %zu bytes past the cap %zu",
		    buf_used(&out), max);
	if (rv == 0 && buf_used(&out) > 0) {
		o = (const uint8_t *)buf_head(&out);
		for (i = 0; i < buf_used(&out); i++)
			/* Keys may hold any byte but controls and spaces. */
			if ((o[i] < 0x20 || o[i] == 0x7f) && o[i] != '\r' &&
			    o[i] != '\n')
				fuzz_fail("byte %#x in the answer", o[i]);
		if (o[buf_used(&out) - 1] != '\n')
			fuzz_fail("answer does not end a line");
	}
	buf_free(&out);
	free(recs);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct proto_settings	 settings;
	struct proto_limits		 lim;
	struct proto_sink		 sink;
	struct fuzz_admin		 fa;
	const uint8_t			*end, *nl, *p;
	char				*line;
	size_t				 len, n = 0;
	int				 failed = 0, rv, refused;
	uint8_t				 conf;

	if (size < 1)
		return (0);
	conf = data[0];
	data++;
	size--;
	memset(&settings, 0, sizeof(settings));
	settings.ps_lru_crawler = (conf & 0x08) == 0;
	settings.ps_watch_off = (conf & 0x04) != 0;
	settings.ps_hot_lru_pct = 20;
	settings.ps_warm_lru_pct = 40;
	settings.ps_hot_max_factor = 0.2;
	settings.ps_warm_max_factor = 2.0;
	settings.ps_temporary_ttl = 61;
	memset(&lim, 0, sizeof(lim));
	lim.pl_line_max = 2048;
	lim.pl_admin = (conf & 0x01) == 0;
	lim.pl_settings = &settings;
	memset(&fa, 0, sizeof(fa));
	fa.fa_fail = (conf & 0x80) != 0;
	memset(&sink, 0, sizeof(sink));
	sink.ps_arg = &fa;
	sink.ps_local = sink_local;
	sink.ps_admin_refused = sink_refused;
	if (!(conf & 0x10)) {
		sink.ps_admin = sink_admin;
		sink.ps_watch = sink_watch;
	}

	if ((end = memchr(data, '\0', size)) == NULL)
		end = data + size;
	for (p = data; p < end; p = nl + 1, n++) {
		if ((nl = memchr(p, '\n', end - p)) == NULL)
			nl = end;
		len = nl - p;
		if (len > 0 && p[len - 1] == '\r')
			len--;
		/* As the text parser hands it: no longer than a line may be. */
		if (len > lim.pl_line_max)
			len = lim.pl_line_max;
		if ((line = malloc(len > 0 ? len : 1)) == NULL)
			abort();
		memcpy(line, p, len);
		fa.fa_calls = 0;
		refused = fa.fa_refused;
		rv = proto_admin_line(&lim, &sink, line, len,
		    n > 0 || (conf & 0x02), &failed);
		free(line);
		if (rv != 0 && rv != 1)
			fuzz_fail("proto_admin_line returned %d", rv);
		if (rv == 0 && (fa.fa_calls > 0 || fa.fa_refused != refused))
			fuzz_fail("a line not taken made sink calls");
		if (rv == 1 && !lim.pl_admin && (fa.fa_refused != refused + 1 ||
		    fa.fa_calls != 1))
			fuzz_fail("a refused client got more than the refusal");
		if (fa.fa_calls > 1)
			fuzz_fail("%d sink calls for one line", fa.fa_calls);
		if (failed && !fa.fa_fail)
			fuzz_fail("failed without a sink failing");
		fuzz_check_settings(&settings);
		if (nl == end)
			break;
	}
	if (end < data + size)
		fuzz_answer(conf, end + 1, data + size - end - 1);
	return (0);
}
