/*
 * Helpers every protocol shares (net child; no I/O): the one strict number
 * parser, key validation and expiry conversion.
 */

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "compat.h"
#include "proto.h"
#include "wire.h"

int
proto_stats_kind(const char *name, size_t len)
{
	static const struct {
		const char	*name;
		int		 kind;
	} kinds[] = {
		{ "",		PROTO_STATS_GENERAL },
		{ "items",	PROTO_STATS_ITEMS },
		{ "slabs",	PROTO_STATS_SLABS },
		{ "sizes",	PROTO_STATS_SIZES },
		{ "settings",	PROTO_STATS_SETTINGS },
		{ "conns",	PROTO_STATS_CONNS },
		{ "reset",	PROTO_STATS_RESET },
	};
	size_t	i;

	for (i = 0; i < nitems(kinds); i++)
		if (strlen(kinds[i].name) == len &&
		    memcmp(kinds[i].name, name, len) == 0)
			return (kinds[i].kind);
	return (-1);
}

int64_t
proto_exptime(int64_t exptime, int64_t now)
{
	if (exptime == 0)
		return (0);
	if (exptime < 0)
		return (-1);
	if (exptime <= PROTO_REL_TIME_MAX)
		return (now + exptime);
	return (exptime);
}

int
proto_key_valid(const char *key, size_t len)
{
	size_t	i;

	if (len < 1 || len > KEY_MAX_LENGTH)
		return (0);
	for (i = 0; i < len; i++) {
		if ((unsigned char)key[i] <= ' ' ||
		    (unsigned char)key[i] == 0x7f)
			return (0);
	}
	return (1);
}

int
proto_parse_u64(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t	v = 0;
	unsigned int	d;
	size_t		i;

	if (len == 0 || len > 20)
		return (-1);
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (-1);
		d = s[i] - '0';
		if (v > (UINT64_MAX - d) / 10)
			return (-1);
		v = v * 10 + d;
	}
	if (v > max)
		return (-1);
	*out = v;
	return (0);
}

int
proto_parse_i64(const char *s, size_t len, int64_t min, int64_t max,
    int64_t *out)
{
	uint64_t	mag;

	if (len > 0 && s[0] == '-') {
		/* The magnitude of INT64_MIN is one past INT64_MAX. */
		if (proto_parse_u64(s + 1, len - 1, (uint64_t)INT64_MAX + 1,
		    &mag) == -1)
			return (-1);
		if (mag == (uint64_t)INT64_MAX + 1)
			*out = INT64_MIN;
		else
			*out = -(int64_t)mag;
	} else {
		if (proto_parse_u64(s, len, INT64_MAX, &mag) == -1)
			return (-1);
		*out = (int64_t)mag;
	}
	if (*out < min || *out > max)
		return (-1);
	return (0);
}

size_t
proto_tokenize(const char *line, size_t len, struct proto_token *tok,
    size_t max)
{
	size_t	n = 0, i = 0, start;

	while (i < len && n < max) {
		while (i < len && line[i] == ' ')
			i++;
		if (i == len)
			break;
		start = i;
		while (i < len && line[i] != ' ')
			i++;
		tok[n].t_s = line + start;
		tok[n].t_len = i - start;
		n++;
	}
	/* A token past max makes the count max + 1: too many. */
	while (i < len && line[i] == ' ')
		i++;
	if (i < len)
		n = max + 1;
	return (n);
}

int
proto_tok_is(const struct proto_token *t, const char *s)
{
	size_t	len = strlen(s);

	return (t->t_len == len && memcmp(t->t_s, s, len) == 0);
}
