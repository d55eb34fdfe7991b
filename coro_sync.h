/* coro_sync.h - asyncio's Lock, Event, Semaphore, BoundedSemaphore and
 * Condition, plus an interrupt-safe flag, for coro.h.   v0.1.0
 *
 * Every object is a few bytes you declare (a Lock is 3 bytes on AVR), waits
 * FIFO on an intrusive coro_waitq, allocates nothing, and is
 * cancellation-safe: a waiter cancelled (or timed out) after it was chosen -
 * handed the lock, given a permit, notified - but before it ran passes what
 * it was given on to the next waiter. Built only on the public API of coro.h.
 *
 * USAGE
 *   #include "coro_sync.h" wherever you use it (it includes coro.h). Its few
 *   functions are compiled with coro.h's: in the one .c file that defines
 *   CORO_IMPLEMENTATION, include coro_sync.h there too.
 *
 * CONFIGURATION
 *   CORO_SYNC_ATOMIC   1 on hosted builds with GCC/Clang (CORO_CLOCK other than
 *                      CORO_CLOCK_USER), else 0: the flag's test-and-clear uses
 *                      __atomic_exchange_n (a signal handler or a thread may set
 *                      it) instead of CORO_CRITICAL_ENTER/EXIT (an interrupt).
 *
 * RULES
 *   1. UPPER CASE waits (and may end your coroutine with an error, which
 *      propagates like any await's); lower case never suspends. The await
 *      macros evaluate their arguments on every resume: pass addresses of
 *      objects, not expressions with side effects.
 *   2. Every wait is FIFO, and a wait on a free object takes it at once, with
 *      no suspension (a pending cancellation is then delivered at the next
 *      await, as in asyncio).
 *   3. Bound a wait in time with the core's timeout scope:
 *          CORO_TIMEOUT(self, &self->to, CORO_MS(50), CORO_LOCK(self, &lock));
 *      fails with CORO_ERR_TIMEOUT, the object untouched.
 *   4. `async with lock:` is CORO_LOCK paired with coro_lock_leave in the
 *      coroutine's CORO_FINALLY section, which runs on every way out (end,
 *      CORO_RETURN, error, cancellation). coro_lock_leave releases only if the
 *      running task holds the lock, so it is right even when the acquire itself
 *      was cancelled. Semaphores hand out anonymous permits: CORO_SEM_ENTER
 *      marks a byte of your frame, coro_sem_leave releases if it is marked.
 *   5. A Lock has no owner (asyncio): any task may release it; the holder is
 *      recorded for debugging (coro_lock_holder). Releasing to a waiter hands
 *      the lock over: it stays locked until that waiter runs (asyncio reports
 *      locked() False in that window, but lets nobody else take it either).
 *   6. Releasing, setting or notifying with tasks waiting needs the running
 *      loop (call it from a task or a callback): otherwise CORO_ERR_STATE and
 *      nothing changes.
 *
 * API (UPPER CASE may suspend; lower case never does)
 *   coro_lock: CORO_LOCK_INIT, coro_lock_init(l)
 *     CORO_LOCK(self, l)              acquire (FIFO, no queue jumping)
 *     coro_lock_try_acquire(l)        1 if acquired now, else 0
 *     coro_lock_release(l)            CORO_OK, CORO_ERR_NOT_LOCKED (unchanged)
 *     coro_lock_leave(l)              release if the running task holds it (1)
 *     coro_lock_locked(l), coro_lock_holder(l)   state; holder task or 0
 *   coro_event: CORO_EVENT_INIT, coro_event_init(e)
 *     CORO_EVENT_WAIT(self, e)        until set (at once if set)
 *     coro_event_set(e)               wake every waiter, stay set
 *     coro_event_clear(e), coro_event_is_set(e)
 *   coro_sem: CORO_SEM_INIT(v), CORO_BOUNDED_SEM_INIT(v)
 *     coro_sem_init(s, v), coro_sem_init_bounded(s, v)   v < 0: CORO_ERR_INVALID
 *     CORO_SEM_ACQUIRE(self, s)       take a permit (FIFO hand-off)
 *     CORO_SEM_ENTER(self, s, held)   the same, then held = 1 (scoped form)
 *     coro_sem_try_acquire(s)         1 if a permit was taken now
 *     coro_sem_release(s)             CORO_OK, CORO_ERR_OVERFLOW (unchanged)
 *     coro_sem_leave(s, &held)        release if held, clear it
 *     coro_sem_value(s), coro_sem_locked(s)
 *   coro_cond: CORO_COND_INIT(name), CORO_COND_INIT_SHARED(&lock)
 *     coro_cond_init(c, lock)         lock NULL: its own lock
 *     coro_cond_lock(c)               the lock: CORO_LOCK(self, coro_cond_lock(c))
 *     CORO_COND_WAIT(self, c)         release, wait for a notify, re-acquire
 *     CORO_COND_WAIT_FOR(self, c, pred)   until pred (re-evaluated each wake)
 *     coro_cond_notify(c, n), coro_cond_notify_all(c)   CORO_ERR_NOT_LOCKED
 *   coro_flag: CORO_FLAG_INIT, coro_flag_init(f)   (MicroPython ThreadSafeFlag)
 *     coro_flag_set(loop, f)          from an ISR, a signal handler, a thread
 *     CORO_FLAG_WAIT(self, f)         until set, then clear it (one waiter)
 *     coro_flag_clear(f), coro_flag_is_set(f)
 *
 * EXAMPLE (asyncio `async with lock: ...`)
 *   static coro_lock lock = CORO_LOCK_INIT;
 *   struct inc { coro_frame co; int temp; };
 *   static CORO_FN(inc, struct inc, self)
 *   {
 *       CORO_BEGIN(self);
 *       CORO_LOCK(self, &lock);
 *       self->temp = counter;
 *       CORO_SLEEP(self, CORO_MS(1));
 *       counter = self->temp + 1;
 *       CORO_FINALLY(self);
 *       coro_lock_leave(&lock);
 *       CORO_END(self);
 *   }
 *
 * LICENSE: MIT, see the LICENSE file.
 */
