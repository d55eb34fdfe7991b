/* coro_sync.h - asyncio's Lock, Event, Semaphore, BoundedSemaphore,
 * Condition, Future and Barrier, plus an interrupt-safe flag, for coro.h.   v0.1.0
 *
 * Every object is a few bytes you declare (a Lock is 4 bytes on AVR), waits
 * FIFO on an intrusive coro_waitq, allocates nothing, is valid all-zero (a
 * static without initializer, in .bss: a free Lock, a clear Event and flag,
 * a Condition with its own lock, Semaphore(0), a pending Future,
 * Barrier(1)), and is
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
 *                      1: the flag's test-and-clear and a threadsafe future's
 *                      claim use __atomic builtins (a signal handler or a
 *                      thread may set them) instead of
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
 *   4. `async with lock:` is a block, followed by more code in the same
 *      coroutine, nested in any other scope (coro.h's CORO_WITH):
 *          CORO_WITH_LOCK(self, &lock) { ... } CORO_END_WITH(self);
 *      acquires, runs the block, and releases on every way out of it (normal
 *      end, error, cancellation, timeout, CORO_RETURN, break, continue); if
 *      the acquire fails (cancelled, timed out) the block never runs and
 *      nothing is released. CORO_WITH_SEM (Semaphore and BoundedSemaphore)
 *      and CORO_WITH_COND (the condition's lock) are the same. For a lock held
 *      to the coroutine's end, CORO_LOCK + coro_lock_leave in CORO_FINALLY
 *      (it releases only if the running task holds the lock, so it is right
 *      even when the acquire was cancelled) and CORO_SEM_ENTER +
 *      coro_sem_leave (a frame byte marks the permit) do the same.
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
 *     CORO_WITH_LOCK(self, l) { } CORO_END_WITH(self);   async with lock
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
 *     CORO_WITH_SEM(self, s) { } CORO_END_WITH(self);    async with sem
 *     CORO_SEM_ENTER(self, s, held)   acquire, then held = 1 (cleanup-section form)
 *     coro_sem_try_acquire(s)         1 if a permit was taken now
 *     coro_sem_release(s)             CORO_OK, CORO_ERR_OVERFLOW (unchanged)
 *     coro_sem_leave(s, &held)        release if held, clear it
 *     coro_sem_value(s), coro_sem_locked(s)
 *   coro_cond: CORO_COND_INIT(name) (own lock), CORO_COND_INIT_SHARED(&lock)
 *     coro_cond_init(c, lock)         lock NULL: its own lock
 *     coro_cond_lock(c)               the lock: CORO_LOCK(self, coro_cond_lock(c))
 *     CORO_WITH_COND(self, c) { } CORO_END_WITH(self);   async with cond
 *     CORO_COND_WAIT(self, c)         release, wait for a notify, re-acquire
 *     CORO_COND_WAIT_FOR(self, c, pred)   until pred (re-evaluated each wake)
 *     coro_cond_notify(c, n), coro_cond_notify_all(c)   CORO_ERR_NOT_LOCKED
 *   coro_flag: CORO_FLAG_INIT, coro_flag_init(f)   (MicroPython ThreadSafeFlag)
 *     coro_flag_set(loop, f)          from an ISR, a signal handler, a thread
 *     CORO_FLAG_WAIT(self, f)         until set, then clear it (one waiter)
 *     coro_flag_clear(f), coro_flag_is_set(f)
 *   coro_future: CORO_FUTURE_INIT, coro_future_init(f)   (loop.create_future();
 *                                     the value is an intptr_t: a number or a
 *                                     pointer cast to it)
 *     CORO_FUTURE_AWAIT(self, f, out) value = await fut (out: intptr_t *, or NULL);
 *                                     cancelling the awaiter cancels the future
 *     CORO_FUTURE_SHIELD(self, f, out)   await asyncio.shield(fut)
 *     coro_future_set_result(f, v), coro_future_set_error(f, err)
 *                                     CORO_ERR_STATE once done (unchanged)
 *     coro_future_cancel(f)           1 if it was pending
 *     coro_future_done(f), coro_future_cancelled(f)
 *     coro_future_result(f, &v)       CORO_OK and v, the error, CORO_ERR_CANCELLED,
 *                                     CORO_ERR_STATE while pending
 *     coro_future_add_done_callback(f, &node, fn, arg)   fn(arg) via call_soon
 *     coro_future_remove_done_callback(f, fn)   how many were removed
 *     CORO_FUTURE_INIT_THREADSAFE, coro_future_init_threadsafe(f): completed by
 *     coro_future_set_result_threadsafe(loop, f, v) / _set_error_threadsafe
 *                                     from an ISR, a signal handler, a thread
 *   coro_barrier: CORO_BARRIER_INIT(n), coro_barrier_init(b, n)   (all-zero: n = 1)
 *     CORO_BARRIER_WAIT(self, b, idx) wait for n tasks; idx (int lvalue): the
 *                                     arrival index, 0 first ... n - 1 last
 *     coro_barrier_reset(b), coro_barrier_abort(b)   waiters fail CORO_ERR_BROKEN
 *     coro_barrier_parties(b), coro_barrier_n_waiting(b), coro_barrier_broken(b)
 *
 * EXAMPLE (asyncio `async with lock: ...`)
 *   static coro_lock lock = CORO_LOCK_INIT;
 *   struct inc { coro_frame co; int temp; };
 *   static CORO_FN(inc, struct inc, self)
 *   {
 *       CORO_BEGIN(self);
 *       CORO_WITH_LOCK(self, &lock) {
 *           self->temp = counter;
 *           CORO_SLEEP(self, CORO_MS(1));
 *           counter = self->temp + 1;
 *       } CORO_END_WITH(self);
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
/* async with lock: acquire (as CORO_LOCK; if that fails the block never
 * runs), run the block, release on every way out of it; close the block with
 * CORO_END_WITH(self). l is evaluated at the acquire and at the release. */
