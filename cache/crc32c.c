/*
 * CRC32C for item checksums (storage child; no I/O): the hardware
 * instruction on x86-64 with SSE4.2, else a byte-at-a-time table built on
 * first use.  Stores pay for it once per item written, so the fast path
 * handles eight bytes per instruction.
 */

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "crc32c.h"

/* The reflected Castagnoli polynomial. */
#define CRC32C_POLY	0x82f63b78U

static uint32_t	crc32c_table[256];
static int	crc32c_table_done;
/* -1: not looked yet, 0: table, 1: SSE4.2. */
static int	crc32c_have_hw = -1;

static void
crc32c_table_init(void)
{
	uint32_t	c;
	int		i, k;

	for (i = 0; i < 256; i++) {
		c = (uint32_t)i;
		for (k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ CRC32C_POLY : c >> 1;
		crc32c_table[i] = c;
	}
	crc32c_table_done = 1;
}

uint32_t
crc32c_sw(uint32_t crc, const void *p, size_t n)
{
	const uint8_t	*b = p;

	if (!crc32c_table_done)
		crc32c_table_init();
	crc = ~crc;
	while (n-- > 0)
		crc = crc32c_table[(crc ^ *b++) & 0xff] ^ (crc >> 8);
	return (~crc);
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>

__attribute__((__target__("sse4.2")))
static uint32_t
crc32c_sse42(uint32_t crc, const void *p, size_t n)
{
	const uint8_t	*b = p;
	uint64_t	 c = ~crc, w;

	for (; n >= 8; n -= 8, b += 8) {
		memcpy(&w, b, sizeof(w));
		c = __builtin_ia32_crc32di(c, w);
	}
	while (n-- > 0)
		c = __builtin_ia32_crc32qi((uint32_t)c, *b++);
	return (~(uint32_t)c);
}

int
crc32c_hw(void)
{
	unsigned int	a, b, c, d;

	/*
	 * cpuid itself, not __builtin_cpu_supports: that one needs
	 * __cpu_model from the compiler's runtime, which OpenBSD's base
	 * libraries do not export.
	 */
	if (crc32c_have_hw == -1)
		crc32c_have_hw = __get_cpuid(1, &a, &b, &c, &d) &&
		    (c & bit_SSE4_2) != 0;
	return (crc32c_have_hw);
}

uint32_t
crc32c(uint32_t crc, const void *p, size_t n)
{
	if (crc32c_hw())
		return (crc32c_sse42(crc, p, n));
	return (crc32c_sw(crc, p, n));
}
#else
int
crc32c_hw(void)
{
	crc32c_have_hw = 0;
	return (0);
}

uint32_t
crc32c(uint32_t crc, const void *p, size_t n)
{
	return (crc32c_sw(crc, p, n));
}
#endif
