/* coro.h - asyncio for machines with 2 KB of RAM: stackless coroutines, tasks,
 * an event loop, timers, gather/wait/timeouts and cancellation in C99.   v0.1.0
 *
 * USAGE
 *   In exactly one .c file of the program:
 *       #define CORO_IMPLEMENTATION
 *       #include "coro.h"
 *   Everywhere else just #include "coro.h". Define CORO_STATIC as well to make
 *   every function static (single-file programs). Nothing is ever allocated:
 *   the loop is a fixed-size object you declare, each coroutine's frame is a
 *   struct you declare.
 *
 * CONFIGURATION (define before including; every file must agree)
 *   (a file that disagrees on a layout knob is caught by its first
 *   coro_loop_init, coro_spawn, coro_run or run_until_complete, or the first
 *   run of a coroutine defined in it: CORO_FAIL_CONFIG. Each knob below:
 *   name, default, meaning; tools/knobs.py turns them into README's table)
 *   CORO_MAX_TASKS      8     task slots in a loop (1..254 together with callbacks
 *                             with 8-bit indices; see CORO_INDEX_BITS)
 *   CORO_INDEX_BITS     8     width of slot indices: 8 (254 slots), 16 (65,534)
 *                             or 32
 *   CORO_GEN_BITS       16 (8 where pointers are 16 bits, e.g. AVR, or with CORO_SMALL)
 *                             width of a slot's generation: 8 or 16. Task and
 *                             callback handles take CORO_INDEX_BITS +
 *                             CORO_GEN_BITS (16, 32 or 64 bits). A handle kept
 *                             after its task or callback ended stays detectably
 *                             stale (CORO_ERR_STALE, cancel returns 0) while its
 *                             slot is reused up to 2^CORO_GEN_BITS - 1 times:
 *                             65,535 with 16 bits, only 255 with 8, after which
 *                             an old handle names the slot's new occupant (drop
 *                             handles of finished work when using 8 bits)
 *   CORO_MAX_CALLBACKS  4     call_soon/call_later slots (timeout scopes use one each,
 *                             so does a task group while its body runs with children)
 *   CORO_MAX_SHARED_AWAITS  4 on a POSIX or Windows host, else 0
 *                             tasks that may at once wait on a task another
 *                             task already awaits (a task awaited by k tasks
 *                             takes k - 1 of these; a wait that needs one when
 *                             none is free fails with CORO_ERR_NO_SLOT). 0:
 *                             one awaiter per task, and none of the code or
 *                             RAM (on AVR the code is about 570 B of flash,
 *                             each entry 5 B of RAM)
 *   CORO_TICK_BITS      32    width of coro_tick: 16, 32 or 64
 *   CORO_TICK_HZ        1000  ticks per second (CORO_MS/CORO_S convert with it)
 *   CORO_CLOCK          CORO_CLOCK_POSIX on a POSIX host, else CORO_CLOCK_USER
 *                       the clock. CORO_CLOCK_VIRTUAL jumps time to the next
 *                       deadline instead of waiting: whole programs run
 *                       instantly and identically.
 *                       CORO_CLOCK_USER: a port (ports/README.md) supplies
 *                       coro_tick coro_port_now(void) (or CORO_PORT_TICKS and a
 *                       tick interrupt incrementing coro_port_ticks) and void
 *                       coro_port_sleep(int has_deadline, coro_tick deadline),
 *                       called with interrupts masked (CORO_CRITICAL_ENTER)
 *                       after the loop re-checked the wakeup and the deadline,
 *                       returning with them masked after an interrupt.
 *   CORO_CRITICAL_ENTER() / CORO_CRITICAL_EXIT()   nothing
 *                       mask / unmask the interrupts that may call
 *                       coro_loop_wakeup
 *   CORO_FENCE()        seq_cst fence (GCC/Clang), compiler barrier (AVR)
 *                       memory barrier between the loop and an interrupt or a
 *                       thread (nothing on other compilers)
 *   CORO_USE_LABELS     0     1: GCC/Clang labels-as-values continuations, which
 *                       allow awaits inside your own switch statements
 *   CORO_ASSERT(c)      report CORO_FAIL_ASSERT with text #c
 *                       a failed precondition goes to CORO_ON_FAIL; compiled
 *                       out by NDEBUG. The headers (and headers built on
 *                       coro.h) state theirs with CORO_REQUIRE(c, "what the
 *                       caller did wrong"), which reports that text instead
 *                       (your CORO_ASSERT replaces it)
 *   CORO_TRAP()         abort()     ends the program after a misuse report
 *   CORO_ON_FAIL(code, file, line, text)   report, then CORO_TRAP()
 *                       the misuse report: code a CORO_FAIL_* (await inside
 *                       your own switch, finished coroutine resumed, coroutine
 *                       called outside a task, files that disagree on the
 *                       knobs, failed CORO_ASSERT), file:line in your code.
 *                       If yours returns, a trap still follows, except for
 *                       CORO_FAIL_CONFIG: the call then fails with
 *                       CORO_ERR_CONFIG. The default report: on a host, flush
 *                       stdout and print "file:line: coro: what" to stderr;
 *                       with a port, coro_port_fault(line)
 *   CORO_FAIL_TEXT      1 on a host, else 0   0: CORO_ON_FAIL gets file and
 *                       text NULL (no strings in flash/RAM), code and line only
 *   CORO_STATIC         undefined   defined: every function is static
 *                       (single-file programs)
 *   CORO_SMALL          undefined   defined: the preset for the smallest
 *                       firmware (single-file programs): CORO_STATIC,
 *                       CORO_GEN_BITS 8 (a stale handle is detected over 255
 *                       reuses of its slot, not 65,535) and on AVR 16-bit
 *                       ticks (each unless you give it). Misuse checks stay
 *                       on. The sleep-only firmware of `make size`: AVR
 *                       2,020 B instead of 2,818, Cortex-M0 1,504 instead
 *                       of 1,948
 *   CORO_TRACE(loop, event, id, arg)   undefined   a hook called at every
 *                       spawn, step start/end, sleep, wait, wake, cancel,
 *                       completion and callback (CORO_TRACE_* events, id a
 *                       slot, arg per event); compiled out when undefined
 *   CORO_DEBUG          0     1: each task slot keeps a name (coro_spawn sets
 *                       the function's name) and the file:line where it is
 *                       suspended, for coro_loop_dump (0: zero bytes)
 *   CORO_ON_DEADLOCK(loop)   undefined   called when a run is about to return
 *                       CORO_ERR_DEADLOCK, e.g. coro_loop_dump(loop, w, ctx)
 *   CORO_STALL_TICKS    0     > 0: after each task step, if the clock moved more
 *                       than this many ticks, CORO_STALL(loop, task, ticks) is
 *                       called (you define it): a task that ran too long
 *                       without awaiting. 0: no clock read, no code
 *   CORO_SPIN_LIMIT     1000000   CORO_CLOCK_VIRTUAL only (no field, no code on
 *                       other clocks): after this many yields (CORO_YIELD,
 *                       CORO_SLEEP(self, 0)) with a timer pending and neither
 *                       an idle nor a due timer in between, the run returns
 *                       CORO_ERR_DEADLOCK (calling CORO_ON_DEADLOCK) instead of
 *                       spinning forever (rule 7). Raise it for programs that
 *                       legitimately yield that often while a timer waits;
 *                       0: off
 *   CORO_PORT_CUSTOM_FAULT   undefined   defined by a port that writes its own
 *                       coro_port_fault(line); otherwise the core's default
 *                       masks the interrupts and stops (CORO_PORT_HALT() if
 *                       the port defines it; ports/README.md)
 *
 * RULES (the sharp edges)
 *   1. Locals do not survive an await. Everything that lives across one is a
 *      field of your frame struct, which embeds `coro_frame co;` (any position).
 *   2. With the default switch backend, no await may sit inside a `switch` of
 *      your own: the trapping `default:` catches it at run time. Use if/else,
 *      or CORO_USE_LABELS=1.
 *   3. Leave a coroutine only through CORO_RETURN or by reaching CORO_END. A
 *      plain `return` skips the cleanup section and the bookkeeping.
 *   4. Await macros evaluate their arguments again on every resume: pass frame
 *      fields and constants, not expressions with side effects. Plain functions
 *      (lower case) evaluate each argument exactly once.
 *   5. An error from an await propagates like a Python exception: through
 *      the scopes around it, innermost first (CORO_EXCEPT clauses that match
 *      it, finally blocks, `async with` exits, timeout scopes), then the
 *      coroutine's CORO_FINALLY section, and the coroutine ends with it.
 *      Scopes nest to any depth in one coroutine; leave one by its end, an
 *      error, CORO_RETURN, break or continue (each runs the exits on the
 *      way), never by goto or return. A `continue` re-issued outside any loop
 *      traps; a finally block inside a finally block does not compile.
 *   6. Ticks wrap. A delay is at most CORO_MAX_DELAY (half the tick range); an
 *      absolute deadline lies at most CORO_MAX_DELAY ahead or CORO_MAX_DELAY/2
 *      behind (CORO_ERR_RANGE otherwise). A timer that came due while a task
 *      ran without awaiting fires at the next iteration, provided that step
 *      was shorter than the whole tick range (65 s with 16-bit ticks at 1 kHz).
 *   7. On CORO_CLOCK_VIRTUAL time moves only when nothing is ready: a task
 *      polling a flag with `while (!done) CORO_YIELD(self);` while the timer
 *      that sets it waits spins forever there (it works on a real clock).
 *      Await the event itself (coro_sync.h) or sleep instead of yielding.
 *      CORO_SPIN_LIMIT turns such a spin into CORO_ERR_DEADLOCK.
 *   8. CORO_MS / CORO_S give at most CORO_MAX_DELAY: a constant beyond it does
 *      not compile (GCC/Clang), a run-time value beyond it makes the sleep,
 *      wait or call fail with CORO_ERR_RANGE.
 *   9. A coroutine runs only as a task (coro_run, coro_spawn, ...) or awaited
 *      by one (CORO_AWAIT); a direct call traps. One frame serves one task at
 *      a time: resuming a finished frame traps. Both report the line of the
 *      coroutine's CORO_BEGIN (CORO_ON_FAIL).
 *  10. coro_spawn, CORO_AWAIT, coro_run and coro_loop_run_until_complete take
 *      a coroutine's name and a pointer to its own frame type (another type
 *      does not compile). Declare a coroutine of another file with
 *      CORO_DECLARE(name, type); spawn or await a function pointer held in a
 *      variable with coro_spawn_fn(loop, &task, fn, &frame->co) or
 *      CORO_AWAIT_FN(self, fn, &child->co) (unchecked).
 *
 * API (UPPER CASE may suspend; lower case never does)
 *   CORO_FN(name, type, self)     define coroutine `name` over frame `type *self`
 *   CORO_DECLARE(name, type)      declare one defined elsewhere (or further down)
 *   CORO_BEGIN(self) / CORO_END(self)   open / close the body
 *   CORO_FINALLY(self)            cleanup section: runs on every way out (normal
 *                                 end, CORO_RETURN, error, cancellation)
 *   CORO_RETURN(self, status)     end now with status (0 = success)
 *   CORO_ERROR(self)              the status the coroutine is ending with, in
 *                                 the cleanup section; a finally block's error in
 *                                 flight (assignable: set 0 to swallow)
 *   CORO_TRY(self) { } CORO_EXCEPT(self, st) { } CORO_EXCEPT_AS(self, st, out) { }
 *     CORO_FINALLY_BLOCK(self) { } CORO_END_TRY(self);   try/except/finally;
 *                                 st a status, CORO_EXCEPTION (all but a
 *                                 cancellation) or CORO_ANY (bare except)
 *   CORO_CATCH(self, err, AWAIT)  run one await; its status goes to err
 *   CORO_WITH(self, enter, exit) { } CORO_END_WITH(self);   async with: exit
 *                                 runs on every way out of the block
 *   CORO_CHECK(self, status)      a call's failure propagates like an await's
 *   CORO_YIELD(self)              sleep(0): let every other ready task run once
 *   CORO_SLEEP(self, ticks)       sleep; CORO_SLEEP_UNTIL(self, when)
 *   CORO_MS(ms) / CORO_S(s)       ticks from milliseconds / seconds (rule 7)
 *   CORO_AWAIT(self, fn, child)   run coroutine fn on frame child inline
 *                                 (CORO_AWAIT_FN: fn a pointer value, &child->co)
 *   CORO_AWAIT_TASK(self, task)   wait for a task, then its status
 *   CORO_GATHER(self, tasks, n, errs)  wait for n tasks; errs NULL: first error
 *                                 ends the gather; errs array: collect them all
 *   CORO_WAIT(self, tasks, n, when, timeout, ndone)   asyncio.wait
 *   CORO_WAIT_FOR(self, task, timeout)                asyncio.wait_for
 *   CORO_SHIELD(self, task)       asyncio.shield: await a task that the
 *                                 awaiter's cancellation does not reach
 *   coro_as_completed_init(&it, tasks, n, timeout), CORO_AS_COMPLETED(self,
 *   &it, task), coro_as_completed_left(&it)            asyncio.as_completed
 *   CORO_WITH_TIMEOUT(self, scope, ticks) { } CORO_END_WITH(self);   asyncio.timeout
 *   CORO_WITH_TIMEOUT_AT(self, scope, when) { } ...   asyncio.timeout_at
 *   CORO_TIMEOUT(self, scope, timeout, AWAIT)         the one-await form
 *   CORO_WITH_TASKGROUP(self, tg) { } CORO_END_WITH(self);   asyncio.TaskGroup:
 *                                 the block's end awaits every child; the first
 *                                 error cancels the others and the body, then
 *                                 is raised (ExceptionGroup: first + count)
 *   coro_taskgroup_spawn(tg, &task, fn, frame)        tg.create_task
 *   coro_taskgroup_error/nerrors(tg), coro_taskgroup_collect(tg, errs, n)
 *                                 the group's errors: first, count, all
 *   coro_timeout_when/expired/reschedule(scope)       Timeout's methods
 *   coro_spawn(loop, &task, fn, frame)   create_task; coro_spawn_fn: untyped
 *   coro_task_done/status/cancelled/cancel(loop, task)
 *   coro_loop_init/run_until_complete/run_task/run_forever/stop/close/time
 *   coro_run(fn, frame)           asyncio.run
 *   coro_call_soon/call_later/call_at(loop, &handle, ..., cb, arg), coro_handle_cancel
 *   coro_running_loop(), coro_current_task(loop), coro_strerror(status)
 *   coro_loop_wakeup(loop)        wake an idling loop: safe from an interrupt,
 *                                 a signal handler or another thread
 *   coro_loop_arm(loop, delta)    count wake sources outside the loop: while
 *                                 armed, an empty loop idles (no deadlock)
 *   coro_clock()                  the configured clock; coro_virtual_now: the
 *                                 virtual clock's time (settable; VIRTUAL only)
 *   CORO_FOREVER                  "no timeout" (CORO_WAIT, CORO_WAIT_FOR, scopes);
 *                                 CORO_MAX_DELAY: the longest delay (rule 6)
 *   CORO_FIRST_COMPLETED / CORO_FIRST_EXCEPTION / CORO_ALL_COMPLETED   the
 *                                 `when` of CORO_WAIT
 *   Types: coro_loop, coro_frame, coro_task (a task's handle), coro_handle (a
 *   callback's: a struct, .id 0 names none), coro_tick, coro_status, coro_fn,
 *   coro_callback, coro_timeout (a CORO_TIMEOUT scope), coro_taskgroup (a
 *   CORO_WITH_TASKGROUP's group), coro_as_completed,
 *   coro_waitq (CORO_WAITQ_INIT), coro_poll, coro_watch (CORO_WATCH_INIT,
 *   coro_watch_active), coro_index (a slot index).
 *   Constants: CORO_OK (0) and CORO_ERR_* (results; coro_strerror), CORO_FAIL_*
 *   (CORO_ON_FAIL's codes), CORO_TRACE_* and CORO_TRACE_AT_* (CORO_TRACE's
 *   events), CORO_VERSION ("0.1.0") and CORO_VERSION_MAJOR/MINOR/PATCH.
 *   coro_waitq_*                  intrusive FIFO wait queues for sync objects
 *   coro_loop_poll_add/remove(loop, hook)   call hook->fn in the loop after
 *                                 each coro_loop_wakeup (interrupt-fed objects)
 *   Writing your own awaitable (what coro_sync.h and coro_queue.h use; the
 *   tutorial's "Writing your own awaitable"):
 *   CORO_AWAIT_ON(self, start, resume)   the suspension point: start() once,
 *                                 resume() after each wake; either returns a
 *                                 status, or CORO_PENDING to suspend (again)
 *   CORO_STATUS(self)             the status of the last await (in CORO_CATCH;
 *                                 in a CORO_EXCEPT clause, the caught one)
 *   coro_watch_init(w), coro_watch_start(loop, w, fn), coro_watch_stop(loop, w)
 *                                 an interrupt-fed object's poll hook fn, in
 *                                 the loop (and the loop armed) while tasks
 *                                 wait; the interrupt calls coro_loop_wakeup
 *   CORO_API / CORO_DEF           declare / define your functions (static
 *                                 under CORO_STATIC)
 *   coro_loop_dump(loop, write, ctx)   every task: name, state, what it waits
 *                                 on, file:line where suspended (CORO_DEBUG)
 *   coro_task_set_name/coro_task_name(loop, task)   names (CORO_DEBUG)
 *
 * EXAMPLE
 *   struct hello { coro_frame co; int i; };
 *   static CORO_FN(hello, struct hello, self)
 *   {
 *       CORO_BEGIN(self);
 *       for (self->i = 0; self->i < 3; self->i++) {
 *           printf("tick %d\n", self->i);
 *           CORO_SLEEP(self, CORO_MS(500));
 *       }
 *       CORO_END(self);
 *   }
 *   int main(void) { static struct hello h; return coro_run(hello, &h); }
 *
 * READING THIS FILE
 *   Top to bottom, by layer; each section opens with a "==== name ====" marker
 *   and says what it owns and may call. The public part: configuration,
 *   foundation (codes, linkage), continuation (a coroutine, its awaits and
 *   scopes), scheduler and loop, tasks, composition (gather, wait, wait_for,
 *   shield, as_completed, timeouts, task groups), wait queues, clocks and ports, debug
 *   and trace; then one private block (the continuation backends, the loop's
 *   layout, misuse reports, the await macros' helpers). The implementation
 *   (CORO_IMPLEMENTATION) follows in the same order.
 *
 * LICENSE: MIT, see the LICENSE file.
 */
/* Port selection: an Arduino sketch on an AVR board gets ports/arduino (it
 * includes this header back, after its configuration). */
#if defined(ARDUINO) && defined(__AVR__) && !defined(CORO_PORT_H) && !defined(CORO_NO_PORT)
#include "ports/arduino/coro_port.h"
#endif
#ifndef CORO_H
#define CORO_H

/* The POSIX clock needs clock_gettime/nanosleep, hidden by a strict -std=c99:
 * ask for them (effective when coro.h comes before other system headers;
 * otherwise pass -D_POSIX_C_SOURCE=200809L). */
#if defined(CORO_IMPLEMENTATION) && !defined(_POSIX_C_SOURCE) && (defined(__unix__) || defined(__APPLE__)) && \
    (!defined(CORO_CLOCK) || CORO_CLOCK == 1)
#define _POSIX_C_SOURCE 200809L
#endif

#include <stddef.h>
#include <stdint.h>

#define CORO_VERSION_MAJOR 0
#define CORO_VERSION_MINOR 1
#define CORO_VERSION_PATCH 0
#define CORO_VERSION "0.1.0"

/* ---- configuration ------------------------------------------------------ */
#ifndef CORO_MAX_TASKS
#define CORO_MAX_TASKS 8
#endif
#ifndef CORO_MAX_CALLBACKS
#define CORO_MAX_CALLBACKS 4
#endif
#ifndef CORO_MAX_SHARED_AWAITS
#if defined(__unix__) || defined(__APPLE__) || defined(_WIN32)
#define CORO_MAX_SHARED_AWAITS 4
#else
#define CORO_MAX_SHARED_AWAITS 0
#endif
#endif
#if defined(CORO_SMALL) && !defined(CORO_STATIC)
#define CORO_STATIC
#endif
#if defined(CORO_SMALL) && defined(__AVR__) && !defined(CORO_TICK_BITS)
#define CORO_TICK_BITS 16 /* 8-bit registers: 16-bit ticks save ~340 B */
#endif
#if defined(CORO_SMALL) && !defined(CORO_GEN_BITS)
#define CORO_GEN_BITS 8 /* as on AVR: byte loads and stores (Cortex-M0: -44 B) */
#endif
#ifndef CORO_TICK_BITS
#define CORO_TICK_BITS 32
#endif
#ifndef CORO_INDEX_BITS
#define CORO_INDEX_BITS 8
#endif
#ifndef CORO_GEN_BITS /* 16 unless pointers are 16 bits (both tests: old C++ may hide UINTPTR_MAX) */
#if (defined(UINTPTR_MAX) && UINTPTR_MAX > 0xFFFF) || (defined(__SIZEOF_POINTER__) && __SIZEOF_POINTER__ > 2)
#define CORO_GEN_BITS 16
#else
#define CORO_GEN_BITS 8
#endif
#endif
#ifndef CORO_TICK_HZ
#define CORO_TICK_HZ 1000
#endif
#define CORO_CLOCK_VIRTUAL 0
#define CORO_CLOCK_POSIX 1
#define CORO_CLOCK_USER 2
#ifndef CORO_CLOCK
#if defined(__unix__) || defined(__APPLE__)
#define CORO_CLOCK CORO_CLOCK_POSIX
#else
#define CORO_CLOCK CORO_CLOCK_USER
#endif
#endif
#ifndef CORO_CRITICAL_ENTER
#define CORO_CRITICAL_ENTER() ((void)0)
#define CORO_CRITICAL_EXIT() ((void)0)
#endif
#ifndef CORO_FENCE
#if defined(__AVR__)
#define CORO_FENCE() __asm__ __volatile__("" ::: "memory")
#elif defined(__GNUC__)
#define CORO_FENCE() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#else
#define CORO_FENCE() ((void)0)
#endif
#endif
#ifndef CORO_USE_LABELS
#define CORO_USE_LABELS 0
#endif
/* Misuse reports (CORO_ON_FAIL): a hosted build passes the file name and a
 * text along with the code and the line; a microcontroller build passes
 * only the code and the line, so no string lands in its flash or RAM. */
#ifndef CORO_FAIL_TEXT
#if defined(__unix__) || defined(__APPLE__) || defined(_WIN32)
#define CORO_FAIL_TEXT 1
#else
#define CORO_FAIL_TEXT 0
#endif
#endif
/* A port (its header defines CORO_PORT, see ports/README.md) reports every
 * failure as coro_port_fault(line), with no strings: an assertion with its
 * line, a misuse trap with its CORO_BEGIN's or call's line, a trap with 0. */
#ifdef CORO_PORT
#ifdef __cplusplus
extern "C" void coro_port_fault(unsigned line);
#else
void coro_port_fault(unsigned line);
#endif
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
#ifndef CORO_ON_FAIL
#define CORO_ON_FAIL(code, file, line, text) ((void)(code), (void)(file), (void)(text), coro_port_fault(line))
#endif
#endif
/* The headers' own preconditions go through CORO_REQUIRE(c, text): the
 * text says what the caller did wrong (a CORO_ASSERT of yours replaces it). */
#ifndef CORO_ASSERT
#ifdef NDEBUG
#define CORO_ASSERT(c) ((void)0)
#define CORO_REQUIRE(c, text) ((void)0)
#else
#define CORO_ASSERT(c) ((c) ? (void)0 : CORO__FAIL(CORO_FAIL_ASSERT, #c))
#define CORO_REQUIRE(c, text) ((c) ? (void)0 : CORO__FAIL(CORO_FAIL_ASSERT, text))
#endif
#else
#define CORO_REQUIRE(c, text) CORO_ASSERT(c)
#endif
#ifndef CORO_TRAP
#include <stdlib.h>
#define CORO_TRAP() abort()
#endif
#ifndef CORO_DEBUG
#define CORO_DEBUG 0
#endif
#ifndef CORO_STALL_TICKS
#define CORO_STALL_TICKS 0
#endif
#ifndef CORO_SPIN_LIMIT
#define CORO_SPIN_LIMIT 1000000
#endif
#if CORO_SPIN_LIMIT < 0 || CORO_SPIN_LIMIT > 4000000000
#error "coro: CORO_SPIN_LIMIT must be 0 (off) .. 4,000,000,000"
#endif
/* The spin check exists on the virtual clock only (zero cost elsewhere). */
#define CORO__SPIN (CORO_CLOCK == CORO_CLOCK_VIRTUAL && CORO_SPIN_LIMIT > 0)
#if CORO_STALL_TICKS > 0 && !defined(CORO_STALL)
#error "coro: CORO_STALL_TICKS needs CORO_STALL(loop, task, ticks) to report a stall"
#endif
/* The trace hook: nothing at all unless CORO_TRACE is defined. */
#ifdef CORO_TRACE
#define CORO__TRACE(L, ev, id, arg) CORO_TRACE((L), (ev), (unsigned)(id), (unsigned long)(arg))
#define CORO__TRACED 1
#else
#define CORO__TRACE(L, ev, id, arg) ((void)0)
#define CORO__TRACED 0
#endif

#if CORO_MAX_TASKS < 1 || CORO_MAX_CALLBACKS < 0 || CORO_MAX_SHARED_AWAITS < 0 || CORO_MAX_SHARED_AWAITS > 254
#error "coro: CORO_MAX_TASKS must be at least 1, CORO_MAX_CALLBACKS at least 0, CORO_MAX_SHARED_AWAITS 0..254"
#endif
#if CORO_INDEX_BITS != 8 && CORO_INDEX_BITS != 16 && CORO_INDEX_BITS != 32
#error "coro: CORO_INDEX_BITS must be 8, 16 or 32"
#endif
#if CORO_GEN_BITS != 8 && CORO_GEN_BITS != 16
#error "coro: CORO_GEN_BITS must be 8 or 16"
#endif
#if CORO_INDEX_BITS == 8 && CORO_MAX_TASKS + CORO_MAX_CALLBACKS > 254
#error "coro: at most 254 task and callback slots in all with 8-bit indices (raise CORO_INDEX_BITS)"
#endif
#if CORO_INDEX_BITS == 16 && CORO_MAX_TASKS + CORO_MAX_CALLBACKS > 65534
#error "coro: at most 65,534 task and callback slots in all with 16-bit indices"
#endif
#if CORO_MAX_TASKS + CORO_MAX_CALLBACKS > 16777216
#error "coro: at most 2^24 task and callback slots"
#endif
#if CORO_CLOCK != CORO_CLOCK_VIRTUAL && CORO_CLOCK != CORO_CLOCK_POSIX && CORO_CLOCK != CORO_CLOCK_USER
#error "coro: CORO_CLOCK must be CORO_CLOCK_VIRTUAL, CORO_CLOCK_POSIX or CORO_CLOCK_USER"
#endif
#if CORO_USE_LABELS && !defined(__GNUC__)
#error "coro: CORO_USE_LABELS needs GCC or Clang (labels as values)"
#endif

#if CORO_TICK_BITS == 16
typedef uint16_t coro_tick;
typedef int16_t coro__stick;
#elif CORO_TICK_BITS == 32
typedef uint32_t coro_tick;
typedef int32_t coro__stick;
#elif CORO_TICK_BITS == 64
typedef uint64_t coro_tick;
typedef int64_t coro__stick;
#else
#error "coro: CORO_TICK_BITS must be 16, 32 or 64"
#endif

