/* Continuations (coro.h): awaiting a child coroutine frame, its value and
 * status, CORO_CATCH, the CORO_FINALLY cleanup section on every way out, an
 * await inside a user switch, resuming a finished frame.
 * Part of the core suite split by subject: shared setup, coroutines and the
 * trace notation are in tests/core_common.h. Built also on the labels backend,
 * 16-bit ticks and 8-bit generations (Makefile labels/tick16, mk gen8). */
#include "core_common.h"

TestSuite(continuations, .init = setup);

/* ====================================================================================
 * continuations
 * ==================================================================================== */

/* Trace: "c1" the child started, "c2" it resumed after its yield, "c3" it
 * ended normally (not when it returns ret); the parent prints
 * "p<out>/<caught status>" after the first await and "q<out>" after the
 * second. */
struct child { coro_frame co; int in, out; coro_status ret; };
static CORO_FN(child, struct child, self)
{
    CORO_BEGIN(self);
    tr("c1 ");
    CORO_YIELD(self);
    self->out = self->in * 2;
    tr("c2 ");
    if (self->ret)
        CORO_RETURN(self, self->ret);
    tr("c3 ");
    CORO_END(self);
}

struct parent { coro_frame co; struct child ch; coro_status st; int catch_it; };
static CORO_FN(parent, struct parent, self)
{
    CORO_BEGIN(self);
    self->ch.in = 21;
    if (self->catch_it)
        CORO_CATCH(self, self->st, CORO_AWAIT(self, child, &self->ch));
    else
        CORO_AWAIT(self, child, &self->ch);
    tr("p%d/%d ", self->ch.out, (int)self->st);
    /* The same child frame awaited again starts afresh. */
    self->ch.in = 5;
    self->ch.ret = 0;
    CORO_AWAIT(self, child, &self->ch);
    tr("q%d ", self->ch.out);
    CORO_END(self);
}

Test(continuations, await_child_returns_value_and_status)
{
    struct parent p = {.catch_it = 0};
    cr_assert_eq(coro_loop_run_until_complete(&L, parent, &p), CORO_OK);
    cr_assert_str_eq(trace, "c1 c2 c3 p42/0 c1 c2 c3 q10 ");
}

Test(continuations, await_child_error_propagates)
{
    struct parent p = {.catch_it = 0};
    coro_task t;
    p.ch.ret = CORO_ERR_USER + 1;
    cr_assert_eq(coro_spawn(&L, &t, parent, &p), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, t), CORO_ERR_USER + 1);
    cr_assert_str_eq(trace, "c1 c2 "); /* nothing after the failed await ran */
    cr_assert_eq(coro_task_status(&L, t), CORO_ERR_USER + 1);
}

Test(continuations, await_child_error_caught)
{
    struct parent p = {.catch_it = 1};
    p.ch.ret = CORO_ERR_USER + 1;
    cr_assert_eq(coro_loop_run_until_complete(&L, parent, &p), CORO_OK);
    cr_assert_str_eq(trace, "c1 c2 p42/33 c1 c2 c3 q10 ");
}

/* mode 0: normal end, 1: CORO_RETURN, 2: error from an awaited child, 3:
 * cancellation (sleeps 100, cancelled by a callback). The cleanup section
 * awaits (sleeps 5) and optionally swallows. */
struct fin { coro_frame co; int mode, swallow; struct child ch; coro_status seen; };
static CORO_FN(fin_fn, struct fin, self)
{
    CORO_BEGIN(self);
    tr("body ");
    if (self->mode == 1)
        CORO_RETURN(self, CORO_ERR_USER + 2);
    if (self->mode == 2) {
        self->ch.ret = CORO_ERR_USER + 1;
        CORO_AWAIT(self, child, &self->ch);
    }
    if (self->mode == 3)
        CORO_SLEEP(self, 100);
    tr("rest ");
    CORO_FINALLY(self);
    self->seen = CORO_ERROR(self);
    tr("F%d@%lu ", (int)self->seen, NOW());
    CORO_SLEEP(self, 5);
    tr("G@%lu ", NOW());
    if (self->swallow)
        CORO_ERROR(self) = 0;
    CORO_END(self);
}

