# Analysis: sanitizers, the fuzzer, stress, valgrind, coverage, static analysis,
# MISRA and mutation testing (issue 7). The hostile-input tests are
# tests/test_hostile.c (a Criterion suite); the fuzzer and stress harnesses are
# tests/fuzz/fuzz_loop.c (seeds in tests/fuzz/corpus/) and tests/stress.c.
#   make sanitize                ASan+UBSan, gcc and clang, -O0 and -O2, over every Criterion suite
#   make fuzz FUZZ_SECONDS=600   the libFuzzer campaign (corpus kept in build/fuzz/corpus)
#   make fuzz-ci                 bounded: the seed corpus, then FUZZ_CI_SECONDS of fuzzing
#   make stress                  254 slots, 10M timer ops, 16-bit tick wraps, 16-bit indices, storm
#   make valgrind                memcheck over the test programs
#   make coverage                gcov line/branch coverage of the headers (>= 95% of lines)
#   make lint                    cppcheck and clang-tidy on the headers
#   make misra                   cppcheck's MISRA C:2012 addon against docs/MISRA.md
#   make mutation                sampled mutants of the headers against the suites (not in make test)
#   make mutation-survivors      re-test only the last run's unlisted survivors
DEB_PKGS   += clang libclang-rt-14-dev valgrind cppcheck clang-tidy python3
TEST_STEPS += sanitize fuzz-ci stress valgrind coverage lint misra

.PHONY: sanitize fuzz fuzz-ci stress valgrind valgrind-all coverage lint misra mutation mutation-list mutation-survivors

rparen := )

# ---- sanitizers ------------------------------------------------------------------
sanitize:
	@mkdir -p $(B)/san; pass=0; fail=0; for cc in $(HOST_CCS); do for o in -O0 -O2; do for t in $(TEST_SRC); do \
	  n=$$(basename $$t .c); \
	  if $$cc $(WARN) $$o -g $(SAN) $(CPPFLAGS) $(VIRTUAL) $$t -o $(B)/san/$$n.$$cc$$o $(CRITERION) -lpthread && \
	     ASAN_OPTIONS=detect_leaks=0 ./$(B)/san/$$n.$$cc$$o --jobs 2 >$(B)/san/$$n.$$cc$$o.log 2>&1; then pass=$$((pass+1)); \
	  else fail=$$((fail+1)); echo "sanitize: $$n ($$cc $$o) failed:"; tail -40 $(B)/san/$$n.$$cc$$o.log; fi; \
	done; done; done; echo "sanitize: $$pass passed, $$fail failed ($(words $(TEST_SRC)) suites x $(HOST_CCS) x -O0 -O2)"; [ $$fail = 0 ]

# ---- the fuzzer ------------------------------------------------------------------
# tests/fuzz/fuzz_loop.c: a model-checking fuzzer (docs/ROBUSTNESS.md).
FUZZ_SECONDS    ?= 600
FUZZ_CI_SECONDS ?= 60
FUZZ_CC         ?= clang
ROBUST_DEPS     := $(HEADERS) tests/coro_check.h mk/analysis.mk
FUZZ_FLAGS      := $(WARN) -O1 -g -fno-sanitize-recover=all $(CPPFLAGS) -Itests

