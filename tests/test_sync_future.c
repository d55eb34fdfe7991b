/* Future (coro_sync.h; asyncio.Future, loop.create_future): completion rules
 * (InvalidStateError: a done future refuses a second completion and keeps
 * its outcome), any number of awaiters woken FIFO, done callbacks through
 * call_soon in registration order (add after done, remove), cancellation of
 * an awaiting task reaching the future (and the shielded await that stops
 * it), timeouts, completion from a thread and from a signal handler, the
 * all-zero future. Each behaviour was checked on CPython 3.11; the asyncio
 * program is quoted above each test where it helps.
 * Part of the coro_sync.h suite split by object: shared setup is in
 * tests/sync_common.h. mk/host.mk runs every tests/test_sync_*.c with NDEBUG too.
 *
 * Trace tokens: <id>:<st>=<value>  awaiter <id>'s await ended with status
 * <st> (0 OK, 1 CANCELLED, 2 TIMEOUT, 32+ user errors) and value (0 unless
 * OK); cb<n> done callback n ran; soon a plain call_soon ran. */
#include "sync_common.h"

TestSuite(future, .init = setup);

static coro_future gfut;

/* An awaiter: awaits f (shielded, or within a timeout), logs the outcome. */
struct fa {
    coro_frame co;
    coro_future *f;
    int id, shield;
    coro_tick tmo;
    coro_timeout to;
    coro_status st;
    intptr_t v;
};
static CORO_FN(fa_task, struct fa, self)
{
    CORO_BEGIN(self);
    self->v = 0;
    if (self->tmo)
        CORO_CATCH(self, self->st, CORO_TIMEOUT(self, &self->to, self->tmo, CORO_FUTURE_AWAIT(self, self->f, &self->v)));
    else if (self->shield)
        CORO_CATCH(self, self->st, CORO_FUTURE_SHIELD(self, self->f, &self->v));
    else
        CORO_CATCH(self, self->st, CORO_FUTURE_AWAIT(self, self->f, &self->v));
    tr("%d:%d=%ld ", self->id, self->st, (long)self->v);
    CORO_RETURN(self, self->st);
    CORO_END(self);
}

static void cb1(void *arg) { (void)arg; tr("cb1 "); }
static void cb2(void *arg) { (void)arg; tr("cb2 "); }
static void soon(void *arg) { (void)arg; tr("soon "); }
static void set42(void *arg) { cr_assert_eq(coro_future_set_result((coro_future *)arg, 42), CORO_OK); }

/* fut.result() pending: InvalidStateError; set_result twice: InvalidStateError,
 * the first result kept; cancel() of a done future: False; set_exception
 * after a result: refused. */
Test(future, state_rules_refused_calls_change_nothing)
{
    intptr_t v = -1;
    coro_future_init(&gfut);
    cr_assert_not(coro_future_done(&gfut));
    cr_assert_eq(coro_future_result(&gfut, &v), CORO_ERR_STATE);
    cr_assert_eq(v, -1);
    cr_assert_eq(coro_future_set_error(&gfut, CORO_OK), CORO_ERR_INVALID); /* not an error */
    cr_assert_eq(coro_future_set_error(&gfut, CORO_PENDING), CORO_ERR_INVALID);
    cr_assert_not(coro_future_done(&gfut));
    cr_assert_eq(coro_future_set_result(&gfut, 1), CORO_OK);
    cr_assert_eq(coro_future_set_result(&gfut, 2), CORO_ERR_STATE);
    cr_assert_eq(coro_future_set_error(&gfut, CORO_ERR_USER), CORO_ERR_STATE);
    cr_assert_eq(coro_future_cancel(&gfut), 0);
    cr_assert(coro_future_done(&gfut));
    cr_assert_not(coro_future_cancelled(&gfut));
    cr_assert_eq(coro_future_result(&gfut, &v), CORO_OK);
    cr_assert_eq(v, 1);
    cr_assert_eq(coro_future_result(&gfut, NULL), CORO_OK);

    /* set_exception: result() raises it; cancel refused */
    coro_future_init(&gfut);
    cr_assert_eq(coro_future_set_error(&gfut, CORO_ERR_USER + 3), CORO_OK);
    cr_assert_eq(coro_future_set_result(&gfut, 9), CORO_ERR_STATE);
    cr_assert_eq(coro_future_cancel(&gfut), 0);
    cr_assert_eq(coro_future_result(&gfut, &v), CORO_ERR_USER + 3);
    cr_assert_eq(v, 1);

    /* set_exception(CancelledError()) is an error, not a cancellation (3.11) */
    coro_future_init(&gfut);
    cr_assert_eq(coro_future_set_error(&gfut, CORO_ERR_CANCELLED), CORO_OK);
    cr_assert(coro_future_done(&gfut));
    cr_assert_not(coro_future_cancelled(&gfut));

    /* cancel: True once, then False; result() raises CancelledError */
    coro_future_init(&gfut);
    cr_assert_eq(coro_future_cancel(&gfut), 1);
    cr_assert_eq(coro_future_cancel(&gfut), 0);
    cr_assert(coro_future_cancelled(&gfut));
    cr_assert_eq(coro_future_result(&gfut, &v), CORO_ERR_CANCELLED);
    cr_assert_eq(coro_future_set_result(&gfut, 5), CORO_ERR_STATE);
    cr_assert(coro_future_cancelled(&gfut));
}

