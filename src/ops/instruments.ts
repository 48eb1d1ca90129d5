import type { CatalogCache } from '../catalog/cache'
import type { Leaderboard } from '../leaderboard/build'
import type { RankTracker } from '../leaderboard/model'
import type { UnlockNotifications } from '../notifications/service'
import type { ProgressService } from '../progress/service'
import type { RateLimiter } from '../ratelimit/model'
import { RedisRateLimiter } from '../ratelimit/redis'
import type { OutboxStore } from '../storage/port'
import type { UserDirectory, UserProfile } from '../users/model'
import type { Lifecycle } from './lifecycle'
import type { Logger } from './logger'
import type { MetricsRegistry } from './metrics'
import type { GuardedStorage, StorageGuardObserver } from './storage-guard'
import { readSchedstat } from './schedstat'

/** What a component exposes for counting calls to the user service (CachingUserDirectory.lookups). */
interface CountsLookups {
  readonly lookups: number
}

const hasLookupCount = (value: object): value is CountsLookups => typeof (value as { lookups?: unknown }).lookups === 'number'

/**
 * Counts the ids the leaderboard asks names for; with the caching directory's own count of user-service
 * lookups this gives the cache hit ratio. Answers are passed through unchanged.
 */
export function meterUserDirectory(directory: UserDirectory, registry: MetricsRegistry): UserDirectory {
  if (!hasLookupCount(directory)) return directory // no user service: nothing is looked up or cached
  const requested = registry.counter('achievement_user_names_requested_total', 'Player ids whose names the leaderboard asked for')
  const lookups = registry.counter('achievement_user_service_lookups_total', 'Calls made to the user service (cache misses)')
  const ratio = registry.gauge(
    'achievement_user_cache_hit_ratio',
    'Share of requested names answered from the in-process cache since start (1 - lookups / requested)',
  )
  let asked = 0
  registry.addCollector({
    name: 'user_cache',
    collect() {
      const made = directory.lookups
      requested.setTotal(undefined, asked)
      lookups.setTotal(undefined, made)
      ratio.set(undefined, asked === 0 ? 1 : Math.max(0, 1 - made / asked))
    },
  })
  return {
    profiles(userIds: readonly string[]): Promise<Map<string, UserProfile>> {
      asked += new Set(userIds).size
      return directory.profiles(userIds)
    },
  }
}

const WRITE_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1]

/**
 * Times each committed total's trip to the leaderboard (the coalescing window plus the Redis write, or the
 * database rank read without Redis): the lag between a commit and the board showing it. `unranked` counts
 * writes answered without a rank (Redis down or slow, board being rebuilt).
 */
export function meterRankTracker(tracker: RankTracker, registry: MetricsRegistry): RankTracker {
  const lag = registry.histogram(
    'achievement_leaderboard_write_seconds',
    'Time from a committed total to the leaderboard acknowledging it (rank known or given up)',
    [],
    WRITE_BUCKETS_SECONDS,
  )
  const writes = registry.counter('achievement_leaderboard_writes_total', 'Committed totals submitted to the leaderboard, by outcome', [
    'outcome',
  ])
  return {
    async submit(userId: string, totalPoints: number): Promise<number | null> {
      const started = performance.now()
      const rank = await tracker.submit(userId, totalPoints)
      lag.observe(undefined, (performance.now() - started) / 1000)
      writes.inc({ outcome: rank === null ? 'unranked' : 'ranked' })
      return rank
    },
    rankOf: (userId, totalPoints) => tracker.rankOf(userId, totalPoints),
  }
}

export function storageGuardObserver(registry: MetricsRegistry, logger: Logger): StorageGuardObserver {
  const failures = registry.counter(
    'achievement_storage_failures_total',
    'Database calls that failed for want of the database: timeout, connection (refused, reset, shut down) or rejected (circuit open)',
    ['kind'],
  )
  const slowCalls = registry.counter(
    'achievement_storage_slow_calls_total',
    'Database calls that passed their deadline while the database answered a ping, and so went on waiting',
    ['operation'],
  )
  return {
    failure: (kind) => failures.inc({ kind }),
    slow: (operation) => {
      slowCalls.inc({ operation })
      logger.info('database call past its deadline; the database answers pings, so it goes on', { operation })
    },
    opened: (operation, error) => logger.warn('database unavailable: failing fast until it answers again', { operation, error }),
    closed: () => logger.info('database answers again'),
  }
}

