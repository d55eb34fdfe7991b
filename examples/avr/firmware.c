/* firmware: an Arduino Uno (ATmega328P, 16 MHz) doing four things at once,
 * each a coroutine, the CPU asleep whenever none of them has work:
 *   blink    the LED on PB5 toggles every 500 ms
 *   button   a push button on PD2 (INT0, to ground, pull-up on): the ISR only
 *            sets an interrupt-safe flag; the task debounces (20 ms settle,
 *            then reads the pin) and reports each press and release once
 *   reader   USART0's receive ISR only puts each byte into a lock-free ring;
 *            the task assembles lines and queues them
 *   console  takes lines from the queue and answers them; "quit" stops
 * stdout is USART0 at 1 Mbaud, formats in flash (printf_P).
 * tools/embedded/check_firmware.sh drives it under simavr: a bouncing button
 * on PD2 and typed lines on the UART, output diffed with
 * tests/expected/avr/firmware.out. */
#define CORO_MAX_TASKS 4
#define CORO_MAX_CALLBACKS 0
#define CORO_IMPLEMENTATION
#define CORO_PORT_IMPLEMENTATION
#include "coro_port.h"
#include "coro_sync.h"
#include "coro_queue.h"
#include <stdio.h>
#include <string.h>
#include <avr/pgmspace.h>

static coro_loop loop;

/* ---- stdout: USART0, 8N1, double speed ------------------------------------ */
static int uart_putc(char c, FILE *f)
{
    (void)f;
    while (!(UCSR0A & _BV(UDRE0))) {
    }
    UDR0 = (uint8_t)c;
    return 0;
}

static FILE uart_stdout = FDEV_SETUP_STREAM(uart_putc, NULL, _FDEV_SETUP_WRITE);

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

/* ---- blink ---------------------------------------------------------------- */
static uint16_t toggles;

struct blink { coro_frame co; coro_tick next; };
static CORO_FN(blink, struct blink, self)
{
    CORO_BEGIN(self);
    self->next = coro_clock();
    for (;;) {
        PINB = _BV(PB5); /* writing 1 to PINx toggles the output */
        toggles++;
        self->next += CORO_MS(500);
        CORO_SLEEP_UNTIL(self, self->next);
    }
    CORO_END(self);
}

/* ---- debounced button ------------------------------------------------------------ */
static coro_flag button_edge = CORO_FLAG_INIT;

ISR(INT0_vect)
{
    coro_flag_set(&loop, &button_edge);
}

struct button { coro_frame co; uint8_t level; };
static CORO_FN(button, struct button, self)
{
    CORO_BEGIN(self);
    self->level = PIND & _BV(PD2);
    for (;;) {
        CORO_FLAG_WAIT(self, &button_edge);
        CORO_SLEEP(self, CORO_MS(20)); /* bounces settle meanwhile */
        coro_flag_clear(&button_edge);  /* the edges of the bounce */
        if ((PIND & _BV(PD2)) != self->level) {
            self->level = PIND & _BV(PD2);
            printf_P(PSTR("button: %s\n"), self->level ? "released" : "pressed");
        }
    }
    CORO_END(self);
}

/* ---- UART line reader ------------------------------------------------------------- */
static unsigned char rx_buf[16];
static coro_ring rx = CORO_RING_INIT(rx_buf, 16, 1);
static uint8_t overruns;

ISR(USART_RX_vect)
{
    unsigned char c = UDR0;
    if (coro_ring_put(&rx, &c) != CORO_OK)
        overruns++;
}

struct line { char s[24]; };
static CORO_QUEUE_OF(struct line, 2) lines;

struct reader { coro_frame co; unsigned char c; uint8_t n; struct line buf; };
static CORO_FN(reader, struct reader, self)
{
    CORO_BEGIN(self);
    for (;;) {
        CORO_RING_GET(self, &rx, &self->c);
        if (self->c == '\r')
            continue;
        if (self->c != '\n') {
            if (self->n < sizeof self->buf.s - 1)
                self->buf.s[self->n++] = (char)self->c;
            continue;
        }
        self->buf.s[self->n] = 0;
        self->n = 0;
        CORO_QUEUE_PUT(self, &lines.q, &self->buf); /* waits while the queue is full */
    }
    CORO_END(self);
}

struct console { coro_frame co; struct line l; };
static CORO_FN(console, struct console, self)
{
    CORO_BEGIN(self);
    for (;;) {
        CORO_QUEUE_GET(self, &lines.q, &self->l);
        if (strcmp(self->l.s, "quit") == 0)
            break;
        printf_P(PSTR("line: %s\n"), self->l.s);
    }
    printf_P(PSTR("bye after %u LED toggles, %u overruns\n"), toggles, overruns);
    coro_loop_stop(&loop);
    CORO_END(self);
}

int main(void)
{
    static struct blink b;
    static struct button bt;
    static struct reader r;
    static struct console c;
    DDRB |= _BV(DDB5);
    PORTD |= _BV(PD2);                 /* pull-up: the button pulls PD2 low */
    EICRA = _BV(ISC00);                /* INT0 on any edge */
    EIMSK = _BV(INT0);
    uart_init(1000000ul);
    UCSR0B |= _BV(RXEN0) | _BV(RXCIE0);
    coro_queue_init_of(&lines, CORO_QUEUE_FIFO, NULL);
    coro_loop_init(&loop);
    coro_spawn(&loop, NULL, blink, &b);
    coro_spawn(&loop, NULL, button, &bt);
    coro_spawn(&loop, NULL, reader, &r);
    coro_spawn(&loop, NULL, console, &c);
    coro_port_init(F_CPU);
    printf_P(PSTR("firmware: ready\n"));
    coro_loop_run_forever(&loop);
    GPIOR1 = 0; /* the simulator's exit register (a spare register on a chip) */
    for (;;) {
    }
}
