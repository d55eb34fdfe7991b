/* queue floor: a hand-written ring of capacity 16 between two bare
 * continuations (indirect call + switch on a 16-bit state, as switch_floor):
 * the producer fills the ring and yields, the consumer drains it and yields.
 * usage: queue_floor ITEMS   (ops = ITEMS) */
#include "bench.h"

#define CAP 16u
struct fl_frame { uint16_t lc; unsigned long i; };
typedef int (*fl_fn)(struct fl_frame *);
static unsigned long items, sum;
static int ring[CAP];
static unsigned head, tail; /* free-running */

static int producer(struct fl_frame *f)
{
    switch (f->lc) {
    case 0:
        for (f->i = 0; f->i < items; f->i++) {
            while (tail - head == CAP) {
                f->lc = 1;
                return 1;
    case 1:;
            }
            ring[tail++ % CAP] = (int)f->i;
        }
    }
    return 0;
}

static int consumer(struct fl_frame *f)
{
    switch (f->lc) {
    case 0:
        for (f->i = 0; f->i < items; f->i++) {
            while (tail == head) {
                f->lc = 1;
                return 1;
    case 1:;
            }
            sum += (unsigned long)ring[head++ % CAP];
        }
    }
    return 0;
}

static fl_fn volatile table[2] = { producer, consumer };

int main(int argc, char **argv)
{
    static struct fl_frame fr[2];
    int live[2] = { 1, 1 };
    unsigned k = 0;
    uint64_t t0;
    items = bench_arg(argc, argv, 1, 1000000);
    t0 = bench_cpu_ns();
    while (live[0] | live[1]) {
        if (live[k])
            live[k] = table[k](&fr[k]);
        k ^= 1u;
    }
    bench_report("queue", "floor", items, bench_cpu_ns() - t0);
    return sum == items * (items - 1) / 2 ? 0 : 1;
}
