/*
 * SipHash-2-4, written from the SipHash paper (Aumasson, Bernstein 2012),
 * for the cache's hash table and the parent's login limits; no I/O.  Two
 * compression rounds per 8-byte word and four finalisation rounds,
 * little-endian words whatever the host order, so hashes are the same on
 * every machine.
 */

#include <stddef.h>
#include <stdint.h>

#include "siphash.h"

#define ROTL(x, b)	(uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

#define SIPROUND(v0, v1, v2, v3) do {					\
	(v0) += (v1); (v1) = ROTL((v1), 13); (v1) ^= (v0);		\
	(v0) = ROTL((v0), 32);						\
	(v2) += (v3); (v3) = ROTL((v3), 16); (v3) ^= (v2);		\
	(v0) += (v3); (v3) = ROTL((v3), 21); (v3) ^= (v0);		\
	(v2) += (v1); (v1) = ROTL((v1), 17); (v1) ^= (v2);		\
	(v2) = ROTL((v2), 32);						\
} while (0)

/* Reads 8 bytes as a little-endian word; byte loads keep it alignment-free. */
static uint64_t
le64(const uint8_t *p)
{
	return ((uint64_t)p[0] | (uint64_t)p[1] << 8 |
	    (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
	    (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 |
	    (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56);
}

uint64_t
siphash24(const uint8_t k[SIPHASH_KEY_LEN], const void *p, size_t len)
{
	const uint8_t	*in = p, *end;
	uint64_t	 k0, k1, v0, v1, v2, v3, m, b;
	size_t		 left;

	k0 = le64(k);
	k1 = le64(k + 8);
	v0 = k0 ^ 0x736f6d6570736575ULL;
	v1 = k1 ^ 0x646f72616e646f6dULL;
	v2 = k0 ^ 0x6c7967656e657261ULL;
	v3 = k1 ^ 0x7465646279746573ULL;

	end = in + (len & ~(size_t)7);
	for (; in != end; in += 8) {
		m = le64(in);
		v3 ^= m;
		SIPROUND(v0, v1, v2, v3);
		SIPROUND(v0, v1, v2, v3);
		v0 ^= m;
	}

	/* The last word holds the tail bytes and the length modulo 256. */
	b = (uint64_t)len << 56;
	left = len & 7;
	switch (left) {
	case 7:
		b |= (uint64_t)in[6] << 48;
		/* FALLTHROUGH */
	case 6:
		b |= (uint64_t)in[5] << 40;
		/* FALLTHROUGH */
	case 5:
		b |= (uint64_t)in[4] << 32;
		/* FALLTHROUGH */
	case 4:
		b |= (uint64_t)in[3] << 24;
		/* FALLTHROUGH */
	case 3:
		b |= (uint64_t)in[2] << 16;
		/* FALLTHROUGH */
	case 2:
		b |= (uint64_t)in[1] << 8;
		/* FALLTHROUGH */
	case 1:
		b |= (uint64_t)in[0];
		break;
	default:
		break;
	}

	v3 ^= b;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	v0 ^= b;

	v2 ^= 0xff;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);

	return (v0 ^ v1 ^ v2 ^ v3);
}
