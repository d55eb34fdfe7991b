/* coro_check.h - white-box invariants of a coro_loop, for the hostile-input
 * tests (tests/test_hostile.c), the stress test and the fuzzer
 * (tests/fuzz/fuzz_loop.c). Include after coro.h (with its implementation).
 *
 *   const char *coro_check(const coro_loop *L)   NULL when every invariant
 *       holds, else a sentence saying which one broke (static buffer).
 *   int coro_check_free_tasks(L), coro_check_free_cbs(L)   free-list lengths
 *   int coro_check_queue_ok(L, q)                          a wait queue's ring
 *
 * The invariants: the timer heap is a heap of (deadline, seq) whose members
 * know their position and are sleeping tasks, task waits with a timeout or
 * timed callbacks; the ready ring holds each READY task at most once (none
 * but the running one is READY outside it) and only live callbacks; the free
 * lists hold exactly the free slots, without cycles; every waiting task is in
 * the circular list of the wait queue it names; a task waiting on tasks
 * counts exactly the unfinished tasks that name it as awaiter (with a shared
 * entry: the distinct unfinished tasks of the entry); an awaiter is a task
 * that waits on tasks (or was just woken from that), and so is every task
 * with a shared entry, which it holds once; a done task is in the free list
 * exactly when neither an awaiter nor a reader holds it. Call it between
 * steps (outside the loop, or from a task or a callback). */
#ifndef CORO_CHECK_H
#define CORO_CHECK_H
#include <stdio.h>
#include <string.h>

static char coro__check_why[200];

#define CORO__CHECK_FAIL(...)                                              \
    do {                                                                   \
        snprintf(coro__check_why, sizeof coro__check_why, __VA_ARGS__);     \
        return coro__check_why;                                            \
    } while (0)

static inline int coro_check_free_tasks(const coro_loop *L)
{
    int n = 0;
    coro_index i;
    for (i = L->free_head; i != CORO__NONE && n <= CORO_MAX_TASKS; i = L->slot[i].next)
        n++;
    return n;
}

static inline int coro_check_free_cbs(const coro_loop *L)
{
    int n = 0;
    coro_index i;
    for (i = L->cb_free; i != CORO__NONE && n <= CORO_MAX_CALLBACKS; i = L->slot[i].next)
        n++;
    return n;
}

/* Nonzero if q's circular list is well formed: every member waits on q. */
static inline int coro_check_queue_ok(const coro_loop *L, const coro_waitq *q)
{
    coro_index t = (coro_index)(q->tail1 - 1), p = t; /* tail1: tail slot + 1, 0 empty */
    int n = 0;
    if (q->tail1 == 0)
        return 1;
    do {
        if (p >= CORO_MAX_TASKS || ++n > CORO_MAX_TASKS)
            return 0;
        if ((L->slot[p].state != CORO__WAITQ && L->slot[p].state != CORO__WAITQ_SHIELD) || L->slot[p].on.q != q)
            return 0;
        p = L->slot[p].next;
    } while (p != t);
    return 1;
}

