/* Task groups (coro.h): asyncio.TaskGroup (3.11) as CORO_WITH_TASKGROUP.
 * The rules are CPython's, as its Lib/test/test_asyncio/test_taskgroups.py
 * checks them (test_taskgroup_01: every child awaited at the block's end;
 * _04/_05: the first error cancels the siblings and the body's await; _08
 * and _11: cancelling the parent cancels the children and stays a
 * cancellation; _15: errors win over it; _18/_19: the group's own cancel is
 * taken back; _21: create_task while shutting down refused; nesting in
 * timeouts and groups). Traces use core_common.h's worker tokens:
 * "<name><status>@<time>" when a child reaches its cleanup; the parent adds
 * its own, explained at each coroutine. Virtual clock only. */
#include "core_common.h"
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wshadow" /* its functions' parameter L, the suite's loop L */
#include "coro_check.h"
#pragma GCC diagnostic pop

TestSuite(taskgroup, .init = setup);

/* Free task slots (white box): every child's slot is back after a block. */
static int task_free_count(void)
{
    int n = 0;
    coro_index i;
    for (i = L.free_head; i != CORO__NONE; i = L.slot[i].next)
        n++;
    return n;
}

/* The parent: spawns n workers w[] into its group, then its body sleeps
 * body_d (traced "body<st>@<t>" if the sleep fails, "slept@<t>" if not) and
 * raises body_ret; outside the block it traces "end<st>@<t>" with the status
 * the block raised (0: none), and then sleeps after_d ("after@<t>": a
 * cancellation of the group's must not leak there). */
struct par {
    coro_frame co;
    coro_taskgroup tg;
    struct worker w[4];
    coro_task t[4];
    coro_status errs[4];
    coro_tick body_d, after_d;
    coro_status body_ret, st, spawn_st;
    int n, i, catch_body, spawn_late;
};
static CORO_FN(par, struct par, self)
{
    CORO_BEGIN(self);
    CORO_TRY(self) {
        CORO_WITH_TASKGROUP(self, &self->tg) {
            for (self->i = 0; self->i < self->n; self->i++)
                CORO_CHECK(self, coro_taskgroup_spawn(&self->tg, &self->t[self->i], worker, &self->w[self->i]));
            if (self->body_d) {
                if (self->catch_body) {
                    CORO_CATCH(self, self->st, CORO_SLEEP(self, self->body_d));
                    tr("body%d@%lu ", (int)self->st, NOW());
                } else {
                    CORO_CATCH(self, self->st, CORO_SLEEP(self, self->body_d));
                    tr(self->st ? "body%d@%lu " : "slept%d@%lu ", (int)self->st, NOW());
                    CORO_CHECK(self, self->st);
                }
            }
            if (self->spawn_late) /* after the body's await was cancelled: the group is aborting */
                self->spawn_st = coro_taskgroup_spawn(&self->tg, &self->t[3], worker, &self->w[3]);
            CORO_CHECK(self, self->body_ret);
        } CORO_END_WITH(self);
        tr("end0@%lu ", NOW());
    } CORO_EXCEPT_AS(self, CORO_ANY, self->st) {
        tr("end%d@%lu ", (int)self->st, NOW());
    } CORO_END_TRY(self);
    if (self->after_d) {
        CORO_SLEEP(self, self->after_d);
        tr("after@%lu ", NOW());
    }
    CORO_END(self);
}

static void par_child(struct par *p, int i, const char *name, coro_tick d, coro_status ret)
{
    p->w[i].name = name;
    p->w[i].d = d;
    p->w[i].ret = ret;
    if (p->n < i + 1)
        p->n = i + 1;
}

/* Every slot back. A callback the group dropped while it was queued (the
 * block ended in the iteration a child ended) is freed when the loop comes
 * to it, as for coro_handle_cancel: one more iteration. */
static void assert_clean(void)
{
    const char *why = coro_check(&L);
    cr_assert(!why, "loop invariant: %s", why ? why : "");
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_eq(task_free_count(), CORO_MAX_TASKS, "a child's slot was not released");
    cr_assert_eq(cb_free_count(), CORO_MAX_CALLBACKS, "the group kept its callback slot");
}

