/* Queue tests (coro_queue.h), on the virtual clock: asyncio-behaviours.md
 * 1.11 (items 93-97), 2.5, hostile inputs 7 and 8, a randomized run with
 * timeouts and cancellations, and the SPSC ring fed by a thread and by a
 * signal handler. */
#define CORO_MAX_TASKS 16
#define CORO_MAX_CALLBACKS 16
#define CORO_IMPLEMENTATION
/* Count every insertion number the priority heap reads (its work). */
static unsigned long pq_work;
#define CORO__QUEUE_WORK() ((void)pq_work++)
#include "coro.h"
#include "coro_queue.h"
#include <criterion/criterion.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/time.h>

static coro_loop L;
static int buf[8];
static coro_queue Q;

static void setup(void)
{
    coro_virtual_now = 0;
    cr_assert_eq(coro_loop_init(&L), CORO_OK);
    memset(buf, 0, sizeof buf);
}
TestSuite(queue, .init = setup);

/* ---- helpers ----------------------------------------------------------------- */

/* One queue operation in its own task; the status lands in st. */
enum { OP_PUT, OP_GET, OP_JOIN };
struct op {
    coro_frame co;
    coro_queue *q;
    int kind, item, finished;
    coro_tick timeout; /* 0: none */
    coro_timeout to;
    coro_status st;
};

static CORO_FN(op_fn, struct op, self)
{
    CORO_BEGIN(self);
    if (self->kind == OP_PUT) {
        if (self->timeout)
            CORO_CATCH(self, self->st, CORO_TIMEOUT(self, &self->to, self->timeout, CORO_QUEUE_PUT(self, self->q, &self->item)));
        else
            CORO_CATCH(self, self->st, CORO_QUEUE_PUT(self, self->q, &self->item));
    } else if (self->kind == OP_GET) {
        if (self->timeout)
            CORO_CATCH(self, self->st, CORO_TIMEOUT(self, &self->to, self->timeout, CORO_QUEUE_GET(self, self->q, &self->item)));
        else
            CORO_CATCH(self, self->st, CORO_QUEUE_GET(self, self->q, &self->item));
    } else {
        CORO_CATCH(self, self->st, CORO_QUEUE_JOIN(self, self->q));
    }
    self->finished = 1;
    CORO_RETURN(self, self->st);
    CORO_END(self);
}

static coro_task spawn_op(struct op *o, int kind, coro_queue *q, int item, coro_tick timeout)
{
    coro_task t = 0;
    memset(o, 0, sizeof *o);
    o->kind = kind;
    o->q = q;
    o->item = item;
    o->timeout = timeout;
    o->st = 99;
    cr_assert_eq(coro_spawn(&L, &t, op_fn, o), CORO_OK);
    return t;
}

/* A test body is a coroutine `script` run as the main task. */
struct script { coro_frame co; int step; struct op o[6]; coro_task t[6]; coro_status st; int x; };
#define RUN(fn)                                                            \
    do {                                                                   \
        static struct script s_;                                           \
        memset(&s_, 0, sizeof s_);                                         \
        cr_assert_eq(coro_loop_run_until_complete(&L, fn, &s_), CORO_OK);  \
    } while (0)

static int getn(coro_queue *q)
{
    int v = -1;
    cr_assert_eq(coro_queue_try_get(q, &v), CORO_OK);
    return v;
}

static void putn(coro_queue *q, int v) { cr_assert_eq(coro_queue_try_put(q, &v), CORO_OK); }

/* ---- 93: basics -------------------------------------------------------------- */
Test(queue, fifo_order_empty_full_sizes)
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

Test(queue, lifo_order)
{
    int i;
    cr_assert_eq(coro_queue_init_lifo(&Q, buf, 4, sizeof buf[0]), CORO_OK);
    for (i = 0; i < 4; i++)
        putn(&Q, i);
    for (i = 3; i >= 0; i--)
        cr_assert_eq(getn(&Q), i);
}

struct job { int prio, id; };
static int job_cmp(const void *a, const void *b)
{
    const struct job *x = (const struct job *)a, *y = (const struct job *)b;
    return (x->prio > y->prio) - (x->prio < y->prio);
}

/* White box: the insertion number of element i. */
static unsigned long seq_at(const coro_queue *q, unsigned i)
{
    coro__queue_seq s;
    memcpy(&s, q->buf + (size_t)q->cap * q->esize + (size_t)CORO_PRIORITY_SEQ_BYTES * i, sizeof s);
    return s;
}

