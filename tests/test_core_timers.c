/* Timers (coro.h): call_soon/call_later/call_at ordering, equal deadlines,
 * cancelled handles, the callback store, storms, sleep, the timer heap against
 * a model (white box) and tick wrap-around.
 * Part of the core suite split by subject: shared setup, coroutines and the
 * trace notation are in tests/core_common.h. Built also on the labels backend,
 * 16-bit ticks and 8-bit generations (Makefile labels/tick16, mk gen8). */
#include "core_common.h"

TestSuite(timers, .init = setup);

/* ====================================================================================
 * callbacks
 * ==================================================================================== */


Test(timers, call_soon_runs_callbacks_in_fifo_order)
{
    static const char *names[10] = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
    int i;
    for (i = 0; i < 10; i++)
        cr_assert_eq(coro_call_soon(&L, NULL, name_cb, (void *)names[i]), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "0@0 1@0 2@0 3@0 4@0 5@0 6@0 7@0 8@0 9@0 ");
}

/* cb1 queues cb3 and moves the clock on: cb2 (already queued) still sees the
 * old iteration's time, cb3 runs in the next iteration and sees the new one. */
static void queuing_cb(void *arg)
{
    (void)arg;
    tr("cb1@%lu ", NOW()); /* reads this iteration's time */
    cr_assert_eq(coro_call_soon(&L, NULL, name_cb, "cb3"), CORO_OK);
    coro_virtual_now += 10;
}

Test(timers, call_soon_from_callback_runs_next_iteration)
{
    cr_assert_eq(coro_call_soon(&L, NULL, queuing_cb, NULL), CORO_OK);
    cr_assert_eq(coro_call_soon(&L, NULL, name_cb, "cb2"), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "cb1@0 cb2@0 cb3@10 ");
}

Test(timers, call_later_0_after_ready_callbacks)
{
    cr_assert_eq(coro_call_later(&L, NULL, 0, name_cb, "later0"), CORO_OK);
    cr_assert_eq(coro_call_soon(&L, NULL, name_cb, "soon"), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "soon@0 later0@0 ");
}

Test(timers, call_at_past_deadlines_earliest_first)
{
    coro_virtual_now = 100;
    cr_assert_eq(coro_loop_init(&L), CORO_OK);
    cr_assert_eq(coro_call_at(&L, NULL, 99, name_cb, "a"), CORO_OK);
    cr_assert_eq(coro_call_at(&L, NULL, 98, name_cb, "b"), CORO_OK);
    cr_assert_eq(coro_call_at(&L, NULL, 100, name_cb, "c"), CORO_OK);
    cr_assert_eq(coro_call_at(&L, NULL, 101, name_cb, "d"), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "b@100 a@100 c@100 d@101 ");
}

/* A deadline far in the past next to one far ahead, more than half the tick
 * range apart: the past one still runs first, at once (robustness finding:
 * deadlines compare relative to the loop's time, not to each other). */
