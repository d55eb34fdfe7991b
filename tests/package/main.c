/* Built against an installed coro through pkg-config and through CMake. */
#define CORO_IMPLEMENTATION
#include <coro.h>
#include <coro_sync.h>
#include <coro_queue.h>
#include <stdio.h>
#include <string.h>

struct hello { coro_frame co; int i; };
static CORO_FN(hello, struct hello, self)
{
    CORO_BEGIN(self);
    for (self->i = 0; self->i < 2; self->i++)
        CORO_YIELD(self);
    CORO_END(self);
}

int main(void)
{
    static struct hello h;
    printf("coro %s\n", CORO_VERSION);
    return coro_run(hello, &h) == CORO_OK && strcmp(CORO_VERSION, VERSION_EXPECTED) == 0 ? 0 : 1;
}