#define CORO_WITH_LOCK(self, l) CORO_WITH(self, CORO_LOCK(self, l), (void)coro_lock_leave(l))
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
/* async with sem (Semaphore or BoundedSemaphore): acquire a permit (if that
 * fails the block never runs), run the block, give the permit back on every
 * way out of it; close with CORO_END_WITH(self). */
#define CORO_WITH_SEM(self, s) CORO_WITH(self, CORO_SEM_ACQUIRE(self, s), (void)coro_sem_release(s))
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
/* async with cond: CORO_WITH_LOCK on the condition's lock. */
#define CORO_WITH_COND(self, c) CORO_WITH_LOCK(self, coro_cond_lock(c))
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

/* ---- Future -------------------------------------------------------------------- */
/* asyncio.Future (loop.create_future()): a result that someone sets later and
 * any number of tasks await. The value is an intptr_t: an integer as wide as
 * a pointer, or a pointer cast to it (to data that outlives the readers);
 * a future carries no buffer of its own, so its size is fixed. Completed
 * once: set_result, set_error (asyncio's set_exception) or cancel; a second
 * completion is refused with CORO_ERR_STATE and changes nothing (asyncio's
 * InvalidStateError). Completing it wakes every awaiting task (FIFO) and runs
 * its done callbacks through one coro_call_soon (one callback slot while
 * they are due), in registration order, before the woken tasks run (asyncio
 * interleaves callbacks and awaiters in registration order: the same when
 * the callbacks were added before the tasks awaited).
 * Cancelling a task that awaits it (or the CORO_TIMEOUT scope around the
 * await expiring) cancels the future, as asyncio does, when that task runs
 * next (asyncio: inside task.cancel(), so it and the other awaiters report
 * in await order); CORO_FUTURE_SHIELD awaits without that (asyncio.shield).
 * From an interrupt, a signal handler or a thread, only
 * coro_future_set_result_threadsafe / _set_error_threadsafe, on a future
 * made with CORO_FUTURE_INIT_THREADSAFE or coro_future_init_threadsafe: it
 * stores the completion and wakes the loop, which completes the future at
 * the start of its next iteration (its poll hook, watched while tasks await
 * it or callbacks wait for it), or at the next call on it from the loop.
 * All-zero (a static without initializer) is a pending future, the same as
 * CORO_FUTURE_INIT and coro_future_init. */
