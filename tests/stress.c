/* stress.c - coro under load, on the virtual clock (run by `make stress`,
 * mk/analysis.mk, at -O2, in three builds):
 *   default        254 slots (CORO_MAX_TASKS 250 + 4 callbacks: the most
 *                  8-bit indices allow), ten million timer operations
 *   -DCORO_TICK_BITS=16   the same run across hundreds of 16-bit tick wraps
 *   -DCORO_INDEX_BITS=16  4,000 tasks and 1,000 callbacks
 * Sections:
 *   1. the table full: every slot spawned, one more is NO_SLOT, all handles
 *      stale after reuse, invariants (tests/coro_check.h) throughout;
 *   2. timers: every task sleeps pseudo-random delays, a canceller cancels
 *      sleepers and callbacks are set and cancelled; every wake is checked
 *      against its deadline in 64-bit absolute time (exact on the virtual
 *      clock: never early, never late), until STRESS_TIMER_OPS timer
 *      operations (insert, cancel, expire) were done;
 *   3. a callback storm (each callback re-arms itself with call_soon, and
 *      the clock advances one tick per callback, as a busy CPU's would) next
 *      to due timers and yielding tasks: each timer fires in the first
 *      iteration that starts after its deadline (no starvation), and every
 *      yielding task keeps running.
 * Prints "stress: N passed, 0 failed" and exits non-zero on any failure. */
#ifndef CORO_INDEX_BITS
#define CORO_INDEX_BITS 8
#endif
#if CORO_INDEX_BITS == 8
#define CORO_MAX_TASKS 250
#define CORO_MAX_CALLBACKS 4
#else
#define CORO_MAX_TASKS 4000
#define CORO_MAX_CALLBACKS 1000
#endif
#define CORO_IMPLEMENTATION
#include "coro.h"
#include "coro_check.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#ifndef STRESS_TIMER_OPS
#define STRESS_TIMER_OPS 10000000ul
#endif

static int failed, passed;
#define EXPECT(c, ...)                                                     \
    do {                                                                   \
        if (!(c)) {                                                        \
            printf("stress: FAIL %s:%d: ", __FILE__, __LINE__);           \
            printf(__VA_ARGS__);                                           \
            printf("\n");                                                  \
            failed++;                                                      \
            return;                                                        \
        }                                                                  \
    } while (0)
#define INVARIANTS()                                                       \
    do {                                                                   \
        const char *why_ = coro_check(&L);                                 \
        EXPECT(!why_, "invariant: %s", why_);                              \
    } while (0)

static coro_loop L;
static uint32_t rng = 2463534242u;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

/* 64-bit absolute time from the (possibly 16-bit) loop time. */
static uint64_t abs_now;
static coro_tick last_tick;
static uint64_t now64(void)
{
    coro_tick t = coro_loop_time(&L);
    abs_now += (coro_tick)(t - last_tick);
    last_tick = t;
    return abs_now;
}
static void clock_reset(coro_tick start)
{
    coro_virtual_now = start;
    coro_loop_init(&L);
    last_tick = start;
    abs_now = 0;
}

/* ---- 1. the table full ----------------------------------------------------------- */
struct once { coro_frame co; int runs; };
static CORO_FN(once, struct once, self)
{
    CORO_BEGIN(self);
    self->runs++;
    CORO_YIELD(self);
    CORO_END(self);
}
static void nop_cb(void *arg) { (void)arg; }
static struct once onces[CORO_MAX_TASKS + 1];
static coro_task handles[CORO_MAX_TASKS];

