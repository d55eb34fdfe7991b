# coro next to its peers (issue 6): CPython asyncio, libev, libuv and the bare
# continuation floor, on the same workloads. See docs/PERFORMANCE.md.
#   make bench        the full run (< 10 min): timers up to N = 1M (skip 1M with
#                     BENCH_ARGS=--no-million), the table in build/bench/table-full.md,
#                     the timers plot in build/bench/timers.svg
#   make bench-doc    the same, and writes the results into docs/PERFORMANCE.md
#                     and README.md (between their `make bench` markers)
#   make bench-quick  the same programs at small sizes (< 60 s); runs in `make test`
#   make queue-cost   a producer/consumer pair through a queue of capacity 16
#                     (ns and callgrind instructions per item)
#   make perf-gate    the deterministic cost figures (callgrind, simavr, QEMU,
#                     flash) against bench/limits.txt; runs in `make test` (< 1 min).
#                     `make perf-figures` prints them without checking
DEB_PKGS   += libev-dev libuv1-dev valgrind python3
TEST_STEPS += bench-quick perf-gate

.PHONY: bench bench-doc bench-quick bench-build queue-cost perf-gate perf-figures

BB         := $(B)/bench
BENCH_CC    = $(CC) $(WARN) -O2 -g $(CPPFLAGS) -Ibench
BENCH_DEPS := $(HEADERS) bench/bench.h mk/bench.mk
BENCH_ARGS ?=
# timers_coro is built once per N with the knobs a user would pick for N tasks.
BENCH_TIMERS_N := 1000 10000 100000 1000000

BENCH_BINS := $(addprefix $(BB)/,switch_coro switch_coro_idx32 switch_floor switch_libev switch_libuv \
	timers_libev timers_libuv spawn_coro gather_coro lock_coro queue_floor queue_cost memory_coro_8 memory_coro_16 memory_coro_32 memory_peers) \
	$(addprefix $(BB)/timers_coro_,$(BENCH_TIMERS_N))

bench-build: $(BENCH_BINS)

$(BB)/switch_coro: bench/switch_coro.c $(BENCH_DEPS)
	@mkdir -p $(dir $@)
	$(BENCH_CC) $< -o $@
# The same with 32-bit indices: what the CORO_INDEX_BITS knob costs on the hot path.
$(BB)/switch_coro_idx32: bench/switch_coro.c $(BENCH_DEPS)
	@mkdir -p $(dir $@)
	$(BENCH_CC) -DCORO_INDEX_BITS=32 $< -o $@
$(BB)/switch_floor: bench/switch_floor.c $(BENCH_DEPS)
	@mkdir -p $(dir $@)
	$(BENCH_CC) $< -o $@
$(BB)/switch_libev $(BB)/timers_libev: $(BB)/%: bench/%.c $(BENCH_DEPS)
	@mkdir -p $(dir $@)
	$(BENCH_CC) $< -o $@ -lev
$(BB)/switch_libuv $(BB)/timers_libuv: $(BB)/%: bench/%.c $(BENCH_DEPS)
	@mkdir -p $(dir $@)
	$(BENCH_CC) $< -o $@ -luv
$(BB)/queue_floor: bench/queue_floor.c $(BENCH_DEPS)
	@mkdir -p $(dir $@)
	$(BENCH_CC) $< -o $@
$(BB)/lock_coro: bench/lock_coro.c $(BENCH_DEPS)
	@mkdir -p $(dir $@)
	$(BENCH_CC) -DCORO_MAX_TASKS=100 $< -o $@
$(BB)/memory_peers: bench/memory_peers.c $(BENCH_DEPS)
	@mkdir -p $(dir $@)
	$(BENCH_CC) $< -o $@

# N > 254 slots needs wider indices: 16 bits up to 65,534 slots, then 32.
$(BB)/timers_coro_1000 $(BB)/timers_coro_10000: BENCH_IDX := 16
$(BB)/timers_coro_100000 $(BB)/timers_coro_1000000: BENCH_IDX := 32
$(BB)/timers_coro_%: bench/timers_coro.c $(BENCH_DEPS)
	@mkdir -p $(dir $@)
	$(BENCH_CC) -DCORO_INDEX_BITS=$(BENCH_IDX) -DCORO_MAX_TASKS=$* $< -o $@
