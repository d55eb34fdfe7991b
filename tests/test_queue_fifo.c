/* FIFO and LIFO queues (coro_queue.h, asyncio-behaviours.md 1.11 items 93-96,
 * 2.5, hostile input 7): order, sizes, init and static initializers, the try
 * variants, blocking put/get, cancelled and timed-out waiters, timeouts in the
 * CHOSEN window, and a randomized producers/consumers run.
 * Part of the coro_queue.h suite split by subject: shared setup and the
 * queue-operation helpers are in tests/queue_common.h. mk/host.mk runs every
 * tests/test_queue_*.c again on four build variants. */
#include "queue_common.h"

TestSuite(fifo, .init = setup);

/* ---- 93: basics -------------------------------------------------------------- */
Test(fifo, fifo_order_empty_full_sizes)
{
    int i;
    cr_assert_eq(coro_queue_init(&Q, buf, 4, sizeof buf[0]), CORO_OK);
    cr_assert(coro_queue_empty(&Q));
    cr_assert(!coro_queue_full(&Q));
    cr_assert_eq(coro_queue_maxsize(&Q), 4);
    for (i = 0; i < 3; i++)
        putn(&Q, i);
    cr_assert_eq(getn(&Q), 0);
    for (i = 3; i < 5; i++) /* wraps around the ring */
        putn(&Q, i);
    cr_assert(coro_queue_full(&Q));
    cr_assert_eq(coro_queue_qsize(&Q), 4);
    for (i = 1; i < 5; i++)
        cr_assert_eq(getn(&Q), i);
    cr_assert(coro_queue_empty(&Q));
}

Test(fifo, lifo_order)
{
    int i;
    cr_assert_eq(coro_queue_init_lifo(&Q, buf, 4, sizeof buf[0]), CORO_OK);
    for (i = 0; i < 4; i++)
        putn(&Q, i);
    for (i = 3; i >= 0; i--)
        cr_assert_eq(getn(&Q), i);
}


Test(fifo, init_rejects_bad_arguments)
{
    static CORO_PRIORITY_STORAGE(struct job, 4) store;
    static unsigned char rb[64];
    coro_ring r;
    cr_assert_eq(coro_queue_init(&Q, buf, 0, sizeof buf[0]), CORO_ERR_INVALID); /* maxsize <= 0 */
    cr_assert_eq(coro_queue_init(&Q, buf, 8, 0), CORO_ERR_INVALID);
    cr_assert_eq(coro_queue_init(&Q, NULL, 8, 4), CORO_ERR_INVALID);
    cr_assert_eq(coro_queue_init(&Q, buf, 65536, 1), CORO_ERR_INVALID);
    cr_assert_eq(coro_queue_init_priority(&Q, &store, 4, sizeof(struct job), NULL), CORO_ERR_INVALID);
    cr_assert_eq(coro__queue_init(&Q, CORO_QUEUE_FIFO, buf, 8, 4, job_cmp), CORO_ERR_INVALID);
    cr_assert_eq(coro__queue_init(&Q, 7, buf, 8, 4, NULL), CORO_ERR_INVALID);
    cr_assert_eq(coro_ring_init(&r, rb, 0, 1), CORO_ERR_INVALID);
    cr_assert_eq(coro_ring_init(&r, rb, 3, 1), CORO_ERR_INVALID);
    cr_assert_eq(coro_ring_init(&r, rb, 65536, 1), CORO_ERR_INVALID);
    cr_assert_eq(coro_ring_init(&r, rb, 64, 0), CORO_ERR_INVALID);
    cr_assert_eq(coro_ring_init(&r, rb, 64, 1), CORO_OK);
    cr_assert_eq(coro_ring_init(&r, rb, 1, 1), CORO_OK);
}

/* Hostile input 21: a queue never initialised (a zeroed static) asserts. */
Test(fifo, zeroed_queue_asserts, .signal = SIGABRT)
{
    static coro_queue zero;
    int v = 1;
    coro_queue_try_put(&zero, &v);
}

static int nq, nb, ns;
static coro_queue *argq(void) { nq++; return &Q; }
static int *argb(void) { nb++; return buf; }
struct both { CORO_QUEUE_OF(char, 3) a; };
static struct both B;
static CORO_PRIORITY_QUEUE_OF(struct job, 5) PQ;
static void *args(void) { ns++; return &B.a; }

