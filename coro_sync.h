/* coro_sync.h - asyncio's Lock, Event, Semaphore, BoundedSemaphore and
 * Condition, plus an interrupt-safe flag, for coro.h.   v0.1.0
 *
 * Every object is a few bytes you declare (a Lock is 4 bytes on AVR), waits
 * FIFO on an intrusive coro_waitq, allocates nothing, is valid all-zero (a
 * static without initializer, in .bss: a free Lock, a clear Event and flag,
 * a Condition with its own lock, Semaphore(0)), and is
 * cancellation-safe: a waiter cancelled (or timed out) after it was chosen -
 * handed the lock, given a permit, notified - but before it ran passes what
 * it was given on to the next waiter. Built only on the public API of coro.h
 * (`make satellite-names` checks that it uses none of coro.h's private names).
 *
 * USAGE
 *   #include "coro_sync.h" wherever you use it (it includes coro.h). Its few
 *   functions are compiled with coro.h's: in the one .c file that defines
 *   CORO_IMPLEMENTATION, include coro_sync.h there too.
 *
 * CONFIGURATION
 *   (each knob: name, default, meaning)
 *   CORO_SYNC_ATOMIC   1 hosted with GCC/Clang, else 0
 *                      1: the flag's test-and-clear uses __atomic_exchange_n
 *                      (a signal handler or a thread may set it) instead of
 *                      CORO_CRITICAL_ENTER/EXIT (an interrupt). "Hosted": a
 *                      CORO_CLOCK other than CORO_CLOCK_USER.
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
 *      the lock over: until that waiter runs, nobody else can take it, a
 *      second release fails with CORO_ERR_NOT_LOCKED and coro_lock_locked()
 *      is 0 (asyncio's "Lock is not acquired" and locked() False): never two
 *      holders.
 *   6. Releasing, setting or notifying with tasks waiting needs the running
 *      loop (call it from a task or a callback): otherwise CORO_ERR_STATE and
 *      nothing changes.
 *
 * API (UPPER CASE may suspend; lower case never does)
 *   coro_lock: CORO_LOCK_INIT, coro_lock_init(l)
 *     CORO_LOCK(self, l)              acquire (FIFO, no queue jumping)
 *     coro_lock_try_acquire(l)        1 if acquired now, else 0
 *     coro_lock_release(l)            CORO_OK, CORO_ERR_NOT_LOCKED (unchanged;
 *                                     also before the waiter it went to ran)
 *     coro_lock_leave(l)              release if the running task holds it (1)
 *     coro_lock_locked(l), coro_lock_holder(l)   held (0 while handed over);
 *                                     holder task (or the one handed to) or 0
 *   coro_event: CORO_EVENT_INIT, coro_event_init(e)
 *     CORO_EVENT_WAIT(self, e)        until set (at once if set)
 *     coro_event_set(e)               wake every waiter, stay set
 *     coro_event_clear(e), coro_event_is_set(e)
 *   coro_sem: CORO_SEM_INIT(v), CORO_BOUNDED_SEM_INIT(v)   v not in 0..65535:
 *                                     a compile error
 *     coro_sem_init(s, v), coro_sem_init_bounded(s, v)   v < 0: CORO_ERR_INVALID,
 *                                     v > CORO_SEM_MAX: CORO_ERR_RANGE
 *     CORO_SEM_ACQUIRE(self, s)       take a permit (FIFO hand-off)
 *     CORO_SEM_ENTER(self, s, held)   the same, then held = 1 (scoped form)
 *     coro_sem_try_acquire(s)         1 if a permit was taken now
 *     coro_sem_release(s)             CORO_OK, CORO_ERR_OVERFLOW (unchanged)
 *     coro_sem_leave(s, &held)        release if held, clear it
 *     coro_sem_value(s), coro_sem_locked(s)
 *   coro_cond: CORO_COND_INIT(name) (own lock), CORO_COND_INIT_SHARED(&lock)
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
#define CORO_NO_TASK ((coro_task)(coro_index)-1)

/* ---- Lock -------------------------------------------------------------------- */
/* holder: the task holding it (CORO_NO_TASK outside tasks), or the waiter a
 * release handed it to; 0 when free. handed: 1 from that hand-off until the
 * waiter runs (the hand-off window). A free lock never has waiters: a release
 * hands it to the first one. All-zero (a static without initializer) is a
 * free lock, the same as CORO_LOCK_INIT and coro_lock_init. */