# The gate's timer figure: the same program on the virtual clock (exact counts).
$(BB)/timers_coro_virtual_10000: bench/timers_coro.c $(BENCH_DEPS)
	@mkdir -p $(dir $@)
	$(BENCH_CC) $(VIRTUAL) -DCORO_INDEX_BITS=16 -DCORO_MAX_TASKS=10000 $< -o $@
# 100 tasks in flight plus main: the default 8-bit indices.
$(BB)/spawn_coro: bench/spawn_coro.c $(BENCH_DEPS)
	@mkdir -p $(dir $@)
	$(BENCH_CC) -DCORO_MAX_TASKS=128 $< -o $@
# k = 1000 tasks plus main: 16-bit indices.
$(BB)/gather_coro: bench/gather_coro.c $(BENCH_DEPS)
	@mkdir -p $(dir $@)
	$(BENCH_CC) -DCORO_INDEX_BITS=16 -DCORO_MAX_TASKS=1024 $< -o $@
$(BB)/memory_coro_8: bench/memory_coro.c $(BENCH_DEPS)
	@mkdir -p $(dir $@)
	$(BENCH_CC) $< -o $@
$(BB)/memory_coro_16 $(BB)/memory_coro_32: $(BB)/memory_coro_%: bench/memory_coro.c $(BENCH_DEPS)
	@mkdir -p $(dir $@)
	$(BENCH_CC) -DCORO_INDEX_BITS=$* -DCORO_MAX_TASKS=1000 $< -o $@

# bench's targets table includes the deterministic figures of the same tree
# (bench/gate.sh --print: AVR/M0 cycles and flash; skipped without the cross
# toolchains). bench-doc writes the results into docs/PERFORMANCE.md, its
# plot into docs/timers.svg and the summary into README.md (their markers).
bench: bench-build $(PERF_GATE_BINS)
	@B=$(B) sh bench/gate.sh --print >/dev/null || rm -f $(B)/gate/figures.txt
	python3 bench/run.py --full --bin $(BB) --plot $(BB)/timers.svg --figures $(B)/gate/figures.txt $(BENCH_ARGS)
bench-doc: bench-build $(PERF_GATE_BINS) $(SIMRUN)
	@B=$(B) sh bench/gate.sh --print >/dev/null
	python3 bench/run.py --full --bin $(BB) --plot docs/timers.svg --figures $(B)/gate/figures.txt --doc $(BENCH_ARGS)

bench-quick: bench-build
	@python3 bench/run.py --quick --bin $(BB) $(BENCH_ARGS)

# bench/queue_cost.c, the queue engineer's program.
$(BB)/queue_cost: bench/queue_cost.c $(BENCH_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(WARN) -O2 $(CPPFLAGS) $< -o $@

queue-cost: $(BB)/queue_cost
	@./$(BB)/queue_cost 1000000 16
	@if command -v valgrind >/dev/null; then for n in 100000 1000000; do \
	  valgrind --tool=callgrind --callgrind-out-file=$(BB)/queue_cost.cg.$$n ./$(BB)/queue_cost $$n 16 >/dev/null 2>$(BB)/queue_cost.cg.$$n.log; \
	  ir=$$(sed -n 's/.*Collected : //p' $(BB)/queue_cost.cg.$$n.log); echo "callgrind items=$$n Ir=$$ir per_item=$$((ir / n))"; done; fi

# The regression gate (bench/gate.sh, limits in bench/limits.txt).
PERF_GATE_BINS := $(addprefix $(BB)/,switch_coro timers_coro_virtual_10000 queue_cost spawn_coro)
perf-gate: $(PERF_GATE_BINS) $(SIMRUN)
	@B=$(B) sh bench/gate.sh
perf-figures: $(PERF_GATE_BINS) $(SIMRUN)
	@B=$(B) sh bench/gate.sh --print
