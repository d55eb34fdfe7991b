/* The loop's life cycle and its clock, on the virtual clock: an all-zero loop,
 * stop before run, refused calls that leave nothing behind, re-initialising a
 * running loop, asyncio.run's shutdown, cancels forwarded to an awaited task
 * each time, overdue timers after a long step, and absolute deadlines past the
 * horizon. Each test states the asyncio behaviour it reproduces (the Python
 * programs are in the comments; CPython 3.11 prints what the test asserts). */
#define CORO_IMPLEMENTATION
#include "coro.h"
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static coro_loop L;
static char trace[2048];

static void tr(const char *fmt, ...)
{
    size_t n = strlen(trace);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(trace + n, sizeof trace - n, fmt, ap);
    va_end(ap);
}

static unsigned long now(void) { return (unsigned long)coro_loop_time(coro_running_loop()); }

static void setup(void)
{
    coro_virtual_now = 0;
    trace[0] = 0;
}
TestSuite(loop, .init = setup);

/* Yields n times, tracing "<name><i>@<time>" each step. */
struct stepper { coro_frame co; const char *name; int i, n; };
static CORO_FN(stepper, struct stepper, self)
{
    CORO_BEGIN(self);
    for (self->i = 0; self->i < self->n; self->i++) {
        tr("%s%d@%lu ", self->name, self->i, now());
        CORO_YIELD(self);
    }
    CORO_END(self);
}

static void mark_cb(void *arg) { tr("%s@%lu ", (const char *)arg, (unsigned long)coro_loop_time(&L)); }

/* ---- an all-zero loop ------------------------------------------------------------ */

/* A loop in .bss that nobody initialised is a valid empty loop (firmware keeps
 * it there; zero-init costs no code). */
Test(loop, zeroed_loop_spawns_calls_and_runs, .timeout = 10)
{
    static struct stepper s = {.name = "s", .n = 2};
    coro_task t;
    memset(&L, 0, sizeof L);
    cr_assert_eq(coro_spawn(&L, &t, stepper, &s), CORO_OK);
    cr_assert_eq(coro_call_later(&L, NULL, 5, mark_cb, "cb"), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "s0@0 s1@0 cb@5 ");
    cr_assert_eq(coro_task_status(&L, t), CORO_OK);
}

/* The first call on an all-zero loop counts from the clock, not from 0. */
Test(loop, zeroed_loop_first_call_later_counts_from_the_clock, .timeout = 10)
{
    memset(&L, 0, sizeof L);
    coro_virtual_now = 1000;
    cr_assert_eq(coro_call_later(&L, NULL, 5, mark_cb, "cb"), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "cb@1005 ");
}

Test(loop, zeroed_loop_answers_queries_and_stops_and_closes, .timeout = 10)
{
    memset(&L, 0, sizeof L);
    coro_virtual_now = 42;
    cr_assert_eq(coro_loop_time(&L), 42);
    cr_assert_eq(coro_current_task(&L), 0);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK); /* nothing to do */
    memset(&L, 0, sizeof L);
    cr_assert_eq(coro_loop_close(&L), CORO_OK);
    cr_assert_eq(coro_call_soon(&L, NULL, mark_cb, "x"), CORO_ERR_CLOSED);
}

/* ---- stop before run (asyncio: one iteration, then return) --------------------------- */
/*  loop = asyncio.new_event_loop(); loop.create_task(t()); loop.call_later(10, ...)
 *  loop.stop(); loop.run_forever()   -> "step 0", returns at once (time 0.0)
 *  loop.stop(); loop.run_forever()   -> "step 1" */
Test(loop, stop_before_run_forever_runs_one_iteration_without_idling, .timeout = 10)
{
    static struct stepper s = {.name = "s", .n = 3};
    cr_assert_eq(coro_loop_init(&L), CORO_OK);
    cr_assert_eq(coro_spawn(&L, NULL, stepper, &s), CORO_OK);
    cr_assert_eq(coro_call_later(&L, NULL, 10, mark_cb, "later"), CORO_OK);
    coro_loop_stop(&L);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_ERR_STOPPED);
    cr_assert_str_eq(trace, "s0@0 ");
    coro_loop_stop(&L);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_ERR_STOPPED);
    cr_assert_str_eq(trace, "s0@0 s1@0 ");
    cr_assert_eq(coro_virtual_now, 0, "a stopped iteration does not idle until the timer");
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "s0@0 s1@0 s2@0 later@10 ");
}