typedef struct coro_lock {
    coro_task holder;
    coro_waitq q;
    uint8_t handed;
} coro_lock;
#define CORO_LOCK_INIT { 0, CORO_WAITQ_INIT, 0 }

static inline void coro_lock_init(coro_lock *l) { l->holder = 0; coro_waitq_init(&l->q); l->handed = 0; }
/* Nonzero while a task (or code outside tasks) holds the lock. 0 in the
 * hand-off window, as asyncio's locked(): a release handed the lock to a
 * waiter that has not run yet. Nobody else can take it then (try_acquire
 * fails, CORO_LOCK queues behind that waiter), and a release fails with
 * CORO_ERR_NOT_LOCKED: locked() is exactly "a release would succeed". */
static inline int coro_lock_locked(const coro_lock *l) { return l->holder != 0 && !l->handed; }
/* The holder's task handle (CORO_NO_TASK: taken outside a task), in the
 * hand-off window the waiter it was handed to; 0 if free. For debugging. */
static inline coro_task coro_lock_holder(const coro_lock *l) { return l->holder; }
/* Take the lock if it is free (then nobody waits): 1, else 0. Never suspends. */
CORO_API int coro_lock_try_acquire(coro_lock *l);
/* Release: the first waiter gets the lock (FIFO hand-off), or it becomes free.
 * CORO_ERR_NOT_LOCKED if it is not locked, in the hand-off window too (a
 * second release before the waiter it was handed to ran: asyncio's "Lock is
 * not acquired"), CORO_ERR_STATE with waiters but no running loop; either way
 * nothing changes. Any task may release a held lock (asyncio). */
CORO_API coro_status coro_lock_release(coro_lock *l);
/* Release if the running task holds the lock; 1 if released. The exit half
 * of `async with lock`, for CORO_FINALLY. */
CORO_API int coro_lock_leave(coro_lock *l);
/* Acquire; suspends while the lock is held or others queue before us. Fails
 * with CORO_ERR_CANCELLED (or the timeout scope's CORO_ERR_TIMEOUT) without
 * the lock; a waiter handed the lock and cancelled before it ran passes it on. */
#define CORO_LOCK(self, l) CORO_AWAIT_ON(self, coro__lock_start(l), coro__lock_resumed(l))
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
#define CORO_EVENT_WAIT(self, e) CORO_AWAIT_ON(self, coro__event_start(e), coro__event_resumed())
CORO_API coro_status coro__event_start(coro_event *e);
CORO_API coro_status coro__event_resumed(void);

/* ---- Semaphore and BoundedSemaphore -------------------------------------------- */
/* value: free permits. nbound: CORO_SEM_MAX minus the most it may hold, so 0
 * is a plain semaphore (bound CORO_SEM_MAX) and a bounded one stores
 * CORO_SEM_MAX minus its initial value: all-zero (a static without
 * initializer) is asyncio.Semaphore(0), the same as CORO_SEM_INIT(0).
 * Waiters exist only while value is 0: a release hands its permit straight
 * to the first waiter. */
#define CORO_SEM_MAX 0xFFFFu
typedef struct coro_sem {
    uint16_t value, nbound;
    coro_waitq q;
} coro_sem;
/* Static initializers. v: a constant expression from 0 to CORO_SEM_MAX;
 * anything else (CORO_SEM_INIT(70000), CORO_SEM_INIT(-1)) is a compile error,
 * a negative array size in CORO__SEM_VALUE_MUST_BE_0_TO_65535, instead of a
 * silent wrap to 4,464 or 65,535 permits. */
#define CORO_SEM_INIT(v) { CORO__SEM_V(v), 0, CORO_WAITQ_INIT }
#define CORO_BOUNDED_SEM_INIT(v) { CORO__SEM_V(v), (uint16_t)(CORO_SEM_MAX - CORO__SEM_V(v)), CORO_WAITQ_INIT }
#define CORO__SEM_V(v) ((uint16_t)((v) + 0u * sizeof(char[CORO__SEM_VALUE_MUST_BE_0_TO_65535(v)])))
#define CORO__SEM_VALUE_MUST_BE_0_TO_65535(v) ((uintmax_t)(v) <= CORO_SEM_MAX ? 1 : -1)
static inline uint16_t coro__sem_bound(const coro_sem *s) { return (uint16_t)(CORO_SEM_MAX - s->nbound); }

/* asyncio.Semaphore(value): CORO_ERR_INVALID for value < 0 (asyncio's
 * ValueError), CORO_ERR_RANGE above CORO_SEM_MAX; either way s is unchanged. */
