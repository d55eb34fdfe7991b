/* coro_queue.h - Queue, LifoQueue and PriorityQueue over user storage for
 * coro.h.   v0.1.0
 *
 * Placeholder: the queues arrive with their own issue. Built only on the
 * public API of coro.h (coro_waitq_*).
 */
#ifndef CORO_QUEUE_H
#define CORO_QUEUE_H
#include "coro.h"
#endif /* CORO_QUEUE_H */
