/* The timer suite (tests/test_core_timers.c) with 16-bit indices: on a
 * 64-bit GCC/Clang host with 32-bit ticks that is the heap's other layout
 * (CORO__KEY64 in coro.h: a 4-ary heap of 64-bit keys counted from a moving
 * base, coro__rebase); elsewhere the same heap as the plain suite. */
#define CORO_INDEX_BITS 16
#include "test_core_timers.c"
