/* memory: sizeof every public object of coro.h, coro_sync.h and
 * coro_queue.h, and the loop's bookkeeping per task:
 * its slot plus its share of the ready ring and the timer heap. Build it once
 * per CORO_INDEX_BITS.
 * usage: memory_coro */
#define CORO_IMPLEMENTATION
#include "coro.h"
#include "coro_sync.h"
#include "coro_queue.h"
#include <stdio.h>

#define SZ(t) printf("sizeof_%s=%lu\n", #t, (unsigned long)sizeof(t))

int main(void)
{
    unsigned long slot = sizeof(coro__slot), idx = sizeof(coro_index);
    unsigned long ring = sizeof(((coro_loop *)0)->ring), heap = sizeof(((coro_loop *)0)->heap);
    unsigned long slots = CORO_MAX_TASKS + CORO_MAX_CALLBACKS;
    printf("bench=memory\nimpl=coro\nindex_bits=%d\nmax_tasks=%d\nmax_callbacks=%d\n", CORO_INDEX_BITS,
           CORO_MAX_TASKS, CORO_MAX_CALLBACKS);
    SZ(coro_frame);
    SZ(coro_loop);
    SZ(coro_task);
    SZ(coro_handle);
    SZ(coro_waitq);
    SZ(coro_timeout);
    SZ(coro_tick);
    SZ(coro_status);
    SZ(coro_index);
    SZ(coro_lock);
    SZ(coro_event);
    SZ(coro_sem);
    SZ(coro_cond);
    SZ(coro_flag);
    SZ(coro_queue);
    SZ(coro_ring);
    /* per task: the slot, one heap entry, and a ring entry (the ring is the
     * next power of two above the slot count: its whole size over the slots). */
    printf("slot_bytes=%lu\nheap_entry_bytes=%lu\nring_bytes_per_slot=%.2f\n", slot, idx, (double)ring / slots);
    printf("bytes_per_task=%.2f\n", slot + (double)heap / slots + (double)ring / slots);
    printf("loop_fixed_bytes=%lu\n", (unsigned long)sizeof(coro_loop) - slots * slot - ring - heap);
    return 0;
}
