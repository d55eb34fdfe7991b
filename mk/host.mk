# The host checks: what a C compiler alone can prove (plus Criterion).
#   make check-examples  every example on the virtual clock prints what CPython printed
#   make check-compile   each header alone, all together, C99 on gcc and clang, as C++;
#                        the labels backend runs example 05; no allocation in a header
#   make noalloc         the whole API with malloc/calloc/realloc/free replaced by abort()
#   make labels, make tick16, make gen8
#                        the core suites (tests/test_core*.c, test_loop.c, test_spin.c)
#                        again in that build variant (the table in the Makefile)
#   make queue-variants  the tests/test_queue_*.c suites in the labels, tick16, index16, seq16, seq32 variants
#   make sync-ndebug     the tests/test_sync_*.c suites with NDEBUG: all-zero sync objects valid without asserts
#   make sync-posix      coro_sync.h on the real POSIX clock: the interrupt-safe flag set
#                        from a thread and a signal handler while the loop sleeps
#   make sync-sem-range  CORO_SEM_INIT out of 0..65535 refused, naming the check
#   make units           CORO_S/CORO_MS of a constant that does not fit refused
#   make misuse          a wrong frame type refused; two files with different knobs caught
#   make robust-compile  misuse that must not compile; every debug knob warning-free
#   make scopes-compile  a finally block inside a finally refused, naming the rule;
#                        every scope form warning-free as C, labels C and C++
TEST_STEPS  += check-examples check-compile noalloc labels tick16 gen8 queue-variants \
               sync-ndebug sync-posix sync-sem-range units misuse robust-compile scopes-compile
CHECK_STEPS += check-examples check-compile noalloc

.PHONY: check-examples check-compile noalloc labels tick16 gen8 queue-variants sync-ndebug \
        sync-posix sync-sem-range units misuse misuse-frames misuse-config robust-compile scopes-compile

HOST_DEPS := $(HEADERS) Makefile mk/host.mk

# ---- examples, compile checks, no allocation ----------------------------------------
check-examples: $(EXAMPLES_V)
	@pass=0; fail=0; for e in $(EXAMPLES_V); do n=$$(basename $$e .virtual); \
	  if ./$$e | diff -u tests/expected/$$n.out - >$(B)/$$n.diff; then pass=$$((pass+1)); \
	  else fail=$$((fail+1)); echo "example $$n differs:"; cat $(B)/$$n.diff; fi; done; \
	echo "examples: $$pass passed, $$fail failed"; [ $$fail = 0 ]

# Each header alone and all together: with the implementation (default and
# 64-bit ticks) and without (declarations only); the three as C++; example 05
# on the labels backend prints what CPython printed.
check-compile:
	@mkdir -p $(B)/compile; set -e; n=0; \
	for cc in $(HOST_CCS); do for h in $(HEADERS) all; do \
	  if [ $$h = all ]; then inc='#include "coro.h"\n#include "coro_sync.h"\n#include "coro_queue.h"'; else inc="#include \"$$h\""; fi; \
	  printf "#define CORO_IMPLEMENTATION\n$$inc\nint main(void) { return 0; }\n" > $(B)/compile/c_$$h.c; \
	  $$cc $(WARN) -I. -c $(B)/compile/c_$$h.c -o $(B)/compile/c_$$h.$$cc.o; n=$$((n+1)); \
	  $$cc $(WARN) -I. $(VIRTUAL) $(VARIANT_tick64) -c $(B)/compile/c_$$h.c -o $(B)/compile/c_$$h.$$cc.64.o; n=$$((n+1)); \
	  printf "$$inc\nint main(void) { return 0; }\n" > $(B)/compile/d_$$h.c; \
	  $$cc $(WARN) -I. -fsyntax-only $(B)/compile/d_$$h.c; n=$$((n+1)); \
	done; done; \
	printf '#define CORO_IMPLEMENTATION\n#include "coro.h"\n#include "coro_sync.h"\n#include "coro_queue.h"\nint main(void) { return 0; }\n' > $(B)/compile/c_all.c; \
	for cxx in $(HOST_CXXS); do $$cxx $(WARN_CXX) -I. -c $(B)/compile/c_all.c -o $(B)/compile/cxx.o; n=$$((n+1)); done; \
	for cc in $(HOST_CCS); do $$cc $(WARN) $(CPPFLAGS) $(VARIANT_labels) $(VIRTUAL) examples/05_creating_tasks.c -o $(B)/compile/labels05 && \
	  ./$(B)/compile/labels05 | diff -q - tests/expected/05_creating_tasks.out >/dev/null; n=$$((n+1)); done; \
	if grep -nE '\b(malloc|calloc|realloc)[[:space:]]*\(' $(HEADERS); then echo "allocation in a header"; exit 1; fi; n=$$((n+1)); \
	echo "compile checks: $$n passed, 0 failed ($(or $(HOST_CCS),no C compiler), $(or $(HOST_CXXS),no C++ compiler))"