/* test_taskgroup_01: the block's end awaits every child. */
Test(taskgroup, block_end_awaits_every_child)
{
    static struct par p;
    memset(&p, 0, sizeof p);
    par_child(&p, 0, "a", 10, 0);
    par_child(&p, 1, "b", 30, 0);
    cr_assert_eq(coro_loop_run_until_complete(&L, par, &p), CORO_OK);
    cr_assert_str_eq(trace, "a0@10 b0@30 end0@30 ");
    cr_assert_eq(coro_taskgroup_nerrors(&p.tg), 0);
    cr_assert(coro_task_done(&L, p.t[0]) && coro_task_done(&L, p.t[1]));
    assert_clean();
}

/* The body ends last: nothing more to wait for. */
Test(taskgroup, body_finishing_last_waits_no_more)
{
    static struct par p;
    memset(&p, 0, sizeof p);
    par_child(&p, 0, "a", 10, 0);
    par_child(&p, 1, "b", 20, 0);
    p.body_d = 50;
    cr_assert_eq(coro_loop_run_until_complete(&L, par, &p), CORO_OK);
    cr_assert_str_eq(trace, "a0@10 b0@20 slept0@50 end0@50 ");
    assert_clean();
}

/* test_taskgroup_04/05: a child's error cancels its siblings and the body's
 * current await, in the iteration after it (asyncio's done callback); the
 * block raises it once every child ended; the group's cancel does not leak
 * past the block (the sleep after it runs to its end). */
Test(taskgroup, first_error_cancels_siblings_and_body_await)
{
    static struct par p;
    memset(&p, 0, sizeof p);
    par_child(&p, 0, "a", 10, CORO_ERR_USER + 1);
    par_child(&p, 1, "b", 100, 0);
    p.body_d = 200;
    p.after_d = 5;
    cr_assert_eq(coro_loop_run_until_complete(&L, par, &p), CORO_OK);
    cr_assert_str_eq(trace, "a33@10 b1@10 body1@10 end33@10 after@15 ");
    cr_assert_eq(coro_taskgroup_error(&p.tg), CORO_ERR_USER + 1);
    cr_assert_eq(coro_taskgroup_nerrors(&p.tg), 1);
    assert_clean();
}

/* The body caught the group's cancellation and goes on: its later awaits are
 * not cancelled again; spawning into the aborting group is refused and
 * changes nothing (test_taskgroup_21). */
Test(taskgroup, spawn_into_aborting_group_refused)
{
    static struct par p;
    int free_before;
    memset(&p, 0, sizeof p);
    par_child(&p, 0, "a", 10, CORO_ERR_USER + 1);
    par_child(&p, 1, "b", 100, 0);
    p.w[1].fin_sleep = 20; /* b's cleanup outlives the body */
    p.body_d = 200;
    p.catch_body = 1;
    p.spawn_late = 1;
    p.w[3].name = "late";
    cr_assert_eq(coro_loop_run_until_complete(&L, par, &p), CORO_OK);
    cr_assert_str_eq(trace, "a33@10 b1@10 body1@10 b.@30 end33@30 ");
    cr_assert_eq(p.spawn_st, CORO_ERR_STATE);
    cr_assert_eq(p.w[3].ran, 0);
    assert_clean();
    /* After the block, and before any: refused too. */
    free_before = task_free_count();
    {
        static coro_taskgroup fresh;
        coro_task t = 0;
        cr_assert_eq(coro_taskgroup_spawn(&p.tg, &t, worker, &p.w[3]), CORO_ERR_STATE);
        cr_assert_eq(coro_taskgroup_spawn(&fresh, &t, worker, &p.w[3]), CORO_ERR_STATE);
        cr_assert_eq(t, 0);
    }
    cr_assert_eq(task_free_count(), free_before);
}

/* Several errors: each counted, first one raised, all in the array (the C
 * shape of the ExceptionGroup); a child cancelled by the group whose cleanup
 * fails counts too, a child that just ends cancelled does not. */
