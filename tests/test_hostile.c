/* Hostile inputs (asyncio-behaviours.md section 4), on the virtual clock:
 * each case checks the error code, then the loop's invariants
 * (tests/coro_check.h: heap order, ready ring, free lists back to baseline,
 * wait-queue rings, awaiter counts) and that the loop is still usable.
 *
 * Cases already covered elsewhere are not repeated here:
 *   1 spawn beyond the table     test_core_tasks task_spawn_past_capacity_changes_nothing
 *   2 two awaiters               test_core_tasks many_awaiters_* (all told, in order)
 *   3 a task awaits itself       test_core_tasks await_task_self_is_an_error
 *   4 release an unlocked lock   test_sync_lock lock_release_unlocked, lock_has_no_owner
 *   5 bounded over-release, wrap test_sync_semaphore sem_bounded_overflow
 *   6 semaphore init values      test_sync_semaphore sem_init_values
 *   7 try_put full, try_get empty test_queue_fifo try_put_full_try_get_empty_leave_queue_intact
 *   8 task_done underflow        test_queue_join task_done_beyond_the_gets_is_an_underflow
 *   9 cancel finished / twice    test_core_tasks task_cancel_finished_returns_0_keeps_status, ..._twice_...
 *  10 a task cancels itself      test_core_tasks task_self_cancel_*
 *  11 the chosen window          test_sync_* *chosen*, test_queue_* *race*, *chosen*
 *  12 cancel before start        test_core_tasks task_cancel_before_first_step_never_runs
 *  13 re-entering the loop       test_core_loop loop_reentry_is_refused
 *  14 stop / close from a task   test_core_loop loop_stop_then_resume, closed_loop_refuses_every_call
 *  16 deadlock                   test_core_loop tasks_awaiting_each_other_are_a_deadlock (the report: below)
 *  18 zero delay, past deadline  test_core_timers call_later_0_after_ready_callbacks, call_at_past_deadlines_earliest_first
 *  19 tick wrap                  test_core_timers tick_wrap_timers_fire_in_order, timer_heap_matches_a_model_over_10000_ops_across_wrap
 *  20 equal deadlines in bulk    test_core_timers equal_deadlines_fire_in_fifo_order_1000(_across_wrap)
 * Here: 15, 17, 21, 22, 23 (a compile-time check in mk/host.mk), 24, 25,
 * the deadlock report of 16, and garbage handles. */
#define CORO_IMPLEMENTATION
#define CORO_MAX_TASKS 8
#define CORO_MAX_CALLBACKS 8
#define CORO_DEBUG 1
/* The deadlock report and the stall check (section 16 and issue 7). */
struct coro_loop;
static void on_deadlock(struct coro_loop *loop);
static void on_stall(struct coro_loop *loop, unsigned task, unsigned long ticks);
#define CORO_ON_DEADLOCK(loop) on_deadlock(loop)
#define CORO_STALL_TICKS 5
#define CORO_STALL(loop, task, ticks) on_stall((loop), (unsigned)(task), (unsigned long)(ticks))
#include "coro_sync.h"
#include "coro_queue.h"
#include "coro_check.h"
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static coro_loop L;
static char report[4096];
static unsigned stalls, stall_task;
static unsigned long stall_ticks;

static int fired[64], nfired;

static void setup(void)
{
    coro_virtual_now = 0;
    nfired = 0;
    cr_assert_eq(coro_loop_init(&L), CORO_OK);
}
TestSuite(hostile, .init = setup);

/* Every invariant, and (when the loop is quiet) every slot free again. */
#define CHECK()                                                            \
    do {                                                                   \
        const char *why_ = coro_check(&L);                                 \
        cr_assert_null(why_, "invariant: %s", why_ ? why_ : "");           \
    } while (0)
#define CHECK_BASELINE()                                                   \
    do {                                                                   \
        CHECK();                                                           \
        cr_assert_eq(coro_check_free_tasks(&L), CORO_MAX_TASKS);           \
        cr_assert_eq(coro_check_free_cbs(&L), CORO_MAX_CALLBACKS);         \
        cr_assert_eq(L.hlen, 0);                                           \
        cr_assert_eq((coro_index)(L.rtail - L.rhead), 0);                  \
    } while (0)

static void note_cb(void *arg) { fired[nfired++] = (int)(intptr_t)arg; }
static void stop_cb(void *arg) { coro_loop_stop((coro_loop *)arg); }
static void step(void)
{
    cr_assert_eq(coro_call_soon(&L, NULL, stop_cb, &L), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_ERR_STOPPED);
}

