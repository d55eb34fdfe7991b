/* Core runtime tests (coro.h), on the virtual clock. */
#define CORO_IMPLEMENTATION
#include "coro.h"
#include <criterion/criterion.h>
#include <string.h>

static coro_loop L;
static char trace[256];
static void tr(const char *s) { strcat(trace, s); }

static void setup(void)
{
    coro_virtual_now = 0;
    trace[0] = 0;
    cr_assert_eq(coro_loop_init(&L), CORO_OK);
}
TestSuite(core, .init = setup);

struct ping { coro_frame co; const char *name; int i, n; };
static CORO_FN(ping, struct ping, self)
{
    CORO_BEGIN(self);
    for (self->i = 0; self->i < self->n; self->i++) {
        tr(self->name);
        CORO_YIELD(self);
    }
    CORO_END(self);
}

Test(core, yield_round_robin)
{
    struct ping a = {.name = "a", .n = 3}, b = {.name = "b", .n = 3};
    coro_task ta, tb;
    cr_assert_eq(coro_spawn(&L, &ta, ping, &a), CORO_OK);
    cr_assert_eq(coro_spawn(&L, &tb, ping, &b), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, tb), CORO_OK);
    cr_assert_str_eq(trace, "ababab");
    cr_assert(coro_task_done(&L, ta));
}
