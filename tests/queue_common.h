/* Shared by the coro_queue.h suites tests/test_queue_<subject>.c, on the
 * virtual clock: the loop and queue under test, setup, one queue operation
 * per task (op_fn, spawn_op), the `script` coroutine a test body runs as its
 * main task (RUN), and try-put/try-get shorthands. Each test_queue_*.c file
 * is its own program (CORO_IMPLEMENTATION is defined here). */
#ifndef QUEUE_COMMON_H
#define QUEUE_COMMON_H
/* A helper a subject may leave unused (Criterion needs gcc or clang). */
#define QUEUE_SHARED __attribute__((unused))
#define CORO_MAX_TASKS 16
#define CORO_MAX_CALLBACKS 16
#define CORO_IMPLEMENTATION
/* Count every insertion number the priority heap reads (its work). */
QUEUE_SHARED static unsigned long pq_work;
#define CORO__QUEUE_WORK() ((void)pq_work++)
#include "coro.h"
#include "coro_queue.h"
#include <criterion/criterion.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/time.h>

QUEUE_SHARED static coro_loop L;
QUEUE_SHARED static int buf[8];
QUEUE_SHARED static coro_queue Q;

QUEUE_SHARED static void setup(void)
{
    coro_virtual_now = 0;
    cr_assert_eq(coro_loop_init(&L), CORO_OK);
    memset(buf, 0, sizeof buf);
}

/* The element of the priority queues: ordered by prio (job_cmp). */
struct job { int prio, id; };
QUEUE_SHARED static int job_cmp(const void *a, const void *b)
{
    const struct job *x = (const struct job *)a, *y = (const struct job *)b;
    return (x->prio > y->prio) - (x->prio < y->prio);
}

/* ---- helpers ----------------------------------------------------------------- */

/* One queue operation in its own task; the status lands in st. */
enum { OP_PUT, OP_GET, OP_JOIN };
struct op {
    coro_frame co;
    coro_queue *q;
    int kind, item, finished;
    coro_tick timeout; /* 0: none */
    coro_timeout to;
    coro_status st;
};

QUEUE_SHARED static CORO_FN(op_fn, struct op, self)
{
    CORO_BEGIN(self);
    if (self->kind == OP_PUT) {
        if (self->timeout)
            CORO_CATCH(self, self->st, CORO_TIMEOUT(self, &self->to, self->timeout, CORO_QUEUE_PUT(self, self->q, &self->item)));
        else
            CORO_CATCH(self, self->st, CORO_QUEUE_PUT(self, self->q, &self->item));
    } else if (self->kind == OP_GET) {
        if (self->timeout)
            CORO_CATCH(self, self->st, CORO_TIMEOUT(self, &self->to, self->timeout, CORO_QUEUE_GET(self, self->q, &self->item)));
        else
            CORO_CATCH(self, self->st, CORO_QUEUE_GET(self, self->q, &self->item));
    } else {
        CORO_CATCH(self, self->st, CORO_QUEUE_JOIN(self, self->q));
    }
    self->finished = 1;
    CORO_RETURN(self, self->st);
    CORO_END(self);
}

QUEUE_SHARED static coro_task spawn_op(struct op *o, int kind, coro_queue *q, int item, coro_tick timeout)
{
    coro_task t = 0;
    memset(o, 0, sizeof *o);
    o->kind = kind;
    o->q = q;
    o->item = item;
    o->timeout = timeout;
    o->st = 99;
    cr_assert_eq(coro_spawn(&L, &t, op_fn, o), CORO_OK);
    return t;
}

/* A test body is a coroutine `script` run as the main task. */
struct script { coro_frame co; int step; struct op o[6]; coro_task t[6]; coro_status st; int x; };
#define RUN(fn)                                                            \
    do {                                                                   \
        static struct script s_;                                           \
        memset(&s_, 0, sizeof s_);                                         \
        cr_assert_eq(coro_loop_run_until_complete(&L, fn, &s_), CORO_OK);  \
    } while (0)

/* Spawns n operations of one kind on Q as tasks t[0..n-1] (items[i] the item
 * each puts, or 0 if items is NULL; no timeout). */
QUEUE_SHARED static void spawn_ops(struct script *s, int kind, int n, const int *items)
{
    int i;
    for (i = 0; i < n; i++)
        s->t[i] = spawn_op(&s->o[i], kind, &Q, items ? items[i] : 0, 0);
}

QUEUE_SHARED static int getn(coro_queue *q)
{
    int v = -1;
    cr_assert_eq(coro_queue_try_get(q, &v), CORO_OK);
    return v;
}

QUEUE_SHARED static void putn(coro_queue *q, int v) { cr_assert_eq(coro_queue_try_put(q, &v), CORO_OK); }

#endif /* QUEUE_COMMON_H */