/* The longest delay: half the tick range, so deadlines compare by signed difference. */
#define CORO_MAX_DELAY ((coro_tick)(((coro_tick)-1) >> 1))
/* Ticks from milliseconds / seconds (rounded down), each argument evaluated
 * once. The result must be a delay: at most CORO_MAX_DELAY. A constant
 * argument beyond it (or negative) does not compile on GCC and Clang (C and
 * C++: "CORO_MS_argument_out_of_range" / a negative array size); there, an
 * in-range constant stays a constant expression. A run-time value beyond it
 * gives CORO_MAX_DELAY + 1, which CORO_SLEEP, CORO_WAIT, CORO_WAIT_FOR,
 * CORO_TIMEOUT and coro_call_later refuse with CORO_ERR_RANGE (never
 * CORO_FOREVER). Other compilers: run-time saturation for constants too. */
#define CORO_MS(ms) CORO__UNIT(ms, CORO__MS_OVER, CORO__MS_TICKS, coro__ms, CORO_MS_argument_out_of_range)
#define CORO_S(s) CORO__UNIT(s, CORO__S_OVER, CORO__S_TICKS, coro__s, CORO_S_argument_out_of_range)
#define CORO__U64(x) ((uint64_t)(x))
#define CORO__TOO_LONG ((coro_tick)(CORO_MAX_DELAY + 1u))
/* ms * HZ / 1000 as q * HZ + r * HZ / 1000 (q = ms / 1000, r = ms % 1000):
 * exact, and with q * HZ <= CORO_MAX_DELAY no intermediate overflows 64 bits. */
#define CORO__MS_OVER(ms) (CORO__U64(ms) / 1000u > (uint64_t)CORO_MAX_DELAY / CORO_TICK_HZ || \
    CORO__MS_TICKS(ms) > (uint64_t)CORO_MAX_DELAY)
#define CORO__MS_TICKS(ms) (CORO__U64(ms) / 1000u * CORO_TICK_HZ + CORO__U64(ms) % 1000u * CORO_TICK_HZ / 1000u)
#define CORO__S_OVER(s) (CORO__U64(s) > (uint64_t)CORO_MAX_DELAY / CORO_TICK_HZ)
#define CORO__S_TICKS(s) (CORO__U64(s) * CORO_TICK_HZ)
static inline coro_tick coro__ms(uint64_t ms) { return CORO__MS_OVER(ms) ? CORO__TOO_LONG : (coro_tick)CORO__MS_TICKS(ms); }
static inline coro_tick coro__s(uint64_t s) { return CORO__S_OVER(s) ? CORO__TOO_LONG : (coro_tick)CORO__S_TICKS(s); }
#if defined(__GNUC__) && !defined(__cplusplus)
/* C: an integer constant expression takes the constant branch (checked by a
 * negative array size), anything else the function. __extension__ keeps
 * -Wpedantic quiet about sizeof(void) in CORO__ICE (Linux's __is_constexpr:
 * x * 0 is a null pointer constant only when x is an integer constant
 * expression) and about __builtin_choose_expr. */
#define CORO__ICE(x) (sizeof(int) == sizeof(*(8 ? ((void *)((intptr_t)(x) * 0)) : (int *)8)))
#define CORO__UNIT(x, over, ticks, fn, name)                                  \
    (__extension__ __builtin_choose_expr(CORO__ICE(x),                        \
        (coro_tick)(ticks(x) + 0u * sizeof(struct {                           \
            char name[over(__builtin_choose_expr(CORO__ICE(x), (x), 0)) ? -1 : 1]; })), fn(CORO__U64(x))))
#elif defined(__GNUC__)
/* C++: __builtin_constant_p decides (in the array bound it is a constant in
 * g++ and clang++ at every -O level). When it holds, the argument has no side
 * effects, so over(x) and ticks(x) may read it again; else fn reads it once. */
#define CORO__UNIT(x, over, ticks, fn, name)                                  \
    ((coro_tick)((__builtin_constant_p(x) && !(over(x)) ? (coro_tick)ticks(x) : fn(CORO__U64(x))) + \
                 0u * sizeof(char[(__builtin_constant_p(x) ? (over(x)) : 0) ? -1 : 1])))
#else
#define CORO__UNIT(x, over, ticks, fn, name) fn(CORO__U64(x))
#endif
/* "No timeout" for CORO_WAIT / CORO_WAIT_FOR. */
#define CORO_FOREVER ((coro_tick)-1)

#ifdef __cplusplus
extern "C" {
#endif

/* ==== foundation: status codes, misuse codes, API linkage ============= */
/* Owns: the values every layer returns and reports. Calls nothing. */

/* One enum for every run-time condition. Your own codes start at CORO_ERR_USER
 * and go up to 127; every status fits in a signed char. */
enum {
    CORO_OK = 0,
    CORO_ERR_CANCELLED,  /* the task was cancelled (asyncio.CancelledError) */
    CORO_ERR_TIMEOUT,    /* a timeout expired (TimeoutError) */
    CORO_ERR_INVALID,    /* an argument is invalid (ValueError/TypeError) */
    CORO_ERR_NO_SLOT,    /* a fixed capacity is exhausted */
    CORO_ERR_STALE,      /* the handle names a slot that was recycled */
    CORO_ERR_STATE,      /* the object is not in a state that allows this */
    CORO_ERR_RANGE,      /* a delay beyond CORO_MAX_DELAY */
    CORO_ERR_REENTRANT,  /* a loop is already running */
    CORO_ERR_CLOSED,     /* the loop is closed */
    CORO_ERR_STOPPED,    /* the loop stopped before the task completed */
    CORO_ERR_DEADLOCK,   /* tasks wait but nothing can ever wake them */
    CORO_ERR_BUSY,       /* already in use (a loop running) */
    CORO_ERR_SELF_AWAIT, /* a task awaited itself */
    CORO_ERR_FULL,       /* queue full */
    CORO_ERR_EMPTY,      /* queue empty */
    CORO_ERR_NOT_LOCKED, /* release of a lock that is not held */
    CORO_ERR_OVERFLOW,   /* a counter would exceed its bound */
    CORO_ERR_UNDERFLOW,  /* a counter would go below zero */
    CORO_ERR_SHUTDOWN,   /* the queue was shut down */
    CORO_ERR_CONFIG,     /* files of the program disagree on the configuration */
    CORO_ERR_BROKEN,     /* a barrier broke (asyncio.BrokenBarrierError) */
    CORO_ERR_USER = 32   /* first code free for the application */
};
typedef signed char coro_status;
/* Not a status: what an await's start or resume returns to suspend the task
 * (writing your own awaitable: CORO_AWAIT_ON). Never a task's result. */
#define CORO_PENDING ((coro_status)-1)

/* What CORO_ON_FAIL(code, file, line, text) is told. file:line is where the
 * mistake shows in your code: the CORO_BEGIN of the coroutine for the first
 * three, the call for CORO_FAIL_CONFIG, the CORO_ASSERT for CORO_FAIL_ASSERT
 * (inside a coro header for a precondition of a coro function). */
enum {
    CORO_FAIL_RESUME = 1, /* unknown resume point: an await inside your own
                           * switch statement (switch backend), or a corrupt frame */
    CORO_FAIL_FINISHED,   /* a finished coroutine was resumed: one frame used by
                           * two tasks at once, or reused while still running */
    CORO_FAIL_NO_TASK,    /* a coroutine called outside a task, e.g. main_co(&m.co)
                           * from main instead of coro_run(main_co, &m) */
    CORO_FAIL_CONFIG,     /* this file's configuration knobs differ from those of
                           * the file with CORO_IMPLEMENTATION (text: which one) */
    CORO_FAIL_ASSERT      /* a precondition failed (CORO_ASSERT; text: the condition) */
};

/* CORO_API on a function's declaration, CORO_DEF on its definition (in the
 * CORO_IMPLEMENTATION file): both static under CORO_STATIC (where a function
 * the program does not call is no warning: GCC/Clang's unused attribute).
 * For headers built on coro.h (coro_sync.h, coro_queue.h, your own awaitables). */
#if defined(CORO_STATIC)
#define CORO_API static
#if defined(__GNUC__)
#define CORO_DEF static __attribute__((unused))
#else
#define CORO_DEF static
#endif
#else
#define CORO_API extern
#define CORO_DEF
#endif


/* Text for a status code (static storage, never NULL). On AVR the texts stay
 * in flash and the result is a buffer that the next call overwrites. */
CORO_API const char *coro_strerror(int status);

/* ==== continuation ==================================================== */
/* Owns: the coroutine itself: its frame header, its definition (CORO_FN),
 * its body (CORO_BEGIN ... CORO_END), its exits (CORO_RETURN, CORO_CHECK,
 * CORO_FINALLY, CORO_CATCH) and the await protocol every awaitable is built
 * on (CORO_AWAIT_ON: a start, a resume, CORO_PENDING, CORO_STATUS). The
 * resume points are a switch or GCC labels: the two backends are in the
 * private block at the end of this part. May call: the running task's
 * slot (the loop) only through the private helpers. */

#if CORO_USE_LABELS
typedef void *coro__lc;
#else
typedef uint16_t coro__lc;
#endif

/* The header every frame embeds as `coro_frame co;`. */
typedef struct coro_frame {
    coro__lc lc;       /* resume point: 0 = not started */
    coro_status err;   /* status being returned; a finally block's error in flight */
    uint8_t flags;     /* CORO__F_FINALLY, a finally block's pending exit
                        * (CORO__F_PEND), and in a task's own frame the cancels
                        * its timeout scopes requested (CORO__F_CANCELS) */
} coro_frame;
enum { CORO__F_PEND_SHIFT = 2, CORO__F_PEND = 7 << 2, CORO__F_CANCELS_SHIFT = 5, CORO__F_CANCELS = 7 << 5 };

typedef coro_status (*coro_fn)(coro_frame *frame);
typedef void (*coro_callback)(void *arg);

/* Define coroutine `name` whose frame is `type` (a struct embedding
 * `coro_frame co`), seen in the body as `type *self`. Prefix with `static` as
 * for any function. Besides the function it declares (never defines)
 * `coro_status name__frame(type *)`, which coro_spawn, CORO_AWAIT, coro_run
 * and coro_loop_run_until_complete use to refuse, at compile time, a frame of
 * another type. Declare a coroutine defined in another file with
 * CORO_DECLARE(name, type); (repeatable; `static` in front for a forward
 * declaration in the same file). */
#define CORO_FN(name, type, self)                                                       \
    coro_status name(coro_frame *coro__f);                                              \
    coro_status CORO__CAT(name, __frame)(type *coro__frame);                            \
    static coro_status CORO__CAT(name, __body)(type *self);                             \
    coro_status name(coro_frame *coro__f)                                               \
    {                                                                                   \
        return CORO__CAT(name, __body)((type *)(void *)((char *)coro__f - offsetof(type, co))); \
    }                                                                                   \
    static coro_status CORO__CAT(name, __body)(type *self)

/* Declare coroutine `name` over frame `type`, defined in another file (or
 * further down this one: `static CORO_DECLARE(...)`), so that coro_spawn and
 * CORO_AWAIT can check its frame type. Repeatable (a header may hold it). */
#define CORO_DECLARE(name, type)                                                        \
    coro_status name(coro_frame *coro__f);                                              \
    coro_status CORO__CAT(name, __frame)(type *coro__frame)

/* Open the body. The switch holds only the resume points: the first entry
 * (state 0) goes through its default, which also traps a resume into an
 * unknown state (an await inside your own switch, a finished or corrupt
 * frame); the first entry traps outside a task (a direct call): CORO_ON_FAIL
 * with this line. A resume pays nothing for these checks (the first entry
 * through the default: x86-64 41.5 -> 39.5 instructions per switch, AVR
 * 130.5 -> 127.5 cycles, Cortex-M0 60 -> 58 instructions). Besides coro__st (the
 * last await's status) it declares what the scope blocks (CORO_TRY,
 * CORO_WITH, ...) use: coro__k, how the innermost scope's block was left
 * (CORO__K_*, 0 whenever your code runs), and the block-scope constants that
 * each scope shadows: coro__handler (where a failure goes: 0 = the
 * coroutine's own unwinding, else the innermost scope's resume point; on the
 * labels backend the local label coro__hl) and coro__in_fin (inside a
 * finally). The do-while around the switch only makes a `continue` outside
 * any loop (which a scope re-issues) trap instead of resuming anywhere. */
#define CORO_BEGIN(self)                                                   \
    CORO__PEDANTIC_OFF                                                     \
    coro_status coro__st = 0;                                              \
    int coro__k = 0;                                                       \
    CORO__CONST(coro__handler, 0)                                          \
    CORO__CONST(coro__in_fin, 0)                                           \
    (void)coro__st;                                                        \
    (void)coro__k;                                                         \
    CORO__TOP_LABEL                                                        \
    coro__top:                                                             \
    do {                                                                   \
    switch (CORO__SWITCH_ON((self)->co.lc)) {                              \
    default:                                                               \
        if (CORO__SWITCH_ON((self)->co.lc) == 0) /* the first entry */     \
            goto coro__entry;                                              \
        if ((self)->co.lc != (coro__lc)CORO__LC_UNWIND)                    \
            return CORO__BAD_RESUME((self)->co.lc);                        \
        if (0)                                                             \
            goto coro__top; /* used: a coroutine may have no raise */      \
        return coro__end(&(self)->co);                                     \
    coro__entry:                                                           \
        CORO__JUMP((self)->co.lc)                                          \
        CORO__ENTRY_CHECK()

/* Close the body: the coroutine ends with CORO_OK (or with the status its
 * cleanup section left in CORO_ERROR). */
#define CORO_END(self)                                                     \
    }                                                                      \
    return coro__end(&(self)->co);                                         \
    } while (CORO__FAIL(CORO_FAIL_ASSERT, "continue outside a loop"), 0);  \
    CORO__PEDANTIC_ON                                                      \
    return coro__end(&(self)->co) /* never reached (gcc -O0 cannot tell) */

/* The cleanup section: code after it runs on every way out. It may await.
 * It is the coroutine's outermost finally: a CORO_FINALLY_BLOCK cannot sit
 * inside it (CORO_TRY/CORO_EXCEPT, CORO_CATCH and CORO_WITH blocks can). */
#define CORO_FINALLY(self)                                                 \
    if (0) {                                                               \
    case CORO__CASE_UNWIND:;                                               \
    }                                                                      \
    (self)->co.flags |= CORO__F_FINALLY;                                   \
    CORO__CONST(coro__in_fin, 1)                                           \
    (void)0

/* The status the coroutine is ending with, in the cleanup section; the error
 * in flight in a CORO_FINALLY_BLOCK. An lvalue: set 0 to swallow it. */
#define CORO_ERROR(self) ((self)->co.err)

/* End the coroutine with status st (0 = success), through every finally and
 * `async with` exit around it, innermost first, and its cleanup section. A
 * nonzero st is a `raise`: inside CORO_TRY a CORO_EXCEPT may catch it. */
#define CORO_RETURN(self, st)                                              \
    do {                                                                   \
        coro__st = (coro_status)(st);                                      \
        coro__k = coro__st ? CORO__K_ERR : CORO__K_RET;                    \
        CORO__RAISE(self);                                                 \
    } while (0)

/* After an await: a failure (in coro__st) goes to the innermost handler. */
#define CORO__CHECK(self, st)                                              \
    do {                                                                   \
        if ((st) != CORO_OK) {                                             \
            coro__k = CORO__K_ERR;                                         \
            CORO__RAISE(self);                                             \
        }                                                                  \
    } while (0)

/* Raise a call's failure like a failed await's: st (a status, evaluated
 * once) other than CORO_OK unwinds the coroutine with it, into CORO_CATCH's
 * variable, a CORO_EXCEPT or the CORO_FINALLY section, as an exception would.
 * Never suspends; may return from your function. The idiom for every call
 * that can fail inside a coroutine: CORO_CHECK(self, coro_spawn(loop, &t, fn, &f)); */
#define CORO_CHECK(self, st)                                               \
    do {                                                                   \
        coro__st = (coro_status)(st);                                      \
        CORO__CHECK(self, coro__st);                                       \
    } while (0)

/* The one suspension point every await is built on: start() returns
 * CORO__PENDING to suspend, resume() is evaluated after each wake and may
 * return CORO__PENDING to suspend again. */
#define CORO__AWAIT_AT(self, n, start, resume)                             \
    do {                                                                   \
        coro__st = (start);                                                \
        while (coro__st == CORO__PENDING) {                                \
            CORO__SAVE(self, n);                                           \
            CORO__DEBUG_AT();                                              \
            return CORO__PENDING;                                          \
            CORO__MARK(n)                                                  \
            coro__st = (resume);                                           \
        }                                                                  \
        CORO__CHECK(self, coro__st);                                       \
    } while (0)
#define CORO__AWAIT(self, start, resume) CORO__AWAIT_AT(self, CORO__LABEL, start, resume)

/* Writing your own awaitable: the suspension point, public. start is
 * evaluated once: it returns a status to finish at once (CORO_OK, or an
 * error, which propagates like any await's), or CORO_PENDING to suspend the
 * task (having parked it: coro_waitq_wait). resume is evaluated after each
 * wake and returns the await's status, or CORO_PENDING to suspend again.
 * Suspends. The building block of every await of coro_sync.h and
 * coro_queue.h; see the tutorial, "Writing your own awaitable". */
#define CORO_AWAIT_ON(self, start, resume) CORO__AWAIT(self, start, resume)
/* The status of the coroutine's last await (CORO_OK, or the error it ended
 * with inside CORO_CATCH / CORO_TIMEOUT), for macros built on CORO_AWAIT_ON
 * that act on success only. Never suspends; an rvalue. */
#define CORO_STATUS(self) ((void)sizeof((self)->co), (coro_status)coro__st)

/* Run one await statement; its status lands in out (0 on success) instead of
 * propagating: the one-statement form of CORO_TRY + CORO_EXCEPT(self,
 * CORO_ANY). Nests in anything, leaves CORO_ERROR alone. */
#define CORO_CATCH(self, out, await_stmt) CORO__CATCH(self, CORO__LABEL, out, await_stmt)
#define CORO__CATCH(self, n, out, await_stmt)                              \
    do {                                                                   \
        {                                                                  \
            CORO__H_DECL(n)                                                \
            await_stmt;                                                    \
            if (0) {                                                       \
                CORO__H_MARK(n);                                           \
            }                                                              \
        }                                                                  \
        (out) = coro__k == CORO__K_ERR ? coro__st : (coro_status)CORO_OK;  \
        coro__k = 0;                                                       \
    } while (0)

/* ---- scopes: try/except/finally and `async with`, nested to any depth ---- */
/* Each scope is lexical: its block sees a block-scope constant (or, on the
 * labels backend, a local label) naming its handler's resume point, so a
 * failing await jumps straight to the innermost handler and no byte of the
 * frame records the nesting; code without scopes pays nothing. How a block
 * was left is in coro__k: break (0: a plain `break` lands with it), normal
 * end, continue, an error (its status in coro__st), a return; CORO__K_HANDLED
 * and CORO__K_FIN mark a block an except or a finally ran in, CORO__K_EXIT
 * the phase of CORO_WITH that runs its exit. */
enum { CORO__K_BREAK, CORO__K_NORMAL, CORO__K_CONT, CORO__K_ERR, CORO__K_RET, CORO__K_MASK = 7,
       CORO__K_HANDLED = 8, CORO__K_FIN = 16, CORO__K_EXIT = 32 };
/* What CORO_EXCEPT matches besides one status: any status (a bare `except:`,
 * cancellation included), or every error but a cancellation (`except
 * Exception:`). */
#define CORO_ANY (-2)
#define CORO_EXCEPTION (-3)
static inline int coro__match(coro_status st, int what)
{
    return what == CORO_ANY || (what == CORO_EXCEPTION ? st != CORO_ERR_CANCELLED : st == what);
}
/* The pending exit of a CORO_FINALLY_BLOCK while it runs (it may await): its
 * kind in the frame's flags, an error in err (CORO_ERROR). */
static inline void coro__fin_enter(coro_frame *f, int k, coro_status st)
{
    f->flags = (uint8_t)((f->flags & ~CORO__F_PEND) | (k << CORO__F_PEND_SHIFT));
    f->err = k == CORO__K_ERR ? st : (coro_status)CORO_OK;
}
/* After the finally's block: a break or continue out of it drops the pending
 * exit (as in Python), else the pending exit goes on (an error CORO_ERROR
 * cleared is swallowed). */
static inline int coro__fin_leave(coro_frame *f, int k, coro_status *st)
{
    int pend = (f->flags & CORO__F_PEND) >> CORO__F_PEND_SHIFT;
    coro_status err = f->err;
    f->err = 0;
    f->flags = (uint8_t)(f->flags & ~CORO__F_PEND);
    if ((k & CORO__K_MASK) != CORO__K_NORMAL)
        return k;
    if (pend == CORO__K_ERR && err == CORO_OK)
        return CORO__K_NORMAL;
    *st = pend == CORO__K_ERR ? err : (coro_status)CORO_OK;
    return pend;
}
/* A block-scope constant that an inner block redeclares. C: a structure tag
 * whose size gives the value (tags do not trip -Wshadow, even on old GCCs
 * such as avr-gcc 5, whose _Pragma cannot silence it inside a macro). C++
 * (where tags would): an enumerator, -Wshadow silenced around it. */
#if defined(__cplusplus)
#if defined(__GNUC__)
#define CORO__CONST(name, v) \
    _Pragma("GCC diagnostic push") _Pragma("GCC diagnostic ignored \"-Wshadow\"") enum { name = (v) }; _Pragma("GCC diagnostic pop")
#else
#define CORO__CONST(name, v) enum { name = (v) };
#endif
#define CORO__GET(name) (name)
#else
#define CORO__CONST(name, v) struct name##__v { char coro__v[(v) + 1]; };
#define CORO__GET(name) ((int)sizeof(struct name##__v) - 1)
#endif
#if CORO_USE_LABELS
#define CORO__TOP_LABEL (void)&&coro__hl; coro__hl:
#define CORO__H_DECL(n) __label__ coro__hl; CORO__CONST(coro__handler, 1)
#define CORO__H_MARK(n) coro__hl: (void)&&coro__hl;
#define CORO__H_GO(self) goto coro__hl
#else
#define CORO__TOP_LABEL
#define CORO__H_DECL(n) CORO__CONST(coro__handler, n)
#define CORO__H_MARK(n) case (n):
#define CORO__H_GO(self)                                                   \
    do {                                                                   \
        (self)->co.lc = (coro__lc)CORO__GET(coro__handler);                \
        goto coro__top;                                                    \
    } while (0)
#endif
/* Leave for the innermost handler with coro__k (an error or a return) and
 * coro__st; outside every scope, the coroutine's own unwinding. */
#define CORO__RAISE(self)                                                  \
    do {                                                                   \
        if (CORO__GET(coro__handler) != 0)                                 \
            CORO__H_GO(self);                                              \
        if (coro__unwind(&(self)->co, coro__st))                           \
            goto coro__top;                                                \
        return coro__end(&(self)->co);                                     \
    } while (0)
/* The loop a scope's block runs in: it catches a `break` (coro__k stays 0)
 * and a `continue` (CORO__K_CONT, set by its step), the block's normal end
 * (CORO__K_NORMAL, CORO__W_CLOSE) and a failure inside it (the handler's
 * entry n, which CORO__RAISE jumps to with coro__k set). */
#define CORO__W_OPEN(n)                                                    \
    for (;; coro__k = CORO__K_CONT) {                                      \
        CORO__H_DECL(n)                                                    \
        if (coro__k == CORO__K_CONT)                                       \
            break;                                                         \
        if (0) {                                                           \
            CORO__H_MARK(n)                                                \
            break;                                                         \
        }
#define CORO__W_CLOSE                                                      \
        coro__k = CORO__K_NORMAL;                                          \
        break;                                                             \
    }
/* After a scope: go on (normal end), re-issue a break or a continue in your
 * loop, or carry an error or a return to the next handler out. */
#define CORO__LAND(self)                                                   \
    if (coro__k == CORO__K_NORMAL) {                                       \
        coro__k = 0;                                                       \
    } else if (coro__k == CORO__K_BREAK) {                                 \
        break;                                                             \
    } else if (coro__k == CORO__K_CONT) {                                  \
        coro__k = 0;                                                       \
        continue;                                                          \
    } else {                                                               \
        CORO__RAISE(self);                                                 \
    }
#define CORO__CLAUSE_END                                                   \
        CORO__W_CLOSE                                                      \
        coro__k |= CORO__GET(coro__post);                                  \
    }
#if defined(__cplusplus)
#define CORO__NOT_IN_FIN (void)sizeof(char[CORO__GET(coro__in_fin) ? -1 : 1]);
#else
#define CORO__NOT_IN_FIN                                                   \
    (void)sizeof(struct {                                                  \
        int coro_a_finally_block_cannot_sit_in_a_finally_block_or_cleanup_section_use_a_sub_coroutine : \
            CORO__GET(coro__in_fin) ? -1 : 1;                              \
    });
#endif

/* try / except / finally, in one coroutine, nested to any depth:
 *     CORO_TRY(self) {
 *         ...                                  any code and awaits
 *     } CORO_EXCEPT(self, CORO_ERR_TIMEOUT) {  except TimeoutError:
 *         ...
 *     } CORO_EXCEPT_AS(self, CORO_EXCEPTION, self->err) {   except Exception as e:
 *         ...
 *     } CORO_FINALLY_BLOCK(self) {             finally:
 *         ...                                  CORO_ERROR(self): the error in flight
 *     } CORO_END_TRY(self);
 * Zero or more CORO_EXCEPT clauses (the first that matches runs: a status,
 * CORO_EXCEPTION or CORO_ANY), then at most one CORO_FINALLY_BLOCK, then
 * CORO_END_TRY. Python's rules: a failure in the block goes to the first
 * matching clause, or on out; an error in a clause goes out (after the
 * finally); the finally runs on every way out of the block and the clauses:
 * normal end, error, cancellation, timeout, CORO_RETURN, and a break or
 * continue of your loop (each goes on after it); an await that succeeds in
 * the finally leaves the error in flight, a new error replaces it, a break,
 * continue or CORO_RETURN in it drops it. In a clause CORO_STATUS(self) is the
 * caught status until the clause's first await (CORO_EXCEPT_AS copies it into
 * out). A finally block may not sit inside another finally block or the
 * cleanup section (a compile error says so: use a sub-coroutine); try/except,
 * CORO_CATCH and CORO_WITH blocks may. Never leave a scope by goto. */