/* White box: every child leaves after its parent. */
static void check_heap(const coro_queue *q)
{
    unsigned i;
    for (i = 1; i < q->count; i++) {
        unsigned p = (i - 1) / 2;
        int c = job_cmp(q->buf + i * q->esize, q->buf + p * q->esize);
        cr_assert(c > 0 || (c == 0 && seq_at(q, i) > seq_at(q, p)), "heap order broken at %u", i);
    }
}

Test(queue, priority_smallest_first_ties_in_insertion_order)
{
    static CORO_PRIORITY_STORAGE(struct job, 32) store;
    struct job j;
    unsigned r = 12345;
    int i, n = 0, round;
    cr_assert_eq(coro_queue_init_priority(&Q, &store, 32, sizeof(struct job), job_cmp), CORO_OK);
    for (round = 0; round < 50; round++) {
        /* random puts and gets, checking order on every get */
        for (i = 0; i < 20 && !coro_queue_full(&Q); i++) {
            r = r * 1103515245u + 12345u;
            j.prio = (int)(r >> 16) % 4;
            j.id = n++;
            cr_assert_eq(coro_queue_try_put(&Q, &j), CORO_OK);
            check_heap(&Q);
        }
        {
            struct job prev = {-1, -1};
            int k = (int)coro_queue_qsize(&Q) / 2 + (round == 49) * 32;
            while (k-- > 0 && coro_queue_try_get(&Q, &j) == CORO_OK) {
                cr_assert(j.prio > prev.prio || (j.prio == prev.prio && j.id > prev.id),
                          "(%d,%d) after (%d,%d)", j.prio, j.id, prev.prio, prev.id);
                prev = j;
                check_heap(&Q);
            }
        }
    }
    cr_assert(coro_queue_empty(&Q));
}

Test(queue, priority_insertion_counter_wraps)
{
    static CORO_PRIORITY_STORAGE(struct job, 4) store;
    struct job a = {5, 0}, b = {5, 1}, c = {5, 2}, x = {1, 9}, out;
    long i;
    cr_assert_eq(coro_queue_init_priority(&Q, &store, 4, sizeof(struct job), job_cmp), CORO_OK);
    cr_assert_eq(coro_queue_try_put(&Q, &a), CORO_OK);
    cr_assert_eq(coro_queue_try_put(&Q, &b), CORO_OK);
    for (i = 0; i < 140000; i++) { /* with 2-byte numbers the counter wraps twice under a and b */
        cr_assert_eq(coro_queue_try_put(&Q, &x), CORO_OK);
        cr_assert_eq(coro_queue_try_get(&Q, &out), CORO_OK);
        cr_assert_eq(out.id, 9);
        cr_assert_eq(coro_queue_task_done(&Q), CORO_OK);
        check_heap(&Q);
    }
    cr_assert_eq(coro_queue_try_put(&Q, &c), CORO_OK);
    cr_assert_eq(coro_queue_try_get(&Q, &out), CORO_OK);
    cr_assert_eq(out.id, 0);
    cr_assert_eq(coro_queue_try_get(&Q, &out), CORO_OK);
    cr_assert_eq(out.id, 1);
    cr_assert_eq(coro_queue_try_get(&Q, &out), CORO_OK);
    cr_assert_eq(out.id, 2);
}

/* White box: set the insertion counter k numbers before its end. Every
 * number stored is below the counter, as if many puts had come and gone. */
static void preset_counter(coro_queue *q, unsigned k)
{
    unsigned i;
    for (i = 0; i < q->count; i++)
        cr_assert(seq_at(q, i) < q->head);
    q->head = 0;
    q->head = (coro__queue_seq)(q->head - 1u - k);
}

/* Random puts and gets across the counter's end, several times, against a
 * model (per priority, the ids in put order): every get is the smallest
 * priority, and among equal ones the oldest put. */
