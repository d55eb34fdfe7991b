#!/bin/sh
# make cycles: the scheduler's cost per operation, exact, next to the floor.
# AVR: cycles from simavr's GPIOR2 stamps (tools/avr/simrun); Cortex-M:
# instructions from QEMU -icount shift=0 (1 ns per instruction) read on SysTick
# (16 MHz on microbit: 62.5 instructions per tick; 25 MHz on mps2: 40).
# Each benchmark runs N and 2N operations: cost = (t(2N) - t(N)) / N.
set -e
B=${B:-build}
D=$B/cycles
mkdir -p $D
SIMRUN=$B/avr/simrun
W="-std=c99 -Wall -Wextra -Wpedantic -Werror -Wshadow -Os -ffunction-sections -fdata-sections -I."
N=$(sed -n 's/^#define N \([0-9]*\)u$/\1/p' tools/embedded/bench.c)

avr_build() { # name
    avr-gcc -mmcu=atmega328p -DF_CPU=16000000UL $W -Iports/avr -DBENCH_$1 tools/embedded/bench.c \
        -Wl,--gc-sections -o $D/$1.avr.elf
}
# field 3 (all cycles) or 4 (awake cycles) of stamps 1 and 2: per operation
avr_cost() { # name field ops_per_unit
    $SIMRUN $D/$1.avr.elf | awk -v f=$2 -v n=$N -v k=$3 '
        /^\[cycles 1 / { a = $f } /^\[cycles 2 / { b = $f }
        END { gsub(/\]/, "", a); gsub(/\]/, "", b); printf "%.1f", (b - a) / (n * k) }'
}
arm_build() { # name core
    arm-none-eabi-gcc -mcpu=cortex-$2 -mthumb $W -Wimplicit-fallthrough -Iports/cortex-m -DBENCH_$1 \
        tools/embedded/bench.c tools/arm/startup.c -nostartfiles -T tools/arm/link.ld -Wl,--gc-sections \
        -o $D/$1.$2.elf -lc -lgcc
}
arm_cost() { # name core machine instr_per_tick ops_per_unit
    timeout 60 qemu-system-arm -M $3 -display none -monitor none -serial none -chardev stdio,id=c \
        -semihosting-config enable=on,target=native,chardev=c -icount shift=0,sleep=off \
        -kernel $D/$1.$2.elf </dev/null |
        awk -v n=$N -v t=$4 -v k=$5 '/^ticks/ { printf "%.1f", ($3 - $2) * t / (n * k) }'
}

sync=0; queue=0
grep -q 'coro_lock_release' coro_sync.h && sync=1
grep -q 'coro_queue_try_put' coro_queue.h && queue=1
for b in FLOOR SWITCH SLEEP; do avr_build $b; done
for c in m0 m3; do for b in FLOOR SWITCH; do arm_build $b $c; done; done
if [ $sync = 1 ]; then avr_build LOCK; for c in m0 m3; do arm_build LOCK $c; done; fi
if [ $queue = 1 ]; then avr_build QUEUE; for c in m0 m3; do arm_build QUEUE $c; done; fi

# a switch = one task resumed: two tasks x one yield each per unit of N
af=$(avr_cost FLOOR 3 2); as=$(avr_cost SWITCH 3 2); asl=$(avr_cost SLEEP 4 1)
m0f=$(arm_cost FLOOR m0 microbit 62.5 2); m0s=$(arm_cost SWITCH m0 microbit 62.5 2)
m3f=$(arm_cost FLOOR m3 mps2-an385 40 2); m3s=$(arm_cost SWITCH m3 mps2-an385 40 2)
ratio() { awk -v a=$1 -v b=$2 'BEGIN { printf "%.1fx", a / b }'; }


printf '\ncycles per operation (N=%s; AVR: simavr cycles at 16 MHz; Cortex-M: QEMU -icount instructions)\n' "$N"
printf '%-36s %12s %10s %10s\n' "operation" "AVR cycles" "M0 instr" "M3 instr"
printf '%-36s %12s %10s %10s\n' "bare ping-pong floor (per switch)" "$af" "$m0f" "$m3f"
printf '%-36s %12s %10s %10s\n' "scheduler switch (CORO_YIELD)" "$as" "$m0s" "$m3s"
printf '%-36s %12s %10s %10s\n' "  switch / floor" "$(ratio $as $af)" "$(ratio $m0s $m0f)" "$(ratio $m3s $m3f)"
printf '%-36s %12s %10s %10s\n' "sleep(1) + idle + tick ISR + wake" "$asl" "-" "-"
if [ $sync = 1 ]; then
    printf '%-36s %12s %10s %10s\n' "lock + release, uncontended" "$(avr_cost LOCK 3 1)" \
        "$(arm_cost LOCK m0 microbit 62.5 1)" "$(arm_cost LOCK m3 mps2-an385 40 1)"
