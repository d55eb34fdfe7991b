# Seeing the scheduler (issue 8): timelines of the examples, and the checks
# of the trace hook, the task dump's docs and the generated API reference.
#   make timeline     trace the examples below on the virtual clock and render
#                     each into docs/img/NN_name.svg (timeline) and .json
#                     (Chrome trace events: https://ui.perfetto.dev, chrome://tracing)
#   make apidoc       regenerate docs/API.md from the headers' comments
#   make trace-check  (in `make test`) every traced example prints what CPython
#                     printed, its JSON is consistent, docs/img and docs/API.md
#                     are up to date, the hook and CORO_DEBUG build warning-free
#                     (gcc, clang, labels, 64-bit ticks, C++), the hook costs
#                     nothing when off (same machine code with the hook sites
#                     deleted), and one SVG renders in headless Chromium to a
#                     non-blank picture. tests/test_trace.c (run with the other
#                     Criterion tests) checks the event order and the dump.
DEB_PKGS   += chromium python3
TEST_STEPS += trace-check

.PHONY: timeline apidoc trace-check

TL      := $(B)/timeline
TL_EX   := 01 02 04 05 07 08 11 12 13 14 16
TL_SRC  := $(foreach n,$(TL_EX),$(wildcard examples/$(n)_*.c))
TL_NAME := $(patsubst examples/%.c,%,$(TL_SRC))
# Small programs of the tutorial's own (tools/timeline/demos/), drawn the same way.
TL_DEMO := $(patsubst tools/timeline/demos/%.c,%,$(wildcard tools/timeline/demos/*.c))
TL_BIN  := $(addprefix $(TL)/,$(TL_NAME) $(TL_DEMO))
TL_DEPS := $(HEADERS) tools/timeline/trace.h tools/timeline/recorder.c mk/trace.mk
TL_PY   := python3 tools/timeline/timeline.py
# The picture that the test opens in Chromium.
TL_SHOT := 16_queue_processing
CHROMIUM ?= chromium
# Keep the traced programs (intermediate files of the .trace rule).
.SECONDARY: $(TL_BIN)

# An example with the hook on (trace.h), CORO_DEBUG names, linked with the recorder.
$(TL)/%: examples/%.c $(TL_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) $(VIRTUAL) -DCORO_DEBUG=1 -include tools/timeline/trace.h \
	  $< tools/timeline/recorder.c -o $@

$(TL)/%: tools/timeline/demos/%.c $(TL_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) $(VIRTUAL) -DCORO_DEBUG=1 -include tools/timeline/trace.h \
	  $< tools/timeline/recorder.c -o $@

# Run it: its output (must equal CPython's) and its trace; then the pictures.
$(TL)/%.trace: $(TL)/% tools/timeline/timeline.py
	CORO_TRACE_FILE=$@ ./$< > $(TL)/$*.out
	$(TL_PY) render $@ --json $(TL)/$*.json --svg $(TL)/$*.svg --title "$(firstword $(wildcard examples/$*.c tools/timeline/demos/$*.c))"

timeline: $(addsuffix .trace,$(TL_BIN))
	@mkdir -p docs/img; for n in $(TL_NAME) $(TL_DEMO); do cp $(TL)/$$n.svg $(TL)/$$n.json docs/img/; done
	@echo "timeline: $(words $(TL_NAME)) examples and $(words $(TL_DEMO)) demos rendered into docs/img/"

apidoc:
	python3 tools/apidoc.py $(HEADERS) > docs/API.md

trace-check: $(addsuffix .trace,$(TL_BIN))
	@pass=0; fail=0; \
	ok() { pass=$$((pass+1)); }; ko() { fail=$$((fail+1)); echo "trace-check: $$1"; }; \
	for n in $(TL_NAME) $(TL_DEMO); do \
	  if [ ! -f tests/expected/$$n.out ]; then :; \
	  elif diff -q $(TL)/$$n.out tests/expected/$$n.out >/dev/null; then ok; else ko "$$n prints differently with the hook on"; fi; \
	  if $(TL_PY) check $(TL)/$$n.trace $(TL)/$$n.json >$(TL)/$$n.check; then ok; else cat $(TL)/$$n.check; ko "$$n.json inconsistent"; fi; \
	  if cmp -s $(TL)/$$n.svg docs/img/$$n.svg && cmp -s $(TL)/$$n.json docs/img/$$n.json; then ok; \
	  else ko "docs/img/$$n.svg or .json is out of date: run make timeline"; fi; \
	done; \
	python3 tools/apidoc.py $(HEADERS) > $(TL)/API.md; \
	if diff -u docs/API.md $(TL)/API.md >$(TL)/API.diff; then ok; else head -40 $(TL)/API.diff; ko "docs/API.md is out of date: run make apidoc"; fi; \
	for c in "gcc $(WARN)" "clang $(WARN)" "gcc $(WARN) -DCORO_USE_LABELS=1" "gcc $(WARN) -DCORO_TICK_BITS=64 -DCORO_INDEX_BITS=16" \
	         "g++ -x c++ -Wall -Wextra -Wpedantic -Werror" "clang++ -x c++ -Wall -Wextra -Wpedantic -Werror"; do \
	  if $$c -I. -D_POSIX_C_SOURCE=200809L -DCORO_DEBUG=1 -include tools/timeline/trace.h -c examples/16_queue_processing.c \
	     -o $(TL)/hooked.o; then ok; else ko "the hook and CORO_DEBUG do not build warning-free with $$c"; fi; \
	done; \
	mkdir -p $(TL)/zero; perl -pe 's/CORO__TRACE\(L, CORO_TRACE_\w+,[^;]*\);/((void)0);/' coro.h > $(TL)/zero/coro.h; \
	cp coro_sync.h coro_queue.h $(TL)/zero/; \
	for cc in gcc clang; do for src in bench/switch_core.c examples/16_queue_processing.c; do \
	  o=$(TL)/zero/$$(basename $$src .c).$$cc; \
	  $$cc $(WARN) -O2 -DNDEBUG -D_POSIX_C_SOURCE=200809L -I. $$src -o $$o.on && \
	  $$cc $(WARN) -O2 -DNDEBUG -D_POSIX_C_SOURCE=200809L -I$(TL)/zero $$src -o $$o.off && \
	  objdump -d --no-show-raw-insn $$o.on | tail -n +3 > $$o.on.dis && objdump -d --no-show-raw-insn $$o.off | tail -n +3 > $$o.off.dis; \
	  if [ -s $$o.on.dis ] && cmp -s $$o.on.dis $$o.off.dis; then ok; else ko "$$src ($$cc): the trace hook changes the code when off"; fi; \
	done; done; \
	svg=$(TL)/$(TL_SHOT).svg; png=$(TL)/$(TL_SHOT).png; rm -f $$png; \
	size=$$(sed -n 's/^<svg [^>]*width="\([0-9]*\)" height="\([0-9]*\)".*/\1,\2/p' $$svg); \
	prof=$$(mktemp -d); \
	timeout 120 $(CHROMIUM) --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	  --disable-background-networking --disable-component-update --disable-sync --hide-scrollbars \
	  --user-data-dir=$$prof --screenshot=$(CURDIR)/$$png --window-size=$$size file://$(CURDIR)/$$svg >$(TL)/chromium.log 2>&1; \
	rm -rf $$prof; \
	if [ -f $$png ] && $(TL_PY) check-png $$png; then ok; else cat $(TL)/chromium.log; ko "$$svg does not render in Chromium"; fi; \
	echo "trace: $$pass passed, $$fail failed"; [ $$fail = 0 ]