static void table_full(void)
{
    int i;
    coro_task extra = 0x1234;
    clock_reset(0);
    for (i = 0; i < CORO_MAX_TASKS; i++)
        EXPECT(coro_spawn(&L, &handles[i], once, &onces[i]) == CORO_OK, "spawn %d", i);
    EXPECT(coro_spawn(&L, &extra, once, &onces[CORO_MAX_TASKS]) == CORO_ERR_NO_SLOT, "spawn beyond the table");
    EXPECT(extra == 0x1234, "handle written on failure");
    for (i = 0; i < CORO_MAX_CALLBACKS; i++)
        EXPECT(coro_call_later(&L, NULL, (coro_tick)(i % 7), nop_cb, NULL) == CORO_OK,
               "callback %d", i);
    EXPECT(coro_call_soon(&L, NULL, nop_cb, NULL) == CORO_ERR_NO_SLOT, "callbacks full");
    INVARIANTS();
    EXPECT(coro_loop_run_forever(&L) == CORO_OK, "run");
    INVARIANTS();
    for (i = 0; i < CORO_MAX_TASKS; i++) {
        EXPECT(onces[i].runs == 1, "task %d ran %d times", i, onces[i].runs);
        EXPECT(coro_task_status(&L, handles[i]) == CORO_OK, "status %d", i);
    }
    /* every slot reused: every old handle is stale */
    for (i = 0; i < CORO_MAX_TASKS; i++)
        EXPECT(coro_spawn(&L, NULL, once, &onces[i]) == CORO_OK, "respawn %d", i);
    for (i = 0; i < CORO_MAX_TASKS; i++)
        EXPECT(coro_task_status(&L, handles[i]) == CORO_ERR_STALE && coro_task_cancel(&L, handles[i]) == 0,
               "old handle %d not stale", i);
    EXPECT(coro_loop_run_forever(&L) == CORO_OK, "run 2");
    EXPECT(coro_check_free_tasks(&L) == CORO_MAX_TASKS && coro_check_free_cbs(&L) == CORO_MAX_CALLBACKS, "baseline");
    INVARIANTS();
    passed++;
}

/* ---- 2. timers ------------------------------------------------------------------- */
static unsigned long ops, wakes, early, late, cancels, cb_fired, cb_cancelled;
static int stop_all;
static unsigned long rounds, bad_invariants;
static const char *first_bad;
#define MAXD 2000u /* < half of a 16-bit range */

struct sleeper { coro_frame co; uint64_t due; coro_status st; };
static CORO_FN(sleeper, struct sleeper, self)
{
    CORO_BEGIN(self);
    while (!stop_all) {
        {
            coro_tick d = (coro_tick)(rnd() % MAXD);
            self->due = now64() + d;
        }
        ops += 2; /* insert, then expire or cancel */
        CORO_CATCH(self, self->st, CORO_SLEEP(self, (coro_tick)(self->due - abs_now)));
        if (self->st == CORO_OK) {
            uint64_t t = now64();
            wakes++;
            early += t < self->due;
            late += t > self->due;
        } else if (now64() > self->due) {
            late++; /* a cancellation arriving after the deadline passed unnoticed */
        }
    }
    CORO_END(self);
}

static coro_task sleepers[CORO_MAX_TASKS];
static coro_handle cbh[CORO_MAX_CALLBACKS];
static uint64_t cb_due[CORO_MAX_CALLBACKS];
static void timer_cb(void *arg)
{
    unsigned i = (unsigned)(uintptr_t)arg;
    uint64_t t = now64();
    cb_fired++;
    early += t < cb_due[i];
    late += t > cb_due[i];
    cbh[i].id = 0;
}

struct canceller { coro_frame co; unsigned i; };
static CORO_FN(canceller, struct canceller, self)
{
    CORO_BEGIN(self);
    while (!stop_all) {
        for (self->i = 0; self->i < 4; self->i++) {
            unsigned k = rnd() % (CORO_MAX_TASKS - 1);
            if (coro_task_cancel(&L, sleepers[k]))
                cancels++;
        }
        for (self->i = 0; self->i < CORO_MAX_CALLBACKS; self->i++) {
            unsigned k = self->i;
            if (cbh[k].id && (rnd() & 3) == 0 && coro_handle_cancel(&L, cbh[k])) {
                cbh[k].id = 0;
                cb_cancelled++;
            }
            if (!cbh[k].id) {
                coro_tick d = (coro_tick)(rnd() % MAXD);
                cb_due[k] = now64() + d;
                if (coro_call_later(&L, &cbh[k], d, timer_cb, (void *)(uintptr_t)k) == CORO_OK)
                    ops += 2;
            }
        }
        if ((++rounds & 255) == 0) { /* the invariants, from inside the run */
            const char *why = coro_check(&L);
            if (why && !bad_invariants++)
                first_bad = why;
        }
        if (ops >= STRESS_TIMER_OPS)
            stop_all = 1;
        CORO_SLEEP(self, (coro_tick)(1 + rnd() % 50));
    }
    CORO_END(self);
}

static struct sleeper sl[CORO_MAX_TASKS];
static struct canceller cn;