noalloc: $(B)/tests/noalloc
	@if ./$(B)/tests/noalloc; then echo "noalloc: 1 passed, 0 failed"; else echo "noalloc: 0 passed, 1 failed"; exit 1; fi
$(B)/tests/noalloc: tests/noalloc.c $(HOST_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) $(VIRTUAL) $< -o $@

# ---- the suites in build variants (the table in the Makefile) --------------------------
labels: $(call variant_bins,labels,$(CORE_SRC))
	@$(call run_suites,labels,$^)
tick16: $(call variant_bins,tick16,$(CORE_SRC))
	@$(call run_suites,tick16,$^)
gen8: $(call variant_bins,gen8,$(CORE_SRC))
	@$(call run_suites,gen8,$^)
queue-variants: $(foreach v,labels tick16 index16 seq16 seq32,$(call variant_bins,$(v),$(wildcard tests/test_queue_*.c)))
	@$(call run_suites,queue-variants,$^)
sync-ndebug: $(call variant_bins,ndebug,$(wildcard tests/test_sync_*.c))
	@$(call run_suites,sync-ndebug,$^)

# ---- coro_sync.h on the real clock; the semaphore's range -------------------------------
# A wake-up lost to the check-then-sleep race would stall for 10 s.
$(B)/tests/sync_posix: tests/sync_posix.c $(HOST_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) $< -o $@ -lpthread
sync-posix: $(B)/tests/sync_posix
	@if ./$(B)/tests/sync_posix; then echo "sync-posix: 1 passed, 0 failed"; else echo "sync-posix: 0 passed, 1 failed"; exit 1; fi

# CORO_SEM_INIT / CORO_BOUNDED_SEM_INIT with a constant outside 0..65535 (70000
# would give 4,464 permits, -1 65,535) must not compile on gcc or clang, naming
# the check; in-range ones still compile as static and automatic initializers,
# warning-free, as C99 and as C++.
sync-sem-range:
	@mkdir -p $(B)/compile; set -e; n=0; \
	for v in 70000 -1 65536L -70000 0x10000u; do for m in CORO_SEM_INIT CORO_BOUNDED_SEM_INIT; do \
	  printf '#include "coro_sync.h"\nstatic coro_sem s = %s(%s);\ncoro_sem *get(void);\ncoro_sem *get(void) { return &s; }\n' $$m "$$v" > $(B)/compile/sem_bad.c; \
	  for cc in $(HOST_CCS); do \
	    if $$cc $(WARN) -I. -c $(B)/compile/sem_bad.c -o $(B)/compile/sem_bad.o >$(B)/compile/sem_bad.log 2>&1; then \
	      echo "sync-sem-range: $$m($$v) compiles with $$cc"; exit 1; fi; \
	    if ! grep -q CORO__SEM_VALUE_MUST_BE_0_TO_65535 $(B)/compile/sem_bad.log; then \
	      echo "sync-sem-range: $$m($$v) on $$cc: the message does not name the check:"; cat $(B)/compile/sem_bad.log; exit 1; fi; \
	    n=$$((n+1)); done; done; done; \
	printf '#include "coro_sync.h"\nstatic coro_sem a = CORO_SEM_INIT(0), b = CORO_SEM_INIT(65535), c = CORO_BOUNDED_SEM_INIT(65535u);\nint get(void);\nint get(void) { coro_sem d = CORO_BOUNDED_SEM_INIT(2); return a.value + b.value + c.value + d.value; }\n' > $(B)/compile/sem_good.c; \
	for cc in $(HOST_CCS); do $$cc $(WARN) -I. -c $(B)/compile/sem_good.c -o $(B)/compile/sem_good.o; n=$$((n+1)); done; \
	for cxx in $(HOST_CXXS); do $$cxx $(WARN_CXX) -I. -c $(B)/compile/sem_good.c -o $(B)/compile/sem_good.o; n=$$((n+1)); done; \
	echo "sync-sem-range: $$n passed, 0 failed"