Test(fifo, static_initializer_init_of_and_single_evaluation)
{
    static int sb[3];
    static coro_queue sq = CORO_QUEUE_INIT(CORO_QUEUE_FIFO, sb, 3, sizeof sb[0], NULL);
    struct job j = {2, 1}, k = {1, 2};
    char c = 'x';
    putn(&sq, 7);
    cr_assert_eq(getn(&sq), 7);
    cr_assert_eq(coro_queue_init(argq(), argb(), 8, sizeof buf[0]), CORO_OK);
    cr_assert_eq(nq + nb, 2);
    cr_assert_eq(coro_queue_init_of((CORO_QUEUE_OF(char, 3) *)args(), CORO_QUEUE_LIFO, NULL), CORO_OK);
    cr_assert_eq(ns, 1);
    cr_assert_eq(B.a.q.cap, 3);
    cr_assert_eq(B.a.q.esize, 1);
    cr_assert_eq((void *)B.a.q.buf, (void *)B.a.buf);
    cr_assert_eq(coro_queue_try_put(&B.a.q, &c), CORO_OK);
    cr_assert_eq(coro_queue_init_of(&PQ, CORO_QUEUE_PRIORITY, job_cmp), CORO_OK);
    cr_assert_eq((void *)PQ.q.buf, (void *)PQ.buf);
    cr_assert_eq(coro_queue_try_put(&PQ.q, &j), CORO_OK);
    cr_assert_eq(coro_queue_try_put(&PQ.q, &k), CORO_OK);
    cr_assert_eq(coro_queue_try_get(&PQ.q, &j), CORO_OK);
    cr_assert_eq(j.id, 2);
}

/* ---- 94 and hostile input 7: try variants change nothing on failure ---------- */
Test(fifo, try_put_full_try_get_empty_leave_queue_intact)
{
    int i, v = 42;
    cr_assert_eq(coro_queue_init(&Q, buf, 3, sizeof buf[0]), CORO_OK);
    cr_assert_eq(coro_queue_try_get(&Q, &v), CORO_ERR_EMPTY);
    cr_assert_eq(v, 42);
    for (i = 0; i < 3; i++)
        putn(&Q, i);
    cr_assert_eq(coro_queue_try_put(&Q, &v), CORO_ERR_FULL);
    cr_assert_eq(coro_queue_unfinished(&Q), 3);
    for (i = 0; i < 3; i++)
        cr_assert_eq(getn(&Q), i);
    cr_assert_eq(coro_queue_try_get(&Q, &v), CORO_ERR_EMPTY);
    cr_assert_eq(v, 42);
}

/* ---- 93: put blocks when full and resumes after a get (test_maxsize) ---------- */
static CORO_FN(maxsize_script, struct script, self)
{
    CORO_BEGIN(self);
    coro_queue_init(&Q, buf, 2, sizeof buf[0]);
    spawn_ops(self, OP_PUT, 3, (const int[]){0, 1, 2});
    CORO_YIELD(self);
    cr_assert(self->o[0].finished && self->o[1].finished && !self->o[2].finished);
    cr_assert_eq(coro_queue_qsize(&Q), 2);
    cr_assert_eq(getn(&Q), 0); /* 93: a get on a full queue wakes a putter */
    CORO_YIELD(self);
    cr_assert(self->o[2].finished);
    cr_assert_eq(self->o[2].st, CORO_OK);
    cr_assert_eq(getn(&Q), 1);
    cr_assert_eq(getn(&Q), 2);
    CORO_END(self);
}
Test(fifo, put_blocks_when_full_and_get_wakes_putter) { RUN(maxsize_script); }

/* ---- 95: a reader woken by put_nowait then cancelled leaves the item ----------- */
static CORO_FN(drop_one_script, struct script, self)
{
    CORO_BEGIN(self);
    coro_queue_init(&Q, buf, 8, sizeof buf[0]);
    self->t[0] = spawn_op(&self->o[0], OP_GET, &Q, 0, 0);
    CORO_YIELD(self);
    putn(&Q, 1); /* the reader is chosen ... */
    putn(&Q, 2);
    coro_task_cancel(&L, self->t[0]); /* ... and cancelled before it runs */
    CORO_CATCH(self, self->st, CORO_AWAIT_TASK(self, self->t[0]));
    cr_assert_eq(self->st, CORO_ERR_CANCELLED);
    cr_assert_eq(coro_queue_qsize(&Q), 2);
    self->t[1] = spawn_op(&self->o[1], OP_GET, &Q, 0, 0);
    CORO_CATCH(self, self->st, CORO_AWAIT_TASK(self, self->t[1]));
    cr_assert_eq(self->o[1].item, 1, "item 1 was dropped");
    CORO_END(self);
}
Test(fifo, get_cancel_drop_one_pending_reader) { RUN(drop_one_script); }

static CORO_FN(drop_many_script, struct script, self)
{
    CORO_BEGIN(self);
    coro_queue_init(&Q, buf, 8, sizeof buf[0]);
    spawn_ops(self, OP_GET, 3, NULL);
    CORO_YIELD(self);
    putn(&Q, 1);
    putn(&Q, 2);
    coro_task_cancel(&L, self->t[0]);
    CORO_CATCH(self, self->st, CORO_AWAIT_TASK(self, self->t[0]));
    cr_assert_eq(self->st, CORO_ERR_CANCELLED);
    CORO_CATCH(self, self->st, CORO_AWAIT_TASK(self, self->t[2]));
    CORO_CATCH(self, self->st, CORO_AWAIT_TASK(self, self->t[1]));
    cr_assert_eq(self->o[1].item + self->o[2].item, 3);
    cr_assert_neq(self->o[1].item, self->o[2].item);
    cr_assert(coro_queue_empty(&Q));
    CORO_END(self);
}
Test(fifo, get_cancel_drop_many_pending_readers) { RUN(drop_many_script); }

