/*
 * libFuzzer target for the meta commands (mg ms md ma mn me), reached as
 * the net child reaches them: through proto_text_parse, which hands meta
 * lines to proto_meta_line.
 * Same driver as fuzz_text; its own corpus and dictionary aim it at meta.
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
