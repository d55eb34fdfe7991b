/* Scopes (coro.h): try/except/finally, `async with` and timeout scopes nested
 * inside one coroutine; the four defects of issue 12 first (written in the
 * forms that existed before, so each fails on the code before the fix).
 * Traces print what the Python program next to each test prints; the
 * programs themselves and CPython 3.11's output are in tests/scopes/.
 * Part of the core suites (labels backend, 16-bit ticks, 8-bit generations
 * too: Makefile labels/tick16, mk gen8). */
/* coro_sync.h first: its implementation must not see the suite's loop L. */
#define CORO_MAX_CALLBACKS 240
#define CORO_IMPLEMENTATION
#include "coro_sync.h"
#include "core_common.h"

TestSuite(scopes, .init = setup);

/* A busy step: the clock jumps by `ticks` while the task runs. */
static void busy(coro_tick ticks) { coro_virtual_now += ticks; }

/* ==== defect 1: two timeouts expire in one busy step ============================== */
/* tests/scopes/busy.py: outer timeout(0.1) around inner timeout(0.01), whose
 * block runs 0.2 s without awaiting and then awaits (a sleep, or sleep(0));
 * the inner `except TimeoutError`, then sleep(10). CPython 3.11: with a real
 * await both scopes have fired before the task runs again, the inner lets the
 * cancellation through, the outer raises TimeoutError at 0.2; with sleep(0)
 * the task runs before the due timers, the inner ends unexpired and the outer
 * interrupts the 10 s sleep at 0.2. (Before: the outer scope was lost and
 * the sleep ran 10 s.) */
struct busy_inner { coro_frame co; coro_timeout to; coro_status st; int mode; }; /* 0, 1 (yield), 2 (not busy) */
static CORO_FN(busy_inner, struct busy_inner, self)
{
    CORO_BEGIN(self);
    CORO_CATCH(self, self->st, CORO_TIMEOUT(self, &self->to, 10, {
        if (self->mode != 2)
            busy(200);
        if (self->mode == 1)
            CORO_YIELD(self);
        else
            CORO_SLEEP(self, 1000); /* asyncio.sleep(1) */
        tr("after await; ");
    }));
    if (self->st == CORO_ERR_TIMEOUT)
        tr("inner caught; ");
    else if (self->st)
        CORO_RETURN(self, self->st); /* except TimeoutError only */
    tr("sleeping 10; ");
    CORO_SLEEP(self, 10000);
    CORO_END(self);
}
struct busy_outer { coro_frame co; coro_timeout to; coro_status st; struct busy_inner in; };
static CORO_FN(busy_outer, struct busy_outer, self)
{
    CORO_BEGIN(self);
    CORO_CATCH(self, self->st, CORO_TIMEOUT(self, &self->to, 100, CORO_AWAIT(self, busy_inner, &self->in)));
    tr("outer %d@%lu", (int)self->st, NOW());
    CORO_END(self);
}

Test(scopes, defect1_two_timeouts_in_one_busy_step_outer_raises)
{
    struct busy_outer o = {0};
    cr_assert_eq(coro_loop_run_until_complete(&L, busy_outer, &o), CORO_OK);
    cr_assert_str_eq(trace, "outer 2@200");
    cr_assert_eq(cb_free_count(), CORO_MAX_CALLBACKS);
}

Test(scopes, defect1_busy_step_then_yield_outer_interrupts_the_sleep)
{
    struct busy_outer o = {0};
    o.in.mode = 1;
    cr_assert_eq(coro_loop_run_until_complete(&L, busy_outer, &o), CORO_OK);
    cr_assert_str_eq(trace, "after await; sleeping 10; outer 2@200");
    cr_assert_eq(cb_free_count(), CORO_MAX_CALLBACKS);
}

/* Not busy: the inner expires at 10 and is caught, the outer interrupts the
 * sleep at 100 (tests/scopes/busy.py, third run). */
Test(scopes, nested_timeouts_inner_caught_outer_interrupts_later)
{
    struct busy_outer o = {0};
    o.in.mode = 2;
    cr_assert_eq(coro_loop_run_until_complete(&L, busy_outer, &o), CORO_OK);
    cr_assert_str_eq(trace, "inner caught; sleeping 10; outer 2@100");
    cr_assert_eq(cb_free_count(), CORO_MAX_CALLBACKS);
}

/* ==== defect 2: an await that succeeds inside a finally ============================ */
/* try: await sleep(100) / finally: await sleep(5) (caught, or in a timeout
 * scope), cancelled at 10: the task still ends cancelled (before: the await in
 * the cleanup section cleared CORO_ERROR and the task ended OK). */
struct fin_await { coro_frame co; coro_timeout to; coro_status st, seen; int scope; };
static CORO_FN(fin_await, struct fin_await, self)
{
    CORO_BEGIN(self);
    CORO_SLEEP(self, 100);
    CORO_FINALLY(self);
    if (self->scope)
        CORO_TIMEOUT(self, &self->to, 50, CORO_SLEEP(self, 5));
    else
        CORO_CATCH(self, self->st, CORO_SLEEP(self, 5));
    self->seen = CORO_ERROR(self);
    tr("fin %d@%lu", (int)self->seen, NOW());
    CORO_END(self);
}

