import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { DIALECTS, startTestService, type TestService } from '../support/service'

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

for (const dialect of DIALECTS) {
  describe(`unlock ids (${dialect})`, () => {
    let svc: TestService
    beforeAll(async () => {
      svc = await startTestService(dialect)
      for (const code of ['first', 'second', 'third']) {
        expect((await svc.call('POST', '/achievements', { code, title: code, description: '', points: 10 })).status).toBe(201)
      }
    })
    afterAll(async () => {
      await svc.close()
    })

    test('are time-ordered UUIDs (v7): a later unlock has a greater id, so outbox inserts append to its key', async () => {
      for (const code of ['first', 'second', 'third']) {
        expect((await svc.call('POST', '/users/ordered/progress', { achievement_code: code })).status).toBe(200)
        await Bun.sleep(2)
      }
      const entries = await svc.service.storage.outbox.forUser('ordered')
      const byUnlock = [...entries].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
      expect(byUnlock.map((entry) => entry.achievementCode)).toEqual(['first', 'second', 'third'])
      for (const entry of byUnlock) expect(entry.id).toMatch(UUID_V7)
      const ids = byUnlock.map((entry) => entry.id)
      expect([...ids].sort()).toEqual(ids)
    })
  })
}
