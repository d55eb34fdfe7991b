/* Shared by the core suites tests/test_core_<subject>.c (coro.h on the
 * virtual clock): the loop under test, the trace buffer, setup, and the
 * coroutines several subjects drive. Each test_core_*.c file is its own
 * program (one translation unit, CORO_IMPLEMENTATION defined here), so
 * everything here is static; CORE_SHARED keeps a subject that does not use a
 * helper warning-free.
 *
 * Reading the expected traces. Tests assert what a user can observe: a trace
 * string, statuses and virtual time. The tokens, separated by spaces:
 *   x                 once_fn ran
 *   <name><st>@<t>    worker <name> reached its cleanup section (CORO_FINALLY)
 *                     with status <st> at virtual time <t>: a35@10 is worker
 *                     "a" ending with CORO_ERR_USER + 3 at t=10
 *   <name>.@<t>       worker <name> finished the sleep inside its cleanup
 *   X@<t>             cancel_cb cancelled a task at <t>
 *   B<st>@<t>         the boss's operation (await, gather, wait, wait_for, shield)
 *                     completed with status <st> at <t>; B.@<t> after its sleep
 * Statuses print as numbers: 0 CORO_OK, 1 CANCELLED, 2 TIMEOUT, 3 INVALID,
 * 4 NO_SLOT, 7 RANGE, 12 BUSY, 13 SELF_AWAIT; 32 + k is CORO_ERR_USER + k
 * (33 = USER + 1, 34 = USER + 2, 35 = USER + 3). A subject file explains its
 * own extra tokens next to the coroutine that prints them. */
#ifndef CORE_COMMON_H
#define CORE_COMMON_H
#define CORO_MAX_CALLBACKS 240 /* room for the heap and equal-deadline tests */
#define CORO_IMPLEMENTATION
#include "coro.h"
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A helper a subject may leave unused (Criterion needs gcc or clang). */
#define CORE_SHARED __attribute__((unused))

CORE_SHARED static coro_loop L;
CORE_SHARED static char trace[8192];

CORE_SHARED static void tr(const char *fmt, ...)
{
    size_t n = strlen(trace);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(trace + n, sizeof trace - n, fmt, ap);
    va_end(ap);
}

/* The running loop's time, as an unsigned long for traces. */
#define NOW() ((unsigned long)coro_loop_time(coro_running_loop()))

CORE_SHARED static void setup(void)
{
    coro_virtual_now = 0;
    trace[0] = 0;
    cr_assert_eq(coro_loop_init(&L), CORO_OK);
}

/* Free callback slots (white box). */
CORE_SHARED static int cb_free_count(void)
{
    int n = 0;
    coro_index i;
    for (i = L.cb_free; i != CORO__NONE; i = L.slot[i].next)
        n++;
    return n;
}

/* ---- coroutines shared by the tests ------------------------------------------------ */

/* Traces "x" and ends. */
struct once { coro_frame co; };
CORE_SHARED static CORO_FN(once_fn, struct once, self)
{
    CORO_BEGIN(self);
    tr("x ");
    CORO_END(self);
}

/* Yields n times, tracing its name each time round. */
struct ping { coro_frame co; const char *name; int i, n; };
CORE_SHARED static CORO_FN(ping, struct ping, self)
{
    CORO_BEGIN(self);
    for (self->i = 0; self->i < self->n; self->i++) {
        tr("%s", self->name);
        CORO_YIELD(self);
    }
    CORO_END(self);
}

/* The workhorse: sleeps d, sets result, ends with ret. Its cleanup section
 * traces "<name><status>@<time>", may sleep itself (tracing "<name>.@<time>"),
 * may swallow the error or replace it. */
struct worker {
    coro_frame co;
    const char *name;
    coro_tick d, fin_sleep;
    coro_status ret, fin_err, seen;
    int swallow, result, ran;
};
CORE_SHARED static CORO_FN(worker, struct worker, self)
{
    CORO_BEGIN(self);
    self->ran = 1;
    CORO_SLEEP(self, self->d);
    self->result = 1000 + (int)self->d;
    if (self->ret)
        CORO_RETURN(self, self->ret);
    CORO_FINALLY(self);
    self->seen = CORO_ERROR(self);
    tr("%s%d@%lu ", self->name, (int)self->seen, NOW());
    if (self->fin_sleep) {
        CORO_SLEEP(self, self->fin_sleep);
        tr("%s.@%lu ", self->name, NOW());
    }
    if (self->swallow)
        CORO_ERROR(self) = 0;
    if (self->fin_err)
        CORO_ERROR(self) = self->fin_err;
    CORO_END(self);
}

