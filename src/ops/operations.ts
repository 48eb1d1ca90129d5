import type { CatalogCache } from '../catalog/cache'
import type { Leaderboard } from '../leaderboard/build'
import type { RankTracker } from '../leaderboard/model'
import type { UnlockNotifications } from '../notifications/service'
import type { ProgressService } from '../progress/service'
import type { RateLimiter } from '../ratelimit/model'
import type { Storage } from '../storage/port'
import type { UserDirectory } from '../users/model'
import { EventLoopDelayMonitor } from './event-loop-delay'
import { registerHttpMetrics, type HttpMetrics } from './http-observer'
import { FINE_LATENCY_BUCKETS_SECONDS, meterRankTracker, meterUserDirectory, observeService, storageGuardObserver } from './instruments'
import { Lifecycle } from './lifecycle'
import type { Logger } from './logger'
import { MetricsRegistry } from './metrics'
import { DEFAULT_READINESS_TIMEOUT_MS, Readiness, type DependencyCheck } from './readiness'
import { DEFAULT_STORAGE_GUARD_OPTIONS, guardStorage, type GuardedStorage, type StorageGuardOptions } from './storage-guard'

/** Operations knobs (env in src/ops/tuning.ts, or set by tests). */
export interface OpsTuning {
  storageGuard?: Partial<StorageGuardOptions>
  readinessTimeoutMs?: number
}

/** What the HTTP layer needs from operations (AppDeps.ops). */
export interface OpsDeps {
  lifecycle: Lifecycle
  metrics: MetricsRegistry
  http: HttpMetrics
  readiness: Readiness
}

/**
 * Operations for one service instance: its lifecycle (drain on shutdown), the metrics registry, readiness,
 * and the wrappers that guard or measure other parts. Built first by the composition root, which passes the
 * parts through it as it builds them.
 */
export class Operations {
  readonly lifecycle = new Lifecycle()
  readonly metrics = new MetricsRegistry()
  readonly http: HttpMetrics = registerHttpMetrics(this.metrics)
  private checks: DependencyCheck[] = []
  readonly readiness: Readiness
  private readonly eventLoopDelay: EventLoopDelayMonitor

  constructor(
    private readonly logger: Logger,
    private readonly tuning: OpsTuning = {},
  ) {
    this.readiness = new Readiness(this.checks, this.lifecycle, logger, tuning.readinessTimeoutMs ?? DEFAULT_READINESS_TIMEOUT_MS)
    const delay = this.metrics.histogram(
      'achievement_event_loop_delay_seconds',
      'How late a 10 ms timer fires: time the event loop was busy or the process not scheduled, which every request waited too',
      [],
      FINE_LATENCY_BUCKETS_SECONDS,
    )
    this.eventLoopDelay = new EventLoopDelayMonitor((seconds) => delay.observe(undefined, seconds))
  }

  /** Starts the background samplers. */
  start(): void {
    this.eventLoopDelay.start()
  }

  stop(): void {
    this.eventLoopDelay.stop()
  }

  /** Postgres calls get deadlines and fail fast after failures; SQLite (in process) is returned as is. */
  guardStorage(storage: Storage): Storage | GuardedStorage {
    if (storage.dialect !== 'postgres') return storage
    return guardStorage(storage, { ...DEFAULT_STORAGE_GUARD_OPTIONS, ...this.tuning.storageGuard }, storageGuardObserver(this.metrics, this.logger))
  }

  meterUserDirectory(directory: UserDirectory): UserDirectory {
    return meterUserDirectory(directory, this.metrics)
  }

  meterRankTracker(tracker: RankTracker): RankTracker {
    return meterRankTracker(tracker, this.metrics)
  }

  /** Registers the readiness checks and the scrape-time samples of the built service. */
  watch(parts: {
    storage: Storage | GuardedStorage
    progress: ProgressService
    catalogCache: CatalogCache
    leaderboard: Leaderboard
    notifications: UnlockNotifications
    rateLimiter: RateLimiter
  }): OpsDeps {
    const { storage, leaderboard } = parts
    this.checks.push({ name: 'database', check: () => storage.ping() })
    if (leaderboard.redis) this.checks.push({ name: 'redis', check: () => leaderboard.ping() })
    observeService({ ...parts, lifecycle: this.lifecycle, storage }, this.metrics)
    return { lifecycle: this.lifecycle, metrics: this.metrics, http: this.http, readiness: this.readiness }
  }
}
