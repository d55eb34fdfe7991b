/* fuzz_loop.c - a model-checking fuzzer for coro.h, coro_sync.h and
 * coro_queue.h (libFuzzer: clang -fsanitize=fuzzer,address,undefined).
 *
 * The input bytes are one stream of decisions read in program order by a
 * driver and by the tasks themselves. The driver spawns actors, cancels
 * handles (live, done or stale), schedules and cancels callbacks and runs the
 * loop one tick at a time on the virtual clock (started near a tick wrap).
 * Each actor is a task that runs a few operations chosen from the stream:
 * sleep, yield, lock, event wait/set/clear, semaphore, condition wait/notify,
 * queue put/get/try/task_done/join, await, gather, wait, wait_for, timeout
 * scopes, spawn, cancel, call_later, handle_cancel, return an error, and
 * nested scopes (try/except > timeout scope > async with lock > try/finally,
 * left by its end, an error, a break or a return, chosen from the stream).
 *
 * Checked after every driver step and before every actor operation:
 *  - the loop's invariants (tests/coro_check.h): heap order, ready ring, free
 *    lists, wait-queue rings, awaiter counts;
 *  - a reference model: at most one holder of each lock and waiters served in
 *    arrival order (tickets); at most 2 semaphore permits out and all back at
 *    the end, served in arrival order; the queue's items are exactly the
 *    model's, in FIFO order, and unfinished = puts - task_done; an event wait
 *    returns only after a set; every handle is valid or reported stale and
 *    agrees with the model; a cancelled callback never runs, every other one
 *    runs exactly once; a nested scope's finally ran once if its block was
 *    entered, its lock is free after the async with block, its timeout
 *    scope's callback slot is back;
 *  - at the end every task is cancelled and the loop drained: every actor
 *    finished exactly once (its cleanup section ran once; never-started ones
 *    never ran), locks free, permits back, no waiter left, free lists full.
 * A failed check aborts (libFuzzer saves the input).
 *
 * Build and run: make fuzz FUZZ_SECONDS=600 (mk/analysis.mk). Replay one
 * input: build/fuzz/fuzz_loop crash-file. */
#define CORO_IMPLEMENTATION
#define CORO_MAX_TASKS 12
#define CORO_MAX_CALLBACKS 6
#ifndef CORO_CLOCK
#define CORO_CLOCK CORO_CLOCK_VIRTUAL
#endif
#include "coro_sync.h"
#include "coro_queue.h"
#include "coro_check.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAIL(...)                                                          \
    do {                                                                   \
        fprintf(stderr, "fuzz_loop: " __VA_ARGS__);                        \
        fprintf(stderr, " (input byte %u)\n", (unsigned)pos);              \
        abort();                                                           \
    } while (0)
#define ASSERT(c, ...)                                                     \
    do {                                                                   \
        if (!(c))                                                          \
            FAIL(__VA_ARGS__);                                             \
    } while (0)

/* ---- the input stream ------------------------------------------------------- */
static const uint8_t *in;
static size_t len, pos;
static unsigned nb(void) { return pos < len ? in[pos++] : 0u; }

/* ---- the world ------------------------------------------------------------------ */
#define MAX_ACTORS 48
#define MAX_CBS 64
#define QCAP 3
static coro_loop L;
static coro_lock lock;
static coro_event ev;
static coro_sem sem;
static coro_cond cond;
static coro_queue Q;
static int qbuf[QCAP];
static CORO_PRIORITY_STORAGE(int, QCAP) pstore;
static int qkind, qshut;

/* the model */
static int lock_owner, cond_owner, sem_out;
static unsigned lock_ticket, lock_served, sem_ticket, sem_served;
static unsigned ev_sets;
static int qmodel[QCAP], qcount, qunfinished, next_item;

/* Priority order: by item % 5, so that ties (kept FIFO) are common. */
static int prio_cmp(const void *a, const void *b) { return *(const int *)a % 5 - *(const int *)b % 5; }

/* The queue model: items in insertion order; a get takes the oldest (FIFO),
 * the newest (LIFO) or the smallest key, oldest first (PRIORITY). */