/* ---- actors ---------------------------------------------------------------- */
struct yielder { coro_frame co; int n, i; };
static CORO_FN(yielder, struct yielder, self)
{
    CORO_BEGIN(self);
    for (self->i = 0; self->i < self->n; self->i++)
        CORO_YIELD(self);
    CORO_END(self);
}

struct sleeper { coro_frame co; coro_tick d; coro_status st; };
static CORO_FN(sleeper, struct sleeper, self)
{
    CORO_BEGIN(self);
    CORO_CATCH(self, self->st, CORO_SLEEP(self, self->d));
    CORO_RETURN(self, self->st);
    CORO_END(self);
}

/* Sleeps d, swallowing a cancellation if asked, then returns 7. */
struct inner { coro_frame co; coro_tick d; int swallow; coro_status st; };
static CORO_FN(inner, struct inner, self)
{
    CORO_BEGIN(self);
    CORO_CATCH(self, self->st, CORO_SLEEP(self, self->d));
    if (self->st && !self->swallow)
        CORO_RETURN(self, self->st);
    CORO_RETURN(self, CORO_ERR_USER + 7);
    CORO_END(self);
}

/* ==== 15: the callback store and the ready ring full ========================== */
Test(hostile, every_slot_ready_at_once_and_callback_store_full)
{
    static struct yielder y[CORO_MAX_TASKS];
    static const coro_tick due[] = {5, 3, 9, 3, 1, 7, 3, 2};
    coro_handle h = {0x77};
    int i;
    for (i = 0; i < CORO_MAX_TASKS; i++) {
        y[i].n = 3;
        cr_assert_eq(coro_spawn(&L, NULL, yielder, &y[i]), CORO_OK);
    }
    for (i = 0; i < CORO_MAX_CALLBACKS; i++)
        cr_assert_eq(coro_call_soon(&L, NULL, note_cb, (void *)(intptr_t)i), CORO_OK);
    /* every slot sits in the ring: it never overflows (it is sized for that) */
    cr_assert_eq((coro_index)(L.rtail - L.rhead), CORO__SLOTS);
    cr_assert_leq(CORO__SLOTS, CORO__RING);
    cr_assert_eq(coro_call_soon(&L, &h, note_cb, NULL), CORO_ERR_NO_SLOT);
    cr_assert_eq(coro_call_later(&L, &h, 1, note_cb, NULL), CORO_ERR_NO_SLOT);
    cr_assert_eq(h.id, 0x77);
    CHECK();
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_eq(nfired, CORO_MAX_CALLBACKS);
    CHECK_BASELINE();
    /* now a full timer store in scrambled order: heap order intact at NO_SLOT */
    nfired = 0;
    for (i = 0; i < CORO_MAX_CALLBACKS; i++)
        cr_assert_eq(coro_call_later(&L, NULL, due[i], note_cb, (void *)(intptr_t)(due[i] * 10 + i)), CORO_OK);
    cr_assert_eq(coro_call_at(&L, &h, 0, note_cb, NULL), CORO_ERR_NO_SLOT);
    cr_assert_eq(coro_call_later(&L, &h, 0, note_cb, NULL), CORO_ERR_NO_SLOT);
    cr_assert_eq(L.hlen, CORO_MAX_CALLBACKS);
    CHECK();
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_eq(nfired, CORO_MAX_CALLBACKS);
    for (i = 1; i < nfired; i++) /* deadline order, equal deadlines FIFO */
        cr_assert_lt(fired[i - 1], fired[i]);
    CHECK_BASELINE();
}

/* ==== 17: delays beyond half the tick range ==================================== */
struct scoped { coro_frame co; coro_timeout to; coro_tick tmo; coro_status st; struct sleeper s; };
static CORO_FN(scoped, struct scoped, self)
{
    CORO_BEGIN(self);
    self->s.d = 5;
    CORO_CATCH(self, self->st, CORO_TIMEOUT(self, &self->to, self->tmo, CORO_AWAIT(self, sleeper, &self->s)));
    CORO_END(self);
}

struct waiter_for { coro_frame co; coro_task t; coro_tick tmo; coro_status st; };
static CORO_FN(waiter_for, struct waiter_for, self)
{
    CORO_BEGIN(self);
    CORO_CATCH(self, self->st, CORO_WAIT_FOR(self, self->t, self->tmo));
    CORO_END(self);
}

