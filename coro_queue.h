/* coro_queue.h - asyncio's Queue, LifoQueue and PriorityQueue over storage you
 * declare, and an interrupt-safe single-producer ring, for coro.h.   v0.1.0
 *
 * USAGE
 *   #include "coro_queue.h" after (or instead of) coro.h. Its functions are
 *   compiled in the one file that defines CORO_IMPLEMENTATION, with coro.h's.
 *   Nothing is allocated: a queue is a small header (coro_queue) over an array
 *   you declare (a static or a frame field), its capacity fixed at init.
 *   Elements of any type are copied in and out by value (memcpy, esize bytes).
 *   Built only on the public API of coro.h (`make satellite-names` checks it).
 *
 * CONFIGURATION
 *   (each knob: name, default, meaning)
 *   CORO_RING_INDEX     uint8_t on AVR, else uint16_t
 *                       the ring's index type. It must be read and written in
 *                       one instruction by the CPU (a ring holds at most half
 *                       its range: 128 / 32768).
 *   CORO_PRIORITY_SEQ_BYTES  8 on 64-bit hosts, 2 on AVR, else 4
 *                       bytes of the insertion number a priority queue stores
 *                       per item (ties leave in insertion order), and the
 *                       width of its insertion counter. A put or get costs
 *                       O(log n) compares (n items stored). When the counter
 *                       reaches its end, that one put renumbers the items
 *                       0..n-1 in place (a heapsort, no scratch memory, at
 *                       most 2 n log2(n) compares). With 8 bytes that takes
 *                       2^64 puts (585 years at 10^9 puts a second): the bound
 *                       is worst-case. With 4 it is one put in 2^32 - 1 - n,
 *                       with 2 one in 65,535 - n: amortised O(log n), and with
 *                       2 keep the capacity well below 65,535. Set 8 on a
 *                       microcontroller that needs the worst-case bound (4
 *                       more bytes per item). Every file must agree.
 *   Also coro.h's CORO_CRITICAL_ENTER/EXIT and CORO_FENCE.
 *
 * RULES
 *   1. Init a queue once, before use, never while tasks wait on it. Every
 *      call asserts (CORO_ASSERT) that it was: a zeroed queue has capacity 0.
 *   2. Items are never handed to a waiter: a woken getter or putter checks
 *      the queue again when it runs (asyncio's design). So a getter woken and
 *      then cancelled (or timed out) leaves the item for the next getter, and
 *      a cancelled putter never enqueues its item and passes its turn on.
 *   3. The await macros evaluate their arguments again on every resume (as
 *      all of coro.h's): pass frame fields. Plain functions evaluate each
 *      argument once. The item / out pointers must stay valid across the
 *      await (a frame field, not a local).
 *   4. Queues are used from the loop (tasks and callbacks) only. From an
 *      interrupt or another thread use a coro_ring: coro_ring_put is the one
 *      function safe there; everything else belongs to the loop's side.
 *   5. A task waiting on a ring keeps its loop armed (coro_loop_arm): the loop
 *      idles instead of reporting a deadlock. Cancel it before the loop ends
 *      (coro_run does); the producer wakes the loop it waits in.
 *   6. Puts never fail for want of task_done (asyncio has no limit), but the
 *      count of unfinished items is 16 bits: at 65,535 it saturates and stays
 *      there (counts were lost, so join cannot know when all are done):
 *      task_done then changes nothing, and every CORO_QUEUE_JOIN, waiting or
 *      new, fails CORO_ERR_OVERFLOW instead of returning early. Only
 *      coro_queue_init resets it. A program that never calls join can ignore
 *      task_done; one that joins must not hold 65,535 items undone.
 *
 * API (UPPER CASE may suspend; lower case never does)
 *   coro_queue_init(q, buf, cap, esize)           FIFO over buf[cap]; OK or
 *                                                 CORO_ERR_INVALID (cap 0 ...)
 *   coro_queue_init_lifo(q, buf, cap, esize)      LIFO (a stack)
 *   coro_queue_init_priority(q, buf, cap, esize, cmp)   smallest first (cmp
 *                                                 like qsort's), ties FIFO;
 *                                                 buf: CORO_PRIORITY_STORAGE;
 *                                                 put/get O(log n) compares
 *   CORO_QUEUE_INIT(kind, buf, cap, esize, cmp)   static initializer
 *   CORO_QUEUE_OF(type, cap), CORO_PRIORITY_QUEUE_OF(type, cap)   a struct
 *                                                 type holding storage and .q
 *   coro_queue_init_of(s, kind, cmp)              init such a struct (*s)
 *   CORO_QUEUE_PUT(self, q, item)                 put *item, waiting while full
 *   CORO_QUEUE_GET(self, q, out)                  get into *out, waiting while empty
 *   CORO_QUEUE_JOIN(self, q)                      wait until every item put is done
 *                                                 (CORO_ERR_OVERFLOW: count saturated)
 *   coro_queue_try_put(q, item) / coro_queue_try_get(q, out)   OK,
 *                                                 CORO_ERR_FULL / CORO_ERR_EMPTY
 *   coro_queue_task_done(q)                       one item processed
 *   coro_queue_shutdown(q, immediate)             Python 3.13 Queue.shutdown
 *   coro_queue_qsize/maxsize/empty/full/unfinished/is_shutdown(q)
 *   coro_ring_init(r, buf, cap, esize)            SPSC ring, cap a power of two
 *   coro_ring_put(r, item)                        producer (ISR): OK / FULL
 *   coro_ring_try_get(r, out)                     consumer: OK / EMPTY
 *   CORO_RING_GET(self, r, out)                   consumer: wait for an element
 *   coro_ring_count/capacity(r)
 *
 * EXAMPLE
 *   struct worker { coro_frame co; coro_queue *q; int job; };
 *   static CORO_FN(worker, struct worker, self)
 *   {
 *       CORO_BEGIN(self);
 *       for (;;) {
 *           CORO_QUEUE_GET(self, self->q, &self->job);  // SHUTDOWN ends it
 *           printf("job %d\n", self->job);
 *           coro_queue_task_done(self->q);
 *       }
 *       CORO_END(self);
 *   }
 *   struct boss { coro_frame co; CORO_QUEUE_OF(int, 4) jobs; struct worker w; int i; };
 *   static CORO_FN(boss, struct boss, self)
 *   {
 *       CORO_BEGIN(self);
 *       coro_queue_init_of(&self->jobs, CORO_QUEUE_FIFO, NULL);
 *       self->w.q = &self->jobs.q;
 *       coro_spawn(coro_running_loop(), NULL, worker, &self->w);
 *       for (self->i = 0; self->i < 10; self->i++)
 *           CORO_QUEUE_PUT(self, &self->jobs.q, &self->i);  // waits while full
 *       CORO_QUEUE_JOIN(self, &self->jobs.q);
 *       coro_queue_shutdown(&self->jobs.q, 0);
 *       CORO_END(self);
 *   }
 *
 *   // The UART receive path: the interrupt puts, a task awaits each byte.
 *   static unsigned char rx_buf[32];
 *   static coro_ring rx = CORO_RING_INIT(rx_buf, 32, 1);
 *   ISR(USART_RX_vect) { unsigned char c = UDR0; if (coro_ring_put(&rx, &c)) overruns++; }
 *   ...in a task: CORO_RING_GET(self, &rx, &self->c);
 *
 * LICENSE: MIT, see the LICENSE file.
 */
