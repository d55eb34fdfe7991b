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
 * scopes, spawn, cancel, call_later, handle_cancel, return an error,
 * nested scopes (try/except > timeout scope > async with lock > try/finally,
 * left by its end, an error, a break or a return, chosen from the stream),
 * a Future (await, shielded or not, in a timeout scope or not; set_result,
 * set_error, cancel, add/remove done callbacks), a Barrier of 2-4 parties
 * (wait, abort, reset, cancel a waiter) and one task awaited by several
 * actors at once (await, shield, gather, wait, wait_for, as_completed).
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
 *  - Future: every awaiter queued at the completion woken once by it, in
 *    FIFO order, with its status, after the done callbacks (which run once,
 *    in registration and call_soon order); a cancelled awaiter cancels it
 *    unless shielded. Barrier: broken and parties as modelled, n_waiting
 *    below parties, a round's indices distinct (see fx_bwait_end), every
 *    released party leaves, nobody waits on a broken barrier. Shared
 *    awaits: each reader still waiting when the task ended woken once by
 *    it, in FIFO order, with its status; its slot kept until read;
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
/* The trace hook reports every cancellation request (coro_task_cancel, from
 * the fuzzer, a timeout scope or a forwarding wait): the Future and shared-
 * await models learn from it when an awaiter left its wait. */
static void fx_trace(unsigned event, unsigned id);
static void fx_check(const char *where);
static void fx_liveness(void);
#define CORO_TRACE(loop, event, id, arg) fx_trace((unsigned)(event), (unsigned)(id))
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
    fx_check(where);
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
/* Task groups (OP_GROUP): each actor's group, its children actors too. */
static coro_taskgroup groups[MAX_ACTORS];

