/* Writing your own awaitable (issue 13, items 2 and 3): the public await
 * protocol of coro.h (CORO_AWAIT_ON, CORO_PENDING, CORO_STATUS) and the
 * coro_watch that interrupt-fed objects (coro_flag, coro_ring, yours) use to
 * keep a poll hook in the loop, and the loop armed, while tasks wait. On the
 * virtual clock; tests/await_posix.c drives the same pattern from a real
 * thread and a real signal handler. */
#define CORO_IMPLEMENTATION
#include "coro.h"
#include "coro_queue.h"
#include "coro_sync.h"
#include <criterion/criterion.h>
#include <pthread.h>

/* ---- a minimal awaitable: a gate a callback opens (the "interrupt") ---- */
struct gate {
    coro_watch watch; /* first member */
    coro_waitq q;
    volatile int open;
    int starts, resumes, polls;
    int pend_again;   /* resume returns CORO_PENDING this many more times */
    int use_watch;
    void (*on_watch)(struct gate *g); /* after the watch started: start the "hardware" */
};

static void gate_poll(coro_loop *loop, coro_poll *hook)
{
    struct gate *g = (struct gate *)(void *)hook;
    g->polls++;
    if (g->open)
        coro_waitq_notify(loop, &g->q, CORO_OK);
}

static coro_status gate_start(struct gate *g)
{
    coro_status st;
    g->starts++;
    if (g->open)
        return CORO_OK;
    st = coro_waitq_wait(&g->q);
    if (st == CORO_PENDING && g->use_watch) {
        coro_watch_start(coro_running_loop(), &g->watch, gate_poll);
        if (g->on_watch)
            g->on_watch(g);
    }
    return st;
}

static coro_status gate_resume(struct gate *g)
{
    int chosen;
    coro_status st = coro_waitq_resumed(&chosen);
    g->resumes++;
    if (st == CORO_OK && g->pend_again > 0) {
        g->pend_again--;
        g->open = 0;
        return coro_waitq_wait(&g->q); /* CORO_PENDING: wait again */
    }
    if (coro_waitq_empty(&g->q))
        coro_watch_stop(coro_running_loop(), &g->watch);
    return st;
}
#define GATE_WAIT(self, g) CORO_AWAIT_ON(self, gate_start(g), gate_resume(g))

/* The "interrupt": store, then wake the loop. */
static void gate_isr(void *arg)
{
    struct gate *g = (struct gate *)arg;
    g->open = 1;
    coro_loop_wakeup(coro_running_loop());
}

static struct gate *count_gate_arg;
static int gate_arg_evals;
static struct gate *gate_arg(void)
{
    gate_arg_evals++;
    return count_gate_arg;
}

struct waiter { coro_frame co; struct gate *g; coro_status st, last; coro_timeout to; int after; };

static CORO_FN(waiter, struct waiter, self)
{
    CORO_BEGIN(self);
    GATE_WAIT(self, self->g);
    self->after = 1;
    CORO_END(self);
}

/* start returns a status: the await ends at once, no suspension. */
Test(awaitable, start_that_finishes_never_suspends)
{
    static struct gate g;
    static struct waiter w;
    memset(&g, 0, sizeof g);
    memset(&w, 0, sizeof w);
    g.open = 1;
    w.g = &g;
    cr_assert_eq(coro_run(waiter, &w), CORO_OK);
    cr_assert_eq(g.starts, 1);
    cr_assert_eq(g.resumes, 0);
    cr_assert_eq(w.after, 1);
}

/* An error from start propagates like any await's. */
static coro_status fail_start(void) { return (coro_status)(CORO_ERR_USER + 1); }
static coro_status never_resume(void) { cr_assert_fail("resume after a start that did not pend"); return CORO_OK; }
struct failing { coro_frame co; int after; };
static CORO_FN(failing, struct failing, self)
{
    CORO_BEGIN(self);
    CORO_AWAIT_ON(self, fail_start(), never_resume());
    self->after = 1;
    CORO_END(self);
}
Test(awaitable, error_from_start_propagates)
{
    static struct failing f;
    memset(&f, 0, sizeof f);
    cr_assert_eq(coro_run(failing, &f), CORO_ERR_USER + 1);
    cr_assert_eq(f.after, 0);
}

/* resume may return CORO_PENDING to wait again; start is evaluated once per
 * await, resume once per wake (and the macro's arguments at each of them). */
