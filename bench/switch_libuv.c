/* switch peer: libuv, two uv_idle_t handles taking turns.
 * usage: switch_libuv ITERS   (ops = 2 * ITERS callbacks) */
#include <uv.h>
#include "bench.h"

static unsigned long left;
static uv_idle_t a, b;

static void idle_cb(uv_idle_t *h)
{
    (void)h;
    if (--left == 0) {
        uv_idle_stop(&a);
        uv_idle_stop(&b);
    }
}

int main(int argc, char **argv)
{
    uv_loop_t *loop = uv_default_loop();
    unsigned long iters = bench_arg(argc, argv, 1, 1000000);
    uint64_t t0;
    left = 2 * iters;
    uv_idle_init(loop, &a);
    uv_idle_init(loop, &b);
    uv_idle_start(&a, idle_cb);
    uv_idle_start(&b, idle_cb);
    t0 = bench_cpu_ns();
    uv_run(loop, UV_RUN_DEFAULT);
    bench_report("switch", "libuv", 2ull * iters, bench_cpu_ns() - t0);
    uv_loop_close(loop);
    return 0;
}
