/* tools/timeline/recorder.c - the other half of trace.h: writes every
 * CORO_TRACE event of a run, with the loop's time, to a text file that
 * timeline.py turns into a Chrome trace (JSON) and an SVG timeline.
 *
 *   cc -DCORO_CLOCK=CORO_CLOCK_VIRTUAL -DCORO_DEBUG=1 -include tools/timeline/trace.h \
 *      examples/05_creating_tasks.c tools/timeline/recorder.c -o prog
 *   CORO_TRACE_FILE=run.trace ./prog          (default file: coro.trace)
 *
 * The file, one event a line:
 *   # coro-trace 1 tick_hz=<hz> max_tasks=<n> clock=<virtual|real>
 *   <tick> <ns> <event> <slot> <arg> [<name>]
 * tick is the loop's clock (virtual, or real ticks), ns the host's monotonic
 * time since the first event (what the run really cost), event one of the
 * names below (coro.h's CORO_TRACE_* in order), slot and arg as coro.h
 * documents them. A task's name follows its first event after it was named
 * (CORO_DEBUG: coro_spawn names it after its function).
 *
 * Snapshots (tools/timeline/play.py, the playground): with CORO_SNAP_FILE set,
 * after each event line the recorder writes the loop's whole state to that
 * file, one JSON object a line, in the same order as the events:
 *   {"i":<event index>,"t":<tick>,"now":<loop's now>,"cur":<running slot or -1>,
 *    "ring":[<slot>,...],              the ready ring, head first
 *    "heap":[[<slot>,<deadline>,<seq>],...],  the timer heap as its array
 *    "q":[[<address>,[<slot>,...]],...],    every non-empty wait queue, head first
 *                                   (address: as in the wait event of the trace)
 *    "s":[[<slot>,<state>,<flags>,<gen>,<awaiter>,<pending>,<hpos>,"<file>",<line>],...]}
 * s lists the slots in use (state: coro.h's CORO__FREE.. numbers; pending: the
 * count of a task awaiting tasks, else -1; file and line where the task is
 * suspended, with CORO_DEBUG). Slot numbers that mean "none" are -1.
 * trace.h measures the loop's layout in the program (with its knobs) and
 * passes it with the loop: the recorder reads the loop through it. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "trace.h"

static FILE *out;
static unsigned long long t0;
static const char *names[65536]; /* the last name written for each slot */

static const char *const event_names[] = {
    "spawn", "resume", "suspend", "sleep", "wait", "await", "wake", "cancel", "done",
    "call", "callback", "call_cancel", "idle"};

static unsigned long long ns_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

static FILE *snap;
static void finish(void)
{
    if (out)
        fclose(out);
    out = NULL;
    if (snap)
        fclose(snap);
    snap = NULL;
}

void coro_timeline_record(int event, unsigned id, unsigned long arg, unsigned long tick, const char *name,
                          int max_tasks, int tick_hz, int virtual_clock)
{
    if (!out) {
        const char *path = getenv("CORO_TRACE_FILE");
        out = fopen(path && *path ? path : "coro.trace", "w");
        if (!out) {
            perror("coro trace file");
            exit(2);
        }
        t0 = ns_now();
        fprintf(out, "# coro-trace 1 tick_hz=%d max_tasks=%d clock=%s\n", tick_hz, max_tasks,
                virtual_clock ? "virtual" : "real");
        atexit(finish);
    }
    if (id < sizeof names / sizeof names[0]) {
        if (event == 0) /* spawn: a new task in this slot */
            names[id] = NULL;
        if (name == names[id])
            name = NULL;
        else
            names[id] = name;
    }
    if (event >= 0 && (size_t)event < sizeof event_names / sizeof event_names[0])
        fprintf(out, "%lu %llu %s %u %lu%s%s\n", tick, ns_now() - t0, event_names[event], id, arg,
                name ? " " : "", name ? name : "");
}

/* ---- snapshots -------------------------------------------------------------- */
static int snap_off;           /* no CORO_SNAP_FILE: nothing to do */
static unsigned long snap_i;   /* events seen (the index of the next one) */

static unsigned long long rd(const void *p, int size)
{
    unsigned char b1;
    unsigned short b2;
    unsigned int b4;
    unsigned long long b8;
    switch (size) {
    case 1: memcpy(&b1, p, 1); return b1;
    case 2: memcpy(&b2, p, 2); return b2;
    case 4: memcpy(&b4, p, 4); return b4;
    case 8: memcpy(&b8, p, 8); return b8;
    default: return 0;
    }
}

/* A slot index as stored (coro_index): all ones means none, -1 here. */
static long as_index(const struct coro_timeline_layout *ly, unsigned long long v)
{
    unsigned long long none = ly->index_size >= 8 ? ~0ull : (1ull << (8 * ly->index_size)) - 1;
    return v == none ? -1 : (long)v;
}

static const unsigned char *slot_at(const void *loop, const struct coro_timeline_layout *ly, long id)
{
    return (const unsigned char *)loop + ly->l_slot + (size_t)id * (size_t)ly->slot_size;
}

static long slot_index_field(const void *loop, const struct coro_timeline_layout *ly, long id, int off)
{
    return as_index(ly, rd(slot_at(loop, ly, id) + off, ly->index_size));
}

/* The two readers of the wait-queue representation (adapt them, and only
 * them, if it changes). The tail of queue q, -1 if empty: the empty value is
 * whatever CORO_WAITQ_INIT stores (trace.h passes one); if that is 0, a
 * non-empty tail is stored as slot + 1, otherwise as the slot itself. */
