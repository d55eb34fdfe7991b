/* 16: Queue - a producer feeds two consumers through a queue; main cancels
 * the consumers once production is over. */
#define CORO_IMPLEMENTATION
#include "coro.h"
#include "coro_queue.h"
#include <stdio.h>

struct producer { coro_frame co; coro_queue *queue; int i; };

static CORO_FN(producer, struct producer, self)
{
    CORO_BEGIN(self);
    for (self->i = 0; self->i < 5; self->i++) {
        printf("Producing %d\n", self->i);
        CORO_QUEUE_PUT(self, self->queue, &self->i);
        CORO_SLEEP(self, CORO_MS(500));
    }
    CORO_END(self);
}

struct consumer { coro_frame co; coro_queue *queue; const char *name; int item; };

static CORO_FN(consumer, struct consumer, self)
{
    CORO_BEGIN(self);
    for (;;) {
        CORO_QUEUE_GET(self, self->queue, &self->item);
        printf("%s processing %d\n", self->name, self->item);
        CORO_SLEEP(self, CORO_S(1));
        coro_queue_task_done(self->queue);
    }
    CORO_END(self);
}

struct main_co {
    coro_frame co;
    CORO_QUEUE_OF(int, 8) queue;   /* asyncio.Queue() is unbounded; 8 is plenty */
    struct producer prod;
    struct consumer cons[2];
    coro_task tasks[3];
};

static CORO_FN(main_co, struct main_co, self)
{
    coro_loop *loop = coro_running_loop();
    CORO_BEGIN(self);
    coro_queue_init_of(&self->queue, CORO_QUEUE_FIFO, NULL);
    self->prod.queue = self->cons[0].queue = self->cons[1].queue = &self->queue.q;
    self->cons[0].name = "Consumer-1";
    self->cons[1].name = "Consumer-2";
    CORO_CHECK(self, coro_spawn(loop, &self->tasks[0], producer, &self->prod));
    CORO_CHECK(self, coro_spawn(loop, &self->tasks[1], consumer, &self->cons[0]));
    CORO_CHECK(self, coro_spawn(loop, &self->tasks[2], consumer, &self->cons[1]));
    CORO_SLEEP(self, CORO_S(5));
    coro_task_cancel(loop, self->tasks[1]);
    coro_task_cancel(loop, self->tasks[2]);
    CORO_END(self);
}

int main(void)
{
    static struct main_co m;
    return coro_run(main_co, &m) == CORO_OK ? 0 : 1;
}
