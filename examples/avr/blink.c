/* blink: firmware for an Arduino Uno (ATmega328P, 16 MHz). The LED on PB5
 * (pin 13) toggles every 500 ms from a coroutine; the CPU sleeps in between
 * (the port's Timer0 tick wakes it once per millisecond).
 * CORO_SLEEP_UNTIL on a running deadline keeps the period exact: the time the
 * task itself takes never accumulates as drift.
 * Built for the test with -DBLINK_TOGGLES=N: stop after N toggles and report
 * through GPIOR1 (the simulator's exit register; harmless on a real chip). */
#define CORO_MAX_TASKS 1
#define CORO_MAX_CALLBACKS 0
#define CORO_IMPLEMENTATION
#define CORO_PORT_IMPLEMENTATION
#include "coro_port.h"

struct blink { coro_frame co; coro_tick next; uint16_t n; };

static CORO_FN(blink, struct blink, self)
{
    CORO_BEGIN(self);
    self->next = coro_clock();
    for (self->n = 0;; self->n++) {
#ifdef BLINK_TOGGLES
        if (self->n == BLINK_TOGGLES)
            break;
#endif
        PINB = _BV(PB5); /* writing 1 to PINx toggles the output */
        self->next += CORO_MS(500);
        CORO_SLEEP_UNTIL(self, self->next);
    }
    CORO_END(self);
}

int main(void)
{
    static struct blink b;
    DDRB |= _BV(DDB5);
    coro_port_init(F_CPU);
    coro_run(blink, &b);
    GPIOR1 = 0; /* done (the test build only gets here) */
    for (;;) {
    }
}
