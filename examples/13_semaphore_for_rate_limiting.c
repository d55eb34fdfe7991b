/* 13: Semaphore - five tasks, at most two inside the guarded section. */
#define CORO_IMPLEMENTATION
#include "coro_sync.h"
#include <stdio.h>

static coro_sem semaphore = CORO_SEM_INIT(2); /* allow 2 concurrent */

struct limited { coro_frame co; int name; };

/* async with semaphore: the permit goes back on every way out of the block. */
static CORO_FN(limited, struct limited, self)
{
    CORO_BEGIN(self);
    CORO_WITH_SEM(self, &semaphore) {
        printf("Task-%d acquired semaphore\n", self->name);
        CORO_SLEEP(self, CORO_S(1));
        printf("Task-%d released semaphore\n", self->name);
    } CORO_END_WITH(self);
    CORO_END(self);
}

#define N 5
struct main_co { coro_frame co; struct limited t[N]; coro_task tasks[N]; };

static CORO_FN(main_co, struct main_co, self)
{
    int i;
    CORO_BEGIN(self);
    for (i = 0; i < N; i++) {
        self->t[i].name = i;
        CORO_CHECK(self, coro_spawn(coro_running_loop(), &self->tasks[i], limited, &self->t[i]));
    }
    CORO_GATHER(self, self->tasks, N, NULL);
    CORO_END(self);
}

int main(void)
{
    static struct main_co m;
    return coro_run(main_co, &m) == CORO_OK ? 0 : 1;
}
