import postgres from 'postgres'

/** The server the tests create their databases on (this machine's Postgres by default). */
export const TEST_POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

export interface TestDatabase {
  url: string
  name: string
  drop(): Promise<void>
}

/** A fresh, empty database for one test file; drop() removes it. */
export async function createTestDatabase(prefix = 'ach_test'): Promise<TestDatabase> {
  const name = `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`
  const admin = postgres(TEST_POSTGRES_URL, { max: 1, onnotice: () => {} })
  try {
    await admin.unsafe(`create database "${name}"`)
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
