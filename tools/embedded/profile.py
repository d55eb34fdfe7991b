#!/usr/bin/env python3
"""profile.py fw.elf prof.txt [ops]: cycles per function from simrun -P (the
window between stamps 1 and 2), divided by ops if given. Needs avr-nm."""
import subprocess, sys, bisect
elf, prof = sys.argv[1], sys.argv[2]
ops = float(sys.argv[3]) if len(sys.argv) > 3 else 1.0
syms = []
for line in subprocess.run(["avr-nm", "-n", elf], capture_output=True, text=True).stdout.split("\n"):
    f = line.split()
    if len(f) == 3 and f[1] in "tT":
        syms.append((int(f[0], 16), f[2]))
addrs = [a for a, _ in syms]
cost = {}
total = 0
for line in open(prof):
    pc, c = line.split()
    pc, c = int(pc, 16), int(c)
    i = bisect.bisect_right(addrs, pc) - 1
    name = syms[i][1] if i >= 0 else "?"
    cost[name] = cost.get(name, 0) + c
    total += c
for name, c in sorted(cost.items(), key=lambda x: -x[1]):
    print("%8.1f %5.1f%%  %s" % (c / ops, 100.0 * c / total, name))
print("%8.1f        total" % (total / ops))
