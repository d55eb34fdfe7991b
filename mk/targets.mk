# Microcontrollers: the examples on real instruction sets, diffed against
# tests/expected (what CPython printed), plus flash/RAM and cycle tables.
#   make avr      every example that fits on an ATmega328P under simavr (Timer0 tick
#                 as the clock, tools/avr/simrun); examples/avr/blink (exact period),
#                 examples/avr/firmware (button + UART lines), both also with the
#                 CORO_SMALL preset, the port's
#                 no-lost-wake-up sweep, the headers warning-free under avr-gcc
#   make arm      every example on microbit (M0), mps2-an385 (M3), mps2-an386 (M4)
#                 under QEMU (SysTick as the clock); the headers under arm-none-eabi-gcc
#   make riscv    every example on an RV32IMAC QEMU `virt` machine (-bios none, machine
#                 mode, machine-timer interrupt; -icount shift=0: 1 ns per instruction,
#                 idle time passes at once, runs are deterministic); tools/riscv/wakeup.c,
#                 the port's no-lost-wake-up sweep; the headers for RV32IMAC and RV32EC.
#                 A freestanding build: no C library is installed
#                 (picolibc-riscv64-unknown-elf is ~1 GB); tools/riscv/harness.c gives
#                 printf on the UART and <string.h>.
#   make arduino  the Arduino AVR core (Debian's arduino-core-avr) built for an Uno
#                 with the flags of its platform.txt by plain make rules (no IDE, no
#                 arduino-mk), every examples/Arduino*/ sketch run under simavr
#                 (tools/embedded/check_arduino.sh: Serial output diffed with
#                 tests/expected/arduino/, LED periods in cycles)
#   make size     flash/RAM table (tools/embedded/size.sh)
#   make cycles   scheduler cost vs the bare ping-pong floor (tools/embedded/cycles.sh)
# Warnings: WARN_AVR (avr-gcc 5.4 predates -Wimplicit-fallthrough), WARN elsewhere.
DEB_PKGS    += gcc-avr avr-libc simavr libsimavr-dev arduino-core-avr
DEB_PKGS_NR += gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm gcc-riscv64-unknown-elf qemu-system-misc
TEST_STEPS  += avr arm riscv arduino

.PHONY: avr arm riscv arduino size cycles avr-build arm-build riscv-build arduino-build

EMB_OPT  := -Os -ffunction-sections -fdata-sections
EMB_DEPS := $(HEADERS) mk/targets.mk

# Examples that cannot run on the ATmega328P, with the reason. (None so far:
# add `NN_name` here with a comment saying why, e.g. more RAM than 2 KB.)
AVR_SKIP :=
# Knobs of the AVR builds (every example fits with the defaults: the largest
# peaks at ~1.1 KB of RAM). Per example: AVR_KNOBS_NN_name := -DCORO_MAX_TASKS=4
# replaces them (never CORO_TICK_BITS: harness.o, built once, must agree on
# coro_tick).
AVR_KNOBS := -DCORO_MAX_TASKS=8 -DCORO_MAX_CALLBACKS=4
AVR_KNOBS_11_lock_for_mutual_exclusion := -DCORO_MAX_TASKS=12 -DCORO_MAX_CALLBACKS=4

# ---- AVR ----------------------------------------------------------------------
AVR_CC    := avr-gcc
AVR_CFLAGS = -mmcu=atmega328p -DF_CPU=16000000UL $(EMB_OPT) $(WARN_AVR) -I. -Iports/avr
AVR_NAMES := $(filter-out $(AVR_SKIP),$(patsubst examples/%.c,%,$(EXAMPLE_SRC)))
AVR_ELFS  := $(patsubst %,$(B)/avr/%.elf,$(AVR_NAMES))
SIMRUN    := $(B)/avr/simrun

$(SIMRUN): tools/avr/simrun.c mk/targets.mk
	@mkdir -p $(dir $@)
	gcc $(WARN) -D_DEFAULT_SOURCE -O2 -isystem /usr/include/simavr $< -o $@ -lsimavr

$(B)/avr/harness.o: tools/avr/harness.c ports/avr/coro_port.h $(EMB_DEPS)
	@mkdir -p $(dir $@)
	$(AVR_CC) $(AVR_CFLAGS) $(AVR_KNOBS) -c $< -o $@

