/*
 * Writes the seed corpora of the fuzz targets (make fuzz-corpus):
 * tests/fuzz/corpus/{text,meta,bin,wire,admin}/.  Protocol seeds start with the
 * harness's configuration byte (fuzz_proto.c: '0' plain, one read; '5'
 * plain, cut in three; 0xa0 small limits); wire seeds are batches built
 * with the same encoders the net child and storage use.  Text seeds are
 * text files.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imsg.h"
#include "msg.h"
#include "wire.h"

static const char	*top;

static void
put_file(const char *dir, const char *name, const void *p, size_t n)
{
	char	 path[512];
	FILE	*fp;

	(void)snprintf(path, sizeof(path), "%s/%s", top, dir);
	if (mkdir(path, 0755) == -1 && errno != EEXIST)
		err(1, "%s", path);
	(void)snprintf(path, sizeof(path), "%s/%s/%s", top, dir, name);
	if ((fp = fopen(path, "wb")) == NULL)
		err(1, "%s", path);
	if (n > 0 && fwrite(p, 1, n, fp) != n)
		err(1, "%s", path);
	if (fclose(fp) == EOF)
		err(1, "%s", path);
}

static void
put_text(const char *dir, const char *name, const char *s)
{
	put_file(dir, name, s, strlen(s));
}

static const struct {
	const char	*name;
	const char	*text;
} text_seeds[] = {
	{ "get", "0get foo\r\n" },
	{ "get-multi", "0get a b c d e f g h i j k l m n\r\n" },
	{ "gets", "0gets foo bar\r\n" },
	{ "gat", "0gat 100 foo bar\r\n" },
	{ "gats", "0gats -1 foo\r\n" },
	{ "set", "0set foo 5 100 5\r\nhello\r\n" },
	{ "set-noreply", "0set foo 0 0 1 noreply\r\nx\r\n" },
	{ "set-cut", "5set foo 4294967295 2592001 3\r\nabc\r\nget foo\r\n" },
	{ "add", "0add foo 0 0 3\r\nabc\r\n" },
	{ "replace", "0replace foo 1 -1 2\r\nab\r\n" },
	{ "append", "0append foo 0 0 2\r\nzz\r\n" },
	{ "prepend", "0prepend foo 0 0 2\r\naa\r\n" },
	{ "cas", "0cas foo 0 0 3 18446744073709551615\r\nabc\r\n" },
	{ "cas-noreply", "0cas foo 0 0 3 12 noreply\r\nabc\r\n" },
	{ "delete", "0delete foo\r\ndelete foo 0\r\ndelete foo noreply\r\n" },
	{ "incr", "0incr n 18446744073709551615\r\n" },
	{ "decr", "0decr n 1 noreply\r\n" },
	{ "touch", "0touch foo 10\r\n" },
	{ "flush", "0flush_all\r\nflush_all 10\r\nflush_all -1 noreply\r\n" },
	{ "flush-off", "`flush_all\r\n" },
	{ "cas-off", "@cas foo 0 0 1 1\r\nx\r\n" },
	{ "version", "0version\r\n" },
	{ "verbosity", "0verbosity 1\r\nverbosity noreply\r\n" },
	{ "stats", "0stats\r\nstats items\r\nstats slabs\r\nstats sizes\r\n"
	    "stats settings\r\nstats conns\r\nstats reset\r\nstats bogus\r\n" },
	{ "quit", "0get a\r\nquit\r\nget b\r\n" },
	{ "shutdown", "0shutdown\r\nshutdown graceful\r\n" },
	{ "bad-line", "0\r\nbogus\r\n set\r\n" },
	{ "too-large", "\xa0set big 0 0 200\r\nget x\r\n" },
	{ "smuggle",
	    "\xa0set k 0 0 150\r\nflush_all\r\nset m 0 0 1\r\nz\r\n" },
	{ "long-line", "\xa0get aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "\r\n" },
	/* Nine tokens: the token past the table (see the report). */
	{ "flush-many-tokens", "0flush_all 1 2 3 4 5 6 7 8 9\r\n" },
	{ "bad-chunk", "0set foo 0 0 2\r\nabcd\r\n" },
};

