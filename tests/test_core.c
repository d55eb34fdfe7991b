/* Core runtime tests (coro.h), on the virtual clock: continuations, tasks,
 * the loop, callbacks, sleep, gather, wait, wait_for, timeout scopes, the
 * timer heap (white box), tick wrap, argument evaluation and misuse.
 * Every test asserts what a user can observe: trace strings, statuses and
 * virtual time. Nothing sleeps in real time. Built three ways by the
 * Makefile: switch backend, labels backend (CORO_USE_LABELS=1) and 16-bit
 * ticks (CORO_TICK_BITS=16). */
#define CORO_MAX_CALLBACKS 240 /* room for the heap and equal-deadline tests */
#define CORO_IMPLEMENTATION
#include "coro.h"
#include <criterion/criterion.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static coro_loop L;
static char trace[8192];

static void tr(const char *fmt, ...)
{
    size_t n = strlen(trace);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(trace + n, sizeof trace - n, fmt, ap);
    va_end(ap);
}

/* The running loop's time, as an unsigned long for traces. */
#define NOW() ((unsigned long)coro_loop_time(coro_running_loop()))

static void setup(void)
{
    coro_virtual_now = 0;
    trace[0] = 0;
    cr_assert_eq(coro_loop_init(&L), CORO_OK);
}
TestSuite(core, .init = setup);

/* Free callback slots (white box). */
static int cb_free_count(void)
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
static CORO_FN(once_fn, struct once, self)
{
    CORO_BEGIN(self);
    tr("x ");
    CORO_END(self);
}

/* Yields n times, tracing its name each time round. */
struct ping { coro_frame co; const char *name; int i, n; };
static CORO_FN(ping, struct ping, self)
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
static CORO_FN(worker, struct worker, self)
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
static void cancel_cb(void *arg)
{
    struct canceller *c = (struct canceller *)arg;
    c->ret = coro_task_cancel(coro_running_loop(), c->t);
    if (c->twice)
        c->ret2 = coro_task_cancel(coro_running_loop(), c->t);
    tr("X@%lu ", NOW());
}

/* The task-composition driver: optionally sleeps `before`, spawns a spy
 * (traces "x" when it first runs, to tell whether the op suspended), runs
 * one operation with CORO_CATCH, traces "B<status>@<time>", records which
 * tasks are done, optionally sleeps `after`, and ends with the status if
 * reraise. */
enum { OP_AWAIT, OP_GATHER, OP_GATHER_ERRS, OP_WAIT, OP_WAIT_FOR };
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
static CORO_FN(boss, struct boss, self)
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

/* ====================================================================================
 * continuations
 * ==================================================================================== */

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

Test(core, await_child_returns_value_and_status)
{
    struct parent p = {.catch_it = 0};
    cr_assert_eq(coro_loop_run_until_complete(&L, parent, &p), CORO_OK);
    cr_assert_str_eq(trace, "c1 c2 c3 p42/0 c1 c2 c3 q10 ");
}

Test(core, await_child_error_propagates)
{
    struct parent p = {.catch_it = 0};
    coro_task t;
    p.ch.ret = CORO_ERR_USER + 1;
    cr_assert_eq(coro_spawn(&L, &t, parent, &p), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, t), CORO_ERR_USER + 1);
    cr_assert_str_eq(trace, "c1 c2 "); /* nothing after the failed await ran */
    cr_assert_eq(coro_task_status(&L, t), CORO_ERR_USER + 1);
}

Test(core, await_child_error_caught)
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

Test(core, finally_on_normal_end)
{
    coro_task t;
    cr_assert_eq(run_fin(0, 0, &t), CORO_OK);
    cr_assert_str_eq(trace, "body rest F0@0 G@5 ");
}

Test(core, finally_on_return)
{
    coro_task t;
    cr_assert_eq(run_fin(1, 0, &t), CORO_ERR_USER + 2);
    cr_assert_str_eq(trace, "body F34@0 G@5 ");
}

Test(core, finally_on_error)
{
    coro_task t;
    cr_assert_eq(run_fin(2, 0, &t), CORO_ERR_USER + 1);
    cr_assert_str_eq(trace, "body c1 c2 F33@0 G@5 ");
}

Test(core, finally_on_cancel_may_await)
{
    coro_task t;
    cr_assert_eq(run_fin(3, 0, &t), CORO_ERR_CANCELLED);
    cr_assert_str_eq(trace, "body X@10 F1@10 G@15 ");
    cr_assert(coro_task_cancelled(&L, t));
    cr_assert_eq(coro_loop_time(&L), 15);
}

Test(core, finally_swallows_error)
{
    coro_task t;
    cr_assert_eq(run_fin(2, 1, &t), CORO_OK);
    cr_assert_str_eq(trace, "body c1 c2 F33@0 G@5 ");
}

Test(core, finally_swallows_cancel_ends_normally)
{
    coro_task t;
    cr_assert_eq(run_fin(3, 1, &t), CORO_OK);
    cr_assert_str_eq(trace, "body X@10 F1@10 G@15 ");
    cr_assert_not(coro_task_cancelled(&L, t));
    cr_assert_eq(coro_task_status(&L, t), CORO_OK);
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
Test(core, await_in_user_switch_traps, .signal = SIGABRT)
{
    struct sw s = {.k = 1};
    coro_loop_run_until_complete(&L, sw_fn, &s);
}
#else
/* Labels backend: the same code is legal and works. */
Test(core, await_in_user_switch_works_with_labels)
{
    struct sw s = {.k = 1};
    cr_assert_eq(coro_loop_run_until_complete(&L, sw_fn, &s), CORO_OK);
    cr_assert_str_eq(trace, "in resumed end ");
}
#endif

Test(core, resume_finished_frame_traps, .signal = SIGABRT)
{
    struct once o;
    cr_assert_eq(coro_loop_run_until_complete(&L, once_fn, &o), CORO_OK);
    cr_assert_str_eq(trace, "x ");
    once_fn(&o.co); /* resumed after its end: traps */
}

/* ====================================================================================
 * tasks
 * ==================================================================================== */

Test(core, task_spawn_done_status)
{
    struct worker w = {.name = "a", .d = 10, .ret = CORO_ERR_USER + 3};
    coro_task t = 0;
    cr_assert_eq(coro_spawn(&L, &t, worker, &w), CORO_OK);
    cr_assert_neq(t, 0);
    cr_assert_not(coro_task_done(&L, t));
    cr_assert_eq(coro_task_status(&L, t), CORO_ERR_STATE);
    cr_assert_not(coro_task_cancelled(&L, t));
    cr_assert_not(w.ran); /* spawn does not run the body */
    cr_assert_eq(coro_loop_run_task(&L, t), CORO_ERR_USER + 3);
    cr_assert(coro_task_done(&L, t));
    cr_assert_eq(coro_task_status(&L, t), CORO_ERR_USER + 3);
    cr_assert_not(coro_task_cancelled(&L, t));
    cr_assert_eq(coro_loop_time(&L), 10);
    cr_assert_eq(w.result, 1010);
    cr_assert_str_eq(trace, "a35@10 ");
}

Test(core, task_cancel_delivered_at_current_await)
{
    struct worker w = {.name = "a", .d = 100};
    struct canceller c = {0};
    coro_task t;
    cr_assert_eq(coro_spawn(&L, &t, worker, &w), CORO_OK);
    c.t = t;
    cr_assert_eq(coro_call_at(&L, NULL, 30, cancel_cb, &c), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, t), CORO_ERR_CANCELLED);
    cr_assert_eq(c.ret, 1);
    cr_assert_str_eq(trace, "X@30 a1@30 ");
    cr_assert_eq(w.result, 0); /* the code after the sleep never ran */
    cr_assert(coro_task_cancelled(&L, t));
    cr_assert_eq(coro_loop_time(&L), 30);
}

Test(core, task_cancel_before_first_step_never_runs)
{
    struct worker w = {.name = "a", .d = 10};
    coro_task t;
    int i;
    cr_assert_eq(coro_spawn(&L, &t, worker, &w), CORO_OK);
    cr_assert_eq(coro_task_cancel(&L, t), 1);
    cr_assert_eq(coro_loop_run_task(&L, t), CORO_ERR_CANCELLED);
    cr_assert_not(w.ran);
    cr_assert_str_eq(trace, ""); /* not even its cleanup section */
    cr_assert(coro_task_cancelled(&L, t));
    cr_assert_eq(coro_task_cancel(&L, t), 0);
    /* its slot is free again: the whole table can be spawned */
    for (i = 0; i < CORO_MAX_TASKS; i++) {
        static struct once o[CORO_MAX_TASKS];
        cr_assert_eq(coro_spawn(&L, NULL, once_fn, &o[i]), CORO_OK);
    }
}

Test(core, task_cancel_finished_returns_0_keeps_status)
{
    struct worker w = {.name = "a", .d = 10, .ret = CORO_ERR_USER + 3};
    coro_task t;
    cr_assert_eq(coro_spawn(&L, &t, worker, &w), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, t), CORO_ERR_USER + 3);
    cr_assert_eq(coro_task_cancel(&L, t), 0);
    cr_assert_eq(coro_task_status(&L, t), CORO_ERR_USER + 3);
    cr_assert_not(coro_task_cancelled(&L, t));
    w.ret = 0;
    cr_assert_eq(coro_spawn(&L, &t, worker, &w), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, t), CORO_OK);
    cr_assert_eq(coro_task_cancel(&L, t), 0);
    cr_assert_eq(coro_task_status(&L, t), CORO_OK);
}

/* Catches the cancellation of its sleep, sleeps again and returns normally. */
struct catcher { coro_frame co; coro_status st; };
static CORO_FN(catcher, struct catcher, self)
{
    CORO_BEGIN(self);
    CORO_CATCH(self, self->st, CORO_SLEEP(self, 100));
    tr("caught%d@%lu ", (int)self->st, NOW());
    CORO_SLEEP(self, 5);
    tr("end@%lu ", NOW());
    CORO_END(self);
}

Test(core, task_catching_cancel_ends_normally)
{
    struct catcher k = {0};
    struct canceller c = {0};
    coro_task t;
    cr_assert_eq(coro_spawn(&L, &t, catcher, &k), CORO_OK);
    c.t = t;
    cr_assert_eq(coro_call_at(&L, NULL, 10, cancel_cb, &c), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, t), CORO_OK);
    cr_assert_str_eq(trace, "X@10 caught1@10 end@15 ");
    cr_assert_not(coro_task_cancelled(&L, t));
    cr_assert_eq(coro_task_status(&L, t), CORO_OK);
}

Test(core, task_cancel_twice_returns_1_delivered_once)
{
    struct catcher k = {0};
    struct canceller c = {0};
    coro_task t;
    cr_assert_eq(coro_spawn(&L, &t, catcher, &k), CORO_OK);
    c.t = t;
    c.twice = 1;
    cr_assert_eq(coro_call_at(&L, NULL, 10, cancel_cb, &c), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, t), CORO_OK);
    cr_assert_eq(c.ret, 1);
    cr_assert_eq(c.ret2, 1);
    /* delivered once: the second sleep is not interrupted */
    cr_assert_str_eq(trace, "X@10 caught1@10 end@15 ");
}

/* Cancels itself, then: mode 0 awaits a sleep (caught), mode 1 awaits a
 * sleep (uncaught), mode 2 returns without awaiting. */
struct selfc { coro_frame co; int mode, ret; coro_status st; };
static CORO_FN(selfc, struct selfc, self)
{
    CORO_BEGIN(self);
    self->ret = coro_task_cancel(coro_running_loop(), coro_current_task(coro_running_loop()));
    if (self->mode == 0) {
        CORO_CATCH(self, self->st, CORO_SLEEP(self, 50));
        tr("s%d@%lu ", (int)self->st, NOW());
    } else if (self->mode == 1) {
        CORO_SLEEP(self, 50);
        tr("unreached ");
    } else {
        tr("ret ");
        CORO_RETURN(self, CORO_OK);
    }
    CORO_END(self);
}

