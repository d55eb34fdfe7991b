/* Priority queue (coro_queue.h): smallest first, ties in insertion order
 * (also across the insertion counter's wrap), maximum capacity, the cost of a
 * put after the wrap, and blocking get/put.
 * Part of the coro_queue.h suite split by subject: shared setup and the
 * queue-operation helpers are in tests/queue_common.h. mk/host.mk runs every
 * tests/test_queue_*.c again on four build variants. */
#include "queue_common.h"

TestSuite(priority, .init = setup);

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

Test(priority, priority_smallest_first_ties_in_insertion_order)
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

Test(priority, priority_insertion_counter_wraps)
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

Test(priority, priority_ties_stay_fifo_across_the_counter_wrap_equal_priorities) { fifo_across_wraps(1); }
Test(priority, priority_ties_stay_fifo_across_the_counter_wrap_mixed_priorities) { fifo_across_wraps(3); }

/* The largest priority queue (65,535 items, CORO_PRIORITY_QUEUE_OF sized by
 * the knob): full, refuses one more, renumbers when full, drains in order. */
static CORO_PRIORITY_QUEUE_OF(struct job, 65535) bigpq;
Test(priority, priority_queue_of_maximum_capacity)
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
Test(priority, priority_wrap_put_costs_n_log_n_not_n_squared)
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
Test(priority, priority_queue_blocking_get_and_put) { RUN(prio_await_script); }