static void run_fin_await(int scope)
{
    struct fin_await f = {.scope = scope};
    struct canceller c;
    coro_task t = spawn_cancelled_at(fin_await, &f.co, 10, cancel_cb, &c);
    cr_assert_eq(coro_loop_run_task(&L, t), CORO_ERR_CANCELLED);
    cr_assert_str_eq(trace, "X@10 fin 1@15");
    cr_assert_eq(cb_free_count(), CORO_MAX_CALLBACKS);
}
Test(scopes, defect2_catch_in_cleanup_keeps_the_cancellation) { run_fin_await(0); }
Test(scopes, defect2_timeout_in_cleanup_keeps_the_cancellation) { run_fin_await(1); }

/* ==== defect 3: leaving a scope early ============================================== */
/* break out of a timeout scope (the statement form: the break leaves the
 * statement, as in any do-while macro; the block form's break leaves the loop,
 * scopes::every_way_out_*), then sleep past its deadline: nothing is left
 * behind (before: the timer fired at 50 into the sleep and the left-over catch
 * flag swallowed the cancellation: "slept@50"). */
struct leave_break { coro_frame co; coro_timeout to; int i; };
static CORO_FN(leave_break, struct leave_break, self)
{
    CORO_BEGIN(self);
    for (self->i = 0; self->i < 3; self->i++) {
        CORO_TIMEOUT(self, &self->to, 50, {
            CORO_YIELD(self);
            break;
        });
        tr("after; ");
    }
    tr("i=%d; ", self->i);
    CORO_SLEEP(self, 100);
    tr("slept@%lu", NOW());
    CORO_END(self);
}
Test(scopes, defect3_break_out_of_a_timeout_scope_disarms_it)
{
    struct leave_break f = {0};
    cr_assert_eq(coro_loop_run_until_complete(&L, leave_break, &f), CORO_OK);
    cr_assert_str_eq(trace, "after; after; after; i=3; slept@100");
    cr_assert_eq(cb_free_count(), CORO_MAX_CALLBACKS);
}

/* CORO_RETURN from inside a timeout scope of an awaited child: the parent's
 * sleep past the deadline is not cancelled (before: the parent ended
 * cancelled at 50). */
struct leave_ret_child { coro_frame co; coro_timeout to; };
static CORO_FN(leave_ret_child, struct leave_ret_child, self)
{
    CORO_BEGIN(self);
    CORO_TIMEOUT(self, &self->to, 50, {
        CORO_YIELD(self);
        CORO_RETURN(self, 0);
    });
    tr("not here; ");
    CORO_END(self);
}
struct leave_ret { coro_frame co; struct leave_ret_child c; };
static CORO_FN(leave_ret, struct leave_ret, self)
{
    CORO_BEGIN(self);
    CORO_AWAIT(self, leave_ret_child, &self->c);
    CORO_SLEEP(self, 100);
    tr("slept@%lu", NOW());
    CORO_END(self);
}
Test(scopes, defect3_return_out_of_a_timeout_scope_disarms_it)
{
    struct leave_ret f;
    cr_assert_eq(coro_loop_run_until_complete(&L, leave_ret, &f), CORO_OK);
    cr_assert_str_eq(trace, "slept@100");
    cr_assert_eq(cb_free_count(), CORO_MAX_CALLBACKS);
}

/* ==== defect 4: CORO_FOREVER and past deadlines ==================================== */
/* timeout(None): a scope that never expires (before: CORO_ERR_RANGE). */
struct forever { coro_frame co; coro_timeout to; coro_status st; };
static CORO_FN(forever, struct forever, self)
{
    CORO_BEGIN(self);
    CORO_CATCH(self, self->st, CORO_TIMEOUT(self, &self->to, CORO_FOREVER, CORO_SLEEP(self, 1000)));
    tr("st %d@%lu when %d expired %d", (int)self->st, NOW(), coro_timeout_when(&self->to) == CORO_FOREVER,
       coro_timeout_expired(&self->to));
    CORO_END(self);
}
Test(scopes, defect4_timeout_forever_never_expires)
{
    struct forever f = {0};
    cr_assert_eq(coro_loop_run_until_complete(&L, forever, &f), CORO_OK);
    cr_assert_str_eq(trace, "st 0@1000 when 1 expired 0");
    cr_assert_eq(cb_free_count(), CORO_MAX_CALLBACKS);
}

/* timeout_at(loop.time() - 5) around sleep(0): expires at that first await
 * (before: the documented mapping when - now wrapped, CORO_ERR_RANGE; there
 * was no timeout_at form). tests/scopes/past.py. */
