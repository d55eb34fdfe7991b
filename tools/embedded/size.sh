#!/bin/sh
# make size: flash and RAM on ATmega328P, Cortex-M0 and Cortex-M4 (-Os,
# -ffunction-sections -fdata-sections -Wl,--gc-sections).
#   flash = text + data; RAM = data + bss (static) [+ peak stack, measured]
# (a)-(c) tools/embedded/size.c, complete firmware with the port (tick + idle),
# static loop: one task slot, no callback slot. (d) the examples as `make avr`
# and `make arm` build them: the loop sits on coro_run's stack (CORO_MAX_TASKS=8,
# CORO_MAX_CALLBACKS=4), the harness adds stdout (avr-libc printf_P /
# a small semihosting printf), so the peak stack is measured in the emulators.
set -e
B=${B:-build}
D=$B/size
mkdir -p $D
SIMRUN=$B/avr/simrun
W="-std=c99 -Wall -Wextra -Wpedantic -Werror -Wshadow -Os -ffunction-sections -fdata-sections -I."
AVR="avr-gcc -mmcu=atmega328p -DF_CPU=16000000UL $W -Iports/avr"
ARM="arm-none-eabi-gcc -mthumb $W -Wimplicit-fallthrough -Iports/cortex-m"
ARM_LD="-nostartfiles -T tools/arm/link.ld -Wl,--gc-sections"

# "flash ram" of an elf
avr_sz() { avr-size -B "$1" | awk 'NR == 2 { print $1 + $2, $2 + $3 }'; }
arm_sz() { arm-none-eabi-size -B "$1" | awk 'NR == 2 { print $1 + $2, $2 + $3 }'; }

build_prog() { # variant [tag extra-flags] -> "avr_flash avr_ram m0_flash m0_ram m4_flash m4_ram"
    o=$D/$1$2
    $AVR -DSIZE_$1 $3 tools/embedded/size.c -Wl,--gc-sections -o $o.avr.elf
    $ARM -mcpu=cortex-m0 -DSIZE_$1 $3 tools/embedded/size.c tools/arm/startup.c $ARM_LD -o $o.m0.elf -lgcc
    $ARM -mcpu=cortex-m4 -DSIZE_$1 $3 tools/embedded/size.c tools/arm/startup.c $ARM_LD -o $o.m4.elf -lgcc
    echo "$(avr_sz $o.avr.elf) $(arm_sz $o.m0.elf) $(arm_sz $o.m4.elf)"
}
row() { # label a_fl a_ram m0_fl m0_ram m4_fl m4_ram
    printf '%-34s %7s %7s   %7s %7s   %7s %7s\n' "$@"
}
hdr() {
    printf '%-34s %15s   %15s   %15s\n' "" "ATmega328P" "Cortex-M0" "Cortex-M4"
    row "$1" flash RAM flash RAM flash RAM
}

# sizeof(coro_loop) and sizeof(coro__slot) with $1 task slots and $2 callback
# slots: "loop_avr loop_m0 loop_m4 slot_avr slot_m0 slot_m4"
loop_size() {
    printf '#define CORO_MAX_TASKS %s\n#define CORO_MAX_CALLBACKS %s\n#include "coro_port.h"\n#include "coro.h"\ncoro_loop probe;\nchar probe_slot[sizeof(coro__slot)];\n' $1 $2 > $D/probe.c
    $AVR -c $D/probe.c -o $D/probe.avr.o
    $ARM -mcpu=cortex-m0 -c $D/probe.c -o $D/probe.m0.o
    $ARM -mcpu=cortex-m4 -c $D/probe.c -o $D/probe.m4.o
    for sym in probe probe_slot; do for t in avr m0 m4; do
        case $t in avr) nm=avr-nm;; *) nm=arm-none-eabi-nm;; esac
        $nm -S --radix=d $D/probe.$t.o | awk -v s=$sym '$4 == s { printf "%d ", $2 + 0 }'
    done; done
    echo
}

floor=$(build_prog FLOOR); core=$(build_prog CORE)
echo
echo "flash and RAM in bytes (-Os, gc-sections; RAM = .data + .bss)"
hdr "program"
row "floor: bare 2-continuation ping-pong" $floor
row "(a) core: 1 task sleeping in a loop" $core
row "    same, 16-bit ticks + NDEBUG" $(build_prog CORE 16 "-DCORO_TICK_BITS=16 -DNDEBUG")
row "    same, CORO_SMALL (the MCU preset)" $(build_prog CORE small "-DCORO_SMALL")
if grep -q 'coro_lock_release' coro_sync.h; then row "(b) core + sync (lock sem event flag)" $(build_prog SYNC)
else row "(b) core + sync" n/a - - - - -; fi
if grep -q 'coro_queue_try_put' coro_queue.h; then row "(c) core + queue (FIFO put + get)" $(build_prog QUEUE)
else row "(c) core + queue" n/a - - - - -; fi