Test(timers, call_at_far_past_and_far_future_stay_ordered)
{
    /* as far behind as a past deadline may be, and far ahead: more than half
     * the tick range apart */
    coro_tick p = (coro_tick)(CORO_MAX_DELAY / 2), f = (coro_tick)(CORO_MAX_DELAY / 10 * 9);
    coro_virtual_now = (coro_tick)-7; /* and across the wrap */
    cr_assert_eq(coro_loop_init(&L), CORO_OK);
    cr_assert_eq(coro_call_later(&L, NULL, f, name_cb, "future"), CORO_OK);
    cr_assert_eq(coro_call_at(&L, NULL, (coro_tick)(coro_virtual_now - p), name_cb, "past"), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_eq(strncmp(trace, "past@", 5), 0, "%s", trace);
    cr_assert_eq(coro_virtual_now, (coro_tick)((coro_tick)-7 + f));
    cr_assert_neq(strstr(trace, "future@"), NULL);
}

/* 1000 timers at one tick, at most 200 pending at a time: each one that
 * fires sets the next, at the same (by then past) tick. FIFO throughout,
 * also through the sequence-counter renumbering. */
static int eq_next, eq_fired, eq_bad;
static coro_tick eq_when;
static void eq_cb(void *arg)
{
    int k = (int)(intptr_t)arg;
    if (k != eq_fired || coro_loop_time(&L) != eq_when)
        eq_bad++;
    eq_fired++;
    if (eq_next < 1000) {
        cr_assert_eq(coro_call_at(&L, NULL, eq_when, eq_cb, (void *)(intptr_t)eq_next), CORO_OK);
        eq_next++;
    }
}

static void equal_deadlines(coro_tick start, coro_tick when)
{
    coro_virtual_now = start;
    cr_assert_eq(coro_loop_init(&L), CORO_OK);
    L.seq = (coro__seq)((coro__seq)-1 - 300); /* renumbering mid-run */
    eq_when = when;
    for (eq_next = 0; eq_next < 200; eq_next++)
        cr_assert_eq(coro_call_at(&L, NULL, when, eq_cb, (void *)(intptr_t)eq_next), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_eq(eq_fired, 1000);
    cr_assert_eq(eq_bad, 0);
    cr_assert_lt((unsigned long)L.seq, 1000ul); /* it did renumber (one-byte numbers: 1000 > 255) */
    cr_assert_eq(coro_virtual_now, when);
}

Test(timers, equal_deadlines_fire_in_fifo_order_1000)
{
    equal_deadlines(0, 50);
}

Test(timers, equal_deadlines_fire_in_fifo_order_1000_across_wrap)
{
    equal_deadlines((coro_tick)-3, 4); /* due 7 ticks later, after the wrap */
}

/* Timers pending while the clock runs through four whole tick ranges: a
 * chain re-arming every third of CORO_MAX_DELAY sets, at each step, a far
 * timer (CORO_MAX_DELAY ahead), two at the chain's next deadline (after it,
 * FIFO) and one a quarter range behind (it runs at once). Each fires at its
 * deadline (a past one in the iteration after it was set), equal deadlines in
 * the order they were set. With CORO__KEY64 (test_core_timers_wide) the
 * offsets' base moves with timers pending (coro__rebase), about twice a
 * range. */
#define LR_STEPS 24
static struct lr_timer { coro_tick when; int k, chain; } lr[LR_STEPS * 5 + 1];
static int lr_n, lr_fired, lr_bad, lr_last_k = -1;
static coro_tick lr_last_when;
static void lr_cb(void *arg);
static void lr_set(coro_tick when, int chain)
{
    struct lr_timer *t = &lr[lr_n];
    t->when = when;
    t->chain = chain;
    t->k = lr_n++;
    cr_assert_eq(coro_call_at(&L, NULL, when, lr_cb, t), CORO_OK);
}
static void lr_cb(void *arg)
{
    struct lr_timer *t = arg;
    coro_tick now = coro_loop_time(&L), d = (coro_tick)(CORO_MAX_DELAY / 3);
    int past = (coro__stick)(t->when - now) < 0;
    if (past ? (coro_tick)(now - t->when) != (coro_tick)(CORO_MAX_DELAY / 2) : now != t->when)
        lr_bad++; /* late, early, or a past one not run at once */
    if (!past && now == lr_last_when && t->k < lr_last_k)
        lr_bad++; /* equal deadlines out of FIFO order */
    if (!past) {
        lr_last_when = now;
        lr_last_k = t->k;
    }
    lr_fired++;
    if (t->chain && lr_n < LR_STEPS * 5) {
        lr_set((coro_tick)(now + d), 1);
        lr_set((coro_tick)(now + CORO_MAX_DELAY), 0);
        lr_set((coro_tick)(now + d), 0);
        lr_set((coro_tick)(now + d), 0);
        lr_set((coro_tick)(now - CORO_MAX_DELAY / 2), 0);
    }
}

Test(timers, timers_pending_across_four_tick_ranges_fire_on_time)
{
    coro_virtual_now = (coro_tick)-100;
    cr_assert_eq(coro_loop_init(&L), CORO_OK);
    lr_set((coro_tick)(coro_virtual_now + 1), 1);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_eq(lr_n, LR_STEPS * 5 + 1);
    cr_assert_eq(lr_fired, lr_n);
    cr_assert_eq(lr_bad, 0);
}

Test(timers, cancelled_handles_never_fire)
{
    coro_handle h1, h2, h3;
    cr_assert_eq(coro_call_soon(&L, &h1, name_cb, "soon"), CORO_OK);
    cr_assert_eq(coro_call_later(&L, &h2, 5, name_cb, "later"), CORO_OK);
    cr_assert_eq(coro_call_at(&L, &h3, 7, name_cb, "at"), CORO_OK);
    cr_assert_eq(coro_call_later(&L, NULL, 6, name_cb, "kept"), CORO_OK);
    cr_assert_eq(L.hlen, 3);
    cr_assert_eq(coro_handle_cancel(&L, h1), 1);
    cr_assert_eq(coro_handle_cancel(&L, h2), 1);
    cr_assert_eq(L.hlen, 2); /* the timer left the heap */
    cr_assert_eq(coro_handle_cancel(&L, h2), 0);
    cr_assert_eq(coro_handle_cancel(&L, h3), 1);
    cr_assert_eq(coro_handle_cancel(&L, (coro_handle){0}), 0);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "kept@6 ");
    cr_assert_eq(coro_loop_time(&L), 6); /* next wait from the live timer */
    cr_assert_eq(cb_free_count(), CORO_MAX_CALLBACKS);
}

/* Two timers due in the same iteration: the first cancels the second, which
 * is already on the ready ring. */
static coro_handle victim;
static int victim_cancel;
static void killer_cb(void *arg)
{
    (void)arg;
    tr("killer ");
    victim_cancel = coro_handle_cancel(&L, victim);
}

Test(timers, cancel_due_timer_from_earlier_callback)
{
    cr_assert_eq(coro_call_at(&L, NULL, 5, killer_cb, NULL), CORO_OK);
    cr_assert_eq(coro_call_at(&L, &victim, 5, name_cb, "victim"), CORO_OK);
    cr_assert_eq(coro_call_at(&L, NULL, 5, name_cb, "after"), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_eq(victim_cancel, 1);
    cr_assert_str_eq(trace, "killer after@5 ");
    cr_assert_eq(coro_handle_cancel(&L, victim), 0);
    cr_assert_eq(cb_free_count(), CORO_MAX_CALLBACKS);
}

static int fired_n;
static void count_cb(void *arg) { (void)arg; fired_n++; }

Test(timers, full_callback_store_refuses_and_frees_slots_as_they_fire)
{
    coro_handle h = {0x77}, first = {0};
    int i;
    for (i = 0; i < CORO_MAX_CALLBACKS; i++) {
        coro_status st = i % 3 == 0 ? coro_call_soon(&L, &h, count_cb, NULL)
                       : i % 3 == 1 ? coro_call_later(&L, &h, (coro_tick)i, count_cb, NULL)
                                    : coro_call_at(&L, &h, (coro_tick)i, count_cb, NULL);
        cr_assert_eq(st, CORO_OK);
        if (i == 1)
            first = h; /* a timer: its slot frees at once when cancelled */
    }
    h.id = 0x77;
    cr_assert_eq(coro_call_soon(&L, &h, count_cb, NULL), CORO_ERR_NO_SLOT);
    cr_assert_eq(coro_call_later(&L, &h, 1, count_cb, NULL), CORO_ERR_NO_SLOT);
    cr_assert_eq(coro_call_at(&L, &h, 1, count_cb, NULL), CORO_ERR_NO_SLOT);
    cr_assert_eq(h.id, 0x77);
    cr_assert_eq(L.hlen, CORO_MAX_CALLBACKS - (CORO_MAX_CALLBACKS + 2) / 3);
    /* freeing one makes room for one */
    cr_assert_eq(coro_handle_cancel(&L, first), 1);
    cr_assert_eq(coro_call_later(&L, &h, 3, count_cb, NULL), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_eq(fired_n, CORO_MAX_CALLBACKS);
    cr_assert_eq(cb_free_count(), CORO_MAX_CALLBACKS);
}

Test(timers, callback_null_or_bad_arguments)
{
    coro_handle h = {0x55};
    cr_assert_eq(coro_call_soon(&L, &h, NULL, NULL), CORO_ERR_INVALID);
    cr_assert_eq(coro_call_later(&L, &h, 1, NULL, NULL), CORO_ERR_INVALID);
    cr_assert_eq(coro_call_at(&L, &h, 1, NULL, NULL), CORO_ERR_INVALID);
    cr_assert_eq(coro_call_later(&L, &h, (coro_tick)(CORO_MAX_DELAY + 1u), nop_cb, NULL), CORO_ERR_RANGE);
    cr_assert_eq(h.id, 0x55);
    cr_assert_eq(L.hlen, 0);
    cr_assert_eq(cb_free_count(), CORO_MAX_CALLBACKS);
}

/* A storm: callbacks and a task that re-queue themselves forever, each
 * "taking" one tick. A timer due at 5 still fires, and stops the loop. */
static int storm_n, storm_stop;
static unsigned long storm_fired_at;
static void storm_cb(void *arg)
{
    storm_n++;
    coro_virtual_now++;
    if (!storm_stop)
        cr_assert_eq(coro_call_soon(&L, NULL, storm_cb, arg), CORO_OK);
}
static void storm_timer(void *arg)
{
    (void)arg;
    storm_fired_at = NOW();
    storm_stop = 1;
    coro_loop_stop(&L);
}
struct spinner { coro_frame co; };
static CORO_FN(spinner, struct spinner, self)
{
    CORO_BEGIN(self);
    while (!storm_stop)
        CORO_YIELD(self);
    CORO_END(self);
}

Test(timers, callback_storm_does_not_starve_due_timer, .timeout = 10.)
{
    struct spinner sp;
    cr_assert_eq(coro_call_later(&L, NULL, 5, storm_timer, NULL), CORO_OK);
    cr_assert_eq(coro_call_soon(&L, NULL, storm_cb, NULL), CORO_OK);
    cr_assert_eq(coro_call_soon(&L, NULL, storm_cb, NULL), CORO_OK);
    cr_assert_eq(coro_spawn(&L, NULL, spinner, &sp), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_ERR_STOPPED);
    cr_assert_geq(storm_fired_at, 5); /* never early */
    cr_assert_leq(storm_fired_at, 6); /* the first iteration it was due */
    cr_assert_leq(storm_n, 8);
}

/* ====================================================================================
 * sleep
 * ==================================================================================== */

Test(timers, sleep0_yields_once_to_every_ready_task)
{
    struct ping a = {.name = "a", .n = 3}, b = {.name = "b", .n = 2}, c = {.name = "c", .n = 3};
    cr_assert_eq(coro_spawn(&L, NULL, ping, &a), CORO_OK);
    cr_assert_eq(coro_spawn(&L, NULL, ping, &b), CORO_OK);
    cr_assert_eq(coro_spawn(&L, NULL, ping, &c), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "abcabcac");
    cr_assert_eq(coro_loop_time(&L), 0);
}

struct soon_then_yield { coro_frame co; int seen; };
static void flag_cb(void *arg) { *(int *)arg = 1; tr("cb "); }
static CORO_FN(soon_then_yield, struct soon_then_yield, self)
{
    CORO_BEGIN(self);
    cr_assert_eq(coro_call_soon(coro_running_loop(), NULL, flag_cb, &self->seen), CORO_OK);
    CORO_SLEEP(self, 0);
    tr("back%d ", self->seen);
    CORO_END(self);
}

Test(timers, sleep0_runs_callback_queued_before)
{
    struct soon_then_yield s = {0};
    cr_assert_eq(coro_loop_run_until_complete(&L, soon_then_yield, &s), CORO_OK);
    cr_assert_str_eq(trace, "cb back1 ");
}

struct ranged { coro_frame co; coro_status st; };
static CORO_FN(ranged, struct ranged, self)
{
    CORO_BEGIN(self);
    CORO_CATCH(self, self->st, CORO_SLEEP(self, (coro_tick)(CORO_MAX_DELAY + 1u)));
    tr("r%d@%lu h%d ", (int)self->st, NOW(), (int)L.hlen);
    CORO_SLEEP(self, CORO_MAX_DELAY); /* the longest delay is fine */
    CORO_END(self);
}

Test(timers, sleep_beyond_max_delay_is_range_error)
{
    struct ranged r = {0};
    cr_assert_eq(coro_loop_run_until_complete(&L, ranged, &r), CORO_OK);
    cr_assert_str_eq(trace, "r7@0 h0 ");
    cr_assert_eq(coro_loop_time(&L), CORO_MAX_DELAY);
}

static int hlen_after_cancel;
static void cancel_and_measure(void *arg)
{
    cancel_cb(arg);
    hlen_after_cancel = L.hlen;
}

Test(timers, cancel_sleeping_task_removes_timer)
{
    struct worker w = {.name = "a", .d = 5000};
    struct canceller c = {0};
    coro_task t;
    t = spawn_cancelled_at(worker, &w.co, 100, cancel_and_measure, &c);
    cr_assert_eq(coro_loop_run_task(&L, t), CORO_ERR_CANCELLED);
    cr_assert_eq(hlen_after_cancel, 0);
    cr_assert_str_eq(trace, "X@100 a1@100 ");
    cr_assert_eq(coro_loop_time(&L), 100); /* not 5000 */
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_eq(coro_virtual_now, 100);
}

/* Periodic work on absolute deadlines: a late wake (the loop was held up)
 * does not shift the following deadlines; a past deadline is a yield. */
struct periodic { coro_frame co; coro_tick start; int i; };
static CORO_FN(periodic, struct periodic, self)
{
    CORO_BEGIN(self);
    self->start = coro_loop_time(coro_running_loop());
    for (self->i = 1; self->i <= 3; self->i++) {
        CORO_SLEEP_UNTIL(self, (coro_tick)(self->start + 10 * self->i));
        tr("%lu ", NOW());
    }
    CORO_SLEEP_UNTIL(self, (coro_tick)(self->start + 25));
    tr("past%lu ", NOW());
    CORO_END(self);
}
static void hold_up(void *arg) { (void)arg; coro_virtual_now += 7; }

Test(timers, sleep_until_absolute)
{
    struct periodic p;
    cr_assert_eq(coro_call_at(&L, NULL, 5, hold_up, NULL), CORO_OK);
    cr_assert_eq(coro_spawn(&L, NULL, periodic, &p), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "12 20 30 past30 ");
}


/* ====================================================================================
 * the timer heap: a white-box model test
 * ==================================================================================== */

#define HOPS 10000
static struct { coro_tick when; coro_handle h; int live; } rec[HOPS];
static int live_k[CORO_MAX_CALLBACKS], nlive, nrec;
static int slot_rec[CORO__SLOTS];
static int fired_k[CORO_MAX_CALLBACKS], nfired;
static uint32_t rng = 12345;
static uint32_t rnd(void)
{
    rng = rng * 1103515245u + 12345u;
    return rng >> 8;
}
static void heap_cb(void *arg) { fired_k[nfired++] = (int)(intptr_t)arg; }

/* a before b in the model: deadline relative to now, then insertion order. */
static int model_before(int a, int b)
{
    coro__stick da = (coro__stick)(rec[a].when - coro_virtual_now);
    coro__stick db = (coro__stick)(rec[b].when - coro_virtual_now);
    return da < db || (da == db && a < b);
}

static void check_heap(void)
{
    unsigned i;
    int best = -1, j;
    if (L.hlen != nlive)
        cr_assert_fail("hlen %d, model %d", (int)L.hlen, nlive);
    for (i = 0; i < L.hlen; i++) {
        coro_index id = L.heap[i].id;
        int k = slot_rec[id];
        if (L.slot[id].hpos != i)
            cr_assert_fail("hpos of slot %d is %d, at %u", (int)id, (int)L.slot[id].hpos, i);
        if (i > 0 && coro__before(&L, &L.heap[i], &L.heap[CORO__PARENT(i)]))
            cr_assert_fail("heap order broken at %u", i);
        if (k < 0 || !rec[k].live || rec[k].when != coro__when(&L, &L.heap[i]))
            cr_assert_fail("slot %d holds a timer the model does not", (int)id);
    }
    for (j = 0; j < nlive; j++)
        if (best < 0 || model_before(live_k[j], best))
            best = live_k[j];
    if (nlive && slot_rec[L.heap[0].id] != best)
        cr_assert_fail("heap top %d, model top %d", slot_rec[L.heap[0].id], best);
    for (i = CORO_MAX_TASKS; i < CORO__SLOTS; i++)
        if (slot_rec[i] < 0 && L.slot[i].hpos != CORO__NONE)
            cr_assert_fail("free slot %u claims heap position %d", i, (int)L.slot[i].hpos);
}

static int cmp_model(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return model_before(x, y) ? -1 : model_before(y, x) ? 1 : 0;
}

static void heap_model(coro_tick start)
{
    int op, j, last_dead = -1, pops = 0, reseqs = 0;
    coro__seq prev_seq;
    coro_virtual_now = start;
    cr_assert_eq(coro_loop_init(&L), CORO_OK);
    for (j = 0; j < CORO__SLOTS; j++)
        slot_rec[j] = -1;
    for (op = 0; op < HOPS; op++) {
        uint32_t r = rnd() % 100;
        if (op % 900 == 0 && (coro__seq)((coro__seq)-1 - 5) > L.seq)
            L.seq = (coro__seq)((coro__seq)-1 - (rnd() % 5)); /* only ever forward */
        prev_seq = L.seq;
        if (r < 50 && nlive < CORO_MAX_CALLBACKS && nrec < HOPS) {
            coro_tick when;
            coro_handle h;
            int k = nrec++;
            if (rnd() % 2) {
                when = (coro_tick)(coro_virtual_now + rnd() % 2000 - 100); /* some in the past */
                cr_assert_eq(coro_call_at(&L, &h, when, heap_cb, (void *)(intptr_t)k), CORO_OK);
            } else {
                coro_tick d = (coro_tick)(rnd() % 2000);
                when = (coro_tick)(coro_loop_time(&L) + d);
                cr_assert_eq(coro_call_later(&L, &h, d, heap_cb, (void *)(intptr_t)k), CORO_OK);
            }
            rec[k].when = when;
            rec[k].h = h;
            rec[k].live = 1;
            live_k[nlive++] = k;
            slot_rec[CORO__ID(h.id)] = k;
            if (L.seq < prev_seq)
                reseqs++;
        } else if (r < 75 && nlive) {
            int i = (int)(rnd() % (uint32_t)nlive), k = live_k[i];
            cr_assert_eq(coro_handle_cancel(&L, rec[k].h), 1);
            rec[k].live = 0;
            slot_rec[CORO__ID(rec[k].h.id)] = -1;
            live_k[i] = live_k[--nlive];
            last_dead = k;
        } else if (r < 80 && last_dead >= 0) {
            cr_assert_eq(coro_handle_cancel(&L, rec[last_dead].h), 0);
        } else if (nlive) {
            /* move time to the earliest deadline (or a little past it) and
             * run one iteration: exactly the due timers fire, in order */
            int due[CORO_MAX_CALLBACKS], ndue = 0, i;
            int best = live_k[0];
            for (i = 1; i < nlive; i++)
                if (model_before(live_k[i], best))
                    best = live_k[i];
            if ((coro__stick)(rec[best].when - coro_virtual_now) > 0)
                coro_virtual_now = rec[best].when;
            coro_virtual_now = (coro_tick)(coro_virtual_now + (rnd() % 4 == 0 ? rnd() % 30 : 0));
            for (i = 0; i < nlive; i++)
                if ((coro__stick)(rec[live_k[i]].when - coro_virtual_now) <= 0)
                    due[ndue++] = live_k[i];
            qsort(due, (size_t)ndue, sizeof due[0], cmp_model);
            nfired = 0;
            cr_assert_eq(coro__loop_enter(&L), CORO_OK);
            cr_assert(coro__run_once(&L));
            coro__loop_leave(&L, CORO_OK);
            cr_assert_eq(nfired, ndue);
            for (i = 0; i < ndue; i++) {
                if (fired_k[i] != due[i])
                    cr_assert_fail("op %d: fired %d, expected %d", op, fired_k[i], due[i]);
                rec[due[i]].live = 0;
                slot_rec[CORO__ID(rec[due[i]].h.id)] = -1;
                last_dead = due[i];
            }
            for (i = 0; i < nlive;)
                if (!rec[live_k[i]].live)
                    live_k[i] = live_k[--nlive];
                else
                    i++;
            pops++;
        }
        check_heap();
    }
    cr_assert_gt(pops, 1000);
    cr_assert_gt(reseqs, 3); /* the renumbering really happened, several times */
}

Test(timers, timer_heap_matches_a_model_over_10000_ops)
{
    heap_model(0);
}

Test(timers, timer_heap_matches_a_model_over_10000_ops_across_wrap)
{
    heap_model((coro_tick)-1500);
}

/* ====================================================================================
 * tick wrap
 * ==================================================================================== */

static coro_tick wrap_start;
static char wrap_trace[256];
static void wrap_cb(void *arg)
{
    coro_tick due = (coro_tick)(wrap_start + (coro_tick)(intptr_t)arg);
    coro_tick now = coro_loop_time(&L);
    size_t n = strlen(wrap_trace);
    /* offset from the start, and how late (never early, never late) */
    snprintf(wrap_trace + n, sizeof wrap_trace - n, "%d%s ", (int)(intptr_t)arg,
             now == due ? "" : (coro__stick)(now - due) < 0 ? "early" : "late");
}
struct wrap_sleeper { coro_frame co; int i; };
static CORO_FN(wrap_sleeper, struct wrap_sleeper, self)
{
    CORO_BEGIN(self);
    for (self->i = 1; self->i <= 3; self->i++) {
        CORO_SLEEP(self, 4);
        tr("s%d ", (int)(coro_tick)(coro_loop_time(coro_running_loop()) - wrap_start));
    }
    CORO_SLEEP_UNTIL(self, (coro_tick)(wrap_start + 15));
    tr("u%d ", (int)(coro_tick)(coro_loop_time(coro_running_loop()) - wrap_start));
    CORO_END(self);
}

Test(timers, tick_wrap_timers_fire_in_order)
{
    static const int offs[] = {7, 3, 5, 2, 10, 4, 6, 1};
    struct wrap_sleeper s;
    unsigned i;
    wrap_start = (coro_tick)-5;
    coro_virtual_now = wrap_start;
    cr_assert_eq(coro_loop_init(&L), CORO_OK);
    for (i = 0; i < sizeof offs / sizeof offs[0]; i++) {
        if (i % 2)
            cr_assert_eq(coro_call_later(&L, NULL, (coro_tick)offs[i], wrap_cb, (void *)(intptr_t)offs[i]), CORO_OK);
        else
            cr_assert_eq(coro_call_at(&L, NULL, (coro_tick)(wrap_start + offs[i]), wrap_cb, (void *)(intptr_t)offs[i]),
                         CORO_OK);
    }
    cr_assert_eq(coro_spawn(&L, NULL, wrap_sleeper, &s), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(wrap_trace, "1 2 3 4 5 6 7 10 ");
    cr_assert_str_eq(trace, "s4 s8 s12 u15 ");
    cr_assert_eq(coro_virtual_now, (coro_tick)10);
}

/* sleep_until at the edges, from t = 100: now + 1 sleeps exactly one tick;
 * now and a time CORO_MAX_DELAY / 2 behind are a yield (a task spawned just
 * before, tracing "p", runs first; no time passes); one tick further behind
 * is taken for a time beyond the horizon and refused at once (CORO_ERR_RANGE,
 * 7: the task spawned before it has not run yet). */
struct edges { coro_frame co; coro_status st; struct ping p[3]; };
static void spawn_p(struct ping *p)
{
    p->name = "p";
    p->n = 1;
    cr_assert_eq(coro_spawn(&L, NULL, ping, p), CORO_OK);
}
static CORO_FN(until_edges, struct edges, self)
{
    CORO_BEGIN(self);
    CORO_SLEEP_UNTIL(self, (coro_tick)(coro_loop_time(&L) + 1u));
    tr("+1@%lu ", NOW());
    spawn_p(&self->p[0]);
    CORO_SLEEP_UNTIL(self, coro_loop_time(&L));
    tr("0@%lu ", NOW());
    spawn_p(&self->p[1]);
    CORO_SLEEP_UNTIL(self, (coro_tick)(coro_loop_time(&L) - CORO_MAX_DELAY / 2u));
    tr("-h@%lu ", NOW());
    spawn_p(&self->p[2]);
    CORO_CATCH(self, self->st, CORO_SLEEP_UNTIL(self, (coro_tick)(coro_loop_time(&L) - CORO_MAX_DELAY / 2u - 1u)));
    tr("-h-1:%d@%lu ", (int)self->st, NOW());
    CORO_END(self);
}
Test(timers, sleep_until_one_tick_ahead_now_and_the_past_horizon)
{
    struct edges e;
    coro_virtual_now = 100;
    cr_assert_eq(coro_loop_init(&L), CORO_OK);
    memset(&e, 0, sizeof e);
    cr_assert_eq(coro_loop_run_until_complete(&L, until_edges, &e), CORO_OK);
    cr_assert_str_eq(trace, "+1@101 p0@101 p-h@101 -h-1:7@101 ", "%s", trace);
}

/* Cancelling a timer from the middle of the heap puts the last one in its
 * place, which may have to move up or down: here (deadlines inserted in an
 * order that is already a heap, so each stays where it lands) the 12th timer
 * (316) goes and the last (608) lands under 99 but above 330 and 559, so it
 * must move down. Everything left fires in deadline order. */
static const coro_tick mid_heap[29] = {27,  263, 75,  327, 641, 99,  405, 333, 537, 776, 902, 316, 110, 535, 690,
                                       898, 525, 597, 593, 962, 821, 925, 987, 559, 330, 155, 957, 721, 608};
static coro_tick mid_fired[29];
static int mid_n;
static void mid_cb(void *arg) { mid_fired[mid_n++] = *(const coro_tick *)arg; }
Test(timers, cancel_from_the_middle_of_the_heap_keeps_deadline_order)
{
    coro_handle h[29];
    int i;
    mid_n = 0;
    for (i = 0; i < 29; i++)
        cr_assert_eq(coro_call_at(&L, &h[i], mid_heap[i], mid_cb, (void *)&mid_heap[i]), CORO_OK);
    cr_assert_eq(coro_handle_cancel(&L, h[11]), 1);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_eq(mid_n, 28);
    for (i = 1; i < mid_n; i++)
        cr_assert(mid_fired[i - 1] < mid_fired[i], "%u fired before %u", (unsigned)mid_fired[i - 1],
                  (unsigned)mid_fired[i]);
}
