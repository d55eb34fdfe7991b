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

/* The workers of a table case: "a", "b", "c" sleep d[i] and end with ret[i];
 * the boss is cleared. */
static void table_workers(struct worker *w, struct boss *b, int n, const coro_tick *d, const coro_status *ret)
{
    static const char *const names[3] = {"a", "b", "c"};
    int i;
    memset(w, 0, 3 * sizeof *w);
    memset(b, 0, sizeof *b);
    for (i = 0; i < n; i++) {
        w[i].name = names[i];
        w[i].d = d[i];
        w[i].ret = ret[i];
    }
}

/* CORO_GATHER's outcomes. Workers "a", "b", "c" sleep d[i] and end with
 * ret[i]; a callback may cancel one of them (`cancel`, at `cancel_at`). The
 * boss gathers them (with an errs array if `errs`), traces "B<status>@<t>",
 * then sleeps `after` ("B.@<t>"). Checked: the trace, which tasks were done
 * when the gather returned (mask), the per-task statuses in argument order
 * (errs), and, every task run to its end, that gather cancelled none of them
 * and the gatherer was not cancelled. Criterion copies the parameters: no
 * pointers here. */
struct gather_case {
    char what[56];
    int n;
    coro_tick d[3];
    coro_status ret[3];
    int errs, cancel;
    coro_tick cancel_at, after;
    char trace[40];
    unsigned mask;
};
ParameterizedTestParameters(compose, gather_completes_as_asyncio_gather)
{
    static struct gather_case cases[] = {
        {"results in argument order, not completion order", 3, {20, 10, 30},
         {CORO_ERR_USER + 1, CORO_ERR_USER + 2, CORO_ERR_USER + 3}, 1, -1, 0, 0, "b34@10 a33@20 c35@30 B0@30 ", 7u},
        {"success waits for all", 3, {20, 10, 30}, {0, 0, 0}, 0, -1, 0, 0, "b0@10 a0@20 c0@30 B0@30 ", 7u},
        {"the first error completes it at once, siblings run on", 2, {10, 20}, {CORO_ERR_USER + 1, 0}, 0, -1, 0, 30,
         "a33@10 B33@10 b0@20 B.@40 ", 1u},
        {"with errs it collects every status, cancelled included", 3, {10, 100, 30}, {CORO_ERR_USER + 1, 0, 0}, 1, 1,
         20, 0, "a33@10 X@20 b1@20 c0@30 B0@30 ", 7u},
        {"a cancelled child completes it cancelled", 2, {100, 20}, {0, 0}, 0, 0, 5, 30, "X@5 a1@5 B1@5 b0@20 B.@35 ",
         1u},
    };
    return cr_make_param_array(struct gather_case, cases, sizeof cases / sizeof cases[0]);
}
ParameterizedTest(struct gather_case *c, compose, gather_completes_as_asyncio_gather)
{
    struct worker w[3];
    struct boss b;
    struct canceller k = {0};
    coro_task tb;
    int i;
    table_workers(w, &b, c->n, c->d, c->ret);
    b.op = c->errs ? OP_GATHER_ERRS : OP_GATHER;
    b.after = c->after;
    spawn_workers(w, c->n, &b);
    if (c->cancel >= 0) {
        k.t = b.t[c->cancel];
        cr_assert_eq(coro_call_at(&L, NULL, c->cancel_at, cancel_cb, &k), CORO_OK);
    }
    cr_assert_eq(coro_spawn(&L, &tb, boss, &b), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, tb), CORO_OK, "%s", c->what);
    cr_assert_str_eq(trace, c->trace, "%s", c->what);
    cr_assert_eq(b.mask, c->mask, "%s", c->what);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK, "%s", c->what);
    cr_assert_not(coro_task_cancelled(&L, tb), "%s", c->what);
    for (i = 0; i < c->n; i++) {
        coro_status want = i == c->cancel ? CORO_ERR_CANCELLED : c->ret[i];
        if (c->errs)
            cr_assert_eq(b.errs[i], want, "%s: errs[%d]", c->what, i);
        cr_assert_eq(coro_task_status(&L, b.t[i]), want, "%s: task %d", c->what, i);
        cr_assert_eq(w[i].result, i == c->cancel ? 0 : 1000 + (int)c->d[i], "%s: result %d", c->what, i);
    }
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
    struct worker w[3];
    struct boss b;
    coro_task tb;
    int i;
    table_workers(w, &b, c->n, c->d, c->ret);
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