/* Three tasks await one future; set_result from a callback at t=4 wakes them
 * in the order they started waiting, each with the value. */
Test(future, any_number_of_awaiters_fifo)
{
    struct fa a = {.f = &gfut, .id = 1}, b = {.f = &gfut, .id = 2}, c = {.f = &gfut, .id = 3};
    coro_future_init(&gfut);
    SPAWN(fa_task, &b);
    SPAWN(fa_task, &a);
    SPAWN(fa_task, &c);
    step();
    cr_assert_eq(coro_waitq_len(&L, &gfut.q), 3);
    cr_assert_eq(coro_call_at(&L, NULL, 4, set42, &gfut), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "2:0=42 1:0=42 3:0=42 ");
    cr_assert_eq(coro_loop_time(&L), 4);
}

/* Awaiting a done future does not suspend; an error set with set_error is
 * raised by the await (propagates unless caught); set_error with tasks
 * waiting needs the running loop (refused outside it, nothing changed). */
static void seterr(void *arg) { cr_assert_eq(coro_future_set_error((coro_future *)arg, CORO_ERR_USER + 1), CORO_OK); }
Test(future, await_done_future_and_error)
{
    struct fa a = {.f = &gfut, .id = 1}, b = {.f = &gfut, .id = 2};
    coro_task tb;
    coro_future_init(&gfut);
    cr_assert_eq(coro_future_set_result(&gfut, 7), CORO_OK);
    SPAWN(fa_task, &a);
    step(); /* one step: no suspension */
    cr_assert_str_eq(trace, "1:0=7 ");
    coro_future_init(&gfut);
    tb = SPAWN(fa_task, &b);
    step();
    cr_assert_eq(coro_future_set_error(&gfut, CORO_ERR_USER + 1), CORO_ERR_STATE); /* waiter, no loop */
    cr_assert_not(coro_future_done(&gfut));
    cr_assert_eq(coro_call_soon(&L, NULL, seterr, &gfut), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, tb), CORO_ERR_USER + 1);
    cr_assert_str_eq(trace, "1:0=7 2:33=0 ");
    cr_assert_eq(coro_task_status(&L, tb), CORO_ERR_USER + 1);
}

/* Done callbacks (asyncio):
 *     fut.add_done_callback(cb1); fut.add_done_callback(cb2)
 *     fut.set_result(5); loop.call_soon(soon)     -> cb1 cb2 soon
 * Never run inside set_result; one added after completion is scheduled
 * then (after soon); remove_done_callback removes every registration of fn
 * and returns the count, 0 once done (they are scheduled). */
