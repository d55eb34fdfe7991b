/* switch: two tasks CORO_YIELD-ing to each other through the loop.
 * usage: switch_coro ITERS   (ops = 2 * ITERS yields, one switch each) */
#define CORO_IMPLEMENTATION
#include "coro.h"
#include "bench.h"

struct pinger { coro_frame co; unsigned long i; };
static unsigned long iters;

static CORO_FN(pinger, struct pinger, self)
{
    CORO_BEGIN(self);
    for (self->i = 0; self->i < iters; self->i++)
        CORO_YIELD(self);
    CORO_END(self);
}

int main(int argc, char **argv)
{
    static coro_loop loop;
    static struct pinger a, b;
    uint64_t t0;
    coro_status st;
    iters = bench_arg(argc, argv, 1, 1000000);
    coro_loop_init(&loop);
    coro_spawn(&loop, NULL, pinger, &a);
    coro_spawn(&loop, NULL, pinger, &b);
    t0 = bench_cpu_ns();
    st = coro_loop_run_forever(&loop);
    bench_report("switch", "coro", 2ull * iters, bench_cpu_ns() - t0);
    return st == CORO_OK ? 0 : 1;
}
