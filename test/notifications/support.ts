import { Database } from 'bun:sqlite'
import postgres from 'postgres'
import { createPostgresStorage } from '../../src/storage/postgres'
import { openSqlite } from '../../src/storage/sqlite/connection'
import { SqliteOutboxStore } from '../../src/storage/sqlite/outbox'
import type { OutboxEntry, OutboxStore, Storage } from '../../src/storage/port'
import { createTestDatabase } from '../support/postgres'
import type { Dialect } from '../support/service'

export interface OutboxRowInput {
  id?: string
  userId?: string
  code?: string
  title?: string
  rewardPoints?: number
  scoreDelta?: number
  starTokensAwarded?: number
  status?: 'pending' | 'suppressed'
  /** Delay before the entry is due (ms from now). */
  dueInMs?: number
}

/** A migrated database of one dialect with direct row access, for driving the outbox without the progress engine. */
export interface OutboxFixture {
  dialect: Dialect
  store: OutboxStore
  /** Inserts outbox rows as the progress engine would (one achievement per row); returns their ids. */
  insert(rows: OutboxRowInput[]): Promise<string[]>
  /** Another connection (pool) to the same database (Postgres only). */
  openStore(): Promise<OutboxStore>
  close(): Promise<void>
}

let sequence = 0

function fillRow(row: OutboxRowInput) {
  sequence++
  return {
    id: row.id ?? crypto.randomUUID(),
    userId: row.userId ?? `player-${sequence}`,
    code: row.code ?? `ach-${sequence}-${Math.random().toString(36).slice(2, 8)}`,
    title: row.title ?? `Achievement ${sequence}`,
    rewardPoints: row.rewardPoints ?? 50,
    scoreDelta: row.scoreDelta ?? 50,
    starTokensAwarded: row.starTokensAwarded ?? 0,
    status: row.status ?? 'pending',
    dueAt: Date.now() + (row.dueInMs ?? 0),
  }
}

export async function openOutboxFixture(dialect: Dialect): Promise<OutboxFixture> {
  if (dialect === 'sqlite') {
    const { client } = openSqlite(':memory:')
    const store = new SqliteOutboxStore(client)
    return {
      dialect,
      store,
      async insert(rows) {
        return rows.map((input) => {
          const row = fillRow(input)
          const achievementId = crypto.randomUUID()
          insertSqliteRow(client, row, achievementId)
          return row.id
        })
      },
      async openStore() {
        throw new Error('one in-memory SQLite database per connection')
      },
      async close() {
        client.close()
      },
    }
  }
  const database = await createTestDatabase('ach_outbox')
  const storages: Storage[] = [await createPostgresStorage(database.url)]
  const raw = postgres(database.url, { max: 2, onnotice: () => {} })
  return {
    dialect,
    store: storages[0]!.outbox,
    async insert(rows) {
      const ids: string[] = []
      for (const input of rows) {
        const row = fillRow(input)
        const achievementId = crypto.randomUUID()
        await raw`insert into achievements (id, code, title, description, points, is_secret, progress_target, auto_claim, created_at, updated_at)
                  values (${achievementId}, ${row.code}, ${row.title}, '', ${row.rewardPoints}, false, 1, true, now(), now())`
        await raw`insert into notification_outbox (id, user_id, achievement_id, achievement_code, title, reward_points, score_delta,
                    star_tokens_awarded, metadata, status, attempts, next_attempt_at, created_at)
                  values (${row.id}, ${row.userId}, ${achievementId}, ${row.code}, ${row.title}, ${row.rewardPoints}, ${row.scoreDelta},
                    ${row.starTokensAwarded}, ${raw.json({ match: 'm-1' })}, ${row.status}, 0, ${new Date(row.dueAt)}, now())`
        ids.push(row.id)
      }
      return ids
    },
    async openStore() {
      const storage = await createPostgresStorage(database.url, { migrate: false })
      storages.push(storage)
      return storage.outbox
    },
    async close() {
      await raw.end()
      for (const storage of storages) await storage.close()
      await database.drop()
    },
  }
}

