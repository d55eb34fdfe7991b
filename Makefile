# coro: `make demo` runs the examples on the real clock; `make check` is the
# edit-compile-test loop (a C compiler and Criterion); `make test` runs everything.
#
# The build by purpose (each file opens with its targets):
#   Makefile         the definitions every step shares (warnings, build variants,
#                    sources), the examples, the Criterion suites, deps, check, test
#   mk/host.mk       the host checks: examples diff, compile checks, noalloc, the
#                    suites rerun in build variants, compile-time refusals, misuse
#   mk/analysis.mk   sanitizers, fuzzer, stress, valgrind, coverage, lint, MISRA, mutation
#   mk/targets.mk    microcontrollers: AVR (simavr), Cortex-M (QEMU), RISC-V (QEMU),
#                    the Arduino core; size and cycle tables
#   mk/docs.mk       timelines, playground, API reference, packaging (install, versions)
#   mk/bench.mk      coro against its peers (docs/PERFORMANCE.md)
# Every step ends with "<step>: N passed, M failed", N and M counted from what ran.
CC      ?= cc
CXX     ?= c++
CFLAGS  ?= -O2 -g
CPPFLAGS += -I. -D_POSIX_C_SOURCE=200809L
HEADERS := coro.h coro_sync.h coro_queue.h
B       := build
VIRTUAL := -DCORO_CLOCK=CORO_CLOCK_VIRTUAL
CRITERION := -lcriterion

# ---- warnings: the one definition -------------------------------------------------
# WARN for C99 everywhere (host, ARM, RISC-V, every check); WARN_CXX for the
# headers as C++ (without -Wshadow: C++ warns when a coroutine shares its frame
# struct's name, the CORO_FN idiom); WARN_AVR drops -Wimplicit-fallthrough
# (avr-gcc 5.4 predates it).
WARN_FLAGS := -Wall -Wextra -Wpedantic -Werror -Wshadow -Wimplicit-fallthrough
WARN       := -std=c99 $(WARN_FLAGS)
WARN_CXX   := -x c++ $(filter-out -Wshadow,$(WARN_FLAGS))
WARN_AVR   := $(filter-out -Wimplicit-fallthrough,$(WARN))
# The host compilers the compile checks loop over (`make check` keeps those installed).
HOST_CCS  ?= gcc clang
HOST_CXXS ?= g++ clang++

# ---- build variants: the one table ------------------------------------------------
# name        flags                              rerun by
# labels      labels-as-values backend           make labels (core), queue-variants
# tick16      16-bit ticks                       make tick16 (core), queue-variants, stress
# gen8        8-bit generations (AVR default)    make gen8 (core)
# index16     16-bit slot indices                queue-variants, stress
# seq16       2-byte priority insertion numbers  queue-variants
# seq32       4-byte priority insertion numbers  queue-variants
# ndebug      asserts off                        sync-ndebug
# tick64      64-bit ticks                       check-compile, trace-check, play-check
# Each name builds build/tests/<suite>.<name> from tests/<suite>.c.
VARIANTS        := labels tick16 gen8 index16 seq16 seq32 ndebug tick64
VARIANT_labels  := -DCORO_USE_LABELS=1
VARIANT_tick16  := -DCORO_TICK_BITS=16
VARIANT_gen8    := -DCORO_GEN_BITS=8
VARIANT_index16 := -DCORO_INDEX_BITS=16
VARIANT_seq16   := -DCORO_PRIORITY_SEQ_BYTES=2
VARIANT_seq32   := -DCORO_PRIORITY_SEQ_BYTES=4
VARIANT_ndebug  := -DNDEBUG
VARIANT_tick64  := -DCORO_TICK_BITS=64
# ASan+UBSan (make sanitize, the fuzzer)
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