Test(hostile, delay_beyond_half_range_is_range_error_and_leaks_nothing)
{
    struct sleeper s = {.d = (coro_tick)(CORO_MAX_DELAY + 1u)}, neg = {.d = (coro_tick)-5};
    struct scoped sc = {.tmo = (coro_tick)(CORO_MAX_DELAY + 1u)}, ok = {.tmo = CORO_MAX_DELAY};
    struct inner in = {.d = 3};
    struct waiter_for wf = {.tmo = (coro_tick)(CORO_FOREVER - 1u)};
    coro_handle h = {0x66};
    cr_assert_eq(coro_loop_run_until_complete(&L, sleeper, &s), CORO_ERR_RANGE);
    cr_assert_eq(coro_loop_run_until_complete(&L, sleeper, &neg), CORO_ERR_RANGE); /* a "negative" delay */
    cr_assert_eq(coro_call_later(&L, &h, (coro_tick)-1 - 1u, note_cb, NULL), CORO_ERR_RANGE);
    cr_assert_eq(h.id, 0x66);
    /* a timeout scope whose delay is out of range fails without running its
     * statement and without keeping its callback slot */
    cr_assert_eq(coro_loop_run_until_complete(&L, scoped, &sc), CORO_OK);
    cr_assert_eq(sc.st, CORO_ERR_RANGE);
    cr_assert_eq(sc.s.co.lc, 0); /* never ran */
    cr_assert_eq(coro_loop_run_until_complete(&L, scoped, &ok), CORO_OK);
    cr_assert_eq(ok.st, CORO_OK);
    cr_assert_eq(coro_spawn(&L, &wf.t, inner, &in), CORO_OK);
    cr_assert_eq(coro_loop_run_until_complete(&L, waiter_for, &wf), CORO_OK);
    cr_assert_eq(wf.st, CORO_ERR_RANGE);
    cr_assert_eq(coro_loop_run_task(&L, wf.t), CORO_ERR_USER + 7); /* untouched */
    cr_assert_eq(coro_loop_time(&L), 5 + 3);
    CHECK_BASELINE();
}

/* A deadline more than half the range ahead compares as past: due at once.
 * (A past deadline next to a far timer is covered by test_core_timers
 * call_at_far_past_and_far_future_stay_ordered.) */
Test(hostile, call_at_beyond_the_horizon_is_refused_past_is_due_now)
{
    coro_virtual_now = 1000;
    cr_assert_eq(coro_loop_init(&L), CORO_OK);
    cr_assert_eq(coro_call_at(&L, NULL, (coro_tick)(1000u + CORO_MAX_DELAY + 2u), note_cb, (void *)1), CORO_ERR_RANGE);
    cr_assert_eq(coro_call_at(&L, NULL, (coro_tick)(1000u - CORO_MAX_DELAY / 2u), note_cb, (void *)1), CORO_OK);
    CHECK();
    step();
    cr_assert_eq(nfired, 1);
    cr_assert_eq(coro_call_at(&L, NULL, (coro_tick)(1000u - CORO_MAX_DELAY / 4u), note_cb, (void *)2), CORO_OK);
    cr_assert_eq(coro_call_later(&L, NULL, CORO_MAX_DELAY / 4u, note_cb, (void *)3), CORO_OK);
    CHECK();
    step();
    cr_assert_eq(nfired, 2);
    cr_assert_eq(fired[1], 2);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_eq(nfired, 3);
    cr_assert_eq(coro_loop_time(&L), (coro_tick)(1000u + CORO_MAX_DELAY / 4u));
    CHECK_BASELINE();
}

/* ==== 21: NULL and never-initialised objects: an assert, no corruption ========= */
/* A zeroed Lock, Event or Semaphore is valid (issue 11, item 5): a free lock,
 * a clear event, Semaphore(0); test_sync zeroed_* runs them in full. */
static coro_lock zlock;   /* zeroed statics, never initialised */
static coro_event zevent;
static coro_sem zsem;

struct locker { coro_frame co; coro_lock *l; };
static CORO_FN(locker, struct locker, self)
{
    CORO_BEGIN(self);
    CORO_LOCK(self, self->l);
    coro_lock_release(self->l);
    CORO_END(self);
}
Test(hostile, zeroed_lock_is_free)
{
    struct locker a = {.l = &zlock};
    cr_assert_eq(coro_loop_run_until_complete(&L, locker, &a), CORO_OK);
    cr_assert_not(coro_lock_locked(&zlock));
    CHECK_BASELINE();
}

