/* Composition (coro.h): gather, wait (FIRST_COMPLETED, FIRST_EXCEPTION,
 * ALL_COMPLETED, timeouts) and wait_for, driven by the `boss` coroutine of
 * core_common.h.
 * Part of the core suite split by subject: shared setup, coroutines and the
 * trace notation are in tests/core_common.h. Built also on the labels backend,
 * 16-bit ticks and 8-bit generations (Makefile labels/tick16, mk gen8). */
#include "core_common.h"

TestSuite(compose, .init = setup);

/* ====================================================================================
 * gather
 * ==================================================================================== */

static void spawn_workers(struct worker *w, int n, struct boss *b)
{
    int i;
    for (i = 0; i < n; i++)
        cr_assert_eq(coro_spawn(&L, &b->t[i], worker, &w[i]), CORO_OK);
    b->n = n;
}

Test(compose, gather_results_in_argument_order)
{
    struct worker w[3] = {{.name = "a", .d = 20, .ret = CORO_ERR_USER + 1},
                          {.name = "b", .d = 10, .ret = CORO_ERR_USER + 2},
                          {.name = "c", .d = 30, .ret = CORO_ERR_USER + 3}};
    struct boss b = {.op = OP_GATHER_ERRS};
    coro_task tb;
    spawn_workers(w, 3, &b);
    cr_assert_eq(coro_spawn(&L, &tb, boss, &b), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, tb), CORO_OK);
    cr_assert_str_eq(trace, "b34@10 a33@20 c35@30 B0@30 ");
    cr_assert_eq(b.errs[0], CORO_ERR_USER + 1);
    cr_assert_eq(b.errs[1], CORO_ERR_USER + 2);
    cr_assert_eq(b.errs[2], CORO_ERR_USER + 3);
    cr_assert_eq(w[0].result, 1020);
    cr_assert_eq(w[1].result, 1010);
    cr_assert_eq(w[2].result, 1030);
}

Test(compose, gather_success_waits_for_all)
{
    struct worker w[3] = {{.name = "a", .d = 20}, {.name = "b", .d = 10}, {.name = "c", .d = 30}};
    struct boss b = {.op = OP_GATHER};
    coro_task tb;
    spawn_workers(w, 3, &b);
    cr_assert_eq(coro_spawn(&L, &tb, boss, &b), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, tb), CORO_OK);
    cr_assert_str_eq(trace, "b0@10 a0@20 c0@30 B0@30 ");
    cr_assert_eq(b.mask, 7u);
}

Test(compose, gather_first_error_completes_at_once_siblings_run_on)
{
    struct worker w[2] = {{.name = "a", .d = 10, .ret = CORO_ERR_USER + 1}, {.name = "b", .d = 20}};
    struct boss b = {.op = OP_GATHER, .after = 30};
    coro_task tb;
    spawn_workers(w, 2, &b);
    cr_assert_eq(coro_spawn(&L, &tb, boss, &b), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, tb), CORO_OK);
    cr_assert_str_eq(trace, "a33@10 B33@10 b0@20 B.@40 ");
    cr_assert_eq(b.mask, 1u);
    cr_assert_eq(coro_task_status(&L, b.t[1]), CORO_OK); /* not cancelled */
}

Test(compose, gather_errs_collects_including_cancelled)
{
    struct worker w[3] = {{.name = "a", .d = 10, .ret = CORO_ERR_USER + 1},
                          {.name = "b", .d = 100},
                          {.name = "c", .d = 30}};
    struct boss b = {.op = OP_GATHER_ERRS};
    struct canceller c = {0};
    coro_task tb;
    spawn_workers(w, 3, &b);
    c.t = b.t[1];
    cr_assert_eq(coro_call_at(&L, NULL, 20, cancel_cb, &c), CORO_OK);
    cr_assert_eq(coro_spawn(&L, &tb, boss, &b), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, tb), CORO_OK);
    cr_assert_str_eq(trace, "a33@10 X@20 b1@20 c0@30 B0@30 ");
    cr_assert_eq(b.errs[0], CORO_ERR_USER + 1);
    cr_assert_eq(b.errs[1], CORO_ERR_CANCELLED);
    cr_assert_eq(b.errs[2], CORO_OK);
}

