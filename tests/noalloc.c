/* The whole core API exercised with the allocator replaced by abort():
 * coro allocates nothing. No stdio here (it allocates its buffers). */
#define CORO_IMPLEMENTATION
#include "coro.h"
#include "coro_sync.h"
#include "coro_queue.h"
#include <stdlib.h>

void *malloc(size_t n) { (void)n; abort(); }
void *calloc(size_t n, size_t m) { (void)n; (void)m; abort(); }
void *realloc(void *p, size_t n) { (void)p; (void)n; abort(); }
void free(void *p) { if (p) abort(); }

struct leaf { coro_frame co; int n; };
static CORO_FN(leaf, struct leaf, self)
{
    CORO_BEGIN(self);
    CORO_SLEEP(self, (coro_tick)self->n);
    CORO_YIELD(self);
    if (self->n == 3)
        CORO_RETURN(self, CORO_ERR_USER);
    CORO_END(self);
}

static int fired;
static void cb(void *arg) { (void)arg; fired++; }

struct root {
    coro_frame co;
    struct leaf kids[4], inl;
    coro_task t[4];
    coro_status errs[4];
    coro_timeout to;
    int ndone, i;
    coro_status st;
};
static CORO_FN(root, struct root, self)
{
    CORO_BEGIN(self);
    coro_call_soon(coro_running_loop(), NULL, cb, NULL);
    coro_call_later(coro_running_loop(), NULL, 5, cb, NULL);
    for (self->i = 0; self->i < 4; self->i++) {
        self->kids[self->i].n = self->i + 1;
        coro_spawn(coro_running_loop(), &self->t[self->i], leaf, &self->kids[self->i]);
    }
    CORO_WAIT(self, self->t, 4, CORO_FIRST_COMPLETED, CORO_FOREVER, self->ndone);
    CORO_GATHER(self, self->t, 4, self->errs);
    self->inl.n = 100;
    CORO_CATCH(self, self->st, CORO_TIMEOUT(self, &self->to, 10, CORO_AWAIT(self, leaf, &self->inl)));
    if (self->st != CORO_ERR_TIMEOUT || self->errs[2] != CORO_ERR_USER || fired != 2)
        CORO_RETURN(self, CORO_ERR_STATE);
    CORO_END(self);
}

int main(void)
{
    static struct root r;
    return coro_run(root, &r) == CORO_OK ? 0 : 1;
}
