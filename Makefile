# coro: `make demo` runs the examples on the real clock; `make test` runs everything.
CC      ?= cc
CXX     ?= c++
WARN    := -std=c99 -Wall -Wextra -Wpedantic -Werror -Wshadow -Wimplicit-fallthrough
CFLAGS  ?= -O2 -g
CPPFLAGS += -I. -D_POSIX_C_SOURCE=200809L
HEADERS := coro.h coro_sync.h coro_queue.h
B       := build
VIRTUAL := -DCORO_CLOCK=CORO_CLOCK_VIRTUAL

EXAMPLE_SRC := $(sort $(wildcard examples/[0-9][0-9]_*.c))
EXAMPLES    := $(patsubst examples/%.c,$(B)/examples/%,$(EXAMPLE_SRC))
EXAMPLES_V  := $(addsuffix .virtual,$(EXAMPLES))
TEST_SRC    := $(sort $(wildcard tests/test_*.c))
CORE_TEST_SRC := $(sort $(wildcard tests/test_core_*.c))
TESTS       := $(patsubst tests/%.c,$(B)/tests/%,$(TEST_SRC))
CRITERION   := -lcriterion

.PHONY: all examples demo test deps check-examples check-compile sanitize noalloc clean run-tests labels tick16

all: examples

examples: $(EXAMPLES) $(EXAMPLES_V)

$(B)/examples/%: examples/%.c $(HEADERS) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) $< -o $@

$(B)/examples/%.virtual: examples/%.c $(HEADERS) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) $(VIRTUAL) $< -o $@

# The examples on the real clock (04 takes about 4 s, the whole set ~35 s).
demo: $(EXAMPLES)
	@for e in $(EXAMPLES); do echo "== $$e"; ./$$e || exit 1; done