Test(core, task_self_cancel_next_await_fails_at_once)
{
    struct selfc s = {.mode = 0};
    coro_task t;
    cr_assert_eq(coro_spawn(&L, &t, selfc, &s), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, t), CORO_OK); /* caught: ends normally */
    cr_assert_eq(s.ret, 1);
    cr_assert_str_eq(trace, "s1@0 ");
    cr_assert_eq(coro_loop_time(&L), 0);

    s.mode = 1;
    trace[0] = 0;
    cr_assert_eq(coro_spawn(&L, &t, selfc, &s), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, t), CORO_ERR_CANCELLED);
    cr_assert_str_eq(trace, "");
    cr_assert_eq(coro_loop_time(&L), 0);
}

Test(core, task_self_cancel_then_return_ends_cancelled)
{
    struct selfc s = {.mode = 2};
    coro_task t;
    cr_assert_eq(coro_spawn(&L, &t, selfc, &s), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, t), CORO_ERR_CANCELLED);
    cr_assert_eq(s.ret, 1);
    cr_assert_str_eq(trace, "ret ");
    cr_assert(coro_task_cancelled(&L, t));
    cr_assert_eq(coro_task_cancel(&L, t), 0);
}

/* Checklist 1.3 item 23: a task that cancels itself and then awaits a child
 * task cancels the child too; the await reports the cancellation once the
 * child's cleanup ran. */
struct selfawait { coro_frame co; struct worker w; coro_task t; coro_status st; };
static CORO_FN(selfawait, struct selfawait, self)
{
    CORO_BEGIN(self);
    self->w.name = "w";
    self->w.d = 100;
    self->w.fin_sleep = 5;
    coro_spawn(coro_running_loop(), &self->t, worker, &self->w);
    CORO_YIELD(self); /* the child starts and sleeps */
    coro_task_cancel(coro_running_loop(), coro_current_task(coro_running_loop()));
    CORO_CATCH(self, self->st, CORO_AWAIT_TASK(self, self->t));
    tr("B%d@%lu ", (int)self->st, NOW());
    CORO_END(self);
}

Test(core, task_self_cancel_then_await_cancels_the_child)
{
    struct selfawait s;
    coro_task t;
    memset(&s, 0, sizeof s);
    cr_assert_eq(coro_spawn(&L, &t, selfawait, &s), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, t), CORO_OK);
    cr_assert_str_eq(trace, "w1@0 w.@5 B1@5 ");
    cr_assert(coro_task_cancelled(&L, s.t));
    cr_assert_eq(s.w.result, 0); /* its sleep never completed */
}

Test(core, task_stale_handle_after_slot_reuse)
{
    static struct once o[CORO_MAX_TASKS + 1];
    coro_task old, t;
    int i;
    cr_assert_eq(coro_spawn(&L, &old, once_fn, &o[0]), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, old), CORO_OK);
    cr_assert_eq(coro_task_status(&L, old), CORO_OK); /* readable until reused */
    /* slots are reused oldest first: the old one comes up last */
    for (i = 1; i <= CORO_MAX_TASKS; i++)
        cr_assert_eq(coro_spawn(&L, &t, once_fn, &o[i]), CORO_OK);
    cr_assert_eq(CORO__ID(t), CORO__ID(old));
    cr_assert_neq(t, old);
    cr_assert_eq(coro_task_status(&L, old), CORO_ERR_STALE);
    cr_assert(coro_task_done(&L, old));
    cr_assert_eq(coro_task_cancel(&L, old), 0);
    cr_assert_not(coro_task_cancelled(&L, old));
    cr_assert_eq(coro_loop_run_task(&L, old), CORO_ERR_STALE);
    /* the new task is untouched by all that */
    cr_assert_not(coro_task_done(&L, t));
    cr_assert_eq(coro_loop_run_task(&L, t), CORO_OK);
}

/* 256 reuses of every slot (an 8-bit generation wraps), a handle is never
 * 0, and the previous handle of a slot always reads stale. */
Test(core, task_handles_through_generation_wrap)
{
    static struct once o;
    coro_task prev[CORO_MAX_TASKS] = {0}, t;
    int i;
    for (i = 0; i < 256 * CORO_MAX_TASKS; i++) {
        cr_assert_eq(coro_spawn(&L, &t, once_fn, &o), CORO_OK);
        cr_assert_neq(t, 0);
        if (prev[CORO__ID(t)]) {
            cr_assert_neq(prev[CORO__ID(t)], t);
            cr_assert_eq(coro_task_status(&L, prev[CORO__ID(t)]), CORO_ERR_STALE);
        }
        prev[CORO__ID(t)] = t;
        cr_assert_eq(coro_loop_run_task(&L, t), CORO_OK);
    }
    cr_assert_eq(coro_task_status(&L, 0), CORO_ERR_STALE);
    cr_assert_eq(coro_task_cancel(&L, 0), 0);
}

/* Issue 11 item 9: one task slot reused `reuses` times while the handle of
 * its first occupant is kept. Every other slot is held by a sleeper, so each
 * spawn lands in that slot. At each reuse, status/done/cancel on the old
 * handle must read stale and leave the new occupant alone (it runs to its
 * end, not cancelled). Returns the number of reuses after which the old
 * handle still read stale. */
static long reuse_task_slot(long reuses)
{
    static struct worker blk[CORO_MAX_TASKS];
    static struct once o;
    coro_task old, t;
    long i;
    int k;
    for (k = 0; k < CORO_MAX_TASKS - 1; k++) {
        memset(&blk[k], 0, sizeof blk[k]);
        blk[k].name = "b";
        blk[k].d = CORO_MAX_DELAY;
        cr_assert_eq(coro_spawn(&L, NULL, worker, &blk[k]), CORO_OK);
    }
    cr_assert_eq(coro_spawn(&L, &old, once_fn, &o), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, old), CORO_OK);
    for (i = 1; i <= reuses; i++) {
        cr_assert_eq(coro_spawn(&L, &t, once_fn, &o), CORO_OK);
        cr_assert_eq(CORO__ID(t), CORO__ID(old));
        cr_assert_neq(t, 0);
        if (t == old || coro_task_status(&L, old) != CORO_ERR_STALE || !coro_task_done(&L, old) ||
            coro_task_cancel(&L, old) != 0)
            return i - 1;
        cr_assert_eq(coro_task_status(&L, t), CORO_ERR_STATE); /* untouched: pending */
        cr_assert_eq(coro_loop_run_task(&L, t), CORO_OK);      /* and not cancelled */
    }
    return reuses;
}

/* The same for a callback slot (callback slots are reused last freed first):
 * the old handle is kept, coro_handle_cancel on it returns 0 and the pending
 * new occupant still fires. */
static int reuse_hits;
static void reuse_cb(void *arg)
{
    (void)arg;
    reuse_hits++;
}
static long reuse_callback_slot(long reuses)
{
    coro_handle old, h;
    long i;
    reuse_hits = 0;
    cr_assert_eq(coro_call_soon(&L, &old, reuse_cb, NULL), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_eq(reuse_hits, 1);
    for (i = 1; i <= reuses; i++) {
        cr_assert_eq(coro_call_later(&L, &h, 5, reuse_cb, NULL), CORO_OK);
        cr_assert_eq(CORO__ID(h), CORO__ID(old));
        cr_assert_neq(h, 0);
        if (h == old || coro_handle_cancel(&L, old) != 0)
            return i - 1;
        if (i < reuses) {
            cr_assert_eq(coro_handle_cancel(&L, h), 1); /* frees the slot for the next round */
        } else {
            cr_assert_eq(coro_loop_run_forever(&L), CORO_OK); /* the last one fires */
            cr_assert_eq(reuse_hits, 2);
        }
    }
    return reuses;
}

#if CORO_GEN_BITS >= 16
Test(core, stale_task_handle_across_300_slot_reuses)
{
    cr_assert_eq(reuse_task_slot(300), 300);
}

Test(core, stale_task_handle_across_65535_slot_reuses, .timeout = 60.)
{
    cr_assert_eq(reuse_task_slot(65535), 65535);
}

Test(core, stale_callback_handle_across_300_slot_reuses)
{
    cr_assert_eq(reuse_callback_slot(300), 300);
}

Test(core, stale_callback_handle_across_65535_slot_reuses, .timeout = 60.)
{
    cr_assert_eq(reuse_callback_slot(65535), 65535);
}
#else
/* CORO_GEN_BITS=8 (the AVR default): stale for 255 reuses, the documented
 * risk at the 256th. */
Test(core, gen8_stale_task_handle_for_255_slot_reuses)
{
    cr_assert_eq(reuse_task_slot(300), 255);
}

Test(core, gen8_stale_callback_handle_for_255_slot_reuses)
{
    cr_assert_eq(reuse_callback_slot(300), 255);
}
#endif

Test(core, handle_widths_follow_the_knobs)
{
    cr_assert_geq(sizeof(coro_task) * 8, (size_t)(CORO_INDEX_BITS + CORO_GEN_BITS));
    cr_assert_eq(sizeof(coro_handle), sizeof(coro_task));
    cr_assert_eq(sizeof(((coro__slot *)0)->gen) * 8, (size_t)CORO_GEN_BITS);
}

Test(core, task_spawn_past_capacity_changes_nothing)
{
    static struct worker w[CORO_MAX_TASKS];
    struct once extra;
    coro_task t[CORO_MAX_TASKS], none = 0x1234;
    coro_index rhead, rtail, fh;
    int i;
    for (i = 0; i < CORO_MAX_TASKS; i++) {
        w[i].name = "w";
        w[i].d = (coro_tick)(i + 1);
        cr_assert_eq(coro_spawn(&L, &t[i], worker, &w[i]), CORO_OK);
    }
    rhead = L.rhead;
    rtail = L.rtail;
    fh = L.free_head;
    cr_assert_eq(coro_spawn(&L, &none, once_fn, &extra), CORO_ERR_NO_SLOT);
    cr_assert_eq(none, 0x1234);
    cr_assert_eq(L.rhead, rhead);
    cr_assert_eq(L.rtail, rtail);
    cr_assert_eq(L.free_head, fh);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    for (i = 0; i < CORO_MAX_TASKS; i++)
        cr_assert_eq(coro_task_status(&L, t[i]), CORO_OK);
    cr_assert_eq(coro_loop_time(&L), CORO_MAX_TASKS);
    cr_assert_eq(coro_spawn(&L, &none, once_fn, &extra), CORO_OK);
}

/* ====================================================================================
 * await a task
 * ==================================================================================== */

Test(core, await_task_self_is_an_error)
{
    struct boss b = {.op = OP_AWAIT, .n = 1};
    coro_task tb;
    cr_assert_eq(coro_spawn(&L, &tb, boss, &b), CORO_OK);
    b.t[0] = tb;
    cr_assert_eq(coro_loop_run_task(&L, tb), CORO_OK);
    cr_assert_str_eq(trace, "B13@0 ");
    cr_assert_eq(b.st, CORO_ERR_SELF_AWAIT);
}

Test(core, await_task_second_awaiter_busy)
{
    struct worker w = {.name = "a", .d = 10, .ret = CORO_ERR_USER + 1};
    struct boss b1 = {.op = OP_AWAIT, .n = 1}, b2 = {.op = OP_AWAIT, .n = 1};
    coro_task tw, t1, t2;
    cr_assert_eq(coro_spawn(&L, &tw, worker, &w), CORO_OK);
    b1.t[0] = b2.t[0] = tw;
    cr_assert_eq(coro_spawn(&L, &t1, boss, &b1), CORO_OK);
    cr_assert_eq(coro_spawn(&L, &t2, boss, &b2), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_eq(b2.st, CORO_ERR_BUSY);
    cr_assert_eq(b1.st, CORO_ERR_USER + 1); /* the first awaiter is unaffected */
    cr_assert_str_eq(trace, "B12@0 a33@10 B33@10 ");
}

Test(core, await_task_done_returns_at_once)
{
    struct worker w = {.name = "a", .d = 10, .ret = CORO_ERR_USER + 1};
    struct boss b = {.op = OP_AWAIT, .n = 1, .before = 20, .spy = 1};
    coro_task tw, tb;
    cr_assert_eq(coro_spawn(&L, &tw, worker, &w), CORO_OK);
    b.t[0] = tw;
    cr_assert_eq(coro_spawn(&L, &tb, boss, &b), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, tb), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    /* B before the spy's x: the await did not suspend */
    cr_assert_str_eq(trace, "a33@10 B33@20 x ");
}

Test(core, await_task_cancelling_awaiter_cancels_awaited)
{
    struct worker w = {.name = "a", .d = 100, .fin_sleep = 3};
    struct boss b = {.op = OP_AWAIT, .n = 1, .reraise = 1};
    struct canceller c = {0};
    coro_task tw, tb;
    cr_assert_eq(coro_spawn(&L, &tw, worker, &w), CORO_OK);
    b.t[0] = tw;
    cr_assert_eq(coro_spawn(&L, &tb, boss, &b), CORO_OK);
    c.t = tb;
    cr_assert_eq(coro_call_at(&L, NULL, 5, cancel_cb, &c), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, tb), CORO_ERR_CANCELLED);
    cr_assert_str_eq(trace, "X@5 a1@5 a.@8 B1@8 ");
    cr_assert(coro_task_cancelled(&L, tw));
}

/* ====================================================================================
 * the loop
 * ==================================================================================== */

Test(core, loop_run_until_complete)
{
    struct worker w = {.name = "a", .d = 25, .ret = CORO_ERR_USER + 3};
    cr_assert_eq(coro_loop_run_until_complete(&L, worker, &w), CORO_ERR_USER + 3);
    cr_assert_eq(coro_loop_time(&L), 25);
    cr_assert_str_eq(trace, "a35@25 ");
    cr_assert_null(coro_running_loop());
}

/* asyncio.run: main spawns a long background task and returns; the rest is
 * cancelled and finishes its cleanup before coro_run returns. */
struct runmain { coro_frame co; struct worker bg; coro_task t; };
static CORO_FN(runmain, struct runmain, self)
{
    CORO_BEGIN(self);
    self->bg.name = "bg";
    self->bg.d = 1000;
    self->bg.fin_sleep = 2;
    cr_assert_eq(coro_spawn(coro_running_loop(), &self->t, worker, &self->bg), CORO_OK);
    CORO_SLEEP(self, 10);
    tr("main@%lu ", NOW());
    CORO_RETURN(self, CORO_ERR_USER + 4);
    CORO_END(self);
}

Test(core, loop_coro_run)
{
    struct runmain m;
    memset(&m, 0, sizeof m);
    cr_assert_eq(coro_run(runmain, &m), CORO_ERR_USER + 4);
    cr_assert_str_eq(trace, "main@10 bg1@10 bg.@12 ");
    cr_assert_eq(coro_virtual_now, 12);
    cr_assert_null(coro_running_loop());
}

struct stopper { coro_frame co; };
static CORO_FN(stopper, struct stopper, self)
{
    CORO_BEGIN(self);
    tr("a@%lu ", NOW());
    coro_loop_stop(coro_running_loop());
    CORO_SLEEP(self, 10);
    tr("b@%lu ", NOW());
    CORO_END(self);
}

Test(core, loop_stop_then_resume)
{
    struct stopper s;
    coro_task t;
    coro_loop_stop(&L); /* not running: no effect */
    cr_assert_eq(coro_spawn(&L, &t, stopper, &s), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, t), CORO_ERR_STOPPED);
    cr_assert_str_eq(trace, "a@0 ");
    cr_assert_not(coro_task_done(&L, t));
    cr_assert_null(coro_running_loop());
    cr_assert_eq(coro_loop_run_task(&L, t), CORO_OK);
    cr_assert_str_eq(trace, "a@0 b@10 ");
    cr_assert_eq(coro_loop_time(&L), 10);
}

