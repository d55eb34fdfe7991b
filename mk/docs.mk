# Documentation and packaging: the pictures, the playground and the API
# reference are generated from runs and from the headers, and checked current.
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
#   make install PREFIX=...   the headers, coro.pc (pkg-config), a CMake package
#   make check-version        the version in coro.h, CHANGELOG, library.properties
#                             and library.json agree
#   make check-install        install, then build consumers through pkg-config,
#                             find_package(coro) and add_subdirectory
#   make check-arduino        the Arduino library's layout (the sketches run in make arduino)
DEB_PKGS   += chromium python3 pkg-config cmake
TEST_STEPS += trace-check play-check check-version check-install check-arduino

.PHONY: timeline apidoc trace-check playground play-check play-shot install check-version check-install check-arduino

# ---- timelines and the API reference --------------------------------------------------
TL      := $(B)/timeline
TL_EX   := 01 02 04 05 07 08 11 12 13 14 16
TL_SRC  := $(foreach n,$(TL_EX),$(wildcard examples/$(n)_*.c))
TL_NAME := $(patsubst examples/%.c,%,$(TL_SRC))
# Small programs of the tutorial's own (tools/timeline/demos/), drawn the same way.
TL_DEMO := $(patsubst tools/timeline/demos/%.c,%,$(wildcard tools/timeline/demos/*.c))
TL_BIN  := $(addprefix $(TL)/,$(TL_NAME) $(TL_DEMO))
TL_DEPS := $(HEADERS) tools/timeline/trace.h tools/timeline/recorder.c mk/docs.mk
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
	for c in "gcc $(WARN)" "clang $(WARN)" "gcc $(WARN) $(VARIANT_labels)" "gcc $(WARN) $(VARIANT_tick64) $(VARIANT_index16)" \
	         "g++ $(WARN_CXX)" "clang++ $(WARN_CXX)"; do \
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

# ---- the playground ------------------------------------------------------------------
PL       := $(B)/play
PL_NAME  := $(patsubst examples/%.c,%,$(EXAMPLE_SRC)) $(patsubst tools/timeline/demos/%.c,%,$(wildcard tools/timeline/demos/*.c))
PL_PAGES := $(addprefix $(PL)/,$(addsuffix .html,$(PL_NAME)))
PL_PY    := python3 tools/timeline/play.py
PL_CHROMIUM = timeout 300 $(or $(CHROMIUM),chromium) --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync
.SECONDARY: $(addprefix $(PL)/,$(addsuffix .snap,$(PL_NAME))) $(addprefix $(B)/timeline/,$(PL_NAME))

# A traced run (the program of the timeline rules above) with its snapshots.
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
	if $(CC) $(WARN) -O2 $(CPPFLAGS) $(VIRTUAL) $(VARIANT_tick64) $(VARIANT_index16) -include tools/timeline/trace.h \
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

# ---- packaging -------------------------------------------------------------------------
PREFIX  ?= /usr/local
VERSION := $(shell sed -n 's/^\#define CORO_VERSION "\(.*\)"/\1/p' coro.h)

install:
	install -d $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/lib/cmake/coro
	install -m 644 coro.h coro_sync.h coro_queue.h $(DESTDIR)$(PREFIX)/include/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' coro.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/coro.pc
	printf 'if(NOT TARGET coro::coro)\n  add_library(coro::coro INTERFACE IMPORTED)\n  set_target_properties(coro::coro PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "$${CMAKE_CURRENT_LIST_DIR}/../../../include")\nendif()\n' > $(DESTDIR)$(PREFIX)/lib/cmake/coro/coroConfig.cmake
	printf 'set(PACKAGE_VERSION "$(VERSION)")\nif(PACKAGE_FIND_VERSION_MAJOR STREQUAL "$(word 1,$(subst ., ,$(VERSION)))" AND NOT PACKAGE_FIND_VERSION VERSION_GREATER PACKAGE_VERSION)\n  set(PACKAGE_VERSION_COMPATIBLE TRUE)\n  if(PACKAGE_FIND_VERSION STREQUAL PACKAGE_VERSION)\n    set(PACKAGE_VERSION_EXACT TRUE)\n  endif()\nelse()\n  set(PACKAGE_VERSION_COMPATIBLE FALSE)\nendif()\n' > $(DESTDIR)$(PREFIX)/lib/cmake/coro/coroConfigVersion.cmake

# The version in coro.h, CHANGELOG, library.properties and library.json agree.
check-version:
	@v=$(VERSION); fail=0; \
	grep -q "^version=$$v$$" library.properties || { echo "library.properties version differs from $$v"; fail=$$((fail+1)); }; \
	grep -q "\"version\": \"$$v\"" library.json || { echo "library.json version differs from $$v"; fail=$$((fail+1)); }; \
	grep -q "^## $$v" CHANGELOG.md || { echo "CHANGELOG.md has no section for $$v"; fail=$$((fail+1)); }; \
	for h in coro_sync.h coro_queue.h; do head -3 $$h | grep -q "v$$v" || { echo "$$h header says another version"; fail=$$((fail+1)); }; done; \
	echo "check-version: $$((5 - fail)) passed, $$fail failed (coro.h against library.properties, library.json, CHANGELOG.md, coro_sync.h, coro_queue.h)"; [ $$fail = 0 ]

# Install into a temporary prefix, then build a consumer through pkg-config,
# through find_package(coro) and through add_subdirectory.
check-install:
	@set -e; d=$(B)/pkg; rm -rf $$d; mkdir -p $$d; \
	$(MAKE) --no-print-directory -s install PREFIX=$(CURDIR)/$$d/prefix >/dev/null; \
	PKG_CONFIG_PATH=$(CURDIR)/$$d/prefix/lib/pkgconfig; export PKG_CONFIG_PATH; \
	[ "$$(pkg-config --modversion coro)" = "$(VERSION)" ]; \
	$(CC) $(WARN) $$(pkg-config --cflags coro) -D_POSIX_C_SOURCE=200809L -DVERSION_EXPECTED='"$(VERSION)"' tests/package/main.c -o $$d/pc_consumer; ./$$d/pc_consumer >/dev/null; n=1; \
	cmake -S tests/package -B $$d/find -DCMAKE_PREFIX_PATH=$(CURDIR)/$$d/prefix -DCORO_EXPECT=$(VERSION) >/dev/null; \
	cmake --build $$d/find >/dev/null; ./$$d/find/consumer >/dev/null; n=$$((n+1)); \
	cmake -S tests/package -B $$d/sub -DCORO_SOURCE_DIR=$(CURDIR) -DCORO_EXPECT=$(VERSION) >/dev/null; \
	cmake --build $$d/sub >/dev/null; ./$$d/sub/consumer >/dev/null; n=$$((n+1)); \
	cmake -S . -B $$d/self >/dev/null; cmake --install $$d/self --prefix $(CURDIR)/$$d/cmprefix >/dev/null; \
	cmake -S tests/package -B $$d/find2 -DCMAKE_PREFIX_PATH=$(CURDIR)/$$d/cmprefix -DCORO_EXPECT=$(VERSION) >/dev/null; \
	cmake --build $$d/find2 >/dev/null; ./$$d/find2/consumer >/dev/null; n=$$((n+1)); \
	echo "check-install: $$n passed, 0 failed (pkg-config, find_package, add_subdirectory, CMake's own install)"

# The Arduino library: library.properties fields, the example layout
# (examples/Name/Name.ino), and the port coro.h selects under ARDUINO. The
# sketches are built against the real Arduino core and run by `make arduino`
# (mk/targets.mk).
check-arduino:
	@set -e; n=0; for k in name version author maintainer sentence paragraph category url architectures; do \
	  grep -q "^$$k=" library.properties || { echo "library.properties lacks $$k"; exit 1; }; n=$$((n+1)); done; \
	for d in examples/Arduino*/; do s=$$(basename $$d); [ -f $$d/$$s.ino ] || { echo "$$d lacks $$s.ino"; exit 1; }; n=$$((n+1)); done; \
	[ -f ports/arduino/coro_port.h ] && grep -q '"ports/arduino/coro_port.h"' coro.h; n=$$((n+1)); \
	echo "check-arduino: $$n passed, 0 failed (library.properties fields, sketch layouts, the port)"
