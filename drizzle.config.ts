import { defineConfig } from 'drizzle-kit'

// One schema and one migrations folder per dialect. DRIZZLE_DIALECT picks which one drizzle-kit works on;
// `bun run db:generate` and the CI drift check run both.
const dialect = process.env.DRIZZLE_DIALECT === 'sqlite' ? 'sqlite' : 'postgresql'

export default dialect === 'sqlite'
  ? defineConfig({
      dialect: 'sqlite',
      schema: './src/storage/sqlite/schema.ts',
      out: './drizzle/sqlite',
    })
  : defineConfig({
      dialect: 'postgresql',
      schema: './src/storage/postgres/schema.ts',
      out: './drizzle/postgres',
      dbCredentials: { url: process.env.ACHIEVEMENT_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
    })