else printf '%-36s %s\n' "lock + release, uncontended" "n/a: coro_sync.h is a placeholder"; fi
if [ $queue = 1 ]; then
    printf '%-36s %12s %10s %10s\n' "queue hand-off (put->get, 2 switches)" "$(avr_cost QUEUE 3 1)" \
        "$(arm_cost QUEUE m0 microbit 62.5 1)" "$(arm_cost QUEUE m3 mps2-an385 40 1)"
else printf '%-36s %s\n' "queue hand-off" "n/a: coro_queue.h is a placeholder"; fi
printf '(sleep: awake cycles only; the CPU sleeps until the 1 ms tick)\n'

# Where the AVR cycles go (simrun -P: cycles per function in the 2N window).
echo
echo "AVR cycles per operation by function (simrun -P, tools/embedded/profile.py):"
$SIMRUN -P $D/switch.prof $D/SWITCH.avr.elf >/dev/null
echo "  scheduler switch:"; python3 tools/embedded/profile.py $D/SWITCH.avr.elf $D/switch.prof $((4 * N)) | awk '$1 >= 1' | sed 's/^/  /'
$SIMRUN -P $D/sleep.prof $D/SLEEP.avr.elf >/dev/null
echo "  sleep(1) + wake (the idle hook's line includes the cycles asleep):"
python3 tools/embedded/profile.py $D/SLEEP.avr.elf $D/sleep.prof $((2 * N)) | awk '$1 >= 1' | sed 's/^/  /'

# RISC-V (RV32IMAC, QEMU virt, -icount shift=0: 1 ns per instruction, mtime at
# 10 MHz = 100 instructions per count).
if command -v riscv64-unknown-elf-gcc >/dev/null; then
    rv_build() { # name
        riscv64-unknown-elf-gcc -march=rv32imac_zicsr -mabi=ilp32 $W -ffreestanding -Iports/riscv -Itools/riscv/include \
            -DBENCH_$1 -c tools/embedded/bench.c -o $D/$1.rv.o
        riscv64-unknown-elf-gcc -march=rv32imac_zicsr -mabi=ilp32 $W -ffreestanding -Itools/riscv/include \
            -c tools/riscv/startup.c -o $D/startup.rv.o
        riscv64-unknown-elf-gcc -march=rv32imac_zicsr -mabi=ilp32 $W -ffreestanding -Itools/riscv/include \
            -c tools/riscv/libc.c -o $D/libc.rv.o
        riscv64-unknown-elf-gcc -march=rv32imac -mabi=ilp32 -nostdlib -Ltools/riscv -T tools/riscv/link.ld -Wl,--gc-sections \
            $D/$1.rv.o $D/startup.rv.o $D/libc.rv.o -lgcc -o $D/$1.rv.elf
    }
    rv_cost() { # name ops_per_unit
        timeout 60 qemu-system-riscv32 -M virt -bios none -display none -monitor none -serial stdio \
            -icount shift=0,sleep=off -kernel $D/$1.rv.elf </dev/null |
            awk -v n=$N -v k=$2 '/^ticks/ { printf "%.1f", ($3 - $2) * 100 / (n * k) }'
    }
    for b in FLOOR SWITCH; do rv_build $b; done
    rf=$(rv_cost FLOOR 2); rs=$(rv_cost SWITCH 2)
    echo
    printf '%-36s %12s\n' "RISC-V, per operation" "RV32IMAC instr"
    printf '%-36s %12s\n' "bare ping-pong floor (per switch)" "$rf"
    printf '%-36s %12s\n' "scheduler switch (CORO_YIELD)" "$rs"
    printf '%-36s %12s\n' "  switch / floor" "$(ratio $rs $rf)"
    if [ $sync = 1 ]; then rv_build LOCK; printf '%-36s %12s\n' "lock + release, uncontended" "$(rv_cost LOCK 1)"; fi
    if [ $queue = 1 ]; then rv_build QUEUE; printf '%-36s %12s\n' "queue hand-off (put->get, 2 switches)" "$(rv_cost QUEUE 1)"; fi
fi
