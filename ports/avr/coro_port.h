/* coro_port.h (AVR) - coro on an AVR (ATmega328P and kin): a 1 ms tick from
 * Timer0's compare-match interrupt is the clock, sleep mode is the idle hook.
 *
 * USAGE
 *   Include this header before coro.h, and in exactly one .c file:
 *       #define CORO_IMPLEMENTATION        (coro.h's code)
 *       #define CORO_PORT_IMPLEMENTATION   (this port's code: tick ISR, hooks)
 *       #include "coro_port.h"             (pulls in coro.h itself)
 *   Call coro_port_init() once at the start of main (it enables interrupts).
 *   Timer0 belongs to the port. F_CPU must be defined (e.g. -DF_CPU=16000000UL).
 *
 * HOW IT IS RACE-FREE
 *   The loop calls coro_port_idle() with interrupts masked, after it found
 *   nothing ready and no coro_loop_wakeup() pending. With interrupts masked
 *   the port checks the deadline against the tick; then it runs `sei; sleep`.
 *   SEI takes effect only after the next instruction, so an interrupt that
 *   arrived at any point after the checks is taken after SLEEP was entered and
 *   wakes the CPU at once: no wake-up can fall between "nothing ready" and
 *   sleeping. After any interrupt (the tick included) the hook returns and the
 *   loop looks again: an ISR only has to call coro_loop_wakeup().
 *
 * CONFIGURATION
 *   CORO_TICK_HZ           1000   tick rate; F_CPU/64/CORO_TICK_HZ must be 1..256
 *   CORO_PORT_STDIO        off    define it to map printf/puts/sprintf/snprintf to
 *                                 their _P forms with the format in flash, and to get
 *                                 coro_port_uart_init() (stdout on USART0)
 *   CORO_ASSERT / CORO_TRAP       default to coro_port_fault(line): no strings
 *   CORO_ON_FAIL(code, file, line, text)   defaults to coro_port_fault(line)
 *
 * API
 *   void coro_port_init(void)     start the tick, enable interrupts
 *   void coro_port_fault(unsigned line)  called on an assertion or a trap;
 *                                 masks interrupts and halts, unless you define
 *                                 CORO_PORT_CUSTOM_FAULT and write your own
 *   void coro_port_uart_init(unsigned long baud)  (CORO_PORT_STDIO) USART0 as stdout
 *
 * LICENSE: MIT, see the LICENSE file.
 */
#ifndef CORO_PORT_H
#define CORO_PORT_H

#include <avr/io.h>
#include <avr/interrupt.h>
#include <stdint.h>

#define CORO_CLOCK CORO_CLOCK_USER
#ifndef CORO_TICK_HZ
#define CORO_TICK_HZ 1000
#endif
/* Mask interrupts, restore the previous state (nestable, ISR-safe). The pair
 * opens and closes one block: use them in the same block, in this order. */
#define CORO_CRITICAL_ENTER() { uint8_t coro_port__sreg = SREG; cli()
#define CORO_CRITICAL_EXIT() SREG = coro_port__sreg; }

#ifndef CORO_ASSERT
#ifdef NDEBUG
#define CORO_ASSERT(c) ((void)0)
#else
#define CORO_ASSERT(c) ((c) ? (void)0 : coro_port_fault(__LINE__))
#endif
#endif
#ifndef CORO_TRAP
#define CORO_TRAP() coro_port_fault(0)
#endif
/* A misuse trap (an await in your own switch, a direct call, a finished
 * frame resumed, files that disagree on the knobs): the line of the
 * offending CORO_BEGIN or call; file and text are NULL (no strings). */
#ifndef CORO_ON_FAIL
#define CORO_ON_FAIL(code, file, line, text) ((void)(code), (void)(file), (void)(text), coro_port_fault(line))
#endif

#ifdef __cplusplus
extern "C" {
#endif
void coro_port_init(void);
void coro_port_fault(unsigned line);
#ifdef CORO_PORT_STDIO
void coro_port_uart_init(unsigned long baud);
#endif
#ifdef __cplusplus
}
#endif