CORO_API coro_status coro_sem_init(coro_sem *s, long value);
/* asyncio.BoundedSemaphore(value): releases beyond value fail. The same
 * errors as coro_sem_init. */
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
#define CORO_SEM_ACQUIRE(self, s) CORO_AWAIT_ON(self, coro__sem_start(s), coro__sem_resumed(s))
/* Scoped form: acquire, then set the frame byte held to 1; in CORO_FINALLY
 * call coro_sem_leave(s, &held), which releases only if held was set. */
#define CORO_SEM_ENTER(self, s, held)                                      \
    do {                                                                   \
        CORO_SEM_ACQUIRE(self, s);                                         \
        if (CORO_STATUS(self) == CORO_OK) /* not when CORO_CATCH caught one */ \
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
    coro_lock *lock; /* a shared lock, or NULL: own */
    coro_lock own;
    coro_waitq q;
} coro_cond;
/* Static initializers: its own lock or a shared one. All-zero (a static
 * without initializer) is a condition with its own lock, the same as
 * CORO_COND_INIT and coro_cond_init(c, NULL). name is no longer used (kept
 * so that existing code compiles). */
#define CORO_COND_INIT(name) { NULL, CORO_LOCK_INIT, CORO_WAITQ_INIT }
#define CORO_COND_INIT_SHARED(lockp) { (lockp), CORO_LOCK_INIT, CORO_WAITQ_INIT }

/* lock NULL (or &c->own): the condition uses its own lock. */
static inline void coro_cond_init(coro_cond *c, coro_lock *lock)
{
    coro_lock_init(&c->own);
    c->lock = lock == &c->own ? NULL : lock;
    coro_waitq_init(&c->q);
}
/* The condition's lock: the shared one, or its own. */
static inline coro_lock *coro_cond_lock(coro_cond *c) { return c->lock ? c->lock : &c->own; }
static inline int coro_cond_locked(const coro_cond *c) { return coro_lock_locked(c->lock ? c->lock : &c->own); }
/* Wake up to n waiters (FIFO; fewer waiting is fine). The lock must be held
 * (CORO_ERR_NOT_LOCKED) and stays held: they return once it is released. */
CORO_API coro_status coro_cond_notify(coro_cond *c, unsigned n);
#define coro_cond_notify_all(c) coro_cond_notify((c), ~0u)
/* Release the lock, wait for a notify, re-acquire the lock. Always returns
 * holding the lock, even when cancelled or timed out (the re-acquire waits
 * through cancellations, which are then reported); on any such error the
 * notification it may have consumed is passed to the next waiter.
 * CORO_ERR_NOT_LOCKED if the lock is not held. */
#define CORO_COND_WAIT(self, c) CORO_AWAIT_ON(self, coro__cond_start(c), coro__cond_resumed(c))
/* asyncio wait_for(predicate): while pred is false, CORO_COND_WAIT. pred is
 * re-evaluated after every wake; true at once: no lock needed. Stops at the
 * first error (inside CORO_CATCH or CORO_TIMEOUT too). */
#define CORO_COND_WAIT_FOR(self, c, pred)                                  \
    do {                                                                   \
        while (!(pred)) {                                                  \
            CORO_COND_WAIT(self, c);                                       \
            if (CORO_STATUS(self) != CORO_OK)                              \
                break;                                                     \
        }                                                                  \
    } while (0)
CORO_API coro_status coro__cond_start(coro_cond *c);
CORO_API coro_status coro__cond_resumed(coro_cond *c);

/* ---- Interrupt-safe flag -------------------------------------------------------- */
/* Set from anywhere (ISR, signal handler, thread) with coro_flag_set; one task
 * awaits it. While a task waits, the flag is watched (coro_watch: a poll hook
 * of the loop, which it arms): the set's coro_loop_wakeup makes the loop poll
 * it and wake the task.
 * Edges are never lost: the bit stays set until a waiter consumes it.
 * All-zero (a static without initializer) is a clear flag, the same as
 * CORO_FLAG_INIT and coro_flag_init. */
typedef struct coro_flag {
    coro_watch watch;   /* first member: its hook is the flag; watching while tasks wait */
    coro_waitq q;
    volatile uint8_t set;
} coro_flag;
CORO_API void coro__flag_poll(coro_loop *loop, coro_poll *hook);
#define CORO_FLAG_INIT { CORO_WATCH_INIT, CORO_WAITQ_INIT, 0 }

