/* timers peer: libev, N ev_timer watchers each re-armed ROUNDS times with the
 * same pseudo-random 1..10 ms delays as timers_coro.
 * usage: timers_libev N ROUNDS   (ops = N * ROUNDS) */
#include <ev.h>
#include "bench.h"

struct sleeper { ev_timer w; uint32_t seed; uint32_t r; };
static uint32_t rounds;

static void arm(struct ev_loop *loop, struct sleeper *s)
{
    ev_timer_set(&s->w, BENCH_DELAY_MS(&s->seed) * 1e-3, 0.);
    ev_timer_start(loop, &s->w);
}

static void timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    struct sleeper *s = (struct sleeper *)w;
    (void)revents;
    if (++s->r < rounds)
        arm(loop, s);
}

int main(int argc, char **argv)
{
    struct ev_loop *loop = ev_default_loop(0);
    unsigned long n = bench_arg(argc, argv, 1, 1000), i;
    struct sleeper *s;
    uint64_t t0;
    rounds = (uint32_t)bench_arg(argc, argv, 2, 10);
    s = calloc(n, sizeof *s);
    t0 = bench_cpu_ns();
    ev_now_update(loop);
    for (i = 0; i < n; i++) {
        s[i].seed = BENCH_SEED(i);
        ev_init(&s[i].w, timer_cb);
        arm(loop, &s[i]);
    }
    ev_run(loop, 0);
    bench_report("timers", "libev", (unsigned long long)n * rounds, bench_cpu_ns() - t0);
    printf("n=%lu\nrounds=%lu\n", n, (unsigned long)rounds);
    return 0;
}
