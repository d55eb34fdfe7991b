/* Barrier (coro_sync.h; asyncio.Barrier, 3.11): arrival indices and the
 * order tasks leave in, n_waiting while filling and draining, tasks that
 * arrive while it drains wait for the next round, cancellation while filling
 * and while draining, reset and abort (BrokenBarrierError) with tasks
 * waiting, draining and blocked, timeouts, init's range, the all-zero
 * barrier. Drawn from CPython's Lib/test/test_asyncio/test_locks.py
 * BarrierTests (named in each comment); each trace was checked on CPython
 * 3.11. Part of the coro_sync.h suite split by object: shared setup is in
 * tests/sync_common.h. mk/host.mk runs every tests/test_sync_*.c with NDEBUG too.
 *
 * Trace tokens: <id>=<index> task <id>'s wait returned that index;
 * <id>!<st> it failed with <st> (1 CANCELLED, 2 TIMEOUT, 21 BROKEN). */
#include "sync_common.h"

TestSuite(barrier, .init = setup);

static coro_barrier gb;

/* A party: waits `rounds` times (optionally within a timeout), logging each
 * outcome; on a broken wait it goes on with the next round when `again`. */
struct bw {
    coro_frame co;
    coro_barrier *b;
    int id, rounds, again, i, idx;
    coro_tick tmo;
    coro_timeout to;
    coro_status st;
};
static CORO_FN(bw_task, struct bw, self)
{
    CORO_BEGIN(self);
    for (self->i = 0; self->i < (self->rounds ? self->rounds : 1); self->i++) {
        if (self->tmo)
            CORO_CATCH(self, self->st, CORO_TIMEOUT(self, &self->to, self->tmo, CORO_BARRIER_WAIT(self, self->b, self->idx)));
        else
            CORO_CATCH(self, self->st, CORO_BARRIER_WAIT(self, self->b, self->idx));
        if (self->st == CORO_OK) {
            tr("%d=%d ", self->id, self->idx);
        } else {
            tr("%d!%d ", self->id, self->st);
            if (!self->again)
                CORO_RETURN(self, self->st);
        }
    }
    CORO_END(self);
}

/* A, B, C wait on Barrier(3): C, the last, returns 2 without suspending;
 * then A 0 and B 1 in the order they arrived (CPython: [C2, A0, B1]).
 * n_waiting: 2 before C, 0 while draining (test_filling_task_by_task). */
Test(barrier, indices_and_release_order)
{
    struct bw a = {.b = &gb, .id = 1}, b = {.b = &gb, .id = 2}, c = {.b = &gb, .id = 3};
    cr_assert_eq(coro_barrier_init(&gb, 3), CORO_OK);
    SPAWN(bw_task, &a);
    step();
    cr_assert_eq(coro_barrier_n_waiting(&gb), 1);
    SPAWN(bw_task, &b);
    step();
    cr_assert_eq(coro_barrier_n_waiting(&gb), 2);
    SPAWN(bw_task, &c);
    step();
    cr_assert_str_eq(trace, "3=2 ");
    cr_assert_eq(coro_barrier_n_waiting(&gb), 0); /* draining */
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "3=2 1=0 2=1 ");
    cr_assert_eq(coro_barrier_n_waiting(&gb), 0);
    cr_assert_not(coro_barrier_broken(&gb));
    cr_assert_eq(coro_barrier_parties(&gb), 3);
}

/* Five tasks pass a Barrier(5) twice (test_filling_tasks_wait_twice,
 * test_filling_tasks_check_return_value): every index once per round. */
Test(barrier, two_rounds_every_index_once)
{
    struct bw w[5];
    int i, seen[2][5] = {{0}};
    const char *p;
    cr_assert_eq(coro_barrier_init(&gb, 5), CORO_OK);
    for (i = 0; i < 5; i++) {
        memset(&w[i], 0, sizeof w[i]);
        w[i].b = &gb;
        w[i].id = i;
        w[i].rounds = 2;
        SPAWN(bw_task, &w[i]);
    }
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    /* the trace: ten "<id>=<index>" tokens, the first five of round 1 */
    for (i = 0, p = trace; i < 10; i++) {
        int id, idx, n;
        cr_assert_eq(sscanf(p, "%d=%d %n", &id, &idx, &n), 2, "%s", trace);
        seen[i / 5][idx]++;
        p += n;
    }
    for (i = 0; i < 5; i++)
        cr_assert(seen[0][i] == 1 && seen[1][i] == 1, "%s", trace);
    cr_assert_eq(coro_barrier_n_waiting(&gb), 0);
}

