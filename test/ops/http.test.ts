import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { DIALECTS, startTestService, type TestService } from '../support/service'
import { capturingLogger, metricLines } from './support'

const PROGRESS_ROUTE = '/api/v1/achievements/users/:user_id/progress'

for (const dialect of DIALECTS) {
  describe(`request ids, access log and request metrics (${dialect})`, () => {
    let svc: TestService
    const log = capturingLogger('info')
    beforeAll(async () => {
      svc = await startTestService(dialect, { options: { logger: log.logger } })
      expect((await svc.call('POST', '/achievements', { code: 'first-win', title: 'First', description: '' })).status).toBe(201)
    })
    afterAll(async () => {
      await svc.close()
    })

    test('a valid X-Request-Id is echoed; a missing, too long or non-visible one is replaced by a generated id', async () => {
      const echoed = await svc.call('GET', '/achievements', undefined, { 'x-request-id': 'gw-7f3a:retry/1' })
      expect(echoed.headers.get('x-request-id')).toBe('gw-7f3a:retry/1')
      const longest = 'r'.repeat(128)
      expect((await svc.call('GET', '/achievements', undefined, { 'x-request-id': longest })).headers.get('x-request-id')).toBe(longest)

      for (const bad of ['r'.repeat(129), 'has space', 'tab\there', 'ünïcode']) {
        const replaced = (await svc.call('GET', '/achievements', undefined, { 'x-request-id': bad })).headers.get('x-request-id')
        expect(replaced).not.toBe(bad)
        expect(replaced).toMatch(/^[0-9a-f-]{36}$/)
      }
      const generated = (await svc.call('GET', '/achievements')).headers.get('x-request-id')
      expect(generated).toMatch(/^[0-9a-f-]{36}$/)
      // Error responses carry it too.
      const missing = await svc.call('GET', '/achievements/nope', undefined, { 'x-request-id': 'trace-404' })
      expect(missing.status).toBe(404)
      expect(missing.headers.get('x-request-id')).toBe('trace-404')
    })

    test('one access log line per request: request id, method, route template, status, duration', async () => {
      await svc.call('POST', '/users/player-9/progress', { achievement_code: 'first-win' }, { 'x-request-id': 'log-me' })
      await Bun.sleep(5) // the line is written after the response
      const line = log.records().find((record) => record.requestId === 'log-me')
      expect(line).toMatchObject({ level: 'info', msg: 'request', method: 'POST', route: PROGRESS_ROUTE, status: 200 })
      expect(typeof line!.durationMs).toBe('number')
      expect(log.records().filter((record) => record.requestId === 'log-me')).toHaveLength(1)
    })

    test('requests are counted and timed by route template and status, never by raw path', async () => {
      await svc.call('POST', '/users/metrics-a/progress', { achievement_code: 'first-win' })
      await svc.call('POST', '/users/metrics-b/progress', { achievement_code: 'first-win' })
      await svc.call('POST', '/users/metrics-c/progress', { achievement_code: 'no-such-code' })
      await svc.call('POST', '/users/metrics-c/progress', { achievement_code: 'first-win', progress_delta: -1 })
      await svc.call('GET', '!/definitely/not/a/route')
      await Bun.sleep(5)
      const response = await svc.call('GET', '!/metrics')
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
      const lines = metricLines(response.body as string)
      const count = (status: number) =>
        Number(lines.find((l) => l.startsWith(`http_requests_total{method="POST",route="${PROGRESS_ROUTE}",status="${status}"}`))?.split(' ')[1])
      expect(count(200)).toBeGreaterThanOrEqual(2)
      expect(count(404)).toBe(1)
      expect(count(422)).toBe(1)
      expect(lines).toContain('http_requests_total{method="GET",route="unmatched",status="404"} 1')
      expect(lines.some((l) => l.includes('metrics-a') || l.includes('/definitely/'))).toBe(false)
      expect(lines.some((l) => l.startsWith(`http_request_duration_seconds_bucket{method="POST",route="${PROGRESS_ROUTE}",status="200",le="+Inf"}`))).toBe(true)
    })

    test("/metrics times the progress stages: each answered post's commit and rank, each batch's statement", async () => {
      await Promise.all(['stage-a', 'stage-b', 'stage-c'].map((user) => svc.call('POST', `/users/${user}/progress`, { achievement_code: 'first-win' })))
      await svc.call('POST', '/users/stage-d/progress', { achievement_code: 'no-such-code' })
      await Bun.sleep(5)
      const lines = metricLines((await svc.call('GET', '!/metrics')).body as string)
      const value = (name: string) => Number(lines.find((l) => l.startsWith(`${name} `))?.split(' ')[1])
      const answered = Number(
        lines.find((l) => l.startsWith(`http_requests_total{method="POST",route="${PROGRESS_ROUTE}",status="200"}`))?.split(' ')[1],
      )
      expect(answered).toBeGreaterThanOrEqual(3)
      expect(value('achievement_progress_stage_seconds_count{stage="commit"}')).toBe(answered)
      expect(value('achievement_progress_stage_seconds_count{stage="rank"}')).toBe(answered)
      // Every post queued was admitted (no rate limit is hit here), the 404 never queued.
      expect(value('achievement_progress_stage_seconds_count{stage="admission"}')).toBe(answered)
      expect(value('achievement_progress_stage_seconds_sum{stage="admission"}')).toBeLessThanOrEqual(
        value('achievement_progress_stage_seconds_sum{stage="commit"}'),
      )
      expect(value('achievement_progress_stage_seconds_count{stage="statement"}')).toBe(value('achievement_progress_batch_size_count'))
      expect(value('achievement_progress_stage_seconds_sum{stage="commit"}')).toBeGreaterThan(0)
      // A post's commit stage holds its batch's statement.
      expect(value('achievement_progress_stage_seconds_sum{stage="commit"}')).toBeGreaterThanOrEqual(
        value('achievement_progress_stage_seconds_sum{stage="statement"}'),
      )
      expect(value('achievement_progress_stage_seconds_bucket{stage="commit",le="+Inf"}')).toBe(answered)
    })

    test('/metrics has progress batch sizes, outbox backlog and age, leaderboard and process samples', async () => {
      const lines = metricLines((await svc.call('GET', '!/metrics')).body as string)
      const value = (name: string) => Number(lines.find((l) => l.startsWith(`${name} `))?.split(' ')[1])
      expect(value('achievement_progress_batch_size_count')).toBeGreaterThanOrEqual(1)
      // Unlocks without NOTIFICATION_SERVICE_URL stay pending: the backlog shows them.
      expect(value('achievement_outbox_pending')).toBeGreaterThanOrEqual(3)
      expect(value('achievement_outbox_oldest_pending_age_seconds')).toBeGreaterThanOrEqual(0)
      expect(value('achievement_outbox_parked')).toBe(0)
      expect(value('achievement_leaderboard_database_fallback')).toBe(1) // no Redis configured
      expect(value('achievement_leaderboard_write_seconds_count')).toBeGreaterThanOrEqual(1)
      expect(value('achievement_catalog_cached_definitions')).toBe(1)
      expect(value('process_resident_memory_bytes')).toBeGreaterThan(0)
      expect(value('http_requests_in_flight')).toBe(0) // app.handle bypasses the lifecycle wrapper
    })
  })
}

describe('access log level', () => {
  test('LOG_LEVEL=warn silences the access log', async () => {
    const log = capturingLogger('warn')
    const svc = await startTestService('sqlite', { options: { logger: log.logger } })
    try {
      await svc.call('GET', '/achievements')
      await svc.call('GET', '!/health')
      await Bun.sleep(5)
      expect(log.records().filter((record) => record.msg === 'request')).toEqual([])
    } finally {
      await svc.close()
    }
  })

  test('probes and scrapes are logged at debug, not info', async () => {
    const log = capturingLogger('debug')
    const svc = await startTestService('sqlite', { options: { logger: log.logger } })
    try {
      await svc.call('GET', '!/health')
      await svc.call('GET', '!/metrics')
      await svc.call('GET', '/achievements')
      await Bun.sleep(5)
      const levels = Object.fromEntries(log.records().filter((r) => r.msg === 'request').map((r) => [r.route, r.level]))
      expect(levels).toEqual({ '/health': 'debug', '/metrics': 'debug', '/api/v1/achievements/achievements': 'info' })
    } finally {
      await svc.close()
    }
  })
})
