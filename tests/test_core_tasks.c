/* Tasks (coro.h): spawn, status, done, cancellation (before the first step,
 * at an await, self-cancellation, twice), stale handles and generation wrap,
 * capacity, and awaiting a task (self, many awaiters, done, cancelled awaiter).
 * Part of the core suite split by subject: shared setup, coroutines and the
 * trace notation are in tests/core_common.h. Built also on the labels backend,
 * 16-bit ticks and 8-bit generations (Makefile labels/tick16, mk gen8). */
#include "core_common.h"

TestSuite(tasks, .init = setup);

/* ====================================================================================
 * tasks
 * ==================================================================================== */

Test(tasks, spawn_does_not_run_the_body_status_follows_its_end)
{
    struct worker w = {.name = "a", .d = 10, .ret = CORO_ERR_USER + 3};
    coro_task t = 0;
    cr_assert_eq(coro_spawn(&L, &t, worker, &w), CORO_OK);
    cr_assert_neq(t, 0);
    cr_assert_not(coro_task_done(&L, t));
    cr_assert_eq(coro_task_status(&L, t), CORO_ERR_STATE);
    cr_assert_not(coro_task_cancelled(&L, t));
    cr_assert_not(w.ran); /* spawn does not run the body */
    cr_assert_eq(coro_loop_run_task(&L, t), CORO_ERR_USER + 3);
    cr_assert(coro_task_done(&L, t));
    cr_assert_eq(coro_task_status(&L, t), CORO_ERR_USER + 3);
    cr_assert_not(coro_task_cancelled(&L, t));
    cr_assert_eq(coro_loop_time(&L), 10);
    cr_assert_eq(w.result, 1010);
    cr_assert_str_eq(trace, "a35@10 ");
}

Test(tasks, task_cancel_delivered_at_current_await)
{
    struct worker w = {.name = "a", .d = 100};
    struct canceller c = {0};
    coro_task t;
    t = spawn_cancelled_at(worker, &w.co, 30, cancel_cb, &c);
    cr_assert_eq(coro_loop_run_task(&L, t), CORO_ERR_CANCELLED);
    cr_assert_eq(c.ret, 1);
    cr_assert_str_eq(trace, "X@30 a1@30 ");
    cr_assert_eq(w.result, 0); /* the code after the sleep never ran */
    cr_assert(coro_task_cancelled(&L, t));
    cr_assert_eq(coro_loop_time(&L), 30);
}

Test(tasks, task_cancel_before_first_step_never_runs)
{
    struct worker w = {.name = "a", .d = 10};
    coro_task t;
    int i;
    cr_assert_eq(coro_spawn(&L, &t, worker, &w), CORO_OK);
    cr_assert_eq(coro_task_cancel(&L, t), 1);
    cr_assert_eq(coro_loop_run_task(&L, t), CORO_ERR_CANCELLED);
    cr_assert_not(w.ran);
    cr_assert_str_eq(trace, ""); /* not even its cleanup section */
    cr_assert(coro_task_cancelled(&L, t));
    cr_assert_eq(coro_task_cancel(&L, t), 0);
    /* its slot is free again: the whole table can be spawned */
    for (i = 0; i < CORO_MAX_TASKS; i++) {
        static struct once o[CORO_MAX_TASKS];
        cr_assert_eq(coro_spawn(&L, NULL, once_fn, &o[i]), CORO_OK);
    }
}

Test(tasks, task_cancel_finished_returns_0_keeps_status)
{
    struct worker w = {.name = "a", .d = 10, .ret = CORO_ERR_USER + 3};
    coro_task t;
    cr_assert_eq(coro_spawn(&L, &t, worker, &w), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, t), CORO_ERR_USER + 3);
    cr_assert_eq(coro_task_cancel(&L, t), 0);
    cr_assert_eq(coro_task_status(&L, t), CORO_ERR_USER + 3);
    cr_assert_not(coro_task_cancelled(&L, t));
    w.ret = 0;
    cr_assert_eq(coro_spawn(&L, &t, worker, &w), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, t), CORO_OK);
    cr_assert_eq(coro_task_cancel(&L, t), 0);
    cr_assert_eq(coro_task_status(&L, t), CORO_OK);
}