static coro_future_cb n1, n2, n3, n4;
static void add_late(void *arg)
{
    (void)arg;
    cr_assert_eq(coro_future_set_result(&gfut, 5), CORO_OK);
    cr_assert_str_eq(trace, ""); /* not run synchronously */
    cr_assert_eq(coro_call_soon(&L, NULL, soon, NULL), CORO_OK);
    cr_assert_eq(coro_future_add_done_callback(&gfut, &n4, cb1, NULL), CORO_OK); /* done: scheduled now */
    cr_assert_eq(coro_future_remove_done_callback(&gfut, cb1), 0);
}
Test(future, done_callbacks_call_soon_in_registration_order)
{
    coro_future_init(&gfut);
    cr_assert_eq(coro_future_add_done_callback(&gfut, &n1, cb1, NULL), CORO_OK);
    cr_assert_eq(coro_future_add_done_callback(&gfut, &n2, cb2, NULL), CORO_OK);
    cr_assert_eq(coro_future_add_done_callback(&gfut, &n3, cb2, NULL), CORO_OK);
    cr_assert_eq(coro_future_add_done_callback(&gfut, &n4, NULL, NULL), CORO_ERR_INVALID);
    cr_assert_eq(coro_future_remove_done_callback(&gfut, cb2), 2);
    cr_assert_eq(coro_future_remove_done_callback(&gfut, cb2), 0);
    cr_assert_eq(coro_future_add_done_callback(&gfut, &n2, cb2, NULL), CORO_OK); /* a removed node is free */
    cr_assert_eq(coro_call_soon(&L, NULL, add_late, NULL), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "cb1 cb2 soon cb1 ");
}

/* The awaiting tasks and the callbacks: asyncio runs them in one
 * registration order; coro runs the callbacks (one call_soon) before the
 * awaiting tasks wake. Callbacks registered before tasks await (the usual
 * order) give asyncio's order exactly:
 *     fut.add_done_callback(cb1); task A awaits; fut.set_result(1)  -> cb1 A */
Test(future, callbacks_then_awaiters)
{
    struct fa a = {.f = &gfut, .id = 1};
    coro_future_init(&gfut);
    cr_assert_eq(coro_future_add_done_callback(&gfut, &n1, cb1, NULL), CORO_OK);
    SPAWN(fa_task, &a);
    step();
    cr_assert_eq(coro_call_soon(&L, NULL, set42, &gfut), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "cb1 1:0=42 ");
}

/* Cancellation reaches the future:
 *     A, B, C await fut; B.cancel()  -> fut.cancelled(); A, B, C all get
 *     CancelledError; the done callbacks run.
 * (asyncio cancels the future inside B.cancel(); coro when B runs, its next
 * step: B is then the first to report.) */
Test(future, cancelling_an_awaiter_cancels_the_future)
{
    struct fa a = {.f = &gfut, .id = 1}, b = {.f = &gfut, .id = 2}, c = {.f = &gfut, .id = 3};
    coro_task tb;
    coro_future_init(&gfut);
    cr_assert_eq(coro_future_add_done_callback(&gfut, &n1, cb1, NULL), CORO_OK);
    SPAWN(fa_task, &a);
    tb = SPAWN(fa_task, &b);
    SPAWN(fa_task, &c);
    step();
    cr_assert_eq(coro_task_cancel(&L, tb), 1);
    step();
    cr_assert(coro_future_cancelled(&gfut));
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "2:1=0 cb1 1:1=0 3:1=0 ");
    cr_assert(coro_task_cancelled(&L, tb));
}

/* A pending cancellation reaches the future at the await:
 *     asyncio.current_task().cancel(); await fut   -> fut.cancelled() */
struct selfc { coro_frame co; coro_future *f; coro_status st; };
static CORO_FN(selfc_task, struct selfc, self)
{
    CORO_BEGIN(self);
    coro_task_cancel(&L, coro_current_task(&L));
    CORO_CATCH(self, self->st, CORO_FUTURE_AWAIT(self, self->f, NULL));
    tr("s:%d ", self->st);
    CORO_END(self);
}
Test(future, pending_cancellation_cancels_the_future)
{
    struct selfc s = {.f = &gfut};
    coro_future_init(&gfut);
    cr_assert_eq(coro_loop_run_task(&L, SPAWN(selfc_task, &s)), CORO_OK);
    cr_assert_str_eq(trace, "s:1 ");
    cr_assert(coro_future_cancelled(&gfut));
}

/* Completed, then the awaiting task cancelled before it ran (asyncio: the
 * task gets CancelledError, the future keeps its result). */