# ---- unit macros ------------------------------------------------------------------------
# CORO_S/CORO_MS of a constant that does not fit: gcc, clang, g++ and clang++
# must refuse it; in-range constants and run-time arguments must compile
# warning-free (at -O0 and -O2). Each case: tick bits : expected (ok | bad) : the expression.
UNITS_CASES := \
  16:bad:CORO_S(70) 16:bad:CORO_MS(70000) 16:bad:CORO_MS(32768) 16:bad:CORO_S(-1) \
  16:ok:CORO_S(32) 16:ok:CORO_MS(32767) 16:ok:CORO_MS(0) \
  32:bad:CORO_S(5000000) 32:bad:CORO_S(2147484) 32:bad:CORO_MS(2147483648) 32:bad:CORO_MS(-1) \
  32:ok:CORO_S(2147483) 32:ok:CORO_MS(2147483647) \
  64:bad:CORO_S(9223372036854776) 64:ok:CORO_S(9223372036854775)
units: $(HOST_DEPS)
	@mkdir -p $(B)/units; pass=0; fail=0; \
	for c in $(foreach c,$(UNITS_CASES),'$(c)'); do bits=$${c%%:*}; rest=$${c#*:}; want=$${rest%%:*}; expr=$${rest#*:}; \
	  printf '#define CORO_IMPLEMENTATION\n#include "coro.h"\nstruct f { coro_frame co; int ms; };\nstatic CORO_FN(fn, struct f, self)\n{\n    CORO_BEGIN(self);\n    CORO_SLEEP(self, CORO_MS(self->ms));\n    CORO_SLEEP(self, CORO_S(self->ms + 1));\n    CORO_SLEEP(self, %s);\n    CORO_END(self);\n}\nint main(void) { static struct f f; return coro_run(fn, &f); }\n' "$$expr" > $(B)/units/u.c; \
	  for cc in $(HOST_CCS) $(HOST_CXXS); do for o in -O0 -O2; do \
	    case $$cc in *++) flags="$(WARN_CXX) -Wshadow"; msg='negative';; *) flags="$(WARN)"; msg="$${expr%%(*}_argument_out_of_range";; esac; \
	    if $$cc $$flags $$o $(CPPFLAGS) $(VIRTUAL) -DCORO_TICK_BITS=$$bits \
	        -fsyntax-only $(B)/units/u.c >$(B)/units/log 2>&1; then got=ok; else got=bad; fi; \
	    if [ $$got = $$want ] && { [ $$want = ok ] || grep -q "$$msg" $(B)/units/log; }; then pass=$$((pass+1)); \
	    else fail=$$((fail+1)); echo "units: $$cc $$o ticks=$$bits $$expr: expected $$want, got $$got"; cat $(B)/units/log | head -5; fi; \
	  done; done; done; \
	echo "units: $$pass passed, $$fail failed"; [ $$fail = 0 ]