Test(compose, gather_cancelling_gatherer_cancels_children)
{
    struct worker w[2] = {{.name = "a", .d = 100, .fin_sleep = 3}, {.name = "b", .d = 100}};
    struct boss b = {.op = OP_GATHER, .reraise = 1};
    struct canceller c = {0};
    coro_task tb;
    spawn_workers(w, 2, &b);
    cr_assert_eq(coro_spawn(&L, &tb, boss, &b), CORO_OK);
    c.t = tb;
    cr_assert_eq(coro_call_at(&L, NULL, 5, cancel_cb, &c), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, tb), CORO_ERR_CANCELLED);
    /* the gather ends after the children finished their cleanup */
    cr_assert_str_eq(trace, "X@5 a1@5 b1@5 a.@8 B1@8 ");
    cr_assert(coro_task_cancelled(&L, b.t[0]));
    cr_assert(coro_task_cancelled(&L, b.t[1]));
    cr_assert_eq(coro_task_cancel(&L, tb), 0);
}

Test(compose, gather_empty_completes_at_once)
{
    struct boss b = {.op = OP_GATHER, .n = 0, .spy = 1};
    cr_assert_eq(coro_loop_run_until_complete(&L, boss, &b), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "B0@0 x ");
}

Test(compose, gather_of_the_same_task_twice_reports_it_twice)
{
    struct worker w = {.name = "a", .d = 10, .ret = CORO_ERR_USER + 1};
    struct boss b = {.op = OP_GATHER_ERRS, .n = 2}, b2 = {.op = OP_GATHER, .n = 2};
    coro_task tb;
    cr_assert_eq(coro_spawn(&L, &b.t[0], worker, &w), CORO_OK);
    b.t[1] = b.t[0];
    cr_assert_eq(coro_spawn(&L, &tb, boss, &b), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, tb), CORO_OK);
    cr_assert_eq(b.errs[0], CORO_ERR_USER + 1);
    cr_assert_eq(b.errs[1], CORO_ERR_USER + 1);
    cr_assert_str_eq(trace, "a33@10 B0@10 ");
    /* and without errs: the status, once */
    trace[0] = 0;
    w.ret = 0;
    cr_assert_eq(coro_spawn(&L, &b2.t[0], worker, &w), CORO_OK);
    b2.t[1] = b2.t[0];
    cr_assert_eq(coro_spawn(&L, &tb, boss, &b2), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, tb), CORO_OK);
    cr_assert_str_eq(trace, "a0@20 B0@20 ");
}

Test(compose, gather_cancelled_child_completes_gather_cancelled)
{
    struct worker w[2] = {{.name = "a", .d = 100}, {.name = "b", .d = 20}};
    struct boss b = {.op = OP_GATHER, .after = 30};
    struct canceller c = {0};
    coro_task tb;
    spawn_workers(w, 2, &b);
    c.t = b.t[0];
    cr_assert_eq(coro_call_at(&L, NULL, 5, cancel_cb, &c), CORO_OK);
    cr_assert_eq(coro_spawn(&L, &tb, boss, &b), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, tb), CORO_OK);
    /* the gatherer itself is not cancelled: its next sleep completes */
    cr_assert_str_eq(trace, "X@5 a1@5 B1@5 b0@20 B.@35 ");
    cr_assert_eq(coro_task_status(&L, b.t[1]), CORO_OK);
    cr_assert_not(coro_task_cancelled(&L, tb));
}

/* ====================================================================================
 * wait
 * ==================================================================================== */

static coro_status run_wait(struct worker *w, int n, struct boss *b, coro_task *tb)
{
    b->op = OP_WAIT;
    spawn_workers(w, n, b);
    cr_assert_eq(coro_spawn(&L, tb, boss, b), CORO_OK);
    return coro_loop_run_task(&L, *tb);
}

/* CORO_WAIT's return conditions. Workers "a", "b", "c" sleep d[i] and end
 * with ret[i]; the boss waits for the first n with `when` and `timeout`,
 * traces "B<status>@<t>", then sleeps `after` ("B.@<t>"). Checked: which tasks
 * were done when the wait returned (ndone, mask), the trace, the timers left
 * right after, and that wait never cancels: every task, run to its end, has
 * its own status. Criterion copies the parameters: no pointers here. */