static coro_status close_ret;
struct closer { coro_frame co; };
static CORO_FN(closer, struct closer, self)
{
    CORO_BEGIN(self);
    close_ret = coro_loop_close(coro_running_loop());
    CORO_YIELD(self);
    tr("alive ");
    CORO_END(self);
}
static void nop_cb(void *arg) { (void)arg; }

Test(core, loop_close)
{
    struct closer c;
    struct once o;
    coro_task t, t2 = 0x4321;
    cr_assert_eq(coro_spawn(&L, &t, closer, &c), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, t), CORO_OK);
    cr_assert_eq(close_ret, CORO_ERR_BUSY);
    cr_assert_str_eq(trace, "alive ");
    cr_assert_eq(coro_loop_close(&L), CORO_OK);
    cr_assert_eq(coro_spawn(&L, &t2, once_fn, &o), CORO_ERR_CLOSED);
    cr_assert_eq(t2, 0x4321);
    cr_assert_eq(coro_loop_run_task(&L, t), CORO_ERR_CLOSED);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_ERR_CLOSED);
    cr_assert_eq(coro_loop_run_until_complete(&L, once_fn, &o), CORO_ERR_CLOSED);
    cr_assert_eq(coro_call_soon(&L, NULL, nop_cb, NULL), CORO_ERR_CLOSED);
    cr_assert_eq(coro_call_later(&L, NULL, 5, nop_cb, NULL), CORO_ERR_CLOSED);
    cr_assert_eq(coro_call_at(&L, NULL, 5, nop_cb, NULL), CORO_ERR_CLOSED);
    cr_assert_str_eq(trace, "alive ");
}

/* Tries every way of re-entering a loop from inside a task and a callback. */
static coro_loop L2;
static coro_status reent[8];
static void reenter_all(int base)
{
    static struct once o;
    coro_index fh = L.free_head, rt = L.rtail;
    reent[base + 0] = coro_loop_run_forever(&L);
    reent[base + 1] = coro_loop_run_until_complete(&L, once_fn, &o);
    reent[base + 2] = coro_loop_run_forever(&L2); /* a second loop */
    reent[base + 3] = coro_run(once_fn, &o);
    cr_assert_eq(L.free_head, fh); /* nothing was spawned */
    cr_assert_eq(L.rtail, rt);
}
static void reenter_cb(void *arg) { (void)arg; reenter_all(4); }
struct reenter { coro_frame co; };
static CORO_FN(reenter, struct reenter, self)
{
    CORO_BEGIN(self);
    reenter_all(0);
    CORO_END(self);
}

Test(core, loop_reentry_is_refused)
{
    struct reenter r;
    int i;
    cr_assert_eq(coro_loop_init(&L2), CORO_OK);
    cr_assert_eq(coro_call_soon(&L, NULL, reenter_cb, NULL), CORO_OK);
    cr_assert_eq(coro_loop_run_until_complete(&L, reenter, &r), CORO_OK);
    for (i = 0; i < 8; i++)
        cr_assert_eq(reent[i], CORO_ERR_REENTRANT, "case %d: %d", i, reent[i]);
    cr_assert_str_eq(trace, ""); /* once_fn never ran */
    /* after the run the loop (and the other one) can run again */
    cr_assert_eq(coro_loop_run_forever(&L2), CORO_OK);
}

/* Records what coro_running_loop / coro_current_task say, round after round. */
struct whoami { coro_frame co; coro_task me; int i, bad; };
static CORO_FN(whoami, struct whoami, self)
{
    CORO_BEGIN(self);
    for (self->i = 0; self->i < 3; self->i++) {
        if (coro_running_loop() != &L || coro_current_task(&L) != self->me)
            self->bad++;
        CORO_YIELD(self);
    }
    CORO_END(self);
}
static int cb_ok, cb_runs;
static void whoami_cb(void *arg)
{
    (void)arg;
    cb_runs++;
    cb_ok += coro_running_loop() == &L && coro_current_task(&L) == 0;
}

Test(core, loop_running_loop_and_current_task)
{
    struct whoami a = {0}, b = {0};
    cr_assert_null(coro_running_loop());
    cr_assert_eq(coro_current_task(&L), 0);
    cr_assert_eq(coro_spawn(&L, &a.me, whoami, &a), CORO_OK);
    cr_assert_eq(coro_spawn(&L, &b.me, whoami, &b), CORO_OK);
    /* callbacks queued after the tasks run with no current task */
    cr_assert_eq(coro_call_soon(&L, NULL, whoami_cb, NULL), CORO_OK);
    cr_assert_eq(coro_call_later(&L, NULL, 0, whoami_cb, NULL), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_eq(a.bad, 0);
    cr_assert_eq(b.bad, 0);
    cr_assert_eq(cb_runs, 2);
    cr_assert_eq(cb_ok, 2);
    cr_assert_null(coro_running_loop());
    cr_assert_eq(coro_current_task(&L), 0);
}

/* Two tasks awaiting each other: nothing can ever wake them. */
Test(core, loop_deadlock)
{
    struct boss b1 = {.op = OP_AWAIT, .n = 1}, b2 = {.op = OP_AWAIT, .n = 1};
    coro_task t1, t2;
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK); /* nothing at all: done */
    cr_assert_eq(coro_spawn(&L, &t1, boss, &b1), CORO_OK);
    cr_assert_eq(coro_spawn(&L, &t2, boss, &b2), CORO_OK);
    b1.t[0] = t2;
    b2.t[0] = t1;
    cr_assert_eq(coro_loop_run_task(&L, t1), CORO_ERR_DEADLOCK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_ERR_DEADLOCK);
    cr_assert_not(coro_task_done(&L, t1));
    cr_assert_not(coro_task_done(&L, t2));
    cr_assert_str_eq(trace, "");
}

/* ====================================================================================
 * callbacks
 * ==================================================================================== */

static void name_cb(void *arg) { tr("%s@%lu ", (const char *)arg, NOW()); }

Test(core, call_soon_fifo)
{
    static const char *names[10] = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
    int i;
    for (i = 0; i < 10; i++)
        cr_assert_eq(coro_call_soon(&L, NULL, name_cb, (void *)names[i]), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "0@0 1@0 2@0 3@0 4@0 5@0 6@0 7@0 8@0 9@0 ");
}

/* cb1 queues cb3 and moves the clock on: cb2 (already queued) still sees the
 * old iteration's time, cb3 runs in the next iteration and sees the new one. */
static void queuing_cb(void *arg)
{
    (void)arg;
    tr("cb1@%lu ", NOW()); /* reads this iteration's time */
    cr_assert_eq(coro_call_soon(&L, NULL, name_cb, "cb3"), CORO_OK);
    coro_virtual_now += 10;
}

Test(core, call_soon_from_callback_runs_next_iteration)
{
    cr_assert_eq(coro_call_soon(&L, NULL, queuing_cb, NULL), CORO_OK);
    cr_assert_eq(coro_call_soon(&L, NULL, name_cb, "cb2"), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "cb1@0 cb2@0 cb3@10 ");
}

Test(core, call_later_0_after_ready_callbacks)
{
    cr_assert_eq(coro_call_later(&L, NULL, 0, name_cb, "later0"), CORO_OK);
    cr_assert_eq(coro_call_soon(&L, NULL, name_cb, "soon"), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "soon@0 later0@0 ");
}

Test(core, call_at_past_deadlines_earliest_first)
{
    coro_virtual_now = 100;
    cr_assert_eq(coro_loop_init(&L), CORO_OK);
    cr_assert_eq(coro_call_at(&L, NULL, 99, name_cb, "a"), CORO_OK);
    cr_assert_eq(coro_call_at(&L, NULL, 98, name_cb, "b"), CORO_OK);
    cr_assert_eq(coro_call_at(&L, NULL, 100, name_cb, "c"), CORO_OK);
    cr_assert_eq(coro_call_at(&L, NULL, 101, name_cb, "d"), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "b@100 a@100 c@100 d@101 ");
}