#ifdef CORO_PORT_STDIO
/* Formats live in flash: printf("x=%d\n", x) becomes printf_P(PSTR("x=%d\n"),
 * x, 0) (the trailing 0 makes the one-argument case valid C99; printf ignores
 * extra arguments). The format must be a string literal. */
#include <stdio.h>
#include <avr/pgmspace.h>
#define printf(...) CORO_PORT__PRINTF(__VA_ARGS__, 0)
#define CORO_PORT__PRINTF(fmt, ...) printf_P(PSTR(fmt), __VA_ARGS__)
#define puts(s) puts_P(PSTR(s))
#define sprintf(buf, ...) CORO_PORT__SPRINTF(buf, __VA_ARGS__, 0)
#define CORO_PORT__SPRINTF(buf, fmt, ...) sprintf_P(buf, PSTR(fmt), __VA_ARGS__)
#define snprintf(buf, n, ...) CORO_PORT__SNPRINTF(buf, n, __VA_ARGS__, 0)
#define CORO_PORT__SNPRINTF(buf, n, fmt, ...) snprintf_P(buf, n, PSTR(fmt), __VA_ARGS__)
#endif

#endif /* CORO_PORT_H */

/* ========================================================================== */
#if defined(CORO_PORT_IMPLEMENTATION) && !defined(CORO_PORT__IMPLEMENTED)
#define CORO_PORT__IMPLEMENTED
#include "coro.h"
#include <avr/sleep.h>

#if F_CPU / 64 / CORO_TICK_HZ < 1 || F_CPU / 64 / CORO_TICK_HZ > 256
#error "coro_port (AVR): F_CPU/64/CORO_TICK_HZ must be 1..256 (Timer0, prescaler 64)"
#endif

static volatile coro_tick coro_port__ticks;

ISR(TIMER0_COMPA_vect)
{
    coro_port__ticks++;
}

void coro_port_init(void)
{
    TCCR0A = _BV(WGM01);                          /* CTC: count 0..OCR0A */
    TCCR0B = _BV(CS01) | _BV(CS00);               /* clk/64: 250 kHz at 16 MHz */
    OCR0A = (uint8_t)(F_CPU / 64 / CORO_TICK_HZ - 1);
    TCNT0 = 0;
    TIFR0 = _BV(OCF0A);
    TIMSK0 = _BV(OCIE0A);
    set_sleep_mode(SLEEP_MODE_IDLE);              /* timers and UART keep running */
    sei();
}

coro_tick coro_port_now(void)
{
    coro_tick t;
    uint8_t s = SREG;
    cli();
    t = coro_port__ticks;
    SREG = s;
    return t;
}

/* Entered and left with interrupts masked (see the header comment). */
void coro_port_idle(coro_loop *loop, int has_deadline, coro_tick deadline)
{
    (void)loop;
    if (has_deadline && (coro_tick)(coro_port__ticks - deadline) <= CORO_MAX_DELAY)
        return; /* the deadline passed after the loop looked: no sleep */
    sleep_enable();
    __asm__ __volatile__("sei\n\tsleep" ::: "memory"); /* atomic pair */
    sleep_disable();
    cli();
}

#ifndef CORO_PORT_CUSTOM_FAULT
void coro_port_fault(unsigned line)
{
    (void)line;
    cli();
    for (;;) {
    }
}
#endif

#ifdef CORO_PORT_STDIO
static int coro_port__putc(char c, FILE *f)
{
    (void)f;
    while (!(UCSR0A & _BV(UDRE0))) {
    }
    UDR0 = (uint8_t)c;
    return 0;
}

static FILE coro_port__stdout = FDEV_SETUP_STREAM(coro_port__putc, NULL, _FDEV_SETUP_WRITE);

void coro_port_uart_init(unsigned long baud)
{
    uint16_t ubrr = (uint16_t)((F_CPU / 8 + baud / 2) / baud - 1); /* double speed */
    UBRR0H = (uint8_t)(ubrr >> 8);
    UBRR0L = (uint8_t)ubrr;
    UCSR0A = _BV(U2X0);
    UCSR0C = _BV(UCSZ01) | _BV(UCSZ00); /* 8N1 */
    UCSR0B = _BV(TXEN0);
    stdout = &coro_port__stdout;
}
#endif

#endif /* CORO_PORT_IMPLEMENTATION */
