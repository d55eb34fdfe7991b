#!/bin/sh
# compile.sh OUTDIR CC FLAGS...: every header alone and all together, through
# the port header, with 16/32/64-bit ticks and with/without callback slots,
# -Werror under the cross compiler (the core stays warning-free on targets).
out=$1; shift
mkdir -p "$out"
n=0
for h in coro.h coro_sync.h coro_queue.h all; do
    if [ $h = all ]; then inc='#include "coro_sync.h"\n#include "coro_queue.h"'; else inc="#include \"$h\""; fi
    for knobs in "-DCORO_TICK_BITS=16" "-DCORO_TICK_BITS=32" "-DCORO_TICK_BITS=64" \
                 "-DCORO_MAX_TASKS=1 -DCORO_MAX_CALLBACKS=0" "-DNDEBUG -DCORO_MAX_TASKS=3 -DCORO_MAX_CALLBACKS=1"; do
        f=$out/c_$n.c
        printf '#define CORO_IMPLEMENTATION\n#define CORO_PORT_IMPLEMENTATION\n#include "coro_port.h"\n'"$inc"'\nint main(void) { return 0; }\n' > $f
        "$@" $knobs -c $f -o $out/c_$n.o || { echo "compile: $h with $knobs failed"; exit 1; }
        n=$((n + 1))
    done
done
echo "compile: $n header/knob combinations warning-free under $1"