/* A waits on Barrier(2); B releases it; D and E arrive while A has not
 * left yet (draining): they wait for the next round (CPython:
 * [B1, A0, E1, D0]; test_blocking_tasks_while_draining). */
Test(barrier, arrivals_while_draining_wait_for_next_round)
{
    struct bw a = {.b = &gb, .id = 1}, b = {.b = &gb, .id = 2}, d = {.b = &gb, .id = 4}, e = {.b = &gb, .id = 5};
    cr_assert_eq(coro_barrier_init(&gb, 2), CORO_OK);
    SPAWN(bw_task, &a);
    step();
    SPAWN(bw_task, &b);
    SPAWN(bw_task, &d);
    SPAWN(bw_task, &e);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "2=1 1=0 5=1 4=0 ");
}

/* test_filling_tasks_cancel_one: a task cancelled while filling leaves
 * (n_waiting 2 -> 1), the next arrivals fill the barrier without it. The
 * index is the count at arrival, so 2 and 3 both get 1 (CPython 3.11:
 * "1!1 4=2 2=1 3=1"). */
Test(barrier, cancel_while_filling)
{
    struct bw t1 = {.b = &gb, .id = 1}, t2 = {.b = &gb, .id = 2}, t3 = {.b = &gb, .id = 3}, t4 = {.b = &gb, .id = 4};
    coro_task h1;
    cr_assert_eq(coro_barrier_init(&gb, 3), CORO_OK);
    h1 = SPAWN(bw_task, &t1);
    step();
    SPAWN(bw_task, &t2);
    step();
    cr_assert_eq(coro_barrier_n_waiting(&gb), 2);
    coro_task_cancel(&L, h1);
    step();
    cr_assert_eq(coro_barrier_n_waiting(&gb), 1);
    cr_assert(coro_task_cancelled(&L, h1));
    SPAWN(bw_task, &t3);
    step();
    cr_assert_eq(coro_barrier_n_waiting(&gb), 2);
    SPAWN(bw_task, &t4);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "1!1 4=2 2=1 3=1 ");
    cr_assert_eq(coro_barrier_n_waiting(&gb), 0);
    cr_assert_not(coro_barrier_broken(&gb));
}

/* Cancelled after the release, before it ran: it reports the cancellation,
 * the round still completes for the others and the barrier fills again
 * (CPython: [C2, A0, B cancelled], then filling, waiters 0/3). */
Test(barrier, cancel_while_draining)
{
    struct bw a = {.b = &gb, .id = 1}, b = {.b = &gb, .id = 2}, c = {.b = &gb, .id = 3}, d = {.b = &gb, .id = 4};
    coro_task hb;
    cr_assert_eq(coro_barrier_init(&gb, 3), CORO_OK);
    SPAWN(bw_task, &a);
    hb = SPAWN(bw_task, &b);
    step();
    SPAWN(bw_task, &c);
    step();
    cr_assert_str_eq(trace, "3=2 ");
    coro_task_cancel(&L, hb);
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "3=2 1=0 2!1 ");
    cr_assert_eq(coro_barrier_n_waiting(&gb), 0);
    cr_assert_eq(gb.state, 0); /* filling */
    /* a full new round works */
    gb.last = 0; /* Barrier(1) now: d passes alone */
    cr_assert_eq(coro_loop_run_task(&L, SPAWN(bw_task, &d)), CORO_OK);
    cr_assert_str_eq(trace, "3=2 1=0 2!1 4=0 ");
}

/* test_reset_barrier_while_tasks_waiting: N-1 waiters get
 * BrokenBarrierError; afterwards n_waiting 0, not resetting, not broken. */