static const struct {
	const char	*name;
	const char	*text;
} meta_seeds[] = {
	{ "mg", "0mg foo v\r\n" },
	{ "mg-all", "0mg foo s t c f l h O123 k v q u\r\n" },
	{ "mg-touch", "0mg foo T30 N30 R10 E77 C99 v\r\n" },
	{ "mg-b64", "0mg Zm9v b k v\r\n" },
	{ "ms", "0ms foo 5 T0 F7\r\nhello\r\n" },
	{ "ms-modes", "5ms foo 1 MA\r\nx\r\nms foo 1 MP\r\nx\r\n"
	    "ms foo 1 ME\r\nx\r\nms foo 1 MR\r\nx\r\nms foo 1 MS I\r\nx\r\n" },
	{ "ms-flags", "0ms foo 2 c k O9 q s b C1 E2 N10 T-1\r\nab\r\n" },
	{ "ms-bad-mode", "0ms foo 2 MZ\r\nab\r\n" },
	{ "ms-too-large", "\xa0ms foo 500\r\nmn\r\n" },
	{ "md", "0md foo q O1 k C5 E6 I T30 x\r\n" },
	{ "ma", "0ma n D5 J10 N0 MI v k c t O2\r\nma n MD\r\nma n M-\r\n" },
	{ "mn", "0mn\r\n" },
	{ "me", "0me foo\r\nme Zm9v b\r\n" },
	{ "meta-dup", "0mg foo v v\r\n" },
	{ "meta-many",
	    "0mg foo a b c d e f g h i j k l m n o p q r s t u\r\n" },
	{ "meta-opaque", "0mg foo O0123456789012345678901234567890123\r\n" },
};

/* A binary request: header fields big-endian, then the body. */
static size_t
bin_req(uint8_t *p, uint8_t op, uint16_t klen, uint8_t elen, uint32_t vlen,
    uint32_t opaque, uint64_t cas)
{
	uint32_t	body = (uint32_t)klen + elen + vlen;
	int		i;

	memset(p, 0, 24);
	p[0] = 0x80;
	p[1] = op;
	p[2] = klen >> 8;
	p[3] = klen & 0xff;
	p[4] = elen;
	for (i = 0; i < 4; i++) {
		p[8 + i] = (body >> (24 - 8 * i)) & 0xff;
		p[12 + i] = (opaque >> (24 - 8 * i)) & 0xff;
	}
	for (i = 0; i < 8; i++)
		p[16 + i] = (cas >> (56 - 8 * i)) & 0xff;
	return (24);
}

static void
put_bin(const char *name, uint8_t cfg, uint8_t op, const void *ext,
    uint8_t elen, const char *key, const char *value)
{
	uint8_t	pkt[1024];
	size_t	n = 0, klen = key != NULL ? strlen(key) : 0;
	size_t	vlen = value != NULL ? strlen(value) : 0;

	pkt[n++] = cfg;
	n += bin_req(pkt + n, op, (uint16_t)klen, elen, (uint32_t)vlen,
	    0xdeadbeef, op == 0x01 ? 7 : 0);
	if (elen > 0)
		memcpy(pkt + n, ext, elen);
	n += elen;
	if (klen > 0)
		memcpy(pkt + n, key, klen);
	n += klen;
	if (vlen > 0)
		memcpy(pkt + n, value, vlen);
	n += vlen;
	put_file("bin", name, pkt, n);
}

