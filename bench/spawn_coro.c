/* spawn: create, run to completion and reap short tasks. A main task spawns
 * a batch of 100 tasks that end at once, yields so they run (their slots go
 * back to the free list as they finish), and repeats.
 * usage: spawn_coro ITERS   (ops = ITERS rounded down to whole batches) */
#define CORO_IMPLEMENTATION
#include "coro.h"
#include "bench.h"

#define BATCH 100

struct shorty { coro_frame co; };
struct spawner { coro_frame co; unsigned long b, batches; struct shorty kids[BATCH]; };

static CORO_FN(shorty, struct shorty, self)
{
    CORO_BEGIN(self);
    CORO_END(self);
}

static CORO_FN(spawner, struct spawner, self)
{
    int j;
    CORO_BEGIN(self);
    for (self->b = 0; self->b < self->batches; self->b++) {
        for (j = 0; j < BATCH; j++)
            if (coro_spawn(coro_running_loop(), NULL, shorty, &self->kids[j]) != CORO_OK)
                CORO_RETURN(self, CORO_ERR_NO_SLOT);
        CORO_YIELD(self);
    }
    CORO_END(self);
}

int main(int argc, char **argv)
{
    static coro_loop loop;
    static struct spawner m;
    uint64_t t0;
    coro_status st;
    m.batches = bench_arg(argc, argv, 1, 1000000) / BATCH;
    if (!m.batches)
        m.batches = 1;
    coro_loop_init(&loop);
    t0 = bench_cpu_ns();
    st = coro_loop_run_until_complete(&loop, spawner, &m);
    bench_report("spawn", "coro", (unsigned long long)m.batches * BATCH, bench_cpu_ns() - t0);
    return st == CORO_OK ? 0 : 1;
}