Test(taskgroup, several_errors_counted_cancelled_children_not)
{
    static struct par p;
    memset(&p, 0, sizeof p);
    coro_taskgroup_collect(&p.tg, p.errs, 4);
    par_child(&p, 0, "a", 10, CORO_ERR_USER + 1);
    par_child(&p, 1, "b", 10, CORO_ERR_USER + 2);
    par_child(&p, 2, "c", 100, 0);
    par_child(&p, 3, "d", 100, 0);
    p.w[2].fin_err = CORO_ERR_USER + 3; /* its cleanup fails after the cancel */
    cr_assert_eq(coro_loop_run_until_complete(&L, par, &p), CORO_OK);
    cr_assert_str_eq(trace, "a33@10 b34@10 c1@10 d1@10 end33@10 ");
    cr_assert_eq(coro_taskgroup_nerrors(&p.tg), 3);
    cr_assert_eq(p.errs[0], CORO_ERR_USER + 1);
    cr_assert_eq(p.errs[1], CORO_ERR_USER + 2);
    cr_assert_eq(p.errs[2], CORO_ERR_USER + 3);
    assert_clean();
}

/* A child cancelled by someone else is no error: the others run on. */
Test(taskgroup, child_cancelled_from_outside_is_no_error)
{
    static struct par p;
    static struct canceller c;
    memset(&p, 0, sizeof p);
    memset(&c, 0, sizeof c);
    par_child(&p, 0, "a", 50, 0);
    par_child(&p, 1, "b", 30, 0);
    p.body_d = 5;
    /* cancel a at 20 */
    {
        coro_task t;
        cr_assert_eq(coro_spawn(&L, &t, par, &p), CORO_OK);
        cr_assert_eq(coro_loop_run_until_complete(&L, once_fn, &(struct once){{0}}), CORO_OK);
        c.t = p.t[0];
        cr_assert_eq(coro_call_later(&L, NULL, 20, cancel_cb, &c), CORO_OK);
        cr_assert_eq(coro_loop_run_task(&L, t), CORO_OK);
    }
    cr_assert_str_eq(trace, "x slept0@5 X@20 a1@20 b0@30 end0@30 ");
    cr_assert_eq(coro_taskgroup_nerrors(&p.tg), 0);
    assert_clean();
}

/* test_taskgroup_08/11: cancelling the parent cancels the children, waits
 * for their cleanup and stays a cancellation. */
Test(taskgroup, parent_cancelled_cancels_children_and_stays_cancelled)
{
    static struct par p;
    static struct canceller c;
    coro_task t;
    memset(&p, 0, sizeof p);
    memset(&c, 0, sizeof c);
    par_child(&p, 0, "a", 50, 0);
    par_child(&p, 1, "b", 50, 0);
    p.w[1].fin_sleep = 7;
    p.body_d = 100;
    t = spawn_cancelled_at(par, &p.co, 20, cancel_cb, &c);
    cr_assert_eq(coro_loop_run_task(&L, t), CORO_OK);
    cr_assert_str_eq(trace, "X@20 body1@20 a1@20 b1@20 b.@27 end1@27 ");
    assert_clean();
}

/* test_taskgroup_15: the parent cancelled, a child's cleanup fails: errors
 * win over the cancellation (CPython 3.11). */
Test(taskgroup, parent_cancelled_child_error_wins)
{
    static struct par p;
    static struct canceller c;
    coro_task t;
    memset(&p, 0, sizeof p);
    memset(&c, 0, sizeof c);
    par_child(&p, 0, "a", 50, 0);
    p.w[0].fin_err = CORO_ERR_USER + 4;
    p.body_d = 100;
    t = spawn_cancelled_at(par, &p.co, 20, cancel_cb, &c);
    cr_assert_eq(coro_loop_run_task(&L, t), CORO_OK);
    cr_assert_str_eq(trace, "X@20 body1@20 a1@20 end36@20 ");
    cr_assert_eq(coro_taskgroup_nerrors(&p.tg), 1);
    assert_clean();
}

/* The body's own error cancels the children and is raised after them (and
 * counted, after the children's errors). */
Test(taskgroup, body_error_cancels_children)
{
    static struct par p;
    memset(&p, 0, sizeof p);
    coro_taskgroup_collect(&p.tg, p.errs, 4);
    par_child(&p, 0, "a", 50, 0);
    par_child(&p, 1, "b", 50, 0);
    p.w[1].fin_err = CORO_ERR_USER + 2;
    p.body_d = 10;
    p.body_ret = CORO_ERR_USER + 5;
    cr_assert_eq(coro_loop_run_until_complete(&L, par, &p), CORO_OK);
    cr_assert_str_eq(trace, "slept0@10 a1@10 b1@10 end34@10 ");
    cr_assert_eq(coro_taskgroup_nerrors(&p.tg), 2);
    cr_assert_eq(p.errs[0], CORO_ERR_USER + 2);
    cr_assert_eq(p.errs[1], CORO_ERR_USER + 5);
    assert_clean();
}

