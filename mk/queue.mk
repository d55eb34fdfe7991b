# Queues (issue 4): test_queue again on the labels-as-values backend, on
# 16-bit ticks, on 16-bit slot indices and on 2-byte priority insertion
# numbers (AVR's default); `make queue-cost` measures a
# producer/consumer pair through a queue of capacity 16 (ns and callgrind
# instructions per item).
TEST_STEPS += queue-variants

.PHONY: queue-variants queue-cost

QUEUE_VARIANTS := labels:-DCORO_USE_LABELS=1 tick16:-DCORO_TICK_BITS=16 index16:-DCORO_INDEX_BITS=16 \
                  seq16:-DCORO_PRIORITY_SEQ_BYTES=2

queue-variants: tests/test_queue.c $(HEADERS)
	@mkdir -p $(B)/tests; set -e; for v in $(QUEUE_VARIANTS); do n=$${v%%:*}; f=$${v#*:}; \
	  $(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) $(VIRTUAL) $$f tests/test_queue.c -o $(B)/tests/test_queue.$$n $(CRITERION) -lpthread; \
	  ./$(B)/tests/test_queue.$$n --jobs 2 >$(B)/tests/test_queue.$$n.log 2>&1 || { cat $(B)/tests/test_queue.$$n.log; exit 1; }; \
	done; echo "queue-variants: 4 passed, 0 failed"

$(B)/bench/queue_cost: bench/queue_cost.c bench/bench.h $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(WARN) -O2 $(CPPFLAGS) $< -o $@

queue-cost: $(B)/bench/queue_cost
	@./$(B)/bench/queue_cost 1000000 16
	@if command -v valgrind >/dev/null; then for n in 100000 1000000; do \
	  valgrind --tool=callgrind --callgrind-out-file=$(B)/bench/queue_cost.cg.$$n ./$(B)/bench/queue_cost $$n 16 >/dev/null 2>$(B)/bench/queue_cost.cg.$$n.log; \
	  ir=$$(sed -n 's/.*Collected : //p' $(B)/bench/queue_cost.cg.$$n.log); echo "callgrind items=$$n Ir=$$ir per_item=$$((ir / n))"; done; fi
