/* Lock (coro_sync.h, asyncio-behaviours.md 1.7): FIFO hand-over, no queue
 * jumping, release rules, cancellation races and the CHOSEN window, the
 * hand-off window, timeouts, and the all-zero lock.
 * Part of the coro_sync.h suite split by object: shared setup, actors and
 * the all-zero scaffolding are in tests/sync_common.h. mk/host.mk runs every
 * tests/test_sync_*.c with NDEBUG too. */
#include "sync_common.h"

TestSuite(lock, .init = setup);

/* ---- Lock (1.7) ------------------------------------------------------------------ */
Test(lock, lock_fifo_and_release_wakes_one) /* 63 */
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

Test(lock, lock_no_queue_jumping) /* 64 */
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
Test(lock, lock_release_hands_over_no_jump) /* 64 */
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

Test(lock, lock_release_unlocked) /* 65, hostile 4 */
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
Test(lock, lock_has_no_owner)
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

Test(lock, lock_cancelled_waiter_leaves) /* 67 */
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
Test(lock, lock_cancel_race) /* 68, 69 */
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

Test(lock, lock_chosen_waiter_cancelled_passes_on) /* 70, hostile 11 */
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

Test(lock, lock_scoped_release_on_every_exit) /* 71 */
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

Test(lock, lock_acquire_times_out_and_leaves_the_queue) /* timeouts on every wait */
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
Test(lock, lock_timeout_in_chosen_window)
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

Test(lock, lock_release_by_other_task_in_handoff_window_is_refused)
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

Test(lock, lock_double_release_by_holder_is_refused_in_handoff_window)
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
Test(lock, lock_handoff_window_cancelled_waiter_passes_on)
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
Test(lock, lock_release_by_other_task_of_held_lock_stays_legal)
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

Test(lock, zeroed_lock_is_a_free_lock)
{
    static coro_lock init = CORO_LOCK_INIT;
    coro_lock fn, mz;
    memset(&fn, 0xA5, sizeof fn);
    coro_lock_init(&fn);
    memset(&mz, 0, sizeof mz);
    SAME_IN_EVERY_FORM(lock_scenario, "lock", "1+ 3!2 1- 2+ 2- 4+ 4- 9:0 ", &init, &fn, &z_lock, &mz);
}

/* A task with a cancellation pending (it cancelled itself, as a task
 * cancelled while ready between two awaits would have one) whose next await waits for a held lock: the
 * acquire fails cancelled at once, the holder keeps the lock, nobody queues,
 * and the holder's release frees it (nobody to hand it to). */
Test(lock, acquire_started_with_a_pending_cancel_fails_and_leaves_the_lock)
{
    static coro_lock l = CORO_LOCK_INIT;
    struct lk a = {.l = &l, .id = 1, .hold = 10}, b = {.l = &l, .id = 2, .hold = 10, .self_cancel = 1};
    coro_task ta = SPAWN(lk_task, &a);
    SPAWN(lk_task, &b);
    step();
    cr_assert_str_eq(trace, "1+ 2!1 ");
    cr_assert_eq(coro_lock_holder(&l), ta);
    cr_assert(coro_waitq_empty(&l.q));
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "1+ 2!1 1- ");
    cr_assert_not(coro_lock_locked(&l));
    cr_assert_eq(coro_lock_holder(&l), 0);
}
