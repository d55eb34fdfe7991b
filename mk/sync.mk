# coro_sync.h on the real POSIX clock (issue 3): the interrupt-safe flag set
# from a thread and from a signal handler while the loop sleeps in its idle
# hook; a wake-up lost to the check-then-sleep race would stall for 10 s.
TEST_STEPS += sync-posix

.PHONY: sync-posix
$(B)/tests/sync_posix: tests/sync_posix.c $(HEADERS) mk/sync.mk
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) $< -o $@ -lpthread
sync-posix: $(B)/tests/sync_posix
	./$(B)/tests/sync_posix

# Issue 11, item 5: all-zero sync objects are valid without asserts: the
# whole coro_sync.h suite (test_sync_* zeroed_* included) built with NDEBUG.
TEST_STEPS += sync-ndebug

.PHONY: sync-ndebug
SYNC_TEST_SRC := $(sort $(wildcard tests/test_sync_*.c))
$(B)/tests/test_sync_%.ndebug: tests/test_sync_%.c tests/sync_common.h $(HEADERS) mk/sync.mk
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) $(VIRTUAL) -DNDEBUG $< -o $@ $(CRITERION) -lpthread
sync-ndebug: $(SYNC_TEST_SRC:tests/%.c=$(B)/tests/%.ndebug)
	for t in $^; do ./$$t --jobs 2 || exit 1; done

# Issue 11, item 15: CORO_SEM_INIT / CORO_BOUNDED_SEM_INIT with a constant
# outside 0..65535 (70000 would give 4,464 permits, -1 65,535) must not
# compile on gcc or clang, naming the check; in-range ones still compile as
# static and automatic initializers, warning-free, as C99 and as C++.
TEST_STEPS += sync-sem-range

.PHONY: sync-sem-range
sync-sem-range:
	@mkdir -p $(B)/compile; set -e; n=0; \
	for v in 70000 -1 65536L -70000 0x10000u; do for m in CORO_SEM_INIT CORO_BOUNDED_SEM_INIT; do \
	  printf '#include "coro_sync.h"\nstatic coro_sem s = %s(%s);\ncoro_sem *get(void);\ncoro_sem *get(void) { return &s; }\n' $$m "$$v" > $(B)/compile/sem_bad.c; \
	  for cc in gcc clang; do \
	    if $$cc $(WARN) -I. -c $(B)/compile/sem_bad.c -o $(B)/compile/sem_bad.o >$(B)/compile/sem_bad.log 2>&1; then \
	      echo "sync-sem-range: $$m($$v) compiles with $$cc"; exit 1; fi; \
	    if ! grep -q CORO__SEM_VALUE_MUST_BE_0_TO_65535 $(B)/compile/sem_bad.log; then \
	      echo "sync-sem-range: $$m($$v) on $$cc: the message does not name the check:"; cat $(B)/compile/sem_bad.log; exit 1; fi; \
	    n=$$((n+1)); done; done; done; \
	printf '#include "coro_sync.h"\nstatic coro_sem a = CORO_SEM_INIT(0), b = CORO_SEM_INIT(65535), c = CORO_BOUNDED_SEM_INIT(65535u);\nint get(void);\nint get(void) { coro_sem d = CORO_BOUNDED_SEM_INIT(2); return a.value + b.value + c.value + d.value; }\n' > $(B)/compile/sem_good.c; \
	for cc in gcc clang; do $$cc $(WARN) -I. -c $(B)/compile/sem_good.c -o $(B)/compile/sem_good.o; n=$$((n+1)); done; \
	for cxx in g++ clang++; do $$cxx -x c++ -Wall -Wextra -Wpedantic -Werror -I. -c $(B)/compile/sem_good.c -o $(B)/compile/sem_good.o; n=$$((n+1)); done; \
	echo "sync-sem-range: $$n passed, 0 failed"
