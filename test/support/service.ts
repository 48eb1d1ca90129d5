import { loadConfig, type Config } from '../../src/config/config'
import { buildService, type Service, type ServiceOptions } from '../../src/composition'
import { silentLogger } from '../../src/ops/logger'
import { API_PREFIX } from '../../src/app'
import { createTestDatabase, type TestDatabase } from './postgres'

export type Dialect = 'sqlite' | 'postgres'

/** Dialects the contract suites run on; TEST_DIALECTS=sqlite narrows a local run. */
export const DIALECTS: Dialect[] = (process.env.TEST_DIALECTS?.split(',') as Dialect[] | undefined) ?? ['sqlite', 'postgres']

export interface HttpResult<T = any> {
  status: number
  body: T
  headers: Headers
}

export interface TestService {
  service: Service
  config: Config
  /** Database URL the service uses (for a second instance or direct checks). */
  databaseUrl: string
  /** Calls the app through app.handle. `path` is below the API prefix unless it starts with '!'. */
  call<T = any>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<HttpResult<T>>
  close(): Promise<void>
}

export interface TestServiceOptions {
  env?: Record<string, string>
  options?: ServiceOptions
  /** Reuse an existing database (a second instance) instead of creating one. */
  databaseUrl?: string
}

export async function startTestService(dialect: Dialect, opts: TestServiceOptions = {}): Promise<TestService> {
  let database: TestDatabase | null = null
  let databaseUrl = opts.databaseUrl
  if (!databaseUrl) {
    if (dialect === 'postgres') {
      database = await createTestDatabase()
      databaseUrl = database.url
    } else {
      databaseUrl = 'sqlite::memory:'
    }
  }
  const config = loadConfig({ ACHIEVEMENT_DATABASE_URL: databaseUrl, STAR_TOKEN_SCORE_STEP: '500', ...opts.env })
  const leaderboard = opts.options?.leaderboard
  // Tests assert right after writes: leaderboard pages are not cached unless a test opts in with a TTL.
  const service = await buildService(config, {
    logger: silentLogger,
    rarityTtlMs: 0,
    ...opts.options,
    leaderboard: { ...leaderboard, pageCache: { ttlMs: 0, ...leaderboard?.pageCache } },
  })
  await service.start()
  return {
    service,
    config,
    databaseUrl,
    async call(method, path, body, headers = {}) {
      const url = path.startsWith('!') ? `http://localhost${path.slice(1)}` : `http://localhost${API_PREFIX}${path}`
      const init: RequestInit = { method, headers: { ...headers } }
      if (body !== undefined) {
        init.body = typeof body === 'string' ? body : JSON.stringify(body)
        ;(init.headers as Record<string, string>)['content-type'] ??= 'application/json'
      }
      const response = await service.app.handle(new Request(url, init))
      const text = await response.text()
      let parsed: unknown = text
      try {
        parsed = text ? JSON.parse(text) : null
      } catch {}
      return { status: response.status, body: parsed as any, headers: response.headers }
    },
    async close() {
      await service.stop()
      await database?.drop()
    },
  }
}
