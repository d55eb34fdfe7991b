/* No lost wake-up (tools/embedded/check_wakeup.sh): INT0 (PD2, any edge) sets
 * an interrupt-safe flag; a task waiting on it answers each edge by toggling
 * PB0. The runner sweeps the edges across every phase of the loop (period
 * prime to the 1 ms tick, while a second task sleeps and wakes on its own
 * rhythm), and stamps both pins: each answer's delay is the cycles between
 * an edge and its answer. A wake-up lost between "nothing ready" and the
 * sleep would only be noticed at the next tick, up to 16,000 cycles later. */
#define CORO_MAX_TASKS 2
#define CORO_MAX_CALLBACKS 0
#define CORO_IMPLEMENTATION
#define CORO_PORT_IMPLEMENTATION
#include "coro_port.h"
#include "coro_sync.h"

static coro_loop loop;
static coro_flag edge = CORO_FLAG_INIT;
static uint16_t answered;

ISR(INT0_vect)
{
    coro_flag_set(&loop, &edge);
}

struct answer { coro_frame co; };
static CORO_FN(answer, struct answer, self)
{
    CORO_BEGIN(self);
    for (;;) {
        CORO_FLAG_WAIT(self, &edge);
        PINB = _BV(PB0);
        if (++answered == EDGES)
            coro_loop_stop(&loop);
    }
    CORO_END(self);
}

struct busy { coro_frame co; };
static CORO_FN(busy, struct busy, self)
{
    CORO_BEGIN(self);
    for (;;)
        CORO_SLEEP(self, CORO_MS(3));
    CORO_END(self);
}

int main(void)
{
    static struct answer a;
    static struct busy b;
    DDRB |= _BV(DDB0);
    EICRA = _BV(ISC00);
    EIMSK = _BV(INT0);
    coro_loop_init(&loop);
    coro_spawn(&loop, NULL, answer, &a);
    coro_spawn(&loop, NULL, busy, &b);
    coro_port_init(F_CPU);
    coro_loop_run_forever(&loop);
    GPIOR1 = 0;
    for (;;) {
    }
}