static void set_then_cancel(void *arg)
{
    (void)arg;
    cr_assert_eq(coro_future_set_result(&gfut, 7), CORO_OK);
    cr_assert_eq(coro_task_cancel(&L, victim), 1);
}
Test(future, completed_then_awaiter_cancelled_keeps_result)
{
    struct fa a = {.f = &gfut, .id = 1}, b = {.f = &gfut, .id = 2};
    intptr_t v = 0;
    coro_future_init(&gfut);
    victim = SPAWN(fa_task, &a);
    SPAWN(fa_task, &b);
    step();
    cr_assert_eq(coro_call_soon(&L, NULL, set_then_cancel, NULL), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "1:1=0 2:0=7 ");
    cr_assert_eq(coro_future_result(&gfut, &v), CORO_OK);
    cr_assert_eq(v, 7);
}

/* await asyncio.shield(fut): the cancelled awaiter reports CancelledError,
 * the future stays pending and its other awaiters get the result later. */
Test(future, shielded_await_leaves_future_pending)
{
    struct fa a = {.f = &gfut, .id = 1, .shield = 1}, b = {.f = &gfut, .id = 2};
    coro_task ta;
    coro_future_init(&gfut);
    ta = SPAWN(fa_task, &a);
    SPAWN(fa_task, &b);
    step();
    cr_assert_eq(coro_task_cancel(&L, ta), 1);
    step();
    cr_assert_str_eq(trace, "1:1=0 ");
    cr_assert_not(coro_future_done(&gfut));
    cr_assert_eq(coro_call_at(&L, NULL, 3, set42, &gfut), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "1:1=0 2:0=42 ");
}

/* wait_for(fut, 0.005) / async with timeout(): TimeoutError, and the future
 * is cancelled. */
Test(future, timeout_cancels_the_future)
{
    struct fa a = {.f = &gfut, .id = 1, .tmo = 5};
    coro_future_init(&gfut);
    cr_assert_eq(coro_loop_run_task(&L, SPAWN(fa_task, &a)), CORO_ERR_TIMEOUT);
    cr_assert_str_eq(trace, "1:2=0 ");
    cr_assert_eq(coro_loop_time(&L), 5);
    cr_assert(coro_future_cancelled(&gfut));
}

/* cancel() wakes the awaiters with CancelledError and runs the callbacks. */
static void cancel_fut(void *arg) { cr_assert_eq(coro_future_cancel((coro_future *)arg), 1); }
Test(future, cancel_wakes_awaiters_and_runs_callbacks)
{
    struct fa a = {.f = &gfut, .id = 1};
    coro_task ta;
    coro_future_init(&gfut);
    cr_assert_eq(coro_future_add_done_callback(&gfut, &n1, cb1, NULL), CORO_OK);
    ta = SPAWN(fa_task, &a);
    step();
    cr_assert_eq(coro_call_soon(&L, NULL, cancel_fut, &gfut), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "cb1 1:1=0 ");
    cr_assert(coro_task_cancelled(&L, ta));
}

/* A full callback table refuses the completion, nothing changed: the
 * awaiter still waits, the callback is still registered. */
static void fill_and_set(void *arg)
{
    coro_handle h[CORO_MAX_CALLBACKS];
    int i, n = 0;
    (void)arg;
    for (i = 0; i < CORO_MAX_CALLBACKS; i++)
        if (coro_call_later(&L, &h[i], 100, soon, NULL) == CORO_OK)
            n++;
    cr_assert_eq(coro_future_set_result(&gfut, 3), CORO_ERR_NO_SLOT);
    cr_assert_eq(coro_future_cancel(&gfut), 0);
    cr_assert_not(coro_future_done(&gfut));
    for (i = 0; i < n; i++)
        coro_handle_cancel(&L, h[i]);
    cr_assert_eq(coro_future_set_result(&gfut, 3), CORO_OK);
}
Test(future, no_callback_slot_refuses_completion)
{
    struct fa a = {.f = &gfut, .id = 1};
    coro_future_init(&gfut);
    cr_assert_eq(coro_future_add_done_callback(&gfut, &n1, cb1, NULL), CORO_OK);
    SPAWN(fa_task, &a);
    step();
    cr_assert_eq(coro_call_soon(&L, NULL, fill_and_set, NULL), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "cb1 1:0=3 ");
}

/* ---- completion from a thread and a signal handler ------------------------------- */
/* loop.call_soon_threadsafe(fut.set_result, i) from another thread, round
 * after round: the task makes a fresh future, tells the thread, awaits it.
 * The loop idles (armed by the watch) until the thread's wakeup: a lost
 * wakeup hangs (the timeout fails the test). */
