# The playground (issue 17): a step-through page per example.
#   make playground   trace every example (and the tutorial's demos) on the
#                     virtual clock with snapshots of the loop's whole state at
#                     each event (tools/timeline/trace.h, recorder.c:
#                     CORO_SNAP_FILE) and write docs/play/NN_name.html, one
#                     static self-contained page each (tools/timeline/play.py),
#                     plus docs/play/index.html. Committed, like docs/img/.
#   make play-shot    the README's screenshot (docs/img/playground.png): one
#                     page at one step, taken by headless Chromium.
#   make play-check   (in `make test`) the snapshots are consistent (every live
#                     task in exactly one place), also from a build with other
#                     knobs (the same states), the recorder reads a wait queue
#                     in either tail representation (tools/timeline/snapcheck.c),
#                     docs/play/ is up to date, and
#                     in headless Chromium every page steps by key presses to
#                     chosen steps and shows what the snapshots say (ring, heap
#                     top, highlighted line: play.py expect vs the page's
#                     #selftest), every page and the index load with no error
#                     (window.onerror, console): one Chromium run opens them all
#                     in frames of a harness page (play.py harness, verify).
# (Defined before mk/trace.mk is read: only literal paths in prerequisites.)
DEB_PKGS   += chromium python3
TEST_STEPS += play-check

.PHONY: playground play-check play-shot

PL       := $(B)/play
PL_NAME  := $(patsubst examples/%.c,%,$(EXAMPLE_SRC)) $(patsubst tools/timeline/demos/%.c,%,$(wildcard tools/timeline/demos/*.c))
PL_PAGES := $(addprefix $(PL)/,$(addsuffix .html,$(PL_NAME)))
PL_PY    := python3 tools/timeline/play.py
PL_CHROMIUM = timeout 300 $(or $(CHROMIUM),chromium) --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync
.SECONDARY: $(addprefix $(PL)/,$(addsuffix .snap,$(PL_NAME))) $(addprefix $(B)/timeline/,$(PL_NAME))

# A traced run (the program of mk/trace.mk) with its snapshots.
$(PL)/%.snap: $(B)/timeline/% tools/timeline/play.py
	@mkdir -p $(dir $@)
	CORO_TRACE_FILE=$(PL)/$*.trace CORO_SNAP_FILE=$@ ./$< > $(PL)/$*.out

$(PL)/%.html: $(PL)/%.snap tools/timeline/play.py
	$(PL_PY) page $(PL)/$*.trace $< --src $(firstword $(wildcard examples/$*.c tools/timeline/demos/$*.c)) \
	  --title "$(firstword $(wildcard examples/$*.c tools/timeline/demos/$*.c))" --out $@

$(PL)/index.html: $(PL_PAGES)
	$(PL_PY) index --out $@ $(PL_PAGES)

playground: $(PL)/index.html
	@mkdir -p docs/play; cp $(PL_PAGES) $(PL)/index.html docs/play/
	@echo "playground: $(words $(PL_PAGES)) pages in docs/play/ (open docs/play/index.html)"

PL_SHOT := 13_semaphore_for_rate_limiting.html\#step=22
play-shot: playground
	prof=$$(mktemp -d); $(PL_CHROMIUM) --user-data-dir=$$prof --hide-scrollbars --window-size=1280,900 \
	  --screenshot=$(CURDIR)/docs/img/playground.png "file://$(CURDIR)/docs/play/$(PL_SHOT)" >$(PL)/shot.log 2>&1; \
	rm -rf $$prof; python3 tools/timeline/timeline.py check-png docs/img/playground.png

play-check: $(PL)/index.html
	@pass=0; fail=0; \
	ok() { pass=$$((pass+1)); }; ko() { fail=$$((fail+1)); echo "play-check: $$1"; }; \
	for n in $(PL_NAME); do \
	  if $(PL_PY) check $(PL)/$$n.trace $(PL)/$$n.snap >$(PL)/$$n.check; then ok; else cat $(PL)/$$n.check; ko "$$n: inconsistent snapshots"; fi; \
	  if cmp -s $(PL)/$$n.html docs/play/$$n.html; then ok; else ko "docs/play/$$n.html is out of date: run make playground"; fi; \
	  $(PL_PY) expect $(PL)/$$n.trace $(PL)/$$n.snap --steps auto >$(PL)/$$n.expect || ko "$$n: no steps to check"; \
	done; \
	w=$(PL)/wide_16_queue_processing; \
	if $(CC) $(WARN) -O2 $(CPPFLAGS) $(VIRTUAL) -DCORO_TICK_BITS=64 -DCORO_INDEX_BITS=16 -include tools/timeline/trace.h \
	     examples/16_queue_processing.c tools/timeline/recorder.c -o $$w && \
	   CORO_TRACE_FILE=$$w.trace CORO_SNAP_FILE=$$w.snap ./$$w >/dev/null && $(PL_PY) check $$w.trace $$w.snap && \
	   $(PL_PY) same $(PL)/16_queue_processing.snap $$w.snap; then ok; \
	else ko "the recorder reads a loop built with other knobs (64-bit ticks, 16-bit indices, no CORO_DEBUG) wrongly"; fi; \
	if $(CC) $(WARN) -O2 $(CPPFLAGS) $(VIRTUAL) -DCORO_DEBUG=1 -include tools/timeline/trace.h tools/timeline/snapcheck.c \
	     tools/timeline/recorder.c -o $(PL)/snapcheck && CORO_SNAP_FILE=$(PL)/snapcheck.snap ./$(PL)/snapcheck && \
	   [ "$$(grep -c '"q":\[\[[0-9]*,\[2,0,1\]\]\]' $(PL)/snapcheck.snap)" = 2 ]; then ok; \
	else cat $(PL)/snapcheck.snap; ko "the recorder misreads a wait queue (tools/timeline/snapcheck.c)"; fi; \
	if cmp -s $(PL)/index.html docs/play/index.html; then ok; else ko "docs/play/index.html is out of date: run make playground"; fi; \
	$(PL_PY) harness --out $(PL)/selftest.html --dir $(PL) $(PL_NAME) index; \
	prof=$$(mktemp -d); \
	$(PL_CHROMIUM) --user-data-dir=$$prof --allow-file-access-from-files --enable-logging=stderr --v=0 \
	  --dump-dom file://$(CURDIR)/$(PL)/selftest.html >$(PL)/selftest.dom 2>$(PL)/selftest.log; \
	rm -rf $$prof; \
	if $(PL_PY) verify $(PL)/selftest.dom --dir $(PL) $(PL_NAME) >$(PL)/verify.txt; then ok; else ko "a page does not show its snapshots"; fi; \
	cat $(PL)/verify.txt; \
	if grep -q 'data-page="index" data-mode="plain">' $(PL)/selftest.dom; then ok; else ko "index.html does not load"; fi; \
	if grep 'CONSOLE' $(PL)/selftest.log; then ko "console output (errors) while the pages load (above)"; else ok; fi; \
	echo "play: $$pass passed, $$fail failed"; [ $$fail = 0 ]
