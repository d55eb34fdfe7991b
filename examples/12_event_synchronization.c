/* 12: Event - a waiter blocks until a notifier sets the event. */
#define CORO_IMPLEMENTATION
#include "coro_sync.h"
#include <stdio.h>

struct waiter { coro_frame co; coro_event *event; };

static CORO_FN(waiter, struct waiter, self)
{
    CORO_BEGIN(self);
    printf("Waiting for event\n");
    CORO_EVENT_WAIT(self, self->event);
    printf("Event received!\n");
    CORO_END(self);
}

struct notifier { coro_frame co; coro_event *event; };

static CORO_FN(notifier, struct notifier, self)
{
    CORO_BEGIN(self);
    CORO_SLEEP(self, CORO_S(1));
    printf("Setting event\n");
    coro_event_set(self->event);
    CORO_END(self);
}

struct main_co {
    coro_frame co;
    coro_event event;
    struct waiter w;
    struct notifier n;
    coro_task tasks[2];
};

static CORO_FN(main_co, struct main_co, self)
{
    CORO_BEGIN(self);
    coro_event_init(&self->event);
    self->w.event = self->n.event = &self->event;
    CORO_CHECK(self, coro_spawn(coro_running_loop(), &self->tasks[0], waiter, &self->w));
    CORO_CHECK(self, coro_spawn(coro_running_loop(), &self->tasks[1], notifier, &self->n));
    CORO_GATHER(self, self->tasks, 2, NULL);
    CORO_END(self);
}

int main(void)
{
    static struct main_co m;
    return coro_run(main_co, &m) == CORO_OK ? 0 : 1;
}