struct counted { coro_frame co; int i; };
static CORO_FN(counted, struct counted, self)
{
    CORO_BEGIN(self);
    GATE_WAIT(self, gate_arg());
    CORO_END(self);
}
static void reopen(void *arg) { gate_isr(arg); }
Test(awaitable, resume_may_pend_again)
{
    static struct gate g;
    static struct counted c;
    static coro_loop loop;
    memset(&g, 0, sizeof g);
    memset(&c, 0, sizeof c);
    g.use_watch = 1;
    g.pend_again = 2;
    count_gate_arg = &g;
    gate_arg_evals = 0;
    coro_loop_init(&loop);
    cr_assert_eq(coro_call_later(&loop, NULL, 10, reopen, &g), CORO_OK);
    cr_assert_eq(coro_call_later(&loop, NULL, 20, reopen, &g), CORO_OK);
    cr_assert_eq(coro_call_later(&loop, NULL, 30, reopen, &g), CORO_OK);
    cr_assert_eq(coro_loop_run_until_complete(&loop, counted, &c), CORO_OK);
    cr_assert_eq(g.starts, 1);
    cr_assert_eq(g.resumes, 3);
    cr_assert_eq(gate_arg_evals, 4, "start once, then once per resume: %d", gate_arg_evals);
    cr_assert_eq(coro_loop_time(&loop), 30);
    cr_assert(!coro_watch_active(&g.watch));
    cr_assert_eq(loop.armed, 0);
    cr_assert_null(loop.polls);
}

/* CORO_STATUS: the status of the last await, in CORO_CATCH too. */
struct status_probe { coro_frame co; coro_status caught, s1, s2; coro_timeout to; struct gate *g; };
static CORO_FN(status_probe, struct status_probe, self)
{
    CORO_BEGIN(self);
    CORO_CATCH(self, self->caught, CORO_TIMEOUT(self, &self->to, 5, GATE_WAIT(self, self->g)));
    self->s1 = CORO_STATUS(self);
    CORO_SLEEP(self, 1);
    self->s2 = CORO_STATUS(self);
    CORO_END(self);
}
Test(awaitable, status_of_the_last_await)
{
    static struct gate g;
    static struct status_probe p;
    memset(&g, 0, sizeof g);
    memset(&p, 0, sizeof p);
    g.use_watch = 1;
    p.g = &g;
    cr_assert_eq(coro_run(status_probe, &p), CORO_OK);
    cr_assert_eq(p.caught, CORO_ERR_TIMEOUT);
    cr_assert_eq(p.s1, CORO_ERR_TIMEOUT);
    cr_assert_eq(p.s2, CORO_OK);
    cr_assert(!coro_watch_active(&g.watch), "the timed-out wait stopped the watch");
}

Test(awaitable, pending_and_no_task_values)
{
    cr_assert_eq(CORO_PENDING, -1);
    cr_assert_eq(CORO_PENDING, CORO__PENDING);
    cr_assert_eq(CORO_NO_TASK, (coro_task)(coro_index)-1);
}

/* A watch keeps the loop armed: with nothing else to wait for, the loop
 * idles for the interrupt (here another thread) instead of reporting a
 * deadlock; without the watch the same wait is a deadlock. */
static struct gate thread_gate;
static coro_loop thread_loop;
static void *open_from_thread(void *arg)
{
    (void)arg;
    thread_gate.open = 1;
    coro_loop_wakeup(&thread_loop);
    return NULL;
}
static pthread_t opener;
static void start_opener(struct gate *g)
{
    (void)g;
    pthread_create(&opener, NULL, open_from_thread, NULL);
}
struct threaded { coro_frame co; };
static CORO_FN(threaded, struct threaded, self)
{
    CORO_BEGIN(self);
    CORO_YIELD(self); /* the loop runs; then the wait (no timer anywhere) */
    GATE_WAIT(self, &thread_gate);
    CORO_END(self);
}
Test(awaitable, watch_arms_the_loop)
{
    static struct threaded t;
    int pass;
    for (pass = 0; pass < 2; pass++) {
        memset(&thread_gate, 0, sizeof thread_gate);
        memset(&t, 0, sizeof t);
        thread_gate.use_watch = pass;
        thread_gate.on_watch = start_opener;
        coro_loop_init(&thread_loop);
        if (pass == 0) {
            cr_assert_eq(coro_loop_run_until_complete(&thread_loop, threaded, &t), CORO_ERR_DEADLOCK);
        } else {
            cr_assert_eq(coro_loop_run_until_complete(&thread_loop, threaded, &t), CORO_OK);
            pthread_join(opener, NULL);
            cr_assert_geq(thread_gate.polls, 1);
            cr_assert_eq(thread_loop.armed, 0);
            cr_assert_null(thread_loop.polls);
        }
    }
}