static void reset_cb(void *arg) { (void)arg; cr_assert_eq(coro_barrier_reset(&gb), CORO_OK); }
Test(barrier, reset_while_tasks_waiting)
{
    struct bw w[4];
    int i;
    cr_assert_eq(coro_barrier_init(&gb, 5), CORO_OK);
    for (i = 0; i < 4; i++) {
        memset(&w[i], 0, sizeof w[i]);
        w[i].b = &gb;
        w[i].id = i + 1;
        SPAWN(bw_task, &w[i]);
    }
    step();
    cr_assert_eq(coro_barrier_n_waiting(&gb), 4);
    cr_assert_eq(coro_barrier_reset(&gb), CORO_ERR_STATE); /* waiters, no running loop: unchanged */
    cr_assert_eq(coro_barrier_n_waiting(&gb), 4);
    cr_assert_eq(coro_call_soon(&L, NULL, reset_cb, NULL), CORO_OK);
    step();
    cr_assert_eq(coro_barrier_n_waiting(&gb), 0); /* resetting */
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "1!21 2!21 3!21 4!21 ");
    cr_assert_eq(coro_barrier_n_waiting(&gb), 0);
    cr_assert_eq(gb.state, 0); /* filling, not resetting */
    cr_assert_not(coro_barrier_broken(&gb));
}

/* test_reset_barrier_when_tasks_half_draining: five pass Barrier(5); the
 * task that leaves when two are still inside resets it: those two, released
 * but not yet run, get BrokenBarrierError (CPython: results1 == [True] * 2). */
struct hd { coro_frame co; int id, idx; coro_status st; };
static CORO_FN(hd_task, struct hd, self)
{
    CORO_BEGIN(self);
    CORO_CATCH(self, self->st, CORO_BARRIER_WAIT(self, &gb, self->idx));
    if (self->st) {
        tr("%d!%d ", self->id, self->st);
    } else {
        tr("%d=%d ", self->id, self->idx);
        if (gb.count == 2) {
            cr_assert_eq(coro_barrier_reset(&gb), CORO_OK);
            tr("R ");
        }
    }
    CORO_END(self);
}
Test(barrier, reset_when_half_draining)
{
    struct hd w[5];
    int i;
    cr_assert_eq(coro_barrier_init(&gb, 5), CORO_OK);
    for (i = 0; i < 5; i++) {
        memset(&w[i], 0, sizeof w[i]);
        w[i].id = i + 1;
        SPAWN(hd_task, &w[i]);
    }
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "5=4 1=0 2=1 R 3!21 4!21 ");
    cr_assert_eq(coro_barrier_n_waiting(&gb), 0);
    cr_assert_eq(gb.state, 0);
    cr_assert_not(coro_barrier_broken(&gb));
}

/* test_abort_barrier_when_exception: five pass Barrier(5), then wait again;
 * the one with index 2 aborts instead: the four others get
 * BrokenBarrierError (the released one not yet run, and those blocked in
 * their second wait), and later waits too. */
struct ab { coro_frame co; int id, idx; coro_status st; };
static CORO_FN(ab_task, struct ab, self)
{
    CORO_BEGIN(self);
    CORO_CATCH(self, self->st, CORO_BARRIER_WAIT(self, &gb, self->idx));
    if (self->st == CORO_OK && self->idx == 2) {
        cr_assert_eq(coro_barrier_abort(&gb), CORO_OK);
        tr("%d:abort ", self->id);
        CORO_RETURN(self, CORO_OK);
    }
    if (self->st == CORO_OK)
        CORO_CATCH(self, self->st, CORO_BARRIER_WAIT(self, &gb, self->idx));
    tr("%d!%d ", self->id, self->st);
    CORO_END(self);
}
Test(barrier, abort_breaks_waiting_and_later_waits)
{
    struct ab w[5], late;
    int i;
    cr_assert_eq(coro_barrier_init(&gb, 5), CORO_OK);
    for (i = 0; i < 5; i++) {
        memset(&w[i], 0, sizeof w[i]);
        w[i].id = i + 1;
        SPAWN(ab_task, &w[i]);
    }
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    cr_assert_str_eq(trace, "3:abort 4!21 5!21 1!21 2!21 ");
    cr_assert(coro_barrier_broken(&gb));
    cr_assert_eq(coro_barrier_n_waiting(&gb), 0);
    memset(&late, 0, sizeof late);
    late.id = 9;
    cr_assert_eq(coro_loop_run_task(&L, SPAWN(ab_task, &late)), CORO_OK); /* broken at once */
    cr_assert_str_eq(trace, "3:abort 4!21 5!21 1!21 2!21 9!21 ");
    cr_assert_eq(coro_barrier_reset(&gb), CORO_OK); /* test_abort_barrier_when_exception_then_resetting */
    cr_assert_not(coro_barrier_broken(&gb));
    cr_assert_eq(gb.state, 0);
}

