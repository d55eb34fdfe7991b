/* Misuse reports as a microcontroller sees them (issue 11, item 13): no
 * strings (CORO_FAIL_TEXT 0), a CORO_ON_FAIL hook that records the code and
 * the line, and a CORO_TRAP that longjmps back to the test instead of
 * halting. The host's printed report is tests/test_misuse.c. */
#include <setjmp.h>
#include <stddef.h>

static jmp_buf trap_env;
static int fail_code, fail_calls, traps;
static unsigned fail_line;
static const void *fail_file, *fail_text;
static void on_fail(int code, const char *file, unsigned line, const char *text)
{
    fail_code = code;
    fail_line = line;
    fail_file = file;
    fail_text = text;
    fail_calls++;
}

#define CORO_FAIL_TEXT 0
#define CORO_ON_FAIL(code, file, line, text) on_fail((code), (file), (line), (text))
#define CORO_TRAP() (traps++, longjmp(trap_env, 1))
#define CORO_IMPLEMENTATION
#include "coro.h"
#include <criterion/criterion.h>

/* Exactly one report with this code and line, no strings, and a trap. */
static void expect_fail(int code, unsigned line)
{
    cr_expect_eq(fail_calls, 1);
    cr_expect_eq(fail_code, code);
    cr_expect_eq(fail_line, line);
    cr_expect_null(fail_file);
    cr_expect_null(fail_text);
    cr_expect_eq(traps, 1);
}

struct in_switch { coro_frame co; int k; };
enum { SWITCH_LINE = __LINE__ + 3 }; /* the line of its CORO_BEGIN */
static CORO_FN(in_switch, struct in_switch, self)
{
    CORO_BEGIN(self);
    switch (self->k) {
    case 0:
        CORO_YIELD(self);
        break;
    default:
        break;
    }
    CORO_END(self);
}

Test(failhook, await_inside_switch)
{
    static struct in_switch f;
    if (setjmp(trap_env) == 0) {
        coro_run(in_switch, &f);
        cr_assert_fail("no trap");
    }
    expect_fail(CORO_FAIL_RESUME, SWITCH_LINE);
}

struct main_co { coro_frame co; };
enum { DIRECT_LINE = __LINE__ + 3 };
static CORO_FN(main_co, struct main_co, self)
{
    CORO_BEGIN(self);
    CORO_YIELD(self);
    CORO_END(self);
}

Test(failhook, direct_call)
{
    static struct main_co m;
    if (setjmp(trap_env) == 0) {
        main_co(&m.co);
        cr_assert_fail("no trap");
    }
    expect_fail(CORO_FAIL_NO_TASK, DIRECT_LINE);
}

Test(failhook, finished_frame_resumed)
{
    static struct main_co m;
    static coro_loop L;
    coro_loop_init(&L);
    coro_spawn(&L, NULL, main_co, &m);
    coro_spawn(&L, NULL, main_co, &m); /* one frame, two tasks */
    if (setjmp(trap_env) == 0) {
        coro_loop_run_forever(&L);
        cr_assert_fail("no trap");
    }
    expect_fail(CORO_FAIL_FINISHED, DIRECT_LINE);
}

Test(failhook, assert_reports_code_and_line)
{
    volatile unsigned line = 0;
    if (setjmp(trap_env) == 0) {
        line = __LINE__; CORO_ASSERT(0 && "no text reaches the hook");
        cr_assert_fail("no trap");
    }
    expect_fail(CORO_FAIL_ASSERT, line);
}

/* A configuration mismatch is reported, and when the hook returns the call
 * is refused instead of trapping. */
Test(failhook, configuration_mismatch_returns_when_the_hook_does)
{
    cr_assert_eq(coro__config_ok(CORO__CONFIG ^ (1ul << 30), NULL, 7), 0);
    cr_expect_eq(fail_calls, 1);
    cr_expect_eq(fail_code, CORO_FAIL_CONFIG);
    cr_expect_eq(fail_line, 7);
    cr_expect_null(fail_text);
    cr_expect_eq(traps, 0);
    cr_assert_eq(coro__config_ok(CORO__CONFIG, NULL, 8), 1);
    cr_expect_eq(fail_calls, 1);
}

Test(failhook, correct_program_reports_nothing)
{
    static struct main_co m;
    cr_assert_eq(coro_run(main_co, &m), CORO_OK);
    cr_expect_eq(fail_calls, 0);
    cr_expect_eq(traps, 0);
}