static void qm_put(int item)
{
    ASSERT(qcount < QCAP && !qshut, "put into a full or shut-down queue");
    qmodel[qcount++] = item;
    qunfinished++;
}
static void qm_get(int item)
{
    int i, k = 0;
    ASSERT(qcount > 0, "get %d from an empty queue", item);
    if (qkind == CORO_QUEUE_LIFO)
        k = qcount - 1;
    else if (qkind == CORO_QUEUE_PRIORITY)
        for (i = 1; i < qcount; i++)
            if (qmodel[i] % 5 < qmodel[k] % 5)
                k = i;
    ASSERT(item == qmodel[k], "got %d, the model says %d (kind %d, %d items)", item, qmodel[k], qkind, qcount);
    for (i = k; i + 1 < qcount; i++)
        qmodel[i] = qmodel[i + 1];
    qcount--;
}

struct actor {
    coro_frame co;
    int id, i, nops, op, ndone, item, got;
    coro_task me, tasks[3];
    coro_status errs[3], st;
    coro_timeout to, to2;
    int how, entered, fins;
    unsigned ticket, evgen;
    uint8_t held_sem;
    coro_tick d;
    /* model */
    int spawned, ended, lc_started, in_get, in_put;
};
static struct actor actors[MAX_ACTORS];
static int nactors;

struct cbrec { coro_handle h; int fired, cancelled, what, arg; };
static struct cbrec cbs[MAX_CBS];
static int ncbs;

struct tick_frame { coro_frame co; };
static struct tick_frame ticker_f;
static coro_task ticker_t;

static void check_groups(const char *where);
static void check(const char *where)
{
    const char *why = coro_check(&L);
    ASSERT(!why, "%s: invariant: %s", where, why);
    ASSERT(coro_check_queue_ok(&L, &lock.q) && coro_check_queue_ok(&L, &ev.q) && coro_check_queue_ok(&L, &sem.q) &&
               coro_check_queue_ok(&L, &cond.q) && coro_check_queue_ok(&L, &cond.own.q) &&
               coro_check_queue_ok(&L, &Q.getters) && coro_check_queue_ok(&L, &Q.putters) &&
               coro_check_queue_ok(&L, &Q.joiners),
           "%s: a wait queue is broken", where);
    /* a free lock (no holder, not handed over) has no waiters; permits: handed over or counted */
    ASSERT(coro_lock_holder(&lock) || coro_waitq_empty(&lock.q), "%s: free lock with waiters", where);
    ASSERT(coro_lock_holder(&cond.own) || coro_waitq_empty(&cond.own.q), "%s: free cond lock with waiters", where);
    ASSERT(coro_sem_value(&sem) == 0 || coro_waitq_empty(&sem.q), "%s: permits and waiters", where);
    ASSERT((int)coro_sem_value(&sem) + sem_out <= 2, "%s: %u permits free, %d out", where, coro_sem_value(&sem), sem_out);
    ASSERT(lock_owner < 0 || coro_lock_locked(&lock), "%s: model owner but lock free", where);
    check_groups(where);
    /* the queue */
    ASSERT((int)coro_queue_qsize(&Q) == qcount, "%s: queue holds %u, model %d", where,
           (unsigned)coro_queue_qsize(&Q), qcount);
    ASSERT((int)coro_queue_unfinished(&Q) == qunfinished, "%s: unfinished %u, model %d", where,
           (unsigned)coro_queue_unfinished(&Q), qunfinished);
}

/* No lost wake-up (between steps): items in the queue while getters wait
 * means a woken getter is on its way to re-check it; room with putters
 * waiting, a woken putter. */
static void check_liveness(void)
{
    int i, woken_get = 0, woken_put = 0;
    for (i = 0; i < nactors; i++) {
        const coro__slot *s = &L.slot[CORO__ID(actors[i].me)];
        if (coro_task_done(&L, actors[i].me) || s->state != CORO__READY)
            continue;
        woken_get += actors[i].in_get;
        woken_put += actors[i].in_put;
    }
    ASSERT(!qcount || coro_waitq_empty(&Q.getters) || woken_get, "%d items, getters wait, none woken", qcount);
    ASSERT(qcount == QCAP || coro_waitq_empty(&Q.putters) || woken_put, "room, putters wait, none woken");
}