static inline void coro_flag_init(coro_flag *f)
{
    coro_watch_init(&f->watch);
    coro_waitq_init(&f->q);
    f->set = 0;
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
#define CORO_FLAG_WAIT(self, f) CORO_AWAIT_ON(self, coro__flag_start(f), coro__flag_resumed(f))
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
        l->handed = 0;
        return CORO_OK;
    }
    L = coro_running_loop();
    if (!L)
        return CORO_ERR_STATE;
    l->holder = coro_waitq_notify(L, &l->q, CORO_OK);
    l->handed = 1; /* until that waiter runs: nobody may release or take it */
    return CORO_OK;
}

/* Take the lock if it is free (holder 0: neither held nor handed over). */
static int coro__lock_take(coro_lock *l)
{
    if (l->holder)
        return 0;
    l->holder = coro__sync_me();
    return 1;
}

/* The waiter the lock was handed to runs: it holds the lock now. */
static int coro__lock_mine(coro_lock *l)
{
    if (!l->handed || l->holder != coro__sync_me())
        return 0;
    l->handed = 0;
    return 1;
}

CORO_DEF int coro_lock_try_acquire(coro_lock *l)
{
    CORO_REQUIRE(l != NULL, "coro_lock_try_acquire: NULL lock");
    return coro__lock_take(l);
}

CORO_DEF coro_status coro_lock_release(coro_lock *l)
{
    CORO_REQUIRE(l != NULL, "coro_lock_release: NULL lock");
    if (!coro_lock_locked(l)) /* free, or handed to a waiter that has not run */
        return CORO_ERR_NOT_LOCKED;
    return coro__lock_pass(l);
}

CORO_DEF int coro_lock_leave(coro_lock *l)
{
    coro_loop *L = coro_running_loop();
    CORO_REQUIRE(l != NULL, "coro_lock_leave: NULL lock");
    if (!coro_lock_locked(l) || !L || l->holder != coro_current_task(L))
        return 0;
    return coro__lock_pass(l) == CORO_OK;
}

CORO_DEF coro_status coro__lock_start(coro_lock *l)
{
    CORO_REQUIRE(l != NULL, "CORO_LOCK: NULL lock");
    if (coro__lock_take(l))
        return CORO_OK;
    return coro_waitq_wait(&l->q);
}

CORO_DEF coro_status coro__lock_resumed(coro_lock *l)
{
    int chosen;
    coro_status st = coro_waitq_resumed(&chosen);
    /* Handed the lock: it is ours now; cancelled before running: pass it on. */
    if (chosen && coro__lock_mine(l) && st != CORO_OK)
        coro__lock_pass(l);
    return st;
}

