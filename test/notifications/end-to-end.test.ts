import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { rmSync } from 'node:fs'
import { DIALECTS, startTestService, type TestService } from '../support/service'
import { startNotificationStub, type NotificationStub } from './support'
import { waitFor } from '../support/wait'

const TUNING = { pollIntervalMs: 50, leaseMs: 10_000, deliveryTimeoutMs: 800, backoff: { baseDelayMs: 10, maxDelayMs: 50 }, stopGraceMs: 200 }

for (const dialect of DIALECTS) {
  describe(`unlock notifications end to end (${dialect})`, () => {
    let stub: NotificationStub
    let svc: TestService
    const sqlitePath = join(tmpdir(), `outbox-e2e-${process.pid}-${Math.random().toString(36).slice(2)}.db`)
    const ownDatabase = dialect === 'sqlite' ? { databaseUrl: `sqlite:${sqlitePath}` } : {}

    beforeAll(async () => {
      stub = startNotificationStub()
      svc = await startTestService(dialect, {
        ...ownDatabase,
        env: { NOTIFICATION_SERVICE_URL: stub.url },
        options: { notifications: { ...TUNING, pollIntervalMs: 60_000 } },
      })
      for (const [code, title, points] of [
        ['first-win', 'First Victory', 120],
        ['silent', 'Silent Step', 10],
        ['slow', 'Slow Burn', 5],
        ['offline', 'Offline Hero', 30],
      ] as const) {
        const created = await svc.call('POST', '/achievements', { code, title, description: '', points })
        expect(created.status).toBe(201)
      }
    })
    afterEach(() => {
      stub.mode = 'ok'
    })
    afterAll(async () => {
      await svc.close()
      await stub.stop()
      if (dialect === 'sqlite') for (const suffix of ['', '-wal', '-shm']) rmSync(sqlitePath + suffix, { force: true })
    })

    test('an unlock through POST /progress is delivered once, with the exact payload and its unlock id as Idempotency-Key', async () => {
      const response = await svc.call('POST', '/users/42/progress', { achievement_code: 'first-win', score_bonus: 500 })
      expect(response.status).toBe(200)
      expect(response.body.score_delta).toBe(620)
      expect(response.body.star_tokens_awarded).toBe(1)
      // The poll interval is a minute: the progress service's wake() is what sends it.
      await waitFor('notification received', () => stub.requests.some((r) => (r.body as { user_id?: string }).user_id === '42'))
      const [entry] = await svc.service.storage.outbox.forUser('42')
      await waitFor('recorded delivered', async () => (await svc.service.storage.outbox.forUser('42'))[0]?.status === 'delivered')
      const requests = stub.requests.filter((r) => (r.body as { user_id?: string }).user_id === '42')
      expect(requests.length).toBe(1)
      expect(requests[0]!.idempotencyKey).toBe(entry!.id)
      expect(requests[0]!.body).toEqual({
        user_id: '42',
        title: '🎖 Achievement Unlocked',
        message: 'You unlocked First Victory (+120 XP)!',
        category: 'achievement',
        priority: 'normal',
        metadata: { achievement_code: 'first-win', score_delta: '620', star_tokens: '1' },
      })
    })

    test('titles and metadata with quotes, backslashes, commas and braces reach the outbox unchanged', async () => {
      const title = 'Say "hi", {friend} \\ back\\'
      const created = await svc.call('POST', '/achievements', { code: 'tricky-text', title, description: '', points: 7 })
      expect(created.status).toBe(201)
      const metadata = { note: 'a "quoted", {braced} \\ value', list: ['x,y', '"', '\\', 'NULL', '{}'], nested: { 'k"ey': '\\"' } }
      const response = await svc.call('POST', '/users/tricky/progress', { achievement_code: 'tricky-text', metadata, notify: false })
      expect(response.status).toBe(200)
      expect(response.body.newly_unlocked).toEqual(['tricky-text'])
      const [entry] = await svc.service.storage.outbox.forUser('tricky')
      expect(entry).toMatchObject({ title, achievementCode: 'tricky-text', metadata, status: 'suppressed' })
    })

    test('notify: false records the unlock as suppressed and sends nothing', async () => {
      const response = await svc.call('POST', '/users/quiet/progress', { achievement_code: 'silent', notify: false })
      expect(response.status).toBe(200)
      expect(response.body.newly_unlocked).toEqual(['silent'])
      const entries = await svc.service.storage.outbox.forUser('quiet')
      expect(entries.map((e) => e.status)).toEqual(['suppressed'])
      svc.service.unlockNotifier.wake()
      await Bun.sleep(100)
      expect(stub.requests.some((r) => (r.body as { user_id?: string }).user_id === 'quiet')).toBe(false)
    })

    test('the progress request does not wait for the notification service', async () => {
      stub.mode = 'hang'
      const response = await svc.call('POST', '/users/patient/progress', { achievement_code: 'slow' })
      expect(response.status).toBe(200)
      // Answered while the delivery is still in flight: the service holds the call open, the entry is pending.
      await waitFor('delivery attempt arrived', () => stub.requests.some((r) => (r.body as { user_id?: string }).user_id === 'patient'))
      const attempt = stub.requests.find((r) => (r.body as { user_id?: string }).user_id === 'patient')!
      expect(attempt.open).toBe(true)
      expect((await svc.service.storage.outbox.forUser('patient')).map((e) => e.status)).toEqual(['pending'])
      stub.mode = 'ok'
      // The hanging attempt times out and the retry is delivered.
      await waitFor('attempt timed out', () => !attempt.open)
      await waitFor('delivered once the service answers', async () => (await svc.service.storage.outbox.forUser('patient'))[0]?.status === 'delivered')
    })

    test('without NOTIFICATION_SERVICE_URL unlocks stay pending, and an instance with the URL delivers them later', async () => {
      const offline = await startTestService(dialect, { databaseUrl: svc.databaseUrl, options: { notifications: TUNING } })
      try {
        const response = await offline.call('POST', '/users/offline-player/progress', { achievement_code: 'offline' })
        expect(response.status).toBe(200)
        offline.service.unlockNotifier.wake()
        await Bun.sleep(150)
        expect((await offline.service.storage.outbox.forUser('offline-player')).map((e) => e.status)).toEqual(['pending'])
        expect(stub.requests.some((r) => (r.body as { user_id?: string }).user_id === 'offline-player')).toBe(false)
        expect((await offline.service.storage.outbox.stats()).pending).toBeGreaterThanOrEqual(1)
      } finally {
        await offline.close()
      }
      // The configured instance picks it up (on wake, or its next poll).
      svc.service.unlockNotifier.wake()
      await waitFor('delivered by the configured instance', async () => (await svc.service.storage.outbox.forUser('offline-player'))[0]?.status === 'delivered')
      const request = stub.requests.find((r) => (r.body as { user_id?: string }).user_id === 'offline-player')
      expect((request!.body as { message: string }).message).toBe('You unlocked Offline Hero (+30 XP)!')
    })
  })
}