/* every handle is valid or stale, and agrees with the model */
static void check_handles(void)
{
    int i;
    for (i = 0; i < nactors; i++) {
        struct actor *a = &actors[i];
        coro_status st = coro_task_status(&L, a->me);
        int done = coro_task_done(&L, a->me);
        if (a->ended) {
            ASSERT(a->ended == 1, "actor %d ended %d times", i, a->ended);
            ASSERT(done, "actor %d ended but its task is not done", i);
        } else if (a->lc_started) {
            ASSERT(!done && st == CORO_ERR_STATE, "actor %d runs but its handle says done (%d)", i, st);
        } else if (done) {
            ASSERT(st == CORO_ERR_CANCELLED || st == CORO_ERR_STALE, "actor %d never ran but ended %d", i, st);
        } else {
            ASSERT(st == CORO_ERR_STATE, "actor %d pending: %d", i, st);
        }
    }
}

/* ---- callbacks ------------------------------------------------------------------ */
static void cb_fn(void *arg)
{
    struct cbrec *c = &cbs[(intptr_t)arg];
    int item;
    ASSERT(!c->cancelled, "a cancelled callback ran");
    ASSERT(coro_current_task(&L) == 0, "a callback runs as a task");
    c->fired++;
    switch (c->what % 5) {
    case 0:
        ev_sets++;
        ASSERT(coro_event_set(&ev) == CORO_OK, "event_set from a callback");
        break;
    case 1:
        coro_event_clear(&ev);
        break;
    case 2:
        if (c->arg < nactors)
            coro_task_cancel(&L, actors[c->arg].me);
        break;
    case 3:
        item = next_item++;
        if (coro_queue_try_put(&Q, &item) == CORO_OK)
            qm_put(item);
        break;
    default:
        if (coro_queue_try_get(&Q, &item) == CORO_OK)
            qm_get(item);
        break;
    }
}

static void schedule_cb(unsigned delay, unsigned what, unsigned arg)
{
    struct cbrec *c;
    coro_status st;
    if (ncbs == MAX_CBS)
        return;
    c = &cbs[ncbs];
    memset(c, 0, sizeof *c);
    c->what = (int)what;
    c->arg = (int)arg;
    st = delay == 0 ? coro_call_soon(&L, &c->h, cb_fn, (void *)(intptr_t)ncbs)
                    : coro_call_later(&L, &c->h, delay % 6, cb_fn, (void *)(intptr_t)ncbs);
    if (st == CORO_OK)
        ncbs++;
    else
        ASSERT(st == CORO_ERR_NO_SLOT, "call_later: %d", st);
}

static void cancel_cb(unsigned k)
{
    struct cbrec *c;
    if (!ncbs)
        return;
    c = &cbs[k % (unsigned)ncbs];
    if (coro_handle_cancel(&L, c->h)) {
        ASSERT(!c->fired && !c->cancelled, "handle_cancel of a callback that ran or was cancelled");
        c->cancelled = 1;
    }
}

/* ---- actors ---------------------------------------------------------------------- */
static coro_status actor(coro_frame *);
static void spawn_actor(void)
{
    struct actor *a;
    coro_status st;
    if (nactors == MAX_ACTORS)
        return;
    a = &actors[nactors];
    memset(a, 0, sizeof *a);
    a->id = nactors;
    a->nops = 1 + (int)(nb() % 6);
    st = coro__spawn(&L, &a->me, actor, &a->co);
    if (st == CORO_OK) {
        a->spawned = 1;
        nactors++;
    } else {
        ASSERT(st == CORO_ERR_NO_SLOT, "spawn: %d", st);
    }
}

/* A task handle for an actor to await: one spawned after it (no cycles),
 * possibly done or stale, or a garbage one. */
static coro_task pick_later(int me)
{
    unsigned b = nb();
    int n = nactors - me - 1;
    if (b == 255)
        return (coro_task)(0x5A5A5A5Au);
    if (n <= 0)
        return 0;
    return actors[me + 1 + (int)(b % (unsigned)n)].me;
}

static void lock_got(struct actor *self)
{
    ASSERT(lock_owner < 0, "actor %d got the lock held by %d", self->id, lock_owner);
    ASSERT(coro_lock_holder(&lock) == self->me, "actor %d got the lock, holder %#x", self->id,
           (unsigned)coro_lock_holder(&lock));
    if (self->ticket) {
        ASSERT(self->ticket > lock_served, "lock served out of order: ticket %u after %u", self->ticket, lock_served);
        lock_served = self->ticket;
    }
    lock_owner = self->id;
}

