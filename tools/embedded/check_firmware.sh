#!/bin/sh
# check_firmware.sh SIMRUN firmware.elf: drive examples/avr/firmware.c under
# simavr - a button on PD2 that bounces on press (1200 ms) and on release
# (1700 ms), three lines typed on the UART - and diff its output with
# tests/expected/avr/firmware.out.
sim=$1; elf=$2; out=${elf%.elf}.out
$sim -l 160000000 \
    -i D2=1@0 \
    -i D2=0@1200 -i D2=1@1201 -i D2=0@1202 -i D2=1@1203.5 -i D2=0@1204 \
    -i D2=1@1700 -i D2=0@1701 -i D2=1@1702 \
    -u '2000:hello\n' -u '2300:coro on avr\r\n' -u '3000:quit\n' \
    "$elf" >"$out" || { echo "firmware: runner failed ($?)"; cat "$out"; exit 1; }
if diff -u tests/expected/avr/firmware.out "$out"; then
    echo "firmware: debounced button (2 bouncy edges -> 2 events), UART lines via ring + queue: as expected"
    exit 0
fi
exit 1