/* Tasks already finished are done for every wait that lists them: a second
 * CORO_WAIT on the same finished tasks reports them done again (asyncio.wait
 * returns them in `done` each time), a duplicate still once. */
Test(compose, wait_again_on_finished_tasks_counts_them_again)
{
    struct worker w[2] = {{.name = "a", .d = 10}, {.name = "b", .d = 20}};
    struct boss b = {.op = OP_WAIT, .when = CORO_ALL_COMPLETED, .timeout = CORO_FOREVER, .before = 30};
    struct boss b2 = {.op = OP_WAIT, .when = CORO_FIRST_COMPLETED, .timeout = CORO_FOREVER, .n = 3};
    coro_task tb;
    spawn_workers(w, 2, &b);
    cr_assert_eq(coro_spawn(&L, &tb, boss, &b), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, tb), CORO_OK);
    cr_assert_eq(b.ndone, 2);
    b2.t[0] = b.t[1];
    b2.t[1] = b.t[0];
    b2.t[2] = b.t[1];
    cr_assert_eq(coro_spawn(&L, &tb, boss, &b2), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, tb), CORO_OK);
    cr_assert_eq(b2.ndone, 2);
    cr_assert_eq(b2.mask, 7u);
    cr_assert_str_eq(trace, "a0@10 b0@20 B0@30 B0@30 ");
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

/* wait_for when the timeout (10) expires while worker "a" sleeps 100: the
 * inner task is cancelled and wait_for returns after its cleanup with
 * TIMEOUT, unless the cleanup swallows the cancellation (its result wins) or
 * fails with its own error (that error propagates). Checked: the boss's
 * status, the trace, the inner task's status, and no timer left behind.
 * Criterion copies the parameters: no pointers here. */
