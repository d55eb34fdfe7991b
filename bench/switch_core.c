/* switch_core: the cost of one scheduler switch, for callgrind, and the
 * sizes of the core objects. Two tasks CORO_YIELD to each other ITERS times
 * each through the loop (2 * ITERS + 2 task resumptions in all).
 *
 *   cc -std=c99 -O2 -I. bench/switch_core.c -o build/switch_core
 *   valgrind --tool=callgrind --callgrind-out-file=a.out build/switch_core 100000
 *   valgrind --tool=callgrind --callgrind-out-file=b.out build/switch_core 200000
 *   instructions per switch = (Ir(b) - Ir(a)) / (2 * (200000 - 100000))
 *
 * The difference cancels start-up, printf and exit; what is left is the
 * loop's iteration, the ring push/pop and the task's resume. Plain C, no
 * timing: callgrind counts instructions, deterministically. */
#define CORO_IMPLEMENTATION
#include "coro.h"
#include <stdio.h>
#include <stdlib.h>

struct yielder { coro_frame co; unsigned long i, n; };

static CORO_FN(yielder, struct yielder, self)
{
    CORO_BEGIN(self);
    for (self->i = 0; self->i < self->n; self->i++)
        CORO_YIELD(self);
    CORO_END(self);
}

int main(int argc, char **argv)
{
    static coro_loop loop;
    static struct yielder a, b;
    unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000ul;
    coro_status st;
    a.n = b.n = n;
    coro_loop_init(&loop);
    coro_spawn(&loop, NULL, yielder, &a);
    coro_spawn(&loop, NULL, yielder, &b);
    st = coro_loop_run_forever(&loop);
    printf("switches %lu status %d\n", 2 * n + 2, (int)st);
    printf("sizeof(coro_loop) %u  sizeof(coro__slot) %u  sizeof(coro_frame) %u  (MAX_TASKS %d, MAX_CALLBACKS %d, ticks %d bits)\n",
           (unsigned)sizeof(coro_loop), (unsigned)sizeof(coro__slot), (unsigned)sizeof(coro_frame), CORO_MAX_TASKS,
           CORO_MAX_CALLBACKS, CORO_TICK_BITS);
    return st == CORO_OK ? 0 : 1;
}
