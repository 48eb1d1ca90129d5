import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { DIALECTS, startTestService, type TestService } from './support/service'

for (const dialect of DIALECTS) {
  describe(`smoke (${dialect})`, () => {
    let svc: TestService
    beforeAll(async () => {
      svc = await startTestService(dialect)
    })
    afterAll(async () => {
      await svc.close()
    })
    test('create and get', async () => {
      const created = await svc.call('POST', '/achievements', { code: 'first-win', title: 'First Victory', description: 'Win once' })
      expect(created.status).toBe(201)
      expect(created.body.points).toBe(50)
      const got = await svc.call('GET', '/achievements/first-win')
      expect(got.status).toBe(200)
      const list = await svc.call('GET', '/achievements?limit=5')
      expect(list.body.length).toBe(1)
      const health = await svc.call('GET', '!/health')
      expect(health.body).toEqual({ status: 'healthy', service: 'achievement-service' })
    })
  })
}
