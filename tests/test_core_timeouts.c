/* Timeout scopes (coro.h): CORO_TIMEOUT around awaits, expiry after the
 * inner cleanup, nesting, foreign cancellation, no callback slot.
 * Part of the core suite split by subject: shared setup, coroutines and the
 * trace notation are in tests/core_common.h. Built also on the labels backend,
 * 16-bit ticks and 8-bit generations (Makefile labels/tick16, mk gen8). */
#include "core_common.h"

TestSuite(timeouts, .init = setup);

/* ====================================================================================
 * timeout scopes
 * ==================================================================================== */

/* A CORO_TIMEOUT scope around a sub-coroutine (or a bare yield), caught.
 * Trace: "P<status>@<t>" an earlier sleep's caught cancellation (precancel),
 * "S<status>@<t>" the scope's result (2 = TIMEOUT), "S.@<t>" after the
 * following sleep; the inner worker prints as in core_common.h. */
struct scoped {
    coro_frame co;
    coro_timeout to;
    struct worker w;
    coro_tick timeout, after;
    coro_status st, pre;
    int yield_only, precancel;
};
static CORO_FN(scoped, struct scoped, self)
{
    CORO_BEGIN(self);
    if (self->precancel) {
        CORO_CATCH(self, self->pre, CORO_SLEEP(self, 100));
        tr("P%d@%lu ", (int)self->pre, NOW());
    }
    if (self->yield_only)
        CORO_CATCH(self, self->st, CORO_TIMEOUT(self, &self->to, self->timeout, CORO_YIELD(self)));
    else
        CORO_CATCH(self, self->st, CORO_TIMEOUT(self, &self->to, self->timeout, CORO_AWAIT(self, worker, &self->w)));
    tr("S%d@%lu ", (int)self->st, NOW());
    if (self->after) {
        CORO_SLEEP(self, self->after);
        tr("S.@%lu ", NOW());
    }
    CORO_END(self);
}

Test(timeouts, timeout_scope_expiry_after_inner_cleanup)
{
    struct scoped s = {.timeout = 10, .after = 5};
    coro_task t;
    s.w.name = "a";
    s.w.d = 100;
    s.w.fin_sleep = 5;
    cr_assert_eq(coro_spawn(&L, &t, scoped, &s), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, t), CORO_OK); /* the task is not cancelled */
    cr_assert_str_eq(trace, "a1@10 a.@15 S2@15 S.@20 ");
    cr_assert_eq(L.hlen, 0);
    cr_assert_eq(cb_free_count(), CORO_MAX_CALLBACKS);
}

Test(timeouts, timeout_scope_unexpired_returns_result)
{
    struct scoped s = {.timeout = 50, .after = 100};
    coro_task t;
    s.w.name = "a";
    s.w.d = 10;
    s.w.ret = CORO_ERR_USER + 1;
    cr_assert_eq(coro_spawn(&L, &t, scoped, &s), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, t), CORO_OK);
    cr_assert_str_eq(trace, "a33@10 S33@10 S.@110 "); /* the scope never fired */
    cr_assert_eq(cb_free_count(), CORO_MAX_CALLBACKS);
}

Test(timeouts, timeout_scope_zero_around_yield_times_out)
{
    struct scoped s = {.timeout = 0, .yield_only = 1};
    coro_task t;
    cr_assert_eq(coro_spawn(&L, &t, scoped, &s), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, t), CORO_OK);
    cr_assert_str_eq(trace, "S2@0 ");
}

/* Same, after the task caught an earlier cancellation. */
Test(timeouts, timeout_scope_zero_around_yield_after_caught_cancel)
{
    struct scoped s = {.timeout = 0, .yield_only = 1, .precancel = 1};
    struct canceller c = {0};
    coro_task t;
    t = spawn_cancelled_at(scoped, &s.co, 10, cancel_cb, &c);
    cr_assert_eq(coro_loop_run_task(&L, t), CORO_OK);
    cr_assert_str_eq(trace, "X@10 P1@10 S2@10 ");
}

Test(timeouts, timeout_scope_foreign_cancel_stays_cancelled)
{
    struct scoped s = {.timeout = 100, .after = 200};
    struct canceller c = {0};
    coro_task t;
    s.w.name = "a";
    s.w.d = 50;
    t = spawn_cancelled_at(scoped, &s.co, 10, cancel_cb, &c);
    cr_assert_eq(coro_loop_run_task(&L, t), CORO_OK);
    cr_assert_str_eq(trace, "X@10 a1@10 S1@10 S.@210 ");
    cr_assert_eq(cb_free_count(), CORO_MAX_CALLBACKS);
}