/* Catches the cancellation of its sleep, sleeps again and returns normally. */
struct catcher { coro_frame co; coro_status st; };
static CORO_FN(catcher, struct catcher, self)
{
    CORO_BEGIN(self);
    CORO_CATCH(self, self->st, CORO_SLEEP(self, 100));
    tr("caught%d@%lu ", (int)self->st, NOW());
    CORO_SLEEP(self, 5);
    tr("end@%lu ", NOW());
    CORO_END(self);
}

Test(tasks, task_catching_cancel_ends_normally)
{
    struct catcher k = {0};
    struct canceller c = {0};
    coro_task t;
    t = spawn_cancelled_at(catcher, &k.co, 10, cancel_cb, &c);
    cr_assert_eq(coro_loop_run_task(&L, t), CORO_OK);
    cr_assert_str_eq(trace, "X@10 caught1@10 end@15 ");
    cr_assert_not(coro_task_cancelled(&L, t));
    cr_assert_eq(coro_task_status(&L, t), CORO_OK);
}

Test(tasks, task_cancel_twice_returns_1_delivered_once)
{
    struct catcher k = {0};
    struct canceller c = {0};
    coro_task t;
    c.twice = 1;
    t = spawn_cancelled_at(catcher, &k.co, 10, cancel_cb, &c);
    cr_assert_eq(coro_loop_run_task(&L, t), CORO_OK);
    cr_assert_eq(c.ret, 1);
    cr_assert_eq(c.ret2, 1);
    /* delivered once: the second sleep is not interrupted */
    cr_assert_str_eq(trace, "X@10 caught1@10 end@15 ");
}

/* Cancels itself, then: mode 0 awaits a sleep (caught), mode 1 awaits a
 * sleep (uncaught), mode 2 returns without awaiting. */
struct selfc { coro_frame co; int mode, ret; coro_status st; };
static CORO_FN(selfc, struct selfc, self)
{
    CORO_BEGIN(self);
    self->ret = coro_task_cancel(coro_running_loop(), coro_current_task(coro_running_loop()));
    if (self->mode == 0) {
        CORO_CATCH(self, self->st, CORO_SLEEP(self, 50));
        tr("s%d@%lu ", (int)self->st, NOW());
    } else if (self->mode == 1) {
        CORO_SLEEP(self, 50);
        tr("unreached ");
    } else {
        tr("ret ");
        CORO_RETURN(self, CORO_OK);
    }
    CORO_END(self);
}

Test(tasks, task_self_cancel_next_await_fails_at_once)
{
    struct selfc s = {.mode = 0};
    coro_task t;
    cr_assert_eq(coro_spawn(&L, &t, selfc, &s), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, t), CORO_OK); /* caught: ends normally */
    cr_assert_eq(s.ret, 1);
    cr_assert_str_eq(trace, "s1@0 ");
    cr_assert_eq(coro_loop_time(&L), 0);

    s.mode = 1;
    trace[0] = 0;
    cr_assert_eq(coro_spawn(&L, &t, selfc, &s), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, t), CORO_ERR_CANCELLED);
    cr_assert_str_eq(trace, "");
    cr_assert_eq(coro_loop_time(&L), 0);
}

Test(tasks, task_self_cancel_then_return_ends_cancelled)
{
    struct selfc s = {.mode = 2};
    coro_task t;
    cr_assert_eq(coro_spawn(&L, &t, selfc, &s), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, t), CORO_ERR_CANCELLED);
    cr_assert_eq(s.ret, 1);
    cr_assert_str_eq(trace, "ret ");
    cr_assert(coro_task_cancelled(&L, t));
    cr_assert_eq(coro_task_cancel(&L, t), 0);
}

/* Checklist 1.3 item 23: a task that cancels itself and then awaits a child
 * task cancels the child too; the await reports the cancellation once the
 * child's cleanup ran. */
struct selfawait { coro_frame co; struct worker w; coro_task t; coro_status st; };
static CORO_FN(selfawait, struct selfawait, self)
{
    CORO_BEGIN(self);
    self->w.name = "w";
    self->w.d = 100;
    self->w.fin_sleep = 5;
    coro_spawn(coro_running_loop(), &self->t, worker, &self->w);
    CORO_YIELD(self); /* the child starts and sleeps */
    coro_task_cancel(coro_running_loop(), coro_current_task(coro_running_loop()));
    CORO_CATCH(self, self->st, CORO_AWAIT_TASK(self, self->t));
    tr("B%d@%lu ", (int)self->st, NOW());
    CORO_END(self);
}

