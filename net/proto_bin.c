/*
 * PLACEHOLDER, replaced by the binary protocol implementation.
 */

#include "proto.h"

enum proto_status
proto_bin_parse(struct proto_bin_state *st, const struct proto_limits *lim,
    const struct proto_sink *sink, const char *buf, size_t len, size_t *used,
    int64_t now)
{
	(void)st; (void)lim; (void)sink; (void)buf; (void)len; (void)now;
	*used = 0;
	return (PROTO_CLOSE);
}

int
proto_bin_reply(const struct proto_ctx *ctx, const struct cache_rep *rep,
    const void *key, const void *value, struct buf *out, size_t max)
{
	(void)ctx; (void)rep; (void)key; (void)value; (void)out; (void)max;
	return (-1);
}

int
proto_bin_stat(const struct proto_ctx *ctx, const char *name,
    const char *value, struct buf *out, size_t max)
{
	(void)ctx; (void)name; (void)value; (void)out; (void)max;
	return (-1);
}

int
proto_bin_stats_end(const struct proto_ctx *ctx, struct buf *out, size_t max)
{
	(void)ctx; (void)out; (void)max;
	return (-1);
}