/* A deadline far in the past next to one far ahead, more than half the tick
 * range apart: the past one still runs first, at once (robustness finding:
 * deadlines compare relative to the loop's time, not to each other). */
Test(core, call_at_far_past_and_far_future_stay_ordered)
{
    /* as far behind as a past deadline may be, and far ahead: more than half
     * the tick range apart */
    coro_tick p = (coro_tick)(CORO_MAX_DELAY / 2), f = (coro_tick)(CORO_MAX_DELAY / 10 * 9);
    coro_virtual_now = (coro_tick)-7; /* and across the wrap */
    cr_assert_eq(coro_loop_init(&L), CORO_OK);
    cr_assert_eq(coro_call_later(&L, NULL, f, name_cb, "future"), CORO_OK);
    cr_assert_eq(coro_call_at(&L, NULL, (coro_tick)(coro_virtual_now - p), name_cb, "past"), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_eq(strncmp(trace, "past@", 5), 0, "%s", trace);
    cr_assert_eq(coro_virtual_now, (coro_tick)((coro_tick)-7 + f));
    cr_assert_neq(strstr(trace, "future@"), NULL);
}

/* 1000 timers at one tick, at most 200 pending at a time: each one that
 * fires sets the next, at the same (by then past) tick. FIFO throughout,
 * also through the sequence-counter renumbering. */
static int eq_next, eq_fired, eq_bad;
static coro_tick eq_when;
static void eq_cb(void *arg)
{
    int k = (int)(intptr_t)arg;
    if (k != eq_fired || coro_loop_time(&L) != eq_when)
        eq_bad++;
    eq_fired++;
    if (eq_next < 1000) {
        cr_assert_eq(coro_call_at(&L, NULL, eq_when, eq_cb, (void *)(intptr_t)eq_next), CORO_OK);
        eq_next++;
    }
}

static void equal_deadlines(coro_tick start, coro_tick when)
{
    coro_virtual_now = start;
    cr_assert_eq(coro_loop_init(&L), CORO_OK);
    L.seq = (coro__seq)((coro__seq)-1 - 300); /* renumbering mid-run */
    eq_when = when;
    for (eq_next = 0; eq_next < 200; eq_next++)
        cr_assert_eq(coro_call_at(&L, NULL, when, eq_cb, (void *)(intptr_t)eq_next), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_eq(eq_fired, 1000);
    cr_assert_eq(eq_bad, 0);
    cr_assert_lt(L.seq, 1000); /* it did renumber */
    cr_assert_eq(coro_virtual_now, when);
}

Test(core, equal_deadlines_fifo_1000)
{
    equal_deadlines(0, 50);
}

Test(core, equal_deadlines_fifo_1000_across_wrap)
{
    equal_deadlines((coro_tick)-3, 4); /* due 7 ticks later, after the wrap */
}

Test(core, cancelled_handles_never_fire)
{
    coro_handle h1, h2, h3;
    cr_assert_eq(coro_call_soon(&L, &h1, name_cb, "soon"), CORO_OK);
    cr_assert_eq(coro_call_later(&L, &h2, 5, name_cb, "later"), CORO_OK);
    cr_assert_eq(coro_call_at(&L, &h3, 7, name_cb, "at"), CORO_OK);
    cr_assert_eq(coro_call_later(&L, NULL, 6, name_cb, "kept"), CORO_OK);
    cr_assert_eq(L.hlen, 3);
    cr_assert_eq(coro_handle_cancel(&L, h1), 1);
    cr_assert_eq(coro_handle_cancel(&L, h2), 1);
    cr_assert_eq(L.hlen, 2); /* the timer left the heap */
    cr_assert_eq(coro_handle_cancel(&L, h2), 0);
    cr_assert_eq(coro_handle_cancel(&L, h3), 1);
    cr_assert_eq(coro_handle_cancel(&L, 0), 0);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "kept@6 ");
    cr_assert_eq(coro_loop_time(&L), 6); /* next wait from the live timer */
    cr_assert_eq(cb_free_count(), CORO_MAX_CALLBACKS);
}

/* Two timers due in the same iteration: the first cancels the second, which
 * is already on the ready ring. */
static coro_handle victim;
static int victim_cancel;
static void killer_cb(void *arg)
{
    (void)arg;
    tr("killer ");
    victim_cancel = coro_handle_cancel(&L, victim);
}

Test(core, cancel_due_timer_from_earlier_callback)
{
    cr_assert_eq(coro_call_at(&L, NULL, 5, killer_cb, NULL), CORO_OK);
    cr_assert_eq(coro_call_at(&L, &victim, 5, name_cb, "victim"), CORO_OK);
    cr_assert_eq(coro_call_at(&L, NULL, 5, name_cb, "after"), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_eq(victim_cancel, 1);
    cr_assert_str_eq(trace, "killer after@5 ");
    cr_assert_eq(coro_handle_cancel(&L, victim), 0);
    cr_assert_eq(cb_free_count(), CORO_MAX_CALLBACKS);
}

static int fired_n;
static void count_cb(void *arg) { (void)arg; fired_n++; }

Test(core, callback_store_exhaustion)
{
    coro_handle h = 0x77, first = 0;
    int i;
    for (i = 0; i < CORO_MAX_CALLBACKS; i++) {
        coro_status st = i % 3 == 0 ? coro_call_soon(&L, &h, count_cb, NULL)
                       : i % 3 == 1 ? coro_call_later(&L, &h, (coro_tick)i, count_cb, NULL)
                                    : coro_call_at(&L, &h, (coro_tick)i, count_cb, NULL);
        cr_assert_eq(st, CORO_OK);
        if (i == 1)
            first = h; /* a timer: its slot frees at once when cancelled */
    }
    h = 0x77;
    cr_assert_eq(coro_call_soon(&L, &h, count_cb, NULL), CORO_ERR_NO_SLOT);
    cr_assert_eq(coro_call_later(&L, &h, 1, count_cb, NULL), CORO_ERR_NO_SLOT);
    cr_assert_eq(coro_call_at(&L, &h, 1, count_cb, NULL), CORO_ERR_NO_SLOT);
    cr_assert_eq(h, 0x77);
    cr_assert_eq(L.hlen, CORO_MAX_CALLBACKS - (CORO_MAX_CALLBACKS + 2) / 3);
    /* freeing one makes room for one */
    cr_assert_eq(coro_handle_cancel(&L, first), 1);
    cr_assert_eq(coro_call_later(&L, &h, 3, count_cb, NULL), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_eq(fired_n, CORO_MAX_CALLBACKS);
    cr_assert_eq(cb_free_count(), CORO_MAX_CALLBACKS);
}

Test(core, callback_null_or_bad_arguments)
{
    coro_handle h = 0x55;
    cr_assert_eq(coro_call_soon(&L, &h, NULL, NULL), CORO_ERR_INVALID);
    cr_assert_eq(coro_call_later(&L, &h, 1, NULL, NULL), CORO_ERR_INVALID);
    cr_assert_eq(coro_call_at(&L, &h, 1, NULL, NULL), CORO_ERR_INVALID);
    cr_assert_eq(coro_call_later(&L, &h, (coro_tick)(CORO_MAX_DELAY + 1u), nop_cb, NULL), CORO_ERR_RANGE);
    cr_assert_eq(h, 0x55);
    cr_assert_eq(L.hlen, 0);
    cr_assert_eq(cb_free_count(), CORO_MAX_CALLBACKS);
}

/* A storm: callbacks and a task that re-queue themselves forever, each
 * "taking" one tick. A timer due at 5 still fires, and stops the loop. */
static int storm_n, storm_stop;
static unsigned long storm_fired_at;
static void storm_cb(void *arg)
{
    storm_n++;
    coro_virtual_now++;
    if (!storm_stop)
        cr_assert_eq(coro_call_soon(&L, NULL, storm_cb, arg), CORO_OK);
}
static void storm_timer(void *arg)
{
    (void)arg;
    storm_fired_at = NOW();
    storm_stop = 1;
    coro_loop_stop(&L);
}
struct spinner { coro_frame co; };
static CORO_FN(spinner, struct spinner, self)
{
    CORO_BEGIN(self);
    while (!storm_stop)
        CORO_YIELD(self);
    CORO_END(self);
}

Test(core, callback_storm_does_not_starve_due_timer, .timeout = 10.)
{
    struct spinner sp;
    cr_assert_eq(coro_call_later(&L, NULL, 5, storm_timer, NULL), CORO_OK);
    cr_assert_eq(coro_call_soon(&L, NULL, storm_cb, NULL), CORO_OK);
    cr_assert_eq(coro_call_soon(&L, NULL, storm_cb, NULL), CORO_OK);
    cr_assert_eq(coro_spawn(&L, NULL, spinner, &sp), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_ERR_STOPPED);
    cr_assert_geq(storm_fired_at, 5); /* never early */
    cr_assert_leq(storm_fired_at, 6); /* the first iteration it was due */
    cr_assert_leq(storm_n, 8);
}

/* ====================================================================================
 * sleep
 * ==================================================================================== */

Test(core, sleep0_yields_once_to_every_ready_task)
{
    struct ping a = {.name = "a", .n = 3}, b = {.name = "b", .n = 2}, c = {.name = "c", .n = 3};
    cr_assert_eq(coro_spawn(&L, NULL, ping, &a), CORO_OK);
    cr_assert_eq(coro_spawn(&L, NULL, ping, &b), CORO_OK);
    cr_assert_eq(coro_spawn(&L, NULL, ping, &c), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "abcabcac");
    cr_assert_eq(coro_loop_time(&L), 0);
}

struct soon_then_yield { coro_frame co; int seen; };
static void flag_cb(void *arg) { *(int *)arg = 1; tr("cb "); }
static CORO_FN(soon_then_yield, struct soon_then_yield, self)
{
    CORO_BEGIN(self);
    cr_assert_eq(coro_call_soon(coro_running_loop(), NULL, flag_cb, &self->seen), CORO_OK);
    CORO_SLEEP(self, 0);
    tr("back%d ", self->seen);
    CORO_END(self);
}

Test(core, sleep0_runs_callback_queued_before)
{
    struct soon_then_yield s = {0};
    cr_assert_eq(coro_loop_run_until_complete(&L, soon_then_yield, &s), CORO_OK);
    cr_assert_str_eq(trace, "cb back1 ");
}

struct ranged { coro_frame co; coro_status st; };
static CORO_FN(ranged, struct ranged, self)
{
    CORO_BEGIN(self);
    CORO_CATCH(self, self->st, CORO_SLEEP(self, (coro_tick)(CORO_MAX_DELAY + 1u)));
    tr("r%d@%lu h%d ", (int)self->st, NOW(), (int)L.hlen);
    CORO_SLEEP(self, CORO_MAX_DELAY); /* the longest delay is fine */
    CORO_END(self);
}

Test(core, sleep_beyond_max_delay_is_range_error)
{
    struct ranged r = {0};
    cr_assert_eq(coro_loop_run_until_complete(&L, ranged, &r), CORO_OK);
    cr_assert_str_eq(trace, "r7@0 h0 ");
    cr_assert_eq(coro_loop_time(&L), CORO_MAX_DELAY);
}

static int hlen_after_cancel;
static void cancel_and_measure(void *arg)
{
    cancel_cb(arg);
    hlen_after_cancel = L.hlen;
}

Test(core, cancel_sleeping_task_removes_timer)
{
    struct worker w = {.name = "a", .d = 5000};
    struct canceller c = {0};
    coro_task t;
    cr_assert_eq(coro_spawn(&L, &t, worker, &w), CORO_OK);
    c.t = t;
    cr_assert_eq(coro_call_at(&L, NULL, 100, cancel_and_measure, &c), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, t), CORO_ERR_CANCELLED);
    cr_assert_eq(hlen_after_cancel, 0);
    cr_assert_str_eq(trace, "X@100 a1@100 ");
    cr_assert_eq(coro_loop_time(&L), 100); /* not 5000 */
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_eq(coro_virtual_now, 100);
}

/* Periodic work on absolute deadlines: a late wake (the loop was held up)
 * does not shift the following deadlines; a past deadline is a yield. */
struct periodic { coro_frame co; coro_tick start; int i; };
static CORO_FN(periodic, struct periodic, self)
{
    CORO_BEGIN(self);
    self->start = coro_loop_time(coro_running_loop());
    for (self->i = 1; self->i <= 3; self->i++) {
        CORO_SLEEP_UNTIL(self, (coro_tick)(self->start + 10 * self->i));
        tr("%lu ", NOW());
    }
    CORO_SLEEP_UNTIL(self, (coro_tick)(self->start + 25));
    tr("past%lu ", NOW());
    CORO_END(self);
}
static void hold_up(void *arg) { (void)arg; coro_virtual_now += 7; }

Test(core, sleep_until_absolute)
{
    struct periodic p;
    cr_assert_eq(coro_call_at(&L, NULL, 5, hold_up, NULL), CORO_OK);
    cr_assert_eq(coro_spawn(&L, NULL, periodic, &p), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "12 20 30 past30 ");
}

/* ====================================================================================
 * gather
 * ==================================================================================== */

static void spawn_workers(struct worker *w, int n, struct boss *b)
{
    int i;
    for (i = 0; i < n; i++)
        cr_assert_eq(coro_spawn(&L, &b->t[i], worker, &w[i]), CORO_OK);
    b->n = n;
}

Test(core, gather_results_in_argument_order)
{
    struct worker w[3] = {{.name = "a", .d = 20, .ret = CORO_ERR_USER + 1},
                          {.name = "b", .d = 10, .ret = CORO_ERR_USER + 2},
                          {.name = "c", .d = 30, .ret = CORO_ERR_USER + 3}};
    struct boss b = {.op = OP_GATHER_ERRS};
    coro_task tb;
    spawn_workers(w, 3, &b);
    cr_assert_eq(coro_spawn(&L, &tb, boss, &b), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, tb), CORO_OK);
    cr_assert_str_eq(trace, "b34@10 a33@20 c35@30 B0@30 ");
    cr_assert_eq(b.errs[0], CORO_ERR_USER + 1);
    cr_assert_eq(b.errs[1], CORO_ERR_USER + 2);
    cr_assert_eq(b.errs[2], CORO_ERR_USER + 3);
    cr_assert_eq(w[0].result, 1020);
    cr_assert_eq(w[1].result, 1010);
    cr_assert_eq(w[2].result, 1030);
}

Test(core, gather_success_waits_for_all)
{
    struct worker w[3] = {{.name = "a", .d = 20}, {.name = "b", .d = 10}, {.name = "c", .d = 30}};
    struct boss b = {.op = OP_GATHER};
    coro_task tb;
    spawn_workers(w, 3, &b);
    cr_assert_eq(coro_spawn(&L, &tb, boss, &b), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, tb), CORO_OK);
    cr_assert_str_eq(trace, "b0@10 a0@20 c0@30 B0@30 ");
    cr_assert_eq(b.mask, 7u);
}