struct inner_scope { coro_frame co; coro_timeout to; struct worker w; coro_status st; };
static CORO_FN(inner_scope, struct inner_scope, self)
{
    CORO_BEGIN(self);
    CORO_CATCH(self, self->st, CORO_TIMEOUT(self, &self->to, 10, CORO_AWAIT(self, worker, &self->w)));
    tr("I%d@%lu ", (int)self->st, NOW());
    CORO_RETURN(self, self->st);
    CORO_END(self);
}
struct outer_scope { coro_frame co; coro_timeout to; struct inner_scope in; coro_status st; };
static CORO_FN(outer_scope, struct outer_scope, self)
{
    CORO_BEGIN(self);
    CORO_CATCH(self, self->st, CORO_TIMEOUT(self, &self->to, 10, CORO_AWAIT(self, inner_scope, &self->in)));
    tr("O%d@%lu ", (int)self->st, NOW());
    CORO_END(self);
}

Test(timeouts, timeout_scopes_nested_same_deadline_outer_reports)
{
    struct outer_scope o;
    memset(&o, 0, sizeof o);
    o.in.w.name = "a";
    o.in.w.d = 100;
    cr_assert_eq(coro_loop_run_until_complete(&L, outer_scope, &o), CORO_OK);
    cr_assert_str_eq(trace, "a1@10 I1@10 O2@10 ");
    cr_assert_eq(cb_free_count(), CORO_MAX_CALLBACKS);
}

/* A timeout scope around an await of a task: expiry cancels the awaited
 * task through the awaiting one, and the scope reports the timeout after the
 * awaited task's cleanup. */
struct scoped_task { coro_frame co; coro_timeout to; coro_task t; coro_status st; };
static CORO_FN(scoped_task, struct scoped_task, self)
{
    CORO_BEGIN(self);
    CORO_CATCH(self, self->st, CORO_TIMEOUT(self, &self->to, 10, CORO_AWAIT_TASK(self, self->t)));
    tr("S%d@%lu ", (int)self->st, NOW());
    CORO_END(self);
}

Test(timeouts, timeout_scope_around_task_await)
{
    struct worker w = {.name = "a", .d = 100, .fin_sleep = 4};
    struct scoped_task s = {0};
    coro_task t;
    cr_assert_eq(coro_spawn(&L, &s.t, worker, &w), CORO_OK);
    cr_assert_eq(coro_spawn(&L, &t, scoped_task, &s), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, t), CORO_OK);
    cr_assert_str_eq(trace, "a1@10 a.@14 S2@14 ");
    cr_assert(coro_task_cancelled(&L, s.t));
    cr_assert_eq(cb_free_count(), CORO_MAX_CALLBACKS);
}

/* Not caught: the scope's timeout propagates like any error, through the
 * cleanup section. */
struct uncaught_scope { coro_frame co; coro_timeout to; struct worker w; };
static CORO_FN(uncaught_scope, struct uncaught_scope, self)
{
    CORO_BEGIN(self);
    CORO_TIMEOUT(self, &self->to, 10, CORO_AWAIT(self, worker, &self->w));
    tr("unreached ");
    CORO_FINALLY(self);
    tr("U%d@%lu ", (int)CORO_ERROR(self), NOW());
    CORO_END(self);
}

Test(timeouts, timeout_scope_uncaught_propagates)
{
    struct uncaught_scope u;
    memset(&u, 0, sizeof u);
    u.w.name = "a";
    u.w.d = 100;
    cr_assert_eq(coro_loop_run_until_complete(&L, uncaught_scope, &u), CORO_ERR_TIMEOUT);
    cr_assert_str_eq(trace, "a1@10 U2@10 ");
}

/* With the callback store full a scope cannot arm: it reports NO_SLOT and
 * its statement does not run. */
Test(timeouts, timeout_scope_without_callback_slot)
{
    struct scoped s = {.timeout = 10};
    coro_task t;
    int i;
    s.w.name = "a";
    s.w.d = 5;
    for (i = 0; i < CORO_MAX_CALLBACKS; i++)
        cr_assert_eq(coro_call_later(&L, NULL, 1000, nop_cb, NULL), CORO_OK);
    cr_assert_eq(coro_spawn(&L, &t, scoped, &s), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, t), CORO_OK);
    cr_assert_eq(s.st, CORO_ERR_NO_SLOT);
    cr_assert_not(s.w.ran);
    cr_assert_str_eq(trace, "S4@0 ");
}