typedef struct coro_future_cb {
    struct coro_future_cb *next;
    coro_callback fn;
    void *arg;
} coro_future_cb;
typedef struct coro_future {
    coro_watch watch;        /* first member: its hook is the future (threadsafe ones) */
    coro_future_cb *cbs;     /* done callbacks of a pending future, in order */
    intptr_t value;          /* the result */
    coro_waitq q;            /* awaiting tasks, FIFO */
    coro_status err;         /* CORO_OK: a result; else the error */
    volatile uint8_t state;  /* 0 pending, 1 claimed, 2 posted, 3 done, 4 cancelled */
    uint8_t threadsafe;      /* 1: an interrupt may complete it (watched) */
} coro_future;
#define CORO_FUTURE_INIT { CORO_WATCH_INIT, NULL, 0, CORO_WAITQ_INIT, 0, 0, 0 }
#define CORO_FUTURE_INIT_THREADSAFE { CORO_WATCH_INIT, NULL, 0, CORO_WAITQ_INIT, 0, 0, 1 }
/* A pending future (again): only when no task awaits it. */
static inline void coro_future_init(coro_future *f)
{
    coro_watch_init(&f->watch);
    f->cbs = NULL;
    f->value = 0;
    coro_waitq_init(&f->q);
    f->err = CORO_OK;
    f->state = 0;
    f->threadsafe = 0;
}
/* The same, for a future an interrupt, a signal handler or a thread completes. */
static inline void coro_future_init_threadsafe(coro_future *f)
{
    coro_future_init(f);
    f->threadsafe = 1;
}
/* asyncio set_result: complete with value, wake the awaiting tasks, schedule
 * the done callbacks. CORO_ERR_STATE if it is done already (or an interrupt's
 * completion is on its way), or if tasks await it but no loop runs;
 * CORO_ERR_NO_SLOT if it has done callbacks and no callback slot is free.
 * Either way nothing changes. Never suspends. */
CORO_API coro_status coro_future_set_result(coro_future *f, intptr_t value);
/* asyncio set_exception: complete with the error err (> 0: awaiting it fails
 * with err). CORO_ERR_INVALID for CORO_OK or a negative err; otherwise the
 * same as set_result. */
CORO_API coro_status coro_future_set_error(coro_future *f, coro_status err);
/* asyncio cancel: 1 if it was pending and is now cancelled (awaiting tasks
 * fail with CORO_ERR_CANCELLED, done callbacks scheduled); 0 if it was done
 * already, or set_result's CORO_ERR_STATE / CORO_ERR_NO_SLOT case. */
CORO_API int coro_future_cancel(coro_future *f);
/* Nonzero once completed (a result, an error or cancelled). */
CORO_API int coro_future_done(coro_future *f);
/* Nonzero if cancelled. */
CORO_API int coro_future_cancelled(coro_future *f);
/* asyncio result()/exception(): CORO_OK and *out (out may be NULL) gets the
 * value; the error set; CORO_ERR_CANCELLED if cancelled; CORO_ERR_STATE while
 * pending ("Result is not set"). Never suspends. */
CORO_API coro_status coro_future_result(coro_future *f, intptr_t *out);
/* asyncio add_done_callback: fn(arg) runs through coro_call_soon once the
 * future completes (callbacks in registration order), at once (scheduled) if
 * it is done. node is yours (a static or a frame field): it holds the
 * registration until fn is called (the completion chains the due callbacks
 * through their nodes: a node registered again before then cuts that chain
 * and the callbacks after it never run); one future at a time; fn may
 * register its node again.
 * CORO_ERR_INVALID for a NULL fn; for a done future CORO_ERR_NO_SLOT (no
 * callback slot) or CORO_ERR_STATE (no running loop). */