static void timers(coro_tick start)
{
    int i;
    clock_t c0 = clock();
    double secs;
    clock_reset(start);
    ops = wakes = early = late = cancels = cb_fired = cb_cancelled = 0;
    stop_all = 0;
    for (i = 0; i < CORO_MAX_CALLBACKS; i++)
        cbh[i].id = 0;
    for (i = 0; i < CORO_MAX_TASKS - 1; i++)
        EXPECT(coro_spawn(&L, &sleepers[i], sleeper, &sl[i]) == CORO_OK, "spawn sleeper");
    EXPECT(coro_spawn(&L, NULL, canceller, &cn) == CORO_OK, "spawn canceller");
    EXPECT(coro_loop_run_forever(&L) == CORO_OK, "timer run");
    secs = (double)(clock() - c0) / CLOCKS_PER_SEC;
    EXPECT(bad_invariants == 0, "%lu invariant failures, first: %s", bad_invariants, first_bad);
    EXPECT(early == 0 && late == 0, "%lu early, %lu late wakes", early, late);
    EXPECT(wakes > STRESS_TIMER_OPS / 8 && cancels > 0 && cb_fired > 0 && cb_cancelled > 0,
           "too little happened: %lu wakes, %lu cancels, %lu callbacks", wakes, cancels, cb_fired);
    EXPECT(coro_check_free_tasks(&L) == CORO_MAX_TASKS && coro_check_free_cbs(&L) == CORO_MAX_CALLBACKS, "baseline");
    INVARIANTS();
    printf("stress: %lu timer operations (%lu wakes, %lu cancels, %lu callbacks, %lu cancelled) over %llu ticks"
           " (%llu wraps of a %d-bit tick) in %.2f s, %.0f ns/op\n",
           ops, wakes, cancels, cb_fired, cb_cancelled, (unsigned long long)abs_now,
           (unsigned long long)(CORO_TICK_BITS < 64 ? abs_now >> CORO_TICK_BITS : 0), CORO_TICK_BITS, secs,
           secs * 1e9 / (double)ops);
    passed++;
}

/* ---- 3. a callback storm next to due timers -------------------------------------- */
static unsigned long storm_calls, iters_late_max, timer_fires, yields;
static uint64_t t_due;
static int storming;
static void storm_cb(void *arg)
{
    (void)arg;
    storm_calls++;
    coro_virtual_now++; /* the CPU is busy: time passes */
    if (storming)
        coro_call_soon(&L, NULL, storm_cb, NULL);
}
static void due_cb(void *arg)
{
    uint64_t t = now64();
    (void)arg;
    timer_fires++;
    /* due at t_due; it may only wait for the iteration in progress, whose
     * callbacks each took a tick */
    if (t - t_due > iters_late_max)
        iters_late_max = (unsigned long)(t - t_due);
    if (timer_fires < 2000) {
        t_due = t + 1 + rnd() % 5;
        coro_call_at(&L, NULL, (coro_tick)(coro_loop_time(&L) + (coro_tick)(t_due - t)), due_cb, NULL);
    } else {
        storming = 0;
    }
}
struct yl { coro_frame co; };
static CORO_FN(yl, struct yl, self)
{
    CORO_BEGIN(self);
    while (storming) {
        yields++;
        CORO_YIELD(self);
    }
    CORO_END(self);
}
static struct yl ys[8];

static void storm(void)
{
    int i;
    clock_reset((coro_tick)-100);
    storming = 1;
    storm_calls = iters_late_max = timer_fires = yields = 0;
    for (i = 0; i < CORO_MAX_CALLBACKS - 1 && i < 2; i++)
        EXPECT(coro_call_soon(&L, NULL, storm_cb, NULL) == CORO_OK, "storm");
    for (i = 0; i < 8; i++)
        EXPECT(coro_spawn(&L, NULL, yl, &ys[i]) == CORO_OK, "yielder");
    t_due = 3;
    EXPECT(coro_call_later(&L, NULL, 3, due_cb, NULL) == CORO_OK, "timer");
    EXPECT(coro_loop_run_forever(&L) == CORO_OK, "storm run");
    EXPECT(timer_fires == 2000, "only %lu timer fires", timer_fires);
    EXPECT(iters_late_max <= 2, "a due timer waited %lu ticks behind the storm", iters_late_max);
    EXPECT(yields >= 8 * 1000, "yielding tasks starved: %lu yields", yields);
    INVARIANTS();
    printf("stress: callback storm: %lu storm callbacks, %lu timers on time (at most %lu tick late), %lu yields\n",
           storm_calls, timer_fires, iters_late_max, yields);
    passed++;
}

int main(void)
{
    table_full();
    timers((coro_tick)((coro_tick)0 - 1000u));
    storm();
    printf("stress: %d passed, %d failed (%d-bit ticks, %d-bit indices, %d slots)\n", passed, failed, CORO_TICK_BITS,
           CORO_INDEX_BITS, CORO_MAX_TASKS + CORO_MAX_CALLBACKS);
    return failed != 0;
}