static long waitq_tail(const struct coro_timeline_layout *ly, const void *q)
{
    unsigned long long t = rd(q, ly->index_size), empty = rd(ly->empty_waitq, ly->index_size);
    if (t == empty)
        return -1;
    return empty == 0 ? (long)t - 1 : (long)t;
}

/* The next slot after id in the circular list of the queue it waits on. */
static long waitq_next(const void *loop, const struct coro_timeline_layout *ly, long id)
{
    return slot_index_field(loop, ly, id, ly->s_next);
}

static void put_str(const char *s)
{
    fputc('"', snap);
    for (; s && *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', snap);
        if ((unsigned char)*s >= 32)
            fputc(*s, snap);
    }
    fputc('"', snap);
}

enum { ST_FREE, ST_READY, ST_SLEEP, ST_WAITQ, ST_WAITTASKS, ST_DONE, ST_DEADCB, ST_WAITQ_SHIELD };

void coro_timeline_snapshot(const void *loop, const struct coro_timeline_layout *ly, unsigned long tick)
{
    const unsigned char *L = (const unsigned char *)loop;
    const void *queues[256];
    int nq = 0, k;
    long i, n, head, hlen;
    const char *sep;
    if (snap_off)
        return;
    if (!snap) {
        const char *path = getenv("CORO_SNAP_FILE");
        if (!path || !*path) {
            snap_off = 1;
            return;
        }
        snap = fopen(path, "w");
        if (!snap) {
            perror("coro snapshot file");
            exit(2);
        }
    }
    fprintf(snap, "{\"i\":%lu,\"t\":%lu,\"now\":%llu,\"cur\":%ld,\"ring\":[", snap_i++, tick,
            rd(L + ly->l_now, ly->tick_size), as_index(ly, rd(L + ly->l_current, ly->index_size)));
    head = (long)rd(L + ly->l_rhead, ly->index_size);
    n = (long)((rd(L + ly->l_rtail, ly->index_size) - (unsigned long long)head) &
               (ly->index_size >= 8 ? ~0ull : (1ull << (8 * ly->index_size)) - 1));
    for (i = 0; i < n && i < ly->ring; i++)
        fprintf(snap, "%s%ld", i ? "," : "",
                as_index(ly, rd(L + ly->l_ring + (size_t)((head + i) & (ly->ring - 1)) * (size_t)ly->index_size,
                                ly->index_size)));
    fputs("],\"heap\":[", snap);
    hlen = (long)rd(L + ly->l_hlen, ly->index_size);
    for (i = 0; i < hlen && i < ly->slots; i++) {
        const unsigned char *e = L + ly->l_heap + (size_t)i * (size_t)ly->h_size; /* a coro__timer */
        long id = as_index(ly, rd(e + ly->h_id, ly->index_size));
        unsigned long long dl = rd(e + ly->h_deadline, ly->tick_size);
        if (ly->l_tbase >= 0) /* an offset from the loop's tbase */
            dl = (dl + rd(L + ly->l_tbase, ly->tick_size)) &
                 (ly->tick_size >= 8 ? ~0ull : (1ull << (8 * ly->tick_size)) - 1);
        fprintf(snap, "%s[%ld,%llu,%llu]", i ? "," : "", id, dl, rd(e + ly->h_seq, ly->seq_size));
    }
    fputs("],\"q\":[", snap);
    sep = "";
    for (i = 0; i < ly->max_tasks; i++) {
        const unsigned char *s = slot_at(loop, ly, i);
        int st = (int)rd(s + ly->s_state, 1);
        const void *q;
        long t, j, count;
        if (st != ST_WAITQ && st != ST_WAITQ_SHIELD)
            continue;
        memcpy(&q, s + ly->s_on, sizeof q);
        for (k = 0; k < nq && queues[k] != q; k++) {
        }
        if (k < nq || nq == (int)(sizeof queues / sizeof queues[0]))
            continue;
        queues[nq++] = q;
        fprintf(snap, "%s[%lu,[", sep, (unsigned long)(uintptr_t)q);
        sep = ",";
        t = waitq_tail(ly, q);
        if (t >= 0 && t < ly->max_tasks) {
            j = waitq_next(loop, ly, t);
            for (count = 0; j >= 0 && j < ly->max_tasks && count < ly->max_tasks; count++) {
                fprintf(snap, "%s%ld", count ? "," : "", j);
                if (j == t)
                    break;
                j = waitq_next(loop, ly, j);
            }
        }
        fputs("]]", snap);
    }
    fputs("],\"s\":[", snap);
    sep = "";
    for (i = 0; i < ly->slots; i++) {
        const unsigned char *s = slot_at(loop, ly, i);
        int st = (int)rd(s + ly->s_state, 1);
        const char *file = NULL;
        unsigned long line = 0;
        long pending = -1;
        if (st == ST_FREE || (i >= ly->max_tasks && st != ST_READY && st != ST_SLEEP && st != ST_DEADCB))
            continue;
        if (st == ST_WAITTASKS)
            pending = as_index(ly, rd(s + ly->s_on, ly->index_size));
        if (ly->s_file >= 0) {
            memcpy(&file, s + ly->s_file, sizeof file);
            line = (unsigned long)rd(s + ly->s_line, ly->line_size);
        }
        fprintf(snap, "%s[%ld,%d,%d,%d,%ld,%ld,%ld,", sep, i, st, (int)rd(s + ly->s_flags, 1), (int)rd(s + ly->s_gen, 1),
                slot_index_field(loop, ly, i, ly->s_awaiter), pending, slot_index_field(loop, ly, i, ly->s_hpos));
        put_str(file);
        fprintf(snap, ",%lu]", line);
        sep = ",";
    }
    fputs("]}\n", snap);
}
