/* coro_sync.h tests, on the virtual clock: Lock, Event, Condition,
 * Semaphore/BoundedSemaphore (asyncio-behaviours.md 1.7-1.10), cancellation
 * in the CHOSEN window of every primitive (section 2), the sync cases of the
 * hostile inputs (section 4), timeouts on every wait, a randomized property
 * test, and the interrupt-safe flag set from a thread and a signal handler
 * while the loop idles. */
#define CORO_IMPLEMENTATION
#define CORO_MAX_TASKS 16
#define CORO_MAX_CALLBACKS 16
#include "coro_sync.h"
#include <criterion/criterion.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static coro_loop L;
static char trace[1024];
static void tr(const char *fmt, ...)
{
    va_list ap;
    size_t n = strlen(trace);
    va_start(ap, fmt);
    vsnprintf(trace + n, sizeof trace - n, fmt, ap);
    va_end(ap);
}

static void setup(void)
{
    coro_virtual_now = 0;
    trace[0] = 0;
    cr_assert_eq(coro_loop_init(&L), CORO_OK);
}
TestSuite(sync, .init = setup);

/* One loop iteration (asyncio test_utils.run_briefly). */
static void stop_cb(void *arg) { coro_loop_stop((coro_loop *)arg); }
static void step(void)
{
    cr_assert_eq(coro_call_soon(&L, NULL, stop_cb, &L), CORO_OK);
    coro_loop_run_forever(&L);
}
/* Run until virtual time t (or until nothing is left). */
static void run_until(coro_tick t)
{
    cr_assert_eq(coro_call_at(&L, NULL, t, stop_cb, &L), CORO_OK);
    coro_loop_run_forever(&L);
}
static coro_task spawn_(coro_fn fn, coro_frame *f)
{
    coro_task t = 0;
    cr_assert_eq(coro__spawn(&L, &t, fn, f), CORO_OK);
    return t;
}
#define SPAWN(fn, frame) spawn_((fn), &(frame)->co)

/* ---- actors ------------------------------------------------------------------ */
/* Acquire a lock (optionally within a timeout), log it, hold it for `hold`
 * ticks (0: until an event), optionally fail inside, release on every way
 * out through coro_lock_leave in the cleanup section. */
struct lk {
    coro_frame co;
    coro_lock *l;
    int id, fail;
    coro_tick hold, tmo;
    coro_event *until;
    coro_timeout to;
    coro_status st;
};
static CORO_FN(lk_task, struct lk, self)
{
    CORO_BEGIN(self);
    if (self->tmo)
        CORO_CATCH(self, self->st, CORO_TIMEOUT(self, &self->to, self->tmo, CORO_LOCK(self, self->l)));
    else
        CORO_CATCH(self, self->st, CORO_LOCK(self, self->l));
    if (self->st) {
        tr("%d!%d ", self->id, self->st);
        CORO_RETURN(self, self->st);
    }
    tr("%d+ ", self->id);
    if (self->until)
        CORO_EVENT_WAIT(self, self->until);
    else if (self->hold)
        CORO_SLEEP(self, self->hold);
    if (self->fail)
        CORO_RETURN(self, CORO_ERR_USER);
    CORO_FINALLY(self);
    if (coro_lock_leave(self->l))
        tr("%d- ", self->id);
    CORO_END(self);
}

/* Semaphore user, scoped with CORO_SEM_ENTER / coro_sem_leave. */
struct sm {
    coro_frame co;
    coro_sem *s;
    int id, reps;
    coro_tick hold, tmo;
    coro_timeout to;
    coro_status st;
    uint8_t held;
};
static CORO_FN(sm_task, struct sm, self)
{
    CORO_BEGIN(self);
    do {
        if (self->tmo)
            CORO_CATCH(self, self->st, CORO_TIMEOUT(self, &self->to, self->tmo, CORO_SEM_ENTER(self, self->s, self->held)));
        else
            CORO_CATCH(self, self->st, CORO_SEM_ENTER(self, self->s, self->held));
        if (self->st) {
            tr("%d!%d ", self->id, self->st);
            CORO_RETURN(self, self->st);
        }
        tr("%d+ ", self->id);
        if (self->hold)
            CORO_SLEEP(self, self->hold);
        else
            CORO_YIELD(self);
        coro_sem_leave(self->s, &self->held);
    } while (--self->reps > 0);
    CORO_FINALLY(self);
    coro_sem_leave(self->s, &self->held);
    CORO_END(self);
}

/* Event waiter. */
struct ev {
    coro_frame co;
    coro_event *e;
    int id;
    coro_tick tmo;
    coro_timeout to;
    coro_status st;
};
static CORO_FN(ev_task, struct ev, self)
{
    CORO_BEGIN(self);
    if (self->tmo)
        CORO_CATCH(self, self->st, CORO_TIMEOUT(self, &self->to, self->tmo, CORO_EVENT_WAIT(self, self->e)));
    else
        CORO_CATCH(self, self->st, CORO_EVENT_WAIT(self, self->e));
    tr("%d:%d ", self->id, self->st);
    CORO_RETURN(self, self->st);
    CORO_END(self);
}

/* Condition waiter: acquire the lock, wait (optionally with a timeout or for
 * a predicate), log the status and whether the lock is held, release. */
static int pred_value;
struct cw {
    coro_frame co;
    coro_cond *c;
    int id, use_pred;
    coro_tick tmo;
    coro_timeout to;
    coro_status st;
    int held_after;
};
static CORO_FN(cw_task, struct cw, self)
{
    CORO_BEGIN(self);
    CORO_LOCK(self, coro_cond_lock(self->c));
    if (self->use_pred)
        CORO_CATCH(self, self->st, CORO_COND_WAIT_FOR(self, self->c, pred_value));
    else if (self->tmo)
        CORO_CATCH(self, self->st, CORO_TIMEOUT(self, &self->to, self->tmo, CORO_COND_WAIT(self, self->c)));
    else
        CORO_CATCH(self, self->st, CORO_COND_WAIT(self, self->c));
    self->held_after = coro_lock_holder(coro_cond_lock(self->c)) == coro_current_task(&L);
    tr("%d:%d%s ", self->id, self->st, self->held_after ? "L" : "u");
    CORO_FINALLY(self);
    coro_lock_leave(coro_cond_lock(self->c));
    CORO_END(self);
}

/* ---- Lock (1.7) ------------------------------------------------------------------ */
Test(sync, lock_fifo_and_release_wakes_one) /* 63 */
{
    static coro_lock l = CORO_LOCK_INIT;
    struct lk a = {.l = &l, .id = 1, .hold = 10}, b = {.l = &l, .id = 2, .hold = 10}, c = {.l = &l, .id = 3, .hold = 10};
    coro_lock_init(&l);
    SPAWN(lk_task, &a);
    SPAWN(lk_task, &b);
    SPAWN(lk_task, &c);
    step();
    cr_assert_str_eq(trace, "1+ ");
    cr_assert_eq(coro_waitq_len(&L, &l.q), 2);
    run_until(10); /* 1 released and handed the lock to 2, which has not run */
    cr_assert_str_eq(trace, "1+ 1- ");
    step();
    cr_assert_str_eq(trace, "1+ 1- 2+ ");
    run_until(21);
    cr_assert_str_eq(trace, "1+ 1- 2+ 2- 3+ ");
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "1+ 1- 2+ 2- 3+ 3- ");
    cr_assert_not(coro_lock_locked(&l));
}

Test(sync, lock_no_queue_jumping) /* 64 */
{
    coro_lock l = CORO_LOCK_INIT;
    struct lk b = {.l = &l, .id = 2, .hold = 5};
    cr_assert(coro_lock_try_acquire(&l)); /* held outside any task */
    cr_assert_eq(coro_lock_holder(&l), CORO_NO_TASK);
    SPAWN(lk_task, &b);
    step(); /* b queues */
    cr_assert_eq(coro_waitq_len(&L, &l.q), 1);
    /* with a waiter, a release outside the running loop cannot wake it */
    cr_assert_eq(coro_lock_release(&l), CORO_ERR_STATE);
    cr_assert(coro_lock_locked(&l));
}

/* Release from inside the loop, then try to jump the queue at once. */
static coro_lock jl;
static int jumped;
static void release_then_try(void *arg)
{
    (void)arg;
    cr_assert_eq(coro_lock_release(&jl), CORO_OK);
    jumped = coro_lock_try_acquire(&jl);
}
Test(sync, lock_release_hands_over_no_jump) /* 64 */
{
    struct lk b = {.l = &jl, .id = 2, .hold = 5}, c = {.l = &jl, .id = 3, .hold = 5};
    coro_task tb;
    coro_lock_init(&jl);
    jumped = -1;
    cr_assert(coro_lock_try_acquire(&jl));
    tb = SPAWN(lk_task, &b);
    step();
    cr_assert_eq(coro_call_soon(&L, NULL, release_then_try, NULL), CORO_OK);
    step();
    cr_assert_eq(jumped, 0);
    cr_assert_eq(coro_lock_holder(&jl), tb); /* handed to b, which has not run */
    SPAWN(lk_task, &c); /* arrives after b: gets it after b */
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "2+ 2- 3+ 3- ");
}

Test(sync, lock_release_unlocked) /* 65, hostile 4 */
{
    coro_lock l = CORO_LOCK_INIT;
    cr_assert_eq(coro_lock_release(&l), CORO_ERR_NOT_LOCKED);
    cr_assert_not(coro_lock_locked(&l));
    cr_assert(coro_waitq_empty(&l.q));
    cr_assert(coro_lock_try_acquire(&l));
    cr_assert_eq(coro_lock_release(&l), CORO_OK);
    cr_assert_eq(coro_lock_release(&l), CORO_ERR_NOT_LOCKED);
    cr_assert_not(coro_lock_locked(&l));
}

