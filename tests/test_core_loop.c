/* The loop (coro.h): run_until_complete, coro_run, stop and resume, close,
 * re-entry refused, running loop and current task, deadlock detection.
 * Part of the core suite split by subject: shared setup, coroutines and the
 * trace notation are in tests/core_common.h. Built also on the labels backend,
 * 16-bit ticks and 8-bit generations (Makefile labels/tick16, mk gen8). */
#include "core_common.h"

TestSuite(loop, .init = setup);

/* ====================================================================================
 * the loop
 * ==================================================================================== */

Test(loop, run_until_complete_returns_the_main_status)
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

Test(loop, coro_run_cancels_the_other_tasks_after_main_returns)
{
    struct runmain m;
    memset(&m, 0, sizeof m);
    cr_assert_eq(coro_run(runmain, &m), CORO_ERR_USER + 4);
    cr_assert_str_eq(trace, "main@10 bg1@10 bg.@12 ");
    cr_assert_eq(coro_virtual_now, 12);
    cr_assert_null(coro_running_loop());
}

/* Every task left when main returns is cancelled and waited for, however
 * long its cleanup takes ("a" 2 ticks, "b" 5): not just the first. */
struct twomain { coro_frame co; struct worker w[2]; };
static CORO_FN(twomain, struct twomain, self)
{
    int i;
    CORO_BEGIN(self);
    for (i = 0; i < 2; i++) {
        self->w[i].name = i ? "b" : "a";
        self->w[i].d = 1000;
        self->w[i].fin_sleep = i ? 5 : 2;
        cr_assert_eq(coro_spawn(coro_running_loop(), NULL, worker, &self->w[i]), CORO_OK);
    }
    CORO_SLEEP(self, 10);
    tr("main@%lu ", NOW());
    CORO_END(self);
}
Test(loop, coro_run_waits_for_every_task_left_to_finish_its_cleanup)
{
    static struct twomain m;
    memset(&m, 0, sizeof m);
    cr_assert_eq(coro_run(twomain, &m), CORO_OK);
    cr_assert_str_eq(trace, "main@10 a1@10 b1@10 a.@12 b.@15 ");
    cr_assert_eq(coro_virtual_now, 15);
}

/* The run watches a handle, not a slot. Every slot is taken (main, six
 * fillers, the latecomer); main and the latecomer wake in the same pass
 * (equal deadlines, main's first). Main ends, nobody awaits it, its slot
 * goes to the free list, and the latecomer's spawn takes it in that same
 * pass: the run still ends with main's status, before the new task runs. */
struct latecomer { coro_frame co; struct worker *c; coro_task *ct; };
static CORO_FN(latecomer, struct latecomer, self)
{
    CORO_BEGIN(self);
    CORO_SLEEP(self, 1);
    cr_assert_eq(coro_spawn(coro_running_loop(), self->ct, worker, self->c), CORO_OK);
    cr_assert_eq(CORO__ID(*self->ct), 0); /* main's slot, freed in this pass */
    CORO_END(self);
}
struct fullmain { coro_frame co; struct worker fill[CORO_MAX_TASKS - 2], c; struct latecomer b; coro_task ct; int i; };
static CORO_FN(fullmain, struct fullmain, self)
{
    CORO_BEGIN(self);
    for (self->i = 0; self->i < CORO_MAX_TASKS - 2; self->i++) {
        self->fill[self->i].name = "f";
        self->fill[self->i].d = 1000;
        cr_assert_eq(coro_spawn(coro_running_loop(), NULL, worker, &self->fill[self->i]), CORO_OK);
    }
    self->c.name = "c";
    self->c.d = 100;
    self->c.ret = CORO_ERR_USER + 2;
    self->b.c = &self->c;
    self->b.ct = &self->ct;
    cr_assert_eq(coro_spawn(coro_running_loop(), NULL, latecomer, &self->b), CORO_OK);
    CORO_SLEEP(self, 1); /* its timer before the latecomer's: it wakes first */
    CORO_RETURN(self, CORO_ERR_USER + 4);
    CORO_END(self);
}

