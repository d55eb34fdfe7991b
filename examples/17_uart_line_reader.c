/* 17: UART line reader - the firmware pattern. An interrupt handler pushes
 * each received byte into a lock-free ring; a task assembles the bytes into
 * lines and queues them; a slower task prints the lines. */
#define CORO_IMPLEMENTATION
#include "coro.h"
#include "coro_queue.h"
#include <stdio.h>

/* The receive ring: the interrupt handler writes, the reader task reads. */
static unsigned char rx_buf[16];
static coro_ring rx = CORO_RING_INIT(rx_buf, 16, 1);
static unsigned overruns;

/* The "UART": a modem answering at about one byte per millisecond. On a
 * microcontroller this is the receive interrupt itself:
 *     ISR(USART_RX_vect) { unsigned char c = UDR0; if (coro_ring_put(&rx, &c)) overruns++; }
 * Here a timer callback plays it: coro_ring_put is the only call it makes,
 * and it wakes the loop when a task waits for the byte. */
static const char wire[] = "AT+TEMP?\r\n+TEMP: 21.5\r\nOK\r\nAT+HUM?\r\n+HUM: 40\r\nOK\r\n";
static unsigned sent;
static coro_tick t0; /* when the UART was enabled */

static void uart_rx_isr(void *arg)
{
    unsigned char c = (unsigned char)wire[sent++];
    if (coro_ring_put(&rx, &c) != CORO_OK)
        overruns++;
    if (wire[sent]) /* the next byte, 1 ms after the previous one (no drift) */
        coro_call_at((coro_loop *)arg, NULL, (coro_tick)(t0 + CORO_MS(sent + 1)), uart_rx_isr, arg);
}

struct line { char text[24]; };

/* Bytes to lines: CR dropped, LF ends a line. 50 ms of silence ends the
 * session: the line queue is shut down, which tells the printer. */
struct reader { coro_frame co; coro_queue *lines; struct line cur; int len; unsigned char c; coro_timeout idle; coro_status st; };

static CORO_FN(reader, struct reader, self)
{
    CORO_BEGIN(self);
    for (;;) {
        CORO_CATCH(self, self->st, CORO_TIMEOUT(self, &self->idle, CORO_MS(50), CORO_RING_GET(self, &rx, &self->c)));
        if (self->st == CORO_ERR_TIMEOUT)
            break;
        if (self->c == '\r')
            continue;
        if (self->c != '\n') {
            if (self->len < (int)sizeof self->cur.text - 1)
                self->cur.text[self->len++] = (char)self->c;
            continue;
        }
        self->cur.text[self->len] = '\0';
        self->len = 0;
        CORO_QUEUE_PUT(self, self->lines, &self->cur); /* waits while the printer lags */
    }
    printf("reader: line idle, closing\n");
    coro_queue_shutdown(self->lines, 0);
    CORO_END(self);
}

/* The slow consumer: 12 ms per line (a display, a flash write ...). */
struct printer { coro_frame co; coro_queue *lines; struct line l; int n; coro_status st; };

static CORO_FN(printer, struct printer, self)
{
    CORO_BEGIN(self);
    for (;;) {
        CORO_CATCH(self, self->st, CORO_QUEUE_GET(self, self->lines, &self->l));
        if (self->st == CORO_ERR_SHUTDOWN)
            break;
        printf("line %d: %s\n", ++self->n, self->l.text);
        CORO_SLEEP(self, CORO_MS(12));
    }
    CORO_END(self);
}

struct main_co {
    coro_frame co;
    struct line lines_buf[2];
    coro_queue lines;
    struct reader rd;
    struct printer pr;
    coro_task tasks[2];
};

static CORO_FN(main_co, struct main_co, self)
{
    coro_loop *loop = coro_running_loop();
    CORO_BEGIN(self);
    coro_queue_init(&self->lines, self->lines_buf, 2, sizeof self->lines_buf[0]);
    self->rd.lines = self->pr.lines = &self->lines;
    CORO_CHECK(self, coro_spawn(loop, &self->tasks[0], reader, &self->rd));
    CORO_CHECK(self, coro_spawn(loop, &self->tasks[1], printer, &self->pr));
    t0 = coro_loop_time(loop);
    CORO_CHECK(self, coro_call_at(loop, NULL, (coro_tick)(t0 + CORO_MS(1)), uart_rx_isr, loop)); /* "enable the UART" */
    CORO_GATHER(self, self->tasks, 2, NULL);
    printf("%d lines, %u bytes received, %u overruns\n", self->pr.n, sent, overruns);
    CORO_END(self);
}

int main(void)
{
    static struct main_co m;
    return coro_run(main_co, &m) == CORO_OK ? 0 : 1;
}
