import type { Database } from 'bun:sqlite'
import type { OutboxStore } from '../port'

// TODO(placeholder until implemented): every method throws.
export class SqliteOutboxStore {
  constructor(private readonly client: Database) {}
}