# Formats in flash (tools/avr/harness.h); the float printf only where a format
# has %f/%g/%e (04 prints elapsed seconds).
$(B)/avr/%.elf: examples/%.c $(B)/avr/harness.o tools/avr/harness.h ports/avr/coro_port.h $(EMB_DEPS)
	@mkdir -p $(dir $@)
	$(AVR_CC) $(AVR_CFLAGS) -Itools/avr $(or $(AVR_KNOBS_$*),$(AVR_KNOBS)) -include harness.h -c $< -o $(B)/avr/$*.o
	$(AVR_CC) -mmcu=atmega328p -Wl,--gc-sections -Wl,--wrap=exit $(B)/avr/$*.o $(B)/avr/harness.o -o $@ \
	  $$(grep -qE '%[-+ 0-9.]*[fgeE]' $< && echo -Wl,-u,vfprintf -lprintf_flt -lm)

# The firmware-shaped example: a 500 ms blink on PB5 (the Uno's LED) whose pin
# changes the runner time-stamps to the cycle.
$(B)/avr/blink.elf: examples/avr/blink.c ports/avr/coro_port.h $(EMB_DEPS)
	@mkdir -p $(dir $@)
	$(AVR_CC) $(AVR_CFLAGS) -DBLINK_TOGGLES=14 -c $< -o $(B)/avr/blink.o
	$(AVR_CC) -mmcu=atmega328p -Wl,--gc-sections $(B)/avr/blink.o -o $@

# Blink + a debounced button (interrupt-safe flag) + a UART line reader (ring
# from the RX interrupt, queue of lines), driven by scripted inputs.
$(B)/avr/firmware.elf: examples/avr/firmware.c ports/avr/coro_port.h $(EMB_DEPS)
	@mkdir -p $(dir $@)
	$(AVR_CC) $(AVR_CFLAGS) -c $< -o $(B)/avr/firmware.o
	$(AVR_CC) -mmcu=atmega328p -Wl,--gc-sections $(B)/avr/firmware.o -o $@

# The same two with the CORO_SMALL preset (coro.h): the smallest firmware
# behaves the same. (-Wno-unused-function: coro_queue.h's functions that the
# firmware does not call are static and unused under the preset's CORO_STATIC.)
$(B)/avr/blink-small.elf: examples/avr/blink.c ports/avr/coro_port.h $(EMB_DEPS)
	@mkdir -p $(dir $@)
	$(AVR_CC) $(AVR_CFLAGS) -DCORO_SMALL -DBLINK_TOGGLES=14 -c $< -o $(B)/avr/blink-small.o
	$(AVR_CC) -mmcu=atmega328p -Wl,--gc-sections $(B)/avr/blink-small.o -o $@
$(B)/avr/firmware-small.elf: examples/avr/firmware.c ports/avr/coro_port.h $(EMB_DEPS)
	@mkdir -p $(dir $@)
	$(AVR_CC) $(AVR_CFLAGS) -DCORO_SMALL -Wno-unused-function -c $< -o $(B)/avr/firmware-small.o
	$(AVR_CC) -mmcu=atmega328p -Wl,--gc-sections $(B)/avr/firmware-small.o -o $@

# The port's race-freedom: 5000 interrupt edges swept over the loop's phases.
$(B)/avr/wakeup.elf: tools/embedded/wakeup.c ports/avr/coro_port.h $(EMB_DEPS)
	@mkdir -p $(dir $@)
	$(AVR_CC) $(AVR_CFLAGS) -DEDGES=5000 -c $< -o $(B)/avr/wakeup.o
	$(AVR_CC) -mmcu=atmega328p -Wl,--gc-sections $(B)/avr/wakeup.o -o $@

avr-build: $(SIMRUN) $(AVR_ELFS) $(B)/avr/blink.elf $(B)/avr/firmware.elf $(B)/avr/wakeup.elf \
           $(B)/avr/blink-small.elf $(B)/avr/firmware-small.elf

