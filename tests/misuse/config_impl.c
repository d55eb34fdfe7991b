/* Two files that may disagree on the configuration (issue 11, item 16;
 * mk/host.mk): this one holds the implementation with the default knobs,
 * config_other.c is built with the knobs under test. -DHOOK: a CORO_ON_FAIL
 * that only prints, so the refused calls return CORO_ERR_CONFIG. */
#ifdef HOOK
#include <stdio.h>
static void hook(int code, const char *file, unsigned line, const char *text)
{
    printf("CORO_ON_FAIL(%d, %s:%u, %s)\n", code, file, line, text);
    fflush(stdout);
}
#define CORO_ON_FAIL(code, file, line, text) hook((code), (file), (line), (text))
#endif
#define CORO_IMPLEMENTATION
#include "coro.h"

struct worker { coro_frame co; int n; }; /* as in config_other.c */
CORO_DECLARE(other_worker, struct worker);
int other(void);

/* No argument: config_other.c sets up a loop and spawns. An argument: a
 * coroutine of config_other.c runs under this file's coro_run. */
int main(int argc, char **argv)
{
    static struct worker w;
    (void)argv;
    if (argc > 1)
        return coro_run(other_worker, &w) != CORO_OK || w.n != 1;
    return other();
}