struct evw { coro_frame co; coro_event *e; };
static CORO_FN(evw, struct evw, self)
{
    CORO_BEGIN(self);
    CORO_EVENT_WAIT(self, self->e);
    CORO_END(self);
}
static void set_zevent(void *arg) { (void)arg; coro_event_set(&zevent); }
Test(hostile, zeroed_event_is_clear)
{
    struct evw a = {.e = &zevent};
    cr_assert_eq(coro_call_later(&L, NULL, 3, set_zevent, NULL), CORO_OK);
    cr_assert_eq(coro_loop_run_until_complete(&L, evw, &a), CORO_OK);
    cr_assert_eq(coro_loop_time(&L), 3);
    CHECK_BASELINE();
}

struct semw { coro_frame co; coro_sem *s; };
static CORO_FN(semw, struct semw, self)
{
    CORO_BEGIN(self);
    CORO_SEM_ACQUIRE(self, self->s);
    CORO_END(self);
}
Test(hostile, zeroed_semaphore_is_semaphore_0)
{
    struct semw a = {.s = &zsem};
    cr_assert_eq(coro_sem_release(&zsem), CORO_OK); /* a plain semaphore: no bound at 0 */
    cr_assert_eq(coro_loop_run_until_complete(&L, semw, &a), CORO_OK);
    cr_assert_eq(coro_sem_value(&zsem), 0);
    CHECK_BASELINE();
}
Test(hostile, null_lock_asserts, .signal = SIGABRT) { coro_lock_release(NULL); }
Test(hostile, null_event_asserts, .signal = SIGABRT) { coro_event_set(NULL); }
Test(hostile, null_sem_asserts, .signal = SIGABRT) { coro_sem_release(NULL); }
Test(hostile, null_queue_asserts, .signal = SIGABRT)
{
    int x = 1;
    coro_queue_try_put(NULL, &x);
}
Test(hostile, null_cond_asserts, .signal = SIGABRT) { coro_cond_notify(NULL, 1); }
/* The awaits given a NULL object assert too (not a crash inside). */
struct nullw { coro_frame co; int which; };
static CORO_FN(nullw, struct nullw, self)
{
    CORO_BEGIN(self);
    if (self->which == 0)
        CORO_LOCK(self, (coro_lock *)NULL);
    else if (self->which == 1)
        CORO_EVENT_WAIT(self, (coro_event *)NULL);
    else if (self->which == 2)
        CORO_SEM_ACQUIRE(self, (coro_sem *)NULL);
    else
        CORO_COND_WAIT(self, (coro_cond *)NULL);
    CORO_END(self);
}
static void await_null(int which)
{
    struct nullw w = {.which = which};
    coro_loop_run_until_complete(&L, nullw, &w);
}
Test(hostile, null_lock_await_asserts, .signal = SIGABRT) { await_null(0); }
Test(hostile, null_event_await_asserts, .signal = SIGABRT) { await_null(1); }
Test(hostile, null_sem_await_asserts, .signal = SIGABRT) { await_null(2); }
Test(hostile, null_cond_await_asserts, .signal = SIGABRT) { await_null(3); }
Test(hostile, null_callback_is_invalid)
{
    coro_handle h = {0x12};
    cr_assert_eq(coro_call_soon(NULL, &h, note_cb, NULL), CORO_ERR_INVALID);
    cr_assert_eq(coro_call_at(NULL, &h, 1, note_cb, NULL), CORO_ERR_INVALID);
    cr_assert_eq(h.id, 0x12);
    CHECK_BASELINE();
}

/* ==== 22: re-initialising an object under its waiters ========================== */
/* A programmer error coro cannot see (init takes uninitialised memory). What
 * it guarantees: the orphaned waiter never corrupts anything. The loop
 * reports the deadlock with the orphan in its dump; cancelling the orphan
 * ends it cleanly (its unlink no longer walks out of the slot table), and the
 * re-initialised object works for everyone else. */
