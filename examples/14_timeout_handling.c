/* 14: asyncio.wait_for - give up on a slow operation after a timeout. */
#define CORO_IMPLEMENTATION
#include "coro.h"
#include <stdio.h>

struct slow_operation { coro_frame co; const char *result; };

static CORO_FN(slow_operation, struct slow_operation, self)
{
    CORO_BEGIN(self);
    CORO_SLEEP(self, CORO_S(10));
    self->result = "Done";
    CORO_END(self);
}

struct main_co { coro_frame co; struct slow_operation op; coro_task task; };

static CORO_FN(main_co, struct main_co, self)
{
    CORO_BEGIN(self);
    /* wait_for runs its coroutine as a task (asyncio does the same). */
    CORO_CHECK(self, coro_spawn(coro_running_loop(), &self->task, slow_operation, &self->op));
    /* On timeout the task is cancelled and has finished before we go on. */
    CORO_TRY(self) {
        CORO_WAIT_FOR(self, self->task, CORO_S(1));
    } CORO_EXCEPT(self, CORO_ERR_TIMEOUT) {
        printf("Operation timed out\n");
    } CORO_END_TRY(self);
    CORO_END(self);
}

int main(void)
{
    static struct main_co m;
    return coro_run(main_co, &m) == CORO_OK ? 0 : 1;
}
