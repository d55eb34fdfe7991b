/* The SPSC ring (coro_queue.h): basics and index wrap, a get that waits for
 * an interrupt and times out, the CHOSEN window, and a ring fed by a thread
 * and by a signal handler.
 * Part of the coro_queue.h suite split by subject: shared setup and the
 * queue-operation helpers are in tests/queue_common.h. mk/host.mk runs every
 * tests/test_queue_*.c again on four build variants. */
/* The "interrupt" of the race test below fires where the consumer masks
 * interrupts (a port's CORO_CRITICAL_ENTER), when armed. */
static void ring_race_isr(void);
#define CORO_CRITICAL_ENTER() ring_race_isr()
#define CORO_CRITICAL_EXIT() ((void)0)
#include "queue_common.h"

TestSuite(ring, .init = setup);

/* ---- the SPSC ring ---------------------------------------------------------------- */
static coro_ring R;

Test(ring, ring_basics_and_index_wrap)
{
    static uint16_t rb[8];
    uint16_t v, i;
    long n;
    cr_assert_eq(coro_ring_init(&R, rb, 8, sizeof rb[0]), CORO_OK);
    cr_assert_eq(coro_ring_try_get(&R, &v), CORO_ERR_EMPTY);
    for (i = 0; i < 8; i++)
        cr_assert_eq(coro_ring_put(&R, &i), CORO_OK);
    cr_assert_eq(coro_ring_put(&R, &i), CORO_ERR_FULL);
    cr_assert_eq(coro_ring_count(&R), 8);
    for (i = 0; i < 8; i++) {
        cr_assert_eq(coro_ring_try_get(&R, &v), CORO_OK);
        cr_assert_eq(v, i);
    }
    for (n = 0; n < 70000; n++) { /* the 16-bit indices wrap */
        i = (uint16_t)n;
        cr_assert_eq(coro_ring_put(&R, &i), CORO_OK);
        if (n % 3 == 0)
            cr_assert_eq(coro_ring_put(&R, &i), CORO_OK);
        cr_assert_eq(coro_ring_try_get(&R, &v), CORO_OK);
        cr_assert_eq(v, i);
        if (n % 3 == 0) {
            cr_assert_eq(coro_ring_try_get(&R, &v), CORO_OK);
            cr_assert_eq(v, i);
        }
    }
    cr_assert_eq(coro_ring_count(&R), 0);
    cr_assert_eq(L.woken, 0); /* no task waited: the producer never woke the loop */
}

/* A simulated interrupt (a timer callback) feeds the ring; a task awaits it. */
static const char *isr_msg;
static void fake_isr(void *arg)
{
    (void)arg;
    coro_ring_put(&R, isr_msg++);
    if (*isr_msg)
        coro_call_later(&L, NULL, 3, fake_isr, NULL);
}

struct reader { coro_frame co; char c; char line[32]; int n; coro_status st; coro_timeout to; };
static CORO_FN(reader_fn, struct reader, self)
{
    CORO_BEGIN(self);
    for (;;) {
        CORO_CATCH(self, self->st, CORO_TIMEOUT(self, &self->to, 20, CORO_RING_GET(self, &R, &self->c)));
        if (self->st)
            break;
        self->line[self->n++] = self->c;
    }
    CORO_END(self);
}

Test(ring, ring_get_waits_for_interrupt_and_times_out)
{
    static char rb[4];
    static struct reader r;
    memset(&r, 0, sizeof r);
    cr_assert_eq(coro_ring_init(&R, rb, 4, 1), CORO_OK);
    isr_msg = "hello, ring";
    coro_call_later(&L, NULL, 5, fake_isr, NULL);
    cr_assert_eq(coro_loop_run_until_complete(&L, reader_fn, &r), CORO_OK);
    cr_assert_str_eq(r.line, "hello, ring");
    cr_assert_eq(r.st, CORO_ERR_TIMEOUT);
    cr_assert_eq(coro_loop_time(&L), 5 + 3 * 10 + 20, "t=%u", (unsigned)coro_loop_time(&L));
    /* the waiter unhooked itself: no poll hook, no arm left */
    cr_assert_null(L.polls);
    cr_assert_eq(L.armed, 0);
}

