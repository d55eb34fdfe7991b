/* The second file of the configuration check (see config_impl.c). */
#include "coro.h"
#include <stdio.h>

struct worker { coro_frame co; int n; };
static CORO_FN(worker, struct worker, self)
{
    CORO_BEGIN(self);
    self->n++;
    CORO_YIELD(self);
    CORO_END(self);
}

int other(void)
{
    static coro_loop L;
    static struct worker a, b;
    coro_status init, spawn, run = CORO_ERR_STATE;
    init = coro_loop_init(&L);
    spawn = coro_spawn(&L, NULL, worker, &a);
    if (init == CORO_OK && spawn == CORO_OK)
        run = coro_loop_run_forever(&L);
    printf("init: %s\n", coro_strerror(init));
    printf("spawn: %s\n", coro_strerror(spawn));
    printf("run_forever: %s\n", coro_strerror(run));
    printf("coro_run: %s\n", coro_strerror(coro_run(worker, &b)));
    printf("runs: %d %d\n", a.n, b.n);
    return 0;
}

/* Run from config_impl.c (coro_run there): its first entry finds that this
 * file's configuration is not the implementation's. */
CORO_FN(other_worker, struct worker, self)
{
    CORO_BEGIN(self);
    self->n++;
    CORO_YIELD(self);
    CORO_END(self);
}