/* wait_for(barrier.wait(), 0.005): TimeoutError, n_waiting back to 0. */
Test(barrier, timeout_leaves_the_barrier)
{
    struct bw a = {.b = &gb, .id = 1, .tmo = 5};
    cr_assert_eq(coro_barrier_init(&gb, 2), CORO_OK);
    cr_assert_eq(coro_loop_run_task(&L, SPAWN(bw_task, &a)), CORO_ERR_TIMEOUT);
    cr_assert_str_eq(trace, "1!2 ");
    cr_assert_eq(coro_barrier_n_waiting(&gb), 0);
    cr_assert_eq(coro_loop_time(&L), 5);
}

/* Barrier(0) and Barrier(-4): ValueError; more parties than tasks could
 * ever meet: CORO_ERR_RANGE; either way the barrier is unchanged. */
Test(barrier, init_refuses_bad_parties)
{
    coro_barrier b = CORO_BARRIER_INIT(4);
    cr_assert_eq(coro_barrier_init(&b, 0), CORO_ERR_INVALID);
    cr_assert_eq(coro_barrier_init(&b, -4), CORO_ERR_INVALID);
    cr_assert_eq(coro_barrier_init(&b, CORO_MAX_TASKS + 1), CORO_ERR_RANGE);
    cr_assert_eq(coro_barrier_parties(&b), 4);
    cr_assert_eq(coro_barrier_init(&b, CORO_MAX_TASKS), CORO_OK);
    cr_assert_eq(coro_barrier_parties(&b), CORO_MAX_TASKS);
}

/* A barrier is a wait queue, two counts and a state: 4 B with 8-bit indices. */
Test(barrier, size)
{
    cr_log_info("sizeof barrier %zu", sizeof(coro_barrier));
    cr_assert_leq(sizeof(coro_barrier), 3 * sizeof(coro_index) + 1 + (sizeof(coro_index) - 1));
}

/* ---- the all-zero barrier: Barrier(1) ------------------------------------------------- */
/* test_filling_one_task(_twice): each wait passes at once with index 0. */
static coro_barrier z_barrier;
static void zb_scenario(coro_barrier *b, char *out, size_t n)
{
    struct bw a, c;
    memset(&a, 0, sizeof a);
    memset(&c, 0, sizeof c);
    a.b = c.b = b;
    a.id = 1;
    a.rounds = 2;
    c.id = 2;
    setup();
    SPAWN(bw_task, &a);
    SPAWN(bw_task, &c);
    step();
    tr("n%d ", coro_barrier_n_waiting(b));
    cr_assert_eq(coro_loop_run_forever(&L), CORO_OK);
    tr("p%d", coro_barrier_parties(b));
    snprintf(out, n, "%s", trace);
}
Test(barrier, all_zero_barrier_is_one_party)
{
    static coro_barrier init = CORO_BARRIER_INIT(1), fn, mz;
    memset(&fn, 0xA5, sizeof fn);
    cr_assert_eq(coro_barrier_init(&fn, 1), CORO_OK);
    memset(&mz, 0, sizeof mz);
    SAME_IN_EVERY_FORM(zb_scenario, "barrier", "1=0 1=0 2=0 n0 p1", &init, &fn, &z_barrier, &mz);
}

/* BrokenBarrierError has a code of its own, with its text. */
Test(barrier, broken_has_its_own_code_and_text)
{
    cr_assert_neq(CORO_ERR_BROKEN, CORO_ERR_STATE);
    cr_assert_lt(CORO_ERR_BROKEN, CORO_ERR_USER);
    cr_assert_str_eq(coro_strerror(CORO_ERR_BROKEN), "broken barrier");
}
