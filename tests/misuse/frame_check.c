/* Spawning or awaiting a coroutine on a frame of another type must not
 * compile (issue 11, item 14; mk/host.mk builds each -DCASE=n with gcc,
 * clang, g++ and clang++). CASE 0 is the correct program, which must build
 * and run; every other case must be refused, naming the frame check. */
#define CORO_IMPLEMENTATION
#include "coro.h"

struct child { coro_frame co; int x; };
struct other { coro_frame co; long y; };
struct parent { coro_frame co; struct child c; struct other o; coro_task t; };

static CORO_DECLARE(child, struct child); /* forward declaration, same file */
CORO_DECLARE(shared, struct child);       /* as a header would declare it... */
CORO_DECLARE(shared, struct child);       /* ...repeatable */

static CORO_FN(parent, struct parent, self)
{
    coro_fn fp = child; /* a function pointer held in a variable */
    CORO_BEGIN(self);
#if CASE == 0
    CORO_AWAIT(self, child, &self->c);
    CORO_AWAIT(self, shared, &self->c);
    coro_spawn(coro_running_loop(), &self->t, child, &self->c);
    CORO_AWAIT_TASK(self, self->t);
    coro_spawn_fn(coro_running_loop(), &self->t, fp, &self->c.co);
    CORO_AWAIT_TASK(self, self->t);
    CORO_AWAIT_FN(self, fp, &self->c.co);
#elif CASE == 1
    coro_spawn(coro_running_loop(), &self->t, child, &self->o); /* wrong frame type */
#elif CASE == 2
    CORO_AWAIT(self, child, &self->o); /* wrong frame type */
#elif CASE == 5
    coro_spawn(coro_running_loop(), &self->t, fp, &self->c); /* a variable: use coro_spawn_fn */
#elif CASE == 6
    CORO_AWAIT(self, fp, &self->c); /* a variable: use CORO_AWAIT_FN */
#endif
    (void)fp;
    CORO_END(self);
}

static CORO_FN(child, struct child, self)
{
    CORO_BEGIN(self);
    self->x++;
    CORO_END(self);
}

CORO_FN(shared, struct child, self) /* the definition after the declarations */
{
    CORO_BEGIN(self);
    self->x += 10;
    CORO_END(self);
}

int main(void)
{
    static struct parent p;
    static coro_loop L;
    coro_status st;
#if CASE == 3
    static struct other o;
    return coro_run(child, &o); /* wrong frame type */
#elif CASE == 4
    coro_loop_init(&L);
    return coro_loop_run_until_complete(&L, parent, &p.c); /* wrong frame type */
#endif
    st = coro_run(parent, &p);
    coro_loop_init(&L);
    return st != CORO_OK || p.c.x != 14 || coro_loop_run_until_complete(&L, child, &p.c) != CORO_OK || p.c.x != 15;
}
