/* The timer suite (tests/test_core_timers.c) with one-byte timer sequence
 * numbers, as a loop of at most 32 slots has them (coro__seq in coro.h),
 * but with this suite's 248 slots: the renumbering (coro__reseq) then runs
 * every few insertions, under the heap model and the FIFO-tie tests. */
#define CORO__SEQ8
#include "test_core_timers.c"

Test(timers, sequence_numbers_are_one_byte)
{
    cr_assert_eq(sizeof(coro__seq), 1);
    cr_assert_eq(sizeof(L.heap[0].seq), 1);
}