# The feature ladder (issue 15): what each feature adds to the firmware of (a),
# cumulatively (tools/embedded/size.c, SIZE_FEATURES=k; three task slots).
build_ladder() { # k -> as build_prog
    o=$D/features$1
    $AVR -DSIZE_FEATURES=$1 tools/embedded/size.c -Wl,--gc-sections -o $o.avr.elf
    $ARM -mcpu=cortex-m0 -DSIZE_FEATURES=$1 tools/embedded/size.c tools/arm/startup.c $ARM_LD -o $o.m0.elf -lgcc
    $ARM -mcpu=cortex-m4 -DSIZE_FEATURES=$1 tools/embedded/size.c tools/arm/startup.c $ARM_LD -o $o.m4.elf -lgcc
    echo "$(avr_sz $o.avr.elf) $(arm_sz $o.m0.elf) $(arm_sz $o.m4.elf)"
}
echo
echo "features, cumulative (one sleeping task as in (a), 3 task slots, no callback slot)"
hdr "features"
k=0
for f in "sleep only" "+ a task spawned and awaited" "+ gather and wait" "+ wait_for (task-wait timeout)" \
         "+ sync (lock sem event flag)" "+ queue (FIFO put + get)"; do
    row "$f" $(build_ladder $k)
    k=$((k + 1))
done

echo
echo "RAM of the loop (sizeof coro_loop) by task slots, no callback slots"
printf '%-34s %7s %17s %17s\n' "task slots" "AVR" "M0" "M4"
l1=$(loop_size 1 0); l8=$(loop_size 8 0); l16=$(loop_size 16 0)
printf '%-34s %7s %17s %17s\n' 1 $(echo $l1 | cut -d' ' -f1-3)
printf '%-34s %7s %17s %17s\n' 8 $(echo $l8 | cut -d' ' -f1-3)
printf '%-34s %7s %17s %17s\n' 16 $(echo $l16 | cut -d' ' -f1-3)
echo "$l8 $l16" | awk '{ printf "%-34s %7.1f %17.1f %17.1f\n", "per extra task ((16 - 8) / 8)", ($7-$1)/8, ($8-$2)/8, ($9-$3)/8 }'
echo "$l1" | awk '{ printf "%-34s %7d %17d %17d\n", "  of which sizeof(coro__slot)", $4, $5, $6 }'
l8c=$(loop_size 8 4)
echo "$l8 $l8c" | awk '{ printf "%-34s %7.1f %17.1f %17.1f\n", "per callback slot ((8+4 - 8) / 4)", ($7-$1)/4, ($8-$2)/4, ($9-$3)/4 }'

echo
echo "(d) the examples as make avr / make arm build them (with stdout; RAM: static + peak stack)"
printf '%-34s %15s   %15s   %15s\n' "" "ATmega328P" "Cortex-M0" "Cortex-M4"
printf '%-34s %7s %11s   %7s %11s   %7s %11s\n' example flash RAM flash RAM flash RAM
QEMU_ARGS="-display none -monitor none -serial none -chardev stdio,id=c -icount shift=0,sleep=off"
for src in examples/[0-9][0-9]_*.c; do
    n=$(basename $src .c)
    set -- - - - - - -
    if [ -f $B/avr/$n.elf ]; then
        st=$($SIMRUN -s $B/avr/$n.elf 2>&1 >/dev/null | sed -n 's/^\[stack \([0-9]*\)\]$/\1/p')
        set -- $(avr_sz $B/avr/$n.elf) $3 $4 $5 $6
        a2="$2+$st"
    else a2=-; fi
    a1=$1
    for c in m0 m4; do
        if [ -f $B/arm/$c/$n.elf ]; then
            case $c in m0) m=microbit;; m4) m=mps2-an386;; esac
            st=$(timeout 60 qemu-system-arm -M $m $QEMU_ARGS -semihosting-config enable=on,target=native,chardev=c,arg=fw,arg=stack \
                 -kernel $B/arm/$c/$n.elf </dev/null | sed -n 's/^\[stack \([0-9]*\)\]$/\1/p')
            sz=$(arm_sz $B/arm/$c/$n.elf)
            eval "${c}f=\${sz%% *}; ${c}r=\"\${sz##* }+$st\""
        else eval "${c}f=-; ${c}r=-"; fi
    done
    printf '%-34s %7s %11s   %7s %11s   %7s %11s\n' "$n" "$a1" "$a2" "$m0f" "$m0r" "$m4f" "$m4r"