/* 66: no owner - a task that does not hold the lock may release it. */
struct releaser { coro_frame co; coro_lock *l; coro_status st; };
static CORO_FN(releaser, struct releaser, self)
{
    CORO_BEGIN(self);
    self->st = coro_lock_release(self->l);
    CORO_END(self);
}
Test(sync, lock_has_no_owner)
{
    static coro_lock l;
    struct lk a = {.l = &l, .id = 1, .hold = 100};
    struct releaser r = {.l = &l};
    coro_task ta;
    coro_lock_init(&l);
    ta = SPAWN(lk_task, &a);
    step();
    cr_assert_eq(coro_lock_holder(&l), ta); /* recorded for debugging */
    SPAWN(releaser, &r);
    step();
    cr_assert_eq(r.st, CORO_OK);
    cr_assert_not(coro_lock_locked(&l));
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "1+ "); /* leave() saw it was no longer a's */
}

Test(sync, lock_cancelled_waiter_leaves) /* 67 */
{
    static coro_lock l;
    struct lk a = {.l = &l, .id = 1, .hold = 10}, b = {.l = &l, .id = 2, .hold = 10};
    coro_task tb;
    coro_lock_init(&l);
    SPAWN(lk_task, &a);
    tb = SPAWN(lk_task, &b);
    step();
    cr_assert_eq(coro_waitq_len(&L, &l.q), 1);
    cr_assert(coro_task_cancel(&L, tb));
    cr_assert_eq(coro_waitq_len(&L, &l.q), 0);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert(coro_task_cancelled(&L, tb) || coro_task_done(&L, tb));
    cr_assert_str_eq(trace, "1+ 2!1 1- ");
    cr_assert_not(coro_lock_locked(&l));
}

/* 68/69/70: cancel and release in the same iteration; the chosen waiter is
 * cancelled before it runs; exactly one task acquires. */
static coro_lock rl;
static coro_task victim;
static void cancel_then_release(void *arg)
{
    (void)arg;
    coro_task_cancel(&L, victim);
    cr_assert_eq(coro_lock_release(&rl), CORO_OK);
}
static void release_then_cancel(void *arg)
{
    (void)arg;
    cr_assert_eq(coro_lock_release(&rl), CORO_OK);
    coro_task_cancel(&L, victim);
}
Test(sync, lock_cancel_race) /* 68, 69 */
{
    struct lk b = {.l = &rl, .id = 2, .hold = 5}, c = {.l = &rl, .id = 3, .hold = 5};
    coro_lock_init(&rl);
    cr_assert(coro_lock_try_acquire(&rl));
    victim = SPAWN(lk_task, &b);
    SPAWN(lk_task, &c);
    step();
    cr_assert_eq(coro_call_soon(&L, NULL, cancel_then_release, NULL), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "2!1 3+ 3- ");
    cr_assert_not(coro_lock_locked(&rl));
}

Test(sync, lock_chosen_waiter_cancelled_passes_on) /* 70, hostile 11 */
{
    struct lk b = {.l = &rl, .id = 2, .hold = 5}, c = {.l = &rl, .id = 3, .hold = 5};
    coro_lock_init(&rl);
    cr_assert(coro_lock_try_acquire(&rl));
    victim = SPAWN(lk_task, &b);
    SPAWN(lk_task, &c);
    step();
    cr_assert_eq(coro_call_soon(&L, NULL, release_then_cancel, NULL), CORO_OK);
    step(); /* b chosen and cancelled in the same iteration */
    cr_assert_eq(coro_lock_holder(&rl), victim);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "2!1 3+ 3- ");
    cr_assert(coro_task_cancelled(&L, victim) || coro_task_done(&L, victim));
    cr_assert_not(coro_lock_locked(&rl));
}

Test(sync, lock_scoped_release_on_every_exit) /* 71 */
{
    static coro_lock l;
    static coro_event never;
    struct lk ok = {.l = &l, .id = 1, .hold = 1}, err = {.l = &l, .id = 2, .hold = 1, .fail = 1},
              can = {.l = &l, .id = 3, .until = &never}, last = {.l = &l, .id = 4};
    coro_task te, tc, tl;
    coro_lock_init(&l);
    coro_event_init(&never);
    SPAWN(lk_task, &ok);
    te = SPAWN(lk_task, &err);
    tc = SPAWN(lk_task, &can);
    tl = SPAWN(lk_task, &last);
    run_until(3);
    cr_assert_str_eq(trace, "1+ 1- 2+ 2- 3+ ");
    cr_assert_eq(coro_lock_holder(&l), tc);
    coro_task_cancel(&L, tc); /* cancelled while holding it */
    cr_assert_eq(coro_loop_run_task(&L, tl), CORO_OK);
    cr_assert_str_eq(trace, "1+ 1- 2+ 2- 3+ 3- 4+ 4- ");
    cr_assert_eq(coro_task_status(&L, te), CORO_ERR_USER);
    cr_assert_not(coro_lock_locked(&l));
}

Test(sync, lock_timeout) /* timeouts on every wait */
{
    static coro_lock l;
    struct lk a = {.l = &l, .id = 1, .hold = 100}, b = {.l = &l, .id = 2, .tmo = 30}, c = {.l = &l, .id = 3, .tmo = 200};
    coro_task tb;
    coro_lock_init(&l);
    SPAWN(lk_task, &a);
    tb = SPAWN(lk_task, &b);
    SPAWN(lk_task, &c);
    cr_assert_eq(coro_loop_run_task(&L, tb), CORO_ERR_TIMEOUT);
    cr_assert_eq(coro_loop_time(&L), 30);
    cr_assert_eq(coro_waitq_len(&L, &l.q), 1);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "1+ 2!2 1- 3+ 3- ");
    cr_assert_eq(coro_loop_time(&L), 100);
}

/* The timeout fires in the same iteration the lock is handed over: the
 * chosen waiter times out and passes the lock on. */
Test(sync, lock_timeout_in_chosen_window)
{
    static coro_lock l;
    struct lk a = {.l = &l, .id = 1, .hold = 30}, b = {.l = &l, .id = 2, .tmo = 30}, c = {.l = &l, .id = 3};
    coro_lock_init(&l);
    SPAWN(lk_task, &a);
    SPAWN(lk_task, &b);
    SPAWN(lk_task, &c);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "1+ 1- 2!2 3+ 3- ");
    cr_assert_not(coro_lock_locked(&l));
}

/* ---- The hand-off window (issue 11, item 1) ------------------------------------- */
/* A release handed the lock to waiter B, which has not run yet: a second
 * release (by another task, or the same one twice) must be refused, nobody
 * else may take the lock, and B then C enter one at a time. CPython 3.11
 * (python3 on this machine) agrees:
 *
 *   import asyncio
 *   async def main():
 *       lock = asyncio.Lock(); log = []
 *       await lock.acquire()                       # A holds it
 *       async def waiter(name):
 *           async with lock:
 *               log.append(name + "+"); await asyncio.sleep(0); log.append(name + "-")
 *       b = asyncio.create_task(waiter("B"))
 *       await asyncio.sleep(0)                     # B queues
 *       lock.release()                             # handed to B, B has not run
 *       print("locked() in the window:", lock.locked())
 *       try:
 *           lock.release()                         # second release
 *       except RuntimeError as e:
 *           print("second release:", e)
 *       c = asyncio.create_task(waiter("C"))       # C arrives in the window
 *       await asyncio.gather(b, c)
 *       print(log)
 *   asyncio.run(main())
 *
 * prints: locked() in the window: False / second release: Lock is not
 * acquired. / ['B+', 'B-', 'C+', 'C-']. */
static int inside, max_inside; /* tasks inside the critical section */
struct cs {
    coro_frame co;
    coro_lock *l;
    int id, twice;
    coro_status rel[2];
};
/* Lock, stay inside for one yield, release (twice if asked). */
static CORO_FN(cs_task, struct cs, self)
{
    CORO_BEGIN(self);
    CORO_LOCK(self, self->l);
    if (++inside > max_inside)
        max_inside = inside;
    tr("%d+ ", self->id);
    CORO_YIELD(self);
    inside--;
    tr("%d- ", self->id);
    self->rel[0] = coro_lock_release(self->l);
    if (self->twice)
        self->rel[1] = coro_lock_release(self->l);
    CORO_END(self);
}
/* Runs in the window (after one yield): looks at the lock, releases it,
 * notifies a condition sharing it, tries to take it, cancels a task. */
struct wx {
    coro_frame co;
    coro_lock *l;
    coro_cond *c;
    coro_task cancel;
    int locked, took;
    coro_task holder;
    coro_status rel, notify;
};
static CORO_FN(wx_task, struct wx, self)
{
    CORO_BEGIN(self);
    CORO_YIELD(self);
    self->locked = coro_lock_locked(self->l);
    self->holder = coro_lock_holder(self->l);
    self->rel = coro_lock_release(self->l);
    self->notify = self->c ? coro_cond_notify(self->c, 1) : CORO_OK;
    self->took = coro_lock_try_acquire(self->l);
    if (self->took && ++inside > max_inside) /* a second holder */
        max_inside = inside;
    if (self->cancel)
        coro_task_cancel(&L, self->cancel);
    CORO_END(self);
}

