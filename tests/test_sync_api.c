/* Every coro_sync.h object together: a randomized property test mixing all
 * primitives under cancellation and timeouts, object sizes, single argument
 * evaluation, and the INIT macros' all-zero representation.
 * Part of the coro_sync.h suite split by object: shared setup, actors and
 * the all-zero scaffolding are in tests/sync_common.h. mk/host.mk runs every
 * tests/test_sync_*.c with NDEBUG too. */
#include "sync_common.h"

TestSuite(api, .init = setup);

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

Test(api, property_random_tasks, .timeout = 60)
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
Test(api, objects_stay_within_their_size_budget)
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
Test(api, arguments_evaluated_once)
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



/* The INIT macros and the init functions produce the all-zero representation
 * (a shared-lock condition and a bounded semaphore aside). */
Test(api, init_macros_and_functions_are_all_zero)
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