#ifndef CORO_SYNC_H
#define CORO_SYNC_H
#include "coro.h"

#ifndef CORO_SYNC_ATOMIC
#if defined(__GNUC__) && defined(__ATOMIC_SEQ_CST) && CORO_CLOCK != CORO_CLOCK_USER
#define CORO_SYNC_ATOMIC 1
#else
#define CORO_SYNC_ATOMIC 0
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* "Held by no task": a lock taken outside any task (a callback, main). */
#define CORO_NO_TASK ((coro_task)CORO__NONE)

/* ---- Lock -------------------------------------------------------------------- */
/* holder: the task holding it (CORO_NO_TASK outside tasks), 0 when free. A
 * free lock never has waiters: a release hands it to the first one. */
typedef struct coro_lock {
    coro_task holder;
    coro_waitq q;
} coro_lock;
#define CORO_LOCK_INIT { 0, CORO_WAITQ_INIT }

static inline void coro_lock_init(coro_lock *l) { l->holder = 0; coro_waitq_init(&l->q); }
/* Nonzero while held (or handed to a waiter that has not run yet). */
static inline int coro_lock_locked(const coro_lock *l) { return l->holder != 0; }
/* The holder's task handle (CORO_NO_TASK: taken outside a task), 0 if free. */
static inline coro_task coro_lock_holder(const coro_lock *l) { return l->holder; }
/* Take the lock if it is free (then nobody waits): 1, else 0. Never suspends. */
CORO_API int coro_lock_try_acquire(coro_lock *l);
/* Release: the first waiter gets the lock (FIFO hand-off), or it becomes free.
 * CORO_ERR_NOT_LOCKED if it is not locked, CORO_ERR_STATE with waiters but no
 * running loop; either way nothing changes. Any task may release (asyncio). */
CORO_API coro_status coro_lock_release(coro_lock *l);
/* Release if the running task holds the lock; 1 if released. The exit half
 * of `async with lock`, for CORO_FINALLY. */
CORO_API int coro_lock_leave(coro_lock *l);
/* Acquire; suspends while the lock is held or others queue before us. Fails
 * with CORO_ERR_CANCELLED (or the timeout scope's CORO_ERR_TIMEOUT) without
 * the lock; a waiter handed the lock and cancelled before it ran passes it on. */
#define CORO_LOCK(self, l) CORO__AWAIT(self, coro__lock_start(l), coro__lock_resumed(l))
CORO_API coro_status coro__lock_start(coro_lock *l);
CORO_API coro_status coro__lock_resumed(coro_lock *l);

/* ---- Event ------------------------------------------------------------------- */
typedef struct coro_event {
    coro_waitq q;
    uint8_t set;
} coro_event;
#define CORO_EVENT_INIT { CORO_WAITQ_INIT, 0 }

