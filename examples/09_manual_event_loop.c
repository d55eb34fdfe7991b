/* 09: an event loop you own: init, run_until_complete, close. */
#define CORO_IMPLEMENTATION
#include "coro.h"
#include <stdio.h>

struct job { coro_frame co; const char *result; };

static CORO_FN(job, struct job, self)
{
    CORO_BEGIN(self);
    printf("Coroutine execution\n");
    CORO_SLEEP(self, CORO_MS(100));
    self->result = "Done";
    CORO_END(self);
}

int main(void)
{
    static coro_loop loop; /* asyncio.new_event_loop(): a plain object, no allocation */
    static struct job j;
    coro_status st;

    if (coro_loop_init(&loop) != CORO_OK)
        return 1;
    st = coro_loop_run_until_complete(&loop, job, &j);
    if (st == CORO_OK)
        printf("Result: %s\n", j.result);
    coro_loop_close(&loop); /* the `finally:` of the Python version */
    return st == CORO_OK ? 0 : 1;
}
