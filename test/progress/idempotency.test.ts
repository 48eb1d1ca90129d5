import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { progressRequestHash } from '../../src/progress/service'
import { DIALECTS, startTestService, type TestService } from '../support/service'

for (const dialect of DIALECTS) {
  describe(`Idempotency-Key (${dialect})`, () => {
    let svc: TestService
    beforeAll(async () => {
      svc = await startTestService(dialect)
      await svc.call('POST', '/achievements', { code: 'win', title: 'Win', description: '', points: 300, progress_target: 2 })
    })
    afterAll(async () => {
      await svc.close()
    })

    const total = async (user: string) => (await svc.call('GET', `/users/${user}/overview`)).body.user.total_points as number

    test('a retry with the same body replays the identical body with Idempotent-Replayed and changes nothing', async () => {
      const body = { achievement_code: 'win', progress_delta: 2, score_bonus: 40 }
      const first = await svc.call('POST', '/users/idem-1/progress', body, { 'idempotency-key': 'match-1' })
      expect(first.status).toBe(200)
      expect(first.headers.get('idempotent-replayed')).toBeNull()
      expect(first.body.score_delta).toBe(340)
      const again = await svc.call('POST', '/users/idem-1/progress', body, { 'idempotency-key': 'match-1' })
      expect(again.status).toBe(200)
      expect(again.headers.get('idempotent-replayed')).toBe('true')
      expect(again.body).toEqual(first.body)
      expect(await total('idem-1')).toBe(340)
      expect((await svc.service.storage.outbox.forUser('idem-1')).length).toBe(1)
    })

    test('the same key with another body is 422 and changes nothing', async () => {
      await svc.call('POST', '/users/idem-2/progress', { score_bonus: 5 }, { 'idempotency-key': 'k-2' })
      const other = await svc.call('POST', '/users/idem-2/progress', { score_bonus: 6 }, { 'idempotency-key': 'k-2' })
      expect(other.status).toBe(422)
      expect(other.body.code).toBe('idempotency_key_reused')
      expect(await total('idem-2')).toBe(5)
      // The body includes the player: the same key for another player is another body.
      const otherPlayer = await svc.call('POST', '/users/idem-2b/progress', { score_bonus: 5 }, { 'idempotency-key': 'k-2' })
      expect(otherPlayer.status).toBe(422)
    })

    test('the same key while the first request is still running is 409', async () => {
      // A claim held by a request in flight elsewhere.
      const hash = progressRequestHash('idem-3', [], { scoreBonus: 5, notify: true, metadata: null })
      const claim = await svc.service.storage.idempotency.claim('anonymous', 'k-3', hash, 30_000)
      expect(claim.kind).toBe('claimed')
      const res = await svc.call('POST', '/users/idem-3/progress', { score_bonus: 5 }, { 'idempotency-key': 'k-3' })
      expect(res.status).toBe(409)
      expect(res.body.code).toBe('idempotency_in_flight')
      expect(await total('idem-3')).toBe(0)
    })

    test('an abandoned claim (its lease ended) is taken over by the retry', async () => {
      await svc.service.storage.idempotency.claim('anonymous', 'k-4', 'whatever', 1)
      await Bun.sleep(20)
      const res = await svc.call('POST', '/users/idem-4/progress', { score_bonus: 9 }, { 'idempotency-key': 'k-4' })
      expect(res.status).toBe(200)
      expect(await total('idem-4')).toBe(9)
    })

    test('concurrent duplicates apply once: one 200, the others 409 or replays', async () => {
      const body = { score_bonus: 100 }
      const results = await Promise.all(
        Array.from({ length: 20 }, () => svc.call('POST', '/users/idem-5/progress', body, { 'idempotency-key': 'k-5' })),
      )
      const statuses = results.map((r) => r.status)
      expect(statuses.every((s) => s === 200 || s === 409)).toBe(true)
      expect(results.filter((r) => r.status === 200 && r.headers.get('idempotent-replayed') === null).length).toBe(1)
      expect(await total('idem-5')).toBe(100)
    })

    test('a request that fails validation does not consume the key', async () => {
      const bad = await svc.call('POST', '/users/idem-6/progress', { achievement_code: 'nope' }, { 'idempotency-key': 'k-6' })
      expect(bad.status).toBe(404)
      const good = await svc.call('POST', '/users/idem-6/progress', { achievement_code: 'win' }, { 'idempotency-key': 'k-6' })
      expect(good.status).toBe(200)
    })

    test('a malformed key is 400', async () => {
      for (const key of ['has space', 'x'.repeat(256), 'tab\there', 'ünï']) {
        const res = await svc.call('POST', '/users/idem-7/progress', { score_bonus: 1 }, { 'idempotency-key': key })
        expect(res.status).toBe(400)
        expect(res.body.code).toBe('invalid_idempotency_key')
      }
      expect(await total('idem-7')).toBe(0)
    })

    test('keys older than the retention are pruned', async () => {
      await svc.call('POST', '/users/idem-8/progress', { score_bonus: 1 }, { 'idempotency-key': 'k-8' })
      const pruned = await svc.service.storage.idempotency.prune(new Date(Date.now() + 1000))
      expect(pruned).toBeGreaterThan(0)
      const again = await svc.call('POST', '/users/idem-8/progress', { score_bonus: 1 }, { 'idempotency-key': 'k-8' })
      expect(again.headers.get('idempotent-replayed')).toBeNull()
    })
  })
}
