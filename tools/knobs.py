#!/usr/bin/env python3
"""knobs.py - README's table of compile-time knobs from the headers' guides.

    python3 tools/knobs.py coro.h coro_sync.h coro_queue.h           # the table
    python3 tools/knobs.py --write README.md coro.h coro_sync.h ...  # into README
    python3 tools/knobs.py --check README.md coro.h coro_sync.h ...  # make knobs-check

Each header's opening guide has a CONFIGURATION section. In it, a knob is a
line at the section's base indent starting with CORO_: its name, then (after
two or more spaces) its default, then (after two or more spaces, or on the
lines below, indented deeper) its meaning. Lines at the base indent that do
not start with CORO_ are notes and are left out. The table goes into README.md
between the lines `<!-- knobs:begin -->` and `<!-- knobs:end -->`.

--check fails (exit 1) if README's table differs from the generated one, or
if a header has an `#ifndef CORO_X` default (a knob: not a private CORO__
name, not an include guard) that no CONFIGURATION section lists.
Standard library only.
"""
import re
import sys

BEGIN = "<!-- knobs:begin -->"
END = "<!-- knobs:end -->"


def guide_config(text):
    """The CONFIGURATION section of the opening comment, without its frame."""
    lines = []
    for ln in text.split("\n"):
        s = ln.rstrip()
        if s.startswith("/*"):
            s = s[2:]
        elif s.startswith(" *"):
            s = s[2:]
        done = s.rstrip().endswith("*/")
        if done:
            s = s.rstrip()[:-2]
        lines.append(s.rstrip())
        if done:
            break
    out = []
    inside = False
    for s in lines:
        if re.match(r"^ ?[A-Z][A-Z ]+[A-Z]\b", s) and not s.startswith("  "):
            inside = s.strip().startswith("CONFIGURATION")
            continue
        if inside:
            out.append(s)
    return out


def knobs_of(text):
    """[(name, default, meaning)] of one header's CONFIGURATION section."""
    sec = [s for s in guide_config(text)]
    ind = min((len(s) - len(s.lstrip()) for s in sec if s.strip()), default=0)
    rows = []
    cur = None
    for s in sec:
        if not s.strip():
            cur = None
            continue
        d = len(s) - len(s.lstrip())
        if d == ind:
            cur = None
            if s.lstrip().startswith("CORO_"):
                parts = re.split(r"\s{2,}", s.strip(), maxsplit=2)
                cur = [parts[0], parts[1] if len(parts) > 1 else "", parts[2] if len(parts) > 2 else ""]
                rows.append(cur)
        elif cur is not None:
            cur[2] = (cur[2] + " " + s.strip()).strip()
    return [tuple(r) for r in rows]


def cell(s):
    s = s.replace("|", "\\|").replace("*", "\\*")
    return s


def table(paths):
    out = ["| knob | header | default | meaning |", "|---|---|---|---|"]
    for p in paths:
        for name, dflt, meaning in knobs_of(open(p).read()):
            out.append("| `%s` | %s | %s | %s |" % (name, p, cell(dflt), cell(meaning)))
    return out


def undocumented(paths):
    """#ifndef CORO_X defaults that no CONFIGURATION section names."""
    listed = set()
    for p in paths:
        for name, _, _ in knobs_of(open(p).read()):
            listed.update(re.findall(r"\bCORO_[A-Z0-9_]+", name))
    missing = []
    for p in paths:
        for m in re.finditer(r"^\s*#\s*ifndef\s+(CORO_\w+)", open(p).read(), re.M):
            n = m.group(1)
            if n.startswith("CORO__") or re.match(r"CORO(_\w+)?_H$", n):
                continue
            if n not in listed and (p, n) not in missing:
                missing.append((p, n))
    return missing


def spliced(readme, rows):
    text = open(readme).read()
    if BEGIN not in text or END not in text:
        sys.exit("knobs: %s has no %s ... %s block" % (readme, BEGIN, END))
    a = text.index(BEGIN) + len(BEGIN)
    b = text.index(END)
    return text, text[:a] + "\n" + "\n".join(rows) + "\n" + text[b:]


def main(argv):
    mode = None
    if argv and argv[0] in ("--write", "--check"):
        mode, readme, argv = argv[0], argv[1], argv[2:]
    paths = argv or ["coro.h", "coro_sync.h", "coro_queue.h"]
    rows = table(paths)
    if mode is None:
        sys.stdout.write("\n".join(rows) + "\n")
        return 0
    old, new = spliced(readme, rows)
    if mode == "--write":
        if new != old:
            open(readme, "w").write(new)
        return 0
    bad = 0
    for p, n in undocumented(paths):
        print("knobs: %s: %s has a default (#ifndef) but is not in a CONFIGURATION section" % (p, n))
        bad += 1
    if new != old:
        print("knobs: the knob table in %s is out of date: run make knobs" % readme)
        bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