struct past { coro_frame co; coro_timeout to; coro_status st; };
static CORO_FN(past, struct past, self)
{
    CORO_BEGIN(self);
    CORO_SLEEP(self, 100);
    CORO_TRY(self) {
        CORO_WITH_TIMEOUT_AT(self, &self->to, coro_loop_time(coro_running_loop()) - 5) {
            tr("in; ");
            CORO_YIELD(self);
            tr("not reached; ");
        } CORO_END_WITH(self);
    } CORO_EXCEPT(self, CORO_ERR_TIMEOUT) {
        tr("past deadline timeout@%lu expired %d", NOW(), coro_timeout_expired(&self->to));
    } CORO_END_TRY(self);
    CORO_END(self);
}
Test(scopes, defect4_timeout_at_in_the_past_expires_at_the_first_await)
{
    struct past f;
    cr_assert_eq(coro_loop_run_until_complete(&L, past, &f), CORO_OK);
    cr_assert_str_eq(trace, "in; past deadline timeout@100 expired 1");
    cr_assert_eq(cb_free_count(), CORO_MAX_CALLBACKS);
}

/* ==== issue 12's "done when" program ================================================ */
/* tests/scopes/done.py, in one coroutine: try/except/finally inside a retry
 * loop (with break and continue), `async with lock` followed by more code, a
 * timeout scope inside a finally, three nested timeout scopes. Prints what
 * CPython printed (tests/scopes/done.out); times in tenths of a second. */
enum { ERR_CONNECTION = CORO_ERR_USER };
static coro_lock done_lock = CORO_LOCK_INIT;
struct done_main { coro_frame co; int attempt; coro_tick t0; coro_timeout a, b, c, d, e; };
#define TENTHS() ((unsigned long)((coro_tick)(coro_loop_time(coro_running_loop()) - self->t0) / 100u))
static CORO_FN(done_main, struct done_main, self)
{
    CORO_BEGIN(self);
    self->t0 = coro_loop_time(coro_running_loop());
    for (self->attempt = 1; self->attempt < 5; self->attempt++) {
        CORO_TRY(self) {
            CORO_SLEEP(self, CORO_MS(100));
            if (self->attempt < 3)
                CORO_RETURN(self, ERR_CONNECTION); /* raise ConnectionError */
            tr("attempt %d ok at %lu\n", self->attempt, TENTHS());
            break;
        } CORO_EXCEPT(self, ERR_CONNECTION) {
            tr("attempt %d failed at %lu, retry\n", self->attempt, TENTHS());
            continue;
        } CORO_FINALLY_BLOCK(self) {
            tr("attempt %d done\n", self->attempt);
        } CORO_END_TRY(self);
    }
    CORO_WITH_LOCK(self, &done_lock) {
        tr("locked %s\n", coro_lock_locked(&done_lock) ? "True" : "False");
        CORO_SLEEP(self, CORO_MS(100));
    } CORO_END_WITH(self);
    tr("unlocked %s at %lu\n", coro_lock_locked(&done_lock) ? "True" : "False", TENTHS());
    CORO_TRY(self) {
        CORO_TRY(self) {
            CORO_WITH_TIMEOUT(self, &self->a, CORO_MS(200)) {
                CORO_SLEEP(self, CORO_S(10));
            } CORO_END_WITH(self);
        } CORO_FINALLY_BLOCK(self) {
            tr("cleanup starts at %lu\n", TENTHS());
            CORO_TRY(self) {
                CORO_WITH_TIMEOUT(self, &self->b, CORO_MS(100)) {
                    CORO_SLEEP(self, CORO_S(10));
                } CORO_END_WITH(self);
            } CORO_EXCEPT(self, CORO_ERR_TIMEOUT) {
                tr("cleanup timed out at %lu\n", TENTHS());
            } CORO_END_TRY(self);
            tr("cleanup done\n");
        } CORO_END_TRY(self);
    } CORO_EXCEPT(self, CORO_ERR_TIMEOUT) {
        tr("outer TimeoutError at %lu\n", TENTHS());
    } CORO_END_TRY(self);
    CORO_TRY(self) {
        CORO_WITH_TIMEOUT(self, &self->c, CORO_S(3)) {
            CORO_TRY(self) {
                CORO_WITH_TIMEOUT(self, &self->d, CORO_S(2)) {
                    CORO_TRY(self) {
                        CORO_WITH_TIMEOUT(self, &self->e, CORO_MS(100)) {
                            CORO_SLEEP(self, CORO_S(10));
                        } CORO_END_WITH(self);
                    } CORO_EXCEPT(self, CORO_ERR_TIMEOUT) {
                        tr("innermost timeout at %lu\n", TENTHS());
                    } CORO_END_TRY(self);
                    CORO_SLEEP(self, CORO_S(10));
                } CORO_END_WITH(self);
            } CORO_EXCEPT(self, CORO_ERR_TIMEOUT) {
                tr("middle timeout at %lu\n", TENTHS());
            } CORO_END_TRY(self);
            CORO_SLEEP(self, CORO_S(10));
        } CORO_END_WITH(self);
    } CORO_EXCEPT(self, CORO_ERR_TIMEOUT) {
        tr("outer timeout at %lu\n", TENTHS());
    } CORO_END_TRY(self);
    tr("end at %lu\n", TENTHS());
    CORO_END(self);
}

