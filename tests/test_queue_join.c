/* task_done, join and shutdown (coro_queue.h, asyncio-behaviours.md 1.11
 * item 97, hostile input 8): underflow, join waits for every task_done,
 * shutdown and shutdown(immediate), the saturating unfinished count.
 * Part of the coro_queue.h suite split by subject: shared setup and the
 * queue-operation helpers are in tests/queue_common.h. mk/host.mk runs every
 * tests/test_queue_*.c again on four build variants. */
#include "queue_common.h"

TestSuite(join, .init = setup);

/* ---- 97 and hostile input 8: task_done, join ------------------------------------ */
Test(join, task_done_beyond_the_gets_is_an_underflow)
{
    cr_assert_eq(coro_queue_init(&Q, buf, 4, sizeof buf[0]), CORO_OK);
    cr_assert_eq(coro_queue_task_done(&Q), CORO_ERR_UNDERFLOW);
    putn(&Q, 1);
    cr_assert_eq(getn(&Q), 1);
    cr_assert_eq(coro_queue_task_done(&Q), CORO_OK);
    cr_assert_eq(coro_queue_task_done(&Q), CORO_ERR_UNDERFLOW);
    cr_assert_eq(coro_queue_unfinished(&Q), 0);
}

static int marker_ran;
struct marker { coro_frame co; };
static CORO_FN(marker_fn, struct marker, self)
{
    CORO_BEGIN(self);
    marker_ran = 1;
    CORO_END(self);
}

static CORO_FN(join_empty_script, struct script, self)
{
    static struct marker m;
    CORO_BEGIN(self);
    coro_queue_init(&Q, buf, 4, sizeof buf[0]);
    marker_ran = 0;
    coro_spawn(&L, NULL, marker_fn, &m);
    CORO_QUEUE_JOIN(self, &Q); /* returns at once: the marker has not run */
    cr_assert_eq(marker_ran, 0);
    CORO_END(self);
}
Test(join, join_on_empty_queue_returns_at_once) { RUN(join_empty_script); }

static int accumulator;
struct worker { coro_frame co; int item; };
static CORO_FN(worker_fn, struct worker, self)
{
    CORO_BEGIN(self);
    for (;;) {
        CORO_QUEUE_GET(self, &Q, &self->item);
        accumulator += self->item;
        CORO_SLEEP(self, 1);
        coro_queue_task_done(&Q);
    }
    CORO_END(self);
}

static CORO_FN(task_done_script, struct script, self)
{
    static int big[100];
    static struct worker w[2];
    int i;
    CORO_BEGIN(self);
    coro_queue_init(&Q, big, 100, sizeof big[0]);
    for (i = 0; i < 100; i++)
        putn(&Q, i);
    accumulator = 0;
    coro_spawn(&L, &self->t[0], worker_fn, &w[0]);
    coro_spawn(&L, &self->t[1], worker_fn, &w[1]);
    CORO_QUEUE_JOIN(self, &Q);
    cr_assert_eq(accumulator, 4950);
    cr_assert_eq(coro_queue_unfinished(&Q), 0);
    cr_assert_eq(coro_loop_time(&L), 50);
    coro_task_cancel(&L, self->t[0]);
    coro_task_cancel(&L, self->t[1]);
    CORO_END(self);
}
Test(join, join_waits_for_every_task_done) { RUN(task_done_script); }