Test(sync, lock_release_by_other_task_in_handoff_window_is_refused)
{
    static coro_lock l;
    static coro_cond c;
    struct cs a = {.l = &l, .id = 1}, b = {.l = &l, .id = 2}, cc = {.l = &l, .id = 3};
    struct wx x = {.l = &l, .c = &c};
    coro_task tb;
    coro_lock_init(&l);
    coro_cond_init(&c, &l);
    inside = max_inside = 0;
    SPAWN(cs_task, &a); /* takes it, yields, releases: hands it to b */
    tb = SPAWN(cs_task, &b);
    SPAWN(wx_task, &x); /* runs after a's release, before b */
    SPAWN(cs_task, &cc);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_eq(a.rel[0], CORO_OK);
    cr_assert_eq(x.rel, CORO_ERR_NOT_LOCKED, "second release accepted: %d", x.rel);
    cr_assert_eq(x.locked, 0);          /* asyncio's locked() in the window */
    cr_assert_eq(x.holder, tb);         /* handed to b (for debugging) */
    cr_assert_eq(x.notify, CORO_ERR_NOT_LOCKED); /* Condition: "un-acquired lock" */
    cr_assert_eq(x.took, 0, "the lock was taken in the window");
    cr_assert_eq(max_inside, 1, "two holders");
    cr_assert_str_eq(trace, "1+ 1- 2+ 2- 3+ 3- ");
    cr_assert_eq(b.rel[0], CORO_OK);
    cr_assert_eq(cc.rel[0], CORO_OK);
    cr_assert_not(coro_lock_locked(&l));
    cr_assert_eq(coro_lock_holder(&l), 0);
    cr_assert(coro_waitq_empty(&l.q));
}

Test(sync, lock_double_release_by_holder_is_refused_in_handoff_window)
{
    static coro_lock l;
    struct cs a = {.l = &l, .id = 1, .twice = 1}, b = {.l = &l, .id = 2}, cc = {.l = &l, .id = 3, .twice = 1};
    struct wx x = {.l = &l};
    coro_lock_init(&l);
    inside = max_inside = 0;
    SPAWN(cs_task, &a);
    SPAWN(cs_task, &b);
    SPAWN(wx_task, &x); /* would take the lock a's second release freed */
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_eq(a.rel[0], CORO_OK);
    cr_assert_eq(a.rel[1], CORO_ERR_NOT_LOCKED, "second release accepted: %d", a.rel[1]);
    cr_assert_eq(x.rel, CORO_ERR_NOT_LOCKED);
    cr_assert_eq(x.took, 0);
    cr_assert_eq(max_inside, 1, "two holders");
    cr_assert_str_eq(trace, "1+ 1- 2+ 2- ");
    cr_assert_not(coro_lock_locked(&l));
    /* a free lock: the second release of a plain release is refused too */
    SPAWN(cs_task, &cc);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_eq(cc.rel[0], CORO_OK);
    cr_assert_eq(cc.rel[1], CORO_ERR_NOT_LOCKED);
}

/* The window's waiter is cancelled before it runs: the refused release
 * changed nothing, and the lock goes on to the next waiter. */
Test(sync, lock_handoff_window_cancelled_waiter_passes_on)
{
    static coro_lock l;
    struct cs a = {.l = &l, .id = 1}, b = {.l = &l, .id = 2}, cc = {.l = &l, .id = 3};
    struct wx x = {.l = &l};
    coro_task tb, tc;
    coro_lock_init(&l);
    inside = max_inside = 0;
    SPAWN(cs_task, &a);
    tb = SPAWN(cs_task, &b);
    x.cancel = tb;
    SPAWN(wx_task, &x);
    tc = SPAWN(cs_task, &cc);
    step(); /* a holds it, b and c queue */
    step(); /* a hands it to b; x's release is refused, x cancels b */
    cr_assert_eq(x.rel, CORO_ERR_NOT_LOCKED);
    cr_assert_eq(x.took, 0);
    cr_assert_eq(coro_lock_holder(&l), tb);
    cr_assert_not(coro_lock_locked(&l));
    step(); /* b runs cancelled and passes it on to c, which has not run */
    cr_assert(coro_task_cancelled(&L, tb));
    cr_assert_eq(coro_lock_holder(&l), tc);
    cr_assert_not(coro_lock_locked(&l));
    cr_assert_eq(coro_lock_release(&l), CORO_ERR_NOT_LOCKED); /* c's window too */
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "1+ 1- 3+ 3- ");
    cr_assert_eq(max_inside, 1);
    cr_assert_not(coro_lock_locked(&l));
}

/* A lock really held may still be released by another task (asyncio: no
 * owner); in the window, the same release is refused. */
Test(sync, lock_release_by_other_task_of_held_lock_stays_legal)
{
    static coro_lock l;
    struct lk a = {.l = &l, .id = 1, .hold = 10};
    struct wx x = {.l = &l};
    coro_task ta, tx;
    coro_lock_init(&l);
    ta = SPAWN(lk_task, &a);
    step(); /* a holds it and sleeps */
    cr_assert(coro_lock_locked(&l));
    cr_assert_eq(coro_lock_holder(&l), ta);
    tx = SPAWN(wx_task, &x);
    step();
    step(); /* x: releases a's lock, then takes it */
    cr_assert_eq(x.locked, 1);
    cr_assert_eq(x.holder, ta);
    cr_assert_eq(x.rel, CORO_OK);
    cr_assert_eq(x.took, 1);
    cr_assert_eq(coro_lock_holder(&l), tx);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "1+ "); /* a's leave saw it was no longer a's */
    cr_assert_eq(coro_lock_holder(&l), tx);
}

/* ---- Event (1.8) ------------------------------------------------------------------ */
static coro_event ge;
static void set_ev(void *arg) { (void)arg; cr_assert_eq(coro_event_set(&ge), CORO_OK); }
static void set_clear_ev(void *arg)
{
    (void)arg;
    coro_event_set(&ge);
    coro_event_set(&ge); /* repeated set: no-op */
    coro_event_clear(&ge);
}

Test(sync, event_set_wakes_all_wait_on_set_returns) /* 72 */
{
    struct ev a = {.e = &ge, .id = 1}, b = {.e = &ge, .id = 2}, c = {.e = &ge, .id = 3};
    coro_event_init(&ge);
    SPAWN(ev_task, &a);
    SPAWN(ev_task, &b);
    step();
    cr_assert_eq(coro_waitq_len(&L, &ge.q), 2);
    cr_assert_eq(coro_call_soon(&L, NULL, set_ev, NULL), CORO_OK);
    SPAWN(ev_task, &c); /* created, not started when the event is set */
    /* c was queued before the woken 1 and 2: it sees the flag first */
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "3:0 1:0 2:0 ");
    cr_assert(coro_event_is_set(&ge));
}

Test(sync, event_wait_cancel) /* 73 */
{
    struct ev a = {.e = &ge, .id = 1}, b = {.e = &ge, .id = 2};
    coro_task ta;
    coro_event_init(&ge);
    ta = SPAWN(ev_task, &a);
    SPAWN(ev_task, &b);
    step();
    coro_task_cancel(&L, ta);
    cr_assert_eq(coro_waitq_len(&L, &ge.q), 1);
    step();
    cr_assert_str_eq(trace, "1:1 ");
    cr_assert_eq(coro_call_soon(&L, NULL, set_ev, NULL), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "1:1 2:0 ");
}

Test(sync, event_set_clear_before_waiters_run) /* 74, 75 */
{
    struct ev a = {.e = &ge, .id = 1}, b = {.e = &ge, .id = 2}, c = {.e = &ge, .id = 3, .tmo = 10};
    coro_event_init(&ge);
    SPAWN(ev_task, &a);
    SPAWN(ev_task, &b);
    step();
    cr_assert_eq(coro_call_soon(&L, NULL, set_clear_ev, NULL), CORO_OK);
    step();
    cr_assert_not(coro_event_is_set(&ge)); /* 75 */
    SPAWN(ev_task, &c); /* the cleared event makes c wait (and time out) */
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "1:0 2:0 3:2 ");
}

Test(sync, event_timeout_and_chosen_cancel) /* timeouts; hostile 11 */
{
    struct ev a = {.e = &ge, .id = 1, .tmo = 5}, b = {.e = &ge, .id = 2}, c = {.e = &ge, .id = 3};
    coro_event_init(&ge);
    SPAWN(ev_task, &a);
    victim = SPAWN(ev_task, &b);
    SPAWN(ev_task, &c);
    run_until(6);
    cr_assert_str_eq(trace, "1:2 ");
    cr_assert_eq(coro_event_set(&ge), CORO_ERR_STATE); /* waiters, no running loop */
    cr_assert_not(coro_event_is_set(&ge));
    cr_assert_eq(coro_call_soon(&L, NULL, set_ev, NULL), CORO_OK);
    step(); /* b and c chosen; cancel b before it runs */
    coro_task_cancel(&L, victim);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "1:2 2:1 3:0 ");
}

/* ---- Condition (1.9) ---------------------------------------------------------------- */
struct nt { coro_frame co; coro_cond *c; int n, all; coro_status st; coro_tick delay; };
static CORO_FN(nt_task, struct nt, self)
{
    CORO_BEGIN(self);
    if (self->delay)
        CORO_SLEEP(self, self->delay);
    CORO_LOCK(self, coro_cond_lock(self->c));
    self->st = self->all ? coro_cond_notify_all(self->c) : coro_cond_notify(self->c, (unsigned)self->n);
    tr("n%d ", self->n);
    CORO_YIELD(self); /* notify does not release: waiters stay blocked */
    tr("r ");
    CORO_FINALLY(self);
    coro_lock_leave(coro_cond_lock(self->c));
    CORO_END(self);
}

static coro_cond gc;
static void release_cond(void *arg) { (void)arg; cr_assert_eq(coro_lock_release(coro_cond_lock(&gc)), CORO_OK); }

Test(sync, cond_unacquired) /* 76, 79 */
{
    struct cw w = {.c = &gc, .id = 1};
    coro_cond_init(&gc, NULL);
    cr_assert_eq(coro_cond_notify(&gc, 1), CORO_ERR_NOT_LOCKED);
    cr_assert_eq(coro_cond_notify_all(&gc), CORO_ERR_NOT_LOCKED);
    (void)w;
}

/* wait without the lock, wait_for with a false predicate without the lock
 * fail; wait_for with a true predicate returns at once. */