# ---- misuse that must fail loudly (issue 11) ----------------------------------------------
# The run-time traps are tested by tests/test_misuse.c (the host's report) and
# tests/test_failhook.c (the microcontroller hook), run with the other suites;
# this step adds:
#   misuse-frames   spawn/await/run on a frame of the wrong type is refused by
#                   gcc, clang, g++ and clang++, naming the frame check; the
#                   correct program (CORO_DECLARE, coro_spawn_fn) builds and runs
#   misuse-config   two files with different knobs: the program stops with a
#                   report naming the knob (at the other file's coro_loop_init,
#                   or at the first entry of its coroutine run by the
#                   implementation's file); with a CORO_ON_FAIL that returns,
#                   the calls fail with CORO_ERR_CONFIG; a matching pair works
misuse:
	@pass=0; fail=0; for s in misuse-frames misuse-config; do \
	  if $(MAKE) --no-print-directory $$s; then pass=$$((pass+1)); else fail=$$((fail+1)); fi; done; \
	echo "misuse: $$pass passed, $$fail failed"; [ $$fail = 0 ]

# Cases 1-4: a wrong frame type (spawn, await, coro_run, run_until_complete);
# cases 5-6 (C only): a function pointer variable given to coro_spawn, CORO_AWAIT.
misuse-frames: tests/misuse/frame_check.c $(HOST_DEPS)
	@mkdir -p $(B)/misuse; set -e; n=0; \
	for cc in $(HOST_CCS) $(HOST_CXXS); do \
	  case $$cc in *++) flags="$(WARN_CXX)"; want='__frame'; cases="1 2 3 4";; \
	               *) flags="$(WARN)"; want='coro_frame_type_does_not_match_the_coroutine'; cases="1 2 3 4 5 6";; esac; \
	  $$cc $$flags $(CPPFLAGS) -DCASE=0 tests/misuse/frame_check.c -o $(B)/misuse/frames.$$cc; \
	  ./$(B)/misuse/frames.$$cc || { echo "misuse: the correct program failed ($$cc)"; exit 1; }; n=$$((n+1)); \
	  for c in $$cases; do w=$$want; [ $$c -ge 5 ] && w=fp__frame; \
	    if $$cc $$flags $(CPPFLAGS) -DCASE=$$c tests/misuse/frame_check.c -o $(B)/misuse/bad 2>$(B)/misuse/bad.$$cc.$$c.err; then \
	      echo "misuse: $$cc accepted frame_check.c case $$c"; exit 1; fi; \
	    grep -q "$$w" $(B)/misuse/bad.$$cc.$$c.err || { echo "misuse: $$cc's error for case $$c does not mention $$w:"; \
	      cat $(B)/misuse/bad.$$cc.$$c.err; exit 1; }; n=$$((n+1)); \
	  done; done; echo "misuse-frames: $$n passed, 0 failed ($(HOST_CCS) $(HOST_CXXS) refuse every wrong frame type)"

# knob:what pairs: config_other.c built with the knob, the report ends with
# ": <what> differs".
MISUSE_KNOBS := -DCORO_MAX_TASKS=12:CORO_MAX_TASKS -DCORO_MAX_CALLBACKS=2:'sizeof(coro_loop)' \
                $(VARIANT_tick16):CORO_TICK_BITS $(VARIANT_index16):CORO_INDEX_BITS -DCORO_DEBUG=1:CORO_DEBUG
