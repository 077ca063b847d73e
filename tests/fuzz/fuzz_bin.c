/*
 * libFuzzer target for memcached's binary protocol, through proto_bin_parse.
 * See fuzz_proto.c for the input layout and the invariants checked.
 */

#include <stddef.h>
#include <stdint.h>

#include "fuzz_proto.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return (fuzz_proto_run(1, data, size));
}