struct cu { coro_frame co; coro_cond *c; coro_status a, b, d; };
static CORO_FN(cu_task, struct cu, self)
{
    CORO_BEGIN(self);
    CORO_CATCH(self, self->a, CORO_COND_WAIT(self, self->c));
    pred_value = 0;
    CORO_CATCH(self, self->b, CORO_COND_WAIT_FOR(self, self->c, pred_value));
    pred_value = 1;
    CORO_CATCH(self, self->d, CORO_COND_WAIT_FOR(self, self->c, pred_value));
    CORO_END(self);
}
Test(sync, cond_wait_unacquired) /* 76, 79 */
{
    struct cu u = {.c = &gc};
    coro_cond_init(&gc, NULL);
    cr_assert_eq(coro_loop_run_task(&L, SPAWN(cu_task, &u)), CORO_OK);
    cr_assert_eq(u.a, CORO_ERR_NOT_LOCKED);
    cr_assert_eq(u.b, CORO_ERR_NOT_LOCKED);
    cr_assert_eq(u.d, CORO_OK);
    cr_assert_not(coro_cond_locked(&gc));
}

Test(sync, cond_notify_fifo_n_and_lock_kept) /* 77, 78 */
{
    struct cw w1 = {.c = &gc, .id = 1}, w2 = {.c = &gc, .id = 2}, w3 = {.c = &gc, .id = 3};
    struct nt n1 = {.c = &gc, .n = 2, .delay = 1}, n2 = {.c = &gc, .n = 2048, .delay = 2};
    coro_cond_init(&gc, NULL);
    SPAWN(cw_task, &w1);
    SPAWN(cw_task, &w2);
    SPAWN(cw_task, &w3);
    SPAWN(nt_task, &n1);
    run_until(2);
    /* n1 notified 1 and 2; they return only after n1 released */
    cr_assert_str_eq(trace, "n2 r 1:0L 2:0L ");
    SPAWN(nt_task, &n2);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "n2 r 1:0L 2:0L n2048 r 3:0L ");
    cr_assert_eq(n2.st, CORO_OK);
    cr_assert_not(coro_cond_locked(&gc));
}

Test(sync, cond_notify_all_fifo) /* 78 */
{
    struct cw w1 = {.c = &gc, .id = 1}, w2 = {.c = &gc, .id = 2}, w3 = {.c = &gc, .id = 3};
    struct nt n = {.c = &gc, .all = 1, .delay = 1};
    coro_cond_init(&gc, NULL);
    SPAWN(cw_task, &w1);
    SPAWN(cw_task, &w2);
    SPAWN(cw_task, &w3);
    SPAWN(nt_task, &n);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "n0 r 1:0L 2:0L 3:0L ");
}

/* wait_for loops until the predicate holds. */
struct setter { coro_frame co; coro_cond *c; int i; };
static CORO_FN(setter, struct setter, self)
{
    CORO_BEGIN(self);
    for (self->i = 0; self->i < 3; self->i++) {
        CORO_SLEEP(self, 1);
        CORO_LOCK(self, coro_cond_lock(self->c));
        pred_value = self->i == 2;
        tr("s%d ", self->i);
        coro_cond_notify_all(self->c);
        coro_lock_release(coro_cond_lock(self->c));
    }
    CORO_END(self);
}
Test(sync, cond_wait_for_predicate) /* 79 */
{
    struct cw w = {.c = &gc, .id = 1, .use_pred = 1};
    struct setter s = {.c = &gc};
    coro_cond_init(&gc, NULL);
    pred_value = 0;
    SPAWN(cw_task, &w);
    SPAWN(setter, &s);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "s0 s1 s2 1:0L ");
}

Test(sync, cond_wait_cancel_reholds_lock) /* 80 */
{
    struct cw w = {.c = &gc, .id = 1};
    coro_task tw;
    coro_cond_init(&gc, NULL);
    tw = SPAWN(cw_task, &w);
    step();
    cr_assert_not(coro_cond_locked(&gc)); /* released while waiting */
    cr_assert(coro_lock_try_acquire(coro_cond_lock(&gc))); /* contested */
    coro_task_cancel(&L, tw);
    step();
    cr_assert_str_eq(trace, ""); /* still re-acquiring */
    cr_assert_eq(coro_waitq_len(&L, &gc.q), 0);
    cr_assert_eq(coro_call_soon(&L, NULL, release_cond, NULL), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "1:1L ");
    cr_assert_not(coro_cond_locked(&gc));
}

/* 81/82: notified, then cancelled while another task holds the lock: the
 * waiter ends cancelled, but only once it holds the lock again. */
static void notify_one(void *arg) { (void)arg; cr_assert_eq(coro_cond_notify(&gc, 1), CORO_OK); }
static void cancel_victim(void *arg) { (void)arg; coro_task_cancel(&L, victim); }
Test(sync, cond_wait_cancel_contested) /* 81, 82 */
{
    struct cw w = {.c = &gc, .id = 1};
    coro_cond_init(&gc, NULL);
    victim = SPAWN(cw_task, &w);
    step();
    cr_assert(coro_lock_try_acquire(coro_cond_lock(&gc)));
    cr_assert_eq(coro_call_soon(&L, NULL, notify_one, NULL), CORO_OK);
    step(); /* notified */
    step(); /* ran: now waits for the lock */
    cr_assert_str_eq(trace, "");
    cr_assert_eq(coro_call_soon(&L, NULL, cancel_victim, NULL), CORO_OK);
    cr_assert_eq(coro_call_soon(&L, NULL, release_cond, NULL), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "1:1L ");
    cr_assert_not(coro_cond_locked(&gc));
}

/* 83: the waiter notified is cancelled before it runs: the notification is
 * passed to the next waiter; nobody is lost. */
Test(sync, cond_cancelled_wakeup_forwarded) /* 83, hostile 11 */
{
    struct cw w1 = {.c = &gc, .id = 1}, w2 = {.c = &gc, .id = 2};
    coro_cond_init(&gc, NULL);
    victim = SPAWN(cw_task, &w1);
    SPAWN(cw_task, &w2);
    step();
    cr_assert(coro_lock_try_acquire(coro_cond_lock(&gc)));
    cr_assert_eq(coro_call_soon(&L, NULL, notify_one, NULL), CORO_OK);
    cr_assert_eq(coro_call_soon(&L, NULL, cancel_victim, NULL), CORO_OK);
    cr_assert_eq(coro_call_soon(&L, NULL, release_cond, NULL), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "1:1L 2:0L ");
}

Test(sync, cond_shared_lock) /* 84 */
{
    static coro_lock shared = CORO_LOCK_INIT;
    static coro_cond c = CORO_COND_INIT_SHARED(&shared);
    static coro_cond own = CORO_COND_INIT(own);
    cr_assert_eq(coro_cond_lock(&c), &shared);
    cr_assert_eq(coro_cond_lock(&own), &own.own);
    cr_assert(coro_lock_try_acquire(&shared));
    cr_assert(coro_cond_locked(&c));
    cr_assert_eq(coro_cond_notify(&c, 1), CORO_OK);
    cr_assert_eq(coro_lock_release(&shared), CORO_OK);
    cr_assert_not(coro_cond_locked(&c));
    cr_assert(coro_lock_try_acquire(coro_cond_lock(&c)));
    cr_assert(coro_lock_locked(&shared));
    coro_cond_init(&own, &shared);
    cr_assert(coro_cond_locked(&own));
}

Test(sync, cond_timeout_in_block) /* 62: timeout re-holds the lock */
{
    struct cw w = {.c = &gc, .id = 1, .tmo = 50};
    struct lk hog = {.l = &gc.own, .id = 9, .hold = 100};
    coro_cond_init(&gc, NULL);
    SPAWN(cw_task, &w);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "1:2L ");
    cr_assert_eq(coro_loop_time(&L), 50);
    /* and when the lock is contested at the timeout: waits for it */
    trace[0] = 0;
    coro_virtual_now = 0;
    coro_loop_init(&L);
    SPAWN(cw_task, &w);
    step();
    SPAWN(lk_task, &hog); /* takes the lock at t=0 and holds it to t=100 */
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "9+ 9- 1:2L ");
    cr_assert_eq(coro_loop_time(&L), 100);
}

/* ---- Semaphore (1.10) ---------------------------------------------------------------- */
Test(sync, sem_init_values) /* 85, hostile 6 */
{
    coro_sem s;
    cr_assert_eq(coro_sem_init(&s, -1), CORO_ERR_INVALID);
    cr_assert_eq(coro_sem_init_bounded(&s, -1), CORO_ERR_INVALID);
    cr_assert_eq(coro_sem_init(&s, 0), CORO_OK);
    cr_assert(coro_sem_locked(&s));
    cr_assert_eq(coro_sem_init(&s, 2), CORO_OK);
    cr_assert_not(coro_sem_locked(&s));
    cr_assert(coro_sem_try_acquire(&s));
    cr_assert(coro_sem_try_acquire(&s));
    cr_assert_not(coro_sem_try_acquire(&s));
    cr_assert_eq(coro_sem_value(&s), 0);
}

static coro_sem gs;
static void release_gs(void *arg) { (void)arg; cr_assert_eq(coro_sem_release(&gs), CORO_OK); }
Test(sync, sem_release_hands_off) /* 86 */
{
    struct sm a = {.s = &gs, .id = 1, .hold = 10}, b = {.s = &gs, .id = 2, .hold = 10};
    coro_sem_init(&gs, 0);
    SPAWN(sm_task, &a);
    SPAWN(sm_task, &b);
    step();
    cr_assert_eq(coro_call_soon(&L, NULL, release_gs, NULL), CORO_OK);
    cr_assert_eq(coro_call_soon(&L, NULL, release_gs, NULL), CORO_OK);
    step();
    cr_assert_eq(coro_sem_value(&gs), 0);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "1+ 2+ ");
    cr_assert_eq(coro_sem_value(&gs), 2);
}