Test(loop, stop_before_run_with_nothing_ready_returns_without_waiting, .timeout = 10)
{
    cr_assert_eq(coro_loop_init(&L), CORO_OK);
    cr_assert_eq(coro_call_later(&L, NULL, 10, mark_cb, "later"), CORO_OK);
    coro_loop_stop(&L);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_ERR_STOPPED);
    cr_assert_eq(coro_virtual_now, 0);
    cr_assert_str_eq(trace, "");
}

/* ---- refused calls leave nothing behind ------------------------------------------------ */
static coro_loop other;
static int ran_in_other;
struct leaf { coro_frame co; };
static CORO_FN(leaf, struct leaf, self)
{
    CORO_BEGIN(self);
    ran_in_other++;
    CORO_END(self);
}
struct nester { coro_frame co; coro_status st; struct leaf lf; };
static CORO_FN(nester, struct nester, self)
{
    CORO_BEGIN(self);
    self->st = coro_loop_run_until_complete(&other, leaf, &self->lf);
    CORO_END(self);
}

Test(loop, run_until_complete_of_another_loop_from_a_task_is_refused_without_residue, .timeout = 10)
{
    static struct nester n;
    ran_in_other = 0;
    cr_assert_eq(coro_loop_init(&L), CORO_OK);
    cr_assert_eq(coro_loop_init(&other), CORO_OK);
    cr_assert_eq(coro_loop_run_until_complete(&L, nester, &n), CORO_OK);
    cr_assert_eq(n.st, CORO_ERR_REENTRANT);
    cr_assert_eq(coro_loop_run_forever(&other), CORO_OK);
    cr_assert_eq(ran_in_other, 0, "the refused call left a task in the other loop");
}

/* ---- init of a running loop ------------------------------------------------------------ */
struct reinit { coro_frame co; coro_status st; int i; };
static CORO_FN(reinit, struct reinit, self)
{
    CORO_BEGIN(self);
    coro_loop_stop(&L);
    self->st = coro_loop_init(&L);
    for (self->i = 0; self->i < 3; self->i++) {
        tr("r%d ", self->i);
        CORO_YIELD(self);
    }
    CORO_END(self);
}

Test(loop, init_of_a_running_loop_after_stop_is_refused, .timeout = 10)
{
    static struct reinit r;
    coro_task t;
    cr_assert_eq(coro_loop_init(&L), CORO_OK);
    cr_assert_eq(coro_spawn(&L, &t, reinit, &r), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_ERR_STOPPED);
    cr_assert_eq(r.st, CORO_ERR_REENTRANT);
    cr_assert_eq(coro_loop_run_task(&L, t), CORO_OK, "the loop survived the refused init");
    cr_assert_str_eq(trace, "r0 r1 r2 ");
}

/* ---- asyncio.run's shutdown always ends ---------------------------------------------------
 * async def late(): print("late started"); while True: await asyncio.sleep(1)
 * async def worker():
 *     try: while True: await asyncio.sleep(10)
 *     finally: create_task(late()); await asyncio.sleep(0); print("worker cleanup done")
 * async def main(): create_task(worker()); await asyncio.sleep(0); return 7
 * asyncio.run(main()) returns 7 after "late started", "worker cleanup done"
 * (and warns "Task was destroyed but it is pending!" about late). */
struct late { coro_frame co; };
static CORO_FN(late, struct late, self)
{
    CORO_BEGIN(self);
    tr("late-started ");
    for (;;)
        CORO_SLEEP(self, 1);
    CORO_END(self);
}
struct cleaner { coro_frame co; struct late lt; };
static CORO_FN(cleaner, struct cleaner, self)
{
    CORO_BEGIN(self);
    for (;;)
        CORO_SLEEP(self, 10);
    CORO_FINALLY(self);
    coro_spawn(coro_running_loop(), NULL, late, &self->lt);
    CORO_YIELD(self);
    tr("cleanup-done ");
    CORO_END(self);
}
struct shut_main { coro_frame co; struct cleaner w; };
static CORO_FN(shut_main, struct shut_main, self)
{
    CORO_BEGIN(self);
    coro_spawn(coro_running_loop(), NULL, cleaner, &self->w);
    CORO_YIELD(self);
    CORO_RETURN(self, CORO_ERR_USER + 7);
    CORO_END(self);
}

