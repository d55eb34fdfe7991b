/* 01: a coroutine - print, sleep without blocking, print again. */
#define CORO_IMPLEMENTATION
#include "coro.h"
#include <stdio.h>

/* `async def greet(name)`: the arguments, and every local that must survive
 * an await, are fields of the coroutine's frame. */
struct greet { coro_frame co; const char *name; };

static CORO_FN(greet, struct greet, self)
{
    CORO_BEGIN(self);
    printf("Hello %s\n", self->name);
    CORO_SLEEP(self, CORO_S(1)); /* await asyncio.sleep(1): other tasks could run */
    printf("Goodbye %s\n", self->name);
    CORO_END(self);
}

int main(void)
{
    static struct greet g = { .name = "Alice" };
    return coro_run(greet, &g) == CORO_OK ? 0 : 1; /* asyncio.run(greet("Alice")) */
}
