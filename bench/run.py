#!/usr/bin/env python3
"""Run coro's benchmarks next to their peers and print one table.

usage: bench/run.py --quick|--full [--bin DIR] [--reps N] [--out DIR] [--plot FILE]

Every benchmark and its peers run alternately (coro, peer, peer, ..., coro,
peer, ...) --reps times; the table gives the median CPU ns per operation, the
min-max range, the ratio to coro (peer / coro: above 1 means coro is faster)
and, for the coro rows (and the C floor / libev / libuv rows where the count
means something), the instructions per operation from valgrind's callgrind at
two sizes: (Ir(large) - Ir(small)) / (ops(large) - ops(small)), which cancels
start-up and set-up. Each program prints key=value lines; a run passes when it
exits 0 and prints every key the driver needs. The last line is
`bench-<mode>: N passed, M failed`, and the exit status is 1 if any failed.
"""
import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PY = sys.executable or "python3"
PEERS = os.path.join(HERE, "peers_asyncio.py")


class Row:
    def __init__(self, impl, argv, cg=None, keys=("bench", "impl", "ops", "ns_per_op")):
        self.impl, self.argv, self.keys = impl, [str(a) for a in argv], keys
        self.cg = [[str(a) for a in v] for v in cg] if cg else None
        self.samples, self.failures, self.instr, self.extra = [], [], None, {}


class Group:
    def __init__(self, bench, param, rows):
        self.bench, self.param, self.rows = bench, param, rows


def parse(out):
    kv = {}
    for line in out.splitlines():
        if "=" in line:
            k, v = line.split("=", 1)
            kv[k.strip()] = v.strip()
    return kv


def run(argv, timeout=600):
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, str(e)
    if p.returncode != 0:
        return None, f"exit {p.returncode}: {p.stderr.strip()[:300]}"
    return parse(p.stdout), p.stderr


def callgrind(argv):
    """(Ir, ops) of one run under callgrind."""
    out = os.path.join(ARGS.out, "callgrind.tmp")
    kv, err = run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"] + argv, timeout=900)
    if kv is None:
        raise RuntimeError(f"callgrind {' '.join(argv)}: {err}")
    m = re.search(r"Collected\s*:\s*(\d+)", err)
    if not m or "ops" not in kv:
        raise RuntimeError(f"callgrind {' '.join(argv)}: no count")
    return int(m.group(1)), int(kv["ops"])


def b(name):
    return os.path.join(ARGS.bin, name)


def asy(*args):
    return [PY, PEERS] + [str(a) for a in args]