struct wait_case {
    char what[48];
    int n;
    coro_tick d[3];
    coro_status ret[3];
    int when;
    coro_tick timeout, after;
    int ndone;
    unsigned mask;
    char trace[40];
    int timers_left;
};
ParameterizedTestParameters(compose, wait_returns_when_its_condition_holds)
{
    static struct wait_case cases[] = {
        {"FIRST_COMPLETED returns at the first end", 2, {10, 20}, {0, 0}, CORO_FIRST_COMPLETED, CORO_FOREVER, 20,
         1, 1u, "a0@10 B0@10 b0@20 B.@30 ", 0},
        {"FIRST_COMPLETED counts all done that round", 3, {10, 10, 30}, {0, 0, 0}, CORO_FIRST_COMPLETED,
         CORO_FOREVER, 0, 2, 3u, "a0@10 b0@10 B0@10 ", 1},
        {"FIRST_EXCEPTION returns at the first error", 3, {10, 20, 30}, {0, CORO_ERR_USER + 1, 0},
         CORO_FIRST_EXCEPTION, CORO_FOREVER, 0, 2, 3u, "a0@10 b33@20 B0@20 ", 1},
        {"ALL_COMPLETED waits for every task", 3, {30, 10, 20}, {0, CORO_ERR_USER + 1, 0}, CORO_ALL_COMPLETED,
         CORO_FOREVER, 0, 3, 7u, "b33@10 c0@20 a0@30 B0@30 ", 0},
        {"a timeout returns without cancelling", 3, {10, 20, 30}, {0, 0, 0}, CORO_ALL_COMPLETED, 15, 30, 1, 1u,
         "a0@10 B0@15 b0@20 c0@30 B.@45 ", 0},
        {"a task ending at the timeout counts as done", 2, {10, 20}, {0, 0}, CORO_ALL_COMPLETED, 10, 0, 1, 1u,
         "a0@10 B0@10 ", 1},
    };
    return cr_make_param_array(struct wait_case, cases, sizeof cases / sizeof cases[0]);
}
ParameterizedTest(struct wait_case *c, compose, wait_returns_when_its_condition_holds)
{
    static const char *const names[3] = {"a", "b", "c"};
    struct worker w[3];
    struct boss b;
    coro_task tb;
    int i;
    memset(w, 0, sizeof w);
    memset(&b, 0, sizeof b);
    for (i = 0; i < c->n; i++) {
        w[i].name = names[i];
        w[i].d = c->d[i];
        w[i].ret = c->ret[i];
    }
    b.when = c->when;
    b.timeout = c->timeout;
    b.after = c->after;
    cr_assert_eq(run_wait(w, c->n, &b, &tb), CORO_OK, "%s", c->what); /* wait itself never raises */
    cr_assert_eq(b.ndone, c->ndone, "%s", c->what);
    cr_assert_eq(b.mask, c->mask, "%s", c->what);
    cr_assert_str_eq(trace, c->trace, "%s", c->what);
    cr_assert_eq(L.hlen, c->timers_left, "%s", c->what);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK, "%s", c->what);
    for (i = 0; i < c->n; i++)
        cr_assert_eq(coro_task_status(&L, b.t[i]), c->ret[i], "%s: task %d", c->what, i);
}

Test(compose, wait_first_exception_already_failed_returns_at_once)
{
    struct worker w[2] = {{.name = "a", .d = 10, .ret = CORO_ERR_USER + 1}, {.name = "b", .d = 50}};
    struct boss b = {.when = CORO_FIRST_EXCEPTION, .timeout = CORO_FOREVER, .before = 20, .spy = 1};
    coro_task tb;
    cr_assert_eq(run_wait(w, 2, &b, &tb), CORO_OK);
    cr_assert_eq(b.ndone, 1);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "a33@10 B0@20 x b0@50 ");
}

/* Same, with the wait's timer set before the task's (it comes due first). */
Test(compose, wait_task_finishing_at_timeout_counts_as_done_timer_first)
{
    struct worker w[2] = {{.name = "a", .d = 10}, {.name = "b", .d = 20}};
    struct boss b = {.op = OP_WAIT, .when = CORO_ALL_COMPLETED, .timeout = 10};
    coro_task tb;
    cr_assert_eq(coro_spawn(&L, &tb, boss, &b), CORO_OK); /* the boss runs first */
    spawn_workers(w, 2, &b);
    cr_assert_eq(coro_loop_run_task(&L, tb), CORO_OK);
    cr_assert_eq(b.ndone, 1);
    cr_assert_eq(b.mask, 1u);
    cr_assert_str_eq(trace, "a0@10 B0@10 ");
}