/* ---- Event ------------------------------------------------------------------- */
CORO_DEF coro_status coro_event_set(coro_event *e)
{
    CORO_REQUIRE(e != NULL, "coro_event_set: NULL event");
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

CORO_DEF coro_status coro__event_start(coro_event *e)
{
    CORO_REQUIRE(e != NULL, "CORO_EVENT_WAIT: NULL event");
    return e->set ? (coro_status)CORO_OK : coro_waitq_wait(&e->q);
}

CORO_DEF coro_status coro__event_resumed(void)
{
    int chosen;
    return coro_waitq_resumed(&chosen); /* nothing handed out: nothing to pass on */
}

/* ---- Semaphore --------------------------------------------------------------- */
static coro_status coro__sem_init(coro_sem *s, long value, int bounded)
{
    CORO_REQUIRE(s != NULL, "coro_sem_init: NULL semaphore");
    if (value < 0)
        return CORO_ERR_INVALID;
    if (value > (long)CORO_SEM_MAX)
        return CORO_ERR_RANGE;
    s->value = (uint16_t)value;
    s->nbound = bounded ? (uint16_t)(CORO_SEM_MAX - (uint16_t)value) : 0;
    coro_waitq_init(&s->q);
    return CORO_OK;
}
CORO_DEF coro_status coro_sem_init(coro_sem *s, long value) { return coro__sem_init(s, value, 0); }
CORO_DEF coro_status coro_sem_init_bounded(coro_sem *s, long value) { return coro__sem_init(s, value, 1); }

/* Take a permit if one is free and nobody queues. */
static int coro__sem_take(coro_sem *s)
{
    if (coro_sem_locked(s))
        return 0;
    s->value--;
    return 1;
}

CORO_DEF int coro_sem_try_acquire(coro_sem *s)
{
    CORO_REQUIRE(s != NULL, "coro_sem_try_acquire: NULL semaphore");
    return coro__sem_take(s);
}

/* A permit comes back: to the first waiter (hand-off), else to the count. */
static coro_status coro__sem_give(coro_sem *s)
{
    coro_loop *L;
    if (coro_waitq_empty(&s->q)) {
        if (s->value < coro__sem_bound(s)) /* only an over-release by others could fill it */
            s->value++;
        return CORO_OK;
    }
    L = coro_running_loop();
    if (!L)
        return CORO_ERR_STATE;
    coro_waitq_notify(L, &s->q, CORO_OK);
    return CORO_OK;
}

CORO_DEF coro_status coro_sem_release(coro_sem *s)
{
    CORO_REQUIRE(s != NULL, "coro_sem_release: NULL semaphore");
    if (s->value >= coro__sem_bound(s))
        return CORO_ERR_OVERFLOW;
    return coro__sem_give(s);
}

CORO_DEF coro_status coro__sem_start(coro_sem *s)
{
    CORO_REQUIRE(s != NULL, "CORO_SEM_ACQUIRE: NULL semaphore");
    if (coro__sem_take(s))
        return CORO_OK;
    return coro_waitq_wait(&s->q);
}

CORO_DEF coro_status coro__sem_resumed(coro_sem *s)
{
    int chosen;
    coro_status st = coro_waitq_resumed(&chosen);
    if (st != CORO_OK && chosen) /* given a permit, then cancelled: give it back */
        coro__sem_give(s);
    return st;
}

/* ---- Condition ------------------------------------------------------------------- */
CORO_DEF coro_status coro_cond_notify(coro_cond *c, unsigned n)
{
    coro_loop *L;
    CORO_REQUIRE(c != NULL, "coro_cond_notify: NULL condition");
    if (!coro_lock_locked(coro_cond_lock(c)))
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

/* Re-acquire l, c's lock, after the wait on the condition ended with st. */
static coro_status coro__cond_relock(coro_cond *c, coro_lock *l, coro_status st)
{
    coro_loop *L;
    if (coro__lock_take(l))
        return coro__cond_done(c, st);
    L = coro_running_loop();
    if (st != CORO_OK) /* remember it: reported once the lock is ours */
        coro_task_cancel(L, coro_current_task(L));
    return coro_waitq_wait_shielded(&l->q);
}

CORO_DEF coro_status coro__cond_start(coro_cond *c)
{
    coro_status st;
    coro_lock *l;
    CORO_REQUIRE(c != NULL, "CORO_COND_WAIT: NULL condition");
    l = coro_cond_lock(c);
    if (!coro_lock_locked(l))
        return CORO_ERR_NOT_LOCKED;
    st = coro_waitq_wait(&c->q);
    if (st != CORO_PENDING)
        return st; /* cancelled before waiting: the lock was never let go */
    coro__lock_pass(l);
    return CORO_PENDING;
}

CORO_DEF coro_status coro__cond_resumed(coro_cond *c)
{
    int chosen;
    coro_lock *l = coro_cond_lock(c);
    coro_status st = coro_waitq_resumed(&chosen);
    if (coro__lock_mine(l))
        return coro__cond_done(c, st);  /* handed the lock: the wait is over */
    return coro__cond_relock(c, l, st); /* woken from the condition */
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
CORO_DEF void coro__flag_poll(coro_loop *L, coro_poll *hook)
{
    coro_flag *f = (coro_flag *)(void *)hook;
    if (f->set)
        coro_waitq_notify_all(L, &f->q, CORO_OK);
}

CORO_DEF coro_status coro__flag_start(coro_flag *f)
{
    coro_status st;
    if (coro__flag_take(f))
        return CORO_OK;
    st = coro_waitq_wait(&f->q);
    if (st == CORO_PENDING)
        /* A set from now on wakes the loop, which polls the hook: no race
         * with the check above, whose set would have woken it too (a set
         * wakes its loop whether watched or not). Idempotent. */
        coro_watch_start(coro_running_loop(), &f->watch, coro__flag_poll);
    return st;
}

CORO_DEF coro_status coro__flag_resumed(coro_flag *f)
{
    int chosen;
    coro_status st = coro_waitq_resumed(&chosen);
    /* Another waiter consumed it: wait again, watched again (the one that got
     * it stopped the watch if the queue looked empty: we had left it). */
    if (st == CORO_OK && (st = coro__flag_start(f)) == CORO_PENDING)
        return st;
    if (coro_watch_active(&f->watch) && coro_waitq_empty(&f->q)) /* the last waiter left */
        coro_watch_stop(coro_running_loop(), &f->watch);
    return st;
}

#ifdef __cplusplus
}
#endif

#endif /* CORO_IMPLEMENTATION */
