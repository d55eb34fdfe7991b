#!/bin/sh
# check_blink.sh SIMRUN blink.elf: the LED on PB5 must toggle exactly every
# 500 ms = 8,000,000 cycles at 16 MHz. The runner stamps each pin change with
# the cycles since the previous one. The first three records are the pin turning
# into an output, the first toggle and the first interval (timed from reset:
# the first deadline counts from the tick count read at boot, not a period).
sim=$1; elf=$2
out=$($sim -p B5 "$elf") || { echo "blink: runner failed"; exit 1; }
periods=$(printf '%s\n' "$out" | grep '^\[pin B5' | tail -n +4 | awk '{print $4}' | tr -d ']')
n=$(printf '%s\n' "$periods" | grep -c .)
bad=$(printf '%s\n' "$periods" | grep -vc '^8000000$')
if [ "$n" -ge 10 ] && [ "$bad" = 0 ]; then
    echo "blink: $n periods on PB5, each exactly 8000000 cycles (500.000 ms at 16 MHz)"
    exit 0
fi
echo "blink: expected >= 10 toggles exactly 8000000 cycles apart, got:"; printf '%s\n' "$out"
exit 1