def groups(quick):
    G = []
    # switch: two tasks taking turns through the loop.
    it_c, it_ev, it_py = (1_000_000, 100_000, 20_000) if quick else (10_000_000, 1_000_000, 200_000)
    cg_sw = lambda name: [[b(name), 100_000], [b(name), 200_000]]
    G.append(Group("switch", "", [
        Row("coro", [b("switch_coro"), it_c], cg_sw("switch_coro")),
        Row("floor", [b("switch_floor"), it_c], cg_sw("switch_floor")),
        Row("coro idx32", [b("switch_coro_idx32"), it_c], cg_sw("switch_coro_idx32")),
        Row("libev", [b("switch_libev"), it_ev]),
        Row("libuv", [b("switch_libuv"), it_ev]),
        Row("asyncio", asy("switch", it_py)),
    ]))
    # timers: N tasks, pseudo-random 1..10 ms sleeps, real clock.
    sizes = [1000] if quick else [1000, 10_000, 100_000] + ([] if ARGS.no_million else [1_000_000])
    for n in sizes:
        rounds = 2 if n >= 1_000_000 else 5 if quick else 10
        py_rounds = {1000: 5 if quick else 10, 10_000: 5, 100_000: 2}.get(n)
        r1, r2 = (2, 4) if n < 100_000 else (1, 2)
        cg = lambda name: [[b(name), n, r1], [b(name), n, r2]]
        # libev is counted at every N (issue 15 compares at each), libuv up to 100k.
        ev_cg = cg("timers_libev") if not quick else None
        uv_cg = cg("timers_libuv") if not quick and n < 1_000_000 else None
        rows = [Row("coro", [b(f"timers_coro_{n}"), n, rounds], cg(f"timers_coro_{n}")),
                Row("libev", [b("timers_libev"), n, rounds], ev_cg),
                Row("libuv", [b("timers_libuv"), n, rounds], uv_cg)]
        if py_rounds:
            rows.append(Row("asyncio", asy("timers", n, py_rounds)))
        G.append(Group("timers", f"N={n}", rows))
    # spawn: create, run and reap short tasks.
    G.append(Group("spawn", "", [
        Row("coro", [b("spawn_coro"), 200_000 if quick else 2_000_000],
            [[b("spawn_coro"), 100_000], [b("spawn_coro"), 200_000]]),
        Row("asyncio", asy("spawn", 20_000 if quick else 200_000)),
    ]))
    # gather / wait over k tasks: cost per awaited task.
    for kind in ("gather", "wait"):
        for k in (1, 10, 1000):
            ops_c, ops_py = (100_000, 10_000) if quick else (1_000_000, 100_000)
            G.append(Group(kind, f"k={k}", [
                Row("coro", [b("gather_coro"), kind, k, max(1, ops_c // k)],
                    [[b("gather_coro"), kind, k, max(2, 20_000 // k)], [b("gather_coro"), kind, k, max(4, 40_000 // k)]]),
                Row("asyncio", asy(kind, k, max(1, ops_py // k))),
            ]))
    # queue: producer/consumer through a queue of capacity 16 (bench/queue_cost.c).
    items_c, items_py = (200_000, 20_000) if quick else (1_000_000, 100_000)
    G.append(Group("queue", "cap=16", [
        Row("coro", [b("queue_cost"), items_c, 16], [[b("queue_cost"), 100_000, 16], [b("queue_cost"), 200_000, 16]]),
        Row("floor", [b("queue_floor"), items_c], [[b("queue_floor"), 100_000], [b("queue_floor"), 200_000]]),
        Row("asyncio", asy("queue", items_py)),
    ]))
    # lock / semaphore hand-off: k tasks contending.
    for kind in ("lock", "sem"):
        for k in (2, 100):
            ops_c, ops_py = (100_000, 10_000) if quick else (1_000_000, 100_000)
            G.append(Group("lock" if kind == "lock" else "semaphore", f"k={k}", [
                Row("coro", [b("lock_coro"), kind, k, ops_c // k],
                    [[b("lock_coro"), kind, k, 20_000 // k], [b("lock_coro"), kind, k, 40_000 // k]]),
                Row("asyncio", asy("lock" if kind == "lock" else "semaphore", k, ops_py // k)),
            ]))
    return G


def memory_rows():
    keys = ("bench", "impl")
    return [Row("coro idx8", [b("memory_coro_8")], keys=keys + ("bytes_per_task",)),
            Row("coro idx16", [b("memory_coro_16")], keys=keys + ("bytes_per_task",)),
            Row("coro idx32", [b("memory_coro_32")], keys=keys + ("bytes_per_task",)),
            Row("libev/libuv", [b("memory_peers")], keys=keys + ("sizeof_ev_timer", "sizeof_uv_timer_t")),
            Row("asyncio", asy("memory", 10_000), keys=keys + ("bytes_per_task",))]


def fmt_ns(x):
    return f"{x:,.0f}" if x >= 100 else f"{x:.1f}" if x >= 10 else f"{x:.2f}"


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--full", action="store_true")
    ap.add_argument("--bin", default="build/bench")
    ap.add_argument("--out", default=None)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--plot", default=None, help="write the timers plot (gnuplot) here")
    ap.add_argument("--no-million", action="store_true", help="full mode: skip timers at N = 1M (~2 min)")
    ap.add_argument("--no-callgrind", action="store_true")
    ap.add_argument("--figures", default=None, help="bench/gate.sh's figures.txt of the same tree, for the targets")
    ap.add_argument("--doc", action="store_true", help="write the table into docs/PERFORMANCE.md and the summary "
                    "into README.md, between their `make bench` markers")
    ARGS = ap.parse_args()
    quick = not ARGS.full
    mode = "quick" if quick else "full"
    ARGS.out = ARGS.out or ARGS.bin
    os.makedirs(ARGS.out, exist_ok=True)
    if not shutil.which("valgrind") and not ARGS.no_callgrind:
        print("bench: valgrind not found (apt-get install valgrind), instructions column skipped")
        ARGS.no_callgrind = True
    t_start = time.time()
    G = groups(quick)
    passed = failed = 0

    for g in G:
        for rep in range(ARGS.reps):
            for r in g.rows:
                kv, err = run(r.argv)
                missing = [k for k in r.keys if kv is not None and k not in kv]
                if kv is None or missing:
                    r.failures.append(err if kv is None else f"missing keys {missing}")
                else:
                    r.samples.append(float(kv["ns_per_op"]))
        if not ARGS.no_callgrind:
            for r in g.rows:
                if r.cg:
                    try:
                        (i1, o1), (i2, o2) = callgrind(r.cg[0]), callgrind(r.cg[1])
                        r.instr = (i2 - i1) / (o2 - o1)
                    except RuntimeError as e:
                        r.failures.append(str(e))
        for r in g.rows:
            if r.failures:
                failed += 1
                print(f"FAILED {g.bench} {g.param} {r.impl}: {r.failures[0]}", file=sys.stderr)
            else:
                passed += 1
        print(f"  {g.bench} {g.param}: done ({time.time() - t_start:.0f} s)", file=sys.stderr)

    mem = memory_rows()
    for r in mem:
        kv, err = run(r.argv)
        missing = [k for k in r.keys if kv is not None and k not in kv]
        if kv is None or missing:
            failed += 1
            print(f"FAILED memory {r.impl}: {err if kv is None else missing}", file=sys.stderr)
        else:
            passed += 1
            r.extra = kv

    # ---- the table ------------------------------------------------------
    lines = []
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), cpu)
    except OSError:
        pass
    pyver = subprocess.run([PY, "-c", "import sys; print(sys.version.split()[0])"], capture_output=True, text=True).stdout.strip()
    lines.append(f"coro bench ({mode}): {ARGS.reps} alternating runs, CPU ns per operation; "
                 f"{cpu}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}, CPython {pyver}")
    lines.append("")
    lines.append("| benchmark | size | impl | median ns/op | min-max | x coro | instr/op |")
    lines.append("|---|---|---|---:|---:|---:|---:|")
    results = []
    for g in G:
        coro = next((r for r in g.rows if r.impl == "coro"), None)
        cmed = statistics.median(coro.samples) if coro and coro.samples else None
        for r in g.rows:
            if not r.samples:
                lines.append(f"| {g.bench} | {g.param} | {r.impl} | failed | | | |")
                continue
            med = statistics.median(r.samples)
            ratio = f"{med / cmed:,.2f}" if cmed else ""
            instr = f"{r.instr:,.1f}" if r.instr is not None else ""
            lines.append(f"| {g.bench} | {g.param} | {r.impl} | {fmt_ns(med)} | "
                         f"{fmt_ns(min(r.samples))}-{fmt_ns(max(r.samples))} | {ratio} | {instr} |")
            results.append(dict(bench=g.bench, param=g.param, impl=r.impl, median=med, min=min(r.samples),
                                max=max(r.samples), samples=r.samples, instr=r.instr, argv=r.argv))
    lines.append("")
    lines.append("| memory | bytes |")
    lines.append("|---|---:|")
    for r in mem:
        kv = r.extra
        if not kv:
            continue
        if r.impl.startswith("coro"):
            lines.append(f"| coro loop bookkeeping per task, {kv['index_bits']}-bit indices (slot {kv['slot_bytes']} "
                         f"+ heap {kv['heap_entry_bytes']} + ring {kv['ring_bytes_per_slot']}) | {kv['bytes_per_task']} |")
            if kv["index_bits"] == "8":
                for k in sorted(kv):
                    if k == "sizeof_coro_loop":
                        lines.append(f"| sizeof(coro_loop), default {kv['max_tasks']} tasks + "
                                     f"{kv['max_callbacks']} callbacks | {kv[k]} |")
                    elif k.startswith("sizeof_"):
                        lines.append(f"| sizeof({k[7:]}) (8-bit indices) | {kv[k]} |")
        elif r.impl == "asyncio":
            lines.append(f"| asyncio parked task (tracemalloc, {kv['n']} tasks) | {kv['bytes_per_task']} |")
        else:
            for k in sorted(kv):
                if k.startswith("sizeof_"):
                    lines.append(f"| sizeof({k[7:]}) | {kv[k]} |")
        results.append(dict(kv, bench="memory", impl=r.impl))

    # ---- targets (issue 6) -----------------------------------------------
    def med(bench, param, impl):
        for x in results:
            if x.get("bench") == bench and x.get("param") == param and x.get("impl") == impl:
                return x
        return None

    lines.append("")
    lines.append("| target | measured | verdict |")
    lines.append("|---|---|---|")
    sw, fl, swpy = med("switch", "", "coro"), med("switch", "", "floor"), med("switch", "", "asyncio")
    if sw and sw["instr"] is not None:
        lim, got = 30.0, sw["instr"]
        floor = f" (floor {fl['instr']:.1f})" if fl and fl["instr"] else ""
        verdict = "met" if got <= lim else f"missed by {got / lim:.2f}x"
        lines.append(f"| switch <= 30 instr (1.5x floor) | {got:.1f} instr{floor} | {verdict} |")
    if sw and swpy:
        x = swpy["median"] / sw["median"]
        lines.append(f"| switch >= 500x faster than asyncio | {x:,.0f}x | {'met' if x >= 500 else 'missed'} |")
    small = None
    for g in G:
        if g.bench != "timers":
            continue
        c, e = med("timers", g.param, "coro"), med("timers", g.param, "libev")
        if c and e:
            x = c["median"] / e["median"]
            verdict = "met" if x < 1 else f"missed by {x:.2f}x"
            lines.append(f"| timers {g.param}: faster than libev | coro {fmt_ns(c['median'])} ns vs libev "
                         f"{fmt_ns(e['median'])} ns | {verdict} |")
        if c and g.param == "N=1000":
            small = c
        if c and small and g.param == "N=100000":
            x = c["median"] / small["median"]
            lines.append(f"| timers: cost at 100k <= 2x cost at 1k | {x:.2f}x | {'met' if x <= 2 else 'missed'} |")
    qc, qf, qp = med("queue", "cap=16", "coro"), med("queue", "cap=16", "floor"), med("queue", "cap=16", "asyncio")
    if qc and qc["instr"] is not None:
        floor = f" (floor {qf['instr']:.1f})" if qf and qf["instr"] else ""
        verdict = "met" if qc["instr"] <= 80 else f"missed by {qc['instr'] / 80:.2f}x"
        lines.append(f"| queue <= 80 instr per item | {qc['instr']:.1f} instr{floor} | {verdict} |")
    if qc and qp:
        x = qp["median"] / qc["median"]
        lines.append(f"| queue >= 100x faster than asyncio | {x:,.0f}x | {'met' if x >= 100 else 'missed'} |")
    m8 = next((r.extra for r in mem if r.impl == "coro idx8" and r.extra), None)
    if m8:
        x = float(m8["bytes_per_task"])
        lines.append(f"| bookkeeping per task <= 16 B | {x:.1f} B | {'met' if x <= 16 else f'missed by {x / 16:.2f}x'} |")

    # ---- targets (issue 15), with the deterministic figures of bench/gate.sh -----
    fig = {}
    if ARGS.figures and os.path.exists(ARGS.figures):
        with open(ARGS.figures) as f:
            for k, _, v in (l.partition(" ") for l in f):
                if v.strip():
                    fig[k] = float(v)

    def target(name, got, lim, unit="", fmt="{:,.1f}"):
        if got is not None:
            verdict = "met" if got <= lim else f"missed by {got / lim:.2f}x"
            lines.append(f"| {name} | {fmt.format(got)}{unit} | {verdict} |")

    lines.append("")
    lines.append("| target (issue 15) | measured | verdict |")
    lines.append("|---|---|---|")
    target("switch <= 40 instr, x86-64", sw and sw["instr"], 40, " instr")
    target("switch <= 140 AVR cycles", fig.get("avr_switch_cycles"), 140, " cycles")
    target("switch <= 60 Cortex-M0 instr", fig.get("m0_switch_instr"), 60, " instr")
    for g in G:
        c, e = med("timers", g.param, "coro"), med("timers", g.param, "libev")
        if g.bench == "timers" and g.param != "N=1000" and c and e and c["instr"] and e["instr"]:
            target(f"timers {g.param}: instr <= 1.0x libev's", c["instr"] / e["instr"], 1.0, "x", "{:.2f}")
        if g.bench == "timers" and g.param == "N=1000000" and c and e:
            target("timers N=1000000: CPU time <= 1.5x libev's", c["median"] / e["median"], 1.5, "x", "{:.2f}")
    target("queue item <= 90 instr", qc and qc["instr"], 90, " instr")
    spc = med("spawn", "", "coro")
    target("spawn + complete <= 80 instr", spc and spc["instr"], 80, " instr")
    target("bookkeeping per task <= 24 B, x86-64 (8-bit indices)", m8 and float(m8["bytes_per_task"]), 24, " B")
    target("bookkeeping per task <= 14 B, AVR", fig.get("avr_task_bytes"), 14, " B")
    target("flash, sleep-only firmware, CORO_SMALL, AVR <= 2048 B", fig.get("avr_flash_small"), 2048, " B", "{:,.0f}")
    target("flash, sleep-only firmware, CORO_SMALL, M0 <= 1536 B", fig.get("m0_flash_small"), 1536, " B", "{:,.0f}")
    if fig:
        lines.append("")
        lines.append("Deterministic figures of the same run (`bench/gate.sh`): " +
                     ", ".join(f"{k} {v:g}" for k, v in fig.items()) + ".")

    table = "\n".join(lines)
    print(table)
    with open(os.path.join(ARGS.out, f"table-{mode}.md"), "w") as f:
        f.write(table + "\n")
    with open(os.path.join(ARGS.out, f"results-{mode}.json"), "w") as f:
        json.dump(results, f, indent=1)

    if ARGS.plot:
        plot(results, ARGS.plot)
    if ARGS.doc:
        splice_docs(table, results, fig)
    print(f"bench: {time.time() - t_start:.0f} s", file=sys.stderr)
    print(f"bench-{mode}: {passed} passed, {failed} failed")
    return 1 if failed else 0


BEGIN, END = "<!-- make bench: begin (bench/run.py --doc writes this part) -->", "<!-- make bench: end -->"


def splice(path, text):
    with open(path) as f:
        doc = f.read()
    i, j = doc.find(BEGIN), doc.find(END)
    if i < 0 or j < i:
        raise SystemExit(f"bench: {path} has no `make bench` markers")
    with open(path, "w") as f:
        f.write(doc[:i + len(BEGIN)] + "\n" + text.rstrip() + "\n" + doc[j:])
    print(f"bench: wrote {path}", file=sys.stderr)


def splice_docs(table, results, fig):
    """The full table into docs/PERFORMANCE.md, a summary with the peers side
    by side into README.md: both from this one run."""
    rev = subprocess.run(["git", "describe", "--always", "--dirty"], capture_output=True, text=True).stdout.strip()
    stamp = f"`make bench` of {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} (commit {rev or 'unknown'})"
    root = os.path.dirname(HERE)
    splice(os.path.join(root, "docs", "PERFORMANCE.md"), f"{stamp}; {ARGS.reps} alternating runs per row.\n\n{table}")
    at = {(x["bench"], x.get("param", ""), x["impl"]): x for x in results if "median" in x}
    peers = ["floor", "libev", "libuv", "asyncio"]
    out = [f"{stamp}: CPU ns per operation (median of {ARGS.reps}) and, for coro, callgrind instructions; "
           "a peer's cell is its ns and its ratio to coro's (above 1: coro is faster).", "",
           "| workload | coro instr | coro ns | " + " | ".join(peers) + " |",
           "|---|---:|---:|" + "---:|" * len(peers)]
    for (bench, param, impl), c in at.items():
        if impl != "coro" or (bench in ("gather", "wait") and param != "k=1000"):
            continue
        cells = []
        for p in peers:
            x = at.get((bench, param, p))
            cells.append(f"{fmt_ns(x['median'])} ({x['median'] / c['median']:,.1f}x)" if x else "")
        instr = f"{c['instr']:,.1f}" if c.get("instr") is not None else ""
        out.append(f"| {bench} {param} | {instr} | {fmt_ns(c['median'])} | " + " | ".join(cells) + " |")
    mem = {x["impl"]: x for x in results if x.get("bench") == "memory"}
    if "coro idx8" in mem and "asyncio" in mem:
        out += ["", f"RAM per parked task: coro {mem['coro idx8']['bytes_per_task']} B of loop bookkeeping (x86-64, "
                f"8-bit indices; AVR {fig.get('avr_task_bytes', 0):g} B) against asyncio's {mem['asyncio']['bytes_per_task']} B."]
    if fig:
        out += ["", f"Embedded, same tree: {fig.get('avr_switch_cycles', 0):g} AVR cycles and "
                f"{fig.get('m0_switch_instr', 0):g} Cortex-M0 instructions per switch; the sleep-only firmware "
                f"{fig.get('avr_flash_sleep', 0):,.0f} B (AVR) / {fig.get('m0_flash_sleep', 0):,.0f} B (M0) of flash, "
                f"{fig.get('avr_flash_small', 0):,.0f} / {fig.get('m0_flash_small', 0):,.0f} B with `CORO_SMALL`."]
    splice(os.path.join(root, "README.md"), "\n".join(out))


def plot(results, path):
    """Timers cost against N, one line per implementation (gnuplot)."""
    if not shutil.which("gnuplot"):
        print("bench: gnuplot not found (apt-get install gnuplot-nox), no plot", file=sys.stderr)
        return
    dat = os.path.join(ARGS.out, "timers.dat")
    impls = ["coro", "libev", "libuv", "asyncio"]
    with open(dat, "w") as f:
        for impl in impls:
            f.write(f"# {impl}\n")
            for x in results:
                if x.get("bench") == "timers" and x["impl"] == impl:
                    f.write(f"{x['param'][2:]} {x['median']} {x['min']} {x['max']}\n")
            f.write("\n\n")
    gp = f"""set terminal svg size 720,440 dynamic font 'sans,12'
set output '{path}'
set title 'timers: CPU ns per sleep+wake (median, min-max bars)'
set logscale xy
set xlabel 'N concurrent sleepers'
set ylabel 'ns per sleep+wake'
set key top left
set grid
set xrange [500:2000000]
set xtics ('1k' 1000, '10k' 10000, '100k' 100000, '1M' 1000000)
plot """ + ", ".join(f"'{dat}' index {i} using 1:2:3:4 with yerrorlines title '{impl}'" for i, impl in enumerate(impls))
    subprocess.run(["gnuplot"], input=gp, text=True, check=False)
    print(f"bench: wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