static void release_all(struct actor *self)
{
    if (coro_lock_holder(&lock) == self->me) {
        ASSERT(lock_owner == self->id, "actor %d holds the lock, model says %d", self->id, lock_owner);
        lock_owner = -1;
        ASSERT(coro_lock_leave(&lock) == 1, "lock_leave");
    }
    if (coro_lock_holder(&cond.own) == self->me) {
        ASSERT(cond_owner == self->id, "actor %d holds the cond lock, model says %d", self->id, cond_owner);
        cond_owner = -1;
        ASSERT(coro_lock_leave(&cond.own) == 1, "cond lock_leave");
    }
    if (self->held_sem) {
        sem_out--;
        ASSERT(coro_sem_leave(&sem, &self->held_sem) == CORO_OK, "sem_leave");
    }
}

enum {
    OP_END, OP_SLEEP, OP_YIELD, OP_LOCK, OP_LOCK_TMO, OP_EVWAIT, OP_EVSET, OP_EVCLEAR, OP_SEM, OP_COND_WAIT,
    OP_COND_NOTIFY, OP_PUT, OP_GET, OP_GET_TMO, OP_TRYPUT, OP_TRYGET, OP_TASKDONE, OP_JOIN, OP_AWAIT, OP_GATHER,
    OP_GATHER_ERRS, OP_WAIT, OP_WAIT_FOR, OP_SPAWN, OP_CANCEL, OP_CALL, OP_CALL_CANCEL, OP_FAIL, OP_SHUTDOWN,
    OP_SELF_CANCEL, OP_SCOPE, OP_GROUP, OP_N
};

/* Task groups (OP_GROUP): each actor's group, its children actors too. */
static coro_taskgroup groups[MAX_ACTORS];

/* Group membership: an active group's members are exactly its `live`
 * children, each in a used slot and awaited by the group's callback slot
 * (while the body runs) or by the parent (at the block's end), and the
 * parent runs; an inactive group has none. */
static void check_groups(const char *where)
{
    int a;
    coro_index i;
    for (a = 0; a < nactors; a++) {
        const coro_taskgroup *g = &groups[a];
        unsigned n = 0;
        coro_index w = (g->state & 4) ? CORO__ID(g->parent) : CORO__ID(g->cb.id); /* CORO__TG_EXITING */
        for (i = 0; i < CORO_MAX_TASKS; i++) {
            if (!(g->members[i >> 3] & (1u << (i & 7u))))
                continue;
            n++;
            ASSERT(g->state & 1, "%s: inactive group %d has member %u", where, a, (unsigned)i);
            ASSERT(L.slot[i].state != CORO__FREE, "%s: group %d: member %u is free", where, a, (unsigned)i);
            ASSERT(L.slot[i].awaiter == w, "%s: group %d: member %u awaited by %u, not %u", where, a, (unsigned)i,
                   (unsigned)L.slot[i].awaiter, (unsigned)w);
        }
        ASSERT(n == g->live, "%s: group %d: %u members, live %u", where, a, n, (unsigned)g->live);
        if (g->state & 1)
            ASSERT(!coro_task_done(&L, g->parent), "%s: group %d active, its parent done", where, a);
    }
}

/* Spawn an actor as a child of self's group. */
static void group_spawn(struct actor *self)
{
    struct actor *a;
    coro_status st;
    if (nactors == MAX_ACTORS)
        return;
    a = &actors[nactors];
    memset(a, 0, sizeof *a);
    a->id = nactors;
    a->nops = 1 + (int)(nb() % 6);
    memset(&groups[a->id], 0, sizeof groups[a->id]);
    st = coro_taskgroup_spawn_fn(&groups[self->id], &a->me, actor, &a->co);
    if (st == CORO_OK) {
        a->spawned = 1;
        nactors++;
    } else {
        ASSERT(st == CORO_ERR_NO_SLOT, "group spawn: %d", st);
    }
}