#ifndef CORO_QUEUE_H
#define CORO_QUEUE_H

#include "coro.h"
#include <string.h>

#ifndef CORO_RING_INDEX
#if defined(__AVR__)
#define CORO_RING_INDEX uint8_t
#else
#define CORO_RING_INDEX uint16_t
#endif
#endif
#ifndef CORO_PRIORITY_SEQ_BYTES
#if defined(__AVR__)
#define CORO_PRIORITY_SEQ_BYTES 2
#elif (defined(UINTPTR_MAX) && UINTPTR_MAX > 0xFFFFFFFFu) || (defined(__SIZEOF_POINTER__) && __SIZEOF_POINTER__ > 4)
#define CORO_PRIORITY_SEQ_BYTES 8
#else
#define CORO_PRIORITY_SEQ_BYTES 4
#endif
#endif
#if CORO_PRIORITY_SEQ_BYTES == 2
typedef uint16_t coro__queue_seq;
#elif CORO_PRIORITY_SEQ_BYTES == 4
typedef uint32_t coro__queue_seq;
#elif CORO_PRIORITY_SEQ_BYTES == 8
typedef uint64_t coro__queue_seq;
#else
#error "CORO_PRIORITY_SEQ_BYTES must be 2, 4 or 8"
#endif
/* Private test hook: run once per insertion number a priority queue reads
 * (tests count the heap's work with it). */
#ifndef CORO__QUEUE_WORK
#define CORO__QUEUE_WORK() ((void)0)
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- queues ------------------------------------------------------------------ */

/* qsort-style order of two elements: < 0 when a leaves before b. */
typedef int (*coro_queue_cmp)(const void *a, const void *b);

enum { CORO_QUEUE_FIFO = 0, CORO_QUEUE_LIFO = 1, CORO_QUEUE_PRIORITY = 2 };
enum { CORO__Q_KIND = 3, CORO__Q_SHUTDOWN = 4 };

/* The queue header: 18 bytes on AVR, 24 on Cortex-M, 40 on x86-64. */
typedef struct coro_queue {
    unsigned char *buf;     /* cap elements; a priority queue then CORO_PRIORITY_SEQ_BYTES each */
    coro_queue_cmp cmp;     /* priority order, NULL otherwise */
    coro__queue_seq head;   /* FIFO: slot of the oldest; PRIORITY: next insertion number */
    uint16_t cap, esize;    /* capacity (elements), element size (bytes) */
    uint16_t count;         /* elements stored */
    uint16_t unfinished;    /* put minus task_done; saturates (sticks) at 0xFFFF */
    coro_waitq getters, putters, joiners;
    uint8_t flags;          /* kind | CORO__Q_SHUTDOWN */
} coro_queue;

/* Storage of a priority queue: cap elements, then a CORO_PRIORITY_SEQ_BYTES
 * insertion number each (ties leave in insertion order). Declare it as
 * `static CORO_PRIORITY_STORAGE(struct job, 8) store;` and pass &store. */
#define CORO_PRIORITY_STORAGE(type, cap) \
    struct { type item[cap]; unsigned char order[CORO_PRIORITY_SEQ_BYTES * (cap)]; }
/* A struct type holding a queue (.q) and its storage (.buf): a frame field or
 * a static, initialised with coro_queue_init_of. */
#define CORO_QUEUE_OF(type, cap) struct { type buf[cap]; coro_queue q; }
#define CORO_PRIORITY_QUEUE_OF(type, cap) \
    struct { type buf[cap]; unsigned char coro__order[CORO_PRIORITY_SEQ_BYTES * (cap)]; coro_queue q; }

/* Static initializer: kind CORO_QUEUE_FIFO / LIFO / PRIORITY, cap elements of
 * esize bytes at buf (both constants below 65,536), cmp NULL unless PRIORITY.
 * Example: static int b[8]; static coro_queue q = CORO_QUEUE_INIT(CORO_QUEUE_FIFO, b, 8, sizeof b[0], NULL); */
#define CORO_QUEUE_INIT(kind, buf, cap, esize, cmp) \
    { (unsigned char *)(buf), (cmp), 0, (uint16_t)(cap), (uint16_t)(esize), 0, 0, \
      CORO_WAITQ_INIT, CORO_WAITQ_INIT, CORO_WAITQ_INIT, (uint8_t)(kind) }

/* Initialise a FIFO queue over buf (cap elements of esize bytes). Never
 * suspends. CORO_ERR_INVALID for a NULL buf, cap or esize 0 or above 65,535. */
#define coro_queue_init(q, buf, cap, esize) coro__queue_init((q), CORO_QUEUE_FIFO, (buf), (cap), (esize), NULL)
/* The same for a LIFO queue (the last put leaves first). */
#define coro_queue_init_lifo(q, buf, cap, esize) coro__queue_init((q), CORO_QUEUE_LIFO, (buf), (cap), (esize), NULL)
/* The same for a priority queue: buf is a CORO_PRIORITY_STORAGE(type, cap);
 * the element cmp orders first leaves first; equal ones in insertion order.
 * CORO_ERR_INVALID also for a NULL cmp. */
