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
 * (CORO_DEBUG: coro_spawn names it after its function). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

void coro_timeline_record(int event, unsigned id, unsigned long arg, unsigned long tick, const char *name,
                          int max_tasks, int tick_hz, int virtual_clock);

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

static void finish(void)
{
    if (out)
        fclose(out);
    out = NULL;
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
