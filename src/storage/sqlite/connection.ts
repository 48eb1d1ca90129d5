import { Database } from 'bun:sqlite'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { drizzle, type BunSQLiteDatabase } from 'drizzle-orm/bun-sqlite'
import { migrate } from 'drizzle-orm/bun-sqlite/migrator'
import * as schema from './schema'
import { migrationsFolder } from '../migrations'

export type SqliteDb = BunSQLiteDatabase<typeof schema>

/** Opens (creating if needed) and migrates the SQLite database; ':memory:' for an in-memory one. */
export function openSqlite(path: string): { client: Database; db: SqliteDb } {
  const inMemory = path === ':memory:'
  if (!inMemory) mkdirSync(dirname(path), { recursive: true })
  const client = new Database(path, { create: true, strict: true })
  client.exec('PRAGMA busy_timeout = 5000')
  if (!inMemory) client.exec('PRAGMA journal_mode = WAL')
  client.exec('PRAGMA synchronous = FULL')
  client.exec('PRAGMA foreign_keys = ON')
  const db = drizzle(client, { schema })
  migrate(db, { migrationsFolder: migrationsFolder('sqlite') })
  return { client, db }
}
