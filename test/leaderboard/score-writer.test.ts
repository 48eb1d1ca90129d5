import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test'
import { BoardRebuilder } from '../../src/leaderboard/rebuild'
import { boardKeys } from '../../src/leaderboard/redis-keys'
import { RedisLink } from '../../src/leaderboard/redis-link'
import { ScoreWriter, type ScoreWriteObserver } from '../../src/leaderboard/score-writer'
import type { ScoreStore } from '../../src/storage/port'
import { DIALECTS } from '../support/service'
import { deleteBoardKeys, SHARED_REDIS_URL, startLeaderboardService, uniqueBoardKey, type LeaderboardTestService } from './support'

class RecordingObserver implements ScoreWriteObserver {
  lost = 0
  notReady = 0
  writeLost() {
    this.lost += 1
  }
  boardNotReady() {
    this.notReady += 1
  }
}

async function connectedLink(): Promise<RedisLink> {
  const link = new RedisLink(SHARED_REDIS_URL, { connectTimeoutMs: 1_000, commandTimeoutMs: 2_000, cooldownMs: 0 })
  link.connect()
  while (!link.usable()) await Bun.sleep(10)
  return link
}

/** Reads the whole sorted set as user → score. */
async function boardScores(link: RedisLink, key: string): Promise<Map<string, number>> {
  const flat = await link.run((client) => client.zrange(key, 0, -1, 'WITHSCORES'))
  const scores = new Map<string, number>()
  for (let i = 0; i < flat.length; i += 2) scores.set(flat[i]!, Number(flat[i + 1]))
  return scores
}

describe('score writer', () => {
  let link: RedisLink
  const keys = boardKeys(uniqueBoardKey())

  beforeAll(async () => {
    link = await connectedLink()
  })
  afterEach(async () => {
    await deleteBoardKeys(SHARED_REDIS_URL, keys.board)
    await link.run((client) => client.set(keys.marker, 'test'))
  })
  afterAll(async () => {
    await link.close()
    await deleteBoardKeys(SHARED_REDIS_URL, keys.board)
  })

  test('a burst of submits becomes one Redis call, each answered with its rank', async () => {
    await link.run((client) => client.set(keys.marker, 'test'))
    const writer = new ScoreWriter(link, keys, new RecordingObserver(), { windowMs: 5, maxBatch: 1_000 })
    const ranks = await Promise.all(Array.from({ length: 200 }, (_, i) => writer.submit(`u${i}`, 1_000 - i)))
    expect(writer.batchesSent).toBe(1)
    expect(ranks).toEqual(Array.from({ length: 200 }, (_, i) => i + 1))
  })

  test('the size cap splits a burst into batches', async () => {
    const writer = new ScoreWriter(link, keys, new RecordingObserver(), { windowMs: 50, maxBatch: 50 })
    await Promise.all(Array.from({ length: 120 }, (_, i) => writer.submit(`u${i}`, i + 1)))
    expect(writer.batchesSent).toBe(3)
  })

  test('retried, duplicated and out-of-order writes never lower, raise or double a score', async () => {
    const writer = new ScoreWriter(link, keys, new RecordingObserver(), { windowMs: 1, maxBatch: 1_000 })
    await writer.submit('rival', 150)
    const inOneBatch = await Promise.all([writer.submit('me', 100), writer.submit('me', 200), writer.submit('me', 100), writer.submit('me', 200)])
    // The late 100 is answered as 100 would rank among the others: the player's own 200 is not counted above it.
    expect(inOneBatch).toEqual([2, 1, 2, 1])
    expect(await writer.submit('me', 120)).toBe(2)
    expect(await writer.submit('me', 200)).toBe(1)
    expect(await boardScores(link, keys.board)).toEqual(new Map([['rival', 150], ['me', 200]]))
  })

  test('zero or negative totals are not written and have no rank', async () => {
    const writer = new ScoreWriter(link, keys, new RecordingObserver())
    expect(await writer.submit('nobody', 0)).toBeNull()
    expect(writer.batchesSent).toBe(0)
    expect(await boardScores(link, keys.board)).toEqual(new Map())
  })

  test('without the marker, writes still land but ranks are null and the keeper is told', async () => {
    await link.run((client) => client.del(keys.marker))
    const observer = new RecordingObserver()
    const writer = new ScoreWriter(link, keys, observer, { windowMs: 1, maxBatch: 10 })
    expect(await writer.submit('a', 10)).toBeNull()
    expect(observer.notReady).toBe(1)
    expect(await boardScores(link, keys.board)).toEqual(new Map([['a', 10]]))
  })
})

