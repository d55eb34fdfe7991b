/* API contract (coro.h): the lower-case API evaluates each argument once, the
 * unit macros saturate and refuse out-of-range values, misuse asserts, and
 * coro_strerror names every code.
 * Part of the core suite split by subject: shared setup, coroutines and the
 * trace notation are in tests/core_common.h. Built also on the labels backend,
 * 16-bit ticks and 8-bit generations (Makefile labels/tick16, mk gen8). */
#include "core_common.h"

TestSuite(api, .init = setup);

/* ====================================================================================
 * argument evaluation: lower-case API evaluates each argument once
 * ==================================================================================== */

static int n_loop, n_out, n_fn, n_frame, n_task, n_cb, n_arg, n_tick;
static coro_loop *lp(void) { n_loop++; return &L; }
static coro_task *outp(coro_task *p) { n_out++; return p; }
static coro_handle *hp(coro_handle *p) { n_out++; return p; }
static coro_fn fnp(void) { n_fn++; return once_fn; }
static struct once *framep(struct once *o) { n_frame++; return o; }
static coro_task tv(coro_task t) { n_task++; return t; }
static coro_handle hv(coro_handle h) { n_task++; return h; }
static coro_callback cbp(void) { n_cb++; return nop_cb; }
static void *argp(void) { n_arg++; return NULL; }
static coro_tick tk(coro_tick t) { n_tick++; return t; }

Test(api, arguments_evaluated_once)
{
    static struct once o1, o2, o3;
    coro_task t;
    coro_handle h;
    cr_assert_eq(coro_spawn_fn(lp(), outp(&t), fnp(), &framep(&o1)->co), CORO_OK);
    cr_assert(n_loop == 1 && n_out == 1 && n_fn == 1 && n_frame == 1);
    cr_assert_not(coro_task_done(lp(), tv(t)));
    cr_assert_eq(coro_task_status(lp(), tv(t)), CORO_ERR_STATE);
    cr_assert_not(coro_task_cancelled(lp(), tv(t)));
    cr_assert(n_loop == 4 && n_task == 3);
    cr_assert_eq(coro_loop_run_task(lp(), tv(t)), CORO_OK);
    cr_assert(n_loop == 5 && n_task == 4);
    cr_assert_eq(coro_task_cancel(lp(), tv(t)), 0);
    cr_assert(n_loop == 6 && n_task == 5);
    cr_assert_eq(coro_call_soon(lp(), hp(&h), cbp(), argp()), CORO_OK);
    cr_assert_eq(coro_call_later(lp(), hp(&h), tk(3), cbp(), argp()), CORO_OK);
    cr_assert_eq(coro_call_at(lp(), hp(&h), tk(4), cbp(), argp()), CORO_OK);
    cr_assert(n_loop == 9 && n_out == 4 && n_cb == 3 && n_arg == 3 && n_tick == 2);
    cr_assert_eq(coro_handle_cancel(lp(), hv(h)), 1);
    cr_assert(n_loop == 10 && n_task == 6);
    /* the typed forms take a coroutine's name (a function pointer value
     * goes through coro_spawn_fn) */
    cr_assert_eq(coro_loop_run_until_complete(lp(), once_fn, framep(&o2)), CORO_OK);
    cr_assert(n_loop == 11 && n_fn == 1 && n_frame == 2);
    cr_assert_eq(coro_loop_time(lp()), 0);
    coro_loop_stop(lp());
    cr_assert_eq(coro_current_task(lp()), 0);
    cr_assert(n_loop == 14);
    cr_assert_eq(coro_run(once_fn, framep(&o3)), CORO_OK);
    cr_assert(n_fn == 1 && n_frame == 3);
    cr_assert_eq(coro_loop_close(lp()), CORO_OK);
    cr_assert(n_loop == 15);
    cr_assert_str_eq(trace, "x x x ");
}

/* ====================================================================================
 * unit macros (issue 11 item 15): a run-time value beyond CORO_MAX_DELAY
 * saturates to CORO_MAX_DELAY + 1, which the awaits refuse; constants out of
 * range do not compile (mk/host.mk checks that)
 * ==================================================================================== */

/* Seconds / milliseconds whose tick count wraps coro_tick to a small value
 * (a sleep of a few hundred ticks before the fix). */
#define BIG_S ((uint64_t)CORO_FOREVER / CORO_TICK_HZ + 1u)
#define BIG_MS (((uint64_t)CORO_FOREVER / CORO_TICK_HZ + 1u) * 1000u)

enum { U_SLEEP_S, U_SLEEP_MS, U_WAIT_FOR, U_TIMEOUT };
struct units {
    coro_frame co;
    int op;
    uint64_t v; /* a run-time value, as CORO_MS(self->ms) would read */
    coro_status st;
    coro_task t;
    coro_timeout to;
    struct once child;
};
static CORO_FN(units_fn, struct units, self)
{
    CORO_BEGIN(self);
    if (self->op == U_SLEEP_S) {
        CORO_CATCH(self, self->st, CORO_SLEEP(self, CORO_S(self->v)));
    } else if (self->op == U_SLEEP_MS) {
        CORO_CATCH(self, self->st, CORO_SLEEP(self, CORO_MS(self->v)));
    } else if (self->op == U_WAIT_FOR) {
        coro_spawn(coro_running_loop(), &self->t, once_fn, &self->child);
        CORO_CATCH(self, self->st, CORO_WAIT_FOR(self, self->t, CORO_S(self->v)));
    } else {
        CORO_CATCH(self, self->st, CORO_TIMEOUT(self, &self->to, CORO_MS(self->v), CORO_YIELD(self)));
    }
    CORO_END(self);
}