Test(sync, sem_fifo_across_reacquires) /* 87 */
{
    static coro_sem s = CORO_SEM_INIT(1);
    struct sm a = {.s = &s, .id = 1, .reps = 2}, b = {.s = &s, .id = 2, .reps = 2}, c = {.s = &s, .id = 3, .reps = 2};
    coro_sem_init(&s, 1);
    SPAWN(sm_task, &a);
    SPAWN(sm_task, &b);
    SPAWN(sm_task, &c);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "1+ 2+ 3+ 1+ 2+ 3+ ");
    cr_assert_eq(coro_sem_value(&s), 1);
}

static coro_task v2;
static void cancel_two_release_one(void *arg)
{
    (void)arg;
    coro_task_cancel(&L, victim);
    coro_task_cancel(&L, v2);
    cr_assert_eq(coro_sem_release(&gs), CORO_OK);
}
Test(sync, sem_cancelled_waiters_skipped) /* 88, 89 */
{
    struct sm a = {.s = &gs, .id = 1, .hold = 10}, b = {.s = &gs, .id = 2, .hold = 10}, c = {.s = &gs, .id = 3, .hold = 10},
              d = {.s = &gs, .id = 4, .hold = 10};
    coro_sem_init(&gs, 0);
    victim = SPAWN(sm_task, &a);
    v2 = SPAWN(sm_task, &b);
    SPAWN(sm_task, &c);
    SPAWN(sm_task, &d);
    step();
    cr_assert_eq(coro_call_soon(&L, NULL, cancel_two_release_one, NULL), CORO_OK);
    run_until(5);
    cr_assert_str_eq(trace, "1!1 2!1 3+ "); /* the first survivor, not 4 */
    cr_assert_eq(coro_sem_value(&gs), 0);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "1!1 2!1 3+ 4+ ");
}

static void release_then_cancel_sem(void *arg)
{
    (void)arg;
    cr_assert_eq(coro_sem_release(&gs), CORO_OK);
    coro_task_cancel(&L, victim);
}
Test(sync, sem_chosen_cancelled_gives_permit_back) /* 90, hostile 11 */
{
    struct sm a = {.s = &gs, .id = 1, .hold = 10}, b = {.s = &gs, .id = 2, .hold = 10}, c = {.s = &gs, .id = 3, .hold = 10};
    coro_sem_init(&gs, 0);
    victim = SPAWN(sm_task, &a);
    SPAWN(sm_task, &b);
    step();
    cr_assert_eq(coro_call_soon(&L, NULL, release_then_cancel_sem, NULL), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "1!1 2+ ");
    cr_assert_eq(coro_sem_value(&gs), 1);
    /* 90: no hang afterwards */
    SPAWN(sm_task, &c);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "1!1 2+ 3+ ");
}

Test(sync, sem_locked_while_waiters_queue) /* 91 */
{
    struct sm a = {.s = &gs, .id = 1, .hold = 10}, b = {.s = &gs, .id = 2, .hold = 10};
    coro_sem_init(&gs, 1);
    SPAWN(sm_task, &a);
    SPAWN(sm_task, &b);
    step();
    cr_assert_str_eq(trace, "1+ ");
    cr_assert(coro_sem_locked(&gs));
    cr_assert_eq(coro_waitq_len(&L, &gs.q), 1);
    cr_assert_not(coro_sem_try_acquire(&gs));
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_not(coro_sem_locked(&gs));
}

Test(sync, sem_bounded_overflow) /* 92, hostile 5 */
{
    coro_sem s, p, m;
    cr_assert_eq(coro_sem_init_bounded(&s, 1), CORO_OK);
    cr_assert_eq(coro_sem_release(&s), CORO_ERR_OVERFLOW);
    cr_assert_eq(coro_sem_value(&s), 1);
    cr_assert(coro_sem_try_acquire(&s));
    cr_assert_eq(coro_sem_release(&s), CORO_OK);
    cr_assert_eq(coro_sem_release(&s), CORO_ERR_OVERFLOW);
    cr_assert_eq(coro_sem_value(&s), 1);
    cr_assert_eq(coro_sem_init_bounded(&s, 0), CORO_OK); /* asyncio allows it */
    cr_assert_eq(coro_sem_release(&s), CORO_ERR_OVERFLOW);
    cr_assert_eq(coro_sem_init(&p, 1), CORO_OK); /* plain: grows past its start */
    cr_assert_eq(coro_sem_release(&p), CORO_OK);
    cr_assert_eq(coro_sem_value(&p), 2);
    cr_assert_eq(coro_sem_init(&m, (long)CORO_SEM_MAX), CORO_OK); /* never wraps */
    cr_assert_eq(coro_sem_release(&m), CORO_ERR_OVERFLOW);
    cr_assert_eq(coro_sem_value(&m), CORO_SEM_MAX);
}

Test(sync, sem_timeout)
{
    struct sm a = {.s = &gs, .id = 1, .hold = 100}, b = {.s = &gs, .id = 2, .tmo = 20}, c = {.s = &gs, .id = 3, .tmo = 100};
    coro_sem_init_bounded(&gs, 1);
    SPAWN(sm_task, &a);
    SPAWN(sm_task, &b);
    SPAWN(sm_task, &c);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    /* b times out at 20; c's timeout and a's release land together at 100:
     * the release hands c the permit, the timeout then cancels c in the
     * CHOSEN window, c gives it back */
    cr_assert(strncmp(trace, "1+ 2!2 ", 7) == 0, "%s", trace);
    cr_assert_eq(coro_sem_value(&gs), 1);
}

/* ---- Interrupt-safe flag ------------------------------------------------------------- */
static coro_flag gf;
struct fw { coro_frame co; int id, n, i; coro_tick tmo; coro_timeout to; coro_status st; };
static volatile int acks;
static sem_t ack_sem; /* the task posts each consumed edge; the setter blocks on it */
static CORO_FN(fw_task, struct fw, self)
{
    CORO_BEGIN(self);
    for (self->i = 0; self->i < (self->n ? self->n : 1); self->i++) {
        if (self->tmo)
            CORO_CATCH(self, self->st, CORO_TIMEOUT(self, &self->to, self->tmo, CORO_FLAG_WAIT(self, &gf)));
        else
            CORO_CATCH(self, self->st, CORO_FLAG_WAIT(self, &gf));
        if (!self->n)
            tr("%d:%d@%u ", self->id, self->st, (unsigned)coro_loop_time(&L));
        __atomic_store_n(&acks, self->i + 1, __ATOMIC_SEQ_CST);
        if (self->n)
            sem_post(&ack_sem);
    }
    CORO_END(self);
}
static void set_flag(void *arg) { (void)arg; coro_flag_set(&L, &gf); }

Test(sync, flag_set_before_wait_and_from_callback)
{
    struct fw a = {.id = 1}, b = {.id = 2};
    coro_flag_init(&gf);
    coro_flag_set(&L, &gf); /* no waiter yet: the edge is kept */
    cr_assert(coro_flag_is_set(&gf));
    cr_assert_eq(coro_loop_run_task(&L, SPAWN(fw_task, &a)), CORO_OK);
    cr_assert_not(coro_flag_is_set(&gf)); /* consumed */
    cr_assert_eq(coro_call_later(&L, NULL, 7, set_flag, NULL), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, SPAWN(fw_task, &b)), CORO_OK);
    cr_assert_str_eq(trace, "1:0@0 2:0@7 ");
    cr_assert_not(coro_flag_is_set(&gf));
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK); /* disarmed: nothing left */
}

Test(sync, flag_timeout_disarms)
{
    struct fw a = {.id = 1, .tmo = 5};
    coro_flag_init(&gf);
    cr_assert_eq(coro_loop_run_task(&L, SPAWN(fw_task, &a)), CORO_OK);
    cr_assert_str_eq(trace, "1:2@5 ");
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK); /* no idle spin: not armed */
}

Test(sync, flag_chosen_cancel_keeps_edge) /* hostile 11 */
{
    struct fw a = {.id = 1}, b = {.id = 2};
    coro_flag_init(&gf);
    victim = SPAWN(fw_task, &a);
    step();
    coro_flag_set(&L, &gf);
    cr_assert_eq(coro_call_soon(&L, NULL, cancel_victim, NULL), CORO_OK);
    step(); /* poll wakes a; the callback cancels it before it runs */
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "1:1@0 ");
    cr_assert(coro_flag_is_set(&gf)); /* the edge is still there */
    cr_assert_eq(coro_loop_run_task(&L, SPAWN(fw_task, &b)), CORO_OK);
    cr_assert_str_eq(trace, "1:1@0 2:0@0 ");
}

/* A second thread sets the flag while the loop idles; each set waits for the
 * previous one to be consumed, so any lost wake-up hangs (timeout fails). */
#define FLAG_ROUNDS 2000
#define SIG_ROUNDS 1000
static void *flag_thread(void *arg)
{
    int i;
    (void)arg;
    for (i = 0; i < FLAG_ROUNDS; i++) {
        if (i)
            while (sem_wait(&ack_sem) != 0)
                ;
        cr_assert_eq(acks, i);
        coro_flag_set(&L, &gf);
    }
    return NULL;
}
Test(sync, flag_from_thread_no_lost_wakeup, .timeout = 20)
{
    struct fw a = {.id = 1, .n = FLAG_ROUNDS};
    pthread_t th;
    coro_flag_init(&gf);
    acks = 0;
    sem_init(&ack_sem, 0, 0);
    cr_assert_eq(pthread_create(&th, NULL, flag_thread, NULL), 0);
    cr_assert_eq(coro_loop_run_task(&L, SPAWN(fw_task, &a)), CORO_OK);
    pthread_join(th, NULL);
    cr_assert_eq(acks, FLAG_ROUNDS);
    cr_assert_eq(coro_loop_time(&L), 0); /* no timer involved */
}

