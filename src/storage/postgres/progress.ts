import type { PgSql } from './connection'
import type { ProgressStore } from '../port'

// TODO(placeholder until implemented): every method throws.
export class PostgresProgressStore {
  constructor(private readonly sql: PgSql) {}
}