static coro_status units_run(int op, uint64_t v)
{
    static struct units u;
    memset(&u, 0, sizeof u);
    u.op = op;
    u.v = v;
    cr_assert_eq(coro_loop_run_until_complete(&L, units_fn, &u), CORO_OK);
    return u.st;
}

Test(api, units_runtime_out_of_range_is_err_range)
{
    cr_assert_eq(units_run(U_SLEEP_S, BIG_S), CORO_ERR_RANGE);
    cr_assert_eq(units_run(U_SLEEP_MS, BIG_MS), CORO_ERR_RANGE);
    cr_assert_eq(units_run(U_WAIT_FOR, BIG_S), CORO_ERR_RANGE);
    cr_assert_eq(units_run(U_TIMEOUT, BIG_MS), CORO_ERR_RANGE);
    cr_assert_eq(units_run(U_SLEEP_S, (uint64_t)-1), CORO_ERR_RANGE); /* CORO_S(-1) */
    cr_assert_eq(units_run(U_SLEEP_MS, (uint64_t)-1), CORO_ERR_RANGE);
    cr_assert_eq(units_run(U_SLEEP_S, CORO_MAX_DELAY / CORO_TICK_HZ + 1u), CORO_ERR_RANGE);
    cr_assert_eq(coro_virtual_now, 0); /* nothing slept */
    {
        volatile uint64_t ms = BIG_MS;
        cr_assert_eq(coro_call_later(&L, NULL, CORO_MS(ms), nop_cb, NULL), CORO_ERR_RANGE);
    }
    cr_assert_eq(cb_free_count(), CORO_MAX_CALLBACKS);
}

Test(api, units_runtime_in_range_is_exact)
{
    volatile uint64_t v = CORO_MAX_DELAY / CORO_TICK_HZ, ms = 1500;
    cr_assert_eq(CORO_S(v), (coro_tick)(CORO_MAX_DELAY / CORO_TICK_HZ * CORO_TICK_HZ));
    cr_assert_eq(CORO_MS(ms), (coro_tick)(1500u * CORO_TICK_HZ / 1000u));
    cr_assert_eq(units_run(U_SLEEP_MS, 1500), CORO_OK);
    cr_assert_eq(coro_virtual_now, (coro_tick)CORO_MS(1500));
    cr_assert_eq(units_run(U_WAIT_FOR, 2), CORO_OK);
    cr_assert_eq(units_run(U_TIMEOUT, 7), CORO_OK);
}

Test(api, units_saturate_below_forever)
{
    volatile uint64_t big = BIG_S, huge = (uint64_t)-1;
    volatile int neg = -1;
    cr_assert_eq(CORO_S(big), (coro_tick)(CORO_MAX_DELAY + 1u));
    cr_assert_eq(CORO_MS(huge), (coro_tick)(CORO_MAX_DELAY + 1u));
    cr_assert_eq(CORO_MS(neg), (coro_tick)(CORO_MAX_DELAY + 1u));
    cr_assert_neq(CORO_S(huge), CORO_FOREVER);
}

Test(api, units_evaluate_their_argument_once)
{
    int n = 0;
    coro_tick a = CORO_MS(n++ + 1000), b = CORO_S(n++ + 1);
    cr_assert_eq(n, 2);
    cr_assert_eq(a, (coro_tick)CORO_TICK_HZ);
    cr_assert_eq(b, (coro_tick)(2 * CORO_TICK_HZ));
}

#if defined(__GNUC__)
/* GCC/Clang: an in-range constant stays a constant expression. */
static const coro_tick units_const = CORO_MS(250) + CORO_S(2);
Test(api, units_constants_are_constant_expressions)
{
    cr_assert_eq(units_const, (coro_tick)(CORO_TICK_HZ / 4u + 2u * CORO_TICK_HZ));
}
#endif

/* ====================================================================================
 * misuse
 * ==================================================================================== */

Test(api, spawn_null_loop_asserts, .signal = SIGABRT)
{
    struct once o;
    coro_task t;
    coro_spawn((coro_loop *)NULL, &t, once_fn, &o);
}

Test(api, spawn_null_fn_asserts, .signal = SIGABRT)
{
    struct once o;
    coro_task t;
    coro_spawn_fn(&L, &t, (coro_fn)NULL, &o.co);
}

struct nested_catch { coro_frame co; coro_status a, b; };
static CORO_FN(nested_catch, struct nested_catch, self)
{
    CORO_BEGIN(self);
    CORO_CATCH(self, self->a, CORO_CATCH(self, self->b, CORO_CHECK(self, CORO_ERR_USER)));
    CORO_END(self);
}

/* CORO_CATCH nests (it used to assert): the inner one catches. */
Test(api, nested_catch_inner_catches)
{
    struct nested_catch n = {.a = 9, .b = 9};
    cr_assert_eq(coro_loop_run_until_complete(&L, nested_catch, &n), CORO_OK);
    cr_assert_eq(n.b, CORO_ERR_USER);
    cr_assert_eq(n.a, CORO_OK);
}

Test(api, run_task_zero_handle_asserts, .signal = SIGABRT)
{
    coro_loop_run_task(&L, 0);
}

Test(api, strerror_names_every_code)
{
    int i;
    for (i = 0; i <= CORO_ERR_SHUTDOWN; i++)
        cr_assert_str_neq(coro_strerror(i), "unknown error", "code %d", i);
    cr_assert_str_eq(coro_strerror(CORO_OK), "ok");
    cr_assert_str_eq(coro_strerror(CORO_ERR_USER + 3), "application error");
    cr_assert_str_eq(coro_strerror(-5), "unknown error");
}
