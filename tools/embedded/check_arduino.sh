#!/bin/sh
# check_arduino.sh SIMRUN DIR SKETCH...: run each Arduino sketch, built against
# the real Arduino AVR core (mk/targets.mk), on an ATmega328P under simavr with
# its scripted inputs; diff its Serial output with tests/expected/arduino/, and
# time the LED (pin 13 = PB5) to the cycle. millis() advances on the core's
# Timer0 overflow, every 16,384 cycles (1.024 ms), so a sleep of 500 ms lasts
# 488 or 489 overflows (7,995,392 or 8,011,776 cycles) plus a few hundred
# cycles of latency: each LED period must be within one overflow and 4,000
# cycles of its nominal length (S = 500 ms, F = 100 ms), the periods must follow
# the sketch's pattern, and over the whole run they must not drift from the
# nominal total by more than one overflow plus 1 ms. And the CPU must sleep
# (the port's idle hook) at least 90% of the run.
sim=$1; dir=$2; shift 2
pass=0; fail=0
for s in "$@"; do
    case $s in
    ArduinoBlink)
        set -- -T 10000
        pattern='^SSSSSSSSSSSSSSSSSS+$' ;; # 18 or more slow periods
    ArduinoButtonSerial)
        # button on pin 2 (PD2): bouncy press at 1200 ms, bouncy release at
        # 1700 ms, a clean press at 3000 ms; lines typed on Serial, one of them
        # in two parts 11 s apart (the 10 s timeout fires in between)
        set -- -T 17000 -i D2=1@0 \
            -i D2=0@1200 -i D2=1@1201 -i D2=0@1202 -i D2=1@1203.5 -i D2=0@1204 \
            -i D2=1@1700 -i D2=0@1701 -i D2=1@1702 -i D2=0@3000 -i D2=1@3100 \
            -u '2000:hello\n' -u '2300:status\r\n' -u '4000:typing sl' -u '15000:owly\n' -u '16000:status\n'
        pattern='^SSSFFFFFFFFFFFFFFFFS+$' ;; # the first press switches at the 1.5 s toggle, the second at 3.1 s
    *)
        echo "arduino: $s: no input script in tools/embedded/check_arduino.sh"; fail=$((fail + 1)); continue ;;
    esac
    ok=1
    "$sim" "$@" "$dir/$s.elf" >"$dir/$s.out" 2>"$dir/$s.err" || { echo "arduino: $s: runner failed ($?)"; cat "$dir/$s.err"; ok=0; }
    diff -u "tests/expected/arduino/$s.out" "$dir/$s.out" || ok=0
    # the idle hook sleeps: the CPU is asleep at least 90% of the run
    asleep=$(awk '/^\[asleep / { printf "%d", 100 * $2 / $4 }' "$dir/$s.err")
    if [ "${asleep:-0}" -lt 90 ]; then echo "arduino: $s: the CPU slept ${asleep:-0}% of the run (expected >= 90%)"; ok=0; fi
    # the first two pin records are pinMode and the first write, timed from reset
    "$sim" -p B5 "$@" "$dir/$s.elf" 2>/dev/null | grep -o '\[pin B5 [01] [0-9]*\]' | tail -n +3 | tr -d ']' >"$dir/$s.pins"
    res=$(awk -v pat="$pattern" '
        function abs(x) { return x < 0 ? -x : x }
        { d = $4; k = abs(d - 8000000) <= 20384 ? "S" : abs(d - 1600000) <= 20384 ? "F" : "X";
          seq = seq k; total += d; nominal += k == "S" ? 8000000 : 1600000 }
        END { drift = total - nominal; good = seq ~ pat && abs(drift) <= 32384;
              printf "%s %d %s %d", good ? "ok" : "bad", NR, seq, drift }' "$dir/$s.pins")
    set -- $res
    if [ "$1" != ok ]; then
        echo "arduino: $s: LED periods $3 (S 500 ms, F 100 ms, X neither), drift $4 cycles; expected $pattern, drift <= 32384:"
        cat "$dir/$s.pins"; ok=0
    fi
    if [ $ok = 1 ]; then
        pass=$((pass + 1))
        echo "arduino: $s: Serial output as expected; asleep $asleep% of the time; $2 LED periods ($3), each within one Timer0 overflow of nominal, drift $4 cycles"
    else
        fail=$((fail + 1))
    fi
done
echo "arduino: $pass passed, $fail failed (sketches built against the real Arduino core, run under simavr)"
[ $fail = 0 ]
