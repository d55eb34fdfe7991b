/* 08: asyncio.wait(return_when=FIRST_COMPLETED), then await the rest. */
#define CORO_IMPLEMENTATION
#include "coro.h"
#include <stdio.h>

struct task { coro_frame co; int seconds; };

static CORO_FN(task, struct task, self)
{
    CORO_BEGIN(self);
    CORO_SLEEP(self, CORO_S(self->seconds));
    CORO_END(self);
}

struct main_co { coro_frame co; struct task t[3]; coro_task tasks[3]; int ndone, i; };

static CORO_FN(main_co, struct main_co, self)
{
    coro_loop *loop = coro_running_loop();
    int i, pending = 0;
    CORO_BEGIN(self);
    for (i = 0; i < 3; i++) {
        self->t[i].seconds = i + 1; /* A: 1 s, B: 2 s, C: 3 s */
        CORO_CHECK(self, coro_spawn(loop, &self->tasks[i], task, &self->t[i]));
    }

    /* Returns as soon as one task is done; ndone counts the done ones. Wait
     * never cancels: the others keep running. */
    CORO_WAIT(self, self->tasks, 3, CORO_FIRST_COMPLETED, CORO_FOREVER, self->ndone);
    for (i = 0; i < 3; i++)
        pending += !coro_task_done(loop, self->tasks[i]);
    printf("Done: %d\n", self->ndone);
    printf("Pending: %d\n", pending);

    /* for t in pending: await t (the loop index lives across the await). */
    for (self->i = 0; self->i < 3; self->i++)
        if (!coro_task_done(loop, self->tasks[self->i]))
            CORO_AWAIT_TASK(self, self->tasks[self->i]);
    CORO_END(self);
}

int main(void)
{
    static struct main_co m;
    return coro_run(main_co, &m) == CORO_OK ? 0 : 1;
}
