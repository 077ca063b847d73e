# The project's benchmark: a fragment of the GNUmakefile, included at its
# end with `-include bench/bench.mk'.  It stands alone as well:
# `make -f GNUmakefile -f bench/bench.mk bench-build'.
#
#   make bench-build    obj-bench/loadgen (the load generator, bench/loadgen.c)
#   make bench          build everything, run bench/compare.py (privcached
#                       against stock memcached, A B A B) and rewrite the
#                       results section of bench/README.md
#   make bench BENCH_ARGS="--rounds 5 --duration 20 --workloads a,b"
#   make bench-scaling  build everything, run bench/compare.py --scaling
#                       (memcached and privcached at -t 1 and -t 2) and
#                       rewrite the scaling section of bench/README.md;
#                       BENCH_ARGS as for bench

ifndef BENCH_MK_INCLUDED
BENCH_MK_INCLUDED=	1

BENCH_DIR?=	obj-bench
BENCH_CC?=	$(CC)
# libtls (Debian: libtls-dev) for --tls; without a .pc file, plain -ltls.
BENCH_CFLAGS=	-std=c11 -Wall -Wextra -Werror -O2 -g \
		    $(shell pkg-config --cflags libevent 2>/dev/null) \
		    $(shell pkg-config --cflags libtls 2>/dev/null)
BENCH_LIBS=	$(shell pkg-config --libs libevent 2>/dev/null) \
		    $(shell pkg-config --libs libtls 2>/dev/null || echo -ltls)
BENCH_ARGS?=

.PHONY: bench bench-build bench-scaling

bench-build: $(BENCH_DIR)/loadgen

$(BENCH_DIR)/loadgen: bench/loadgen.c bench/bench.mk
	@mkdir -p $(BENCH_DIR)
	$(BENCH_CC) $(BENCH_CFLAGS) -o $@ bench/loadgen.c $(BENCH_LIBS)

bench: bench-build
	/usr/bin/python3 bench/compare.py $(BENCH_ARGS)

bench-scaling: bench-build
	/usr/bin/python3 bench/compare.py --scaling $(BENCH_ARGS)

endif
