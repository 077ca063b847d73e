/*
 * The libFuzzer driver shared by fuzz_text, fuzz_meta and fuzz_bin (and
 * its fuzz_fail by fuzz_admin): feeds
 * client bytes to a parser the way the net child does, checks what the
 * parser hands on, and formats replies to fuzz the composers too.
 */

#ifndef PRIVCACHED_FUZZ_PROTO_H
#define PRIVCACHED_FUZZ_PROTO_H

#include <stddef.h>
#include <stdint.h>

/*
 * Runs one input against the text parser (bin == 0; meta lines go through
 * it) or the binary one.  Aborts on a broken invariant; returns 0.
 */
int	fuzz_proto_run(int bin, const uint8_t *data, size_t size);
/* A broken invariant: says which on stderr and aborts (libFuzzer saves). */
__attribute__((__noreturn__, __format__ (printf, 1, 2))) void
	fuzz_fail(const char *fmt, ...);

#endif /* PRIVCACHED_FUZZ_PROTO_H */