Test(tasks, task_self_cancel_then_await_cancels_the_child)
{
    struct selfawait s;
    coro_task t;
    memset(&s, 0, sizeof s);
    cr_assert_eq(coro_spawn(&L, &t, selfawait, &s), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, t), CORO_OK);
    cr_assert_str_eq(trace, "w1@0 w.@5 B1@5 ");
    cr_assert(coro_task_cancelled(&L, s.t));
    cr_assert_eq(s.w.result, 0); /* its sleep never completed */
}

Test(tasks, task_stale_handle_after_slot_reuse)
{
    static struct once o[CORO_MAX_TASKS + 1];
    coro_task old, t;
    int i;
    cr_assert_eq(coro_spawn(&L, &old, once_fn, &o[0]), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, old), CORO_OK);
    cr_assert_eq(coro_task_status(&L, old), CORO_OK); /* readable until reused */
    /* slots are reused oldest first: the old one comes up last */
    for (i = 1; i <= CORO_MAX_TASKS; i++)
        cr_assert_eq(coro_spawn(&L, &t, once_fn, &o[i]), CORO_OK);
    cr_assert_eq(CORO__ID(t), CORO__ID(old));
    cr_assert_neq(t, old);
    cr_assert_eq(coro_task_status(&L, old), CORO_ERR_STALE);
    cr_assert(coro_task_done(&L, old));
    cr_assert_eq(coro_task_cancel(&L, old), 0);
    cr_assert_not(coro_task_cancelled(&L, old));
    cr_assert_eq(coro_loop_run_task(&L, old), CORO_ERR_STALE);
    /* the new task is untouched by all that */
    cr_assert_not(coro_task_done(&L, t));
    cr_assert_eq(coro_loop_run_task(&L, t), CORO_OK);
}

/* 256 reuses of every slot (an 8-bit generation wraps), a handle is never
 * 0, and the previous handle of a slot always reads stale. */
Test(tasks, task_handles_through_generation_wrap)
{
    static struct once o;
    coro_task prev[CORO_MAX_TASKS] = {0}, t;
    int i;
    for (i = 0; i < 256 * CORO_MAX_TASKS; i++) {
        cr_assert_eq(coro_spawn(&L, &t, once_fn, &o), CORO_OK);
        cr_assert_neq(t, 0);
        if (prev[CORO__ID(t)]) {
            cr_assert_neq(prev[CORO__ID(t)], t);
            cr_assert_eq(coro_task_status(&L, prev[CORO__ID(t)]), CORO_ERR_STALE);
        }
        prev[CORO__ID(t)] = t;
        cr_assert_eq(coro_loop_run_task(&L, t), CORO_OK);
    }
    cr_assert_eq(coro_task_status(&L, 0), CORO_ERR_STALE);
    cr_assert_eq(coro_task_cancel(&L, 0), 0);
}

/* Issue 11 item 9: one task slot reused `reuses` times while the handle of
 * its first occupant is kept. Every other slot is held by a sleeper, so each
 * spawn lands in that slot. At each reuse, status/done/cancel on the old
 * handle must read stale and leave the new occupant alone (it runs to its
 * end, not cancelled). Returns the number of reuses after which the old
 * handle still read stale. */
static long reuse_task_slot(long reuses)
{
    static struct worker blk[CORO_MAX_TASKS];
    static struct once o;
    coro_task old, t;
    long i;
    int k;
    for (k = 0; k < CORO_MAX_TASKS - 1; k++) {
        memset(&blk[k], 0, sizeof blk[k]);
        blk[k].name = "b";
        blk[k].d = CORO_MAX_DELAY;
        cr_assert_eq(coro_spawn(&L, NULL, worker, &blk[k]), CORO_OK);
    }
    cr_assert_eq(coro_spawn(&L, &old, once_fn, &o), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, old), CORO_OK);
    for (i = 1; i <= reuses; i++) {
        cr_assert_eq(coro_spawn(&L, &t, once_fn, &o), CORO_OK);
        cr_assert_eq(CORO__ID(t), CORO__ID(old));
        cr_assert_neq(t, 0);
        if (t == old || coro_task_status(&L, old) != CORO_ERR_STALE || !coro_task_done(&L, old) ||
            coro_task_cancel(&L, old) != 0)
            return i - 1;
        cr_assert_eq(coro_task_status(&L, t), CORO_ERR_STATE); /* untouched: pending */
        cr_assert_eq(coro_loop_run_task(&L, t), CORO_OK);      /* and not cancelled */
    }
    return reuses;
}