CORO_API coro_status coro_future_add_done_callback(coro_future *f, coro_future_cb *node, coro_callback fn, void *arg);
/* asyncio remove_done_callback: unregister every callback fn of a pending
 * future; the number removed (0 once done: its callbacks are scheduled). */
CORO_API int coro_future_remove_done_callback(coro_future *f, coro_callback fn);
/* `value = await fut`: wait until the future is done (at once if it is),
 * then its value in *out (an intptr_t *, may be NULL) and CORO_OK, or its
 * error, or CORO_ERR_CANCELLED if it was cancelled. Cancelling the awaiting
 * task (or its timeout scope expiring) cancels the future (asyncio). */
#define CORO_FUTURE_AWAIT(self, f, out) CORO_AWAIT_ON(self, coro__future_start(f, out, 0), coro__future_resumed(f, out, 0))
/* `await asyncio.shield(fut)`: the same, but cancelling the awaiting task
 * ends its await with CORO_ERR_CANCELLED and leaves the future pending. */
#define CORO_FUTURE_SHIELD(self, f, out) CORO_AWAIT_ON(self, coro__future_start(f, out, 1), coro__future_resumed(f, out, 1))
CORO_API coro_status coro__future_start(coro_future *f, intptr_t *out, int shield);
CORO_API coro_status coro__future_resumed(coro_future *f, intptr_t *out, int shield);
/* From an interrupt, a signal handler or another thread (loop.call_soon_
 * threadsafe(fut.set_result, value)): store the completion and wake loop;
 * the loop completes the future at its next iteration. 1 if stored; 0 if the
 * future was done or completing already (first completion wins), or for an
 * err not > 0. Only on a threadsafe future (CORO_FUTURE_INIT_THREADSAFE). */
CORO_API int coro__future_post(coro_loop *loop, coro_future *f, coro_status err, intptr_t value);
static inline int coro_future_set_result_threadsafe(coro_loop *loop, coro_future *f, intptr_t value)
{
    return coro__future_post(loop, f, CORO_OK, value);
}
static inline int coro_future_set_error_threadsafe(coro_loop *loop, coro_future *f, coro_status err)
{
    return err > 0 ? coro__future_post(loop, f, err, 0) : 0; /* CORO_OK is not an error */
}
CORO_API void coro__future_poll(coro_loop *loop, coro_poll *hook);

/* ---- Barrier ------------------------------------------------------------------- */
/* asyncio.Barrier (3.11): parties tasks meet; each wait returns its arrival
 * index (0 for the first, parties - 1 for the last, which releases the others
 * without suspending). While the released tasks drain out, new arrivals wait
 * for the next round. A broken barrier (abort) fails every wait with
 * CORO_ERR_BROKEN until reset; reset fails the tasks waiting now with
 * CORO_ERR_BROKEN and starts a fresh round once they left. A task cancelled
 * while filling leaves (n_waiting drops); one cancelled after the release
 * leaves without breaking the round. last: parties - 1, so all-zero (a
 * static without initializer) is Barrier(1), the same as CORO_BARRIER_INIT(1). */
typedef struct coro_barrier {
    coro_waitq q;       /* arrivals waiting for the release, and tasks blocked while it drains */
    coro_index last;    /* parties - 1 */
    coro_index count;   /* tasks inside: arrived, not yet left */
    uint8_t state;      /* 0 filling, 1 draining, 2 resetting, 3 broken */
} coro_barrier;
/* Static initializer. n: a constant from 1 to CORO_MAX_TASKS (more could
 * never meet); anything else is a compile error, a negative array size in
 * CORO__BARRIER_PARTIES_MUST_BE_1_TO_MAX_TASKS. */
#define CORO_BARRIER_INIT(n) { CORO_WAITQ_INIT, CORO__BARRIER_LAST(n), 0, 0 }
#define CORO__BARRIER_LAST(n) ((coro_index)((n) - 1 + 0 * sizeof(char[CORO__BARRIER_PARTIES_MUST_BE_1_TO_MAX_TASKS(n)])))
#define CORO__BARRIER_PARTIES_MUST_BE_1_TO_MAX_TASKS(n) ((n) >= 1 && (n) <= CORO_MAX_TASKS ? 1 : -1)
/* asyncio.Barrier(parties): CORO_ERR_INVALID for parties < 1 (ValueError),
 * CORO_ERR_RANGE above CORO_MAX_TASKS; either way b is unchanged. Only when
 * no task waits on it. */
