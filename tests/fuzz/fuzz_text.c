/*
 * libFuzzer target for memcached's text protocol: every text command,
 * through proto_text_parse.
 * See fuzz_proto.c for the input layout and the invariants checked.
 */

#include <stddef.h>
#include <stdint.h>

#include "fuzz_proto.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return (fuzz_proto_run(0, data, size));
}