struct wait_for_timeout_case {
    char what[48];
    coro_tick fin_sleep;
    int swallow;
    coro_status fin_err, st, inner;
    char trace[32];
};
ParameterizedTestParameters(compose, wait_for_timeout_cancels_the_inner_task)
{
    static struct wait_for_timeout_case cases[] = {
        {"TIMEOUT after the inner cleanup", 5, 0, 0, CORO_ERR_TIMEOUT, CORO_ERR_CANCELLED, "a1@10 a.@15 B2@15 "},
        {"an inner task swallowing the cancel wins", 0, 1, 0, CORO_OK, CORO_OK, "a1@10 B0@10 "},
        {"an error during the cancellation propagates", 0, 0, CORO_ERR_USER + 5, CORO_ERR_USER + 5,
         CORO_ERR_USER + 5, "a1@10 B37@10 "},
    };
    return cr_make_param_array(struct wait_for_timeout_case, cases, sizeof cases / sizeof cases[0]);
}
ParameterizedTest(struct wait_for_timeout_case *c, compose, wait_for_timeout_cancels_the_inner_task)
{
    struct worker w = {.name = "a", .d = 100};
    struct boss b = {.timeout = 10};
    coro_task tb;
    w.fin_sleep = c->fin_sleep;
    w.swallow = c->swallow;
    w.fin_err = c->fin_err;
    cr_assert_eq(run_wait_for(&w, &b, &tb), CORO_OK, "%s", c->what);
    cr_assert_eq(b.st, c->st, "%s", c->what);
    cr_assert_str_eq(trace, c->trace, "%s", c->what);
    cr_assert_eq(coro_task_status(&L, b.t[0]), c->inner, "%s", c->what);
    cr_assert_eq(L.hlen, 0, "%s", c->what);
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

/* The caller of wait_for is cancelled at `cancel_at` while worker "a"
 * (sleeping 100, a cleanup of fin_sleep) runs under `timeout`: the inner
 * task is cancelled too and the caller reports the cancellation after the
 * inner cleanup, also when its timeout expires in the same iteration (not
 * swallowed into a timeout, gh-86296) and when the timeout already
 * forwarded and the inner task is still cleaning up. No timer is left.
 * Criterion copies the parameters: no pointers here. */
struct wait_for_cancel_case {
    char what[56];
    coro_tick fin_sleep, timeout, cancel_at;
    char trace[32];
};
ParameterizedTestParameters(compose, wait_for_cancelling_the_caller_cancels_the_inner_task)
{
    static struct wait_for_cancel_case cases[] = {
        {"before the timeout", 3, 50, 5, "X@5 a1@5 a.@8 B1@8 "},
        {"with no timeout (CORO_FOREVER)", 3, CORO_FOREVER, 5, "X@5 a1@5 a.@8 B1@8 "},
        {"in the iteration the timeout expires", 0, 10, 10, "X@10 a1@10 B1@10 "},
        {"during the cleanup the timeout started", 5, 10, 12, "a1@10 X@12 a.@15 B1@15 "},
    };
    return cr_make_param_array(struct wait_for_cancel_case, cases, sizeof cases / sizeof cases[0]);
}
ParameterizedTest(struct wait_for_cancel_case *c, compose, wait_for_cancelling_the_caller_cancels_the_inner_task)
{
    struct worker w = {.name = "a", .d = 100};
    struct boss b = {.op = OP_WAIT_FOR, .reraise = 1};
    struct canceller k = {0};
    coro_task tb;
    w.fin_sleep = c->fin_sleep;
    b.timeout = c->timeout;
    spawn_workers(&w, 1, &b);
    tb = spawn_cancelled_at(boss, &b.co, c->cancel_at, cancel_cb, &k);
    cr_assert_eq(coro_loop_run_task(&L, tb), CORO_ERR_CANCELLED, "%s", c->what);
    cr_assert_eq(b.st, CORO_ERR_CANCELLED, "%s", c->what);
    cr_assert_eq(k.ret, 1, "%s", c->what);
    cr_assert_str_eq(trace, c->trace, "%s", c->what);
    cr_assert(coro_task_cancelled(&L, b.t[0]), "%s", c->what);
    cr_assert_eq(L.hlen, 0, "%s", c->what); /* the wait's timer is gone */
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

/* ====================================================================================
 * shield
 * ==================================================================================== */

/* Cancelling the task that awaits a shielded task ends that await at once
 * with CORO_ERR_CANCELLED; the shielded task runs on to its own end. */
Test(compose, shield_cancelling_the_awaiter_leaves_the_task_running)
{
    static struct worker a = {.name = "a", .d = 20, .ret = CORO_ERR_USER + 1};
    static struct boss b = {.op = OP_SHIELD};
    struct canceller c = {0};
    cr_assert_eq(coro_spawn(&L, &b.t[0], worker, &a), CORO_OK);
    b.n = 1;
    spawn_cancelled_at(boss, &b.co, 5, cancel_cb, &c);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "X@5 B1@5 a33@20 ");
    cr_assert_eq(a.seen, CORO_ERR_USER + 1, "the shielded task was not cancelled");
}

/* Without a cancellation the shield is a plain await: the task's status. */
Test(compose, shield_reports_the_task_status)
{
    static struct worker a = {.name = "a", .d = 10, .ret = CORO_ERR_USER + 2};
    static struct boss b = {.op = OP_SHIELD};
    cr_assert_eq(coro_spawn(&L, &b.t[0], worker, &a), CORO_OK);
    b.n = 1;
    cr_assert_eq(coro_loop_run_until_complete(&L, boss, &b), CORO_OK);
    cr_assert_str_eq(trace, "a34@10 B34@10 ");
}

/* A cancellation of the shielded task itself reaches the awaiter. */
Test(compose, shield_cancelled_task_cancels_the_await)
{
    static struct worker a = {.name = "a", .d = 100};
    static struct boss b = {.op = OP_SHIELD};
    struct canceller c = {0};
    b.t[0] = spawn_cancelled_at(worker, &a.co, 5, cancel_cb, &c);
    b.n = 1;
    cr_assert_eq(coro_loop_run_until_complete(&L, boss, &b), CORO_OK);
    cr_assert_str_eq(trace, "X@5 a1@5 B1@5 ");
}

/* asyncio: `try: await shield(t) except CancelledError: r = await t`: the
 * shield's awaiter, cancelled, may await the task again and gets its result. */
struct reawait { coro_frame co; coro_task t; coro_status st1, st2; };
static CORO_FN(reawait_fn, struct reawait, self)
{
    CORO_BEGIN(self);
    CORO_CATCH(self, self->st1, CORO_SHIELD(self, self->t));
    tr("S%d@%lu ", (int)self->st1, NOW());
    CORO_CATCH(self, self->st2, CORO_AWAIT_TASK(self, self->t));
    tr("A%d@%lu ", (int)self->st2, NOW());
    CORO_END(self);
}
Test(compose, shield_then_await_again_after_the_cancellation)
{
    static struct worker a = {.name = "a", .d = 20, .ret = CORO_ERR_USER + 3};
    static struct reawait r;
    struct canceller c = {0};
    cr_assert_eq(coro_spawn(&L, &r.t, worker, &a), CORO_OK);
    spawn_cancelled_at(reawait_fn, &r.co, 5, cancel_cb, &c);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "X@5 S1@5 a35@20 A35@20 ");
}