avr: avr-build
	@pass=0; fail=0; for n in $(AVR_NAMES); do \
	  if timeout 120 ./$(SIMRUN) -l 3200000000 $(B)/avr/$$n.elf >$(B)/avr/$$n.out 2>$(B)/avr/$$n.err \
	     && diff -u tests/expected/$$n.out $(B)/avr/$$n.out >$(B)/avr/$$n.diff; then pass=$$((pass+1)); \
	  else fail=$$((fail+1)); echo "avr: $$n failed:"; cat $(B)/avr/$$n.err $(B)/avr/$$n.diff; fi; done; \
	if sh tools/embedded/check_blink.sh ./$(SIMRUN) $(B)/avr/blink.elf; then pass=$$((pass+1)); else fail=$$((fail+1)); fi; \
	if sh tools/embedded/check_firmware.sh ./$(SIMRUN) $(B)/avr/firmware.elf; then pass=$$((pass+1)); else fail=$$((fail+1)); fi; \
	if sh tools/embedded/check_blink.sh ./$(SIMRUN) $(B)/avr/blink-small.elf; then pass=$$((pass+1)); else fail=$$((fail+1)); fi; \
	if sh tools/embedded/check_firmware.sh ./$(SIMRUN) $(B)/avr/firmware-small.elf; then pass=$$((pass+1)); else fail=$$((fail+1)); fi; \
	if sh tools/embedded/check_wakeup.sh ./$(SIMRUN) $(B)/avr/wakeup.elf; then pass=$$((pass+1)); else fail=$$((fail+1)); fi; \
	if sh tools/embedded/compile.sh $(B)/avr/compile $(AVR_CC) $(AVR_CFLAGS); then pass=$$((pass+1)); else fail=$$((fail+1)); fi; \
	echo "avr: $$pass passed, $$fail failed$(if $(AVR_SKIP), (skipped: $(AVR_SKIP)))"; [ $$fail = 0 ]

# ---- Cortex-M -----------------------------------------------------------------
ARM_CC    := arm-none-eabi-gcc
# core:machine:core clock
ARM_CORES := m0:microbit:16000000 m3:mps2-an385:25000000 m4:mps2-an386:25000000
ARM_NAMES := $(patsubst examples/%.c,%,$(EXAMPLE_SRC))
ARM_ELFS  := $(foreach c,m0 m3 m4,$(patsubst %,$(B)/arm/$(c)/%.elf,$(ARM_NAMES)))
ARM_CFLAGS = -mcpu=cortex-$(1) -mthumb $(EMB_OPT) $(WARN) -I. -Iports/cortex-m -Itools/arm
ARM_LINK   = $(ARM_CC) -mcpu=cortex-$(1) -mthumb -nostartfiles -T tools/arm/link.ld -Wl,--gc-sections
arm_hz     = $(word 3,$(subst :, ,$(filter $(1):%,$(ARM_CORES))))
arm_mach   = $(word 2,$(subst :, ,$(filter $(1):%,$(ARM_CORES))))
QEMU       = qemu-system-arm -M $(1) -display none -monitor none -serial none -chardev stdio,id=c \
             -semihosting-config enable=on,target=native,chardev=c -icount shift=0,sleep=off -kernel

define ARM_CORE_RULES
$(B)/arm/$(1)/board.o: tools/arm/harness.c tools/arm/harness.h tools/embedded/format.h ports/cortex-m/coro_port.h $(EMB_DEPS)
	@mkdir -p $$(dir $$@)
	$(ARM_CC) $(call ARM_CFLAGS,$(1)) -DCORO_CPU_HZ=$(call arm_hz,$(1))u -c $$< -o $$@
$(B)/arm/$(1)/startup.o: tools/arm/startup.c mk/targets.mk
	@mkdir -p $$(dir $$@)
	$(ARM_CC) $(call ARM_CFLAGS,$(1)) -c $$< -o $$@
$(B)/arm/$(1)/%.elf: examples/%.c $(B)/arm/$(1)/board.o $(B)/arm/$(1)/startup.o tools/arm/link.ld tools/arm/harness.h ports/cortex-m/coro_port.h $(EMB_DEPS)
	$(ARM_CC) $(call ARM_CFLAGS,$(1)) -include harness.h -c $$< -o $(B)/arm/$(1)/$$*.o
	$(call ARM_LINK,$(1)) $(B)/arm/$(1)/$$*.o $(B)/arm/$(1)/board.o $(B)/arm/$(1)/startup.o -o $$@ -lc -lgcc
