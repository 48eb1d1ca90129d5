/**
 * `promise`'s outcome, or a rejection with `timeoutError()` once `ms` have passed first. The timer never outlives
 * the race; the promise itself is not cancelled (whoever abandons it decides what its late outcome means).
 */
export async function withDeadline<T>(promise: Promise<T>, ms: number, timeoutError: () => Error): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(timeoutError()), ms)
      }),
    ])
  } finally {
    clearTimeout(timer)
  }
}