/* ====================================================================================
 * as_completed
 * ==================================================================================== */

/* Awaits the tasks with CORO_AS_COMPLETED (timeout `timeout`), tracing
 * "<name><status>@<t>" per task reported (the name from the worker table),
 * "T<status>@<t>" when the iteration ended early with a status, then E<st>
 * for one more await after the end. */
struct ac {
    coro_frame co;
    coro_task t[3], got;
    const char *names[3];
    coro_task orig[3];
    int n;
    coro_tick timeout;
    coro_as_completed it;
    coro_status st;
};
static const char *ac_name(const struct ac *a, coro_task t)
{
    int i;
    for (i = 0; i < a->n; i++)
        if (a->orig[i] == t)
            return a->names[i];
    return "?";
}
static CORO_FN(ac_fn, struct ac, self)
{
    CORO_BEGIN(self);
    CORO_CHECK(self, coro_as_completed_init(&self->it, self->t, self->n, self->timeout));
    while (coro_as_completed_left(&self->it) > 0) {
        self->st = 99;
        CORO_CATCH(self, self->st, CORO_AS_COMPLETED(self, &self->it, self->got));
        if (self->st == CORO_ERR_TIMEOUT || self->st == CORO_ERR_CANCELLED) {
            tr("T%d@%lu ", (int)self->st, NOW());
            CORO_RETURN(self, self->st);
        }
        tr("%s:%d@%lu ", ac_name(self, self->got), (int)self->st, NOW());
    }
    CORO_CATCH(self, self->st, CORO_AS_COMPLETED(self, &self->it, self->got));
    tr("E%d ", (int)self->st);
    CORO_END(self);
}
static void ac_setup(struct ac *a, struct worker *w, int n, const coro_tick *d, const coro_status *ret)
{
    static const char *const names[3] = {"a", "b", "c"};
    int i;
    memset(w, 0, (size_t)n * sizeof *w);
    memset(a, 0, sizeof *a);
    for (i = 0; i < n; i++) {
        w[i].name = names[i];
        w[i].d = d[i];
        w[i].ret = ret ? ret[i] : 0;
        a->names[i] = names[i];
        cr_assert_eq(coro_spawn(&L, &a->t[i], worker, &w[i]), CORO_OK);
        a->orig[i] = a->t[i];
    }
    a->n = n;
    a->timeout = CORO_FOREVER;
}

