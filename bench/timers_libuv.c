/* timers peer: libuv, N uv_timer_t handles each restarted ROUNDS times with
 * the same pseudo-random 1..10 ms delays as timers_coro.
 * usage: timers_libuv N ROUNDS   (ops = N * ROUNDS) */
#include <uv.h>
#include "bench.h"

struct sleeper { uv_timer_t t; uint32_t seed; uint32_t r; };
static uint32_t rounds;

static void timer_cb(uv_timer_t *t)
{
    struct sleeper *s = (struct sleeper *)t;
    if (++s->r < rounds)
        uv_timer_start(&s->t, timer_cb, BENCH_DELAY_MS(&s->seed), 0);
}

int main(int argc, char **argv)
{
    uv_loop_t *loop = uv_default_loop();
    unsigned long n = bench_arg(argc, argv, 1, 1000), i;
    struct sleeper *s;
    uint64_t t0;
    rounds = (uint32_t)bench_arg(argc, argv, 2, 10);
    s = calloc(n, sizeof *s);
    t0 = bench_cpu_ns();
    uv_update_time(loop);
    for (i = 0; i < n; i++) {
        s[i].seed = BENCH_SEED(i);
        uv_timer_init(loop, &s[i].t);
        uv_timer_start(&s[i].t, timer_cb, BENCH_DELAY_MS(&s[i].seed), 0);
    }
    uv_run(loop, UV_RUN_DEFAULT);
    bench_report("timers", "libuv", (unsigned long long)n * rounds, bench_cpu_ns() - t0);
    printf("n=%lu\nrounds=%lu\n", n, (unsigned long)rounds);
    return 0;
}
