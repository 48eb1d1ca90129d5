import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { PageCache } from '../../src/leaderboard/page-cache'
import { DIALECTS } from '../support/service'
import { startLeaderboardService, type LeaderboardTestService, type SeedRow } from './support'
import { waitFor } from '../support/wait'

/** A clock the test moves by hand. */
function manualClock(start = 1_700_000_000_000) {
  let now = start
  return { now: () => now, advance: (ms: number) => (now += ms) }
}

function deferred<T>() {
  let resolve!: (value: T) => void
  let reject!: (error: unknown) => void
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)))
  return { promise, resolve, reject }
}

describe('PageCache', () => {
  test('concurrent readers of a key share one load; the page is reused until the TTL, counted from the load start', async () => {
    const clock = manualClock()
    const cache = new PageCache<string>({ ttlMs: 250, maxEntries: 10 }, clock.now)
    let loads = 0
    const pending = deferred<string>()
    const load = () => {
      loads += 1
      return pending.promise
    }
    const readers = [cache.get('0:20', load), cache.get('0:20', load), cache.get('0:20', load)]
    clock.advance(100) // the load itself takes 100 ms
    pending.resolve('page')
    expect(await Promise.all(readers)).toEqual(['page', 'page', 'page'])
    expect(loads).toBe(1)

    clock.advance(149) // 249 ms after the load began
    expect(await cache.get('0:20', async () => `load ${++loads}`)).toBe('page')
    clock.advance(1) // 250 ms: expired
    expect(await cache.get('0:20', async () => `load ${++loads}`)).toBe('load 2')
    expect(await cache.get('0:20', async () => `load ${++loads}`)).toBe('load 2')
  })

  test('refresh ahead: past refreshAfterMs a read gets the cached page and starts one background refresh', async () => {
    const clock = manualClock()
    const cache = new PageCache<string>({ ttlMs: 250, refreshAfterMs: 100, maxEntries: 10 }, clock.now)
    let loads = 0
    expect(await cache.get('k', async () => `v${++loads}`)).toBe('v1')
    clock.advance(99)
    expect(await cache.get('k', async () => `v${++loads}`)).toBe('v1')
    expect(loads).toBe(1)

    clock.advance(1) // 100 ms old: served, and refreshed in the background (one refresh for all readers)
    const refresh = deferred<string>()
    const slowLoad = () => {
      loads += 1
      return refresh.promise
    }
    expect(await Promise.all([cache.get('k', slowLoad), cache.get('k', slowLoad)])).toEqual(['v1', 'v1'])
    expect(loads).toBe(2)
    clock.advance(10)
    refresh.resolve('v2')
    await refresh.promise
    await Bun.sleep(0)
    expect(await cache.get('k', slowLoad)).toBe('v2')
    // The refreshed page is dated by the refresh's start (100 ms): it expires at 350 ms.
    clock.advance(239) // 349 ms
    expect(cache.fresh('k')).toBe('v2')
    clock.advance(1)
    expect(cache.fresh('k')).toBeUndefined()
  })

  test('a page read earlier never replaces one read later', () => {
    const clock = manualClock()
    const cache = new PageCache<string>({ ttlMs: 250, maxEntries: 10 }, clock.now)
    cache.set('k', 'newer', clock.now())
    cache.set('k', 'older', clock.now() - 10)
    expect(cache.fresh('k')).toBe('newer')
  })

  test('a failed load is shared by its readers and not cached', async () => {
    const cache = new PageCache<string>({ ttlMs: 250, maxEntries: 10 }, manualClock().now)
    const pending = deferred<string>()
    const readers = [cache.get('k', () => pending.promise), cache.get('k', () => pending.promise)]
    pending.reject(new Error('database down'))
    for (const reader of readers) await expect(reader).rejects.toThrow('database down')
    expect(await cache.get('k', async () => 'after')).toBe('after')
  })

  test('bounded: the oldest pages go first; expired pages are dropped when others are stored', async () => {
    const clock = manualClock()
    const cache = new PageCache<string>({ ttlMs: 250, maxEntries: 3 }, clock.now)
    for (const key of ['a', 'b', 'c', 'd']) await cache.get(key, async () => key)
    expect(cache.size).toBe(3)
    expect(cache.fresh('a')).toBeUndefined()
    expect(cache.fresh('d')).toBe('d')
    clock.advance(300)
    await cache.get('e', async () => 'e')
    expect(cache.size).toBe(1)
  })

  test('TTL 0: no caching, no sharing; every read loads', async () => {
    const cache = new PageCache<number>({ ttlMs: 0, maxEntries: 10 }, manualClock().now)
    let loads = 0
    const load = async () => ++loads
    expect(await Promise.all([cache.get('k', load), cache.get('k', load)])).toEqual([1, 2])
    expect(await cache.get('k', load)).toBe(3)
    expect(cache.size).toBe(0)
  })
})

type Entry = { user_id: string; score: number; rank: number }

