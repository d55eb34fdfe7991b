/* Misuse that must fail loudly (issue 11, item 13), on a host with the
 * default report: each mistake runs in a child process whose stdout and
 * stderr are pipes; the child must die of SIGABRT, stderr must name the
 * mistake and the file:line in this file, and what the child printed to its
 * (fully buffered) stdout before the trap must not be lost.
 * The microcontroller-style hook (CORO_ON_FAIL, no strings) is
 * tests/test_failhook.c; configuration mismatches between files and the
 * compile-time frame checks are mk/host.mk. */
#define CORO_IMPLEMENTATION
#include "coro.h"
#include "coro_sync.h"
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

struct outcome {
    int sig;          /* the signal that ended the child, 0 if it exited */
    char out[256];    /* its stdout */
    char err[1024];   /* its stderr */
};

static void slurp(int fd, char *buf, size_t size)
{
    size_t n = 0;
    ssize_t r;
    while (n + 1 < size && (r = read(fd, buf + n, size - 1 - n)) > 0)
        n += (size_t)r;
    buf[n] = 0;
    close(fd);
}

/* Run fn in a child with stdout (fully buffered, as when redirected to a
 * file) and stderr captured. */
static void run_child(void (*fn)(void), struct outcome *o)
{
    int po[2], pe[2], status = 0;
    pid_t pid;
    cr_assert(pipe(po) == 0 && pipe(pe) == 0);
    fflush(stdout);
    fflush(stderr);
    pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        dup2(po[1], 1);
        dup2(pe[1], 2);
        close(po[0]), close(po[1]), close(pe[0]), close(pe[1]);
        setvbuf(stdout, NULL, _IOFBF, 4096);
        fn();
        _exit(0); /* the misuse went unnoticed */
    }
    close(po[1]);
    close(pe[1]);
    slurp(po[0], o->out, sizeof o->out);
    slurp(pe[0], o->err, sizeof o->err);
    cr_assert(waitpid(pid, &status, 0) == pid);
    o->sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

/* The child died of SIGABRT after "before the trap" reached stdout, and
 * stderr holds "<this file>:<line>: coro: <reason>". */
static void expect_trap(const struct outcome *o, unsigned line, const char *reason)
{
    char where[256];
    snprintf(where, sizeof where, "%s:%u: coro: %s", __FILE__, line, reason);
    cr_expect_eq(o->sig, SIGABRT, "no abort; stderr: %s", o->err);
    cr_expect(strstr(o->err, where) != NULL, "stderr lacks \"%s\": %s", where, o->err);
    cr_expect_str_eq(o->out, "before the trap\n");
}

/* ---- an await inside the user's own switch --------------------------------------- */
struct in_switch { coro_frame co; int k; };
enum { SWITCH_LINE = __LINE__ + 3 }; /* the line of its CORO_BEGIN */
static CORO_FN(in_switch, struct in_switch, self)
{
    CORO_BEGIN(self);
    switch (self->k) {
    case 0:
        CORO_YIELD(self); /* its resume point is a case of this switch */
        break;
    default:
        break;
    }
    CORO_END(self);
}

static void await_in_switch(void)
{
    static struct in_switch f;
    printf("before the trap\n");
    coro_run(in_switch, &f);
}

Test(misuse, await_inside_switch_names_it_and_the_line)
{
    struct outcome o;
    run_child(await_in_switch, &o);
    expect_trap(&o, SWITCH_LINE, "unknown resume point: an await inside your own switch statement");
}

/* ---- a coroutine called directly, outside any loop --------------------------------- */
struct main_co { coro_frame co; };
enum { DIRECT_LINE = __LINE__ + 3 };
static CORO_FN(main_co, struct main_co, self)
{
    CORO_BEGIN(self);
    CORO_YIELD(self);
    CORO_END(self);
}

static void direct_call(void)
{
    static struct main_co m;
    printf("before the trap\n");
    main_co(&m.co); /* instead of coro_run(main_co, &m) */
}

Test(misuse, direct_call_names_it_and_the_line)
{
    struct outcome o;
    run_child(direct_call, &o);
    expect_trap(&o, DIRECT_LINE, "coroutine called outside a task");
}

/* ---- a finished frame resumed: one frame given to two tasks ------------------------- */
struct shared { coro_frame co; };
enum { SHARED_LINE = __LINE__ + 3 };
static CORO_FN(sleeper, struct shared, self)
{
    CORO_BEGIN(self);
    CORO_SLEEP(self, 1);
    CORO_END(self);
}

static void shared_frame(void)
{
    static coro_loop L;
    static struct shared f;
    printf("before the trap\n");
    coro_loop_init(&L);
    coro_spawn(&L, NULL, sleeper, &f);
    coro_spawn(&L, NULL, sleeper, &f); /* the second task ends the frame under the first */
    coro_loop_run_forever(&L);
}