/* CPython's output of a program next to the tests. */
static const char *python_out(const char *name)
{
    static char buf[4096];
    size_t n;
    FILE *f = fopen(name, "r");
    if (!f) { /* make coverage runs the suites from build/cov */
        char up[256];
        snprintf(up, sizeof up, "../../%s", name);
        f = fopen(up, "r");
    }
    cr_assert(f != NULL, "%s: run the suite from the repository's root", name);
    n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

Test(scopes, done_when_program_prints_what_cpython_prints)
{
    struct done_main m;
    memset(&m, 0, sizeof m);
    cr_assert_eq(coro_loop_run_until_complete(&L, done_main, &m), CORO_OK);
    cr_assert_str_eq(trace, python_out("tests/scopes/done.out"));
    cr_assert_eq(cb_free_count(), CORO_MAX_CALLBACKS);
    cr_assert_eq(coro_lock_locked(&done_lock), 0);
}

/* ==== Python's rules, one coroutine ================================================= */
/* tests/scopes/rules.py: clauses, finally with an error in flight, break and
 * continue through finally blocks, except Exception vs a bare except with a
 * cancellation, async with lock / semaphore, Timeout.reschedule, return
 * through a finally. */
enum { E1 = CORO_ERR_USER, E2 };
static coro_lock r_lock = CORO_LOCK_INIT;
static coro_sem r_sem = CORO_SEM_INIT(1);
static void cancel_me(void *arg) { coro_task_cancel(coro_running_loop(), *(coro_task *)arg); }
struct rules { coro_frame co; int i; coro_status e; coro_task me; coro_handle h; coro_timeout to; };
static CORO_FN(rules, struct rules, self)
{
    CORO_BEGIN(self);
    CORO_TRY(self) {
        CORO_TRY(self) {
            CORO_YIELD(self);
            CORO_RETURN(self, E1);
        } CORO_EXCEPT(self, E2) {
            tr("1 not E2\n");
        } CORO_EXCEPT(self, E1) {
            tr("1 E1 caught\n");
            CORO_RETURN(self, E2);
        } CORO_EXCEPT(self, CORO_EXCEPTION) {
            tr("1 not reached\n");
        } CORO_FINALLY_BLOCK(self) {
            tr("1 finally\n");
        } CORO_END_TRY(self);
    } CORO_EXCEPT(self, E2) {
        tr("1 E2 outside\n");
    } CORO_END_TRY(self);

    CORO_TRY(self) {
        CORO_TRY(self) {
            CORO_RETURN(self, E1);
        } CORO_FINALLY_BLOCK(self) {
            CORO_SLEEP(self, CORO_MS(100));
            tr("2 finally awaited\n");
        } CORO_END_TRY(self);
    } CORO_EXCEPT(self, E1) {
        tr("2 E1 after finally\n");
    } CORO_END_TRY(self);

    CORO_TRY(self) {
        CORO_TRY(self) {
            CORO_RETURN(self, E1);
        } CORO_FINALLY_BLOCK(self) {
            CORO_RETURN(self, E2);
        } CORO_END_TRY(self);
    } CORO_EXCEPT(self, E2) {
        tr("3 E2 replaced E1\n");
    } CORO_END_TRY(self);

    for (self->i = 0; self->i < 3; self->i++) {
        CORO_TRY(self) {
            if (self->i == 0)
                continue;
            CORO_RETURN(self, E1);
        } CORO_FINALLY_BLOCK(self) {
            tr("4 finally %d\n", self->i);
            if (self->i == 1)
                break;
        } CORO_END_TRY(self);
    }
    tr("4 after loop %d\n", self->i);

    self->me = coro_current_task(coro_running_loop());
    CORO_CHECK(self, coro_call_later(coro_running_loop(), &self->h, CORO_MS(100), cancel_me, &self->me));
    CORO_TRY(self) {
        CORO_TRY(self) {
            CORO_SLEEP(self, CORO_S(1));
        } CORO_EXCEPT(self, CORO_EXCEPTION) {
            tr("5 not reached\n");
        } CORO_END_TRY(self);
    } CORO_EXCEPT_AS(self, CORO_ANY, self->e) {
        tr("5 caught %s\n", self->e == CORO_ERR_CANCELLED ? "CancelledError" : "?");
    } CORO_END_TRY(self);

    CORO_TRY(self) {
        CORO_WITH_LOCK(self, &r_lock) {
            CORO_YIELD(self);
            CORO_RETURN(self, E1);
        } CORO_END_WITH(self);
    } CORO_EXCEPT(self, E1) {
        tr("6 released %s\n", coro_lock_locked(&r_lock) ? "False" : "True");
        CORO_TRY(self) {
            CORO_RETURN(self, E2);
        } CORO_EXCEPT(self, E2) {
            tr("6 nested in the clause\n");
        } CORO_END_TRY(self);
    } CORO_END_TRY(self);

    for (;;) {
        CORO_WITH_SEM(self, &r_sem) {
            CORO_YIELD(self);
            break;
        } CORO_END_WITH(self);
    }
    tr("7 released %s\n", coro_sem_locked(&r_sem) ? "False" : "True");

    CORO_TRY(self) {
        CORO_WITH_TIMEOUT(self, &self->to, CORO_S(10)) {
            CORO_CHECK(self, coro_timeout_reschedule(&self->to, coro_loop_time(coro_running_loop()) + CORO_MS(100)));
            CORO_SLEEP(self, CORO_S(1));
        } CORO_END_WITH(self);
    } CORO_EXCEPT(self, CORO_ERR_TIMEOUT) {
        tr("8 rescheduled expired %s\n", coro_timeout_expired(&self->to) ? "True" : "False");
    } CORO_END_TRY(self);
    CORO_WITH_TIMEOUT(self, &self->to, CORO_MS(100)) {
        CORO_CHECK(self, coro_timeout_reschedule(&self->to, CORO_FOREVER));
        CORO_SLEEP(self, CORO_MS(200));
    } CORO_END_WITH(self);
    tr("8 never expired %s %s\n", coro_timeout_expired(&self->to) ? "True" : "False",
       coro_timeout_when(&self->to) == CORO_FOREVER ? "None" : "?");

    CORO_TRY(self) {
        tr("9 returning\n");
        CORO_RETURN(self, 0);
    } CORO_FINALLY_BLOCK(self) {
        tr("9 finally on return\n");
    } CORO_END_TRY(self);
    tr("not reached\n");
    CORO_END(self);
}

Test(scopes, rules_print_what_cpython_prints)
{
    struct rules r;
    memset(&r, 0, sizeof r);
    cr_assert_eq(coro_loop_run_until_complete(&L, rules, &r), CORO_OK);
    cr_assert_str_eq(trace, python_out("tests/scopes/rules.out"));
    cr_assert_eq(cb_free_count(), CORO_MAX_CALLBACKS);
    cr_assert_eq(coro_timeout_reschedule(&r.to, 5), CORO_ERR_STATE); /* not active */
}

/* ==== every way out of every kind of scope =========================================== */
/* Each kind of scope left by each way out: its exit runs exactly once (the
 * finally traces "x", the lock and the permit are back, the timer slot is
 * free), and the way out goes on as in Python: normal end continues after
 * the block ("after"), an error / a cancellation / an (outer) timeout / a
 * return end the coroutine with CORO_ERR_USER / CANCELLED / TIMEOUT / OK, a
 * break leaves the loop ("out"), a continue goes round it ("again"). */
enum { W_NORMAL, W_ERROR, W_CANCEL, W_TIMEOUT, W_RETURN, W_BREAK, W_CONTINUE, W_N };
static const char *const way_name[W_N] = {"normal", "error", "cancel", "timeout", "return", "break", "continue"};
static coro_lock w_lock = CORO_LOCK_INIT;
static coro_sem w_sem = CORO_SEM_INIT(1);
static coro_cond w_cond = CORO_COND_INIT(w_cond);
struct way { coro_frame co; int way, i; coro_timeout outer, to; };
#define WAY_BODY(self)                                                                     \
    CORO_YIELD(self);                                                                      \
    if (self->way == W_ERROR)                                                              \
        CORO_RETURN(self, E1);                                                             \
    if (self->way == W_CANCEL || self->way == W_TIMEOUT)                                   \
        CORO_SLEEP(self, 1000);                                                            \
    if (self->way == W_RETURN)                                                             \
        CORO_RETURN(self, 0);                                                              \
    if (self->way == W_BREAK)                                                              \
        break;                                                                             \
    if (self->way == W_CONTINUE)                                                           \
        continue
#define WAY_FN(name, OPEN, CLOSE)                                                          \
    static CORO_FN(name, struct way, self)                                                 \
    {                                                                                      \
        CORO_BEGIN(self);                                                                  \
        CORO_WITH_TIMEOUT(self, &self->outer, self->way == W_TIMEOUT ? 10 : CORO_FOREVER) { \
            for (self->i = 0; self->i < 2; self->i++) {                                    \
                if (self->i == 1) {                                                        \
                    tr("again ");                                                          \
                    break;                                                                 \
                }                                                                          \
                OPEN {                                                                     \
                    WAY_BODY(self);                                                        \
                } CLOSE;                                                                   \
                tr("after ");                                                              \
                break;                                                                     \
            }                                                                              \
            tr("out ");                                                                    \
        } CORO_END_WITH(self);                                                             \
        CORO_END(self);                                                                    \
    }
WAY_FN(way_finally, CORO_TRY(self), CORO_FINALLY_BLOCK(self) { tr("x "); } CORO_END_TRY(self))
WAY_FN(way_except, CORO_TRY(self), CORO_EXCEPT(self, E2) { tr("no "); } CORO_FINALLY_BLOCK(self) { tr("x "); } CORO_END_TRY(self))
WAY_FN(way_with, CORO_WITH(self, CORO_YIELD(self), tr("x ")), CORO_END_WITH(self))
WAY_FN(way_lock, CORO_WITH_LOCK(self, &w_lock), CORO_END_WITH(self))
WAY_FN(way_sem, CORO_WITH_SEM(self, &w_sem), CORO_END_WITH(self))
WAY_FN(way_cond, CORO_WITH_COND(self, &w_cond), CORO_END_WITH(self))
WAY_FN(way_timeout, CORO_WITH_TIMEOUT(self, &self->to, 500), CORO_END_WITH(self))

static void run_way(coro_fn fn, int traced)
{
    static const char *const tail[W_N] = {"after out ", "", "", "", "", "out ", "again out "};
    static const coro_status st[W_N] = {CORO_OK, E1, CORO_ERR_CANCELLED, CORO_ERR_TIMEOUT, CORO_OK, CORO_OK, CORO_OK};
    int w;
    for (w = 0; w < W_N; w++) {
        struct way f;
        struct canceller c;
        coro_task t;
        char want[64];
        memset(&f, 0, sizeof f);
        trace[0] = 0;
        f.way = w;
        if (w == W_CANCEL)
            t = spawn_cancelled_at(fn, &f.co, 10, cancel_cb, &c);
        else
            cr_assert_eq(coro_spawn_fn(&L, &t, fn, &f.co), CORO_OK);
        cr_assert_eq(coro_loop_run_task(&L, t), st[w], "%s", way_name[w]);
        snprintf(want, sizeof want, "%s%s%s", w == W_CANCEL ? "X@10 " : "", traced ? "x " : "", tail[w]);
        cr_assert_str_eq(trace, want, "%s", way_name[w]);
        cr_assert_eq(coro_lock_locked(&w_lock), 0, "%s", way_name[w]);
        cr_assert_eq(coro_cond_locked(&w_cond), 0, "%s", way_name[w]);
        cr_assert_eq(coro_sem_value(&w_sem), 1, "%s", way_name[w]);
        cr_assert_eq(cb_free_count(), CORO_MAX_CALLBACKS, "%s", way_name[w]);
        cr_assert_eq(L.hlen, 0, "%s", way_name[w]);
    }
}
Test(scopes, every_way_out_of_a_finally_block) { run_way(way_finally, 1); }
Test(scopes, every_way_out_of_try_except_finally) { run_way(way_except, 1); }
Test(scopes, every_way_out_of_a_with_block) { run_way(way_with, 1); }
Test(scopes, every_way_out_of_async_with_lock) { run_way(way_lock, 0); }
Test(scopes, every_way_out_of_async_with_semaphore) { run_way(way_sem, 0); }
Test(scopes, every_way_out_of_async_with_condition) { run_way(way_cond, 0); }
Test(scopes, every_way_out_of_a_timeout_scope) { run_way(way_timeout, 0); }

/* async with lock, cancelled while waiting to acquire: the block never runs,
 * nothing is released (the holder keeps the lock), the cancellation goes on. */
static coro_lock aw_lock = CORO_LOCK_INIT;
struct holder { coro_frame co; };
static CORO_FN(holder, struct holder, self)
{
    CORO_BEGIN(self);
    CORO_WITH_LOCK(self, &aw_lock) {
        CORO_SLEEP(self, 100);
        tr("holder %s ", coro_lock_locked(&aw_lock) ? "holds" : "lost it");
    } CORO_END_WITH(self);
    CORO_END(self);
}
struct waiter { coro_frame co; };
static CORO_FN(waiter, struct waiter, self)
{
    CORO_BEGIN(self);
    CORO_WITH_LOCK(self, &aw_lock) {
        tr("block ran ");
    } CORO_END_WITH(self);
    tr("after ");
    CORO_END(self);
}
Test(scopes, async_with_lock_cancelled_in_the_acquire)
{
    struct holder h;
    struct waiter w;
    struct canceller c;
    coro_task th, tw;
    cr_assert_eq(coro_spawn(&L, &th, holder, &h), CORO_OK);
    tw = spawn_cancelled_at(waiter, &w.co, 10, cancel_cb, &c);
    cr_assert_eq(coro_loop_run_task(&L, tw), CORO_ERR_CANCELLED);
    cr_assert_eq(coro_loop_run_task(&L, th), CORO_OK);
    cr_assert_str_eq(trace, "X@10 holder holds ");
    cr_assert_eq(coro_lock_locked(&aw_lock), 0);
}

/* ==== injected faults in a nested program ============================================ */
/* tests/scopes/faults.py: depth 4 (try/except/finally > outer timeout scope >
 * async with lock > try/finally > try/except > timeout scope) in one
 * coroutine; an error, a cancellation and a timeout at the k-th await in
 * turn; the handlers, finally blocks and the rest run in CPython's order. */
enum { F_ERROR, F_CANCEL, F_TIMEOUT };
static coro_lock f_lock = CORO_LOCK_INIT;
struct faulty { coro_frame co; int kind, k, n; coro_timeout outer, inner; };
#define POINT(self, tag)                                                                   \
    do {                                                                                   \
        self->n++;                                                                         \
        tr(tag " ");                                                                       \
        CORO_SLEEP(self, 100);                                                             \
        if (self->kind == F_ERROR && self->n == self->k)                                   \
            CORO_RETURN(self, E1);                                                         \
    } while (0)
static CORO_FN(faulty, struct faulty, self)
{
    CORO_BEGIN(self);
    CORO_TRY(self) {
        CORO_WITH_TIMEOUT(self, &self->outer, self->kind == F_TIMEOUT ? (coro_tick)(100 * (self->k - 1) + 50) : CORO_FOREVER) {
            POINT(self, "A");
            CORO_WITH_LOCK(self, &f_lock) {
                CORO_TRY(self) {
                    POINT(self, "B");
                    CORO_TRY(self) {
                        CORO_WITH_TIMEOUT(self, &self->inner, CORO_S(10)) {
                            POINT(self, "C");
                        } CORO_END_WITH(self);
                    } CORO_EXCEPT(self, E1) {
                        tr("except4 ");
                        POINT(self, "D");
                    } CORO_END_TRY(self);
                    POINT(self, "E");
                } CORO_FINALLY_BLOCK(self) {
                    tr("finally3 ");
                    POINT(self, "F");
                } CORO_END_TRY(self);
                POINT(self, "G");
            } CORO_END_WITH(self);
            tr(coro_lock_locked(&f_lock) ? "LOCKED " : "unlocked ");
            POINT(self, "H");
        } CORO_END_WITH(self);
    } CORO_EXCEPT(self, E1) {
        tr("except1-E ");
    } CORO_EXCEPT(self, CORO_ERR_TIMEOUT) {
        tr("except1-Timeout ");
    } CORO_FINALLY_BLOCK(self) {
        tr("finally1 ");
    } CORO_END_TRY(self);
    POINT(self, "I");
    CORO_END(self);
}

Test(scopes, injected_faults_in_a_nested_program)
{
    static const char *const kinds[] = {"error", "cancel", "timeout"};
    static char all[8192];
    int kind, k;
    all[0] = 0;
    for (kind = F_ERROR; kind <= F_TIMEOUT; kind++)
        for (k = 1; k <= 9; k++) {
            struct faulty f;
            coro_task t;
            coro_handle h;
            struct canceller c;
            coro_status st;
            size_t n;
            memset(&f, 0, sizeof f);
            f.kind = kind;
            f.k = k;
            trace[0] = 0;
            cr_assert_eq(coro_spawn(&L, &t, faulty, &f), CORO_OK);
            if (kind == F_CANCEL) {
                c.t = t;
                c.twice = 0;
                cr_assert_eq(coro_call_later(&L, &h, (coro_tick)(100 * (k - 1) + 50), cancel_me, &c.t), CORO_OK);
            }
            st = coro_loop_run_task(&L, t);
            tr("%s", st == CORO_OK ? "done" : st == CORO_ERR_CANCELLED ? "cancelled" : st == E1 ? "failed-E" : "?");
            n = strlen(all);
            snprintf(all + n, sizeof all - n, "%s %d: %.200s\n", kinds[kind], k, trace);
            cr_assert_eq(coro_lock_locked(&f_lock), 0);
            (void)coro_loop_run_forever(&L); /* let a cancel callback that never fired go */
            cr_assert_eq(cb_free_count(), CORO_MAX_CALLBACKS);
        }
    cr_assert_str_eq(all, python_out("tests/scopes/faults.out"));
}

/* ==== Timeout methods (issue 18: mutation survivors) =============================== */
/* expired() is 0 in an active scope before its deadline, 1 once it fired;
 * when() is the deadline while armed; reschedule(new) moves it (when() says
 * so), reschedule(FOREVER) disables expiry, and back to a deadline arms it
 * again: the scope then expires at that deadline. */
struct tmeth { coro_frame co; coro_timeout to; coro_status st; coro_tick t0; };
static CORO_FN(tmeth, struct tmeth, self)
{
    CORO_BEGIN(self);
    self->t0 = coro_loop_time(coro_running_loop());
    CORO_TRY(self) {
        CORO_WITH_TIMEOUT(self, &self->to, 50) {
            tr("in expired %d when %d; ", coro_timeout_expired(&self->to),
               coro_timeout_when(&self->to) == (coro_tick)(self->t0 + 50));
            CORO_SLEEP(self, 10);
            self->st = coro_timeout_reschedule(&self->to, (coro_tick)(self->t0 + 100));
            tr("resched %d when %d; ", (int)self->st,
               coro_timeout_when(&self->to) == (coro_tick)(self->t0 + 100));
            CORO_SLEEP(self, 60); /* past the first deadline (50) */
            tr("70 expired %d; ", coro_timeout_expired(&self->to));
            self->st = coro_timeout_reschedule(&self->to, CORO_FOREVER);
            tr("forever %d when %d; ", (int)self->st,
               coro_timeout_when(&self->to) == CORO_FOREVER);
            CORO_SLEEP(self, 100); /* past the second deadline (100) */
            tr("170 expired %d; ", coro_timeout_expired(&self->to));
            self->st = coro_timeout_reschedule(&self->to, (coro_tick)(self->t0 + 200));
            tr("back %d when %d; ", (int)self->st,
               coro_timeout_when(&self->to) == (coro_tick)(self->t0 + 200));
            CORO_SLEEP(self, 1000);
            tr("not reached; ");
        } CORO_END_WITH(self);
    } CORO_EXCEPT(self, CORO_ERR_TIMEOUT) {
        tr("timeout@%lu expired %d", (unsigned long)(coro_tick)(coro_loop_time(coro_running_loop()) - self->t0),
           coro_timeout_expired(&self->to));
    } CORO_END_TRY(self);
    CORO_END(self);
}
Test(scopes, timeout_expired_when_and_reschedule)
{
    struct tmeth f;
    memset(&f, 0, sizeof f);
    cr_assert_eq(coro_loop_run_until_complete(&L, tmeth, &f), CORO_OK);
    cr_assert_str_eq(trace, "in expired 0 when 1; resched 0 when 1; 70 expired 0; forever 0 when 1; "
                            "170 expired 0; back 0 when 1; timeout@200 expired 1");
    cr_assert_eq(cb_free_count(), CORO_MAX_CALLBACKS);
}

/* timeout_at a deadline CORO_MAX_DELAY / 2 in the past (the farthest a past
 * deadline may lie, rule 6): still past, so it expires at the first await. */
struct farpast { coro_frame co; coro_timeout to; coro_status st; };
static CORO_FN(farpast, struct farpast, self)
{
    CORO_BEGIN(self);
    CORO_SLEEP(self, 100);
    CORO_TRY(self) {
        CORO_WITH_TIMEOUT_AT(self, &self->to, (coro_tick)(coro_loop_time(coro_running_loop()) - CORO_MAX_DELAY / 2)) {
            tr("in; ");
            CORO_YIELD(self);
            tr("not reached; ");
        } CORO_END_WITH(self);
    } CORO_EXCEPT(self, CORO_ERR_TIMEOUT) {
        tr("timeout@%lu expired %d", NOW(), coro_timeout_expired(&self->to));
    } CORO_END_TRY(self);
    CORO_END(self);
}
Test(scopes, timeout_at_half_max_delay_in_the_past_expires_at_the_first_await)
{
    struct farpast f;
    memset(&f, 0, sizeof f);
    cr_assert_eq(coro_loop_run_until_complete(&L, farpast, &f), CORO_OK);
    cr_assert_str_eq(trace, "in; timeout@100 expired 1");
    cr_assert_eq(cb_free_count(), CORO_MAX_CALLBACKS);
}

/* Eight nested timeout scopes (one per coroutine level, 1 outermost) expire
 * in one busy step. The task's count of scope cancellations saturates at 7
 * (CORO__F_CANCELS), so an outer scope raises the timeout: level 2 (asyncio,
 * which counts without bound: level 1); what matters is that no inner scope
 * takes the cancellation for its own timeout (the count must not wrap to 0)
 * and that, once caught, no cancellation is left over (level 1 and the
 * sleep after it run on). Issue 18. */
struct nest8 { coro_frame co; coro_timeout to; coro_status st; int depth; };
static struct nest8 nest8_lv[10];
static CORO_DECLARE(nest8, struct nest8);
static CORO_FN(nest8, struct nest8, self)
{
    CORO_BEGIN(self);
    if (self->depth > 8) {
        busy(100);
        CORO_SLEEP(self, 1000);
        tr("not reached; ");
        CORO_RETURN(self, CORO_OK);
    }
    nest8_lv[self->depth + 1].depth = self->depth + 1;
    CORO_CATCH(self, self->st,
               CORO_TIMEOUT(self, &self->to, (coro_tick)(10 + self->depth), CORO_AWAIT(self, nest8, &nest8_lv[self->depth + 1])));
    tr("%d:%d ", self->depth, (int)self->st);
    if (self->st && self->st != CORO_ERR_TIMEOUT)
        CORO_RETURN(self, self->st);
    if (self->depth == 1) {
        CORO_SLEEP(self, 5);
        tr("slept@%lu", NOW());
    }
    CORO_END(self);
}
Test(scopes, eight_nested_timeouts_in_one_busy_step_an_outer_scope_raises)
{
    memset(nest8_lv, 0, sizeof nest8_lv);
    nest8_lv[1].depth = 1;
    cr_assert_eq(coro_loop_run_until_complete(&L, nest8, &nest8_lv[1]), CORO_OK);
    cr_assert_str_eq(trace, "8:1 7:1 6:1 5:1 4:1 3:1 2:2 1:0 slept@105");
    cr_assert_eq(cb_free_count(), CORO_MAX_CALLBACKS);
}