#define CORO_TRY(self)                                                     \
    {                                                                      \
        CORO__CONST(coro__post, 0)                                         \
        (void)sizeof((self)->co);                                          \
        CORO__W_OPEN(CORO__LABEL)
#define CORO_EXCEPT(self, what) CORO__EXCEPT(self, what, (void)0)
#define CORO_EXCEPT_AS(self, what, out) CORO__EXCEPT(self, what, (out) = coro__st)
#define CORO__EXCEPT(self, what, bind)                                     \
    CORO__CLAUSE_END                                                       \
    if (coro__k == CORO__K_ERR && coro__match(coro__st, (what))) {         \
        CORO__CONST(coro__post, CORO__K_HANDLED)                           \
        if (!CORO__GET(coro__in_fin)) /* a finally block's error is over */ \
            (self)->co.err = 0;                                            \
        coro__k = 0;                                                       \
        bind;                                                              \
        CORO__W_OPEN(CORO__LABEL)
#define CORO_FINALLY_BLOCK(self)                                           \
    CORO__CLAUSE_END                                                       \
    {                                                                      \
        CORO__NOT_IN_FIN                                                   \
        CORO__CONST(coro__post, CORO__K_FIN)                               \
        CORO__CONST(coro__in_fin, 1)                                       \
        coro__fin_enter(&(self)->co, coro__k & CORO__K_MASK, coro__st);    \
        coro__k = 0;                                                       \
        for (;; coro__k = CORO__K_CONT) {                                  \
            if (coro__k == CORO__K_CONT)                                   \
                break;
#define CORO_END_TRY(self)                                                 \
    CORO__CLAUSE_END                                                       \
    if (coro__k & CORO__K_FIN)                                             \
        coro__k = coro__fin_leave(&(self)->co, coro__k, &coro__st);        \
    coro__k &= CORO__K_MASK;                                               \
    CORO__LAND(self)

/* `async with`: run enter_stmt (an await; if it fails, the error goes on and
 * the block never runs), then the block, then exit_stmt (a statement that
 * never suspends) on every way out of the block: normal end, error,
 * cancellation, timeout, CORO_RETURN, break, continue. Then the coroutine goes
 * on after CORO_END_WITH(self) (or the error, break, ... goes on). Nests with
 * every other scope. Arguments are evaluated where they run (rule 4):
 *     CORO_WITH(self, CORO_LOCK(self, &lock), coro_lock_leave(&lock)) {
 *         ...
 *     } CORO_END_WITH(self);
 * The forms of coro's context managers: CORO_WITH_TIMEOUT /
 * CORO_WITH_TIMEOUT_AT (below), CORO_WITH_LOCK, CORO_WITH_SEM, CORO_WITH_COND
 * (coro_sync.h). */
#define CORO_WITH(self, enter_stmt, exit_stmt)                             \
    {                                                                      \
        enter_stmt;                                                        \
        for (;;) {                                                         \
            if (coro__k & CORO__K_EXIT) {                                  \
                coro__k &= ~CORO__K_EXIT;                                  \
                exit_stmt;                                                 \
                break;                                                     \
            }                                                              \
            CORO__W_OPEN(CORO__LABEL)
#define CORO_END_WITH(self)                                                \
            CORO__W_CLOSE                                                  \
            coro__k |= CORO__K_EXIT;                                       \
        }                                                                  \
        CORO__LAND(self)                                                   \
    }                                                                      \
    (void)sizeof((self)->co)

/* asyncio.sleep(0): every other ready task runs once, then this one. */
#define CORO_YIELD(self) CORO__YIELD_AT(self, CORO__LABEL)
/* The step ends with CORO__YIELDED: the loop puts the task back at the ready
 * ring's tail (it holds the task's index already), so the task touches no
 * loop state to yield. */
#define CORO__YIELD_AT(self, n)                                            \
    do {                                                                   \
        CORO__SAVE(self, n);                                               \
        CORO__DEBUG_AT();                                                  \
        return CORO__YIELDED;                                              \
        CORO__MARK(n)                                                      \
        coro__st = coro__yielded();                                        \
        CORO__CHECK(self, coro__st);                                       \
    } while (0)

/* Sleep for ticks (0 = CORO_YIELD). Fails with CORO_ERR_RANGE beyond
 * CORO_MAX_DELAY. Delays count from the start of the current loop iteration;
 * equal deadlines wake in the order they were set. */
#define CORO_SLEEP(self, ticks) CORO__AWAIT(self, coro__sleep((ticks), 0), coro__resumed())

/* Sleep until the absolute tick `when` (drift-free periodic work); a past
 * `when` (up to CORO_MAX_DELAY / 2 behind) behaves as CORO_YIELD. Ticks wrap,
 * so a `when` further than CORO_MAX_DELAY ahead and not that recently past
 * fails with CORO_ERR_RANGE: it is never taken for a past one. */
#define CORO_SLEEP_UNTIL(self, when) CORO__AWAIT(self, coro__sleep((when), 1), coro__resumed())

/* Await coroutine fn on frame *child inline (asyncio `await fn()`): the child
 * starts afresh, runs inside this task and its status comes back here.
 * child must point to fn's frame type (a compile error otherwise).
 * CORO_AWAIT_FN: the same for fn any coro_fn value (a function pointer in a
 * variable) and frame a coro_frame * (&child->co), unchecked. */
#define CORO_AWAIT(self, fn, child) \
    CORO__AWAIT_CHILD(self, CORO__LABEL, (CORO__FRAME_CHECK(fn, child), (fn)), &(child)->co)
#define CORO_AWAIT_FN(self, fn, frame) CORO__AWAIT_CHILD(self, CORO__LABEL, (fn), (frame))
#define CORO__AWAIT_CHILD(self, n, fn, frame)                              \
    do {                                                                   \
        coro__frame_init(frame);                                           \
        if (0) {                                                           \
            CORO__MARK(n);                                                 \
        }                                                                  \
        coro__st = (fn)(frame);                                            \
        if (CORO__SUSPENDED(coro__st)) {                                   \
            CORO__SAVE(self, n);                                           \
            return coro__st;                                               \
        }                                                                  \
        CORO__CHECK(self, coro__st);                                       \
    } while (0)

/* ==== scheduler and loop ============================================== */
/* Owns: the loop object (a fixed array of slots, a FIFO ready ring, a
 * min-heap of deadlines; its layout is private, below), handles, running
 * it, stopping it, waking it from an interrupt, polling interrupt-fed
 * objects (coro_watch) and callbacks (call_soon/later/at). May call: the
 * continuation layer and the clock. */
typedef struct coro_loop coro_loop;

/* Task and callback handles: generation << CORO_INDEX_BITS | (slot + 1), as
 * wide as both (CORO_INDEX_BITS + CORO_GEN_BITS, rounded up to 16, 32 or 64
 * bits). The slot part is never 0, so 0 is never a valid handle and every
 * generation value is usable: a slot reused 2^CORO_GEN_BITS times gives its
 * old handles back. */
#if CORO_INDEX_BITS == 8
typedef uint8_t coro_index;
#elif CORO_INDEX_BITS == 16
typedef uint16_t coro_index;
#else
typedef uint32_t coro_index;
#endif
#if CORO_INDEX_BITS + CORO_GEN_BITS <= 16
typedef uint16_t coro_task;
#elif CORO_INDEX_BITS + CORO_GEN_BITS <= 32
typedef uint32_t coro_task;
#else
typedef uint64_t coro_task;
#endif
/* A callback's handle (coro_call_soon/later/at, coro_handle_cancel): a
 * struct so that the compiler tells a callback's handle from a task's. id 0
 * (all-zero, `coro_handle h = {0};`) names no callback. */
typedef struct coro_handle {
    coro_task id;
} coro_handle;

/* A poll hook (coro_loop_poll_add): a node the interrupt-fed object embeds. */
typedef struct coro_poll {
    struct coro_poll *next;
    void (*fn)(coro_loop *loop, struct coro_poll *self);
} coro_poll;

/* Prepare a loop: empty, time from the clock. CORO_ERR_REENTRANT (nothing
 * changes) while it runs, even stopping. An all-zero loop (a static nobody
 * initialised) is valid too: the first spawn, call, run, stop, close or
 * time initialises it. */
CORO_API coro_status coro_loop_init(coro_loop *loop);
/* Close: CORO_ERR_BUSY while running; afterwards running, spawning and
 * scheduling fail with CORO_ERR_CLOSED (queries still answer; init reopens). */
CORO_API coro_status coro_loop_close(coro_loop *loop);
/* Ask the loop to return CORO_ERR_STOPPED after the current iteration; before
 * a run, the next run does one iteration (without idling) and returns
 * (asyncio's loop.stop). */
CORO_API void coro_loop_stop(coro_loop *loop);
/* The loop's time: the clock, read at most once per iteration (the first time
 * anything needs it), so every delay set in one iteration counts from the same
 * instant. */
CORO_API coro_tick coro_loop_time(coro_loop *loop);
/* Run until the task is done: its status, or CORO_ERR_STOPPED (the task stays
 * resumable by another run), CORO_ERR_DEADLOCK, CORO_ERR_REENTRANT, ... */
CORO_API coro_status coro_loop_run_task(coro_loop *loop, coro_task task);
/* Spawn fn on frame and run it to completion (asyncio run_until_complete).
 * frame must point to fn's frame type (a compile error otherwise). */
#define coro_loop_run_until_complete(loop, fn, frame) \
    (CORO__FRAME_CHECK(fn, frame), CORO__CHECKED(coro__run_until_complete((loop), (fn), &(frame)->co)))
CORO_API coro_status coro__run_until_complete(coro_loop *loop, coro_fn fn, coro_frame *frame);
/* Run until coro_loop_stop (CORO_ERR_STOPPED) or nothing is left to wait for
 * (CORO_OK when no task is alive, CORO_ERR_DEADLOCK when some still wait). */
CORO_API coro_status coro_loop_run_forever(coro_loop *loop);
/* asyncio.run: a fresh loop (on the stack), run main to completion, cancel
 * every other task and run until those have finished their cleanup, close.
 * Returns main's status. A task spawned during that shutdown (from a cleanup
 * section) runs alongside but is not waited for: it is dropped unfinished
 * when the cancelled ones are done, so the shutdown always ends. */
#define coro_run(fn, frame) (CORO__FRAME_CHECK(fn, frame), CORO__CHECKED(coro__run((fn), &(frame)->co)))
CORO_API coro_status coro__run(coro_fn fn, coro_frame *frame);

/* Wake a loop idling in its idle hook; safe from an interrupt handler or
 * another thread. */
CORO_API void coro_loop_wakeup(coro_loop *loop);
/* Count wake sources outside the loop (interrupts): while armed > 0 an empty
 * loop idles instead of reporting a deadlock. */
CORO_API void coro_loop_arm(coro_loop *loop, int delta);
/* Poll hooks, for objects an interrupt or thread feeds (an SPSC ring, a flag):
 * the interrupt only stores its data and calls coro_loop_wakeup; at the start
 * of the loop's next iteration (before timers and tasks run) the loop clears
 * the wakeup and calls hook->fn(loop, hook) for every registered hook, in the
 * loop's context, where fn may wake tasks (coro_waitq_notify). add registers a
 * hook not registered yet (O(1)); remove unregisters it (O(n), nonzero if it
 * was there). Both only from the loop's own context. */
CORO_API void coro_loop_poll_add(coro_loop *loop, coro_poll *hook);
CORO_API int coro_loop_poll_remove(coro_loop *loop, coro_poll *hook);

/* The loop running now (asyncio.get_running_loop), or NULL. */
CORO_API coro_loop *coro_running_loop(void);
/* The task running now, or 0 outside tasks. */
CORO_API coro_task coro_current_task(const coro_loop *loop);

/* Outside the file with CORO_IMPLEMENTATION, coro_loop_init, coro_spawn,
 * coro_run and coro_loop_run_until_complete first compare this file's
 * configuration with the implementation's: a mismatch calls CORO_ON_FAIL
 * (CORO_FAIL_CONFIG), and if that returns, the call returns CORO_ERR_CONFIG
 * without evaluating its arguments. The first entry of a coroutine defined
 * in such a file compares too (then traps: it cannot run). */
#if !defined(CORO_IMPLEMENTATION)
#define coro_loop_init(loop) CORO__CHECKED(coro_loop_init(loop))
#endif

/* A watch: what an interrupt-fed object (coro_flag, coro_ring, your own
 * awaitable) embeds to be polled while tasks wait on it. From coro_watch_start
 * to coro_watch_stop its poll hook is registered in the running loop and the
 * loop is armed (coro_loop_arm: it idles, waiting for an interrupt, instead of
 * reporting a deadlock). The interrupt side stores its data and calls
 * coro_loop_wakeup; the loop then calls the hook, which wakes the waiters
 * (coro_waitq_notify). All-zero (a static without initializer) is a stopped
 * watch, the same as CORO_WATCH_INIT and coro_watch_init. */
typedef struct coro_watch {
    coro_poll poll; /* fn: the hook while watching, NULL while stopped */
} coro_watch;
#define CORO_WATCH_INIT { { NULL, NULL } }
static inline void coro_watch_init(coro_watch *w)
{
    w->poll.next = NULL;
    w->poll.fn = NULL;
}
/* Watch w in loop (the running loop: call it in an await's start, after
 * parking the task), fn its poll hook: fn(loop, &w->poll) runs at the start
 * of each iteration after a wakeup (recover your object from the hook with
 * offsetof, or embed the watch first and cast). Idempotent: a watching w
 * stays as it is (one registration for any number of waiters). Race-free
 * when the start first checks the condition, then parks and watches, and the
 * interrupt side stores its data before calling coro_loop_wakeup: a wakeup
 * that lands after the check stays pending until the loop polls, which is
 * after this task step, with the hook registered. (coro_ring wakes the loop
 * only while a task waits: it publishes the loop after the watch starts and
 * then checks again.) Never suspends. */
static inline void coro_watch_start(coro_loop *loop, coro_watch *w, void (*fn)(coro_loop *loop, coro_poll *hook))
{
    if (!w->poll.fn) {
        w->poll.fn = fn;
        coro_loop_poll_add(loop, &w->poll);
        coro_loop_arm(loop, 1);
    }
}
/* Stop watching in loop, the one that watches w (when the last waiter
 * leaves, e.g. in the await's resume): unregister, disarm. A stopped watch
 * stays as it is. Never suspends. */
static inline void coro_watch_stop(coro_loop *loop, coro_watch *w)
{
    if (w->poll.fn) {
        w->poll.fn = NULL;
        coro_loop_poll_remove(loop, &w->poll);
        coro_loop_arm(loop, -1);
    }
}
/* Nonzero while watching. */
static inline int coro_watch_active(const coro_watch *w) { return w->poll.fn != NULL; }

/* Callbacks: cb(arg) runs from the loop on the next iteration (FIFO), after
 * ticks, or at tick `when` (a past `when`, up to CORO_MAX_DELAY / 2 behind, is
 * due at once, earliest first; one further than CORO_MAX_DELAY ahead is
 * refused with CORO_ERR_RANGE, as for CORO_SLEEP_UNTIL).
 * *out (may be NULL) gets a handle for coro_handle_cancel. CORO_ERR_NO_SLOT
 * when CORO_MAX_CALLBACKS are pending, CORO_ERR_RANGE, CORO_ERR_INVALID for a
 * NULL cb, CORO_ERR_CLOSED. */
CORO_API coro_status coro_call_soon(coro_loop *loop, coro_handle *out, coro_callback cb, void *arg);
CORO_API coro_status coro_call_later(coro_loop *loop, coro_handle *out, coro_tick ticks, coro_callback cb, void *arg);
CORO_API coro_status coro_call_at(coro_loop *loop, coro_handle *out, coro_tick when, coro_callback cb, void *arg);
/* Nonzero if the callback was pending and now never runs. */
CORO_API int coro_handle_cancel(coro_loop *loop, coro_handle h);

/* ==== tasks =========================================================== */
/* Owns: tasks (create_task, done, status, cancel) and awaiting one.
 * May call: the loop. */

/* create_task: a new task runs fn on frame from the next iteration; *out gets
 * its handle (out may be NULL). CORO_ERR_NO_SLOT when every slot holds a live
 * task (nothing changes), CORO_ERR_CLOSED. Done tasks' slots are reused oldest
 * first; their handles then read CORO_ERR_STALE. fn is a coroutine's name and
 * frame a pointer to its frame type: another type is a compile error.
 * coro_spawn_fn: the same for fn any coro_fn value (a function pointer in a
 * variable) and frame a coro_frame * (&f->co), unchecked. */
#if CORO_DEBUG
#define coro_spawn(loop, out, fn, frame) \
    (CORO__FRAME_CHECK(fn, frame), CORO__CHECKED(coro__spawn_named((loop), (out), (fn), &(frame)->co, #fn)))
#define coro_spawn_fn(loop, out, fn, frame) CORO__CHECKED(coro__spawn_named((loop), (out), (fn), (frame), #fn))
#else
#define coro_spawn(loop, out, fn, frame) \
    (CORO__FRAME_CHECK(fn, frame), CORO__CHECKED(coro__spawn((loop), (out), (fn), &(frame)->co)))
#define coro_spawn_fn(loop, out, fn, frame) CORO__CHECKED(coro__spawn((loop), (out), (fn), (frame)))
#endif
CORO_API coro_status coro__spawn(coro_loop *loop, coro_task *out, coro_fn fn, coro_frame *frame);
CORO_API coro_status coro__spawn_named(coro_loop *loop, coro_task *out, coro_fn fn, coro_frame *frame, const char *name);

/* Nonzero once the task has finished (also for a stale handle: it did). */
CORO_API int coro_task_done(const coro_loop *loop, coro_task task);
/* Final status of a done task; CORO_ERR_STATE if it still runs, CORO_ERR_STALE. */
CORO_API coro_status coro_task_status(const coro_loop *loop, coro_task task);
/* Nonzero if the task ended cancelled. */
CORO_API int coro_task_cancelled(const coro_loop *loop, coro_task task);
/* Request cancellation, delivered at the task's current (or next) await.
 * Nonzero if the task was still pending; 0 for a finished or stale task. */
CORO_API int coro_task_cancel(coro_loop *loop, coro_task task);

/* Await a task: its status becomes this await's status. Cancelling the
 * awaiting task cancels the awaited one (asyncio semantics). Any number of
 * tasks may await one task, each with any of the task waits (await, gather,
 * wait, wait_for, shield, as_completed): when it ends they are told in the
 * order they began to wait. The second and later awaiters of a task each
 * hold one of CORO_MAX_SHARED_AWAITS entries while they wait
 * (CORO_ERR_NO_SLOT when none is free, nothing changed). */
#define CORO_AWAIT_TASK(self, task)                                        \
    CORO__AWAIT(self, coro__tasks_start(&(task), 1, CORO__W_AWAIT, CORO_FOREVER, NULL, NULL), \
                coro__tasks_resume(&(task), 1, NULL, NULL, CORO__W_AWAIT))

/* ==== composition ===================================================== */
/* Owns: waiting on several tasks (gather, wait, wait_for), timeout
 * scopes and task groups. May call: tasks and the loop's callbacks. */

/* asyncio.gather over n tasks (n may be 0; duplicates allowed). errs NULL:
 * the first failure ends the gather with that status at once, the other
 * tasks keep running. errs an array of n: every task runs to the end, errs[i]
 * gets task i's status and the gather succeeds. Cancelling the gathering
 * task cancels every gathered task, waits for them, and ends CANCELLED. */
#define CORO_GATHER(self, tasks, n, errs)                                  \
    CORO__AWAIT(self, coro__tasks_start((tasks), (n), CORO__W_GATHER, CORO_FOREVER, (errs), NULL), \
                coro__tasks_resume((tasks), (n), (errs), NULL, CORO__W_GATHER))

/* asyncio.wait: when is CORO_FIRST_COMPLETED, CORO_FIRST_EXCEPTION or
 * CORO_ALL_COMPLETED; timeout in ticks or CORO_FOREVER. ndone (an int lvalue)
 * gets the number of distinct finished tasks; check each with coro_task_done.
 * Never cancels the tasks, a timeout is not an error. n = 0 or a bad `when`
 * fail with CORO_ERR_INVALID. */
enum { CORO_FIRST_COMPLETED = 2, CORO_FIRST_EXCEPTION = 4, CORO_ALL_COMPLETED = 0x100 };
#define CORO_WAIT(self, tasks, n, when, timeout, ndone)                    \
    CORO__AWAIT(self, coro__tasks_start((tasks), (n), coro__wait_kind(when), (timeout), NULL, &(ndone)), \
                coro__tasks_resume((tasks), (n), NULL, &(ndone), CORO__W_WAIT_ALL))

/* asyncio.wait_for on a task: on timeout the task is cancelled, its cleanup
 * runs, and only then CORO_ERR_TIMEOUT is reported; if the task swallows the
 * cancellation and succeeds, that success wins. Cancelling the waiter cancels
 * the task too. timeout 0 cancels at once (an unstarted task never runs). */
#define CORO_WAIT_FOR(self, task, timeout)                                 \
    CORO__AWAIT(self, coro__tasks_start(&(task), 1, CORO__W_WAIT_FOR, (timeout), NULL, NULL), \
                coro__tasks_resume(&(task), 1, NULL, NULL, CORO__W_WAIT_FOR))

/* asyncio.shield around a task: await it, but a cancellation of the awaiting
 * task does not reach it. The task's status becomes this await's status;
 * cancelling the awaiting task ends the await at once with
 * CORO_ERR_CANCELLED while the task runs on (await it again later, or not).
 * A cancellation of the task itself reaches the awaiter (its status is
 * CORO_ERR_CANCELLED), as in asyncio. task is an lvalue, read twice. */
#define CORO_SHIELD(self, task)                                            \
    CORO__AWAIT(self, coro__tasks_start(&(task), 1, CORO__W_SHIELD, CORO_FOREVER, NULL, NULL), \
                coro__tasks_resume(&(task), 1, NULL, NULL, CORO__W_SHIELD))

/* asyncio.as_completed: the tasks one at a time in the order they finish
 * (tasks that finished in the same loop iteration in the order of the
 * array). coro_as_completed_init (inside a task: the timeout counts from
 * now, CORO_FOREVER for none) takes the caller's array of n handles, which it
 * reorders: each task reported moves to the end. CORO_AS_COMPLETED(self, it,
 * task) awaits the next one: task (a coro_task lvalue) gets its handle and
 * the await's status is the task's status (raised as a failed await is,
 * unless caught: asyncio's `await next(it)`), CORO_ERR_TIMEOUT once the
 * timeout expired before another task finished (the tasks keep running),
 * CORO_ERR_STATE when every task was reported. coro_as_completed_left: how
 * many are left. Never cancels the tasks; cancelling the awaiting task ends
 * the await with CORO_ERR_CANCELLED. init: CORO_ERR_INVALID for n < 0 or a
 * NULL array, CORO_ERR_RANGE for a timeout beyond CORO_MAX_DELAY,
 * CORO_ERR_STATE outside a running loop. it and task are read twice. */
typedef struct coro_as_completed {
    coro_task *tasks;   /* tasks[0..left) not reported yet */
    int left;
    int ndone;          /* the wait's scratch */
    coro_tick deadline; /* loop time of the timeout */
    uint8_t timed;      /* a timeout was given */
} coro_as_completed;
CORO_API coro_status coro_as_completed_init(coro_as_completed *it, coro_task *tasks, int n, coro_tick timeout);
static inline int coro_as_completed_left(const coro_as_completed *it) { return it->left; }
#define CORO_AS_COMPLETED(self, it, task) \
    CORO__AWAIT(self, coro__as_completed_start((it), &(task)), coro__as_completed_resume((it), &(task)))

/* A timeout scope: asyncio.timeout(delay) / asyncio.timeout_at(when), as a
 * block:
 *     CORO_WITH_TIMEOUT(self, &self->to, CORO_MS(100)) {
 *         ...                              any code and awaits, other scopes
 *     } CORO_END_WITH(self);
 * On expiry the task is cancelled at its innermost await, unwinds (inner
 * finally blocks and exits run) to this scope, and the scope raises
 * CORO_ERR_TIMEOUT from it; a cancellation of any other origin stays
 * CORO_ERR_CANCELLED. asyncio's rules: the scope whose deadline expired is the
 * one that raises; an inner expiry caught inside does not disarm an outer
 * scope; when several scopes expire before the task runs again (one busy
 * step), the outermost of them raises the timeout and the inner ones let the
 * cancellation through (CPython 3.11); a scope that expired while its block
 * ran no await reports nothing. ticks CORO_FOREVER (asyncio's None): never
 * expires; 0 or a `when` in the past (at most CORO_MAX_DELAY / 2 behind,
 * rule 6): expires at the block's first await, even CORO_YIELD. A delay
 * beyond CORO_MAX_DELAY, a `when` out of range, or no free callback slot
 * raise CORO_ERR_RANGE / CORO_ERR_NO_SLOT before the block. scope is a
 * coro_timeout in the frame (all-zero is fine): it holds one callback slot
 * while armed, and after the block still answers coro_timeout_when /
 * coro_timeout_expired. CORO_TIMEOUT(self, scope, timeout, await_stmt): the
 * one-statement form, a do-while statement (a break or continue in await_stmt
 * leaves just the scope: use the block form for those). */
typedef struct coro_timeout {
    coro_handle cb; /* the expiry callback, while armed */
    coro_task task; /* the task it cancels */
    coro_tick when; /* the deadline; CORO_FOREVER: none */
    uint8_t state;  /* CORO__TO_*; bits 5-7: the task's scope cancels at entry */
} coro_timeout;
enum { CORO__TO_ARMED = 1, CORO__TO_FIRED = 2, CORO__TO_CAUSE = 4, CORO__TO_ACTIVE = 8, CORO__TO_FOREIGN = 16,
       CORO__TO_CANCELS_SHIFT = 5 };
CORO_API coro_status coro__scope_enter(coro_timeout *to, coro_tick t, int absolute);
CORO_API coro_status coro__scope_leave(coro_timeout *to, int k, coro_status st);
#define CORO_WITH_TIMEOUT(self, scope, ticks)                              \
    CORO_WITH(self, CORO_CHECK(self, coro__scope_enter((scope), (ticks), 0)), \
              coro__st = coro__scope_leave((scope), coro__k, coro__st))
#define CORO_WITH_TIMEOUT_AT(self, scope, when)                            \
    CORO_WITH(self, CORO_CHECK(self, coro__scope_enter((scope), (when), 1)), \
              coro__st = coro__scope_leave((scope), coro__k, coro__st))
#define CORO_TIMEOUT(self, scope, timeout, await_stmt)                     \
    do {                                                                   \
        CORO_WITH_TIMEOUT(self, scope, timeout) {                          \
            await_stmt;                                                    \
        } CORO_END_WITH(self);                                             \
    } while (0)
/* The scope's deadline (asyncio Timeout.when()): CORO_FOREVER if it has none. */
static inline coro_tick coro_timeout_when(const coro_timeout *scope) { return scope->when; }
/* Nonzero if the scope expired (Timeout.expired()), from then until it is
 * entered again. */
static inline int coro_timeout_expired(const coro_timeout *scope) { return (scope->state & CORO__TO_FIRED) != 0; }
/* Timeout.reschedule(when): move the deadline of an active scope that has not
 * expired to the absolute tick when (in the past: it expires at the next
 * await), or CORO_FOREVER: never. Returns CORO_OK, CORO_ERR_STATE (the scope
 * is not active or already expired) or CORO_ERR_RANGE (when out of range,
 * rule 6); a refused call changes nothing. Never suspends. */
CORO_API coro_status coro_timeout_reschedule(coro_timeout *scope, coro_tick when);

/* asyncio.TaskGroup (3.11) as a block, an `async with` nested in any scope:
 *     CORO_WITH_TASKGROUP(self, &self->tg) {
 *         CORO_CHECK(self, coro_taskgroup_spawn(&self->tg, &self->t1, fn, &self->f1));
 *         ...                              any code and awaits, other scopes
 *     } CORO_END_WITH(self);
 * coro_taskgroup_spawn (tg.create_task) runs a child task in one of the
 * loop's slots on a frame of yours, like coro_spawn; the block's end waits
 * for every child. asyncio's rules: the first child that fails (any status
 * but CORO_OK and CORO_ERR_CANCELLED) cancels the other children and the
 * block's current await (the body sees CORO_ERR_CANCELLED there and unwinds
 * to the block's end); an error leaving the block cancels the children too.
 * Once every child has ended the group raises its first error out of the
 * block, like an ExceptionGroup caught by `except*`: CORO_EXCEPT and friends
 * see the first error; coro_taskgroup_nerrors counts them all (the failed
 * children, in the order they ended, children that ended in the same loop
 * iteration in slot order, then the block's own error); the array of
 * coro_taskgroup_collect gets each status. A cancellation of the task from
 * outside cancels the children, waits for them and stays
 * CORO_ERR_CANCELLED (unless a child failed: errors win, as in 3.11); the
 * group's own cancellation of the body is taken back and never leaks. With
 * no error the block is left the way it ended (normal end, CORO_RETURN,
 * break, continue). A cancelled child is never an error. Spawning is refused
 * (CORO_ERR_STATE, nothing changes) outside the block, once the group is
 * aborting (a failure, or the block left by an error) and after its end;
 * while the block's end waits a child may still spawn a sibling (asyncio).
 * Entering a group that is active raises CORO_ERR_STATE before the block.
 * tg is a coro_taskgroup in the frame (all-zero is fine), evaluated several
 * times; it holds one callback slot while the body runs with children alive
 * (CORO_ERR_NO_SLOT from the spawn when none is free). A child's handle may
 * be awaited by another task only through a shared await
 * (CORO_MAX_SHARED_AWAITS); after the block every child has ended and its
 * slot is free again. */
typedef struct coro_taskgroup {
    coro_status *errs;   /* coro_taskgroup_collect's array, or NULL */
    unsigned cap;        /* its length */
    unsigned nerrors;    /* errors of this block so far */
    coro_task parent;    /* the task running the block */
    coro_handle cb;      /* the callback that hears children end while the body runs */
    coro_index live;     /* children not reaped yet */
    coro_status first;   /* the first error */
    coro_status st;      /* how the block was left: its status, */
    uint8_t k;           /* its kind (CORO__K_*) */
    uint8_t state;       /* CORO__TG_* */
    uint8_t members[(CORO_MAX_TASKS + 7) / 8]; /* the children's slots */
} coro_taskgroup;
#define CORO_WITH_TASKGROUP(self, tg) CORO__WITH_TASKGROUP(self, CORO__LABEL, tg)
#define CORO__WITH_TASKGROUP(self, n, tg)                                  \
    {                                                                      \
        CORO_CHECK(self, coro__tg_enter(tg));                              \
        for (;;) {                                                         \
            if (coro__k & CORO__K_EXIT) {                                  \
                coro__st = coro__tg_exit((tg), coro__k & CORO__K_MASK, coro__st); \
                while (coro__st == CORO__PENDING) {                        \
                    CORO__SAVE(self, n);                                   \
                    CORO__DEBUG_AT();                                      \
                    return CORO__PENDING;                                  \
                    CORO__MARK(n)                                          \
                    coro__st = coro__tg_waited(tg);                        \
                }                                                          \
                coro__k = coro__tg_end((tg), &coro__st);                   \
                break;                                                     \
            }                                                              \
            CORO__W_OPEN(CORO__LABEL)
/* tg.create_task: spawn fn on frame as a child of the group (*out, may be
 * NULL, gets its handle), from the block or from any task of its loop
 * (a child may spawn siblings). CORO_OK, CORO_ERR_STATE (refused, see
 * above), CORO_ERR_NO_SLOT (no task slot, or no callback slot for the
 * group's first child), CORO_ERR_CLOSED. Never suspends. fn and frame as
 * for coro_spawn (coro_taskgroup_spawn_fn: unchecked). */
#define coro_taskgroup_spawn(tg, out, fn, frame) \
    (CORO__FRAME_CHECK(fn, frame), CORO__CHECKED(coro__tg_spawn((tg), (out), (fn), &(frame)->co, CORO__TG_NAME(fn))))
#define coro_taskgroup_spawn_fn(tg, out, fn, frame) CORO__CHECKED(coro__tg_spawn((tg), (out), (fn), (frame), CORO__TG_NAME(fn)))
#if CORO_DEBUG
#define CORO__TG_NAME(fn) #fn
#else
#define CORO__TG_NAME(fn) NULL
#endif
/* The group's first error (CORO_OK: none), and how many there were (both
 * from the block's end on, reset when it is entered again). Never suspend. */
static inline coro_status coro_taskgroup_error(const coro_taskgroup *tg) { return tg->first; }
static inline unsigned coro_taskgroup_nerrors(const coro_taskgroup *tg) { return tg->nerrors; }
/* Give the group an array for every error's status (the C shape of the
 * ExceptionGroup's list): errs[i] for the first cap errors, in the order of
 * coro_taskgroup_nerrors. Kept across entries; NULL: none. Never suspends. */
static inline void coro_taskgroup_collect(coro_taskgroup *tg, coro_status *errs, unsigned cap)
{
    tg->errs = errs;
    tg->cap = errs ? cap : 0;
}
CORO_API coro_status coro__tg_enter(coro_taskgroup *tg);
CORO_API coro_status coro__tg_exit(coro_taskgroup *tg, int k, coro_status st);
CORO_API coro_status coro__tg_waited(coro_taskgroup *tg);
CORO_API int coro__tg_end(coro_taskgroup *tg, coro_status *st);
CORO_API coro_status coro__tg_spawn(coro_taskgroup *tg, coro_task *out, coro_fn fn, coro_frame *frame, const char *name);

/* ==== wait queues ===================================================== */
/* Owns: intrusive FIFOs of waiting tasks, what coro_sync.h and
 * coro_queue.h are built on. May call: the loop. */

/* Intrusive FIFO of waiting tasks: a circular list through the task slots,
 * named by its tail. tail1 is the tail's slot + 1, 0 when empty, so an
 * all-zero queue (a static without initializer, .bss) is empty. One byte. */
typedef struct coro_waitq {
    coro_index tail1;
} coro_waitq;
#define CORO_WAITQ_INIT { 0 }

/* Wait queues (the building block of coro_sync.h and coro_queue.h).
 * coro_waitq_wait (in an await's start) parks the running task at the tail;
 * coro_waitq_notify wakes the head with status st and returns its handle (0 if
 * the queue was empty). A woken task resumes with st, or CORO_ERR_CANCELLED if
 * it was cancelled while waiting; coro_waitq_chosen tells, after the wake,
 * whether it had been woken by a notify before that cancellation arrived (the
 * "chosen" window, where a lock or permit handed over must be passed on). */
static inline void coro_waitq_init(coro_waitq *q) { q->tail1 = 0; }
static inline int coro_waitq_empty(const coro_waitq *q) { return q->tail1 == 0; }
CORO_API coro_status coro_waitq_wait(coro_waitq *q);
/* The same, shielded: a cancellation (pending or arriving) neither stops nor
 * ends this wait; it is recorded and reported by coro_waitq_resumed once a
 * notify woke the task (a Condition re-acquiring its lock, asyncio-style). */
CORO_API coro_status coro_waitq_wait_shielded(coro_waitq *q);
CORO_API coro_task coro_waitq_notify(coro_loop *loop, coro_waitq *q, coro_status st);
CORO_API int coro_waitq_notify_all(coro_loop *loop, coro_waitq *q, coro_status st);
/* Resume helper: the wake status; *chosen = 1 if a notify picked this task
 * (even if a cancellation then arrived). */
CORO_API coro_status coro_waitq_resumed(int *chosen);
/* Number of tasks waiting in q (O(n)). */
CORO_API int coro_waitq_len(const coro_loop *loop, const coro_waitq *q);

/* ==== clocks and ports ================================================ */
/* Owns: the time source: virtual, POSIX, or a port (ports/README.md). */

/* The configured clock (virtual, POSIX monotonic or coro_port_now). */
CORO_API coro_tick coro_clock(void);
#if CORO_CLOCK == CORO_CLOCK_VIRTUAL
/* The virtual clock: starts at 0, moves only when a loop idles. Settable. */
extern coro_tick coro_virtual_now;
#elif CORO_CLOCK == CORO_CLOCK_USER
/* The port contract (ports/README.md): the time, and sleep until an
 * interrupt (or the deadline, if has_deadline), entered and left with
 * interrupts masked; the loop has checked that nothing is ready, that no
 * wakeup is pending and that the deadline has not passed. */
coro_tick coro_port_now(void);
void coro_port_sleep(int has_deadline, coro_tick deadline);
#ifdef CORO_PORT_TICKS
/* A periodic-tick port (CORO_PORT_TICKS: the bits one load reads atomically)
 * increments this in its tick interrupt; coro.h supplies coro_port_now. */
extern volatile coro_tick coro_port_ticks;
#endif
#endif

/* ==== debug and trace ================================================= */
/* Owns: task names, the task dump and the trace hook's events. */

/* CORO_TRACE(loop, event, id, arg) is called with one of these; id is a slot
 * (tasks 0..CORO_MAX_TASKS-1, callbacks above), arg an unsigned long.
 * "Current" means the running task's slot, or (coro_index)-1 in a callback
 * or in the loop itself (a timer). Called inside the loop's bookkeeping: the
 * hook must not call coro functions that change the loop. */
enum {
    CORO_TRACE_SPAWN,     /* task id created; arg: current (its creator) */
    CORO_TRACE_RESUME,    /* task id's step starts (it runs until its next await) */
    CORO_TRACE_SUSPEND,   /* its step ended at an await; arg: CORO_TRACE_AT_* */
    CORO_TRACE_SLEEP,     /* task id sleeps; arg: its deadline tick */
    CORO_TRACE_WAIT,      /* task id waits on a wait queue; arg: the queue's address */
    CORO_TRACE_AWAIT,     /* task id waits for tasks; arg: how many are pending */
    CORO_TRACE_WAKE,      /* id made ready; arg: current (the waker) */
    CORO_TRACE_CANCEL,    /* cancellation of task id requested; arg: current */
    CORO_TRACE_DONE,      /* task id finished; arg: its status */
    CORO_TRACE_CALL,      /* callback id scheduled; arg: due tick (0: call_soon) */
    CORO_TRACE_CALLBACK,  /* callback id runs now */
    CORO_TRACE_CALL_CANCEL, /* callback id cancelled */
    CORO_TRACE_IDLE       /* nothing ready: the loop idles; arg: next deadline (0: none) */
};
/* What a suspended step waits for (CORO_TRACE_SUSPEND's arg). The loop's
 * private task states are defined from these values (the hook passes the
 * state as it is). */
enum { CORO_TRACE_AT_YIELD = 1, CORO_TRACE_AT_SLEEP, CORO_TRACE_AT_WAITQ, CORO_TRACE_AT_TASKS };

/* CORO_DEBUG: name a task (a string that outlives it), for coro_loop_dump and
 * traces; coro_spawn names it after its function. Without CORO_DEBUG the
 * name is not stored. coro_task_name: the name, or NULL (no name, stale
 * handle, CORO_DEBUG off). */
CORO_API void coro_task_set_name(coro_loop *loop, coro_task task, const char *name);
CORO_API const char *coro_task_name(const coro_loop *loop, coro_task task);
/* Print every live task (and pending callback) of the loop through
 * write(text, ctx), which gets the text in pieces (each line ends with \n):
 * slot, name, state, what it waits on (deadline, wait queue, awaited tasks),
 * the file:line where it is suspended (CORO_DEBUG) and its resume point.
 * Never suspends, allocates nothing, uses no stdio: callable from a
 * debugger, a fault handler or a key press, inside or outside the loop. */
CORO_API void coro_loop_dump(const coro_loop *loop, void (*write)(const char *text, void *ctx), void *ctx);

/* ==== private: what the macros above expand to (not API) ============== */
/* Nothing below is API: names change without notice. In layer order: the
 * two continuation backends, the loop's layout, task states and flags,
 * misuse reports and the configuration check, then the helpers the
 * await macros call. */

/* ---- continuation backends ------------------------------------------- */
#define CORO__CAT2(a, b) a##b
#define CORO__CAT(a, b) CORO__CAT2(a, b)
/* A fresh resume-point number per await: __COUNTER__ where the compiler has
 * it (several awaits may share a line), else __LINE__. Case values start at 1
 * (0 is "not started"); label names take the bare number. */
#if defined(__COUNTER__) && CORO_USE_LABELS
#define CORO__LABEL __COUNTER__
#elif defined(__COUNTER__)
#define CORO__LABEL (__COUNTER__ + 1)
#else
#define CORO__LABEL __LINE__
#endif

#if CORO_USE_LABELS
#define CORO__LC_UNWIND ((void *)1)
#define CORO__LC_DONE ((void *)2)
#define CORO__CASE_UNWIND 1
#define CORO__SWITCH_ON(lc) ((lc) == CORO__LC_UNWIND ? 1 : (lc) == CORO__LC_DONE ? 2 : 0)
/* (void)&&coro__top: clang rejects a computed goto in a function that takes no
 * label's address (a coroutine without awaits). */
#define CORO__JUMP(lc) (void)&&coro__top; if (lc) goto *(lc);
#define CORO__SAVE(self, n) ((self)->co.lc = &&CORO__CAT(coro__L, n))
#define CORO__MARK(n) CORO__CAT(coro__L, n):
#if defined(__clang__) || !defined(__GNUC__) || __GNUC__ < 12
#define CORO__NO_DANGLING
#else /* GCC 12+ mistakes a stored label address for a dangling pointer */
#define CORO__NO_DANGLING _Pragma("GCC diagnostic ignored \"-Wdangling-pointer\"")
#endif
#define CORO__PEDANTIC_OFF _Pragma("GCC diagnostic push") _Pragma("GCC diagnostic ignored \"-Wpedantic\"") CORO__NO_DANGLING
#define CORO__PEDANTIC_ON _Pragma("GCC diagnostic pop")
#else
#define CORO__LC_UNWIND 0xFFFEu
#define CORO__LC_DONE 0xFFFFu
#define CORO__CASE_UNWIND CORO__LC_UNWIND
#define CORO__SWITCH_ON(lc) (lc)
#define CORO__JUMP(lc)
#define CORO__SAVE(self, n) ((self)->co.lc = (n))
#define CORO__MARK(n) case n:
#define CORO__PEDANTIC_OFF
#define CORO__PEDANTIC_ON
#endif

/* Compile-time check that frame (not evaluated) points to the frame type of
 * coroutine fn (a name defined by CORO_FN or declared by CORO_DECLARE): GCC
 * and Clang fail on the bit-field's negative width, C++ and other C
 * compilers on the call's argument type. For a function pointer held in a
 * variable use coro_spawn_fn. */
#if defined(__GNUC__) && !defined(__cplusplus)
#define CORO__FRAME_CHECK(fn, frame)                                                    \
    ((void)sizeof(struct {                                                              \
        int coro_frame_type_does_not_match_the_coroutine :                              \
            __builtin_types_compatible_p(__typeof__(CORO__CAT(fn, __frame)),             \
                                         coro_status(__typeof__(&*(frame)))) ? 1 : -1; \
    }))
#else
#define CORO__FRAME_CHECK(fn, frame) ((void)sizeof(CORO__CAT(fn, __frame)(frame)))
#endif

/* ---- the loop's layout ----------------------------------------------- */
/* Timer sequence numbers widen with the index so that every pending timer
 * has its own. With 8-bit indices and at most 32 slots one byte does: the
 * renumbering (coro__reseq, at most 32 * 32 compares) comes once per 223
 * insertions or more (AVR: 48 B of code and a byte per slot less; the
 * tests force it on a larger loop with CORO__SEQ8). A slot's generation
 * (CORO_GEN_BITS). */
#if CORO_INDEX_BITS == 8 && (CORO_MAX_TASKS + CORO_MAX_CALLBACKS <= 32 || defined(CORO__SEQ8))
typedef uint8_t coro__seq;
#elif CORO_INDEX_BITS == 8
typedef uint16_t coro__seq;
#elif CORO_INDEX_BITS == 16
typedef uint32_t coro__seq;
#else
typedef uint32_t coro__seq;
#endif
#if CORO_GEN_BITS == 8
typedef uint8_t coro__gen;
#else
typedef uint16_t coro__gen;
#endif
#define CORO__NONE ((coro_index)-1)
#define CORO__ID(h) ((coro_index)((coro_index)(h) - 1u)) /* 0: CORO__NONE */
#define CORO__GEN(h) ((coro__gen)((h) >> CORO_INDEX_BITS))

#define CORO__SLOTS (CORO_MAX_TASKS + CORO_MAX_CALLBACKS)
#if CORO__SLOTS <= 2
#define CORO__RING 2
#elif CORO__SLOTS <= 4
#define CORO__RING 4
#elif CORO__SLOTS <= 8
#define CORO__RING 8
#elif CORO__SLOTS <= 16
#define CORO__RING 16
#elif CORO__SLOTS <= 32
#define CORO__RING 32
#elif CORO__SLOTS <= 64
#define CORO__RING 64
#elif CORO__SLOTS <= 128
#define CORO__RING 128
#elif CORO__SLOTS <= 256
#define CORO__RING 256
#elif CORO__SLOTS <= 1024 /* wider indices: powers of four will do */
#define CORO__RING 1024
#elif CORO__SLOTS <= 4096
#define CORO__RING 4096
#elif CORO__SLOTS <= 16384
#define CORO__RING 16384
#elif CORO__SLOTS <= 65536
#define CORO__RING 65536
#elif CORO__SLOTS <= 262144
#define CORO__RING 262144
#elif CORO__SLOTS <= 1048576
#define CORO__RING 1048576
#elif CORO__SLOTS <= 4194304
#define CORO__RING 4194304
#else
#define CORO__RING 16777216
#endif

typedef struct coro__slot {
    coro_fn fn;               /* task: its function; callback: a trampoline
                               * (coro__cb_step) that runs the callback */
    void *arg;                /* task: its coro_frame; callback: its argument */
    union {
        coro_callback cb;     /* callback: its function */
        coro_waitq *q;        /* WAITQ: the queue */
        coro_index pending;   /* WAITTASKS: the awaited tasks not done yet;
                               * DONE: readers, tasks other than the awaiter
                               * that will read this one's status */
    } on;
    coro__gen gen;            /* generation, bumped on reuse: stale handles (before
                               * the bytes: a 16-bit gen after three 8-bit indices
                               * padded x86-64's slot from 32 to 40 bytes) */
    coro_index hpos;          /* position in the heap, CORO__NONE if not there */
    coro_index next;          /* wait queue / free list link */
    coro_index awaiter;       /* the first task awaiting this one (the others: shared[]) */
    uint8_t state;            /* CORO__FREE ... */
    uint8_t flags;            /* CORO__T_* */
    coro_status status;       /* wake status while waiting, final status when done */
#if CORO_DEBUG
    const char *name;         /* coro_task_set_name; the function's name by default */
    const char *file;         /* where the task is suspended (innermost await) */
    unsigned line;
#endif
} coro__slot;

#if CORO_MAX_SHARED_AWAITS
/* A task waiting on tasks of which some other task awaited one first. */
typedef struct coro__shared {
    const coro_task *tasks; /* its tasks (in its frame) */
    int n;
    coro_index w;           /* the waiting task */
} coro__shared;
#endif

/* A timer: its key inline in the heap entry, so that sifting compares
 * without loading task slots, and its slot. The key is (off, seq), seq the
 * insertion order among equal deadlines (FIFO). Two representations, chosen
 * at compile time (coro__before):
 * - CORO__KEY64 (a 64-bit GCC/Clang target with 32-bit ticks and 16- or
 *   32-bit indices: the hosts' large loops): off is the deadline measured
 *   from the loop's tbase, at or before every pending deadline, so offsets
 *   compare as plain unsigned numbers, and (off, seq) are laid out as one
 *   64-bit number, off in the high half: one comparison (coro__rebase).
 * - otherwise (8-bit indices, 16-bit ticks, small targets): off is the
 *   deadline itself, compared as a signed offset from the loop's time. No
 *   tbase and no rebasing: on AVR that costs 190 B more than it saves. */
#if defined(__GNUC__) && defined(__SIZEOF_POINTER__) && __SIZEOF_POINTER__ >= 8 && \
    defined(__BYTE_ORDER__) && CORO_TICK_BITS == 32 && CORO_INDEX_BITS >= 16
#define CORO__KEY64 1
#else
#define CORO__KEY64 0
#endif
typedef struct coro__timer {
#if CORO__KEY64 && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    coro__seq seq;
    coro_tick off;
#else
    coro_tick off;
    coro__seq seq;
#endif
    coro_index id;
#if CORO__KEY64
    uint32_t pad;   /* 16 bytes: a shift, not a multiplication, from position to
                     * address (x86-64: 482 -> 452 instructions per sleep+wake at
                     * 10k sleepers, for 4 B more per slot) */
#endif
} coro__timer;

/* The fields of the switch's hot path. Thumb-1 (Cortex-M0) has them and the
 * ready ring first, where one load or store reaches them (ldrb: offsets up to
 * 31; 67 -> 60 instructions per switch); elsewhere they follow the slot and
 * ring arrays (x86-64: 49 against 52 instructions, AVR: 140.5 against 147.5
 * cycles per switch). */
#define CORO__LOOP_HOT                                                              \
    coro_index rhead, rtail;        /* ring indices, free-running: they wrap with   \
                                     * coro_index, whose range is a multiple of     \
                                     * CORO__RING (a power of two); the entry is    \
                                     * ring[i & (CORO__RING - 1)] */                \
    coro_index current;             /* running task or CORO__NONE */                \
    uint8_t reread_clock;           /* 1: `now` is out of date, coro__now reads it */ \
    uint8_t attn;                   /* 1: the next iteration takes the full checks  \
                                     * (timers pending, a stop, a task done, a      \
                                     * deferred timeout, a wakeup); 0: it only runs \
                                     * the ready ring. A wakeup writes it through a \
                                     * volatile access; the loop reads it after a   \
                                     * step (an opaque call), so a plain load does */
#define CORO__LOOP_RING coro_index ring[CORO__RING]; /* FIFO of ready tasks and due callbacks */
#if defined(__ARM_ARCH_ISA_THUMB) && __ARM_ARCH_ISA_THUMB == 1
#define CORO__LOOP_HOT_FIRST CORO__LOOP_HOT CORO__LOOP_RING
#define CORO__LOOP_RING_THEN
#define CORO__LOOP_HOT_LATER
#else
#define CORO__LOOP_HOT_FIRST
#define CORO__LOOP_RING_THEN CORO__LOOP_RING
#define CORO__LOOP_HOT_LATER CORO__LOOP_HOT
#endif
struct coro_loop {
    CORO__LOOP_HOT_FIRST
    coro__slot slot[CORO__SLOTS];   /* tasks, then callbacks */
    CORO__LOOP_RING_THEN
    CORO__LOOP_HOT_LATER
    coro_tick now;                  /* the clock, read once per iteration when needed */
#if CORO__KEY64
    coro_tick tbase;                /* timer offsets count from here: coro__rebase */
#endif
    coro__seq seq;                  /* next timer sequence number */
    coro_index hlen;                /* heap length */
    coro_index free_head, free_tail;/* reusable task slots, oldest first
                                     * (free_head CORO__NONE: none, or a closed
                                     * loop: the spawn's fast path tests it) */
    coro_index cb_free;             /* free callback slots */
    coro_index deferred;            /* task-wait timeouts to act on after this iteration */
    uint8_t state;                  /* CORO__L_* */
    volatile uint8_t woken;         /* set by coro_loop_wakeup (interrupt-safe) */
    uint8_t armed;                  /* wake sources outside the loop (interrupts) */
    struct coro_poll *polls;        /* hooks run after a wakeup */
#if CORO__SPIN
    uint32_t spin;                  /* yields while a timer waits and time stands still */
#endif
#if CORO_MAX_SHARED_AWAITS
    uint8_t nshared;                /* entries in use in shared[] */
    coro__shared shared[CORO_MAX_SHARED_AWAITS]; /* oldest first */
#endif
    coro__timer heap[CORO__SLOTS + 1]; /* CORO__HEAP_D-ary min-heap of timers by (off, seq); the
                                     * extra entry holds a timer being placed. Last:
                                     * AVR reaches the fields above from the loop's
                                     * pointer (offsets up to 63) */
};
/* Where tbase is in the loop, -1 without it (tools/timeline/trace.h). */
#if CORO__KEY64
#define CORO__TBASE_AT offsetof(coro_loop, tbase)
#else
#define CORO__TBASE_AT -1
#endif

/* A slot's state. The four a task can be suspended in are the public
 * CORO_TRACE_AT_* values, so CORO_TRACE_SUSPEND passes the state as it is. */
enum {
    CORO__FREE,
    CORO__READY = CORO_TRACE_AT_YIELD,
    CORO__SLEEP = CORO_TRACE_AT_SLEEP,
    CORO__WAITQ = CORO_TRACE_AT_WAITQ,
    CORO__WAITTASKS = CORO_TRACE_AT_TASKS,
    CORO__DONE,
    CORO__DEADCB,
    CORO__WAITQ_SHIELD
};
enum {
    CORO__T_CANCEL = 1,   /* cancellation requested, not yet delivered */
    CORO__T_ANY = 2,      /* task wait: wake on the first completion */
    CORO__T_ERR = 4,      /* task wait: wake on the first error */
    CORO__T_FWD = 8,      /* task wait: a cancel or timeout cancels the awaited tasks */
    CORO__T_FORWARDED = 16, /* ... and it was: the awaited tasks were cancelled */
    CORO__T_TIMEDOUT = 32,/* the wait's timeout expired */
    CORO__T_TIMEOUT_DEFERRED = 64, /* the wait's timer came due and was put off to
                           * the end of the iteration (L->deferred), so a task
                           * finishing at the timeout counts as done; when it
                           * is acted on, coro__expire sees this flag */
    CORO__T_COUNTED = 128 /* scratch mark while counting distinct tasks */
};
enum { CORO__F_FINALLY = 2 };
#define CORO__PENDING CORO_PENDING
/* A step that ended in CORO_YIELD (the loop requeues the task), and whether
 * a step's result is a suspension (CORO__PENDING or CORO__YIELDED). */
#define CORO__YIELDED ((coro_status)-2)
#define CORO__SUSPENDED(st) ((unsigned char)(st) >= 0xFEu)
/* Which task wait a start/resume pair serves: it sets what wakes the waiter
 * and what the result means. The three W_WAIT_* are CORO_WAIT's `when`. */
enum {
    CORO__W_AWAIT, CORO__W_SHIELD, CORO__W_GATHER, CORO__W_WAIT_FOR,
    CORO__W_WAIT_ALL, CORO__W_WAIT_FIRST, CORO__W_WAIT_ERROR
};

/* ---- misuse reports, configuration check ----------------------------- */
#if defined(__GNUC__)
#define CORO__NORETURN __attribute__((noreturn))
#define CORO__NOINLINE __attribute__((noinline))
#define CORO__LIKELY(c) __builtin_expect(!!(c), 1)
#else
#define CORO__NORETURN
#define CORO__NOINLINE
#define CORO__LIKELY(c) (c)
#endif
/* The traps of CORO_BEGIN are tail calls (`return coro__bad_resume(...)`):
 * a coroutine then needs no stack frame of its own for them (x86-64: -2
 * instructions per resume). They never return, but say they do: GCC would
 * call a noreturn function (and align the stack for it), and noipa keeps it
 * from finding out from the body. Not at -Os: there GCC inlines the trap's
 * call into the coroutine, which is smaller (Cortex-M0: 16 B). */
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 8 && !defined(__OPTIMIZE_SIZE__)
#define CORO__TAILTRAP __attribute__((noipa))
#else
#define CORO__TAILTRAP
#endif

extern coro_loop *coro__running;
/* The running task's slot (the loop's `current`, as a pointer): one load
 * from the resume helpers, which check it for a cancellation. While a
 * callback runs: its slot (coro__cb_step reads the callback from it). */
extern coro__slot *coro__cur;

/* Misuse reports: CORO_ON_FAIL, then CORO_TRAP (never returns). A hosted
 * build (CORO_FAIL_TEXT) passes the file and a text, a microcontroller build
 * only the code and the line. */
CORO_API void coro__trap(int code, const char *file, unsigned line, const char *text) CORO__NORETURN;
CORO_API void coro__trap_at(int code, unsigned line) CORO__NORETURN;
/* A resume into resume point lc that no case of the switch knows. */
CORO_API coro_status coro__bad_resume(coro__lc lc, const char *file, unsigned line) CORO__TAILTRAP;
CORO_API coro_status coro__bad_resume_at(coro__lc lc, unsigned line) CORO__TAILTRAP;
#if CORO_FAIL_TEXT
#define CORO__FAIL(code, text) coro__trap((code), __FILE__, __LINE__, (text))
#define CORO__BAD_RESUME(lc) coro__bad_resume((lc), __FILE__, __LINE__)
#define CORO__FILE __FILE__
#else
#define CORO__FAIL(code, text) coro__trap_at((code), __LINE__)
#define CORO__BAD_RESUME(lc) coro__bad_resume_at((lc), __LINE__)
#define CORO__FILE NULL
#endif

/* The layout knobs of this file, with sizeof(coro_loop): the public calls of
 * a file other than the implementation's pass it, and the implementation
 * compares it with its own (CORO_FAIL_CONFIG, then CORO_ERR_CONFIG). */
#define CORO__CONFIG                                                                    \
    ((unsigned long)(sizeof(coro_loop) & 0x7FFFu) | ((CORO_GEN_BITS == 16 ? 1ul : 0ul) << 15) |       \
     ((unsigned long)(CORO_MAX_TASKS & 0xFF) << 16) |                                                 \
     ((unsigned long)(CORO_TICK_BITS / 16) << 24) | ((unsigned long)(CORO_INDEX_BITS / 8) << 27) |   \
     ((CORO_DEBUG ? 1ul : 0ul) << 30) | ((CORO_USE_LABELS ? 1ul : 0ul) << 31))
CORO_API int coro__config_ok(unsigned long config, const char *file, unsigned line);
/* A coroutine's first entry outside a task, or (in another file) under an
 * implementation whose configuration differs from its own: report, trap. */
CORO_API coro_status coro__bad_entry(unsigned long config, const char *file, unsigned line) CORO__TAILTRAP;
/* The implementation's CORO__CONFIG (AVR: in flash, so that the RAM copy
 * loop of .data is not linked for it). */
#if defined(__AVR__)
#include <avr/pgmspace.h>
extern const unsigned long coro__config PROGMEM;
#define CORO__CONFIG_IMPL() pgm_read_dword(&coro__config)
#else
extern const unsigned long coro__config;
#define CORO__CONFIG_IMPL() coro__config
#endif
#if defined(CORO_IMPLEMENTATION)
#define CORO__CHECKED(call) (call) /* the implementation's own file agrees with itself */
#define CORO__ENTRY_CHECK()                                                \
    if (!coro__running)                                                    \
        return CORO__BAD_RESUME(0);
#else
#define CORO__CHECKED(call) \
    (coro__config_ok(CORO__CONFIG, CORO__FILE, __LINE__) ? (call) : (coro_status)CORO_ERR_CONFIG)
#define CORO__ENTRY_CHECK()                                                \
    if (!coro__running || CORO__CONFIG_IMPL() != CORO__CONFIG)             \
        return coro__bad_entry(CORO__CONFIG, CORO__FILE, __LINE__);
#endif

/* ---- helpers of the await macros ------------------------------------- */
CORO_API coro_status coro__sleep(coro_tick ticks, int absolute);
CORO_API coro_status coro__tasks_start(const coro_task *tasks, int n, int kind, coro_tick timeout, coro_status *errs, int *ndone);
CORO_API coro_status coro__tasks_resume(const coro_task *tasks, int n, coro_status *errs, int *ndone, int kind);
struct coro_as_completed;
CORO_API coro_status coro__as_completed_start(struct coro_as_completed *it, coro_task *out);
CORO_API coro_status coro__as_completed_resume(struct coro_as_completed *it, coro_task *out);
CORO_API coro_status coro__take_cancel(void);
CORO_API coro_status coro__end(coro_frame *f);

/* CORO_DEBUG: record where the running task suspends (its innermost await). */
#if CORO_DEBUG
#define CORO__DEBUG_AT() coro__debug_at(__FILE__, __LINE__)
static inline void coro__debug_at(const char *file, unsigned line)
{
    coro__cur->file = file;
    coro__cur->line = line;
}
#else
#define CORO__DEBUG_AT() ((void)0)
#endif

/* After a yield (CORO__YIELD_AT: the loop requeued the task): OK, or a
 * cancellation that arrived meanwhile. Inline: this is the scheduler's hot
 * path. A pending cancellation is delivered here, on the resume one
 * iteration later, as asyncio does for a bare yield. */
static inline coro_status coro__yielded(void)
{
    if (coro__cur->flags & CORO__T_CANCEL)
        return coro__take_cancel();
    return CORO_OK;
}

/* After any other wake: the wake status, or a cancellation that arrived
 * after the wake (the task was chosen, then cancelled before it ran). */
static inline coro_status coro__resumed(void)
{
    coro__slot *s = coro__cur;
    if (s->flags & CORO__T_CANCEL)
        return coro__take_cancel();
    return s->status;
}

/* Begin unwinding with st; nonzero: jump to the cleanup section, zero:
 * already in it, end now. */
CORO_API int coro__unwind(coro_frame *f, coro_status st);

static inline void coro__frame_init(coro_frame *f)
{
    f->lc = 0;
    f->err = 0;
    f->flags = 0;
}

static inline int coro__wait_kind(int when)
{
    return when == CORO_ALL_COMPLETED     ? CORO__W_WAIT_ALL
           : when == CORO_FIRST_COMPLETED ? CORO__W_WAIT_FIRST
           : when == CORO_FIRST_EXCEPTION ? CORO__W_WAIT_ERROR
                                          : -1;
}

#ifdef __cplusplus
}
#endif

#endif /* CORO_H */

/* ========================================================================== */
#if defined(CORO_IMPLEMENTATION) && !defined(CORO__IMPLEMENTED)
#define CORO__IMPLEMENTED
#undef coro_loop_init /* coro.h included once before without CORO_IMPLEMENTATION */

#if CORO_CLOCK == CORO_CLOCK_POSIX
#include <time.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/select.h>
#include <unistd.h>
#endif
#if defined(__AVR__)
#include <avr/pgmspace.h> /* coro_strerror's texts stay in flash */
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define CORO__DEF CORO_DEF

/* Loop states. 0 is a loop nobody initialised (all-zero, e.g. in .bss): the
 * first spawn, call or run initialises it. */
enum { CORO__L_NEW, CORO__L_IDLE, CORO__L_RUNNING, CORO__L_CLOSED };
#define CORO__L_STOP 0x80u /* state flag: stop requested */
#define CORO__L_MASK 0x7Fu

coro_loop *coro__running;
coro__slot *coro__cur;
#if defined(__AVR__)
const unsigned long coro__config PROGMEM = CORO__CONFIG;
#else
const unsigned long coro__config = CORO__CONFIG;
#endif

/* ==== continuation ======================================================== */
/* Owns: the out-of-line half of the continuation macros (CORO_BEGIN/CORO_END,
 * the trapping default: of the resume switch): ending a frame, and the traps
 * for a bad resume or a coroutine entered outside a task. May call: the
 * misuse reports (end of file). Knows nothing of loops or tasks. */
CORO__DEF coro_status coro__bad_resume(coro__lc lc, const char *file, unsigned line)
{
    coro__trap(lc == 0 ? CORO_FAIL_NO_TASK : lc == (coro__lc)CORO__LC_DONE ? CORO_FAIL_FINISHED : CORO_FAIL_RESUME,
               file, line, NULL);
}

CORO__DEF coro_status coro__bad_resume_at(coro__lc lc, unsigned line) { return coro__bad_resume(lc, NULL, line); }

CORO__DEF coro_status coro__bad_entry(unsigned long config, const char *file, unsigned line)
{
    if (!coro__running)
        coro__trap(CORO_FAIL_NO_TASK, file, line, NULL);
    (void)coro__config_ok(config, file, line);
    /* A coroutine compiled for another layout cannot run, even if the
     * report returned. */
    CORO_TRAP();
    /* cppcheck-suppress unreachableCode */
    for (;;) {
    }
}

CORO__DEF int coro__unwind(coro_frame *f, coro_status st)
{
    f->err = st;
    if (f->flags & CORO__F_FINALLY)
        return 0;
    f->lc = (coro__lc)CORO__LC_UNWIND;
    return 1;
}

CORO__DEF coro_status coro__end(coro_frame *f)
{
    f->lc = (coro__lc)CORO__LC_DONE;
    f->flags = 0;
    return f->err;
}


/* ==== scheduler =========================================================== */
/* Owns: the loop's time for an iteration (coro__now, coro__until), the timer
 * heap ordered by (deadline, seq), the ready ring (a FIFO of ready tasks and
 * due callbacks), the free list of task slots, waking a slot (to the ring),
 * and the handles naming slots (index + generation). May call: the clock
 * (coro_clock) and the trace hook; nothing above it. */
/* The loop's time for this iteration (read lazily: an iteration of yields
 * with no timers pending never reads the clock). */
static coro_tick coro__now(coro_loop *L)
{
    if (L->reread_clock) {
        L->now = coro_clock();
        L->reread_clock = 0;
    }
    return L->now;
}

/* Out of line where the code's size comes first (-Os: one copy of the
 * comparison, -50 B on AVR), or where speed does (a rarely run function
 * inlined into a hot path would take registers from it: x86-64 -O2, the
 * timer's removal in a wake, queue 89.0 -> 92.3 instructions per item). */
#if defined(__OPTIMIZE_SIZE__)
#define CORO__SIZE_NOINLINE CORO__NOINLINE
#define CORO__SPEED_NOINLINE
#else
#define CORO__SIZE_NOINLINE
#define CORO__SPEED_NOINLINE CORO__NOINLINE
#endif
/* a before b: deadline, then sequence (FIFO). A deadline in the past and
 * one far ahead stay in order even when they lie more than half the tick
 * range apart (every pending deadline is within half the range of now):
 * with CORO__KEY64 the offsets count from tbase, at or before every pending
 * deadline, and compare as they are, with the sequence in one 64-bit
 * comparison; otherwise the deadlines compare as signed offsets from the
 * loop's time L->now, not from each other. */
CORO__SIZE_NOINLINE static int coro__before(const coro_loop *L, const coro__timer *a, const coro__timer *b)
{
#if CORO__KEY64
    uint64_t ka, kb;
    (void)L;
    __builtin_memcpy(&ka, a, sizeof ka);
    __builtin_memcpy(&kb, b, sizeof kb);
    return ka < kb;
#else
    coro__stick da = (coro__stick)(a->off - L->now), db = (coro__stick)(b->off - L->now);
    return da < db || (da == db && a->seq < b->seq);
#endif
}

/* ---- the timer heap ---------------------------------------------------------- */
/* A CORO__HEAP_D-ary min-heap: the children of entry p are D*p + 1 .. D*p + D.
 * The keys live in the heap entries (coro__timer): a sift compares entries of
 * one array and touches a slot only to record its new position (hpos, for
 * O(log n) cancel). Under CORO__KEY64 four children: half the levels of a
 * binary heap, so half the moves and hpos stores, for three comparisons a
 * level, of entries side by side (x86-64, bench/timers_coro.c at 10k
 * sleepers: 419 instructions per sleep+wake against 480 binary). Elsewhere
 * two: the small targets' loops are small, and the binary sift is the
 * smallest code (AVR: 4-ary costs flash). */
#if CORO__KEY64
#define CORO__HEAP_D 4
#else
#define CORO__HEAP_D 2
#endif
#define CORO__PARENT(p) (((p) - 1u) / CORO__HEAP_D)
/* A 6-byte entry (16-bit ticks and seq, 2-byte alignment) is copied field
 * by field: as a struct GCC copies it with memcpy on Cortex-M0 (+142 B).
 * Every other size is copied whole (x86-64: 63 fewer instructions per
 * sleep+wake; AVR: 92 B less code). */
static void coro__timer_copy(coro__timer *to, const coro__timer *from)
{
    if (sizeof(coro__timer) == 6 && sizeof(coro_tick) == 2) {
        to->off = from->off;
        to->seq = from->seq;
        to->id = from->id;
    } else {
        *to = *from;
    }
}

/* Out of line at -Os: the sifts' one copy of an entry's move (AVR: -68 B). */
CORO__SIZE_NOINLINE static void coro__heap_put(coro_loop *L, coro_index pos, const coro__timer *e)
{
    coro__timer_copy(&L->heap[pos], e);
    L->slot[e->id].hpos = pos;
}

/* Place t at position `at` or above. t lies at or past hlen (the heap's last entry,
 * just removed, or the spare heap[CORO__SLOTS]): no move overwrites it. */
#if CORO__KEY64
__attribute__((always_inline)) inline
#endif
static void coro__sift_up(coro_loop *L, coro_index at, const coro__timer *t)
{
    coro__timer *h = L->heap;
    unsigned p = at;
    while (p > 0) {
        unsigned q = CORO__PARENT(p);
        const coro__timer *e = &h[q];
        if (!coro__before(L, t, e))
            break;
        coro__heap_put(L, (coro_index)p, e);
        p = q;
    }
    coro__heap_put(L, (coro_index)p, t);
}

/* t: as for coro__sift_up. */
static void coro__sift_down(coro_loop *L, coro_index at, const coro__timer *t)
{
    /* Bottom-up (Floyd): t is usually the heap's last entry, hence a late
     * one. Move the hole down to a leaf along the earliest child, D - 1
     * comparisons per level instead of D, then sift t up from there (10%
     * fewer instructions per sleep+wake than the usual sift, binary). The
     * hole moves (one copy per level), nothing is swapped. */
    coro__timer *h = L->heap;
    unsigned p = at, n = L->hlen;
#if CORO__HEAP_D == 4
    coro__slot *sl = L->slot;
    coro__timer *hole = &h[at];
    /* Four children all there: the earlier of each pair, then of the two.
     * Positions as byte offsets (o: the hole's): the first child of entry
     * p, at 4p + 1, lies at 4 * o + one entry, with no multiplication or
     * division by the entry's size on the way down. */
    size_t o = (size_t)p * sizeof *h, lim = (size_t)n * sizeof *h;
    char *hb = (char *)h;
    while ((o = 4u * o + sizeof *h) + 3u * sizeof *h < lim) {
        coro__timer *a = (coro__timer *)(void *)(hb + o), *b = a + 2;
        if (coro__before(L, a + 1, a))
            a++;
        if (coro__before(L, b + 1, b))
            b++;
        if (coro__before(L, b, a))
            a = b;
        coro__timer_copy(hole, a);
        sl[a->id].hpos = (coro_index)p;
        hole = a;
        o = (size_t)((char *)a - hb);
        p = (unsigned)(o / sizeof *h);
    }
    if (o < lim) { /* the last parent: one to three children, leaves */
        coro__timer *e = (coro__timer *)(void *)(hb + o), *x = e;
        while (++x != h + n)
            if (coro__before(L, x, e))
                e = x;
        coro__timer_copy(hole, e);
        sl[e->id].hpos = (coro_index)p;
        p = (unsigned)(e - h);
    }
#else
    /* The loop tests for a right child only: the left is there too, unless
     * the right one would be at n. Unsigned positions keep it in registers
     * (x86-64: 709 -> 613 instructions per sleep+wake at 10k sleepers, when
     * this was the hosts' heap too). */
    unsigned c;
    while ((c = 2u * p + 2u) <= n) { /* c: the right child, or n when only the left is */
        coro__timer *e = &h[c];
        if (c == n || !coro__before(L, e, e - 1)) {
            e--;
            c--;
        }
        coro__heap_put(L, (coro_index)p, e);
        p = c;
    }
#endif
    coro__sift_up(L, (coro_index)p, t);
}

/* Renumber the pending timers' sequence numbers 0..n-1 when the counter
 * runs out (once per 2^8 - n, 2^16 - n or 2^32 - n insertions: coro__seq),
 * keeping their order: each number becomes its rank. As every comparison
 * between two timers comes out as before, the heap stays as it is. Step k
 * gives k to the k-th smallest number s_k; the n distinct numbers make
 * s_k >= k, so it is the smallest of those still >= k. O(n^2) compares of one
 * field, no moves: 142 B on AVR (the insertion sort it replaces: 324 B). */
static void coro__reseq(coro_loop *L)
{
    coro__timer *e, *m, *end = L->heap + L->hlen;
    coro__seq k, least;
    for (k = 0; k < L->hlen; k++) {
        for (m = e = L->heap, least = (coro__seq)-1; e != end; e++)
            if (e->seq >= k && e->seq < least) /* every number is below the counter's end */
                least = (m = e)->seq;
        m->seq = k;
    }
    L->seq = k;
}

#if CORO__KEY64
/* A quarter of the tick range: a deadline lies at most this far behind the
 * loop's time when it is set (coro__until takes CORO_MAX_DELAY / 2 behind as
 * "now"). */
#define CORO__TQ ((coro_tick)(CORO_MAX_DELAY / 2u + 1u))

/* Offsets count from tbase, at or before every pending deadline and a
 * quarter to a half of the tick range behind the loop's time: then every
 * pending deadline (less than half the range ahead, at most a quarter behind)
 * lies less than the whole range after tbase, and its offset is exact. At an
 * insertion no pending deadline is more than a quarter behind L->now: L->now
 * moves on only in coro__expire_due, which takes every timer due by then
 * out, and a deadline set in the past is at most CORO_MAX_DELAY / 2 behind
 * (coro__until). When the time has moved more than half the range past
 * tbase (or the heap is empty), tbase moves to a quarter behind it and every
 * offset down by as much: the order stays, nothing moves. Once per quarter
 * of the range at most (12 days with 32-bit ticks at 1 kHz), O(n)
 * subtractions. L->now is current: the callers of coro__timer_add computed
 * the deadline from coro__now. */
static void coro__rebase(coro_loop *L)
{
    coro_tick d = (coro_tick)(L->now - CORO__TQ - L->tbase);
    coro__timer *e = L->heap, *end = e + L->hlen;
    for (; e != end; e++)
        e->off = (coro_tick)(e->off - d);
    L->tbase = (coro_tick)(L->tbase + d);
}
#define CORO__TBASE(L) ((L)->tbase)
#else
#define CORO__TBASE(L) 0 /* off is the deadline */
#endif

#if CORO__KEY64
__attribute__((always_inline)) inline
#endif
static void coro__timer_add(coro_loop *L, coro_index id, coro_tick deadline)
{
    coro__timer *e = &L->heap[CORO__SLOTS]; /* the spare entry */
    if (L->seq == (coro__seq)-1)
        coro__reseq(L);
#if CORO__KEY64
    if (!L->hlen || (coro_tick)(L->now - L->tbase) > CORO_MAX_DELAY)
        coro__rebase(L);
#endif
    e->off = (coro_tick)(deadline - CORO__TBASE(L));
    e->seq = L->seq++;
    e->id = id;
    L->attn = 1; /* a timer pending: each iteration checks for due ones */
#if CORO__KEY64
    coro__sift_up(L, L->hlen++, e);
#else
    coro__sift_down(L, L->hlen++, e); /* a leaf: it only sifts up */
#endif
}

/* Take slot id's timer out: the last entry fills its place. The binary
 * heap needs only the sift down: it moves the hole to a leaf along a sorted
 * path (the position's ancestors, then the earliest children), and the
 * sift up from there takes the entry as high as it belongs, above the
 * removed one's place too (AVR: one sift function, -128 B). The 4-ary heap
 * tests first, as its sift down costs three comparisons a level. */
CORO__SPEED_NOINLINE static void coro__timer_del(coro_loop *L, coro_index id)
{
    coro_index pos = L->slot[id].hpos, n;
    L->slot[id].hpos = CORO__NONE;
    n = --L->hlen;
    if (pos == n)
        return;
#if CORO__KEY64
    if (pos > 0 && coro__before(L, &L->heap[n], &L->heap[CORO__PARENT(pos)]))
        coro__sift_up(L, pos, &L->heap[n]);
    else
#endif
        coro__sift_down(L, pos, &L->heap[n]);
}

/* Take the first timer out; its slot. */
static coro_index coro__timer_pop(coro_loop *L)
{
    coro_index id = L->heap[0].id;
#if CORO__KEY64 /* the expiry's path, without timer_del's tests */
    coro_index n = --L->hlen;
    L->slot[id].hpos = CORO__NONE;
    if (n)
        coro__sift_down(L, 0, &L->heap[n]);
#else /* one copy of the code (AVR: flash) */
    coro__timer_del(L, id);
#endif
    return id;
}

/* A heap entry's deadline. */
static coro_tick coro__when(const coro_loop *L, const coro__timer *e)
{
    (void)L;
    return (coro_tick)(CORO__TBASE(L) + e->off);
}

/* The deadline of a slot's pending timer (0 if none). */
static coro_tick coro__deadline(const coro_loop *L, const coro__slot *s)
{
    return s->hpos != CORO__NONE ? coro__when(L, &L->heap[s->hpos]) : 0;
}

/* ---- ready ring, free list, wake ---------------------------------------------- */
static void coro__ready(coro_loop *L, coro_index id)
{
    L->ring[L->rtail++ & (CORO__RING - 1)] = id;
}

/* A free slot's awaiter is CORO__NONE and its flags 0 (every caller frees a
 * slot nobody awaits, and a task's end clears its flags): a spawn leaves
 * them as they are. */
static void coro__free_link(coro_loop *L, coro__slot *s, coro_index id)
{
    s->next = CORO__NONE;
    if (L->free_head == CORO__NONE)
        L->free_head = id;
    else
        L->slot[L->free_tail].next = id;
    L->free_tail = id;
}

static void coro__free_push(coro_loop *L, coro_index id) { coro__free_link(L, &L->slot[id], id); }

static void coro__wake(coro_loop *L, coro_index id, coro_status st)
{
    coro__slot *s = &L->slot[id];
    if (s->hpos != CORO__NONE)
        coro__timer_del(L, id);
    s->status = st;
    s->state = CORO__READY;
    coro__ready(L, id);
    CORO__TRACE(L, CORO_TRACE_WAKE, id, L->current);
}

/* Wake a waiting task with its cancellation. The flag (consumed when the task
 * resumes) says "a cancellation is on its way"; the status CANCELLED tells
 * coro_waitq_resumed the task was not chosen. */
static void coro__wake_cancelled(coro_loop *L, coro_index id)
{
    L->slot[id].flags |= CORO__T_CANCEL;
    coro__wake(L, id, CORO_ERR_CANCELLED);
}

static coro__slot *coro__task(const coro_loop *L, coro_task t)
{
    coro_index id = CORO__ID(t);
    if (id >= CORO_MAX_TASKS || L->slot[id].gen != CORO__GEN(t) || L->slot[id].state == CORO__FREE)
        return NULL; /* FREE: never used since coro_loop_init */
    return (coro__slot *)&L->slot[id];
}

static coro_task coro__handle(const coro_loop *L, coro_index id)
{
    return (coro_task)(((coro_task)L->slot[id].gen << CORO_INDEX_BITS) | (coro_task)(id + 1u));
}

/* Generations use every value (0 included: the slot part keeps handles
 * nonzero), so a handle turns stale for 2^CORO_GEN_BITS - 1 reuses. */
static coro__gen coro__next_gen(coro__gen g)
{
    return (coro__gen)(g + 1u);
}

/* Ticks from the loop's time to the absolute tick `when`: 0 if `when` is in
 * the past (at most CORO_MAX_DELAY / 2 behind), CORO_FOREVER if it lies
 * further ahead than CORO_MAX_DELAY. Ticks wrap, so the two bounds split the
 * circle: a `when` between them is refused rather than fired early. */
static coro_tick coro__until(coro_loop *L, coro_tick when)
{
    coro_tick d = (coro_tick)(when - coro__now(L));
    if (d <= CORO_MAX_DELAY)
        return d;
    return (coro_tick)(0u - d) <= CORO_MAX_DELAY / 2 ? 0 : CORO_FOREVER;
}


/* ==== loop ================================================================ */
/* Owns: the loop object's life (init, close, stop), callbacks (call_soon,
 * call_later, call_at), the wakeup doorbell and poll hooks, due timers and
 * their dispatch, idling, one iteration (coro__run_once) and the runs. May
 * call: the scheduler, the clock's sleep, and into the tasks it runs (a
 * task's step, coro__finish when it ends, coro__forward_cancel when a task
 * wait times out): those are declared here. */
static void coro__finish(coro_loop *L, coro_index id, coro_status st);
static void coro__forward_cancel(coro_loop *L, coro_index w);
/* Pay for what you use: what a task's end and a timer's expiry do for a task
 * waiting on tasks is reached through these, which the first such wait sets
 * (coro__tasks_start). A program that never waits on a task links none of
 * the waiting, forwarding and cancelling code (AVR: about 600 B). */
static void (*coro__told_fn)(coro_loop *L, coro_index w, coro_status st);
static void (*coro__timedout_fn)(coro_loop *L, coro_index id);
/* Likewise the poll hooks' walk: set by the first coro_loop_poll_add. */
static void (*coro__poll_fn)(coro_loop *L);
/* Whether such a hook may be set. With CORO_STATIC the compiler sees every
 * store to it, so in a program that never sets it the test folds, and with
 * it the code it guards (the sleep-only firmware, AVR: -48 B); otherwise
 * the test would cost a load, so it is 1. */
#if defined(CORO_STATIC)
#define CORO__HOOKED(fn) ((fn) != 0)
#else
#define CORO__HOOKED(fn) 1
#endif
static void coro__clock_sleep(coro_loop *L, int has, coro_tick when);
/* An all-zero loop (never initialised: a static in .bss) is a valid empty
 * loop: the first spawn, call, stop, close or run initialises it. */
static void coro__loop_touch(coro_loop *L)
{
    if (L->state == CORO__L_NEW)
        coro_loop_init(L);
}

/* ---- callbacks ----------------------------------------------------------------- */
static void coro__cb_free(coro_loop *L, coro_index id);
/* A callback runs as a step of the loop, as a task does: its slot's function
 * is this trampoline, which the loop calls with the slot in coro__cur (the
 * callback's argument converted to a frame pointer, unused). So the loop's
 * hot path tells no task from a callback. The slot is freed before the call
 * (a callback may schedule another at once); a cancelled one (DEADCB) only
 * frees it. */
static coro_status coro__cb_run(coro_callback cb)
{
    coro_loop *L = coro__running;
    coro__slot *s = coro__cur;
    coro_index id = (coro_index)(s - L->slot);
    void *arg = s->arg;
    int live = s->state == CORO__READY;
    L->current = CORO__NONE; /* no current task inside a callback */
    coro__cb_free(L, id);
    if (live) {
        CORO__TRACE(L, CORO_TRACE_CALLBACK, id, 0);
        cb(arg);
    }
    return CORO__PENDING;
}

static coro_status coro__cb_step(coro_frame *unused)
{
    (void)unused;
    return coro__cb_run(coro__cur->on.cb);
}

static coro_status coro__cb_new(coro_loop *L, coro_handle *out, coro_callback cb, void *arg, coro_index *idp)
{
    coro_index id;
    if (!L || !cb)
        return CORO_ERR_INVALID;
    coro__loop_touch(L);
    if ((L->state & CORO__L_MASK) == CORO__L_CLOSED)
        return CORO_ERR_CLOSED;
    id = L->cb_free;
    /* CORO_MAX_CALLBACKS == 0: say so to the compiler too (after the assert
     * below, GCC warns -Warray-bounds on slot[id] otherwise). */
    if (id == CORO__NONE || CORO_MAX_CALLBACKS == 0)
        return CORO_ERR_NO_SLOT;
    L->cb_free = L->slot[id].next;
    L->slot[id].gen = coro__next_gen(L->slot[id].gen);
    L->slot[id].fn = coro__cb_step;
    L->slot[id].on.cb = cb;
    L->slot[id].arg = arg;
    if (out)
        out->id = coro__handle(L, id);
    *idp = id;
    return CORO_OK;
}

static void coro__cb_free(coro_loop *L, coro_index id)
{
    L->slot[id].state = CORO__FREE;
    L->slot[id].next = L->cb_free;
    L->cb_free = id;
}

CORO__DEF coro_status coro_call_soon(coro_loop *L, coro_handle *out, coro_callback cb, void *arg)
{
    coro_index id = 0; /* set on CORO_OK; avr-gcc 5 cannot see it */
    coro_status st = coro__cb_new(L, out, cb, arg, &id);
    if (st)
        return st;
    L->slot[id].state = CORO__READY;
    coro__ready(L, id);
    CORO__TRACE(L, CORO_TRACE_CALL, id, 0);
    return CORO_OK;
}

CORO__DEF coro_status coro_call_at(coro_loop *L, coro_handle *out, coro_tick when, coro_callback cb, void *arg)
{
    coro_index id = 0; /* set on CORO_OK; avr-gcc 5 cannot see it */
    coro_status st;
    if (L) {
        coro__loop_touch(L); /* an all-zero loop: its time before the range check */
        if (coro__until(L, when) > CORO_MAX_DELAY)
            return CORO_ERR_RANGE;
    }
    st = coro__cb_new(L, out, cb, arg, &id);
    if (st)
        return st;
    L->slot[id].state = CORO__SLEEP;
    coro__timer_add(L, id, when);
    CORO__TRACE(L, CORO_TRACE_CALL, id, when);
    return CORO_OK;
}

CORO__DEF coro_status coro_call_later(coro_loop *L, coro_handle *out, coro_tick ticks, coro_callback cb, void *arg)
{
    if (ticks > CORO_MAX_DELAY)
        return CORO_ERR_RANGE;
    return coro_call_at(L, out, L ? (coro_tick)(coro_loop_time(L) + ticks) : 0, cb, arg);
}

CORO__DEF int coro_handle_cancel(coro_loop *L, coro_handle h)
{
    coro_index id = CORO__ID(h.id);
    coro__slot *s;
    if (id < CORO_MAX_TASKS || id >= CORO__SLOTS)
        return 0;
    s = &L->slot[id];
    if (s->gen != CORO__GEN(h.id))
        return 0;
    if (s->state == CORO__SLEEP || s->state == CORO__READY)
        CORO__TRACE(L, CORO_TRACE_CALL_CANCEL, id, 0);
    if (s->state == CORO__SLEEP) {
        coro__timer_del(L, (coro_index)id);
        coro__cb_free(L, (coro_index)id);
        return 1;
    }
    if (s->state == CORO__READY) {
        s->state = CORO__DEADCB; /* still in the ring: freed when it comes up */
        return 1;
    }
    return 0;
}

#if CORO_CLOCK == CORO_CLOCK_POSIX
/* The host's idle is race-free through a doorbell: a wakeup (a signal
 * handler, another thread) writes a byte to a non-blocking pipe after
 * setting woken, and the idle sleeps in pselect on it, so a wakeup landing
 * between the idle's check of woken and its sleep ends the sleep at once.
 * One pipe per process, opened by the first coro_loop_init, never closed. */
static int coro__bell[2] = {-1, -1};
static void coro__bell_open(void)
{
    int i;
    if (coro__bell[0] >= 0 || pipe(coro__bell) != 0)
        return;
    for (i = 0; i < 2; i++) {
        fcntl(coro__bell[i], F_SETFL, fcntl(coro__bell[i], F_GETFL) | O_NONBLOCK);
        fcntl(coro__bell[i], F_SETFD, FD_CLOEXEC);
    }
}
#endif

CORO__DEF coro_status coro_loop_init(coro_loop *L)
{
    coro_index i;
    volatile unsigned char *p;
    CORO_REQUIRE(L, "coro_loop_init with a NULL loop");
    /* The pointer first: a loop being initialised is usually uninitialised
     * memory (coro_run's is on the stack), whose state must not be read. */
    if (L == coro__running && (L->state & CORO__L_MASK) == CORO__L_RUNNING)
        return CORO_ERR_REENTRANT;
    /* Everything but the heap (written before it is read) to zero, the
     * fields whose empty value is not zero after: one loop in the place of
     * a store per field (AVR: -50 B). Volatile: not a call to memset, which
     * a freestanding firmware may not have (newlib's: 166 B on Cortex-M0). */
    for (p = (volatile unsigned char *)L; p != (volatile unsigned char *)L->heap; p++)
        *p = 0;
    for (i = 0; i < CORO__SLOTS; i++) {
        coro__slot *s = &L->slot[i];
        s->hpos = CORO__NONE;
        s->awaiter = CORO__NONE;
        s->next = (coro_index)(i + 1 < CORO_MAX_TASKS ? i + 1 : CORO__NONE);
        if (i >= CORO_MAX_TASKS)
            s->next = (coro_index)(i + 1 < CORO__SLOTS ? i + 1 : CORO__NONE);
    }
    L->free_tail = CORO_MAX_TASKS - 1;
    L->cb_free = CORO_MAX_CALLBACKS ? (coro_index)CORO_MAX_TASKS : CORO__NONE;
    L->current = CORO__NONE;
    L->deferred = CORO__NONE;
    L->state = CORO__L_IDLE;
#if CORO_CLOCK == CORO_CLOCK_POSIX
    coro__bell_open();
#endif
    L->now = coro_clock();
    return CORO_OK;
}

CORO__DEF coro_status coro_loop_close(coro_loop *L)
{
    coro__loop_touch(L);
    if ((L->state & CORO__L_MASK) == CORO__L_RUNNING)
        return CORO_ERR_BUSY;
    L->state = CORO__L_CLOSED;
    L->free_head = CORO__NONE; /* the spawn's fast path refuses it (coro__spawn) */
    return CORO_OK;
}

/* asyncio: a stop before the run makes the next run do one iteration. */
CORO__DEF void coro_loop_stop(coro_loop *L)
{
    coro__loop_touch(L);
    if ((L->state & CORO__L_MASK) != CORO__L_CLOSED) {
        L->state |= CORO__L_STOP;
        L->attn = 1;
    }
}

CORO__DEF coro_tick coro_loop_time(coro_loop *L)
{
    coro__loop_touch(L);
    return coro__now(L);
}
CORO__DEF coro_loop *coro_running_loop(void) { return coro__running; }

CORO__DEF coro_task coro_current_task(const coro_loop *L)
{
    return L->current == CORO__NONE ? 0 : coro__handle(L, L->current);
}

CORO__DEF void coro_loop_wakeup(coro_loop *L)
{
    L->woken = 1;
    *(volatile uint8_t *)&L->attn = 1; /* after woken: see coro__run_once */
#if CORO_CLOCK == CORO_CLOCK_POSIX
    if (coro__bell[1] >= 0) {
        int e = errno; /* async-signal-safe: keep the interrupted code's errno */
        ssize_t r;
        CORO_FENCE();
        r = write(coro__bell[1], "", 1); /* a full pipe rings already */
        (void)r;
        errno = e;
    }
#endif
}

static void coro__poll_hooks(coro_loop *L);
CORO__DEF void coro_loop_poll_add(coro_loop *L, coro_poll *p)
{
    coro__poll_fn = coro__poll_hooks;
    p->next = L->polls;
    L->polls = p;
}

CORO__DEF int coro_loop_poll_remove(coro_loop *L, coro_poll *p)
{
    coro_poll **pp;
    for (pp = &L->polls; *pp; pp = &(*pp)->next)
        if (*pp == p) {
            *pp = p->next;
            return 1;
        }
    return 0;
}

/* Every poll hook (fn may remove its own); through coro__poll_fn. */
static void coro__poll_hooks(coro_loop *L)
{
    coro_poll *p, *next;
    for (p = L->polls; p; p = next) {
        next = p->next;
        p->fn(L, p);
    }
}

/* After a wakeup: clear it first, so that one arriving while the hooks run is
 * seen next iteration, then run the hooks (none linked before the first
 * coro_loop_poll_add). */
static void coro__poll(coro_loop *L)
{
    if (!L->woken)
        return;
    L->woken = 0;
    CORO_FENCE();
    if (coro__poll_fn)
        coro__poll_fn(L);
}
CORO__DEF void coro_loop_arm(coro_loop *L, int delta)
{
    CORO_CRITICAL_ENTER();
    L->armed = (uint8_t)(L->armed + delta);
    CORO_CRITICAL_EXIT();
}

/* A timer came due. */
static void coro__expire(coro_loop *L, coro_index id)
{
    coro__slot *s = &L->slot[id];
    if ((CORO_MAX_CALLBACKS && id >= CORO_MAX_TASKS) || !CORO__HOOKED(coro__timedout_fn) || s->state == CORO__SLEEP) {
        s->state = CORO__READY;
        coro__ready(L, id);
        CORO__TRACE(L, CORO_TRACE_WAKE, id, CORO__NONE);
    } else {
        coro__timedout_fn(L, id); /* set: only a task wait has such a timer */
    }
}

/* A task wait's timeout (reached through coro__timedout_fn: the loop links
 * none of this before the first task wait). id: its timer came due; it is
 * acted on after this iteration's tasks ran, so a task finishing exactly at
 * the timeout counts as done. CORO__NONE: the iteration's end (L->deferred
 * set), act on the timeouts put off. */
static void coro__timedout(coro_loop *L, coro_index id)
{
    coro__slot *s;
    if (id == CORO__NONE) {
        while (L->deferred != CORO__NONE) {
            id = L->deferred;
            L->deferred = L->slot[id].next;
            if (L->slot[id].state == CORO__WAITTASKS && (L->slot[id].flags & CORO__T_TIMEOUT_DEFERRED))
                coro__timedout(L, id);
        }
        return;
    }
    s = &L->slot[id];
    if (!(s->flags & CORO__T_TIMEOUT_DEFERRED)) {
        s->flags |= CORO__T_TIMEOUT_DEFERRED;
        s->next = L->deferred;
        L->deferred = id;
        L->attn = 1;
    } else if (s->flags & CORO__T_FWD) {
        /* A cancellation forwarded earlier in this iteration wins: it is
         * reported as such, not swallowed into a timeout (gh-86296). */
        if (!(s->flags & CORO__T_FORWARDED)) {
            s->flags |= CORO__T_TIMEDOUT;
            coro__forward_cancel(L, id);
        }
    } else {
        coro__wake(L, id, CORO_ERR_TIMEOUT);
    }
}

/* Wait for the next deadline, or for a wakeup. 0 if nothing can ever come. */
static int coro__idle(coro_loop *L)
{
    int has = L->hlen != 0;
    coro_tick when = has ? coro__when(L, &L->heap[0]) : 0;
    if (!has && !L->armed && !L->woken)
        return 0;
    CORO__TRACE(L, CORO_TRACE_IDLE, CORO__NONE, when);
#if CORO__SPIN
    L->spin = 0; /* time moves */
#endif
    coro__clock_sleep(L, has, when);
    return 1; /* the wakeup itself is cleared by coro__poll */
}

/* Is the first timer due? Deadlines are measured from base, the loop's time
 * before this iteration read the clock: a deadline is due if it lies behind
 * base, or no further ahead of it than the clock has moved since. So a timer
 * that came due during a long step fires at the next iteration however long
 * the step was, as long as it was shorter than the whole tick range (65,536
 * ticks with 16-bit ticks: 65 s at 1 kHz), the one bound modular ticks set. */
static int coro__due(const coro_loop *L, coro_tick base, coro_tick moved)
{
    coro_tick off;
    if (!L->hlen)
        return 0;
    off = (coro_tick)(coro__when(L, &L->heap[0]) - base);
    return (coro__stick)off <= 0 || off <= moved;
}

/* Is a timer due? The clock is only peeked at: L->now stays the time the
 * heap is ordered around (coro__before) until coro__expire_due moves it on. */
static int coro__due_now(const coro_loop *L)
{
    return L->hlen && coro__due(L, L->now, (coro_tick)((L->reread_clock ? coro_clock() : L->now) - L->now));
}

/* Every due timer to the ring (or its task wait's timeout). The heap stays
 * ordered around base while they leave: measured from the clock's new time
 * an overdue deadline might have wrapped round. */
CORO__NOINLINE static void coro__expire_due(coro_loop *L)
{
    coro_tick base = L->now, now = coro__now(L), moved = (coro_tick)(now - base);
    L->now = base;
    while (coro__due(L, base, moved)) {
        coro__expire(L, coro__timer_pop(L));
    }
    L->now = now;
}

#if CORO__SPIN
/* Virtual clock: time moves only when nothing is ready, so a task polling a
 * flag with CORO_YIELD while the timer that sets it waits spins forever.
 * L->spin counts yields since the loop last idled or found a timer due;
 * past CORO_SPIN_LIMIT with a timer pending the run ends as a deadlock (the
 * spinning task is alive: the count only grows by yields). */
static int coro__spinning(coro_loop *L)
{
    if (!L->hlen || coro__due_now(L)) {
        L->spin = 0;
    } else if (L->spin > (uint32_t)CORO_SPIN_LIMIT) {
        L->spin = 0; /* a later run gets a fresh count (e.g. after cancelling the spinner) */
        return 1;
    }
    return 0;
}
#endif

/* Run what was ready when the iteration began (a task or callback queued
 * now runs in the next one, so a callback storm cannot starve timers). Then,
 * as long as nothing needs coro__run_once's checks (L->attn clear: no timer
 * pending, no stop, no task done, no deferred timeout, no wakeup), run the
 * next iterations here: for them the checks would find nothing to do. Out of
 * line: its few locals stay in registers (Cortex-M0), and this is the
 * scheduler's hot path. */
CORO__NOINLINE static void coro__run_ready(coro_loop *L)
{
    coro_index h = L->rhead, n = L->rtail;
    for (;;) {
        coro_index id;
        coro__slot *s;
        coro_status st;
        if (h == n) {
            /* The iteration's end. */
            if (L->attn)
                return;
            n = L->rtail;
            if (h == n)
                return;
            L->reread_clock = 1;
#if CORO__SPIN
            L->spin = 0; /* no timer pending */
#endif
        }
        id = L->ring[h & (CORO__RING - 1)];
        L->rhead = ++h; /* only this loop moves the head: h stays in a register */
        s = &L->slot[id];
        /* A task's step, or a callback's trampoline (coro__cb_step: it
         * returns CORO__PENDING). The trace and the stall check tell them
         * apart (id < CORO_MAX_TASKS: a task). */
        L->current = id;
        coro__cur = s;
        if (CORO__TRACED && id < CORO_MAX_TASKS)
            CORO__TRACE(L, CORO_TRACE_RESUME, id, 0);
#if CORO_STALL_TICKS > 0
        {
            coro_tick t0 = coro_clock(), dt;
            st = s->fn((coro_frame *)s->arg);
            dt = (coro_tick)(coro_clock() - t0);
            if (dt > (coro_tick)CORO_STALL_TICKS && id < CORO_MAX_TASKS)
                CORO_STALL(L, coro__handle(L, id), dt);
        }
#else
        st = s->fn((coro_frame *)s->arg);
#endif
        if (CORO__LIKELY(st == CORO__YIELDED)) { /* CORO_YIELD: back of the ring */
            L->ring[L->rtail++ & (CORO__RING - 1)] = id;
#if CORO__SPIN
            L->spin++;
#endif
            CORO__TRACE(L, CORO_TRACE_SUSPEND, id, CORO__READY);
        } else if (st != CORO__PENDING) {
            coro__finish(L, id, st);
        } else if (CORO__TRACED && id < CORO_MAX_TASKS) {
            CORO__TRACE(L, CORO_TRACE_SUSPEND, id, s->state == CORO__WAITQ_SHIELD ? (unsigned)CORO__WAITQ : (unsigned)s->state);
        }
    }
}

/* One iteration: due timers to the ring, then run what was ready at its
 * start (and the iterations after it that need none of this). A stop request
 * makes it poll instead of idling (asyncio). */
static int coro__run_once(coro_loop *L)
{
    /* Whatever needs these checks from now on sets attn again. A wakeup sets
     * woken, then attn: the fence orders this clear before coro__poll's read
     * of woken, so a wakeup is either polled now or seen next iteration. */
    *(volatile uint8_t *)&L->attn = 0;
    CORO_FENCE();
    L->reread_clock = 1;
#if CORO__SPIN
    if (coro__spinning(L))
        return 0;
#endif
    if (L->rhead == L->rtail && !(L->state & CORO__L_STOP) && !coro__due_now(L)) {
        if (!coro__idle(L))
            return 0;
        L->reread_clock = 1;
    }
    coro__poll(L);
    if (L->hlen) {
        coro__expire_due(L);
        L->attn = 1;
    }
    if (L->state & CORO__L_STOP)
        L->attn = 1;
    coro__run_ready(L);
    L->current = CORO__NONE;
    if (CORO__HOOKED(coro__timedout_fn) && L->deferred != CORO__NONE) /* only a task wait defers */
        coro__timedout_fn(L, CORO__NONE);
    return 1;
}

static coro_status coro__loop_enter(coro_loop *L)
{
    coro__loop_touch(L);
    if ((L->state & CORO__L_MASK) == CORO__L_CLOSED)
        return CORO_ERR_CLOSED;
    if (coro__running)
        return CORO_ERR_REENTRANT;
    L->state = (uint8_t)(CORO__L_RUNNING | (L->state & CORO__L_STOP)); /* a stop before the run counts */
    coro__running = L;
    return CORO_OK;
}

static coro_status coro__loop_leave(coro_loop *L, coro_status st)
{
    L->state = CORO__L_IDLE;
    coro__running = NULL;
    return st;
}

/* Has the task in slot s, of generation g, ended? Its slot is DONE; or,
 * awaited by nobody, it went to the free list at its end and a spawn later
 * in that same iteration took it (a new generation). Its status is still
 * the one it ended with: a spawn leaves the status alone, and the new task
 * has not run, as the end set attn and coro__run_ready returns after the
 * pass (the loop checks between iterations). */
static int coro__ended(const coro__slot *s, coro__gen g)
{
    return s->state == CORO__DONE || s->gen != g;
}

/* Run until task t is done (t == 0: until stop or nothing is left). */
static coro_status coro__loop_run(coro_loop *L, coro_task t)
{
    coro_status st = coro__loop_enter(L);
    const coro__slot *s = coro__task(L, t);
    coro__gen g = CORO__GEN(t);
    if (st)
        return st;
    if (t && !s)
        st = CORO_ERR_STALE;
    /* asyncio's run_forever: an iteration, then the stop request (so a stop
     * before the run still runs one iteration, which does not idle). */
    while (!st) { /* one way out (the smallest code) */
        if (s && coro__ended(s, g)) {
            st = s->status;
            break;
        }
        if (!coro__run_once(L)) {
            unsigned i, alive = 0;
            for (i = 0; i < CORO_MAX_TASKS; i++)
                alive += L->slot[i].state != CORO__DONE && L->slot[i].state != CORO__FREE;
#ifdef CORO_ON_DEADLOCK
            if (alive)
                CORO_ON_DEADLOCK(L);
#endif
            st = alive ? CORO_ERR_DEADLOCK : CORO_OK;
            break;
        }
        if ((L->state & CORO__L_STOP) && (!s || !coro__ended(s, g)))
            st = CORO_ERR_STOPPED; /* t done now: its status, at the top */
    }
    return coro__loop_leave(L, st);
}

CORO__DEF coro_status coro_loop_run_task(coro_loop *L, coro_task t)
{
    CORO_REQUIRE(t != 0, "coro_loop_run_task with handle 0 (use coro_loop_run_forever to run until nothing is left)");
    return coro__loop_run(L, t);
}

CORO__DEF coro_status coro_loop_run_forever(coro_loop *L) { return coro__loop_run(L, 0); }

CORO__DEF coro_status coro__run_until_complete(coro_loop *L, coro_fn fn, coro_frame *frame)
{
    coro_task t;
    coro_status st;
    if (coro__running) /* refused before the spawn: nothing is left behind */
        return CORO_ERR_REENTRANT;
    st = coro__spawn(L, &t, fn, frame);
#if CORO_DEBUG
    if (st == CORO_OK)
        coro_task_set_name(L, t, "main"); /* the root task, as asyncio.run sees it */
#endif
    return st ? st : coro__loop_run(L, t);
}

CORO__DEF coro_status coro__run(coro_fn fn, coro_frame *frame)
{
    coro_loop L;
    coro_status st;
    if (coro__running)
        return CORO_ERR_REENTRANT;
    coro_loop_init(&L);
    st = coro__run_until_complete(&L, fn, frame);
    if (st != CORO_ERR_STOPPED && st != CORO_ERR_DEADLOCK) {
        /* asyncio.run: cancel what is left and run until those tasks have
         * finished their cleanup. A task spawned meanwhile (by a cleanup
         * section) runs alongside them but is not waited for: it is dropped
         * when they are done (asyncio warns "Task was destroyed but it is
         * pending!"), so the shutdown always ends. */
        coro_task left[CORO_MAX_TASKS];
        coro_index i, n = 0;
        for (i = 0; i < CORO_MAX_TASKS; i++)
            if (coro_task_cancel(&L, coro__handle(&L, i)))
                left[n++] = coro__handle(&L, i);
        for (i = 0; i < n; i++)
            if (coro_loop_run_task(&L, left[i]) == CORO_ERR_DEADLOCK)
                break;
    }
    coro_loop_close(&L);
    return st;
}


/* ==== tasks =============================================================== */
/* Owns: spawn, names, done/status/cancel, delivering a cancellation, a
 * task's end (coro__finish: status, its awaiter told, slot recycled), and
 * sleeping. May call: the scheduler, the loop's lazy init, and the wait
 * queues' unlink (a cancelled waiter leaves its queue). */
static void coro__q_unlink(coro_loop *L, coro_waitq *q, coro_index id);
static coro_status coro__never_started(coro_frame *f)
{
    f->err = CORO_ERR_CANCELLED;
    return CORO_ERR_CANCELLED;
}

CORO__SPEED_NOINLINE CORO__DEF coro_status coro__take_cancel(void)
{
    coro__cur->flags &= (uint8_t)~CORO__T_CANCEL;
    return CORO_ERR_CANCELLED;
}

/* Spawn into the free slot at the free list's head. Its awaiter (CORO__NONE)
 * and flags (0) are right already (coro__free_push), and its status is set
 * by whatever parks the task before it is read. */
static coro_status coro__spawn_at(coro_loop *L, coro_task *out, coro_fn fn, coro_frame *frame)
{
    coro_index id = L->free_head;
    coro__slot *s = &L->slot[id];
    L->free_head = s->next;
    s->gen = coro__next_gen(s->gen);
    s->fn = fn;
    s->arg = frame;
    coro__frame_init(frame);
#if CORO_DEBUG
    s->name = NULL;
    s->file = NULL;
    s->line = 0;
#endif
    s->state = CORO__READY;
    coro__ready(L, id);
    if (out)
        *out = coro__handle(L, id);
    CORO__TRACE(L, CORO_TRACE_SPAWN, id, L->current);
    return CORO_OK;
}

/* A spawn that may fail (or initialises an all-zero loop), out of line: the
 * common path calls nothing and saves no registers. */
CORO__NOINLINE static coro_status coro__spawn_checked(coro_loop *L, coro_task *out, coro_fn fn, coro_frame *frame)
{
    CORO_REQUIRE(L && fn && frame, "coro_spawn with a NULL loop, function or frame");
    coro__loop_touch(L);
    if ((L->state & CORO__L_MASK) == CORO__L_CLOSED)
        return CORO_ERR_CLOSED;
    if (L->free_head == CORO__NONE)
        return CORO_ERR_NO_SLOT;
    return coro__spawn_at(L, out, fn, frame);
}

CORO__DEF coro_status coro__spawn(coro_loop *L, coro_task *out, coro_fn fn, coro_frame *frame)
{
#if defined(__OPTIMIZE_SIZE__) /* -Os: one path (AVR: -100 B) */
    return coro__spawn_checked(L, out, fn, frame);
#else
    /* A free slot in an open loop (a closed one has none; an all-zero one
     * is CORO__L_NEW): the common case. */
    if (!L || !fn || !frame || L->free_head == CORO__NONE || L->state == CORO__L_NEW)
        return coro__spawn_checked(L, out, fn, frame);
    return coro__spawn_at(L, out, fn, frame);
#endif
}

CORO__DEF coro_status coro__spawn_named(coro_loop *L, coro_task *out, coro_fn fn, coro_frame *frame, const char *name)
{
    coro_task t;
    coro_status st = coro__spawn(L, &t, fn, frame);
    if (st == CORO_OK) {
        coro_task_set_name(L, t, name);
        if (out)
            *out = t;
    }
    return st;
}

CORO__DEF void coro_task_set_name(coro_loop *L, coro_task t, const char *name)
{
#if CORO_DEBUG
    coro__slot *s = coro__task(L, t);
    if (s)
        s->name = name;
#else
    (void)L, (void)t, (void)name;
#endif
}

CORO__DEF const char *coro_task_name(const coro_loop *L, coro_task t)
{
#if CORO_DEBUG
    const coro__slot *s = coro__task(L, t);
    return s ? s->name : NULL;
#else
    (void)L, (void)t;
    return NULL;
#endif
}

CORO__DEF int coro_task_done(const coro_loop *L, coro_task t)
{
    const coro__slot *s = coro__task(L, t);
    return !s || s->state == CORO__DONE;
}

CORO__DEF coro_status coro_task_status(const coro_loop *L, coro_task t)
{
    const coro__slot *s = coro__task(L, t);
    if (!s)
        return CORO_ERR_STALE;
    return s->state == CORO__DONE ? s->status : (coro_status)CORO_ERR_STATE;
}

CORO__DEF int coro_task_cancelled(const coro_loop *L, coro_task t)
{
    return coro_task_status(L, t) == CORO_ERR_CANCELLED;
}

/* Task w's entry in L->shared (it waits on a task another task awaited too),
 * or NULL. */
#if CORO_MAX_SHARED_AWAITS
static coro__shared *coro__shared_of(coro_loop *L, coro_index w)
{
    unsigned i;
    for (i = 0; i < L->nshared; i++)
        if (L->shared[i].w == w)
            return &L->shared[i];
    return NULL;
}

/* Is task t among tasks[0..n)? */
static int coro__among(const coro_task *tasks, int n, coro_task t)
{
    int i;
    for (i = 0; i < n; i++)
        if (tasks[i] == t)
            return 1;
    return 0;
}
#endif

/* Cancel every unfinished task awaited by task w: those naming it as
 * awaiter, or every one of its tasks if it shares some (L->shared). */
static void coro__forward_cancel(coro_loop *L, coro_index w)
{
    coro_index i;
    coro__slot *ws = &L->slot[w];
    ws->flags = (uint8_t)((ws->flags | CORO__T_FORWARDED) & ~(CORO__T_ANY | CORO__T_ERR));
#if CORO_MAX_SHARED_AWAITS
    {
        const coro__shared *e = coro__shared_of(L, w);
        if (e) {
            int k;
            for (k = 0; k < e->n; k++)
                coro_task_cancel(L, e->tasks[k]); /* 0 for a done one */
            return;
        }
    }
#endif
    for (i = 0; i < CORO_MAX_TASKS; i++)
        if (L->slot[i].awaiter == w && L->slot[i].state != CORO__DONE)
            coro_task_cancel(L, coro__handle(L, i));
}

CORO__DEF int coro_task_cancel(coro_loop *L, coro_task t)
{
    coro__slot *s = coro__task(L, t);
    coro_index id = CORO__ID(t);
    if (!s)
        return 0;
    if (s->state != CORO__DONE)
        CORO__TRACE(L, CORO_TRACE_CANCEL, id, L->current);
    switch (s->state) {
    case CORO__READY:
        if (((coro_frame *)s->arg)->lc == 0 && id != L->current)
            s->fn = coro__never_started;
        else
            s->flags |= CORO__T_CANCEL;
        return 1;
    case CORO__SLEEP:
        coro__wake_cancelled(L, id);
        return 1;
    case CORO__WAITQ:
        coro__q_unlink(L, s->on.q, id);
        coro__wake_cancelled(L, id);
        return 1;
    case CORO__WAITQ_SHIELD: /* delivered after the notify (coro_waitq_resumed) */
        s->flags |= CORO__T_CANCEL;
        return 1;
    case CORO__WAITTASKS:
        if (!(s->flags & CORO__T_FWD)) {
            coro__wake_cancelled(L, id);
            return 1;
        }
        if (s->flags & CORO__T_TIMEDOUT) {
            s->flags |= CORO__T_CANCEL; /* the timeout cancels them already: report this one */
            return 1;
        }
        /* asyncio forwards every cancel to the awaited tasks, each time it
         * is requested, and does not mark the awaiting task: an awaited task
         * that swallows it hands its result to the awaiter. */
        if (s->hpos != CORO__NONE)
            coro__timer_del(L, id);
        coro__forward_cancel(L, id);
        return 1;
    default:
        return 0;
    }
}

/* Does a task ending with st end a wait in mode fl early? FIRST_COMPLETED:
 * always; an error: for gather and await (FWD) any failure, for wait's
 * FIRST_EXCEPTION not a cancellation (asyncio). */
static int coro__wakes(uint8_t fl, coro_status st)
{
    return (fl & CORO__T_ANY) ||
           (st != CORO_OK && (fl & CORO__T_ERR) && ((fl & CORO__T_FWD) || st != CORO_ERR_CANCELLED));
}

/* Tell waiting task w that one of its tasks ended with st. */
CORO__NOINLINE static void coro__told(coro_loop *L, coro_index w, coro_status st)
{
    coro__slot *s = &L->slot[w];
    s->on.pending--;
    if (s->state == CORO__WAITTASKS && (s->on.pending == 0 || coro__wakes(s->flags, st)))
        coro__wake(L, w, (s->flags & CORO__T_FWD) ? st : (coro_status)CORO_OK);
}

/* A done task's slot goes back to the free list once its awaiter and its
 * readers have read it. */
static void coro__release(coro_loop *L, coro_index id)
{
    if (L->slot[id].awaiter == CORO__NONE && L->slot[id].on.pending == 0)
        coro__free_push(L, id);
}

#if CORO_MAX_SHARED_AWAITS
/* Tell the L->shared awaiters of task id (but w, its first awaiter, told
 * already) that it ended with st, in the order they began to wait; each
 * becomes a reader of its status. Out of line: rarely needed. */
CORO__NOINLINE static void coro__tell_shared(coro_loop *L, coro_index id, coro_index w, coro_status st)
{
    unsigned i;
    for (i = 0; i < L->nshared; i++) {
        const coro__shared *e = &L->shared[i];
        if (e->w != w && coro__among(e->tasks, e->n, coro__handle(L, id))) {
            L->slot[id].on.pending++; /* it reads the status when it resumes */
            coro__told(L, e->w, st);
        }
    }
}
#endif

#if CORO_MAX_SHARED_AWAITS
#define CORO__NSHARED(L) ((L)->nshared)
#else
#define CORO__NSHARED(L) 0
#endif
/* The running task (slot id, coro__cur) ended with st: record, tell its
 * awaiters (the first, then those of L->shared: in the order they began to
 * wait), recycle its slot when none has to read it. A task nobody awaits
 * (the common case) goes straight to the free list. */
CORO__SIZE_NOINLINE static void coro__finish(coro_loop *L, coro_index id, coro_status st)
{
    coro__slot *s = coro__cur; /* &L->slot[id], at hand */
    /* Only a task wait sets an awaiter, and it sets coro__told_fn too. */
    coro_index w = CORO__HOOKED(coro__told_fn) ? s->awaiter : (coro_index)CORO__NONE;
    if (st == CORO_OK && (s->flags & CORO__T_CANCEL))
        st = CORO_ERR_CANCELLED;
    CORO__TRACE(L, CORO_TRACE_DONE, id, st);
    L->attn = 1; /* the loop may be waiting for this task */
    s->state = CORO__DONE;
    s->status = st;
    s->flags = 0;
    s->on.pending = 0;
    if (w == CORO__NONE && !CORO__NSHARED(L)) {
        coro__free_link(L, s, id);
        return;
    }
    if (w != CORO__NONE)
        coro__told_fn(L, w, st);
#if CORO_MAX_SHARED_AWAITS
    if (L->nshared)
        coro__tell_shared(L, id, w, st);
#endif
    if (w == CORO__NONE && !s->on.pending)
        coro__free_push(L, id);
}

CORO__DEF coro_status coro__sleep(coro_tick t, int absolute)
{
    coro_loop *L = coro__running;
    coro__slot *s = coro__cur;
    if (s->flags & CORO__T_CANCEL)
        return coro__take_cancel();
    if (absolute)
        t = coro__until(L, t);
    if (t > CORO_MAX_DELAY)
        return CORO_ERR_RANGE;
    s->status = CORO_OK;
    if (t == 0) {
        coro__ready(L, L->current);
#if CORO__SPIN
        L->spin++; /* a yield */
#endif
        return CORO__PENDING;
    }
    s->state = CORO__SLEEP;
    coro__timer_add(L, L->current, coro__now(L) + t);
    CORO__TRACE(L, CORO_TRACE_SLEEP, L->current, coro__deadline(L, s));
    return CORO__PENDING;
}


/* ==== composition ========================================================= */
/* Owns: waiting on tasks (CORO_AWAIT_TASK, CORO_GATHER, CORO_WAIT,
 * CORO_WAIT_FOR: coro__tasks_start/resume), timeout scopes (CORO_TIMEOUT,
 * a callback that cancels the scope's task) and task groups (a callback slot
 * as the children's awaiter). May call: tasks, the scheduler and the loop's
 * callbacks. */
/* What wakes a task waiting on tasks (CORO__T_* flags) for each kind; -1 for
 * an unknown kind (coro__wait_kind of a bad `when`). */
static int coro__wait_flags(int kind, const coro_status *errs)
{
    switch (kind) {
    case CORO__W_AWAIT: return CORO__T_ERR | CORO__T_FWD;
    case CORO__W_SHIELD: return 0;
    case CORO__W_GATHER: return errs ? CORO__T_FWD : CORO__T_FWD | CORO__T_ERR;
    case CORO__W_WAIT_FOR: return CORO__T_FWD;
    case CORO__W_WAIT_ALL: return 0;
    case CORO__W_WAIT_FIRST: return CORO__T_ANY;
    case CORO__W_WAIT_ERROR: return CORO__T_ERR;
    default: return -1;
    }
}

/* Start waiting on tasks (await, gather, wait, wait_for; kind: CORO__W_*).
 * Returns CORO__PENDING, or the result at once. */
/* Is task c (handle t), not done, awaited by a task other than me already:
 * its awaiter, or one with an L->shared entry naming it? */
static int coro__awaited_before(coro_loop *L, coro_task t, const coro__slot *c, coro_index me)
{
    if (c->awaiter != CORO__NONE)
        return c->awaiter != me;
#if CORO_MAX_SHARED_AWAITS
    {
        unsigned i;
        for (i = 0; i < L->nshared; i++)
            if (L->shared[i].w != me && coro__among(L->shared[i].tasks, L->shared[i].n, t))
                return 1;
    }
#else
    (void)L;
    (void)t;
#endif
    return 0;
}

/* Clear the CORO__T_COUNTED marks of tasks[0..n). */
static void coro__uncount(coro_loop *L, const coro_task *tasks, int n)
{
    int i;
    for (i = 0; i < n; i++) {
        coro__slot *c = coro__task(L, tasks[i]);
        if (c)
            c->flags &= (uint8_t)~CORO__T_COUNTED;
    }
}

/* The first task wait links the task-wait code (coro__told_fn,
 * coro__timedout_fn: pay for what you use). */
static void coro__tasks_link(void)
{
    coro__told_fn = coro__told;
    coro__timedout_fn = coro__timedout;
}

CORO__DEF coro_status coro__tasks_start(const coro_task *tasks, int n, int kind, coro_tick timeout,
                                       coro_status *errs, int *ndone)
{
    coro_loop *L = coro__running;
    coro_index me = L->current, pending = 0;
    coro__slot *ms = &L->slot[me];
    int i, share = 0, now = 0, cancel = ms->flags & CORO__T_CANCEL, mode = coro__wait_flags(kind, errs);
    coro__tasks_link();
    /* Cancelled before awaiting: a plain wait fails at once; await, gather
     * and wait_for cancel the awaited tasks and report once they ended
     * (asyncio: a task that cancels itself then awaits a child cancels it). */
    if (cancel && !(mode & CORO__T_FWD))
        return coro__take_cancel();
    if (mode < 0 || n < 0 || (n == 0 && !(mode & CORO__T_FWD)))
        return CORO_ERR_INVALID;
    if (timeout != CORO_FOREVER && timeout > CORO_MAX_DELAY)
        return CORO_ERR_RANGE;
    for (i = 0; i < n; i++) {
        coro__slot *c = coro__task(L, tasks[i]);
        if (!c)
            return CORO_ERR_STALE;
        if (c == ms)
            return CORO_ERR_SELF_AWAIT;
        if (c->state != CORO__DONE && coro__awaited_before(L, tasks[i], c, me))
            share = 1;
    }
#if CORO_MAX_SHARED_AWAITS
    if (share && L->nshared >= CORO_MAX_SHARED_AWAITS)
#else
    if (share)
#endif
        return CORO_ERR_NO_SLOT;
    /* Each distinct task once (CORO__T_COUNTED marks the ones seen): the
     * first awaiter of a task is its awaiter, a later one is told through its
     * L->shared entry; a done task that an awaiter still has to read gains a
     * reader (released by coro__tasks_resume). */
    for (i = 0; i < n; i++) {
        coro__slot *c = coro__task(L, tasks[i]);
        if (c->flags & CORO__T_COUNTED)
            continue;
        c->flags |= CORO__T_COUNTED;
        if (c->state == CORO__DONE) {
            if (coro__wakes((uint8_t)mode, c->status))
                now = 1;
            if (c->awaiter != CORO__NONE || c->on.pending)
                c->on.pending++;
        } else {
            if (!coro__awaited_before(L, tasks[i], c, me))
                c->awaiter = me;
            pending++;
        }
    }
    coro__uncount(L, tasks, n);
#if CORO_MAX_SHARED_AWAITS
    if (share) {
        coro__shared *e = &L->shared[L->nshared++];
        e->tasks = tasks;
        e->n = n;
        e->w = me;
    }
#endif
    ms->status = CORO_OK;
    ms->flags = (uint8_t)(mode & (CORO__T_ANY | CORO__T_ERR | CORO__T_FWD)) | (uint8_t)cancel;
    if (cancel && pending)
        ms->flags &= (uint8_t)~CORO__T_CANCEL; /* delivered below, to the awaited tasks */
    else if (now || pending == 0)
        return coro__tasks_resume(tasks, n, errs, ndone, kind);
    ms->on.pending = pending;
    ms->state = CORO__WAITTASKS;
    CORO__TRACE(L, CORO_TRACE_AWAIT, me, pending);
    if (cancel) {
        coro__forward_cancel(L, me);
    } else if (timeout != CORO_FOREVER) {
        if (timeout == 0 && (mode & CORO__T_FWD)) {
            ms->flags |= CORO__T_TIMEDOUT;
            coro__forward_cancel(L, me);
        } else
            coro__timer_add(L, me, coro__now(L) + timeout);
    }
    return CORO__PENDING;
}

/* Drop task w's L->shared entry, if any, keeping the others in order. */
#if CORO_MAX_SHARED_AWAITS
static void coro__shared_drop(coro_loop *L, coro_index w)
{
    unsigned i, j = 0;
    for (i = 0; i < L->nshared; i++)
        if (L->shared[i].w != w)
            L->shared[j++] = L->shared[i];
    L->nshared = (uint8_t)j;
}
#endif

/* After a task wait: detach from the tasks, release finished ones, compute
 * the result. kind: CORO__W_* (CORO__W_WAIT_ALL for every CORO_WAIT). */
CORO__DEF coro_status coro__tasks_resume(const coro_task *tasks, int n, coro_status *errs, int *ndone, int kind)
{
    coro_loop *L = coro__running;
    coro_index me = L->current;
    coro__slot *ms = &L->slot[me];
    uint8_t fl = ms->flags;
    coro_status st = ms->status, first = CORO_OK;
    int i, done = 0;
    /* Cancelled: a plain wait was woken by it, or the task was cancelled
     * after its wait completed (asyncio delivers it at the await), or a
     * forwarding wait was cancelled after its timeout forwarded. */
    int cancelled = (fl & CORO__T_CANCEL) || (st == CORO_ERR_CANCELLED && !(fl & CORO__T_FWD));
    for (i = 0; i < n; i++) {
        coro__slot *c = coro__task(L, tasks[i]);
        if (!c)
            continue;
        if (c->state == CORO__DONE) {
            if (errs)
                errs[i] = c->status;
            if (first == CORO_OK)
                first = c->status;
        }
        if (c->flags & CORO__T_COUNTED)
            continue;
        c->flags |= CORO__T_COUNTED;
        done += c->state == CORO__DONE;
        if (c->awaiter == me) {
            c->awaiter = CORO__NONE;
            if (c->state == CORO__DONE)
                coro__release(L, CORO__ID(tasks[i]));
        } else if (c->state == CORO__DONE && c->on.pending) {
            c->on.pending--; /* this task was one of its readers */
            coro__release(L, CORO__ID(tasks[i]));
        }
    }
    coro__uncount(L, tasks, n);
#if CORO_MAX_SHARED_AWAITS
    if (L->nshared)
        coro__shared_drop(L, me);
#endif
    ms->flags = 0;
    if (ndone)
        *ndone = done;
    if (cancelled || (fl & CORO__T_FORWARDED && !(fl & CORO__T_TIMEDOUT) && kind != CORO__W_AWAIT))
        return CORO_ERR_CANCELLED;
    switch (kind) {
    case CORO__W_AWAIT: /* the task's status */
    case CORO__W_SHIELD:
        return first;
    case CORO__W_GATHER:
        if (errs)
            return CORO_OK;
        return st != CORO_OK ? st : first;
    case CORO__W_WAIT_ALL: /* CORO_WAIT: a timeout is not an error */
    case CORO__W_WAIT_FIRST:
    case CORO__W_WAIT_ERROR:
        return CORO_OK;
    default: /* CORO__W_WAIT_FOR */
        if ((fl & CORO__T_TIMEDOUT) && first == CORO_ERR_CANCELLED)
            return CORO_ERR_TIMEOUT;
        return first;
    }
}

/* as_completed: report a finished task of tasks[0..left) (the first in the
 * array) and move it to the end; CORO__PENDING if none has finished. */
static coro_status coro__as_completed_pick(coro_as_completed *it, coro_task *out)
{
    int i;
    for (i = 0; i < it->left; i++) {
        coro_task t = it->tasks[i];
        if (coro_task_done(coro__running, t)) {
            it->tasks[i] = it->tasks[--it->left];
            it->tasks[it->left] = t;
            *out = t;
            return coro_task_status(coro__running, t);
        }
    }
    return CORO__PENDING;
}

CORO__DEF coro_status coro_as_completed_init(coro_as_completed *it, coro_task *tasks, int n, coro_tick timeout)
{
    if (!it || n < 0 || (n > 0 && !tasks))
        return CORO_ERR_INVALID;
    if (timeout != CORO_FOREVER && timeout > CORO_MAX_DELAY)
        return CORO_ERR_RANGE;
    if (!coro__running)
        return CORO_ERR_STATE;
    it->tasks = tasks;
    it->left = n;
    it->ndone = 0;
    it->timed = timeout != CORO_FOREVER;
    it->deadline = (coro_tick)(coro__now(coro__running) + (it->timed ? timeout : 0));
    return CORO_OK;
}

CORO__DEF coro_status coro__as_completed_start(coro_as_completed *it, coro_task *out)
{
    coro_tick left = CORO_FOREVER;
    coro_status st;
    if (it->left <= 0)
        return CORO_ERR_STATE;
    st = coro__as_completed_pick(it, out);
    if (st != CORO__PENDING)
        return st;
    if (it->timed) { /* ticks wrap: a deadline up to CORO_MAX_DELAY behind has passed */
        coro__stick d = (coro__stick)(it->deadline - coro__now(coro__running));
        if (d <= 0)
            return CORO_ERR_TIMEOUT;
        left = (coro_tick)d;
    }
    return coro__tasks_start(it->tasks, it->left, CORO__W_WAIT_FIRST, left, NULL, &it->ndone);
}

CORO__DEF coro_status coro__as_completed_resume(coro_as_completed *it, coro_task *out)
{
    coro_status st = coro__tasks_resume(it->tasks, it->left, NULL, &it->ndone, CORO__W_WAIT_FIRST);
    if (st != CORO_OK)
        return st;
    st = coro__as_completed_pick(it, out);
    return st == CORO__PENDING ? (coro_status)CORO_ERR_TIMEOUT : st;
}

/* ---- timeout scopes ------------------------------------------------------------ */
/* A scope holds a callback slot while armed; on expiry the callback cancels
 * the task. Which scope then raises the timeout follows asyncio's count of
 * cancel requests (Task.cancelling / uncancel): a scope records the count at
 * entry, its expiry adds one, its exit takes one back and raises
 * CORO_ERR_TIMEOUT only if no other request is left over from its entry on.
 * The count of the task's scope cancels lives in the upper bits of the
 * task's own frame's flags (CORO__F_CANCELS: up to 7 at once, which is 7
 * nested scopes expiring in one busy step), so it costs no byte; a foreign
 * cancellation already pending when a scope expires makes it let the
 * cancellation through. */
static unsigned coro__cancels(const coro__slot *s)
{
    return (unsigned)(((const coro_frame *)s->arg)->flags >> CORO__F_CANCELS_SHIFT);
}
static void coro__cancels_set(coro__slot *s, unsigned n)
{
    coro_frame *f = (coro_frame *)s->arg;
    if (n > (CORO__F_CANCELS >> CORO__F_CANCELS_SHIFT))
        n = CORO__F_CANCELS >> CORO__F_CANCELS_SHIFT;
    f->flags = (uint8_t)((f->flags & ~CORO__F_CANCELS) | (n << CORO__F_CANCELS_SHIFT));
}

static void coro__timeout_fire(void *arg)
{
    coro_timeout *to = (coro_timeout *)arg;
    coro_loop *L = coro__running;
    coro__slot *s = coro__task(L, to->task);
    to->state = (uint8_t)((to->state | CORO__TO_FIRED) & ~CORO__TO_ARMED);
    if (!s)
        return;
    if (!(s->flags & CORO__T_CANCEL))
        coro_task_cancel(L, to->task);
    else if (!coro__cancels(s))
        to->state |= CORO__TO_FOREIGN; /* a cancellation of another origin is on its way */
    to->state |= CORO__TO_CAUSE;
    coro__cancels_set(s, coro__cancels(s) + 1);
}

/* Rule 6 for a scope's deadline (coro__until's): nonzero if when is in range,
 * *d the delay to it (0 when past). Its own code: a second caller of
 * coro__until would stop it being inlined into coro__sleep (or fold the two),
 * and cost every program flash, scopes or not. */
static int coro__scope_delay(coro_loop *L, coro_tick when, coro_tick *d)
{
    *d = (coro_tick)(when - coro__now(L));
    if (*d <= CORO_MAX_DELAY)
        return 1;
    *d = 0;
    return (coro_tick)(coro__now(L) - when) <= CORO_MAX_DELAY / 2;
}

/* Arm for the absolute tick when (past: at once, before the next await). */
static coro_status coro__timeout_arm(coro_loop *L, coro_timeout *to, coro_tick when)
{
    coro_tick d;
    coro_status st = !coro__scope_delay(L, when, &d) ? (coro_status)CORO_ERR_RANGE
                   : d == 0 ? coro_call_soon(L, &to->cb, coro__timeout_fire, to)
                            : coro_call_later(L, &to->cb, d, coro__timeout_fire, to);
    if (st)
        return st;
    to->when = when;
    to->state |= CORO__TO_ARMED;
    return CORO_OK;
}

/* Enter: t a delay (absolute 0) or a tick (absolute 1), CORO_FOREVER: never.
 * CORO_OK, or the error to raise before the block (nothing armed). */
CORO__DEF coro_status coro__scope_enter(coro_timeout *to, coro_tick t, int absolute)
{
    coro_loop *L = coro__running;
    coro_status st;
    to->task = coro__handle(L, L->current);
    to->when = CORO_FOREVER;
    to->state = (uint8_t)(CORO__TO_ACTIVE | (coro__cancels(coro__cur) << CORO__TO_CANCELS_SHIFT));
    if (t == CORO_FOREVER)
        return CORO_OK;
    if (!absolute && t > CORO_MAX_DELAY)
        st = CORO_ERR_RANGE;
    else
        st = coro__timeout_arm(L, to, absolute ? t : (coro_tick)(coro__now(L) + t));
    if (st)
        to->state = 0;
    return st;
}

/* Exit, k how the block was left and st its error: the status to go on with. */
CORO__DEF coro_status coro__scope_leave(coro_timeout *to, int k, coro_status st)
{
    coro_loop *L = coro__running;
    coro__slot *s = coro__cur;
    if (to->state & CORO__TO_ARMED)
        coro_handle_cancel(L, to->cb);
    if (to->state & CORO__TO_CAUSE) {
        unsigned left = coro__cancels(s);
        left = left ? left - 1 : 0;
        coro__cancels_set(s, left);
        if (left <= (unsigned)(to->state >> CORO__TO_CANCELS_SHIFT) && !(to->state & CORO__TO_FOREIGN)) {
            if ((k & CORO__K_MASK) == CORO__K_ERR && st == CORO_ERR_CANCELLED)
                st = CORO_ERR_TIMEOUT;
            else
                s->flags &= (uint8_t)~CORO__T_CANCEL; /* undelivered: withdraw */
        }
    }
    to->state &= CORO__TO_FIRED;
    return st;
}

CORO__DEF coro_status coro_timeout_reschedule(coro_timeout *to, coro_tick when)
{
    coro_loop *L = coro__running;
    coro_tick d;
    coro_status st;
    CORO_REQUIRE(to != NULL, "coro_timeout_reschedule: NULL scope");
    if ((to->state & (CORO__TO_ACTIVE | CORO__TO_FIRED)) != CORO__TO_ACTIVE)
        return CORO_ERR_STATE;
    CORO_REQUIRE(L != NULL, "coro_timeout_reschedule of an active scope outside its loop");
    if (when != CORO_FOREVER && !coro__scope_delay(L, when, &d))
        return CORO_ERR_RANGE;
    if (to->state & CORO__TO_ARMED)
        coro_handle_cancel(L, to->cb);
    to->state &= (uint8_t)~CORO__TO_ARMED;
    to->when = CORO_FOREVER;
    if (when == CORO_FOREVER)
        return CORO_OK;
    st = coro__timeout_arm(L, to, when); /* the slot just freed: cannot fail */
    return st;
}

/* ---- task groups --------------------------------------------------------------- */
/* While the body runs, the children's awaiter is a callback slot the group
 * holds in the state of a task awaiting tasks (woken by the first child to
 * end): the existing awaiter mechanism runs the group's callback in the
 * loop iteration after a child ended (where asyncio runs the done callback
 * _on_task_done), and coro__finish knows nothing of groups (a program
 * without groups carries none of this code). At the block's end the task
 * itself becomes the children's awaiter and waits for them. A child's slot
 * stays DONE until the group has read it (coro__tg_reap). Which tasks are
 * children: a bit per task slot. */
enum { CORO__TG_ACTIVE = 1, CORO__TG_ABORTING = 2, CORO__TG_EXITING = 4, CORO__TG_CANCEL = 8,
       CORO__TG_CAUSE = 16 };
#define CORO__TG_BIT(i) ((uint8_t)(1u << ((unsigned)(i) & 7u)))

static int coro__tg_member(const coro_taskgroup *g, coro_index i)
{
    return (g->members[i >> 3] & CORO__TG_BIT(i)) != 0;
}

/* An error: the first, the count, the array. */
static void coro__tg_fail(coro_taskgroup *g, coro_status st)
{
    if (g->nerrors < g->cap)
        g->errs[g->nerrors] = st;
    if (g->nerrors == 0)
        g->first = st;
    g->nerrors++;
}

/* asyncio's _abort: cancel every child still running; spawning is over. */
static void coro__tg_abort(coro_loop *L, coro_taskgroup *g)
{
    coro_index i;
    g->state |= CORO__TG_ABORTING;
    for (i = 0; i < CORO_MAX_TASKS; i++)
        if (coro__tg_member(g, i) && L->slot[i].state != CORO__DONE)
            (void)coro_task_cancel(L, coro__handle(L, i));
}

/* A child failed while the body runs: cancel the body's current await,
 * counted as a scope's cancel (see the timeout scopes: a timeout scope in
 * the body that expires in the same step lets it through instead of taking
 * it for its own); the block's end takes the count back. */
static void coro__tg_cancel_parent(coro_loop *L, coro_taskgroup *g)
{
    coro__slot *s = coro__task(L, g->parent);
    if (!s || s->state == CORO__DONE)
        return;
    if (!(s->flags & CORO__T_CANCEL))
        (void)coro_task_cancel(L, g->parent);
    g->state |= CORO__TG_CAUSE;
    coro__cancels_set(s, coro__cancels(s) + 1);
}

/* Every child that ended: out of the group, its slot released (once other
 * readers have read it), its error recorded; the first error aborts. */
static void coro__tg_reap(coro_loop *L, coro_taskgroup *g)
{
    coro_index i;
    for (i = 0; i < CORO_MAX_TASKS; i++) {
        coro__slot *c = &L->slot[i];
        coro_status st;
        if (!coro__tg_member(g, i) || c->state != CORO__DONE)
            continue;
        g->members[i >> 3] &= (uint8_t)~CORO__TG_BIT(i);
        g->live--;
        st = c->status;
        c->awaiter = CORO__NONE;
        if (!c->on.pending) /* coro__release's test (a third caller would stop its inlining) */
            coro__free_push(L, i);
        if (st == CORO_OK || st == CORO_ERR_CANCELLED)
            continue;
        coro__tg_fail(g, st);
        if (!(g->state & CORO__TG_ABORTING)) {
            coro__tg_abort(L, g);
            if (!(g->state & CORO__TG_EXITING))
                coro__tg_cancel_parent(L, g);
        }
    }
}

/* Slot w (the group's callback, or the parent at the block's end) awaits
 * every child still in the group. */
static void coro__tg_await(coro_loop *L, const coro_taskgroup *g, coro_index w)
{
    coro_index i;
    L->slot[w].on.pending = 0;
    for (i = 0; i < CORO_MAX_TASKS; i++)
        if (coro__tg_member(g, i)) {
            L->slot[i].awaiter = w;
            L->slot[w].on.pending++;
        }
}

static void coro__tg_heard(void *arg);
/* The listener's trampoline: its slot's `on` counts the children (the
 * awaiter's pending), so the callback is named here, not in on.cb. */
static coro_status coro__tg_step(coro_frame *unused)
{
    (void)unused;
    return coro__cb_run(coro__tg_heard);
}

/* Take a callback slot as the children's awaiter (woken by the first to end). */
static coro_status coro__tg_listen(coro_loop *L, coro_taskgroup *g)
{
    coro_index id = 0; /* set on CORO_OK; avr-gcc 5 cannot see it */
    coro__slot *s;
    coro_status st = coro__cb_new(L, &g->cb, coro__tg_heard, g, &id);
    if (st)
        return st;
    s = &L->slot[id];
    s->fn = coro__tg_step;
    s->state = CORO__WAITTASKS;
    s->flags = CORO__T_ANY;
    s->status = CORO_OK;
    coro__tg_await(L, g, id);
    return CORO_OK;
}

/* The callback: a child ended (the loop freed the slot before calling). */
static void coro__tg_heard(void *arg)
{
    coro_taskgroup *g = (coro_taskgroup *)arg;
    coro_loop *L = coro__running;
    L->slot[CORO__ID(g->cb.id)].flags = 0;
    g->cb.id = 0;
    coro__tg_reap(L, g);
    if (g->live)
        (void)coro__tg_listen(L, g); /* takes the slot just freed: cannot fail */
}

CORO__DEF coro_status coro__tg_enter(coro_taskgroup *g)
{
    coro_loop *L = coro__running;
    unsigned i;
    if (g->state & CORO__TG_ACTIVE)
        return CORO_ERR_STATE; /* entered already */
    g->parent = coro__handle(L, L->current);
    g->cb.id = 0;
    g->live = 0;
    g->nerrors = 0;
    g->first = CORO_OK;
    g->state = CORO__TG_ACTIVE; /* k and st: set by coro__tg_exit, the only way to the end */
    for (i = 0; i < sizeof g->members; i++)
        g->members[i] = 0;
    return CORO_OK;
}

CORO__DEF coro_status coro__tg_spawn(coro_taskgroup *g, coro_task *out, coro_fn fn, coro_frame *frame, const char *name)
{
    coro_loop *L = coro__running;
    coro_task t;
    coro_index id, w;
    int fresh = 0;
    coro_status st;
    CORO_REQUIRE(g && fn && frame, "coro_taskgroup_spawn with a NULL group, function or frame");
    coro__tasks_link(); /* its children are awaited */
    if (!L || (g->state & (CORO__TG_ACTIVE | CORO__TG_ABORTING)) != CORO__TG_ACTIVE || !coro__task(L, g->parent))
        return CORO_ERR_STATE;
    if (!(g->state & CORO__TG_EXITING) && !g->cb.id) {
        st = coro__tg_listen(L, g);
        if (st)
            return st;
        fresh = 1;
    }
    st = coro__spawn(L, &t, fn, frame);
    if (st) {
        if (fresh) {
            coro__cb_free(L, CORO__ID(g->cb.id));
            g->cb.id = 0;
        }
        return st;
    }
    id = CORO__ID(t);
    g->members[id >> 3] |= CORO__TG_BIT(id);
    g->live++;
    w = (g->state & CORO__TG_EXITING) ? CORO__ID(g->parent) : CORO__ID(g->cb.id);
    L->slot[id].awaiter = w;
    L->slot[w].on.pending++;
    if (name)
        coro_task_set_name(L, t, name);
    if (out)
        *out = t;
    return CORO_OK;
}

/* At the block's end: wait for the children as their awaiter (woken by each
 * that ends); a cancellation of the task aborts the group and is reported
 * after it (asyncio: unless it is aborting already). CORO_OK once none is
 * left. */
static coro_status coro__tg_park(coro_loop *L, coro_taskgroup *g)
{
    coro__slot *ms = coro__cur;
    coro_index me = L->current;
    if (ms->flags & CORO__T_CANCEL) {
        (void)coro__take_cancel();
        if (!(g->state & CORO__TG_ABORTING)) {
            g->state |= CORO__TG_CANCEL;
            coro__tg_abort(L, g);
        }
    }
    coro__tg_reap(L, g);
    if (!g->live)
        return CORO_OK;
    coro__tg_await(L, g, me);
    ms->status = CORO_OK;
    ms->flags |= CORO__T_ANY;
    ms->state = CORO__WAITTASKS;
    CORO__TRACE(L, CORO_TRACE_AWAIT, me, ms->on.pending);
    return CORO__PENDING;
}

/* The block was left (k, st): drop the callback, take back the group's
 * cancel count, abort on an error, wait for the children. */
CORO__DEF coro_status coro__tg_exit(coro_taskgroup *g, int k, coro_status st)
{
    coro_loop *L = coro__running;
    coro__slot *ms = coro__cur;
    g->k = (uint8_t)k;
    g->st = st;
    g->state |= CORO__TG_EXITING;
    if (g->cb.id) {
        coro_index c = CORO__ID(g->cb.id);
        L->slot[c].flags = 0;
        if (L->slot[c].state == CORO__READY)
            L->slot[c].state = CORO__DEADCB; /* in the ring: the loop frees it */
        else
            coro__cb_free(L, c);
        g->cb.id = 0;
    }
    if ((g->state & CORO__TG_CAUSE) && coro__cancels(ms))
        coro__cancels_set(ms, coro__cancels(ms) - 1);
    /* A cancellation raised out of the block, the group's own or not, is
     * raised again after the children unless errors win (the group's own
     * implies an error); one still pending is taken by coro__tg_park. */
    if (k == CORO__K_ERR) {
        if (st == CORO_ERR_CANCELLED)
            g->state |= CORO__TG_CANCEL;
        if (!(g->state & CORO__TG_ABORTING))
            coro__tg_abort(L, g);
    }
    return coro__tg_park(L, g);
}

CORO__DEF coro_status coro__tg_waited(coro_taskgroup *g)
{
    coro_loop *L = coro__running;
    coro__cur->flags &= (uint8_t)~CORO__T_ANY;
    return coro__tg_park(L, g);
}

/* Every child ended: the way to leave the block (its kind; *st its status). */
CORO__DEF int coro__tg_end(coro_taskgroup *g, coro_status *st)
{
    int k = g->k, cancel = g->state & CORO__TG_CANCEL;
    g->state = 0;
    if (k == CORO__K_ERR && g->st != CORO_ERR_CANCELLED)
        coro__tg_fail(g, g->st); /* the block's own error, after the children's */
    if (g->nerrors) {
        *st = g->first;
        return CORO__K_ERR;
    }
    if (cancel) {
        *st = CORO_ERR_CANCELLED;
        return CORO__K_ERR;
    }
    *st = g->st;
    return k; /* not an error: those were counted (or are a cancellation) */
}


/* ==== wait queues ========================================================= */
/* Owns: coro_waitq, the intrusive FIFO of tasks that the sync objects and
 * queues (coro_sync.h, coro_queue.h) park their waiters on: park, notify,
 * the woken task's verdict, unlink. May call: the scheduler and tasks. */
static void coro__q_unlink(coro_loop *L, coro_waitq *q, coro_index id)
{
    coro_index t = (coro_index)(q->tail1 - 1), p = t;
    /* A task can be missing from the queue it names only if the object was
     * re-initialised under it (a programmer error): leave the queue alone
     * rather than walk out of the slot table or round the ring for ever. */
    if (q->tail1 == 0)
        return;
    while (L->slot[p].next != id) {
        p = L->slot[p].next;
        if (p == t)
            return;
    }
    if (p == id)
        q->tail1 = 0;
    else {
        L->slot[p].next = L->slot[id].next;
        if (t == id)
            q->tail1 = (coro_index)(p + 1);
    }
}

/* ---- wait queues --------------------------------------------------------------- */
/* A non-empty wait queue's tail is a task waiting on that queue. An object
 * overwritten (re-initialised, copied, freed) while tasks wait on it trips
 * this assert instead of splicing another slot's links. */
#define CORO__WAITQ_TAIL(q) ((coro_index)((q)->tail1 - 1)) /* the tail's slot (tail1 != 0) */
#define CORO__WAITQ_SANE(L, q)                                                             \
    CORO_REQUIRE((q)->tail1 == 0 ||                                                        \
                 ((q)->tail1 <= CORO_MAX_TASKS && (L)->slot[CORO__WAITQ_TAIL(q)].on.q == (q) && \
                  ((L)->slot[CORO__WAITQ_TAIL(q)].state == CORO__WAITQ ||                  \
                   (L)->slot[CORO__WAITQ_TAIL(q)].state == CORO__WAITQ_SHIELD)),           \
                 "a lock, event, semaphore, condition or queue was re-initialised, copied or overwritten while tasks waited on it")

static coro_status coro__waitq_park(coro_waitq *q, uint8_t state)
{
    coro_loop *L = coro__running;
    coro_index id = L->current;
    coro__slot *s = coro__cur; /* &L->slot[id] */
    coro_index t = q->tail1;
    CORO__WAITQ_SANE(L, q);
    if (t == 0) {
        s->next = id;
    } else {
        t--;
        s->next = L->slot[t].next;
        L->slot[t].next = id;
    }
    q->tail1 = (coro_index)(id + 1);
    s->on.q = q;
    s->status = CORO_OK;
    s->state = state;
    CORO__TRACE(L, CORO_TRACE_WAIT, id, (uintptr_t)q);
    return CORO__PENDING;
}

CORO__DEF coro_status coro_waitq_wait(coro_waitq *q)
{
    if (coro__cur->flags & CORO__T_CANCEL)
        return coro__take_cancel();
    return coro__waitq_park(q, CORO__WAITQ);
}

CORO__DEF coro_status coro_waitq_wait_shielded(coro_waitq *q) { return coro__waitq_park(q, CORO__WAITQ_SHIELD); }

#if !defined(__OPTIMIZE_SIZE__)
/* Wake a popped waiter that has a timer of its own in the heap (none today: a
 * timeout around a wait is a callback; kept general): out of line, so that
 * the usual notify needs no saved registers (-Os: one path, coro__wake). */
CORO__NOINLINE static coro_task coro__waitq_wake_timed(coro_loop *L, coro_index h, coro_status st)
{
    coro__wake(L, h, st);
    return coro__handle(L, h);
}
#endif

CORO__DEF coro_task coro_waitq_notify(coro_loop *L, coro_waitq *q, coro_status st)
{
    coro_index t, h;
    coro__slot *ts;
    if (q->tail1 == 0)
        return 0;
    CORO__WAITQ_SANE(L, q);
    t = CORO__WAITQ_TAIL(q);
    ts = &L->slot[t];
    h = ts->next; /* the head: pop it in O(1), no walk */
    if (h == t || CORO_MAX_TASKS == 1) /* one task slot: one waiter (GCC would warn: -Warray-bounds) */
        q->tail1 = 0;
    else
        ts->next = L->slot[h].next;
#if !defined(__OPTIMIZE_SIZE__)
    if (L->slot[h].hpos != CORO__NONE)
        return coro__waitq_wake_timed(L, h, st);
#endif
    coro__wake(L, h, st);
    return coro__handle(L, h);
}

CORO__DEF int coro_waitq_notify_all(coro_loop *L, coro_waitq *q, coro_status st)
{
    int n = 0;
    while (coro_waitq_notify(L, q, st))
        n++;
    return n;
}

CORO__DEF coro_status coro_waitq_resumed(int *chosen)
{
    coro__slot *s = coro__cur;
    *chosen = s->status != CORO_ERR_CANCELLED;
    if (s->flags & CORO__T_CANCEL)
        return coro__take_cancel();
    return s->status;
}

CORO__DEF int coro_waitq_len(const coro_loop *L, const coro_waitq *q)
{
    int n = 0;
    coro_index t = (coro_index)(q->tail1 - 1), p = t;
    if (q->tail1 == 0)
        return 0;
    do {
        n++;
        p = L->slot[p].next;
    } while (p != t);
    return n;
}


/* ==== clocks and ports ==================================================== */
/* Owns: coro_clock for each CORO_CLOCK (virtual, POSIX, a port's
 * coro_port_now) and the clock's sleep (coro__clock_sleep) the idle loop
 * calls: jump the virtual clock, wait on the POSIX doorbell, or the port's
 * sleep with interrupts masked. May call: the port and the loop's doorbell. */
/* ---- clock ---------------------------------------------------------------- */
#if CORO_CLOCK == CORO_CLOCK_VIRTUAL
coro_tick coro_virtual_now;
CORO__DEF coro_tick coro_clock(void) { return coro_virtual_now; }
#elif CORO_CLOCK == CORO_CLOCK_POSIX
CORO__DEF coro_tick coro_clock(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (coro_tick)((uint64_t)ts.tv_sec * CORO_TICK_HZ + (uint64_t)ts.tv_nsec / (1000000000u / CORO_TICK_HZ));
}
#else
CORO__DEF coro_tick coro_clock(void) { return coro_port_now(); }
#endif

/* ---- the clock's sleep: one block per CORO_CLOCK -------------------------- */
/* Called when nothing is ready: wait until the deadline `when` (if has), or
 * until a wakeup (L->woken). */
#if CORO_CLOCK == CORO_CLOCK_VIRTUAL
static void coro__clock_sleep(coro_loop *L, int has, coro_tick when)
{
    if (has && !L->woken && (coro__stick)(when - coro_virtual_now) > 0) /* a wakeup: no jump */
        coro_virtual_now = when;
    while (!has && !L->woken) {
        /* only an interrupt or another thread can help: wait for it */
    }
}
#elif CORO_CLOCK == CORO_CLOCK_POSIX
static void coro__clock_sleep(coro_loop *L, int has, coro_tick when)
{
    coro_tick now = coro_clock();
    if (!L->woken && (!has || (coro__stick)(when - now) > 0)) {
        struct timespec ts;
        coro_tick d = has ? (coro_tick)(when - now) : (coro_tick)CORO_TICK_HZ;
        ts.tv_sec = (time_t)(d / CORO_TICK_HZ);
        /* (d % HZ) * (1e9 / HZ) < 1e9: the unsigned product cannot overflow. */
        ts.tv_nsec = (long)((d % CORO_TICK_HZ) * (1000000000u / CORO_TICK_HZ)); /* NOLINT(bugprone-misplaced-widening-cast) */
        if (coro__bell[0] >= 0) {
            fd_set rd;
            char buf[64];
            FD_ZERO(&rd);
            FD_SET(coro__bell[0], &rd);
            pselect(coro__bell[0] + 1, &rd, NULL, NULL, has ? &ts : NULL, NULL);
            while (read(coro__bell[0], buf, sizeof buf) > 0) {
                /* drain: woken, set before each byte, says what happened */
            }
        } else {
            nanosleep(&ts, NULL);
        }
    }
}
#else
/* The port's sleep, race-free: with interrupts masked, look once more at the
 * wakeup and at the time (both may have changed since the loop looked), then
 * let the port sleep until an interrupt; it returns with them masked. */
static void coro__clock_sleep(coro_loop *L, int has, coro_tick when)
{
    CORO_CRITICAL_ENTER();
#ifdef CORO_PORT_TICKS
    coro_tick late = (coro_tick)(coro_port_ticks - when); /* masked: one read */
#else
    coro_tick late = (coro_tick)(coro_port_now() - when);
#endif
    if (!L->woken && !(has && late <= CORO_MAX_DELAY))
        coro_port_sleep(has, when);
    CORO_CRITICAL_EXIT();
}
#endif


/* ==== misuse reports, debug and trace ===================================== */
/* Owns: the misuse reports (CORO_ON_FAIL and its default, the configuration
 * check between files), the result texts (coro_strerror) and the task dump
 * (coro_loop_dump). May call: only the loop's state (read-only). The trace
 * hook itself is the CORO__TRACE macro of the public part. */
/* ---- misuse reports ------------------------------------------------------------ */
#if !defined(CORO_ON_FAIL) && CORO_FAIL_TEXT
#include <stdio.h>
/* The default report on a host: what and where on stderr, after whatever
 * stdout still buffers (abort() would lose it). */
static void coro__report(int code, const char *file, unsigned line, const char *text)
{
    static const char *const why[] = {
        "failure",
        "unknown resume point: an await inside your own switch statement (use if/else, "
        "or CORO_USE_LABELS=1), or a corrupt frame",
        "a finished coroutine was resumed: its frame is used by two tasks at once, or "
        "was reused while its task still ran",
        "coroutine called outside a task: start it with coro_run, coro_spawn or "
        "CORO_AWAIT, not by a direct call",
        "this file's configuration differs from the file with CORO_IMPLEMENTATION: every "
        "file must see the same CORO_MAX_TASKS, CORO_MAX_CALLBACKS, CORO_TICK_BITS, "
        "CORO_INDEX_BITS, CORO_DEBUG and CORO_USE_LABELS",
        "precondition failed"};
    (void)fflush(stdout);
    (void)fprintf(stderr, "%s:%u: coro: %s%s%s\n", file ? file : "?", line,
                  why[code > 0 && code < (int)(sizeof why / sizeof why[0]) ? code : 0], text ? ": " : "",
                  text ? text : "");
    (void)fflush(stderr);
}
#endif

/* Report (CORO_ON_FAIL, or the default: print on a host, then CORO_TRAP). */
static void coro__fail(int code, const char *file, unsigned line, const char *text)
{
#ifdef CORO_ON_FAIL
    CORO_ON_FAIL(code, file, line, text);
#else
#if CORO_FAIL_TEXT
    coro__report(code, file, line, text);
#else
    (void)code, (void)file, (void)line, (void)text;
#endif
    CORO_TRAP();
#endif
}

CORO__DEF void coro__trap(int code, const char *file, unsigned line, const char *text)
{
    coro__fail(code, file, line, text);
    /* A CORO_ON_FAIL or CORO_TRAP that returns: nothing can go on from
     * here, the loop keeps the noreturn promise. */
    CORO_TRAP();
    /* cppcheck-suppress unreachableCode */
    for (;;) {
    }
}

CORO__DEF void coro__trap_at(int code, unsigned line) { coro__trap(code, NULL, line, NULL); }

/* Compare a file's configuration (CORO__CONFIG) with this one's. */
CORO__DEF int coro__config_ok(unsigned long config, const char *file, unsigned line)
{
    unsigned long d = config ^ CORO__CONFIG;
    const char *text = NULL;
    if (d == 0)
        return 1;
#if CORO_FAIL_TEXT
    text = d & 0xFF0000ul    ? "CORO_MAX_TASKS differs"
           : d & 0x7000000ul ? "CORO_TICK_BITS differs"
           : d & 0x38000000ul ? "CORO_INDEX_BITS differs"
           : d & 0x40000000ul ? "CORO_DEBUG differs"
           : d & 0x80000000ul ? "CORO_USE_LABELS differs"
           : d & 0x8000ul        ? "CORO_GEN_BITS differs"
                              : "sizeof(coro_loop) differs: CORO_MAX_CALLBACKS or another knob";
#endif
    coro__fail(CORO_FAIL_CONFIG, file, line, text);
    return 0;
}

CORO__DEF const char *coro_strerror(int st)
{
#if defined(__AVR__)
    /* AVR: the texts stay in flash (as pointers to strings they would take
     * ~330 of the 2 KB of RAM); the one asked for is copied to a buffer that
     * the next call overwrites. */
    static char buf[39];
    static const char names[][sizeof buf] PROGMEM = {
#else
    static const char *const names[] = {
#endif
        "ok", "cancelled", "timeout", "invalid argument", "no free slot", "stale handle",
        "invalid state", "delay out of range", "loop already running", "loop closed",
        "loop stopped before the task completed", "deadlock", "busy", "task awaits itself",
        "full", "empty", "not locked", "overflow", "underflow", "shut down",
        "configuration differs between files", "broken barrier"};
#if defined(__AVR__)
    if (st >= 0 && st < (int)(sizeof names / sizeof names[0]))
        return strcpy_P(buf, names[st]);
    return strcpy_P(buf, st >= CORO_ERR_USER ? PSTR("application error") : PSTR("unknown error"));
#else
    if (st >= 0 && st < (int)(sizeof names / sizeof names[0]))
        return names[st];
    return st >= CORO_ERR_USER ? "application error" : "unknown error";
#endif
}

/* ---- task dump ------------------------------------------------------------------- */
typedef void (*coro__write)(const char *text, void *ctx);
#if defined(__AVR__)
/* AVR: the dump's texts stay in flash (in RAM they would take ~300 of its
 * 2 KB in every program, dump used or not); each is copied to this buffer
 * just before write() gets it. */
static char coro__txtbuf[32];
#define CORO__TXT(s) strcpy_P(coro__txtbuf, PSTR(s))
#define CORO__STATE_TXT(states, i) strcpy_P(coro__txtbuf, (states)[i])
#else
#define CORO__TXT(s) (s)
#define CORO__STATE_TXT(states, i) ((states)[i])
#endif
#if CORO_TICK_BITS == 64
typedef uint64_t coro__dumpu;
#else
typedef unsigned long coro__dumpu;
#endif

static void coro__dump_u(coro__write w, void *ctx, coro__dumpu v, unsigned base)
{
    char buf[24];
    char *p = buf + sizeof buf - 1;
    *p = 0;
    do {
        *--p = (char)(v % base < 10 ? '0' + v % base : 'a' + v % base - 10);
        v /= base;
    } while (v);
    if (base == 16) {
        *--p = 'x';
        *--p = '0';
    }
    w(p, ctx);
}

static void coro__dump_task(const coro_loop *L, coro_index id, coro__write w, void *ctx)
{
#if defined(__AVR__)
    static const char states[][30] PROGMEM = {"free", "ready", "sleeping", "waiting on a queue",
                                              "awaiting tasks", "done", "", "waiting on a queue (shielded)"};
#else
    static const char *const states[] = {"free", "ready", "sleeping", "waiting on a queue", "awaiting tasks",
                                         "done", "", "waiting on a queue (shielded)"};
#endif
    const coro__slot *s = &L->slot[id];
    coro_index i;
    w(CORO__TXT("  task "), ctx);
    coro__dump_u(w, ctx, id, 10);
#if CORO_DEBUG
    if (s->name) {
        w(CORO__TXT(" \""), ctx);
        w(s->name, ctx);
        w(CORO__TXT("\""), ctx);
    }
#endif
    w(id == L->current ? CORO__TXT(": running") : CORO__TXT(": "), ctx);
    if (id != L->current)
        w(s->state < sizeof states / sizeof states[0] ? CORO__STATE_TXT(states, s->state) : CORO__TXT("?"), ctx);
    if (s->state == CORO__SLEEP || (s->state == CORO__WAITTASKS && s->hpos != CORO__NONE)) {
        w(s->state == CORO__SLEEP ? CORO__TXT(" until ") : CORO__TXT(", timeout at "), ctx);
        coro__dump_u(w, ctx, coro__deadline(L, s), 10);
    } else if (s->state == CORO__WAITQ || s->state == CORO__WAITQ_SHIELD) {
        w(CORO__TXT(" "), ctx);
        coro__dump_u(w, ctx, (coro__dumpu)(uintptr_t)s->on.q, 16);
    } else if (s->state == CORO__DONE) {
        w(CORO__TXT(" ("), ctx);
        w(coro_strerror(s->status), ctx);
        w(CORO__TXT(")"), ctx);
    }
    if (s->state == CORO__WAITTASKS) {
        w(CORO__TXT(" ["), ctx);
        for (i = 0; i < CORO_MAX_TASKS; i++)
            if (L->slot[i].awaiter == id && L->slot[i].state != CORO__DONE) {
                w(CORO__TXT(" "), ctx);
                coro__dump_u(w, ctx, i, 10);
            }
        w(CORO__TXT(" ]"), ctx);
    }
    if (s->awaiter != CORO__NONE) {
        w(CORO__TXT(", awaited by "), ctx);
        coro__dump_u(w, ctx, s->awaiter, 10);
    }
    if (s->flags & CORO__T_CANCEL)
        w(CORO__TXT(", cancel pending"), ctx);
    if (s->state != CORO__DONE && s->arg) {
        const coro_frame *f = (const coro_frame *)s->arg;
#if CORO_DEBUG
        if (f->lc && s->file && id != L->current) {
            w(CORO__TXT(", at "), ctx);
            w(s->file, ctx);
            w(CORO__TXT(":"), ctx);
            coro__dump_u(w, ctx, s->line, 10);
        }
#endif
#if !CORO_USE_LABELS
        w(f->lc ? CORO__TXT(" (resume point ") : CORO__TXT(" (not started"), ctx);
        if (f->lc)
            coro__dump_u(w, ctx, f->lc, 10);
        w(CORO__TXT(")"), ctx);
#else
        w(f->lc ? CORO__TXT("") : CORO__TXT(" (not started)"), ctx);
#endif
    }
    w(CORO__TXT("\n"), ctx);
}

CORO__DEF void coro_loop_dump(const coro_loop *L, void (*write)(const char *text, void *ctx), void *ctx)
{
    coro_index i;
    write(CORO__TXT("coro loop: time "), ctx);
    coro__dump_u(write, ctx, L->now, 10);
    write(CORO__TXT(", "), ctx);
    coro__dump_u(write, ctx, (coro_index)(L->rtail - L->rhead), 10);
    write(CORO__TXT(" ready, "), ctx);
    coro__dump_u(write, ctx, L->hlen, 10);
    write(CORO__TXT(" timers"), ctx);
    write(L->state == CORO__L_CLOSED ? CORO__TXT(", closed\n") : L == coro__running ? CORO__TXT(", running\n") : CORO__TXT("\n"), ctx);
    for (i = 0; i < CORO_MAX_TASKS; i++)
        if (L->slot[i].state != CORO__FREE && (L->slot[i].state != CORO__DONE || L->slot[i].awaiter != CORO__NONE ||
                                                L->slot[i].on.pending))
            coro__dump_task(L, i, write, ctx);
    for (i = CORO_MAX_TASKS; i < CORO__SLOTS; i++) {
        const coro__slot *s = &L->slot[i];
        if (s->state != CORO__SLEEP && s->state != CORO__READY)
            continue;
        write(CORO__TXT("  callback "), ctx);
        coro__dump_u(write, ctx, i, 10);
        if (s->state == CORO__SLEEP) {
            write(CORO__TXT(": due at "), ctx);
            coro__dump_u(write, ctx, coro__deadline(L, s), 10);
        } else {
            write(CORO__TXT(": ready"), ctx);
        }
        write(CORO__TXT(", arg "), ctx);
        coro__dump_u(write, ctx, (coro__dumpu)(uintptr_t)s->arg, 16);
        write(CORO__TXT("\n"), ctx);
    }
}

#ifdef __cplusplus
}
#endif

#endif /* CORO_IMPLEMENTATION */

/* ==========================================================================
 * The shared half of a port (ports/README.md), in the one file that defines
 * CORO_PORT_IMPLEMENTATION: the tick counter and coro_port_now of a
 * periodic-tick port (CORO_PORT_TICKS), and the default coro_port_fault
 * (CORO_PORT_HALT(), else mask the interrupts and spin) unless
 * CORO_PORT_CUSTOM_FAULT. */
#if defined(CORO_PORT) && defined(CORO_PORT_IMPLEMENTATION) && !defined(CORO__PORT_IMPLEMENTED)
#define CORO__PORT_IMPLEMENTED
#ifdef __cplusplus
extern "C" {
#endif
#ifdef CORO_PORT_TICKS
volatile coro_tick coro_port_ticks;

coro_tick coro_port_now(void)
{
#if CORO_TICK_BITS <= CORO_PORT_TICKS
    return coro_port_ticks; /* one load: atomic */
#else
    coro_tick t;
    CORO_CRITICAL_ENTER();
    t = coro_port_ticks;
    CORO_CRITICAL_EXIT();
    return t;
#endif
}
#endif
#ifndef CORO_PORT_CUSTOM_FAULT
void coro_port_fault(unsigned line)
{
    (void)line;
#ifdef CORO_PORT_HALT
    CORO_PORT_HALT(); /* the port's "mask interrupts and stop" */
#else
    CORO_CRITICAL_ENTER();
    for (;;) {
    }
    CORO_CRITICAL_EXIT();
#endif
}
#endif
#ifdef __cplusplus
}
#endif
#endif /* CORO_PORT_IMPLEMENTATION */