Test(loop, run_until_complete_ends_when_main_ends_though_its_slot_is_reused_at_once)
{
    static struct fullmain m;
    memset(&m, 0, sizeof m);
    cr_assert_eq(coro_loop_run_until_complete(&L, fullmain, &m), CORO_ERR_USER + 4);
    cr_assert_eq(coro_loop_time(&L), 1);
    cr_assert_eq(m.c.ran, 0);
    cr_assert_eq(coro_task_done(&L, m.ct), 0);
    /* nothing lost: the new task runs on in the next run */
    cr_assert_eq(coro_loop_run_task(&L, m.ct), CORO_ERR_USER + 2);
    cr_assert_eq(coro_loop_time(&L), 101);
    cr_assert_str_eq(trace, "c34@101 ");
}

/* coro_run then cancels the task in main's old slot too, with the others;
 * it never started, so it ends cancelled without running. */
Test(loop, coro_run_cancels_a_task_that_took_mains_slot)
{
    static struct fullmain m;
    memset(&m, 0, sizeof m);
    cr_assert_eq(coro_run(fullmain, &m), CORO_ERR_USER + 4);
    cr_assert_eq(coro_virtual_now, 1);
    cr_assert_eq(m.c.ran, 0);
    cr_assert_eq(m.c.co.err, CORO_ERR_CANCELLED);
    cr_assert_str_eq(trace, "f1@1 f1@1 f1@1 f1@1 f1@1 f1@1 ");
}

/* A lone task in the first slot waiting for something nobody will do is a
 * deadlock, not the end of the run. */
struct lone { coro_frame co; coro_waitq q; int chosen; };
static CORO_FN(lone, struct lone, self)
{
    CORO_BEGIN(self);
    coro_waitq_init(&self->q);
    CORO_AWAIT_ON(self, coro_waitq_wait(&self->q), coro_waitq_resumed(&self->chosen));
    CORO_END(self);
}
Test(loop, a_lone_task_in_the_first_slot_waiting_forever_is_a_deadlock)
{
    struct lone l;
    coro_task t;
    cr_assert_eq(coro_spawn(&L, &t, lone, &l), CORO_OK);
    cr_assert_eq(CORO__ID(t), 0);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_ERR_DEADLOCK);
    cr_assert_not(coro_task_done(&L, t));
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

Test(loop, loop_stop_then_resume)
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

/* asyncio: a stop in the step where the awaited task ends does not hide its
 * result (run_until_complete returns it); a task already done is reported
 * at once, before any iteration (the other task does not run). */
struct stopend { coro_frame co; };
static CORO_FN(stopend, struct stopend, self)
{
    CORO_BEGIN(self);
    tr("s@%lu ", NOW());
    coro_loop_stop(coro_running_loop());
    CORO_RETURN(self, CORO_ERR_USER + 5);
    CORO_END(self);
}

Test(loop, stop_in_the_step_that_ends_the_task_returns_its_status)
{
    struct stopend s;
    struct stopper other;
    coro_task t;
    cr_assert_eq(coro_spawn(&L, &t, stopend, &s), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, t), CORO_ERR_USER + 5);
    cr_assert_str_eq(trace, "s@0 ");
    cr_assert_eq(coro_spawn(&L, NULL, stopper, &other), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, t), CORO_ERR_USER + 5); /* done: no iteration */
    cr_assert_str_eq(trace, "s@0 ");
    cr_assert_null(coro_running_loop());
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

Test(loop, closed_loop_refuses_every_call)
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

/* A closed loop initialised again is a fresh loop: its clock read anew, no
 * task, timer or arm (a watch kept it waiting for interrupts) left from
 * before, and every call works again. */