/* The same for a callback slot (callback slots are reused last freed first):
 * the old handle is kept, coro_handle_cancel on it returns 0 and the pending
 * new occupant still fires. */
static int reuse_hits;
static void reuse_cb(void *arg)
{
    (void)arg;
    reuse_hits++;
}
static long reuse_callback_slot(long reuses)
{
    coro_handle old, h;
    long i;
    reuse_hits = 0;
    cr_assert_eq(coro_call_soon(&L, &old, reuse_cb, NULL), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_eq(reuse_hits, 1);
    for (i = 1; i <= reuses; i++) {
        cr_assert_eq(coro_call_later(&L, &h, 5, reuse_cb, NULL), CORO_OK);
        cr_assert_eq(CORO__ID(h.id), CORO__ID(old.id));
        cr_assert_neq(h.id, 0);
        if (h.id == old.id || coro_handle_cancel(&L, old) != 0)
            return i - 1;
        if (i < reuses) {
            cr_assert_eq(coro_handle_cancel(&L, h), 1); /* frees the slot for the next round */
        } else {
            cr_assert_eq(coro_loop_run_forever(&L), CORO_OK); /* the last one fires */
            cr_assert_eq(reuse_hits, 2);
        }
    }
    return reuses;
}

/* The old handle reads stale across `reuses` reuses of its slot: task slots
 * (reuse_task_slot) and callback slots (reuse_callback_slot). With
 * CORO_GEN_BITS=8 (the AVR default) it is stale for 255 reuses, the
 * documented risk at the 256th. */
struct reuse_case { int callback; long reuses, stale_for; };
ParameterizedTestParameters(tasks, old_handle_reads_stale_across_slot_reuses)
{
    static struct reuse_case cases[] = {
#if CORO_GEN_BITS >= 16
        {0, 300, 300}, {0, 65535, 65535}, {1, 300, 300}, {1, 65535, 65535},
#else
        {0, 300, 255}, {1, 300, 255},
#endif
    };
    return cr_make_param_array(struct reuse_case, cases, sizeof cases / sizeof cases[0]);
}
ParameterizedTest(struct reuse_case *c, tasks, old_handle_reads_stale_across_slot_reuses, .timeout = 60.)
{
    long stale_for = c->callback ? reuse_callback_slot(c->reuses) : reuse_task_slot(c->reuses);
    cr_assert_eq(stale_for, c->stale_for, "%s slot, %ld reuses", c->callback ? "callback" : "task", c->reuses);
}

Test(tasks, handle_widths_follow_the_knobs)
{
    cr_assert_geq(sizeof(coro_task) * 8, (size_t)(CORO_INDEX_BITS + CORO_GEN_BITS));
    cr_assert_eq(sizeof(coro_handle), sizeof(coro_task));
    cr_assert_eq(sizeof(((coro__slot *)0)->gen) * 8, (size_t)CORO_GEN_BITS);
}

Test(tasks, task_spawn_past_capacity_changes_nothing)
{
    static struct worker w[CORO_MAX_TASKS];
    struct once extra;
    coro_task t[CORO_MAX_TASKS], none = 0x1234;
    coro_index rhead, rtail, fh;
    int i;
    for (i = 0; i < CORO_MAX_TASKS; i++) {
        w[i].name = "w";
        w[i].d = (coro_tick)(i + 1);
        cr_assert_eq(coro_spawn(&L, &t[i], worker, &w[i]), CORO_OK);
    }
    rhead = L.rhead;
    rtail = L.rtail;
    fh = L.free_head;
    cr_assert_eq(coro_spawn(&L, &none, once_fn, &extra), CORO_ERR_NO_SLOT);
    cr_assert_eq(none, 0x1234);
    cr_assert_eq(L.rhead, rhead);
    cr_assert_eq(L.rtail, rtail);
    cr_assert_eq(L.free_head, fh);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    for (i = 0; i < CORO_MAX_TASKS; i++)
        cr_assert_eq(coro_task_status(&L, t[i]), CORO_OK);
    cr_assert_eq(coro_loop_time(&L), CORO_MAX_TASKS);
    cr_assert_eq(coro_spawn(&L, &none, once_fn, &extra), CORO_OK);
}

/* ====================================================================================
 * await a task
 * ==================================================================================== */

Test(tasks, await_task_self_is_an_error)
{
    struct boss b = {.op = OP_AWAIT, .n = 1};
    coro_task tb;
    cr_assert_eq(coro_spawn(&L, &tb, boss, &b), CORO_OK);
    b.t[0] = tb;
    cr_assert_eq(coro_loop_run_task(&L, tb), CORO_OK);
    cr_assert_str_eq(trace, "B13@0 ");
    cr_assert_eq(b.st, CORO_ERR_SELF_AWAIT);
}

/* ---- many awaiters: a task awaited by several tasks at once ------------------------ */

/* An awaiter: after `start` ticks, awaits t[0] (OP_AWAIT, OP_SHIELD), gathers
 * t[0..n) (OP_GATHER, OP_GATHER_ERRS), CORO_WAIT_FOR(t[0], timeout) or
 * CORO_WAIT(t[0..n), ALL_COMPLETED, timeout); traces "<name><status>@<t>". */
struct aw {
    coro_frame co;
    const char *name;
    int op, n, ndone;
    coro_task t[2];
    coro_status errs[2], st;
    coro_tick start, timeout;
};
static CORO_FN(aw_fn, struct aw, self)
{
    CORO_BEGIN(self);
    if (self->start)
        CORO_SLEEP(self, self->start);
    if (self->op == OP_AWAIT)
        CORO_CATCH(self, self->st, CORO_AWAIT_TASK(self, self->t[0]));
    else if (self->op == OP_SHIELD)
        CORO_CATCH(self, self->st, CORO_SHIELD(self, self->t[0]));
    else if (self->op == OP_GATHER)
        CORO_CATCH(self, self->st, CORO_GATHER(self, self->t, self->n, NULL));
    else if (self->op == OP_GATHER_ERRS)
        CORO_CATCH(self, self->st, CORO_GATHER(self, self->t, self->n, self->errs));
    else if (self->op == OP_WAIT_FOR)
        CORO_CATCH(self, self->st, CORO_WAIT_FOR(self, self->t[0], self->timeout));
    else
        CORO_CATCH(self, self->st, CORO_WAIT(self, self->t, self->n, CORO_ALL_COMPLETED, self->timeout, self->ndone));
    tr("%s%d@%lu ", self->name, (int)self->st, NOW());
    CORO_END(self);
}

/* Is slot i in the free list? (white box) */
static int in_free_list(coro_index i)
{
    coro_index k;
    for (k = L.free_head; k != CORO__NONE; k = L.slot[k].next)
        if (k == i)
            return 1;
    return 0;
}

/* Three tasks await one, each with another task wait: when it ends, each is
 * told, in the order they began to wait (CPython: X, Y, Z raise E at 10). */
Test(tasks, many_awaiters_are_told_in_the_order_they_began_to_wait)
{
    static struct worker a = {.name = "a", .d = 10, .ret = CORO_ERR_USER + 1}, b = {.name = "b", .d = 5};
    static struct aw p = {.name = "P", .op = OP_AWAIT}, q = {.name = "Q", .op = OP_GATHER, .n = 2},
                     r = {.name = "R", .op = OP_WAIT_FOR, .timeout = 100};
    coro_task ta, tb;
    cr_assert_eq(coro_spawn(&L, &ta, worker, &a), CORO_OK);
    cr_assert_eq(coro_spawn(&L, &tb, worker, &b), CORO_OK);
    p.t[0] = q.t[0] = r.t[0] = ta;
    q.t[1] = tb;
    cr_assert_eq(coro_spawn(&L, NULL, aw_fn, &p), CORO_OK);
    cr_assert_eq(coro_spawn(&L, NULL, aw_fn, &q), CORO_OK);
    cr_assert_eq(coro_spawn(&L, NULL, aw_fn, &r), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "b0@5 a33@10 P33@10 Q33@10 R33@10 ");
    cr_assert_eq(L.nshared, 0);
    cr_assert(in_free_list(CORO__ID(ta)), "the done task's slot is recycled once every awaiter read it");
    cr_assert_eq(L.slot[CORO__ID(ta)].on.pending, 0);
}

/* Cancelling one awaiter cancels the awaited task (asyncio forwards the
 * cancel to the awaited future), so every other awaiter sees the cancellation. */
Test(tasks, many_awaiters_cancelling_one_cancels_the_shared_task)
{
    static struct worker a = {.name = "a", .d = 10};
    static struct aw q = {.name = "Q", .op = OP_AWAIT};
    static struct aw p = {.name = "P", .op = OP_AWAIT};
    struct canceller c = {0};
    coro_task ta;
    cr_assert_eq(coro_spawn(&L, &ta, worker, &a), CORO_OK);
    p.t[0] = q.t[0] = ta;
    spawn_cancelled_at(aw_fn, &p.co, 5, cancel_cb, &c);
    cr_assert_eq(coro_spawn(&L, NULL, aw_fn, &q), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "X@5 a1@5 P1@5 Q1@5 ");
}

/* A shared awaiter cancelled cancels the task too (it is not the first). */
Test(tasks, many_awaiters_cancelling_a_later_one_cancels_the_shared_task)
{
    static struct worker a = {.name = "a", .d = 10};
    static struct aw p = {.name = "P", .op = OP_AWAIT}, q = {.name = "Q", .op = OP_GATHER, .n = 1};
    struct canceller c = {0};
    coro_task ta;
    cr_assert_eq(coro_spawn(&L, &ta, worker, &a), CORO_OK);
    p.t[0] = q.t[0] = ta;
    cr_assert_eq(coro_spawn(&L, NULL, aw_fn, &p), CORO_OK);
    spawn_cancelled_at(aw_fn, &q.co, 5, cancel_cb, &c);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "X@5 a1@5 P1@5 Q1@5 ");
}