const BATCH_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200]
/**
 * Fine below 50 ms, where the progress stages and the event-loop delay live, so that their quantiles can be read
 * off the buckets.
 */
export const FINE_LATENCY_BUCKETS_SECONDS = [
  0.0005, 0.001, 0.002, 0.003, 0.004, 0.005, 0.006, 0.008, 0.01, 0.012, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05, 0.075, 0.1,
  0.25, 0.5, 1, 2.5,
]

export interface ObservedParts {
  lifecycle: Lifecycle
  storage: { outbox: OutboxStore; circuit?: GuardedStorage['circuit'] }
  progress: ProgressService
  catalogCache: CatalogCache
  leaderboard: Leaderboard
  notifications: UnlockNotifications
  rateLimiter: RateLimiter
}

/** Scrape-time samples and event hooks of the service's parts. */
export function observeService(parts: ObservedParts, registry: MetricsRegistry): void {
  const { lifecycle, storage, progress, catalogCache, leaderboard, notifications, rateLimiter } = parts

  const batchSize = registry.histogram('achievement_progress_batch_size', 'Progress commands committed per transaction (group commit)', [], BATCH_BUCKETS)
  const stageSeconds = registry.histogram(
    'achievement_progress_stage_seconds',
    "Where a progress post's time goes: commit (queued to committed, per post), admission (queued to allowed by " +
      "the rate limit, part of commit), statement (a batch's statement, per batch), rank (leaderboard write after " +
      'the commit, per post)',
    ['stage'],
    FINE_LATENCY_BUCKETS_SECONDS,
  )
  progress.onBatch = (size, seconds) => {
    batchSize.observe(undefined, size)
    stageSeconds.observe({ stage: 'statement' }, seconds)
  }
  progress.onStage = (stage, seconds) => stageSeconds.observe({ stage }, seconds)

  const inFlight = registry.gauge('http_requests_in_flight', 'Requests accepted and not yet answered')
  const draining = registry.gauge('achievement_draining', '1 while shutting down: readiness fails and new requests get 503')
  const refused = registry.counter('achievement_requests_refused_while_draining_total', 'Requests answered 503 because the process is shutting down')
  registry.addCollector({
    name: 'lifecycle',
    collect() {
      inFlight.set(undefined, lifecycle.inFlight)
      draining.set(undefined, lifecycle.draining ? 1 : 0)
      refused.setTotal(undefined, lifecycle.refused)
    },
  })

  const pending = registry.gauge('achievement_outbox_pending', 'Unlock notifications waiting to be delivered')
  const parked = registry.gauge('achievement_outbox_parked', 'Unlock notifications given up after the attempt cap or a rejection')
  const oldestAge = registry.gauge('achievement_outbox_oldest_pending_age_seconds', 'Age of the oldest pending notification (0 when none)')
  registry.addCollector({
    name: 'outbox',
    clears: [pending, parked, oldestAge],
    async collect() {
      const stats = await storage.outbox.stats()
      pending.set(undefined, stats.pending)
      parked.set(undefined, stats.parked)
      oldestAge.set(undefined, stats.oldestPendingAt ? Math.max(0, (Date.now() - stats.oldestPendingAt.getTime()) / 1000) : 0)
    },
  })

  const dispatcher = notifications.dispatcher
  if (dispatcher) {
    const outcomes = registry.counter('achievement_notifications_total', 'Delivery outcomes recorded by this instance', ['outcome'])
    const delivering = registry.gauge('achievement_notifications_in_flight', 'Notification deliveries in progress')
    registry.addCollector({
      name: 'notifications',
      collect() {
        const counts = dispatcher.counters
        outcomes.setTotal({ outcome: 'delivered' }, counts.delivered)
        outcomes.setTotal({ outcome: 'retried' }, counts.retried)
        outcomes.setTotal({ outcome: 'parked' }, counts.parked)
        delivering.set(undefined, dispatcher.inFlightCount)
      },
    })
  }

  const definitions = registry.gauge('achievement_catalog_cached_definitions', 'Achievement definitions in the in-process cache')
  registry.addCollector({ name: 'catalog', collect: () => definitions.set(undefined, catalogCache.size()) })

  const fromDatabase = registry.gauge(
    'achievement_leaderboard_database_fallback',
    '1 while leaderboard reads are served by the database (no Redis configured, Redis down, or the board being rebuilt)',
  )
  const redis = leaderboard.redis
  if (redis) {
    const redisUp = registry.gauge('achievement_leaderboard_redis_usable', '1 while the Redis connection is up and its circuit closed')
    const rebuilds = registry.counter('achievement_leaderboard_rebuilds_total', 'Redis board rebuilds from the database completed by this instance')
    const batches = registry.counter('achievement_leaderboard_write_batches_total', 'Coalesced score write batches sent to Redis')
    registry.addCollector({
      name: 'leaderboard',
      collect() {
        fromDatabase.set(undefined, redis.keeper.trusted() ? 0 : 1)
        redisUp.set(undefined, redis.link.usable() ? 1 : 0)
        rebuilds.setTotal(undefined, redis.keeper.rebuilds)
        batches.setTotal(undefined, redis.writer.batchesSent)
      },
    })
  } else {
    fromDatabase.set(undefined, 1)
  }

  if (rateLimiter instanceof RedisRateLimiter) {
    const calls = registry.counter('achievement_rate_limit_redis_calls_total', 'Script calls the shared rate limiter sent to Redis (one per batch of checks)')
    const checks = registry.counter('achievement_rate_limit_redis_checks_total', 'Rate-limit checks those calls carried')
    const failOpen = registry.counter(
      'achievement_rate_limit_fail_open_checks_total',
      "Rate-limit checks answered by this instance's own buckets because Redis failed, was too slow, or had just failed",
    )
    registry.addCollector({
      name: 'rate_limit',
      collect() {
        const stats = rateLimiter.stats
        calls.setTotal(undefined, stats.scriptCalls)
        checks.setTotal(undefined, stats.checks)
        failOpen.setTotal(undefined, stats.fallbackChecks)
      },
    })
  }

  const circuit = storage.circuit
  if (circuit) {
    const open = registry.gauge('achievement_storage_circuit_open', '1 while database calls fail fast after a failure (open or probing)')
    const trips = registry.counter('achievement_storage_circuit_trips_total', 'Times database calls started failing fast')
    registry.addCollector({
      name: 'storage_circuit',
      collect() {
        open.set(undefined, circuit.state === 'closed' ? 0 : 1)
        trips.setTotal(undefined, circuit.trips)
      },
    })
  }

  const resident = registry.gauge('process_resident_memory_bytes', 'Resident memory size in bytes')
  const heap = registry.gauge('process_heap_used_bytes', 'JavaScript heap in use, in bytes')
  const startTime = registry.gauge('process_start_time_seconds', 'Start time of the process since the Unix epoch, in seconds')
  const cpu = registry.counter('process_cpu_seconds_total', 'User and system CPU time spent, in seconds')
  // Where the kernel keeps scheduler statistics (Linux): the latency that event-loop delay shows as "not scheduled".
  const cpuWait = readSchedstat() === null
    ? null
    : registry.counter(
        'achievement_cpu_wait_seconds_total',
        "Time the process's threads were ready to run but waited for a CPU (other processes had the cores), in seconds",
      )
  startTime.set(undefined, Math.round(Date.now() / 1000 - process.uptime()))
  registry.addCollector({
    name: 'process',
    collect() {
      const memory = process.memoryUsage()
      resident.set(undefined, memory.rss)
      heap.set(undefined, memory.heapUsed)
      const used = process.cpuUsage()
      cpu.setTotal(undefined, (used.user + used.system) / 1e6)
      if (cpuWait) {
        const times = readSchedstat()
        if (times) cpuWait.setTotal(undefined, times.waitNs / 1e9)
      }
    },
  })
}
