/* 07: gather returns results in argument order. */
#define CORO_IMPLEMENTATION
#include "coro.h"
#include <stdio.h>

#define N 3

struct fetch_url { coro_frame co; const char *url; char result[64]; };

static CORO_FN(fetch_url, struct fetch_url, self)
{
    CORO_BEGIN(self);
    CORO_SLEEP(self, CORO_S(1));
    snprintf(self->result, sizeof self->result, "Data from %s", self->url);
    CORO_END(self);
}

static const char *const urls[N] = {
    "http://example.com/1",
    "http://example.com/2",
    "http://example.com/3",
};

struct main_co { coro_frame co; struct fetch_url f[N]; coro_task tasks[N]; };

static CORO_FN(main_co, struct main_co, self)
{
    int i;
    CORO_BEGIN(self);
    for (i = 0; i < N; i++) {
        self->f[i].url = urls[i];
        CORO_CHECK(self, coro_spawn(coro_running_loop(), &self->tasks[i], fetch_url, &self->f[i]));
    }
    /* All three sleep together: 1 s in all. */
    CORO_GATHER(self, self->tasks, N, NULL);
    /* Each result sits in its own frame, so the order is the argument order. */
    for (i = 0; i < N; i++)
        printf("%s: %s\n", urls[i], self->f[i].result);
    CORO_END(self);
}

int main(void)
{
    static struct main_co m;
    return coro_run(main_co, &m) == CORO_OK ? 0 : 1;
}
