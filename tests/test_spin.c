/* Spinning on the virtual clock (issue 11 item 17): a task that polls a flag
 * with CORO_YIELD while the timer that sets it waits never lets virtual time
 * move. Past CORO_SPIN_LIMIT yields the run returns CORO_ERR_DEADLOCK and
 * calls CORO_ON_DEADLOCK instead of hanging. A small limit here (the default
 * is 1,000,000); programs that yield but let time move are not affected. */
#define CORO_SPIN_LIMIT 1000
static int hook_calls;
#define CORO_ON_DEADLOCK(loop) ((void)(loop), hook_calls++)
#define CORO_IMPLEMENTATION
#include "coro.h"
#include <criterion/criterion.h>

static coro_loop L;

static void setup(void)
{
    coro_virtual_now = 0;
    hook_calls = 0;
    cr_assert_eq(coro_loop_init(&L), CORO_OK);
}
TestSuite(spin, .init = setup);

static int done;
static void set_done(void *arg)
{
    (void)arg;
    done = 1;
}

/* Polls `done` with CORO_YIELD (or CORO_SLEEP(self, 0)), counting rounds;
 * the cleanup section records that it ran. */
struct poller { coro_frame co; int sleep0; long rounds; int cleaned; };
static CORO_FN(poller, struct poller, self)
{
    CORO_BEGIN(self);
    while (!done) {
        self->rounds++;
        if (self->sleep0)
            CORO_SLEEP(self, 0);
        else
            CORO_YIELD(self);
    }
    CORO_FINALLY(self);
    self->cleaned = 1;
    CORO_END(self);
}

Test(spin, yield_loop_waiting_for_a_timer_is_a_deadlock, .timeout = 10.)
{
    static struct poller p;
    done = 0;
    cr_assert_eq(coro_call_later(&L, NULL, 100, set_done, NULL), CORO_OK);
    cr_assert_eq(coro_loop_run_until_complete(&L, poller, &p), CORO_ERR_DEADLOCK);
    cr_assert_eq(hook_calls, 1);
    cr_assert_eq(coro_virtual_now, 0); /* time never moved */
    cr_assert_eq(p.rounds, CORO_SPIN_LIMIT + 1);
    cr_assert_not(done);
}

Test(spin, sleep0_loop_waiting_for_a_timer_is_a_deadlock, .timeout = 10.)
{
    static struct poller p;
    done = 0;
    p.sleep0 = 1;
    cr_assert_eq(coro_call_later(&L, NULL, 100, set_done, NULL), CORO_OK);
    cr_assert_eq(coro_loop_run_until_complete(&L, poller, &p), CORO_ERR_DEADLOCK);
    cr_assert_eq(hook_calls, 1);
    cr_assert_eq(p.rounds, CORO_SPIN_LIMIT + 1);
}

/* The spinner is found while another task sleeps; run_forever reports it too,
 * and a later run starts a fresh count: the cancelled spinner cleans up. */
struct sleeper { coro_frame co; };
static CORO_FN(sleeper, struct sleeper, self)
{
    CORO_BEGIN(self);
    CORO_SLEEP(self, 50);
    done = 1;
    CORO_END(self);
}

Test(spin, spinner_next_to_a_sleeping_task, .timeout = 10.)
{
    static struct poller p;
    static struct sleeper s;
    coro_task tp, ts;
    done = 0;
    cr_assert_eq(coro_spawn(&L, &ts, sleeper, &s), CORO_OK);
    cr_assert_eq(coro_spawn(&L, &tp, poller, &p), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_ERR_DEADLOCK);
    cr_assert_eq(hook_calls, 1);
    cr_assert_not(coro_task_done(&L, ts));
    cr_assert_eq(coro_task_cancel(&L, tp), 1);
    cr_assert_eq(coro_loop_run_task(&L, tp), CORO_ERR_CANCELLED);
    cr_assert(p.cleaned);
    cr_assert_eq(coro_loop_run_task(&L, ts), CORO_OK); /* time moves again */
    cr_assert_eq(coro_virtual_now, 50);
}

/* Not a spin: many more yields than the limit, but time moves in between
 * (the yielder sleeps now and then), or no timer is pending at all. */
struct busy { coro_frame co; long i, n; int every; };
static CORO_FN(busy, struct busy, self)
{
    CORO_BEGIN(self);
    for (self->i = 0; self->i < self->n; self->i++) {
        if (self->every && self->i % self->every == 0)
            CORO_SLEEP(self, 1);
        CORO_YIELD(self);
    }
    CORO_END(self);
}

Test(spin, yields_while_time_moves_are_not_a_spin, .timeout = 10.)
{
    static struct busy b, quiet;
    static struct sleeper s;
    b.n = 20 * CORO_SPIN_LIMIT;
    b.every = CORO_SPIN_LIMIT / 2;
    quiet.n = 20 * CORO_SPIN_LIMIT; /* alone, no timer pending */
    cr_assert_eq(coro_loop_run_until_complete(&L, busy, &quiet), CORO_OK);
    done = 0;
    cr_assert_eq(coro_spawn(&L, NULL, sleeper, &s), CORO_OK); /* a timer pending all along */
    cr_assert_eq(coro_loop_run_until_complete(&L, busy, &b), CORO_OK);
    cr_assert_eq(hook_calls, 0);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert(done);
}

/* A yield loop next to callbacks that keep timers coming due (time does not
 * need to move for them): not a spin either. */
static int rearms;
static void rearm(void *arg)
{
    (void)arg;
    if (++rearms < 20 * CORO_SPIN_LIMIT)
        coro_call_at(&L, NULL, coro_loop_time(&L), rearm, NULL);
}

Test(spin, yields_next_to_due_timers_are_not_a_spin, .timeout = 10.)
{
    static struct busy b;
    b.n = 10 * CORO_SPIN_LIMIT;
    rearms = 0;
    cr_assert_eq(coro_call_at(&L, NULL, 0, rearm, NULL), CORO_OK);
    cr_assert_eq(coro_call_later(&L, NULL, 1000, set_done, NULL), CORO_OK);
    cr_assert_eq(coro_loop_run_until_complete(&L, busy, &b), CORO_OK);
    cr_assert_eq(hook_calls, 0);
}

/* Yields a few times, then arms the timer that sets `done`: the timer comes
 * into being while the loop runs iterations that only run the ready ring
 * (issue 15's fast path). Adding it must bring back the full checks, the
 * spin count among them. */
struct late_armer { coro_frame co; int i; };
static CORO_FN(late_armer, struct late_armer, self)
{
    CORO_BEGIN(self);
    for (self->i = 0; self->i < 5; self->i++)
        CORO_YIELD(self);
    CORO_CHECK(self, coro_call_later(coro_running_loop(), NULL, 100, set_done, NULL));
    CORO_END(self);
}

Test(spin, timer_armed_during_yield_only_iterations_is_still_seen, .timeout = 10.)
{
    static struct poller p;
    static struct late_armer a;
    coro_task t;
    done = 0;
    cr_assert_eq(coro_spawn(&L, NULL, late_armer, &a), CORO_OK);
    cr_assert_eq(coro_spawn(&L, &t, poller, &p), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, t), CORO_ERR_DEADLOCK);
    cr_assert_eq(hook_calls, 1);
    cr_assert_eq(coro_virtual_now, 0);
    cr_assert_not(done);
}
