# coro on RISC-V (issue 16): every example on an RV32IMAC QEMU `virt` machine
# (-bios none, machine mode) on the machine-timer interrupt, diffed against
# tests/expected; the headers warning-free for RV32IMAC and RV32EC. A
# freestanding build: no C library is installed (picolibc-riscv64-unknown-elf
# is ~1 GB); tools/riscv/harness.c gives printf on the UART and <string.h>.
#   make riscv   the examples under qemu-system-riscv32 (-icount shift=0: 1 ns
#                per instruction, idle time passes at once, runs are deterministic);
#                tools/riscv/wakeup.c, the port's no-lost-wake-up sweep
DEB_PKGS_NR += gcc-riscv64-unknown-elf qemu-system-misc
TEST_STEPS  += riscv

.PHONY: riscv riscv-build

RV_CC     := riscv64-unknown-elf-gcc
# GCC 12 wants Zicsr named for the csr instructions; its multilib selection
# (libgcc) does not know the suffix, so the link names the plain ISA.
RV_ARCH   := -march=rv32imac_zicsr -mabi=ilp32
RV_LARCH  := -march=rv32imac -mabi=ilp32
RV_CFLAGS := $(RV_ARCH) $(EMB_OPT) -ffreestanding $(ARM_WARN) -I. -Iports/riscv -Itools/riscv/include
RV_LINK   := $(RV_CC) $(RV_LARCH) -nostdlib -nostartfiles -Ltools/riscv -T tools/riscv/link.ld -Wl,--gc-sections
RV_NAMES  := $(patsubst examples/%.c,%,$(EXAMPLE_SRC))
RV_ELFS   := $(patsubst %,$(B)/riscv/%.elf,$(RV_NAMES))
RV_QEMU   := qemu-system-riscv32 -M virt -bios none -display none -monitor none -serial stdio \
             -icount shift=0,sleep=off -kernel
RV_DEPS   := ports/riscv/coro_port.h tools/riscv/include/stdio.h tools/riscv/include/string.h $(EMB_DEPS) mk/riscv.mk

$(B)/riscv/harness.o: tools/riscv/harness.c tools/embedded/format.h $(RV_DEPS)
	@mkdir -p $(dir $@)
	$(RV_CC) $(RV_CFLAGS) -c $< -o $@
$(B)/riscv/libc.o: tools/riscv/libc.c $(RV_DEPS)
	@mkdir -p $(dir $@)
	$(RV_CC) $(RV_CFLAGS) -c $< -o $@
$(B)/riscv/startup.o: tools/riscv/startup.c mk/riscv.mk
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