$(B)/fuzz/fuzz_loop: tests/fuzz/fuzz_loop.c $(ROBUST_DEPS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer,address,undefined $< -o $@
# the same harness without libFuzzer (gcc; valgrind; coverage): replays files
$(B)/fuzz/fuzz_replay: tests/fuzz/fuzz_loop.c $(ROBUST_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(FUZZ_FLAGS) -DFUZZ_STANDALONE -fsanitize=address,undefined $< -o $@
$(B)/fuzz/fuzz_replay.plain: tests/fuzz/fuzz_loop.c $(ROBUST_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(FUZZ_FLAGS) -DFUZZ_STANDALONE $< -o $@

# Run the fuzzer for $(1) seconds on corpus dir $(2) (seeded from tests/fuzz/corpus);
# print executions, rate and the verdict. A crash leaves its input in $(B)/fuzz/.
define fuzz_run
	@mkdir -p $(2) $(B)/fuzz/artifacts; cp -n tests/fuzz/corpus/* $(2)/ 2>/dev/null; \
	./$(B)/fuzz/fuzz_loop -max_total_time=$(1) -max_len=1024 -timeout=10 -rss_limit_mb=1024 -print_final_stats=1 \
	  -artifact_prefix=$(B)/fuzz/artifacts/ $(2) >$(B)/fuzz/run.log 2>&1; rc=$$?; \
	runs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $(B)/fuzz/run.log); \
	secs=$$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' $(B)/fuzz/run.log); \
	cov=$$(grep -o 'cov: [0-9]*' $(B)/fuzz/run.log | tail -1); \
	echo "fuzz: $${runs:-0} executions in $${secs:-?} s ($$(( $${runs:-0} / ($${secs:-1} + ($${secs:-1} == 0)) )) exec/s), $$cov edges, corpus $$(ls $(2) | wc -l)"; \
	if [ $$rc != 0 ]; then grep -E 'fuzz_loop:|ERROR|SUMMARY' $(B)/fuzz/run.log | head -20; ls $(B)/fuzz/artifacts; \
	  echo "fuzz: 0 passed, 1 failed"; exit 1; fi; echo "fuzz: 1 passed, 0 failed"
endef

fuzz: $(B)/fuzz/fuzz_loop
	$(call fuzz_run,$(FUZZ_SECONDS),$(B)/fuzz/corpus)

# CI: every seed replayed by the gcc build (ASan+UBSan), then a bounded campaign
# from the seeds only (a fresh corpus each time: reproducible in length).
fuzz-ci: $(B)/fuzz/fuzz_loop $(B)/fuzz/fuzz_replay
	@if ./$(B)/fuzz/fuzz_replay tests/fuzz/corpus/* >$(B)/fuzz/replay.log 2>&1; then \
	  echo "fuzz seeds: $$(sed -n 's/^fuzz_loop: \([0-9]*\) inputs replayed/\1/p' $(B)/fuzz/replay.log) passed, 0 failed"; \
	else tail -20 $(B)/fuzz/replay.log; echo "fuzz seeds: 0 passed, 1 failed"; exit 1; fi
	@rm -rf $(B)/fuzz/ci-corpus
	$(call fuzz_run,$(FUZZ_CI_SECONDS),$(B)/fuzz/ci-corpus)

# ---- stress ----------------------------------------------------------------------
STRESS_VARIANTS := idx8 tick16 index16
stress: tests/stress.c $(ROBUST_DEPS)
	@mkdir -p $(B)/stress; pass=0; fail=0; for v in $(STRESS_VARIANTS); do \
	  case $$v in $(foreach v,tick16 index16,$(v)$(rparen) f="$(VARIANT_$(v))";;) *) f=;; esac; \
	  $(CC) $(WARN) -O2 $(CPPFLAGS) -Itests $(VIRTUAL) $$f tests/stress.c -o $(B)/stress/stress.$$v || exit 1; \
	  if ./$(B)/stress/stress.$$v; then pass=$$((pass+1)); else fail=$$((fail+1)); echo "stress: $$v failed"; fi; done; \
	echo "stress: $$pass passed, $$fail failed (builds: $(STRESS_VARIANTS))"; [ $$fail = 0 ]

# ---- valgrind ----------------------------------------------------------------------
# Criterion runs each test in a re-executed worker: --trace-children=yes
# follows them (Criterion 2.4 has no --no-fork). That costs ~0.8 s per test
# and the thread/signal tests crawl under valgrind's serialised threads, so CI
# runs the core and hostile suites, the fuzz seeds (every operation of the three
# headers, checked against the model), the stress program and noalloc, all
# with leak checking; `make valgrind-all` adds every Criterion suite (~15 min).
# Criterion's runner itself keeps buffers to exit (nanomsg): its leaks are
# not ours, so the suites run without leak checking.
VG := valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite -q
VG_CRIT := valgrind --error-exitcode=99 --leak-check=no -q --trace-children=yes
VG_TESTS ?= $(patsubst tests/%.c,%,$(sort $(wildcard tests/test_core*.c))) test_hostile
valgrind: $(B)/fuzz/fuzz_replay.plain $(B)/tests/noalloc $(addprefix $(B)/tests/,$(VG_TESTS)) tests/stress.c
	@mkdir -p $(B)/vg; n=0; fail=0; \
	for t in $(VG_TESTS); do n=$$((n+1)); $(VG_CRIT) ./$(B)/tests/$$t --jobs 2 >$(B)/vg/$$t.log 2>&1 || \
	  { fail=$$((fail+1)); echo "valgrind: $$t"; grep -v boxfort $(B)/vg/$$t.log | tail -30; }; done; \
	n=$$((n+1)); $(VG) ./$(B)/fuzz/fuzz_replay.plain tests/fuzz/corpus/* >$(B)/vg/fuzz.log 2>&1 || { fail=$$((fail+1)); tail -30 $(B)/vg/fuzz.log; }; \
	n=$$((n+1)); $(VG) ./$(B)/tests/noalloc >$(B)/vg/noalloc.log 2>&1 || { fail=$$((fail+1)); tail -30 $(B)/vg/noalloc.log; }; \
	$(CC) $(WARN) -O2 -g $(CPPFLAGS) -Itests $(VIRTUAL) -DSTRESS_TIMER_OPS=200000ul tests/stress.c -o $(B)/vg/stress; \
	n=$$((n+1)); $(VG) ./$(B)/vg/stress >$(B)/vg/stress.log 2>&1 || { fail=$$((fail+1)); tail -30 $(B)/vg/stress.log; }; \
	echo "valgrind: $$((n - fail)) passed, $$fail failed"; [ $$fail = 0 ]
valgrind-all:
	@$(MAKE) --no-print-directory valgrind VG_TESTS="$(patsubst tests/%.c,%,$(TEST_SRC))"

# ---- coverage ------------------------------------------------------------------------
# Every Criterion suite, the fuzz seeds and the stress program, built -O0
# --coverage; the headers' counts merged over all of them (tools/coverage.py).
COV_MIN ?= 95
coverage: $(ROBUST_DEPS) tools/coverage.py tests/fuzz/fuzz_loop.c tests/stress.c $(TEST_SRC)
	@rm -rf $(B)/cov; mkdir -p $(B)/cov; set -e; cd $(B)/cov; \
	for t in $(TEST_SRC); do n=$$(basename $$t .c); \
	  $(CC) $(WARN) -O0 -g --coverage $(addprefix -I../../,. tests) -D_POSIX_C_SOURCE=200809L $(VIRTUAL) -c ../../$$t -o $$n.o; \
	  $(CC) --coverage $$n.o -o $$n $(CRITERION) -lpthread; ./$$n --jobs 2 >$$n.log 2>&1 || { cat $$n.log; exit 1; }; done; \
	$(CC) $(FUZZ_FLAGS:-I%=-I../../%) -I../.. -O0 --coverage -DFUZZ_STANDALONE -c ../../tests/fuzz/fuzz_loop.c -o fuzz_loop.o; \
	$(CC) --coverage fuzz_loop.o -o fuzz_loop; ./fuzz_loop ../../tests/fuzz/corpus/* >/dev/null; \
	$(CC) $(WARN) -O0 --coverage -I../.. -I../../tests -D_POSIX_C_SOURCE=200809L $(VIRTUAL) -DSTRESS_TIMER_OPS=100000ul -c ../../tests/stress.c -o stress.o; \
	$(CC) --coverage stress.o -o stress; ./stress >/dev/null; \
	for o in *.o; do gcov -b -j $$o >/dev/null 2>&1; done; \
	cd ../..; python3 tools/coverage.py $(COV_MIN) $(B)/cov/*.gcov.json.gz

# ---- static analysis -----------------------------------------------------------------
# One translation unit with every header and its implementation, in the
# default configuration and with the debug knobs. Suppressions are inline in
# the headers (cppcheck-suppress / NOLINT), each with its reason.
# Checks left out, and why: easily-swappable-parameters (the API's (loop,
# task) pairs are its design); reserved-identifier and cert-dcl37/51 (the
# private coro__ prefix of STYLE.md has a double underscore on purpose);
# unused-parameters (hooks and callbacks have fixed signatures);
# macro-parentheses (the await macros take statements and lvalues that must
# not be parenthesised); no-recursion (none that is unbounded: a task's
# cancellation forwards along a chain of awaiters); narrowing-conversions
# (coro_status is a signed char by design, one byte per slot: every value
# stored is an enum constant in 0..127, so the int to signed char conversions
# it flags, mostly ternaries of two constants, keep their value).
LINT_TU := $(B)/lint/all.c
TIDY_CHECKS := clang-analyzer-*,bugprone-*,cert-*,misc-*,performance-*,portability-*,-bugprone-easily-swappable-parameters,-bugprone-reserved-identifier,-cert-dcl37-c,-cert-dcl51-cpp,-misc-unused-parameters,-bugprone-macro-parentheses,-misc-no-recursion,-bugprone-narrowing-conversions,-cppcoreguidelines-narrowing-conversions
lint: $(HEADERS) mk/analysis.mk
	@mkdir -p $(B)/lint; pass=0; fail=0; \
	printf '#define CORO_IMPLEMENTATION\n#include "coro.h"\n#include "coro_sync.h"\n#include "coro_queue.h"\n' > $(LINT_TU); \
	if cppcheck --quiet --error-exitcode=1 --inline-suppr --enable=warning,style,performance,portability \
	  --std=c99 --suppress=missingIncludeSystem --suppress=unusedFunction -I. -D_POSIX_C_SOURCE=200809L \
	  -DCORO_CLOCK=CORO_CLOCK_VIRTUAL -UCORO_DEBUG -UCORO_STALL_TICKS -UCORO_USE_LABELS -U__AVR__ -U__cplusplus $(LINT_TU) 2>$(B)/lint/cppcheck.log; \
	then pass=$$((pass+1)); else fail=$$((fail+1)); cat $(B)/lint/cppcheck.log; echo "lint: cppcheck failed"; fi; \
	for cfg in default knobs; do \
	  if if [ $$cfg = default ]; then clang-tidy --quiet --header-filter='coro' --warnings-as-errors='*' --checks='-*,$(TIDY_CHECKS)' $(LINT_TU) -- $(WARN) $(CPPFLAGS) >$(B)/lint/tidy.$$cfg.log 2>&1; \
	     else clang-tidy --quiet --header-filter='coro' --warnings-as-errors='*' --checks='-*,$(TIDY_CHECKS)' $(LINT_TU) -- $(WARN) $(CPPFLAGS) $(KNOBS) >$(B)/lint/tidy.$$cfg.log 2>&1; fi; \
	  then pass=$$((pass+1)); else fail=$$((fail+1)); grep -E -A3 'warning|error' $(B)/lint/tidy.$$cfg.log | head -80; echo "lint: clang-tidy failed ($$cfg)"; fi; done; \
	echo "lint: $$pass passed, $$fail failed (cppcheck; clang-tidy default and knobs)"; [ $$fail = 0 ]

# ---- MISRA C:2012 --------------------------------------------------------------------
# cppcheck's misra addon (rule numbers only: the rule texts are MISRA's) over
# the headers (one translation unit with the implementation) and over
# examples that expand the await macros in user code. Every rule it reports
# must be a documented deviation in docs/MISRA.md (a row "| rule |"); the
# step fails on any other.
MISRA_EXAMPLES := 05_creating_tasks 11_lock_for_mutual_exclusion 14_timeout_handling 16_queue_processing
MISRA_FLAGS := --quiet --addon=misra --std=c99 --inline-suppr -I. -D_POSIX_C_SOURCE=200809L -DCORO_CLOCK=CORO_CLOCK_USER \
  -UCORO_DEBUG -U__AVR__ -U__cplusplus -U__GNUC__ -U__clang__ --suppress=missingIncludeSystem --template='{file}:{line}: {id}'
misra: $(HEADERS) mk/analysis.mk docs/MISRA.md
	@mkdir -p $(B)/misra; \
	printf '#define CORO_IMPLEMENTATION\n#include "coro.h"\n#include "coro_sync.h"\n#include "coro_queue.h"\n' > $(B)/misra/all.c; \
	cppcheck $(MISRA_FLAGS) $(B)/misra/all.c 2>$(B)/misra/headers.txt; \
	for e in $(MISRA_EXAMPLES); do cppcheck $(MISRA_FLAGS) examples/$$e.c; done 2>$(B)/misra/examples.txt; \
	grep -E '^(coro|coro_sync|coro_queue)\.h:' $(B)/misra/headers.txt | sed -n 's/.*misra-c2012-\([0-9.]*\).*/\1/p' | sort -V | uniq -c > $(B)/misra/rules-headers.txt; \
	grep -E '^examples/' $(B)/misra/examples.txt | sed -n 's/.*misra-c2012-\([0-9.]*\).*/\1/p' | sort -V | uniq -c > $(B)/misra/rules-examples.txt; \
	documented=0; missing=0; for f in headers examples; do while read n r; do \
	  if grep -q "^| $$r |" docs/MISRA.md; then documented=$$((documented+1)); \
	  else echo "misra: rule $$r ($$n findings in the $$f) is not in docs/MISRA.md"; missing=$$((missing+1)); fi; done < $(B)/misra/rules-$$f.txt; done; \
	echo "misra: headers $$(awk '{s+=$$1} END {print s+0}' $(B)/misra/rules-headers.txt) findings under $$(wc -l < $(B)/misra/rules-headers.txt) rules," \
	  "user code $$(awk '{s+=$$1} END {print s+0}' $(B)/misra/rules-examples.txt) findings under $$(wc -l < $(B)/misra/rules-examples.txt) rules; undocumented: $$missing"; \
	echo "misra: $$documented passed, $$missing failed (rules reported, each documented or not)"; [ $$missing = 0 ]

# ---- mutation testing (tools/mutation.py): do the tests notice a wrong line? --------
# A fixed sample of mutants of the three headers, each run against the unit
# suites and the examples diff; fails when a survivor is neither killed nor
# listed (with its reason) in tests/mutation-equivalent.txt. Not part of `make test`.
MUT_N    ?= 160
MUT_SEED ?= 1
mutation:
	python3 tools/mutation.py -n $(MUT_N) --seed $(MUT_SEED) --jobs 2 --survivors $(B)/mutation-survivors.txt
# re-test only the survivors of the last run (build/mutation-survivors.txt), e.g. after adding tests
mutation-survivors:
	python3 tools/mutation.py --only $(B)/mutation-survivors.txt --survivors $(B)/mutation-survivors.txt --jobs 2
mutation-list:
	python3 tools/mutation.py --list