static inline void coro_event_init(coro_event *e) { coro_waitq_init(&e->q); e->set = 0; }
static inline int coro_event_is_set(const coro_event *e) { return e->set; }
/* Re-arm: later waits suspend. Waiters already woken by a set stay woken. */
static inline void coro_event_clear(coro_event *e) { e->set = 0; }
/* Set and wake every waiter (they run in FIFO order); a no-op if set.
 * CORO_ERR_STATE with waiters but no running loop (nothing changes). */
CORO_API coro_status coro_event_set(coro_event *e);
/* Wait until the event is set; returns at once (no suspension) if it is. */
#define CORO_EVENT_WAIT(self, e) CORO__AWAIT(self, coro__event_start(e), coro__event_resumed())
CORO_API coro_status coro__event_start(coro_event *e);
CORO_API coro_status coro__event_resumed(void);

/* ---- Semaphore and BoundedSemaphore -------------------------------------------- */
/* value: free permits; bound: the most it may hold (CORO_SEM_MAX for a plain
 * semaphore, the initial value for a bounded one). Waiters exist only while
 * value is 0: a release hands its permit straight to the first waiter. */
#define CORO_SEM_MAX 0xFFFFu
typedef struct coro_sem {
    uint16_t value, bound;
    coro_waitq q;
} coro_sem;
#define CORO_SEM_INIT(v) { (uint16_t)(v), CORO_SEM_MAX, CORO_WAITQ_INIT }
#define CORO_BOUNDED_SEM_INIT(v) { (uint16_t)(v), (uint16_t)(v), CORO_WAITQ_INIT }

/* asyncio.Semaphore(value): CORO_ERR_INVALID for value < 0 or > CORO_SEM_MAX. */
CORO_API coro_status coro_sem_init(coro_sem *s, long value);
/* asyncio.BoundedSemaphore(value): releases beyond value fail. */
CORO_API coro_status coro_sem_init_bounded(coro_sem *s, long value);
static inline unsigned coro_sem_value(const coro_sem *s) { return s->value; }
/* Nonzero if an acquire would wait: no permit, or tasks queued (FIFO). */
static inline int coro_sem_locked(const coro_sem *s) { return s->value == 0 || !coro_waitq_empty(&s->q); }
/* Take a permit if one is free and nobody queues: 1, else 0. */
CORO_API int coro_sem_try_acquire(coro_sem *s);
/* Return a permit: to the first waiter, else to the count. CORO_ERR_OVERFLOW
 * past the bound (BoundedSemaphore; CORO_SEM_MAX for a plain one: the
 * counter never wraps), CORO_ERR_STATE with waiters but no running loop;
 * either way nothing changes. */
CORO_API coro_status coro_sem_release(coro_sem *s);
/* Acquire a permit; suspends while none is free or others queue before us. A
 * waiter given a permit and cancelled before it ran gives it back. */
#define CORO_SEM_ACQUIRE(self, s) CORO__AWAIT(self, coro__sem_start(s), coro__sem_resumed(s))
/* Scoped form: acquire, then set the frame byte held to 1; in CORO_FINALLY
 * call coro_sem_leave(s, &held), which releases only if held was set. */
#define CORO_SEM_ENTER(self, s, held)                                      \
    do {                                                                   \
        CORO_SEM_ACQUIRE(self, s);                                         \
        if (coro__st == CORO_OK) /* not when CORO_CATCH caught a failure */ \
            (held) = 1;                                                    \
    } while (0)
static inline coro_status coro_sem_leave(coro_sem *s, uint8_t *held)
{
    if (!*held)
        return CORO_OK;
    *held = 0;
    return coro_sem_release(s);
}
CORO_API coro_status coro__sem_start(coro_sem *s);
CORO_API coro_status coro__sem_resumed(coro_sem *s);

/* ---- Condition ------------------------------------------------------------------ */
typedef struct coro_cond {
    coro_lock *lock; /* &own, or a shared lock */
    coro_lock own;
    coro_waitq q;
} coro_cond;
/* Static initializers: its own lock (name: the variable) or a shared one. */
#define CORO_COND_INIT(name) { &(name).own, CORO_LOCK_INIT, CORO_WAITQ_INIT }
#define CORO_COND_INIT_SHARED(lockp) { (lockp), CORO_LOCK_INIT, CORO_WAITQ_INIT }