/* The first awaiter leaves (a wait's timeout); one that began later than the
 * remaining one is still told after it (CPython: Y, Z at 20). */
Test(tasks, many_awaiters_order_survives_the_first_one_leaving)
{
    static struct worker a = {.name = "a", .d = 20};
    static struct aw p = {.name = "P", .op = OP_WAIT, .n = 1, .timeout = 5}, q = {.name = "Q", .op = OP_AWAIT},
                     r = {.name = "R", .op = OP_AWAIT, .start = 8};
    coro_task ta;
    cr_assert_eq(coro_spawn(&L, &ta, worker, &a), CORO_OK);
    p.t[0] = q.t[0] = r.t[0] = ta;
    cr_assert_eq(coro_spawn(&L, NULL, aw_fn, &p), CORO_OK);
    cr_assert_eq(coro_spawn(&L, NULL, aw_fn, &q), CORO_OK);
    cr_assert_eq(coro_spawn(&L, NULL, aw_fn, &r), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "P0@5 a0@20 Q0@20 R0@20 ");
}

/* The second and later awaiters each hold a shared entry while they wait;
 * with every entry taken another awaiter is refused with CORO_ERR_NO_SLOT
 * and nothing changes; a shielded awaiter cancelled leaves the others be. */
Test(tasks, many_awaiters_beyond_the_shared_entries_are_refused)
{
    static struct worker a = {.name = "a", .d = 10, .ret = CORO_ERR_USER + 2};
    static struct aw w[CORO_MAX_SHARED_AWAITS + 2];
    static const char *const names[] = {"P", "Q", "R", "S", "T", "U", "V", "W", "Y", "Z"};
    coro_task ta;
    int i;
    cr_assert_leq(CORO_MAX_SHARED_AWAITS + 2, 10);
    cr_assert_eq(coro_spawn(&L, &ta, worker, &a), CORO_OK);
    for (i = 0; i < CORO_MAX_SHARED_AWAITS + 2; i++) {
        w[i].name = names[i];
        w[i].op = OP_AWAIT;
        w[i].t[0] = ta;
        cr_assert_eq(coro_spawn(&L, NULL, aw_fn, &w[i]), CORO_OK);
    }
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_eq(w[CORO_MAX_SHARED_AWAITS + 1].st, CORO_ERR_NO_SLOT);
    for (i = 0; i <= CORO_MAX_SHARED_AWAITS; i++)
        cr_assert_eq(w[i].st, CORO_ERR_USER + 2, "awaiter %d", i);
    cr_assert_eq(L.nshared, 0);
}