export function insertSqliteRow(client: Database, row: ReturnType<typeof fillRow>, achievementId: string): void {
  const now = Date.now()
  client
    .query(
      `insert into achievements (id, code, title, description, points, is_secret, progress_target, auto_claim, created_at, updated_at)
       values (?, ?, ?, '', ?, 0, 1, 1, ?, ?)`,
    )
    .run(achievementId, row.code, row.title, row.rewardPoints, now, now)
  client
    .query(
      `insert into notification_outbox (id, user_id, achievement_id, achievement_code, title, reward_points, score_delta,
         star_tokens_awarded, metadata, status, attempts, next_attempt_at, created_at)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)`,
    )
    .run(row.id, row.userId, achievementId, row.code, row.title, row.rewardPoints, row.scoreDelta, row.starTokensAwarded,
      JSON.stringify({ match: 'm-1' }), row.status, row.dueAt, now)
}

export { fillRow }

/** Status and attempts of one entry, looked up through forUser. */
export async function entryOf(store: OutboxStore, userId: string, id: string): Promise<(OutboxEntry & { status: string }) | undefined> {
  return (await store.forUser(userId)).find((entry) => entry.id === id)
}

// ---- the notification service stub ------------------------------------------------------------

export type StubMode = 'ok' | 'hang' | { status: number; headers?: Record<string, string> }

export interface StubRequest {
  idempotencyKey: string | null
  contentType: string | null
  method: string
  path: string
  body: unknown
  receivedAt: number
  /** 'hang' mode: true until the client gives up on the request (timeout or abort). */
  open: boolean
}

export interface NotificationStub {
  url: string
  port: number
  mode: StubMode
  /** How long an 'ok' answer takes (ms); a function of the key for varied timing. */
  answerDelayMs: (key: string | null) => number
  requests: StubRequest[]
  /** Keys that arrived while a request with the same key was still being answered. */
  concurrentDuplicates: string[]
  keysDelivered(): Set<string>
  stop(): Promise<void>
}

/** A real HTTP server standing in for the notification service; `port` reuses a port (to come back after refusing). */
export function startNotificationStub(options: { mode?: StubMode; port?: number } = {}): NotificationStub {
  const inFlight = new Map<string, number>()
  const delivered = new Set<string>()
  const stub: NotificationStub = {
    url: '',
    port: 0,
    mode: options.mode ?? 'ok',
    answerDelayMs: () => 0,
    requests: [],
    concurrentDuplicates: [],
    keysDelivered: () => new Set(delivered),
    async stop() {
      await server.stop(true)
    },
  }
  const server = Bun.serve({
    port: options.port ?? 0,
    hostname: '127.0.0.1',
    idleTimeout: 30,
    async fetch(request) {
      const key = request.headers.get('idempotency-key')
      const text = await request.text()
      let body: unknown = text
      try {
        body = JSON.parse(text)
      } catch {}
      const recorded: StubRequest = {
        idempotencyKey: key,
        contentType: request.headers.get('content-type'),
        method: request.method,
        path: new URL(request.url).pathname,
        body,
        receivedAt: Date.now(),
        open: true,
      }
      stub.requests.push(recorded)
      const mode = stub.mode
      if (mode === 'hang') {
        request.signal.addEventListener('abort', () => {
          recorded.open = false
        })
        return new Promise<Response>(() => {})
      }
      recorded.open = false
      if (key !== null) {
        if ((inFlight.get(key) ?? 0) > 0) stub.concurrentDuplicates.push(key)
        inFlight.set(key, (inFlight.get(key) ?? 0) + 1)
      }
      try {
        const delay = stub.answerDelayMs(key)
        if (delay > 0) await Bun.sleep(delay)
        if (mode === 'ok') {
          if (key !== null) delivered.add(key)
          return Response.json({ id: crypto.randomUUID() }, { status: 201 })
        }
        return new Response('nope', { status: mode.status, headers: mode.headers ?? {} })
      } finally {
        if (key !== null) inFlight.set(key, (inFlight.get(key) ?? 1) - 1)
      }
    },
  })
  stub.port = server.port ?? 0
  stub.url = `http://127.0.0.1:${stub.port}`
  return stub
}

/** A port on which nothing listens (connections are refused). */
export async function refusingPort(): Promise<number> {
  const server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response('') })
  const port = server.port ?? 0
  await server.stop(true)
  return port
}