/** A ScoreStore whose scan is slow, so that writes happen while a rebuild is in progress. */
function slowScan(store: ScoreStore, delayMs: number): ScoreStore {
  return {
    page: (offset, limit) => store.page(offset, limit),
    count: () => store.count(),
    countAbove: (score) => store.countAbove(score),
    positionOf: (userId) => store.positionOf(userId),
    starTokensOf: (ids) => store.starTokensOf(ids),
    scan: async (after, limit) => {
      await Bun.sleep(delayMs)
      return store.scan(after, limit)
    },
  }
}

for (const dialect of DIALECTS) {
  describe(`rebuild (${dialect})`, () => {
    let svc: LeaderboardTestService
    let link: RedisLink
    const keys = boardKeys(uniqueBoardKey())

    beforeAll(async () => {
      svc = await startLeaderboardService(dialect)
      link = await connectedLink()
    })
    afterAll(async () => {
      await link.close()
      await svc.close()
      await deleteBoardKeys(SHARED_REDIS_URL, keys.board)
    })

    test('writes made during a rebuild are not lost by the RENAME; the result equals the database', async () => {
      const players = Array.from({ length: 400 }, (_, i) => ({ userId: `p${String(i).padStart(4, '0')}`, total: 10 + (i % 37) }))
      await svc.seed.set(players)
      // Stale content that the rebuild must replace: a player unknown to the database and a wrong score.
      await link.run((client) => client.zadd(keys.board, 5, 'ghost', 1, 'p0000'))

      const writer = new ScoreWriter(link, keys, new RecordingObserver(), { windowMs: 1, maxBatch: 100 })
      const rebuilder = new BoardRebuilder(link, keys, slowScan(svc.service.storage.scores, 15), 40)
      const rebuilding = rebuilder.rebuild('test')
      // Concurrent progress: each write commits to the database, then submits the new absolute total.
      const current = new Map(players.map((p) => [p.userId, p.total]))
      for (let round = 0; round < 10; round++) {
        const batch = Array.from({ length: 30 }, (_, i) => `p${String((round * 131 + i * 13) % 400).padStart(4, '0')}`)
        const unique = [...new Set(batch)].map((userId) => ({ userId, total: current.get(userId)! + 100 + round }))
        for (const row of unique) current.set(row.userId, row.total)
        await svc.seed.set(unique)
        await Promise.all(unique.map((row) => writer.submit(row.userId, row.total)))
        await Bun.sleep(10)
      }
      expect(await rebuilding).toEqual({ status: 'done', players: 400 })
      await writer.drain()

      expect(await boardScores(link, keys.board)).toEqual(current)
      expect(await link.run((client) => client.get(keys.marker))).toBe('test')
      expect(await link.run((client) => client.keys(`${keys.rebuild}*`))).toEqual([])
      expect(await link.run((client) => client.pttl(keys.board))).toBe(-1)
    })

    test('only one rebuild runs at a time', async () => {
      const slow = new BoardRebuilder(link, keys, slowScan(svc.service.storage.scores, 30), 200)
      const first = slow.rebuild('one')
      await Bun.sleep(5)
      expect(await new BoardRebuilder(link, keys, svc.service.storage.scores).rebuild('two')).toEqual({ status: 'busy' })
      expect((await first).status).toBe('done')
    })
  })
}
