import type { PgSql } from './connection'
import type { ScoreStore } from '../port'

// TODO(placeholder until implemented): every method throws.
export class PostgresScoreStore {
  constructor(private readonly sql: PgSql) {}
}