static void fifo_across_wraps(int nprio)
{
    static CORO_PRIORITY_STORAGE(struct job, 64) store;
    static int model[4][8192];
    int hd[4] = {0, 0, 0, 0}, tl[4] = {0, 0, 0, 0}, id = 0, round, op, p, gets = 0;
    unsigned r = 777u + (unsigned)nprio, wraps = 0;
    struct job j;
    cr_assert_eq(coro_queue_init_priority(&Q, &store, 64, sizeof(struct job), job_cmp), CORO_OK);
    for (round = 0; round < 60; round++) {
        coro__queue_seq before;
        preset_counter(&Q, round % 9);
        before = Q.head;
        for (op = 0; op < 40; op++) {
            r = r * 1103515245u + 12345u;
            if (!coro_queue_full(&Q) && (coro_queue_empty(&Q) || (r >> 16) % 10 < 6)) {
                j.prio = (int)((r >> 20) % (unsigned)nprio);
                j.id = id++;
                model[j.prio][tl[j.prio]++] = j.id;
                cr_assert_eq(coro_queue_try_put(&Q, &j), CORO_OK);
            } else {
                cr_assert_eq(coro_queue_try_get(&Q, &j), CORO_OK);
                for (p = 0; hd[p] == tl[p]; p++) {
                }
                cr_assert_eq(j.prio, p);
                cr_assert_eq(j.id, model[p][hd[p]++], "round %d: got id %d, expected %d", round, j.id,
                             model[p][hd[p] - 1]);
                gets++;
            }
            check_heap(&Q);
        }
        wraps += Q.head < before; /* renumbered: numbers start again near 0 */
    }
    cr_assert_eq(wraps, 60u, "the counter ran out in every round");
    while (coro_queue_try_get(&Q, &j) == CORO_OK) {
        for (p = 0; hd[p] == tl[p]; p++) {
        }
        cr_assert_eq(j.prio, p);
        cr_assert_eq(j.id, model[p][hd[p]++]);
        gets++;
    }
    cr_assert_eq(gets, id);
}

Test(queue, priority_ties_stay_fifo_across_the_counter_wrap_equal_priorities) { fifo_across_wraps(1); }
Test(queue, priority_ties_stay_fifo_across_the_counter_wrap_mixed_priorities) { fifo_across_wraps(3); }

/* The largest priority queue (65,535 items, CORO_PRIORITY_QUEUE_OF sized by
 * the knob): full, refuses one more, renumbers when full, drains in order. */
static CORO_PRIORITY_QUEUE_OF(struct job, 65535) bigpq;
Test(queue, priority_queue_of_maximum_capacity)
{
    coro_queue *q = &bigpq.q;
    struct job j, prev = {-1, -1};
    long i, n = 0;
    cr_assert_eq(coro_queue_init_of(&bigpq, CORO_QUEUE_PRIORITY, job_cmp), CORO_OK);
    cr_assert_eq(coro_queue_maxsize(q), 65535);
    for (i = 0; i < 65535; i++) {
        j.prio = (int)(i * 7 % 5);
        j.id = (int)n++;
        cr_assert_eq(coro_queue_try_put(q, &j), CORO_OK);
    }
    cr_assert(coro_queue_full(q));
    cr_assert_eq(coro_queue_try_put(q, &j), CORO_ERR_FULL);
    check_heap(q);
    preset_counter(q, 1); /* the next put takes the last number, the one after renumbers a full queue */
    for (i = 0; i < 3; i++) {
        cr_assert_eq(coro_queue_try_get(q, &j), CORO_OK);
        cr_assert_eq(j.prio, 0);
        j.prio = (int)(i % 2) * 4; /* a new smallest, then a new largest */
        j.id = (int)n++;
        cr_assert_eq(coro_queue_try_put(q, &j), CORO_OK);
        if (i == 1) /* renumbered 0..65533 and took the next */
            cr_assert_eq(q->head, 65535u);
        check_heap(q);
    }
    for (i = 0; coro_queue_try_get(q, &j) == CORO_OK; i++) {
        cr_assert(j.prio > prev.prio || (j.prio == prev.prio && j.id > prev.id), "(%d,%d) after (%d,%d)", j.prio,
                  j.id, prev.prio, prev.id);
        prev = j;
    }
    cr_assert_eq(i, 65535);
}

/* The put that meets the counter's end renumbers 20,000 equal items in
 * O(n log n) steps, not O(n^2) (the old scan read 2 x 10^8 numbers), and the
 * puts and gets after it are O(log n) again. Counted, not timed: compares
 * and insertion numbers read (CORO__QUEUE_WORK). */
