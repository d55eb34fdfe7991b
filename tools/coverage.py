#!/usr/bin/env python3
"""Line and branch coverage of the three headers, merged over several test
programs built with --coverage (each includes the headers with its own
configuration, so gcov reports them per program: this sums them by line).

usage: tools/coverage.py MIN_LINE_PERCENT GCOV_JSON_GZ...
Prints one line per header and a total; exits 1 if a header's line coverage
is below MIN_LINE_PERCENT. Also writes build/cov/uncovered.txt (the lines
never run, for whoever wants to add a test)."""
import gzip
import json
import os
import sys

HEADERS = ("coro.h", "coro_sync.h", "coro_queue.h")


def main():
    minimum = float(sys.argv[1])
    lines = {h: {} for h in HEADERS}     # line -> executed?
    branches = {h: {} for h in HEADERS}  # (line, index) -> taken?
    for path in sys.argv[2:]:
        with gzip.open(path, "rt") as f:
            data = json.load(f)
        for fobj in data["files"]:
            name = os.path.basename(fobj["file"])
            if name not in lines:
                continue
            for ln in fobj["lines"]:
                n = ln["line_number"]
                lines[name][n] = lines[name].get(n, False) or ln["count"] > 0
                for i, br in enumerate(ln.get("branches", [])):
                    key = (n, i)
                    branches[name][key] = branches[name].get(key, False) or br["count"] > 0
    fail = 0
    tot = [0, 0, 0, 0]
    os.makedirs("build/cov", exist_ok=True)
    with open("build/cov/uncovered.txt", "w") as out:
        for h in HEADERS:
            lh, lt = sum(lines[h].values()), len(lines[h])
            bh, bt = sum(branches[h].values()), len(branches[h])
            tot = [tot[0] + lh, tot[1] + lt, tot[2] + bh, tot[3] + bt]
            lp = 100.0 * lh / lt if lt else 100.0
            bp = 100.0 * bh / bt if bt else 100.0
            print("coverage: %-13s lines %5.1f%% (%d/%d)  branches %5.1f%% (%d/%d)" % (h, lp, lh, lt, bp, bh, bt))
            if lp < minimum:
                print("coverage: %s below %.0f%% of lines" % (h, minimum))
                fail += 1
            for n in sorted(k for k, v in lines[h].items() if not v):
                out.write("%s:%d\n" % (h, n))
    print("coverage: all headers  lines %5.1f%% (%d/%d)  branches %5.1f%% (%d/%d)" %
          (100.0 * tot[0] / max(tot[1], 1), tot[0], tot[1], 100.0 * tot[2] / max(tot[3], 1), tot[2], tot[3]))
    print("coverage: %d passed, %d failed (headers at or above %.0f%% of lines)" % (len(HEADERS) - fail, fail, minimum))
    return 1 if fail else 0


if __name__ == "__main__":
    sys.exit(main())
