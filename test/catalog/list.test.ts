import { afterAll, afterEach, beforeAll, describe, expect, setSystemTime, test } from 'bun:test'
import { DIALECTS, startTestService, type TestService } from '../support/service'

const codes = (body: { code: string }[]) => body.map((row) => row.code)

for (const dialect of DIALECTS) {
  describe(`catalog list (${dialect})`, () => {
    let svc: TestService
    // Created at three instants, in an order unlike the codes': within one instant only the code can order them.
    const expectedOrder = ['newest', 'a-tie', 'b-tie', 'c-tie', 'oldest-1', 'oldest-2']

    beforeAll(async () => {
      svc = await startTestService(dialect)
      const create = (code: string, category: string | null) =>
        svc.call('POST', '/achievements', { code, title: code, description: '', category })
      setSystemTime(new Date('2026-01-01T00:00:00.000Z'))
      await create('oldest-2', 'combat')
      await create('oldest-1', 'combat')
      setSystemTime(new Date('2026-01-02T00:00:00.000Z'))
      await create('b-tie', 'explore')
      await create('c-tie', null)
      await create('a-tie', 'combat')
      setSystemTime(new Date('2026-01-03T00:00:00.000Z'))
      await create('newest', 'explore')
      setSystemTime()
    })
    afterEach(() => {
      setSystemTime()
    })
    afterAll(async () => {
      await svc.close()
    })

    test('newest first, equal created_at ordered by code', async () => {
      const list = await svc.call('GET', '/achievements')
      expect(list.status).toBe(200)
      expect(codes(list.body)).toEqual(expectedOrder)
    })

    test('skip/limit pages walk the same order without gaps or repeats, ties included', async () => {
      const seen: string[] = []
      for (let skip = 0; skip < 8; skip += 2) {
        const page = await svc.call('GET', `/achievements?skip=${skip}&limit=2`)
        expect(page.status).toBe(200)
        seen.push(...codes(page.body))
      }
      expect(seen).toEqual(expectedOrder)
    })

    test('default limit is 50 and skip past the end is an empty list', async () => {
      expect((await svc.call('GET', '/achievements?skip=6')).body).toEqual([])
      expect((await svc.call('GET', '/achievements?skip=1000000')).body).toEqual([])
      expect((await svc.call('GET', '/achievements?limit=100')).body).toHaveLength(6)
      expect((await svc.call('GET', '/achievements?limit=1')).body).toHaveLength(1)
    })

    test('category filter returns only that category, in the same order, and pages within it', async () => {
      expect(codes((await svc.call('GET', '/achievements?category=combat')).body)).toEqual(['a-tie', 'oldest-1', 'oldest-2'])
      expect(codes((await svc.call('GET', '/achievements?category=explore')).body)).toEqual(['newest', 'b-tie'])
      expect(codes((await svc.call('GET', '/achievements?category=combat&skip=1&limit=1')).body)).toEqual(['oldest-1'])
      expect((await svc.call('GET', '/achievements?category=unknown')).body).toEqual([])
    })

    test('the category filter is an exact, case-sensitive match', async () => {
      expect((await svc.call('GET', '/achievements?category=Combat')).body).toEqual([])
      expect((await svc.call('GET', '/achievements?category=comb')).body).toEqual([])
    })

    test('limit 0, limit 101 and skip -1 are 422 naming the parameter', async () => {
      const cases: [string, string, string][] = [
        ['limit=0', '/limit', 'Expected integer to be greater or equal to 1'],
        ['limit=101', '/limit', 'Expected integer to be less or equal to 100'],
        ['skip=-1', '/skip', 'Expected integer to be greater or equal to 0'],
      ]
      for (const [query, path, message] of cases) {
        const response = await svc.call('GET', `/achievements?${query}`)
        expect(response.status).toBe(422)
        expect(response.body).toEqual({
          detail: `Validation failed: ${path} ${message}`,
          code: 'validation_error',
          errors: [{ path, message }],
        })
      }
    })

    test('non-integer skip/limit text is 422 "Expected integer"', async () => {
      for (const query of ['limit=abc', 'limit=1.5', 'limit=', 'skip=0x10', 'skip=1e3', 'limit=%20']) {
        const response = await svc.call('GET', `/achievements?${query}`)
        expect({ query, status: response.status }).toEqual({ query, status: 422 })
        expect(response.body.errors[0].message).toBe('Expected integer')
      }
    })
  })
}
