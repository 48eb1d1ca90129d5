import { fileURLToPath } from 'node:url'
import { join } from 'node:path'

/**
 * Where the SQL migrations live: ACHIEVEMENT_MIGRATIONS_DIR (a compiled binary ships them beside itself),
 * else the repository's drizzle/ folder.
 */
export function migrationsFolder(dialect: 'postgres' | 'sqlite'): string {
  const base = process.env.ACHIEVEMENT_MIGRATIONS_DIR ?? fileURLToPath(new URL('../../drizzle', import.meta.url))
  return join(base, dialect)
}
