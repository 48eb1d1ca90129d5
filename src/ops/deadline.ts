/** A timer firing this much after it was due means the event loop was blocked meanwhile. */
const LATE_MS = 10

/**
 * `promise`'s outcome, or a rejection with `timeoutError()` once `ms` have passed first. The timer never outlives
 * the race; the promise itself is not cancelled (whoever abandons it decides what its late outcome means).
 *
 * A deadline that comes due while the event loop is blocked (a synchronous SQLite commit waiting on a slow disk, a
 * long GC pause) first lets the loop read what arrived meanwhile: timers run before I/O callbacks, so a reply
 * that arrived in time would otherwise lose to a deadline that passed while nothing could run.
 */
export async function withDeadline<T>(promise: Promise<T>, ms: number, timeoutError: () => Error): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        const expire = (dueAt: number) => {
          if (performance.now() - dueAt > LATE_MS) timer = setTimeout(() => expire(performance.now()), 0)
          else reject(timeoutError())
        }
        const dueAt = performance.now() + ms
        timer = setTimeout(() => expire(dueAt), ms)
      }),
    ])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * The timeout for a client's own per-command timer (ioredis' `commandTimeout`) when `withDeadline` enforces the
 * deadline of `deadlineMs`: only a backstop that frees the commands of a connection that hangs, long enough never
 * to fire first (ioredis' timer fires even when the reply is already waiting to be read).
 */
export function backstopTimeoutMs(deadlineMs: number): number {
  return Math.max(1_000, 4 * deadlineMs)
}