CORO_API coro_status coro_barrier_init(coro_barrier *b, long parties);
static inline int coro_barrier_parties(const coro_barrier *b) { return (int)b->last + 1; }
/* Tasks waiting for the barrier to fill (0 while it drains, resets or is broken). */
static inline int coro_barrier_n_waiting(const coro_barrier *b) { return b->state == 0 ? (int)b->count : 0; }
static inline int coro_barrier_broken(const coro_barrier *b) { return b->state == 3; }
/* Wait until parties tasks wait; idx (an int lvalue, a frame field) gets this
 * task's arrival index. Fails with CORO_ERR_BROKEN (broken, or reset while
 * waiting), CORO_ERR_CANCELLED (or the timeout scope's CORO_ERR_TIMEOUT). */
#define CORO_BARRIER_WAIT(self, b, idx) CORO_AWAIT_ON(self, coro__barrier_start(b, &(idx)), coro__barrier_resumed(b, &(idx)))
/* asyncio reset(): tasks waiting now fail with CORO_ERR_BROKEN; the barrier
 * fills again once they (and tasks still draining) left. Never suspends (it
 * is a coroutine in asyncio, which never suspends here either). CORO_ERR_STATE
 * with waiters but no running loop (nothing changes). */
CORO_API coro_status coro_barrier_reset(coro_barrier *b);
/* asyncio abort(): broken until reset; every waiting and later wait fails
 * with CORO_ERR_BROKEN. CORO_ERR_STATE as for reset. */
CORO_API coro_status coro_barrier_abort(coro_barrier *b);
CORO_API coro_status coro__barrier_start(coro_barrier *b, int *idx);
CORO_API coro_status coro__barrier_resumed(coro_barrier *b, int *idx);

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

/* ---- Future -------------------------------------------------------------------- */
/* state: pending, claimed (whoever completes it first: the loop, or an
 * interrupt while it stores the completion), posted (an interrupt's
 * completion stored, for the loop to carry out), done, cancelled. */
enum { CORO__FUT_PENDING, CORO__FUT_CLAIMED, CORO__FUT_POSTED, CORO__FUT_DONE, CORO__FUT_CANCELLED };

/* Take the right to complete f: 1 if it was pending. Atomic with respect to
 * an interrupt, a signal handler or a thread doing the same. */
static int coro__future_claim(coro_future *f)
{
#if CORO_SYNC_ATOMIC
    uint8_t pending = CORO__FUT_PENDING;
    return __atomic_compare_exchange_n(&f->state, &pending, (uint8_t)CORO__FUT_CLAIMED, 0, __ATOMIC_SEQ_CST,
                                       __ATOMIC_SEQ_CST);
#else
    int ok;
    CORO_CRITICAL_ENTER();
    ok = f->state == CORO__FUT_PENDING;
    if (ok)
        f->state = CORO__FUT_CLAIMED;
    CORO_CRITICAL_EXIT();
    return ok;
#endif
}

/* The done callbacks of a completed future, detached from it: a chain. */
static void coro__future_fire(void *arg)
{
    coro_future_cb *n = (coro_future_cb *)arg, *next;
    for (; n; n = next) {
        next = n->next;
        n->next = NULL; /* the node is free again: fn may register it anew */
        n->fn(n->arg);
    }
}

/* Stop watching once nobody waits for the future any more. */
static void coro__future_unwatch(coro_loop *L, coro_future *f)
{
    if (L && coro_watch_active(&f->watch) && coro_waitq_empty(&f->q) && !f->cbs)
        coro_watch_stop(L, &f->watch);
}

/* Complete f: state final (done or cancelled) with err and value, unless
 * posted (an interrupt stored them). The callbacks are scheduled first, so
 * that a full callback table refuses the completion with nothing changed. */
