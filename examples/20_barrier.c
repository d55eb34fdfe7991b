/* 20: Barrier - tasks wait for each other at a meeting point; abort breaks
 * it for a party that will never come. The asyncio program is
 * examples/20_barrier.py. */
#define CORO_IMPLEMENTATION
#include "coro_sync.h"
#include <stdio.h>

struct worker { coro_frame co; const char *name; coro_barrier *barrier; coro_tick delay; int index; };

static CORO_FN(worker, struct worker, self)
{
    CORO_BEGIN(self);
    printf("%s preparing\n", self->name);
    CORO_SLEEP(self, self->delay);
    printf("%s ready, %d waiting at the barrier\n", self->name, coro_barrier_n_waiting(self->barrier));
    CORO_BARRIER_WAIT(self, self->barrier, self->index); /* index = await barrier.wait() */
    printf("%s passed the barrier (arrival %d)\n", self->name, self->index);
    CORO_END(self);
}

struct main_co {
    coro_frame co;
    coro_barrier barrier;
    struct worker w[4];
    coro_task tasks[3], late;
    coro_status err;
};

static CORO_FN(main_co, struct main_co, self)
{
    coro_loop *loop = coro_running_loop();
    static const char *const names[] = {"A", "B", "C", "D"};
    static const unsigned delays_ms[] = {300, 100, 200, 0};
    int i;
    CORO_BEGIN(self);
    CORO_CHECK(self, coro_barrier_init(&self->barrier, 3)); /* asyncio.Barrier(3) */
    for (i = 0; i < 4; i++) {
        self->w[i].name = names[i];
        self->w[i].barrier = &self->barrier;
        self->w[i].delay = CORO_MS(delays_ms[i]);
    }
    for (i = 0; i < 3; i++)
        CORO_CHECK(self, coro_spawn(loop, &self->tasks[i], worker, &self->w[i]));
    CORO_GATHER(self, self->tasks, 3, NULL);
    printf("waiting: %d, broken: %s\n", coro_barrier_n_waiting(&self->barrier),
           coro_barrier_broken(&self->barrier) ? "True" : "False");

    /* A party that never comes: abort the barrier. */
    CORO_CHECK(self, coro_spawn(loop, &self->late, worker, &self->w[3]));
    CORO_SLEEP(self, CORO_MS(100));
    CORO_CHECK(self, coro_barrier_abort(&self->barrier));
    CORO_CATCH(self, self->err, CORO_AWAIT_TASK(self, self->late));
    if (self->err == CORO_ERR_BROKEN) /* BrokenBarrierError */
        printf("D: the barrier is broken\n");
    else if (self->err != CORO_OK)
        CORO_RETURN(self, self->err);
    printf("broken: %s\n", coro_barrier_broken(&self->barrier) ? "True" : "False");
    CORO_END(self);
}

int main(void)
{
    static struct main_co m;
    return coro_run(main_co, &m) == CORO_OK ? 0 : 1;
}