static CORO_FN(actor, struct actor, self)
{
    int k;
    CORO_BEGIN(self);
    self->lc_started = 1;
    for (self->i = 0; self->i < self->nops; self->i++) {
        check("actor op");
        self->op = (int)(nb() % OP_N);
        self->st = CORO_OK;
        self->ticket = 0;
        if (self->op == OP_END) {
            break;
        } else if (self->op == OP_SLEEP) {
            self->d = (coro_tick)(nb() % 5);
            CORO_CATCH(self, self->st, CORO_SLEEP(self, self->d));
        } else if (self->op == OP_YIELD) {
            CORO_CATCH(self, self->st, CORO_YIELD(self));
        } else if (self->op == OP_LOCK || self->op == OP_LOCK_TMO) {
            if (coro_lock_holder(&lock)) /* held or handed over: it queues */
                self->ticket = ++lock_ticket;
            self->d = (coro_tick)(nb() % 4);
            if (self->op == OP_LOCK)
                CORO_CATCH(self, self->st, CORO_LOCK(self, &lock));
            else
                CORO_CATCH(self, self->st, CORO_TIMEOUT(self, &self->to, self->d, CORO_LOCK(self, &lock)));
            if (self->st == CORO_OK) {
                lock_got(self);
                CORO_CATCH(self, self->st, CORO_SLEEP(self, self->d));
                release_all(self);
            } else {
                ASSERT(self->st == CORO_ERR_CANCELLED || self->st == CORO_ERR_TIMEOUT ||
                           (self->op == OP_LOCK_TMO && self->st == CORO_ERR_NO_SLOT), /* the scope's callback */
                       "lock: %d", self->st);
                ASSERT(coro_lock_holder(&lock) != self->me, "failed lock left held");
            }
        } else if (self->op == OP_EVWAIT) {
            self->evgen = ev_sets;
            CORO_CATCH(self, self->st, CORO_EVENT_WAIT(self, &ev));
            if (self->st == CORO_OK)
                ASSERT(coro_event_is_set(&ev) || ev_sets != self->evgen, "event wait returned without a set");
        } else if (self->op == OP_EVSET) {
            ev_sets++;
            ASSERT(coro_event_set(&ev) == CORO_OK, "event_set");
            ASSERT(coro_waitq_empty(&ev.q), "event set leaves waiters");
        } else if (self->op == OP_EVCLEAR) {
            coro_event_clear(&ev);
        } else if (self->op == OP_SEM) {
            if (coro_sem_locked(&sem))
                self->ticket = ++sem_ticket;
            self->d = (coro_tick)(nb() % 4);
            CORO_CATCH(self, self->st, CORO_SEM_ENTER(self, &sem, self->held_sem));
            if (self->st == CORO_OK) {
                sem_out++;
                ASSERT(sem_out <= 2, "%d permits out of 2", sem_out);
                if (self->ticket) {
                    ASSERT(self->ticket > sem_served, "semaphore served out of order");
                    sem_served = self->ticket;
                }
                CORO_CATCH(self, self->st, CORO_SLEEP(self, self->d));
                release_all(self);
            }
        } else if (self->op == OP_COND_WAIT) {
            CORO_CATCH(self, self->st, CORO_LOCK(self, coro_cond_lock(&cond)));
            if (self->st == CORO_OK) {
                ASSERT(cond_owner < 0, "cond lock taken twice");
                cond_owner = self->id;
                cond_owner = -1; /* let go while waiting */
                CORO_CATCH(self, self->st, CORO_COND_WAIT(self, &cond));
                ASSERT(coro_lock_holder(&cond.own) == self->me, "cond wait returned without the lock (%d)", self->st);
                ASSERT(cond_owner < 0, "cond lock held by %d too", cond_owner);
                cond_owner = self->id;
                release_all(self);
            }
        } else if (self->op == OP_COND_NOTIFY) {
            k = (int)(nb() % 3);
            if (coro_lock_try_acquire(&cond.own)) {
                ASSERT(cond_owner < 0, "cond lock free but model owner %d", cond_owner);
                cond_owner = self->id;
                ASSERT(coro_cond_notify(&cond, k == 2 ? ~0u : (unsigned)k + 1u) == CORO_OK, "notify");
                release_all(self);
            } else {
                ASSERT(coro_cond_notify(&cond, 1) == CORO_OK || cond_owner < 0, "notify while held by another");
            }
        } else if (self->op == OP_PUT || self->op == OP_TRYPUT) {
            self->item = next_item++;
            self->in_put = 1;
            if (self->op == OP_PUT)
                CORO_CATCH(self, self->st, CORO_QUEUE_PUT(self, &Q, &self->item));
            else
                self->st = coro_queue_try_put(&Q, &self->item);
            self->in_put = 0;
            if (self->st == CORO_OK)
                qm_put(self->item);
            else
                ASSERT(self->st == CORO_ERR_CANCELLED || self->st == CORO_ERR_FULL || self->st == CORO_ERR_TIMEOUT ||
                           (self->st == CORO_ERR_SHUTDOWN && qshut),
                       "put: %d", self->st);
        } else if (self->op == OP_GET || self->op == OP_GET_TMO || self->op == OP_TRYGET) {
            self->got = -1;
            self->d = (coro_tick)(nb() % 4);
            self->in_get = 1;
            if (self->op == OP_GET)
                CORO_CATCH(self, self->st, CORO_QUEUE_GET(self, &Q, &self->got));
            else if (self->op == OP_GET_TMO)
                CORO_CATCH(self, self->st, CORO_TIMEOUT(self, &self->to, self->d, CORO_QUEUE_GET(self, &Q, &self->got)));
            else
                self->st = coro_queue_try_get(&Q, &self->got);
            self->in_get = 0;
            if (self->st == CORO_OK) {
                qm_get(self->got);
            } else {
                ASSERT(self->got == -1, "a failed get wrote its output");
                ASSERT(self->st != CORO_ERR_SHUTDOWN || (qshut && qcount == 0), "get: SHUTDOWN with %d items", qcount);
            }
        } else if (self->op == OP_TASKDONE) {
            self->st = coro_queue_task_done(&Q);
            if (self->st == CORO_OK)
                qunfinished--;
            else
                ASSERT(self->st == CORO_ERR_UNDERFLOW && qunfinished == 0, "task_done: %d", self->st);
        } else if (self->op == OP_JOIN) {
            CORO_CATCH(self, self->st, CORO_QUEUE_JOIN(self, &Q));
        } else if (self->op == OP_AWAIT) {
            self->tasks[0] = pick_later(self->id);
            if (self->tasks[0])
                CORO_CATCH(self, self->st, CORO_AWAIT_TASK(self, self->tasks[0]));
        } else if (self->op == OP_GATHER || self->op == OP_GATHER_ERRS) {
            for (k = 0; k < 3; k++)
                self->tasks[k] = pick_later(self->id);
            if (self->tasks[0] && self->tasks[1] && self->tasks[2]) {
                if (self->op == OP_GATHER)
                    CORO_CATCH(self, self->st, CORO_GATHER(self, self->tasks, 3, NULL));
                else
                    CORO_CATCH(self, self->st, CORO_GATHER(self, self->tasks, 3, self->errs));
            }
        } else if (self->op == OP_WAIT) {
            for (k = 0; k < 3; k++)
                self->tasks[k] = pick_later(self->id);
            self->d = (coro_tick)(nb() % 8);
            k = (int)(self->d % 3);
            if (self->tasks[0] && self->tasks[1] && self->tasks[2])
                CORO_CATCH(self, self->st,
                           CORO_WAIT(self, self->tasks, 3,
                                     k == 0 ? CORO_FIRST_COMPLETED : k == 1 ? CORO_FIRST_EXCEPTION : CORO_ALL_COMPLETED,
                                     self->d == 7 ? CORO_FOREVER : self->d, self->ndone));
        } else if (self->op == OP_WAIT_FOR) {
            self->tasks[0] = pick_later(self->id);
            self->d = (coro_tick)(nb() % 6);
            if (self->tasks[0])
                CORO_CATCH(self, self->st, CORO_WAIT_FOR(self, self->tasks[0], self->d == 5 ? CORO_FOREVER : self->d));
        } else if (self->op == OP_SPAWN) {
            spawn_actor();
        } else if (self->op == OP_CANCEL) {
            k = (int)nb();
            if (nactors)
                coro_task_cancel(&L, actors[k % nactors].me);
        } else if (self->op == OP_CALL) {
            k = (int)nb();
            schedule_cb((unsigned)k % 7, (unsigned)k / 7, nb());
        } else if (self->op == OP_CALL_CANCEL) {
            cancel_cb(nb());
        } else if (self->op == OP_GROUP) {
            self->d = (coro_tick)(nb() % 4);
            self->how = (int)(nb() % 3); /* children */
            CORO_CATCH(self, self->st, {
                CORO_WITH_TASKGROUP(self, &groups[self->id]) {
                    for (k = 0; k < self->how; k++)
                        group_spawn(self);
                    check_groups("group body");
                    CORO_SLEEP(self, self->d);
                } CORO_END_WITH(self);
            });
            check_groups("group end");
            ASSERT(groups[self->id].nerrors ? self->st == groups[self->id].first
                                            : self->st == CORO_OK || self->st == CORO_ERR_CANCELLED,
                   "actor %d: group raised %d, %u errors, first %d", self->id, self->st, groups[self->id].nerrors,
                   groups[self->id].first);
        } else if (self->op == OP_SCOPE) {
            self->d = (coro_tick)(nb() % 6);
            self->how = (int)(nb() % 4); /* 0 the end, 1 an error, 2 break (the ops loop), 3 return */
            self->entered = self->fins = 0;
            if (coro_lock_holder(&lock))
                self->ticket = ++lock_ticket;
            CORO_TRY(self) {
                CORO_WITH_TIMEOUT(self, &self->to2, self->d == 5 ? CORO_FOREVER : self->d) {
                    CORO_WITH(self, CORO_LOCK(self, &lock), (lock_owner = -1, (void)coro_lock_leave(&lock))) {
                        lock_got(self);
                        CORO_TRY(self) {
                            self->entered = 1;
                            CORO_SLEEP(self, self->d);
                            if (self->how == 1)
                                CORO_RETURN(self, CORO_ERR_USER + 1);
                            if (self->how == 2)
                                break;
                            if (self->how == 3)
                                CORO_RETURN(self, CORO_OK);
                        } CORO_FINALLY_BLOCK(self) {
                            self->fins++;
                            ASSERT(coro_lock_holder(&lock) == self->me, "scope: lock lost in the finally");
                        } CORO_END_TRY(self);
                    } CORO_END_WITH(self);
                    ASSERT(coro_lock_holder(&lock) != self->me, "scope: async with left the lock held");
                } CORO_END_WITH(self);
            } CORO_EXCEPT_AS(self, CORO_ANY, self->st) {
                ASSERT(coro_lock_holder(&lock) != self->me, "scope: an error left the lock held");
            } CORO_END_TRY(self);
            ASSERT(self->fins == self->entered, "scope: finally ran %d times, block entered %d", self->fins,
                   self->entered);
        } else if (self->op == OP_FAIL) {
            CORO_RETURN(self, CORO_ERR_USER + 1);
        } else if (self->op == OP_SHUTDOWN) {
            if (nb() % 4 == 0) { /* rarely: it is final */
                k = (int)(nb() & 1);
                coro_queue_shutdown(&Q, k);
                qshut = 1;
                if (k) {
                    qunfinished = qunfinished > qcount ? qunfinished - qcount : 0;
                    qcount = 0;
                }
            }
        } else {
            coro_task_cancel(&L, self->me);
        }
        if (self->st == CORO_ERR_CANCELLED && !(nb() & 1))
            CORO_RETURN(self, self->st);
        if (self->st != CORO_OK && self->st != CORO_ERR_CANCELLED && self->st != CORO_ERR_TIMEOUT &&
            self->st != CORO_ERR_FULL && self->st != CORO_ERR_EMPTY && self->st != CORO_ERR_UNDERFLOW &&
            self->st != CORO_ERR_BUSY && self->st != CORO_ERR_STALE && self->st != CORO_ERR_USER + 1 &&
            self->st != CORO_ERR_NO_SLOT && self->st != CORO_ERR_SHUTDOWN)
            FAIL("actor %d op %d: unexpected status %d", self->id, self->op, self->st);
    }
    CORO_FINALLY(self);
    if (self->op == OP_SCOPE)
        ASSERT(self->fins == self->entered, "scope left by break/return: finally ran %d times, entered %d",
               self->fins, self->entered);
    self->in_get = self->in_put = 0;
    release_all(self);
    self->ended++;
    CORO_END(self);
}

