/* The template port (ports/template) compiles warning-free on the host and
 * links with its stubs: a program on it sleeps and wakes in order, each
 * sleep of the port ended by one "interrupt" (its tick). make port-template. */
#define CORO_IMPLEMENTATION
#define CORO_PORT_IMPLEMENTATION
#ifndef PORT_TEMPLATE_DEFAULT_FAULT /* else coro.h's default fault (compiled only) */
#define CORO_PORT_CUSTOM_FAULT
#endif
#define CORO_PORT_TEMPLATE_WAIT() coro_port_tick_isr()
#include "coro_port.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef PORT_TEMPLATE_DEFAULT_FAULT
void coro_port_fault(unsigned line)
{
    printf("fault at line %u\n", line);
    exit(2);
}
#endif

static char trace[64];
static size_t len;

struct napper_frame { coro_frame co; int i; char name; coro_tick ms; };
static CORO_FN(napper, struct napper_frame, self)
{
    CORO_BEGIN(self);
    for (self->i = 0; self->i < 3; self->i++) {
        CORO_SLEEP(self, CORO_MS(self->ms));
        trace[len++] = self->name;
    }
    CORO_END(self);
}

int main(void)
{
    static coro_loop loop;
    static struct napper_frame a, b;
    coro_port_init(16000000u);
    a.name = 'a', a.ms = 2;
    b.name = 'b', b.ms = 3;
    coro_loop_init(&loop);
    coro_spawn(&loop, NULL, napper, &a);
    coro_spawn(&loop, NULL, napper, &b);
    coro_loop_run_forever(&loop);
    printf("%s at %lu\n", trace, (unsigned long)coro_port_now());
    return !(strcmp(trace, "ababab") == 0 && coro_port_now() == 9);
}