static coro_status coro__future_finish(coro_loop *L, coro_future *f, uint8_t final, coro_status err, intptr_t value,
                                       int posted)
{
    coro_future_cb *cbs = f->cbs;
    coro_handle h = {0};
    coro_status st;
    if ((cbs || !coro_waitq_empty(&f->q)) && !L)
        return CORO_ERR_STATE;
    if (cbs && (st = coro_call_soon(L, &h, coro__future_fire, cbs)) != CORO_OK)
        return st;
    if (!posted) {
        if (!coro__future_claim(f)) {
            if (cbs)
                coro_handle_cancel(L, h);
            return CORO_ERR_STATE;
        }
        f->value = value;
        f->err = err;
    }
    f->cbs = NULL;
    f->state = final;
    if (L) {
        coro_waitq_notify_all(L, &f->q, CORO_OK);
        coro__future_unwatch(L, f);
    }
    return CORO_OK;
}

/* Carry out an interrupt's completion, if one is stored. */
static void coro__future_sync(coro_loop *L, coro_future *f)
{
    if (f->state == CORO__FUT_POSTED) {
        CORO_FENCE(); /* its value and error were stored before the state */
        coro__future_finish(L, f, CORO__FUT_DONE, f->err, f->value, 1);
    }
}

/* A done future's outcome, as result() and an await report it. */
static coro_status coro__future_outcome(const coro_future *f, intptr_t *out)
{
    if (f->state == CORO__FUT_CANCELLED)
        return CORO_ERR_CANCELLED;
    if (f->state != CORO__FUT_DONE)
        return CORO_ERR_STATE;
    if (f->err == CORO_OK && out)
        *out = f->value;
    return f->err;
}

CORO_DEF coro_status coro_future_set_result(coro_future *f, intptr_t value)
{
    coro_loop *L = coro_running_loop();
    CORO_REQUIRE(f != NULL, "coro_future_set_result: NULL future");
    coro__future_sync(L, f);
    return coro__future_finish(L, f, CORO__FUT_DONE, CORO_OK, value, 0);
}

CORO_DEF coro_status coro_future_set_error(coro_future *f, coro_status err)
{
    coro_loop *L = coro_running_loop();
    CORO_REQUIRE(f != NULL, "coro_future_set_error: NULL future");
    coro__future_sync(L, f);
    if (f->state != CORO__FUT_PENDING)
        return CORO_ERR_STATE;
    if (err <= 0)
        return CORO_ERR_INVALID;
    return coro__future_finish(L, f, CORO__FUT_DONE, err, 0, 0);
}

CORO_DEF int coro_future_cancel(coro_future *f)
{
    coro_loop *L = coro_running_loop();
    CORO_REQUIRE(f != NULL, "coro_future_cancel: NULL future");
    coro__future_sync(L, f);
    return coro__future_finish(L, f, CORO__FUT_CANCELLED, CORO_ERR_CANCELLED, 0, 0) == CORO_OK;
}

CORO_DEF int coro_future_done(coro_future *f)
{
    CORO_REQUIRE(f != NULL, "coro_future_done: NULL future");
    coro__future_sync(coro_running_loop(), f);
    return f->state >= CORO__FUT_DONE;
}

CORO_DEF int coro_future_cancelled(coro_future *f)
{
    CORO_REQUIRE(f != NULL, "coro_future_cancelled: NULL future");
    coro__future_sync(coro_running_loop(), f);
    return f->state == CORO__FUT_CANCELLED;
}

CORO_DEF coro_status coro_future_result(coro_future *f, intptr_t *out)
{
    CORO_REQUIRE(f != NULL, "coro_future_result: NULL future");
    coro__future_sync(coro_running_loop(), f);
    return coro__future_outcome(f, out);
}

