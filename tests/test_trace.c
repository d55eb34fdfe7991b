/* Observability tests (issue 8): the CORO_TRACE hook sees every spawn, step,
 * sleep, wait, wake, cancel, completion and callback, in order; CORO_DEBUG
 * names tasks and records where each one is suspended; coro_loop_dump prints
 * it all. On the virtual clock; the hook is compiled in by this file. */
#define CORO_DEBUG 1
#define CORO_TRACE(loop, ev, id, arg) on_trace((loop), (ev), (id), (arg))
struct coro_loop;
static void on_trace(struct coro_loop *loop, int ev, unsigned id, unsigned long arg);
#define CORO_IMPLEMENTATION
#include "coro.h"
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static coro_loop L;
static char log_[8192];
static char dump_[4096];

static const char *const ev_names[] = {"spawn", "resume", "suspend", "sleep", "wait", "await", "wake",
                                       "cancel", "done", "call", "callback", "call_cancel", "idle"};

static void on_trace(struct coro_loop *loop, int ev, unsigned id, unsigned long arg)
{
    size_t n = strlen(log_);
    (void)loop;
    if (ev == CORO_TRACE_WAIT)
        arg = 1; /* an address: just say there was one */
    if (id == CORO__NONE)
        snprintf(log_ + n, sizeof log_ - n, "%s(-,%lu) ", ev_names[ev], arg);
    else if (arg == (unsigned long)CORO__NONE)
        snprintf(log_ + n, sizeof log_ - n, "%s(%u,-) ", ev_names[ev], id);
    else
        snprintf(log_ + n, sizeof log_ - n, "%s(%u,%lu) ", ev_names[ev], id, arg);
}

static void to_dump(const char *text, void *ctx)
{
    size_t n = strlen(dump_);
    cr_assert_eq(ctx, (void *)&dump_);
    snprintf(dump_ + n, sizeof dump_ - n, "%s", text);
}

static void setup(void)
{
    coro_virtual_now = 0;
    log_[0] = dump_[0] = 0;
    cr_assert_eq(coro_loop_init(&L), CORO_OK);
}
TestSuite(trace, .init = setup);

struct sleeper { coro_frame co; coro_tick t; };
static CORO_FN(sleeper, struct sleeper, self)
{
    CORO_BEGIN(self);
    CORO_SLEEP(self, self->t);
    CORO_END(self);
}

struct parent { coro_frame co; struct sleeper child; coro_task t; };
static CORO_FN(parent, struct parent, self)
{
    CORO_BEGIN(self);
    self->child.t = 10;
    coro_spawn(coro_running_loop(), &self->t, sleeper, &self->child);
    CORO_AWAIT_TASK(self, self->t);
    CORO_YIELD(self);
    CORO_END(self);
}

Test(trace, every_step_of_an_await_in_order)
{
    static struct parent p;
    cr_assert_eq(coro_loop_run_until_complete(&L, parent, &p), CORO_OK);
    cr_assert_str_eq(log_,
                     "spawn(0,-) resume(0,0) spawn(1,0) await(0,1) suspend(0,4) "
                     "resume(1,0) sleep(1,10) suspend(1,2) idle(-,10) "
                     "wake(1,-) resume(1,0) done(1,0) wake(0,1) "
                     "resume(0,0) suspend(0,1) resume(0,0) done(0,0) ");
}

/* A task group's parent at the block's end awaits the children still
 * running: its await event counts them (2, then 1 after the first ended). */
struct group { coro_frame co; coro_taskgroup tg; struct sleeper a, b; };
static CORO_FN(group, struct group, self)
{
    CORO_BEGIN(self);
    self->a.t = 10;
    self->b.t = 20;
    CORO_WITH_TASKGROUP(self, &self->tg) {
        CORO_CHECK(self, coro_taskgroup_spawn(&self->tg, NULL, sleeper, &self->a));
        CORO_CHECK(self, coro_taskgroup_spawn(&self->tg, NULL, sleeper, &self->b));
    } CORO_END_WITH(self);
    CORO_END(self);
}