Test(misuse, finished_frame_resumed_names_it_and_the_line)
{
    struct outcome o;
    run_child(shared_frame, &o);
    expect_trap(&o, SHARED_LINE, "a finished coroutine was resumed");
}

/* ---- CORO_ASSERT: the user's own, and one inside a coro macro --------------------- */
enum { ASSERT_LINE = __LINE__ + 4 };
static void user_assert(void)
{
    printf("before the trap\n");
    CORO_ASSERT(0 && "what the user did wrong");
}

Test(misuse, assert_prints_the_condition_and_the_line)
{
    struct outcome o;
    run_child(user_assert, &o);
    expect_trap(&o, ASSERT_LINE, "precondition failed: 0 && \"what the user did wrong\"");
}

/* A continue outside any loop, inside a scope block (which re-issues it after
 * the scope's exit): the report names it, at the line of CORO_END. */
struct stray { coro_frame co; };
enum { STRAY_LINE = __LINE__ + 7 };
static CORO_FN(stray, struct stray, self)
{
    CORO_BEGIN(self);
    CORO_TRY(self) {
        continue;
    } CORO_END_TRY(self);
    CORO_END(self);
}

static void stray_continue(void)
{
    static struct stray f;
    printf("before the trap\n");
    coro_run(stray, &f);
}

Test(misuse, continue_outside_a_loop_names_the_mistake)
{
    struct outcome o;
    run_child(stray_continue, &o);
    expect_trap(&o, STRAY_LINE, "precondition failed: continue outside a loop\n");
}

/* ---- a configuration tag from a file that disagrees (white box: the
 * two-file programs are in mk/host.mk) ------------------------------------------ */
static void config_mismatch(void)
{
    printf("before the trap\n");
    coro__config_ok(CORO__CONFIG ^ (3ul << 16), __FILE__, 42);
}

Test(misuse, configuration_mismatch_names_the_knob)
{
    struct outcome o;
    run_child(config_mismatch, &o);
    expect_trap(&o, 42, "this file's configuration differs from the file with CORO_IMPLEMENTATION");
    cr_expect(strstr(o.err, "CORO_MAX_TASKS differs") != NULL, "%s", o.err);
}

/* Each knob's part of the tag is named by its own text; a difference in the
 * low bits (the loop's size) names the size, never a knob it is not. */
static unsigned long flip_bits;
static void config_flip(void) { coro__config_ok(CORO__CONFIG ^ flip_bits, __FILE__, 43); }
Test(misuse, configuration_mismatch_names_each_knob)
{
    static const struct { unsigned long bits; const char *text; } knobs[] = {
        {1ul << 16, "CORO_MAX_TASKS differs"},     {1ul << 24, "CORO_TICK_BITS differs"},
        {1ul << 27, "CORO_INDEX_BITS differs"},    {1ul << 30, "CORO_DEBUG differs"},
        {1ul << 31, "CORO_USE_LABELS differs"},    {1ul << 15, "CORO_GEN_BITS differs"},
        {1ul, "sizeof(coro_loop) differs"},        {1ul << 14, "sizeof(coro_loop) differs"},
    };
    struct outcome o;
    unsigned i;
    for (i = 0; i < sizeof knobs / sizeof knobs[0]; i++) {
        flip_bits = knobs[i].bits;
        run_child(config_flip, &o);
        cr_expect(strstr(o.err, knobs[i].text) != NULL, "bits %#lx: %s", knobs[i].bits, o.err);
    }
}

Test(misuse, configuration_match_is_silent)
{
    cr_assert_eq(coro__config_ok(CORO__CONFIG, __FILE__, __LINE__), 1);
    cr_assert_str_eq(coro_strerror(CORO_ERR_CONFIG), "configuration differs between files");
}

/* ---- a NULL future (coro_sync.h) ------------------------------------------------- */
static void future_null(void)
{
    printf("before the trap\n");
    (void)coro_future_set_result(NULL, 1);
}

Test(misuse, future_set_result_null_names_it)
{
    struct outcome o;
    run_child(future_null, &o);
    cr_expect_eq(o.sig, SIGABRT, "no abort; stderr: %s", o.err);
    cr_expect(strstr(o.err, "coro: precondition failed: coro_future_set_result: NULL future") != NULL, "stderr: %s",
              o.err);
    cr_expect_str_eq(o.out, "before the trap\n");
}

/* ---- a correct program is untouched ---------------------------------------------- */
Test(misuse, correct_program_runs)
{
    static struct main_co m;
    static struct in_switch s;
    cr_assert_eq(coro_run(main_co, &m), CORO_OK);
    s.k = 1; /* the switch's other branch: no await inside it */
    cr_assert_eq(coro_run(in_switch, &s), CORO_OK);
}
