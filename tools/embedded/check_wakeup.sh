#!/bin/sh
# check_wakeup.sh SIMRUN wakeup.elf: no lost wake-up in the AVR port.
# 5000 edges on PD2, 20,011 cycles apart (prime to the 16,000-cycle tick, so
# they land on every phase of the loop's wake/check/sleep cycle); each must be
# answered on PB0 within 4,000 cycles. A wake-up lost between the loop's
# "nothing ready" and the sleep is only seen at the next tick: an answer up to
# 16,000 cycles late (a port that checks with interrupts enabled shows a few
# such in this run; this one must show none).
sim=$1; elf=$2; out=${elf%.elf}.out
$sim -l 2000000000 -p D2 -p B0 -e D2:1:20011:5000 "$elf" >"$out" || { echo "wakeup: runner failed ($?)"; exit 1; }
grep -A1 '^\[pin D2' "$out" | grep '^\[pin B0' | tr -d ']' | awk '
    { v = $4 + 0; n++; if (v > max) max = v; if (min == "" || v < min) min = v; if (v > 4000) late++ }
    END {
        if (n == 5000 && late == 0) { printf "wakeup: 5000 interrupt edges, each answered in %d..%d cycles (no lost wake-up)\n", min, max; exit 0 }
        printf "wakeup: %d of 5000 edges answered, %d later than 4000 cycles (max %d)\n", n, late, max; exit 1
    }'
