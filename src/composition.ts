import { createApp, type App, type AppDeps } from './app'
import { DisabledAuthenticator } from './auth/service'
import type { Authenticator } from './auth/model'
import { CatalogCache } from './catalog/cache'
import { RarityCache } from './catalog/rarity'
import { CatalogService } from './catalog/service'
import type { Config } from './config/config'
import { createLogger, type Logger } from './ops/logger'
import { createStorage } from './storage'
import type { Storage } from './storage/port'

/** Knobs that tests turn; production uses the defaults. */
export interface ServiceOptions {
  logger?: Logger
  /** How long rarity counts may be reused (0 = recomputed on every read). */
  rarityTtlMs?: number
  /** Storage to use instead of the one the config names (tests share one database between instances). */
  storage?: Storage
}

export interface Service {
  app: App
  deps: AppDeps
  storage: Storage
  config: Config
  /** Starts background work: caches, the outbox dispatcher, the leaderboard writer. */
  start(): Promise<void>
  /** Stops background work, flushing what can be flushed, and closes connections. */
  stop(): Promise<void>
}

/** The composition root: builds every dependency from the config and hands them to createApp. */
export async function buildService(config: Config, options: ServiceOptions = {}): Promise<Service> {
  const logger = options.logger ?? createLogger({ base: { service: 'achievement-service', instance: config.instanceId } })
  const storage = options.storage ?? (await createStorage(config.database))
  const ownsStorage = options.storage === undefined

  const authenticator: Authenticator = new DisabledAuthenticator()
  const catalogCache = new CatalogCache(storage.catalog)
  const rarity = new RarityCache(storage.catalog, options.rarityTtlMs ?? 5_000)
  const catalog = new CatalogService(storage.catalog, storage.progress, catalogCache, rarity)

  const deps: AppDeps = {
    maxBodyBytes: config.maxBodyBytes,
    logger,
    authenticator,
    catalog,
  }
  const app = createApp(deps)

  let unsubscribeCatalog: (() => void) | null = null
  return {
    app,
    deps,
    storage,
    config,
    async start() {
      unsubscribeCatalog = storage.onCatalogChange(() => void catalogCache.reload().catch(() => {}))
      await catalogCache.start()
    },
    async stop() {
      unsubscribeCatalog?.()
      catalogCache.stop()
      if (ownsStorage) await storage.close()
    },
  }
}