/* lock NULL: the condition uses its own lock. */
static inline void coro_cond_init(coro_cond *c, coro_lock *lock)
{
    coro_lock_init(&c->own);
    c->lock = lock ? lock : &c->own;
    coro_waitq_init(&c->q);
}
static inline coro_lock *coro_cond_lock(coro_cond *c) { return c->lock; }
static inline int coro_cond_locked(const coro_cond *c) { return c->lock->holder != 0; }
/* Wake up to n waiters (FIFO; fewer waiting is fine). The lock must be held
 * (CORO_ERR_NOT_LOCKED) and stays held: they return once it is released. */
CORO_API coro_status coro_cond_notify(coro_cond *c, unsigned n);
#define coro_cond_notify_all(c) coro_cond_notify((c), ~0u)
/* Release the lock, wait for a notify, re-acquire the lock. Always returns
 * holding the lock, even when cancelled or timed out (the re-acquire waits
 * through cancellations, which are then reported); on any such error the
 * notification it may have consumed is passed to the next waiter.
 * CORO_ERR_NOT_LOCKED if the lock is not held. */
#define CORO_COND_WAIT(self, c) CORO__AWAIT(self, coro__cond_start(c), coro__cond_resumed(c))
/* asyncio wait_for(predicate): while pred is false, CORO_COND_WAIT. pred is
 * re-evaluated after every wake; true at once: no lock needed. Stops at the
 * first error (inside CORO_CATCH or CORO_TIMEOUT too). */
#define CORO_COND_WAIT_FOR(self, c, pred)                                  \
    do {                                                                   \
        while (!(pred)) {                                                  \
            CORO_COND_WAIT(self, c);                                       \
            if (coro__st != CORO_OK)                                       \
                break;                                                     \
        }                                                                  \
    } while (0)
CORO_API coro_status coro__cond_start(coro_cond *c);
CORO_API coro_status coro__cond_resumed(coro_cond *c);

/* ---- Interrupt-safe flag -------------------------------------------------------- */
/* Set from anywhere (ISR, signal handler, thread) with coro_flag_set; one task
 * awaits it. While a task waits, the flag is a poll hook of the loop (and arms
 * it): the set's coro_loop_wakeup makes the loop poll it and wake the task.
 * Edges are never lost: the bit stays set until a waiter consumes it. */
typedef struct coro_flag {
    coro_poll hook;     /* first member: the loop calls coro__flag_poll */
    coro_waitq q;
    volatile uint8_t set;
    uint8_t watched;    /* hook registered, loop armed */
} coro_flag;
CORO_API void coro__flag_poll(coro_loop *loop, coro_poll *hook);
#define CORO_FLAG_INIT { { NULL, coro__flag_poll }, CORO_WAITQ_INIT, 0, 0 }

static inline void coro_flag_init(coro_flag *f)
{
    f->hook.next = NULL;
    f->hook.fn = coro__flag_poll;
    coro_waitq_init(&f->q);
    f->set = 0;
    f->watched = 0;
}
/* Set the flag and wake the loop: safe from an interrupt, a signal handler
 * or another thread. Setting a set flag is a no-op. */
static inline void coro_flag_set(coro_loop *loop, coro_flag *f)
{
    f->set = 1;
    CORO_FENCE();
    coro_loop_wakeup(loop);
}
static inline int coro_flag_is_set(const coro_flag *f) { return f->set; }
static inline void coro_flag_clear(coro_flag *f) { f->set = 0; }
/* Wait until the flag is set, then clear it. At once if already set. */
#define CORO_FLAG_WAIT(self, f) CORO__AWAIT(self, coro__flag_start(f), coro__flag_resumed(f))
CORO_API coro_status coro__flag_start(coro_flag *f);
CORO_API coro_status coro__flag_resumed(coro_flag *f);

#ifdef __cplusplus
}
#endif

#endif /* CORO_SYNC_H */

/* ========================================================================== */
#if defined(CORO_IMPLEMENTATION) && !defined(CORO__SYNC_IMPLEMENTED)
#define CORO__SYNC_IMPLEMENTED

