import type { PgSql } from './connection'
import type { OutboxStore } from '../port'

// TODO(placeholder until implemented): every method throws.
export class PostgresOutboxStore {
  constructor(private readonly sql: PgSql) {}
}