misuse-config: tests/misuse/config_impl.c tests/misuse/config_other.c $(HOST_DEPS)
	@mkdir -p $(B)/misuse; set -e; d=$(B)/misuse; n=0; \
	$(CC) $(WARN) $(CPPFLAGS) $(VIRTUAL) -c tests/misuse/config_impl.c -o $$d/impl.o; \
	$(CC) $(WARN) $(CPPFLAGS) $(VIRTUAL) -DHOOK -c tests/misuse/config_impl.c -o $$d/impl_hook.o; \
	$(CC) $(WARN) $(CPPFLAGS) $(VIRTUAL) -c tests/misuse/config_other.c -o $$d/other.o; \
	$(CC) $$d/impl.o $$d/other.o -o $$d/config_match; \
	./$$d/config_match >$$d/match.out 2>&1 || { cat $$d/match.out; echo "misuse: the matching pair failed"; exit 1; }; \
	printf 'init: ok\nspawn: ok\nrun_forever: ok\ncoro_run: ok\nruns: 1 1\n' | diff -u - $$d/match.out; n=$$((n+1)); \
	./$$d/config_match entry || { echo "misuse: the matching pair failed (entry)"; exit 1; }; n=$$((n+1)); \
	for v in $(MISUSE_KNOBS); do knob=$${v%%:*}; name=$${v#*:}; \
	  $(CC) $(WARN) $(CPPFLAGS) $(VIRTUAL) $$knob -c tests/misuse/config_other.c -o $$d/other_bad.o; \
	  $(CC) $$d/impl.o $$d/other_bad.o -o $$d/config_bad; \
	  if ./$$d/config_bad >$$d/bad.out 2>$$d/bad.err; then echo "misuse: $$knob in one file went unnoticed"; exit 1; fi; \
	  grep -q "config_other.c:19: coro: this file's configuration differs from the file with CORO_IMPLEMENTATION.*: $$name differs" $$d/bad.err || \
	    { echo "misuse: no report naming $$name for $$knob:"; cat $$d/bad.err; exit 1; }; n=$$((n+1)); \
	  if ./$$d/config_bad entry >$$d/bad.out 2>$$d/bad.err; then echo "misuse: $$knob went unnoticed (entry)"; exit 1; fi; \
	  grep -q "config_other.c:35: coro: this file's configuration differs from the file with CORO_IMPLEMENTATION.*: $$name differs" $$d/bad.err || \
	    { echo "misuse: no report naming $$name at the coroutine's entry for $$knob:"; cat $$d/bad.err; exit 1; }; n=$$((n+1)); \
	  $(CC) $$d/impl_hook.o $$d/other_bad.o -o $$d/config_hook; \
	  ./$$d/config_hook >$$d/hook.out; \
	  grep -q "^CORO_ON_FAIL(4, .*config_other.c:19, $$name differs" $$d/hook.out && \
	  grep -q "^init: configuration differs between files" $$d/hook.out && \
	  grep -q "^CORO_ON_FAIL(4, .*config_other.c:20, $$name differs" $$d/hook.out && \
	  grep -q "^spawn: configuration differs between files" $$d/hook.out && \
	  grep -q "^coro_run: configuration differs between files" $$d/hook.out && grep -q "^runs: 0 0" $$d/hook.out || \
	    { echo "misuse: with a returning CORO_ON_FAIL, $$knob:"; cat $$d/hook.out; exit 1; }; n=$$((n+1)); \
	done; echo "misuse-config: $$n passed, 0 failed (a matching pair runs; CORO_MAX_TASKS, CORO_MAX_CALLBACKS, CORO_TICK_BITS, CORO_INDEX_BITS, CORO_DEBUG mismatches reported)"

# ---- misuse that must not compile, knobs that must compile cleanly ---------------------
# Hostile input 23 (a queue passed as a lock, a lock as a semaphore, an event
# as a queue) and a task's handle given for a callback's (or the reverse) are
# compile-time errors in C (-Werror) and C++; the debug knobs
# (CORO_DEBUG, CORO_ON_DEADLOCK, CORO_STALL_TICKS, CORO_TRACE) compile
# warning-free with gcc, clang and as C++.
KNOBS := -DCORO_DEBUG=1 -DCORO_STALL_TICKS=10 '-DCORO_STALL(l,t,d)=((void)(l),(void)(t),(void)(d))' \
         '-DCORO_ON_DEADLOCK(l)=((void)(l))' '-DCORO_TRACE(l,e,i,a)=((void)(l),(void)(e),(void)(i),(void)(a))'
robust-compile: $(HOST_DEPS)
	@mkdir -p $(B)/compile; set -e; n=0; \
	for bad in GOOD 'CORO_LOCK(self, &self->q.q)' 'CORO_SEM_ACQUIRE(self, &self->l)' 'CORO_QUEUE_GET(self, &self->e, &self->x)' \
	           'CORO_EVENT_WAIT(self, &self->s)' 'CORO_AWAIT_TASK(self, self->l)' \
	           'coro_handle_cancel(coro_running_loop(), self->t)' 'coro_task_cancel(coro_running_loop(), self->h)'; do \
	  printf '#define CORO_IMPLEMENTATION\n#include "coro_sync.h"\n#include "coro_queue.h"\nstruct f { coro_frame co; coro_lock l; coro_event e; coro_sem s; CORO_QUEUE_OF(int, 2) q; int x; coro_task t; coro_handle h; };\nstatic CORO_FN(fn, struct f, self)\n{\n    CORO_BEGIN(self);\n    %s;\n    CORO_END(self);\n}\nint main(void) { static struct f f; return coro_run(fn, &f); }\n' "$$bad" > $(B)/compile/bad.c; \
	  if [ "$$bad" = GOOD ]; then sed -i 's/GOOD;/CORO_LOCK(self, \&self->l); CORO_SEM_ACQUIRE(self, \&self->s); CORO_QUEUE_GET(self, \&self->q.q, \&self->x); CORO_EVENT_WAIT(self, \&self->e);/' $(B)/compile/bad.c; \
	    for cc in $(HOST_CCS); do $$cc $(WARN) $(CPPFLAGS) -c $(B)/compile/bad.c -o $(B)/compile/bad.o; n=$$((n+1)); done; \
	    for cxx in $(filter g++,$(HOST_CXXS)); do $$cxx -x c++ -Wall -Werror -I. -c $(B)/compile/bad.c -o $(B)/compile/bad.o; n=$$((n+1)); done; continue; fi; \
	  for cc in $(HOST_CCS); do if $$cc $(WARN) $(CPPFLAGS) -c $(B)/compile/bad.c -o $(B)/compile/bad.o 2>/dev/null; then \
	    echo "robust-compile: '$$bad' compiles with $$cc"; exit 1; fi; n=$$((n+1)); done; \
	  for cxx in $(filter g++,$(HOST_CXXS)); do if $$cxx -x c++ -Wall -Werror -I. -c $(B)/compile/bad.c -o $(B)/compile/bad.o 2>/dev/null; then \
	    echo "robust-compile: '$$bad' compiles as C++"; exit 1; fi; n=$$((n+1)); done; done; \
	printf '#define CORO_IMPLEMENTATION\n#include "coro.h"\n#include "coro_sync.h"\n#include "coro_queue.h"\nint main(void) { return 0; }\n' > $(B)/compile/knobs.c; \
	for cc in $(HOST_CCS); do for o in -O0 -O2; do $$cc $(WARN) $$o $(CPPFLAGS) $(KNOBS) -c $(B)/compile/knobs.c -o $(B)/compile/knobs.o; \
	  $$cc $(WARN) $$o $(CPPFLAGS) $(KNOBS) $(VARIANT_labels) $(VARIANT_tick16) -c $(B)/compile/knobs.c -o $(B)/compile/knobs.o; n=$$((n+2)); done; done; \
	for cxx in $(HOST_CXXS); do $$cxx $(WARN_CXX) -I. $(KNOBS) -c $(B)/compile/knobs.c -o $(B)/compile/knobs.o; n=$$((n+1)); done; \
	echo "robust-compile: $$n passed, 0 failed"

# Scopes (issue 12): a CORO_FINALLY_BLOCK inside a finally block or the cleanup
# section does not compile, and the message names the rule; every scope form
# compiles warning-free as C (both backends) and as C++.
SCOPES_FORMS := CORO_TRY(self) { CORO_YIELD(self); } CORO_EXCEPT(self, CORO_ERR_TIMEOUT) { } CORO_EXCEPT_AS(self, CORO_ANY, self->st) { } \
  CORO_FINALLY_BLOCK(self) { CORO_TRY(self) { } CORO_EXCEPT(self, CORO_EXCEPTION) { } CORO_END_TRY(self); } CORO_END_TRY(self); \
  CORO_WITH_LOCK(self, &self->l) { CORO_WITH_SEM(self, &self->s) { CORO_WITH_TIMEOUT(self, &self->to, 5) { CORO_YIELD(self); } CORO_END_WITH(self); } CORO_END_WITH(self); } CORO_END_WITH(self); \
  CORO_WITH_COND(self, &self->c) { } CORO_END_WITH(self); CORO_WITH_TIMEOUT_AT(self, &self->to, 5) { } CORO_END_WITH(self); \
  CORO_CATCH(self, self->st, CORO_TIMEOUT(self, &self->to, 5, CORO_YIELD(self))); CORO_FINALLY(self); CORO_TRY(self) { } CORO_EXCEPT(self, CORO_ANY) { } CORO_END_TRY(self)
scopes-compile: $(HOST_DEPS)
	@mkdir -p $(B)/compile; set -e; n=0; \
	for body in '$(SCOPES_FORMS)' \
	  'CORO_TRY(self) { } CORO_FINALLY_BLOCK(self) { CORO_TRY(self) { } CORO_FINALLY_BLOCK(self) { } CORO_END_TRY(self); } CORO_END_TRY(self)' \
	  'CORO_FINALLY(self); CORO_TRY(self) { } CORO_FINALLY_BLOCK(self) { } CORO_END_TRY(self)'; do \
	  printf '#define CORO_IMPLEMENTATION\n#include "coro_sync.h"\nstruct f { coro_frame co; coro_lock l; coro_sem s; coro_cond c; coro_timeout to; coro_status st; };\nstatic CORO_FN(fn, struct f, self)\n{\n    CORO_BEGIN(self);\n    %s;\n    CORO_END(self);\n}\nint main(void) { static struct f f; return coro_run(fn, &f); }\n' "$$body" > $(B)/compile/scopes.c; \
	  if [ $$n = 0 ]; then for cc in $(HOST_CCS); do for v in "" "$(VARIANT_labels)"; do \
	      $$cc $(WARN) $(CPPFLAGS) $$v -c $(B)/compile/scopes.c -o $(B)/compile/scopes.o; n=$$((n+1)); done; done; \
	    for cxx in $(filter g++,$(HOST_CXXS)); do $$cxx -x c++ -Wall -Wextra -Werror -Wshadow -I. -c $(B)/compile/scopes.c -o $(B)/compile/scopes.o; n=$$((n+1)); done; continue; fi; \
	  for cc in $(HOST_CCS); do if $$cc $(WARN) $(CPPFLAGS) -c $(B)/compile/scopes.c -o $(B)/compile/scopes.o 2>$(B)/compile/scopes.err; then \
	    echo "scopes-compile: a finally block in a finally compiles with $$cc"; exit 1; fi; \
	    grep -q coro_a_finally_block_cannot_sit_in_a_finally_block $(B)/compile/scopes.err || { echo "scopes-compile: $$cc does not name the rule"; cat $(B)/compile/scopes.err; exit 1; }; n=$$((n+1)); done; done; \
	echo "scopes-compile: $$n passed, 0 failed"