CORO_DEF coro_status coro_future_add_done_callback(coro_future *f, coro_future_cb *node, coro_callback fn, void *arg)
{
    coro_loop *L = coro_running_loop();
    coro_future_cb **pp;
    CORO_REQUIRE(f != NULL && node != NULL, "coro_future_add_done_callback: NULL future or node");
    if (!fn)
        return CORO_ERR_INVALID;
    coro__future_sync(L, f);
    if (f->state >= CORO__FUT_DONE) /* done: scheduled now, the node unused */
        return L ? coro_call_soon(L, NULL, fn, arg) : (coro_status)CORO_ERR_STATE;
    for (pp = &f->cbs; *pp; pp = &(*pp)->next)
        if (*pp == node) {
            CORO_REQUIRE(0, "coro_future_add_done_callback: node registered already");
            return CORO_ERR_INVALID;
        }
    node->next = NULL;
    node->fn = fn;
    node->arg = arg;
    *pp = node;
    if (f->threadsafe && L)
        coro_watch_start(L, &f->watch, coro__future_poll);
    return CORO_OK;
}

CORO_DEF int coro_future_remove_done_callback(coro_future *f, coro_callback fn)
{
    coro_loop *L = coro_running_loop();
    coro_future_cb **pp = &f->cbs;
    int n = 0;
    CORO_REQUIRE(f != NULL, "coro_future_remove_done_callback: NULL future");
    coro__future_sync(L, f);
    while (*pp) {
        if ((*pp)->fn == fn) {
            coro_future_cb *gone = *pp;
            *pp = gone->next;
            gone->next = NULL;
            n++;
        } else {
            pp = &(*pp)->next;
        }
    }
    coro__future_unwatch(L, f);
    return n;
}

CORO_DEF coro_status coro__future_start(coro_future *f, intptr_t *out, int shield)
{
    coro_loop *L = coro_running_loop();
    coro_status st;
    CORO_REQUIRE(f != NULL, "CORO_FUTURE_AWAIT: NULL future");
    coro__future_sync(L, f);
    if (f->state >= CORO__FUT_DONE)
        return coro__future_outcome(f, out); /* done: no suspension */
    st = coro_waitq_wait(&f->q);
    if (st == CORO_PENDING) {
        if (f->threadsafe) /* the interrupt's wakeup makes the loop complete it */
            coro_watch_start(L, &f->watch, coro__future_poll);
    } else if (!shield) { /* a pending cancellation reaches the future (asyncio) */
        coro_future_cancel(f);
    }
    return st;
}

CORO_DEF coro_status coro__future_resumed(coro_future *f, intptr_t *out, int shield)
{
    int chosen;
    coro_status st = coro_waitq_resumed(&chosen);
    if (st == CORO_OK) /* woken by the completion */
        return coro__future_outcome(f, out);
    if (!chosen && !shield) /* cancelled while waiting: so is the future */
        coro_future_cancel(f);
    else
        coro__future_unwatch(coro_running_loop(), f);
    return st; /* chosen: it completed, then this task was cancelled */
}

CORO_DEF int coro__future_post(coro_loop *loop, coro_future *f, coro_status err, intptr_t value)
{
    CORO_REQUIRE(f != NULL && f->threadsafe, "coro_future_set_*_threadsafe: not a threadsafe future");
    if (err < 0 || !coro__future_claim(f))
        return 0;
    f->value = value;
    f->err = err;
    CORO_FENCE(); /* the completion before the state */
    f->state = CORO__FUT_POSTED;
    CORO_FENCE();
    coro_loop_wakeup(loop);
    return 1;
}

/* The loop's poll hook, after a wakeup: carry out a stored completion (if the
 * callback table is full, try again at the next iteration). */
CORO_DEF void coro__future_poll(coro_loop *L, coro_poll *hook)
{
    coro_future *f = (coro_future *)(void *)hook;
    coro__future_sync(L, f);
    if (f->state == CORO__FUT_POSTED)
        coro_loop_wakeup(L);
}

/* ---- Barrier ------------------------------------------------------------------- */
/* The states of asyncio's Barrier; every change wakes every waiter, which
 * re-checks the state when it runs (asyncio's Condition.notify_all). */
enum { CORO__BAR_FILLING, CORO__BAR_DRAINING, CORO__BAR_RESETTING, CORO__BAR_BROKEN };

