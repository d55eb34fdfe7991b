/* gather / wait: a main task spawns k short tasks and awaits them all with
 * CORO_GATHER (or CORO_WAIT, ALL_COMPLETED), REPS times. Cost per awaited
 * task, spawn and run included; flat in k when gather/wait are O(k).
 * usage: gather_coro gather|wait K REPS   (ops = K * REPS) */
#define CORO_IMPLEMENTATION
#include "coro.h"
#include "bench.h"
#include <string.h>

#define KMAX 1000

struct shorty { coro_frame co; };
struct waiter {
    coro_frame co;
    unsigned long r, reps;
    int k, wait, ndone;
    coro_task tasks[KMAX];
    struct shorty kids[KMAX];
};

static CORO_FN(shorty, struct shorty, self)
{
    CORO_BEGIN(self);
    CORO_END(self);
}

static CORO_FN(waiter, struct waiter, self)
{
    int j;
    CORO_BEGIN(self);
    for (self->r = 0; self->r < self->reps; self->r++) {
        for (j = 0; j < self->k; j++)
            if (coro_spawn(coro_running_loop(), &self->tasks[j], shorty, &self->kids[j]) != CORO_OK)
                CORO_RETURN(self, CORO_ERR_NO_SLOT);
        if (self->wait)
            CORO_WAIT(self, self->tasks, self->k, CORO_ALL_COMPLETED, CORO_FOREVER, self->ndone);
        else
            CORO_GATHER(self, self->tasks, self->k, NULL);
    }
    CORO_END(self);
}

int main(int argc, char **argv)
{
    static coro_loop loop;
    static struct waiter m;
    uint64_t t0;
    coro_status st;
    m.wait = argc > 1 && strcmp(argv[1], "wait") == 0;
    m.k = (int)bench_arg(argc, argv, 2, 10);
    m.reps = bench_arg(argc, argv, 3, 1000);
    if (m.k < 1 || m.k > KMAX || m.k >= CORO_MAX_TASKS) {
        fprintf(stderr, "gather_coro: k must be 1..%d\n", KMAX);
        return 2;
    }
    coro_loop_init(&loop);
    t0 = bench_cpu_ns();
    st = coro_loop_run_until_complete(&loop, waiter, &m);
    bench_report(m.wait ? "wait" : "gather", "coro", (unsigned long long)m.k * m.reps, bench_cpu_ns() - t0);
    printf("k=%d\n", m.k);
    return st == CORO_OK ? 0 : 1;
}
