# Queues (issue 4): the test_queue_* suites again on the labels-as-values backend, on
# 16-bit ticks, on 16-bit slot indices and on 2-byte priority insertion
# numbers (AVR's default); `make queue-cost` measures a
# producer/consumer pair through a queue of capacity 16 (ns and callgrind
# instructions per item).
TEST_STEPS += queue-variants

.PHONY: queue-variants queue-cost

QUEUE_VARIANTS := labels:-DCORO_USE_LABELS=1 tick16:-DCORO_TICK_BITS=16 index16:-DCORO_INDEX_BITS=16 \
                  seq16:-DCORO_PRIORITY_SEQ_BYTES=2

QUEUE_TEST_SRC := $(sort $(wildcard tests/test_queue_*.c))
queue-variants: $(QUEUE_TEST_SRC) tests/queue_common.h $(HEADERS)
	@mkdir -p $(B)/tests; set -e; for v in $(QUEUE_VARIANTS); do n=$${v%%:*}; f=$${v#*:}; \
	  for t in $(QUEUE_TEST_SRC:tests/%.c=%); do \
	  $(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) $(VIRTUAL) $$f tests/$$t.c -o $(B)/tests/$$t.$$n $(CRITERION) -lpthread; \
	  ./$(B)/tests/$$t.$$n --jobs 2 >$(B)/tests/$$t.$$n.log 2>&1 || { cat $(B)/tests/$$t.$$n.log; exit 1; }; \
	done; done; echo "queue-variants: 4 passed, 0 failed"

$(B)/bench/queue_cost: bench/queue_cost.c bench/bench.h $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(WARN) -O2 $(CPPFLAGS) $< -o $@

queue-cost: $(B)/bench/queue_cost
	@./$(B)/bench/queue_cost 1000000 16
	@if command -v valgrind >/dev/null; then for n in 100000 1000000; do \
	  valgrind --tool=callgrind --callgrind-out-file=$(B)/bench/queue_cost.cg.$$n ./$(B)/bench/queue_cost $$n 16 >/dev/null 2>$(B)/bench/queue_cost.cg.$$n.log; \
	  ir=$$(sed -n 's/.*Collected : //p' $(B)/bench/queue_cost.cg.$$n.log); echo "callgrind items=$$n Ir=$$ir per_item=$$((ir / n))"; done; fi
