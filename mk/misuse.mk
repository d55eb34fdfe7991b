# Misuse that must fail loudly (issue 11). The run-time traps are tested by
# tests/test_misuse.c (the host's report) and tests/test_failhook.c (the
# microcontroller hook), which the core Makefile runs; this step adds:
#   misuse-frames   spawn/await/run on a frame of the wrong type is refused by
#                   gcc, clang, g++ and clang++, naming the frame check; the
#                   correct program (CORO_DECLARE, coro_spawn_fn) builds and runs
#   misuse-config   two files with different knobs: the program stops with a
#                   report naming the knob (at the other file's coro_loop_init,
#                   or at the first entry of its coroutine run by the
#                   implementation's file); with a CORO_ON_FAIL that returns,
#                   the calls fail with CORO_ERR_CONFIG; a matching pair works
TEST_STEPS += misuse

.PHONY: misuse misuse-frames misuse-config

MISUSE_DEPS := $(HEADERS) mk/misuse.mk
MISUSE_CXX  := -x c++ -Wall -Wextra -Wpedantic -Werror

misuse: misuse-frames misuse-config
	@echo "misuse: 2 passed, 0 failed"

# Cases 1-4: a wrong frame type (spawn, await, coro_run, run_until_complete);
# cases 5-6 (C only): a function pointer variable given to coro_spawn, CORO_AWAIT.
misuse-frames: tests/misuse/frame_check.c $(MISUSE_DEPS)
	@mkdir -p $(B)/misuse; set -e; \
	for cc in gcc clang g++ clang++; do \
	  case $$cc in *++) flags="$(MISUSE_CXX)"; want='__frame'; cases="1 2 3 4";; \
	               *) flags="$(WARN)"; want='coro_frame_type_does_not_match_the_coroutine'; cases="1 2 3 4 5 6";; esac; \
	  $$cc $$flags $(CPPFLAGS) -DCASE=0 tests/misuse/frame_check.c -o $(B)/misuse/frames.$$cc; \
	  ./$(B)/misuse/frames.$$cc || { echo "misuse: the correct program failed ($$cc)"; exit 1; }; \
	  for n in $$cases; do w=$$want; [ $$n -ge 5 ] && w=fp__frame; \
	    if $$cc $$flags $(CPPFLAGS) -DCASE=$$n tests/misuse/frame_check.c -o $(B)/misuse/bad 2>$(B)/misuse/bad.$$cc.$$n.err; then \
	      echo "misuse: $$cc accepted frame_check.c case $$n"; exit 1; fi; \
	    grep -q "$$w" $(B)/misuse/bad.$$cc.$$n.err || { echo "misuse: $$cc's error for case $$n does not mention $$w:"; \
	      cat $(B)/misuse/bad.$$cc.$$n.err; exit 1; }; \
	  done; done; echo "misuse-frames: gcc, clang, g++, clang++ refuse every wrong frame type"

# knob:what pairs: config_other.c built with the knob, the report ends with
# ": <what> differs".
MISUSE_KNOBS := -DCORO_MAX_TASKS=12:CORO_MAX_TASKS -DCORO_MAX_CALLBACKS=2:'sizeof(coro_loop)' \
                -DCORO_TICK_BITS=16:CORO_TICK_BITS -DCORO_INDEX_BITS=16:CORO_INDEX_BITS -DCORO_DEBUG=1:CORO_DEBUG
misuse-config: tests/misuse/config_impl.c tests/misuse/config_other.c $(MISUSE_DEPS)
	@mkdir -p $(B)/misuse; set -e; d=$(B)/misuse; \
	$(CC) $(WARN) $(CPPFLAGS) $(VIRTUAL) -c tests/misuse/config_impl.c -o $$d/impl.o; \
	$(CC) $(WARN) $(CPPFLAGS) $(VIRTUAL) -DHOOK -c tests/misuse/config_impl.c -o $$d/impl_hook.o; \
	$(CC) $(WARN) $(CPPFLAGS) $(VIRTUAL) -c tests/misuse/config_other.c -o $$d/other.o; \
	$(CC) $$d/impl.o $$d/other.o -o $$d/config_match; \
	./$$d/config_match >$$d/match.out 2>&1 || { cat $$d/match.out; echo "misuse: the matching pair failed"; exit 1; }; \
	printf 'init: ok\nspawn: ok\nrun_forever: ok\ncoro_run: ok\nruns: 1 1\n' | diff -u - $$d/match.out; \
	./$$d/config_match entry || { echo "misuse: the matching pair failed (entry)"; exit 1; }; \
	for v in $(MISUSE_KNOBS); do knob=$${v%%:*}; name=$${v#*:}; \
	  $(CC) $(WARN) $(CPPFLAGS) $(VIRTUAL) $$knob -c tests/misuse/config_other.c -o $$d/other_bad.o; \
	  $(CC) $$d/impl.o $$d/other_bad.o -o $$d/config_bad; \
	  if ./$$d/config_bad >$$d/bad.out 2>$$d/bad.err; then echo "misuse: $$knob in one file went unnoticed"; exit 1; fi; \
	  grep -q "config_other.c:19: coro: this file's configuration differs from the file with CORO_IMPLEMENTATION.*: $$name differs" $$d/bad.err || \
	    { echo "misuse: no report naming $$name for $$knob:"; cat $$d/bad.err; exit 1; }; \
	  if ./$$d/config_bad entry >$$d/bad.out 2>$$d/bad.err; then echo "misuse: $$knob went unnoticed (entry)"; exit 1; fi; \
	  grep -q "config_other.c:35: coro: this file's configuration differs from the file with CORO_IMPLEMENTATION.*: $$name differs" $$d/bad.err || \
	    { echo "misuse: no report naming $$name at the coroutine's entry for $$knob:"; cat $$d/bad.err; exit 1; }; \
	  $(CC) $$d/impl_hook.o $$d/other_bad.o -o $$d/config_hook; \
	  ./$$d/config_hook >$$d/hook.out; \
	  grep -q "^CORO_ON_FAIL(4, .*config_other.c:19, $$name differs" $$d/hook.out && \
	  grep -q "^init: configuration differs between files" $$d/hook.out && \
	  grep -q "^CORO_ON_FAIL(4, .*config_other.c:20, $$name differs" $$d/hook.out && \
	  grep -q "^spawn: configuration differs between files" $$d/hook.out && \
	  grep -q "^coro_run: configuration differs between files" $$d/hook.out && grep -q "^runs: 0 0" $$d/hook.out || \
	    { echo "misuse: with a returning CORO_ON_FAIL, $$knob:"; cat $$d/hook.out; exit 1; }; \
	done; echo "misuse-config: a matching pair runs; CORO_MAX_TASKS, CORO_MAX_CALLBACKS, CORO_TICK_BITS, CORO_INDEX_BITS, CORO_DEBUG mismatches reported"