Test(compose, wait_duplicate_counted_once)
{
    struct worker w[2] = {{.name = "a", .d = 10}, {.name = "b", .d = 20}};
    struct boss b = {.op = OP_WAIT, .when = CORO_ALL_COMPLETED, .timeout = CORO_FOREVER};
    coro_task tb;
    spawn_workers(w, 2, &b);
    b.t[2] = b.t[0];
    b.n = 3;
    cr_assert_eq(coro_spawn(&L, &tb, boss, &b), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, tb), CORO_OK);
    cr_assert_eq(b.ndone, 2);
    cr_assert_eq(b.mask, 7u);
    cr_assert_str_eq(trace, "a0@10 b0@20 B0@20 ");
}

Test(compose, wait_invalid_arguments)
{
    struct worker w = {.name = "a", .d = 10};
    struct boss b0 = {.op = OP_WAIT, .n = 0, .when = CORO_ALL_COMPLETED, .timeout = CORO_FOREVER};
    struct boss b1 = {.op = OP_WAIT, .when = 7, .timeout = CORO_FOREVER};
    struct boss b2 = {.op = OP_WAIT, .when = 0, .timeout = CORO_FOREVER};
    cr_assert_eq(coro_loop_run_until_complete(&L, boss, &b0), CORO_OK);
    cr_assert_eq(b0.st, CORO_ERR_INVALID);
    cr_assert_eq(coro_spawn(&L, &b1.t[0], worker, &w), CORO_OK);
    b1.n = 1;
    b2.t[0] = b1.t[0];
    b2.n = 1;
    cr_assert_eq(coro_loop_run_until_complete(&L, boss, &b1), CORO_OK);
    cr_assert_eq(b1.st, CORO_ERR_INVALID);
    cr_assert_eq(coro_loop_run_until_complete(&L, boss, &b2), CORO_OK);
    cr_assert_eq(b2.st, CORO_ERR_INVALID);
    cr_assert_eq(coro_loop_time(&L), 0); /* none of them waited */
    cr_assert_eq(coro_loop_run_task(&L, b1.t[0]), CORO_OK); /* and the task is intact */
}

Test(compose, wait_and_wait_for_timeout_beyond_max_delay_is_range_error)
{
    struct worker w = {.name = "a", .d = 10};
    struct boss b1 = {.op = OP_WAIT, .n = 1, .when = CORO_FIRST_COMPLETED, .timeout = (coro_tick)(CORO_MAX_DELAY + 1u)};
    struct boss b2 = {.op = OP_WAIT_FOR, .n = 1, .timeout = (coro_tick)(CORO_MAX_DELAY + 1u)};
    cr_assert_eq(coro_spawn(&L, &b1.t[0], worker, &w), CORO_OK);
    b2.t[0] = b1.t[0];
    cr_assert_eq(coro_loop_run_until_complete(&L, boss, &b1), CORO_OK);
    cr_assert_eq(coro_loop_run_until_complete(&L, boss, &b2), CORO_OK);
    cr_assert_eq(b1.st, CORO_ERR_RANGE);
    cr_assert_eq(b2.st, CORO_ERR_RANGE);
    cr_assert_eq(coro_loop_run_task(&L, b1.t[0]), CORO_OK); /* the task is untouched */
    cr_assert_str_eq(trace, "B7@0 B7@0 a0@10 ");
}

Test(compose, wait_cancelling_waiter_does_not_cancel_tasks)
{
    struct worker w[2] = {{.name = "a", .d = 10}, {.name = "b", .d = 20}};
    struct boss b = {.op = OP_WAIT, .when = CORO_ALL_COMPLETED, .timeout = CORO_FOREVER, .reraise = 1};
    struct canceller c = {0};
    coro_task tb;
    spawn_workers(w, 2, &b);
    cr_assert_eq(coro_spawn(&L, &tb, boss, &b), CORO_OK);
    c.t = tb;
    cr_assert_eq(coro_call_at(&L, NULL, 5, cancel_cb, &c), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, tb), CORO_ERR_CANCELLED);
    cr_assert_eq(coro_loop_time(&L), 5);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "X@5 B1@5 a0@10 b0@20 ");
    cr_assert_eq(coro_task_status(&L, b.t[0]), CORO_OK);
    cr_assert_eq(coro_task_status(&L, b.t[1]), CORO_OK);
}