/* A cancelled writer neither loses nor duplicates its item (test_put_cancel_drop). */
static CORO_FN(put_drop_script, struct script, self)
{
    CORO_BEGIN(self);
    coro_queue_init(&Q, buf, 1, sizeof buf[0]);
    putn(&Q, 1);
    self->t[0] = spawn_op(&self->o[0], OP_PUT, &Q, 2, 0);
    CORO_YIELD(self);
    cr_assert_eq(getn(&Q), 1); /* the writer is chosen */
    coro_task_cancel(&L, self->t[0]);
    CORO_CATCH(self, self->st, CORO_AWAIT_TASK(self, self->t[0]));
    if (self->st == CORO_ERR_CANCELLED) { /* try again */
        cr_assert(coro_queue_empty(&Q));
        self->t[1] = spawn_op(&self->o[1], OP_PUT, &Q, 2, 0);
        CORO_CATCH(self, self->st, CORO_AWAIT_TASK(self, self->t[1]));
    }
    cr_assert_eq(getn(&Q), 2);
    cr_assert(coro_queue_empty(&Q));
    CORO_END(self);
}
Test(fifo, cancelled_putter_neither_loses_nor_duplicates_its_item) { RUN(put_drop_script); }

/* A cancelled putter never enqueues and does not block the others. */
static CORO_FN(put_race_script, struct script, self)
{
    CORO_BEGIN(self);
    coro_queue_init(&Q, buf, 1, sizeof buf[0]);
    spawn_ops(self, OP_PUT, 3, (const int[]){'a', 'b', 'X'});
    CORO_YIELD(self);
    cr_assert(self->o[0].finished && !self->o[1].finished && !self->o[2].finished);
    coro_task_cancel(&L, self->t[2]);
    CORO_YIELD(self);
    cr_assert(self->o[2].finished);
    cr_assert_eq(self->o[2].st, CORO_ERR_CANCELLED);
    cr_assert_eq(getn(&Q), 'a');
    CORO_YIELD(self);
    cr_assert_eq(getn(&Q), 'b');
    CORO_CATCH(self, self->st, CORO_AWAIT_TASK(self, self->t[1]));
    cr_assert(coro_queue_empty(&Q));
    cr_assert(coro_waitq_empty(&Q.putters));
    CORO_END(self);
}
Test(fifo, cancelled_putter_never_enqueues_nor_blocks_others) { RUN(put_race_script); }

/* A cancelled getter does not take the item meant for the next getter. */
static CORO_FN(get_race_script, struct script, self)
{
    CORO_BEGIN(self);
    coro_queue_init(&Q, buf, 4, sizeof buf[0]);
    spawn_ops(self, OP_GET, 2, NULL);
    CORO_YIELD(self);
    coro_task_cancel(&L, self->t[0]);
    CORO_YIELD(self);
    cr_assert(self->o[0].finished);
    self->x = 'a';
    CORO_QUEUE_PUT(self, &Q, &self->x);
    CORO_YIELD(self);
    CORO_CATCH(self, self->st, CORO_AWAIT_TASK(self, self->t[1]));
    cr_assert_eq(self->o[1].item, 'a');
    cr_assert_eq(self->o[0].st, CORO_ERR_CANCELLED);
    CORO_END(self);
}
Test(fifo, cancelled_getter_leaves_the_item_to_the_next_getter) { RUN(get_race_script); }

/* ---- 96: cancelled / timed-out waiters leave the waiter lists ------------------ */
static CORO_FN(not_held_script, struct script, self)
{
    CORO_BEGIN(self);
    coro_queue_init(&Q, buf, 1, sizeof buf[0]);
    self->t[0] = spawn_op(&self->o[0], OP_GET, &Q, 0, 100);
    CORO_CATCH(self, self->st, CORO_AWAIT_TASK(self, self->t[0]));
    cr_assert_eq(self->o[0].st, CORO_ERR_TIMEOUT);
    cr_assert_eq(coro_loop_time(&L), 100);
    cr_assert_eq(coro_waitq_len(&L, &Q.getters), 0);
    putn(&Q, 1);
    self->t[1] = spawn_op(&self->o[1], OP_PUT, &Q, 2, 50);
    self->t[2] = spawn_op(&self->o[2], OP_PUT, &Q, 3, 0);
    CORO_YIELD(self);
    cr_assert_eq(coro_waitq_len(&L, &Q.putters), 2);
    coro_task_cancel(&L, self->t[2]);
    CORO_CATCH(self, self->st, CORO_AWAIT_TASK(self, self->t[1]));
    cr_assert_eq(self->o[1].st, CORO_ERR_TIMEOUT);
    cr_assert_eq(self->o[2].st, CORO_ERR_CANCELLED);
    cr_assert_eq(coro_waitq_len(&L, &Q.putters), 0);
    cr_assert_eq(coro_queue_qsize(&Q), 1);
    cr_assert_eq(getn(&Q), 1);
    CORO_END(self);
}
Test(fifo, cancelled_and_timed_out_waiters_leave_the_lists) { RUN(not_held_script); }

