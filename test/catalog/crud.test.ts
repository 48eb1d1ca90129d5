import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { DIALECTS, startTestService, type TestService } from '../support/service'

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

for (const dialect of DIALECTS) {
  describe(`catalog create/get/patch (${dialect})`, () => {
    let svc: TestService
    beforeAll(async () => {
      svc = await startTestService(dialect)
    })
    afterAll(async () => {
      await svc.close()
    })

    test('POST with only the required fields applies every default and answers 201', async () => {
      const created = await svc.call('POST', '/achievements', { code: 'defaults', title: 'Defaults', description: '' })
      expect(created.status).toBe(201)
      expect(created.body).toMatchObject({
        code: 'defaults',
        title: 'Defaults',
        description: '',
        points: 50,
        category: null,
        rarity: null,
        icon_url: null,
        is_secret: false,
        progress_target: 1,
        auto_claim: true,
        unlock_count: 0,
        unlock_percent: null,
      })
      expect(typeof created.body.id).toBe('string')
      expect(created.body.created_at).toMatch(ISO_MS)
      expect(created.body.updated_at).toBe(created.body.created_at)
      expect(created.body).not.toHaveProperty('progress_current')
    })

    test('POST stores every field at its upper bound and GET returns the same record', async () => {
      const input = {
        code: `${'z'.repeat(63)}9`,
        title: 'T'.repeat(120),
        description: 'd'.repeat(2000),
        points: 10000,
        category: 'c'.repeat(50),
        rarity: 'r'.repeat(30),
        icon_url: `https://cdn.example.com/${'i'.repeat(476)}`,
        is_secret: false,
        progress_target: 1_000_000_000,
        auto_claim: false,
      }
      expect(input.icon_url.length).toBe(500)
      const created = await svc.call('POST', '/achievements', input)
      expect(created.status).toBe(201)
      expect(created.body).toMatchObject(input)
      const got = await svc.call('GET', `/achievements/${input.code}`)
      expect(got.status).toBe(200)
      expect(got.body).toEqual(created.body)
    })

    test('POST accepts the lower bounds: points 0, progress_target 1, one-character code, explicit nulls', async () => {
      const created = await svc.call('POST', '/achievements', {
        code: '0',
        title: 'x',
        description: '',
        points: 0,
        progress_target: 1,
        category: null,
        rarity: null,
        icon_url: null,
      })
      expect(created.status).toBe(201)
      expect(created.body).toMatchObject({ code: '0', points: 0, progress_target: 1, category: null, rarity: null, icon_url: null })
    })

    test('a duplicate code is 409 "Achievement code already exists" and leaves the first record unchanged', async () => {
      const first = await svc.call('POST', '/achievements', { code: 'dup', title: 'First', description: 'one' })
      expect(first.status).toBe(201)
      const second = await svc.call('POST', '/achievements', { code: 'dup', title: 'Second', description: 'two', points: 7 })
      expect(second.status).toBe(409)
      expect(second.body).toEqual({ detail: 'Achievement code already exists', code: 'duplicate_code' })
      const got = await svc.call('GET', '/achievements/dup')
      expect(got.body).toEqual(first.body)
    })

    test('GET of an unknown code is 404 "Achievement not found"', async () => {
      const got = await svc.call('GET', '/achievements/no-such-thing')
      expect(got.status).toBe(404)
      expect(got.body).toEqual({ detail: 'Achievement not found', code: 'achievement_not_found' })
    })

    test('PATCH of an unknown code is 404 "Achievement not found", also with an empty body', async () => {
      for (const body of [{}, { points: 5 }]) {
        const patched = await svc.call('PATCH', '/achievements/no-such-thing', body)
        expect(patched.status).toBe(404)
        expect(patched.body).toEqual({ detail: 'Achievement not found', code: 'achievement_not_found' })
      }
    })

    test('a path code that no achievement can have (uppercase, too long, undecodable) is 404, not 422', async () => {
      for (const code of ['NOPE', 'a'.repeat(65), '%ZZ', '-starts-with-dash', 'has%20space']) {
        for (const method of ['GET', 'PATCH']) {
          const response = await svc.call(method, `/achievements/${code}`, method === 'PATCH' ? {} : undefined)
          expect({ code, method, status: response.status, body: response.body }).toEqual({
            code,
            method,
            status: 404,
            body: { detail: 'Achievement not found', code: 'achievement_not_found' },
          })
        }
      }
    })

    test('PATCH {} is a no-op that returns the record unchanged (updated_at too)', async () => {
      const created = await svc.call('POST', '/achievements', { code: 'noop', title: 'Noop', description: 'same' })
      const patched = await svc.call('PATCH', '/achievements/noop', {})
      expect(patched.status).toBe(200)
      expect(patched.body).toEqual(created.body)
      expect((await svc.call('GET', '/achievements/noop')).body).toEqual(created.body)
    })

    test('PATCH changes only the fields it names and moves updated_at', async () => {
      const created = await svc.call('POST', '/achievements', {
        code: 'partial',
        title: 'Before',
        description: 'kept',
        category: 'combat',
        rarity: 'rare',
      })
      await Bun.sleep(2) // updated_at has millisecond resolution
      const patched = await svc.call('PATCH', '/achievements/partial', { title: 'After', points: 75, is_secret: true })
      expect(patched.status).toBe(200)
      expect(patched.body).toEqual({
        ...created.body,
        title: 'After',
        points: 75,
        is_secret: true,
        updated_at: patched.body.updated_at,
      })
      expect(Date.parse(patched.body.updated_at)).toBeGreaterThan(Date.parse(created.body.updated_at))
      expect(patched.body.created_at).toBe(created.body.created_at)
      // The PATCH response is the writer's view: a secret achievement is not masked in it.
      expect(patched.body.title).toBe('After')
    })

    test('PATCH with explicit null clears the nullable fields (category, rarity, icon_url)', async () => {
      await svc.call('POST', '/achievements', {
        code: 'clearable',
        title: 'C',
        description: '',
        category: 'combat',
        rarity: 'epic',
        icon_url: 'https://cdn.example.com/x.png',
      })
      const patched = await svc.call('PATCH', '/achievements/clearable', { category: null, rarity: null, icon_url: null })
      expect(patched.status).toBe(200)
      expect(patched.body).toMatchObject({ category: null, rarity: null, icon_url: null })
      expect((await svc.call('GET', '/achievements/clearable')).body).toMatchObject({ category: null, rarity: null, icon_url: null })
    })

    test('PATCH with explicit null on a non-nullable field is 422 and changes nothing', async () => {
      const created = await svc.call('POST', '/achievements', { code: 'strict-null', title: 'S', description: 'd' })
      for (const field of ['title', 'description', 'points', 'is_secret', 'progress_target', 'auto_claim']) {
        const patched = await svc.call('PATCH', '/achievements/strict-null', { [field]: null })
        expect(patched.status).toBe(422)
        expect(patched.body.code).toBe('validation_error')
        expect(patched.body.errors).toContainEqual(expect.objectContaining({ path: `/${field}` }))
      }
      expect((await svc.call('GET', '/achievements/strict-null')).body).toEqual(created.body)
    })

    test('"5" for an integer body field is 422 (no coercion), on POST and PATCH', async () => {
      const post = await svc.call('POST', '/achievements', { code: 'string-five', title: 'T', description: '', points: '5' })
      expect(post.status).toBe(422)
      expect(post.body).toEqual({
        detail: 'Validation failed: /points Expected integer',
        code: 'validation_error',
        errors: [{ path: '/points', message: 'Expected integer' }],
      })
      expect((await svc.call('GET', '/achievements/string-five')).status).toBe(404)

      await svc.call('POST', '/achievements', { code: 'patch-five', title: 'T', description: '' })
      const patch = await svc.call('PATCH', '/achievements/patch-five', { progress_target: '5' })
      expect(patch.status).toBe(422)
      expect(patch.body.errors).toEqual([{ path: '/progress_target', message: 'Expected integer' }])
      expect((await svc.call('GET', '/achievements/patch-five')).body.progress_target).toBe(1)
    })

    test('PATCH cannot change the code: `code` in the body is an unknown field (422)', async () => {
      await svc.call('POST', '/achievements', { code: 'fixed-code', title: 'T', description: '' })
      const patched = await svc.call('PATCH', '/achievements/fixed-code', { code: 'other' })
      expect(patched.status).toBe(422)
      expect(patched.body.errors).toEqual([{ path: '/code', message: 'Unexpected property' }])
      expect((await svc.call('GET', '/achievements/other')).status).toBe(404)
    })

    test('a trailing slash reaches the same route', async () => {
      await svc.call('POST', '/achievements', { code: 'slash', title: 'T', description: '' })
      expect((await svc.call('GET', '/achievements/slash/')).body.code).toBe('slash')
      expect((await svc.call('GET', '/achievements/')).status).toBe(200)
    })

    test('unknown query parameters are ignored (as the replaced service did)', async () => {
      await svc.call('POST', '/achievements', { code: 'cache-buster', title: 'T', description: '' })
      expect((await svc.call('GET', '/achievements/cache-buster?_=12345')).status).toBe(200)
      expect((await svc.call('GET', '/achievements?_=12345&limit=1')).body).toHaveLength(1)
    })
  })
}
