import type { Storage } from '../port'
import { PostgresCatalogStore, CATALOG_CHANNEL } from './catalog'
import { connectPostgres, type PostgresOptions } from './connection'
import { migratePostgres } from './migrate'
import { PostgresIdempotencyStore } from './idempotency'
import { PostgresOutboxStore } from './outbox'
import { PostgresProgressStore } from './progress'
import { PostgresScoreStore } from './scores'

export async function createPostgresStorage(url: string, options: PostgresOptions & { migrate?: boolean } = {}): Promise<Storage> {
  if (options.migrate !== false) await migratePostgres(url)
  const { sql, db } = connectPostgres(url, options)
  const listeners = new Set<() => void>()
  let listening: Promise<{ unlisten: () => Promise<void> }> | null = null
  return {
    dialect: 'postgres',
    catalog: new PostgresCatalogStore(db, sql),
    progress: new PostgresProgressStore(sql),
    idempotency: new PostgresIdempotencyStore(sql),
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
      await sql.end({ timeout: 5 })
    },
  }
}
