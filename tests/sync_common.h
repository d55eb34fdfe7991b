/* Shared by the coro_sync.h suites tests/test_sync_<object>.c, on the virtual
 * clock: the loop under test, the trace buffer, setup, loop-stepping helpers,
 * the actor coroutines (lk, sm, ev, cw) several objects use, and the
 * scaffolding of the all-zero object scenarios (issue 11, item 5). Each
 * test_sync_*.c file is its own program (CORO_IMPLEMENTATION is defined here).
 * A number in the comment after a test name (63) is the case of
 * asyncio-behaviours.md it covers; "hostile N" is its section 4 item.
 *
 * Reading the expected traces (tokens separated by spaces; <id> is the
 * actor's id, <st> a status number: 0 OK, 1 CANCELLED, 2 TIMEOUT, 16
 * NOT_LOCKED, 32 CORO_ERR_USER):
 *   <id>+        a lock or semaphore actor acquired (lk_task, sm_task)
 *   <id>-        a lock actor released on its way out
 *   <id>!<st>    its acquire failed with <st> (timeout, cancellation)
 *   <id>:<st>    an event waiter's wait ended with <st> (ev_task)
 *   <id>:<st>L   a condition waiter's wait ended with <st>, lock held
 *                after it (u: not held) (cw_task)
 *   @<t>, v<n>   a scenario's closing time and semaphore value */
#ifndef SYNC_COMMON_H
#define SYNC_COMMON_H
#define CORO_IMPLEMENTATION
#define CORO_MAX_TASKS 16
#define CORO_MAX_CALLBACKS 16
#include "coro_sync.h"
#include <criterion/criterion.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* A helper an object's file may leave unused (Criterion needs gcc or clang). */
#define SYNC_SHARED __attribute__((unused))

SYNC_SHARED static coro_loop L;
SYNC_SHARED static char trace[1024];
SYNC_SHARED static void tr(const char *fmt, ...)
{
    va_list ap;
    size_t n = strlen(trace);
    va_start(ap, fmt);
    vsnprintf(trace + n, sizeof trace - n, fmt, ap);
    va_end(ap);
}

SYNC_SHARED static void setup(void)
{
    coro_virtual_now = 0;
    trace[0] = 0;
    cr_assert_eq(coro_loop_init(&L), CORO_OK);
}

/* One loop iteration (asyncio test_utils.run_briefly). */
SYNC_SHARED static void stop_cb(void *arg) { coro_loop_stop((coro_loop *)arg); }
SYNC_SHARED static void step(void)
{
    cr_assert_eq(coro_call_soon(&L, NULL, stop_cb, &L), CORO_OK);
    coro_loop_run_forever(&L);
}
/* Run until virtual time t (or until nothing is left). */
SYNC_SHARED static void run_until(coro_tick t)
{
    cr_assert_eq(coro_call_at(&L, NULL, t, stop_cb, &L), CORO_OK);
    coro_loop_run_forever(&L);
}
SYNC_SHARED static coro_task spawn_(coro_fn fn, coro_frame *f)
{
    coro_task t = 0;
    cr_assert_eq(coro__spawn(&L, &t, fn, f), CORO_OK);
    return t;
}
#define SPAWN(fn, frame) spawn_((fn), &(frame)->co)

/* The task a callback cancels (several objects' cancellation races). */
SYNC_SHARED static coro_task victim;
SYNC_SHARED static void cancel_victim(void *arg) { (void)arg; coro_task_cancel(&L, victim); }

/* ---- actors ------------------------------------------------------------------ */
/* An actor with self_cancel set cancels itself before its first wait: the
 * cancellation is pending when the wait starts (as for a task cancelled
 * while ready, between two awaits). */
#define SELF_CANCEL(self)                                                        \
    do {                                                                         \
        if ((self)->self_cancel)                                                 \
            cr_assert(coro_task_cancel(&L, coro_current_task(&L)));              \
    } while (0)

/* Acquire a lock (optionally within a timeout), log it, hold it for `hold`
 * ticks (0: until an event), optionally fail inside, release on every way
 * out through coro_lock_leave in the cleanup section. */
struct lk {
    coro_frame co;
    coro_lock *l;
    int id, fail, self_cancel;
    coro_tick hold, tmo;
    coro_event *until;
    coro_timeout to;
    coro_status st;
};
SYNC_SHARED static CORO_FN(lk_task, struct lk, self)
{
    CORO_BEGIN(self);
    SELF_CANCEL(self);
    if (self->tmo)
        CORO_CATCH(self, self->st, CORO_TIMEOUT(self, &self->to, self->tmo, CORO_LOCK(self, self->l)));
    else
        CORO_CATCH(self, self->st, CORO_LOCK(self, self->l));
    if (self->st) {
        tr("%d!%d ", self->id, self->st);
        CORO_RETURN(self, self->st);
    }
    tr("%d+ ", self->id);
    if (self->until)
        CORO_EVENT_WAIT(self, self->until);
    else if (self->hold)
        CORO_SLEEP(self, self->hold);
    if (self->fail)
        CORO_RETURN(self, CORO_ERR_USER);
    CORO_FINALLY(self);
    if (coro_lock_leave(self->l))
        tr("%d- ", self->id);
    CORO_END(self);
}

