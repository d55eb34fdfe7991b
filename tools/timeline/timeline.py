#!/usr/bin/env python3
"""timeline.py - turn a coro trace (tools/timeline/recorder.c) into pictures.

  timeline.py render RUN.trace --json RUN.json --svg RUN.svg [--title T] [--time virtual|real]
      a Chrome trace-event file (open it in https://ui.perfetto.dev or
      chrome://tracing) and a self-contained SVG timeline: one lane per task,
      its running steps, sleeps and waits, wake arrows, time on the axis.
  timeline.py check RUN.trace RUN.json
      the JSON is valid and consistent: every begin has its end on the same
      lane, in time order; one lane per task spawned (plus the loop's lane).
  timeline.py check-png SHOT.png [--min-fraction F]
      a PNG (a browser's screenshot of the SVG) is not blank: its size, and
      at least F of its pixels are not white.

On the virtual clock a task's step takes no time at all, so the SVG spreads
the steps of one instant side by side inside a shaded band ("one instant"),
and draws the time between instants to scale; the axis is in the loop's time.
With --time real the x axis is the host's real time (ns) of the run.
Only the Python standard library is used.
"""
import argparse
import json
import struct
import sys
import zlib
from xml.sax.saxutils import escape


PALETTE = ["#2f6fb5", "#d9822b", "#3a9a4a", "#c9a227", "#7d55b5", "#2a9d9d", "#b5568f",
           "#6b7b2a", "#8c6239", "#4a5ab5"]
STATE_STYLE = {  # kind: (label, colour, dashed)
    "sleep": ("sleeping", "#9fc3e6", False),
    "waitq": ("waiting on a queue / lock / event", "#f0b77a", False),
    "tasks": ("awaiting tasks", "#c3a6e6", False),
    "ready": ("ready, not yet running", "#9a9a9a", True),
}
SUSPEND_KIND = {1: "ready", 2: "sleep", 3: "waitq", 4: "tasks"}


class Ev:
    __slots__ = ("i", "tick", "ns", "ev", "id", "arg", "name", "lane", "x", "ts")

    def __init__(self, i, tick, ns, ev, sid, arg, name):
        self.i, self.tick, self.ns, self.ev, self.id, self.arg, self.name = i, tick, ns, ev, sid, arg, name
        self.lane = None
        self.x = 0.0
        self.ts = 0.0


class Lane:
    def __init__(self, index, slot, name):
        self.index, self.slot, self.name = index, slot, name
        self.named = False
        self.runs = []     # (start ev, end ev, how it ended)
        self.states = []   # (kind, start ev, end ev)
        self.marks = []    # (kind, ev)


def parse(path):
    head = {}
    events = []
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            if line.startswith("#"):
                for w in line[1:].split():
                    if "=" in w:
                        k, v = w.split("=", 1)
                        head[k] = v
                continue
            parts = line.split(" ", 5)
            name = parts[5] if len(parts) > 5 else None
            events.append(Ev(len(events), int(parts[0]), int(parts[1]), parts[2], int(parts[3]),
                             int(parts[4]), name))
    head.setdefault("tick_hz", "1000")
    head.setdefault("max_tasks", "8")
    return head, events