#define TS_ROUNDS 2000
static coro_future tsf;
static sem_t ready_sem, done_sem; /* the task made a fresh future / the thread is done with it */
static volatile int use_sig;
static pthread_t loop_thread;
struct tsw { coro_frame co; int i; intptr_t v; long sum; coro_status st; };
static CORO_FN(tsw_task, struct tsw, self)
{
    CORO_BEGIN(self);
    for (self->i = 0; self->i < TS_ROUNDS; self->i++) {
        coro_future_init_threadsafe(&tsf);
        sem_post(&ready_sem);
        if (self->i & 1) /* half the rounds: the completion may land before the await */
            CORO_YIELD(self);
        CORO_FUTURE_AWAIT(self, &tsf, &self->v);
        if (!use_sig) /* the thread's second completion was refused before the next round */
            while (sem_wait(&done_sem) != 0)
                ;
        if (self->v != self->i)
            CORO_RETURN(self, CORO_ERR_USER);
        self->sum += self->v;
    }
    CORO_END(self);
}
static void on_sig(int sig)
{
    static int n;
    (void)sig;
    coro_future_set_result_threadsafe(&L, &tsf, n++); /* async-signal-safe: an atomic claim, stores, a wakeup */
}
static void *ts_thread(void *arg)
{
    int i;
    (void)arg;
    for (i = 0; i < TS_ROUNDS; i++) {
        while (sem_wait(&ready_sem) != 0)
            ;
        if (use_sig) {
            pthread_kill(loop_thread, SIGUSR1);
        } else {
            cr_assert_eq(coro_future_set_result_threadsafe(&L, &tsf, i), 1);
            cr_assert_eq(coro_future_set_result_threadsafe(&L, &tsf, -1), 0); /* first completion wins */
            sem_post(&done_sem);
        }
    }
    return NULL;
}
static void run_threadsafe(int sig)
{
    struct tsw w;
    pthread_t th;
    memset(&w, 0, sizeof w);
    use_sig = sig;
    sem_init(&ready_sem, 0, 0);
    sem_init(&done_sem, 0, 0);
    loop_thread = pthread_self();
    cr_assert_eq(pthread_create(&th, NULL, ts_thread, NULL), 0);
    cr_assert_eq(coro_loop_run_task(&L, SPAWN(tsw_task, &w)), CORO_OK);
    pthread_join(th, NULL);
    cr_assert_eq(w.sum, (long)TS_ROUNDS * (TS_ROUNDS - 1) / 2);
    cr_assert_not(coro_watch_active(&tsf.watch));
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK); /* disarmed: nothing left */
}
Test(future, completed_from_a_thread, .timeout = 20) { run_threadsafe(0); }
Test(future, completed_from_a_signal_handler, .timeout = 20)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sig;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    cr_assert_eq(sigaction(SIGUSR1, &sa, NULL), 0);
    run_threadsafe(1);
}

/* An interrupt's completion and the loop's: the first wins. Posted (not yet
 * carried out) it already refuses set_result; done() sees it at once from
 * the loop; a future with only a callback (no awaiter) is watched too. */
static void post_then_set(void *arg)
{
    (void)arg;
    cr_assert_eq(coro_future_set_result_threadsafe(&L, &tsf, 11), 1);
    cr_assert_eq(coro_future_set_result(&tsf, 12), CORO_ERR_STATE);
    cr_assert_str_eq(trace, "");
}
static void add_cb2(void *arg) { (void)arg; cr_assert_eq(coro_future_add_done_callback(&tsf, &n2, cb2, NULL), CORO_OK); }
static void post_only(void *arg) { (void)arg; cr_assert_eq(coro_future_set_error_threadsafe(&L, &tsf, CORO_ERR_USER), 1); }
Test(future, threadsafe_first_completion_wins)
{
    intptr_t v = 0;
    coro_future_init_threadsafe(&tsf);
    cr_assert_eq(coro_future_add_done_callback(&tsf, &n1, cb1, NULL), CORO_OK);
    cr_assert_eq(coro_call_soon(&L, NULL, post_then_set, NULL), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "cb1 ");
    cr_assert_eq(coro_future_result(&tsf, &v), CORO_OK);
    cr_assert_eq(v, 11);
    cr_assert_eq(coro_future_set_result_threadsafe(&L, &tsf, 13), 0);
    coro_future_init_threadsafe(&tsf);
    cr_assert_eq(coro_future_set_error_threadsafe(&L, &tsf, CORO_OK), 0); /* not an error: refused */
    cr_assert_eq(coro_future_set_error_threadsafe(&L, &tsf, CORO_PENDING), 0);
    cr_assert_not(coro_future_done(&tsf));

    /* only a callback waits (added inside the loop): the loop is armed and
     * polls the future; the interrupt's completion runs the callback */
    trace[0] = 0;
    coro_future_init_threadsafe(&tsf);
    cr_assert_eq(coro_call_soon(&L, NULL, add_cb2, NULL), CORO_OK);
    cr_assert_eq(coro_call_later(&L, NULL, 6, post_only, NULL), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "cb2 ");
    cr_assert_eq(coro_loop_time(&L), 6);
    cr_assert_eq(coro_future_result(&tsf, &v), CORO_ERR_USER);
    cr_assert_not(coro_watch_active(&tsf.watch));
}

