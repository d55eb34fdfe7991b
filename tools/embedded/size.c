/* The footprint programs of `make size` (tools/embedded/size.sh):
 *   SIZE_CORE   the core alone: one task that sleeps in a loop, on a static
 *               loop with one task slot and no callback slot
 *   SIZE_SYNC   the same task also takes a Lock and a Semaphore, sets and
 *               waits an Event and waits an interrupt-safe flag
 *   SIZE_QUEUE  the same task also puts into and gets from a FIFO queue
 *   SIZE_FLOOR  no coro: two bare switch-continuations called alternately
 * Every program is complete firmware for its port (AVR: Timer0 tick and sleep;
 * Cortex-M: SysTick and WFI, with tools/arm/startup.c). */
#ifndef SIZE_FLOOR
#define CORO_MAX_TASKS 1
#define CORO_MAX_CALLBACKS 0
#define CORO_IMPLEMENTATION
#define CORO_PORT_IMPLEMENTATION
#include "coro_port.h"
#if defined(SIZE_SYNC)
#include "coro_sync.h"
#elif defined(SIZE_QUEUE)
#include "coro_queue.h"
#endif
#else
#include <stdint.h>
#endif

#if !defined(__AVR__)
void board_init(void);
void board_exit(int status) __attribute__((noreturn));
void board_init(void) {}
void board_exit(int status)
{
    (void)status;
    for (;;) {
    }
}
#if defined(SIZE_FLOOR)
void SysTick_Handler(void);
void SysTick_Handler(void) {}
#endif
#endif

#ifndef SIZE_FLOOR
#if defined(SIZE_SYNC)
static coro_lock lock = CORO_LOCK_INIT;
static coro_sem sem = CORO_SEM_INIT(1);
static coro_event ev = CORO_EVENT_INIT;
static coro_flag flag = CORO_FLAG_INIT;
#elif defined(SIZE_QUEUE)
static int qbuf[4];
static coro_queue q = CORO_QUEUE_INIT(CORO_QUEUE_FIFO, qbuf, 4, sizeof(int), NULL);
#endif

static coro_loop loop;

struct sleeper { coro_frame co; int v; };
static CORO_FN(sleeper, struct sleeper, self)
{
    CORO_BEGIN(self);
    for (;;) {
#if defined(SIZE_SYNC)
        CORO_LOCK(self, &lock);
        CORO_SEM_ACQUIRE(self, &sem);
        coro_event_set(&ev);
        CORO_EVENT_WAIT(self, &ev);
        coro_flag_set(&loop, &flag);
        CORO_FLAG_WAIT(self, &flag);
#elif defined(SIZE_QUEUE)
        CORO_QUEUE_PUT(self, &q, &self->v);
        CORO_QUEUE_GET(self, &q, &self->v);
#endif
        CORO_SLEEP(self, CORO_MS(100));
#if defined(SIZE_SYNC)
        coro_sem_release(&sem);
        coro_lock_release(&lock);
#endif
    }
    CORO_END(self);
}

int main(void)
{
    static struct sleeper s;
    coro_port_init(16000000u);
    coro_loop_init(&loop);
    coro_spawn(&loop, NULL, sleeper, &s);
    coro_loop_run_forever(&loop);
    for (;;) {
    }
}
#else
#include "floor.h"
int main(void)
{
    static struct pp a, b;
    for (;;) {
        pingpong(&a);
        pingpong(&b);
    }
}
#endif