endef
$(foreach c,m0 m3 m4,$(eval $(call ARM_CORE_RULES,$(c))))

arm-build: $(ARM_ELFS)

arm: arm-build
	@pass=0; fail=0; for c in m0 m3 m4; do \
	  case $$c in m0) m=$(call arm_mach,m0);; m3) m=$(call arm_mach,m3);; m4) m=$(call arm_mach,m4);; esac; \
	  for n in $(ARM_NAMES); do \
	    if timeout 60 $(call QEMU,$$m) $(B)/arm/$$c/$$n.elf </dev/null >$(B)/arm/$$c/$$n.out 2>$(B)/arm/$$c/$$n.err \
	       && diff -u tests/expected/$$n.out $(B)/arm/$$c/$$n.out >$(B)/arm/$$c/$$n.diff; then pass=$$((pass+1)); \
	    else fail=$$((fail+1)); echo "arm: $$n on $$c ($$m) failed:"; cat $(B)/arm/$$c/$$n.err $(B)/arm/$$c/$$n.diff; fi; \
	  done; done; \
	for c in m0 m4; do if sh tools/embedded/compile.sh $(B)/arm/compile-$$c $(ARM_CC) -mcpu=cortex-$$c -mthumb $(EMB_OPT) $(WARN) -I. -Iports/cortex-m; \
	  then pass=$$((pass+1)); else fail=$$((fail+1)); fi; done; \
	echo "arm: $$pass passed, $$fail failed ($(words $(ARM_NAMES)) examples x M0 microbit, M3 mps2-an385, M4 mps2-an386)"; [ $$fail = 0 ]

# ---- RISC-V -----------------------------------------------------------------------
RV_CC     := riscv64-unknown-elf-gcc
# GCC 12 wants Zicsr named for the csr instructions; its multilib selection
# (libgcc) does not know the suffix, so the link names the plain ISA.
RV_ARCH   := -march=rv32imac_zicsr -mabi=ilp32
RV_LARCH  := -march=rv32imac -mabi=ilp32
RV_CFLAGS := $(RV_ARCH) $(EMB_OPT) -ffreestanding $(WARN) -I. -Iports/riscv -Itools/riscv/include
RV_LINK   := $(RV_CC) $(RV_LARCH) -nostdlib -nostartfiles -Ltools/riscv -T tools/riscv/link.ld -Wl,--gc-sections
RV_NAMES  := $(patsubst examples/%.c,%,$(EXAMPLE_SRC))
RV_ELFS   := $(patsubst %,$(B)/riscv/%.elf,$(RV_NAMES))
RV_QEMU   := qemu-system-riscv32 -M virt -bios none -display none -monitor none -serial stdio \
             -icount shift=0,sleep=off -kernel
RV_DEPS   := ports/riscv/coro_port.h tools/riscv/include/stdio.h tools/riscv/include/string.h $(EMB_DEPS)

$(B)/riscv/harness.o: tools/riscv/harness.c tools/embedded/format.h $(RV_DEPS)
	@mkdir -p $(dir $@)
	$(RV_CC) $(RV_CFLAGS) -c $< -o $@
$(B)/riscv/libc.o: tools/riscv/libc.c $(RV_DEPS)
	@mkdir -p $(dir $@)
	$(RV_CC) $(RV_CFLAGS) -c $< -o $@
$(B)/riscv/startup.o: tools/riscv/startup.c $(EMB_DEPS)
	@mkdir -p $(dir $@)
	$(RV_CC) $(RV_CFLAGS) -c $< -o $@
$(B)/riscv/%.elf: examples/%.c $(B)/riscv/harness.o $(B)/riscv/libc.o $(B)/riscv/startup.o tools/riscv/link.ld tools/riscv/sections.ld $(RV_DEPS)
	$(RV_CC) $(RV_CFLAGS) -include coro_port.h -c $< -o $(B)/riscv/$*.o
	$(RV_LINK) $(B)/riscv/$*.o $(B)/riscv/harness.o $(B)/riscv/libc.o $(B)/riscv/startup.o -lgcc -o $@