/* A putter already woken by get_nowait and then cancelled ends cleanly. */
static CORO_FN(silence_script, struct script, self)
{
    CORO_BEGIN(self);
    coro_queue_init(&Q, buf, 1, sizeof buf[0]);
    putn(&Q, 1);
    self->t[0] = spawn_op(&self->o[0], OP_PUT, &Q, 1, 0);
    CORO_YIELD(self);
    cr_assert_eq(getn(&Q), 1);
    cr_assert(coro_waitq_empty(&Q.putters));
    coro_task_cancel(&L, self->t[0]);
    CORO_YIELD(self);
    cr_assert_eq(coro_task_status(&L, self->t[0]), CORO_ERR_CANCELLED);
    cr_assert(coro_queue_empty(&Q));
    cr_assert_eq(coro_queue_unfinished(&Q), 1); /* only the first put counts */
    CORO_END(self);
}
Test(fifo, cancelled_put_after_wake_ends_cleanly) { RUN(silence_script); }


/* ---- timeouts through CORO_TIMEOUT ------------------------------------------------ */
static CORO_FN(timeout_script, struct script, self)
{
    CORO_BEGIN(self);
    coro_queue_init(&Q, buf, 1, sizeof buf[0]);
    CORO_CATCH(self, self->st, CORO_TIMEOUT(self, &self->o[5].to, 30, CORO_QUEUE_GET(self, &Q, &self->x)));
    cr_assert_eq(self->st, CORO_ERR_TIMEOUT);
    cr_assert_eq(coro_loop_time(&L), 30);
    self->x = 7;
    CORO_TIMEOUT(self, &self->o[5].to, 30, CORO_QUEUE_PUT(self, &Q, &self->x)); /* room: at once */
    cr_assert_eq(coro_loop_time(&L), 30);
    self->x = 8;
    CORO_CATCH(self, self->st, CORO_TIMEOUT(self, &self->o[5].to, 20, CORO_QUEUE_PUT(self, &Q, &self->x)));
    cr_assert_eq(self->st, CORO_ERR_TIMEOUT);
    cr_assert_eq(coro_loop_time(&L), 50);
    cr_assert_eq(coro_queue_qsize(&Q), 1); /* 8 never went in */
    cr_assert_eq(coro_queue_unfinished(&Q), 1);
    /* a get that succeeds before its timeout */
    self->t[0] = spawn_op(&self->o[0], OP_PUT, &Q, 9, 0); /* waits: full */
    CORO_TIMEOUT(self, &self->o[5].to, 20, CORO_QUEUE_GET(self, &Q, &self->x));
    cr_assert_eq(self->x, 7);
    CORO_TIMEOUT(self, &self->o[5].to, 20, CORO_QUEUE_GET(self, &Q, &self->x));
    cr_assert_eq(self->x, 9);
    cr_assert_eq(coro_loop_time(&L), 50);
    CORO_END(self);
}
Test(fifo, timeouts_on_put_and_get) { RUN(timeout_script); }

/* ---- 2.5: the timeout fires in the CHOSEN window (python/asyncio #343) ------------ */
static void put_cb(void *arg) { putn(&Q, *(int *)arg); }
static int item_4 = 4;

static CORO_FN(chosen_timeout_script, struct script, self)
{
    CORO_BEGIN(self);
    coro_queue_init(&Q, buf, 4, sizeof buf[0]);
    /* due at tick 10, scheduled before the getter's timeout (also tick 10): the
     * put chooses the getter, then the timeout cancels it before it runs */
    coro_call_later(&L, NULL, 10, put_cb, &item_4);
    self->t[0] = spawn_op(&self->o[0], OP_GET, &Q, 0, 10);
    self->t[1] = spawn_op(&self->o[1], OP_GET, &Q, 0, 0);
    CORO_CATCH(self, self->st, CORO_AWAIT_TASK(self, self->t[0]));
    cr_assert_eq(self->o[0].st, CORO_ERR_TIMEOUT);
    CORO_CATCH(self, self->st, CORO_AWAIT_TASK(self, self->t[1])); /* the turn was passed on: item 4 not lost */
    cr_assert_eq(self->o[1].item, 4);
    cr_assert(coro_queue_empty(&Q));
    CORO_END(self);
}
Test(fifo, timeout_in_chosen_window_passes_the_item_on) { RUN(chosen_timeout_script); }