static void coro__barrier_wake(coro_barrier *b)
{
    coro_loop *L = coro_running_loop();
    if (L)
        coro_waitq_notify_all(L, &b->q, CORO_OK);
}

/* A task that arrived leaves (asyncio's _exit): the last one out of a
 * draining or resetting barrier opens it for the next round. */
static void coro__barrier_leave(coro_barrier *b)
{
    if (--b->count == 0) {
        if (b->state == CORO__BAR_DRAINING || b->state == CORO__BAR_RESETTING)
            b->state = CORO__BAR_FILLING;
        coro__barrier_wake(b);
    }
}

/* Arrive (*idx < 0 until then), or wait while the barrier drains or resets. */
static coro_status coro__barrier_arrive(coro_barrier *b, int *idx)
{
    coro_status st;
    if (b->state == CORO__BAR_DRAINING || b->state == CORO__BAR_RESETTING)
        return coro_waitq_wait(&b->q); /* blocked: not counted */
    if (b->state == CORO__BAR_BROKEN)
        return CORO_ERR_BROKEN;
    *idx = b->count++;
    if (*idx == (int)b->last) { /* the last party releases the others */
        b->state = CORO__BAR_DRAINING;
        coro__barrier_wake(b);
        coro__barrier_leave(b);
        return CORO_OK;
    }
    st = coro_waitq_wait(&b->q);
    if (st != CORO_PENDING) /* a pending cancellation: leave again */
        coro__barrier_leave(b);
    return st;
}

CORO_DEF coro_status coro_barrier_init(coro_barrier *b, long parties)
{
    CORO_REQUIRE(b != NULL, "coro_barrier_init: NULL barrier");
    if (parties < 1)
        return CORO_ERR_INVALID;
    if (parties > CORO_MAX_TASKS)
        return CORO_ERR_RANGE;
    coro_waitq_init(&b->q);
    b->last = (coro_index)(parties - 1);
    b->count = 0;
    b->state = CORO__BAR_FILLING;
    return CORO_OK;
}

CORO_DEF coro_status coro__barrier_start(coro_barrier *b, int *idx)
{
    CORO_REQUIRE(b != NULL, "CORO_BARRIER_WAIT: NULL barrier");
    *idx = -1;
    return coro__barrier_arrive(b, idx);
}

CORO_DEF coro_status coro__barrier_resumed(coro_barrier *b, int *idx)
{
    int chosen;
    coro_status st = coro_waitq_resumed(&chosen);
    if (*idx < 0) /* blocked while it drained or reset */
        return st != CORO_OK ? st : coro__barrier_arrive(b, idx);
    if (st == CORO_OK) {
        if (b->state == CORO__BAR_FILLING) { /* not released yet: wait again */
            if ((st = coro_waitq_wait(&b->q)) == CORO_PENDING)
                return st;
        } else if (b->state != CORO__BAR_DRAINING) {
            st = CORO_ERR_BROKEN; /* reset or aborted */
        }
    }
    coro__barrier_leave(b);
    return st;
}

CORO_DEF coro_status coro_barrier_reset(coro_barrier *b)
{
    CORO_REQUIRE(b != NULL, "coro_barrier_reset: NULL barrier");
    if (!coro_waitq_empty(&b->q) && !coro_running_loop())
        return CORO_ERR_STATE;
    b->state = b->count > 0 ? CORO__BAR_RESETTING : CORO__BAR_FILLING;
    coro__barrier_wake(b);
    return CORO_OK;
}

CORO_DEF coro_status coro_barrier_abort(coro_barrier *b)
{
    CORO_REQUIRE(b != NULL, "coro_barrier_abort: NULL barrier");
    if (!coro_waitq_empty(&b->q) && !coro_running_loop())
        return CORO_ERR_STATE;
    b->state = CORO__BAR_BROKEN;
    coro__barrier_wake(b);
    return CORO_OK;
}

#ifdef __cplusplus
}
#endif

#endif /* CORO_IMPLEMENTATION */