# The port's race-freedom: 4000 timer edges swept over the way back to sleep.
$(B)/riscv/wakeup.elf: tools/riscv/wakeup.c $(B)/riscv/libc.o $(B)/riscv/startup.o tools/riscv/link.ld tools/riscv/sections.ld $(RV_DEPS)
	$(RV_CC) $(RV_CFLAGS) -c $< -o $(B)/riscv/wakeup.o
	$(RV_LINK) $(B)/riscv/wakeup.o $(B)/riscv/libc.o $(B)/riscv/startup.o -lgcc -o $@

riscv-build: $(RV_ELFS) $(B)/riscv/wakeup.elf

riscv: riscv-build
	@pass=0; fail=0; for n in $(RV_NAMES); do \
	  if timeout -k 5 60 $(RV_QEMU) $(B)/riscv/$$n.elf </dev/null >$(B)/riscv/$$n.out 2>$(B)/riscv/$$n.err \
	     && diff -u tests/expected/$$n.out $(B)/riscv/$$n.out >$(B)/riscv/$$n.diff; then pass=$$((pass+1)); \
	  else fail=$$((fail+1)); echo "riscv: $$n failed:"; cat $(B)/riscv/$$n.err $(B)/riscv/$$n.diff; fi; done; \
	if timeout -k 5 60 $(subst shift=0,shift=7,$(RV_QEMU)) $(B)/riscv/wakeup.elf </dev/null >$(B)/riscv/wakeup.out; \
	  then pass=$$((pass+1)); cat $(B)/riscv/wakeup.out; \
	  else fail=$$((fail+1)); echo "riscv: wakeup failed (a hang is a lost wake-up):"; cat $(B)/riscv/wakeup.out; fi; \
	if sh tools/embedded/compile.sh $(B)/riscv/compile-imac $(RV_CC) $(RV_CFLAGS); then pass=$$((pass+1)); else fail=$$((fail+1)); fi; \
	if sh tools/embedded/compile.sh $(B)/riscv/compile-ec $(RV_CC) $(subst rv32imac_zicsr,rv32ec_zicsr,$(subst ilp32,ilp32e,$(RV_CFLAGS))); \
	  then pass=$$((pass+1)); else fail=$$((fail+1)); fi; \
	echo "riscv: $$pass passed, $$fail failed ($(words $(RV_NAMES)) examples on RV32IMAC, QEMU virt, machine-timer tick; no-lost-wake-up sweep; headers for RV32IMAC and RV32EC)"; [ $$fail = 0 ]

# ---- Arduino ------------------------------------------------------------------------
ARDUINO_DIR ?= /usr/share/arduino/hardware/arduino/avr
ARD_CORE    := $(ARDUINO_DIR)/cores/arduino
# The Uno (boards.txt: uno.build.*); ARDUINO is the IDE version (Debian's 1.8.19)
ARD_DEFS    := -mmcu=atmega328p -DF_CPU=16000000L -DARDUINO=10819 -DARDUINO_AVR_UNO -DARDUINO_ARCH_AVR
ARD_INC     := -I$(ARD_CORE) -I$(ARDUINO_DIR)/variants/standard
# platform.txt's compiler.{c,cpp,S}.flags (warnings off for the core, as the IDE does)
ARD_CFLAGS  := -g -Os -w -std=gnu11 -ffunction-sections -fdata-sections -flto -fno-fat-lto-objects
ARD_CXXFLAGS := -g -Os -std=gnu++11 -fpermissive -fno-exceptions -ffunction-sections -fdata-sections \
                -fno-threadsafe-statics -Wno-error=narrowing -flto
ARD_SFLAGS  := -g -x assembler-with-cpp -flto
# The sketches: warning-free (-isystem would not do for the core: avr-gcc wraps
# system headers in extern "C", which breaks Arduino.h's C++ overloads)
ARD_SKETCH_FLAGS := $(ARD_CXXFLAGS) -Wall -Wextra -Werror $(ARD_INC)
ARD_LINK    := avr-gcc -w -Os -g -flto -fuse-linker-plugin -Wl,--gc-sections -mmcu=atmega328p

