import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { BoardNotReadyError, type LeaderboardBoard } from '../../src/leaderboard/board'
import { DatabaseBoard } from '../../src/leaderboard/database-board'
import { comparePlayers } from '../../src/leaderboard/ranking'
import { BoardRebuilder } from '../../src/leaderboard/rebuild'
import { RedisBoard } from '../../src/leaderboard/redis-board'
import { boardKeys } from '../../src/leaderboard/redis-keys'
import { RedisLink } from '../../src/leaderboard/redis-link'
import { DIALECTS } from '../support/service'
import { deleteBoardKeys, SHARED_REDIS_URL, startLeaderboardService, uniqueBoardKey, type LeaderboardTestService, type SeedRow } from './support'

/** Deterministic pseudo-random data with many ties, ids of mixed case and punctuation, and zero scores. */
function dataset(count: number, seed: number): SeedRow[] {
  // mulberry32
  let state = seed
  const next = () => {
    state = (state + 0x6d2b79f5) | 0
    let t = Math.imul(state ^ (state >>> 15), 1 | state)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return (t ^ (t >>> 14)) >>> 0
  }
  const alphabet = 'aAbB09_.:-zZ'
  const rows = new Map<string, SeedRow>()
  while (rows.size < count) {
    const length = 1 + (next() % 4)
    let id = ''
    for (let i = 0; i < length; i++) id += alphabet[next() % alphabet.length]
    rows.set(id, { userId: id, total: next() % 7 === 0 ? 0 : 100 * (next() % 12) + 5 })
  }
  return [...rows.values()]
}

function expected(rows: SeedRow[]) {
  const onBoard = rows.filter((row) => row.total > 0).map((row) => ({ userId: row.userId, score: row.total }))
  const sorted = onBoard.sort(comparePlayers)
  return sorted.map((player) => ({ ...player, rank: 1 + sorted.filter((other) => other.score > player.score).length }))
}

for (const dialect of DIALECTS) {
  describe(`leaderboard board contract (${dialect}): Redis and database adapters agree`, () => {
    let svc: LeaderboardTestService
    let link: RedisLink
    const key = uniqueBoardKey()
    const keys = boardKeys(key)
    let boards: [string, LeaderboardBoard][]
    let rows = dataset(300, 7)

    async function rebuild() {
      const outcome = await new BoardRebuilder(link, keys, svc.service.storage.scores, 64).rebuild('test')
      expect(outcome.status).toBe('done')
    }

    beforeAll(async () => {
      svc = await startLeaderboardService(dialect)
      link = new RedisLink(SHARED_REDIS_URL, { connectTimeoutMs: 1_000, commandTimeoutMs: 2_000, cooldownMs: 0 })
      link.connect()
      while (!link.usable()) await Bun.sleep(10)
      await svc.seed.set(rows)
      await rebuild()
      boards = [
        ['redis', new RedisBoard(link, keys)],
        ['database', new DatabaseBoard(svc.service.storage.scores)],
      ]
    })
    afterAll(async () => {
      await link.close()
      await svc.close()
      await deleteBoardKeys(SHARED_REDIS_URL, key)
    })

    async function expectSameAnswers() {
      const truth = expected(rows)
      for (const [name, board] of boards) {
        for (const [offset, limit] of [[0, 1], [0, 100], [3, 7], [17, 20], [truth.length - 5, 10], [truth.length, 5], [1000, 3]] as const) {
          const page = await board.page(offset, limit)
          expect(page, `${name} page ${offset},${limit}`).toEqual({ entries: truth.slice(offset, offset + limit), totalPlayers: truth.length, offset })
        }
        for (const [position, player] of truth.entries()) {
          if (position % 7 !== 0 && position !== truth.length - 1) continue
          for (const limit of [1, 4, 5, 100]) {
            const page = await board.around(player.userId, limit)
            const start = Math.max(0, Math.min(position - Math.floor((limit - 1) / 2), truth.length - limit))
            expect(page, `${name} around ${player.userId} ${limit}`).toEqual({ entries: truth.slice(start, start + limit), totalPlayers: truth.length, offset: start })
          }
          expect(await board.rankOf(player.userId, player.score), `${name} rank ${player.userId}`).toBe(player.rank)
        }
        const withoutScore = rows.find((row) => row.total === 0)!.userId
        for (const who of [withoutScore, 'not-a-player']) {
          expect(await board.around(who, 3)).toEqual({ entries: truth.slice(0, 3), totalPlayers: truth.length, offset: 0 })
        }
        expect(await board.rankOf(withoutScore, 0)).toBeNull()
      }
    }

    test('same pages, around_user windows and ranks as the reference ordering', async () => {
      await expectSameAnswers()
    })

    test('still the same after more players and higher scores, rebuilt', async () => {
      const more = dataset(120, 99).map((row) => ({ ...row, total: row.total + 7 }))
      const merged = new Map(rows.map((row) => [row.userId, row]))
      for (const row of more) merged.set(row.userId, { userId: row.userId, total: Math.max(row.total, merged.get(row.userId)?.total ?? 0) })
      rows = [...merged.values()]
      await svc.seed.set(rows)
      await rebuild()
      await expectSameAnswers()
    })

    test('every window of a board with small tie groups: runs cut by either page edge or both', async () => {
      // Scores spread over ~60 values: pages hold several runs, and tie groups straddle page edges.
      rows = rows.map((row, index) => ({ userId: row.userId, total: row.total === 0 ? 0 : 10 * ((index * 7_919) % 61) + 3 }))
      await svc.seed.set(rows)
      await rebuild()
      const truth = expected(rows)
      for (const [name, board] of boards) {
        for (const limit of [1, 2, 5, 13]) {
          for (let offset = 0; offset <= truth.length; offset++) {
            const page = await board.page(offset, limit)
            expect(page, `${name} page ${offset},${limit}`).toEqual({ entries: truth.slice(offset, offset + limit), totalPlayers: truth.length, offset })
          }
        }
      }
    })

    test('the Redis adapter refuses to answer while its marker is missing', async () => {
      await link.run((client) => client.del(keys.marker))
      const redisBoard = boards[0]![1]
      await expect(redisBoard.page(0, 5)).rejects.toBeInstanceOf(BoardNotReadyError)
      await expect(redisBoard.around('x', 5)).rejects.toBeInstanceOf(BoardNotReadyError)
      await expect(redisBoard.rankOf('x', 5)).rejects.toBeInstanceOf(BoardNotReadyError)
      await rebuild()
    })
  })
}