static void
bin_seeds(void)
{
	static const uint8_t	store[8] = { 0, 0, 0, 5, 0, 0, 0, 100 };
	static const uint8_t	arith[20] = { 0, 0, 0, 0, 0, 0, 0, 1,
				    0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0 };
	static const uint8_t	nocreate[20] = { 0, 0, 0, 0, 0, 0, 0, 1,
				    0, 0, 0, 0, 0, 0, 0, 9,
				    0xff, 0xff, 0xff, 0xff };
	static const uint8_t	exp4[4] = { 0, 0, 0, 30 };
	static const uint8_t	verb[4] = { 0, 0, 0, 1 };
	static const struct {
		const char	*name;
		uint8_t		 op;
		const uint8_t	*ext;
		uint8_t		 elen;
		const char	*key, *value;
	} s[] = {
		{ "get", 0x00, NULL, 0, "foo", NULL },
		{ "getq", 0x09, NULL, 0, "foo", NULL },
		{ "getk", 0x0c, NULL, 0, "foo", NULL },
		{ "getkq", 0x0d, NULL, 0, "foo", NULL },
		{ "set", 0x01, store, 8, "foo", "hello" },
		{ "setq", 0x11, store, 8, "foo", "hello" },
		{ "add", 0x02, store, 8, "foo", "x" },
		{ "addq", 0x12, store, 8, "foo", "x" },
		{ "replace", 0x03, store, 8, "foo", "y" },
		{ "replaceq", 0x13, store, 8, "foo", "y" },
		{ "delete", 0x04, NULL, 0, "foo", NULL },
		{ "deleteq", 0x14, NULL, 0, "foo", NULL },
		{ "incr", 0x05, arith, 20, "n", NULL },
		{ "incrq", 0x15, arith, 20, "n", NULL },
		{ "decr", 0x06, nocreate, 20, "n", NULL },
		{ "decrq", 0x16, arith, 20, "n", NULL },
		{ "quit", 0x07, NULL, 0, NULL, NULL },
		{ "quitq", 0x17, NULL, 0, NULL, NULL },
		{ "flush", 0x08, NULL, 0, NULL, NULL },
		{ "flush-delay", 0x08, exp4, 4, NULL, NULL },
		{ "flushq", 0x18, NULL, 0, NULL, NULL },
		{ "noop", 0x0a, NULL, 0, NULL, NULL },
		{ "version", 0x0b, NULL, 0, NULL, NULL },
		{ "append", 0x0e, NULL, 0, "foo", "tail" },
		{ "appendq", 0x19, NULL, 0, "foo", "tail" },
		{ "prepend", 0x0f, NULL, 0, "foo", "head" },
		{ "prependq", 0x1a, NULL, 0, "foo", "head" },
		{ "stat", 0x10, NULL, 0, NULL, NULL },
		{ "stat-items", 0x10, NULL, 0, "items", NULL },
		{ "stat-bogus", 0x10, NULL, 0, "bogus", NULL },
		{ "verbosity", 0x1b, verb, 4, NULL, NULL },
		{ "touch", 0x1c, exp4, 4, "foo", NULL },
		{ "gat", 0x1d, exp4, 4, "foo", NULL },
		{ "gatq", 0x1e, exp4, 4, "foo", NULL },
		{ "gatk", 0x23, exp4, 4, "foo", NULL },
		{ "gatkq", 0x24, exp4, 4, "foo", NULL },
		{ "sasl-list", 0x20, NULL, 0, NULL, NULL },
		{ "unknown", 0x55, NULL, 0, "k", "v" },
		{ "bad-shape", 0x00, store, 8, "foo", "v" },
	};
	uint8_t	pkt[512];
	size_t	i, n;

	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		put_bin(s[i].name, '0', s[i].op, s[i].ext, s[i].elen,
		    s[i].key, s[i].value);
	/* Lying lengths: extras + key past the body; body past value_max. */
	n = 0;
	pkt[n++] = '0';
	n += bin_req(pkt + n, 0x01, 10, 8, 0, 1, 0);
	pkt[n - 24 + 11] = 4;		/* body 4 < 18 */
	put_file("bin", "lying-lengths", pkt, n);
	n = 0;
	pkt[n++] = (char)0xa0;		/* small limits: value_max 100 */
	n += bin_req(pkt + n, 0x01, 3, 8, 200, 2, 0);
	memcpy(pkt + n, store, 8);
	n += 8;
	memcpy(pkt + n, "big", 3);
	n += 3;
	/* The refused body holds a flush: it must be swallowed. */
	n += bin_req(pkt + n, 0x08, 0, 0, 0, 3, 0);
	memset(pkt + n, 'x', 200 - 24);
	n += 200 - 24;
	n += bin_req(pkt + n, 0x0a, 0, 0, 0, 4, 0);
	put_file("bin", "smuggle", pkt, n);
	/* A pipeline cut in three reads. */
	n = 0;
	pkt[n++] = '5';
	for (i = 0; i < 4; i++)
		n += bin_req(pkt + n, 0x0a, 0, 0, 0, (uint32_t)i, 0);
	put_file("bin", "pipeline-cut", pkt, n);
	/* Not a request magic. */
	put_file("bin", "bad-magic", "0\x81\x00\x00\x00", 5);
}

