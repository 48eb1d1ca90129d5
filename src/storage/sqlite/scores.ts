import type { Database } from 'bun:sqlite'
import type { ScoreStore } from '../port'

// TODO(placeholder until implemented): every method throws.
export class SqliteScoreStore {
  constructor(private readonly client: Database) {}
}
