# Robustness (issue 7): a model-checking fuzzer, stress, compile-time misuse
# checks, valgrind, coverage, static analysis and the MISRA report.
# (The hostile-input tests are tests/test_hostile.c: the core Makefile builds,
# runs and sanitizes every tests/test_*.c.)
#   make fuzz FUZZ_SECONDS=600   the libFuzzer campaign (corpus kept in build/fuzz/corpus)
#   make fuzz-ci                 bounded: the seed corpus, then FUZZ_CI_SECONDS of fuzzing
#   make stress                  254 slots, 10M timer ops, 16-bit tick wraps, 16-bit indices, storm
#   make robust-compile          misuse that must not compile; every debug knob warning-free
#   make valgrind                memcheck over the test programs
#   make coverage                gcov line/branch coverage of the headers (>= 95% of lines)
#   make lint                    cppcheck and clang-tidy on the headers
#   make misra                   cppcheck's MISRA C:2012 addon against docs/MISRA.md
DEB_PKGS   += clang libclang-rt-14-dev valgrind cppcheck clang-tidy python3
TEST_STEPS += fuzz-ci stress robust-compile valgrind coverage lint misra

.PHONY: fuzz fuzz-ci stress robust-compile valgrind valgrind-all coverage lint misra

FUZZ_SECONDS    ?= 600
FUZZ_CI_SECONDS ?= 60
FUZZ_CC         ?= clang
ROBUST_DEPS     := $(HEADERS) tests/coro_check.h mk/robust.mk
FUZZ_FLAGS      := -std=c99 -Wall -Wextra -Wpedantic -Werror -Wshadow -O1 -g -fno-sanitize-recover=all \
                   $(CPPFLAGS) -Itests