static coro_lock rlock;
struct holder { coro_frame co; coro_lock *l; coro_tick hold; coro_status st; };
static CORO_FN(holder, struct holder, self)
{
    CORO_BEGIN(self);
    CORO_CATCH(self, self->st, CORO_LOCK(self, self->l));
    if (self->st)
        CORO_RETURN(self, self->st);
    CORO_SLEEP(self, self->hold);
    CORO_FINALLY(self);
    coro_lock_leave(self->l);
    CORO_END(self);
}
static char dump[2048];
static void dump_w(const char *s, void *ctx)
{
    (void)ctx;
    strncat(dump, s, sizeof dump - strlen(dump) - 1);
}
Test(hostile, reinit_lock_under_a_waiter)
{
    struct holder a = {.l = &rlock, .hold = 100}, b = {.l = &rlock, .hold = 1}, c = {.l = &rlock, .hold = 1},
                  d = {.l = &rlock, .hold = 1};
    coro_task ta = 0, tb = 0, tc = 0, td = 0;
    coro_lock_init(&rlock);
    cr_assert_eq(coro_spawn(&L, &ta, holder, &a), CORO_OK);
    cr_assert_eq(coro_spawn(&L, &tb, holder, &b), CORO_OK);
    step(); /* a holds, b waits */
    cr_assert_eq(coro_waitq_len(&L, &rlock.q), 1);
    coro_lock_init(&rlock); /* b is orphaned */
    cr_assert_eq(coro_task_cancel(&L, ta), 1);
    cr_assert_eq(coro_loop_run_task(&L, ta), CORO_ERR_CANCELLED);
    /* a new pair uses the fresh lock */
    cr_assert_eq(coro_spawn(&L, &tc, holder, &c), CORO_OK);
    cr_assert_eq(coro_spawn(&L, &td, holder, &d), CORO_OK);
    step();
    cr_assert_eq(coro_lock_holder(&rlock), tc);
    cr_assert_eq(coro_waitq_len(&L, &rlock.q), 1);
    /* cancelling the orphan while others wait: it leaves without touching them */
    cr_assert_eq(coro_task_cancel(&L, tb), 1);
    cr_assert_eq(coro_loop_run_task(&L, tb), CORO_ERR_CANCELLED);
    cr_assert_eq(coro_waitq_len(&L, &rlock.q), 1);
    CHECK();
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_eq(coro_task_status(&L, tc), CORO_OK);
    cr_assert_eq(coro_task_status(&L, td), CORO_OK);
    cr_assert_not(coro_lock_locked(&rlock));
    CHECK_BASELINE();
}

Test(hostile, orphaned_waiter_is_a_reported_deadlock)
{
    struct holder a = {.l = &rlock, .hold = 1}, b = {.l = &rlock, .hold = 1};
    coro_task tb = 0;
    coro_lock_init(&rlock);
    cr_assert_eq(coro_spawn(&L, NULL, holder, &a), CORO_OK);
    cr_assert_eq(coro_spawn(&L, &tb, holder, &b), CORO_OK);
    step();
    coro_lock_init(&rlock); /* b will never be handed the lock */
    cr_assert_eq(coro_loop_run_forever(&L), CORO_ERR_DEADLOCK);
    dump[0] = 0;
    coro_loop_dump(&L, dump_w, NULL);
    cr_assert(strstr(dump, "\"holder\": waiting on a queue"), "%s", dump);
    cr_assert(strstr(dump, "test_hostile.c:"), "%s", dump);
    cr_assert_eq(coro_task_cancel(&L, tb), 1);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    CHECK_BASELINE();
}

/* ==== 24: gather / wait with hostile task lists ================================ */
#define BIG (3 * CORO_MAX_TASKS)
struct lister {
    coro_frame co;
    coro_task t[BIG];
    coro_status errs[BIG];
    int n, op, ndone;
    coro_status st;
};
static CORO_FN(lister, struct lister, self)
{
    CORO_BEGIN(self);
    if (self->op == 0)
        CORO_CATCH(self, self->st, CORO_GATHER(self, self->t, self->n, NULL));
    else if (self->op == 1)
        CORO_CATCH(self, self->st, CORO_GATHER(self, self->t, self->n, self->errs));
    else if (self->op == 2)
        CORO_CATCH(self, self->st, CORO_WAIT(self, self->t, self->n, CORO_ALL_COMPLETED, CORO_FOREVER, self->ndone));
    else
        CORO_CATCH(self, self->st, CORO_WAIT(self, self->t, self->n, CORO_FIRST_COMPLETED, CORO_FOREVER, self->ndone));
    CORO_END(self);
}

Test(hostile, lists_longer_than_the_table_with_duplicates)
{
    static struct sleeper s[3];
    static struct lister g;
    coro_task t[3] = {0, 0, 0};
    int i, op;
    for (op = 0; op < 4; op++) {
        memset(&g, 0, sizeof g);
        for (i = 0; i < 3; i++) {
            s[i].d = (coro_tick)(3 - i);
            cr_assert_eq(coro_spawn(&L, &t[i], sleeper, &s[i]), CORO_OK);
        }
        for (i = 0; i < BIG; i++) /* each task listed 8 times, interleaved */
            g.t[i] = t[i % 3];
        g.n = BIG;
        g.op = op;
        cr_assert_eq(coro_loop_run_until_complete(&L, lister, &g), CORO_OK);
        cr_assert_eq(g.st, CORO_OK, "op %d", op);
        if (op == 2)
            cr_assert_eq(g.ndone, 3); /* distinct tasks, not entries */
        if (op == 3)
            cr_assert_eq(g.ndone, 1);
        if (op == 1)
            for (i = 0; i < BIG; i++)
                cr_assert_eq(g.errs[i], CORO_OK);
        cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
        CHECK_BASELINE();
    }
}