/* python/asyncio #201: a consumer polling with a timed-out get in a loop,
 * timeouts falling on the same ticks as the puts, loses nothing. */
struct tprod { coro_frame co; int i; };
static CORO_FN(tprod_fn, struct tprod, self)
{
    CORO_BEGIN(self);
    for (self->i = 0; self->i < 200; self->i++) {
        CORO_QUEUE_PUT(self, &Q, &self->i);
        CORO_SLEEP(self, (coro_tick)(self->i % 3));
    }
    CORO_END(self);
}

struct tcons2 { coro_frame co; int item, n, next, timeouts; coro_status st; coro_timeout to; };
static CORO_FN(tcons2_fn, struct tcons2, self)
{
    CORO_BEGIN(self);
    while (self->n < 200) {
        CORO_CATCH(self, self->st, CORO_TIMEOUT(self, &self->to, (coro_tick)(1 + self->n % 2), CORO_QUEUE_GET(self, &Q, &self->item)));
        if (self->st == CORO_ERR_TIMEOUT) {
            self->timeouts++;
            continue;
        }
        cr_assert_eq(self->st, CORO_OK);
        cr_assert_eq(self->item, self->next, "got %d, expected %d", self->item, self->next);
        self->next++;
        self->n++;
    }
    CORO_END(self);
}

Test(fifo, timed_out_gets_in_a_loop_lose_nothing)
{
    static struct tprod p;
    static struct tcons2 c;
    coro_task tp, tc;
    memset(&p, 0, sizeof p);
    memset(&c, 0, sizeof c);
    cr_assert_eq(coro_queue_init(&Q, buf, 2, sizeof buf[0]), CORO_OK);
    cr_assert_eq(coro_spawn(&L, &tc, tcons2_fn, &c), CORO_OK);
    cr_assert_eq(coro_spawn(&L, &tp, tprod_fn, &p), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, tc), CORO_OK);
    cr_assert_eq(c.n, 200);
    cr_assert_gt(c.timeouts, 10);
    cr_assert(coro_queue_empty(&Q));
}

/* PR #269: a woken getter whose item was taken meanwhile waits again. */
static CORO_FN(recheck_script, struct script, self)
{
    CORO_BEGIN(self);
    coro_queue_init(&Q, buf, 4, sizeof buf[0]);
    self->t[0] = spawn_op(&self->o[0], OP_GET, &Q, 0, 0);
    CORO_YIELD(self);
    putn(&Q, 1);
    cr_assert_eq(getn(&Q), 1); /* stolen before the getter runs */
    CORO_YIELD(self);
    cr_assert(!self->o[0].finished);
    cr_assert_eq(coro_waitq_len(&L, &Q.getters), 1);
    putn(&Q, 2);
    CORO_CATCH(self, self->st, CORO_AWAIT_TASK(self, self->t[0]));
    cr_assert_eq(self->o[0].item, 2);
    CORO_END(self);
}
Test(fifo, woken_getter_rechecks) { RUN(recheck_script); }



static CORO_FN(lifo_await_script, struct script, self)
{
    CORO_BEGIN(self);
    coro_queue_init_lifo(&Q, buf, 2, sizeof buf[0]);
    spawn_ops(self, OP_PUT, 3, (const int[]){1, 2, 3});
    CORO_YIELD(self);
    cr_assert(!self->o[2].finished);
    CORO_QUEUE_GET(self, &Q, &self->x);
    cr_assert_eq(self->x, 2);
    CORO_CATCH(self, self->st, CORO_AWAIT_TASK(self, self->t[2]));
    CORO_QUEUE_GET(self, &Q, &self->x);
    cr_assert_eq(self->x, 3);
    CORO_QUEUE_GET(self, &Q, &self->x);
    cr_assert_eq(self->x, 1);
    CORO_END(self);
}
Test(fifo, lifo_queue_blocking_put) { RUN(lifo_await_script); }


/* ---- randomized: producers / consumers with random timeouts and cancellations ---- */
#define NP 3
#define NC 3
#define K 60
static unsigned rng;
static unsigned rnd(unsigned n)
{
    rng = rng * 1103515245u + 12345u;
    return (rng >> 16) % n;
}
static int got[NP][K], last_seq[NP], received, done_calls, stop_chaos, fifo_violations;
static long put_fail[2], get_fail[2]; /* [timeout, cancelled] */
static coro_task ptask[NP], ctask[NC];

