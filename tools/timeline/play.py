#!/usr/bin/env python3
"""play.py - the playground (issue 17): a step-through page per run, from a
trace (recorder.c, CORO_TRACE_FILE) and its snapshots (CORO_SNAP_FILE).

  play.py page RUN.trace RUN.snap --src SRC.c --out PAGE.html [--title T]
      a static, self-contained HTML page (plain JavaScript and SVG, nothing
      fetched): step through the run event by event (arrows, buttons, jump to
      a time), with the source and each task's line, the ready ring, the timer
      heap drawn as a tree, the wait queues, every task's state, and the
      timeline (timeline.py's SVG) with a cursor; click a lane to follow a task.
      PAGE.html#step=N opens at step N; #selftest=A,B,.. steps there by key
      presses and writes what the page shows into <pre id="selftest">.
  play.py index --out INDEX.html PAGE.html...
      the index of the pages.
  play.py check RUN.trace RUN.snap
      the snapshots are consistent: one per event, and every live task is in
      exactly one place (running, the ready ring, a heap entry, a wait queue,
      awaiting tasks, or done); the heap is a heap; queues hold waiting tasks.
  play.py expect RUN.trace RUN.snap --steps A,B,..|auto
      what the page must show at those steps (ring, heap top, highlighted
      line), computed here from the snapshots, in the format of #selftest;
      auto: a busy step, the longest wait queue, the middle, the end, and back.
  play.py same A.snap B.snap
      two runs' snapshots describe the same states (e.g. one program built
      with other knobs: the recorder reads the loop through trace.h's layout).
  play.py harness --out SELFTEST.html --dir DIR NAME...
      one page that opens every DIR/NAME.html in frames, as is and with
      #selftest at the steps of DIR/NAME.expect, and collects what they show
      (one browser run for all: chromium --allow-file-access-from-files).
  play.py verify DUMPED.html --dir DIR NAME...
      compare the harness's DOM (chromium --dump-dom) with DIR/NAME.expect:
      each page reached each step by key presses and showed what the
      snapshots say, and no page reported an error (window.onerror).

Only the Python standard library is used.
"""
import argparse
import html
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import timeline  # noqa: E402  (parse, build, layout, render_svg)

# coro.h's slot states (CORO__FREE ...), as the recorder writes them.
FREE, READY, SLEEP, WAITQ, WAITTASKS, DONE, DEADCB, WAITQ_SHIELD = range(8)
PARK = {"sleep", "wait", "await"}
# coro.h's status codes, for "finishes with ...".
STATUS = ["CORO_OK", "CORO_ERR_CANCELLED", "CORO_ERR_TIMEOUT", "CORO_ERR_INVALID", "CORO_ERR_NO_SLOT",
          "CORO_ERR_STALE", "CORO_ERR_STATE", "CORO_ERR_RANGE", "CORO_ERR_REENTRANT", "CORO_ERR_CLOSED",
          "CORO_ERR_STOPPED", "CORO_ERR_DEADLOCK", "CORO_ERR_BUSY", "CORO_ERR_SELF_AWAIT", "CORO_ERR_FULL",
          "CORO_ERR_EMPTY", "CORO_ERR_NOT_LOCKED", "CORO_ERR_OVERFLOW", "CORO_ERR_UNDERFLOW", "CORO_ERR_SHUTDOWN"]
SVG_LEFT, SVG_TOP, SVG_LANE = 170.0, 56.0, 36.0  # timeline.render_svg's geometry


def load_snaps(path):
    snaps = []
    with open(path) as f:
        for line in f:
            if line.strip():
                snaps.append(json.loads(line))
    return snaps


def signed(v):
    return v - (1 << 64) if v >= 1 << 63 else v