static CORO_FN(ticker, struct tick_frame, self)
{
    CORO_BEGIN(self);
    for (;;) {
        CORO_SLEEP(self, 1);
        coro_loop_stop(&L);
    }
    CORO_END(self);
}

/* One tick: run until the ticker stops the loop. */
static void step(void)
{
    coro_status st = coro_loop_run_forever(&L);
    ASSERT(st == CORO_ERR_STOPPED, "step: %d", st);
    check("step");
    check_handles();
    check_liveness();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int i, round;
    in = data;
    len = size;
    pos = 0;
    /* start a little before a tick wrap */
    coro_virtual_now = (coro_tick)((coro_tick)0 - (coro_tick)(nb() * 3u));
    coro_loop_init(&L);
    coro_lock_init(&lock);
    coro_event_init(&ev);
    coro_sem_init_bounded(&sem, 2);
    coro_cond_init(&cond, NULL);
    qkind = (int)(nb() % 3);
    if (qkind == CORO_QUEUE_FIFO)
        coro_queue_init(&Q, qbuf, QCAP, sizeof qbuf[0]);
    else if (qkind == CORO_QUEUE_LIFO)
        coro_queue_init_lifo(&Q, qbuf, QCAP, sizeof qbuf[0]);
    else
        coro_queue_init_priority(&Q, &pstore, QCAP, sizeof qbuf[0], prio_cmp);
    lock_owner = cond_owner = -1;
    sem_out = 0;
    lock_ticket = lock_served = sem_ticket = sem_served = ev_sets = 0;
    qcount = qunfinished = next_item = qshut = 0;
    nactors = ncbs = 0;
    ASSERT(coro_spawn(&L, &ticker_t, ticker, &ticker_f) == CORO_OK, "ticker");

    while (pos < len) {
        unsigned c = nb();
        switch (c % 8) {
        case 0:
        case 1:
            spawn_actor();
            break;
        case 2:
            if (nactors)
                coro_task_cancel(&L, actors[nb() % (unsigned)nactors].me);
            break;
        case 3:
            schedule_cb(nb(), c / 8, nb());
            break;
        case 4:
            cancel_cb(nb());
            break;
        default:
            step();
            break;
        }
        check("driver");
    }

    /* the end: cancel everything until every actor is done */
    for (round = 0; round < 64; round++) {
        int alive = 0;
        for (i = 0; i < nactors; i++)
            if (!coro_task_done(&L, actors[i].me)) {
                alive++;
                coro_task_cancel(&L, actors[i].me);
            }
        if (!alive)
            break;
        step();
    }
    for (i = 0; i < nactors; i++)
        ASSERT(coro_task_done(&L, actors[i].me), "actor %d never finished (state %u)", i,
               (unsigned)L.slot[CORO__ID(actors[i].me)].state);
    coro_task_cancel(&L, ticker_t);
    ASSERT(coro_loop_run_forever(&L) == CORO_OK, "the drained loop still has work");
    check("end");
    check_handles();
    for (i = 0; i < nactors; i++)
        ASSERT(actors[i].ended == actors[i].lc_started, "actor %d: started %d, ended %d", i, actors[i].lc_started,
               actors[i].ended);
    for (i = 0; i < ncbs; i++)
        ASSERT(cbs[i].fired + cbs[i].cancelled == 1, "callback %d: fired %d, cancelled %d", i, cbs[i].fired,
               cbs[i].cancelled);
    ASSERT(!coro_lock_holder(&lock) && !coro_lock_holder(&cond.own), "a lock left held");
    ASSERT(coro_sem_value(&sem) == 2 && sem_out == 0, "permits: %u free, %d out", coro_sem_value(&sem), sem_out);
    ASSERT(coro_waitq_empty(&lock.q) && coro_waitq_empty(&ev.q) && coro_waitq_empty(&sem.q) &&
               coro_waitq_empty(&cond.q) && coro_waitq_empty(&Q.getters) && coro_waitq_empty(&Q.putters) &&
               coro_waitq_empty(&Q.joiners),
           "waiters left");
    ASSERT(coro_check_free_tasks(&L) == CORO_MAX_TASKS && coro_check_free_cbs(&L) == CORO_MAX_CALLBACKS &&
               L.hlen == 0,
           "slots not back: %d tasks, %d callbacks free, %u timers", coro_check_free_tasks(&L),
           coro_check_free_cbs(&L), (unsigned)L.hlen);
    return 0;
}

#ifdef FUZZ_STANDALONE
/* Without libFuzzer (gcc, valgrind, coverage): run each file given. */
int main(int argc, char **argv)
{
    int i;
    for (i = 1; i < argc; i++) {
        static uint8_t buf[1 << 16];
        FILE *f = fopen(argv[i], "rb");
        size_t n;
        if (!f) {
            perror(argv[i]);
            return 1;
        }
        n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        LLVMFuzzerTestOneInput(buf, n);
    }
    printf("fuzz_loop: %d inputs replayed\n", argc - 1);
    return 0;
}
#endif