Test(hostile, stale_zero_or_negative_entries_change_nothing)
{
    static struct sleeper s;
    static struct lister g;
    coro_task t = 0;
    int op;
    for (op = 0; op < 4; op++) {
        memset(&g, 0, sizeof g);
        s.d = 2;
        cr_assert_eq(coro_spawn(&L, &t, sleeper, &s), CORO_OK);
        g.t[0] = t;
        g.t[1] = op & 1 ? 0 : (coro_task)(t ^ (1u << CORO_INDEX_BITS)); /* 0, or another generation */
        g.t[2] = t;
        g.n = 3;
        g.op = op;
        cr_assert_eq(coro_loop_run_until_complete(&L, lister, &g), CORO_OK);
        cr_assert_eq(g.st, CORO_ERR_STALE, "op %d", op);
        cr_assert_eq(L.slot[CORO__ID(t)].awaiter, CORO__NONE); /* never linked */
        g.n = -1;
        cr_assert_eq(coro_loop_run_until_complete(&L, lister, &g), CORO_OK);
        cr_assert_eq(g.st, CORO_ERR_INVALID, "op %d", op);
        cr_assert_eq(coro_loop_run_task(&L, t), CORO_OK);
        CHECK_BASELINE();
    }
}

/* ==== 25: wait_for never leaks its timer ======================================= */
Test(hostile, wait_for_leaves_no_timer_or_slot_behind)
{
    static const coro_tick tmo[] = {0, 1, 3, 4, 10, CORO_FOREVER};
    unsigned k, sw;
    for (sw = 0; sw < 2; sw++)
        for (k = 0; k < sizeof tmo / sizeof tmo[0]; k++) {
            struct inner in = {.d = 3, .swallow = (int)sw};
            struct waiter_for wf = {.tmo = tmo[k]};
            coro_task tw = 0;
            /* the waiter first: it runs before the inner task ever starts */
            cr_assert_eq(coro_spawn(&L, &tw, waiter_for, &wf), CORO_OK);
            cr_assert_eq(coro_spawn(&L, &wf.t, inner, &in), CORO_OK);
            cr_assert_eq(coro_loop_run_task(&L, tw), CORO_OK);
            if (tmo[k] == 0) { /* never started: a timeout */
                cr_assert_eq(in.co.lc, 0);
                cr_assert(coro_task_cancelled(&L, wf.t));
            }
            if (tmo[k] == 0)
                cr_assert_eq(wf.st, CORO_ERR_TIMEOUT, "sw %u: %d", sw, wf.st);
            else if (tmo[k] < 3 && !sw) /* cancelled by the timeout */
                cr_assert_eq(wf.st, CORO_ERR_TIMEOUT, "tmo %u: %d", (unsigned)tmo[k], wf.st);
            else /* finished in time, or swallowed the cancellation: its result */
                cr_assert_eq(wf.st, CORO_ERR_USER + 7, "tmo %u sw %u: %d", (unsigned)tmo[k], sw, wf.st);
            CHECK_BASELINE();
        }
}

/* ==== garbage handles ============================================================ */
Test(hostile, every_handle_value_is_valid_or_stale)
{
    static struct sleeper s[CORO_MAX_TASKS];
    coro_task live[CORO_MAX_TASKS] = {0};
    coro_handle cbh = {0};
    unsigned long h;
    int i, hits = 0;
    for (i = 0; i < CORO_MAX_TASKS; i++) {
        s[i].d = 5;
        cr_assert_eq(coro_spawn(&L, &live[i], sleeper, &s[i]), CORO_OK);
    }
    cr_assert_eq(coro_call_later(&L, &cbh, 2, note_cb, NULL), CORO_OK);
    step();
    for (h = 0; h < (1ul << (CORO_INDEX_BITS + 8)); h++) {
        coro_task t = (coro_task)h;
        int is_live = 0;
        for (i = 0; i < CORO_MAX_TASKS; i++)
            is_live |= live[i] == t;
        if (is_live || t == cbh.id) {
            hits++;
            continue;
        }
        cr_assert_eq(coro_task_status(&L, t), CORO_ERR_STALE, "handle %#lx", h);
        cr_assert(coro_task_done(&L, t));
        cr_assert_eq(coro_task_cancel(&L, t), 0);
        {
            coro_handle forged = {t};
            cr_assert_eq(coro_handle_cancel(&L, forged), 0, "handle %#lx", h); /* not the callback's */
        }
    }
    cr_assert_eq(hits, CORO_MAX_TASKS + 1);
    CHECK();
    cr_assert_eq(L.hlen, CORO_MAX_TASKS + 1); /* nothing cancelled */
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_eq(nfired, 1);
    for (i = 0; i < CORO_MAX_TASKS; i++)
        cr_assert_eq(coro_task_status(&L, live[i]), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, live[0]), CORO_OK); /* a done handle: its status */
    CHECK_BASELINE();
}

