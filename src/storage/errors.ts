/** The database could not be reached or did not answer in time: the request may be retried. */
export class StorageUnavailableError extends Error {
  constructor(message = 'database unavailable', options?: { cause?: unknown }) {
    super(message, options)
  }
}

/**
 * A database call abandoned at its deadline: it was not cancelled and may still complete (a write may commit).
 * `late` settles with its actual outcome.
 */
export class StorageCallTimeoutError extends StorageUnavailableError {
  constructor(
    message: string,
    readonly late: Promise<unknown>,
  ) {
    super(message)
  }
}

/** A progress command's Idempotency-Key is already recorded (by an earlier or a concurrent request): nothing was applied. */
export class IdempotencyKeyTaken extends Error {
  constructor() {
    super('idempotency key already recorded')
  }
}

// postgres.js client-side errors and server SQLSTATEs that mean "not now", not "never".
const UNAVAILABLE_CODES = new Set([
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '57014', // query_canceled (statement_timeout)
  '55P03', // lock_not_available (lock_timeout)
  '53300', // too_many_connections
  '53100', // disk_full
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  'SQLITE_BUSY',
  'SQLITE_BUSY_SNAPSHOT',
  'SQLITE_LOCKED',
  'SQLITE_IOERR',
  'SQLITE_FULL',
])

export function isStorageUnavailable(error: unknown): boolean {
  if (error instanceof StorageUnavailableError) return true
  if (typeof error !== 'object' || error === null) return false
  const code = (error as { code?: unknown }).code
  if (typeof code !== 'string') return false
  return UNAVAILABLE_CODES.has(code) || code.startsWith('08')
}