Test(loop, closed_loop_initialised_again_is_a_fresh_loop, .timeout = 10)
{
    struct once o;
    coro_task t;
    cr_assert_eq(coro_call_later(&L, NULL, 50, name_cb, "old"), CORO_OK);
    coro_loop_arm(&L, 1);
    cr_assert_eq(coro_loop_close(&L), CORO_OK);
    cr_assert_eq(coro_call_soon(&L, NULL, nop_cb, NULL), CORO_ERR_CLOSED);
    coro_virtual_now = 1000;
    cr_assert_eq(coro_loop_init(&L), CORO_OK);
    cr_assert_eq(coro_loop_time(&L), 1000);
    cr_assert_eq(coro_call_later(&L, NULL, 5, name_cb, "new"), CORO_OK);
    cr_assert_eq(coro_spawn(&L, &t, once_fn, &o), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "x new@1005 ");
    cr_assert(coro_task_done(&L, t));
    cr_assert_eq(coro_loop_close(&L), CORO_OK);
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

Test(loop, loop_reentry_is_refused)
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

Test(loop, loop_running_loop_and_current_task)
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
Test(loop, tasks_awaiting_each_other_are_a_deadlock)
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

/* A wakeup arriving while the loop runs iterations that only run the ready
 * ring (issue 15's fast path: no timer, nothing else pending) still runs the
 * poll hooks, in the next iteration. */
static int polled;
static void count_poll(coro_loop *loop, coro_poll *hook)
{
    (void)loop;
    (void)hook;
    polled++;
}
struct waker { coro_frame co; int i, seen; };
static CORO_FN(waker, struct waker, self)
{
    CORO_BEGIN(self);
    for (self->i = 0; self->i < 3; self->i++)
        CORO_YIELD(self);
    coro_loop_wakeup(coro_running_loop()); /* as an interrupt would */
    while (!polled)
        CORO_YIELD(self);
    self->seen = polled;
    CORO_END(self);
}

Test(loop, wakeup_during_yield_only_iterations_runs_the_poll_hooks, .timeout = 10.)
{
    static struct waker w;
    static coro_poll hook;
    polled = 0;
    hook.fn = count_poll;
    coro_loop_poll_add(&L, &hook);
    cr_assert_eq(coro_loop_run_until_complete(&L, waker, &w), CORO_OK);
    cr_assert_eq(w.seen, 1);
    cr_assert(coro_loop_poll_remove(&L, &hook));
}

/* coro_loop_stop from a task while the loop runs iterations that only run the
 * ready ring: the run ends after that iteration, as asyncio's (CPython 3.11
 * counts 4 rounds of the other task for the same program). */
struct yield_stopper { coro_frame co; int i; };
static CORO_FN(yield_stopper, struct yield_stopper, self)
{
    CORO_BEGIN(self);
    for (self->i = 0; self->i < 3; self->i++)
        CORO_YIELD(self);
    coro_loop_stop(coro_running_loop());
    for (;;)
        CORO_YIELD(self);
    CORO_END(self);
}
struct rounder { coro_frame co; long rounds; };
static CORO_FN(rounder, struct rounder, self)
{
    CORO_BEGIN(self);
    for (;;) {
        self->rounds++;
        CORO_YIELD(self);
    }
    CORO_END(self);
}

Test(loop, stop_during_yield_only_iterations_ends_that_iteration, .timeout = 10.)
{
    static struct yield_stopper s;
    static struct rounder r;
    cr_assert_eq(coro_spawn(&L, NULL, yield_stopper, &s), CORO_OK);
    cr_assert_eq(coro_spawn(&L, NULL, rounder, &r), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_ERR_STOPPED);
    cr_assert_eq(r.rounds, 4);
}

/* The task a run waits for ends while the loop runs iterations that only run
 * the ready ring (another task yields forever): the run returns at the end
 * of that iteration. */
struct few_yields { coro_frame co; int i; };
static CORO_FN(few_yields, struct few_yields, self)
{
    CORO_BEGIN(self);
    for (self->i = 0; self->i < 3; self->i++)
        CORO_YIELD(self);
    CORO_RETURN(self, CORO_ERR_USER + 1);
    CORO_END(self);
}

Test(loop, awaited_task_ending_during_yield_only_iterations_ends_the_run, .timeout = 10.)
{
    static struct few_yields f;
    static struct rounder r;
    coro_task t;
    cr_assert_eq(coro_spawn(&L, NULL, rounder, &r), CORO_OK);
    cr_assert_eq(coro_spawn(&L, &t, few_yields, &f), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, t), CORO_ERR_USER + 1);
    cr_assert_eq(r.rounds, 4);
}
