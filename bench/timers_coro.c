/* timers: N tasks each sleeping ROUNDS pseudo-random 1..10 ms delays on the
 * real monotonic clock. Reports CPU ns per sleep+wake (time spent idle in
 * nanosleep is not CPU time). Build with CORO_INDEX_BITS and CORO_MAX_TASKS
 * large enough for N (the Makefile uses 32 and 2^20).
 * usage: timers_coro N ROUNDS   (ops = N * ROUNDS) */
#define CORO_IMPLEMENTATION
#include "coro.h"
#include "bench.h"

struct sleeper { coro_frame co; uint32_t seed; uint32_t r; };
static uint32_t rounds;

static CORO_FN(sleeper, struct sleeper, self)
{
    CORO_BEGIN(self);
    for (self->r = 0; self->r < rounds; self->r++)
        CORO_SLEEP(self, CORO_MS(BENCH_DELAY_MS(&self->seed)));
    CORO_END(self);
}

static coro_loop loop;

int main(int argc, char **argv)
{
    unsigned long n = bench_arg(argc, argv, 1, 1000), i;
    struct sleeper *s;
    uint64_t t0;
    coro_status st;
    rounds = (uint32_t)bench_arg(argc, argv, 2, 10);
    if (n > CORO_MAX_TASKS) {
        fprintf(stderr, "timers_coro: N=%lu exceeds CORO_MAX_TASKS=%lu\n", n, (unsigned long)CORO_MAX_TASKS);
        return 2;
    }
    s = calloc(n, sizeof *s); /* the benchmark's frames; coro itself never allocates */
    coro_loop_init(&loop);
    t0 = bench_cpu_ns();
    for (i = 0; i < n; i++) {
        s[i].seed = BENCH_SEED(i);
        if (coro_spawn(&loop, NULL, sleeper, &s[i]) != CORO_OK)
            return 3;
    }
    st = coro_loop_run_forever(&loop);
    bench_report("timers", "coro", (unsigned long long)n * rounds, bench_cpu_ns() - t0);
    printf("n=%lu\nrounds=%lu\nslot_bytes=%lu\n", n, (unsigned long)rounds, (unsigned long)sizeof(loop.slot[0]));
    return st == CORO_OK ? 0 : 1;
}
