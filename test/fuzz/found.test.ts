import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { DIALECTS, startTestService, type TestService } from '../support/service'
import { snapshotState } from './support/state'

/**
 * What the fuzz found, pinned as plain examples: text Postgres cannot store (U+0000, an unpaired surrogate sent as
 * a JSON escape) was a 500 there and was silently kept or altered on SQLite. Now a 422 on both, storing nothing.
 */
const PLAYER = 'found-player'

const UNSTORABLE: { name: string; method: string; path: string; body: string; errorPath: string }[] = [
  { name: 'NUL in a title', method: 'POST', path: '/achievements', body: '{"code":"nul","title":"a\\u0000b","description":""}', errorPath: '/title' },
  { name: 'lone surrogate in a description', method: 'POST', path: '/achievements', body: '{"code":"sur","title":"T","description":"\\ud800"}', errorPath: '/description' },
  { name: 'NUL in a patched category', method: 'PATCH', path: '/achievements/found', body: '{"category":"\\u0000"}', errorPath: '/category' },
  { name: 'NUL in an icon URL', method: 'PATCH', path: '/achievements/found', body: '{"icon_url":"https://x.test/\\u0000"}', errorPath: '/icon_url' },
  {
    name: 'lone surrogate in metadata of an unlock',
    method: 'POST',
    path: `/users/${PLAYER}/progress`,
    body: '{"achievement_code":"found","metadata":{"note":"\\udfff"}}',
    errorPath: '/metadata/note',
  },
  {
    name: 'NUL in a metadata key',
    method: 'POST',
    path: `/users/${PLAYER}/progress`,
    body: '{"achievement_code":"found","metadata":{"a\\u0000":1}}',
    errorPath: '/metadata/a\u0000',
  },
]

for (const dialect of DIALECTS) {
  describe(`text a database cannot store (${dialect})`, () => {
    let svc: TestService
    beforeAll(async () => {
      svc = await startTestService(dialect)
      expect((await svc.call('POST', '/achievements', { code: 'found', title: 'Found', description: '' })).status).toBe(201)
    })
    afterAll(async () => {
      await svc.close()
    })

    for (const example of UNSTORABLE) {
      test(`${example.name}: 422 naming the field, nothing stored`, async () => {
        const before = await snapshotState(svc.service.storage, [PLAYER])
        const response = await svc.call(example.method, example.path, example.body)
        expect(response.status).toBe(422)
        expect(response.body).toEqual({ detail: expect.any(String), code: 'validation_error', errors: [{ path: example.errorPath, message: expect.any(String) }] })
        expect(await snapshotState(svc.service.storage, [PLAYER])).toBe(before)
      })
    }

    test('a NUL in the category filter: 422, not a 500', async () => {
      const response = await svc.call('GET', '/achievements?category=a%00b')
      expect(response.status).toBe(422)
      expect(response.body.errors[0].path).toBe('/category')
    })

    test('emoji, RTL marks and escaped surrogate pairs are stored and read back unchanged', async () => {
      const title = '🏳️‍🌈 \u202eمرحبا e\u0301'
      const created = await svc.call('POST', '/achievements', `{"code":"ok","title":${JSON.stringify(title)},"description":"\\ud83d\\ude00"}`)
      expect(created.status).toBe(201)
      const stored = await svc.service.storage.catalog.getByCode('ok')
      expect(stored).toMatchObject({ title, description: '😀' })
    })
  })
}