#define coro_queue_init_priority(q, buf, cap, esize, cmp) \
    coro__queue_init((q), CORO_QUEUE_PRIORITY, (buf), (cap), (esize), (cmp))
/* Initialise *s, a CORO_QUEUE_OF (kind FIFO or LIFO, cmp NULL) or a
 * CORO_PRIORITY_QUEUE_OF (kind PRIORITY); s is evaluated once. */
#define coro_queue_init_of(s, kind, cmp) \
    coro__queue_init_of((s), sizeof *(s), sizeof (s)->buf / sizeof (s)->buf[0], sizeof (s)->buf[0], (kind), (cmp))

/* Put *item (esize bytes are copied). Never suspends. CORO_OK;
 * CORO_ERR_FULL; CORO_ERR_SHUTDOWN after coro_queue_shutdown. On failure
 * nothing changes. A waiting getter is woken. Items never marked done do not
 * make it fail: the unfinished count saturates at 65,535 (rule 6). */
CORO_API coro_status coro_queue_try_put(coro_queue *q, const void *item);
/* Take the next item into *out. Never suspends. CORO_OK; CORO_ERR_EMPTY (or
 * CORO_ERR_SHUTDOWN once a shut-down queue is empty), *out untouched. A
 * waiting putter is woken. */
CORO_API coro_status coro_queue_try_get(coro_queue *q, void *out);
/* One item taken earlier is processed (asyncio task_done); when none is left
 * unfinished every CORO_QUEUE_JOIN returns. CORO_ERR_UNDERFLOW (nothing
 * changes) when called more often than items were put. Once the count has
 * saturated at 65,535 (rule 6): CORO_OK and the count stays. Never suspends. */
CORO_API coro_status coro_queue_task_done(coro_queue *q);
/* Shut the queue down (Python 3.13): puts fail with CORO_ERR_SHUTDOWN from
 * now on, gets drain what is left and then fail with it; every waiting getter
 * and putter wakes to see that. immediate: drop the items left, counting them
 * done (join returns once nothing is unfinished). Never suspends; final. */
CORO_API void coro_queue_shutdown(coro_queue *q, int immediate);

/* Put *item, waiting while the queue is full; waiting putters go in FIFO
 * order. Suspends. Fails CORO_ERR_SHUTDOWN or CORO_ERR_CANCELLED (the item is
 * then not in the queue); never for want of task_done (rule 6). Time it out
 * with CORO_TIMEOUT. */
#define CORO_QUEUE_PUT(self, q, item) \
    CORO_AWAIT_ON(self, coro__queue_put_now((q), (item)), coro__queue_put_resume((q), (item)))
/* Get the next item into *out, waiting while the queue is empty. Suspends.
 * Fails CORO_ERR_SHUTDOWN (shut down and empty) or CORO_ERR_CANCELLED (no
 * item taken: it stays for the next getter). */
#define CORO_QUEUE_GET(self, q, out) \
    CORO_AWAIT_ON(self, coro__queue_get_now((q), (out)), coro__queue_get_resume((q), (out)))
/* Wait until every item put has been marked done (at once if none is
 * unfinished). Suspends. Fails CORO_ERR_CANCELLED, or CORO_ERR_OVERFLOW once
 * the unfinished count has saturated at 65,535 (rule 6: at once, or waking a
 * joiner that waits when it saturates). */
#define CORO_QUEUE_JOIN(self, q) CORO_AWAIT_ON(self, coro__queue_join_start((q)), coro__queue_join_resume())

/* Items in the queue, capacity, and the obvious predicates. Never suspend. */
static inline size_t coro_queue_qsize(const coro_queue *q) { return q->count; }
static inline size_t coro_queue_maxsize(const coro_queue *q) { return q->cap; }
static inline int coro_queue_empty(const coro_queue *q) { return q->count == 0; }
static inline int coro_queue_full(const coro_queue *q) { return q->count == q->cap; }
static inline int coro_queue_is_shutdown(const coro_queue *q) { return (q->flags & CORO__Q_SHUTDOWN) != 0; }
/* Items put and not yet marked done (65,535: saturated, rule 6). */
static inline size_t coro_queue_unfinished(const coro_queue *q) { return q->unfinished; }

CORO_API coro_status coro__queue_init(coro_queue *q, int kind, void *buf, size_t cap, size_t esize, coro_queue_cmp cmp);
CORO_API coro_status coro__queue_init_of(void *s, size_t size, size_t cap, size_t esize, int kind, coro_queue_cmp cmp);
CORO_API coro_status coro__queue_put_start(coro_queue *q, const void *item);
CORO_API coro_status coro__queue_put_resume(coro_queue *q, const void *item);
CORO_API coro_status coro__queue_get_start(coro_queue *q, void *out);
CORO_API coro_status coro__queue_get_resume(coro_queue *q, void *out);
CORO_API coro_status coro__queue_join_start(coro_queue *q);
CORO_API coro_status coro__queue_join_resume(void);

/* ---- private: the inline fast paths -------------------------------------------
 * The common case of a FIFO queue runs inline in the caller: a put that finds
 * room and no getter waiting, a get that finds an item and no putter waiting,
 * a task_done that leaves items unfinished or that marks the last one done
 * with no joiner waiting. Each does exactly what the out-of-line function
 * would (the same copy, counts and order; no wake-up is due, so none is
 * skipped), and anything else - LIFO, priority, full, empty, a waiter to wake,
 * shutdown, the unfinished count at 0 or near its saturation, a NULL pointer,
 * a zeroed queue - goes to the function, which asserts and wakes as before.
 * The element is copied with one load and store for sizes 4, 8, 2 and 1, the
 * slot's index scaled in each size's branch (no multiply). Under -Os (__OPTIMIZE_SIZE__: microcontroller builds) the inline
 * paths are left out unless CORO__QUEUE_INLINE is defined 1: each call is then
 * the function call it was, for flash. */
