import postgres from 'postgres'

/** The server the tests create their databases on (this machine's Postgres by default). */
export const TEST_POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

export interface TestDatabase {
  url: string
  name: string
  drop(): Promise<void>
}

export interface TestDatabaseOptions {
  /** An ICU locale (e.g. 'en-US') for the database's default collation, instead of the server's default. */
  icuLocale?: string
}

/** A fresh, empty database for one test file; drop() removes it. */
export async function createTestDatabase(prefix = 'ach_test', options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const name = `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`
  const admin = postgres(TEST_POSTGRES_URL, { max: 1, onnotice: () => {} })
  const collation = options.icuLocale ? ` template template0 locale_provider icu icu_locale '${options.icuLocale}'` : ''
  try {
    await admin.unsafe(`create database "${name}"${collation}`)
  } finally {
    await admin.end()
  }
  const url = new URL(TEST_POSTGRES_URL)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    name,
    async drop() {
      const conn = postgres(TEST_POSTGRES_URL, { max: 1, onnotice: () => {} })
      try {
        await conn.unsafe(`drop database if exists "${name}" with (force)`)
      } finally {
        await conn.end()
      }
    },
  }
}

/**
 * Locks a player's score row (SELECT … FOR UPDATE) in a transaction of its own for `ms`: a write to that row waits
 * meanwhile while the database answers everything else. Resolves once the lock is held, with the lock's release.
 */
export async function holdScoreRowLock(url: string, userId: string, ms: number): Promise<{ released: Promise<void> }> {
  const conn = postgres(url, { max: 1, onnotice: () => {} })
  let locked!: () => void
  const lockTaken = new Promise<void>((resolve) => (locked = resolve))
  const released = conn
    .begin(async (tx) => {
      await tx`select 1 from user_scores where user_id = ${userId} for update`
      locked()
      await Bun.sleep(ms)
    })
    .then(
      () => conn.end(),
      async (error: unknown) => {
        await conn.end()
        throw error
      },
    )
  await Promise.race([lockTaken, released])
  return { released }
}
