/* 10: plain callbacks on the running loop: call_soon and call_later. */
#define CORO_IMPLEMENTATION
#include "coro.h"
#include <stdio.h>

/* A callback is a plain function: it runs to its end, it cannot await. */
static void print_line(void *text) { printf("%s\n", (const char *)text); }

struct main_co { coro_frame co; };

static CORO_FN(main_co, struct main_co, self)
{
    coro_loop *loop = coro_running_loop(); /* asyncio.get_running_loop() */
    CORO_BEGIN(self);
    CORO_CHECK(self, coro_call_soon(loop, NULL, print_line, "Scheduled immediately"));
    CORO_CHECK(self, coro_call_later(loop, NULL, CORO_MS(500), print_line, "Scheduled in 0.5s"));
    CORO_SLEEP(self, CORO_S(1)); /* both callbacks run while main sleeps */
    CORO_END(self);
}

int main(void)
{
    static struct main_co m;
    return coro_run(main_co, &m) == CORO_OK ? 0 : 1;
}