/* Semaphore user, scoped with CORO_SEM_ENTER / coro_sem_leave. */
struct sm {
    coro_frame co;
    coro_sem *s;
    int id, reps, self_cancel;
    coro_tick hold, tmo;
    coro_timeout to;
    coro_status st;
    uint8_t held;
};
SYNC_SHARED static CORO_FN(sm_task, struct sm, self)
{
    CORO_BEGIN(self);
    SELF_CANCEL(self);
    do {
        if (self->tmo)
            CORO_CATCH(self, self->st, CORO_TIMEOUT(self, &self->to, self->tmo, CORO_SEM_ENTER(self, self->s, self->held)));
        else
            CORO_CATCH(self, self->st, CORO_SEM_ENTER(self, self->s, self->held));
        if (self->st) {
            tr("%d!%d ", self->id, self->st);
            CORO_RETURN(self, self->st);
        }
        tr("%d+ ", self->id);
        if (self->hold)
            CORO_SLEEP(self, self->hold);
        else
            CORO_YIELD(self);
        coro_sem_leave(self->s, &self->held);
    } while (--self->reps > 0);
    CORO_FINALLY(self);
    coro_sem_leave(self->s, &self->held);
    CORO_END(self);
}

/* Event waiter. */
struct ev {
    coro_frame co;
    coro_event *e;
    int id, self_cancel;
    coro_tick tmo;
    coro_timeout to;
    coro_status st;
};
SYNC_SHARED static CORO_FN(ev_task, struct ev, self)
{
    CORO_BEGIN(self);
    SELF_CANCEL(self);
    if (self->tmo)
        CORO_CATCH(self, self->st, CORO_TIMEOUT(self, &self->to, self->tmo, CORO_EVENT_WAIT(self, self->e)));
    else
        CORO_CATCH(self, self->st, CORO_EVENT_WAIT(self, self->e));
    tr("%d:%d ", self->id, self->st);
    CORO_RETURN(self, self->st);
    CORO_END(self);
}

/* Condition waiter: acquire the lock, wait (optionally with a timeout or for
 * a predicate), log the status and whether the lock is held, release. */
SYNC_SHARED static int pred_value;
struct cw {
    coro_frame co;
    coro_cond *c;
    int id, use_pred, self_cancel;
    coro_tick tmo;
    coro_timeout to;
    coro_status st;
    int held_after;
};
SYNC_SHARED static CORO_FN(cw_task, struct cw, self)
{
    CORO_BEGIN(self);
    CORO_LOCK(self, coro_cond_lock(self->c));
    SELF_CANCEL(self);
    if (self->use_pred)
        CORO_CATCH(self, self->st, CORO_COND_WAIT_FOR(self, self->c, pred_value));
    else if (self->tmo)
        CORO_CATCH(self, self->st, CORO_TIMEOUT(self, &self->to, self->tmo, CORO_COND_WAIT(self, self->c)));
    else
        CORO_CATCH(self, self->st, CORO_COND_WAIT(self, self->c));
    self->held_after = coro_lock_holder(coro_cond_lock(self->c)) == coro_current_task(&L);
    tr("%d:%d%s ", self->id, self->st, self->held_after ? "L" : "u");
    CORO_FINALLY(self);
    coro_lock_leave(coro_cond_lock(self->c));
    CORO_END(self);
}


/* ---- All-zero objects (issue 11, item 5) ------------------------------------------- */
/* `static coro_lock l;` without an initializer (all-zero, in .bss) and an
 * object cleared with memset are valid: a free Lock, a clear Event, a
 * Condition with its own lock, Semaphore(0), a clear flag. Each scenario runs
 * on the INIT macro's object, the init function's (over garbage), a zeroed
 * static and a memset one, and must behave the same. mk/host.mk runs this
 * file with NDEBUG too (sync-ndebug): no assert is needed to get it right. */
SYNC_SHARED static coro_lock z_lock;
SYNC_SHARED static coro_event z_event;
SYNC_SHARED static coro_sem z_sem;
SYNC_SHARED static coro_cond z_cond;
SYNC_SHARED static coro_flag z_flag;

/* A bystander in slot 0 waits on an initialised event until 100: in the old
 * code a zero wait queue (tail 0) spliced slot 0's links even with NDEBUG. */
SYNC_SHARED static coro_event by_ev;
SYNC_SHARED static struct ev by;
SYNC_SHARED static void set_ev_arg(void *arg) { cr_assert_eq(coro_event_set((coro_event *)arg), CORO_OK); }
SYNC_SHARED static void bystander(void)
{
    coro_event_init(&by_ev);
    memset(&by, 0, sizeof by);
    by.e = &by_ev;
    by.id = 9;
    cr_assert_eq(CORO__ID(SPAWN(ev_task, &by)), 0);
    cr_assert_eq(coro_call_at(&L, NULL, 100, set_ev_arg, &by_ev), CORO_OK);
}

/* Runs `scenario` (it writes the trace into a buffer) on the object made by
 * the INIT macro, by the init function over garbage, on a zeroed static and
 * on a memset one: the first prints `expected`, the others print the same. */
#define SAME_IN_EVERY_FORM(scenario, what, expected, init, fn, zeroed, mz)              \
    do {                                                                              \
        char ref_[sizeof trace], got_[sizeof trace];                                  \
        scenario((init), ref_, sizeof ref_);                                          \
        cr_assert_str_eq(ref_, (expected), "INIT macro %s", (what));                  \
        scenario((fn), got_, sizeof got_);                                            \
        cr_assert_str_eq(got_, ref_, "init function %s: %s", (what), got_);           \
        scenario((zeroed), got_, sizeof got_);                                        \
        cr_assert_str_eq(got_, ref_, "zeroed static %s: %s", (what), got_);           \
        scenario((mz), got_, sizeof got_);                                            \
        cr_assert_str_eq(got_, ref_, "memset %s: %s", (what), got_);                  \
    } while (0)

#endif /* SYNC_COMMON_H */