/* ==== 16: the deadlock report, and the stall check ================================ */
static void report_w(const char *text, void *ctx)
{
    (void)ctx;
    strncat(report, text, sizeof report - strlen(report) - 1);
}
static void on_deadlock(struct coro_loop *loop) { coro_loop_dump(loop, report_w, NULL); }
static void on_stall(struct coro_loop *loop, unsigned task, unsigned long ticks)
{
    (void)loop;
    stalls++;
    stall_task = task;
    stall_ticks = ticks;
}

static coro_lock dl_lock;
static coro_event dl_never;
static int line_ev, line_lock, line_await;
struct dl_holder { coro_frame co; };
static CORO_FN(dl_holder, struct dl_holder, self)
{
    CORO_BEGIN(self);
    CORO_LOCK(self, &dl_lock);
    line_ev = __LINE__; CORO_EVENT_WAIT(self, &dl_never);
    CORO_FINALLY(self);
    coro_lock_leave(&dl_lock);
    CORO_END(self);
}
struct dl_waiter { coro_frame co; };
static CORO_FN(dl_waiter, struct dl_waiter, self)
{
    CORO_BEGIN(self);
    line_lock = __LINE__; CORO_LOCK(self, &dl_lock);
    CORO_FINALLY(self);
    coro_lock_leave(&dl_lock);
    CORO_END(self);
}
struct dl_boss { coro_frame co; coro_task t; };
static CORO_FN(dl_boss, struct dl_boss, self)
{
    CORO_BEGIN(self);
    line_await = __LINE__; CORO_AWAIT_TASK(self, self->t);
    CORO_END(self);
}

static int has_line(const char *name, const char *what, int line)
{
    char want[160];
    const char *p = strstr(report, name);
    snprintf(want, sizeof want, "test_hostile.c:%d", line);
    return p && strstr(p, what) && strstr(p, want) && strchr(p, '\n') > strstr(p, want);
}

Test(hostile, deadlock_report_names_every_waiter_and_its_line)
{
    struct dl_holder h;
    struct dl_waiter w;
    struct dl_boss b;
    coro_task tboss = 0;
    char addr[40];
    coro_lock_init(&dl_lock);
    coro_event_init(&dl_never);
    report[0] = 0;
    cr_assert_eq(coro_spawn(&L, &b.t, dl_holder, &h), CORO_OK);
    cr_assert_eq(coro_spawn(&L, NULL, dl_waiter, &w), CORO_OK);
    cr_assert_eq(coro_spawn(&L, &tboss, dl_boss, &b), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, tboss), CORO_ERR_DEADLOCK);
    cr_assert(has_line("\"dl_holder\": waiting on a queue", "waiting", line_ev), "%s", report);
    cr_assert(has_line("\"dl_waiter\": waiting on a queue", "waiting", line_lock), "%s", report);
    cr_assert(has_line("\"dl_boss\": awaiting tasks", "[ 0 ]", line_await), "%s", report);
    snprintf(addr, sizeof addr, "%#lx", (unsigned long)(uintptr_t)&dl_lock.q);
    cr_assert(strstr(strstr(report, "\"dl_waiter\""), addr), "lock queue %s in %s", addr, report);
    snprintf(addr, sizeof addr, "%#lx", (unsigned long)(uintptr_t)&dl_never.q);
    cr_assert(strstr(strstr(report, "\"dl_holder\""), addr), "event queue %s in %s", addr, report);
    cr_assert_eq(stalls, 0);
    /* the loop is intact: cancelling the root of the deadlock unwinds it all */
    cr_assert_eq(coro_task_cancel(&L, b.t), 1);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_not(coro_lock_locked(&dl_lock));
    CHECK_BASELINE();
}

