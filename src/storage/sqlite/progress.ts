import type { Database } from 'bun:sqlite'
import type { ProgressStore } from '../port'

// TODO(placeholder until implemented): every method throws.
export class SqliteProgressStore {
  constructor(private readonly client: Database) {}
}
