/* Semaphore and BoundedSemaphore (coro_sync.h, asyncio-behaviours.md 1.10):
 * initial values, hand-off, FIFO, cancelled waiters, overflow, timeouts, the
 * all-zero semaphore and values that do not fit.
 * Part of the coro_sync.h suite split by object: shared setup, actors and
 * the all-zero scaffolding are in tests/sync_common.h. mk/host.mk runs every
 * tests/test_sync_*.c with NDEBUG too. */
#include "sync_common.h"

TestSuite(semaphore, .init = setup);

/* ---- Semaphore (1.10) ---------------------------------------------------------------- */
Test(semaphore, sem_init_values) /* 85, hostile 6 */
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
Test(semaphore, sem_release_hands_off) /* 86 */
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

Test(semaphore, sem_fifo_across_reacquires) /* 87 */
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
Test(semaphore, sem_cancelled_waiters_skipped) /* 88, 89 */
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
Test(semaphore, sem_chosen_cancelled_gives_permit_back) /* 90, hostile 11 */
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

Test(semaphore, sem_locked_while_waiters_queue) /* 91 */
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

Test(semaphore, sem_bounded_overflow) /* 92, hostile 5 */
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

Test(semaphore, sem_acquire_times_out_and_leaves_the_queue)
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

Test(semaphore, zeroed_semaphore_is_semaphore_0)
{
    static coro_sem init = CORO_SEM_INIT(0);
    coro_sem fn, mz;
    memset(&fn, 0xA5, sizeof fn);
    cr_assert_eq(coro_sem_init(&fn, 0), CORO_OK);
    memset(&mz, 0, sizeof mz);
    SAME_IN_EVERY_FORM(sem_scenario, "semaphore", "3!2 1+ 2+ 9:0 @100 v2", &init, &fn, &z_sem, &mz);
}

/* BoundedSemaphore(0) stays representable: every release is refused. */
Test(semaphore, bounded_semaphore_0_refuses_release)
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

/* ---- Semaphore values that do not fit (issue 11, item 15) --------------------------- */
/* At run time: CORO_ERR_RANGE above CORO_SEM_MAX (it used to be stored
 * modulo 65,536 by the macro), CORO_ERR_INVALID below 0 (asyncio's
 * ValueError); either way the semaphore is unchanged. Constants that do not
 * fit CORO_SEM_INIT are a compile error: mk/host.mk, sync-sem-range. */
Test(semaphore, sem_init_out_of_range_changes_nothing)
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

/* A task with a cancellation pending (it cancelled itself, as a task
 * cancelled while ready between two awaits would have one) whose next await waits on a semaphore at 0:
 * the acquire fails cancelled at once and does not queue, so the next release
 * goes to the count (value 1), not to the cancelled task. */
Test(semaphore, acquire_started_with_a_pending_cancel_fails_and_takes_nothing)
{
    struct sm a = {.s = &gs, .id = 1, .hold = 10, .self_cancel = 1};
    coro_sem_init(&gs, 0);
    SPAWN(sm_task, &a);
    step();
    cr_assert_str_eq(trace, "1!1 ");
    cr_assert(coro_waitq_empty(&gs.q));
    cr_assert_eq(coro_sem_release(&gs), CORO_OK);
    cr_assert_eq(coro_sem_value(&gs), 1);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "1!1 ");
}