/* The same group and frames again after the block: slots and the callback
 * slot were released, the group starts afresh (no errors carried over). */
Test(taskgroup, group_and_frames_reused_after_the_block)
{
    static struct par p;
    memset(&p, 0, sizeof p);
    par_child(&p, 0, "a", 10, CORO_ERR_USER + 1);
    par_child(&p, 1, "b", 30, 0);
    cr_assert_eq(coro_loop_run_until_complete(&L, par, &p), CORO_OK);
    cr_assert_str_eq(trace, "a33@10 b1@10 end33@10 ");
    assert_clean();
    trace[0] = 0;
    p.w[0].ret = 0;
    cr_assert_eq(coro_loop_run_until_complete(&L, par, &p), CORO_OK);
    cr_assert_str_eq(trace, "a0@20 b0@40 end0@40 ");
    cr_assert_eq(coro_taskgroup_nerrors(&p.tg), 0);
    cr_assert_eq(coro_taskgroup_error(&p.tg), CORO_OK);
    assert_clean();
}

/* In a timeout scope: the expiry cancels the body (a cancellation of another
 * origin for the group): the children are cancelled, the group raises
 * CORO_ERR_CANCELLED and the scope turns it into CORO_ERR_TIMEOUT. Inside the
 * group's body, a timeout scope lets the group's cancellation through (the
 * group raises the child's error, not a timeout). "to<st>@<t>" traces the
 * outer result. */
struct tpar {
    coro_frame co;
    coro_timeout to;
    coro_taskgroup tg;
    struct worker w[2];
    coro_status st;
    int inner; /* 1: the timeout scope inside the group's body; 2: the same,
                * after a yield (so the scope's timer comes after the child's) */
};
static CORO_FN(tpar, struct tpar, self)
{
    CORO_BEGIN(self);
    if (!self->inner) {
        CORO_CATCH(self, self->st, CORO_TIMEOUT(self, &self->to, 50, {
            CORO_WITH_TASKGROUP(self, &self->tg) {
                CORO_CHECK(self, coro_taskgroup_spawn(&self->tg, NULL, worker, &self->w[0]));
                CORO_CHECK(self, coro_taskgroup_spawn(&self->tg, NULL, worker, &self->w[1]));
            } CORO_END_WITH(self);
        }));
    } else {
        CORO_CATCH(self, self->st, {
            CORO_WITH_TASKGROUP(self, &self->tg) {
                CORO_CHECK(self, coro_taskgroup_spawn(&self->tg, NULL, worker, &self->w[0]));
                CORO_CHECK(self, coro_taskgroup_spawn(&self->tg, NULL, worker, &self->w[1]));
                if (self->inner == 2)
                    CORO_YIELD(self);
                CORO_TIMEOUT(self, &self->to, self->inner == 2 ? 10 : 50, CORO_SLEEP(self, 100));
                tr("past the scope ");
            } CORO_END_WITH(self);
        });
    }
    tr("to%d@%lu ", (int)self->st, NOW());
    CORO_SLEEP(self, 5); /* no cancellation left over */
    tr("after@%lu", NOW());
    CORO_END(self);
}

Test(taskgroup, in_a_timeout_scope_expiry_cancels_children_then_times_out)
{
    static struct tpar p;
    memset(&p, 0, sizeof p);
    p.w[0].name = "a", p.w[0].d = 100;
    p.w[1].name = "b", p.w[1].d = 100;
    cr_assert_eq(coro_loop_run_until_complete(&L, tpar, &p), CORO_OK);
    cr_assert_str_eq(trace, "a1@50 b1@50 to2@50 after@55");
    assert_clean();
}

Test(taskgroup, timeout_scope_in_the_body_lets_the_group_cancel_through)
{
    static struct tpar p;
    memset(&p, 0, sizeof p);
    p.inner = 1;
    p.w[0].name = "a", p.w[0].d = 10, p.w[0].ret = CORO_ERR_USER + 1;
    p.w[1].name = "b", p.w[1].d = 100;
    cr_assert_eq(coro_loop_run_until_complete(&L, tpar, &p), CORO_OK);
    cr_assert_str_eq(trace, "a33@10 b1@10 to33@10 after@15");
    assert_clean();
}

