/* 04: the same three 1-second jobs, awaited one after another (3 s) and
 * gathered as concurrent tasks (1 s). */
#define CORO_IMPLEMENTATION
#include "coro.h"
#include <stdio.h>

struct task { coro_frame co; const char *name; char result[16]; };

static CORO_FN(task, struct task, self)
{
    CORO_BEGIN(self);
    CORO_SLEEP(self, CORO_S(1));
    snprintf(self->result, sizeof self->result, "%s done", self->name);
    CORO_END(self);
}

static const char *const names[3] = { "Task1", "Task2", "Task3" };

/* Sequential: each await finishes before the next starts. */
struct sequential { coro_frame co; int i; struct task t[3]; };

static CORO_FN(sequential, struct sequential, self)
{
    CORO_BEGIN(self);
    for (self->i = 0; self->i < 3; self->i++) {
        self->t[self->i].name = names[self->i];
        CORO_AWAIT(self, task, &self->t[self->i]);
    }
    CORO_END(self);
}

/* Concurrent: three tasks sleep at the same time; gather waits for all. */
struct concurrent { coro_frame co; struct task t[3]; coro_task tasks[3]; };

static CORO_FN(concurrent, struct concurrent, self)
{
    int i; /* a plain local is fine: no await between its uses */
    CORO_BEGIN(self);
    for (i = 0; i < 3; i++) {
        self->t[i].name = names[i];
        CORO_CHECK(self, coro_spawn(coro_running_loop(), &self->tasks[i], task, &self->t[i]));
    }
    CORO_GATHER(self, self->tasks, 3, NULL);
    CORO_END(self);
}

/* Seconds since `start` on the configured clock (real or virtual). */
static double elapsed(coro_tick start)
{
    return (double)(coro_tick)(coro_clock() - start) / CORO_TICK_HZ;
}

int main(void)
{
    static struct sequential s;
    static struct concurrent c;
    coro_tick start;

    start = coro_clock();
    coro_run(sequential, &s);
    printf("Sequential: %.1fs\n", elapsed(start));

    start = coro_clock();
    coro_run(concurrent, &c);
    printf("Concurrent: %.1fs\n", elapsed(start));
    return 0;
}