/* A callback that cancels a task and traces "X@<time>". */
struct canceller { coro_task t; int ret, ret2, twice; };
CORE_SHARED static void cancel_cb(void *arg)
{
    struct canceller *c = (struct canceller *)arg;
    c->ret = coro_task_cancel(coro_running_loop(), c->t);
    if (c->twice)
        c->ret2 = coro_task_cancel(coro_running_loop(), c->t);
    tr("X@%lu ", NOW());
}

/* Spawns the coroutine fn on frame f and arranges for cb (cancel_cb, or a
 * callback that calls it) to cancel it through c at virtual time `when`. */
CORE_SHARED static coro_task spawn_cancelled_at(coro_fn fn, coro_frame *f, coro_tick when, coro_callback cb,
                                                struct canceller *c)
{
    coro_task t = 0;
    cr_assert_eq(coro_spawn_fn(&L, &t, fn, f), CORO_OK);
    c->t = t;
    cr_assert_eq(coro_call_at(&L, NULL, when, cb, c), CORO_OK);
    return t;
}

/* The task-composition driver: optionally sleeps `before`, spawns a spy
 * (traces "x" when it first runs, to tell whether the op suspended), runs
 * one operation with CORO_CATCH, traces "B<status>@<time>", records which
 * tasks are done, optionally sleeps `after`, and ends with the status if
 * reraise. */
enum { OP_AWAIT, OP_GATHER, OP_GATHER_ERRS, OP_WAIT, OP_WAIT_FOR, OP_SHIELD };
struct boss {
    coro_frame co;
    int op, n, when, ndone, reraise, spy;
    coro_task t[4];
    coro_status errs[4];
    coro_tick before, after, timeout;
    coro_status st;
    unsigned mask;
    struct once spyf;
};
CORE_SHARED static CORO_FN(boss, struct boss, self)
{
    int i;
    CORO_BEGIN(self);
    if (self->before)
        CORO_SLEEP(self, self->before);
    if (self->spy)
        cr_assert_eq(coro_spawn(coro_running_loop(), NULL, once_fn, &self->spyf), CORO_OK);
    self->st = 99;
    if (self->op == OP_AWAIT)
        CORO_CATCH(self, self->st, CORO_AWAIT_TASK(self, self->t[0]));
    else if (self->op == OP_GATHER)
        CORO_CATCH(self, self->st, CORO_GATHER(self, self->t, self->n, NULL));
    else if (self->op == OP_GATHER_ERRS)
        CORO_CATCH(self, self->st, CORO_GATHER(self, self->t, self->n, self->errs));
    else if (self->op == OP_WAIT)
        CORO_CATCH(self, self->st, CORO_WAIT(self, self->t, self->n, self->when, self->timeout, self->ndone));
    else if (self->op == OP_SHIELD)
        CORO_CATCH(self, self->st, CORO_SHIELD(self, self->t[0]));
    else
        CORO_CATCH(self, self->st, CORO_WAIT_FOR(self, self->t[0], self->timeout));
    tr("B%d@%lu ", (int)self->st, NOW());
    self->mask = 0;
    for (i = 0; i < self->n && i < 4; i++)
        if (coro_task_done(coro_running_loop(), self->t[i]))
            self->mask |= 1u << i;
    if (self->after) {
        CORO_SLEEP(self, self->after);
        tr("B.@%lu ", NOW());
    }
    CORO_RETURN(self, self->reraise ? self->st : CORO_OK);
    CORO_END(self);
}

/* Callbacks several subjects use: does nothing; traces "<arg>@<time>". */
CORE_SHARED static void nop_cb(void *arg) { (void)arg; }
CORE_SHARED static void name_cb(void *arg) { tr("%s@%lu ", (const char *)arg, NOW()); }

#endif /* CORE_COMMON_H */