/* A group in a group's body: the inner child's error aborts the inner
 * group, which raises it into the outer body, which aborts the outer group
 * ("o" runs in the outer one). And the other way: the outer child's error
 * cancels the outer body's await, inside the inner block: the inner group
 * cancels its children and lets the cancellation through, the outer group
 * takes it back and raises its child's error. */
struct gg {
    coro_frame co;
    coro_taskgroup outer, inner;
    struct worker o, i;
    coro_status st;
};
static CORO_FN(gg, struct gg, self)
{
    CORO_BEGIN(self);
    CORO_CATCH(self, self->st, {
        CORO_WITH_TASKGROUP(self, &self->outer) {
            CORO_CHECK(self, coro_taskgroup_spawn(&self->outer, NULL, worker, &self->o));
            CORO_WITH_TASKGROUP(self, &self->inner) {
                CORO_CHECK(self, coro_taskgroup_spawn(&self->inner, NULL, worker, &self->i));
                CORO_SLEEP(self, 1000);
            } CORO_END_WITH(self);
        } CORO_END_WITH(self);
    });
    tr("gg%d@%lu n%u,%u", (int)self->st, NOW(), coro_taskgroup_nerrors(&self->outer),
       coro_taskgroup_nerrors(&self->inner));
    CORO_END(self);
}

Test(taskgroup, group_in_group_inner_error_aborts_outer)
{
    static struct gg g;
    memset(&g, 0, sizeof g);
    g.o.name = "o", g.o.d = 100;
    g.i.name = "i", g.i.d = 10, g.i.ret = CORO_ERR_USER + 1;
    cr_assert_eq(coro_loop_run_until_complete(&L, gg, &g), CORO_OK);
    cr_assert_str_eq(trace, "i33@10 o1@10 gg33@10 n1,1");
    assert_clean();
}

Test(taskgroup, group_in_group_outer_error_cancels_inner_block)
{
    static struct gg g;
    memset(&g, 0, sizeof g);
    g.o.name = "o", g.o.d = 10, g.o.ret = CORO_ERR_USER + 2;
    g.i.name = "i", g.i.d = 100;
    cr_assert_eq(coro_loop_run_until_complete(&L, gg, &g), CORO_OK);
    cr_assert_str_eq(trace, "o34@10 i1@10 gg34@10 n1,0");
    assert_clean();
}

/* Entering a group that is active: CORO_ERR_STATE before the block, the
 * outer block goes on. */
struct twice { coro_frame co; coro_taskgroup tg; coro_status st; int ran; };
static CORO_FN(twice, struct twice, self)
{
    CORO_BEGIN(self);
    CORO_WITH_TASKGROUP(self, &self->tg) {
        CORO_CATCH(self, self->st, {
            CORO_WITH_TASKGROUP(self, &self->tg) {
                self->ran = 1;
            } CORO_END_WITH(self);
        });
    } CORO_END_WITH(self);
    CORO_END(self);
}

Test(taskgroup, entering_an_active_group_refused)
{
    static struct twice t;
    memset(&t, 0, sizeof t);
    cr_assert_eq(coro_loop_run_until_complete(&L, twice, &t), CORO_OK);
    cr_assert_eq(t.st, CORO_ERR_STATE);
    cr_assert_eq(t.ran, 0);
}

/* While the block's end waits, a child spawns a sibling into the group
 * (asyncio allows it) and the end waits for it too; CORO_RETURN from the
 * block waits for the children as well. */
struct spawner { coro_frame co; coro_taskgroup *tg; struct worker *sib; coro_status st; };
static CORO_FN(spawner, struct spawner, self)
{
    CORO_BEGIN(self);
    CORO_SLEEP(self, 10);
    self->st = coro_taskgroup_spawn(self->tg, NULL, worker, self->sib);
    tr("spawned%d@%lu ", (int)self->st, NOW());
    CORO_END(self);
}
struct rpar { coro_frame co; coro_taskgroup tg; struct spawner sp; struct worker sib; };
static CORO_FN(rpar, struct rpar, self)
{
    CORO_BEGIN(self);
    CORO_WITH_TASKGROUP(self, &self->tg) {
        CORO_CHECK(self, coro_taskgroup_spawn(&self->tg, NULL, spawner, &self->sp));
        CORO_RETURN(self, CORO_OK);
    } CORO_END_WITH(self);
    tr("not here ");
    CORO_FINALLY(self);
    tr("ret%d@%lu", (int)CORO_ERROR(self), NOW());
    CORO_END(self);
}

