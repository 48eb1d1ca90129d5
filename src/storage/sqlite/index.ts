import type { Storage } from '../port'
import { SqliteCatalogStore } from './catalog'
import { openSqlite } from './connection'
import { SqliteIdempotencyStore } from './idempotency'
import { SqliteOutboxStore } from './outbox'
import { SqliteProgressStore } from './progress'
import { SqliteScoreStore } from './scores'

export function createSqliteStorage(path: string): Storage {
  const { client, db } = openSqlite(path)
  const listeners = new Set<() => void>()
  const announce = () => listeners.forEach((fn) => fn())
  return {
    dialect: 'sqlite',
    catalog: new SqliteCatalogStore(db, announce),
    progress: new SqliteProgressStore(client),
    idempotency: new SqliteIdempotencyStore(client),
    outbox: new SqliteOutboxStore(client),
    scores: new SqliteScoreStore(client),
    async ping() {
      client.query('select 1').get()
    },
    onCatalogChange(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    async close() {
      listeners.clear()
      client.close()
    },
  }
}
