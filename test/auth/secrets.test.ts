import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { DIALECTS, startTestService, type TestService } from '../support/service'
import { JWT_ENV, authorizationFor, type CallerKind } from './tokens'

const SECRET = { code: 'hidden-one', title: 'The Secret Title', description: 'How to find it', is_secret: true }

for (const dialect of DIALECTS) {
  describe(`secret masking by scope (${dialect})`, () => {
    let svc: TestService
    beforeAll(async () => {
      svc = await startTestService(dialect, { env: JWT_ENV })
      expect((await svc.call('POST', '/achievements', SECRET, await authorizationFor('admin'))).status).toBe(201)
    })
    afterAll(async () => {
      await svc.close()
    })

    const masked: CallerKind[] = ['none', 'player', 'progress']
    for (const kind of masked) {
      test(`${kind}: a secret achievement is masked in get and list`, async () => {
        const headers = await authorizationFor(kind)
        const one = await svc.call('GET', `/achievements/${SECRET.code}`, undefined, headers)
        expect(one.status).toBe(200)
        expect(one.body.title).toBe('Hidden achievement')
        expect(one.body.description).toBe('')
        const list = await svc.call('GET', '/achievements', undefined, headers)
        expect(list.body.find((a: { code: string }) => a.code === SECRET.code).title).toBe('Hidden achievement')
      })
    }

    test('admin: a secret achievement is shown in full in get and list', async () => {
      const headers = await authorizationFor('admin')
      const one = await svc.call('GET', `/achievements/${SECRET.code}`, undefined, headers)
      expect(one.body.title).toBe(SECRET.title)
      expect(one.body.description).toBe(SECRET.description)
      const list = await svc.call('GET', '/achievements', undefined, headers)
      expect(list.body.find((a: { code: string }) => a.code === SECRET.code).title).toBe(SECRET.title)
    })

    test('writes without the admin scope are 401/403 and store nothing', async () => {
      const body = { code: 'not-stored', title: 'T', description: '' }
      expect((await svc.call('POST', '/achievements', body)).status).toBe(401)
      expect((await svc.call('POST', '/achievements', body, await authorizationFor('player'))).status).toBe(403)
      expect((await svc.call('PATCH', `/achievements/${SECRET.code}`, { title: 'x' }, await authorizationFor('progress'))).status).toBe(403)
      const admin = await authorizationFor('admin')
      expect((await svc.call('GET', '/achievements/not-stored', undefined, admin)).status).toBe(404)
      expect((await svc.call('GET', `/achievements/${SECRET.code}`, undefined, admin)).body.title).toBe(SECRET.title)
    })
  })
}

describe('auth disabled (no JWT settings)', () => {
  let svc: TestService
  beforeAll(async () => {
    svc = await startTestService('sqlite')
  })
  afterAll(async () => {
    await svc.close()
  })

  test('writes need no token and an Authorization header is ignored', async () => {
    expect(svc.service.deps.authenticator.enabled).toBe(false)
    expect((await svc.call('POST', '/achievements', { ...SECRET, code: 'open-1' })).status).toBe(201)
    const garbage = await svc.call('POST', '/achievements', { ...SECRET, code: 'open-2' }, { authorization: 'Bearer garbage' })
    expect(garbage.status).toBe(201)
  })

  test('reads stay masked: nobody is admin while auth is off', async () => {
    const one = await svc.call('GET', '/achievements/open-1')
    expect(one.body.title).toBe('Hidden achievement')
  })
})