/* Sizes (issue 14's closing note): a future is five pointers' worth on
 * x86-64 (40 B; 12 B on AVR, 20 on Cortex-M0), a callback node three. */
Test(future, sizes)
{
    cr_log_info("sizeof future %zu future_cb %zu", sizeof(coro_future), sizeof(coro_future_cb));
    cr_assert_leq(sizeof(coro_future), 2 * sizeof(void *) + sizeof(void *) + sizeof(intptr_t) + 4 * sizeof(coro_index) + 4);
    cr_assert_eq(sizeof(coro_future_cb), 3 * sizeof(void *));
}

/* ---- the all-zero future ------------------------------------------------------------ */
/* `static coro_future f;` (no initializer), CORO_FUTURE_INIT and memset are
 * the same pending future. */
static coro_future z_future;
static void zf_scenario(coro_future *f, char *out, size_t n)
{
    struct fa a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    a.f = b.f = f;
    a.id = 1;
    b.id = 2;
    setup();
    SPAWN(fa_task, &a);
    SPAWN(fa_task, &b);
    step();
    cr_assert_eq(coro_call_at(&L, NULL, 2, set42, f), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    tr("@%u", (unsigned)coro_loop_time(&L));
    snprintf(out, n, "%s", trace);
}
Test(future, all_zero_future_is_pending)
{
    static coro_future init = CORO_FUTURE_INIT, fn, mz;
    memset(&fn, 0xA5, sizeof fn);
    coro_future_init(&fn);
    memset(&mz, 0, sizeof mz);
    SAME_IN_EVERY_FORM(zf_scenario, "future", "1:0=42 2:0=42 @2", &init, &fn, &z_future, &mz);
}

/* A completion refused because another completer (a thread or an interrupt
 * between its claim and its post; white box: the state it leaves) holds the
 * future: set_result / cancel change nothing, the done callbacks do not run
 * then, and run once when the future does complete. Issue 18. */
static void complete_while_claimed(void *arg)
{
    (void)arg;
    gfut.state = CORO__FUT_CLAIMED;
    cr_assert_eq(coro_future_set_result(&gfut, 7), CORO_ERR_STATE);
    cr_assert_eq(coro_future_cancel(&gfut), 0);
    tr("refused ");
}
static void claim_released(void *arg)
{
    (void)arg;
    gfut.state = CORO__FUT_PENDING;
    cr_assert_eq(coro_future_set_result(&gfut, 8), CORO_OK);
}
Test(future, refused_completion_runs_no_callback)
{
    intptr_t v = 0;
    coro_future_init(&gfut);
    cr_assert_eq(coro_future_add_done_callback(&gfut, &n1, cb1, NULL), CORO_OK);
    cr_assert_eq(coro_future_add_done_callback(&gfut, &n2, cb2, NULL), CORO_OK);
    cr_assert_eq(coro_call_soon(&L, NULL, complete_while_claimed, NULL), CORO_OK);
    cr_assert_eq(coro_call_later(&L, NULL, 10, claim_released, NULL), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "refused cb1 cb2 ");
    cr_assert_eq(coro_future_result(&gfut, &v), CORO_OK);
    cr_assert_eq(v, 8);
}