Test(taskgroup, child_spawns_sibling_while_the_end_waits_and_return_waits)
{
    static struct rpar r;
    memset(&r, 0, sizeof r);
    r.sp.tg = &r.tg;
    r.sp.sib = &r.sib;
    r.sib.name = "s", r.sib.d = 20;
    cr_assert_eq(coro_loop_run_until_complete(&L, rpar, &r), CORO_OK);
    cr_assert_str_eq(trace, "spawned0@10 s0@30 ret0@30");
    assert_clean();
}

/* No callback slot for the group's first child: CORO_ERR_NO_SLOT, nothing
 * spawned. */
Test(taskgroup, no_callback_slot_refuses_the_spawn)
{
    static struct par p;
    int i;
    for (i = 0; i < CORO_MAX_CALLBACKS; i++)
        cr_assert_eq(coro_call_later(&L, NULL, 1000, nop_cb, NULL), CORO_OK);
    memset(&p, 0, sizeof p);
    par_child(&p, 0, "a", 10, 0);
    cr_assert_eq(coro_loop_run_until_complete(&L, par, &p), CORO_OK);
    cr_assert_str_eq(trace, "end4@0 ");
    cr_assert_eq(p.w[0].ran, 0);
    cr_assert_eq(task_free_count(), CORO_MAX_TASKS);
}

/* The group's cancellation of the body not delivered by the block's end (an
 * await of yours that ignores cancellation): the end takes it back, it never
 * reaches an await after the block. */
struct deaf { coro_frame co; coro_taskgroup tg; coro_waitq q; struct worker w; coro_status st; };
static CORO_FN(deaf, struct deaf, self)
{
    CORO_BEGIN(self);
    CORO_CATCH(self, self->st, {
        CORO_WITH_TASKGROUP(self, &self->tg) {
            CORO_CHECK(self, coro_taskgroup_spawn(&self->tg, NULL, worker, &self->w));
            CORO_AWAIT_ON(self, coro_waitq_wait(&self->q), CORO_OK); /* woken only by the cancel */
            tr("deaf@%lu ", NOW());
        } CORO_END_WITH(self);
    });
    tr("st%d@%lu ", (int)self->st, NOW());
    CORO_SLEEP(self, 5);
    tr("after@%lu", NOW());
    CORO_END(self);
}

Test(taskgroup, undelivered_group_cancel_taken_back_at_the_end)
{
    static struct deaf d;
    memset(&d, 0, sizeof d);
    d.w.name = "a", d.w.d = 10, d.w.ret = CORO_ERR_USER + 1;
    cr_assert_eq(coro_loop_run_until_complete(&L, deaf, &d), CORO_OK);
    cr_assert_str_eq(trace, "a33@10 deaf@10 st33@10 after@15");
    assert_clean();
}

/* The scope in the body expires in the step where the child fails (both at
 * 10, the child's timer first): both cancel the task; the scope lets the
 * cancellation through (2 requests, 1 of them its own: asyncio's
 * uncancel count), so the body raises no timeout: one error only. */
Test(taskgroup, timeout_in_the_body_expiring_with_the_error_is_no_second_error)
{
    static struct tpar p;
    memset(&p, 0, sizeof p);
    p.inner = 2;
    p.w[0].name = "a", p.w[0].d = 10, p.w[0].ret = CORO_ERR_USER + 1;
    p.w[1].name = "b", p.w[1].d = 100;
    cr_assert_eq(coro_loop_run_until_complete(&L, tpar, &p), CORO_OK);
    cr_assert_str_eq(trace, "a33@10 b1@10 to33@10 after@15");
    cr_assert_eq(coro_taskgroup_nerrors(&p.tg), 1);
    assert_clean();
}

/* A child ends well, a later one fails: the group still hears it (it keeps
 * listening after each end) and cancels the body's await. */
