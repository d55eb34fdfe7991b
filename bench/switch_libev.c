/* switch peer: libev, two ev_idle watchers taking turns.
 * usage: switch_libev ITERS   (ops = 2 * ITERS callbacks) */
#include <ev.h>
#include "bench.h"

static unsigned long left;

static void idle_cb(struct ev_loop *loop, ev_idle *w, int revents)
{
    (void)revents;
    if (--left == 0)
        ev_break(loop, EVBREAK_ALL);
    (void)w;
}

int main(int argc, char **argv)
{
    struct ev_loop *loop = ev_default_loop(0);
    ev_idle a, b;
    unsigned long iters = bench_arg(argc, argv, 1, 1000000);
    uint64_t t0;
    left = 2 * iters;
    ev_idle_init(&a, idle_cb);
    ev_idle_init(&b, idle_cb);
    ev_idle_start(loop, &a);
    ev_idle_start(loop, &b);
    t0 = bench_cpu_ns();
    ev_run(loop, 0);
    bench_report("switch", "libev", 2ull * iters, bench_cpu_ns() - t0);
    return 0;
}