struct rprod { coro_frame co; int id, i, item; coro_tick t; coro_status st; coro_timeout to; };
static CORO_FN(rprod_fn, struct rprod, self)
{
    CORO_BEGIN(self);
    for (self->i = 0; self->i < K; self->i++) {
        self->item = self->id * 1000 + self->i;
        for (;;) {
            self->t = rnd(3) ? rnd(5) : 0;
            if (self->t)
                CORO_CATCH(self, self->st, CORO_TIMEOUT(self, &self->to, self->t, CORO_QUEUE_PUT(self, &Q, &self->item)));
            else
                CORO_CATCH(self, self->st, CORO_QUEUE_PUT(self, &Q, &self->item));
            if (self->st == CORO_OK)
                break;
            cr_assert(self->st == CORO_ERR_TIMEOUT || self->st == CORO_ERR_CANCELLED, "put: %d", self->st);
            put_fail[self->st == CORO_ERR_CANCELLED]++;
        }
        CORO_CATCH(self, self->st, CORO_SLEEP(self, rnd(3)));
    }
    CORO_END(self);
}

struct rcons { coro_frame co; int item; coro_tick t; coro_status st; coro_timeout to; };
static CORO_FN(rcons_fn, struct rcons, self)
{
    int p, s;
    CORO_BEGIN(self);
    for (;;) {
        self->t = rnd(3) ? rnd(6) + 1 : 0;
        if (self->t)
            CORO_CATCH(self, self->st, CORO_TIMEOUT(self, &self->to, self->t, CORO_QUEUE_GET(self, &Q, &self->item)));
        else
            CORO_CATCH(self, self->st, CORO_QUEUE_GET(self, &Q, &self->item));
        if (self->st == CORO_ERR_SHUTDOWN)
            break;
        if (self->st != CORO_OK) {
            cr_assert(self->st == CORO_ERR_TIMEOUT || self->st == CORO_ERR_CANCELLED, "get: %d", self->st);
            get_fail[self->st == CORO_ERR_CANCELLED]++;
            continue;
        }
        p = self->item / 1000;
        s = self->item % 1000;
        got[p][s]++;
        if (s <= last_seq[p])
            fifo_violations++;
        last_seq[p] = s;
        received++;
        CORO_CATCH(self, self->st, CORO_SLEEP(self, rnd(3))); /* processing, may be cancelled */
        done_calls++;
        cr_assert_eq(coro_queue_task_done(&Q), CORO_OK);
    }
    CORO_END(self);
}

static void chaos(void *arg)
{
    (void)arg;
    if (stop_chaos)
        return;
    if (rnd(2))
        coro_task_cancel(&L, ctask[rnd(NC)]);
    else
        coro_task_cancel(&L, ptask[rnd(NP)]);
    coro_call_later(&L, NULL, rnd(4) + 1, chaos, NULL);
}

struct rmain { coro_frame co; struct rprod p[NP]; struct rcons c[NC]; coro_status errs[NC > NP ? NC : NP]; };
static CORO_FN(rmain_fn, struct rmain, self)
{
    int i;
    CORO_BEGIN(self);
    for (i = 0; i < NP; i++) {
        self->p[i].id = i;
        coro_spawn(&L, &ptask[i], rprod_fn, &self->p[i]);
    }
    for (i = 0; i < NC; i++)
        coro_spawn(&L, &ctask[i], rcons_fn, &self->c[i]);
    coro_call_later(&L, NULL, 1, chaos, NULL);
    CORO_GATHER(self, ptask, NP, self->errs);
    CORO_QUEUE_JOIN(self, &Q);
    /* join returns only after the last task_done */
    cr_assert_eq(done_calls, NP * K);
    cr_assert_eq(coro_queue_unfinished(&Q), 0);
    stop_chaos = 1;
    coro_queue_shutdown(&Q, 0);
    CORO_GATHER(self, ctask, NC, self->errs);
    CORO_END(self);
}

Test(fifo, randomized_producers_consumers_timeouts_cancellations)
{
    static struct rmain m;
    int seed, p, i;
    for (seed = 1; seed <= 60; seed++) {
        setup();
        rng = (unsigned)seed;
        memset(got, 0, sizeof got);
        memset(&m, 0, sizeof m);
        for (p = 0; p < NP; p++)
            last_seq[p] = -1;
        received = done_calls = stop_chaos = fifo_violations = 0;
        cr_assert_eq(coro_queue_init(&Q, buf, 1 + seed % 4, sizeof buf[0]), CORO_OK);
        cr_assert_eq(coro_loop_run_until_complete(&L, rmain_fn, &m), CORO_OK, "seed %d", seed);
        for (p = 0; p < NP; p++)
            for (i = 0; i < K; i++)
                cr_assert_eq(got[p][i], 1, "seed %d: item %d/%d received %d times", seed, p, i, got[p][i]);
        cr_assert_eq(received, NP * K);
        cr_assert_eq(fifo_violations, 0, "seed %d", seed);
    }
    /* the run did exercise every failure path */
    cr_assert(put_fail[0] > 0 && put_fail[1] > 0 && get_fail[0] > 0 && get_fail[1] > 0,
              "put timeouts %ld cancels %ld, get timeouts %ld cancels %ld", put_fail[0], put_fail[1], get_fail[0],
              get_fail[1]);
    cr_log_info("put timeouts %ld cancels %ld, get timeouts %ld cancels %ld", put_fail[0], put_fail[1], get_fail[0],
                get_fail[1]);
}