#ifndef CORO__QUEUE_INLINE
#if defined(__OPTIMIZE_SIZE__)
#define CORO__QUEUE_INLINE 0
#else
#define CORO__QUEUE_INLINE 1
#endif
#endif
#if defined(__GNUC__)
#define CORO__QUEUE_LIKELY(c) __builtin_expect((c), 1)
#else
#define CORO__QUEUE_LIKELY(c) (c)
#endif
#if CORO__QUEUE_INLINE
/* One element between slot i of q and the caller's item: constant-size
 * copies become a load and a store, each with the index scaled in its own
 * branch (an address mode: no multiply by the run-time size). GCC, seeing a
 * caller's 4-byte item, would warn about the 8-byte copy it cannot prove dead:
 * the empty asm hides the pointers' targets from it (and costs nothing). */
#if defined(__GNUC__)
#define CORO__QUEUE_HIDE(a, b) __asm__("" : "+r"(a), "+r"(b))
#else
#define CORO__QUEUE_HIDE(a, b) ((void)0)
#endif
/* k bytes from item to p (put) or from p to item; put is a constant at each
 * call, so one memcpy of a constant size remains. */
static inline void coro__queue_move(void *p, void *item, size_t k, int put)
{
    if (put)
        memcpy(p, item, k);
    else
        memcpy(item, p, k);
}
static inline void coro__queue_elem(const coro_queue *q, unsigned i, void *item, int put)
{
    unsigned char *b = q->buf;
    size_t n = q->esize;
    CORO__QUEUE_HIDE(b, item);
    if (CORO__QUEUE_LIKELY(n == 4u)) /* the layout favours 4 bytes (an int, a float, a pointer on 32 bits) */
        coro__queue_move(b + (size_t)i * 4u, item, 4, put);
    else if (n == 8u)
        coro__queue_move(b + (size_t)i * 8u, item, 8, put);
    else if (n == 2u)
        coro__queue_move(b + (size_t)i * 2u, item, 2, put);
    else if (n == 1u)
        coro__queue_move(b + i, item, 1, put);
    else
        coro__queue_move(b + (size_t)i * n, item, n, put);
}

/* Put *item into FIFO q if that needs no wake-up and cannot fail: 1, else 0
 * and nothing changed. */
static inline int coro__queue_put_fast(coro_queue *q, const void *item)
{
    if (CORO__QUEUE_LIKELY(q != NULL && item != NULL && q->flags == CORO_QUEUE_FIFO &&
                           coro_waitq_empty(&q->getters) && q->count < q->cap &&
                           q->unfinished < 0xFFFEu)) { /* not about to saturate (or saturated) */
        unsigned n = q->count, i;
        q->unfinished++; /* before the copy: GCC would merge it with the count's store into vector code */
        i = (unsigned)q->head + n;
        if (i >= q->cap)
            i -= q->cap;
        coro__queue_elem(q, i, (void *)item, 1); /* read only: put */
        q->count = (uint16_t)(n + 1u);
        return 1;
    }
    return 0;
}

/* Take the oldest item of FIFO q into *out if that needs no wake-up: 1, else
 * 0 and nothing changed. */
static inline int coro__queue_get_fast(coro_queue *q, void *out)
{
    if (CORO__QUEUE_LIKELY(q != NULL && out != NULL && q->flags == CORO_QUEUE_FIFO && /* not shut down */
                           q->count != 0 && coro_waitq_empty(&q->putters))) {
        unsigned h = (unsigned)q->head;
        coro__queue_elem(q, h, out, 0);
        q->head = (coro__queue_seq)(h + 1u == q->cap ? 0u : h + 1u);
        q->count--;
        return 1;
    }
    return 0;
}
#else
#define coro__queue_put_fast(q, item) 0
#define coro__queue_get_fast(q, out) 0
#endif

/* The awaits' starts and the public calls, each argument evaluated once. */
static inline coro_status coro__queue_put_now(coro_queue *q, const void *item)
{
    return coro__queue_put_fast(q, item) ? (coro_status)CORO_OK : coro__queue_put_start(q, item);
}
static inline coro_status coro__queue_get_now(coro_queue *q, void *out)
{
    return coro__queue_get_fast(q, out) ? (coro_status)CORO_OK : coro__queue_get_start(q, out);
}
static inline coro_status coro__queue_try_put_now(coro_queue *q, const void *item)
{
    return coro__queue_put_fast(q, item) ? (coro_status)CORO_OK : (coro_queue_try_put)(q, item);
}
static inline coro_status coro__queue_try_get_now(coro_queue *q, void *out)
{
    return coro__queue_get_fast(q, out) ? (coro_status)CORO_OK : (coro_queue_try_get)(q, out);
}
/* task_done that leaves items unfinished (the count from 2 up to 65,534), or
 * the last one when no joiner waits (nobody to wake). */
static inline coro_status coro__queue_task_done_now(coro_queue *q)
{
#if CORO__QUEUE_INLINE
    if (CORO__QUEUE_LIKELY(q != NULL && ((uint16_t)(q->unfinished - 2u) < 0xFFFDu ||
                                         (q->unfinished == 1u && coro_waitq_empty(&q->joiners))))) {
        q->unfinished--;
        return CORO_OK;
    }
#endif
    return (coro_queue_task_done)(q);
}
#define coro_queue_try_put(q, item) coro__queue_try_put_now((q), (item))
#define coro_queue_try_get(q, out) coro__queue_try_get_now((q), (out))
#define coro_queue_task_done(q) coro__queue_task_done_now((q))

/* ---- the interrupt-safe ring ------------------------------------------------ */
typedef CORO_RING_INDEX coro_ring_index;

/* A single-producer / single-consumer ring: an interrupt handler (or another
 * thread) puts, tasks of one loop get. Lock-free: each side writes only its
 * own index. 14 bytes on AVR, 28 on Cortex-M, 48 on x86-64. */
typedef struct coro_ring {
    unsigned char *buf;
    coro_loop *volatile loop;          /* the loop a task waits in, else NULL */
    coro_watch watch;                  /* in that loop meanwhile: its poll hook, armed */
    volatile coro_ring_index head;     /* next to read: the consumer writes it */
    volatile coro_ring_index tail;     /* next to write: the producer writes it */
    coro_ring_index mask;              /* capacity - 1 */
    uint16_t esize;
    coro_waitq waiters;
} coro_ring;

