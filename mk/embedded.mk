# coro on real instruction sets (issue 5): the examples on an ATmega328P under
# simavr (Timer0 tick as the clock) and on Cortex-M0/M3/M4 under QEMU (SysTick
# as the clock), diffed against tests/expected; flash/RAM sizes; cycle counts.
#   make avr     every example that fits, on tools/avr/simrun; examples/avr/blink (exact
#                period), examples/avr/firmware (button + UART lines), the port's
#                no-lost-wake-up sweep, the headers warning-free under avr-gcc
#   make arm     every example on microbit (M0), mps2-an385 (M3), mps2-an386 (M4);
#                the headers warning-free under arm-none-eabi-gcc
#   make size    flash/RAM table (tools/embedded/size.sh)
#   make cycles  scheduler cost vs the bare ping-pong floor (tools/embedded/cycles.sh)
DEB_PKGS    += gcc-avr avr-libc simavr libsimavr-dev
DEB_PKGS_NR += gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm
TEST_STEPS  += avr arm

.PHONY: avr arm size cycles avr-build arm-build

EMB_WARN := -std=c99 -Wall -Wextra -Wpedantic -Werror -Wshadow
# avr-gcc 5.4 predates -Wimplicit-fallthrough
ARM_WARN := $(EMB_WARN) -Wimplicit-fallthrough
EMB_OPT  := -Os -ffunction-sections -fdata-sections
EMB_DEPS := $(HEADERS) mk/embedded.mk

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
AVR_CFLAGS = -mmcu=atmega328p -DF_CPU=16000000UL $(EMB_OPT) $(EMB_WARN) -I. -Iports/avr
AVR_NAMES := $(filter-out $(AVR_SKIP),$(patsubst examples/%.c,%,$(EXAMPLE_SRC)))
AVR_ELFS  := $(patsubst %,$(B)/avr/%.elf,$(AVR_NAMES))
SIMRUN    := $(B)/avr/simrun

$(SIMRUN): tools/avr/simrun.c mk/embedded.mk
	@mkdir -p $(dir $@)
	gcc -std=c99 -D_DEFAULT_SOURCE -O2 -Wall -Wextra -Werror -I/usr/include/simavr $< -o $@ -lsimavr

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

# The port's race-freedom: 5000 interrupt edges swept over the loop's phases.
$(B)/avr/wakeup.elf: tools/embedded/wakeup.c ports/avr/coro_port.h $(EMB_DEPS)
	@mkdir -p $(dir $@)
	$(AVR_CC) $(AVR_CFLAGS) -DEDGES=5000 -c $< -o $(B)/avr/wakeup.o
	$(AVR_CC) -mmcu=atmega328p -Wl,--gc-sections $(B)/avr/wakeup.o -o $@

avr-build: $(SIMRUN) $(AVR_ELFS) $(B)/avr/blink.elf $(B)/avr/firmware.elf $(B)/avr/wakeup.elf

avr: avr-build
	@pass=0; fail=0; for n in $(AVR_NAMES); do \
	  if timeout 120 ./$(SIMRUN) -l 3200000000 $(B)/avr/$$n.elf >$(B)/avr/$$n.out 2>$(B)/avr/$$n.err \
	     && diff -u tests/expected/$$n.out $(B)/avr/$$n.out >$(B)/avr/$$n.diff; then pass=$$((pass+1)); \
	  else fail=$$((fail+1)); echo "avr: $$n failed:"; cat $(B)/avr/$$n.err $(B)/avr/$$n.diff; fi; done; \
	if sh tools/embedded/check_blink.sh ./$(SIMRUN) $(B)/avr/blink.elf; then pass=$$((pass+1)); else fail=$$((fail+1)); fi; \
	if sh tools/embedded/check_firmware.sh ./$(SIMRUN) $(B)/avr/firmware.elf; then pass=$$((pass+1)); else fail=$$((fail+1)); fi; \
	if sh tools/embedded/check_wakeup.sh ./$(SIMRUN) $(B)/avr/wakeup.elf; then pass=$$((pass+1)); else fail=$$((fail+1)); fi; \
	if sh tools/embedded/compile.sh $(B)/avr/compile $(AVR_CC) $(AVR_CFLAGS); then pass=$$((pass+1)); else fail=$$((fail+1)); fi; \
	echo "avr: $$pass passed, $$fail failed$(if $(AVR_SKIP), (skipped: $(AVR_SKIP)))"; [ $$fail = 0 ]

# ---- Cortex-M -----------------------------------------------------------------
ARM_CC    := arm-none-eabi-gcc
# core:machine:core clock
ARM_CORES := m0:microbit:16000000 m3:mps2-an385:25000000 m4:mps2-an386:25000000
ARM_NAMES := $(patsubst examples/%.c,%,$(EXAMPLE_SRC))
ARM_ELFS  := $(foreach c,m0 m3 m4,$(patsubst %,$(B)/arm/$(c)/%.elf,$(ARM_NAMES)))
ARM_CFLAGS = -mcpu=cortex-$(1) -mthumb $(EMB_OPT) $(ARM_WARN) -I. -Iports/cortex-m -Itools/arm
ARM_LINK   = $(ARM_CC) -mcpu=cortex-$(1) -mthumb -nostartfiles -T tools/arm/link.ld -Wl,--gc-sections
arm_hz     = $(word 3,$(subst :, ,$(filter $(1):%,$(ARM_CORES))))
arm_mach   = $(word 2,$(subst :, ,$(filter $(1):%,$(ARM_CORES))))
QEMU       = qemu-system-arm -M $(1) -display none -monitor none -serial none -chardev stdio,id=c \
             -semihosting-config enable=on,target=native,chardev=c -icount shift=0,sleep=off -kernel

define ARM_CORE_RULES
$(B)/arm/$(1)/board.o: tools/arm/harness.c tools/arm/harness.h tools/embedded/format.h ports/cortex-m/coro_port.h $(EMB_DEPS)
	@mkdir -p $$(dir $$@)
	$(ARM_CC) $(call ARM_CFLAGS,$(1)) -DCORO_CPU_HZ=$(call arm_hz,$(1))u -c $$< -o $$@
$(B)/arm/$(1)/startup.o: tools/arm/startup.c mk/embedded.mk
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
	for c in m0 m4; do if sh tools/embedded/compile.sh $(B)/arm/compile-$$c $(ARM_CC) -mcpu=cortex-$$c -mthumb $(EMB_OPT) $(ARM_WARN) -I. -Iports/cortex-m; \
	  then pass=$$((pass+1)); else fail=$$((fail+1)); fi; done; \
	echo "arm: $$pass passed, $$fail failed ($(words $(ARM_NAMES)) examples x M0 microbit, M3 mps2-an385, M4 mps2-an386)"; [ $$fail = 0 ]

# ---- size and cycles ------------------------------------------------------------
size: $(SIMRUN) avr-build arm-build
	@B=$(B) sh tools/embedded/size.sh

cycles: $(SIMRUN)
	@B=$(B) sh tools/embedded/cycles.sh
