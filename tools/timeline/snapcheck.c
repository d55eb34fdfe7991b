/* tools/timeline/snapcheck.c - a check of the recorder's reading of wait
 * queues (make play-check): a loop is filled by hand with three tasks waiting
 * on one queue, whose tail is stored in each of the two representations the
 * recorder accepts (today's: the slot, empty = CORO__NONE; and slot + 1,
 * empty = 0), each with the matching empty value that trace.h passes. Both
 * snapshots must list the queue in FIFO order: 2, 0, 1.
 *   cc -DCORO_DEBUG=1 -include tools/timeline/trace.h -I. tools/timeline/snapcheck.c \
 *      tools/timeline/recorder.c -o snapcheck && CORO_SNAP_FILE=out.snap ./snapcheck */
#define CORO_IMPLEMENTATION
#include "coro.h"
#include <string.h>

static coro_loop L;

static void snap(coro_waitq *q, coro_index tail, coro_index empty)
{
    coro_waitq e;
    struct coro_timeline_layout ly = CORO_TIMELINE__LAYOUT(&e);
    memset(&e, 0, sizeof e);
    memcpy(&e, &empty, sizeof empty);
    memcpy(q, &tail, sizeof tail);
    coro_timeline_snapshot(&L, &ly, 0);
}

int main(void)
{
    static coro_waitq q;
    coro_index i;
    coro_loop_init(&L);
    for (i = 0; i < 3; i++) {
        L.slot[i].state = CORO__WAITQ;
        L.slot[i].on.q = &q;
        L.slot[i].gen = 1;
    }
    /* The circular list from the tail (1): 1 -> 2 -> 0 -> 1, head 2. */
    L.slot[1].next = 2;
    L.slot[2].next = 0;
    L.slot[0].next = 1;
    snap(&q, 1, CORO__NONE);
    snap(&q, 2, 0);
    return 0;
}
