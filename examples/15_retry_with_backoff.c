/* 15: retry a failing coroutine, sleeping longer between attempts. */
#define CORO_IMPLEMENTATION
#include "coro.h"
#include <stdio.h>

enum { ERR_CONNECTION = CORO_ERR_USER }; /* ConnectionError */

/* An API that fails on its first two attempts. */
struct unreliable_api { coro_frame co; int attempt; const char *result; };

static CORO_FN(unreliable_api, struct unreliable_api, self)
{
    CORO_BEGIN(self);
    if (self->attempt < 3)
        CORO_RETURN(self, ERR_CONNECTION); /* raise ConnectionError */
    self->result = "Success";
    CORO_END(self);
}

struct retry {
    coro_frame co;
    int max_retries, backoff;       /* arguments */
    int attempt, delay;             /* locals that live across awaits */
    struct unreliable_api call;     /* the awaited coroutine's frame */
};

static CORO_FN(retry_with_backoff, struct retry, self)
{
    CORO_BEGIN(self);
    self->delay = 1; /* backoff ** (attempt - 1) */
    for (self->attempt = 1; self->attempt <= self->max_retries; self->attempt++) {
        self->call.attempt = self->attempt;
        CORO_TRY(self) {
            CORO_AWAIT(self, unreliable_api, &self->call);
            break; /* return await coro(attempt) */
        } CORO_EXCEPT(self, CORO_EXCEPTION) { /* a cancellation is not retried */
            if (self->attempt == self->max_retries)
                CORO_RETURN(self, CORO_STATUS(self)); /* raise */
            printf("Retry %d after %ds\n", self->attempt, self->delay);
            CORO_SLEEP(self, CORO_S(self->delay));
            self->delay *= self->backoff;
        } CORO_END_TRY(self);
    }
    CORO_END(self);
}

struct main_co { coro_frame co; struct retry r; };

static CORO_FN(main_co, struct main_co, self)
{
    CORO_BEGIN(self);
    self->r.max_retries = 3;
    self->r.backoff = 1;
    CORO_AWAIT(self, retry_with_backoff, &self->r); /* a failure would propagate */
    printf("Result: %s\n", self->r.call.result);
    CORO_END(self);
}

int main(void)
{
    static struct main_co m;
    return coro_run(main_co, &m) == CORO_OK ? 0 : 1;
}
