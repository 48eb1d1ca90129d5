import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { treaty } from '@elysiajs/eden'
import { createClient } from '../src/client'
import { DIALECTS, startTestService, type TestService } from './support/service'

// Compile-time checks: `bun run typecheck` fails when a catalog route's shape changes.
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false
function assertType<T extends true>(): T | undefined {
  return undefined
}

type CatalogApi = ReturnType<typeof treaty<TestService['service']['app']>>['api']['v1']['achievements']['achievements']
type Created = NonNullable<Awaited<ReturnType<CatalogApi['post']>>['data']>
type Listed = NonNullable<Awaited<ReturnType<CatalogApi['get']>>['data']>
type CreateBody = Parameters<CatalogApi['post']>[0]
type ListQuery = NonNullable<NonNullable<Parameters<CatalogApi['get']>[0]>['query']>
type PostError = NonNullable<Awaited<ReturnType<CatalogApi['post']>>['error']>

assertType<
  Equal<
    keyof Created,
    | 'id'
    | 'code'
    | 'title'
    | 'description'
    | 'points'
    | 'category'
    | 'rarity'
    | 'icon_url'
    | 'is_secret'
    | 'progress_target'
    | 'auto_claim'
    | 'created_at'
    | 'updated_at'
    | 'unlock_count'
    | 'unlock_percent'
    | 'progress_current'
    | 'is_completed'
    | 'unlocked_at'
  >
>()
assertType<Equal<Created['points'], number>>()
assertType<Equal<Created['category'], string | null>>()
assertType<Equal<Created['unlock_percent'], number | null>>()
assertType<Equal<Created['progress_current'], number | undefined>>()
assertType<Equal<Listed, Created[]>>()
assertType<Equal<keyof CreateBody, 'code' | 'title' | 'description' | 'points' | 'category' | 'rarity' | 'icon_url' | 'is_secret' | 'progress_target' | 'auto_claim'>>()
assertType<Equal<CreateBody['points'], number | undefined>>()
assertType<Equal<ListQuery['limit'], number | undefined>>()
assertType<Equal<PostError['status'], 400 | 401 | 403 | 409 | 413 | 415 | 422 | 503>>()
assertType<Equal<PostError['value']['detail'], string>>()

for (const dialect of DIALECTS) {
  describe(`Eden treaty over the catalog (${dialect})`, () => {
    let svc: TestService
    beforeAll(async () => {
      svc = await startTestService(dialect)
    })
    afterAll(async () => {
      await svc.close()
    })

    test('create, get, patch and list through treaty(app) with typed results', async () => {
      const api = treaty(svc.service.app).api.v1.achievements

      const created = await api.achievements.post({ code: 'eden-first', title: 'Eden', description: 'typed', points: 120 })
      expect(created.status).toBe(201)
      if (!created.data) throw new Error(`create failed: ${JSON.stringify(created.error)}`)
      const points: number = created.data.points
      expect(points).toBe(120)
      expect(created.data.is_secret).toBe(false)

      const got = await api.achievements({ code: 'eden-first' }).get()
      expect(got.data?.title).toBe('Eden')

      const patched = await api.achievements({ code: 'eden-first' }).patch({ category: 'tutorial', rarity: null })
      expect(patched.data?.category).toBe('tutorial')

      await api.achievements.post({ code: 'eden-second', title: 'Second', description: '' })
      const listed = await api.achievements.get({ query: { limit: 10, category: 'tutorial' } })
      expect(listed.data?.map((row) => row.code)).toEqual(['eden-first'])
    })

    test('errors arrive typed with the contract body', async () => {
      const api = treaty(svc.service.app).api.v1.achievements
      await api.achievements.post({ code: 'eden-dup', title: 'Dup', description: '' })
      const duplicate = await api.achievements.post({ code: 'eden-dup', title: 'Dup', description: '' })
      expect(duplicate.error?.status).toBe(409)
      expect(duplicate.error?.value).toEqual({ detail: 'Achievement code already exists', code: 'duplicate_code' })

      const missing = await api.achievements({ code: 'eden-missing' }).get()
      expect(missing.error?.status).toBe(404)
      expect(missing.error?.value.detail).toBe('Achievement not found')

      const tooMany = await api.achievements.get({ query: { limit: 101 } })
      expect(tooMany.error?.status).toBe(422)
      expect(tooMany.error?.value.errors).toEqual([{ path: '/limit', message: 'Expected integer to be less or equal to 100' }])
    })

    test('createClient(baseUrl) talks to a listening server', async () => {
      const server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: (request) => svc.service.app.handle(request) })
      try {
        const client = createClient(`http://127.0.0.1:${server.port}`)
        const created = await client.api.v1.achievements.achievements.post({ code: 'over-http', title: 'HTTP', description: '' })
        expect(created.status).toBe(201)
        const got = await client.api.v1.achievements.achievements({ code: 'over-http' }).get({ query: { user_id: 'nobody' } })
        expect(got.data).toMatchObject({ code: 'over-http', progress_current: 0, is_completed: false, unlocked_at: null })
        const health = await client.health.get()
        expect(health.data).toEqual({ status: 'healthy', service: 'achievement-service' })
      } finally {
        await server.stop(true)
      }
    })
  })
}