Test(loop, run_shutdown_ends_when_a_cleanup_spawns_a_task, .timeout = 10)
{
    static struct shut_main m;
    cr_assert_eq(coro_run(shut_main, &m), CORO_ERR_USER + 7);
    cr_assert_str_eq(trace, "late-started cleanup-done ");
}

/* ---- every cancel of an awaiting task goes to the awaited task ------------------------------
 * async def child1(box):
 *     await asyncio.sleep(0); box[0].cancel()     # the parent awaits us: forwarded to us
 *     caught = 0
 *     while caught < 2:
 *         try: await asyncio.sleep(5)
 *         except asyncio.CancelledError: caught += 1; print("child1 swallows", caught)
 *     return 42
 * async def child2(box): await asyncio.sleep(0.5); box[0].cancel()
 * async def parent(box):
 *     t1 = create_task(child1(box)); create_task(child2(box))
 *     r = await t1; print("parent got", r); await asyncio.sleep(1); return r
 * CPython: child1 swallows 1 at 0.0, child1 swallows 2 at 0.5, parent got 42,
 * parent slept fine until 1.5, main 42. */
struct c1 { coro_frame co; coro_task *parent; int caught, tries, result; coro_status st; };
static CORO_FN(c1, struct c1, self)
{
    CORO_BEGIN(self);
    CORO_YIELD(self);
    coro_task_cancel(coro_running_loop(), *self->parent);
    while (self->caught < 2 && self->tries++ < 4) {
        CORO_CATCH(self, self->st, CORO_SLEEP(self, 5000));
        if (self->st == CORO_ERR_CANCELLED) {
            self->caught++;
            tr("c1-swallows%d@%lu ", self->caught, now());
        }
    }
    self->result = 42;
    CORO_END(self);
}
struct c2 { coro_frame co; coro_task *parent; };
static CORO_FN(c2, struct c2, self)
{
    CORO_BEGIN(self);
    CORO_SLEEP(self, 500);
    coro_task_cancel(coro_running_loop(), *self->parent);
    tr("c2-cancelled-parent@%lu ", now());
    CORO_END(self);
}
struct fwd_parent { coro_frame co; coro_task self_task, t1, t2; struct c1 a; struct c2 b; };
static CORO_FN(fwd_parent, struct fwd_parent, self)
{
    CORO_BEGIN(self);
    self->a.parent = self->b.parent = &self->self_task;
    coro_spawn(coro_running_loop(), &self->t1, c1, &self->a);
    coro_spawn(coro_running_loop(), &self->t2, c2, &self->b);
    CORO_AWAIT_TASK(self, self->t1);
    tr("parent-got%d@%lu ", self->a.result, now());
    CORO_SLEEP(self, 1000);
    tr("parent-slept@%lu ", now());
    CORO_END(self);
}

Test(loop, every_cancel_of_an_awaiting_task_is_forwarded_and_a_swallowed_one_returns_the_result, .timeout = 10)
{
    static struct fwd_parent p;
    cr_assert_eq(coro_loop_init(&L), CORO_OK);
    cr_assert_eq(coro_spawn(&L, &p.self_task, fwd_parent, &p), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, p.self_task), CORO_OK);
    cr_assert_str_eq(trace, "c1-swallows1@0 c2-cancelled-parent@500 c1-swallows2@500 parent-got42@500 parent-slept@1500 ");
}

/* ---- a long step: an overdue timer fires at the next iteration ------------------------------ */
struct hog { coro_frame co; coro_tick busy; };
static CORO_FN(hog, struct hog, self)
{
    CORO_BEGIN(self);
    CORO_YIELD(self);
    coro_virtual_now += self->busy; /* a step that ran this long without awaiting */
    CORO_END(self);
}
struct napper { coro_frame co; coro_tick woke; };
static CORO_FN(napper, struct napper, self)
{
    CORO_BEGIN(self);
    CORO_SLEEP(self, 100);
    self->woke = coro_loop_time(coro_running_loop());
    CORO_END(self);
}

