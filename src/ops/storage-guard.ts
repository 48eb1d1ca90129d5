import { StorageCallTimeoutError, StorageUnavailableError } from '../storage/errors'
import type { ProgressOutcome, Storage } from '../storage/port'
import { CircuitBreaker, type CircuitState } from './circuit-breaker'
import { withDeadline } from './deadline'

export interface StorageGuardOptions {
  /**
   * Deadline of one database call on the request path (progress, idempotency, ranks, reads). A call still running
   * then goes on, up to slowCallTimeoutMs, only if the database answers a ping (see awaitCall).
   */
  callTimeoutMs: number
  /** Longest wait for the calls that scan (catalog reloads, rarity, leaderboard rebuild chunks, outbox). */
  slowCallTimeoutMs: number
  /** After the database failed, calls fail at once for this long; then one probe at a time. */
  cooldownMs: number
}

export const DEFAULT_STORAGE_GUARD_OPTIONS: StorageGuardOptions = { callTimeoutMs: 1_000, slowCallTimeoutMs: 5_000, cooldownMs: 1_000 }

/** How long the liveness ping of a call nearing its deadline may take. */
const PING_DEADLINE_MS = 200

/** Calls allowed the slow timeout, by store. */
const SLOW_CALLS: Record<string, ReadonlySet<string>> = {
  catalog: new Set(['all', 'rarity', 'list']),
  scores: new Set(['scan', 'page', 'count']),
  outbox: new Set(['claimDue', 'stats', 'forUser', 'markDelivered', 'markFailed']),
  idempotency: new Set(['prune']),
  progress: new Set(['userAchievements']),
}

// Connection-level failures: the database (or the way to it) is down, not the statement. Query-level errors
// (a statement or lock timeout, a deadlock, a constraint) mean the database answered and leave the circuit closed.
const CONNECTION_CODES = new Set([
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_DESTROYED',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down, in recovery)
  '53300', // too_many_connections
])

const timedOut = (operation: string, ms: number, call: Promise<unknown>) => () =>
  new StorageCallTimeoutError(`database call ${operation} timed out after ${ms} ms`, call)

/** True when the error says the database could not be reached (Drizzle puts the driver's error in `cause`). */
export function isConnectionFailure(error: unknown, depth = 0): boolean {
  if (error instanceof StorageCallTimeoutError) return true
  if (typeof error !== 'object' || error === null || depth > 3) return false
  const { code, cause } = error as { code?: unknown; cause?: unknown }
  if (typeof code === 'string' && (CONNECTION_CODES.has(code) || code.startsWith('08'))) return true
  return isConnectionFailure(cause, depth + 1)
}

export type StorageFailureKind = 'timeout' | 'connection' | 'rejected'

export interface StorageGuardObserver {
  failure(kind: StorageFailureKind, operation: string): void
  /** A call passed its deadline while the database answered a ping: it goes on, up to the slow deadline. */
  slow?(operation: string): void
  /** The circuit opened: calls fail fast from now on. */
  opened?(operation: string, error: unknown): void
  /** The database answered again after the circuit had opened. */
  closed?(): void
}

export interface GuardedStorage extends Storage {
  /** The circuit's state (metrics, tests). */
  readonly circuit: { readonly state: CircuitState; readonly trips: number }
}

/**
 * Wraps every storage call with a deadline and a circuit breaker, so that a database that is down or stalled
 * gives a StorageUnavailableError (a 503 with Retry-After) within about a second instead of requests queueing
 * on the pool until their clients give up. A call that misses its deadline is abandoned, not cancelled: it
 * may still complete later (which is why a 503 on a write means "unknown outcome": retry with the same
 * Idempotency-Key). A database that still answers a ping is slow, not down (a commit waiting on a disk flush,
 * a statement waiting for a lock): its call goes on, up to the slow deadline, and the circuit stays closed.
 * ping() always reaches the database (readiness), and its answer moves the circuit too.
 */
