# Issue 13, items 2 and 3: the public await protocol and the watch.
#   make satellite-names   coro_sync.h and coro_queue.h use no private name
#                          (coro__*, CORO__*) of coro.h (tests/satellite_names.sh)
#   make await-posix       a user-written awaitable (tests/await_posix.c) whose
#                          "interrupt" is another thread, then a SIGALRM handler,
#                          on the real clock: no lost wake-up, timeouts work
TEST_STEPS += satellite-names await-posix

.PHONY: satellite-names await-posix
satellite-names:
	@CC=$(CC) sh tests/satellite_names.sh coro.h coro_sync.h coro_queue.h

$(B)/tests/await_posix: tests/await_posix.c $(HEADERS) mk/await.mk
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) $< -o $@ -lpthread
await-posix: $(B)/tests/await_posix
	./$(B)/tests/await_posix
