/* The footprint programs of `make size` (tools/embedded/size.sh):
 *   SIZE_CORE   the core alone: one task that sleeps in a loop, on a static
 *               loop with one task slot and no callback slot
 *   SIZE_SYNC   the same task also takes a Lock and a Semaphore, sets and
 *               waits an Event and waits an interrupt-safe flag
 *   SIZE_QUEUE  the same task also puts into and gets from a FIFO queue
 *   SIZE_FLOOR  no coro: two bare switch-continuations called alternately
 *   SIZE_FEATURES=k  the feature ladder of `make size` (issue 15): the
 *               sleeping task of SIZE_CORE plus, cumulatively, k >= 1: a child
 *               task it spawns and awaits (CORO_AWAIT_TASK); k >= 2: gather
 *               and wait over two children; k >= 3: a wait with a timeout
 *               (CORO_WAIT_FOR); k >= 4: the SIZE_SYNC objects; k >= 5: the
 *               SIZE_QUEUE queue; k = 0: SIZE_CORE with the ladder's three
 *               task slots (no callback slot).
 * Every program is complete firmware for its port (AVR: Timer0 tick and sleep;
 * Cortex-M: SysTick and WFI, with tools/arm/startup.c). */
#ifndef SIZE_FLOOR
#if defined(SIZE_FEATURES)
#define SIZE_LEVEL SIZE_FEATURES
#else
#define SIZE_LEVEL 0
#endif
#if defined(SIZE_FEATURES)
#define CORO_MAX_TASKS 3
#if SIZE_FEATURES >= 4
#define SIZE_SYNC
#endif
#if SIZE_FEATURES >= 5
#define SIZE_QUEUE
#endif
#else
#define CORO_MAX_TASKS 1
#endif
#define CORO_MAX_CALLBACKS 0
#define CORO_IMPLEMENTATION
#define CORO_PORT_IMPLEMENTATION
#include "coro_port.h"
#if defined(SIZE_SYNC)
#include "coro_sync.h"
#endif
#if defined(SIZE_QUEUE)
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
#endif
#if defined(SIZE_QUEUE)
static int qbuf[4];
static coro_queue q = CORO_QUEUE_INIT(CORO_QUEUE_FIFO, qbuf, 4, sizeof(int), NULL);
#endif

static coro_loop loop;

#if SIZE_LEVEL >= 1
struct child { coro_frame co; };
static CORO_FN(child, struct child, self)
{
    CORO_BEGIN(self);
    CORO_SLEEP(self, CORO_MS(10));
    CORO_END(self);
}
#endif

struct sleeper {
    coro_frame co;
    int v;
#if SIZE_LEVEL >= 1
    struct child kids[2];
    coro_task tasks[2];
    int ndone;
#endif
};
static CORO_FN(sleeper, struct sleeper, self)
{
    CORO_BEGIN(self);
    for (;;) {
#if SIZE_LEVEL >= 1
        coro_spawn(&loop, &self->tasks[0], child, &self->kids[0]);
        CORO_AWAIT_TASK(self, self->tasks[0]);
#if SIZE_LEVEL >= 2
        coro_spawn(&loop, &self->tasks[0], child, &self->kids[0]);
        coro_spawn(&loop, &self->tasks[1], child, &self->kids[1]);
        CORO_GATHER(self, self->tasks, 2, NULL);
        coro_spawn(&loop, &self->tasks[0], child, &self->kids[0]);
        coro_spawn(&loop, &self->tasks[1], child, &self->kids[1]);
        CORO_WAIT(self, self->tasks, 2, CORO_ALL_COMPLETED, CORO_FOREVER, self->ndone);
#endif
#if SIZE_LEVEL >= 3
        coro_spawn(&loop, &self->tasks[0], child, &self->kids[0]);
        CORO_WAIT_FOR(self, self->tasks[0], CORO_MS(5));
#endif
#endif
#if defined(SIZE_SYNC)
        CORO_LOCK(self, &lock);
        CORO_SEM_ACQUIRE(self, &sem);
        coro_event_set(&ev);
        CORO_EVENT_WAIT(self, &ev);
        coro_flag_set(&loop, &flag);
        CORO_FLAG_WAIT(self, &flag);
#endif
#if defined(SIZE_QUEUE)
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
