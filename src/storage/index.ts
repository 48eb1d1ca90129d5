import type { DatabaseConfig } from '../config/config'
import type { Storage } from './port'
import { createPostgresStorage } from './postgres'
import { createSqliteStorage } from './sqlite'
import type { PostgresOptions } from './postgres/connection'

export async function createStorage(config: DatabaseConfig, postgresOptions: PostgresOptions = {}): Promise<Storage> {
  return config.kind === 'postgres' ? createPostgresStorage(config.url, postgresOptions) : createSqliteStorage(config.path)
}