/* start/stop are idempotent: one registration, one arming, whatever the
 * number of calls; all-zero is a stopped watch. */
static int hook_calls;
static void count_hook(coro_loop *loop, coro_poll *hook)
{
    (void)loop;
    (void)hook;
    hook_calls++;
}
struct idem { coro_frame co; coro_watch w; coro_watch w2; int armed[6]; int npolls[6]; int calls[3]; };
static int count_polls(const coro_loop *L)
{
    int n = 0;
    const coro_poll *p;
    for (p = L->polls; p; p = p->next)
        n++;
    return n;
}
static void wake_cb(void *arg) { coro_loop_wakeup((coro_loop *)arg); }
static CORO_FN(idem, struct idem, self)
{
    coro_loop *L = coro_running_loop();
    CORO_BEGIN(self);
    cr_assert(!coro_watch_active(&self->w));
    coro_watch_start(L, &self->w, count_hook);
    coro_watch_start(L, &self->w, count_hook);
    self->armed[0] = L->armed;
    self->npolls[0] = count_polls(L);
    coro_watch_start(L, &self->w2, count_hook);
    self->armed[1] = L->armed;
    self->npolls[1] = count_polls(L);
    CORO_SLEEP(self, 5); /* no wakeup: the hooks are not called */
    self->calls[0] = hook_calls;
    coro_call_soon(L, NULL, wake_cb, L);
    CORO_SLEEP(self, 5); /* one wakeup: each hook once */
    self->calls[1] = hook_calls;
    coro_watch_stop(L, &self->w);
    coro_watch_stop(L, &self->w);
    self->armed[2] = L->armed;
    self->npolls[2] = count_polls(L);
    coro_call_soon(L, NULL, wake_cb, L);
    CORO_SLEEP(self, 5);
    self->calls[2] = hook_calls;
    coro_watch_stop(L, &self->w2);
    self->armed[3] = L->armed;
    self->npolls[3] = count_polls(L);
    CORO_END(self);
}
Test(awaitable, watch_start_stop_idempotent)
{
    static struct idem d;
    memset(&d, 0, sizeof d);
    hook_calls = 0;
    cr_assert_eq(coro_run(idem, &d), CORO_OK);
    cr_assert_eq(d.armed[0], 1);
    cr_assert_eq(d.npolls[0], 1);
    cr_assert_eq(d.armed[1], 2);
    cr_assert_eq(d.npolls[1], 2);
    cr_assert_eq(d.calls[0], 0);
    cr_assert_eq(d.calls[1], 2);
    cr_assert_eq(d.armed[2], 1);
    cr_assert_eq(d.npolls[2], 1);
    cr_assert_eq(d.calls[2], 3);
    cr_assert_eq(d.armed[3], 0);
    cr_assert_eq(d.npolls[3], 0);
    cr_assert(!coro_watch_active(&d.w) && !coro_watch_active(&d.w2));
}

/* A cancelled waiter stops the watch (its resume sees CORO_ERR_CANCELLED). */
struct canceller { coro_frame co; struct waiter w; coro_task t; coro_status st; };
static CORO_FN(canceller, struct canceller, self)
{
    coro_loop *L = coro_running_loop();
    CORO_BEGIN(self);
    coro_spawn(L, &self->t, waiter, &self->w);
    CORO_SLEEP(self, 3);
    cr_assert_eq(L->armed, 1);
    coro_task_cancel(L, self->t);
    CORO_CATCH(self, self->st, CORO_AWAIT_TASK(self, self->t));
    CORO_END(self);
}
Test(awaitable, cancelled_wait_stops_the_watch)
{
    static struct gate g;
    static struct canceller c;
    memset(&g, 0, sizeof g);
    memset(&c, 0, sizeof c);
    g.use_watch = 1;
    c.w.g = &g;
    cr_assert_eq(coro_run(canceller, &c), CORO_OK);
    cr_assert_eq(c.st, CORO_ERR_CANCELLED);
    cr_assert_eq(c.w.after, 0);
    cr_assert(!coro_watch_active(&g.watch));
}

/* The flag and the ring register through their watch: armed once each while
 * tasks wait (two ring waiters: one registration), disarmed when the last
 * waiter leaves. */