/* Static initializer: buf holds cap elements of esize bytes, cap a power of
 * two (1 .. half the index range). */
#define CORO_RING_INIT(buf, cap, esize) \
    { (unsigned char *)(buf), NULL, CORO_WATCH_INIT, 0, 0, (coro_ring_index)((cap) - 1), \
      (uint16_t)(esize), CORO_WAITQ_INIT }

/* Initialise a ring over buf: cap elements of esize bytes, cap a power of two
 * from 1 to 128 (8-bit index) or 32,768. CORO_ERR_INVALID otherwise. */
CORO_API coro_status coro_ring_init(coro_ring *r, void *buf, size_t cap, size_t esize);
/* Producer side, safe in an interrupt handler or another thread (the only
 * such function): copy *item in, and if a task waits, wake its loop
 * (coro_loop_wakeup). CORO_OK, or CORO_ERR_FULL (nothing stored: count it as
 * an overrun). Never blocks. */
CORO_API coro_status coro_ring_put(coro_ring *r, const void *item);
/* Consumer side (the loop): take the oldest element into *out; CORO_OK or
 * CORO_ERR_EMPTY. Never suspends. */
CORO_API coro_status coro_ring_try_get(coro_ring *r, void *out);
/* Wait for an element and take it into *out. Suspends. Fails only
 * CORO_ERR_CANCELLED (nothing taken). */
#define CORO_RING_GET(self, r, out) \
    CORO_AWAIT_ON(self, coro__ring_get_start((r), (out)), coro__ring_get_resume((r), (out)))
/* Elements stored (a snapshot from either side), capacity. */
static inline size_t coro_ring_count(const coro_ring *r) { return (coro_ring_index)(r->tail - r->head); }
static inline size_t coro_ring_capacity(const coro_ring *r) { return (size_t)r->mask + 1u; }

CORO_API coro_status coro__ring_get_start(coro_ring *r, void *out);
CORO_API coro_status coro__ring_get_resume(coro_ring *r, void *out);
CORO_API void coro__ring_poll(coro_loop *loop, coro_poll *hook);

#ifdef __cplusplus
}
#endif

#endif /* CORO_QUEUE_H */

/* ========================================================================== */
#if defined(CORO_IMPLEMENTATION) && !defined(CORO_QUEUE__IMPLEMENTED)
#define CORO_QUEUE__IMPLEMENTED