/* A done task's slot is kept while an awaiter still has to read it: here the
 * gather reads `a` at 20, after the first awaiter resumed at 10, while
 * spawns at 15 take every free slot: a's is not among them. */
static struct worker fill[8];
static int fill_ok, fill_refused;
static void fill_slots(void *arg)
{
    int i;
    (void)arg;
    for (i = 0; i < 8; i++) {
        fill[i].name = "f";
        fill[i].d = 100;
        if (coro_spawn(coro_running_loop(), NULL, worker, &fill[i]) == CORO_OK)
            fill_ok++;
        else
            fill_refused++;
    }
}
Test(tasks, many_awaiters_done_slot_kept_until_every_awaiter_read_it)
{
    static struct worker a = {.name = "a", .d = 10, .ret = CORO_ERR_USER + 3}, b = {.name = "b", .d = 20};
    static struct aw p = {.name = "P", .op = OP_AWAIT}, q = {.name = "Q", .op = OP_GATHER_ERRS, .n = 2};
    coro_task ta, tb, tq;
    cr_assert_eq(CORO_MAX_TASKS, 8);
    cr_assert_eq(coro_spawn(&L, &ta, worker, &a), CORO_OK);
    cr_assert_eq(coro_spawn(&L, &tb, worker, &b), CORO_OK);
    p.t[0] = q.t[0] = ta;
    q.t[1] = tb;
    cr_assert_eq(coro_spawn(&L, NULL, aw_fn, &p), CORO_OK);
    cr_assert_eq(coro_spawn(&L, &tq, aw_fn, &q), CORO_OK);
    cr_assert_eq(coro_call_at(&L, NULL, 15, fill_slots, NULL), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, tq), CORO_OK);
    cr_assert_eq(fill_ok, 5, "%d spawned: a's slot stayed with it (4 never used and P's were free)", fill_ok);
    cr_assert_eq(fill_refused, 3);
    cr_assert_eq(q.errs[0], CORO_ERR_USER + 3);
    cr_assert_str_eq(trace, "a35@10 P35@10 b0@20 Q0@20 ");
    cr_assert(in_free_list(CORO__ID(ta)), "released once the gather read it");
}