/* The same from a POSIX signal handler, delivered to the loop's thread. */
static pthread_t loop_thread;
static void on_sig(int sig)
{
    (void)sig;
    coro_flag_set(&L, &gf); /* async-signal-safe: stores and a fence */
}
static void *kill_thread(void *arg)
{
    int i;
    (void)arg;
    for (i = 0; i < SIG_ROUNDS; i++) {
        if (i)
            while (sem_wait(&ack_sem) != 0)
                ;
        pthread_kill(loop_thread, SIGUSR1);
    }
    return NULL;
}
Test(sync, flag_from_signal_handler_no_lost_wakeup, .timeout = 20)
{
    struct fw a = {.id = 1, .n = SIG_ROUNDS};
    struct sigaction sa;
    pthread_t th;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sig;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    cr_assert_eq(sigaction(SIGUSR1, &sa, NULL), 0);
    coro_flag_init(&gf);
    acks = 0;
    sem_init(&ack_sem, 0, 0);
    loop_thread = pthread_self();
    cr_assert_eq(pthread_create(&th, NULL, kill_thread, NULL), 0);
    cr_assert_eq(coro_loop_run_task(&L, SPAWN(fw_task, &a)), CORO_OK);
    pthread_join(th, NULL);
    cr_assert_eq(acks, SIG_ROUNDS);
}

/* ---- randomized property test ---------------------------------------------------------- */
#define PT 12
#define PROUNDS 25
#define PSEM 3
static struct {
    coro_lock lock;
    coro_sem sem;
    coro_event ev;
    coro_cond cond;
    int lock_holders, sem_held, sem_acquiring;
} P;
static long stat_ok, stat_timeout, stat_cancel, stat_steps;
struct pr {
    coro_frame co;
    unsigned rng;
    int round, op, has_lock, acq;
    coro_tick tmo, hold;
    coro_timeout to;
    coro_status st, st2;
    uint8_t held;
};
static unsigned rnd(unsigned *s)
{
    *s = *s * 1103515245u + 12345u;
    return (*s >> 16) & 0x7FFF;
}
static CORO_FN(pr_task, struct pr, self)
{
    CORO_BEGIN(self);
    for (self->round = 0; self->round < PROUNDS; self->round++) {
        self->op = (int)(rnd(&self->rng) % 5);
        self->tmo = 1 + rnd(&self->rng) % 6;
        self->hold = rnd(&self->rng) % 4;
        if (self->op == 0) { /* lock */
            CORO_CATCH(self, self->st, CORO_TIMEOUT(self, &self->to, self->tmo, CORO_LOCK(self, &P.lock)));
            if (self->st == CORO_OK) {
                P.lock_holders++;
                self->has_lock = 1;
                CORO_CATCH(self, self->st2, CORO_SLEEP(self, self->hold));
                self->has_lock = 0;
                P.lock_holders--;
                cr_assert_eq(coro_lock_release(&P.lock), CORO_OK);
            }
        } else if (self->op == 1) { /* semaphore */
            P.sem_acquiring++;
            self->acq = 1;
            CORO_CATCH(self, self->st, CORO_TIMEOUT(self, &self->to, self->tmo, CORO_SEM_ENTER(self, &P.sem, self->held)));
            self->acq = 0;
            P.sem_acquiring--;
            stat_ok += self->st == CORO_OK;
            stat_timeout += self->st == CORO_ERR_TIMEOUT;
            stat_cancel += self->st == CORO_ERR_CANCELLED;
            if (self->st == CORO_OK) {
                P.sem_held++;
                CORO_CATCH(self, self->st2, CORO_SLEEP(self, self->hold));
                P.sem_held--;
                cr_assert_eq(coro_sem_leave(&P.sem, &self->held), CORO_OK);
            }
        } else if (self->op == 2) { /* event */
            if (rnd(&self->rng) % 2) {
                CORO_CATCH(self, self->st, CORO_TIMEOUT(self, &self->to, self->tmo, CORO_EVENT_WAIT(self, &P.ev)));
            } else if (rnd(&self->rng) % 2) {
                cr_assert_eq(coro_event_set(&P.ev), CORO_OK);
                cr_assert(coro_waitq_empty(&P.ev.q));
            } else {
                coro_event_clear(&P.ev);
            }
        } else { /* condition over the same lock: wait or notify */
            CORO_CATCH(self, self->st, CORO_TIMEOUT(self, &self->to, self->tmo, CORO_LOCK(self, &P.lock)));
            if (self->st == CORO_OK) {
                P.lock_holders++;
                self->has_lock = 1;
                if (self->op == 3) {
                    self->has_lock = 0;
                    P.lock_holders--;
                    CORO_CATCH(self, self->st2, CORO_TIMEOUT(self, &self->to, self->tmo, CORO_COND_WAIT(self, &P.cond)));
                    cr_assert_eq(coro_lock_holder(&P.lock), coro_current_task(&L), "cond wait returned without the lock (%d)", self->st2);
                    P.lock_holders++;
                    self->has_lock = 1;
                } else {
                    cr_assert_eq(coro_cond_notify(&P.cond, 1 + rnd(&self->rng) % 2), CORO_OK);
                    CORO_CATCH(self, self->st2, CORO_YIELD(self));
                }
                self->has_lock = 0;
                P.lock_holders--;
                cr_assert_eq(coro_lock_release(&P.lock), CORO_OK);
            }
        }
    }
    CORO_END(self);
}

static struct pr prs[PT];
static coro_task prt[PT];
static void check_invariants(void)
{
    int i, holders = 0, acquiring = 0, inflight;
    for (i = 0; i < PT; i++) {
        holders += prs[i].has_lock;
        acquiring += prs[i].acq;
        if (prs[i].has_lock)
            cr_assert_eq(coro_lock_holder(&P.lock), prt[i]);
    }
    cr_assert_eq(holders, P.lock_holders);
    cr_assert_leq(holders, 1, "two lock holders");
    /* no waiter stranded while the resource is free (no holder, not handed over) */
    if (!coro_lock_holder(&P.lock))
        cr_assert(coro_waitq_empty(&P.lock.q), "lock free with waiters");
    if (coro_sem_value(&P.sem) > 0)
        cr_assert(coro_waitq_empty(&P.sem.q), "permit free with waiters");
    if (coro_event_is_set(&P.ev))
        cr_assert(coro_waitq_empty(&P.ev.q));
    /* permits conserved: value + held + handed over (not yet run) = initial */
    inflight = PSEM - (int)coro_sem_value(&P.sem) - P.sem_held;
    cr_assert_geq(inflight, 0, "permit created");
    cr_assert_leq(inflight, acquiring, "permit lost");
}

static void chaos_notify(void *arg)
{
    (void)arg;
    if (coro_lock_try_acquire(&P.lock)) {
        cr_assert_eq(coro_cond_notify_all(&P.cond), CORO_OK);
        cr_assert_eq(coro_lock_release(&P.lock), CORO_OK);
    }
}

Test(sync, property_random_tasks, .timeout = 60)
{
    unsigned seed;
    for (seed = 1; seed <= 40; seed++) {
        unsigned chaos = seed * 7919u;
        int i, alive, guard = 0;
        coro_virtual_now = (coro_tick)(0u - 50u); /* across the tick wrap */
        coro_loop_init(&L);
        memset(&P, 0, sizeof P);
        coro_lock_init(&P.lock);
        cr_assert_eq(coro_sem_init_bounded(&P.sem, PSEM), CORO_OK);
        coro_event_init(&P.ev);
        coro_cond_init(&P.cond, &P.lock);
        memset(prs, 0, sizeof prs);
        for (i = 0; i < PT; i++) {
            prs[i].rng = seed * 1000u + (unsigned)i;
            prt[i] = SPAWN(pr_task, &prs[i]);
        }
        do {
            if (rnd(&chaos) % 3 == 0)
                step();
            else
                run_until((coro_tick)(coro_loop_time(&L) + 1));
            check_invariants();
            stat_steps++;
            if (rnd(&chaos) % 4 == 0) /* random cancellations */
                coro_task_cancel(&L, prt[rnd(&chaos) % PT]);
            if (rnd(&chaos) % 8 == 0) /* wake condition waiters now and then */
                cr_assert_eq(coro_call_soon(&L, NULL, chaos_notify, NULL), CORO_OK);
            for (alive = 0, i = 0; i < PT; i++)
                alive += !coro_task_done(&L, prt[i]);
            cr_assert_lt(++guard, 100000, "seed %u: tasks never finish", seed);
        } while (alive);
        for (i = 0; i < PT; i++) {
            coro_status st = coro_task_status(&L, prt[i]);
            cr_assert(st == CORO_OK || st == CORO_ERR_CANCELLED || st == CORO_ERR_STALE, "seed %u task %d: %d", seed, i, st);
        }
        cr_assert_eq(coro_sem_value(&P.sem), PSEM, "seed %u", seed);
        cr_assert_not(coro_lock_locked(&P.lock), "seed %u", seed);
        cr_assert(coro_waitq_empty(&P.cond.q));
    }
    cr_log_info("property: %ld steps; semaphore acquires %ld ok, %ld timed out, %ld cancelled", stat_steps, stat_ok,
                stat_timeout, stat_cancel);
    cr_assert(stat_ok > 100 && stat_timeout > 10 && stat_cancel > 10);
}

