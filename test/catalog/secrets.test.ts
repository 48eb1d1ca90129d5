import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { DIALECTS, startTestService, type TestService } from '../support/service'

const SECRET = { code: 'secret-boss', title: 'Slay the hidden boss', description: 'Find the cave first', is_secret: true, points: 300 }
const PLAIN = { code: 'plain', title: 'Plain', description: 'Visible', progress_target: 5 }
const MASKED = { title: 'Hidden achievement', description: '' }

const byCode = (list: { code: string }[], code: string) => list.find((row) => row.code === code)

for (const dialect of DIALECTS) {
  describe(`secret achievements with auth disabled (${dialect})`, () => {
    let svc: TestService
    let created: Record<string, unknown>
    beforeAll(async () => {
      svc = await startTestService(dialect)
      const response = await svc.call('POST', '/achievements', SECRET)
      expect(response.status).toBe(201)
      created = response.body
      await svc.call('POST', '/achievements', PLAIN)
      // `unlocker` unlocks the secret; `grinder` only has progress on the plain one.
      expect((await svc.call('POST', '/users/unlocker/progress', { achievement_code: SECRET.code })).status).toBe(200)
      expect((await svc.call('POST', '/users/grinder/progress', { achievement_code: PLAIN.code, progress_delta: 2 })).status).toBe(200)
    })
    afterAll(async () => {
      await svc.close()
    })

    test('POST and PATCH responses show the real title and description (the writer wrote them)', async () => {
      expect(created).toMatchObject({ title: SECRET.title, description: SECRET.description, is_secret: true })
      const patched = await svc.call('PATCH', `/achievements/${SECRET.code}`, {})
      expect(patched.body).toMatchObject({ title: SECRET.title, description: SECRET.description })
    })

    test('every reader is anonymous: GET and list mask the title and description, and nothing else', async () => {
      const got = await svc.call('GET', `/achievements/${SECRET.code}`)
      expect(got.body).toEqual({ ...created, ...MASKED, unlock_count: 1, updated_at: got.body.updated_at })
      const listed = byCode((await svc.call('GET', '/achievements')).body, SECRET.code)
      expect(listed).toEqual(got.body)
      // A plain achievement is never masked.
      expect(byCode((await svc.call('GET', '/achievements')).body, PLAIN.code)).toMatchObject({ title: PLAIN.title })
    })

    test('?user_id= of the player who unlocked it unmasks it and adds that player’s progress', async () => {
      const got = await svc.call('GET', `/achievements/${SECRET.code}?user_id=unlocker`)
      expect(got.status).toBe(200)
      expect(got.body).toMatchObject({ title: SECRET.title, description: SECRET.description, progress_current: 1, is_completed: true })
      expect(got.body.unlocked_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
      const listed = (await svc.call('GET', '/achievements?user_id=unlocker')).body
      expect(byCode(listed, SECRET.code)).toEqual(got.body)
      expect(byCode(listed, PLAIN.code)).toMatchObject({ progress_current: 0, is_completed: false, unlocked_at: null })
    })

    test('?user_id= of a player who has not unlocked it keeps it masked but still adds progress fields', async () => {
      for (const userId of ['grinder', 'never-played']) {
        const got = await svc.call('GET', `/achievements/${SECRET.code}?user_id=${userId}`)
        expect(got.body).toMatchObject({ ...MASKED, progress_current: 0, is_completed: false, unlocked_at: null })
      }
      const listed = (await svc.call('GET', '/achievements?user_id=grinder')).body
      expect(byCode(listed, PLAIN.code)).toMatchObject({ title: PLAIN.title, progress_current: 2, is_completed: false, unlocked_at: null })
    })

    test('without ?user_id= the progress fields are absent', async () => {
      const got = await svc.call('GET', `/achievements/${PLAIN.code}`)
      expect(got.body).not.toHaveProperty('progress_current')
      expect(got.body).not.toHaveProperty('is_completed')
      expect(got.body).not.toHaveProperty('unlocked_at')
    })

    test('a malformed user_id is 422', async () => {
      for (const userId of ['has space', 'x'.repeat(65), 'bad/slash', '']) {
        const got = await svc.call('GET', `/achievements/${SECRET.code}?user_id=${encodeURIComponent(userId)}`)
        expect({ userId, status: got.status }).toEqual({ userId, status: 422 })
        expect(got.body.errors[0].path).toBe('/user_id')
      }
    })
  })
}
