/* 02: three tasks sleep concurrently; gather waits for all of them. */
#define CORO_IMPLEMENTATION
#include "coro.h"
#include <stdio.h>

struct task { coro_frame co; const char *name; int seconds; };

static CORO_FN(task, struct task, self)
{
    CORO_BEGIN(self);
    printf("Task %s starting\n", self->name);
    CORO_SLEEP(self, CORO_S(self->seconds));
    printf("Task %s complete\n", self->name);
    CORO_END(self);
}

struct main_co {
    coro_frame co;
    struct task t[3];   /* one frame per task: they run at the same time */
    coro_task tasks[3]; /* their handles */
};

static CORO_FN(main_co, struct main_co, self)
{
    CORO_BEGIN(self);
    self->t[0] = (struct task){ .name = "A", .seconds = 2 };
    self->t[1] = (struct task){ .name = "B", .seconds = 1 };
    self->t[2] = (struct task){ .name = "C", .seconds = 3 };
    /* create_task: each starts at the loop's next iteration, in this order. */
    CORO_CHECK(self, coro_spawn(coro_running_loop(), &self->tasks[0], task, &self->t[0]));
    CORO_CHECK(self, coro_spawn(coro_running_loop(), &self->tasks[1], task, &self->t[1]));
    CORO_CHECK(self, coro_spawn(coro_running_loop(), &self->tasks[2], task, &self->t[2]));
    /* await asyncio.gather(task1, task2, task3): 3 s in all, not 6. */
    CORO_GATHER(self, self->tasks, 3, NULL);
    CORO_END(self);
}

int main(void)
{
    static struct main_co m;
    return coro_run(main_co, &m) == CORO_OK ? 0 : 1;
}
