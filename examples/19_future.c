/* 19: Future - a value set later (by a callback, a driver's completion) that
 * any number of tasks await; done callbacks; a timeout cancels it. The
 * asyncio program is examples/19_future.py. */
#define CORO_IMPLEMENTATION
#include "coro_sync.h"
#include <stdio.h>

struct waiter { coro_frame co; const char *name; coro_future *fut; intptr_t value; };

static CORO_FN(waiter, struct waiter, self)
{
    CORO_BEGIN(self);
    printf("%s waiting for the reading\n", self->name);
    CORO_FUTURE_AWAIT(self, self->fut, &self->value); /* value = await fut */
    printf("%s got %d\n", self->name, (int)self->value);
    CORO_END(self);
}

/* A done callback: a plain function, run through call_soon once it is done. */
static void on_done(void *arg)
{
    intptr_t v = 0;
    coro_future_result((coro_future *)arg, &v);
    printf("callback: the reading is %d\n", (int)v);
}

/* The "driver" completing the reading, 100 ms later. */
static void complete_reading(void *arg) { coro_future_set_result((coro_future *)arg, 42); }

struct main_co {
    coro_frame co;
    coro_future reading, reply;      /* loop.create_future() */
    coro_future_cb on_done_node;     /* the callback's registration */
    struct waiter w[2];
    coro_task tasks[2];
    intptr_t value;
    coro_timeout to;
    coro_status err;
};

static CORO_FN(main_co, struct main_co, self)
{
    coro_loop *loop = coro_running_loop();
    CORO_BEGIN(self);
    coro_future_init(&self->reading);
    CORO_CHECK(self, coro_future_add_done_callback(&self->reading, &self->on_done_node, on_done, &self->reading));
    self->w[0].name = "A";
    self->w[1].name = "B";
    self->w[0].fut = self->w[1].fut = &self->reading;
    CORO_CHECK(self, coro_spawn(loop, &self->tasks[0], waiter, &self->w[0]));
    CORO_CHECK(self, coro_spawn(loop, &self->tasks[1], waiter, &self->w[1]));
    CORO_CHECK(self, coro_call_later(loop, NULL, CORO_MS(100), complete_reading, &self->reading));
    CORO_GATHER(self, self->tasks, 2, NULL);
    coro_future_result(&self->reading, &self->value);
    printf("done: %s, result: %d\n", coro_future_done(&self->reading) ? "True" : "False", (int)self->value);
    if (coro_future_set_result(&self->reading, 43) == CORO_ERR_STATE) /* InvalidStateError */
        printf("a second set_result is refused\n");

    /* A reply that never comes: the timeout cancels the future. */
    coro_future_init(&self->reply);
    CORO_CATCH(self, self->err, CORO_TIMEOUT(self, &self->to, CORO_MS(50), CORO_FUTURE_AWAIT(self, &self->reply, NULL)));
    if (self->err == CORO_ERR_TIMEOUT)
        printf("timed out, reply cancelled: %s\n", coro_future_cancelled(&self->reply) ? "True" : "False");
    else if (self->err != CORO_OK)
        CORO_RETURN(self, self->err);
    CORO_END(self);
}

int main(void)
{
    static struct main_co m;
    return coro_run(main_co, &m) == CORO_OK ? 0 : 1;
}
