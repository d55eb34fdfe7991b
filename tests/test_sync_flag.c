/* Interrupt-safe flag (coro_sync.h): set before a wait and from a callback,
 * timeouts, the CHOSEN window, set from a thread and from a signal handler
 * while the loop idles (no lost wake-up), and the all-zero flag.
 * Part of the coro_sync.h suite split by object: shared setup, actors and
 * the all-zero scaffolding are in tests/sync_common.h. mk/host.mk runs every
 * tests/test_sync_*.c with NDEBUG too. */
#include "sync_common.h"

TestSuite(flag, .init = setup);

/* ---- Interrupt-safe flag ------------------------------------------------------------- */
static coro_flag gf;
struct fw { coro_frame co; int id, n, i, self_cancel; coro_tick tmo; coro_timeout to; coro_status st; };
static volatile int acks;
static sem_t ack_sem; /* the task posts each consumed edge; the setter blocks on it */
static CORO_FN(fw_task, struct fw, self)
{
    CORO_BEGIN(self);
    if (self->self_cancel) /* pending when the wait starts */
        coro_task_cancel(&L, coro_current_task(&L));
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

Test(flag, flag_set_before_wait_and_from_callback)
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

Test(flag, flag_timeout_disarms)
{
    struct fw a = {.id = 1, .tmo = 5};
    coro_flag_init(&gf);
    cr_assert_eq(coro_loop_run_task(&L, SPAWN(fw_task, &a)), CORO_OK);
    cr_assert_str_eq(trace, "1:2@5 ");
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK); /* no idle spin: not armed */
}

Test(flag, flag_chosen_cancel_keeps_edge) /* hostile 11 */
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
Test(flag, flag_from_thread_no_lost_wakeup, .timeout = 20)
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
Test(flag, flag_from_signal_handler_no_lost_wakeup, .timeout = 20)
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

Test(flag, zeroed_flag_is_a_clear_flag)
{
    static coro_flag init = CORO_FLAG_INIT;
    coro_flag fn, mz;
    memset(&fn, 0xA5, sizeof fn);
    coro_flag_init(&fn);
    memset(&mz, 0, sizeof mz);
    SAME_IN_EVERY_FORM(flag_scenario, "flag", "1:0@5 2:0@5 9:0 ", &init, &fn, &z_flag, &mz);
}

/* A wait on a clear flag started with a cancellation pending (the task
 * cancelled itself, as a task cancelled while ready would have one) ends
 * cancelled at once, the loop is not left armed (run_forever returns), and a
 * later set is kept for the next waiter. */
Test(flag, wait_started_with_a_pending_cancel_ends_cancelled, .timeout = 10)
{
    struct fw a = {.id = 1, .self_cancel = 1}, b = {.id = 2};
    coro_flag_init(&gf);
    SPAWN(fw_task, &a);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "1:1@0 ");
    cr_assert(coro_waitq_empty(&gf.q));
    coro_flag_set(&L, &gf);
    cr_assert_eq(coro_loop_run_task(&L, SPAWN(fw_task, &b)), CORO_OK);
    cr_assert_str_eq(trace, "1:1@0 2:0@0 ");
}

/* One set, two waiters: the poll wakes both, the first to run consumes the
 * edge, the other finds it gone and waits again (it is not woken for
 * nothing) until the next set; afterwards nothing is left waiting or armed. */
Test(flag, one_set_wakes_one_waiter_the_loser_waits_again, .timeout = 10)
{
    struct fw a = {.id = 1}, b = {.id = 2};
    coro_flag_init(&gf);
    SPAWN(fw_task, &a);
    SPAWN(fw_task, &b);
    cr_assert_eq(coro_call_at(&L, NULL, 5, set_flag, NULL), CORO_OK);
    cr_assert_eq(coro_call_at(&L, NULL, 9, set_flag, NULL), CORO_OK);
    run_until(7);
    cr_assert_str_eq(trace, "1:0@5 ");
    cr_assert_eq(coro_waitq_len(&L, &gf.q), 1);
    cr_assert_not(coro_flag_is_set(&gf));
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK); /* the old code left 2 waiting unwatched: deadlock */
    cr_assert_str_eq(trace, "1:0@5 2:0@9 ");
    cr_assert(coro_waitq_empty(&gf.q));
}