static void
wire_req(struct ibuf *b, uint8_t op, uint8_t mode, uint16_t opts,
    const char *key, const char *value)
{
	struct cache_req	r;

	memset(&r, 0, sizeof(r));
	r.cr_op = op;
	r.cr_mode = mode;
	r.cr_opts = opts;
	r.cr_nkey = key != NULL ? strlen(key) : 0;
	r.cr_nvalue = value != NULL ? strlen(value) : 0;
	r.cr_exptime = 1700000100;
	r.cr_connid = 42;
	if (wire_put_req(b, &r) == -1 ||
	    wire_put_bytes(b, key, r.cr_nkey) == -1 ||
	    wire_put_bytes(b, value, r.cr_nvalue) == -1)
		errx(1, "wire_put_req");
}

static void
wire_rep(struct ibuf *b, uint8_t status, const char *key, const char *value)
{
	struct cache_rep	r;

	memset(&r, 0, sizeof(r));
	r.rp_status = status;
	r.rp_nkey = key != NULL ? strlen(key) : 0;
	r.rp_nvalue = value != NULL ? strlen(value) : 0;
	r.rp_ttl = -1;
	r.rp_cas = 5;
	r.rp_connid = 42;
	if (wire_put_rep(b, &r) == -1 ||
	    wire_put_bytes(b, key, r.rp_nkey) == -1 ||
	    wire_put_bytes(b, value, r.rp_nvalue) == -1)
		errx(1, "wire_put_rep");
}

static void
wire_done(const char *name, struct ibuf *b)
{
	put_file("wire", name, ibuf_data(b), ibuf_size(b));
	ibuf_free(b);
}

static struct ibuf *
wire_open(uint32_t count, uint32_t flags)
{
	struct cache_batch	 hdr = { count, flags };
	struct ibuf		*b;

	if ((b = ibuf_dynamic(64, 65536)) == NULL ||
	    wire_put_batch(b, &hdr) == -1)
		errx(1, "wire_open");
	return (b);
}

static void
wire_seeds(void)
{
	struct ibuf	*b;

	b = wire_open(7, 0);
	wire_req(b, CACHE_OP_GET, 0, CACHE_OPT_WANT_VALUE |
	    CACHE_OPT_WANT_KEY, "foo", NULL);
	wire_req(b, CACHE_OP_STORE, CACHE_STORE_SET, 0, "foo", "hello");
	wire_req(b, CACHE_OP_STORE, CACHE_STORE_PREPEND, CACHE_OPT_CAS,
	    "foo", "x");
	wire_req(b, CACHE_OP_DELETE, 0, CACHE_OPT_INVALIDATE, "foo", NULL);
	wire_req(b, CACHE_OP_ARITH, CACHE_ARITH_DECR, CACHE_OPT_VIVIFY,
	    "n", NULL);
	wire_req(b, CACHE_OP_TOUCH, 0, 0, "foo", NULL);
	wire_req(b, CACHE_OP_FLUSH, 0, 0, NULL, NULL);
	wire_done("req-batch", b);

	b = wire_open(1, 0);
	wire_req(b, CACHE_OP_NOOP, 0, 0, NULL, NULL);
	wire_done("req-noop", b);

	b = wire_open(0, 0);
	wire_done("req-empty", b);

	b = wire_open(3, 0);
	wire_rep(b, CACHE_OK, "foo", "hello");
	wire_rep(b, CACHE_MISS, "foo", NULL);
	wire_rep(b, CACHE_UNAVAILABLE, NULL, NULL);
	wire_done("rep-batch", b);

	b = wire_open(1, CACHE_BATCH_MORE);
	wire_rep(b, CACHE_EXISTS, NULL, NULL);
	wire_done("rep-more", b);

	/* A stats reply: count then (str16 name, str16 value) pairs. */
	if ((b = ibuf_dynamic(64, 65536)) == NULL ||
	    wire_put_u32(b, 2) == -1 ||
	    wire_put_str16(b, "curr_items", 10) == -1 ||
	    wire_put_str16(b, "1", 1) == -1 ||
	    wire_put_str16(b, "evictions", 9) == -1 ||
	    wire_put_str16(b, "", 0) == -1)
		errx(1, "stats seed");
	wire_done("stats", b);
}