class Run:
    """A trace with its snapshots, and what each step means."""

    def __init__(self, trace, snap):
        self.head, self.events = timeline.parse(trace)
        self.snaps = load_snaps(snap)
        self.max_tasks = int(self.head["max_tasks"])
        self.hz = int(self.head["tick_hz"])
        self.model = timeline.build(self.head, self.events)
        # Who runs at each step: a task from its resume to its park (sleep,
        # wait, await) or the end of its step.
        self.running = []
        run = -1
        for e in self.events:
            if e.ev == "resume":
                run = e.id
            elif e.ev in ("callback", "idle"):
                run = -1
            elif e.ev in PARK and e.id == run:
                run = -1
            elif e.ev == "suspend" and e.id == run:  # a yield: back in the ring
                run = -1
            self.running.append(run)
            if e.ev in ("suspend", "done") and e.id == run:
                run = -1
        # The lane (a spawned task) of each slot at each step.
        self.lane_at = []
        cur = {}
        for e in self.events:
            if e.ev == "spawn":
                cur[e.id] = e.lane.index
            self.lane_at.append(dict(cur))

    def place(self, i, slot, state):
        if slot == self.running[i]:
            return "running"
        return {READY: "ready", SLEEP: "sleep", WAITQ: "waitq", WAITQ_SHIELD: "waitq",
                WAITTASKS: "tasks", DONE: "done"}.get(state, "other")

    def check(self):
        errs = []
        if len(self.snaps) != len(self.events):
            errs.append("%d snapshots for %d events" % (len(self.snaps), len(self.events)))
        for i, (e, s) in enumerate(zip(self.events, self.snaps)):
            where = "step %d (%s %d)" % (i, e.ev, e.id)
            if s["i"] != i or s["t"] != e.tick:
                errs.append("%s: snapshot %d at %d" % (where, s["i"], s["t"]))
            if e.ev == "resume" and s["cur"] != e.id:
                errs.append("%s: current is %d" % (where, s["cur"]))
            state = {t[0]: t[1] for t in s["s"]}
            count = {}

            def seen(slot, what):
                count.setdefault(slot, []).append(what)
            for r in s["ring"]:
                seen(r, "ring")
                if r < self.max_tasks and state.get(r) != READY:
                    errs.append("%s: slot %d in the ring in state %s" % (where, r, state.get(r)))
            now = s["now"]
            heap = s["heap"]
            for p, (slot, dl, seq) in enumerate(heap):
                seen(slot, "heap")
                if p:
                    par = heap[(p - 1) // 2]
                    if (par[1] - now, par[2]) > (dl - now, seq):
                        errs.append("%s: heap entry %d comes before its parent" % (where, p))
                if slot not in state:
                    errs.append("%s: heap entry %d is a free slot %d" % (where, p, slot))
            hpos = {t[0]: t[6] for t in s["s"]}
            for p, h in enumerate(heap):
                if hpos.get(h[0]) != p:
                    errs.append("%s: slot %d says heap position %s, is at %d" % (where, h[0], hpos.get(h[0]), p))
            for addr, members in s["q"]:
                for m in members:
                    seen(m, "queue")
                    if state.get(m) not in (WAITQ, WAITQ_SHIELD):
                        errs.append("%s: slot %d on a wait queue in state %s" % (where, m, state.get(m)))
            for t in s["s"]:
                slot, st = t[0], t[1]
                if slot >= self.max_tasks:
                    continue
                pl = self.place(i, slot, st)
                got = count.get(slot, [])
                want = {"running": [], "ready": ["ring"], "sleep": ["heap"], "waitq": ["queue"],
                        "tasks": [], "done": []}.get(pl)
                if want is None:
                    errs.append("%s: slot %d in state %d" % (where, slot, st))
                    continue
                if pl in ("waitq", "tasks") and "heap" in got:  # a timeout
                    got = [g for g in got if g != "heap"] if got.count("heap") == 1 else got
                if sorted(got) != want:
                    errs.append("%s: task %d (%s) is in %s" % (where, slot, pl, got or "no place"))
                if pl == "tasks" and t[5] <= 0:
                    errs.append("%s: task %d awaits %d tasks" % (where, slot, t[5]))
            for slot in count:
                if slot not in state:
                    errs.append("%s: free slot %d is in %s" % (where, slot, count[slot]))
        return errs

    # ---- what the page shows --------------------------------------------------
    def line_of(self, i, slot):
        """The line a task is at: where it is suspended; a running task's is
        where its step will suspend (or, if the step ends the task, where it
        resumed)."""
        s = self.snaps[i]
        t = next((t for t in s["s"] if t[0] == slot), None)
        if t is None:
            return 0
        if self.running[i] == slot or (self.events[i].ev in PARK and self.events[i].id == slot):
            for j in range(i, len(self.events)):
                if self.events[j].id == slot and self.events[j].ev in ("suspend", "done"):
                    if self.events[j].ev == "done":
                        return t[8]
                    tj = next((t for t in self.snaps[j]["s"] if t[0] == slot), None)
                    return tj[8] if tj else 0
            return 0
        return t[8]

    def hl_line(self, i):
        """The highlighted source line: the line of the task the event is about."""
        e = self.events[i]
        if e.id >= self.max_tasks:
            return 0
        return self.line_of(i, e.id)

    def expect(self, i):
        s = self.snaps[i]
        top = "%d@%d" % (s["heap"][0][0], s["heap"][0][1]) if s["heap"] else "-"
        return "step=%d ring=%s top=%s line=%d" % (i, ",".join(map(str, s["ring"])) or "-", top, self.hl_line(i))


def fmt_t(ticks, hz):
    return timeline.fmt_time(ticks, hz)


# Which of an object's wait queues an await parks on, by its macro's name.
ROLE = [("_GET", "getters"), ("_PUT", "putters"), ("_JOIN", "joiners")]


def queue_labels(run, src_lines):
    """A name for each wait queue: from the source line where its first
    waiter is suspended (CORO_LOCK(self, &lock) -> lock (CORO_LOCK))."""
    labels = {}
    order = []
    for i, s in enumerate(run.snaps):
        for addr, members in s["q"]:
            if addr in labels:
                continue
            label = None
            for m in members:
                ln = run.line_of(i, m)
                if 0 < ln <= len(src_lines):
                    text = src_lines[ln - 1]
                    ms = list(re.finditer(r"\b(CORO_[A-Z_]+)\s*\(\s*\w+\s*,\s*&?\s*(?:self->)?([\w.\[\]]+)", text))
                    ms = [m2 for m2 in ms if m2.group(1) not in ("CORO_CATCH", "CORO_TIMEOUT")]
                    if ms:
                        mac = ms[0].group(1)
                        role = next((r for k, r in ROLE if k in mac), "waiters")
                        label = "%s %s (%s)" % (ms[0].group(2), role, mac)
                        break
            labels[addr] = label or "queue %d" % (len(order) + 1)
            order.append(addr)
    for e in run.events:
        if e.ev == "wait" and e.arg not in labels:
            labels[e.arg] = "queue %d" % (len(order) + 1)
            order.append(e.arg)
    return labels, order


def describe(run, i, name, qlabel):
    e = run.events[i]
    s = run.snaps[i]
    hz = run.hz
    who = name(i, e.id)

    def by(slot):
        if slot >= (1 << 32) - 1 or slot == -1 or slot >= run.max_tasks:
            return None
        return name(i, slot)
    if e.ev == "spawn":
        c = by(e.arg)
        d = "%s spawns %s" % (c, who) if c else "%s is spawned" % who
        d += "; it joins the back of the ready ring"
    elif e.ev == "resume":
        ln = run.line_of(i - 1, e.id) if i else 0
        d = "%s resumes%s" % (who, (" after line %d" % ln) if ln else " (its first step)")
    elif e.ev == "suspend":
        d = "%s's step ends: %s" % (who, {1: "it yielded, back of the ready ring", 2: "it sleeps",
                                          3: "it waits on a queue", 4: "it awaits tasks"}.get(e.arg, "suspended"))
    elif e.ev == "sleep":
        d = "%s sleeps until %s: a timer in the heap" % (who, fmt_t(e.arg, hz))
    elif e.ev == "wait":
        d = "%s waits on %s" % (who, qlabel.get(e.arg, "a queue"))
    elif e.ev == "await":
        d = "%s awaits %d task%s" % (who, e.arg, "" if e.arg == 1 else "s")
    elif e.ev == "wake":
        w = by(e.arg)
        due = i > 0 and any(h[0] == e.id and h[1] <= e.tick for h in run.snaps[i - 1]["heap"])
        d = "%s is woken by %s" % (who, w if w else ("its timer" if due else "the loop"))
        d += " and joins the ready ring"
    elif e.ev == "cancel":
        w = by(e.arg)
        d = "%s cancels %s" % (w or "the loop", who)
    elif e.ev == "done":
        st = signed(e.arg)
        d = "%s finishes%s" % (who, "" if st == 0 else " with %s" % (STATUS[st] if 0 <= st < len(STATUS) else "status %d" % st))
    elif e.ev == "call":
        d = "callback %d is scheduled%s" % (e.id, (" for " + fmt_t(e.arg, hz)) if e.arg else " soon")
    elif e.ev == "callback":
        d = "callback %d runs" % e.id
    elif e.ev == "call_cancel":
        d = "callback %d is cancelled" % e.id
    elif e.ev == "idle":
        d = ("nothing is ready: the loop sleeps until %s" % fmt_t(e.arg, hz)) if e.arg else "nothing is ready: the loop waits"
    else:
        d = e.ev
    if s["heap"] and e.ev in ("wake", "sleep", "idle"):
        d += "; the heap's top is now %s (due %s)" % (name(i, s["heap"][0][0]), fmt_t(s["heap"][0][1], hz))
    elif e.ev in ("wake", "sleep") and not s["heap"]:
        d += "; the heap is empty"
    return d


def page(a):
    run = Run(a.trace, a.snap)
    with open(a.src) as f:
        src = f.read()
    src_lines = src.split("\n")
    if src_lines and src_lines[-1] == "":
        src_lines.pop()
    title = a.title or os.path.basename(a.src)
    bands, tick_x, width = timeline.layout(run.head, run.events, "virtual")
    svg = timeline.render_svg(run.head, run.events, run.model, bands, tick_x, width, title, "virtual")
    lanes = run.model["lanes"]
    lane_names = [ln.name for ln in lanes]
    qlabel, qorder = queue_labels(run, src_lines)

    def name(i, slot):
        if slot >= run.max_tasks:
            return "callback %d" % slot
        li = run.lane_at[i].get(slot)
        return lane_names[li] if li is not None else "task %d" % slot
    steps = []
    lane_steps = {}
    for i, (e, s) in enumerate(zip(run.events, run.snaps)):
        tasks = []
        for t in s["s"]:
            slot = t[0]
            if slot >= run.max_tasks:
                tasks.append([slot, -1, run.place(i, slot, t[1]), 0, t[4], t[5]])
                continue
            li = run.lane_at[i].get(slot, -1)
            tasks.append([slot, li, run.place(i, slot, t[1]), run.line_of(i, slot), t[4], t[5]])
        qs = []
        for addr, members in s["q"]:
            qs.append([qorder.index(addr), members])
        li = run.lane_at[i].get(e.id, 0) if e.id < run.max_tasks else 0
        lane_steps.setdefault(li, []).append(i)
        steps.append({"e": e.ev, "id": e.id, "lane": li, "t": e.tick, "x": round(SVG_LEFT + e.x, 1),
                      "d": describe(run, i, name, qlabel), "cur": run.running[i], "ring": s["ring"],
                      "heap": [h[:3] for h in s["heap"]], "q": qs, "s": tasks, "hl": run.hl_line(i)})
    # Smaller pages: a step leaves out what did not change since the one
    # before (the page fills it in when it loads).
    prev = {}
    for st in steps:
        for k in ("cur", "ring", "heap", "q", "s"):
            if k in prev and prev[k] == st[k]:
                prev[k] = st.pop(k)
            else:
                prev[k] = st[k]
    data = {"title": title, "hz": run.hz, "max": run.max_tasks, "src": src_lines,
            "file": os.path.basename(a.src), "lanes": lane_names,
            "laneTop": SVG_TOP, "laneH": SVG_LANE, "queues": [qlabel[q] for q in qorder],
            "laneSteps": {str(k): v for k, v in lane_steps.items()}, "steps": steps}
    js_data = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
    out = TEMPLATE.replace("@TITLE@", html.escape(title)).replace("@SVG@", svg).replace("@DATA@", js_data)
    out = out.replace("@SCRIPT@", SCRIPT)
    with open(a.out, "w") as f:
        f.write(out)
    return 0


def index(a):
    items = []
    for p in a.pages:
        base = os.path.basename(p)
        with open(p) as f:
            text = f.read()
        m = re.search(r"<title>(.*?)</title>", text)
        n = text.count('"e":"')
        items.append('<li><a href="%s">%s</a> <span class="n">%d steps</span></li>'
                     % (html.escape(base), m.group(1) if m else html.escape(base), n))
    with open(a.out, "w") as f:
        f.write(INDEX.replace("@ITEMS@", "\n".join(items)))
    return 0


def check(a):
    run = Run(a.trace, a.snap)
    errs = run.check()
    for m in errs[:40]:
        print("play check: %s: %s" % (a.snap, m))
    if not errs:
        print("play check: %s: %d steps, every live task in exactly one place" % (a.snap, len(run.snaps)))
    return 1 if errs else 0


def same(a):
    """Two runs' snapshots say the same (queue addresses by first appearance;
    file and line left out: a build without CORO_DEBUG has none)."""
    def norm(path):
        out, addr = [], {}
        for sn in load_snaps(path):
            q = [[addr.setdefault(x, len(addr)), m] for x, m in sn["q"]]
            out.append([sn["t"], sn["cur"], sn["ring"], sn["heap"], q, [t[:7] for t in sn["s"]]])
        return out
    x, y = norm(a.a), norm(a.b)
    for i, (u, v) in enumerate(zip(x, y)):
        if u != v:
            print("play same: step %d differs:\n  %s: %s\n  %s: %s" % (i, a.a, u, a.b, v))
            return 1
    if len(x) != len(y):
        print("play same: %d steps against %d" % (len(x), len(y)))
        return 1
    print("play same: %s and %s: %d identical states" % (a.a, a.b, len(x)))
    return 0


def auto_steps(run):
    """Steps worth checking: a busy one (ring and heap both non-empty), the
    longest wait queue, the middle, the last, then one back (a left arrow)."""
    n = len(run.snaps)
    pick = []
    busy = [i for i, s in enumerate(run.snaps) if s["ring"] and s["heap"]]
    if busy:
        pick.append(busy[len(busy) // 2])
    longest = max(range(n), key=lambda i: sum(len(q[1]) for q in run.snaps[i]["q"]))
    pick += [longest, n // 2, n - 1, max(0, n // 3)]
    out = []
    for k in pick:
        if not out or out[-1] != k:
            out.append(k)
    return out


def expect(a):
    run = Run(a.trace, a.snap)
    steps = auto_steps(run) if a.steps == "auto" else [int(k) for k in a.steps.split(",")]
    for k in steps:
        print(run.expect(k))
    return 0


def harness(a):
    """One page that opens every page twice in frames (as is, and with
    #selftest at the steps of its NAME.expect) and collects what they show,
    so that one browser run tests them all (--allow-file-access-from-files)."""
    frames = []
    for n in a.names:
        path = os.path.join(a.dir, n + ".expect")
        if os.path.exists(path):  # else only opened as it is (the index)
            with open(path) as f:
                steps = [re.match(r"step=(\d+)", ln).group(1) for ln in f if ln.startswith("step=")]
            frames.append('<iframe data-page="%s" data-mode="selftest" src="%s.html#selftest=%s"></iframe>'
                          % (n, n, ",".join(steps)))
        frames.append('<iframe data-page="%s" data-mode="plain" src="%s.html"></iframe>' % (n, n))
    with open(a.out, "w") as f:
        f.write(HARNESS.replace("@FRAMES@", "\n".join(frames)))
    return 0


def verify(a):
    """The harness's dumped DOM against each page's NAME.expect."""
    with open(a.dom) as f:
        dom = f.read()
    blocks = {}
    for m in re.finditer(r'<pre class="result" data-page="([^"]*)" data-mode="([^"]*)">(.*?)</pre>', dom, re.S):
        blocks[(m.group(1), m.group(2))] = html.unescape(m.group(3))
    bad = 0
    for n in a.names:
        errs = []
        with open(os.path.join(a.dir, n + ".expect")) as f:
            want = [ln.strip() for ln in f if ln.strip()]
        for mode in ("selftest", "plain"):
            text = blocks.get((n, mode))
            if text is None:
                errs.append("%s: no result (the frame did not load)" % mode)
                continue
            lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
            if any(ln.startswith("error") for ln in lines):
                errs += ["%s: %s" % (mode, ln) for ln in lines if ln.startswith("error")]
            if mode == "plain":
                if not any(ln.startswith("shown step=") for ln in lines):
                    errs.append("plain: the page shows no step: %r" % lines[:3])
                continue
            if "selftest done" not in lines:
                errs.append("the self-test did not finish: %r" % lines[-3:])
            got = [ln for ln in lines if ln.startswith("step=")]
            for w, g in zip(want, got):
                if w != g:
                    errs.append("expected %s, the page shows %s" % (w, g))
            if len(got) != len(want):
                errs.append("%d steps checked, %d expected" % (len(got), len(want)))
            errs += [ln for ln in lines if ln.startswith("fail")]
        for x in errs:
            print("play verify: %s: %s" % (n, x))
        if errs:
            bad += 1
        else:
            print("play verify: %s: loads with no error; %d steps reached by key presses show what the snapshots say"
                  % (n, len(want)))
    return 1 if bad else 0


HARNESS = r"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>playground self-test</title></head><body>
@FRAMES@
<div id="results"></div>
<script>
window.addEventListener("load", function () {
  var box = document.getElementById("results");
  Array.prototype.forEach.call(document.querySelectorAll("iframe"), function (f) {
    var pre = document.createElement("pre"), text;
    pre.className = "result";
    pre.setAttribute("data-page", f.getAttribute("data-page"));
    pre.setAttribute("data-mode", f.getAttribute("data-mode"));
    try {
      var d = f.contentDocument;
      var er = d.getElementById("errors"), st = d.getElementById("selftest"), pos = d.getElementById("pos");
      text = (er ? er.textContent : "error: no errors element") + "\n" + (st ? st.textContent : "") +
             "\nshown " + (pos ? pos.textContent.replace(/^step (\d+).*/, "step=$1") : "nothing");
    } catch (e) { text = "error: cannot read the frame: " + e; }
    pre.textContent = text;
    box.appendChild(pre);
  });
});
</script></body></html>
"""


TEMPLATE = r"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>@TITLE@</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.35 "DejaVu Sans",Helvetica,Arial,sans-serif;margin:0;color:#222;background:#fafafa}
header{padding:8px 14px;background:#fff;border-bottom:1px solid #ddd;position:sticky;top:0;z-index:2}
h1{font-size:17px;margin:0 0 6px}h1 a{color:#2f6fb5;text-decoration:none;font-weight:normal;font-size:13px}
#ctl button{font:inherit;padding:2px 9px}#ctl input{width:70px;font:inherit}
#desc{margin-top:6px;font-weight:bold;min-height:1.3em}#follow{color:#7d55b5}
main{display:grid;grid-template-columns:minmax(340px,1fr) minmax(360px,1fr);gap:10px;padding:10px 14px}
section{background:#fff;border:1px solid #ddd;border-radius:4px;padding:6px 10px}
h2{font-size:13px;margin:2px 0 6px;color:#555;text-transform:uppercase;letter-spacing:.04em}
#src{font:12px/1.45 "DejaVu Sans Mono",Menlo,monospace;white-space:pre;overflow:auto;max-height:560px;position:relative}
#src div{padding-left:4px}#src .ln{color:#999;display:inline-block;width:2.6em;text-align:right;margin-right:8px}
#src .at{background:#fff4d6}#src .hl{background:#ffe08a;outline:1px solid #d9a400}
.tag{display:inline-block;font:11px sans-serif;border-radius:8px;padding:0 6px;margin-left:6px;color:#fff}
.chip{display:inline-block;border:1px solid #999;border-radius:3px;padding:1px 6px;margin:2px;background:#f3f3f3}
.chip.me{border-color:#c9a227;background:#fff4d6}
#tasks td{padding:1px 6px}#tasks .running{font-weight:bold}
#heapsvg text{font:11px sans-serif}
#tl{grid-column:1/-1;overflow-x:auto}#tl svg .lane{cursor:pointer;fill:transparent}#tl svg .lane:hover{fill:#2f6fb5;opacity:.08}
.muted{color:#888}
#selftest,#errors{white-space:pre;font:11px monospace;color:#a00}
</style></head>
<body>
<header>
<h1>@TITLE@ <a href="index.html">all examples</a></h1>
<div id="ctl"><button id="first" title="Home">|&lt;</button> <button id="prev" title="Left arrow">&lt; prev</button>
<button id="next" title="Right arrow">next &gt;</button> <button id="last" title="End">&gt;|</button>
<span id="pos"></span> &middot; time <span id="time"></span> &middot;
jump to time <input id="jt" placeholder="e.g. 1.5 s"> <button id="go">go</button>
<span id="follow"></span></div>
<div id="desc"></div>
</header>
<main>
<section><h2>Source <span class="muted" id="srcfile"></span></h2><div id="src"></div></section>
<div>
<section><h2>Tasks</h2><table id="tasks"></table></section>
<section><h2>Ready ring (head first)</h2><div id="ring"></div></section>
<section><h2>Timer heap</h2><div id="heap"></div></section>
<section><h2>Wait queues (head first)</h2><div id="queues"></div></section>
</div>
<section id="tl"><h2>Timeline: the cursor is the current step; click a lane to follow that task (keys: left/right step, shift: only its steps, Esc: all)</h2>
@SVG@</section>
</main>
<pre id="errors"></pre><pre id="selftest"></pre>
<script>
var D = @DATA@;
@SCRIPT@
</script>
</body></html>
"""

SCRIPT = r"""
(function () {
  "use strict";
  var errs = document.getElementById("errors");
  window.onerror = function (msg, src, line) { errs.textContent += "error: " + msg + " (line " + line + ")\n"; };
  var cerr = console.error;
  console.error = function () { errs.textContent += "console.error: " + Array.prototype.join.call(arguments, " ") + "\n"; cerr.apply(console, arguments); };
  var PAL = ["#2f6fb5", "#d9822b", "#3a9a4a", "#c9a227", "#7d55b5", "#2a9d9d", "#b5568f", "#6b7b2a", "#8c6239", "#4a5ab5"];
  var SVGNS = "http://www.w3.org/2000/svg";
  var N = D.steps.length, cur = 0, follow = -1;
  D.steps.forEach(function (st, i) {  // what a step left out did not change
    ["cur", "ring", "heap", "q", "s"].forEach(function (k) { if (!(k in st)) st[k] = D.steps[i - 1][k]; });
  });
  function $(id) { return document.getElementById(id); }
  function el(tag, attrs, text) {
    var e = document.createElement(tag), k;
    for (k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function sel(tag, attrs, text) {
    var e = document.createElementNS(SVGNS, tag), k;
    for (k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function fmt(t) {
    var s = t / D.hz;
    if (s === Math.floor(s)) return s + " s";
    if (s >= 1) return s.toFixed(3).replace(/0+$/, "") + " s";
    return (+(s * 1000).toPrecision(6)) + " ms";
  }
  function colour(lane) { return lane > 0 ? PAL[(lane - 1) % PAL.length] : "#555"; }
  function taskName(st, slot) {
    for (var i = 0; i < st.s.length; i++) if (st.s[i][0] === slot) return st.s[i][1] >= 0 ? D.lanes[st.s[i][1]] : "callback " + slot;
    return slot >= D.max ? "callback " + slot : "task " + slot;
  }
  function laneOf(st, slot) {
    for (var i = 0; i < st.s.length; i++) if (st.s[i][0] === slot) return st.s[i][1];
    return 0;
  }
  function chip(st, slot, extra) {
    var c = el("span", {"class": "chip", "data-slot": slot}, taskName(st, slot) + (extra || ""));
    c.style.borderLeft = "4px solid " + colour(laneOf(st, slot));
    return c;
  }
  // Source lines, once.
  var srcBox = $("src"), rows = [];
  $("srcfile").textContent = D.file;
  D.src.forEach(function (text, i) {
    var r = el("div", {"data-line": i + 1});
    r.appendChild(el("span", {"class": "ln"}, String(i + 1)));
    r.appendChild(document.createTextNode(text));
    srcBox.appendChild(r);
    rows.push(r);
  });
  // Timeline: a cursor and clickable lanes.
  var svg = document.querySelector("#tl svg");
  var cursor = null;
  if (svg) {
    var H = +svg.getAttribute("height");
    var W = +svg.getAttribute("width");
    for (var li = 1; li < D.lanes.length; li++) {
      var r = sel("rect", {"class": "lane", x: 0, y: D.laneTop + li * D.laneH, width: W, height: D.laneH, "data-lane": li});
      r.appendChild(sel("title", {}, "follow " + D.lanes[li]));
      r.addEventListener("click", (function (l) { return function () { followLane(l); }; })(li));
      svg.appendChild(r);
    }
    cursor = sel("line", {id: "cursor", x1: 0, x2: 0, y1: D.laneTop - 6, y2: D.laneTop + D.laneH * D.lanes.length + 6,
                          stroke: "#d62828", "stroke-width": 2});
    svg.appendChild(cursor);
  }
  function followLane(l) {
    follow = l;
    var steps = D.laneSteps[l] || [];
    var j = 0;
    while (j < steps.length && steps[j] < cur) j++;
    show(j < steps.length ? steps[j] : (steps.length ? steps[0] : cur));
  }
  function stepBy(d, only) {
    if (only && follow >= 0) {
      var steps = D.laneSteps[follow] || [], j;
      if (d > 0) { for (j = 0; j < steps.length; j++) if (steps[j] > cur) return show(steps[j]); }
      else { for (j = steps.length - 1; j >= 0; j--) if (steps[j] < cur) return show(steps[j]); }
      return;
    }
    show(Math.max(0, Math.min(N - 1, cur + d)));
  }
  var PLACE = {running: "running", ready: "ready", sleep: "sleeping", waitq: "waiting on a queue",
               tasks: "awaiting tasks", done: "done", other: "-"};
  function drawHeap(st) {
    var box = $("heap");
    box.textContent = "";
    if (!st.heap.length) { box.appendChild(el("span", {"class": "muted"}, "empty")); return; }
    var n = st.heap.length, depth = Math.floor(Math.log(n) / Math.LN2) + 1;
    var w = Math.max(300, Math.pow(2, depth - 1) * 92), h = depth * 52 + 6;
    var s = sel("svg", {width: w, height: h, id: "heapsvg"});
    function pos(p) {
      var d = Math.floor(Math.log(p + 1) / Math.LN2), k = p + 1 - Math.pow(2, d);
      return [(k + 0.5) * w / Math.pow(2, d), 24 + d * 52];
    }
    var p, xy;
    for (p = 1; p < n; p++) {
      var a = pos(p), b = pos((p - 1) >> 1);
      s.appendChild(sel("line", {x1: a[0], y1: a[1], x2: b[0], y2: b[1], stroke: "#999"}));
    }
    for (p = 0; p < n; p++) {
      xy = pos(p);
      var e = st.heap[p];
      var g = sel("g", {"data-pos": p, "data-slot": e[0], "data-deadline": e[1]});
      g.appendChild(sel("rect", {x: xy[0] - 43, y: xy[1] - 17, width: 86, height: 34, rx: 5,
                                 fill: p === 0 ? "#fff4d6" : "#f3f3f3", stroke: colour(laneOf(st, e[0]))}));
      g.appendChild(sel("text", {x: xy[0], y: xy[1] - 3, "text-anchor": "middle"}, taskName(st, e[0]).slice(0, 14)));
      g.appendChild(sel("text", {x: xy[0], y: xy[1] + 11, "text-anchor": "middle", fill: "#555"}, fmt(e[1]) + " #" + e[2]));
      s.appendChild(g);
    }
    box.appendChild(s);
    box.appendChild(el("div", {"class": "muted"}, "array order: " + st.heap.map(function (e) { return taskName(st, e[0]); }).join(", ") +
                       " (key: deadline, then sequence #)"));
  }
  function show(i) {
    cur = i;
    var st = D.steps[i];
    $("pos").textContent = "step " + i + " / " + (N - 1);
    $("time").textContent = fmt(st.t);
    $("desc").textContent = "step " + i + ": " + st.d;
    $("follow").textContent = follow >= 0 ? "following " + D.lanes[follow] + " (shift+arrows; Esc: all)" : "";
    if (location.hash !== "#step=" + i && !/selftest/.test(location.hash)) history.replaceState(null, "", "#step=" + i);
    // Source marks.
    rows.forEach(function (r) { r.className = ""; var t = r.querySelectorAll(".tag"); for (var k = 0; k < t.length; k++) r.removeChild(t[k]); });
    st.s.forEach(function (t) {
      if (t[3] > 0 && t[3] <= rows.length && t[2] !== "done") {
        var r = rows[t[3] - 1];
        r.className = r.className === "hl" ? "hl" : "at";
        var tag = el("span", {"class": "tag"}, (t[2] === "running" ? "> " : "") + taskName(st, t[0]));
        tag.style.background = colour(t[1]);
        r.appendChild(tag);
      }
    });
    if (st.hl > 0 && st.hl <= rows.length) {
      rows[st.hl - 1].className = "hl";
      if (!/selftest/.test(location.hash)) {
        var box = srcBox, r = rows[st.hl - 1];
        if (r.offsetTop < box.scrollTop || r.offsetTop > box.scrollTop + box.clientHeight - 20) box.scrollTop = r.offsetTop - 60;
      }
    }
    // Tasks.
    var tb = $("tasks");
    tb.textContent = "";
    tb.appendChild(el("tr", {}, "")).innerHTML = "<th>task</th><th>slot</th><th>state</th><th>line</th>";
    st.s.forEach(function (t) {
      if (t[0] >= D.max) return;
      var tr = el("tr", {"class": t[2], "data-slot": t[0]});
      var what = PLACE[t[2]] || t[2];
      if (t[2] === "tasks") what += " (" + t[5] + " pending)";
      if (t[4] >= 0) what += ", awaited by " + taskName(st, t[4]);
      var c = el("td", {}, taskName(st, t[0]));
      c.style.borderLeft = "4px solid " + colour(t[1]);
      tr.appendChild(c);
      tr.appendChild(el("td", {}, String(t[0])));
      tr.appendChild(el("td", {}, what));
      tr.appendChild(el("td", {}, t[3] ? String(t[3]) : ""));
      tb.appendChild(tr);
    });
    // Ring.
    var ring = $("ring");
    ring.textContent = "";
    if (st.cur >= 0) {
      ring.appendChild(el("span", {"class": "muted"}, "running: "));
      var c = chip(st, st.cur);
      c.className = "chip me";
      c.removeAttribute("data-slot");
      ring.appendChild(c);
      ring.appendChild(el("span", {"class": "muted"}, " ready: "));
    }
    if (!st.ring.length) ring.appendChild(el("span", {"class": "muted"}, "empty"));
    st.ring.forEach(function (slot) { ring.appendChild(chip(st, slot)); });
    drawHeap(st);
    // Wait queues: every queue seen in the run, and who awaits whom.
    var qb = $("queues");
    qb.textContent = "";
    var any = false;
    D.queues.forEach(function (label, qi) {
      var row = el("div", {"data-queue": qi});
      row.appendChild(el("b", {}, label + ": "));
      var m = null;
      st.q.forEach(function (q) { if (q[0] === qi) m = q[1]; });
      if (m && m.length) m.forEach(function (slot) { row.appendChild(chip(st, slot)); });
      else row.appendChild(el("span", {"class": "muted"}, "empty"));
      qb.appendChild(row);
      any = true;
    });
    st.s.forEach(function (t) {
      if (t[2] !== "tasks") return;
      var row = el("div", {"data-awaiter": t[0]});
      row.appendChild(el("b", {}, taskName(st, t[0]) + " awaits: "));
      st.s.forEach(function (u) { if (u[4] === t[0] && u[0] < D.max) row.appendChild(chip(st, u[0], u[2] === "done" ? " (done)" : "")); });
      qb.appendChild(row);
      any = true;
    });
    if (!any) qb.appendChild(el("span", {"class": "muted"}, "none"));
    if (cursor) { cursor.setAttribute("x1", st.x); cursor.setAttribute("x2", st.x); }
  }
  function jumpTime() {
    var v = $("jt").value.trim(), m = /^([0-9.]+)\s*(ms|s)?$/.exec(v);
    if (!m) return;
    var t = parseFloat(m[1]) * (m[2] === "ms" ? D.hz / 1000 : D.hz);
    for (var i = 0; i < N; i++) if (D.steps[i].t >= t) return show(i);
    show(N - 1);
  }
  $("first").onclick = function () { show(0); };
  $("last").onclick = function () { show(N - 1); };
  $("prev").onclick = function () { stepBy(-1, false); };
  $("next").onclick = function () { stepBy(1, false); };
  $("go").onclick = jumpTime;
  $("jt").addEventListener("keydown", function (ev) { if (ev.key === "Enter") jumpTime(); ev.stopPropagation(); });
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "ArrowRight") stepBy(1, ev.shiftKey);
    else if (ev.key === "ArrowLeft") stepBy(-1, ev.shiftKey);
    else if (ev.key === "Home") show(0);
    else if (ev.key === "End") show(N - 1);
    else if (ev.key === "Escape") { follow = -1; show(cur); }
    else return;
    ev.preventDefault();
  });
  // Self-test (#selftest=A,B,...): reach each step by key presses (forward
  // from the previous one; back with the left arrow when it is earlier) and
  // write what the page shows; play.py verify compares it with the snapshots.
  function press(key, shift) { document.dispatchEvent(new KeyboardEvent("keydown", {key: key, shiftKey: !!shift, bubbles: true})); }
  function selftest(list) {
    var out = $("selftest"), lines = [];
    show(0);
    list.forEach(function (k) {
      while (cur < k) { var before = cur; press("ArrowRight"); if (cur === before) break; }
      while (cur > k) { var b2 = cur; press("ArrowLeft"); if (cur === b2) break; }
      var ring = Array.prototype.map.call(document.querySelectorAll("#ring [data-slot]"), function (e) { return e.getAttribute("data-slot"); });
      var top = document.querySelector('#heap [data-pos="0"]');
      var hl = document.querySelector("#src .hl");
      lines.push("step=" + cur + " ring=" + (ring.join(",") || "-") +
                 " top=" + (top ? top.getAttribute("data-slot") + "@" + top.getAttribute("data-deadline") : "-") +
                 " line=" + (hl ? hl.getAttribute("data-line") : 0));
    });
    // A lane click follows its task: the cursor lands on one of its steps.
    var lane = document.querySelector("#tl .lane");
    if (lane) {
      lane.dispatchEvent(new MouseEvent("click", {bubbles: true}));
      var l = +lane.getAttribute("data-lane");
      if ((D.laneSteps[l] || []).indexOf(cur) < 0) lines.push("fail: a lane click did not jump to the lane's steps");
      var ls = D.laneSteps[l] || [], k = ls.indexOf(cur);
      press("ArrowRight", true);
      if (k >= 0 && k + 1 < ls.length && cur !== ls[k + 1]) lines.push("fail: shift+right did not go to the task's next step");
      press("Escape");
    }
    // Jump to a time: the first step at or after it.
    var last = D.steps[N - 1].t, want = Math.floor(last / 2);
    $("jt").value = (want / D.hz) + " s";
    $("go").click();
    if (D.steps[cur].t < want || (cur > 0 && D.steps[cur - 1].t >= want)) lines.push("fail: jump to " + want + " landed on step " + cur);
    lines.push("selftest done");
    out.textContent = lines.join("\n");
  }
  var m = /selftest=([0-9,]+)/.exec(location.hash);
  var s = /step=([0-9]+)/.exec(location.hash);
  if (m) selftest(m[1].split(",").map(Number));
  else show(s ? Math.min(N - 1, +s[1]) : 0);
  window.addEventListener("hashchange", function () {
    var h = /step=([0-9]+)/.exec(location.hash);
    if (h && +h[1] !== cur) show(Math.min(N - 1, +h[1]));
  });
})();
"""

INDEX = r"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>coro playground</title>
<style>body{font:15px/1.5 "DejaVu Sans",Helvetica,Arial,sans-serif;max-width:760px;margin:24px auto;color:#222}
a{color:#2f6fb5}.n{color:#888;font-size:13px}</style></head>
<body><h1>coro playground: watch the scheduler think</h1>
<p>One page per example: step through its run event by event and see the ready ring, the timer heap,
the wait queues, every task's state and the line it is parked on, and the timeline with a cursor.
Keys: left/right arrows step; click a timeline lane to follow a task (shift+arrows: only its steps).
Generated by <code>make playground</code> (tools/timeline/play.py) from traces on the virtual clock.</p>
<ul>
@ITEMS@
</ul></body></html>
"""


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sp = p.add_subparsers(dest="cmd", required=True)
    g = sp.add_parser("page")
    g.add_argument("trace")
    g.add_argument("snap")
    g.add_argument("--src", required=True)
    g.add_argument("--out", required=True)
    g.add_argument("--title")
    i = sp.add_parser("index")
    i.add_argument("--out", required=True)
    i.add_argument("pages", nargs="+")
    c = sp.add_parser("check")
    c.add_argument("trace")
    c.add_argument("snap")
    x = sp.add_parser("expect")
    x.add_argument("trace")
    x.add_argument("snap")
    x.add_argument("--steps", required=True)
    m = sp.add_parser("same")
    m.add_argument("a")
    m.add_argument("b")
    h = sp.add_parser("harness")
    h.add_argument("--out", required=True)
    h.add_argument("--dir", required=True)
    h.add_argument("names", nargs="+")
    v = sp.add_parser("verify")
    v.add_argument("dom")
    v.add_argument("--dir", required=True)
    v.add_argument("names", nargs="+")
    a = p.parse_args(argv)
    return {"page": page, "index": index, "check": check, "expect": expect, "same": same, "harness": harness,
            "verify": verify}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
