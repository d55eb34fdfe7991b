/* tools/timeline/trace.h - force-included (cc -include) into a program built
 * for the timeline tool: it turns coro.h's CORO_TRACE hook on and sends every
 * event to the recorder (recorder.c, linked with the program). The hook is
 * expanded inside coro.h, where the program's own knobs are in effect, so it
 * passes them along: the recorder itself depends on no knob. With CORO_DEBUG
 * it also passes the task's name (a tool may read the slot). */
#ifndef CORO_TIMELINE_TRACE_H
#define CORO_TIMELINE_TRACE_H
#ifdef __cplusplus
extern "C"
#endif
void coro_timeline_record(int event, unsigned id, unsigned long arg, unsigned long tick, const char *name,
                          int max_tasks, int tick_hz, int virtual_clock);
#if defined(CORO_DEBUG) && CORO_DEBUG
#define CORO_TIMELINE__NAME(loop, id) ((id) < CORO_MAX_TASKS ? (loop)->slot[(id)].name : (const char *)0)
#else
#define CORO_TIMELINE__NAME(loop, id) ((const char *)0)
#endif
#define CORO_TRACE(loop, event, id, arg)                                                             \
    coro_timeline_record((event), (id), (arg), (unsigned long)coro_clock(), CORO_TIMELINE__NAME(loop, id), \
                         CORO_MAX_TASKS, CORO_TICK_HZ, CORO_CLOCK == CORO_CLOCK_VIRTUAL)
#endif