static coro_flag flag;
static unsigned char ring_buf[4];
static coro_ring ring = CORO_RING_INIT(ring_buf, 4, 1);
struct flag_waiter { coro_frame co; };
static CORO_FN(flag_waiter, struct flag_waiter, self)
{
    CORO_BEGIN(self);
    CORO_FLAG_WAIT(self, &flag);
    CORO_END(self);
}
struct ring_waiter { coro_frame co; unsigned char c; };
static CORO_FN(ring_waiter, struct ring_waiter, self)
{
    CORO_BEGIN(self);
    CORO_RING_GET(self, &ring, &self->c);
    CORO_END(self);
}
struct both { coro_frame co; struct flag_waiter f; struct ring_waiter r1, r2; coro_task t[3]; int armed, npolls, active; };
static CORO_FN(both, struct both, self)
{
    coro_loop *L = coro_running_loop();
    unsigned char c = 7;
    CORO_BEGIN(self);
    coro_spawn(L, &self->t[0], flag_waiter, &self->f);
    coro_spawn(L, &self->t[1], ring_waiter, &self->r1);
    coro_spawn(L, &self->t[2], ring_waiter, &self->r2);
    CORO_SLEEP(self, 1);
    self->armed = L->armed;
    self->npolls = count_polls(L);
    self->active = coro_watch_active(&flag.watch) + coro_watch_active(&ring.watch);
    coro_flag_set(L, &flag);
    coro_ring_put(&ring, &c);
    coro_ring_put(&ring, &c);
    CORO_GATHER(self, self->t, 3, NULL);
    CORO_END(self);
}
Test(awaitable, flag_and_ring_use_their_watch)
{
    static struct both b;
    coro_loop *seen = NULL;
    memset(&b, 0, sizeof b);
    cr_assert_eq(coro_run(both, &b), CORO_OK);
    cr_assert_eq(b.armed, 2);
    cr_assert_eq(b.npolls, 2);
    cr_assert_eq(b.active, 2);
    cr_assert(!coro_watch_active(&flag.watch) && !coro_watch_active(&ring.watch));
    cr_assert_eq(ring.loop, seen);
    cr_assert_eq(b.r1.c, 7);
    cr_assert_eq(b.r2.c, 7);
}

/* A broadcast: coro_waitq_notify_all wakes every task parked on the queue, in
 * FIFO order, each with the status given, and returns how many it woke (0 on
 * an empty queue); coro_waitq_len counts the waiters before. */
static struct gate bg;
static int woke[3];
static void broadcast(void *arg)
{
    coro_loop *loop = coro_running_loop();
    (void)arg;
    woke[2] = coro_waitq_len(loop, &bg.q);
    woke[0] = coro_waitq_notify_all(loop, &bg.q, (coro_status)(CORO_ERR_USER + 2));
    woke[1] = coro_waitq_notify_all(loop, &bg.q, CORO_OK);
}
struct bwaiter { coro_frame co; int id; coro_status st; };
static char border[16];
static CORO_FN(bwaiter, struct bwaiter, self)
{
    CORO_BEGIN(self);
    CORO_CATCH(self, self->st, GATE_WAIT(self, &bg));
    border[strlen(border)] = (char)('0' + self->id);
    CORO_END(self);
}
Test(awaitable, notify_all_wakes_every_waiter_and_returns_the_count)
{
    static coro_loop loop;
    static struct bwaiter w[3];
    int i;
    memset(&bg, 0, sizeof bg);
    memset(w, 0, sizeof w);
    memset(border, 0, sizeof border);
    cr_assert_eq(coro_loop_init(&loop), CORO_OK);
    for (i = 0; i < 3; i++) {
        w[i].id = i + 1;
        cr_assert_eq(coro_spawn(&loop, NULL, bwaiter, &w[i]), CORO_OK);
    }
    cr_assert_eq(coro_call_later(&loop, NULL, 5, broadcast, NULL), CORO_OK);
    cr_assert_eq(coro_loop_run_forever(&loop), CORO_OK);
    cr_assert_eq(woke[0], 3);
    cr_assert_eq(woke[1], 0);
    cr_assert_eq(woke[2], 3);
    cr_assert_str_eq(border, "123");
    for (i = 0; i < 3; i++)
        cr_assert_eq(w[i].st, CORO_ERR_USER + 2);
    cr_assert(coro_waitq_empty(&bg.q));
}