/* ====================================================================================
 * wait_for
 * ==================================================================================== */

static coro_status run_wait_for(struct worker *w, struct boss *b, coro_task *tb)
{
    b->op = OP_WAIT_FOR;
    spawn_workers(w, 1, b);
    cr_assert_eq(coro_spawn(&L, tb, boss, b), CORO_OK);
    return coro_loop_run_task(&L, *tb);
}

Test(compose, wait_for_timeout_cancels_inner_after_its_cleanup)
{
    struct worker w = {.name = "a", .d = 100, .fin_sleep = 5};
    struct boss b = {.timeout = 10};
    coro_task tb;
    cr_assert_eq(run_wait_for(&w, &b, &tb), CORO_OK);
    cr_assert_eq(b.st, CORO_ERR_TIMEOUT);
    cr_assert_str_eq(trace, "a1@10 a.@15 B2@15 ");
    cr_assert(coro_task_cancelled(&L, b.t[0]));
    cr_assert_eq(L.hlen, 0);
}

Test(compose, wait_for_inner_swallowing_cancel_wins)
{
    struct worker w = {.name = "a", .d = 100, .swallow = 1};
    struct boss b = {.timeout = 10};
    coro_task tb;
    cr_assert_eq(run_wait_for(&w, &b, &tb), CORO_OK);
    cr_assert_eq(b.st, CORO_OK);
    cr_assert_str_eq(trace, "a1@10 B0@10 ");
    cr_assert_eq(coro_task_status(&L, b.t[0]), CORO_OK);
}

Test(compose, wait_for_zero_on_unstarted_task_never_runs_it)
{
    struct worker w = {.name = "a", .d = 10};
    struct boss b = {.op = OP_WAIT_FOR, .n = 1, .timeout = 0};
    coro_task tb;
    cr_assert_eq(coro_spawn(&L, &tb, boss, &b), CORO_OK); /* boss runs first */
    cr_assert_eq(coro_spawn(&L, &b.t[0], worker, &w), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, tb), CORO_OK);
    cr_assert_eq(b.st, CORO_ERR_TIMEOUT);
    cr_assert_not(w.ran);
    cr_assert_str_eq(trace, "B2@0 ");
    cr_assert(coro_task_cancelled(&L, b.t[0]));
}

Test(compose, wait_for_zero_on_done_task_returns_its_status)
{
    struct worker w = {.name = "a", .d = 10, .ret = CORO_ERR_USER + 1};
    struct boss b = {.timeout = 0, .before = 20, .spy = 1};
    coro_task tb;
    cr_assert_eq(run_wait_for(&w, &b, &tb), CORO_OK);
    cr_assert_eq(b.st, CORO_ERR_USER + 1);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "a33@10 B33@20 x ");
}

static void wait_for_cancel_caller(coro_tick timeout)
{
    struct worker w = {.name = "a", .d = 100, .fin_sleep = 3};
    struct boss b = {.op = OP_WAIT_FOR, .timeout = timeout, .reraise = 1};
    struct canceller c = {0};
    coro_task tb;
    spawn_workers(&w, 1, &b);
    cr_assert_eq(coro_spawn(&L, &tb, boss, &b), CORO_OK);
    c.t = tb;
    cr_assert_eq(coro_call_at(&L, NULL, 5, cancel_cb, &c), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, tb), CORO_ERR_CANCELLED);
    cr_assert_str_eq(trace, "X@5 a1@5 a.@8 B1@8 ");
    cr_assert(coro_task_cancelled(&L, b.t[0]));
    cr_assert_eq(L.hlen, 0); /* the wait's timer is gone */
}

Test(compose, wait_for_cancelling_caller_cancels_inner)
{
    wait_for_cancel_caller(50);
}

Test(compose, wait_for_forever_cancelling_caller_cancels_inner)
{
    wait_for_cancel_caller(CORO_FOREVER);
}

Test(compose, wait_for_error_during_cancellation_propagates)
{
    struct worker w = {.name = "a", .d = 100, .fin_err = CORO_ERR_USER + 5};
    struct boss b = {.timeout = 10};
    coro_task tb;
    cr_assert_eq(run_wait_for(&w, &b, &tb), CORO_OK);
    cr_assert_eq(b.st, CORO_ERR_USER + 5);
    cr_assert_str_eq(trace, "a1@10 B37@10 ");
}

