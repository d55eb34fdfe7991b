/* 03: await a coroutine and use what it returns. */
#define CORO_IMPLEMENTATION
#include "coro.h"
#include <stdio.h>

/* The "return value" of a coroutine lives in its frame: the caller reads it
 * after the await. */
struct fetch_data { coro_frame co; const char *url; char data[64]; };

static CORO_FN(fetch_data, struct fetch_data, self)
{
    CORO_BEGIN(self);
    printf("Fetching %s\n", self->url);
    CORO_SLEEP(self, CORO_S(2)); /* simulated I/O */
    snprintf(self->data, sizeof self->data, "Content from %s", self->url);
    CORO_END(self);
}

struct main_co { coro_frame co; struct fetch_data fetch; };

static CORO_FN(main_co, struct main_co, self)
{
    CORO_BEGIN(self);
    /* result = await fetch_data("http://example.com"): the child runs inline,
     * inside this task, and this line resumes when it has finished. */
    self->fetch.url = "http://example.com";
    CORO_AWAIT(self, fetch_data, &self->fetch);
    printf("{'data': '%s'}\n", self->fetch.data);
    CORO_END(self);
}

int main(void)
{
    static struct main_co m;
    return coro_run(main_co, &m) == CORO_OK ? 0 : 1;
}
