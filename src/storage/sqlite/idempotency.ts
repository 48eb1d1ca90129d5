import type { Database } from 'bun:sqlite'
import type { IdempotencyStore } from '../port'

// TODO(placeholder until implemented): every method throws.
export class SqliteIdempotencyStore {
  constructor(private readonly client: Database) {}
}
