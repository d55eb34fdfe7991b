/* Two files that may disagree on the configuration (issue 11, item 16;
 * mk/misuse.mk): this one holds the implementation with the default knobs,
 * config_other.c is built with the knobs under test. -DHOOK: a CORO_ON_FAIL
 * that only prints, so the refused calls return CORO_ERR_CONFIG. */
#ifdef HOOK
#include <stdio.h>
static void hook(int code, const char *file, unsigned line, const char *text)
{
    printf("CORO_ON_FAIL(%d, %s:%u, %s)\n", code, file, line, text);
}
#define CORO_ON_FAIL(code, file, line, text) hook((code), (file), (line), (text))
#endif
#define CORO_IMPLEMENTATION
#include "coro.h"

int other(void);
int main(void) { return other(); }