Test(core, gather_first_error_completes_at_once_siblings_run_on)
{
    struct worker w[2] = {{.name = "a", .d = 10, .ret = CORO_ERR_USER + 1}, {.name = "b", .d = 20}};
    struct boss b = {.op = OP_GATHER, .after = 30};
    coro_task tb;
    spawn_workers(w, 2, &b);
    cr_assert_eq(coro_spawn(&L, &tb, boss, &b), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, tb), CORO_OK);
    cr_assert_str_eq(trace, "a33@10 B33@10 b0@20 B.@40 ");
    cr_assert_eq(b.mask, 1u);
    cr_assert_eq(coro_task_status(&L, b.t[1]), CORO_OK); /* not cancelled */
}

Test(core, gather_errs_collects_including_cancelled)
{
    struct worker w[3] = {{.name = "a", .d = 10, .ret = CORO_ERR_USER + 1},
                          {.name = "b", .d = 100},
                          {.name = "c", .d = 30}};
    struct boss b = {.op = OP_GATHER_ERRS};
    struct canceller c = {0};
    coro_task tb;
    spawn_workers(w, 3, &b);
    c.t = b.t[1];
    cr_assert_eq(coro_call_at(&L, NULL, 20, cancel_cb, &c), CORO_OK);
    cr_assert_eq(coro_spawn(&L, &tb, boss, &b), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, tb), CORO_OK);
    cr_assert_str_eq(trace, "a33@10 X@20 b1@20 c0@30 B0@30 ");
    cr_assert_eq(b.errs[0], CORO_ERR_USER + 1);
    cr_assert_eq(b.errs[1], CORO_ERR_CANCELLED);
    cr_assert_eq(b.errs[2], CORO_OK);
}

Test(core, gather_cancelling_gatherer_cancels_children)
{
    struct worker w[2] = {{.name = "a", .d = 100, .fin_sleep = 3}, {.name = "b", .d = 100}};
    struct boss b = {.op = OP_GATHER, .reraise = 1};
    struct canceller c = {0};
    coro_task tb;
    spawn_workers(w, 2, &b);
    cr_assert_eq(coro_spawn(&L, &tb, boss, &b), CORO_OK);
    c.t = tb;
    cr_assert_eq(coro_call_at(&L, NULL, 5, cancel_cb, &c), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, tb), CORO_ERR_CANCELLED);
    /* the gather ends after the children finished their cleanup */
    cr_assert_str_eq(trace, "X@5 a1@5 b1@5 a.@8 B1@8 ");
    cr_assert(coro_task_cancelled(&L, b.t[0]));
    cr_assert(coro_task_cancelled(&L, b.t[1]));
    cr_assert_eq(coro_task_cancel(&L, tb), 0);
}

Test(core, gather_empty_completes_at_once)
{
    struct boss b = {.op = OP_GATHER, .n = 0, .spy = 1};
    cr_assert_eq(coro_loop_run_until_complete(&L, boss, &b), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "B0@0 x ");
}

Test(core, gather_same_task_twice)
{
    struct worker w = {.name = "a", .d = 10, .ret = CORO_ERR_USER + 1};
    struct boss b = {.op = OP_GATHER_ERRS, .n = 2}, b2 = {.op = OP_GATHER, .n = 2};
    coro_task tb;
    cr_assert_eq(coro_spawn(&L, &b.t[0], worker, &w), CORO_OK);
    b.t[1] = b.t[0];
    cr_assert_eq(coro_spawn(&L, &tb, boss, &b), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, tb), CORO_OK);
    cr_assert_eq(b.errs[0], CORO_ERR_USER + 1);
    cr_assert_eq(b.errs[1], CORO_ERR_USER + 1);
    cr_assert_str_eq(trace, "a33@10 B0@10 ");
    /* and without errs: the status, once */
    trace[0] = 0;
    w.ret = 0;
    cr_assert_eq(coro_spawn(&L, &b2.t[0], worker, &w), CORO_OK);
    b2.t[1] = b2.t[0];
    cr_assert_eq(coro_spawn(&L, &tb, boss, &b2), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, tb), CORO_OK);
    cr_assert_str_eq(trace, "a0@20 B0@20 ");
}

Test(core, gather_cancelled_child_completes_gather_cancelled)
{
    struct worker w[2] = {{.name = "a", .d = 100}, {.name = "b", .d = 20}};
    struct boss b = {.op = OP_GATHER, .after = 30};
    struct canceller c = {0};
    coro_task tb;
    spawn_workers(w, 2, &b);
    c.t = b.t[0];
    cr_assert_eq(coro_call_at(&L, NULL, 5, cancel_cb, &c), CORO_OK);
    cr_assert_eq(coro_spawn(&L, &tb, boss, &b), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, tb), CORO_OK);
    /* the gatherer itself is not cancelled: its next sleep completes */
    cr_assert_str_eq(trace, "X@5 a1@5 B1@5 b0@20 B.@35 ");
    cr_assert_eq(coro_task_status(&L, b.t[1]), CORO_OK);
    cr_assert_not(coro_task_cancelled(&L, tb));
}

/* ====================================================================================
 * wait
 * ==================================================================================== */

static coro_status run_wait(struct worker *w, int n, struct boss *b, coro_task *tb)
{
    b->op = OP_WAIT;
    spawn_workers(w, n, b);
    cr_assert_eq(coro_spawn(&L, tb, boss, b), CORO_OK);
    return coro_loop_run_task(&L, *tb);
}

Test(core, wait_first_completed)
{
    struct worker w[2] = {{.name = "a", .d = 10}, {.name = "b", .d = 20}};
    struct boss b = {.when = CORO_FIRST_COMPLETED, .timeout = CORO_FOREVER, .after = 20};
    coro_task tb;
    cr_assert_eq(run_wait(w, 2, &b, &tb), CORO_OK);
    cr_assert_eq(b.ndone, 1);
    cr_assert_eq(b.mask, 1u);
    cr_assert_str_eq(trace, "a0@10 B0@10 b0@20 B.@30 ");
    cr_assert_eq(coro_task_status(&L, b.t[1]), CORO_OK); /* not cancelled */
}

Test(core, wait_first_completed_counts_all_done_in_that_iteration)
{
    struct worker w[3] = {{.name = "a", .d = 10}, {.name = "b", .d = 10}, {.name = "c", .d = 30}};
    struct boss b = {.when = CORO_FIRST_COMPLETED, .timeout = CORO_FOREVER};
    coro_task tb;
    cr_assert_eq(run_wait(w, 3, &b, &tb), CORO_OK);
    cr_assert_eq(b.ndone, 2);
    cr_assert_eq(b.mask, 3u);
    cr_assert_str_eq(trace, "a0@10 b0@10 B0@10 ");
}

Test(core, wait_first_exception)
{
    struct worker w[3] = {{.name = "a", .d = 10}, {.name = "b", .d = 20, .ret = CORO_ERR_USER + 1},
                          {.name = "c", .d = 30}};
    struct boss b = {.when = CORO_FIRST_EXCEPTION, .timeout = CORO_FOREVER};
    coro_task tb;
    cr_assert_eq(run_wait(w, 3, &b, &tb), CORO_OK); /* wait itself never raises */
    cr_assert_eq(b.ndone, 2);
    cr_assert_eq(b.mask, 3u);
    cr_assert_str_eq(trace, "a0@10 b33@20 B0@20 ");
}

Test(core, wait_first_exception_already_failed_returns_at_once)
{
    struct worker w[2] = {{.name = "a", .d = 10, .ret = CORO_ERR_USER + 1}, {.name = "b", .d = 50}};
    struct boss b = {.when = CORO_FIRST_EXCEPTION, .timeout = CORO_FOREVER, .before = 20, .spy = 1};
    coro_task tb;
    cr_assert_eq(run_wait(w, 2, &b, &tb), CORO_OK);
    cr_assert_eq(b.ndone, 1);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "a33@10 B0@20 x b0@50 ");
}

Test(core, wait_all_completed)
{
    struct worker w[3] = {{.name = "a", .d = 30}, {.name = "b", .d = 10, .ret = CORO_ERR_USER + 1},
                          {.name = "c", .d = 20}};
    struct boss b = {.when = CORO_ALL_COMPLETED, .timeout = CORO_FOREVER};
    coro_task tb;
    cr_assert_eq(run_wait(w, 3, &b, &tb), CORO_OK);
    cr_assert_eq(b.ndone, 3);
    cr_assert_eq(b.mask, 7u);
    cr_assert_str_eq(trace, "b33@10 c0@20 a0@30 B0@30 ");
}

