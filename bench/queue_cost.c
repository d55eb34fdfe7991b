/* queue: one producer and one consumer task through a FIFO coro_queue of
 * capacity CAP (default 16): CORO_QUEUE_PUT, CORO_QUEUE_GET and
 * coro_queue_task_done per item, switches included. Cost per item.
 * usage: queue_cost [ITEMS [CAP]]   (ops = ITEMS) */
#define CORO_IMPLEMENTATION
#include "coro.h"
#include "coro_queue.h"
#include "bench.h"

static unsigned long items;
static unsigned long sum;
static int qbuf[1024];
static coro_queue q;

struct producer { coro_frame co; unsigned long i; int v; };
static CORO_FN(producer, struct producer, self)
{
    CORO_BEGIN(self);
    for (self->i = 0; self->i < items; self->i++) {
        self->v = (int)self->i;
        CORO_QUEUE_PUT(self, &q, &self->v);
    }
    CORO_END(self);
}

struct consumer { coro_frame co; unsigned long i; int v; };
static CORO_FN(consumer, struct consumer, self)
{
    CORO_BEGIN(self);
    for (self->i = 0; self->i < items; self->i++) {
        CORO_QUEUE_GET(self, &q, &self->v);
        sum += (unsigned long)self->v;
        coro_queue_task_done(&q);
    }
    CORO_END(self);
}

static uint64_t wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    static coro_loop loop;
    static struct producer p;
    static struct consumer c;
    unsigned long cap;
    uint64_t t0, w0, w;
    coro_status st;
    items = bench_arg(argc, argv, 1, 1000000);
    cap = bench_arg(argc, argv, 2, 16);
    if (cap < 1 || cap > sizeof qbuf / sizeof qbuf[0])
        return 2;
    coro_loop_init(&loop);
    coro_queue_init(&q, qbuf, cap, sizeof qbuf[0]);
    coro_spawn(&loop, NULL, producer, &p);
    coro_spawn(&loop, NULL, consumer, &c);
    w0 = wall_ns();
    t0 = bench_cpu_ns();
    st = coro_loop_run_forever(&loop);
    t0 = bench_cpu_ns() - t0;
    w = wall_ns() - w0;
    bench_report("queue", "coro", items, t0);
    printf("capacity=%lu\nwall_ns_per_op=%.3f\nsizeof_coro_queue=%lu\nsizeof_coro_ring=%lu\n", cap,
           items ? (double)w / (double)items : 0.0, (unsigned long)sizeof(coro_queue),
           (unsigned long)sizeof(coro_ring));
    return st == CORO_OK && sum == items * (items - 1) / 2 ? 0 : 1;
}
