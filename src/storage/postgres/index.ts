import type { Storage } from '../port'
import { PostgresCatalogStore, CATALOG_CHANNEL } from './catalog'
import { connectPostgres, type PostgresOptions } from './connection'
import { migratePostgres } from './migrate'
import { PostgresIdempotencyStore } from './idempotency'
import { PostgresOutboxStore } from './outbox'
import { PostgresProgressStore } from './progress'
import { PostgresScoreStore } from './scores'

/** Batches committing at once (the group committer's maxInFlight) plus the one-by-one retries of a failed batch. */
const PROGRESS_POOL_SIZE = 4
/** Idempotency claims and stored responses: one keyed post in twenty in the bench's mix, each a short statement. */
const IDEMPOTENCY_POOL_SIZE = 4

/** The application_name of a side pool's connections in pg_stat_activity (`work`: 'progress', 'idempotency'). */
export const sidePoolName = (work: string, base = 'achievement-service') => `${base}-${work}`

export async function createPostgresStorage(url: string, options: PostgresOptions & { migrate?: boolean } = {}): Promise<Storage> {
  if (options.migrate !== false) await migratePostgres(url)
  const { sql, db } = connectPostgres(url, options)
  /** A small pool of its own for one kind of work, named after it in pg_stat_activity. */
  const sidePool = (work: string, settings: PostgresOptions) => {
    const applicationName = sidePoolName(work, options.applicationName)
    return connectPostgres(url, { ...options, ...settings, applicationName }).sql
  }
  // The group-commit writes get their own small pool whose statements are planned once (see planCacheMode); the
  // other queries keep custom plans, which partial indexes like the outbox's need.
  const progressSql = sidePool('progress', { max: PROGRESS_POOL_SIZE, planCacheMode: 'force_generic_plan' })
  // Idempotency bookkeeping commits without waiting for its WAL flush (synchronous_commit = off); nothing
  // durable depends on it alone. A claim precedes its work: the work's own durable commit flushes the WAL up to
  // and past the claim, and work that never commits needs no claim. A stored response can be rebuilt from the
  // outcome the work stored itself, and a lost release leaves a claim whose lease runs out.
  const idempotencySql = sidePool('idempotency', { max: IDEMPOTENCY_POOL_SIZE, synchronousCommit: 'off' })
  const listeners = new Set<() => void>()
  let listening: Promise<{ unlisten: () => Promise<void> }> | null = null
  return {
    dialect: 'postgres',
    catalog: new PostgresCatalogStore(db, sql),
    progress: new PostgresProgressStore(progressSql),
    idempotency: new PostgresIdempotencyStore(idempotencySql),
    outbox: new PostgresOutboxStore(sql),
    scores: new PostgresScoreStore(sql),
    async ping() {
      await sql`select 1`
    },
    onCatalogChange(listener) {
      listeners.add(listener)
      // postgres.js re-listens by itself after a reconnect; onlisten fires then too, so a change missed
      // while disconnected is picked up by reloading.
      listening ??= sql.listen(
        CATALOG_CHANNEL,
        () => listeners.forEach((fn) => fn()),
        () => listeners.forEach((fn) => fn()),
      )
      listening.catch(() => {
        listening = null
      })
      return () => listeners.delete(listener)
    },
    async close() {
      listeners.clear()
      await Promise.all([sql.end({ timeout: 5 }), progressSql.end({ timeout: 5 }), idempotencySql.end({ timeout: 5 })])
    },
  }
}
