import { createApp, type App, type AppDeps } from './app'
import { createAuthenticator } from './auth/factory'
import type { Authenticator } from './auth/model'
import { CatalogCache } from './catalog/cache'
import { RarityCache } from './catalog/rarity'
import { CatalogService } from './catalog/service'
import type { Config } from './config/config'
import { createLogger, type Logger } from './ops/logger'
import { Operations, type OpsTuning } from './ops/operations'
import { createUnlockNotifications, type NotificationTuning } from './notifications/service'
import { createRateLimiter } from './ratelimit/factory'
import type { RateLimiter } from './ratelimit/model'
import type { RankTracker } from './leaderboard/model'
import type { UnlockNotifier } from './notifications/model'
import { buildLeaderboard, type LeaderboardTuning } from './leaderboard/build'
import { createUserDirectory } from './users/directory'
import { IdempotencyPruner } from './progress/idempotency-pruner'
import { OverviewService } from './progress/overview'
import { ProgressService } from './progress/service'
import type { GroupCommitOptions } from './progress/group-commit'
import { createStorage } from './storage'
import type { Storage } from './storage/port'

/** Knobs that tests turn; production uses the defaults. */
export interface ServiceOptions {
  logger?: Logger
  /** How long rarity counts may be reused (0 = recomputed on every read). */
  rarityTtlMs?: number
  /** Storage to use instead of the one the config names (tests share one database between instances). */
  storage?: Storage
  /** Outbox dispatcher knobs (poll interval, lease, backoff, delivery timeout). */
  notifications?: NotificationTuning
  /** Rate limiter to use instead of the one the config builds (e.g. one with a test clock). */
  rateLimiter?: RateLimiter
  /** Leaderboard knobs (Redis timeouts, write window, marker check interval). */
  leaderboard?: LeaderboardTuning
  /** Storage call deadlines and fail-fast cooldown, readiness timeout. */
  ops?: OpsTuning
  /** Group commit of progress posts on Postgres, over the defaults below (SQLite always commits one batch at a time). */
  groupCommit?: Partial<GroupCommitOptions>
}

export interface Service {
  app: App
  deps: AppDeps
  storage: Storage
  config: Config
  /** The ranks progress and overview use (tests drive the leaderboard through it). */
  rankTracker: RankTracker
  /** Wakes the outbox dispatcher (tests). */
  unlockNotifier: UnlockNotifier
  /** Starts background work: caches, the outbox dispatcher, the leaderboard writer. */
  start(): Promise<void>
  /** Stops background work, flushing what can be flushed, and closes connections. */
  stop(): Promise<void>
}

/** The composition root: builds every dependency from the config and hands them to createApp. */
export async function buildService(config: Config, options: ServiceOptions = {}): Promise<Service> {
  const logger = options.logger ?? createLogger({ base: { service: 'achievement-service', instance: config.instanceId } })
  const ops = new Operations(logger, options.ops)
  const storage = options.storage ?? ops.guardStorage(await createStorage(config.database))
  const ownsStorage = options.storage === undefined

  const authenticator: Authenticator = createAuthenticator(config.jwt)
  const rateLimits = options.rateLimiter
    ? { limiter: options.rateLimiter, start: async () => {}, close: async () => {} }
    : createRateLimiter(config.rateLimit, config.redisUrl, logger)
  const catalogCache = new CatalogCache(storage.catalog)
  const rarity = new RarityCache(storage.catalog, options.rarityTtlMs ?? 5_000)
  const catalog = new CatalogService(storage.catalog, storage.progress, catalogCache, rarity)

  const notifications = createUnlockNotifications({
    serviceUrl: config.notificationServiceUrl,
    owner: config.instanceId,
    store: storage.outbox,
    logger,
    tuning: options.notifications,
  })

  const leaderboard = buildLeaderboard({
    redisUrl: config.redisUrl,
    key: config.leaderboardKey,
    scores: storage.scores,
    users: ops.meterUserDirectory(createUserDirectory(config.userServiceUrl)),
    logger,
    tuning: options.leaderboard,
  })
  const rankTracker: RankTracker = ops.meterRankTracker(leaderboard.rankTracker)

  const progress = new ProgressService({
    store: storage.progress,
    idempotency: storage.idempotency,
    catalog: catalogCache,
    rarity,
    rankTracker,
    notifier: notifications.notifier,
    logger,
    step: config.starTokenScoreStep,
    // One batch at a time. SQLite commits synchronously; on Postgres, overlapping batches measured fewer posts and a
    // higher p99 (each one more backend competing with the service for the CPU, and one more statement's fixed
    // cost), so overlap is a knob (maxInFlight, minOverlappingBatch), not the default.
    groupCommit: storage.dialect === 'postgres'
      ? { maxBatch: 200, maxInFlight: 1, minOverlappingBatch: 8, ...options.groupCommit }
      : { maxBatch: options.groupCommit?.maxBatch ?? 200, maxInFlight: 1 },
  })
  const idempotencyPruner = new IdempotencyPruner(storage.idempotency, config.idempotencyRetentionHours * 3_600_000, logger)
  const overview = new OverviewService(storage.progress, catalogCache, rankTracker, config.starTokenScoreStep)

  const deps: AppDeps = {
    maxBodyBytes: config.maxBodyBytes,
    logger,
    authenticator,
    rateLimiter: rateLimits.limiter,
    catalog,
    progress,
    overview,
    leaderboard: leaderboard.service,
    leaderboardRebuild: leaderboard,
    ops: ops.watch({ storage, progress, catalogCache, leaderboard, notifications, rateLimiter: rateLimits.limiter }),
  }
  const app = createApp(deps)

  let unsubscribeCatalog: (() => void) | null = null
  return {
    app,
    deps,
    storage,
    config,
    rankTracker,
    unlockNotifier: notifications.notifier,
    async start() {
      ops.start()
      unsubscribeCatalog = storage.onCatalogChange(() => void catalogCache.reload().catch(() => {}))
      await catalogCache.start()
      notifications.start()
      idempotencyPruner.start()
      await rateLimits.start()
      // A previous process may have died (SIGKILL, OOM) between a commit and its Redis write: the board may be
      // behind the database, so it is rebuilt once at start (reads use the database meanwhile).
      leaderboard.redis?.keeper.writeLost()
      leaderboard.start()
    },
    async stop() {
      unsubscribeCatalog?.()
      await progress.drain()
      await leaderboard.stop()
      catalogCache.stop()
      idempotencyPruner.stop()
      await notifications.stop()
      await rateLimits.close()
      if (ownsStorage) await storage.close()
      ops.stop()
    },
  }
}
