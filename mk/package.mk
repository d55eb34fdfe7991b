# Packaging (issue 8): install, pkg-config, CMake, Arduino, PlatformIO, versions.
PREFIX  ?= /usr/local
VERSION := $(shell sed -n 's/^\#define CORO_VERSION "\(.*\)"/\1/p' coro.h)
DEB_PKGS   += pkg-config cmake
TEST_STEPS += check-version check-install check-arduino

.PHONY: install check-version check-install check-arduino

install:
	install -d $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/lib/cmake/coro
	install -m 644 coro.h coro_sync.h coro_queue.h $(DESTDIR)$(PREFIX)/include/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' coro.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/coro.pc
	printf 'if(NOT TARGET coro::coro)\n  add_library(coro::coro INTERFACE IMPORTED)\n  set_target_properties(coro::coro PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "$${CMAKE_CURRENT_LIST_DIR}/../../../include")\nendif()\n' > $(DESTDIR)$(PREFIX)/lib/cmake/coro/coroConfig.cmake
	printf 'set(PACKAGE_VERSION "$(VERSION)")\nif(PACKAGE_FIND_VERSION_MAJOR STREQUAL "$(word 1,$(subst ., ,$(VERSION)))" AND NOT PACKAGE_FIND_VERSION VERSION_GREATER PACKAGE_VERSION)\n  set(PACKAGE_VERSION_COMPATIBLE TRUE)\n  if(PACKAGE_FIND_VERSION STREQUAL PACKAGE_VERSION)\n    set(PACKAGE_VERSION_EXACT TRUE)\n  endif()\nelse()\n  set(PACKAGE_VERSION_COMPATIBLE FALSE)\nendif()\n' > $(DESTDIR)$(PREFIX)/lib/cmake/coro/coroConfigVersion.cmake

# The version in coro.h, CHANGELOG, library.properties and library.json agree.
check-version:
	@v=$(VERSION); fail=0; \
	grep -q "^version=$$v$$" library.properties || { echo "library.properties version differs from $$v"; fail=1; }; \
	grep -q "\"version\": \"$$v\"" library.json || { echo "library.json version differs from $$v"; fail=1; }; \
	grep -q "^## $$v" CHANGELOG.md || { echo "CHANGELOG.md has no section for $$v"; fail=1; }; \
	for h in coro_sync.h coro_queue.h; do head -3 $$h | grep -q "v$$v" || { echo "$$h header says another version"; fail=1; }; done; \
	[ $$fail = 0 ] && echo "check-version: 1 passed, 0 failed"

# Install into a temporary prefix, then build a consumer through pkg-config,
# through find_package(coro) and through add_subdirectory.
check-install:
	@set -e; d=$(B)/pkg; rm -rf $$d; mkdir -p $$d; \
	$(MAKE) --no-print-directory -s install PREFIX=$(CURDIR)/$$d/prefix >/dev/null; \
	PKG_CONFIG_PATH=$(CURDIR)/$$d/prefix/lib/pkgconfig; export PKG_CONFIG_PATH; \
	[ "$$(pkg-config --modversion coro)" = "$(VERSION)" ]; \
	$(CC) $(WARN) $$(pkg-config --cflags coro) -D_POSIX_C_SOURCE=200809L -DVERSION_EXPECTED='"$(VERSION)"' tests/package/main.c -o $$d/pc_consumer; ./$$d/pc_consumer >/dev/null; \
	cmake -S tests/package -B $$d/find -DCMAKE_PREFIX_PATH=$(CURDIR)/$$d/prefix -DCORO_EXPECT=$(VERSION) >/dev/null; \
	cmake --build $$d/find >/dev/null; ./$$d/find/consumer >/dev/null; \
	cmake -S tests/package -B $$d/sub -DCORO_SOURCE_DIR=$(CURDIR) -DCORO_EXPECT=$(VERSION) >/dev/null; \
	cmake --build $$d/sub >/dev/null; ./$$d/sub/consumer >/dev/null; \
	cmake -S . -B $$d/self >/dev/null; cmake --install $$d/self --prefix $(CURDIR)/$$d/cmprefix >/dev/null; \
	cmake -S tests/package -B $$d/find2 -DCMAKE_PREFIX_PATH=$(CURDIR)/$$d/cmprefix -DCORO_EXPECT=$(VERSION) >/dev/null; \
	cmake --build $$d/find2 >/dev/null; ./$$d/find2/consumer >/dev/null; \
	echo "check-install: 4 passed, 0 failed"

# The Arduino library: library.properties fields, the example layout
# (examples/Name/Name.ino), and the port coro.h selects under ARDUINO. The
# sketches are built against the real Arduino core and run by `make arduino`
# (mk/arduino.mk).
check-arduino:
	@set -e; for k in name version author maintainer sentence paragraph category url architectures; do \
	  grep -q "^$$k=" library.properties || { echo "library.properties lacks $$k"; exit 1; }; done; \
	for d in examples/Arduino*/; do n=$$(basename $$d); [ -f $$d/$$n.ino ] || { echo "$$d lacks $$n.ino"; exit 1; }; done; \
	[ -f ports/arduino/coro_port.h ] && grep -q '"ports/arduino/coro_port.h"' coro.h; \
	echo "check-arduino: 1 passed, 0 failed"