/* In completion order, each await's status the task's, the tasks' array
 * reordered; after the last, CORO_ERR_STATE. */
Test(compose, as_completed_reports_tasks_in_completion_order)
{
    static struct worker w[3];
    static struct ac a;
    const coro_tick d[3] = {30, 10, 20};
    const coro_status ret[3] = {0, CORO_ERR_USER + 1, 0};
    ac_setup(&a, w, 3, d, ret);
    cr_assert_eq(coro_loop_run_until_complete(&L, ac_fn, &a), CORO_OK);
    cr_assert_str_eq(trace, "b33@10 b:33@10 c0@20 c:0@20 a0@30 a:0@30 E6 ");
}

/* Tasks that finished in the same iteration, or before the iteration began,
 * come in the order of the array, without suspending. */
Test(compose, as_completed_same_iteration_in_array_order)
{
    static struct worker w[3];
    static struct ac a;
    const coro_tick d[3] = {10, 5, 10};
    ac_setup(&a, w, 3, d, NULL);
    cr_assert_eq(coro_loop_run_until_complete(&L, ac_fn, &a), CORO_OK);
    cr_assert_str_eq(trace, "b0@5 b:0@5 a0@10 c0@10 a:0@10 c:0@10 E6 ");
}

/* The timeout: CORO_ERR_TIMEOUT once it expires before the next task ends;
 * the tasks keep running (asyncio raises TimeoutError, cancels nothing). */
Test(compose, as_completed_timeout_leaves_the_tasks_running)
{
    static struct worker w[3];
    static struct ac a;
    const coro_tick d[3] = {30, 10, 50};
    ac_setup(&a, w, 3, d, NULL);
    a.timeout = 40;
    cr_assert_eq(coro_loop_run_until_complete(&L, ac_fn, &a), CORO_ERR_TIMEOUT);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "b0@10 b:0@10 a0@30 a:0@30 T2@40 c0@50 ");
    cr_assert_eq(w[2].seen, CORO_OK, "c was not cancelled");
}

/* Cancelling the iterating task ends its await; the tasks are not cancelled. */
Test(compose, as_completed_cancelling_the_awaiter_cancels_no_task)
{
    static struct worker w[2];
    static struct ac a;
    const coro_tick d[2] = {10, 20};
    struct canceller c = {0};
    coro_task t;
    memset(w, 0, sizeof w);
    ac_setup(&a, w, 2, d, NULL);
    t = spawn_cancelled_at(ac_fn, &a.co, 15, cancel_cb, &c);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "a0@10 a:0@10 X@15 T1@15 b0@20 ");
    cr_assert_eq(coro_task_status(&L, t), CORO_ERR_CANCELLED);
}

/* Refused arguments change nothing; outside a running loop: CORO_ERR_STATE. */
Test(compose, as_completed_invalid_arguments)
{
    coro_as_completed it = {0};
    coro_task t[1] = {0};
    cr_assert_eq(coro_as_completed_init(&it, t, 1, 5), CORO_ERR_STATE);
    cr_assert_eq(coro_as_completed_init(&it, t, -1, 5), CORO_ERR_INVALID);
    cr_assert_eq(coro_as_completed_init(&it, NULL, 1, 5), CORO_ERR_INVALID);
    cr_assert_eq(coro_as_completed_init(&it, t, 1, (coro_tick)(CORO_MAX_DELAY + 1u)), CORO_ERR_RANGE);
    cr_assert_eq(it.left, 0);
    cr_assert_null(it.tasks);
}

