/* lock / semaphore hand-off: k tasks contend for one coro_lock (or a
 * coro_sem of one permit); each takes it, yields while holding it (so the
 * others queue up), releases it - handing it to the first waiter - and
 * repeats ROUNDS times. Cost per acquire+release, the switches included.
 * usage: lock_coro lock|sem K ROUNDS   (ops = K * ROUNDS) */
#define CORO_IMPLEMENTATION
#include "coro.h"
#include "coro_sync.h"
#include "bench.h"
#include <string.h>

#define KMAX 100

static coro_lock lock = CORO_LOCK_INIT;
static coro_sem sem = CORO_SEM_INIT(1);
static unsigned long rounds;
static int use_sem;

struct contender { coro_frame co; unsigned long r; };

static CORO_FN(contender, struct contender, self)
{
    CORO_BEGIN(self);
    for (self->r = 0; self->r < rounds; self->r++) {
        if (use_sem) {
            CORO_SEM_ACQUIRE(self, &sem);
            CORO_YIELD(self);
            coro_sem_release(&sem);
        } else {
            CORO_LOCK(self, &lock);
            CORO_YIELD(self);
            coro_lock_release(&lock);
        }
    }
    CORO_END(self);
}

int main(int argc, char **argv)
{
    static coro_loop loop;
    static struct contender c[KMAX];
    unsigned long k, i;
    uint64_t t0;
    coro_status st;
    use_sem = argc > 1 && strcmp(argv[1], "sem") == 0;
    k = bench_arg(argc, argv, 2, 2);
    rounds = bench_arg(argc, argv, 3, 100000);
    if (k < 1 || k > KMAX || k > CORO_MAX_TASKS) {
        fprintf(stderr, "lock_coro: k must be 1..%d\n", KMAX);
        return 2;
    }
    coro_loop_init(&loop);
    for (i = 0; i < k; i++)
        coro_spawn(&loop, NULL, contender, &c[i]);
    t0 = bench_cpu_ns();
    st = coro_loop_run_forever(&loop);
    bench_report(use_sem ? "semaphore" : "lock", "coro", (unsigned long long)k * rounds, bench_cpu_ns() - t0);
    printf("k=%lu\n", k);
    return st == CORO_OK ? 0 : 1;
}