Test(trace, a_group_block_end_awaits_its_live_children)
{
    static struct group g;
    const char *first, *second;
    cr_assert_eq(coro_loop_run_until_complete(&L, group, &g), CORO_OK);
    first = strstr(log_, "await(0,");
    cr_assert(first, "no await event: %s", log_);
    cr_assert_eq(strncmp(first, "await(0,2)", 10), 0, "%s", log_);
    second = strstr(first + 1, "await(0,");
    cr_assert(second, "no second await event: %s", log_);
    cr_assert_eq(strncmp(second, "await(0,1)", 10), 0, "%s", log_);
    cr_assert_null(strstr(second + 1, "await(0,"), "%s", log_);
}

static struct { coro_waitq q; int hits; } shared = {CORO_WAITQ_INIT, 0};
static void cb(void *arg) { (void)arg; shared.hits++; coro_waitq_notify(coro_running_loop(), &shared.q, CORO_OK); }

struct waiter { coro_frame co; };
static CORO_FN(waiter, struct waiter, self)
{
    CORO_BEGIN(self);
    CORO__AWAIT(self, coro_waitq_wait(&shared.q), coro__resumed());
    CORO_END(self);
}

Test(trace, callbacks_waits_and_cancel)
{
    static struct waiter w1, w2;
    coro_task t1, t2;
    coro_handle h;
    coro_waitq_init(&shared.q);
    cr_assert_eq(coro_spawn(&L, &t1, waiter, &w1), CORO_OK);
    cr_assert_eq(coro_spawn(&L, &t2, waiter, &w2), CORO_OK);
    cr_assert_eq(coro_call_later(&L, NULL, 5, cb, NULL), CORO_OK);
    cr_assert_eq(coro_call_later(&L, &h, 7, cb, NULL), CORO_OK);
    cr_assert_eq(coro_handle_cancel(&L, h), 1);
    cr_assert_eq(coro_loop_run_task(&L, t1), CORO_OK);
    cr_assert_eq(coro_task_cancel(&L, t2), 1);
    cr_assert_eq(coro_loop_run_task(&L, t2), CORO_ERR_CANCELLED);
    cr_assert_str_eq(log_,
                     "spawn(0,-) spawn(1,-) call(8,5) call(9,7) call_cancel(9,0) "
                     "resume(0,0) wait(0,1) suspend(0,3) resume(1,0) wait(1,1) suspend(1,3) idle(-,5) "
                     "wake(8,-) callback(8,0) wake(0,-) resume(0,0) done(0,0) "
                     "cancel(1,-) wake(1,-) resume(1,0) done(1,1) ");
}

/* The dump: names, states, what each waits on, where it is suspended. */
static const int sleep_line = __LINE__ + 5;
struct napper { coro_frame co; };
static CORO_FN(napper, struct napper, self)
{
    CORO_BEGIN(self);
    CORO_SLEEP(self, 100);
    CORO_END(self);
}

struct boss { coro_frame co; struct napper n[2]; struct waiter w; coro_task t[3]; };
static CORO_FN(boss, struct boss, self)
{
    coro_loop *loop = coro_running_loop();
    CORO_BEGIN(self);
    coro_spawn(loop, &self->t[0], napper, &self->n[0]);
    coro_spawn(loop, &self->t[1], napper, &self->n[1]);
    coro_task_set_name(loop, self->t[1], "napper-two");
    coro_spawn(loop, &self->t[2], waiter, &self->w);
    CORO_YIELD(self);
    coro_loop_dump(loop, to_dump, &dump_);
    coro_task_cancel(loop, self->t[2]);
    CORO_GATHER(self, self->t, 2, NULL);
    CORO_END(self);
}

