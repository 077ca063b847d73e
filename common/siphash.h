/*
 * SipHash-2-4 (Aumasson and Bernstein), 64-bit output: the keyed hash of
 * the cache's keys, so that clients cannot aim keys at one hash bucket.
 */

#ifndef PRIVCACHED_SIPHASH_H
#define PRIVCACHED_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

#define SIPHASH_KEY_LEN	16

/* Returns SipHash-2-4 of the len bytes at p under the 16-byte key k. */
uint64_t	siphash24(const uint8_t k[SIPHASH_KEY_LEN], const void *p,
		    size_t len);

#endif /* PRIVCACHED_SIPHASH_H */
