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