Test(trace, dump_names_states_and_lines)
{
    static struct boss b;
    char line[128];
    coro_task t;
    coro_waitq_init(&shared.q);
    cr_assert_eq(coro_spawn(&L, &t, boss, &b), CORO_OK);
    cr_assert_str_eq(coro_task_name(&L, t), "boss");
    cr_assert_eq(coro_call_later(&L, NULL, 50, cb, NULL), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, t), CORO_OK);
    cr_assert_null(coro_task_name(&L, 0));
    cr_assert(strstr(dump_, "coro loop: time 0, 0 ready, 3 timers, running\n"), "%s", dump_);
    cr_assert(strstr(dump_, "  task 0 \"boss\": running"), "%s", dump_);
    snprintf(line, sizeof line, "  task 1 \"napper\": sleeping until 100, at %s:%d", __FILE__, sleep_line);
    cr_assert(strstr(dump_, line), "%s\nwanted: %s", dump_, line);
    cr_assert(strstr(dump_, "  task 2 \"napper-two\": sleeping until 100, at "), "%s", dump_);
    cr_assert(strstr(dump_, "  task 3 \"waiter\": waiting on a queue 0x"), "%s", dump_);
    cr_assert(strstr(dump_, "  callback 8: due at 50, arg 0x0\n"), "%s", dump_);
    /* Outside the loop, after the end: nothing is left but the loop line. */
    dump_[0] = 0;
    coro_loop_dump(&L, to_dump, &dump_);
    cr_assert_str_eq(dump_, "coro loop: time 100, 0 ready, 0 timers\n");
}

static void stop_cb(void *arg) { coro_loop_stop((coro_loop *)arg); }

Test(trace, dump_awaiting)
{
    static struct parent p;
    coro_task t;
    cr_assert_eq(coro_spawn(&L, &t, parent, &p), CORO_OK);
    coro_loop_dump(&L, to_dump, &dump_);
    cr_assert(strstr(dump_, "  task 0 \"parent\": ready (not started)\n"), "%s", dump_);
    dump_[0] = 0;
    cr_assert_eq(coro_call_later(&L, NULL, 1, stop_cb, &L), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, t), CORO_ERR_STOPPED);
    coro_loop_dump(&L, to_dump, &dump_);
    cr_assert(strstr(dump_, "  task 0 \"parent\": awaiting tasks [ 1 ], at "), "%s", dump_);
    cr_assert(strstr(dump_, "  task 1 \"sleeper\": sleeping until 10, awaited by 0, at "), "%s", dump_);
    cr_assert_eq(coro_task_cancel(&L, t), 1);
    dump_[0] = 0;
    coro_loop_dump(&L, to_dump, &dump_);
    cr_assert(strstr(dump_, "  task 1 \"sleeper\": ready, awaited by 0"), "%s", dump_);
    cr_assert_eq(coro_loop_run_task(&L, t), CORO_ERR_CANCELLED);
}

/* Callbacks are listed as callbacks, never as tasks (the first callback slot
 * follows the last task slot), and the numbers print in full at their
 * widest: a time near the top of the tick range, an argument with every bit
 * set (build with -fsanitize=address to see the number buffer is big enough:
 * mk/analysis.mk's `make sanitize` does). */
static void nop(void *arg) { (void)arg; }
Test(trace, dump_lists_callbacks_as_callbacks_at_the_widest_numbers)
{
    char want[256];
    coro_virtual_now = (coro_tick)-16;
    cr_assert_eq(coro_loop_init(&L), CORO_OK);
    cr_assert_eq(coro_call_later(&L, NULL, 15, nop, (void *)UINTPTR_MAX), CORO_OK);
    cr_assert_eq(coro_call_soon(&L, NULL, nop, (void *)(uintptr_t)0xabc), CORO_OK);
    coro_loop_dump(&L, to_dump, &dump_);
    snprintf(want, sizeof want,
             "coro loop: time %lu, 1 ready, 1 timers\n"
             "  callback %d: due at %lu, arg 0x%lx\n"
             "  callback %d: ready, arg 0xabc\n",
             (unsigned long)(coro_tick)-16, CORO_MAX_TASKS, (unsigned long)(coro_tick)-1, (unsigned long)UINTPTR_MAX,
             CORO_MAX_TASKS + 1);
    cr_assert_str_eq(dump_, want);
}