static void long_step(coro_tick busy)
{
    static struct hog h;
    static struct napper n;
    coro_task tn;
    coro_virtual_now = 1000;
    h.busy = busy;
    n.woke = 0;
    cr_assert_eq(coro_loop_init(&L), CORO_OK);
    cr_assert_eq(coro_spawn(&L, &tn, napper, &n), CORO_OK);
    cr_assert_eq(coro_spawn(&L, NULL, hog, &h), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, tn), CORO_OK);
    cr_assert_eq(n.woke, (coro_tick)(1000u + busy), "the overdue sleeper woke at %lu, not right after the step",
                 (unsigned long)n.woke);
}

Test(loop, overdue_timer_fires_after_a_step_longer_than_half_the_tick_range, .timeout = 10)
{
    long_step((coro_tick)(CORO_MAX_DELAY + 500u));
}

Test(loop, overdue_timer_fires_after_a_step_of_almost_the_whole_tick_range, .timeout = 10)
{
    long_step((coro_tick)((coro_tick)-1 - 200u));
}

/* ---- absolute deadlines past the horizon are refused, never fired early --------------------- */
struct until { coro_frame co; coro_tick when; coro_status st; };
static CORO_FN(until_fn, struct until, self)
{
    CORO_BEGIN(self);
    CORO_CATCH(self, self->st, CORO_SLEEP_UNTIL(self, self->when));
    CORO_END(self);
}

Test(loop, sleep_until_beyond_max_delay_is_refused, .timeout = 10)
{
    static struct until u;
    coro_virtual_now = 1000;
    u.when = (coro_tick)(1000u + CORO_MAX_DELAY + 10u);
    u.st = CORO_OK;
    cr_assert_eq(coro_loop_init(&L), CORO_OK);
    cr_assert_eq(coro_loop_run_until_complete(&L, until_fn, &u), CORO_OK);
    cr_assert_eq(u.st, CORO_ERR_RANGE);
    cr_assert_eq(coro_virtual_now, 1000);
    u.when = (coro_tick)(1000u + CORO_MAX_DELAY); /* the horizon itself is fine */
    cr_assert_eq(coro_loop_run_until_complete(&L, until_fn, &u), CORO_OK);
    cr_assert_eq(u.st, CORO_OK);
    cr_assert_eq(coro_virtual_now, (coro_tick)(1000u + CORO_MAX_DELAY));
}

Test(loop, call_at_beyond_max_delay_is_refused_and_takes_no_slot, .timeout = 10)
{
    int i;
    coro_virtual_now = 1000;
    cr_assert_eq(coro_loop_init(&L), CORO_OK);
    for (i = 0; i < CORO_MAX_CALLBACKS + 1; i++)
        cr_assert_eq(coro_call_at(&L, NULL, (coro_tick)(1000u + CORO_MAX_DELAY + 1u), mark_cb, "early"), CORO_ERR_RANGE);
    cr_assert_eq(coro_call_at(&L, NULL, 1500, mark_cb, "ok"), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "ok@1500 ");
}

/* ---- CORO_CHECK: a call's failure propagates like an await's ------------------------------ */
static int check_calls;
static coro_status counted(coro_status st)
{
    check_calls++;
    return st;
}
struct checker { coro_frame co; struct leaf kids[CORO_MAX_TASKS]; int i; coro_status caught; };
static CORO_FN(checker, struct checker, self)
{
    CORO_BEGIN(self);
    CORO_CHECK(self, counted(CORO_OK));
    CORO_CATCH(self, self->caught, CORO_CHECK(self, counted(CORO_ERR_USER + 1)));
    tr("caught%d ", self->caught - CORO_ERR_USER);
    for (self->i = 0; self->i < CORO_MAX_TASKS; self->i++) /* the last one finds no slot */
        CORO_CHECK(self, coro_spawn(coro_running_loop(), NULL, leaf, &self->kids[self->i]));
    tr("unreachable ");
    CORO_FINALLY(self);
    tr("finally:%s ", coro_strerror(CORO_ERROR(self)));
    CORO_END(self);
}

Test(loop, check_propagates_a_failed_call_like_an_await_and_evaluates_once, .timeout = 10)
{
    static struct checker c;
    check_calls = 0;
    cr_assert_eq(coro_loop_init(&L), CORO_OK);
    cr_assert_eq(coro_loop_run_until_complete(&L, checker, &c), CORO_ERR_NO_SLOT);
    cr_assert_eq(check_calls, 2);
    cr_assert_eq(c.i, CORO_MAX_TASKS - 1);
    cr_assert_str_eq(trace, "caught1 finally:no free slot ");
}
