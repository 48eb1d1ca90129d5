import { ConfigError, loadConfig } from '../config/config'
import { migratePostgres } from '../storage/postgres/migrate'
import { openSqlite } from '../storage/sqlite/connection'

// Applies the migrations of the configured database (the service also does this at start).
try {
  const { database } = loadConfig()
  if (database.kind === 'postgres') await migratePostgres(database.url)
  else openSqlite(database.path).client.close()
  console.log(`migrations applied (${database.kind})`)
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : `migration failed: ${(error as Error).message}`)
  process.exit(1)
}