Test(taskgroup, error_after_a_child_ended_well_still_cancels_the_body)
{
    static struct par p;
    memset(&p, 0, sizeof p);
    par_child(&p, 0, "a", 10, 0);
    par_child(&p, 1, "b", 20, CORO_ERR_USER + 2);
    par_child(&p, 2, "c", 100, 0);
    p.body_d = 200;
    cr_assert_eq(coro_loop_run_until_complete(&L, par, &p), CORO_OK);
    cr_assert_str_eq(trace, "a0@10 b34@20 c1@20 body1@20 end34@20 ");
    assert_clean();
}

/* The group's cancel count is taken back at the block's end: a later
 * timeout scope of the task, expiring when a cancellation of another origin
 * is already pending, lets that cancellation through (CPython's uncancel
 * count; a count left over would make the scope take it for its own and
 * raise a timeout). */
struct linger { coro_frame co; coro_taskgroup tg; coro_timeout to; struct worker w; coro_status st, st2; };
static CORO_FN(linger, struct linger, self)
{
    CORO_BEGIN(self);
    CORO_CATCH(self, self->st, {
        CORO_WITH_TASKGROUP(self, &self->tg) {
            CORO_CHECK(self, coro_taskgroup_spawn(&self->tg, NULL, worker, &self->w));
            CORO_SLEEP(self, 100);
        } CORO_END_WITH(self);
    });
    CORO_CATCH(self, self->st2, CORO_TIMEOUT(self, &self->to, 10, CORO_SLEEP(self, 100)));
    tr("st%d,%d@%lu", (int)self->st, (int)self->st2, NOW());
    CORO_END(self);
}

Test(taskgroup, group_cancel_count_taken_back_at_the_end)
{
    static struct linger g;
    static struct canceller c;
    coro_task t;
    memset(&g, 0, sizeof g);
    memset(&c, 0, sizeof c);
    g.w.name = "a", g.w.d = 10, g.w.ret = CORO_ERR_USER + 1;
    t = spawn_cancelled_at(linger, &g.co, 20, cancel_cb, &c); /* its timer before the scope's */
    cr_assert_eq(coro_loop_run_task(&L, t), CORO_OK);
    cr_assert_str_eq(trace, "a33@10 X@20 st33,1@20");
}

#if CORO_MAX_SHARED_AWAITS /* 0: such an await fails with CORO_ERR_NO_SLOT */
/* The body awaits a child (a shared await: the group is its first awaiter):
 * it ends well, its status comes back; it fails, the group's cancellation
 * reaches the body first (asyncio runs the group's done callback before the
 * awaiter's wakeup), the block raises the child's error; the slot is freed
 * once both have read it. */
struct aw { coro_frame co; coro_taskgroup tg; struct worker w; coro_task t; coro_status st; };
static CORO_FN(aw, struct aw, self)
{
    CORO_BEGIN(self);
    CORO_CATCH(self, self->st, {
        CORO_WITH_TASKGROUP(self, &self->tg) {
            CORO_CHECK(self, coro_taskgroup_spawn(&self->tg, &self->t, worker, &self->w));
            CORO_CATCH(self, self->st, CORO_AWAIT_TASK(self, self->t));
            tr("awaited%d@%lu ", (int)self->st, NOW());
            CORO_CHECK(self, self->st);
        } CORO_END_WITH(self);
    });
    tr("st%d@%lu", (int)self->st, NOW());
    CORO_END(self);
}

Test(taskgroup, body_awaits_a_child)
{
    static struct aw a;
    memset(&a, 0, sizeof a);
    a.w.name = "a", a.w.d = 10;
    cr_assert_eq(coro_loop_run_until_complete(&L, aw, &a), CORO_OK);
    cr_assert_str_eq(trace, "a0@10 awaited0@10 st0@10");
    assert_clean();
    trace[0] = 0;
    a.w.ret = CORO_ERR_USER + 1;
    cr_assert_eq(coro_loop_run_until_complete(&L, aw, &a), CORO_OK);
    cr_assert_str_eq(trace, "a33@20 awaited1@20 st33@20");
    assert_clean();
}
#endif

/* A child may land in any slot, slot 0 too (white box on where: the parent
 * runs in slot 1, tasks outside the group hold slots 2 to 6, and the second
 * child takes slot 0, freed by a task that ended first). The group treats it
 * like the others: it is cancelled when a sibling fails, and the block's end
 * waits for it. z: the outside tasks, ending at 500 ("z0@500" each). */