static unsigned long ncmp;
static int job_cmp_counted(const void *a, const void *b)
{
    ncmp++;
    return job_cmp(a, b);
}
Test(queue, priority_wrap_put_costs_n_log_n_not_n_squared)
{
    static CORO_PRIORITY_STORAGE(struct job, 20001) store;
    const unsigned long n = 20000, log2n = 15; /* 2^15 > n */
    struct job j;
    long i;
    cr_assert_eq(coro_queue_init_priority(&Q, &store, 20001, sizeof(struct job), job_cmp_counted), CORO_OK);
    for (i = 0; i < (long)n; i++) {
        j.prio = 3;
        j.id = (int)i;
        cr_assert_eq(coro_queue_try_put(&Q, &j), CORO_OK);
    }
    preset_counter(&Q, 0); /* the next put renumbers */
    ncmp = pq_work = 0;
    j.id = (int)n;
    cr_assert_eq(coro_queue_try_put(&Q, &j), CORO_OK);
    cr_assert_gt(pq_work, 0, "the work counter is wired (CORO__QUEUE_WORK)");
    cr_assert_leq(ncmp, 4 * n * log2n, "%lu compares for the wrap put", ncmp);
    cr_assert_leq(pq_work, 8 * n * log2n, "%lu numbers read for the wrap put (n^2 = %lu)", pq_work, n * n);
    cr_assert(Q.head <= n + 1);
    ncmp = pq_work = 0;
    cr_assert_eq(coro_queue_try_get(&Q, &j), CORO_OK);
    cr_assert_eq(j.id, 0);
    cr_assert_leq(ncmp, 2 * log2n);
    cr_assert_leq(pq_work, 4 * log2n + 2);
    ncmp = pq_work = 0;
    j.id = (int)n + 1;
    cr_assert_eq(coro_queue_try_put(&Q, &j), CORO_OK);
    cr_assert_leq(ncmp, log2n);
    cr_assert_leq(pq_work, 2 * log2n + 2);
    for (i = 1; i <= (long)n + 1; i++) {
        cr_assert_eq(coro_queue_try_get(&Q, &j), CORO_OK);
        cr_assert_eq(j.id, (int)i);
    }
    cr_assert(coro_queue_empty(&Q));
}

Test(queue, init_rejects_bad_arguments)
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
Test(queue, zeroed_queue_asserts, .signal = SIGABRT)
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

Test(queue, static_initializer_init_of_and_single_evaluation)
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
Test(queue, try_put_full_try_get_empty_leave_queue_intact)
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
    self->t[0] = spawn_op(&self->o[0], OP_PUT, &Q, 0, 0);
    self->t[1] = spawn_op(&self->o[1], OP_PUT, &Q, 1, 0);
    self->t[2] = spawn_op(&self->o[2], OP_PUT, &Q, 2, 0);
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
Test(queue, put_blocks_when_full_and_get_wakes_putter) { RUN(maxsize_script); }

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
Test(queue, get_cancel_drop_one_pending_reader) { RUN(drop_one_script); }

