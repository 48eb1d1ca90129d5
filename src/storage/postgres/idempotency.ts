import type { PgSql } from './connection'
import type { IdempotencyStore } from '../port'

// TODO(placeholder until implemented): every method throws.
export class PostgresIdempotencyStore {
  constructor(private readonly sql: PgSql) {}
}
