/* 05: create_task - a background task interleaves with main. */
#define CORO_IMPLEMENTATION
#include "coro.h"
#include <stdio.h>

struct background { coro_frame co; int i; };

static CORO_FN(background, struct background, self)
{
    CORO_BEGIN(self);
    for (self->i = 0; self->i < 5; self->i++) {
        printf("Background: %d\n", self->i);
        CORO_SLEEP(self, CORO_MS(500));
    }
    CORO_END(self);
}

struct main_co { coro_frame co; int i; struct background bg; coro_task task; };

static CORO_FN(main_co, struct main_co, self)
{
    CORO_BEGIN(self);
    CORO_CHECK(self, coro_spawn(coro_running_loop(), &self->task, background, &self->bg));
    for (self->i = 0; self->i < 3; self->i++) {
        printf("Main: %d\n", self->i);
        CORO_SLEEP(self, CORO_S(1));
    }
    CORO_AWAIT_TASK(self, self->task);
    CORO_END(self);
}

int main(void)
{
    static struct main_co m;
    return coro_run(main_co, &m) == CORO_OK ? 0 : 1;
}