done

# (e) Arduino sketches, built by mk/targets.mk against the real Arduino AVR core
# for an Uno with the IDE's flags (-Os -flto); the core alone is an empty sketch.
if [ -f $B/arduino/ArduinoBlink.elf ]; then
    echo
    echo "(e) Arduino Uno sketches against the real Arduino core (IDE flags, -flto; RAM: static)"
    printf '%-46s %7s %7s\n' sketch flash RAM
    for e in Empty:"the core alone (empty setup/loop)" BlinkNoCoro:"ArduinoBlink without coro (millis() by hand)" \
             ArduinoBlink:"ArduinoBlink (2 tasks)" ArduinoButtonSerial:"ArduinoButtonSerial (3 tasks + timeout)"; do
        printf '%-46s %7s %7s\n' "${e#*:}" $(avr_sz $B/arduino/${e%%:*}.elf)
    done
fi

# (f) RISC-V: the programs of (a)-(c) as complete machine-mode firmware
# (tools/riscv/startup.c, the machine-timer tick and WFI), freestanding.
# RV32IMAC for QEMU's virt machine; RV32EC linked for a CH32V003-class part
# (16 KB flash, 2 KB RAM: tools/riscv/link-ch32v003.ld), size only.
RV="riscv64-unknown-elf-gcc $W -Wimplicit-fallthrough -ffreestanding -Iports/riscv -Itools/riscv/include"
rv_sz() { riscv64-unknown-elf-size -B "$1" | awk 'NR == 2 { print $1 + $2, $2 + $3 }'; }
build_rv() { # variant [tag extra-flags] -> "imac_flash imac_ram ec_flash ec_ram"
    o=$D/$1$2
    # the link names the plain ISA: GCC 12's multilib selection knows no _zicsr
    $RV -march=rv32imac_zicsr -mabi=ilp32 -DSIZE_$1 $3 -c tools/embedded/size.c -o $o.imac.o
    $RV -march=rv32imac_zicsr -mabi=ilp32 -c tools/riscv/startup.c -o $D/startup.imac.o
    $RV -march=rv32imac_zicsr -mabi=ilp32 -c tools/riscv/libc.c -o $D/libc.imac.o
    riscv64-unknown-elf-gcc -march=rv32imac -mabi=ilp32 -nostdlib -Ltools/riscv -T tools/riscv/link.ld -Wl,--gc-sections \
        $o.imac.o $D/startup.imac.o $D/libc.imac.o -lgcc -o $o.imac.elf
    $RV -march=rv32ec_zicsr -mabi=ilp32e -DSIZE_$1 $3 -c tools/embedded/size.c -o $o.ec.o
    $RV -march=rv32ec_zicsr -mabi=ilp32e -c tools/riscv/startup.c -o $D/startup.ec.o
    $RV -march=rv32ec_zicsr -mabi=ilp32e -c tools/riscv/libc.c -o $D/libc.ec.o
    riscv64-unknown-elf-gcc -march=rv32e -mabi=ilp32e -nostdlib -Ltools/riscv -T tools/riscv/link-ch32v003.ld -Wl,--gc-sections \
        $o.ec.o $D/startup.ec.o $D/libc.ec.o -lgcc -o $o.ec.elf
    echo "$(rv_sz $o.imac.elf) $(rv_sz $o.ec.elf)"
}
if command -v riscv64-unknown-elf-gcc >/dev/null; then
    echo
    echo "(f) RISC-V (-Os, gc-sections, freestanding; RAM = .data + .bss)"
    printf '%-34s %15s   %15s\n' "" "RV32IMAC" "RV32EC 16K/2K"
    printf '%-34s %7s %7s   %7s %7s\n' program flash RAM flash RAM
    printf '%-34s %7s %7s   %7s %7s\n' "floor: bare 2-continuation ping-pong" $(build_rv FLOOR)
    printf '%-34s %7s %7s   %7s %7s\n' "(a) core: 1 task sleeping in a loop" $(build_rv CORE)
    printf '%-34s %7s %7s   %7s %7s\n' "    same, 16-bit ticks + NDEBUG" $(build_rv CORE 16 "-DCORO_TICK_BITS=16 -DNDEBUG")
    printf '%-34s %7s %7s   %7s %7s\n' "(b) core + sync (lock sem event flag)" $(build_rv SYNC)
    printf '%-34s %7s %7s   %7s %7s\n' "(c) core + queue (FIFO put + get)" $(build_rv QUEUE)
fi