/* ---- sizes --------------------------------------------------------------------------- */
Test(sync, sizes)
{
    cr_log_info("sizeof lock %zu event %zu sem %zu cond %zu flag %zu", sizeof(coro_lock), sizeof(coro_event),
                sizeof(coro_sem), sizeof(coro_cond), sizeof(coro_flag));
    cr_assert_leq(sizeof(coro_lock), 2 * sizeof(coro_task));
    cr_assert_leq(sizeof(coro_event), 2 * sizeof(coro_waitq));
    cr_assert_leq(sizeof(coro_sem), 4 + 2 * sizeof(coro_waitq));
    cr_assert_leq(sizeof(coro_cond), sizeof(void *) + 2 * sizeof(coro_lock)); /* 16 B with 16-bit handles, 24 with 32 */
    cr_assert_leq(sizeof(coro_flag), 3 * sizeof(void *));
}

/* Plain functions and lower-case macros evaluate each argument once. */
static int evals;
static coro_lock *count_lock(coro_lock *l) { evals++; return l; }
static coro_sem *count_sem(coro_sem *s) { evals++; return s; }
static coro_cond *count_cond(coro_cond *c) { evals++; return c; }
Test(sync, arguments_evaluated_once)
{
    coro_lock l = CORO_LOCK_INIT;
    coro_sem s;
    coro_cond c;
    coro_cond_init(&c, &l);
    evals = 0;
    cr_assert(coro_lock_try_acquire(count_lock(&l)));
    cr_assert_eq(coro_cond_notify_all(count_cond(&c)), CORO_OK);
    cr_assert_eq(coro_cond_notify(count_cond(&c), 3), CORO_OK);
    cr_assert_eq(coro_lock_release(count_lock(&l)), CORO_OK);
    cr_assert_eq(coro_sem_init_bounded(count_sem(&s), 1), CORO_OK);
    cr_assert(coro_sem_try_acquire(count_sem(&s)));
    cr_assert_eq(coro_sem_release(count_sem(&s)), CORO_OK);
    cr_assert_eq(evals, 7);
}

/* ---- All-zero objects (issue 11, item 5) ------------------------------------------- */
/* `static coro_lock l;` without an initializer (all-zero, in .bss) and an
 * object cleared with memset are valid: a free Lock, a clear Event, a
 * Condition with its own lock, Semaphore(0), a clear flag. Each scenario runs
 * on the INIT macro's object, the init function's (over garbage), a zeroed
 * static and a memset one, and must behave the same. mk/sync.mk runs this
 * file with NDEBUG too (sync-ndebug): no assert is needed to get it right. */
static coro_lock z_lock;
static coro_event z_event;
static coro_sem z_sem;
static coro_cond z_cond;
static coro_flag z_flag;

/* A bystander in slot 0 waits on an initialised event until 100: in the old
 * code a zero wait queue (tail 0) spliced slot 0's links even with NDEBUG. */
static coro_event by_ev;
static struct ev by;
static void set_ev_arg(void *arg);
static void bystander(void)
{
    coro_event_init(&by_ev);
    memset(&by, 0, sizeof by);
    by.e = &by_ev;
    by.id = 9;
    cr_assert_eq(CORO__ID(SPAWN(ev_task, &by)), 0);
    cr_assert_eq(coro_call_at(&L, NULL, 100, set_ev_arg, &by_ev), CORO_OK);
}

/* Three tasks contend (one times out in the queue), a fourth arrives late. */
static void lock_scenario(coro_lock *l, char *out, size_t n)
{
    struct lk a = {.l = l, .id = 1, .hold = 10}, b = {.l = l, .id = 2, .hold = 10}, c = {.l = l, .id = 3, .tmo = 5},
              d = {.l = l, .id = 4, .hold = 1};
    setup();
    bystander();
    SPAWN(lk_task, &a);
    SPAWN(lk_task, &b);
    SPAWN(lk_task, &c);
    run_until(15);
    SPAWN(lk_task, &d);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_not(coro_lock_locked(l));
    cr_assert_eq(coro_lock_holder(l), 0);
    cr_assert(coro_waitq_empty(&l->q));
    cr_assert(coro_lock_try_acquire(l));
    cr_assert_eq(coro_lock_release(l), CORO_OK);
    cr_assert_eq(coro_lock_release(l), CORO_ERR_NOT_LOCKED);
    snprintf(out, n, "%s", trace);
}

Test(sync, zeroed_lock_is_a_free_lock)
{
    static coro_lock init = CORO_LOCK_INIT;
    coro_lock fn, mz;
    char ref[sizeof trace], got[sizeof trace];
    memset(&fn, 0xA5, sizeof fn);
    coro_lock_init(&fn);
    memset(&mz, 0, sizeof mz);
    lock_scenario(&init, ref, sizeof ref);
    cr_assert_str_eq(ref, "1+ 3!2 1- 2+ 2- 4+ 4- 9:0 ");
    lock_scenario(&fn, got, sizeof got);
    cr_assert_str_eq(got, ref);
    lock_scenario(&z_lock, got, sizeof got);
    cr_assert_str_eq(got, ref, "zeroed static lock: %s", got);
    lock_scenario(&mz, got, sizeof got);
    cr_assert_str_eq(got, ref, "memset lock: %s", got);
}

/* Two waiters (one with a timeout that expires first), set at 8 by a
 * callback, a late waiter returns at once, clear, a wait that times out. */
static void set_ev_arg(void *arg) { cr_assert_eq(coro_event_set((coro_event *)arg), CORO_OK); }
static void ev_scenario(coro_event *e, char *out, size_t n)
{
    struct ev a = {.e = e, .id = 1}, b = {.e = e, .id = 2, .tmo = 4}, c = {.e = e, .id = 3}, d = {.e = e, .id = 4, .tmo = 3};
    setup();
    bystander();
    cr_assert_not(coro_event_is_set(e));
    SPAWN(ev_task, &a);
    SPAWN(ev_task, &b);
    cr_assert_eq(coro_call_at(&L, NULL, 8, set_ev_arg, e), CORO_OK);
    run_until(9);
    cr_assert(coro_event_is_set(e));
    cr_assert(coro_waitq_empty(&e->q));
    SPAWN(ev_task, &c);
    step();
    coro_event_clear(e);
    SPAWN(ev_task, &d);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_not(coro_event_is_set(e));
    cr_assert(coro_waitq_empty(&e->q));
    tr("@%u", (unsigned)coro_loop_time(&L));
    snprintf(out, n, "%s", trace);
}

Test(sync, zeroed_event_is_a_clear_event)
{
    static coro_event init = CORO_EVENT_INIT;
    coro_event fn, mz;
    char ref[sizeof trace], got[sizeof trace];
    memset(&fn, 0xA5, sizeof fn);
    coro_event_init(&fn);
    memset(&mz, 0, sizeof mz);
    ev_scenario(&init, ref, sizeof ref);
    cr_assert_str_eq(ref, "2:2 1:0 3:0 4:2 9:0 @100");
    ev_scenario(&fn, got, sizeof got);
    cr_assert_str_eq(got, ref);
    ev_scenario(&z_event, got, sizeof got);
    cr_assert_str_eq(got, ref, "zeroed static event: %s", got);
    ev_scenario(&mz, got, sizeof got);
    cr_assert_str_eq(got, ref, "memset event: %s", got);
}

/* Semaphore(0): two tasks wait, a callback releases twice (handed over),
 * they enter, a third times out; after them the value is 2, and a plain
 * semaphore takes releases beyond its initial value. */