/* ---- 97: shutdown (Python 3.13) ------------------------------------------------- */
static CORO_FN(shutdown_script, struct script, self)
{
    CORO_BEGIN(self);
    coro_queue_init(&Q, buf, 2, sizeof buf[0]);
    spawn_ops(self, OP_GET, 2, NULL);
    CORO_YIELD(self);
    coro_queue_shutdown(&Q, 0); /* waiting getters wake to SHUTDOWN */
    CORO_CATCH(self, self->st, CORO_AWAIT_TASK(self, self->t[0]));
    cr_assert_eq(self->o[0].st, CORO_ERR_SHUTDOWN);
    CORO_CATCH(self, self->st, CORO_AWAIT_TASK(self, self->t[1]));
    cr_assert_eq(self->o[1].st, CORO_ERR_SHUTDOWN);
    self->x = 5;
    cr_assert_eq(coro_queue_try_put(&Q, &self->x), CORO_ERR_SHUTDOWN);
    CORO_CATCH(self, self->st, CORO_QUEUE_PUT(self, &Q, &self->x));
    cr_assert_eq(self->st, CORO_ERR_SHUTDOWN);

    /* get drains, then reports shutdown; waiting putters wake to SHUTDOWN */
    coro_queue_init(&Q, buf, 2, sizeof buf[0]);
    putn(&Q, 1);
    putn(&Q, 2);
    self->t[2] = spawn_op(&self->o[2], OP_PUT, &Q, 3, 0);
    CORO_YIELD(self);
    coro_queue_shutdown(&Q, 0);
    CORO_CATCH(self, self->st, CORO_AWAIT_TASK(self, self->t[2]));
    cr_assert_eq(self->o[2].st, CORO_ERR_SHUTDOWN);
    CORO_QUEUE_GET(self, &Q, &self->x);
    cr_assert_eq(self->x, 1);
    cr_assert_eq(getn(&Q), 2);
    CORO_CATCH(self, self->st, CORO_QUEUE_GET(self, &Q, &self->x));
    cr_assert_eq(self->st, CORO_ERR_SHUTDOWN);
    cr_assert_eq(coro_queue_try_get(&Q, &self->x), CORO_ERR_SHUTDOWN);
    cr_assert(coro_queue_is_shutdown(&Q));

    /* non-immediate: join still waits for task_done */
    coro_queue_init(&Q, buf, 2, sizeof buf[0]);
    putn(&Q, 1);
    putn(&Q, 2);
    cr_assert_eq(getn(&Q), 1);
    self->t[3] = spawn_op(&self->o[3], OP_JOIN, &Q, 0, 0);
    CORO_YIELD(self);
    coro_queue_shutdown(&Q, 0);
    CORO_YIELD(self);
    cr_assert(!self->o[3].finished);
    /* immediate: drops what is left (counted done); join returns once the
     * taken item is done too */
    coro_queue_shutdown(&Q, 1);
    cr_assert(coro_queue_empty(&Q));
    cr_assert_eq(coro_queue_unfinished(&Q), 1);
    CORO_YIELD(self);
    cr_assert(!self->o[3].finished);
    cr_assert_eq(coro_queue_task_done(&Q), CORO_OK);
    CORO_CATCH(self, self->st, CORO_AWAIT_TASK(self, self->t[3]));
    cr_assert_eq(self->o[3].st, CORO_OK);
    CORO_END(self);
}
Test(join, shutdown_wakes_waiters_refuses_puts_and_drains_gets) { RUN(shutdown_script); }

static CORO_FN(shutdown_immediate_script, struct script, self)
{
    CORO_BEGIN(self);
    coro_queue_init(&Q, buf, 4, sizeof buf[0]);
    putn(&Q, 1);
    putn(&Q, 2);
    self->t[0] = spawn_op(&self->o[0], OP_JOIN, &Q, 0, 0);
    CORO_YIELD(self);
    coro_queue_shutdown(&Q, 1);
    CORO_CATCH(self, self->st, CORO_AWAIT_TASK(self, self->t[0]));
    cr_assert_eq(self->o[0].st, CORO_OK);
    cr_assert_eq(coro_queue_unfinished(&Q), 0);
    CORO_END(self);
}
Test(join, shutdown_immediate_releases_join) { RUN(shutdown_immediate_script); }


/* Items got and never marked done (asyncio has no limit): 70,000 put/get
 * pairs all succeed, the unfinished count saturating at 65,535. */
Test(join, puts_never_fail_when_items_are_never_marked_done)
{
    static CORO_PRIORITY_STORAGE(struct job, 2) store;
    struct job j = {1, 0};
    long i;
    cr_assert_eq(coro_queue_init(&Q, buf, 1, sizeof buf[0]), CORO_OK);
    for (i = 0; i < 70000; i++) {
        putn(&Q, (int)i);
        cr_assert_eq(getn(&Q), (int)i);
    }
    cr_assert_eq(coro_queue_unfinished(&Q), 65535);
    cr_assert_eq(coro_queue_init_priority(&Q, &store, 2, sizeof(struct job), job_cmp), CORO_OK);
    for (i = 0; i < 70000; i++) {
        j.id = (int)i;
        cr_assert_eq(coro_queue_try_put(&Q, &j), CORO_OK);
        cr_assert_eq(coro_queue_try_get(&Q, &j), CORO_OK);
        cr_assert_eq(j.id, (int)i);
    }
}

/* At 65,535 the unfinished count saturates and sticks (counts were lost):
 * a waiting joiner wakes with CORO_ERR_OVERFLOW, a new join fails at once,
 * task_done succeeds but changes nothing, shutdown keeps it; puts go on;
 * only init resets it. Join never returns early. */
