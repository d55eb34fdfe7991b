/* Condition (coro_sync.h, asyncio-behaviours.md 1.9): lock rules, notify
 * n / all in FIFO order, wait_for a predicate, cancellation re-holds the lock,
 * shared locks, timeouts, and the all-zero condition.
 * Part of the coro_sync.h suite split by object: shared setup, actors and
 * the all-zero scaffolding are in tests/sync_common.h. mk/host.mk runs every
 * tests/test_sync_*.c with NDEBUG too. */
#include "sync_common.h"

TestSuite(condition, .init = setup);

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

Test(condition, cond_notify_without_the_lock_is_refused) /* 76, 79 */
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
Test(condition, cond_wait_without_the_lock_is_refused) /* 76, 79 */
{
    struct cu u = {.c = &gc};
    coro_cond_init(&gc, NULL);
    cr_assert_eq(coro_loop_run_task(&L, SPAWN(cu_task, &u)), CORO_OK);
    cr_assert_eq(u.a, CORO_ERR_NOT_LOCKED);
    cr_assert_eq(u.b, CORO_ERR_NOT_LOCKED);
    cr_assert_eq(u.d, CORO_OK);
    cr_assert_not(coro_cond_locked(&gc));
}

Test(condition, cond_notify_fifo_n_and_lock_kept) /* 77, 78 */
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

Test(condition, cond_notify_all_fifo) /* 78 */
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
Test(condition, cond_wait_for_predicate) /* 79 */
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

Test(condition, cond_wait_cancel_reholds_lock) /* 80 */
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
Test(condition, cond_wait_cancel_contested) /* 81, 82 */
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
Test(condition, cond_cancelled_wakeup_forwarded) /* 83, hostile 11 */
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

Test(condition, cond_shares_a_lock_or_owns_one) /* 84 */
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

Test(condition, cond_timeout_in_block) /* 62: timeout re-holds the lock */
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

Test(condition, zeroed_condition_has_its_own_lock)
{
    static coro_cond init = CORO_COND_INIT(init);
    coro_cond fn, mz;
    memset(&fn, 0xA5, sizeof fn);
    coro_cond_init(&fn, NULL);
    memset(&mz, 0, sizeof mz);
    cr_assert_eq(coro_cond_lock(&z_cond), &z_cond.own);
    SAME_IN_EVERY_FORM(cond_scenario, "condition", "n1 1:0L n4294967295 2:0L 9:0 ", &init, &fn, &z_cond, &mz);
}

/* A task with a cancellation pending (it cancelled itself, as a task
 * cancelled while ready between two awaits would have one): its CORO_LOCK on
 * the free lock succeeds (no suspension, as asyncio's), then its wait on the condition ends cancelled at
 * once with the lock still held (never let go), and no notify can reach it. */
Test(condition, wait_started_with_a_pending_cancel_ends_cancelled_holding_the_lock)
{
    struct cw w = {.c = &gc, .id = 1, .self_cancel = 1};
    coro_cond_init(&gc, NULL);
    SPAWN(cw_task, &w);
    step();
    cr_assert_str_eq(trace, "1:1L ");
    cr_assert(coro_waitq_empty(&gc.q));
    cr_assert_not(coro_cond_locked(&gc)); /* released on the way out */
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
}

/* The notified waiter cancelled before it runs passes its notification on to
 * one waiter, the next in line: a third stays waiting (no extra wakeup). */
Test(condition, cancelled_wakeup_forwarded_to_one_waiter_only) /* 83 */
{
    struct cw w1 = {.c = &gc, .id = 1}, w2 = {.c = &gc, .id = 2}, w3 = {.c = &gc, .id = 3};
    coro_cond_init(&gc, NULL);
    victim = SPAWN(cw_task, &w1);
    SPAWN(cw_task, &w2);
    SPAWN(cw_task, &w3);
    step();
    cr_assert_eq(coro_waitq_len(&L, &gc.q), 3);
    cr_assert(coro_lock_try_acquire(coro_cond_lock(&gc)));
    cr_assert_eq(coro_call_soon(&L, NULL, notify_one, NULL), CORO_OK);
    cr_assert_eq(coro_call_soon(&L, NULL, cancel_victim, NULL), CORO_OK);
    cr_assert_eq(coro_call_soon(&L, NULL, release_cond, NULL), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_ERR_DEADLOCK); /* 3 waits for a notify that never comes */
    cr_assert_str_eq(trace, "1:1L 2:0L ");
    cr_assert_eq(coro_waitq_len(&L, &gc.q), 1);
    cr_assert_not(coro_cond_locked(&gc));
}
