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
    unsigned long slot = sizeof(coro__slot), entry = sizeof(((coro_loop *)0)->heap[0]);
    unsigned long ring = sizeof(((coro_loop *)0)->ring);
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
    /* per task: the slot, one heap entry (a coro__timer: deadline, sequence,
     * slot), and a ring entry (the ring is the next power of two above the
     * slot count: its whole size over the slots). The heap's spare entry is
     * part of the fixed bytes. */
    printf("slot_bytes=%lu\nheap_entry_bytes=%lu\nring_bytes_per_slot=%.2f\n", slot, entry, (double)ring / slots);
    printf("bytes_per_task=%.2f\n", slot + (double)entry + (double)ring / slots);
    printf("loop_fixed_bytes=%lu\n", (unsigned long)sizeof(coro_loop) - slots * (slot + entry) - ring);
    return 0;
}