Test(core, wait_timeout_returns_without_cancelling)
{
    struct worker w[3] = {{.name = "a", .d = 10}, {.name = "b", .d = 20}, {.name = "c", .d = 30}};
    struct boss b = {.when = CORO_ALL_COMPLETED, .timeout = 15, .after = 30};
    coro_task tb;
    cr_assert_eq(run_wait(w, 3, &b, &tb), CORO_OK);
    cr_assert_eq(b.ndone, 1);
    cr_assert_eq(b.mask, 1u);
    cr_assert_str_eq(trace, "a0@10 B0@15 b0@20 c0@30 B.@45 ");
    cr_assert_eq(L.hlen, 0);
}

Test(core, wait_task_finishing_at_timeout_counts_as_done)
{
    struct worker w[2] = {{.name = "a", .d = 10}, {.name = "b", .d = 20}};
    struct boss b = {.when = CORO_ALL_COMPLETED, .timeout = 10};
    coro_task tb;
    cr_assert_eq(run_wait(w, 2, &b, &tb), CORO_OK);
    cr_assert_eq(b.ndone, 1);
    cr_assert_eq(b.mask, 1u);
    cr_assert_str_eq(trace, "a0@10 B0@10 ");
}

/* Same, with the wait's timer set before the task's (it comes due first). */
Test(core, wait_task_finishing_at_timeout_counts_as_done_timer_first)
{
    struct worker w[2] = {{.name = "a", .d = 10}, {.name = "b", .d = 20}};
    struct boss b = {.op = OP_WAIT, .when = CORO_ALL_COMPLETED, .timeout = 10};
    coro_task tb;
    cr_assert_eq(coro_spawn(&L, &tb, boss, &b), CORO_OK); /* the boss runs first */
    spawn_workers(w, 2, &b);
    cr_assert_eq(coro_loop_run_task(&L, tb), CORO_OK);
    cr_assert_eq(b.ndone, 1);
    cr_assert_eq(b.mask, 1u);
    cr_assert_str_eq(trace, "a0@10 B0@10 ");
}

Test(core, wait_duplicate_counted_once)
{
    struct worker w[2] = {{.name = "a", .d = 10}, {.name = "b", .d = 20}};
    struct boss b = {.op = OP_WAIT, .when = CORO_ALL_COMPLETED, .timeout = CORO_FOREVER};
    coro_task tb;
    spawn_workers(w, 2, &b);
    b.t[2] = b.t[0];
    b.n = 3;
    cr_assert_eq(coro_spawn(&L, &tb, boss, &b), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, tb), CORO_OK);
    cr_assert_eq(b.ndone, 2);
    cr_assert_eq(b.mask, 7u);
    cr_assert_str_eq(trace, "a0@10 b0@20 B0@20 ");
}

Test(core, wait_invalid_arguments)
{
    struct worker w = {.name = "a", .d = 10};
    struct boss b0 = {.op = OP_WAIT, .n = 0, .when = CORO_ALL_COMPLETED, .timeout = CORO_FOREVER};
    struct boss b1 = {.op = OP_WAIT, .when = 7, .timeout = CORO_FOREVER};
    struct boss b2 = {.op = OP_WAIT, .when = 0, .timeout = CORO_FOREVER};
    cr_assert_eq(coro_loop_run_until_complete(&L, boss, &b0), CORO_OK);
    cr_assert_eq(b0.st, CORO_ERR_INVALID);
    cr_assert_eq(coro_spawn(&L, &b1.t[0], worker, &w), CORO_OK);
    b1.n = 1;
    b2.t[0] = b1.t[0];
    b2.n = 1;
    cr_assert_eq(coro_loop_run_until_complete(&L, boss, &b1), CORO_OK);
    cr_assert_eq(b1.st, CORO_ERR_INVALID);
    cr_assert_eq(coro_loop_run_until_complete(&L, boss, &b2), CORO_OK);
    cr_assert_eq(b2.st, CORO_ERR_INVALID);
    cr_assert_eq(coro_loop_time(&L), 0); /* none of them waited */
    cr_assert_eq(coro_loop_run_task(&L, b1.t[0]), CORO_OK); /* and the task is intact */
}

Test(core, wait_and_wait_for_timeout_beyond_max_delay_is_range_error)
{
    struct worker w = {.name = "a", .d = 10};
    struct boss b1 = {.op = OP_WAIT, .n = 1, .when = CORO_FIRST_COMPLETED, .timeout = (coro_tick)(CORO_MAX_DELAY + 1u)};
    struct boss b2 = {.op = OP_WAIT_FOR, .n = 1, .timeout = (coro_tick)(CORO_MAX_DELAY + 1u)};
    cr_assert_eq(coro_spawn(&L, &b1.t[0], worker, &w), CORO_OK);
    b2.t[0] = b1.t[0];
    cr_assert_eq(coro_loop_run_until_complete(&L, boss, &b1), CORO_OK);
    cr_assert_eq(coro_loop_run_until_complete(&L, boss, &b2), CORO_OK);
    cr_assert_eq(b1.st, CORO_ERR_RANGE);
    cr_assert_eq(b2.st, CORO_ERR_RANGE);
    cr_assert_eq(coro_loop_run_task(&L, b1.t[0]), CORO_OK); /* the task is untouched */
    cr_assert_str_eq(trace, "B7@0 B7@0 a0@10 ");
}

Test(core, wait_cancelling_waiter_does_not_cancel_tasks)
{
    struct worker w[2] = {{.name = "a", .d = 10}, {.name = "b", .d = 20}};
    struct boss b = {.op = OP_WAIT, .when = CORO_ALL_COMPLETED, .timeout = CORO_FOREVER, .reraise = 1};
    struct canceller c = {0};
    coro_task tb;
    spawn_workers(w, 2, &b);
    cr_assert_eq(coro_spawn(&L, &tb, boss, &b), CORO_OK);
    c.t = tb;
    cr_assert_eq(coro_call_at(&L, NULL, 5, cancel_cb, &c), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, tb), CORO_ERR_CANCELLED);
    cr_assert_eq(coro_loop_time(&L), 5);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "X@5 B1@5 a0@10 b0@20 ");
    cr_assert_eq(coro_task_status(&L, b.t[0]), CORO_OK);
    cr_assert_eq(coro_task_status(&L, b.t[1]), CORO_OK);
}

/* ====================================================================================
 * wait_for
 * ==================================================================================== */

static coro_status run_wait_for(struct worker *w, struct boss *b, coro_task *tb)
{
    b->op = OP_WAIT_FOR;
    spawn_workers(w, 1, b);
    cr_assert_eq(coro_spawn(&L, tb, boss, b), CORO_OK);
    return coro_loop_run_task(&L, *tb);
}

Test(core, wait_for_timeout_cancels_inner_after_its_cleanup)
{
    struct worker w = {.name = "a", .d = 100, .fin_sleep = 5};
    struct boss b = {.timeout = 10};
    coro_task tb;
    cr_assert_eq(run_wait_for(&w, &b, &tb), CORO_OK);
    cr_assert_eq(b.st, CORO_ERR_TIMEOUT);
    cr_assert_str_eq(trace, "a1@10 a.@15 B2@15 ");
    cr_assert(coro_task_cancelled(&L, b.t[0]));
    cr_assert_eq(L.hlen, 0);
}

Test(core, wait_for_inner_swallowing_cancel_wins)
{
    struct worker w = {.name = "a", .d = 100, .swallow = 1};
    struct boss b = {.timeout = 10};
    coro_task tb;
    cr_assert_eq(run_wait_for(&w, &b, &tb), CORO_OK);
    cr_assert_eq(b.st, CORO_OK);
    cr_assert_str_eq(trace, "a1@10 B0@10 ");
    cr_assert_eq(coro_task_status(&L, b.t[0]), CORO_OK);
}

Test(core, wait_for_zero_on_unstarted_task_never_runs_it)
{
    struct worker w = {.name = "a", .d = 10};
    struct boss b = {.op = OP_WAIT_FOR, .n = 1, .timeout = 0};
    coro_task tb;
    cr_assert_eq(coro_spawn(&L, &tb, boss, &b), CORO_OK); /* boss runs first */
    cr_assert_eq(coro_spawn(&L, &b.t[0], worker, &w), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, tb), CORO_OK);
    cr_assert_eq(b.st, CORO_ERR_TIMEOUT);
    cr_assert_not(w.ran);
    cr_assert_str_eq(trace, "B2@0 ");
    cr_assert(coro_task_cancelled(&L, b.t[0]));
}

Test(core, wait_for_zero_on_done_task_returns_its_status)
{
    struct worker w = {.name = "a", .d = 10, .ret = CORO_ERR_USER + 1};
    struct boss b = {.timeout = 0, .before = 20, .spy = 1};
    coro_task tb;
    cr_assert_eq(run_wait_for(&w, &b, &tb), CORO_OK);
    cr_assert_eq(b.st, CORO_ERR_USER + 1);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "a33@10 B33@20 x ");
}

static void wait_for_cancel_caller(coro_tick timeout)
{
    struct worker w = {.name = "a", .d = 100, .fin_sleep = 3};
    struct boss b = {.op = OP_WAIT_FOR, .timeout = timeout, .reraise = 1};
    struct canceller c = {0};
    coro_task tb;
    spawn_workers(&w, 1, &b);
    cr_assert_eq(coro_spawn(&L, &tb, boss, &b), CORO_OK);
    c.t = tb;
    cr_assert_eq(coro_call_at(&L, NULL, 5, cancel_cb, &c), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, tb), CORO_ERR_CANCELLED);
    cr_assert_str_eq(trace, "X@5 a1@5 a.@8 B1@8 ");
    cr_assert(coro_task_cancelled(&L, b.t[0]));
    cr_assert_eq(L.hlen, 0); /* the wait's timer is gone */
}

Test(core, wait_for_cancelling_caller_cancels_inner)
{
    wait_for_cancel_caller(50);
}

Test(core, wait_for_forever_cancelling_caller_cancels_inner)
{
    wait_for_cancel_caller(CORO_FOREVER);
}

Test(core, wait_for_error_during_cancellation_propagates)
{
    struct worker w = {.name = "a", .d = 100, .fin_err = CORO_ERR_USER + 5};
    struct boss b = {.timeout = 10};
    coro_task tb;
    cr_assert_eq(run_wait_for(&w, &b, &tb), CORO_OK);
    cr_assert_eq(b.st, CORO_ERR_USER + 5);
    cr_assert_str_eq(trace, "a1@10 B37@10 ");
}

static int hlen_seen = -1;
static void hlen_cb(void *arg) { (void)arg; hlen_seen = L.hlen; }

Test(core, wait_for_forever_is_plain_await)
{
    struct worker w = {.name = "a", .d = 50, .ret = CORO_ERR_USER + 1};
    struct boss b = {.timeout = CORO_FOREVER};
    coro_task tb;
    cr_assert_eq(coro_call_at(&L, NULL, 20, hlen_cb, NULL), CORO_OK);
    cr_assert_eq(run_wait_for(&w, &b, &tb), CORO_OK);
    cr_assert_eq(b.st, CORO_ERR_USER + 1);
    cr_assert_str_eq(trace, "a33@50 B33@50 ");
    cr_assert_eq(hlen_seen, 1); /* only the worker's sleep: no wait timer */
}

Test(core, wait_for_result_at_the_timeout_wins)
{
    struct worker w = {.name = "a", .d = 10, .ret = CORO_ERR_USER + 1};
    struct boss b = {.timeout = 10};
    coro_task tb;
    cr_assert_eq(run_wait_for(&w, &b, &tb), CORO_OK);
    cr_assert_eq(b.st, CORO_ERR_USER + 1);
    cr_assert_str_eq(trace, "a33@10 B33@10 ");
}

/* The caller is cancelled in the very iteration its timeout expires: the
 * cancellation is not swallowed into a timeout (gh-86296). */
