/* round_robin: three tasks that only ever yield (asyncio.sleep(0)), to see the
 * ready ring's FIFO order in a timeline (docs/TUTORIAL.md, step 3). Every step
 * happens at time 0: the picture is one instant, spread out. */
#define CORO_IMPLEMENTATION
#include "coro.h"
#include <stdio.h>

struct worker { coro_frame co; int i; };

static CORO_FN(worker, struct worker, self)
{
    CORO_BEGIN(self);
    for (self->i = 0; self->i < 3; self->i++) {
        printf("%s step %d\n", coro_task_name(coro_running_loop(), coro_current_task(coro_running_loop())), self->i);
        CORO_YIELD(self);
    }
    CORO_END(self);
}

struct main_co { coro_frame co; struct worker w[3]; coro_task t[3]; int i; };

static CORO_FN(main_co, struct main_co, self)
{
    static const char *const names[] = {"A", "B", "C"};
    coro_loop *loop = coro_running_loop();
    CORO_BEGIN(self);
    for (self->i = 0; self->i < 3; self->i++) {
        coro_spawn(loop, &self->t[self->i], worker, &self->w[self->i]);
        coro_task_set_name(loop, self->t[self->i], names[self->i]); /* CORO_DEBUG */
    }
    CORO_GATHER(self, self->t, 3, NULL);
    CORO_END(self);
}

int main(void)
{
    static struct main_co m;
    return coro_run(main_co, &m) == CORO_OK ? 0 : 1;
}