/* A ring waiter woken and then cancelled before it runs leaves the element. */
struct rscript { coro_frame co; struct reader r[2]; coro_task t[2]; char c; coro_status st; };
static void put_x(void *arg) { coro_ring_put(&R, arg); }
static CORO_FN(ring_chosen_script, struct rscript, self)
{
    CORO_BEGIN(self);
    coro_spawn(&L, &self->t[0], reader_fn, &self->r[0]);
    coro_spawn(&L, &self->t[1], reader_fn, &self->r[1]);
    CORO_YIELD(self);
    self->c = 'x';
    coro_ring_put(&R, &self->c);   /* wakes the loop; the poll chooses reader 0 ... */
    CORO_YIELD(self);
    coro_task_cancel(&L, self->t[0]); /* ... cancelled before it runs */
    CORO_YIELD(self);
    CORO_YIELD(self);
    cr_assert_str_eq(self->r[0].line, "");
    cr_assert_eq(self->r[0].st, CORO_ERR_CANCELLED);
    cr_assert_str_eq(self->r[1].line, "x");
    coro_task_cancel(&L, self->t[1]);
    CORO_CATCH(self, self->st, CORO_AWAIT_TASK(self, self->t[1]));
    cr_assert_null(L.polls);
    cr_assert_eq(L.armed, 0);
    CORO_END(self);
}
Test(ring, ring_chosen_then_cancelled_leaves_the_element)
{
    static char rb[4];
    static struct rscript s;
    memset(&s, 0, sizeof s);
    (void)put_x;
    cr_assert_eq(coro_ring_init(&R, rb, 4, 1), CORO_OK);
    cr_assert_eq(coro_loop_run_until_complete(&L, ring_chosen_script, &s), CORO_OK);
}

/* A second thread produces; the task consumes; nothing lost or reordered. */
#define NTHREAD 200000u
static uint32_t tbuf[64];
static void *thread_producer(void *arg)
{
    uint32_t i = 0;
    (void)arg;
    while (i < NTHREAD) {
        if (coro_ring_put(&R, &i) == CORO_OK)
            i++;
    }
    return NULL;
}

struct tcons { coro_frame co; uint32_t v, k; unsigned bad; };
static CORO_FN(tcons_fn, struct tcons, self)
{
    CORO_BEGIN(self);
    for (self->k = 0; self->k < NTHREAD; self->k++) {
        CORO_RING_GET(self, &R, &self->v);
        if (self->v != self->k)
            self->bad++;
    }
    CORO_END(self);
}

Test(ring, ring_fed_by_a_thread)
{
    static struct tcons c;
    pthread_t th;
    memset(&c, 0, sizeof c);
    cr_assert_eq(coro_ring_init(&R, tbuf, 64, sizeof tbuf[0]), CORO_OK);
    cr_assert_eq(pthread_create(&th, NULL, thread_producer, NULL), 0);
    cr_assert_eq(coro_loop_run_until_complete(&L, tcons_fn, &c), CORO_OK);
    pthread_join(th, NULL);
    cr_assert_eq(c.bad, 0);
    cr_assert_eq(c.k, NTHREAD);
    cr_assert_eq(coro_ring_count(&R), 0);
}

/* A signal handler (the closest thing to an ISR on a host) produces bytes,
 * interrupting the loop anywhere: an interval timer raises SIGALRM every
 * 100 us; each signal puts up to 16 bytes, stopping at the first overrun. */