static coro_status run_fin(int mode, int swallow, coro_task *tp)
{
    static struct fin f;
    static struct canceller c = {0};
    memset(&f, 0, sizeof f);
    f.mode = mode;
    f.swallow = swallow;
    cr_assert_eq(coro_spawn(&L, tp, fin_fn, &f), CORO_OK);
    c.t = *tp;
    if (mode == 3)
        cr_assert_eq(coro_call_at(&L, NULL, 10, cancel_cb, &c), CORO_OK);
    return coro_loop_run_task(&L, *tp);
}

/* The cleanup section runs on every way out of the body, may await, and may
 * swallow the error (mode and swallow as in fin_fn). Trace: "body" and
 * "rest" from the body, "c1 c2" from the failing child, "X@<t>" the
 * cancelling callback, "F<status>@<t>" the cleanup section's start with the
 * error it saw, "G@<t>" its end after its own 5-tick sleep. */
/* Criterion copies the parameters into each test process: no pointers here. */
struct finally_case {
    char what[40];
    int mode, swallow;
    coro_status ret;     /* what the task ends with */
    char trace[32];
    int cancelled;       /* coro_task_cancelled afterwards */
    coro_tick end;       /* the loop's time afterwards */
};
ParameterizedTestParameters(continuations, finally_runs_on_every_way_out)
{
    static struct finally_case cases[] = {
        {"normal end", 0, 0, CORO_OK, "body rest F0@0 G@5 ", 0, 5},
        {"CORO_RETURN with an error", 1, 0, CORO_ERR_USER + 2, "body F34@0 G@5 ", 0, 5},
        {"error from an awaited child", 2, 0, CORO_ERR_USER + 1, "body c1 c2 F33@0 G@5 ", 0, 5},
        {"cancellation; the cleanup may await", 3, 0, CORO_ERR_CANCELLED, "body X@10 F1@10 G@15 ", 1, 15},
        {"swallowed error ends normally", 2, 1, CORO_OK, "body c1 c2 F33@0 G@5 ", 0, 5},
        {"swallowed cancellation ends normally", 3, 1, CORO_OK, "body X@10 F1@10 G@15 ", 0, 15},
    };
    return cr_make_param_array(struct finally_case, cases, sizeof cases / sizeof cases[0]);
}
ParameterizedTest(struct finally_case *c, continuations, finally_runs_on_every_way_out)
{
    coro_task t;
    cr_assert_eq(run_fin(c->mode, c->swallow, &t), c->ret, "%s", c->what);
    cr_assert_str_eq(trace, c->trace, "%s", c->what);
    cr_assert_eq(coro_task_cancelled(&L, t), c->cancelled, "%s", c->what);
    cr_assert_eq(coro_task_status(&L, t), c->ret, "%s", c->what);
    cr_assert_eq(coro_loop_time(&L), c->end, "%s", c->what);
}

/* An await inside the user's own switch. */
struct sw { coro_frame co; int k; };
static CORO_FN(sw_fn, struct sw, self)
{
    CORO_BEGIN(self);
    switch (self->k) {
    case 1:
        tr("in ");
        CORO_YIELD(self);
        tr("resumed ");
        break;
    default:
        break;
    }
    tr("end ");
    CORO_END(self);
}

#if !CORO_USE_LABELS
/* Switch backend: the await's case label lands in the user's switch, so the
 * resume falls to the continuation's trapping default. */
Test(continuations, await_in_user_switch_traps, .signal = SIGABRT)
{
    struct sw s = {.k = 1};
    coro_loop_run_until_complete(&L, sw_fn, &s);
}
#else
/* Labels backend: the same code is legal and works. */
Test(continuations, await_in_user_switch_works_with_labels)
{
    struct sw s = {.k = 1};
    cr_assert_eq(coro_loop_run_until_complete(&L, sw_fn, &s), CORO_OK);
    cr_assert_str_eq(trace, "in resumed end ");
}
#endif

Test(continuations, resume_finished_frame_traps, .signal = SIGABRT)
{
    struct once o;
    cr_assert_eq(coro_loop_run_until_complete(&L, once_fn, &o), CORO_OK);
    cr_assert_str_eq(trace, "x ");
    once_fn(&o.co); /* resumed after its end: traps */
}