static void release_sem_arg(void *arg) { cr_assert_eq(coro_sem_release((coro_sem *)arg), CORO_OK); }
static void sem_scenario(coro_sem *s, char *out, size_t n)
{
    struct sm a = {.s = s, .id = 1, .hold = 3}, b = {.s = s, .id = 2, .hold = 3}, c = {.s = s, .id = 3, .tmo = 2};
    setup();
    bystander();
    cr_assert_eq(coro_sem_value(s), 0);
    cr_assert(coro_sem_locked(s));
    cr_assert_not(coro_sem_try_acquire(s));
    SPAWN(sm_task, &a);
    SPAWN(sm_task, &b);
    SPAWN(sm_task, &c);
    cr_assert_eq(coro_call_at(&L, NULL, 4, release_sem_arg, s), CORO_OK);
    cr_assert_eq(coro_call_at(&L, NULL, 4, release_sem_arg, s), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_eq(coro_sem_value(s), 2);
    cr_assert(coro_waitq_empty(&s->q));
    cr_assert_eq(coro_sem_release(s), CORO_OK); /* plain: no bound at 0 */
    cr_assert_eq(coro_sem_value(s), 3);
    cr_assert(coro_sem_try_acquire(s));
    tr("@%u v%u", (unsigned)coro_loop_time(&L), coro_sem_value(s));
    snprintf(out, n, "%s", trace);
}

Test(sync, zeroed_semaphore_is_semaphore_0)
{
    static coro_sem init = CORO_SEM_INIT(0);
    coro_sem fn, mz;
    char ref[sizeof trace], got[sizeof trace];
    memset(&fn, 0xA5, sizeof fn);
    cr_assert_eq(coro_sem_init(&fn, 0), CORO_OK);
    memset(&mz, 0, sizeof mz);
    sem_scenario(&init, ref, sizeof ref);
    cr_assert_str_eq(ref, "3!2 1+ 2+ 9:0 @100 v2");
    sem_scenario(&fn, got, sizeof got);
    cr_assert_str_eq(got, ref);
    sem_scenario(&z_sem, got, sizeof got);
    cr_assert_str_eq(got, ref, "zeroed static semaphore: %s", got);
    sem_scenario(&mz, got, sizeof got);
    cr_assert_str_eq(got, ref, "memset semaphore: %s", got);
}

/* BoundedSemaphore(0) stays representable: every release is refused. */
Test(sync, bounded_semaphore_0_refuses_release)
{
    static coro_sem st = CORO_BOUNDED_SEM_INIT(0);
    static coro_sem st5 = CORO_BOUNDED_SEM_INIT(5);
    coro_sem fn;
    memset(&fn, 0, sizeof fn);
    cr_assert_eq(coro_sem_init_bounded(&fn, 0), CORO_OK);
    cr_assert_eq(coro_sem_release(&st), CORO_ERR_OVERFLOW);
    cr_assert_eq(coro_sem_release(&fn), CORO_ERR_OVERFLOW);
    cr_assert_eq(coro_sem_value(&st), 0);
    cr_assert_eq(coro_sem_value(&fn), 0);
    cr_assert_eq(coro_sem_release(&st5), CORO_ERR_OVERFLOW);
    cr_assert(coro_sem_try_acquire(&st5));
    cr_assert_eq(coro_sem_release(&st5), CORO_OK);
    cr_assert_eq(coro_sem_value(&st5), 5);
}

/* A condition with its own lock: two waiters, one notify, then notify_all
 * from a task holding the lock; a notify without the lock is refused. */
struct cn { coro_frame co; coro_cond *c; unsigned n; coro_status st; };
static CORO_FN(cn_task, struct cn, self)
{
    CORO_BEGIN(self);
    CORO_LOCK(self, coro_cond_lock(self->c));
    self->st = coro_cond_notify(self->c, self->n);
    tr("n%u ", self->n);
    coro_lock_release(coro_cond_lock(self->c));
    CORO_END(self);
}
static void cond_scenario(coro_cond *c, char *out, size_t n)
{
    struct cw a = {.c = c, .id = 1}, b = {.c = c, .id = 2};
    struct cn one = {.c = c, .n = 1}, all = {.c = c, .n = ~0u};
    setup();
    bystander();
    cr_assert_not(coro_cond_locked(c));
    cr_assert_eq(coro_cond_notify(c, 1), CORO_ERR_NOT_LOCKED);
    SPAWN(cw_task, &a);
    SPAWN(cw_task, &b);
    step();
    cr_assert_eq(coro_waitq_len(&L, &c->q), 2);
    cr_assert_not(coro_cond_locked(c)); /* released while waiting */
    SPAWN(cn_task, &one);
    run_until(1);
    SPAWN(cn_task, &all);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_eq(one.st, CORO_OK);
    cr_assert_eq(all.st, CORO_OK);
    cr_assert_not(coro_cond_locked(c));
    cr_assert(coro_waitq_empty(&c->q));
    cr_assert(coro_waitq_empty(&coro_cond_lock(c)->q));
    snprintf(out, n, "%s", trace);
}

Test(sync, zeroed_condition_has_its_own_lock)
{
    static coro_cond init = CORO_COND_INIT(init);
    coro_cond fn, mz;
    char ref[sizeof trace], got[sizeof trace];
    memset(&fn, 0xA5, sizeof fn);
    coro_cond_init(&fn, NULL);
    memset(&mz, 0, sizeof mz);
    cond_scenario(&init, ref, sizeof ref);
    cr_assert_str_eq(ref, "n1 1:0L n4294967295 2:0L 9:0 ");
    cond_scenario(&fn, got, sizeof got);
    cr_assert_str_eq(got, ref);
    cr_assert_eq(coro_cond_lock(&z_cond), &z_cond.own);
    cond_scenario(&z_cond, got, sizeof got);
    cr_assert_str_eq(got, ref, "zeroed static condition: %s", got);
    cond_scenario(&mz, got, sizeof got);
    cr_assert_str_eq(got, ref, "memset condition: %s", got);
}

/* A clear flag: set by a callback at 5 wakes the waiter; a set before the
 * next wait is kept; the loop is disarmed afterwards (run_forever returns). */
struct zfw { coro_frame co; coro_flag *f; int id; coro_status st; };
static CORO_FN(zfw_task, struct zfw, self)
{
    CORO_BEGIN(self);
    CORO_CATCH(self, self->st, CORO_FLAG_WAIT(self, self->f));
    tr("%d:%d@%u ", self->id, self->st, (unsigned)coro_loop_time(&L));
    CORO_END(self);
}
static void set_flag_arg(void *arg) { coro_flag_set(&L, (coro_flag *)arg); }
static void flag_scenario(coro_flag *f, char *out, size_t n)
{
    struct zfw a = {.f = f, .id = 1}, b = {.f = f, .id = 2};
    setup();
    bystander();
    cr_assert_not(coro_flag_is_set(f));
    cr_assert_eq(coro_call_at(&L, NULL, 5, set_flag_arg, f), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, SPAWN(zfw_task, &a)), CORO_OK);
    cr_assert_not(coro_flag_is_set(f));
    coro_flag_set(&L, f);
    cr_assert_eq(coro_loop_run_task(&L, SPAWN(zfw_task, &b)), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_not(coro_flag_is_set(f));
    cr_assert(coro_waitq_empty(&f->q));
    snprintf(out, n, "%s", trace);
}

Test(sync, zeroed_flag_is_a_clear_flag)
{
    static coro_flag init = CORO_FLAG_INIT;
    coro_flag fn, mz;
    char ref[sizeof trace], got[sizeof trace];
    memset(&fn, 0xA5, sizeof fn);
    coro_flag_init(&fn);
    memset(&mz, 0, sizeof mz);
    flag_scenario(&init, ref, sizeof ref);
    cr_assert_str_eq(ref, "1:0@5 2:0@5 9:0 ");
    flag_scenario(&fn, got, sizeof got);
    cr_assert_str_eq(got, ref);
    flag_scenario(&z_flag, got, sizeof got);
    cr_assert_str_eq(got, ref, "zeroed static flag: %s", got);
    flag_scenario(&mz, got, sizeof got);
    cr_assert_str_eq(got, ref, "memset flag: %s", got);
}

/* The INIT macros and the init functions produce the all-zero representation
 * (a shared-lock condition and a bounded semaphore aside). */
Test(sync, init_macros_and_functions_are_all_zero)
{
    static const coro_lock l0 = CORO_LOCK_INIT;
    static const coro_event e0 = CORO_EVENT_INIT;
    static const coro_sem s0 = CORO_SEM_INIT(0);
    static const coro_cond c0 = CORO_COND_INIT(c0);
    static const coro_flag f0 = CORO_FLAG_INIT;
    static const unsigned char zero[sizeof(coro_flag) + sizeof(coro_cond)];
    coro_lock l;
    coro_event e;
    coro_sem s;
    coro_cond c;
    coro_flag f;
    cr_assert_eq(memcmp(&l0, zero, sizeof l0), 0);
    cr_assert_eq(memcmp(&e0, zero, sizeof e0), 0);
    cr_assert_eq(memcmp(&s0, zero, sizeof s0), 0);
    cr_assert_eq(memcmp(&c0, zero, sizeof c0), 0);
    cr_assert_eq(memcmp(&f0, zero, sizeof f0), 0);
    memset(&l, 0xA5, sizeof l);
    coro_lock_init(&l);
    cr_assert(l.holder == 0 && l.q.tail1 == 0 && l.handed == 0);
    memset(&e, 0xA5, sizeof e);
    coro_event_init(&e);
    cr_assert(e.q.tail1 == 0 && e.set == 0);
    memset(&s, 0xA5, sizeof s);
    cr_assert_eq(coro_sem_init(&s, 0), CORO_OK);
    cr_assert(s.value == 0 && s.nbound == 0 && s.q.tail1 == 0);
    memset(&c, 0xA5, sizeof c);
    coro_cond_init(&c, NULL);
    cr_assert(c.lock == NULL && c.own.holder == 0 && c.own.q.tail1 == 0 && c.own.handed == 0 && c.q.tail1 == 0);
    coro_cond_init(&c, &c.own);
    cr_assert(c.lock == NULL);
    memset(&f, 0xA5, sizeof f);
    coro_flag_init(&f);
    cr_assert(f.watch.poll.next == NULL && f.watch.poll.fn == NULL && f.q.tail1 == 0 && f.set == 0);
}

/* ---- Semaphore values that do not fit (issue 11, item 15) --------------------------- */
/* At run time: CORO_ERR_RANGE above CORO_SEM_MAX (it used to be stored
 * modulo 65,536 by the macro), CORO_ERR_INVALID below 0 (asyncio's
 * ValueError); either way the semaphore is unchanged. Constants that do not
 * fit CORO_SEM_INIT are a compile error: mk/sync.mk, sync-sem-range. */
Test(sync, sem_init_out_of_range_changes_nothing)
{
    static coro_sem big = CORO_SEM_INIT(65535), bbig = CORO_BOUNDED_SEM_INIT(65535);
    coro_sem s = CORO_BOUNDED_SEM_INIT(3), before;
    cr_assert(coro_sem_try_acquire(&s));
    before = s;
    cr_assert_eq(coro_sem_init(&s, 70000), CORO_ERR_RANGE);
    cr_assert_eq(coro_sem_init_bounded(&s, 70000), CORO_ERR_RANGE);
    cr_assert_eq(coro_sem_init(&s, (long)CORO_SEM_MAX + 1), CORO_ERR_RANGE);
    cr_assert_eq(coro_sem_init(&s, -1), CORO_ERR_INVALID);
    cr_assert_eq(coro_sem_init_bounded(&s, -70000), CORO_ERR_INVALID);
    cr_assert(s.value == before.value && s.nbound == before.nbound && s.q.tail1 == before.q.tail1);
    cr_assert_eq(coro_sem_value(&s), 2);
    cr_assert_eq(coro_sem_release(&s), CORO_OK);
    cr_assert_eq(coro_sem_release(&s), CORO_ERR_OVERFLOW); /* still bounded at 3 */
    cr_assert_eq(coro_sem_value(&big), 65535);
    cr_assert_eq(coro_sem_release(&big), CORO_ERR_OVERFLOW); /* never wraps */
    cr_assert_eq(coro_sem_value(&bbig), 65535);
    cr_assert_eq(coro_sem_init(&s, (long)CORO_SEM_MAX), CORO_OK);
    cr_assert_eq(coro_sem_value(&s), 65535);
}
