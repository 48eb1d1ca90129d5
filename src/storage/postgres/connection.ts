import postgres from 'postgres'
import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js'
import * as schema from './schema'

export type PgSql = postgres.Sql<Record<string, never>>
export type PgDb = PostgresJsDatabase<typeof schema>

export interface PostgresOptions {
  /** Pool size. */
  max?: number
  /** Seconds to wait for a connection to open. */
  connectTimeoutSec?: number
  /** Server-side cap on one statement, in ms. */
  statementTimeoutMs?: number
  /** Server-side cap on waiting for a row lock, in ms. */
  lockTimeoutMs?: number
  applicationName?: string
  /**
   * Postgres' plan_cache_mode. 'force_generic_plan' plans each prepared statement once per connection; under
   * 'auto' Postgres re-plans a statement whose custom plans look cheaper than its generic plan, which for the
   * group-commit statement (many CTEs, array parameters of varying length) costs ~2 ms of CPU per execution.
   */
  planCacheMode?: 'auto' | 'force_generic_plan'
  /**
   * Postgres' synchronous_commit. 'off' answers a commit before its WAL is flushed: only for writes whose
   * durability rides on a later durable commit, or that can be lost without harm (see createPostgresStorage).
   */
  synchronousCommit?: 'on' | 'off'
}

export function connectPostgres(url: string, options: PostgresOptions = {}): { sql: PgSql; db: PgDb } {
  const sql = postgres(url, {
    max: options.max ?? 10,
    connect_timeout: options.connectTimeoutSec ?? 2,
    idle_timeout: 60,
    max_lifetime: 60 * 30,
    prepare: true,
    onnotice: () => {},
    connection: {
      application_name: options.applicationName ?? 'achievement-service',
      statement_timeout: options.statementTimeoutMs ?? 5000,
      lock_timeout: options.lockTimeoutMs ?? 3000,
      idle_in_transaction_session_timeout: 10000,
      plan_cache_mode: options.planCacheMode ?? 'auto',
      synchronous_commit: options.synchronousCommit ?? 'on',
    },
  }) as unknown as PgSql
  const db = drizzle(sql, { schema })
  return { sql, db }
}

/**
 * drizzle-orm makes postgres.js return timestamps as Postgres text ("2026-11-27 10:00:00.123+00"), so raw
 * queries on the shared client convert them here.
 */
export function asDate(value: string | Date): Date {
  return value instanceof Date ? value : new Date(value)
}

export function asNullableDate(value: string | Date | null): Date | null {
  return value === null ? null : asDate(value)
}