ARD_CORE_OBJ := $(patsubst $(ARD_CORE)/%,$(B)/arduino/core/%.o,$(wildcard $(ARD_CORE)/*.c $(ARD_CORE)/*.cpp $(ARD_CORE)/*.S))
ARD_SKETCHES := $(patsubst examples/%/,%,$(sort $(dir $(wildcard examples/Arduino*/*.ino))))
ARD_ELFS     := $(patsubst %,$(B)/arduino/%.elf,$(ARD_SKETCHES)) $(B)/arduino/Empty.elf $(B)/arduino/BlinkNoCoro.elf

$(B)/arduino/core/%.c.o: $(ARD_CORE)/%.c mk/targets.mk
	@mkdir -p $(dir $@)
	avr-gcc $(ARD_CFLAGS) $(ARD_DEFS) $(ARD_INC) -c $< -o $@
# avr-gcc 5.4's float.h gives C++ no DECIMAL_DIG (WString.cpp wants it; the
# IDE's own avr-gcc 7.3 has it): the compiler's predefined value stands in.
$(B)/arduino/core/%.cpp.o: $(ARD_CORE)/%.cpp mk/targets.mk
	@mkdir -p $(dir $@)
	avr-g++ $(ARD_CXXFLAGS) -w -DDECIMAL_DIG=__DECIMAL_DIG__ $(ARD_DEFS) $(ARD_INC) -c $< -o $@
$(B)/arduino/core/%.S.o: $(ARD_CORE)/%.S mk/targets.mk
	@mkdir -p $(dir $@)
	avr-gcc $(ARD_SFLAGS) $(ARD_DEFS) $(ARD_INC) -c $< -o $@
$(B)/arduino/core.a: $(ARD_CORE_OBJ)
	@rm -f $@
	avr-gcc-ar rcs $@ $^

# A sketch as the IDE builds it: the .ino is C++ with Arduino.h included first
# (our sketches declare what they use, so no prototypes need generating), the
# library's folder (this one) on the include path.
define ARD_SKETCH_RULE
$(B)/arduino/$(1).elf: examples/$(1)/$(1).ino $(B)/arduino/core.a ports/arduino/coro_port.h $(HEADERS) mk/targets.mk
	@mkdir -p $$(dir $$@)
	avr-g++ $(ARD_SKETCH_FLAGS) $(ARD_DEFS) -I. -x c++ -include Arduino.h -c $$< -o $(B)/arduino/$(1).o
	$(ARD_LINK) $(B)/arduino/$(1).o $(B)/arduino/core.a -lm -o $$@
endef
$(foreach s,$(ARD_SKETCHES),$(eval $(call ARD_SKETCH_RULE,$(s))))

# For make size: the core alone (an empty sketch), and ArduinoBlink without
# coro (tools/arduino/BlinkNoCoro.ino, timed by hand with millis()).
$(B)/arduino/Empty.elf: $(B)/arduino/core.a
	@mkdir -p $(dir $@)
	printf 'void setup() {}\nvoid loop() {}\n' > $(B)/arduino/Empty.cpp
	avr-g++ $(ARD_SKETCH_FLAGS) $(ARD_DEFS) -include Arduino.h -c $(B)/arduino/Empty.cpp -o $(B)/arduino/Empty.o
	$(ARD_LINK) $(B)/arduino/Empty.o $(B)/arduino/core.a -lm -o $@
$(B)/arduino/BlinkNoCoro.elf: tools/arduino/BlinkNoCoro.ino $(B)/arduino/core.a
	@mkdir -p $(dir $@)
	avr-g++ $(ARD_SKETCH_FLAGS) $(ARD_DEFS) -x c++ -include Arduino.h -c $< -o $(B)/arduino/BlinkNoCoro.o
	$(ARD_LINK) $(B)/arduino/BlinkNoCoro.o $(B)/arduino/core.a -lm -o $@

arduino-build: $(SIMRUN) $(ARD_ELFS)

arduino: arduino-build
	@sh tools/embedded/check_arduino.sh $(SIMRUN) $(B)/arduino $(ARD_SKETCHES)

# ---- size and cycles ------------------------------------------------------------
size: $(SIMRUN) avr-build arm-build arduino-build
	@B=$(B) sh tools/embedded/size.sh

cycles: $(SIMRUN)
	@B=$(B) sh tools/embedded/cycles.sh
