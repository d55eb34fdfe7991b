/* sync_cost: instruction counts of coro_sync.h's Lock, for callgrind.
 *   sync_cost lock N      one task: N x (CORO_LOCK on a free lock + release)
 *   sync_cost handoff N   two tasks: N x (CORO_LOCK; CORO_YIELD; release) each,
 *                         so every acquire waits and every release hands the
 *                         lock to the waiter (suspend, hand-off, resume)
 *   sync_cost yield N     two tasks: N x CORO_YIELD each (the baseline switch)
 * Per-operation cost: run with two N and divide the difference, e.g.
 *   valgrind --tool=callgrind ./sync_cost lock 1000 / lock 11000 */
#define CORO_IMPLEMENTATION
#include "coro.h"
#include "coro_sync.h"
#include <stdlib.h>
#include <string.h>

static coro_lock lock = CORO_LOCK_INIT;
static unsigned long n;
static int mode; /* 0 lock, 1 handoff, 2 yield */

struct worker { coro_frame co; unsigned long i; };

static CORO_FN(worker, struct worker, self)
{
    CORO_BEGIN(self);
    for (self->i = 0; self->i < n; self->i++) {
        if (mode == 2) {
            CORO_YIELD(self);
        } else {
            CORO_LOCK(self, &lock);
            if (mode == 1)
                CORO_YIELD(self);
            coro_lock_release(&lock);
        }
    }
    CORO_END(self);
}

int main(int argc, char **argv)
{
    static coro_loop loop;
    static struct worker a, b;
    if (argc < 3)
        return 2;
    mode = !strcmp(argv[1], "handoff") ? 1 : !strcmp(argv[1], "yield") ? 2 : 0;
    n = strtoul(argv[2], NULL, 10);
    coro_loop_init(&loop);
    coro_spawn(&loop, NULL, worker, &a);
    if (mode)
        coro_spawn(&loop, NULL, worker, &b);
    return coro_loop_run_forever(&loop) == CORO_OK && !coro_lock_locked(&lock) ? 0 : 1;
}