/* A wait's timeout may be as long as CORO_MAX_DELAY (one more is refused). */
Test(compose, wait_for_accepts_the_longest_timeout)
{
    struct worker w = {.name = "a", .d = 10};
    struct boss b = {.op = OP_WAIT_FOR, .n = 1, .timeout = CORO_MAX_DELAY};
    coro_task tb;
    cr_assert_eq(coro_spawn(&L, &b.t[0], worker, &w), CORO_OK);
    cr_assert_eq(coro_spawn(&L, &tb, boss, &b), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, tb), CORO_OK);
    cr_assert_eq(b.st, CORO_OK);
    cr_assert_str_eq(trace, "a0@10 B0@10 ");
}

/* A gather over tasks already finished reports their result, whatever ended
 * the task's previous await (here a wait on a wait queue that a callback
 * ended with an error status). */
struct twice { coro_frame co; coro_task t; coro_waitq q; int chosen; coro_status st[2]; };
static void notify_err(void *arg) { coro_waitq_notify(coro_running_loop(), (coro_waitq *)arg, CORO_ERR_USER + 5); }
static CORO_FN(gather_after_error, struct twice, self)
{
    CORO_BEGIN(self);
    coro_waitq_init(&self->q);
    cr_assert_eq(coro_call_later(coro_running_loop(), NULL, 20, notify_err, &self->q), CORO_OK);
    CORO_CATCH(self, self->st[0], CORO_AWAIT_ON(self, coro_waitq_wait(&self->q), coro_waitq_resumed(&self->chosen)));
    CORO_CATCH(self, self->st[1], CORO_GATHER(self, &self->t, 1, NULL)); /* t ended at 10 */
    CORO_END(self);
}
Test(compose, gather_of_finished_tasks_after_an_await_that_failed_succeeds)
{
    struct worker w = {.name = "a", .d = 10};
    struct twice g;
    memset(&g, 0, sizeof g);
    cr_assert_eq(coro_spawn(&L, &g.t, worker, &w), CORO_OK);
    cr_assert_eq(coro_loop_run_until_complete(&L, gather_after_error, &g), CORO_OK);
    cr_assert_eq(g.st[0], CORO_ERR_USER + 5);
    cr_assert_eq(g.st[1], CORO_OK);
}

/* as_completed([]) yields nothing (a NULL array is fine when n is 0); the
 * timeout may be as long as CORO_MAX_DELAY, one more is refused, FOREVER is
 * no timeout. Issue 18 (mutation survivors). */
struct ac_edge { coro_frame co; coro_as_completed it; coro_task got; coro_task t[1]; coro_status st; };
static CORO_FN(ac_edge, struct ac_edge, self)
{
    CORO_BEGIN(self);
    tr("empty %d left %d; ", (int)coro_as_completed_init(&self->it, NULL, 0, 5), coro_as_completed_left(&self->it));
    CORO_CATCH(self, self->st, CORO_AS_COMPLETED(self, &self->it, self->got));
    tr("next %d; ", (int)self->st);
    tr("max %d; ", (int)coro_as_completed_init(&self->it, self->t, 0, CORO_MAX_DELAY));
    tr("max+1 %d; ", (int)coro_as_completed_init(&self->it, self->t, 0, (coro_tick)(CORO_MAX_DELAY + 1u)));
    tr("forever %d", (int)coro_as_completed_init(&self->it, self->t, 0, CORO_FOREVER));
    CORO_END(self);
}
Test(compose, as_completed_empty_and_the_longest_timeout)
{
    static struct ac_edge e;
    char want[128];
    memset(&e, 0, sizeof e);
    cr_assert_eq(coro_loop_run_until_complete(&L, ac_edge, &e), CORO_OK);
    snprintf(want, sizeof want, "empty 0 left 0; next %d; max 0; max+1 %d; forever 0", (int)CORO_ERR_STATE,
             (int)CORO_ERR_RANGE);
    cr_assert_str_eq(trace, want);
}