static inline const char *coro_check(const coro_loop *L)
{
    static unsigned char inheap[CORO__SLOTS], inring[CORO__SLOTS], infree[CORO__SLOTS];
    unsigned i, n;
    coro_index p, last;
    memset(inheap, 0, sizeof inheap);
    memset(inring, 0, sizeof inring);
    memset(infree, 0, sizeof infree);

    /* the timer heap */
    if (L->hlen > CORO__SLOTS)
        CORO__CHECK_FAIL("heap length %u > %u slots", (unsigned)L->hlen, (unsigned)CORO__SLOTS);
    for (i = 0; i < L->hlen; i++) {
        const coro__timer *e = &L->heap[i];
        coro_index id = e->id;
        const coro__slot *s = &L->slot[id];
        if (id >= CORO__SLOTS || inheap[id]++)
            CORO__CHECK_FAIL("heap[%u] = %u: bad or repeated slot", i, (unsigned)id);
        if (s->hpos != i)
            CORO__CHECK_FAIL("slot %u at heap[%u] says hpos %u", (unsigned)id, i, (unsigned)s->hpos);
        if (i > 0) {
            const coro__timer *par = &L->heap[CORO__PARENT(i)];
            /* the loop's order (coro__before: deadline, then sequence) */
            if (coro__before(L, e, par))
                CORO__CHECK_FAIL("heap order broken at %u (slot %u before its parent)", i, (unsigned)id);
        }
        if (id < CORO_MAX_TASKS ? (s->state != CORO__SLEEP && s->state != CORO__WAITTASKS) : s->state != CORO__SLEEP)
            CORO__CHECK_FAIL("slot %u in the heap in state %u", (unsigned)id, (unsigned)s->state);
    }
    for (i = 0; i < CORO__SLOTS; i++) {
        if (!inheap[i] && L->slot[i].hpos != CORO__NONE)
            CORO__CHECK_FAIL("slot %u not in the heap but hpos %u", i, (unsigned)L->slot[i].hpos);
        if (i < CORO_MAX_TASKS && L->slot[i].state == CORO__SLEEP && !inheap[i])
            CORO__CHECK_FAIL("sleeping task %u has no timer", i);
        if (i >= CORO_MAX_TASKS && L->slot[i].state == CORO__SLEEP && !inheap[i])
            CORO__CHECK_FAIL("timed callback %u has no timer", i);
    }

    /* the ready ring */
    n = (coro_index)(L->rtail - L->rhead);
    if (n > CORO__RING)
        CORO__CHECK_FAIL("ring holds %u > %u", n, (unsigned)CORO__RING);
    for (i = 0; i < n; i++) {
        coro_index id = L->ring[(coro_index)(L->rhead + i) & (CORO__RING - 1)];
        if (id >= CORO__SLOTS || inring[id]++)
            CORO__CHECK_FAIL("ring entry %u = %u: bad or repeated slot", i, (unsigned)id);
        if (id < CORO_MAX_TASKS ? L->slot[id].state != CORO__READY
                                : (L->slot[id].state != CORO__READY && L->slot[id].state != CORO__DEADCB))
            CORO__CHECK_FAIL("slot %u in the ring in state %u", (unsigned)id, (unsigned)L->slot[id].state);
    }

    /* the free lists */
    last = CORO__NONE;
    for (n = 0, p = L->free_head; p != CORO__NONE; p = L->slot[p].next, n++) {
        if (p >= CORO_MAX_TASKS || infree[p]++ || n >= CORO_MAX_TASKS)
            CORO__CHECK_FAIL("task free list: bad, repeated or cyclic entry %u", (unsigned)p);
        if (L->slot[p].state != CORO__FREE && L->slot[p].state != CORO__DONE)
            CORO__CHECK_FAIL("task free list holds slot %u in state %u", (unsigned)p, (unsigned)L->slot[p].state);
        if (L->slot[p].awaiter != CORO__NONE)
            CORO__CHECK_FAIL("free task slot %u still awaited by %u", (unsigned)p, (unsigned)L->slot[p].awaiter);
        last = p;
    }
    if (n && L->free_tail != last)
        CORO__CHECK_FAIL("free_tail %u, last free slot %u", (unsigned)L->free_tail, (unsigned)last);
    for (n = 0, p = L->cb_free; p != CORO__NONE; p = L->slot[p].next, n++) {
        if (p < CORO_MAX_TASKS || p >= CORO__SLOTS || infree[p]++ || n >= CORO_MAX_CALLBACKS)
            CORO__CHECK_FAIL("callback free list: bad, repeated or cyclic entry %u", (unsigned)p);
        if (L->slot[p].state != CORO__FREE)
            CORO__CHECK_FAIL("callback free list holds slot %u in state %u", (unsigned)p, (unsigned)L->slot[p].state);
    }

    /* every slot against its state */
    for (i = 0; i < CORO__SLOTS; i++) {
        const coro__slot *s = &L->slot[i];
        if (i >= CORO_MAX_TASKS) {
            if ((s->state == CORO__FREE) != (infree[i] != 0))
                CORO__CHECK_FAIL("callback %u: state %u but %s the free list", i, (unsigned)s->state,
                                 infree[i] ? "in" : "not in");
            if ((s->state == CORO__READY || s->state == CORO__DEADCB) && !inring[i])
                CORO__CHECK_FAIL("due callback %u not in the ring", i);
            if (s->state == CORO__WAITTASKS) { /* a task group's: its children not done name it */
                unsigned j, pend = 0;
                for (j = 0; j < CORO_MAX_TASKS; j++)
                    pend += L->slot[j].awaiter == i && L->slot[j].state != CORO__DONE;
                if (pend != s->on.pending || inring[i])
                    CORO__CHECK_FAIL("group callback %u waits on %u tasks, %u name it", i, (unsigned)s->on.pending, pend);
            } else if (s->state != CORO__FREE && s->state != CORO__READY && s->state != CORO__DEADCB &&
                       s->state != CORO__SLEEP) {
                CORO__CHECK_FAIL("callback %u in state %u", i, (unsigned)s->state);
            }
            continue;
        }
        switch (s->state) {
        case CORO__FREE:
            if (!infree[i])
                CORO__CHECK_FAIL("free task slot %u not in the free list", i);
            break;
        case CORO__DONE:
            if ((s->awaiter == CORO__NONE && s->on.pending == 0) != (infree[i] != 0))
                CORO__CHECK_FAIL("done task %u: awaiter %u, %u readers, %s the free list", i, (unsigned)s->awaiter,
                                 (unsigned)s->on.pending, infree[i] ? "in" : "not in");
            break;
        case CORO__READY:
            if (!inring[i] && i != L->current)
                CORO__CHECK_FAIL("ready task %u is neither in the ring nor running", i);
            break;
        case CORO__SLEEP:
            break;
        case CORO__WAITQ:
        case CORO__WAITQ_SHIELD: {
            const coro_waitq *q = s->on.q;
            int found = 0, k = 0;
            if (!q || q->tail1 == 0 || q->tail1 > CORO_MAX_TASKS)
                CORO__CHECK_FAIL("task %u waits on an empty or broken queue", i);
            p = (coro_index)(q->tail1 - 1);
            do {
                if (p >= CORO_MAX_TASKS || ++k > CORO_MAX_TASKS)
                    CORO__CHECK_FAIL("wait queue of task %u is not a ring", i);
                if (L->slot[p].on.q != q ||
                    (L->slot[p].state != CORO__WAITQ && L->slot[p].state != CORO__WAITQ_SHIELD))
                    CORO__CHECK_FAIL("wait queue of task %u holds task %u, which is not waiting on it", i, (unsigned)p);
                found |= p == i;
                p = L->slot[p].next;
            } while (p != (coro_index)(q->tail1 - 1));
            if (!found)
                CORO__CHECK_FAIL("task %u not in the wait queue it waits on", i);
            break;
        }
        case CORO__WAITTASKS: {
            unsigned j, pend = 0, e = 0;
#if CORO_MAX_SHARED_AWAITS
            for (e = 0; e < L->nshared && L->shared[e].w != i; e++) {
            }
            if (e < L->nshared) { /* the distinct unfinished tasks of its entry */
                int a, b;
                for (a = 0; a < L->shared[e].n; a++) {
                    coro_task t = L->shared[e].tasks[a];
                    coro_index id = CORO__ID(t);
                    for (b = 0; b < a && L->shared[e].tasks[b] != t; b++) {
                    }
                    if (b == a && id < CORO_MAX_TASKS && L->slot[id].gen == CORO__GEN(t) &&
                        L->slot[id].state != CORO__DONE && L->slot[id].state != CORO__FREE)
                        pend++;
                }
            } else
#endif
            {
                (void)e;
                for (j = 0; j < CORO_MAX_TASKS; j++)
                    pend += L->slot[j].awaiter == i && L->slot[j].state != CORO__DONE && L->slot[j].state != CORO__FREE;
            }
            if (pend != s->on.pending)
                CORO__CHECK_FAIL("task %u waits on %u tasks, %u name it", i, (unsigned)s->on.pending, pend);
            break;
        }
        default:
            CORO__CHECK_FAIL("task %u in state %u", i, (unsigned)s->state);
        }
        if (s->awaiter != CORO__NONE) {
            const coro__slot *w = &L->slot[s->awaiter];
            /* a task group's callback slot (coro.h, task groups) awaits too */
            if (s->awaiter >= CORO__SLOTS || s->state == CORO__FREE ||
                (w->state != CORO__WAITTASKS && w->state != CORO__READY))
                CORO__CHECK_FAIL("task %u awaited by %u in state %u", i, (unsigned)s->awaiter,
                                 s->awaiter < CORO__SLOTS ? (unsigned)w->state : 0u);
        }
    }
#if CORO_MAX_SHARED_AWAITS
    for (i = 0; i < L->nshared; i++) {
        coro_index w = L->shared[i].w;
        unsigned k;
        if (w >= CORO_MAX_TASKS || (L->slot[w].state != CORO__WAITTASKS && L->slot[w].state != CORO__READY))
            CORO__CHECK_FAIL("shared entry %u names task %u in state %u", i, (unsigned)w,
                             w < CORO_MAX_TASKS ? (unsigned)L->slot[w].state : 0u);
        for (k = 0; k < i; k++)
            if (L->shared[k].w == w)
                CORO__CHECK_FAIL("task %u holds two shared entries", (unsigned)w);
    }
#endif
    return NULL;
}

#endif /* CORO_CHECK_H */
