/*
 * PLACEHOLDER, replaced by the meta protocol implementation.
 */

#include "proto.h"

enum proto_line
proto_meta_line(struct proto_text_state *st, const struct proto_limits *lim,
    const struct proto_sink *sink, int64_t now, const char *line, size_t len,
    const char *rest, size_t restlen, size_t *extra, int *failed)
{
	(void)st; (void)lim; (void)now; (void)line; (void)len; (void)rest;
	(void)restlen;
	*extra = 0;
	if (sink->ps_local(sink->ps_arg, "ERROR\r\n", 7) == -1)
		*failed = 1;
	return (PROTO_LINE_DONE);
}

int
proto_meta_reply(const struct proto_ctx *ctx, const struct cache_rep *rep,
    const void *key, const void *value, struct buf *out, size_t max)
{
	(void)ctx; (void)rep; (void)key; (void)value;
	return (buf_add(out, "SERVER_ERROR\r\n", 14, max));
}