for (const dialect of DIALECTS) {
  describe(`GET /leaderboard page cache (${dialect}, TTL 250 ms, refresh after 125 ms, test clock)`, () => {
    const TTL = 250
    const REFRESH_AFTER = 125
    const clock = manualClock()
    let svc: LeaderboardTestService
    const boardReads = () => svc.service.deps.leaderboard.boardReads
    const get = async (query: string) => {
      const res = await svc.call('GET', `/leaderboard?${query}`)
      expect(res.status).toBe(200)
      return res.body as { entries: Entry[]; generated_at: string; offset: number }
    }
    const scoreOf = (body: { entries: Entry[] }, userId: string) => body.entries.find((entry) => entry.user_id === userId)?.score

    beforeAll(async () => {
      svc = await startLeaderboardService(dialect, { options: { leaderboard: { pageCache: { ttlMs: TTL, refreshAfterMs: REFRESH_AFTER }, now: clock.now } } })
      await svc.seed.set(Array.from({ length: 10 }, (_, i): SeedRow => ({ userId: `p${i}`, total: 1_000 - 10 * i })))
    })
    afterAll(async () => {
      await svc.close()
    })

    test('two reads within the TTL make one board read; after the TTL a new read shows the new score', async () => {
      const before = boardReads()
      const first = await get('limit=5')
      expect(boardReads()).toBe(before + 1)
      expect(first.generated_at).toBe(new Date(clock.now()).toISOString())

      await svc.seed.set([{ userId: 'p4', total: 2_000 }])
      clock.advance(REFRESH_AFTER - 1)
      expect(await get('limit=5')).toEqual(first)
      expect(boardReads()).toBe(before + 1)

      clock.advance(TTL)
      const fresh = await get('limit=5')
      expect(boardReads()).toBe(before + 2)
      expect(fresh.entries[0]).toMatchObject({ user_id: 'p4', score: 2_000, rank: 1 })
      expect(fresh.generated_at).toBe(new Date(clock.now()).toISOString())
    })

    test('past the refresh age and within the TTL: the cached page is served and one board read refreshes it', async () => {
      clock.advance(TTL)
      const before = boardReads()
      const first = await get('limit=5')
      await svc.seed.set([{ userId: 'p4', total: 2_500 }])
      clock.advance(REFRESH_AFTER)
      const readers = await Promise.all([get('limit=5'), get('limit=5'), get('limit=5')])
      for (const page of readers) expect(page).toEqual(first)
      expect(boardReads()).toBe(before + 2)
      await waitFor('the background refresh', async () => scoreOf(await get('limit=5'), 'p4') === 2_500, 5_000)
      expect(boardReads()).toBe(before + 2)
      expect((await get('limit=5')).generated_at).toBe(new Date(clock.now()).toISOString())
    })

    test('concurrent reads of one page make one board read; other pages are cached apart', async () => {
      clock.advance(TTL)
      const before = boardReads()
      const pages = await Promise.all(Array.from({ length: 8 }, () => get('limit=3&offset=2')))
      expect(new Set(pages.map((page) => JSON.stringify(page))).size).toBe(1)
      expect(boardReads()).toBe(before + 1)
      await get('limit=3&offset=0')
      await get('limit=4&offset=2')
      expect(boardReads()).toBe(before + 3)
    })

    test('the TTL bounds staleness: every write older than the TTL is on the page served', async () => {
      clock.advance(TTL)
      const committed: { at: number; score: number }[] = []
      for (let step = 1; step <= 60; step++) {
        clock.advance([0, 10, 40, 90, 130][step % 5]!)
        const score = 3_000 + step
        await svc.seed.set([{ userId: 'climber', total: score }])
        committed.push({ at: clock.now(), score })
        const page = await get('limit=3')
        const generatedAt = Date.parse(page.generated_at)
        expect(clock.now() - generatedAt).toBeLessThan(TTL)
        const mustShow = Math.max(0, ...committed.filter((write) => write.at <= clock.now() - TTL).map((write) => write.score))
        expect(scoreOf(page, 'climber')!).toBeGreaterThanOrEqual(mustShow)
      }
    })

    test('around_user shares the cache of its window; a player always sees itself on its own page', async () => {
      clock.advance(TTL)
      // Board: climber, p4, p0, p1, p2, p3, p5, …; p1 (position 3) is centred in the window of 3 at offset 2.
      const window = await get('around_user=p1&limit=3')
      expect(window.offset).toBe(2)
      expect(window.entries.map((entry) => entry.user_id)).toEqual(['p0', 'p1', 'p2'])

      // A newcomer moves to position 3; within the TTL the page at offset 2 is still the cached one...
      await svc.seed.set([{ userId: 'newcomer', total: 995 }])
      expect(await get('limit=3&offset=2')).toEqual(window)
      // ...but the newcomer's own window (offset 2 too) is read again, since the cached page lacks the newcomer.
      const forNewcomer = await get('around_user=newcomer&limit=3')
      expect(forNewcomer.offset).toBe(2)
      expect(forNewcomer.entries.map((entry) => [entry.user_id, entry.rank])).toEqual([
        ['p0', 3],
        ['newcomer', 4],
        ['p1', 5],
      ])
      // The fresh page replaced the cached one for that window.
      expect(await get('limit=3&offset=2')).toEqual(forNewcomer)
    })
  })
}
