/* switch floor: the least a stackless scheduler can do per switch - an
 * indirect call through a table plus a switch on a 16-bit state, two
 * continuations taking turns. No ready queue, no clock, no cancellation.
 * usage: switch_floor ITERS   (ops = 2 * ITERS) */
#include "bench.h"

struct fl_frame { uint16_t lc; unsigned long i; };
typedef int (*fl_fn)(struct fl_frame *);
static unsigned long iters;

static int fl_task(struct fl_frame *f)
{
    switch (f->lc) {
    case 0:
        for (f->i = 0; f->i < iters; f->i++) {
            f->lc = 1;
            return 1;
    case 1:;
        }
    }
    return 0;
}

/* volatile: the compiler must load the pointer and call through it. */
static fl_fn volatile table[2] = { fl_task, fl_task };

int main(int argc, char **argv)
{
    static struct fl_frame fr[2];
    int alive = 2;
    unsigned k = 0;
    uint64_t t0;
    iters = bench_arg(argc, argv, 1, 1000000);
    t0 = bench_cpu_ns();
    while (alive) {
        if (!table[k](&fr[k]))
            alive--;
        k ^= 1u;
    }
    bench_report("switch", "floor", 2ull * iters, bench_cpu_ns() - t0);
    return 0;
}
