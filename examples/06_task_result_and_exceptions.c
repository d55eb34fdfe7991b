/* 06: a task's result and its "exception", and asking a task handle
 * whether it is done. */
#define CORO_IMPLEMENTATION
#include "coro.h"
#include <stdio.h>

/* Python exceptions become status codes; yours start at CORO_ERR_USER. */
enum { ERR_VALUE = CORO_ERR_USER };

struct might_fail {
    coro_frame co;
    int should_fail;
    const char *result;  /* the return value */
    const char *message; /* the exception's text */
};

static CORO_FN(might_fail, struct might_fail, self)
{
    CORO_BEGIN(self);
    if (self->should_fail) {
        self->message = "Task failed";
        CORO_RETURN(self, ERR_VALUE); /* raise ValueError("Task failed") */
    }
    self->result = "Success";
    CORO_END(self);
}

struct main_co { coro_frame co; struct might_fail mf; coro_task task; coro_status err; };

static CORO_FN(main_co, struct main_co, self)
{
    coro_loop *loop = coro_running_loop();
    CORO_BEGIN(self);
    self->mf.should_fail = 0;
    CORO_CHECK(self, coro_spawn(loop, &self->task, might_fail, &self->mf));

    /* try: result = await task / except ValueError */
    CORO_CATCH(self, self->err, CORO_AWAIT_TASK(self, self->task));
    if (self->err == CORO_OK)
        printf("Result: %s\n", self->mf.result);
    else if (self->err == ERR_VALUE)
        printf("Error: %s\n", self->mf.message);
    else
        CORO_RETURN(self, self->err); /* anything else propagates */

    /* task.done() and task.result(): plain calls on the handle. */
    printf("Done: %s\n", coro_task_done(loop, self->task) ? "True" : "False");
    if (coro_task_status(loop, self->task) == CORO_OK)
        printf("Result: %s\n", self->mf.result);
    CORO_END(self);
}

int main(void)
{
    static struct main_co m;
    return coro_run(main_co, &m) == CORO_OK ? 0 : 1;
}
