/* coro_sync.h - Lock, Event, Semaphore, BoundedSemaphore, Condition and an
 * interrupt-safe flag for coro.h.   v0.1.0
 *
 * Placeholder: the primitives arrive with their own issue. Built only on the
 * public API of coro.h (coro_waitq_*), the way pt-sem.h sits on pt.h.
 */
#ifndef CORO_SYNC_H
#define CORO_SYNC_H
#include "coro.h"
#endif /* CORO_SYNC_H */