export function guardStorage(
  storage: Storage,
  options: StorageGuardOptions = DEFAULT_STORAGE_GUARD_OPTIONS,
  observer: StorageGuardObserver = { failure() {} },
): GuardedStorage {
  const breaker = new CircuitBreaker(options.cooldownMs)

  async function guarded<T>(operation: string, timeoutMs: number, call: () => Promise<T>, bypass = false): Promise<T> {
    const admission = bypass ? 'pass' : breaker.admit()
    if (admission === 'reject') {
      observer.failure('rejected', operation)
      throw new StorageUnavailableError('database unavailable (failing fast after recent failures)')
    }
    let started: Promise<T> | undefined
    try {
      started = call()
      const result = await awaitCall(operation, started, timeoutMs, !bypass)
      const failure = batchFailure(result)
      if (failure) record(operation, failure)
      else succeeded()
      return result
    } catch (error) {
      if (error instanceof StorageCallTimeoutError) started?.catch(() => {}) // abandoned; may still settle
      record(operation, error)
      throw error
    } finally {
      breaker.released(admission)
    }
  }

  /**
   * The call's outcome within its deadline; past it, when `mayGoOn`, within the slow deadline if the database
   * answers a ping sent shortly before the deadline (so a database that hangs still fails the call at its deadline).
   * Seen on a VM disk: one WAL flush took a second; failing that batch would have left its posts' outcomes unknown
   * (they committed) and opened the circuit, refusing every post for the next second.
   */
  async function awaitCall<T>(operation: string, started: Promise<T>, timeoutMs: number, mayGoOn: boolean): Promise<T> {
    const longest = options.slowCallTimeoutMs
    if (!mayGoOn || timeoutMs >= longest) return withDeadline(started, timeoutMs, timedOut(operation, timeoutMs, started))
    let alive: Promise<boolean> | null = null
    const pingTimer = setTimeout(() => (alive = answersPing()), Math.max(0, timeoutMs - PING_DEADLINE_MS))
    try {
      return await withDeadline(started, timeoutMs, timedOut(operation, timeoutMs, started))
    } catch (error) {
      if (!(error instanceof StorageCallTimeoutError) || !(await (alive ?? answersPing()))) throw error
      observer.slow?.(operation)
      return await withDeadline(started, longest - timeoutMs, timedOut(operation, longest, started))
    } finally {
      clearTimeout(pingTimer)
    }
  }

  let pingInFlight: Promise<boolean> | null = null
  /** Whether the database answers `select 1` within PING_DEADLINE_MS; concurrent askers share one ping. */
  function answersPing(): Promise<boolean> {
    pingInFlight ??= withDeadline(storage.ping(), PING_DEADLINE_MS, () => new Error('no answer'))
      .then(
        () => true,
        () => false,
      )
      .finally(() => (pingInFlight = null))
    return pingInFlight
  }

  function record(operation: string, error: unknown): void {
    if (isConnectionFailure(error)) {
      const wasClosed = breaker.state === 'closed'
      breaker.failed()
      observer.failure(error instanceof StorageCallTimeoutError ? 'timeout' : 'connection', operation)
      if (wasClosed) observer.opened?.(operation, error)
    } else {
      // The database answered (with an error about this statement): it is up.
      succeeded()
    }
  }

  function succeeded(): void {
    const wasOpen = breaker.state !== 'closed'
    breaker.succeeded()
    if (wasOpen) observer.closed?.()
  }

  function guardStore<T extends object>(storeName: string, store: T): T {
    const slow = SLOW_CALLS[storeName] ?? new Set<string>()
    const wrapped = new Map<PropertyKey, unknown>()
    return new Proxy(store, {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, receiver)
        if (typeof value !== 'function' || typeof property !== 'string') return value
        let wrapper = wrapped.get(property)
        if (!wrapper) {
          const operation = `${storeName}.${property}`
          const timeoutMs = slow.has(property) ? options.slowCallTimeoutMs : options.callTimeoutMs
          wrapper = (...args: unknown[]) => guarded(operation, timeoutMs, () => Promise.resolve(value.apply(target, args)))
          wrapped.set(property, wrapper)
        }
        return wrapper
      },
    })
  }

  return {
    dialect: storage.dialect,
    catalog: guardStore('catalog', storage.catalog),
    progress: guardStore('progress', storage.progress),
    idempotency: guardStore('idempotency', storage.idempotency),
    outbox: guardStore('outbox', storage.outbox),
    scores: guardStore('scores', storage.scores),
    ping: () => guarded('ping', options.callTimeoutMs, () => storage.ping(), true),
    onCatalogChange: (listener) => storage.onCatalogChange(listener),
    close: () => storage.close(),
    circuit: {
      get state() {
        return breaker.state
      },
      get trips() {
        return breaker.trips
      },
    },
  }
}

/** ProgressStore.applyBatch reports a failed batch as outcomes, not as a throw. */
function batchFailure(result: unknown): unknown {
  if (!Array.isArray(result)) return null
  for (const item of result as unknown[]) {
    const outcome = item as Partial<ProgressOutcome> | null
    if (outcome && typeof outcome === 'object' && outcome.ok === false && isConnectionFailure((outcome as { error: unknown }).error)) {
      return (outcome as { error: unknown }).error
    }
  }
  return null
}