/* A get on an empty queue and a put on a full one, each started with a
 * cancellation pending (the task cancelled itself; a task cancelled while
 * ready is the same): each ends cancelled at once, takes nothing, adds
 * nothing and leaves no waiter behind, so the next item stays in the queue. */
static CORO_FN(cancelled_at_start_script, struct script, self)
{
    CORO_BEGIN(self);
    coro_queue_init(&Q, buf, 1, sizeof buf[0]);
    self->x = 7;
    cr_assert(coro_task_cancel(&L, coro_current_task(&L)));
    CORO_CATCH(self, self->st, CORO_QUEUE_GET(self, &Q, &self->x));
    cr_assert_eq(self->st, CORO_ERR_CANCELLED);
    cr_assert_eq(self->x, 7);
    cr_assert(coro_waitq_empty(&Q.getters));
    putn(&Q, 1);
    cr_assert(coro_task_cancel(&L, coro_current_task(&L)));
    CORO_CATCH(self, self->st, CORO_QUEUE_PUT(self, &Q, &self->x));
    cr_assert_eq(self->st, CORO_ERR_CANCELLED);
    cr_assert(coro_waitq_empty(&Q.putters));
    cr_assert_eq(coro_queue_qsize(&Q), 1);
    cr_assert_eq(coro_queue_unfinished(&Q), 1);
    cr_assert_eq(getn(&Q), 1);
    CORO_END(self);
}
Test(fifo, get_and_put_started_with_a_pending_cancel_end_cancelled) { RUN(cancelled_at_start_script); }

/* A FIFO queue of exactly the largest capacity (65,535 items): init accepts
 * it, it holds that many, refuses one more, and keeps FIFO order while its
 * head wraps round the end of the buffer. */
Test(fifo, fifo_queue_of_maximum_capacity)
{
    static uint16_t big[65535];
    uint16_t v;
    long i;
    cr_assert_eq(coro_queue_init(&Q, big, 65535, sizeof big[0]), CORO_OK);
    cr_assert_eq(coro_queue_maxsize(&Q), 65535);
    for (i = 0; i < 65535; i++) {
        v = (uint16_t)i;
        cr_assert_eq(coro_queue_try_put(&Q, &v), CORO_OK);
    }
    cr_assert(coro_queue_full(&Q));
    cr_assert_eq(coro_queue_try_put(&Q, &v), CORO_ERR_FULL);
    for (i = 0; i < 65535 + 40000; i++) { /* the head wraps once */
        cr_assert_eq(coro_queue_try_get(&Q, &v), CORO_OK);
        cr_assert_eq(v, (uint16_t)i, "item %ld: %u", i, v);
        v = (uint16_t)(i + 65535);
        cr_assert_eq(coro_queue_try_put(&Q, &v), CORO_OK);
    }
    cr_assert_eq(coro_queue_qsize(&Q), 65535);
}

/* Elements are copied whole and alone, whatever their size: a get writes
 * exactly esize bytes to its destination, a put exactly esize bytes of the
 * queue's storage (the bytes after the last slot and around the destination
 * are never touched). */
Test(fifo, elements_copied_exactly_at_every_size)
{
    static const size_t sizes[] = {1, 2, 3, 4, 8, 12};
    unsigned char store[4 * 12 + 8], in[12], out[12 + 8];
    size_t k, b, i;
    for (k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t es = sizes[k];
        memset(store, 0xEE, sizeof store);
        cr_assert_eq(coro_queue_init(&Q, store, 4, es), CORO_OK);
        for (i = 0; i < 4 + 3; i++) { /* the head wraps */
            for (b = 0; b < es; b++)
                in[b] = (unsigned char)(16 * i + b + 1);
            cr_assert_eq(coro_queue_try_put(&Q, in), CORO_OK);
            if (i < 3)
                continue;
            memset(out, 0xDD, sizeof out);
            cr_assert_eq(coro_queue_try_get(&Q, out + 4), CORO_OK);
            for (b = 0; b < es; b++)
                cr_assert_eq(out[4 + b], (unsigned char)(16 * (i - 3) + b + 1), "esize %zu byte %zu", es, b);
            for (b = 0; b < 4; b++) {
                cr_assert_eq(out[b], 0xDD, "esize %zu: a byte before the destination written", es);
                cr_assert_eq(out[4 + es + b], 0xDD, "esize %zu: a byte after the destination written", es);
            }
            for (b = 4 * es; b < sizeof store; b++)
                cr_assert_eq(store[b], 0xEE, "esize %zu: storage byte %zu past the last slot written", es, b);
        }
    }
}

/* Getters are served in FIFO order even after a chosen getter is cancelled
 * with nothing left to pass on: its item was taken meanwhile, so nobody is
 * woken (asyncio wakes the next getter only if the queue is not empty); a
 * needless wake would send the next getter to the back of the line. */
