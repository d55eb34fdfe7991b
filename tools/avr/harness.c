/* The AVR test harness linked into every example under simavr (tools/avr/simrun):
 * the port's code, stdout on USART0 at 1 Mbaud (the examples' printf formats
 * live in flash: tools/avr/harness.h), the tick started before main,
 * main's return value as the runner's exit status (GPIOR1), faults as 254 and a
 * stack that ran into .bss as 253. Link with -Wl,--wrap=exit. */
#define CORO_PORT_IMPLEMENTATION
#define CORO_PORT_CUSTOM_FAULT
#include "coro_port.h"
#include <stdio.h>
#include <avr/pgmspace.h>

static int uart_putc(char c, FILE *f)
{
    (void)f;
    while (!(UCSR0A & _BV(UDRE0))) {
    }
    UDR0 = (uint8_t)c;
    return 0;
}

static FILE uart_stdout = FDEV_SETUP_STREAM(uart_putc, NULL, _FDEV_SETUP_WRITE);

/* USART0 as stdout: 8N1, double speed. */
static void uart_init(unsigned long baud)
{
    uint16_t ubrr = (uint16_t)((F_CPU / 8 + baud / 2) / baud - 1);
    UBRR0H = (uint8_t)(ubrr >> 8);
    UBRR0L = (uint8_t)ubrr;
    UCSR0A = _BV(U2X0);
    UCSR0C = _BV(UCSZ01) | _BV(UCSZ00);
    UCSR0B = _BV(TXEN0);
    stdout = &uart_stdout;
}

#define CANARY 0xA5
extern uint8_t __heap_start;

/* Paint the free RAM between .bss and the stack, before main. */
__attribute__((constructor)) static void harness_init(void)
{
    uint8_t *p = &__heap_start;
    uint8_t *sp = (uint8_t *)SP;
    while (p < sp - 32)
        *p++ = CANARY;
    uart_init(1000000ul);
    coro_port_init(F_CPU);
}

void __wrap_exit(int status) __attribute__((noreturn));
void __wrap_exit(int status)
{
    const volatile uint8_t *p = &__heap_start;
    cli();
    /* the stack never reached the lowest painted bytes, or it overflowed */
    if (p[0] != CANARY || p[1] != CANARY || p[2] != CANARY || p[3] != CANARY)
        status = 253;
    GPIOR1 = (uint8_t)status;
    for (;;) {
    }
}

void coro_port_fault(unsigned line)
{
    printf_P(PSTR("coro fault at line %u\n"), line);
    __wrap_exit(254);
}