static CORO_FN(saturate_script, struct script, self)
{
    long i;
    CORO_BEGIN(self);
    coro_queue_init(&Q, buf, 2, sizeof buf[0]);
    putn(&Q, 0);
    cr_assert_eq(getn(&Q), 0);
    self->t[0] = spawn_op(&self->o[0], OP_JOIN, &Q, 0, 0);
    CORO_YIELD(self);
    cr_assert(!self->o[0].finished);
    for (i = 1; i < 65534; i++) {
        putn(&Q, (int)i);
        cr_assert_eq(getn(&Q), (int)i);
    }
    cr_assert_eq(coro_queue_task_done(&Q), CORO_OK); /* 65,533: still counting */
    putn(&Q, 1);
    putn(&Q, 2);
    cr_assert_eq(coro_queue_unfinished(&Q), 65535);
    CORO_YIELD(self);
    cr_assert(self->o[0].finished, "the joiner is woken when the count saturates");
    cr_assert_eq(self->o[0].st, CORO_ERR_OVERFLOW);
    CORO_CATCH(self, self->st, CORO_QUEUE_JOIN(self, &Q));
    cr_assert_eq(self->st, CORO_ERR_OVERFLOW);
    for (i = 0; i < 70000; i++)
        cr_assert_eq(coro_queue_task_done(&Q), CORO_OK);
    cr_assert_eq(coro_queue_unfinished(&Q), 65535);
    self->st = 99;
    CORO_CATCH(self, self->st, CORO_QUEUE_JOIN(self, &Q));
    cr_assert_eq(self->st, CORO_ERR_OVERFLOW);
    cr_assert_eq(getn(&Q), 1);
    putn(&Q, 3);
    coro_queue_shutdown(&Q, 1);
    cr_assert_eq(coro_queue_unfinished(&Q), 65535);
    cr_assert_eq(coro_queue_init(&Q, buf, 2, sizeof buf[0]), CORO_OK);
    cr_assert_eq(coro_queue_unfinished(&Q), 0);
    self->st = 99;
    CORO_CATCH(self, self->st, CORO_QUEUE_JOIN(self, &Q));
    cr_assert_eq(self->st, CORO_OK);
    CORO_END(self);
}
Test(join, saturated_unfinished_count_sticks_and_join_fails_overflow) { RUN(saturate_script); }

/* A join started with a cancellation pending while items are unfinished ends
 * cancelled at once and leaves no joiner: the last task_done wakes nobody,
 * and a join afterwards returns at once. */
static CORO_FN(join_cancelled_at_start_script, struct script, self)
{
    CORO_BEGIN(self);
    coro_queue_init(&Q, buf, 4, sizeof buf[0]);
    putn(&Q, 1);
    cr_assert(coro_task_cancel(&L, coro_current_task(&L)));
    CORO_CATCH(self, self->st, CORO_QUEUE_JOIN(self, &Q));
    cr_assert_eq(self->st, CORO_ERR_CANCELLED);
    cr_assert(coro_waitq_empty(&Q.joiners));
    cr_assert_eq(coro_queue_unfinished(&Q), 1);
    cr_assert_eq(getn(&Q), 1);
    cr_assert_eq(coro_queue_task_done(&Q), CORO_OK);
    CORO_CATCH(self, self->st, CORO_QUEUE_JOIN(self, &Q));
    cr_assert_eq(self->st, CORO_OK);
    CORO_END(self);
}
Test(join, join_started_with_a_pending_cancel_ends_cancelled) { RUN(join_cancelled_at_start_script); }

/* A put while a task joins does not end the join: it waits for that item's
 * task_done too, and then ends OK. */
static CORO_FN(join_put_script, struct script, self)
{
    CORO_BEGIN(self);
    coro_queue_init(&Q, buf, 4, sizeof buf[0]);
    putn(&Q, 1);
    self->t[0] = spawn_op(&self->o[0], OP_JOIN, &Q, 0, 0);
    CORO_YIELD(self);
    putn(&Q, 2); /* while the joiner waits */
    CORO_YIELD(self);
    cr_assert_not(self->o[0].finished);
    cr_assert_eq(getn(&Q), 1);
    cr_assert_eq(coro_queue_task_done(&Q), CORO_OK);
    CORO_YIELD(self);
    cr_assert_not(self->o[0].finished);
    cr_assert_eq(getn(&Q), 2);
    cr_assert_eq(coro_queue_task_done(&Q), CORO_OK);
    CORO_CATCH(self, self->st, CORO_AWAIT_TASK(self, self->t[0]));
    cr_assert_eq(self->o[0].st, CORO_OK);
    CORO_END(self);
}
Test(join, a_put_while_joining_extends_the_join) { RUN(join_put_script); }
