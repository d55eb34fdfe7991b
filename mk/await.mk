# Issue 13, items 2 and 3: the public await protocol and the watch.
#   make satellite-names   coro_sync.h and coro_queue.h use no private name
#                          (coro__*, CORO__*) of coro.h (tests/satellite_names.sh)
TEST_STEPS += satellite-names

.PHONY: satellite-names
satellite-names:
	@CC=$(CC) sh tests/satellite_names.sh coro.h coro_sync.h coro_queue.h