def build(head, events):
    """Lanes and what happens on them, from the event stream."""
    max_tasks = int(head["max_tasks"])
    loop = Lane(0, None, "loop (timers, callbacks)")
    lanes = [loop]
    cur = {}          # slot -> its lane now
    running = {}      # lane -> resume event
    state = {}        # lane -> (kind, start event)
    wakes = []        # (waker lane, woken lane, wake event)
    spawns = []       # (creator lane, new lane, event)
    cancels = []      # (canceller lane, target lane, event)
    callbacks = []    # callback events on the loop lane
    in_cb = False     # a callback is running: wakes come from it

    def lane_of(slot):
        if slot >= max_tasks:
            return loop
        return cur.get(slot, loop)

    for e in events:
        if e.ev == "spawn":
            ln = Lane(len(lanes), e.id, None)
            lanes.append(ln)
            cur[e.id] = ln
            e.lane = ln
            spawns.append((lane_of(e.arg) if e.arg < max_tasks else loop, ln, e))
            state[ln] = ("ready", e)
        else:
            e.lane = lane_of(e.id)
        ln = e.lane
        if e.name and ln is not loop:
            ln.name = e.name
        if e.ev == "resume":
            in_cb = False
            if ln in state:
                k, s = state.pop(ln)
                ln.states.append((k, s, e))
            running[ln] = e
        elif e.ev in ("suspend", "done"):
            s = running.pop(ln, None)
            if s is not None:
                ln.runs.append((s, e, e.ev))
            if e.ev == "suspend":
                state[ln] = (SUSPEND_KIND.get(e.arg, "ready"), e)
            else:
                if ln in state:
                    k, s2 = state.pop(ln)
                    ln.states.append((k, s2, e))
                ln.marks.append(("done", e))
        elif e.ev == "wake" and e.id < max_tasks:
            if ln in state and state[ln][0] != "ready":
                k, s = state.pop(ln)
                ln.states.append((k, s, e))
                state[ln] = ("ready", e)
            if e.arg < max_tasks:
                waker = lane_of(e.arg)
            else:
                waker = loop
            wakes.append((waker, ln, e, "callback" if (in_cb and e.arg >= max_tasks) else
                          ("timer" if e.arg >= max_tasks else "task")))
        elif e.ev == "cancel":
            cancels.append((lane_of(e.arg) if e.arg < max_tasks else loop, ln, e))
            ln.marks.append(("cancel", e))
        elif e.ev == "callback":
            in_cb = True
            callbacks.append(e)
        elif e.ev == "idle":
            in_cb = False
    last = events[-1] if events else None
    for ln, s in list(running.items()):
        ln.runs.append((s, last, "open"))
    for ln, (k, s) in list(state.items()):
        ln.states.append((k, s, last))
    # Names: the root task is "main"; same names get their slot appended.
    for ln in lanes[1:]:
        if ln.name is None:
            ln.name = "main" if ln is lanes[1] else "task %d" % ln.slot
    seen = {}
    for ln in lanes[1:]:
        seen.setdefault(ln.name, []).append(ln)
    for name, group in seen.items():
        if len(group) > 1:
            for ln in group:
                ln.name = "%s #%d" % (name, ln.slot)
    return dict(lanes=lanes, wakes=wakes, spawns=spawns, cancels=cancels, callbacks=callbacks)


def layout(head, events, mode, idle_width=760.0, step_w=16.0):
    """x of every event (SVG units) and ts (microseconds, for the JSON)."""
    hz = int(head["tick_hz"])
    bands = []  # (tick, x0, x1): the steps of one instant
    if not events:
        return bands, (lambda v: 0.0), 0.0
    if mode == "real":
        span = max(1, events[-1].ns - events[0].ns)
        scale = idle_width * 1.5 / span
        for e in events:
            e.x = (e.ns - events[0].ns) * scale
            e.ts = e.ns / 1000.0
        return bands, (lambda v: (v - events[0].ns) * scale), e.x
    t0, t1 = events[0].tick, events[-1].tick
    scale = idle_width / (t1 - t0) if t1 > t0 else 0.0
    x = 0.0
    tick = events[0].tick
    band_start = 0.0
    run_start = None
    ts_prev = -1.0
    for e in events:
        if e.tick != tick:
            bands.append((tick, band_start, x))
            x += max(10.0, (e.tick - tick) * scale)
            tick = e.tick
            band_start = x
        if e.ev == "resume":
            run_start = x
            e.x = x
            x += 3.0
        elif e.ev in ("suspend", "done"):
            e.x = max(x, (run_start if run_start is not None else x) + step_w)
            x = e.x + 3.0
            run_start = None
        elif e.ev == "callback":
            e.x = x
            x += step_w * 0.6
        else:
            e.x = x
            if e.ev in ("wake", "spawn", "cancel"):
                x += 2.0
        # JSON time: the tick in microseconds, nudged forward to stay strictly ordered.
        ts = e.tick * 1e6 / hz
        e.ts = ts if ts > ts_prev else ts_prev + 1.0
        ts_prev = e.ts
    bands.append((tick, band_start, x))

    def tick_x(v):
        if v <= bands[0][0]:
            return bands[0][1]
        for (ta, _, xa1), (tb, xb0, _) in zip(bands, bands[1:]):
            if v == ta:
                return bands[[b[0] for b in bands].index(ta)][1]
            if ta < v < tb:
                return xa1 + (xb0 - xa1) * (v - ta) / (tb - ta)
        return bands[-1][1] if v == bands[-1][0] else bands[-1][2]
    return bands, tick_x, x