# ---- sources ------------------------------------------------------------------------
EXAMPLE_SRC := $(sort $(wildcard examples/[0-9][0-9]_*.c))
EXAMPLES    := $(patsubst examples/%.c,$(B)/examples/%,$(EXAMPLE_SRC))
EXAMPLES_V  := $(addsuffix .virtual,$(EXAMPLES))
TEST_SRC    := $(sort $(wildcard tests/test_*.c))
TEST_COMMON := $(wildcard tests/*_common.h tests/coro_check.h)
TESTS       := $(patsubst tests/%.c,$(B)/tests/%,$(TEST_SRC))
# "The core tests" that the variant steps rerun: the scheduler's suites.
CORE_SRC    := $(sort $(wildcard tests/test_core*.c)) tests/test_loop.c tests/test_spin.c
# $(call variant_bins,variant,sources): the variant's binaries of those suites
variant_bins = $(patsubst tests/%.c,$(B)/tests/%.$(1),$(2))
# $(call run_suites,step,binaries): run each Criterion binary, count, show failures
run_suites = pass=0; fail=0; for t in $(2); do \
	  if ./$$t --jobs 2 >$$t.log 2>&1; then pass=$$((pass+1)); else fail=$$((fail+1)); echo "$(1): $$t failed:"; tail -40 $$t.log; fi; done; \
	echo "$(1): $$pass passed, $$fail failed ($(words $(2)) suites)"; [ $$fail = 0 ]

.PHONY: all examples demo test check deps clean run-tests run-steps

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

# ---- the Criterion suites, plain and in each variant -------------------------------
$(B)/tests/%: tests/%.c $(HEADERS) $(TEST_COMMON) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) $(VIRTUAL) $< -o $@ $(CRITERION) -lpthread

# The timer suite again with 16-bit indices (the heap's CORO__KEY64 layout).
$(B)/tests/test_core_timers_wide: tests/test_core_timers.c

define VARIANT_RULE
$(B)/tests/%.$(1): tests/%.c $(HEADERS) $(TEST_COMMON) Makefile
	@mkdir -p $$(dir $$@)
	$$(CC) $$(WARN) $$(CFLAGS) $$(CPPFLAGS) $$(VIRTUAL) $$(VARIANT_$(1)) $$< -o $$@ $$(CRITERION) -lpthread
endef
$(foreach v,$(VARIANTS),$(eval $(call VARIANT_RULE,$(v))))

# ---- dependencies -------------------------------------------------------------------
# Debian packages `make test` needs. mk/*.mk add theirs: DEB_PKGS for plain
# installs, DEB_PKGS_NR for --no-install-recommends ones (the ARM toolchain).
DEB_PKGS    := libcriterion-dev
DEB_PKGS_NR :=
# The steps of `make test` after the suites (each mk file appends its own, in
# the order read below); CHECK_STEPS: those of `make check` (C compiler and
# Criterion only).
TEST_STEPS  :=
CHECK_STEPS :=
MK_ORDERED  := mk/host.mk mk/analysis.mk mk/targets.mk mk/docs.mk mk/bench.mk
include $(MK_ORDERED)
# Checks of one subject that keep their own file (await.mk, ports.mk, ...).
include $(filter-out $(MK_ORDERED),$(sort $(wildcard mk/*.mk)))

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

# ---- make test, make check ------------------------------------------------------------
# The suites, then each step; the total counts suites and steps.
# $(call run_steps,name,steps)
run_steps = pass=0; fail=0; failed=""; \
	for t in $(TESTS); do echo "== $$t"; \
	  if ./$$t --jobs 2; then pass=$$((pass+1)); else fail=$$((fail+1)); failed="$$failed $$t"; fi; done; \
	for s in $(2); do \
	  if $(MAKE) --no-print-directory $$s $(STEP_ARGS); then pass=$$((pass+1)); else fail=$$((fail+1)); failed="$$failed $$s"; fi; done; \
	[ -z "$$failed" ] || echo "$(1): failed:$$failed"; \
	echo "$(1): $$pass passed, $$fail failed ($(words $(TESTS)) suites, $(words $(2)) steps)"; [ $$fail = 0 ]

test: deps
	@$(MAKE) --no-print-directory run-tests

run-tests: $(TESTS) examples
	@$(call run_steps,make test,$(TEST_STEPS))

# The edit-compile-test loop: no `make deps`, no emulators, no browser, no
# valgrind; the compile checks use whichever of gcc/clang/g++/clang++ exist.
CHECK_CCS  := $(foreach c,$(HOST_CCS),$(if $(shell command -v $(c) 2>/dev/null),$(c)))
CHECK_CXXS := $(foreach c,$(HOST_CXXS),$(if $(shell command -v $(c) 2>/dev/null),$(c)))
check:
	@$(MAKE) --no-print-directory -j2 $(TESTS) $(EXAMPLES_V) $(B)/tests/noalloc
	@$(call run_steps,make check,$(CHECK_STEPS))
check: STEP_ARGS = HOST_CCS="$(CHECK_CCS)" HOST_CXXS="$(CHECK_CXXS)"

clean:
	rm -rf $(B)
