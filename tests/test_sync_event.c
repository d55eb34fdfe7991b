/* Event (coro_sync.h, asyncio-behaviours.md 1.8): set wakes every waiter,
 * clear, cancellation, timeouts and the CHOSEN window, and the all-zero event.
 * Part of the coro_sync.h suite split by object: shared setup, actors and
 * the all-zero scaffolding are in tests/sync_common.h. mk/host.mk runs every
 * tests/test_sync_*.c with NDEBUG too. */
#include "sync_common.h"

TestSuite(event, .init = setup);

/* ---- Event (1.8) ------------------------------------------------------------------ */
static coro_event ge;
static void set_ev(void *arg) { (void)arg; cr_assert_eq(coro_event_set(&ge), CORO_OK); }
static void set_clear_ev(void *arg)
{
    (void)arg;
    coro_event_set(&ge);
    coro_event_set(&ge); /* repeated set: no-op */
    coro_event_clear(&ge);
}

Test(event, event_set_wakes_all_wait_on_set_returns) /* 72 */
{
    struct ev a = {.e = &ge, .id = 1}, b = {.e = &ge, .id = 2}, c = {.e = &ge, .id = 3};
    coro_event_init(&ge);
    SPAWN(ev_task, &a);
    SPAWN(ev_task, &b);
    step();
    cr_assert_eq(coro_waitq_len(&L, &ge.q), 2);
    cr_assert_eq(coro_call_soon(&L, NULL, set_ev, NULL), CORO_OK);
    SPAWN(ev_task, &c); /* created, not started when the event is set */
    /* c was queued before the woken 1 and 2: it sees the flag first */
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "3:0 1:0 2:0 ");
    cr_assert(coro_event_is_set(&ge));
}

Test(event, event_wait_cancel) /* 73 */
{
    struct ev a = {.e = &ge, .id = 1}, b = {.e = &ge, .id = 2};
    coro_task ta;
    coro_event_init(&ge);
    ta = SPAWN(ev_task, &a);
    SPAWN(ev_task, &b);
    step();
    coro_task_cancel(&L, ta);
    cr_assert_eq(coro_waitq_len(&L, &ge.q), 1);
    step();
    cr_assert_str_eq(trace, "1:1 ");
    cr_assert_eq(coro_call_soon(&L, NULL, set_ev, NULL), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "1:1 2:0 ");
}

Test(event, event_set_clear_before_waiters_run) /* 74, 75 */
{
    struct ev a = {.e = &ge, .id = 1}, b = {.e = &ge, .id = 2}, c = {.e = &ge, .id = 3, .tmo = 10};
    coro_event_init(&ge);
    SPAWN(ev_task, &a);
    SPAWN(ev_task, &b);
    step();
    cr_assert_eq(coro_call_soon(&L, NULL, set_clear_ev, NULL), CORO_OK);
    step();
    cr_assert_not(coro_event_is_set(&ge)); /* 75 */
    SPAWN(ev_task, &c); /* the cleared event makes c wait (and time out) */
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "1:0 2:0 3:2 ");
}

Test(event, event_timeout_and_chosen_cancel) /* timeouts; hostile 11 */
{
    struct ev a = {.e = &ge, .id = 1, .tmo = 5}, b = {.e = &ge, .id = 2}, c = {.e = &ge, .id = 3};
    coro_event_init(&ge);
    SPAWN(ev_task, &a);
    victim = SPAWN(ev_task, &b);
    SPAWN(ev_task, &c);
    run_until(6);
    cr_assert_str_eq(trace, "1:2 ");
    cr_assert_eq(coro_event_set(&ge), CORO_ERR_STATE); /* waiters, no running loop */
    cr_assert_not(coro_event_is_set(&ge));
    cr_assert_eq(coro_call_soon(&L, NULL, set_ev, NULL), CORO_OK);
    step(); /* b and c chosen; cancel b before it runs */
    coro_task_cancel(&L, victim);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "1:2 2:1 3:0 ");
}



/* Two waiters (one with a timeout that expires first), set at 8 by a
 * callback, a late waiter returns at once, clear, a wait that times out. */
static void ev_scenario(coro_event *e, char *out, size_t n)
{
    struct ev a = {.e = e, .id = 1}, b = {.e = e, .id = 2, .tmo = 4}, c = {.e = e, .id = 3}, d = {.e = e, .id = 4, .tmo = 3};
    setup();
    bystander();
    cr_assert_not(coro_event_is_set(e));
    SPAWN(ev_task, &a);
    SPAWN(ev_task, &b);
    cr_assert_eq(coro_call_at(&L, NULL, 8, set_ev_arg, e), CORO_OK);
    run_until(9);
    cr_assert(coro_event_is_set(e));
    cr_assert(coro_waitq_empty(&e->q));
    SPAWN(ev_task, &c);
    step();
    coro_event_clear(e);
    SPAWN(ev_task, &d);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_not(coro_event_is_set(e));
    cr_assert(coro_waitq_empty(&e->q));
    tr("@%u", (unsigned)coro_loop_time(&L));
    snprintf(out, n, "%s", trace);
}

Test(event, zeroed_event_is_a_clear_event)
{
    static coro_event init = CORO_EVENT_INIT;
    coro_event fn, mz;
    memset(&fn, 0xA5, sizeof fn);
    coro_event_init(&fn);
    memset(&mz, 0, sizeof mz);
    SAME_IN_EVERY_FORM(ev_scenario, "event", "2:2 1:0 3:0 4:2 9:0 @100", &init, &fn, &z_event, &mz);
}

/* A task with a cancellation pending (it cancelled itself, as a task
 * cancelled while ready between two awaits would have one) whose next await waits on a clear event: the
 * wait ends cancelled at once (asyncio delivers a pending cancel at the first
 * await that suspends), nothing is left in the event's queue, and a later set
 * wakes nobody. */
Test(event, wait_started_with_a_pending_cancel_ends_cancelled)
{
    struct ev a = {.e = &ge, .id = 1, .self_cancel = 1};
    coro_event_init(&ge);
    SPAWN(ev_task, &a);
    step();
    cr_assert_str_eq(trace, "1:1 ");
    cr_assert(coro_waitq_empty(&ge.q));
    cr_assert_eq(coro_event_set(&ge), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "1:1 ");
}

/* The dump lists every waiter of an event by its slot number, two-digit
 * numbers included (this suite has 16 task slots). */
static char evdump[2048];
static void evdump_w(const char *s, void *ctx)
{
    (void)ctx;
    strncat(evdump, s, sizeof evdump - strlen(evdump) - 1);
}
Test(event, dump_lists_every_waiter_by_its_slot_number)
{
    static struct ev w[11];
    char want[64];
    int i;
    coro_event_init(&ge);
    for (i = 0; i < 11; i++) {
        w[i].e = &ge;
        w[i].id = i;
        SPAWN(ev_task, &w[i]);
    }
    step();
    evdump[0] = 0;
    coro_loop_dump(&L, evdump_w, NULL);
    for (i = 0; i < 11; i++) {
        snprintf(want, sizeof want, "  task %d: waiting on a queue 0x", i);
        cr_assert(strstr(evdump, want), "%s\nwanted: %s", evdump, want);
    }
}