static CORO_FN(getter_order_script, struct script, self)
{
    CORO_BEGIN(self);
    coro_queue_init(&Q, buf, 4, sizeof buf[0]);
    spawn_ops(self, OP_GET, 3, NULL);
    CORO_YIELD(self);
    cr_assert_eq(coro_waitq_len(&L, &Q.getters), 3);
    putn(&Q, 1);                      /* getter 0 chosen ... */
    coro_task_cancel(&L, self->t[0]); /* ... cancelled before it runs ... */
    cr_assert_eq(getn(&Q), 1);        /* ... and its item taken */
    CORO_YIELD(self);                 /* getter 0 ends cancelled */
    CORO_YIELD(self);                 /* (a getter woken for nothing would wait again, last) */
    cr_assert_eq(self->o[0].st, CORO_ERR_CANCELLED);
    cr_assert_eq(coro_queue_qsize(&Q), 0);
    putn(&Q, 'a');
    putn(&Q, 'b');
    CORO_CATCH(self, self->st, CORO_AWAIT_TASK(self, self->t[1]));
    CORO_CATCH(self, self->st, CORO_AWAIT_TASK(self, self->t[2]));
    cr_assert_eq(self->o[1].item, 'a');
    cr_assert_eq(self->o[2].item, 'b');
    CORO_END(self);
}
Test(fifo, getters_stay_in_fifo_order_after_a_chosen_getter_is_cancelled) { RUN(getter_order_script); }

/* The inline fast paths of coro_queue.h (a FIFO put with room and no getter
 * waiting, a get with an item and no putter waiting, a task_done that leaves
 * items unfinished or marks the last one done with no joiner waiting) leave a
 * queue exactly as the out-of-line functions do:
 * twin queues, A driven through the public calls, B through the functions
 * themselves (a parenthesised name skips the inline path), the same random
 * operations at every element size and capacity 1 to 5, from unfinished
 * counts of 0 and of 65,531 (the saturation edge); after each operation the
 * statuses, the items got, the headers and the storage must agree. */
static void twin_check(const coro_queue *a, const coro_queue *b, const unsigned char *sa,
                       const unsigned char *sb, size_t bytes, long step)
{
    cr_assert_eq(a->head, b->head, "step %ld: head", step);
    cr_assert_eq(a->count, b->count, "step %ld: count", step);
    cr_assert_eq(a->unfinished, b->unfinished, "step %ld: unfinished", step);
    cr_assert_eq(a->flags, b->flags, "step %ld: flags", step);
    cr_assert(memcmp(sa, sb, bytes) == 0, "step %ld: storage", step);
}

Test(fifo, inline_fast_paths_leave_the_queue_as_the_functions_do)
{
    static const size_t sizes[] = {1, 2, 3, 4, 8, 12};
    static unsigned char sa[5 * 12], sb[5 * 12];
    static coro_queue QA, QB;
    unsigned char in[12], oa[12], ob[12];
    unsigned long seed = 1;
    size_t k, b;
    unsigned cap, start;
    long step = 0;
    int j;
    for (k = 0; k < sizeof sizes / sizeof sizes[0]; k++)
        for (cap = 1; cap <= 5; cap++)
            for (start = 0; start < 2; start++) {
                size_t es = sizes[k];
                memset(sa, 0, sizeof sa);
                memset(sb, 0, sizeof sb);
                cr_assert_eq(coro_queue_init(&QA, sa, cap, es), CORO_OK);
                cr_assert_eq(coro_queue_init(&QB, sb, cap, es), CORO_OK);
                if (start)
                    QA.unfinished = QB.unfinished = 65531; /* white box: near saturation */
                for (j = 0; j < 300; j++, step++) {
                    coro_status ra, rb;
                    seed = seed * 1103515245u + 12345u;
                    switch ((seed >> 16) % 4u) {
                    case 0:
                    case 1:
                        for (b = 0; b < es; b++)
                            in[b] = (unsigned char)(step * 7 + (long)b + 1);
                        ra = coro_queue_try_put(&QA, in);
                        rb = (coro_queue_try_put)(&QB, in);
                        break;
                    case 2:
                        memset(oa, 0xDD, sizeof oa);
                        memset(ob, 0xDD, sizeof ob);
                        ra = coro_queue_try_get(&QA, oa);
                        rb = (coro_queue_try_get)(&QB, ob);
                        cr_assert(memcmp(oa, ob, sizeof oa) == 0, "step %ld: item got", step);
                        break;
                    default:
                        ra = coro_queue_task_done(&QA);
                        rb = (coro_queue_task_done)(&QB);
                        break;
                    }
                    cr_assert_eq(ra, rb, "step %ld: status %d against %d", step, ra, rb);
                    twin_check(&QA, &QB, sa, sb, sizeof sa, step);
                }
            }
}
