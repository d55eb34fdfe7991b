/* 11: Lock - ten tasks increment a shared counter across an await; the lock
 * makes each read-sleep-write atomic, so the count is exactly 10. */
#define CORO_IMPLEMENTATION
/* 10 workers + main: more than the default 8 task slots. A knob is set
 * once, before the first #include, the same in every file of the program
 * (a build that sets it passes at least 11). */
#ifndef CORO_MAX_TASKS
#define CORO_MAX_TASKS 12
#endif
#if CORO_MAX_TASKS < 11
#error "example 11 needs CORO_MAX_TASKS >= 11 (10 workers and main)"
#endif
#include "coro_sync.h"
#include <stdio.h>

static coro_lock lock = CORO_LOCK_INIT;
static int counter;

struct increment { coro_frame co; int temp; };

/* async with lock: released on every way out of the block (end, error,
 * cancellation). */
static CORO_FN(increment, struct increment, self)
{
    CORO_BEGIN(self);
    CORO_WITH_LOCK(self, &lock) {
        self->temp = counter;
        CORO_SLEEP(self, CORO_MS(1)); /* simulate work */
        counter = self->temp + 1;
    } CORO_END_WITH(self);
    CORO_END(self);
}

#define N 10
struct main_co { coro_frame co; struct increment inc[N]; coro_task tasks[N]; };

static CORO_FN(main_co, struct main_co, self)
{
    int i;
    CORO_BEGIN(self);
    for (i = 0; i < N; i++)
        CORO_CHECK(self, coro_spawn(coro_running_loop(), &self->tasks[i], increment, &self->inc[i]));
    CORO_GATHER(self, self->tasks, N, NULL);
    printf("Counter: %d\n", counter); /* correctly 10 */
    CORO_END(self);
}

int main(void)
{
    static struct main_co m;
    return coro_run(main_co, &m) == CORO_OK ? 0 : 1;
}