def nice_step(total, want=10):
    if total <= 0:
        return 1
    raw = total / want
    p = 1
    while p * 10 <= raw:
        p *= 10
    for m in (1, 2, 5, 10):
        if p * m >= raw:
            return p * m
    return p * 10


def fmt_time(ticks, hz):
    s = ticks / hz
    if s == int(s):
        return "%d s" % s
    if s >= 1:
        return ("%.3f" % s).rstrip("0") + " s"
    return ("%g" % (s * 1000)) + " ms"


def render_svg(head, events, model, bands, tick_x, width_units, title, mode):
    hz = int(head["tick_hz"])
    lanes = model["lanes"]
    left, top, lane_h = 170.0, 56.0, 36.0
    plot_w = max(width_units, 1.0)
    W = max(left + plot_w + 30.0, 940.0)
    legend_h = 64.0
    H = top + lane_h * len(lanes) + 40.0 + legend_h
    o = []
    add = o.append
    add('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" '
        'font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12">' % (W, H, W, H))
    add('<title>%s</title>' % escape(title))
    add('<defs><marker id="ah" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L8,4 L0,8 z" fill="#333"/></marker>'
        '<marker id="ahg" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="6" markerHeight="6" '
        'orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#9a9a9a"/></marker>'
        '<marker id="ahr" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" '
        'orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#c0392b"/></marker></defs>')
    add('<rect x="0" y="0" width="%d" height="%d" fill="#ffffff"/>' % (W, H))
    add('<text x="14" y="24" font-size="16" font-weight="bold" fill="#222">%s</text>' % escape(title))
    sub = ("time: the loop's %s clock; the steps of one instant are spread out in the grey bands"
           % head.get("clock", "virtual")) if mode == "virtual" else "time: the host's real time of the run"
    add('<text x="14" y="42" fill="#666">%s</text>' % escape(sub))

    def X(v):
        return left + v

    def Y(lane):
        return top + lane.index * lane_h + lane_h / 2

    # Lanes and instant bands.
    for ln in lanes:
        y0 = top + ln.index * lane_h
        if ln.index % 2 == 0:
            add('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#f7f7f7"/>' % (0, y0, W, lane_h))
        add('<text x="14" y="%.1f" fill="#222">%s</text>' % (y0 + lane_h / 2 + 4, escape(ln.name)))
    for (t, x0, x1) in bands:
        if x1 - x0 > 1:
            add('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#e6e6e6" opacity="0.7"/>'
                % (X(x0) - 2, top, x1 - x0 + 4, lane_h * len(lanes)))
    # Axis.
    ay = top + lane_h * len(lanes) + 6
    add('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#444"/>' % (X(0), ay, X(plot_w), ay))
    if mode == "virtual" and events:
        t0, t1 = events[0].tick, events[-1].tick
        step = nice_step(t1 - t0)
        v = (t0 // step) * step
        last_x = -1e9
        while v <= t1:
            if v >= t0:
                x = X(tick_x(v))
                add('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#444"/>' % (x, ay, x, ay + 5))
                if x - last_x > 38:
                    add('<text x="%.1f" y="%.1f" text-anchor="middle" fill="#444">%s</text>'
                        % (x, ay + 18, fmt_time(v, hz)))
                    last_x = x
                add('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#ccc" stroke-dasharray="2,3"/>'
                    % (x, top, x, ay))
            v += step
    elif events:
        span_ns = events[-1].ns - events[0].ns
        step = nice_step(span_ns)
        v = 0
        while v <= span_ns:
            x = X(tick_x(events[0].ns + v))
            add('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#444"/>' % (x, ay, x, ay + 5))
            add('<text x="%.1f" y="%.1f" text-anchor="middle" fill="#444">%g us</text>' % (x, ay + 18, v / 1000.0))
            v += step
    # States (under the runs).
    for ln in lanes[1:]:
        y = Y(ln)
        for kind, s, e in ln.states:
            label, col, dashed = STATE_STYLE[kind]
            x0, x1 = X(s.x), X(e.x)
            if dashed:
                add('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="1.5" '
                    'stroke-dasharray="3,2"/>' % (x0, y, x1, y, col))
            else:
                add('<rect x="%.1f" y="%.1f" width="%.1f" height="8" rx="2" fill="%s"><title>%s: %s</title></rect>'
                    % (x0, y - 4, max(1.0, x1 - x0), col, escape(ln.name), escape(label)))
    # Running steps.
    for ln in lanes[1:]:
        y = Y(ln)
        col = PALETTE[(ln.index - 1) % len(PALETTE)]
        for s, e, how in ln.runs:
            x0, x1 = X(s.x), X(e.x)
            add('<rect x="%.1f" y="%.1f" width="%.1f" height="18" rx="2" fill="%s"><title>%s runs at %s</title></rect>'
                % (x0, y - 9, max(1.5, x1 - x0), col, escape(ln.name), fmt_time(s.tick, hz)))
    # Callbacks on the loop lane.
    y = Y(lanes[0])
    for e in model["callbacks"]:
        x = X(e.x)
        add('<path d="M%.1f,%.1f l5,-6 l5,6 l-5,6 z" fill="#555"><title>callback %d</title></path>' % (x, y, e.id))
    # Spawn arrows (grey, dashed), wake arrows (black; from timers: grey), cancels (red).
    for a, b, e in model["spawns"]:
        if a is b:
            continue
        add('<path d="M%.1f,%.1f L%.1f,%.1f" stroke="#9a9a9a" stroke-dasharray="4,3" fill="none" '
            'marker-end="url(#ahg)"/>' % (X(e.x), Y(a), X(e.x), Y(b) - (9 if Y(b) > Y(a) else -9)))
    for a, b, e, why in model["wakes"]:
        nxt = next((r for r in b.runs if r[0].i > e.i), None)
        x1 = X(nxt[0].x) if nxt else X(e.x)
        y0, y1 = Y(a), Y(b)
        dy = -9 if y1 > y0 else 9
        if why == "task":
            add('<path d="M%.1f,%.1f C%.1f,%.1f %.1f,%.1f %.1f,%.1f" stroke="#333" stroke-width="1.2" fill="none" '
                'marker-end="url(#ah)"><title>%s wakes %s</title></path>'
                % (X(e.x), y0, X(e.x), (y0 + y1) / 2, x1, (y0 + y1) / 2, x1, y1 + dy,
                   escape(a.name), escape(b.name)))
        else:
            add('<path d="M%.1f,%.1f L%.1f,%.1f" stroke="#b0b0b0" stroke-width="1" fill="none" '
                'marker-end="url(#ahg)"><title>%s wakes %s</title></path>'
                % (X(e.x), y0 + 6, x1, y1 + dy, "a timer" if why == "timer" else "a callback", escape(b.name)))
    for a, b, e in model["cancels"]:
        x = X(e.x)
        if a is not b:
            add('<path d="M%.1f,%.1f L%.1f,%.1f" stroke="#c0392b" stroke-width="1.2" fill="none" '
                'marker-end="url(#ahr)"/>' % (x, Y(a), x, Y(b) + (-10 if Y(b) > Y(a) else 10)))
        add('<text x="%.1f" y="%.1f" fill="#c0392b" font-weight="bold" text-anchor="middle">x</text>'
            % (x, Y(b) - 12))
    for ln in lanes[1:]:
        for kind, e in ln.marks:
            if kind == "done":
                ok = e.arg == 0
                add('<circle cx="%.1f" cy="%.1f" r="4" fill="%s" stroke="#222"><title>%s ends: status %d</title></circle>'
                    % (X(e.x) + 2, Y(ln), "#ffffff" if ok else "#c0392b", escape(ln.name), e.arg))
    # Legend.
    ly = ay + 34
    items = [("run", PALETTE[0], "rect18")] + [(v[0], v[1], "dash" if v[2] else "rect8") for k, v in STATE_STYLE.items()]
    lx = 14.0
    for label, col, kind in items:
        if kind == "rect18":
            add('<rect x="%.1f" y="%.1f" width="16" height="12" rx="2" fill="%s"/>' % (lx, ly - 9, col))
            label = "running (one step, until its next await)"
        elif kind == "rect8":
            add('<rect x="%.1f" y="%.1f" width="16" height="8" rx="2" fill="%s"/>' % (lx, ly - 7, col))
        else:
            add('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="1.5" stroke-dasharray="3,2"/>'
                % (lx, ly - 3, lx + 16, ly - 3, col))
        add('<text x="%.1f" y="%.1f" fill="#333">%s</text>' % (lx + 22, ly, escape(label)))
        lx += 30 + 6.6 * len(label)
    ly += 22
    add('<path d="M14,%.1f L44,%.1f" stroke="#333" marker-end="url(#ah)"/>' % (ly - 4, ly - 4))
    add('<text x="52" y="%.1f" fill="#333">a task wakes another</text>' % ly)
    add('<path d="M200,%.1f L230,%.1f" stroke="#b0b0b0" marker-end="url(#ahg)"/>' % (ly - 4, ly - 4))
    add('<text x="238" y="%.1f" fill="#333">a timer or callback wakes it</text>' % ly)
    add('<path d="M430,%.1f l5,-6 l5,6 l-5,6 z" fill="#555"/>' % (ly - 4))
    add('<text x="446" y="%.1f" fill="#333">callback</text>' % ly)
    add('<text x="520" y="%.1f" fill="#c0392b" font-weight="bold">x</text>' % ly)
    add('<text x="532" y="%.1f" fill="#333">cancel</text>' % ly)
    add('<circle cx="594" cy="%.1f" r="4" fill="#fff" stroke="#222"/>' % (ly - 4))
    add('<text x="604" y="%.1f" fill="#333">task ends (red: with an error)</text>' % ly)
    add('</svg>')
    return "\n".join(o) + "\n"


def chrome_json(head, events, model, title):
    lanes = model["lanes"]
    out = [{"ph": "M", "name": "process_name", "pid": 1, "tid": 0, "args": {"name": title}}]
    for ln in lanes:
        out.append({"ph": "M", "name": "thread_name", "pid": 1, "tid": ln.index, "args": {"name": ln.name}})
        out.append({"ph": "M", "name": "thread_sort_index", "pid": 1, "tid": ln.index, "args": {"sort_index": ln.index}})
    spans = []  # (ts, order, event): ends before begins at one ts on one lane
    for ln in lanes[1:]:
        for kind, s, e in ln.states:
            name = STATE_STYLE[kind][0]
            spans.append((s.ts, s.i, 1, {"ph": "B", "name": name, "cat": "state", "pid": 1, "tid": ln.index, "ts": s.ts}))
            spans.append((e.ts, e.i, 0, {"ph": "E", "name": name, "cat": "state", "pid": 1, "tid": ln.index, "ts": e.ts}))
        for s, e, how in ln.runs:
            spans.append((s.ts, s.i, 2, {"ph": "B", "name": "run", "cat": "run", "pid": 1, "tid": ln.index, "ts": s.ts,
                                         "args": {"tick": s.tick}}))
            spans.append((e.ts, e.i, -1, {"ph": "E", "name": "run", "cat": "run", "pid": 1, "tid": ln.index, "ts": e.ts,
                                          "args": {"ended": how}}))
    for e in model["callbacks"]:
        spans.append((e.ts, e.i, 1, {"ph": "B", "name": "callback", "cat": "callback", "pid": 1, "tid": 0, "ts": e.ts}))
        spans.append((e.ts + 0.5, e.i, 0, {"ph": "E", "name": "callback", "cat": "callback", "pid": 1, "tid": 0,
                                           "ts": e.ts + 0.5}))
    spans.sort(key=lambda t: (t[0], t[3]["tid"], t[2], t[1]))
    out += [t[3] for t in spans]
    flow = 0
    for a, b, e, why in model["wakes"]:
        out.append({"ph": "i", "s": "t", "name": "woken by " + (a.name if why == "task" else why), "cat": "wake",
                    "pid": 1, "tid": b.index, "ts": e.ts})
        nxt = next((r for r in b.runs if r[0].i > e.i), None)
        if why == "task" and nxt is not None and a is not b:
            flow += 1
            out.append({"ph": "s", "id": flow, "name": "wake", "cat": "wake", "pid": 1, "tid": a.index, "ts": e.ts})
            out.append({"ph": "f", "bp": "e", "id": flow, "name": "wake", "cat": "wake", "pid": 1, "tid": b.index,
                        "ts": nxt[0].ts})
    for a, b, e in model["spawns"]:
        out.append({"ph": "i", "s": "t", "name": "spawned by " + a.name, "cat": "spawn", "pid": 1, "tid": b.index, "ts": e.ts})
    for a, b, e in model["cancels"]:
        out.append({"ph": "i", "s": "t", "name": "cancelled by " + a.name, "cat": "cancel", "pid": 1, "tid": b.index,
                    "ts": e.ts})
    for ln in lanes[1:]:
        for kind, e in ln.marks:
            if kind == "done":
                out.append({"ph": "i", "s": "t", "name": "done", "cat": "done", "pid": 1, "tid": ln.index, "ts": e.ts,
                            "args": {"status": e.arg}})
    return {"traceEvents": out, "displayTimeUnit": "ms",
            "otherData": {"title": title, "tick_hz": head["tick_hz"], "clock": head.get("clock", "")}}


def cmd_render(a):
    head, events = parse(a.trace)
    model = build(head, events)
    bands, tick_x, width = layout(head, events, a.time)
    title = a.title or a.trace
    if a.json:
        with open(a.json, "w") as f:
            json.dump(chrome_json(head, events, model, title), f, indent=0)
            f.write("\n")
    if a.svg:
        with open(a.svg, "w") as f:
            f.write(render_svg(head, events, model, bands, tick_x, width, title, a.time))
    return 0


def cmd_check(a):
    head, events = parse(a.trace)
    with open(a.json) as f:
        doc = json.load(f)
    errs = []
    evs = doc.get("traceEvents")
    if not isinstance(evs, list) or not evs:
        errs.append("no traceEvents")
        evs = []
    names = {}
    stacks = {}
    last_ts = {}
    for e in evs:
        for k in ("ph", "pid", "tid"):
            if k not in e:
                errs.append("event without %s: %r" % (k, e))
        ph = e.get("ph")
        tid = e.get("tid")
        if ph == "M":
            if e.get("name") == "thread_name":
                names[tid] = e["args"]["name"]
            continue
        ts = e.get("ts")
        if not isinstance(ts, (int, float)):
            errs.append("event without a numeric ts: %r" % e)
            continue
        if ph in ("B", "E"):
            if ts < last_ts.get(tid, -1e300):
                errs.append("lane %s goes back in time at %r" % (tid, e))
            last_ts[tid] = ts
            st = stacks.setdefault(tid, [])
            if ph == "B":
                st.append(e["name"])
            elif not st:
                errs.append("end without begin on lane %s: %r" % (tid, e))
            elif st[-1] != e["name"]:
                errs.append("end %s does not match begin %s on lane %s" % (e["name"], st[-1], tid))
            else:
                st.pop()
    for tid, st in stacks.items():
        if st:
            errs.append("lane %s: %d begins without an end (%s)" % (tid, len(st), ", ".join(st)))
    spawned = sum(1 for e in events if e.ev == "spawn")
    task_lanes = [t for t in names if t != 0]
    if len(task_lanes) != spawned:
        errs.append("%d task lanes for %d tasks spawned" % (len(task_lanes), spawned))
    for tid in stacks:
        if tid not in names:
            errs.append("events on lane %s, which has no name" % tid)
    runs = sum(1 for e in evs if e.get("ph") == "B" and e.get("name") == "run")
    resumes = sum(1 for e in events if e.ev == "resume")
    if runs != resumes:
        errs.append("%d run spans for %d task steps" % (runs, resumes))
    for m in errs:
        print("check: %s: %s" % (a.json, m))
    if not errs:
        print("check: %s: %d events, %d task lanes, %d steps, every begin has its end"
              % (a.json, len(evs), len(task_lanes), runs))
    return 1 if errs else 0


def png_pixels(path):
    """Width, height and rows of RGB(A) tuples of a non-interlaced 8-bit PNG."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat = 8, b""
    w = h = depth = ctype = interlace = None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    if depth != 8 or ctype not in (0, 2, 4, 6) or interlace:
        raise ValueError("unsupported PNG (depth %s, colour type %s, interlace %s)" % (depth, ctype, interlace))
    bpp = {0: 1, 2: 3, 4: 2, 6: 4}[ctype]
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev, p = [], bytearray(stride), 0
    for _ in range(h):
        f = raw[p]
        line = bytearray(raw[p + 1:p + 1 + stride])
        p += 1 + stride
        for i in range(stride):
            a_ = line[i - bpp] if i >= bpp else 0
            b_ = prev[i]
            c_ = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a_) & 255
            elif f == 2:
                line[i] = (line[i] + b_) & 255
            elif f == 3:
                line[i] = (line[i] + ((a_ + b_) >> 1)) & 255
            elif f == 4:
                pa, pb, pc = abs(b_ - c_), abs(a_ - c_), abs(a_ + b_ - 2 * c_)
                pr = a_ if pa <= pb and pa <= pc else (b_ if pb <= pc else c_)
                line[i] = (line[i] + pr) & 255
        rows.append(line)
        prev = line
    return w, h, bpp, rows


def cmd_check_png(a):
    w, h, bpp, rows = png_pixels(a.png)
    total = w * h
    colour = 0
    nonwhite = 0
    for line in rows:
        for x in range(0, len(line), bpp):
            px = line[x:x + min(bpp, 3)]
            if min(px) < 235:
                nonwhite += 1
            if bpp >= 3 and max(px) - min(px) > 40:
                colour += 1
    frac = nonwhite / total if total else 0.0
    ok = w >= 100 and h >= 100 and frac >= a.min_fraction and (bpp < 3 or colour > 0)
    print("check-png: %s: %dx%d, %.1f%% of the pixels not white, %d coloured: %s"
          % (a.png, w, h, 100 * frac, colour, "ok" if ok else "BLANK OR TOO EMPTY"))
    return 0 if ok else 1


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sp = p.add_subparsers(dest="cmd", required=True)
    r = sp.add_parser("render")
    r.add_argument("trace")
    r.add_argument("--json")
    r.add_argument("--svg")
    r.add_argument("--title")
    r.add_argument("--time", choices=("virtual", "real"), default="virtual")
    c = sp.add_parser("check")
    c.add_argument("trace")
    c.add_argument("json")
    g = sp.add_parser("check-png")
    g.add_argument("png")
    g.add_argument("--min-fraction", type=float, default=0.02)
    a = p.parse_args(argv)
    return {"render": cmd_render, "check": cmd_check, "check-png": cmd_check_png}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