#ifdef __cplusplus
extern "C" {
#endif

#if defined(CORO_STATIC)
#define CORO_QUEUE__DEF static
#else
#define CORO_QUEUE__DEF
#endif
/* Keep the heap code out of the FIFO fast path (its registers, its frame),
 * and the copying functions out of their callers: inlined next to a caller's
 * small item, GCC would warn about coro__qcopy's other (dead) sizes. */
#if defined(__GNUC__)
#define CORO_QUEUE__NOINLINE __attribute__((noinline))
#else
#define CORO_QUEUE__NOINLINE
#endif

/* Copy one element: the usual sizes become a single load and store instead
 * of a call to memcpy with a run-time size. */
static void coro__qcopy(void *dst, const void *src, size_t n)
{
    switch (n) {
    case 1: memcpy(dst, src, 1); break;
    case 2: memcpy(dst, src, 2); break;
    case 4: memcpy(dst, src, 4); break;
    case 8: memcpy(dst, src, 8); break;
    default: memcpy(dst, src, n); break;
    }
}

/* Wake the first task of w, if any, to re-check the queue. */
static void coro__queue_wake(coro_waitq *w)
{
    if (!coro_waitq_empty(w)) {
        CORO_REQUIRE(coro_running_loop() != NULL,
                    "coro_queue: used outside the running loop while a task waits on it (use it from tasks "
                    "and callbacks; from an interrupt or a thread, use a coro_ring)");
        coro_waitq_notify(coro_running_loop(), w, CORO_OK);
    }
}

static void coro__queue_wake_all(coro_waitq *w, coro_status st)
{
    if (!coro_waitq_empty(w)) {
        CORO_REQUIRE(coro_running_loop() != NULL,
                    "coro_queue: used outside the running loop while a task waits on it (use it from tasks "
                    "and callbacks; from an interrupt or a thread, use a coro_ring)");
        coro_waitq_notify_all(coro_running_loop(), w, st);
    }
}

CORO_QUEUE__DEF coro_status coro__queue_init(coro_queue *q, int kind, void *buf, size_t cap, size_t esize,
                                            coro_queue_cmp cmp)
{
    CORO_REQUIRE(q != NULL, "coro_queue_init: the queue pointer is NULL");
    if (!buf || cap == 0 || cap > 0xFFFFu || esize == 0 || esize > 0xFFFFu || kind < 0 ||
        kind > CORO_QUEUE_PRIORITY || (kind == CORO_QUEUE_PRIORITY) != (cmp != NULL))
        return CORO_ERR_INVALID;
    q->buf = (unsigned char *)buf;
    q->cmp = cmp;
    q->cap = (uint16_t)cap;
    q->esize = (uint16_t)esize;
    q->head = q->count = q->unfinished = 0;
    coro_waitq_init(&q->getters);
    coro_waitq_init(&q->putters);
    coro_waitq_init(&q->joiners);
    q->flags = (uint8_t)kind;
    return CORO_OK;
}

/* *s is a CORO_QUEUE_OF / CORO_PRIORITY_QUEUE_OF: storage first (offset 0),
 * then the header at the next multiple of its alignment. */
CORO_QUEUE__DEF coro_status coro__queue_init_of(void *s, size_t size, size_t cap, size_t esize, int kind,
                                               coro_queue_cmp cmp)
{
    struct coro__qalign { char c; coro_queue q; };
    size_t align = offsetof(struct coro__qalign, q);
    size_t off = cap * esize + (kind == CORO_QUEUE_PRIORITY ? (size_t)CORO_PRIORITY_SEQ_BYTES * cap : 0u);
    off = (off + align - 1u) / align * align;
    CORO_REQUIRE(s != NULL && off + sizeof(coro_queue) <= size,
                "coro_queue_init_of: NULL, or kind CORO_QUEUE_PRIORITY on a CORO_QUEUE_OF (declare a priority "
                "queue with CORO_PRIORITY_QUEUE_OF)");
    (void)size;
    return coro__queue_init((coro_queue *)(void *)((char *)s + off), kind, s, cap, esize, cmp);
}

/* ---- the priority heap: element i at buf + i*esize, its insertion number in
 * CORO_PRIORITY_SEQ_BYTES bytes at buf + cap*esize + i*that (copied with
 * memcpy: no alignment needed). Order: (cmp, number), smallest at the root. */
static unsigned char *coro__pq_order(const coro_queue *q, unsigned i)
{
    return q->buf + (size_t)q->cap * q->esize + (size_t)CORO_PRIORITY_SEQ_BYTES * i;
}

static coro__queue_seq coro__pq_seq(const coro_queue *q, unsigned i)
{
    coro__queue_seq s;
    CORO__QUEUE_WORK();
    memcpy(&s, coro__pq_order(q, i), sizeof s);
    return s;
}

static void coro__pq_set(coro_queue *q, unsigned i, const void *item, coro__queue_seq seq)
{
    if (item)
        memcpy(q->buf + (size_t)i * q->esize, item, q->esize);
    memcpy(coro__pq_order(q, i), &seq, sizeof seq);
}

/* (a, aseq) leaves before (b, bseq)? */
static int coro__pq_less(const coro_queue *q, const void *a, coro__queue_seq aseq, const void *b,
                         coro__queue_seq bseq)
{
    int c = q->cmp(a, b);
    return c < 0 || (c == 0 && aseq < bseq);
}

/* Element i leaves before element j? */
static int coro__pq_less_at(const coro_queue *q, unsigned i, unsigned j)
{
    size_t es = q->esize;
    return coro__pq_less(q, q->buf + i * es, coro__pq_seq(q, i), q->buf + j * es, coro__pq_seq(q, j));
}

static void coro__qswap(unsigned char *a, unsigned char *b, size_t n)
{
    while (n--) {
        unsigned char t = a[n];
        a[n] = b[n];
        b[n] = t;
    }
}

/* Swap elements i and j with their numbers, byte by byte (no scratch). */
static void coro__pq_swap(coro_queue *q, unsigned i, unsigned j)
{
    size_t es = q->esize;
    coro__qswap(q->buf + i * es, q->buf + j * es, es);
    coro__qswap(coro__pq_order(q, i), coro__pq_order(q, j), CORO_PRIORITY_SEQ_BYTES);
}

/* Renumbering: sift the root down in the heap [0, m), swapping (no scratch). */
static void coro__pq_sift_down(coro_queue *q, unsigned m)
{
    unsigned i = 0, c;
    while ((c = 2u * i + 1u) < m) {
        if (c + 1u < m && coro__pq_less_at(q, c + 1u, c))
            c++;
        if (!coro__pq_less_at(q, c, i))
            break;
        coro__pq_swap(q, i, c);
        i = c;
    }
}

/* The insertion counter ran out (once per 2^(8*CORO_PRIORITY_SEQ_BYTES) - 1 - n
 * puts): renumber the items 0..n-1 keeping their order. In place, no scratch
 * memory, at most 2 n log2(n) compares: the array already is a min-heap, so heapsort's
 * second half sorts it (each round moves the smallest of the first m to slot
 * m-1: descending), a reversal makes it ascending, and an ascending array is
 * a valid min-heap, numbered in that order. Ties keep their relative order
 * because the sort is by (cmp, number), all numbers distinct. */
CORO_QUEUE__NOINLINE static void coro__pq_renumber(coro_queue *q)
{
    unsigned n = q->count, m, i;
    for (m = n; m > 1u; m--) {
        coro__pq_swap(q, 0, m - 1u);
        coro__pq_sift_down(q, m - 1u);
    }
    for (i = 0; i < n / 2u; i++)
        coro__pq_swap(q, i, n - 1u - i);
    for (i = 0; i < n; i++)
        coro__pq_set(q, i, NULL, (coro__queue_seq)i);
    q->head = (coro__queue_seq)n;
}

CORO_QUEUE__NOINLINE static void coro__pq_push(coro_queue *q, const void *item)
{
    unsigned i = q->count;
    coro__queue_seq seq;
    size_t es = q->esize;
    if (q->head == (coro__queue_seq)-1)
        coro__pq_renumber(q);
    seq = q->head++;
    while (i > 0) {
        unsigned p = (i - 1u) / 2u;
        if (!coro__pq_less(q, item, seq, q->buf + p * es, coro__pq_seq(q, p)))
            break;
        coro__pq_set(q, i, q->buf + p * es, coro__pq_seq(q, p));
        i = p;
    }
    coro__pq_set(q, i, item, seq);
}

/* Pop the root into out; the last element sifts down from the root. Moves
 * write below index n, so the last element's bytes stay intact until copied. */
CORO_QUEUE__NOINLINE static void coro__pq_pop(coro_queue *q, void *out)
{
    size_t es = q->esize;
    unsigned n = q->count - 1u, i = 0;
    coro__queue_seq lseq;
    const unsigned char *last = q->buf + n * es;
    memcpy(out, q->buf, es);
    if (n == 0)
        return;
    lseq = coro__pq_seq(q, n);
    for (;;) {
        unsigned c = 2u * i + 1u;
        if (c >= n)
            break;
        if (c + 1u < n && coro__pq_less_at(q, c + 1u, c))
            c++;
        if (!coro__pq_less(q, q->buf + c * es, coro__pq_seq(q, c), last, lseq))
            break;
        coro__pq_set(q, i, q->buf + c * es, coro__pq_seq(q, c));
        i = c;
    }
    coro__pq_set(q, i, last, lseq);
}

/* ---- put / get ------------------------------------------------------------- */
/* try_put's work, the arguments checked: CORO_OK, CORO_ERR_SHUTDOWN or FULL. */
static coro_status coro__queue_put_in(coro_queue *q, const void *item)
{
    unsigned n = q->count;
    if (q->flags & CORO__Q_SHUTDOWN)
        return CORO_ERR_SHUTDOWN;
    if (n == q->cap)
        return CORO_ERR_FULL;
    switch (q->flags & CORO__Q_KIND) {
    case CORO_QUEUE_FIFO: {
        unsigned i = (unsigned)q->head + n; /* the slot after the newest, wrapped once */
        if (i >= q->cap)
            i -= q->cap;
        coro__qcopy(q->buf + (size_t)i * q->esize, item, q->esize);
        break;
    }
    case CORO_QUEUE_LIFO:
        coro__qcopy(q->buf + (size_t)n * q->esize, item, q->esize);
        break;
    default:
        coro__pq_push(q, item);
        break;
    }
    q->count++; /* n is not kept across the calls above: fewer saved registers */
    if (q->unfinished < 0xFFFEu) {
        q->unfinished++;
    } else if (q->unfinished == 0xFFFEu) { /* saturated: join can never be answered */
        q->unfinished = 0xFFFFu;
        coro__queue_wake_all(&q->joiners, CORO_ERR_OVERFLOW);
    }
    coro__queue_wake(&q->getters);
    return CORO_OK;
}

/* try_get's work, the arguments checked: CORO_OK, CORO_ERR_EMPTY or SHUTDOWN. */
static coro_status coro__queue_get_out(coro_queue *q, void *out)
{
    unsigned n = q->count;
    if (n == 0)
        return (q->flags & CORO__Q_SHUTDOWN) ? CORO_ERR_SHUTDOWN : CORO_ERR_EMPTY;
    switch (q->flags & CORO__Q_KIND) {
    case CORO_QUEUE_FIFO: {
        unsigned h = (unsigned)q->head;
        q->head = (coro__queue_seq)(h + 1u == q->cap ? 0u : h + 1u); /* before the copy: h is not kept across it */
        coro__qcopy(out, q->buf + (size_t)h * q->esize, q->esize);
        break;
    }
    case CORO_QUEUE_LIFO:
        coro__qcopy(out, q->buf + (size_t)(n - 1u) * q->esize, q->esize);
        break;
    default:
        coro__pq_pop(q, out);
        break;
    }
    q->count--;
    coro__queue_wake(&q->putters);
    return CORO_OK;
}

CORO_QUEUE__NOINLINE CORO_QUEUE__DEF coro_status (coro_queue_try_put)(coro_queue *q, const void *item)
{
    CORO_REQUIRE(q != NULL && q->cap != 0, "coro_queue: not initialised (call coro_queue_init first)");
    CORO_REQUIRE(item != NULL, "coro_queue put: the item pointer is NULL");
    return coro__queue_put_in(q, item);
}

CORO_QUEUE__NOINLINE CORO_QUEUE__DEF coro_status (coro_queue_try_get)(coro_queue *q, void *out)
{
    CORO_REQUIRE(q != NULL && q->cap != 0, "coro_queue: not initialised (call coro_queue_init first)");
    CORO_REQUIRE(out != NULL, "coro_queue get: the out pointer is NULL");
    return coro__queue_get_out(q, out);
}

CORO_QUEUE__DEF coro_status (coro_queue_task_done)(coro_queue *q)
{
    CORO_REQUIRE(q != NULL && q->cap != 0, "coro_queue: not initialised (call coro_queue_init first)");
    if (q->unfinished == 0)
        return CORO_ERR_UNDERFLOW;
    if (q->unfinished == 0xFFFFu) /* saturated: counts were lost, it stays */
        return CORO_OK;
    if (--q->unfinished == 0)
        coro__queue_wake_all(&q->joiners, CORO_OK);
    return CORO_OK;
}

CORO_QUEUE__DEF void coro_queue_shutdown(coro_queue *q, int immediate)
{
    CORO_REQUIRE(q != NULL && q->cap != 0, "coro_queue: not initialised (call coro_queue_init first)");
    q->flags |= CORO__Q_SHUTDOWN;
    if (immediate) {
        if (q->unfinished != 0xFFFFu) /* saturated: it stays */
            q->unfinished = (uint16_t)(q->unfinished > q->count ? q->unfinished - q->count : 0);
        q->count = 0;
        q->head = 0;
        if (q->unfinished == 0)
            coro__queue_wake_all(&q->joiners, CORO_OK);
    }
    coro__queue_wake_all(&q->getters, CORO_OK);
    coro__queue_wake_all(&q->putters, CORO_OK);
}

/* The awaits: try; if it would block, wait in line. On a wake, try again (the
 * item is never handed over). On a failed wake (cancelled, timed out) after a
 * notify had chosen this task, pass the turn on if the queue still allows it,
 * so no wake-up is lost. */
CORO_QUEUE__DEF coro_status coro__queue_put_start(coro_queue *q, const void *item)
{
    CORO_REQUIRE(q != NULL && q->cap != 0, "coro_queue: not initialised (call coro_queue_init first)");
    CORO_REQUIRE(item != NULL, "coro_queue put: the item pointer is NULL");
    if (q->count == q->cap && !(q->flags & CORO__Q_SHUTDOWN)) /* full: wait in line */
        return coro_waitq_wait(&q->putters);
    return coro__queue_put_in(q, item);
}

CORO_QUEUE__DEF coro_status coro__queue_put_resume(coro_queue *q, const void *item)
{
    int chosen;
    coro_status st = coro_waitq_resumed(&chosen);
    if (st != CORO_OK) {
        if (chosen && q->count < q->cap)
            coro__queue_wake(&q->putters);
        return st;
    }
    return coro__queue_put_start(q, item);
}

CORO_QUEUE__DEF coro_status coro__queue_get_start(coro_queue *q, void *out)
{
    CORO_REQUIRE(q != NULL && q->cap != 0, "coro_queue: not initialised (call coro_queue_init first)");
    CORO_REQUIRE(out != NULL, "coro_queue get: the out pointer is NULL");
    if (q->count == 0 && !(q->flags & CORO__Q_SHUTDOWN)) /* empty: wait in line */
        return coro_waitq_wait(&q->getters);
    return coro__queue_get_out(q, out);
}

CORO_QUEUE__DEF coro_status coro__queue_get_resume(coro_queue *q, void *out)
{
    int chosen;
    coro_status st = coro_waitq_resumed(&chosen);
    if (st != CORO_OK) {
        if (chosen && q->count > 0)
            coro__queue_wake(&q->getters);
        return st;
    }
    return coro__queue_get_start(q, out);
}

/* join: like asyncio's Event, a wake by the last task_done ends the wait even
 * if new items arrived before the joiner ran. A saturated count fails it. */
CORO_QUEUE__DEF coro_status coro__queue_join_start(coro_queue *q)
{
    CORO_REQUIRE(q != NULL && q->cap != 0, "coro_queue: not initialised (call coro_queue_init first)");
    if (q->unfinished == 0xFFFFu)
        return CORO_ERR_OVERFLOW;
    return q->unfinished == 0 ? (coro_status)CORO_OK : coro_waitq_wait(&q->joiners);
}

CORO_QUEUE__DEF coro_status coro__queue_join_resume(void)
{
    int chosen;
    return coro_waitq_resumed(&chosen);
}

/* ---- the ring ----------------------------------------------------------------
 * Producer: write the slot, fence, publish tail, fence, read `loop` and wake it.
 * Consumer about to wait: publish `loop`, fence, look at tail again. With the
 * fences between each side's store and load, either the producer sees the
 * loop or the consumer sees the element (no lost wake-up). The ring wakes the
 * loop only while a task waits (`loop` set): a byte nobody waits for costs
 * the producer no wakeup. */
CORO_QUEUE__DEF coro_status coro_ring_init(coro_ring *r, void *buf, size_t cap, size_t esize)
{
    CORO_REQUIRE(r != NULL, "coro_ring_init: the ring pointer is NULL");
    /* half the index range plus one is at most 2^31: no precision lost before the widening */
    /* NOLINTNEXTLINE(bugprone-misplaced-widening-cast) */
    if (!buf || cap == 0 || (cap & (cap - 1u)) || cap > (size_t)((coro_ring_index)-1 / 2u + 1u) || esize == 0 ||
        esize > 0xFFFFu)
        return CORO_ERR_INVALID;
    r->buf = (unsigned char *)buf;
    r->loop = NULL;
    coro_watch_init(&r->watch);
    r->head = r->tail = 0;
    r->mask = (coro_ring_index)(cap - 1u);
    r->esize = (uint16_t)esize;
    coro_waitq_init(&r->waiters);
    return CORO_OK;
}

CORO_QUEUE__NOINLINE CORO_QUEUE__DEF coro_status coro_ring_put(coro_ring *r, const void *item)
{
    coro_ring_index t = r->tail;
    coro_loop *L;
    if ((coro_ring_index)(t - r->head) > r->mask)
        return CORO_ERR_FULL;
    CORO_FENCE(); /* the consumer is done with the slot before we overwrite it */
    coro__qcopy(r->buf + (size_t)(t & r->mask) * r->esize, item, r->esize);
    CORO_FENCE(); /* the element before the index */
    r->tail = (coro_ring_index)(t + 1u);
    CORO_FENCE(); /* the index before looking for a waiter */
    L = r->loop;
    if (L)
        coro_loop_wakeup(L);
    return CORO_OK;
}

CORO_QUEUE__NOINLINE CORO_QUEUE__DEF coro_status coro_ring_try_get(coro_ring *r, void *out)
{
    coro_ring_index h = r->head;
    if (h == r->tail)
        return CORO_ERR_EMPTY;
    CORO_FENCE(); /* the index before the element */
    coro__qcopy(out, r->buf + (size_t)(h & r->mask) * r->esize, r->esize);
    CORO_FENCE(); /* the element read before the slot is given back */
    r->head = (coro_ring_index)(h + 1u);
    return CORO_OK;
}

/* Poll hook, run by the loop after a wakeup: one waiter per element. */
CORO_QUEUE__DEF void coro__ring_poll(coro_loop *L, coro_poll *hook)
{
    coro_ring *r = (coro_ring *)(void *)((char *)hook - offsetof(coro_ring, watch.poll));
    coro_ring_index n = (coro_ring_index)(r->tail - r->head);
    while (n-- && coro_waitq_notify(L, &r->waiters, CORO_OK)) {
    }
}

CORO_QUEUE__DEF coro_status coro__ring_get_start(coro_ring *r, void *out)
{
    coro_loop *L;
    coro_status st = coro_ring_try_get(r, out);
    if (st != CORO_ERR_EMPTY)
        return st;
    st = coro_waitq_wait(&r->waiters);
    if (st != CORO_PENDING)
        return st;
    L = coro_running_loop();
    if (!coro_watch_active(&r->watch)) { /* the first waiter: watch (hook the loop, keep it armed), publish it */
        coro_watch_start(L, &r->watch, coro__ring_poll);
        CORO_CRITICAL_ENTER();
        r->loop = L;
        CORO_CRITICAL_EXIT();
    }
    CORO_REQUIRE(r->loop == L, "coro_ring: tasks of two loops wait on one ring (a ring serves one loop)");
    CORO_FENCE();
    if (r->head != r->tail) /* an element slipped in before the producer could see us */
        coro_loop_wakeup(L);
    return CORO_PENDING;
}

CORO_QUEUE__DEF coro_status coro__ring_get_resume(coro_ring *r, void *out)
{
    int chosen;
    coro_status st = coro_waitq_resumed(&chosen);
    coro_loop *L = r->loop; /* set (the running loop) while tasks wait: the notify below has it */
    if (coro_watch_active(&r->watch) && coro_waitq_empty(&r->waiters)) {
        /* the last waiter: unhook, disarm, then unpublish (a wakeup the
         * producer sends in between finds no hook: harmless, nobody waits) */
        coro_watch_stop(L, &r->watch);
        CORO_CRITICAL_ENTER();
        r->loop = NULL;
        CORO_CRITICAL_EXIT();
    }
    if (st != CORO_OK) {
        if (chosen && r->head != r->tail && !coro_waitq_empty(&r->waiters))
            coro_waitq_notify(L, &r->waiters, CORO_OK);
        return st;
    }
    return coro__ring_get_start(r, out);
}

#ifdef __cplusplus
}
#endif

#endif /* CORO_IMPLEMENTATION */
