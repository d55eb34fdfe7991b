/* tools/timeline/trace.h - force-included (cc -include) into a program built
 * for the timeline tool: it turns coro.h's CORO_TRACE hook on and sends every
 * event to the recorder (recorder.c, linked with the program). The hook is
 * expanded inside coro.h, where the program's own knobs are in effect, so it
 * passes them along: the recorder itself depends on no knob. With CORO_DEBUG
 * it also passes the task's name (a tool may read the slot).
 *
 * Snapshots (the playground, issue 17): the hook also hands the recorder the
 * loop and a description of its layout (field offsets and sizes, measured
 * here with the program's knobs), so that the recorder can write the loop's
 * whole state after each event (CORO_SNAP_FILE) without being built with
 * those knobs. coro.h is unchanged; the layout is a constant per hook site. */
#ifndef CORO_TIMELINE_TRACE_H
#define CORO_TIMELINE_TRACE_H
#include <stddef.h>
#ifdef __cplusplus
extern "C" {
#endif
/* Offsets and sizes of what the recorder reads, in bytes; -1: not there. */
struct coro_timeline_layout {
    int slots, max_tasks, ring, index_size, tick_size, slot_size;
    int s_on, h_deadline, h_seq, seq_size, h_id, h_size, s_hpos, s_next, s_awaiter, s_gen, s_state, s_flags, s_status;
    int s_name, s_file, s_line, line_size;
    int l_slot, l_ring, l_heap, l_now, l_rhead, l_rtail, l_hlen, l_current;
    int l_tbase; /* a heap entry's deadline is tbase + its off (CORO__KEY64), or off itself (-1) */
    const void *empty_waitq; /* CORO_WAITQ_INIT: how an empty queue looks */
};
void coro_timeline_record(int event, unsigned id, unsigned long arg, unsigned long tick, const char *name,
                          int max_tasks, int tick_hz, int virtual_clock);
void coro_timeline_snapshot(const void *loop, const struct coro_timeline_layout *layout, unsigned long tick);
#ifdef __cplusplus
}
#endif
#if defined(CORO_DEBUG) && CORO_DEBUG
#define CORO_TIMELINE__NAME(loop, id) ((id) < CORO_MAX_TASKS ? (loop)->slot[(id)].name : (const char *)0)
#define CORO_TIMELINE__DEBUG_FIELDS \
    (int)offsetof(coro__slot, name), (int)offsetof(coro__slot, file), (int)offsetof(coro__slot, line), \
    (int)sizeof(unsigned)
#else
#define CORO_TIMELINE__NAME(loop, id) ((const char *)0)
#define CORO_TIMELINE__DEBUG_FIELDS -1, -1, -1, 0
#endif
/* The playground draws and checks the heap as a binary one: a program built
 * with 8-bit indices (as mk/docs.mk builds them); with CORO__KEY64 it is 4-ary. */
#define CORO_TIMELINE__TBASE (int)(CORO__TBASE_AT)
#define CORO_TIMELINE__LAYOUT(e)                                                                     \
    { CORO__SLOTS, CORO_MAX_TASKS, CORO__RING, (int)sizeof(coro_index), (int)sizeof(coro_tick),        \
      (int)sizeof(coro__slot), (int)offsetof(coro__slot, on), (int)offsetof(coro__timer, off),    \
      (int)offsetof(coro__timer, seq), (int)sizeof(coro__seq), (int)offsetof(coro__timer, id),          \
      (int)sizeof(coro__timer), (int)offsetof(coro__slot, hpos),                                        \
      (int)offsetof(coro__slot, next), (int)offsetof(coro__slot, awaiter), (int)offsetof(coro__slot, gen), \
      (int)offsetof(coro__slot, state), (int)offsetof(coro__slot, flags), (int)offsetof(coro__slot, status), \
      CORO_TIMELINE__DEBUG_FIELDS, (int)offsetof(coro_loop, slot), (int)offsetof(coro_loop, ring),      \
      (int)offsetof(coro_loop, heap), (int)offsetof(coro_loop, now), (int)offsetof(coro_loop, rhead),  \
      (int)offsetof(coro_loop, rtail), (int)offsetof(coro_loop, hlen), (int)offsetof(coro_loop, current), \
      CORO_TIMELINE__TBASE, (e) }
#define CORO_TRACE(loop, event, id, arg)                                                             \
    do {                                                                                             \
        static const coro_waitq coro_timeline__empty = CORO_WAITQ_INIT;                              \
        static const struct coro_timeline_layout coro_timeline__layout =                             \
            CORO_TIMELINE__LAYOUT(&coro_timeline__empty);                                            \
        unsigned long coro_timeline__tick = (unsigned long)coro_clock();                             \
        coro_timeline_record((event), (id), (arg), coro_timeline__tick, CORO_TIMELINE__NAME(loop, id), \
                             CORO_MAX_TASKS, CORO_TICK_HZ, CORO_CLOCK == CORO_CLOCK_VIRTUAL);        \
        coro_timeline_snapshot((loop), &coro_timeline__layout, coro_timeline__tick);                 \
    } while (0)
#endif
