import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { CatalogCache } from '../../src/catalog/cache'
import type { CatalogStore, NewAchievement } from '../../src/storage/port'
import { DIALECTS, startTestService, type TestService } from '../support/service'

const definition = (code: string): NewAchievement => ({
  code,
  title: code,
  description: '',
  points: 10,
  category: null,
  rarity: null,
  iconUrl: null,
  isSecret: false,
  progressTarget: 1,
  autoClaim: true,
})

for (const dialect of DIALECTS) {
  describe(`catalog cache misses (${dialect})`, () => {
    let svc: TestService
    let cache: CatalogCache
    let lookups: string[]
    beforeAll(async () => {
      svc = await startTestService(dialect)
      const store = svc.service.storage.catalog
      lookups = []
      // The service's own store, with its lookups of single codes recorded.
      const recording = new Proxy(store, {
        get(target, property) {
          if (property === 'getByCode') {
            return (code: string) => {
              lookups.push(code)
              return target.getByCode(code)
            }
          }
          const value: unknown = Reflect.get(target, property)
          return typeof value === 'function' ? value.bind(target) : value
        },
      }) as CatalogStore
      cache = new CatalogCache(recording, 0)
      await cache.start()
    })
    afterAll(async () => {
      cache.stop()
      await svc.close()
    })

    test('concurrent misses of a definition created elsewhere share one database lookup, then it is cached', async () => {
      // Written past this cache, as another instance would.
      const created = await svc.service.storage.catalog.create(definition('late-comer'))
      const found = await Promise.all(Array.from({ length: 100 }, () => cache.get('late-comer')))
      expect(found.every((record) => record?.id === created!.id)).toBe(true)
      expect(lookups.filter((code) => code === 'late-comer')).toHaveLength(1)
      expect((await cache.get('late-comer'))?.id).toBe(created!.id)
      expect(lookups.filter((code) => code === 'late-comer')).toHaveLength(1)
    })

    test('concurrent misses of an unknown code share one lookup; a later miss asks again', async () => {
      const found = await Promise.all(Array.from({ length: 50 }, () => cache.get('never-created')))
      expect(found.every((record) => record === undefined)).toBe(true)
      expect(lookups.filter((code) => code === 'never-created')).toHaveLength(1)
      await svc.service.storage.catalog.create(definition('never-created'))
      expect((await cache.get('never-created'))?.code).toBe('never-created')
      expect(lookups.filter((code) => code === 'never-created')).toHaveLength(2)
    })
  })
}