#define NSIG_BYTES 6000u
static unsigned char sbuf[16];
static volatile unsigned next_byte, overruns;
static void on_signal(int sig)
{
    int j;
    (void)sig;
    for (j = 0; j < 16 && next_byte < NSIG_BYTES; j++) {
        unsigned char c = (unsigned char)next_byte;
        if (coro_ring_put(&R, &c) != CORO_OK) {
            overruns++;
            break;
        }
        next_byte++;
    }
}

struct scons { coro_frame co; unsigned char c; unsigned k, bad; };
static CORO_FN(scons_fn, struct scons, self)
{
    CORO_BEGIN(self);
    for (self->k = 0; self->k < NSIG_BYTES; self->k++) {
        CORO_RING_GET(self, &R, &self->c);
        if (self->c != (unsigned char)self->k)
            self->bad++;
    }
    CORO_END(self);
}

Test(ring, ring_fed_by_a_signal_handler)
{
    static struct scons c;
    struct sigaction sa;
    struct itimerval it = {{0, 100}, {0, 100}}, off = {{0, 0}, {0, 0}};
    memset(&c, 0, sizeof c);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    cr_assert_eq(sigaction(SIGALRM, &sa, NULL), 0);
    cr_assert_eq(coro_ring_init(&R, sbuf, 16, 1), CORO_OK);
    cr_assert_eq(setitimer(ITIMER_REAL, &it, NULL), 0);
    cr_assert_eq(coro_loop_run_until_complete(&L, scons_fn, &c), CORO_OK);
    setitimer(ITIMER_REAL, &off, NULL);
    cr_assert_eq(c.bad, 0);
    cr_assert_eq(c.k, NSIG_BYTES);
    cr_assert_eq(next_byte, NSIG_BYTES);
    cr_log_info("signal ring: %u bytes, %u overruns (retried)", NSIG_BYTES, overruns);
}

/* A get on an empty ring started with a cancellation pending ends cancelled
 * at once: no waiter, no poll hook, the loop not armed, nothing published to
 * the producer (its put wakes nobody), and the element put next is there. */
static CORO_FN(ring_cancelled_at_start_script, struct rscript, self)
{
    CORO_BEGIN(self);
    self->c = '?';
    cr_assert(coro_task_cancel(&L, coro_current_task(&L)));
    CORO_CATCH(self, self->st, CORO_RING_GET(self, &R, &self->c));
    cr_assert_eq(self->st, CORO_ERR_CANCELLED);
    cr_assert_eq(self->c, '?');
    cr_assert(coro_waitq_empty(&R.waiters));
    cr_assert_null(L.polls);
    cr_assert_eq(L.armed, 0);
    cr_assert_null(R.loop);
    cr_assert_eq(coro_ring_put(&R, "y"), CORO_OK);
    cr_assert_eq(coro_ring_count(&R), 1);
    CORO_CATCH(self, self->st, CORO_RING_GET(self, &R, &self->c));
    cr_assert_eq(self->st, CORO_OK);
    cr_assert_eq(self->c, 'y');
    CORO_END(self);
}
Test(ring, get_started_with_a_pending_cancel_ends_cancelled)
{
    static char rb[4];
    static struct rscript s;
    memset(&s, 0, sizeof s);
    cr_assert_eq(coro_ring_init(&R, rb, 4, 1), CORO_OK);
    cr_assert_eq(coro_loop_run_until_complete(&L, ring_cancelled_at_start_script, &s), CORO_OK);
}

/* The consumer's race: the producer's element lands after the consumer found
 * the ring empty but before it published itself as waiting (here: an
 * "interrupt" at the consumer's first critical section after the failed
 * try). The producer saw nobody to wake, so the consumer must see the element
 * and wake its own loop: the get ends with it at once, not at its timeout. */