#ifdef __cplusplus
extern "C" {
#endif

/* The running task's handle (inside an await: never 0). */
static coro_task coro__sync_me(void)
{
    coro_loop *L = coro_running_loop();
    coro_task t = L ? coro_current_task(L) : 0;
    return t ? t : CORO_NO_TASK;
}

/* ---- Lock -------------------------------------------------------------------- */
/* Hand the lock to the first waiter, or free it. Needs the running loop only
 * if someone waits. */
static coro_status coro__lock_pass(coro_lock *l)
{
    coro_loop *L;
    if (coro_waitq_empty(&l->q)) {
        l->holder = 0;
        return CORO_OK;
    }
    L = coro_running_loop();
    if (!L)
        return CORO_ERR_STATE;
    l->holder = coro_waitq_notify(L, &l->q, CORO_OK);
    return CORO_OK;
}

CORO__DEF int coro_lock_try_acquire(coro_lock *l)
{
    CORO_ASSERT(l);
    if (l->holder)
        return 0;
    l->holder = coro__sync_me();
    return 1;
}

CORO__DEF coro_status coro_lock_release(coro_lock *l)
{
    CORO_ASSERT(l);
    if (!l->holder)
        return CORO_ERR_NOT_LOCKED;
    return coro__lock_pass(l);
}

CORO__DEF int coro_lock_leave(coro_lock *l)
{
    coro_loop *L = coro_running_loop();
    if (!l->holder || !L || l->holder != coro_current_task(L))
        return 0;
    return coro__lock_pass(l) == CORO_OK;
}

CORO__DEF coro_status coro__lock_start(coro_lock *l)
{
    if (coro_lock_try_acquire(l))
        return CORO_OK;
    return coro_waitq_wait(&l->q);
}

CORO__DEF coro_status coro__lock_resumed(coro_lock *l)
{
    int chosen;
    coro_status st = coro_waitq_resumed(&chosen);
    /* Handed the lock, then cancelled before running: pass it on. */
    if (st != CORO_OK && chosen && l->holder == coro__sync_me())
        coro__lock_pass(l);
    return st;
}

/* ---- Event ------------------------------------------------------------------- */
CORO__DEF coro_status coro_event_set(coro_event *e)
{
    CORO_ASSERT(e);
    if (e->set)
        return CORO_OK;
    if (!coro_waitq_empty(&e->q)) {
        coro_loop *L = coro_running_loop();
        if (!L)
            return CORO_ERR_STATE;
        coro_waitq_notify_all(L, &e->q, CORO_OK);
    }
    e->set = 1;
    return CORO_OK;
}

CORO__DEF coro_status coro__event_start(coro_event *e)
{
    return e->set ? (coro_status)CORO_OK : coro_waitq_wait(&e->q);
}

CORO__DEF coro_status coro__event_resumed(void)
{
    int chosen;
    return coro_waitq_resumed(&chosen); /* nothing handed out: nothing to pass on */
}

/* ---- Semaphore --------------------------------------------------------------- */
static coro_status coro__sem_init(coro_sem *s, long value, int bounded)
{
    CORO_ASSERT(s);
    if (value < 0 || value > (long)CORO_SEM_MAX)
        return CORO_ERR_INVALID;
    s->value = (uint16_t)value;
    s->bound = bounded ? (uint16_t)value : (uint16_t)CORO_SEM_MAX;
    coro_waitq_init(&s->q);
    return CORO_OK;
}
CORO__DEF coro_status coro_sem_init(coro_sem *s, long value) { return coro__sem_init(s, value, 0); }
CORO__DEF coro_status coro_sem_init_bounded(coro_sem *s, long value) { return coro__sem_init(s, value, 1); }

CORO__DEF int coro_sem_try_acquire(coro_sem *s)
{
    CORO_ASSERT(s);
    if (coro_sem_locked(s))
        return 0;
    s->value--;
    return 1;
}

/* A permit comes back: to the first waiter (hand-off), else to the count. */
static coro_status coro__sem_give(coro_sem *s)
{
    coro_loop *L;
    if (coro_waitq_empty(&s->q)) {
        if (s->value < s->bound) /* only an over-release by others could fill it */
            s->value++;
        return CORO_OK;
    }
    L = coro_running_loop();
    if (!L)
        return CORO_ERR_STATE;
    coro_waitq_notify(L, &s->q, CORO_OK);
    return CORO_OK;
}

CORO__DEF coro_status coro_sem_release(coro_sem *s)
{
    CORO_ASSERT(s);
    if (s->value >= s->bound)
        return CORO_ERR_OVERFLOW;
    return coro__sem_give(s);
}

CORO__DEF coro_status coro__sem_start(coro_sem *s)
{
    if (coro_sem_try_acquire(s))
        return CORO_OK;
    return coro_waitq_wait(&s->q);
}

CORO__DEF coro_status coro__sem_resumed(coro_sem *s)
{
    int chosen;
    coro_status st = coro_waitq_resumed(&chosen);
    if (st != CORO_OK && chosen) /* given a permit, then cancelled: give it back */
        coro__sem_give(s);
    return st;
}

/* ---- Condition ------------------------------------------------------------------- */
CORO__DEF coro_status coro_cond_notify(coro_cond *c, unsigned n)
{
    coro_loop *L;
    CORO_ASSERT(c && c->lock);
    if (!c->lock->holder)
        return CORO_ERR_NOT_LOCKED;
    if (coro_waitq_empty(&c->q) || n == 0)
        return CORO_OK;
    L = coro_running_loop();
    if (!L)
        return CORO_ERR_STATE;
    while (n-- && coro_waitq_notify(L, &c->q, CORO_OK))
        ;
    return CORO_OK;
}

/* Holding the lock again: on an error, pass a notification on (asyncio
 * gh-112202: it may have been consumed; a spurious wakeup is allowed). */
static coro_status coro__cond_done(coro_cond *c, coro_status st)
{
    if (st != CORO_OK)
        coro_cond_notify(c, 1);
    return st;
}

/* Re-acquire after the wait on the condition ended with st. */
static coro_status coro__cond_relock(coro_cond *c, coro_status st)
{
    coro_loop *L;
    if (coro_lock_try_acquire(c->lock))
        return coro__cond_done(c, st);
    L = coro_running_loop();
    if (st != CORO_OK) /* remember it: reported once the lock is ours */
        coro_task_cancel(L, coro_current_task(L));
    return coro_waitq_wait_shielded(&c->lock->q);
}

CORO__DEF coro_status coro__cond_start(coro_cond *c)
{
    coro_status st;
    CORO_ASSERT(c && c->lock);
    if (!c->lock->holder)
        return CORO_ERR_NOT_LOCKED;
    st = coro_waitq_wait(&c->q);
    if (st != CORO__PENDING)
        return st; /* cancelled before waiting: the lock was never let go */
    coro__lock_pass(c->lock);
    return CORO__PENDING;
}

CORO__DEF coro_status coro__cond_resumed(coro_cond *c)
{
    int chosen;
    coro_status st = coro_waitq_resumed(&chosen);
    if (c->lock->holder == coro__sync_me())
        return coro__cond_done(c, st); /* handed the lock: the wait is over */
    return coro__cond_relock(c, st);   /* woken from the condition */
}

/* ---- Interrupt-safe flag ------------------------------------------------------------ */
/* Test and clear the flag, atomically with respect to coro_flag_set. */
static int coro__flag_take(coro_flag *f)
{
    int v;
#if CORO_SYNC_ATOMIC
    v = __atomic_exchange_n(&f->set, (uint8_t)0, __ATOMIC_SEQ_CST);
#else
    CORO_CRITICAL_ENTER();
    v = f->set;
    f->set = 0;
    CORO_CRITICAL_EXIT();
#endif
    return v;
}

/* The loop's poll hook, after a wakeup: a set flag wakes its waiters (the
 * first to run consumes it; an edge is never lost). */
CORO__DEF void coro__flag_poll(coro_loop *L, coro_poll *hook)
{
    coro_flag *f = (coro_flag *)(void *)hook;
    if (f->set)
        coro_waitq_notify_all(L, &f->q, CORO_OK);
}

static void coro__flag_unwatch(coro_flag *f)
{
    coro_loop *L = coro_running_loop();
    if (f->watched && coro_waitq_empty(&f->q)) {
        f->watched = 0;
        coro_loop_poll_remove(L, &f->hook);
        coro_loop_arm(L, -1);
    }
}

CORO__DEF coro_status coro__flag_start(coro_flag *f)
{
    coro_loop *L = coro_running_loop();
    coro_status st;
    if (coro__flag_take(f))
        return CORO_OK;
    st = coro_waitq_wait(&f->q);
    if (st == CORO__PENDING && !f->watched) {
        /* A set from now on wakes the loop, which polls the hook: no race
         * with the check above, whose set would have woken it too. */
        f->watched = 1;
        coro_loop_poll_add(L, &f->hook);
        coro_loop_arm(L, 1);
    }
    return st;
}

CORO__DEF coro_status coro__flag_resumed(coro_flag *f)
{
    int chosen;
    coro_status st = coro_waitq_resumed(&chosen);
    if (st == CORO_OK) {
        if (coro__flag_take(f))
            st = CORO_OK;
        else if ((st = coro_waitq_wait(&f->q)) == CORO__PENDING)
            return st; /* another waiter consumed it: wait again */
    }
    coro__flag_unwatch(f);
    return st;
}

#ifdef __cplusplus
}
#endif

#endif /* CORO_IMPLEMENTATION */
