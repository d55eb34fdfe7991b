/* A user-written awaitable (the pattern of examples/18_adc_conversion.c:
 * CORO_AWAIT_ON, a wait queue, a coro_watch) on the real POSIX clock, its
 * "conversion complete" interrupt played by another thread and by a SIGALRM
 * handler (setitimer), while the loop sleeps in its idle hook with a far
 * deadline pending (a 10 s timeout). A wake-up lost between the start and
 * the idle would stall a round for 10 s: every round must take well under a
 * second. Then a conversion that never completes must time out (50 ms), and
 * the next one still work. Built by mk/await.mk (`make await-posix`), plain
 * C, no Criterion. */
#define CORO_IMPLEMENTATION
#include "coro.h"
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

/* ---- the awaitable ---- */
struct adc {
    coro_watch watch; /* first member: its poll hook is the adc */
    coro_waitq waiter;
    coro_loop *loop;
    volatile sig_atomic_t done;
    volatile unsigned value;
};

static void adc_complete(struct adc *a, unsigned value) /* the "interrupt" */
{
    a->value = value;
    CORO_FENCE();
    a->done = 1;
    coro_loop_wakeup(a->loop);
}

static void adc_poll(coro_loop *loop, coro_poll *hook)
{
    struct adc *a = (struct adc *)(void *)hook;
    if (a->done)
        coro_waitq_notify(loop, &a->waiter, CORO_OK);
}

static void hw_start(void);

static coro_status adc_start(struct adc *a)
{
    coro_loop *loop = coro_running_loop();
    coro_status st = coro_waitq_wait(&a->waiter);
    if (st != CORO_PENDING)
        return st;
    a->loop = loop;
    a->done = 0;
    coro_watch_start(loop, &a->watch, adc_poll);
    hw_start();
    return CORO_PENDING;
}

static coro_status adc_resume(struct adc *a, unsigned *out)
{
    int chosen;
    coro_status st = coro_waitq_resumed(&chosen);
    coro_watch_stop(a->loop, &a->watch);
    if (st == CORO_OK)
        *out = a->value;
    return st;
}
#define ADC_READ(self, a, out) CORO_AWAIT_ON(self, adc_start(a), adc_resume((a), (out)))

/* ---- the "hardware": a thread or SIGALRM completes each conversion ---- */
#define ROUNDS 500
enum { BY_THREAD, BY_SIGNAL };
static struct adc adc;
static int mode, hang;
static unsigned started;
static sem_t go;

static void on_alarm(int sig)
{
    (void)sig;
    adc_complete(&adc, started);
}

static void *converter(void *arg)
{
    (void)arg;
    for (;;) {
        while (sem_wait(&go) != 0)
            ;
        if (hang < 0)
            return NULL;
        adc_complete(&adc, started);
    }
}

static void hw_start(void)
{
    started++;
    if (hang)
        return; /* this conversion never completes */
    if (mode == BY_THREAD) {
        sem_post(&go);
    } else {
        struct itimerval it;
        memset(&it, 0, sizeof it);
        it.it_value.tv_usec = 200; /* the signal lands while the loop idles, or before */
        setitimer(ITIMER_REAL, &it, NULL);
    }
}

struct sampler { coro_frame co; int i; unsigned raw; coro_timeout to; coro_status st; coro_tick worst, t0; int bad; };
static CORO_FN(sampler, struct sampler, self)
{
    CORO_BEGIN(self);
    for (self->i = 0; self->i < ROUNDS; self->i++) {
        self->t0 = coro_clock();
        CORO_TIMEOUT(self, &self->to, CORO_S(10), ADC_READ(self, &adc, &self->raw));
        if (self->raw != started)
            self->bad++;
        if ((coro_tick)(coro_clock() - self->t0) > self->worst)
            self->worst = (coro_tick)(coro_clock() - self->t0);
    }
    hang = 1; /* a conversion that never ends: the timeout */
    CORO_CATCH(self, self->st, CORO_TIMEOUT(self, &self->to, CORO_MS(50), ADC_READ(self, &adc, &self->raw)));
    if (self->st != CORO_ERR_TIMEOUT || coro_watch_active(&adc.watch))
        self->bad++;
    hang = 0; /* and the next one works */
    CORO_TIMEOUT(self, &self->to, CORO_S(10), ADC_READ(self, &adc, &self->raw));
    if (self->raw != started)
        self->bad++;
    CORO_END(self);
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    for (mode = 0; mode < 2; mode++) {
        static struct sampler s;
        coro_loop loop;
        pthread_t th;
        coro_tick t0 = coro_clock();
        coro_status st;
        memset(&s, 0, sizeof s);
        hang = 0;
        sem_init(&go, 0, 0);
        if (mode == BY_THREAD)
            pthread_create(&th, NULL, converter, NULL);
        coro_loop_init(&loop);
        st = coro_loop_run_until_complete(&loop, sampler, &s);
        if (mode == BY_THREAD) {
            hang = -1;
            sem_post(&go);
            pthread_join(th, NULL);
        }
        printf("await-posix: %s: %d conversions, status %d, %d wrong, worst %u ms, total %u ms\n",
               mode == BY_THREAD ? "thread" : "SIGALRM", ROUNDS + 2, st, s.bad, (unsigned)s.worst,
               (unsigned)(coro_clock() - t0));
        if (st != CORO_OK || s.bad || s.worst > CORO_MS(500) || coro_clock() - t0 > CORO_S(5))
            return 1;
    }
    return 0;
}