/* A step that lets the clock run (a busy loop without an await). */
struct hog { coro_frame co; coro_tick burn; };
static CORO_FN(hog, struct hog, self)
{
    CORO_BEGIN(self);
    coro_virtual_now += 2; /* within budget */
    CORO_YIELD(self);
    coro_virtual_now += self->burn; /* too long */
    CORO_YIELD(self);
    CORO_END(self);
}
Test(hostile, stall_check_reports_the_task_that_ran_too_long)
{
    struct hog a = {.burn = 5}, b = {.burn = 9};
    coro_task ta = 0, tb = 0;
    stalls = 0;
    cr_assert_eq(coro_spawn(&L, &ta, hog, &a), CORO_OK);
    cr_assert_eq(coro_spawn(&L, &tb, hog, &b), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_eq(stalls, 1); /* 5 ticks is the budget itself: not a stall */
    cr_assert_eq(stall_task, tb);
    cr_assert_eq(stall_ticks, 9);
    CHECK_BASELINE();
}

/* ==== waking waiters needs the running loop ======================================== */
static coro_lock sl_lock;
static coro_sem sl_sem;
static coro_event sl_ev;
static coro_cond sl_cond;
struct sl_task { coro_frame co; int kind; };
static CORO_FN(sl_task, struct sl_task, self)
{
    CORO_BEGIN(self);
    if (self->kind == 0) {
        CORO_LOCK(self, &sl_lock);
        CORO_SLEEP(self, 100);
    } else if (self->kind == 1) {
        CORO_LOCK(self, &sl_lock);
    } else if (self->kind == 2) {
        CORO_SEM_ACQUIRE(self, &sl_sem);
    } else if (self->kind == 3) {
        CORO_EVENT_WAIT(self, &sl_ev);
    } else {
        CORO_LOCK(self, coro_cond_lock(&sl_cond));
        CORO_COND_WAIT(self, &sl_cond);
    }
    CORO_FINALLY(self);
    coro_lock_leave(&sl_lock);
    coro_lock_leave(coro_cond_lock(&sl_cond));
    CORO_END(self);
}
Test(hostile, waking_waiters_outside_the_loop_is_a_state_error_that_changes_nothing)
{
    static struct sl_task t[5];
    coro_task h[5];
    int i;
    coro_lock_init(&sl_lock);
    coro_sem_init(&sl_sem, 0);
    coro_event_init(&sl_ev);
    coro_cond_init(&sl_cond, NULL);
    for (i = 0; i < 5; i++) {
        t[i].kind = i;
        cr_assert_eq(coro_spawn(&L, &h[i], sl_task, &t[i]), CORO_OK);
    }
    step();
    cr_assert_eq(coro_lock_holder(&sl_lock), h[0]);
    cr_assert(coro_lock_try_acquire(coro_cond_lock(&sl_cond))); /* outside a task */
    cr_assert_eq(coro_lock_holder(coro_cond_lock(&sl_cond)), CORO_NO_TASK);
    cr_assert_eq(coro_lock_release(&sl_lock), CORO_ERR_STATE);
    cr_assert_eq(coro_sem_release(&sl_sem), CORO_ERR_STATE);
    cr_assert_eq(coro_event_set(&sl_ev), CORO_ERR_STATE);
    cr_assert_eq(coro_cond_notify(&sl_cond, 1), CORO_ERR_STATE);
    /* nothing changed */
    cr_assert_eq(coro_lock_holder(&sl_lock), h[0]);
    cr_assert_eq(coro_sem_value(&sl_sem), 0);
    cr_assert_not(coro_event_is_set(&sl_ev));
    cr_assert_eq(coro_waitq_len(&L, &sl_lock.q), 1);
    cr_assert_eq(coro_waitq_len(&L, &sl_sem.q), 1);
    cr_assert_eq(coro_waitq_len(&L, &sl_ev.q), 1);
    cr_assert_eq(coro_waitq_len(&L, &sl_cond.q), 1);
    CHECK();
    /* unwound from outside: the condition's lock back, every task cancelled */
    cr_assert_eq(coro_lock_release(coro_cond_lock(&sl_cond)), CORO_OK);
    for (i = 0; i < 5; i++)
        cr_assert_eq(coro_task_cancel(&L, h[i]), 1);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    for (i = 0; i < 5; i++)
        cr_assert(coro_task_cancelled(&L, h[i]), "task %d: %d", i, coro_task_status(&L, h[i]));
    cr_assert_not(coro_lock_locked(&sl_lock));
    cr_assert_not(coro_lock_locked(coro_cond_lock(&sl_cond)));
    CHECK_BASELINE();
}