Test(core, wait_for_cancel_and_timeout_same_tick_reports_cancel)
{
    struct worker w = {.name = "a", .d = 100};
    struct boss b = {.op = OP_WAIT_FOR, .timeout = 10, .reraise = 1};
    struct canceller c = {0};
    coro_task tb;
    spawn_workers(&w, 1, &b);
    cr_assert_eq(coro_spawn(&L, &tb, boss, &b), CORO_OK);
    c.t = tb;
    cr_assert_eq(coro_call_at(&L, NULL, 10, cancel_cb, &c), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, tb), CORO_ERR_CANCELLED);
    cr_assert_eq(b.st, CORO_ERR_CANCELLED);
    cr_assert(coro_task_cancelled(&L, b.t[0]));
}

/* The timeout already forwarded, the inner task is still cleaning up, and
 * then the caller is cancelled: the caller reports the cancellation. */
Test(core, wait_for_cancel_during_timeout_cleanup_reports_cancel)
{
    struct worker w = {.name = "a", .d = 100, .fin_sleep = 5};
    struct boss b = {.op = OP_WAIT_FOR, .timeout = 10, .reraise = 1};
    struct canceller c = {0};
    coro_task tb;
    spawn_workers(&w, 1, &b);
    cr_assert_eq(coro_spawn(&L, &tb, boss, &b), CORO_OK);
    c.t = tb;
    cr_assert_eq(coro_call_at(&L, NULL, 12, cancel_cb, &c), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, tb), CORO_ERR_CANCELLED);
    cr_assert_eq(c.ret, 1);
    cr_assert_str_eq(trace, "a1@10 X@12 a.@15 B1@15 ");
}

/* The inner task finishes, then the caller is cancelled before it resumes
 * (same iteration): the cancellation is not swallowed by the result. */
static struct canceller late_c;
static void arm_late_cancel(void *arg)
{
    (void)arg;
    cr_assert_eq(coro_call_at(&L, NULL, 10, cancel_cb, &late_c), CORO_OK);
}

Test(core, wait_for_inner_done_then_caller_cancelled_same_iteration)
{
    struct worker w = {.name = "a", .d = 10, .ret = CORO_ERR_USER + 1};
    struct boss b = {.op = OP_WAIT_FOR, .timeout = 50, .reraise = 1};
    coro_task tb;
    spawn_workers(&w, 1, &b);
    cr_assert_eq(coro_spawn(&L, &tb, boss, &b), CORO_OK);
    late_c.t = tb;
    cr_assert_eq(coro_call_at(&L, NULL, 5, arm_late_cancel, NULL), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, tb), CORO_ERR_CANCELLED);
    cr_assert_eq(late_c.ret, 1);
    cr_assert_str_eq(trace, "a33@10 X@10 B1@10 ");
    cr_assert_eq(coro_task_status(&L, b.t[0]), CORO_ERR_USER + 1);
    cr_assert_eq(L.hlen, 0);
}

/* ====================================================================================
 * timeout scopes
 * ==================================================================================== */

/* A CORO_TIMEOUT scope around a sub-coroutine (or a bare yield), caught. */
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

Test(core, timeout_scope_expiry_after_inner_cleanup)
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

Test(core, timeout_scope_unexpired_returns_result)
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

Test(core, timeout_scope_zero_around_yield_times_out)
{
    struct scoped s = {.timeout = 0, .yield_only = 1};
    coro_task t;
    cr_assert_eq(coro_spawn(&L, &t, scoped, &s), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, t), CORO_OK);
    cr_assert_str_eq(trace, "S2@0 ");
}

/* Same, after the task caught an earlier cancellation. */
Test(core, timeout_scope_zero_around_yield_after_caught_cancel)
{
    struct scoped s = {.timeout = 0, .yield_only = 1, .precancel = 1};
    struct canceller c = {0};
    coro_task t;
    cr_assert_eq(coro_spawn(&L, &t, scoped, &s), CORO_OK);
    c.t = t;
    cr_assert_eq(coro_call_at(&L, NULL, 10, cancel_cb, &c), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, t), CORO_OK);
    cr_assert_str_eq(trace, "X@10 P1@10 S2@10 ");
}