/* Spawn a new actor: a plain task (g NULL) or a child of group g. */
static void spawn_actor(coro_taskgroup *g)
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
    st = g ? coro_taskgroup_spawn_fn(g, &a->me, actor, &a->co) : coro__spawn(&L, &a->me, actor, &a->co);
    if (st == CORO_OK) {
        a->spawned = 1;
        nactors++;
    } else {
        ASSERT(st == CORO_ERR_NO_SLOT, "%sspawn: %d", g ? "group " : "", st);
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

/* ---- Future, Barrier, shared task awaits ------------------------------------------ */
/* Three more models, each kept from what the fuzzer did and what the calls
 * returned, never read from the objects' fields. The trace hook (fx_trace)
 * tells them when a task was asked to cancel (and when a task ended), which
 * is when a future or non-forwarding task waiter left its wait. */
#define FX_NODES 4
#define FX_FIRES 64
static coro_future fut;
static coro_barrier bar;

struct xactor {
    unsigned cancels, cancels0;  /* cancellation requests seen; at the op's start */
    int final, finished, tdone;  /* its body's status (cleanup section); ended (trace) */
    unsigned last_ticket;        /* as a waited-on task: ticket of the last woken reader */
    int seen, seen_st;           /* the status its first uncancelled reader got */
    /* a Future await */
    int fwait, fshield, fscoped, fcut, fwoken;
    unsigned fticket, fdue;
    intptr_t fval;
    /* a Barrier wait */
    int bwait, bidx, bbroken0, bscoped;
    unsigned bepoch0;
    /* a task await of several kinds, the task possibly awaited by others */
    int twait, tgt, tkind, ttimed, tcut, twoken, tndone, tmode;
    unsigned tticket;
    coro_tick tto;
    coro_task tt[2], tout;
    coro_status terrs[2];
    coro_as_completed it;
};
static struct xactor xa[MAX_ACTORS];
#define X(self) (&xa[(self)->id])

/* the future: 0 pending, 1 a result, 2 an error, 3 cancelled */
static int fm_state;
static intptr_t fm_value, fm_next;
static unsigned fm_ticket, fm_last_woken;
static int fm_node[FX_NODES];   /* 0 free, 1 registered, 2 scheduled (its chain has not run) */
static coro_future_cb fm_cbn[FX_NODES];
static int fm_reg[FX_NODES], fm_nreg; /* registered nodes, in registration order */
static int fm_fire[FX_FIRES];   /* callback runs due, FIFO: node, + FX_NODES when not a chain */
static unsigned fm_fhead, fm_ftail;
/* the barrier */
static int bm_parties, bm_broken, bm_drain_left, bm_seen, bm_dirty, bm_round_dirty;
static unsigned bm_epoch, bm_drain_epoch;
/* the task waits */
static unsigned tm_ticket;
enum { TK_AWAIT, TK_SHIELD, TK_GATHER, TK_GATHER_ERRS, TK_WAIT_FOR, TK_WAIT, TK_AS_COMPLETED, TK_N };

static int fx_actor_of_slot(unsigned id)
{
    int i;
    for (i = nactors - 1; i >= 0; i--) /* the slot's latest occupant */
        if ((unsigned)CORO__ID(actors[i].me) == id)
            return i;
    return -1;
}

static void fx_trace(unsigned event, unsigned id)
{
    int i, j;
    struct xactor *x;
    if (event != CORO_TRACE_CANCEL && event != CORO_TRACE_DONE)
        return;
    if ((i = fx_actor_of_slot(id)) < 0)
        return;
    x = &xa[i];
    if (event == CORO_TRACE_CANCEL) {
        x->cancels++;
        if (x->fwait && fm_state == 0)
            x->fcut = 1; /* unlinked before the completion */
        if (x->twait && !xa[x->tgt].tdone &&
            (x->tkind == TK_SHIELD || x->tkind == TK_WAIT || x->tkind == TK_AS_COMPLETED))
            x->tcut = 1; /* a non-forwarding wait ends at once */
        return;
    }
    /* actor i ends: its waiting readers are told now, in the order they began */
    ASSERT(!x->tdone, "actor %d ended twice", i);
    x->tdone = 1;
    for (j = 0; j < nactors; j++)
        if (xa[j].twait && xa[j].tgt == i && !xa[j].tcut &&
            !(xa[j].ttimed && (xa[j].tkind == TK_WAIT || xa[j].tkind == TK_AS_COMPLETED)))
            xa[j].twoken = 1;
}

/* Is st actor t's status as its readers must see it? Its body's status (a
 * success with a cancellation left pending ends cancelled); never started:
 * cancelled. */
static int fx_is_status(int t, coro_status st)
{
    const struct xactor *x = &xa[t];
    if (!x->finished)
        return st == CORO_ERR_CANCELLED;
    return st == x->final || (x->final == CORO_OK && x->cancels && st == CORO_ERR_CANCELLED);
}

static void fx_cb(int k, int parity)
{
    int e;
    ASSERT(coro_current_task(&L) == 0, "a done callback runs as a task");
    ASSERT((k & 1) == parity, "done callback %d ran the other function", k);
    ASSERT(fm_fhead != fm_ftail, "done callback %d ran, none due", k);
    e = fm_fire[fm_fhead++ % FX_FIRES];
    ASSERT(e % FX_NODES == k, "done callback %d ran, %d due first (call_soon order)", k, e % FX_NODES);
    if (e < FX_NODES) {
        ASSERT(fm_node[k] == 2, "done callback %d ran twice", k);
        fm_node[k] = 0;
    }
}
static void fx_cb_a(void *arg) { fx_cb((int)(intptr_t)arg, 0); }
static void fx_cb_b(void *arg) { fx_cb((int)(intptr_t)arg, 1); }

/* The future completed (state 1..3): its awaiters still queued are woken
 * (FIFO), its callbacks due (registration order), before those awaiters run. */
static void fm_complete(int state, intptr_t value)
{
    int i;
    ASSERT(fm_state == 0, "future completed twice");
    fm_state = state;
    fm_value = value;
    fm_last_woken = 0;
    for (i = 0; i < fm_nreg; i++) {
        fm_fire[fm_ftail++ % FX_FIRES] = fm_reg[i];
        fm_node[fm_reg[i]] = 2;
    }
    fm_nreg = 0;
    for (i = 0; i < nactors; i++)
        if (xa[i].fwait && !xa[i].fcut) {
            xa[i].fwoken = 1;
            xa[i].fdue = fm_ftail;
        }
}

/* The future's public view against the model. */
static void fm_check(const char *where)
{
    intptr_t v = -1;
    coro_status r = coro_future_result(&fut, &v);
    ASSERT(!coro_future_done(&fut) == (fm_state == 0), "%s: future done %d, model %d", where,
           coro_future_done(&fut), fm_state);
    ASSERT(!coro_future_cancelled(&fut) == (fm_state != 3), "%s: future cancelled, model %d", where, fm_state);
    ASSERT(fm_state == 0 ? r == CORO_ERR_STATE
                         : fm_state == 1 ? r == CORO_OK && v == fm_value
                                         : fm_state == 2 ? r == CORO_ERR_USER + 2 : r == CORO_ERR_CANCELLED,
           "%s: future result %d, model state %d", where, r, fm_state);
}

/* No free callback slot (a completion with callbacks is then refused). */
static int fx_no_cb_slot(int spare) { return coro_check_free_cbs(&L) <= spare; }

static void fx_fwait_begin(struct actor *self, int shield, int scoped)
{
    struct xactor *x = X(self);
    x->fwait = 1;
    x->fshield = shield;
    x->fscoped = scoped;
    x->fcut = x->fwoken = 0;
    x->fticket = ++fm_ticket;
    x->cancels0 = x->cancels;
    x->fval = -1;
}

static void fx_fwait_end(struct actor *self)
{
    struct xactor *x = X(self);
    coro_status st = self->st;
    int strict = x->cancels == 0; /* never asked to cancel: nothing but the future ends the await */
    x->fwait = 0;
    if (st == CORO_ERR_NO_SLOT && x->fscoped) { /* the scope found no callback slot: no await */
        ASSERT(!x->fwoken, "future: a refused await was woken");
        return;
    }
    if (x->fwoken) { /* queued at the completion: woken by it, in the order they began */
        ASSERT(x->fticket > fm_last_woken, "future awaiters woken out of order: ticket %u after %u", x->fticket,
               fm_last_woken);
        fm_last_woken = x->fticket;
        ASSERT(fm_fhead >= x->fdue, "a woken awaiter ran before the future's done callbacks");
    }
    if (fm_state == 0) { /* still pending: only this awaiter's cancellation ends its await */
        ASSERT(st == CORO_ERR_CANCELLED || (x->fscoped && st == CORO_ERR_TIMEOUT),
               "future await returned %d, the future pending", st);
        ASSERT(x->cancels > 0, "future await cancelled, nobody cancelled actor %d", self->id);
        if (x->fshield)
            ASSERT(!coro_future_done(&fut), "a shielded awaiter's cancellation reached the future");
        else if (coro_future_cancelled(&fut))
            fm_complete(3, 0); /* asyncio: cancelling the awaiter cancels the future */
        else
            ASSERT(fm_nreg > 0 && fx_no_cb_slot(x->fscoped), "a cancelled awaiter left the future pending");
        fm_check("cancelled awaiter");
        return;
    }
    if (fm_state == 1 && st == CORO_OK)
        ASSERT(x->fval == fm_value, "awaited value %ld, model %ld", (long)x->fval, (long)fm_value);
    if (st == (fm_state == 1 ? CORO_OK : fm_state == 2 ? CORO_ERR_USER + 2 : CORO_ERR_CANCELLED))
        return;
    ASSERT(!strict, "future await returned %d, the future's state %d", st, fm_state);
    ASSERT(st == CORO_ERR_CANCELLED || (x->fscoped && st == CORO_ERR_TIMEOUT), "future await returned %d", st);
}

/* set_result, set_error, cancel, add/remove a done callback, init again, a
 * read, or cancel an awaiter. */
static void fx_future_op(struct actor *self, unsigned v)
{
    coro_status r;
    int k, n, i, j;
    (void)self;
    switch (v % 8) {
    case 0:
        r = coro_future_set_result(&fut, ++fm_next);
        if (fm_state)
            ASSERT(r == CORO_ERR_STATE, "set_result on a done future: %d", r);
        else if (r == CORO_OK)
            fm_complete(1, fm_next);
        else
            ASSERT(r == CORO_ERR_NO_SLOT && fm_nreg > 0 && fx_no_cb_slot(0), "set_result: %d", r);
        break;
    case 1:
        r = coro_future_set_error(&fut, CORO_ERR_USER + 2);
        if (fm_state)
            ASSERT(r == CORO_ERR_STATE, "set_error on a done future: %d", r);
        else if (r == CORO_OK)
            fm_complete(2, 0);
        else
            ASSERT(r == CORO_ERR_NO_SLOT && fm_nreg > 0 && fx_no_cb_slot(0), "set_error: %d", r);
        break;
    case 2:
        k = coro_future_cancel(&fut);
        if (fm_state)
            ASSERT(!k, "cancel of a done future returned 1");
        else if (k)
            fm_complete(3, 0);
        else
            ASSERT(fm_nreg > 0 && fx_no_cb_slot(0), "cancel of a pending future refused");
        break;
    case 3:
    case 4:
        k = (int)(nb() % FX_NODES);
        if (fm_node[k] || fm_ftail - fm_fhead + FX_NODES >= FX_FIRES)
            break;
        r = coro_future_add_done_callback(&fut, &fm_cbn[k], (k & 1) ? fx_cb_b : fx_cb_a, (void *)(intptr_t)k);
        if (fm_state == 0) {
            ASSERT(r == CORO_OK, "add_done_callback: %d", r);
            fm_node[k] = 1;
            fm_reg[fm_nreg++] = k;
        } else if (r == CORO_OK) { /* done: scheduled at once, the node unused */
            fm_fire[fm_ftail++ % FX_FIRES] = k + FX_NODES;
        } else {
            ASSERT(r == CORO_ERR_NO_SLOT && fx_no_cb_slot(0), "add_done_callback on a done future: %d", r);
        }
        break;
    case 5:
        k = (int)(nb() & 1);
        n = coro_future_remove_done_callback(&fut, k ? fx_cb_b : fx_cb_a);
        for (i = j = 0; i < fm_nreg; i++)
            if ((fm_reg[i] & 1) == k)
                fm_node[fm_reg[i]] = 0;
            else
                fm_reg[j++] = fm_reg[i];
        ASSERT(n == fm_nreg - j, "remove_done_callback removed %d, model %d", n, fm_nreg - j);
        fm_nreg = j;
        break;
    case 6: /* a fresh future, once nobody awaits it and no callback is registered */
        for (i = 0; i < nactors; i++)
            if (xa[i].fwait)
                return;
        if (fm_nreg)
            break;
        coro_future_init(&fut);
        fm_state = 0;
        break;
    default: /* cancel an awaiter */
        n = (int)nb();
        for (i = 0; i < nactors; i++)
            if (xa[(i + n) % nactors].fwait) {
                coro_task_cancel(&L, actors[(i + n) % nactors].me);
                break;
            }
        break;
    }
    fm_check("future op");
}

static void fx_bwait_begin(struct actor *self, int scoped)
{
    struct xactor *x = X(self);
    x->bwait = 1;
    x->bscoped = scoped;
    x->bidx = -1;
    x->bbroken0 = bm_broken;
    x->bepoch0 = bm_epoch;
    x->cancels0 = x->cancels;
}

/* A barrier wait returned: its arrival index against the round's, its status
 * against the model's broken state and the aborts and resets since. */
static void fx_bwait_end(struct actor *self)
{
    struct xactor *x = X(self);
    coro_status st = self->st;
    int idx = x->bidx, last = bm_parties - 1;
    x->bwait = 0;
    if (st == CORO_ERR_NO_SLOT && x->bscoped) {
        ASSERT(idx == -1, "barrier: a refused wait arrived");
        return;
    }
    ASSERT(idx >= -1 && idx <= last, "barrier index %d of %d parties", idx, bm_parties);
    if (x->bbroken0)
        ASSERT(st == CORO_ERR_BROKEN && idx == -1, "a wait on a broken barrier returned %d, index %d", st, idx);
    if (st == CORO_OK) {
        ASSERT(idx >= 0, "barrier wait succeeded without arriving");
        if (idx == last) { /* the last party releases the round */
            ASSERT(bm_drain_left == 0, "barrier released while %d of the last round are still inside",
                   bm_drain_left);
            bm_drain_left = last;
            bm_seen = 1 << idx;
            bm_drain_epoch = bm_epoch;
            bm_round_dirty = bm_dirty;
            bm_dirty = 0;
            return;
        }
        ASSERT(bm_drain_left > 0, "barrier wait (index %d) returned before the barrier filled", idx);
        ASSERT(bm_epoch == bm_drain_epoch, "barrier wait succeeded after a reset or abort of its round");
    } else {
        ASSERT(st == CORO_ERR_CANCELLED || st == CORO_ERR_BROKEN || (x->bscoped && st == CORO_ERR_TIMEOUT),
               "barrier wait: %d", st);
        if (st != CORO_ERR_BROKEN)
            ASSERT(x->cancels > x->cancels0 || x->cancels0 || st == CORO_ERR_TIMEOUT,
                   "barrier wait cancelled, nobody cancelled actor %d", self->id);
        if (idx < 0 || bm_drain_left == 0) { /* never arrived, or left while the barrier filled */
            /* asyncio: a party leaving while others arrived after it lets the
             * next arrival take an index that is still held, so that round's
             * indices need not be distinct (CPython 3.11 does the same) */
            bm_dirty |= idx >= 0 && st != CORO_ERR_BROKEN;
            if (st == CORO_ERR_BROKEN)
                ASSERT(x->bbroken0 || bm_epoch != x->bepoch0, "barrier broke without an abort or a reset");
            return;
        }
        ASSERT(idx != last, "the releasing arrival failed");
        if (st == CORO_ERR_BROKEN)
            ASSERT(bm_epoch != bm_drain_epoch, "a released wait broke without an abort or a reset");
    }
    /* a party of the round released last, leaving */
    ASSERT(bm_round_dirty || !(bm_seen & (1 << idx)), "barrier index %d twice in one round", idx);
    bm_seen |= 1 << idx;
    bm_drain_left--;
}

/* abort, reset, a new party count (nobody inside), or cancel a waiter */
static void fx_barrier_op(unsigned v)
{
    int i, n;
    switch (v % 4) {
    case 0:
        ASSERT(coro_barrier_abort(&bar) == CORO_OK, "abort");
        bm_dirty = 0; /* the parties inside leave broken: the next round starts afresh */
        bm_broken = 1;
        bm_epoch++;
        break;
    case 1:
        ASSERT(coro_barrier_reset(&bar) == CORO_OK, "reset");
        bm_dirty = 0;
        bm_broken = 0;
        bm_epoch++;
        break;
    case 2:
        for (i = 0; i < nactors; i++)
            if (xa[i].bwait)
                return;
        if (bm_drain_left)
            return;
        n = 2 + (int)(nb() % 3);
        ASSERT(coro_barrier_init(&bar, n) == CORO_OK, "barrier init");
        bm_parties = n;
        bm_broken = bm_dirty = 0;
        bm_epoch++;
        break;
    default:
        n = (int)nb();
        for (i = 0; i < nactors; i++)
            if (xa[(i + n) % nactors].bwait) {
                coro_task_cancel(&L, actors[(i + n) % nactors].me);
                break;
            }
        break;
    }
}

/* Pick a later actor to wait for, in one of the task waits; 0 if none. */
static int fx_twait_begin(struct actor *self)
{
    struct xactor *x = X(self);
    int n = nactors - self->id - 1, t;
    unsigned b = nb(), d = nb();
    if (n <= 0)
        return 0;
    t = self->id + 1 + (int)(b % (unsigned)n);
    x->tgt = t;
    x->tkind = (int)(b / 16 % TK_N);
    x->tt[0] = x->tt[1] = actors[t].me;
    x->tout = 0;
    x->tndone = -1;
    x->terrs[0] = x->terrs[1] = -1;
    x->tmode = (int)(d % 3);
    x->ttimed = d / 3 % 3 == 0;
    x->tto = x->ttimed ? (coro_tick)(d / 9 % 4) : CORO_FOREVER;
    x->tcut = x->twoken = 0;
    x->tticket = ++tm_ticket;
    x->cancels0 = x->cancels;
    if (x->tkind == TK_AS_COMPLETED)
        ASSERT(coro_as_completed_init(&x->it, x->tt, 1, x->tto) == CORO_OK, "as_completed_init");
    x->twait = 1;
    return 1;
}

/* A task wait on actor tgt returned: woken once by its end, in the order its
 * readers began (those still waiting then), with its status. */
static void fx_twait_end(struct actor *self)
{
    struct xactor *x = X(self), *tx = &xa[x->tgt];
    coro_status st = self->st;
    int own = x->cancels > 0, k = x->tkind;
    x->twait = 0;
    if (st == CORO_ERR_NO_SLOT || st == CORO_ERR_STALE) { /* no shared entry free; the task ended and its slot went */
        ASSERT(!x->twoken && (st == CORO_ERR_NO_SLOT || tx->tdone), "task wait %d: %d", k, st);
        return;
    }
    if (x->twoken) {
        ASSERT(tx->tdone, "a reader woken before the task ended");
        ASSERT(x->tticket > tx->last_ticket, "readers of actor %d woken out of order: ticket %u after %u", x->tgt,
               x->tticket, tx->last_ticket);
        tx->last_ticket = x->tticket;
    }
    if (!tx->tdone) { /* returned while the task runs: a cancellation or a timeout, and only without forwarding */
        ASSERT(k == TK_SHIELD || k == TK_WAIT || k == TK_AS_COMPLETED,
               "task wait %d returned %d before actor %d ended", k, st, x->tgt);
        if (st == CORO_ERR_CANCELLED)
            ASSERT(own, "task wait %d cancelled, nobody cancelled actor %d", k, self->id);
        else
            ASSERT(x->ttimed && ((k == TK_WAIT && st == CORO_OK && x->tndone == 0) ||
                                 (k == TK_AS_COMPLETED && st == CORO_ERR_TIMEOUT)),
                   "task wait %d returned %d (done %d) before actor %d ended", k, st, x->tndone, x->tgt);
        return;
    }
    if (own && st == CORO_ERR_CANCELLED)
        return;
    if (k == TK_WAIT) {
        ASSERT(st == CORO_OK && x->tndone == 1, "wait on an ended task: %d, %d done", st, x->tndone);
        return;
    }
    if (k == TK_GATHER_ERRS) {
        ASSERT(st == CORO_OK && x->terrs[0] == x->terrs[1], "gather with errors: %d, %d/%d", st, x->terrs[0],
               x->terrs[1]);
        st = x->terrs[0];
    }
    if (k == TK_AS_COMPLETED)
        ASSERT(x->tout == x->tt[0], "as_completed reported another task");
    if (k == TK_WAIT_FOR && st == CORO_ERR_TIMEOUT) {
        ASSERT(x->ttimed && fx_is_status(x->tgt, CORO_ERR_CANCELLED), "wait_for: a timeout, not cancelled");
        return;
    }
    ASSERT(fx_is_status(x->tgt, st), "task wait %d on actor %d got %d, its body ended %d (finished %d)", k,
           x->tgt, st, tx->final, tx->finished);
    if (!tx->seen) {
        tx->seen = 1;
        tx->seen_st = st;
    }
    ASSERT(st == tx->seen_st, "readers of actor %d got %d and %d", x->tgt, tx->seen_st, st);
}

/* An actor's body ends with st (its cleanup section). */
static void fx_finished(struct actor *self, coro_status st)
{
    X(self)->finished = 1;
    X(self)->final = st;
}

/* After each driver step and before each actor op. */
static void fx_check(const char *where)
{
    int i, n = 0;
    for (i = 0; i < nactors; i++)
        n += xa[i].bwait;
    ASSERT(coro_barrier_parties(&bar) == bm_parties, "%s: %d parties, model %d", where, coro_barrier_parties(&bar),
           bm_parties);
    ASSERT(coro_barrier_n_waiting(&bar) >= 0 && coro_barrier_n_waiting(&bar) < bm_parties &&
               coro_barrier_n_waiting(&bar) <= n,
           "%s: %d waiting at a barrier of %d, %d tasks in its wait", where, coro_barrier_n_waiting(&bar), bm_parties,
           n);
    ASSERT(coro_barrier_broken(&bar) == bm_broken, "%s: barrier broken %d, model %d", where,
           coro_barrier_broken(&bar), bm_broken);
    ASSERT(coro_check_queue_ok(&L, &fut.q) && coro_check_queue_ok(&L, &bar.q), "%s: future or barrier queue broken",
           where);
}

/* Between ticks: nobody lost. A completed future's queued awaiters, an ended
 * task's readers and a released round's parties are woken (on their way);
 * nobody waits on a broken barrier. */
static void fx_liveness(void)
{
    int i, woken = 0;
    for (i = 0; i < nactors; i++) {
        const struct xactor *x = &xa[i];
        unsigned state = L.slot[CORO__ID(actors[i].me)].state;
        if (coro_task_done(&L, actors[i].me))
            continue;
        ASSERT(!(x->fwait && x->fwoken && state == CORO__WAITQ), "future awaiter %d lost: still queued", i);
        ASSERT(!(x->twait && x->twoken && state == CORO__WAITTASKS), "reader %d of ended actor %d lost", i, x->tgt);
        ASSERT(!(x->bwait && bm_broken && state == CORO__WAITQ), "actor %d waits on a broken barrier", i);
        woken += x->bwait && state != CORO__WAITQ;
    }
    ASSERT(woken >= bm_drain_left, "barrier released, %d of its round left to leave, %d woken", bm_drain_left, woken);
    fm_check("step");
}

static void fx_init(void)
{
    memset(xa, 0, sizeof xa);
    coro_future_init(&fut);
    fm_state = fm_nreg = 0;
    fm_value = fm_next = 0;
    fm_ticket = fm_last_woken = fm_fhead = fm_ftail = 0;
    memset(fm_node, 0, sizeof fm_node);
    bm_parties = 2 + qkind; /* no input byte: the seeds keep their meaning */
    ASSERT(coro_barrier_init(&bar, bm_parties) == CORO_OK, "barrier init");
    bm_broken = bm_drain_left = bm_seen = bm_dirty = bm_round_dirty = 0;
    bm_epoch = bm_drain_epoch = 0;
    tm_ticket = 0;
}

/* The end: every due callback ran, once; every round drained; nobody queued. */
static void fx_end(void)
{
    int i;
    ASSERT(fm_fhead == fm_ftail, "%u done callbacks due never ran", fm_ftail - fm_fhead);
    for (i = 0; i < FX_NODES; i++)
        ASSERT(fm_node[i] != 2, "done callback %d scheduled, never ran", i);
    ASSERT(bm_drain_left == 0, "%d parties of a released round never left", bm_drain_left);
    ASSERT(coro_waitq_empty(&fut.q) && coro_waitq_empty(&bar.q), "future or barrier waiters left");
    ASSERT(coro_barrier_n_waiting(&bar) == 0, "barrier: %d waiting at the end", coro_barrier_n_waiting(&bar));
    for (i = 0; i < nactors; i++)
        ASSERT(!xa[i].fwait && !xa[i].bwait && !xa[i].twait, "actor %d ended inside a wait", i);
    fm_check("end");
}

enum {
    OP_END, OP_SLEEP, OP_YIELD, OP_LOCK, OP_LOCK_TMO, OP_EVWAIT, OP_EVSET, OP_EVCLEAR, OP_SEM, OP_COND_WAIT,
    OP_COND_NOTIFY, OP_PUT, OP_GET, OP_GET_TMO, OP_TRYPUT, OP_TRYGET, OP_TASKDONE, OP_JOIN, OP_AWAIT, OP_GATHER,
    OP_GATHER_ERRS, OP_WAIT, OP_WAIT_FOR, OP_SPAWN, OP_CANCEL, OP_CALL, OP_CALL_CANCEL, OP_FAIL, OP_SHUTDOWN,
    OP_SELF_CANCEL, OP_SCOPE,
    OP_FUT_AWAIT, OP_FUT_OP, OP_BARRIER, OP_TASK_WAITS, /* the Future, Barrier and shared-await models */
    OP_GROUP, OP_N
};

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
            spawn_actor(NULL);
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
                        spawn_actor(&groups[self->id]);
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
        } else if (self->op == OP_FUT_AWAIT) {
            k = (int)(nb() % 4); /* 1: shielded, 2: in a timeout scope */
            self->d = (coro_tick)(nb() % 4);
            fx_fwait_begin(self, k & 1, k >> 1);
            if (k == 0)
                CORO_CATCH(self, self->st, CORO_FUTURE_AWAIT(self, &fut, &X(self)->fval));
            else if (k == 1)
                CORO_CATCH(self, self->st, CORO_FUTURE_SHIELD(self, &fut, &X(self)->fval));
            else if (k == 2)
                CORO_CATCH(self, self->st,
                           CORO_TIMEOUT(self, &self->to, self->d, CORO_FUTURE_AWAIT(self, &fut, &X(self)->fval)));
            else
                CORO_CATCH(self, self->st,
                           CORO_TIMEOUT(self, &self->to, self->d, CORO_FUTURE_SHIELD(self, &fut, &X(self)->fval)));
            fx_fwait_end(self);
            if (self->st == CORO_ERR_USER + 2) /* the future's error: checked */
                self->st = CORO_OK;
        } else if (self->op == OP_FUT_OP) {
            fx_future_op(self, nb());
        } else if (self->op == OP_BARRIER) {
            k = (int)(nb() % 10);
            if (k >= 6) {
                fx_barrier_op((unsigned)k - 6u);
            } else {
                self->d = (coro_tick)(nb() % 4);
                fx_bwait_begin(self, k >= 4);
                if (k < 4)
                    CORO_CATCH(self, self->st, CORO_BARRIER_WAIT(self, &bar, X(self)->bidx));
                else
                    CORO_CATCH(self, self->st,
                               CORO_TIMEOUT(self, &self->to, self->d, CORO_BARRIER_WAIT(self, &bar, X(self)->bidx)));
                fx_bwait_end(self);
                if (self->st == CORO_ERR_BROKEN) /* checked */
                    self->st = CORO_OK;
            }
        } else if (self->op == OP_TASK_WAITS) {
            if (fx_twait_begin(self)) {
                k = X(self)->tkind;
                if (k == TK_AWAIT)
                    CORO_CATCH(self, self->st, CORO_AWAIT_TASK(self, X(self)->tt[0]));
                else if (k == TK_SHIELD)
                    CORO_CATCH(self, self->st, CORO_SHIELD(self, X(self)->tt[0]));
                else if (k == TK_GATHER)
                    CORO_CATCH(self, self->st, CORO_GATHER(self, X(self)->tt, 1, NULL));
                else if (k == TK_GATHER_ERRS)
                    CORO_CATCH(self, self->st, CORO_GATHER(self, X(self)->tt, 2, X(self)->terrs));
                else if (k == TK_WAIT_FOR)
                    CORO_CATCH(self, self->st, CORO_WAIT_FOR(self, X(self)->tt[0], X(self)->tto));
                else if (k == TK_WAIT)
                    CORO_CATCH(self, self->st,
                               CORO_WAIT(self, X(self)->tt, 1,
                                         X(self)->tmode == 0   ? CORO_FIRST_COMPLETED
                                         : X(self)->tmode == 1 ? CORO_FIRST_EXCEPTION
                                                               : CORO_ALL_COMPLETED,
                                         X(self)->tto, X(self)->tndone));
                else
                    CORO_CATCH(self, self->st, CORO_AS_COMPLETED(self, &X(self)->it, X(self)->tout));
                fx_twait_end(self);
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
    fx_finished(self, CORO_ERROR(self));
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
    fx_liveness();
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
    fx_init();
    ASSERT(coro_spawn(&L, &ticker_t, ticker, &ticker_f) == CORO_OK, "ticker");

    while (pos < len) {
        unsigned c = nb();
        switch (c % 8) {
        case 0:
        case 1:
            spawn_actor(NULL);
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
    fx_end();
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