static int race_armed;
static void ring_race_isr(void)
{
    if (race_armed) {
        race_armed = 0;
        cr_assert_null(R.loop); /* not published yet: the put wakes nobody */
        cr_assert_eq(coro_ring_put(&R, "z"), CORO_OK);
    }
}
static CORO_FN(ring_race_script, struct rscript, self)
{
    CORO_BEGIN(self);
    race_armed = 1;
    CORO_CATCH(self, self->st, CORO_TIMEOUT(self, &self->r[0].to, 100, CORO_RING_GET(self, &R, &self->c)));
    cr_assert_eq(race_armed, 0);
    cr_assert_eq(self->st, CORO_OK);
    cr_assert_eq(self->c, 'z');
    cr_assert_eq(coro_loop_time(&L), 0);
    CORO_END(self);
}
Test(ring, element_landing_before_the_consumer_waits_is_not_missed)
{
    static char rb[4];
    static struct rscript s;
    memset(&s, 0, sizeof s);
    cr_assert_eq(coro_ring_init(&R, rb, 4, 1), CORO_OK);
    cr_assert_eq(coro_loop_run_until_complete(&L, ring_race_script, &s), CORO_OK);
    cr_assert_null(L.polls);
    cr_assert_eq(L.armed, 0);
}

/* A task waiting on an empty ring costs no wakeup: only an element does. */
static void stop_loop(void *arg) { (void)arg; coro_loop_stop(&L); }
Test(ring, waiting_on_an_empty_ring_requests_no_wakeup)
{
    static char rb[4];
    static struct reader r;
    memset(&r, 0, sizeof r);
    cr_assert_eq(coro_ring_init(&R, rb, 4, 1), CORO_OK);
    cr_assert_eq(coro_spawn(&L, NULL, reader_fn, &r), CORO_OK);
    cr_assert_eq(coro_call_soon(&L, NULL, stop_loop, NULL), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_ERR_STOPPED);
    cr_assert_eq(R.loop, &L); /* waiting */
    cr_assert_eq(L.woken, 0);
}

/* Three tasks wait on one ring: a burst of two elements wakes the first two
 * at once (one waiter per element); they leave, and the third, still
 * waiting, is woken by the next element (the watch stays while anyone
 * waits). */
struct reader2 { coro_frame co; int id; char c; coro_status st; coro_timeout to; };
static char r2log[64];
static CORO_FN(reader2_fn, struct reader2, self)
{
    CORO_BEGIN(self);
    for (;;) {
        CORO_CATCH(self, self->st, CORO_TIMEOUT(self, &self->to, 20, CORO_RING_GET(self, &R, &self->c)));
        if (self->st)
            break;
        snprintf(r2log + strlen(r2log), sizeof r2log - strlen(r2log), "%d%c@%u ", self->id, self->c,
                 (unsigned)coro_loop_time(&L));
        if (self->id < 2)
            break; /* readers 0 and 1 leave after their first element */
    }
    CORO_END(self);
}
static void put_str(void *arg)
{
    const char *p;
    for (p = (const char *)arg; *p; p++)
        cr_assert_eq(coro_ring_put(&R, p), CORO_OK);
}
Test(ring, waiters_each_woken_by_an_element_and_the_last_still_watched)
{
    static char rb[4];
    static struct reader2 r[3];
    int i;
    memset(r, 0, sizeof r);
    memset(r2log, 0, sizeof r2log);
    cr_assert_eq(coro_ring_init(&R, rb, 4, 1), CORO_OK);
    for (i = 0; i < 3; i++) {
        r[i].id = i;
        cr_assert_eq(coro_spawn(&L, NULL, reader2_fn, &r[i]), CORO_OK);
    }
    cr_assert_eq(coro_call_at(&L, NULL, 5, put_str, "ab"), CORO_OK);
    cr_assert_eq(coro_call_at(&L, NULL, 10, put_str, "c"), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(r2log, "0a@5 1b@5 2c@10 ");
    cr_assert_eq(r[2].st, CORO_ERR_TIMEOUT);
    cr_assert_eq(coro_loop_time(&L), 30);
    cr_assert_null(L.polls);
    cr_assert_eq(L.armed, 0);
}