# ---- the fuzzer ------------------------------------------------------------------
$(B)/fuzz/fuzz_loop: tools/fuzz/fuzz_loop.c $(ROBUST_DEPS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer,address,undefined $< -o $@
# the same harness without libFuzzer (gcc; valgrind; coverage): replays files
$(B)/fuzz/fuzz_replay: tools/fuzz/fuzz_loop.c $(ROBUST_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(FUZZ_FLAGS) -DFUZZ_STANDALONE -fsanitize=address,undefined $< -o $@
$(B)/fuzz/fuzz_replay.plain: tools/fuzz/fuzz_loop.c $(ROBUST_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(FUZZ_FLAGS) -DFUZZ_STANDALONE $< -o $@

# Run the fuzzer for $(1) seconds on corpus dir $(2) (seeded from tools/fuzz/corpus);
# print executions, rate and the verdict. A crash leaves its input in $(B)/fuzz/.
define fuzz_run
	@mkdir -p $(2) $(B)/fuzz/artifacts; cp -n tools/fuzz/corpus/* $(2)/ 2>/dev/null; \
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
	@./$(B)/fuzz/fuzz_replay tools/fuzz/corpus/* || { echo "fuzz: 0 passed, 1 failed"; exit 1; }
	@rm -rf $(B)/fuzz/ci-corpus
	$(call fuzz_run,$(FUZZ_CI_SECONDS),$(B)/fuzz/ci-corpus)

# ---- stress ----------------------------------------------------------------------
STRESS_VARIANTS := idx8: tick16:-DCORO_TICK_BITS=16 idx16:-DCORO_INDEX_BITS=16
stress: tests/stress.c $(ROBUST_DEPS)
	@mkdir -p $(B)/stress; fail=0; for v in $(STRESS_VARIANTS); do n=$${v%%:*}; f=$${v#*:}; \
	  $(CC) $(WARN) -O2 $(CPPFLAGS) -Itests $(VIRTUAL) $$f tests/stress.c -o $(B)/stress/stress.$$n || exit 1; \
	  ./$(B)/stress/stress.$$n || fail=1; done; \
	if [ $$fail = 0 ]; then echo "stress: 3 passed, 0 failed"; else echo "stress: FAILED"; exit 1; fi

# ---- misuse that must not compile, knobs that must compile cleanly ---------------
# Hostile input 23 (a queue passed as a lock, a lock as a semaphore, an event
# as a queue) is a compile-time error in C (-Werror) and C++; the debug knobs
# (CORO_DEBUG, CORO_ON_DEADLOCK, CORO_STALL_TICKS, CORO_TRACE) compile
# warning-free with gcc, clang and as C++.
KNOBS := -DCORO_DEBUG=1 -DCORO_STALL_TICKS=10 '-DCORO_STALL(l,t,d)=((void)(l),(void)(t),(void)(d))' \
         '-DCORO_ON_DEADLOCK(l)=((void)(l))' '-DCORO_TRACE(l,e,i,a)=((void)(l),(void)(e),(void)(i),(void)(a))'
robust-compile:
	@mkdir -p $(B)/compile; set -e; ok=0; \
	for bad in GOOD 'CORO_LOCK(self, &self->q.q)' 'CORO_SEM_ACQUIRE(self, &self->l)' 'CORO_QUEUE_GET(self, &self->e, &self->x)' \
	           'CORO_EVENT_WAIT(self, &self->s)' 'CORO_AWAIT_TASK(self, self->l)'; do \
	  printf '#define CORO_IMPLEMENTATION\n#include "coro_sync.h"\n#include "coro_queue.h"\nstruct f { coro_frame co; coro_lock l; coro_event e; coro_sem s; CORO_QUEUE_OF(int, 2) q; int x; };\nstatic CORO_FN(fn, struct f, self)\n{\n    CORO_BEGIN(self);\n    %s;\n    CORO_END(self);\n}\nint main(void) { static struct f f; return coro_run(fn, &f); }\n' "$$bad" > $(B)/compile/bad.c; \
	  if [ "$$bad" = GOOD ]; then sed -i 's/GOOD;/CORO_LOCK(self, \&self->l); CORO_SEM_ACQUIRE(self, \&self->s); CORO_QUEUE_GET(self, \&self->q.q, \&self->x); CORO_EVENT_WAIT(self, \&self->e);/' $(B)/compile/bad.c; \
	    for cc in gcc clang; do $$cc $(WARN) $(CPPFLAGS) -c $(B)/compile/bad.c -o $(B)/compile/bad.o; done; \
	    g++ -x c++ -Wall -Werror -I. -c $(B)/compile/bad.c -o $(B)/compile/bad.o; continue; fi; \
	  for cc in gcc clang; do if $$cc $(WARN) $(CPPFLAGS) -c $(B)/compile/bad.c -o $(B)/compile/bad.o 2>/dev/null; then \
	    echo "robust-compile: '$$bad' compiles with $$cc"; exit 1; fi; done; \
	  if g++ -x c++ -Wall -Werror -I. -c $(B)/compile/bad.c -o $(B)/compile/bad.o 2>/dev/null; then \
	    echo "robust-compile: '$$bad' compiles as C++"; exit 1; fi; ok=$$((ok+1)); done; \
	printf '#define CORO_IMPLEMENTATION\n#include "coro.h"\n#include "coro_sync.h"\n#include "coro_queue.h"\nint main(void) { return 0; }\n' > $(B)/compile/knobs.c; \
	for cc in gcc clang; do for o in -O0 -O2; do $$cc $(WARN) $$o $(CPPFLAGS) $(KNOBS) -c $(B)/compile/knobs.c -o $(B)/compile/knobs.o; \
	  $$cc $(WARN) $$o $(CPPFLAGS) $(KNOBS) -DCORO_USE_LABELS=1 -DCORO_TICK_BITS=16 -c $(B)/compile/knobs.c -o $(B)/compile/knobs.o; done; done; \
	for cxx in g++ clang++; do $$cxx -x c++ -Wall -Wextra -Wpedantic -Werror -I. $(KNOBS) -c $(B)/compile/knobs.c -o $(B)/compile/knobs.o; done; \
	echo "robust-compile: $$((ok + 1)) passed, 0 failed"

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
VG_TESTS ?= $(CORE_TEST_SRC:tests/%.c=%) test_hostile
valgrind: $(B)/fuzz/fuzz_replay.plain $(B)/tests/noalloc $(addprefix $(B)/tests/,$(VG_TESTS)) tests/stress.c
	@mkdir -p $(B)/vg; n=0; fail=0; \
	for t in $(VG_TESTS); do n=$$((n+1)); $(VG_CRIT) ./$(B)/tests/$$t --jobs 2 >$(B)/vg/$$t.log 2>&1 || \
	  { fail=$$((fail+1)); echo "valgrind: $$t"; grep -v boxfort $(B)/vg/$$t.log | tail -30; }; done; \
	n=$$((n+1)); $(VG) ./$(B)/fuzz/fuzz_replay.plain tools/fuzz/corpus/* >$(B)/vg/fuzz.log 2>&1 || { fail=$$((fail+1)); tail -30 $(B)/vg/fuzz.log; }; \
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
coverage: $(ROBUST_DEPS) tools/coverage.py tools/fuzz/fuzz_loop.c tests/stress.c $(TEST_SRC)
	@rm -rf $(B)/cov; mkdir -p $(B)/cov; set -e; cd $(B)/cov; \
	for t in $(TEST_SRC); do n=$$(basename $$t .c); \
	  $(CC) $(WARN) -O0 -g --coverage $(addprefix -I../../,. tests) -D_POSIX_C_SOURCE=200809L $(VIRTUAL) -c ../../$$t -o $$n.o; \
	  $(CC) --coverage $$n.o -o $$n $(CRITERION) -lpthread; ./$$n --jobs 2 >$$n.log 2>&1 || { cat $$n.log; exit 1; }; done; \
	$(CC) $(FUZZ_FLAGS:-I%=-I../../%) -I../.. -O0 --coverage -DFUZZ_STANDALONE -c ../../tools/fuzz/fuzz_loop.c -o fuzz_loop.o; \
	$(CC) --coverage fuzz_loop.o -o fuzz_loop; ./fuzz_loop ../../tools/fuzz/corpus/* >/dev/null; \
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
lint: $(HEADERS) mk/robust.mk
	@mkdir -p $(B)/lint; set -e; \
	printf '#define CORO_IMPLEMENTATION\n#include "coro.h"\n#include "coro_sync.h"\n#include "coro_queue.h"\n' > $(LINT_TU); \
	cppcheck --quiet --error-exitcode=1 --inline-suppr --enable=warning,style,performance,portability \
	  --std=c99 --suppress=missingIncludeSystem --suppress=unusedFunction -I. -D_POSIX_C_SOURCE=200809L \
	  -DCORO_CLOCK=CORO_CLOCK_VIRTUAL -UCORO_DEBUG -UCORO_STALL_TICKS -UCORO_USE_LABELS -U__AVR__ -U__cplusplus $(LINT_TU) 2>$(B)/lint/cppcheck.log || \
	  { cat $(B)/lint/cppcheck.log; echo "lint: 0 passed, 1 failed"; exit 1; }; \
	for cfg in default knobs; do \
	  if [ $$cfg = default ]; then clang-tidy --quiet --header-filter='coro' --warnings-as-errors='*' --checks='-*,$(TIDY_CHECKS)' $(LINT_TU) -- $(WARN) $(CPPFLAGS) >$(B)/lint/tidy.log 2>&1; \
	  else clang-tidy --quiet --header-filter='coro' --warnings-as-errors='*' --checks='-*,$(TIDY_CHECKS)' $(LINT_TU) -- $(WARN) $(CPPFLAGS) $(KNOBS) >$(B)/lint/tidy.log 2>&1; fi || \
	  { grep -E -A3 'warning|error' $(B)/lint/tidy.log | head -80; echo "lint: 1 passed, 1 failed ($$cfg)"; exit 1; }; done; \
	echo "lint: 2 passed, 0 failed"

# ---- MISRA C:2012 --------------------------------------------------------------------
# cppcheck's misra addon (rule numbers only: the rule texts are MISRA's) over
# the headers (one translation unit with the implementation) and over
# examples that expand the await macros in user code. Every rule it reports
# must be a documented deviation in docs/MISRA.md (a row "| rule |"); the
# step fails on any other.
MISRA_EXAMPLES := 05_creating_tasks 11_lock_for_mutual_exclusion 14_timeout_handling 16_queue_processing
MISRA_FLAGS := --quiet --addon=misra --std=c99 --inline-suppr -I. -D_POSIX_C_SOURCE=200809L -DCORO_CLOCK=CORO_CLOCK_USER \
  -UCORO_DEBUG -U__AVR__ -U__cplusplus -U__GNUC__ -U__clang__ --suppress=missingIncludeSystem --template='{file}:{line}: {id}'
misra: $(HEADERS) mk/robust.mk docs/MISRA.md
	@mkdir -p $(B)/misra; \
	printf '#define CORO_IMPLEMENTATION\n#include "coro.h"\n#include "coro_sync.h"\n#include "coro_queue.h"\n' > $(B)/misra/all.c; \
	cppcheck $(MISRA_FLAGS) $(B)/misra/all.c 2>$(B)/misra/headers.txt; \
	for e in $(MISRA_EXAMPLES); do cppcheck $(MISRA_FLAGS) examples/$$e.c; done 2>$(B)/misra/examples.txt; \
	grep -E '^(coro|coro_sync|coro_queue)\.h:' $(B)/misra/headers.txt | sed -n 's/.*misra-c2012-\([0-9.]*\).*/\1/p' | sort -V | uniq -c > $(B)/misra/rules-headers.txt; \
	grep -E '^examples/' $(B)/misra/examples.txt | sed -n 's/.*misra-c2012-\([0-9.]*\).*/\1/p' | sort -V | uniq -c > $(B)/misra/rules-examples.txt; \
	missing=0; for f in headers examples; do while read n r; do grep -q "^| $$r |" docs/MISRA.md || \
	  { echo "misra: rule $$r ($$n findings in the $$f) is not in docs/MISRA.md"; missing=$$((missing+1)); }; done < $(B)/misra/rules-$$f.txt; done; \
	echo "misra: headers $$(awk '{s+=$$1} END {print s+0}' $(B)/misra/rules-headers.txt) findings under $$(wc -l < $(B)/misra/rules-headers.txt) rules," \
	  "user code $$(awk '{s+=$$1} END {print s+0}' $(B)/misra/rules-examples.txt) findings under $$(wc -l < $(B)/misra/rules-examples.txt) rules; undocumented: $$missing"; \
	if [ $$missing = 0 ]; then echo "misra: 1 passed, 0 failed"; else echo "misra: 0 passed, 1 failed"; exit 1; fi
