/* The interrupt-safe flag on the real POSIX clock: another thread and a
 * signal handler set it while the loop sleeps in its idle hook with a far
 * deadline pending (a 10 s timeout). A wake-up lost in the race between the
 * idle's check and its sleep would stall a round for 10 s; the test demands
 * every round and the whole run take well under a second.
 * Built by mk/host.mk (`make sync-posix`), plain C, no Criterion. */
#define CORO_IMPLEMENTATION
#include "coro_sync.h"
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#define ROUNDS 2000
static coro_loop L;
static coro_flag flag = CORO_FLAG_INIT;
static sem_t ack;
static pthread_t loop_thread;
static int use_signal;

static void on_sig(int sig) { (void)sig; coro_flag_set(&L, &flag); }

static void *setter(void *arg)
{
    int i;
    (void)arg;
    for (i = 0; i < ROUNDS; i++) {
        if (i)
            while (sem_wait(&ack) != 0)
                ;
        if (use_signal)
            pthread_kill(loop_thread, SIGUSR1);
        else
            coro_flag_set(&L, &flag);
    }
    return NULL;
}

struct waiter { coro_frame co; int i; coro_timeout to; coro_tick worst; coro_tick t0; };
static CORO_FN(waiter, struct waiter, self)
{
    CORO_BEGIN(self);
    for (self->i = 0; self->i < ROUNDS; self->i++) {
        self->t0 = coro_clock();
        CORO_TIMEOUT(self, &self->to, CORO_S(10), CORO_FLAG_WAIT(self, &flag));
        if ((coro_tick)(coro_clock() - self->t0) > self->worst)
            self->worst = (coro_tick)(coro_clock() - self->t0);
        sem_post(&ack);
    }
    CORO_END(self);
}

int main(void)
{
    struct sigaction sa;
    int pass;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sig;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    loop_thread = pthread_self();
    for (pass = 0; pass < 2; pass++) {
        static struct waiter w;
        pthread_t th;
        coro_tick t0 = coro_clock();
        coro_status st;
        memset(&w, 0, sizeof w);
        use_signal = pass;
        sem_init(&ack, 0, 0);
        coro_loop_init(&L);
        pthread_create(&th, NULL, setter, NULL);
        st = coro_loop_run_until_complete(&L, waiter, &w);
        pthread_join(th, NULL);
        printf("sync-posix: %s: %d rounds, status %d, worst wake %u ms, total %u ms\n",
               pass ? "signal handler" : "thread", ROUNDS, st, (unsigned)w.worst, (unsigned)(coro_clock() - t0));
        if (st != CORO_OK || w.worst > CORO_MS(500) || coro_clock() - t0 > CORO_S(5))
            return 1;
    }
    return 0;
}
