/*
 * CRC32C (Castagnoli), the checksum of items in shared memory: the SSE4.2
 * instruction where the CPU has it, a table otherwise.  Both give the
 * same value (crc32c(0, "123456789", 9) == 0xe3069283).
 */

#ifndef PRIVCACHED_CRC32C_H
#define PRIVCACHED_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Extends crc (0 to start) over n bytes of p. */
uint32_t	 crc32c(uint32_t crc, const void *p, size_t n);
/* The table version, whatever the CPU: for the tests. */
uint32_t	 crc32c_sw(uint32_t crc, const void *p, size_t n);
/* 1 if crc32c() uses the CPU's instruction. */
int		 crc32c_hw(void);

#endif /* PRIVCACHED_CRC32C_H */
