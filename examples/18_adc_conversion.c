/* 18: writing your own awaitable - an ADC whose "conversion complete"
 * interrupt a task awaits, with a timeout. The awaitable uses only coro.h's
 * public await protocol: CORO_AWAIT_ON (a start and a resume function), a
 * wait queue to park the task, and a coro_watch that keeps the loop polling
 * the ADC (and idling, not deadlocked) while a task waits for it. */
#define CORO_IMPLEMENTATION
#include "coro.h"
#include <stdio.h>

/* ---- the awaitable ------------------------------------------------------ */
struct adc {
    coro_watch watch;         /* first member: its poll hook is the adc */
    coro_waitq waiter;        /* the task awaiting the conversion */
    coro_loop *loop;          /* the loop to wake */
    volatile uint8_t done;    /* set by the interrupt, after value */
    volatile uint16_t value;  /* the result, stored by the interrupt */
    coro_handle conv;         /* the simulated hardware's pending conversion */
};

static void adc_hw_start(struct adc *a, unsigned channel);
static void adc_hw_abort(struct adc *a);

/* Interrupt side (ADC_vect on an AVR): store the result, then wake the loop.
 * Nothing else: the loop's poll hook wakes the task. */
static void adc_conversion_complete(struct adc *a, uint16_t value)
{
    a->value = value;
    CORO_FENCE(); /* the value before the flag */
    a->done = 1;
    coro_loop_wakeup(a->loop);
}

/* The poll hook, run by the loop after a wakeup. */
static void adc_poll(coro_loop *loop, coro_poll *hook)
{
    struct adc *a = (struct adc *)(void *)hook;
    if (a->done)
        coro_waitq_notify(loop, &a->waiter, CORO_OK);
}

/* start: park the task, watch the ADC, then start the conversion (so its
 * interrupt cannot come before the watch). CORO_PENDING suspends. */
static coro_status adc_read_start(struct adc *a, unsigned channel)
{
    coro_loop *loop = coro_running_loop();
    coro_status st;
    CORO_ASSERT(coro_waitq_empty(&a->waiter) && "adc: one conversion at a time");
    st = coro_waitq_wait(&a->waiter);
    if (st != CORO_PENDING)
        return st; /* cancelled before waiting */
    a->loop = loop;
    a->done = 0;
    coro_watch_start(loop, &a->watch, adc_poll);
    adc_hw_start(a, channel);
    return CORO_PENDING;
}

/* resume: after the wake. CORO_OK: the result; a timeout or a cancellation
 * arrives as an error status: abort the conversion. */
static coro_status adc_read_resume(struct adc *a, uint16_t *out)
{
    int chosen;
    coro_status st = coro_waitq_resumed(&chosen);
    coro_watch_stop(a->loop, &a->watch);
    if (st == CORO_OK)
        *out = a->value;
    else
        adc_hw_abort(a);
    return st;
}

/* Convert channel, the result into *out. Suspends. Fails with the timeout
 * scope's CORO_ERR_TIMEOUT, or CORO_ERR_CANCELLED. */
#define ADC_READ(self, a, channel, out) \
    CORO_AWAIT_ON(self, adc_read_start((a), (channel)), adc_read_resume((a), (out)))

/* ---- the simulated hardware ---------------------------------------------- */
/* A conversion takes 1 ms, then the interrupt fires. Channel 2's input is
 * disconnected: its conversion never completes. On a microcontroller
 * adc_hw_start writes ADMUX and sets ADSC, and ISR(ADC_vect) calls
 * adc_conversion_complete(&adc, ADC); here a timer callback plays it. */
static const uint16_t input_mv[] = { 1100, 2500, 0, 3300 };
static unsigned hw_channel;

static void adc_isr(void *arg)
{
    struct adc *a = (struct adc *)arg;
    a->conv.id = 0;
    adc_conversion_complete(a, (uint16_t)(input_mv[hw_channel] * 1023ul / 5000u));
}

static void adc_hw_start(struct adc *a, unsigned channel)
{
    hw_channel = channel;
    if (channel != 2)
        coro_call_later(a->loop, &a->conv, CORO_MS(1), adc_isr, a);
}

static void adc_hw_abort(struct adc *a)
{
    if (a->conv.id)
        coro_handle_cancel(a->loop, a->conv);
    a->conv.id = 0;
}

/* ---- the application ----------------------------------------------------- */
static struct adc adc; /* all-zero: a stopped watch, nobody waiting */

struct sampler { coro_frame co; unsigned round, ch; uint16_t raw; coro_timeout to; coro_status st; };

static CORO_FN(sampler, struct sampler, self)
{
    CORO_BEGIN(self);
    for (self->round = 1; self->round <= 2; self->round++) {
        for (self->ch = 0; self->ch < 4; self->ch++) {
            CORO_CATCH(self, self->st, CORO_TIMEOUT(self, &self->to, CORO_MS(20), ADC_READ(self, &adc, self->ch, &self->raw)));
            if (self->st == CORO_OK)
                printf("round %u, channel %u: raw %u = %u mV\n", self->round, self->ch, (unsigned)self->raw,
                       (unsigned)((self->raw * 5000ul + 511u) / 1023u));
            else
                printf("round %u, channel %u: %s\n", self->round, self->ch, coro_strerror(self->st));
        }
        CORO_SLEEP(self, CORO_MS(100));
    }
    printf("watching: %d\n", coro_watch_active(&adc.watch));
    CORO_END(self);
}

int main(void)
{
    static struct sampler s;
    return coro_run(sampler, &s) == CORO_OK ? 0 : 1;
}