Test(tasks, await_task_done_returns_at_once)
{
    struct worker w = {.name = "a", .d = 10, .ret = CORO_ERR_USER + 1};
    struct boss b = {.op = OP_AWAIT, .n = 1, .before = 20, .spy = 1};
    coro_task tw, tb;
    cr_assert_eq(coro_spawn(&L, &tw, worker, &w), CORO_OK);
    b.t[0] = tw;
    cr_assert_eq(coro_spawn(&L, &tb, boss, &b), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, tb), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    /* B before the spy's x: the await did not suspend */
    cr_assert_str_eq(trace, "a33@10 B33@20 x ");
}

Test(tasks, await_task_cancelling_awaiter_cancels_awaited)
{
    struct worker w = {.name = "a", .d = 100, .fin_sleep = 3};
    struct boss b = {.op = OP_AWAIT, .n = 1, .reraise = 1};
    struct canceller c = {0};
    coro_task tw, tb;
    cr_assert_eq(coro_spawn(&L, &tw, worker, &w), CORO_OK);
    b.t[0] = tw;
    cr_assert_eq(coro_spawn(&L, &tb, boss, &b), CORO_OK);
    c.t = tb;
    cr_assert_eq(coro_call_at(&L, NULL, 5, cancel_cb, &c), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, tb), CORO_ERR_CANCELLED);
    cr_assert_str_eq(trace, "X@5 a1@5 a.@8 B1@8 ");
    cr_assert(coro_task_cancelled(&L, tw));
}