/* Admin lines (fuzz_admin.c: byte 0 '0' plain, '1' refused client). */
static const struct {
	const char	*name;
	const char	*text;
} admin_seeds[] = {
	{ "stats-detail", "0stats detail on\r\nstats detail off\r\n"
	    "stats detail dump\r\nstats detail\r\n" },
	{ "cachedump", "0stats cachedump 1 10\r\nstats cachedump 64 0\r\n" },
	{ "crawler", "0lru_crawler crawl all\r\nlru_crawler crawl 1,2,3\r\n"
	    "lru_crawler tocrawl 10\r\nlru_crawler sleep 1000000\r\n"
	    "lru_crawler disable\r\nlru_crawler enable\r\n" },
	{ "metadump", "0lru_crawler metadump hash\r\n" },
	{ "memlimit", "0cache_memlimit 100\r\ncache_memlimit 7\r\n"
	    "cache_memlimit 1000000001 noreply\r\n" },
	{ "slabs", "0slabs reassign -1 2\r\nslabs automove 2\r\n"
	    "slabs automove ratio 0.5\r\n" },
	{ "lru", "0lru tune 10 40 0.1 2.0\r\nlru mode flat\r\n"
	    "lru temp_ttl -1\r\n" },
	/* NaN once passed the "> 0" checks, as it does in memcached. */
	{ "lru-nan", "0lru tune 10 40 nan 2.0\r\nslabs automove ratio "
	    "1e999\r\n" },
	{ "watch", "0watch fetchers mutations evictions connevents "
	    "deletions\r\n" },
	{ "watch-silent", "0watch rawcmds sysevents proxyreqs proxyevents "
	    "proxyuser\r\n" },
	{ "watch-off", "4watch\r\n" },
	{ "refused", "1stats cachedump 1 1\r\nshutdown\r\nflush_all\r\n" },
};

/*
 * A storage answer after the lines (fuzz_admin's second half): op's header
 * with one record, rec then its key.
 */
static void
admin_answer(const char *name, const char *lines, uint32_t op,
    const void *rec, size_t nrec, const char *key)
{
	struct cache_admin_hdr	h;
	uint8_t			buf[512];
	size_t			n = 0;

	memset(&h, 0, sizeof(h));
	h.ah_op = op;
	h.ah_count = 1;
	buf[n++] = '0';
	memcpy(buf + n, lines, strlen(lines));
	n += strlen(lines);
	buf[n++] = '\0';
	memcpy(buf + n, &h, sizeof(h));
	n += sizeof(h);
	memcpy(buf + n, rec, nrec);
	n += nrec;
	memcpy(buf + n, key, strlen(key));
	n += strlen(key);
	put_file("admin", name, buf, n);
}

static void
admin_answer_seeds(void)
{
	struct cache_dump_item		di;
	struct cache_prefix_stat	dp;

	memset(&di, 0, sizeof(di));
	di.di_nkey = 3;
	di.di_clsid = 1;
	di.di_size = 70;
	admin_answer("answer-metadump", "lru_crawler metadump all\r\n",
	    CACHE_ADMIN_METADUMP, &di, sizeof(di), "a,b");
	memset(&dp, 0, sizeof(dp));
	dp.dp_nprefix = 3;
	dp.dp_get = 1;
	admin_answer("answer-detail", "", CACHE_ADMIN_DETAIL_DUMP, &dp,
	    sizeof(dp), "foo");
}

int
main(int argc, char *argv[])
{
	size_t	i;

	if (argc != 2)
		errx(2, "usage: mkcorpus dir");
	top = argv[1];
	if (mkdir(top, 0755) == -1 && errno != EEXIST)
		err(1, "%s", top);
	for (i = 0; i < sizeof(text_seeds) / sizeof(text_seeds[0]); i++)
		put_text("text", text_seeds[i].name, text_seeds[i].text);
	for (i = 0; i < sizeof(meta_seeds) / sizeof(meta_seeds[0]); i++)
		put_text("meta", meta_seeds[i].name, meta_seeds[i].text);
	for (i = 0; i < sizeof(admin_seeds) / sizeof(admin_seeds[0]); i++)
		put_text("admin", admin_seeds[i].name, admin_seeds[i].text);
	admin_answer_seeds();
	bin_seeds();
	wire_seeds();
	return (0);
}