static int hlen_seen = -1;
static void hlen_cb(void *arg) { (void)arg; hlen_seen = L.hlen; }

Test(compose, wait_for_forever_is_plain_await)
{
    struct worker w = {.name = "a", .d = 50, .ret = CORO_ERR_USER + 1};
    struct boss b = {.timeout = CORO_FOREVER};
    coro_task tb;
    cr_assert_eq(coro_call_at(&L, NULL, 20, hlen_cb, NULL), CORO_OK);
    cr_assert_eq(run_wait_for(&w, &b, &tb), CORO_OK);
    cr_assert_eq(b.st, CORO_ERR_USER + 1);
    cr_assert_str_eq(trace, "a33@50 B33@50 ");
    cr_assert_eq(hlen_seen, 1); /* only the worker's sleep: no wait timer */
}

Test(compose, wait_for_result_at_the_timeout_wins)
{
    struct worker w = {.name = "a", .d = 10, .ret = CORO_ERR_USER + 1};
    struct boss b = {.timeout = 10};
    coro_task tb;
    cr_assert_eq(run_wait_for(&w, &b, &tb), CORO_OK);
    cr_assert_eq(b.st, CORO_ERR_USER + 1);
    cr_assert_str_eq(trace, "a33@10 B33@10 ");
}

/* The caller is cancelled in the very iteration its timeout expires: the
 * cancellation is not swallowed into a timeout (gh-86296). */
Test(compose, wait_for_cancel_and_timeout_same_tick_reports_cancel)
{
    struct worker w = {.name = "a", .d = 100};
    struct boss b = {.op = OP_WAIT_FOR, .timeout = 10, .reraise = 1};
    struct canceller c = {0};
    coro_task tb;
    spawn_workers(&w, 1, &b);
    cr_assert_eq(coro_spawn(&L, &tb, boss, &b), CORO_OK);
    c.t = tb;
    cr_assert_eq(coro_call_at(&L, NULL, 10, cancel_cb, &c), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, tb), CORO_ERR_CANCELLED);
    cr_assert_eq(b.st, CORO_ERR_CANCELLED);
    cr_assert(coro_task_cancelled(&L, b.t[0]));
}

/* The timeout already forwarded, the inner task is still cleaning up, and
 * then the caller is cancelled: the caller reports the cancellation. */
Test(compose, wait_for_cancel_during_timeout_cleanup_reports_cancel)
{
    struct worker w = {.name = "a", .d = 100, .fin_sleep = 5};
    struct boss b = {.op = OP_WAIT_FOR, .timeout = 10, .reraise = 1};
    struct canceller c = {0};
    coro_task tb;
    spawn_workers(&w, 1, &b);
    cr_assert_eq(coro_spawn(&L, &tb, boss, &b), CORO_OK);
    c.t = tb;
    cr_assert_eq(coro_call_at(&L, NULL, 12, cancel_cb, &c), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, tb), CORO_ERR_CANCELLED);
    cr_assert_eq(c.ret, 1);
    cr_assert_str_eq(trace, "a1@10 X@12 a.@15 B1@15 ");
}

/* The inner task finishes, then the caller is cancelled before it resumes
 * (same iteration): the cancellation is not swallowed by the result. */
static struct canceller late_c;
static void arm_late_cancel(void *arg)
{
    (void)arg;
    cr_assert_eq(coro_call_at(&L, NULL, 10, cancel_cb, &late_c), CORO_OK);
}

Test(compose, wait_for_inner_done_then_caller_cancelled_same_iteration)
{
    struct worker w = {.name = "a", .d = 10, .ret = CORO_ERR_USER + 1};
    struct boss b = {.op = OP_WAIT_FOR, .timeout = 50, .reraise = 1};
    coro_task tb;
    spawn_workers(&w, 1, &b);
    cr_assert_eq(coro_spawn(&L, &tb, boss, &b), CORO_OK);
    late_c.t = tb;
    cr_assert_eq(coro_call_at(&L, NULL, 5, arm_late_cancel, NULL), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, tb), CORO_ERR_CANCELLED);
    cr_assert_eq(late_c.ret, 1);
    cr_assert_str_eq(trace, "a33@10 X@10 B1@10 ");
    cr_assert_eq(coro_task_status(&L, b.t[0]), CORO_ERR_USER + 1);
    cr_assert_eq(L.hlen, 0);
}
