/* coro_port.h (AVR) - coro on an AVR (ATmega328P and kin): Timer0's 1 ms
 * compare-match interrupt is the tick, idle sleep mode the sleep. The contract
 * and the race-freedom argument: ports/README.md.
 *
 * Include it before coro.h (it includes coro.h); in one .c file define
 * CORO_IMPLEMENTATION and CORO_PORT_IMPLEMENTATION first. Call
 * coro_port_init(F_CPU) at the start of main (it enables interrupts).
 * Timer0 belongs to the port. CORO_TICK_HZ (1000): cpu_hz/64/CORO_TICK_HZ
 * must be 1..256. coro_port_fault(line) masks interrupts and halts unless
 * CORO_PORT_CUSTOM_FAULT says you wrote your own.
 *
 * LICENSE: MIT, see the LICENSE file.
 */
#ifndef CORO_PORT_H
#define CORO_PORT_H
#include <avr/io.h>
#include <avr/interrupt.h>
#include <avr/sleep.h>
#include <stdint.h>

#define CORO_PORT 1
#define CORO_PORT_TICKS 8 /* coro.h counts the ticks; one load reads 8 bits */
#define CORO_CLOCK CORO_CLOCK_USER
#ifndef CORO_TICK_HZ
#define CORO_TICK_HZ 1000
#endif
#if defined(F_CPU) && (F_CPU / 64 / CORO_TICK_HZ < 1 || F_CPU / 64 / CORO_TICK_HZ > 256)
#error "coro_port (AVR): F_CPU/64/CORO_TICK_HZ must be 1..256 (Timer0, prescaler 64)"
#endif
#define CORO_CRITICAL_ENTER() { uint8_t coro_port__sreg = SREG; cli()
#define CORO_CRITICAL_EXIT() SREG = coro_port__sreg; }
#define CORO_PORT_HALT() do { cli(); for (;;) {} } while (0) /* default fault: mask, stop */

/* Inline, so that a constant clock divides at compile time. */
static inline void coro_port_init(uint32_t cpu_hz)
{
    TCCR0A = _BV(WGM01);                          /* CTC: count 0..OCR0A */
    TCCR0B = _BV(CS01) | _BV(CS00);               /* clk/64: 250 kHz at 16 MHz */
    OCR0A = (uint8_t)(cpu_hz / 64u / CORO_TICK_HZ - 1u);
    TCNT0 = 0;
    TIFR0 = _BV(OCF0A);
    TIMSK0 = _BV(OCIE0A);
    set_sleep_mode(SLEEP_MODE_IDLE);              /* timers and UART keep running */
    sei();
}
#endif /* CORO_PORT_H */

#if defined(CORO_PORT_IMPLEMENTATION) && !defined(CORO_PORT__IMPLEMENTED)
#define CORO_PORT__IMPLEMENTED
#include "coro.h"

ISR(TIMER0_COMPA_vect)
{
    coro_port_ticks++;
}

/* SEI takes effect after the next instruction: an interrupt that came after
 * the loop's last look is taken once SLEEP has begun, and ends it. */
void coro_port_sleep(int has_deadline, coro_tick deadline)
{
    (void)has_deadline; /* the next tick ends the sleep */
    (void)deadline;
    sleep_enable();
    __asm__ __volatile__("sei\n\tsleep" ::: "memory"); /* atomic pair */
    sleep_disable();
    cli();
}
#endif /* CORO_PORT_IMPLEMENTATION */
