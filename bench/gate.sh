#!/bin/sh
# make perf-gate (a step of make test, issue 15): the deterministic cost
# figures, measured and checked against bench/limits.txt. A change that makes
# one of them worse than its limit fails the step; raising a limit is a
# visible commit to bench/limits.txt. Every figure is exact and repeatable:
#   switch_instr        x86-64 instructions per scheduler switch (callgrind,
#                       bench/switch_coro, 200k - 100k iterations)
#   timer_10k_instr     instructions per sleep+wake with 10,000 sleepers, on
#                       the virtual clock (bench/timers_coro.c, 4 - 2 rounds)
#   queue_instr         instructions per item, FIFO of capacity 16
#                       (bench/queue_cost.c, 200k - 100k items)
#   spawn_instr         instructions per spawn + run + complete (bench/spawn_coro.c)
#   avr_switch_cycles   ATmega328P cycles per switch (simavr, tools/embedded/bench.c)
#   m0_switch_instr     Cortex-M0 instructions per switch (QEMU -icount)
#   avr_flash_sleep     flash of the sleep-only firmware (tools/embedded/size.c
#   m0_flash_sleep      SIZE_CORE: one task sleeping in a loop, complete firmware)
#   avr_flash_small     the same firmware with the CORO_SMALL preset
#   m0_flash_small
#   avr_task_bytes      the loop's RAM per extra task on AVR (sizeof coro_loop,
#                       (16 tasks - 8 tasks) / 8, no callback slots)
# usage: bench/gate.sh [--print]   (--print: measure and print, check nothing)
# Environment: B (build dir, default build); the binaries come from make.
set -e
B=${B:-build}
BB=$B/bench
D=$B/gate
mkdir -p $D
LIMITS=bench/limits.txt

# callgrind instructions per operation: (Ir(args2) - Ir(args1)) / (ops2 - ops1)
cg() { # bin "args1" "args2"
    for a in "$2" "$3"; do
        valgrind --tool=callgrind --callgrind-out-file=/dev/null $1 $a >$D/cg.out 2>$D/cg.err
        echo "$(sed -n 's/.*Collected : *//p' $D/cg.err) $(sed -n 's/^ops=//p' $D/cg.out)"
    done | awk 'NR == 1 { i = $1; o = $2 } NR == 2 { printf "%.1f", ($1 - i) / ($2 - o) }'
}

W="-std=c99 -Wall -Wextra -Wpedantic -Werror -Wshadow -Os -ffunction-sections -fdata-sections -I."
AVR="avr-gcc -mmcu=atmega328p -DF_CPU=16000000UL $W -Iports/avr"
ARM="arm-none-eabi-gcc -mthumb -mcpu=cortex-m0 $W -Wimplicit-fallthrough -Iports/cortex-m"
ARM_LD="tools/arm/startup.c -nostartfiles -T tools/arm/link.ld -Wl,--gc-sections"
N=$(sed -n 's/^#define N \([0-9]*\)u$/\1/p' tools/embedded/bench.c)

$AVR -DBENCH_SWITCH tools/embedded/bench.c -Wl,--gc-sections -o $D/switch.avr.elf
$ARM -DBENCH_SWITCH tools/embedded/bench.c $ARM_LD -o $D/switch.m0.elf -lc -lgcc
$AVR -DSIZE_CORE tools/embedded/size.c -Wl,--gc-sections -o $D/sleep.avr.elf
$ARM -DSIZE_CORE tools/embedded/size.c $ARM_LD -o $D/sleep.m0.elf -lgcc

avr_switch=$($B/avr/simrun $D/switch.avr.elf | awk -v n=$N '
    /^\[cycles 1 / { a = $3 } /^\[cycles 2 / { b = $3 }
    END { gsub(/\]/, "", a); gsub(/\]/, "", b); printf "%.1f", (b - a) / (n * 2) }')
m0_switch=$(timeout 60 qemu-system-arm -M microbit -display none -monitor none -serial none -chardev stdio,id=c \
    -semihosting-config enable=on,target=native,chardev=c -icount shift=0,sleep=off \
    -kernel $D/switch.m0.elf </dev/null | awk -v n=$N '/^ticks/ { printf "%.1f", ($3 - $2) * 62.5 / (n * 2) }')
$AVR -DSIZE_CORE -DCORO_SMALL tools/embedded/size.c -Wl,--gc-sections -o $D/small.avr.elf
$ARM -DSIZE_CORE -DCORO_SMALL tools/embedded/size.c $ARM_LD -o $D/small.m0.elf -lgcc
avr_flash=$(avr-size -B $D/sleep.avr.elf | awk 'NR == 2 { print $1 + $2 }')
m0_flash=$(arm-none-eabi-size -B $D/sleep.m0.elf | awk 'NR == 2 { print $1 + $2 }')
avr_small=$(avr-size -B $D/small.avr.elf | awk 'NR == 2 { print $1 + $2 }')
m0_small=$(arm-none-eabi-size -B $D/small.m0.elf | awk 'NR == 2 { print $1 + $2 }')
loop_bytes() { # tasks: sizeof(coro_loop) on AVR, no callback slots
    printf '#define CORO_MAX_TASKS %s\n#define CORO_MAX_CALLBACKS 0\n#include "coro.h"\ncoro_loop probe;\n' $1 >$D/probe.c
    $AVR -c $D/probe.c -o $D/probe.o
    avr-nm -S --radix=d $D/probe.o | awk '$4 == "probe" { print $2 + 0 }'
}
avr_task=$(echo "$(loop_bytes 8) $(loop_bytes 16)" | awk '{ printf "%.1f", ($2 - $1) / 8 }')

cat >$D/figures.txt <<EOF
switch_instr $(cg $BB/switch_coro 100000 200000)
timer_10k_instr $(cg $BB/timers_coro_virtual_10000 "10000 2" "10000 4")
queue_instr $(cg $BB/queue_cost "100000 16" "200000 16")
spawn_instr $(cg $BB/spawn_coro 100000 200000)
avr_switch_cycles $avr_switch
m0_switch_instr $m0_switch
avr_flash_sleep $avr_flash
m0_flash_sleep $m0_flash
avr_flash_small $avr_small
m0_flash_small $m0_small
avr_task_bytes $avr_task
EOF

if [ "$1" = --print ]; then
    cat $D/figures.txt
    exit 0
fi
# Each figure against its limit: over it fails; well under it (by more than
# 3%) is reported, so that the limit can be lowered in the same commit.
awk '
    NR == FNR { sub(/#.*/, ""); if (NF >= 2) lim[$1] = $2; next }
    { seen[$1] = 1
      if (!($1 in lim)) { printf "perf-gate: %s = %s has no limit in bench/limits.txt\n", $1, $2; fail++; next }
      if ($2 == "" || $2 + 0 > lim[$1] + 0) { printf "perf-gate: %s = %s, over its limit %s\n", $1, $2, lim[$1]; fail++ }
      else { pass++; note = ($2 + 0 < 0.97 * lim[$1]) ? "   (well under: lower the limit?)" : ""
             printf "perf-gate: %-18s %9s <= %s%s\n", $1, $2, lim[$1], note } }
    END { for (k in lim) if (!(k in seen)) { printf "perf-gate: limit %s measured nothing\n", k; fail++ }
          printf "perf-gate: %d passed, %d failed\n", pass, fail; exit fail > 0 }
' $LIMITS $D/figures.txt