static CORO_FN(drop_many_script, struct script, self)
{
    CORO_BEGIN(self);
    coro_queue_init(&Q, buf, 8, sizeof buf[0]);
    self->t[0] = spawn_op(&self->o[0], OP_GET, &Q, 0, 0);
    self->t[1] = spawn_op(&self->o[1], OP_GET, &Q, 0, 0);
    self->t[2] = spawn_op(&self->o[2], OP_GET, &Q, 0, 0);
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
Test(queue, get_cancel_drop_many_pending_readers) { RUN(drop_many_script); }

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
Test(queue, put_cancel_drop) { RUN(put_drop_script); }

/* A cancelled putter never enqueues and does not block the others. */
static CORO_FN(put_race_script, struct script, self)
{
    CORO_BEGIN(self);
    coro_queue_init(&Q, buf, 1, sizeof buf[0]);
    self->t[0] = spawn_op(&self->o[0], OP_PUT, &Q, 'a', 0);
    self->t[1] = spawn_op(&self->o[1], OP_PUT, &Q, 'b', 0);
    self->t[2] = spawn_op(&self->o[2], OP_PUT, &Q, 'X', 0);
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
Test(queue, put_cancelled_race) { RUN(put_race_script); }

/* A cancelled getter does not take the item meant for the next getter. */
static CORO_FN(get_race_script, struct script, self)
{
    CORO_BEGIN(self);
    coro_queue_init(&Q, buf, 4, sizeof buf[0]);
    self->t[0] = spawn_op(&self->o[0], OP_GET, &Q, 0, 0);
    self->t[1] = spawn_op(&self->o[1], OP_GET, &Q, 0, 0);
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
Test(queue, get_cancelled_race) { RUN(get_race_script); }

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
Test(queue, cancelled_and_timed_out_waiters_leave_the_lists) { RUN(not_held_script); }

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
Test(queue, cancelled_put_after_wake_ends_cleanly) { RUN(silence_script); }

/* ---- 97 and hostile input 8: task_done, join ------------------------------------ */
Test(queue, task_done_underflow)
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
Test(queue, join_on_empty_queue_returns_at_once) { RUN(join_empty_script); }

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
Test(queue, join_waits_for_every_task_done) { RUN(task_done_script); }

/* ---- 97: shutdown (Python 3.13) ------------------------------------------------- */
static CORO_FN(shutdown_script, struct script, self)
{
    CORO_BEGIN(self);
    coro_queue_init(&Q, buf, 2, sizeof buf[0]);
    self->t[0] = spawn_op(&self->o[0], OP_GET, &Q, 0, 0);
    self->t[1] = spawn_op(&self->o[1], OP_GET, &Q, 0, 0);
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
Test(queue, shutdown) { RUN(shutdown_script); }

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
Test(queue, shutdown_immediate_releases_join) { RUN(shutdown_immediate_script); }

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
Test(queue, timeouts_on_put_and_get) { RUN(timeout_script); }

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
Test(queue, timeout_in_chosen_window_passes_the_item_on) { RUN(chosen_timeout_script); }

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

Test(queue, timed_out_gets_in_a_loop_lose_nothing)
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
Test(queue, woken_getter_rechecks) { RUN(recheck_script); }

/* Blocking get and put on a priority queue and a LIFO queue. */
struct pwait { coro_frame co; coro_queue *q; struct job j; int n; struct job seen[4]; };
static CORO_FN(pwait_fn, struct pwait, self)
{
    CORO_BEGIN(self);
    for (self->n = 0; self->n < 4; self->n++) {
        CORO_QUEUE_GET(self, self->q, &self->j);
        self->seen[self->n] = self->j;
        CORO_SLEEP(self, 10);
    }
    CORO_END(self);
}

static CORO_FN(prio_await_script, struct script, self)
{
    static CORO_PRIORITY_STORAGE(struct job, 2) store;
    static coro_queue pq;
    static struct pwait w;
    static struct job j[4] = {{3, 0}, {1, 1}, {2, 2}, {1, 3}};
    CORO_BEGIN(self);
    coro_queue_init_priority(&pq, &store, 2, sizeof(struct job), job_cmp);
    memset(&w, 0, sizeof w);
    w.q = &pq;
    coro_spawn(&L, &self->t[0], pwait_fn, &w);
    CORO_YIELD(self); /* the getter waits on the empty queue */
    for (self->x = 0; self->x < 4; self->x++)
        CORO_QUEUE_PUT(self, &pq, &j[self->x]); /* waits while full (2) */
    CORO_CATCH(self, self->st, CORO_AWAIT_TASK(self, self->t[0]));
    cr_assert_eq(self->st, CORO_OK);
    /* {3,0} wakes the getter, but is not handed over: {1,1} arrives before
     * the getter runs and leaves first; then {2,2} (vs {3,0}), {1,3}, {3,0} */
    cr_assert_eq(w.seen[0].id, 1);
    cr_assert_eq(w.seen[1].id, 2);
    cr_assert_eq(w.seen[2].id, 3);
    cr_assert_eq(w.seen[3].id, 0);
    CORO_END(self);
}
Test(queue, priority_queue_blocking_get_and_put) { RUN(prio_await_script); }

static CORO_FN(lifo_await_script, struct script, self)
{
    CORO_BEGIN(self);
    coro_queue_init_lifo(&Q, buf, 2, sizeof buf[0]);
    self->t[0] = spawn_op(&self->o[0], OP_PUT, &Q, 1, 0);
    self->t[1] = spawn_op(&self->o[1], OP_PUT, &Q, 2, 0);
    self->t[2] = spawn_op(&self->o[2], OP_PUT, &Q, 3, 0);
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
Test(queue, lifo_queue_blocking_put) { RUN(lifo_await_script); }

/* Items got and never marked done (asyncio has no limit): 70,000 put/get
 * pairs all succeed, the unfinished count saturating at 65,535. */
Test(queue, puts_never_fail_when_items_are_never_marked_done)
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
Test(queue, saturated_unfinished_count_sticks_and_join_fails_overflow) { RUN(saturate_script); }

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

Test(queue, randomized_producers_consumers_timeouts_cancellations)
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

/* ---- the SPSC ring ---------------------------------------------------------------- */
static coro_ring R;

Test(queue, ring_basics_and_index_wrap)
{
    static uint16_t rb[8];
    uint16_t v, i;
    long n;
    cr_assert_eq(coro_ring_init(&R, rb, 8, sizeof rb[0]), CORO_OK);
    cr_assert_eq(coro_ring_try_get(&R, &v), CORO_ERR_EMPTY);
    for (i = 0; i < 8; i++)
        cr_assert_eq(coro_ring_put(&R, &i), CORO_OK);
    cr_assert_eq(coro_ring_put(&R, &i), CORO_ERR_FULL);
    cr_assert_eq(coro_ring_count(&R), 8);
    for (i = 0; i < 8; i++) {
        cr_assert_eq(coro_ring_try_get(&R, &v), CORO_OK);
        cr_assert_eq(v, i);
    }
    for (n = 0; n < 70000; n++) { /* the 16-bit indices wrap */
        i = (uint16_t)n;
        cr_assert_eq(coro_ring_put(&R, &i), CORO_OK);
        if (n % 3 == 0)
            cr_assert_eq(coro_ring_put(&R, &i), CORO_OK);
        cr_assert_eq(coro_ring_try_get(&R, &v), CORO_OK);
        cr_assert_eq(v, i);
        if (n % 3 == 0) {
            cr_assert_eq(coro_ring_try_get(&R, &v), CORO_OK);
            cr_assert_eq(v, i);
        }
    }
    cr_assert_eq(coro_ring_count(&R), 0);
    cr_assert_eq(L.woken, 0); /* no task waited: the producer never woke the loop */
}

/* A simulated interrupt (a timer callback) feeds the ring; a task awaits it. */
static const char *isr_msg;
static void fake_isr(void *arg)
{
    (void)arg;
    coro_ring_put(&R, isr_msg++);
    if (*isr_msg)
        coro_call_later(&L, NULL, 3, fake_isr, NULL);
}

struct reader { coro_frame co; char c; char line[32]; int n; coro_status st; coro_timeout to; };
static CORO_FN(reader_fn, struct reader, self)
{
    CORO_BEGIN(self);
    for (;;) {
        CORO_CATCH(self, self->st, CORO_TIMEOUT(self, &self->to, 20, CORO_RING_GET(self, &R, &self->c)));
        if (self->st)
            break;
        self->line[self->n++] = self->c;
    }
    CORO_END(self);
}

Test(queue, ring_get_waits_for_interrupt_and_times_out)
{
    static char rb[4];
    static struct reader r;
    memset(&r, 0, sizeof r);
    cr_assert_eq(coro_ring_init(&R, rb, 4, 1), CORO_OK);
    isr_msg = "hello, ring";
    coro_call_later(&L, NULL, 5, fake_isr, NULL);
    cr_assert_eq(coro_loop_run_until_complete(&L, reader_fn, &r), CORO_OK);
    cr_assert_str_eq(r.line, "hello, ring");
    cr_assert_eq(r.st, CORO_ERR_TIMEOUT);
    cr_assert_eq(coro_loop_time(&L), 5 + 3 * 10 + 20, "t=%u", (unsigned)coro_loop_time(&L));
    /* the waiter unhooked itself: no poll hook, no arm left */
    cr_assert_null(L.polls);
    cr_assert_eq(L.armed, 0);
}

/* A ring waiter woken and then cancelled before it runs leaves the element. */
struct rscript { coro_frame co; struct reader r[2]; coro_task t[2]; char c; coro_status st; };
static void put_x(void *arg) { coro_ring_put(&R, arg); }
static CORO_FN(ring_chosen_script, struct rscript, self)
{
    CORO_BEGIN(self);
    coro_spawn(&L, &self->t[0], reader_fn, &self->r[0]);
    coro_spawn(&L, &self->t[1], reader_fn, &self->r[1]);
    CORO_YIELD(self);
    self->c = 'x';
    coro_ring_put(&R, &self->c);   /* wakes the loop; the poll chooses reader 0 ... */
    CORO_YIELD(self);
    coro_task_cancel(&L, self->t[0]); /* ... cancelled before it runs */
    CORO_YIELD(self);
    CORO_YIELD(self);
    cr_assert_str_eq(self->r[0].line, "");
    cr_assert_eq(self->r[0].st, CORO_ERR_CANCELLED);
    cr_assert_str_eq(self->r[1].line, "x");
    coro_task_cancel(&L, self->t[1]);
    CORO_CATCH(self, self->st, CORO_AWAIT_TASK(self, self->t[1]));
    cr_assert_null(L.polls);
    cr_assert_eq(L.armed, 0);
    CORO_END(self);
}
Test(queue, ring_chosen_then_cancelled_leaves_the_element)
{
    static char rb[4];
    static struct rscript s;
    memset(&s, 0, sizeof s);
    (void)put_x;
    cr_assert_eq(coro_ring_init(&R, rb, 4, 1), CORO_OK);
    cr_assert_eq(coro_loop_run_until_complete(&L, ring_chosen_script, &s), CORO_OK);
}

/* A second thread produces; the task consumes; nothing lost or reordered. */
#define NTHREAD 200000u
static uint32_t tbuf[64];
static void *thread_producer(void *arg)
{
    uint32_t i = 0;
    (void)arg;
    while (i < NTHREAD) {
        if (coro_ring_put(&R, &i) == CORO_OK)
            i++;
    }
    return NULL;
}

struct tcons { coro_frame co; uint32_t v, k; unsigned bad; };
static CORO_FN(tcons_fn, struct tcons, self)
{
    CORO_BEGIN(self);
    for (self->k = 0; self->k < NTHREAD; self->k++) {
        CORO_RING_GET(self, &R, &self->v);
        if (self->v != self->k)
            self->bad++;
    }
    CORO_END(self);
}

Test(queue, ring_fed_by_a_thread)
{
    static struct tcons c;
    pthread_t th;
    memset(&c, 0, sizeof c);
    cr_assert_eq(coro_ring_init(&R, tbuf, 64, sizeof tbuf[0]), CORO_OK);
    cr_assert_eq(pthread_create(&th, NULL, thread_producer, NULL), 0);
    cr_assert_eq(coro_loop_run_until_complete(&L, tcons_fn, &c), CORO_OK);
    pthread_join(th, NULL);
    cr_assert_eq(c.bad, 0);
    cr_assert_eq(c.k, NTHREAD);
    cr_assert_eq(coro_ring_count(&R), 0);
}

/* A signal handler (the closest thing to an ISR on a host) produces bytes,
 * interrupting the loop anywhere: an interval timer raises SIGALRM every
 * 100 us; each signal puts up to 16 bytes, stopping at the first overrun. */
#define NSIG_BYTES 6000u
static unsigned char sbuf[16];
static volatile unsigned next_byte, overruns;
static void on_signal(int sig)
{
    int j;
    (void)sig;
    for (j = 0; j < 16 && next_byte < NSIG_BYTES; j++) {
        unsigned char c = (unsigned char)next_byte;
        if (coro_ring_put(&R, &c) != CORO_OK) {
            overruns++;
            break;
        }
        next_byte++;
    }
}

struct scons { coro_frame co; unsigned char c; unsigned k, bad; };
static CORO_FN(scons_fn, struct scons, self)
{
    CORO_BEGIN(self);
    for (self->k = 0; self->k < NSIG_BYTES; self->k++) {
        CORO_RING_GET(self, &R, &self->c);
        if (self->c != (unsigned char)self->k)
            self->bad++;
    }
    CORO_END(self);
}

Test(queue, ring_fed_by_a_signal_handler)
{
    static struct scons c;
    struct sigaction sa;
    struct itimerval it = {{0, 100}, {0, 100}}, off = {{0, 0}, {0, 0}};
    memset(&c, 0, sizeof c);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    cr_assert_eq(sigaction(SIGALRM, &sa, NULL), 0);
    cr_assert_eq(coro_ring_init(&R, sbuf, 16, 1), CORO_OK);
    cr_assert_eq(setitimer(ITIMER_REAL, &it, NULL), 0);
    cr_assert_eq(coro_loop_run_until_complete(&L, scons_fn, &c), CORO_OK);
    setitimer(ITIMER_REAL, &off, NULL);
    cr_assert_eq(c.bad, 0);
    cr_assert_eq(c.k, NSIG_BYTES);
    cr_assert_eq(next_byte, NSIG_BYTES);
    cr_log_info("signal ring: %u bytes, %u overruns (retried)", NSIG_BYTES, overruns);
}