# ---- dependencies -----------------------------------------------------------
# Debian packages `make test` needs. mk/*.mk add theirs: DEB_PKGS for plain
# installs, DEB_PKGS_NR for --no-install-recommends ones (the ARM toolchain).
DEB_PKGS    := libcriterion-dev
DEB_PKGS_NR :=
# Extra steps run by `make test` after the core ones (mk/*.mk append targets).
TEST_STEPS  :=
-include mk/*.mk

deps:
	@missing=""; missing_nr=""; \
	for p in $(DEB_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	for p in $(DEB_PKGS_NR); do dpkg -s $$p >/dev/null 2>&1 || missing_nr="$$missing_nr $$p"; done; \
	if [ -z "$$missing$$missing_nr" ]; then exit 0; fi; \
	if [ "$$(id -u)" != 0 ]; then \
	  echo "deps: missing packages:$$missing$$missing_nr"; \
	  echo "deps: run as root: apt-get update && apt-get install -y$$missing && apt-get install -y --no-install-recommends$$missing_nr"; exit 1; \
	fi; \
	echo "deps: installing$$missing$$missing_nr"; \
	export DEBIAN_FRONTEND=noninteractive; apt-get update -qq || exit 1; \
	if [ -n "$$missing" ]; then apt-get install -y -qq $$missing || exit 1; fi; \
	if [ -n "$$missing_nr" ]; then apt-get install -y -qq --no-install-recommends $$missing_nr || exit 1; fi

# ---- tests ----------------------------------------------------------------------
$(B)/tests/%: tests/%.c $(HEADERS) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) $(VIRTUAL) $< -o $@ $(CRITERION) -lpthread
$(TESTS): $(wildcard tests/*_common.h)

test: deps
	@$(MAKE) --no-print-directory run-tests

run-tests: $(TESTS) examples
	@pass=0; fail=0; failed=""; \
	for t in $(TESTS); do echo "== $$t"; \
	  if ./$$t --jobs 2; then pass=$$((pass+1)); else fail=$$((fail+1)); failed="$$failed $$t"; fi; done; \
	for s in check-examples check-compile noalloc labels tick16 sanitize $(TEST_STEPS); do \
	  if $(MAKE) --no-print-directory $$s; then pass=$$((pass+1)); else fail=$$((fail+1)); failed="$$failed $$s"; fi; done; \
	[ -z "$$failed" ] || echo "make test: failed:$$failed"; \
	echo "make test: $$pass passed, $$fail failed"; [ $$fail = 0 ]

# Every example on the virtual clock prints exactly what CPython printed.
check-examples: $(EXAMPLES_V)
	@pass=0; fail=0; for e in $(EXAMPLES_V); do n=$$(basename $$e .virtual); \
	  if ./$$e | diff -u tests/expected/$$n.out - >$(B)/$$n.diff; then pass=$$((pass+1)); \
	  else fail=$$((fail+1)); echo "example $$n differs:"; cat $(B)/$$n.diff; fi; done; \
	echo "examples: $$pass passed, $$fail failed"; [ $$fail = 0 ]

# Each header alone, all together, as C99 on gcc and clang and as C++.
check-compile:
	@mkdir -p $(B)/compile; set -e; \
	for cc in gcc clang; do for h in $(HEADERS) all; do \
	  if [ $$h = all ]; then inc='#include "coro.h"\n#include "coro_sync.h"\n#include "coro_queue.h"'; else inc="#include \"$$h\""; fi; \
	  printf "#define CORO_IMPLEMENTATION\n$$inc\nint main(void) { return 0; }\n" > $(B)/compile/c_$$h.c; \
	  $$cc $(WARN) -I. -c $(B)/compile/c_$$h.c -o $(B)/compile/c_$$h.$$cc.o; \
	  $$cc $(WARN) -I. $(VIRTUAL) -DCORO_TICK_BITS=64 -c $(B)/compile/c_$$h.c -o $(B)/compile/c_$$h.$$cc.64.o; \
	  printf "$$inc\nint main(void) { return 0; }\n" > $(B)/compile/d_$$h.c; \
	  $$cc $(WARN) -I. -fsyntax-only $(B)/compile/d_$$h.c; \
	done; done; \
	for cxx in g++ clang++; do $$cxx -x c++ -Wall -Wextra -Wpedantic -Werror -I. -c $(B)/compile/c_all.c -o $(B)/compile/cxx.o; done; \
	for cc in gcc clang; do $$cc $(WARN) $(CPPFLAGS) -DCORO_USE_LABELS=1 $(VIRTUAL) examples/05_creating_tasks.c -o $(B)/compile/labels05 && \
	  ./$(B)/compile/labels05 | diff -q - tests/expected/05_creating_tasks.out >/dev/null; done; \
	if grep -nE '\b(malloc|calloc|realloc)[[:space:]]*\(' $(HEADERS); then echo "allocation in a header"; exit 1; fi; \
	echo "compile checks: 1 passed, 0 failed"

# The whole API exercised with malloc/calloc/realloc/free replaced by abort().
noalloc: $(B)/tests/noalloc
	@./$(B)/tests/noalloc && echo "noalloc: 1 passed, 0 failed"
$(B)/tests/noalloc: tests/noalloc.c $(HEADERS) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) $(VIRTUAL) $< -o $@

# The core tests again on the labels-as-values backend and on 16-bit ticks.
labels: $(CORE_TEST_SRC) tests/core_common.h $(HEADERS)
	@mkdir -p $(B)/tests
	for t in $(CORE_TEST_SRC:tests/%.c=%); do $(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) $(VIRTUAL) -DCORO_USE_LABELS=1 tests/$$t.c -o $(B)/tests/$$t.labels $(CRITERION) && \
	  ./$(B)/tests/$$t.labels --jobs 2 || exit 1; done
tick16: $(CORE_TEST_SRC) tests/core_common.h $(HEADERS)
	@mkdir -p $(B)/tests
	for t in $(CORE_TEST_SRC:tests/%.c=%); do $(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) $(VIRTUAL) -DCORO_TICK_BITS=16 tests/$$t.c -o $(B)/tests/$$t.tick16 $(CRITERION) && \
	  ./$(B)/tests/$$t.tick16 --jobs 2 || exit 1; done

# ASan+UBSan, gcc and clang, -O0 and -O2, over every test program.
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
sanitize:
	@mkdir -p $(B)/san; set -e; for cc in gcc clang; do for o in -O0 -O2; do for t in $(TEST_SRC); do \
	  n=$$(basename $$t .c); \
	  $$cc $(WARN) $$o -g $(SAN) $(CPPFLAGS) $(VIRTUAL) $$t -o $(B)/san/$$n.$$cc$$o $(CRITERION) -lpthread; \
	  ASAN_OPTIONS=detect_leaks=0 ./$(B)/san/$$n.$$cc$$o --jobs 2 >$(B)/san/$$n.$$cc$$o.log 2>&1 || { cat $(B)/san/$$n.$$cc$$o.log; exit 1; }; \
	done; done; done; echo "sanitize: 1 passed, 0 failed"

clean:
	rm -rf $(B)
