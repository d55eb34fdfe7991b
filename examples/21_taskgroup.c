/* 21: TaskGroup - an `async with` block whose children are all awaited at
 * its end; the first failure cancels the other children and the body, and
 * the errors come out of the block once every child has ended; cancelling
 * the parent (here a timeout) cancels the children. The asyncio program is
 * examples/21_taskgroup.py. */
#define CORO_IMPLEMENTATION
#include "coro.h"
#include <stdio.h>

/* ValueError(name): one status per child that may fail. */
enum { ERR_D = CORO_ERR_USER, ERR_E };
static const char *failed_name(coro_status st) { return st == ERR_D ? "D" : st == ERR_E ? "E" : "?"; }

struct fetch { coro_frame co; const char *name; coro_tick delay; coro_status fail, st; };

static CORO_FN(fetch, struct fetch, self)
{
    CORO_BEGIN(self);
    printf("%s: start\n", self->name);
    CORO_CATCH(self, self->st, CORO_SLEEP(self, self->delay));
    if (self->st == CORO_ERR_CANCELLED)
        printf("%s: cancelled\n", self->name);
    CORO_CHECK(self, self->st); /* raise */
    if (self->fail) {
        printf("%s: failed\n", self->name);
        CORO_RETURN(self, self->fail); /* raise ValueError(name) */
    }
    printf("%s: done\n", self->name);
    CORO_END(self);
}

struct main_co {
    coro_frame co;
    coro_taskgroup tg;
    coro_timeout to;
    struct fetch f[7];
    coro_status st;
};

static CORO_FN(main_co, struct main_co, self)
{
    static const char *const names[] = {"A", "B", "C", "D", "E", "F", "G"};
    static const unsigned delays_ms[] = {200, 100, 500, 100, 100, 1000, 2000};
    int i;
    CORO_BEGIN(self);
    for (i = 0; i < 7; i++) {
        self->f[i].name = names[i];
        self->f[i].delay = CORO_MS(delays_ms[i]);
    }
    self->f[3].fail = ERR_D;
    self->f[4].fail = ERR_E;

    /* Every child is awaited at the end of the block. */
    CORO_WITH_TASKGROUP(self, &self->tg) { /* async with asyncio.TaskGroup() as tg: */
        CORO_CHECK(self, coro_taskgroup_spawn(&self->tg, NULL, fetch, &self->f[0])); /* tg.create_task */
        CORO_CHECK(self, coro_taskgroup_spawn(&self->tg, NULL, fetch, &self->f[1]));
        printf("both created\n");
    } CORO_END_WITH(self);
    printf("group 1 done\n");

    /* The first failure cancels the other children and the body's await;
     * every error is reported once all children have ended. */
    CORO_TRY(self) {
        CORO_WITH_TASKGROUP(self, &self->tg) {
            for (i = 2; i < 5; i++)
                CORO_CHECK(self, coro_taskgroup_spawn(&self->tg, NULL, fetch, &self->f[i]));
            CORO_CATCH(self, self->st, CORO_SLEEP(self, CORO_S(1)));
            if (self->st == CORO_ERR_CANCELLED)
                printf("body: cancelled\n");
            CORO_CHECK(self, self->st);
        } CORO_END_WITH(self);
    } CORO_EXCEPT(self, CORO_EXCEPTION) { /* except* ValueError as eg: */
        printf("%u errors, first: %s\n", coro_taskgroup_nerrors(&self->tg),
               failed_name(coro_taskgroup_error(&self->tg)));
    } CORO_END_TRY(self);

    /* Cancelling the parent (here a timeout) cancels the children too. */
    CORO_TRY(self) {
        CORO_WITH_TIMEOUT(self, &self->to, CORO_MS(300)) {
            CORO_WITH_TASKGROUP(self, &self->tg) {
                CORO_CHECK(self, coro_taskgroup_spawn(&self->tg, NULL, fetch, &self->f[5]));
                CORO_CHECK(self, coro_taskgroup_spawn(&self->tg, NULL, fetch, &self->f[6]));
            } CORO_END_WITH(self);
        } CORO_END_WITH(self);
    } CORO_EXCEPT(self, CORO_ERR_TIMEOUT) {
        printf("timed out\n");
    } CORO_END_TRY(self);
    CORO_END(self);
}

int main(void)
{
    static struct main_co m;
    return coro_run(main_co, &m) == CORO_OK ? 0 : 1;
}