/* The parent with children a (10 ticks, ending with a_ret) and b (b_d), run
 * with b in slot 0. */
static void run_with_b_in_slot_0(coro_status a_ret, coro_tick b_d)
{
    static struct par p;
    static struct worker z[5];
    static struct once o;
    coro_task tp;
    int i;
    par_child(&p, 0, "a", 10, a_ret);
    par_child(&p, 1, "b", b_d, 0);
    cr_assert_eq(coro_spawn(&L, NULL, once_fn, &o), CORO_OK);
    cr_assert_eq(coro_spawn(&L, &tp, par, &p), CORO_OK);
    for (i = 0; i < 5; i++) {
        z[i].name = "z", z[i].d = 500;
        cr_assert_eq(coro_spawn(&L, NULL, worker, &z[i]), CORO_OK);
    }
    cr_assert_eq(CORO__ID(tp), 1);
    cr_assert_eq(coro_loop_run_task(&L, tp), CORO_OK);
    cr_assert_eq(CORO__ID(p.t[1]), 0, "b was meant to take slot 0");
}

Test(taskgroup, child_in_slot_0_is_cancelled_by_a_failing_sibling)
{
    run_with_b_in_slot_0(CORO_ERR_USER + 1, 100);
    cr_assert_str_eq(trace, "x a33@10 b1@10 end33@10 ");
    assert_clean();
}

Test(taskgroup, block_end_waits_for_a_child_in_slot_0)
{
    run_with_b_in_slot_0(CORO_OK, 30);
    cr_assert_str_eq(trace, "x a0@10 b0@30 end0@30 ");
    assert_clean();
}

/* A refused spawn (no task slot) changes nothing: the group's first spawn
 * gives back the callback slot it took to hear the children, a later one
 * keeps the one its children need. z: tasks outside the group holding
 * slots 1 to 6 until 500; "x": the task that holds the last slot for one
 * step. */
struct noslot {
    coro_frame co;
    coro_taskgroup tg;
    struct once o;
    struct worker a, b;
    coro_status st1, st2;
    int cb1, cb2;
};
static CORO_FN(noslot, struct noslot, self)
{
    CORO_BEGIN(self);
    CORO_CHECK(self, coro_spawn(coro_running_loop(), NULL, once_fn, &self->o));
    CORO_WITH_TASKGROUP(self, &self->tg) {
        self->st1 = coro_taskgroup_spawn(&self->tg, NULL, worker, &self->a);
        self->cb1 = cb_free_count();
        CORO_YIELD(self); /* "x" ends: its slot is free */
        CORO_CHECK(self, coro_taskgroup_spawn(&self->tg, NULL, worker, &self->a));
        self->st2 = coro_taskgroup_spawn(&self->tg, NULL, worker, &self->b);
        self->cb2 = cb_free_count();
    } CORO_END_WITH(self);
    tr("end@%lu ", NOW());
    CORO_END(self);
}

Test(taskgroup, refused_spawn_for_want_of_a_slot_changes_nothing)
{
    static struct noslot n;
    static struct worker z[6];
    coro_task t;
    int i;
    memset(&n, 0, sizeof n);
    memset(z, 0, sizeof z);
    n.a.name = "a", n.a.d = 10;
    cr_assert_eq(coro_spawn(&L, &t, noslot, &n), CORO_OK);
    for (i = 0; i < 6; i++) {
        z[i].name = "z", z[i].d = 500;
        cr_assert_eq(coro_spawn(&L, NULL, worker, &z[i]), CORO_OK);
    }
    cr_assert_eq(coro_loop_run_task(&L, t), CORO_OK);
    cr_assert_eq(n.st1, CORO_ERR_NO_SLOT);
    cr_assert_eq(n.cb1, CORO_MAX_CALLBACKS, "the refused first spawn kept a callback slot");
    cr_assert_eq(n.st2, CORO_ERR_NO_SLOT);
    cr_assert_eq(n.cb2, CORO_MAX_CALLBACKS - 1, "the refused spawn dropped the group's callback slot");
    cr_assert_str_eq(trace, "x a0@10 end@10 ");
    assert_clean();
}