Test(core, timeout_scope_foreign_cancel_stays_cancelled)
{
    struct scoped s = {.timeout = 100, .after = 200};
    struct canceller c = {0};
    coro_task t;
    s.w.name = "a";
    s.w.d = 50;
    cr_assert_eq(coro_spawn(&L, &t, scoped, &s), CORO_OK);
    c.t = t;
    cr_assert_eq(coro_call_at(&L, NULL, 10, cancel_cb, &c), CORO_OK);
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

Test(core, timeout_scopes_nested_same_deadline_outer_reports)
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

Test(core, timeout_scope_around_task_await)
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

Test(core, timeout_scope_uncaught_propagates)
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
Test(core, timeout_scope_without_callback_slot)
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

/* ====================================================================================
 * the timer heap: a white-box model test
 * ==================================================================================== */

#define HOPS 10000
static struct { coro_tick when; coro_handle h; int live; } rec[HOPS];
static int live_k[CORO_MAX_CALLBACKS], nlive, nrec;
static int slot_rec[CORO__SLOTS];
static int fired_k[CORO_MAX_CALLBACKS], nfired;
static uint32_t rng = 12345;
static uint32_t rnd(void)
{
    rng = rng * 1103515245u + 12345u;
    return rng >> 8;
}
static void heap_cb(void *arg) { fired_k[nfired++] = (int)(intptr_t)arg; }

/* a before b in the model: deadline relative to now, then insertion order. */
static int model_before(int a, int b)
{
    coro__stick da = (coro__stick)(rec[a].when - coro_virtual_now);
    coro__stick db = (coro__stick)(rec[b].when - coro_virtual_now);
    return da < db || (da == db && a < b);
}

static void check_heap(void)
{
    unsigned i;
    int best = -1, j;
    if (L.hlen != nlive)
        cr_assert_fail("hlen %d, model %d", (int)L.hlen, nlive);
    for (i = 0; i < L.hlen; i++) {
        coro_index id = L.heap[i];
        int k = slot_rec[id];
        if (L.slot[id].hpos != i)
            cr_assert_fail("hpos of slot %d is %d, at %u", (int)id, (int)L.slot[id].hpos, i);
        if (i > 0 && coro__before(&L, &L.slot[id], &L.slot[L.heap[(i - 1) / 2]]))
            cr_assert_fail("heap order broken at %u", i);
        if (k < 0 || !rec[k].live || rec[k].when != L.slot[id].deadline)
            cr_assert_fail("slot %d holds a timer the model does not", (int)id);
    }
    for (j = 0; j < nlive; j++)
        if (best < 0 || model_before(live_k[j], best))
            best = live_k[j];
    if (nlive && slot_rec[L.heap[0]] != best)
        cr_assert_fail("heap top %d, model top %d", slot_rec[L.heap[0]], best);
    for (i = CORO_MAX_TASKS; i < CORO__SLOTS; i++)
        if (slot_rec[i] < 0 && L.slot[i].hpos != CORO__NONE)
            cr_assert_fail("free slot %u claims heap position %d", i, (int)L.slot[i].hpos);
}

static int cmp_model(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return model_before(x, y) ? -1 : model_before(y, x) ? 1 : 0;
}

static void heap_model(coro_tick start)
{
    int op, j, last_dead = -1, pops = 0, reseqs = 0;
    coro__seq prev_seq;
    coro_virtual_now = start;
    cr_assert_eq(coro_loop_init(&L), CORO_OK);
    for (j = 0; j < CORO__SLOTS; j++)
        slot_rec[j] = -1;
    for (op = 0; op < HOPS; op++) {
        uint32_t r = rnd() % 100;
        if (op % 900 == 0 && (coro__seq)((coro__seq)-1 - 5) > L.seq)
            L.seq = (coro__seq)((coro__seq)-1 - (rnd() % 5)); /* only ever forward */
        prev_seq = L.seq;
        if (r < 50 && nlive < CORO_MAX_CALLBACKS && nrec < HOPS) {
            coro_tick when;
            coro_handle h;
            int k = nrec++;
            if (rnd() % 2) {
                when = (coro_tick)(coro_virtual_now + rnd() % 2000 - 100); /* some in the past */
                cr_assert_eq(coro_call_at(&L, &h, when, heap_cb, (void *)(intptr_t)k), CORO_OK);
            } else {
                coro_tick d = (coro_tick)(rnd() % 2000);
                when = (coro_tick)(coro_loop_time(&L) + d);
                cr_assert_eq(coro_call_later(&L, &h, d, heap_cb, (void *)(intptr_t)k), CORO_OK);
            }
            rec[k].when = when;
            rec[k].h = h;
            rec[k].live = 1;
            live_k[nlive++] = k;
            slot_rec[CORO__ID(h)] = k;
            if (L.seq < prev_seq)
                reseqs++;
        } else if (r < 75 && nlive) {
            int i = (int)(rnd() % (uint32_t)nlive), k = live_k[i];
            cr_assert_eq(coro_handle_cancel(&L, rec[k].h), 1);
            rec[k].live = 0;
            slot_rec[CORO__ID(rec[k].h)] = -1;
            live_k[i] = live_k[--nlive];
            last_dead = k;
        } else if (r < 80 && last_dead >= 0) {
            cr_assert_eq(coro_handle_cancel(&L, rec[last_dead].h), 0);
        } else if (nlive) {
            /* move time to the earliest deadline (or a little past it) and
             * run one iteration: exactly the due timers fire, in order */
            int due[CORO_MAX_CALLBACKS], ndue = 0, i;
            int best = live_k[0];
            for (i = 1; i < nlive; i++)
                if (model_before(live_k[i], best))
                    best = live_k[i];
            if ((coro__stick)(rec[best].when - coro_virtual_now) > 0)
                coro_virtual_now = rec[best].when;
            coro_virtual_now = (coro_tick)(coro_virtual_now + (rnd() % 4 == 0 ? rnd() % 30 : 0));
            for (i = 0; i < nlive; i++)
                if ((coro__stick)(rec[live_k[i]].when - coro_virtual_now) <= 0)
                    due[ndue++] = live_k[i];
            qsort(due, (size_t)ndue, sizeof due[0], cmp_model);
            nfired = 0;
            cr_assert_eq(coro__loop_enter(&L), CORO_OK);
            cr_assert(coro__run_once(&L));
            coro__loop_leave(&L, CORO_OK);
            cr_assert_eq(nfired, ndue);
            for (i = 0; i < ndue; i++) {
                if (fired_k[i] != due[i])
                    cr_assert_fail("op %d: fired %d, expected %d", op, fired_k[i], due[i]);
                rec[due[i]].live = 0;
                slot_rec[CORO__ID(rec[due[i]].h)] = -1;
                last_dead = due[i];
            }
            for (i = 0; i < nlive;)
                if (!rec[live_k[i]].live)
                    live_k[i] = live_k[--nlive];
                else
                    i++;
            pops++;
        }
        check_heap();
    }
    cr_assert_gt(pops, 1000);
    cr_assert_gt(reseqs, 3); /* the renumbering really happened, several times */
}

Test(core, heap_model_10000_ops)
{
    heap_model(0);
}

Test(core, heap_model_10000_ops_from_before_wrap)
{
    heap_model((coro_tick)-1500);
}

/* ====================================================================================
 * tick wrap
 * ==================================================================================== */

static coro_tick wrap_start;
static char wrap_trace[256];
static void wrap_cb(void *arg)
{
    coro_tick due = (coro_tick)(wrap_start + (coro_tick)(intptr_t)arg);
    coro_tick now = coro_loop_time(&L);
    size_t n = strlen(wrap_trace);
    /* offset from the start, and how late (never early, never late) */
    snprintf(wrap_trace + n, sizeof wrap_trace - n, "%d%s ", (int)(intptr_t)arg,
             now == due ? "" : (coro__stick)(now - due) < 0 ? "early" : "late");
}
struct wrap_sleeper { coro_frame co; int i; };
static CORO_FN(wrap_sleeper, struct wrap_sleeper, self)
{
    CORO_BEGIN(self);
    for (self->i = 1; self->i <= 3; self->i++) {
        CORO_SLEEP(self, 4);
        tr("s%d ", (int)(coro_tick)(coro_loop_time(coro_running_loop()) - wrap_start));
    }
    CORO_SLEEP_UNTIL(self, (coro_tick)(wrap_start + 15));
    tr("u%d ", (int)(coro_tick)(coro_loop_time(coro_running_loop()) - wrap_start));
    CORO_END(self);
}

Test(core, tick_wrap_timers_fire_in_order)
{
    static const int offs[] = {7, 3, 5, 2, 10, 4, 6, 1};
    struct wrap_sleeper s;
    unsigned i;
    wrap_start = (coro_tick)-5;
    coro_virtual_now = wrap_start;
    cr_assert_eq(coro_loop_init(&L), CORO_OK);
    for (i = 0; i < sizeof offs / sizeof offs[0]; i++) {
        if (i % 2)
            cr_assert_eq(coro_call_later(&L, NULL, (coro_tick)offs[i], wrap_cb, (void *)(intptr_t)offs[i]), CORO_OK);
        else
            cr_assert_eq(coro_call_at(&L, NULL, (coro_tick)(wrap_start + offs[i]), wrap_cb, (void *)(intptr_t)offs[i]),
                         CORO_OK);
    }
    cr_assert_eq(coro_spawn(&L, NULL, wrap_sleeper, &s), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(wrap_trace, "1 2 3 4 5 6 7 10 ");
    cr_assert_str_eq(trace, "s4 s8 s12 u15 ");
    cr_assert_eq(coro_virtual_now, (coro_tick)10);
}

/* ====================================================================================
 * argument evaluation: lower-case API evaluates each argument once
 * ==================================================================================== */

static int n_loop, n_out, n_fn, n_frame, n_task, n_cb, n_arg, n_tick;
static coro_loop *lp(void) { n_loop++; return &L; }
static coro_task *outp(coro_task *p) { n_out++; return p; }
static coro_handle *hp(coro_handle *p) { n_out++; return p; }
static coro_fn fnp(void) { n_fn++; return once_fn; }
static struct once *framep(struct once *o) { n_frame++; return o; }
static coro_task tv(coro_task t) { n_task++; return t; }
static coro_callback cbp(void) { n_cb++; return nop_cb; }
static void *argp(void) { n_arg++; return NULL; }
static coro_tick tk(coro_tick t) { n_tick++; return t; }

Test(core, arguments_evaluated_once)
{
    static struct once o1, o2, o3;
    coro_task t;
    coro_handle h;
    cr_assert_eq(coro_spawn_fn(lp(), outp(&t), fnp(), &framep(&o1)->co), CORO_OK);
    cr_assert(n_loop == 1 && n_out == 1 && n_fn == 1 && n_frame == 1);
    cr_assert_not(coro_task_done(lp(), tv(t)));
    cr_assert_eq(coro_task_status(lp(), tv(t)), CORO_ERR_STATE);
    cr_assert_not(coro_task_cancelled(lp(), tv(t)));
    cr_assert(n_loop == 4 && n_task == 3);
    cr_assert_eq(coro_loop_run_task(lp(), tv(t)), CORO_OK);
    cr_assert(n_loop == 5 && n_task == 4);
    cr_assert_eq(coro_task_cancel(lp(), tv(t)), 0);
    cr_assert(n_loop == 6 && n_task == 5);
    cr_assert_eq(coro_call_soon(lp(), hp(&h), cbp(), argp()), CORO_OK);
    cr_assert_eq(coro_call_later(lp(), hp(&h), tk(3), cbp(), argp()), CORO_OK);
    cr_assert_eq(coro_call_at(lp(), hp(&h), tk(4), cbp(), argp()), CORO_OK);
    cr_assert(n_loop == 9 && n_out == 4 && n_cb == 3 && n_arg == 3 && n_tick == 2);
    cr_assert_eq(coro_handle_cancel(lp(), tv(h)), 1);
    cr_assert(n_loop == 10 && n_task == 6);
    /* the typed forms take a coroutine's name (a function pointer value
     * goes through coro_spawn_fn) */
    cr_assert_eq(coro_loop_run_until_complete(lp(), once_fn, framep(&o2)), CORO_OK);
    cr_assert(n_loop == 11 && n_fn == 1 && n_frame == 2);
    cr_assert_eq(coro_loop_time(lp()), 0);
    coro_loop_stop(lp());
    cr_assert_eq(coro_current_task(lp()), 0);
    cr_assert(n_loop == 14);
    cr_assert_eq(coro_run(once_fn, framep(&o3)), CORO_OK);
    cr_assert(n_fn == 1 && n_frame == 3);
    cr_assert_eq(coro_loop_close(lp()), CORO_OK);
    cr_assert(n_loop == 15);
    cr_assert_str_eq(trace, "x x x ");
}

/* ====================================================================================
 * unit macros (issue 11 item 15): a run-time value beyond CORO_MAX_DELAY
 * saturates to CORO_MAX_DELAY + 1, which the awaits refuse; constants out of
 * range do not compile (mk/units.mk checks that)
 * ==================================================================================== */

/* Seconds / milliseconds whose tick count wraps coro_tick to a small value
 * (a sleep of a few hundred ticks before the fix). */
#define BIG_S ((uint64_t)CORO_FOREVER / CORO_TICK_HZ + 1u)
#define BIG_MS (((uint64_t)CORO_FOREVER / CORO_TICK_HZ + 1u) * 1000u)

enum { U_SLEEP_S, U_SLEEP_MS, U_WAIT_FOR, U_TIMEOUT };
struct units {
    coro_frame co;
    int op;
    uint64_t v; /* a run-time value, as CORO_MS(self->ms) would read */
    coro_status st;
    coro_task t;
    coro_timeout to;
    struct once child;
};
static CORO_FN(units_fn, struct units, self)
{
    CORO_BEGIN(self);
    if (self->op == U_SLEEP_S) {
        CORO_CATCH(self, self->st, CORO_SLEEP(self, CORO_S(self->v)));
    } else if (self->op == U_SLEEP_MS) {
        CORO_CATCH(self, self->st, CORO_SLEEP(self, CORO_MS(self->v)));
    } else if (self->op == U_WAIT_FOR) {
        coro_spawn(coro_running_loop(), &self->t, once_fn, &self->child);
        CORO_CATCH(self, self->st, CORO_WAIT_FOR(self, self->t, CORO_S(self->v)));
    } else {
        CORO_CATCH(self, self->st, CORO_TIMEOUT(self, &self->to, CORO_MS(self->v), CORO_YIELD(self)));
    }
    CORO_END(self);
}

static coro_status units_run(int op, uint64_t v)
{
    static struct units u;
    memset(&u, 0, sizeof u);
    u.op = op;
    u.v = v;
    cr_assert_eq(coro_loop_run_until_complete(&L, units_fn, &u), CORO_OK);
    return u.st;
}

Test(core, units_runtime_out_of_range_is_err_range)
{
    cr_assert_eq(units_run(U_SLEEP_S, BIG_S), CORO_ERR_RANGE);
    cr_assert_eq(units_run(U_SLEEP_MS, BIG_MS), CORO_ERR_RANGE);
    cr_assert_eq(units_run(U_WAIT_FOR, BIG_S), CORO_ERR_RANGE);
    cr_assert_eq(units_run(U_TIMEOUT, BIG_MS), CORO_ERR_RANGE);
    cr_assert_eq(units_run(U_SLEEP_S, (uint64_t)-1), CORO_ERR_RANGE); /* CORO_S(-1) */
    cr_assert_eq(units_run(U_SLEEP_MS, (uint64_t)-1), CORO_ERR_RANGE);
    cr_assert_eq(units_run(U_SLEEP_S, CORO_MAX_DELAY / CORO_TICK_HZ + 1u), CORO_ERR_RANGE);
    cr_assert_eq(coro_virtual_now, 0); /* nothing slept */
    {
        volatile uint64_t ms = BIG_MS;
        cr_assert_eq(coro_call_later(&L, NULL, CORO_MS(ms), nop_cb, NULL), CORO_ERR_RANGE);
    }
    cr_assert_eq(cb_free_count(), CORO_MAX_CALLBACKS);
}

Test(core, units_runtime_in_range_is_exact)
{
    volatile uint64_t v = CORO_MAX_DELAY / CORO_TICK_HZ, ms = 1500;
    cr_assert_eq(CORO_S(v), (coro_tick)(CORO_MAX_DELAY / CORO_TICK_HZ * CORO_TICK_HZ));
    cr_assert_eq(CORO_MS(ms), (coro_tick)(1500u * CORO_TICK_HZ / 1000u));
    cr_assert_eq(units_run(U_SLEEP_MS, 1500), CORO_OK);
    cr_assert_eq(coro_virtual_now, (coro_tick)CORO_MS(1500));
    cr_assert_eq(units_run(U_WAIT_FOR, 2), CORO_OK);
    cr_assert_eq(units_run(U_TIMEOUT, 7), CORO_OK);
}

Test(core, units_saturate_below_forever)
{
    volatile uint64_t big = BIG_S, huge = (uint64_t)-1;
    volatile int neg = -1;
    cr_assert_eq(CORO_S(big), (coro_tick)(CORO_MAX_DELAY + 1u));
    cr_assert_eq(CORO_MS(huge), (coro_tick)(CORO_MAX_DELAY + 1u));
    cr_assert_eq(CORO_MS(neg), (coro_tick)(CORO_MAX_DELAY + 1u));
    cr_assert_neq(CORO_S(huge), CORO_FOREVER);
}

Test(core, units_evaluate_their_argument_once)
{
    int n = 0;
    coro_tick a = CORO_MS(n++ + 1000), b = CORO_S(n++ + 1);
    cr_assert_eq(n, 2);
    cr_assert_eq(a, (coro_tick)CORO_TICK_HZ);
    cr_assert_eq(b, (coro_tick)(2 * CORO_TICK_HZ));
}

#if defined(__GNUC__)
/* GCC/Clang: an in-range constant stays a constant expression. */
static const coro_tick units_const = CORO_MS(250) + CORO_S(2);
Test(core, units_constants_are_constant_expressions)
{
    cr_assert_eq(units_const, (coro_tick)(CORO_TICK_HZ / 4u + 2u * CORO_TICK_HZ));
}
#endif

/* ====================================================================================
 * misuse
 * ==================================================================================== */

Test(core, spawn_null_loop_asserts, .signal = SIGABRT)
{
    struct once o;
    coro_task t;
    coro_spawn((coro_loop *)NULL, &t, once_fn, &o);
}

Test(core, spawn_null_fn_asserts, .signal = SIGABRT)
{
    struct once o;
    coro_task t;
    coro_spawn_fn(&L, &t, (coro_fn)NULL, &o.co);
}

struct nested_catch { coro_frame co; coro_status a, b; };
static CORO_FN(nested_catch, struct nested_catch, self)
{
    CORO_BEGIN(self);
    CORO_CATCH(self, self->a, CORO_CATCH(self, self->b, CORO_YIELD(self)));
    CORO_END(self);
}

Test(core, nested_catch_asserts, .signal = SIGABRT)
{
    struct nested_catch n;
    coro_loop_run_until_complete(&L, nested_catch, &n);
}

Test(core, run_task_zero_handle_asserts, .signal = SIGABRT)
{
    coro_loop_run_task(&L, 0);
}

Test(core, strerror_names_every_code)
{
    int i;
    for (i = 0; i <= CORO_ERR_SHUTDOWN; i++)
        cr_assert_str_neq(coro_strerror(i), "unknown error", "code %d", i);
    cr_assert_str_eq(coro_strerror(CORO_OK), "ok");
    cr_assert_str_eq(coro_strerror(CORO_ERR_USER + 3), "application error");
    cr_assert_str_eq(coro_strerror(-5), "unknown error");
}
