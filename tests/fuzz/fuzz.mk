# libFuzzer targets for the parsers of client bytes and of IPC payloads.
# A fragment of the GNUmakefile (`-include tests/fuzz/fuzz.mk' at its end);
# it uses CPPFLAGS, PKG_CFLAGS and PKG_LIBS from there, expanded late, so
# `make -f GNUmakefile -f tests/fuzz/fuzz.mk fuzz-run' works as well.
#
#   make fuzz-build            obj-fuzz/fuzz_{text,meta,bin,wire,recover,admin}
#   make fuzz-run              each for FUZZ_SECONDS (30) over a copy of its
#                              corpus; non-zero exit on any crash
#   make fuzz-run FUZZ_TARGETS=bin FUZZ_SECONDS=300
#   make fuzz-corpus           regenerate tests/fuzz/corpus (seed writer)
#
# The harnesses link only the files that do no I/O (DESIGN.md section 7),
# built again with the fuzzer's instrumentation: never the daemon itself.

FUZZ_CC?=	clang
FUZZ_DIR=	obj-fuzz
FUZZ_SECONDS?=	30
FUZZ_TARGETS?=	text meta bin wire recover admin
FUZZ_NICE?=	nice -n 10
FUZZ_SAN=	-fsanitize=address,undefined -fno-sanitize-recover=undefined
# The harnesses always link our own imsg (FUZZ_LIB_SRCS), so they use its
# header even where the system has one (OpenBSD's libutil).
FUZZ_CFLAGS=	-std=c11 -Wall -Wextra -Werror -g -O1 \
		-fno-omit-frame-pointer $(FUZZ_SAN) -DIMSG_COMPAT

FUZZ_LIB_SRCS=	common/wire.c common/imsg.c common/imsg-buffer.c \
		common/log.c net/proto.c net/proto_text.c net/proto_meta.c \
		net/proto_bin.c net/proto_admin.c net/buf.c
FUZZ_LIB_OBJS=	$(FUZZ_LIB_SRCS:%.c=$(FUZZ_DIR)/%.o)
# The recovery scan's target: the cache engine, which does no I/O.
FUZZ_CACHE_SRCS=	cache/cache.c cache/ops.c cache/alloc.c cache/maint.c \
			cache/prefetch.c cache/cache_stats.c cache/slab.c \
			cache/item.c cache/crc32c.c common/region.c \
			cache/recover.c cache/assoc.c cache/lru.c \
			cache/memlimit.c \
			common/siphash.c
FUZZ_CACHE_OBJS=	$(FUZZ_CACHE_SRCS:%.c=$(FUZZ_DIR)/%.o)
# The admin target checks requests with storage's own validator.
FUZZ_ADMIN_SRCS=	cache/admin.c cache/walk.c cache/prefix.c
FUZZ_ADMIN_OBJS=	$(FUZZ_ADMIN_SRCS:%.c=$(FUZZ_DIR)/%.o)
FUZZ_PROTO_OBJ=	$(FUZZ_DIR)/tests/fuzz/fuzz_proto.o
FUZZ_BINS=	$(FUZZ_TARGETS:%=$(FUZZ_DIR)/fuzz_%)

# Longest input per target: past every small limit the harness sets
# (line 300, value 100 bytes), a few requests deep.
FUZZ_MAXLEN?=		4096
FUZZ_MAXLEN_WIRE?=	2048

.PHONY: fuzz-build fuzz-run fuzz-corpus fuzz-clean

fuzz-build: $(FUZZ_BINS)

# Library objects: coverage instrumentation without libFuzzer's main.
$(FUZZ_DIR)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) -iquote tests/fuzz $(FUZZ_CFLAGS) \
	    -fsanitize=fuzzer-no-link $(PKG_CFLAGS) -MMD -MP -c -o $@ $<

$(FUZZ_DIR)/fuzz_text $(FUZZ_DIR)/fuzz_meta $(FUZZ_DIR)/fuzz_bin: \
    $(FUZZ_DIR)/fuzz_%: $(FUZZ_DIR)/tests/fuzz/fuzz_%.o $(FUZZ_PROTO_OBJ) \
    $(FUZZ_LIB_OBJS)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(PKG_LIBS)

$(FUZZ_DIR)/fuzz_wire: $(FUZZ_DIR)/tests/fuzz/fuzz_wire.o $(FUZZ_LIB_OBJS)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(PKG_LIBS)

$(FUZZ_DIR)/fuzz_recover: $(FUZZ_DIR)/tests/fuzz/fuzz_recover.o \
    $(FUZZ_CACHE_OBJS) $(FUZZ_LIB_OBJS)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(PKG_LIBS)

$(FUZZ_DIR)/fuzz_admin: $(FUZZ_DIR)/tests/fuzz/fuzz_admin.o \
    $(FUZZ_PROTO_OBJ) $(FUZZ_ADMIN_OBJS) $(FUZZ_CACHE_OBJS) $(FUZZ_LIB_OBJS)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(PKG_LIBS)

# The seed writer is an ordinary program (its own main), same objects.
$(FUZZ_DIR)/mkcorpus: $(FUZZ_DIR)/tests/fuzz/mkcorpus.o $(FUZZ_LIB_OBJS)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer-no-link -o $@ $^ \
	    $(PKG_LIBS)

fuzz-corpus: $(FUZZ_DIR)/mkcorpus
	$(FUZZ_DIR)/mkcorpus tests/fuzz/corpus

# Each target runs over a scratch copy of its corpus, so what it learns
# never lands in the tree; crashes go to obj-fuzz/artifacts.  Every target
# runs even after one fails; the exit status says whether any did.
fuzz-run: $(FUZZ_BINS)
	@mkdir -p $(FUZZ_DIR)/artifacts
	@rc=0; for t in $(FUZZ_TARGETS); do \
	    rm -rf $(FUZZ_DIR)/corpus/$$t; \
	    mkdir -p $(FUZZ_DIR)/corpus/$$t; \
	    cp tests/fuzz/corpus/$$t/* $(FUZZ_DIR)/corpus/$$t/; \
	    dict=; [ -f tests/fuzz/$$t.dict ] && \
	        dict=-dict=tests/fuzz/$$t.dict; \
	    case $$t in wire) ml=$(FUZZ_MAXLEN_WIRE);; \
	        *) ml=$(FUZZ_MAXLEN);; esac; \
	    echo "fuzz_$$t: $(FUZZ_SECONDS) s"; \
	    $(FUZZ_NICE) $(FUZZ_DIR)/fuzz_$$t $$dict \
	        -max_total_time=$(FUZZ_SECONDS) \
	        -max_len=$$ml \
	        -artifact_prefix=$(FUZZ_DIR)/artifacts/$$t- \
	        -print_final_stats=1 $(FUZZ_DIR)/corpus/$$t \
	        || { echo "fuzz_$$t FAILED"; rc=1; }; \
	done; exit $$rc

fuzz-clean:
	rm -rf $(FUZZ_DIR)

-include $(FUZZ_LIB_OBJS:.o=.d) $(FUZZ_PROTO_OBJ:.o=.d) \
    $(FUZZ_CACHE_OBJS:.o=.d) $(FUZZ_ADMIN_OBJS:.o=.d) \
    $(FUZZ_TARGETS:%=$(FUZZ_DIR)/tests/fuzz/fuzz_%.d)
