import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { aroundWindowStart, comparePlayers, compareUserIds, rankPage, type ScoredPlayer } from '../../src/leaderboard/ranking'

/** The whole ordering with competition ranks, computed the obvious way. */
function reference(players: ScoredPlayer[]) {
  const sorted = [...players].sort(comparePlayers)
  return sorted.map((player) => ({ ...player, rank: 1 + sorted.filter((other) => other.score > player.score).length }))
}

const playersArb = fc
  .uniqueArray(fc.record({ userId: fc.stringMatching(/^[A-Za-z0-9_.:-]{1,6}$/), score: fc.integer({ min: 1, max: 6 }) }), {
    selector: (player) => player.userId,
    maxLength: 40,
  })

describe('ranking rules', () => {
  test('ties share a competition rank and are ordered by ascending user_id, bytewise', () => {
    const players = [
      { userId: 'd', score: 80 },
      { userId: 'b', score: 90 },
      { userId: 'a', score: 100 },
      { userId: 'B', score: 90 },
    ]
    const ordered = [...players].sort(comparePlayers)
    expect(rankPage(ordered, 0, 0).map((p) => [p.userId, p.rank])).toEqual([
      ['a', 1],
      ['B', 2],
      ['b', 2],
      ['d', 4],
    ])
    expect(compareUserIds('B', 'a')).toBeLessThan(0)
  })

  test('any page ranked from its first entry matches the whole ordering', () => {
    fc.assert(
      fc.property(playersArb, fc.nat(45), fc.integer({ min: 1, max: 10 }), (players, offset, limit) => {
        const all = reference(players)
        const slice = all.slice(offset, offset + limit)
        const aboveFirst = slice[0] ? all.filter((p) => p.score > slice[0]!.score).length : 0
        expect(rankPage(slice, offset, aboveFirst)).toEqual(slice)
      }),
    )
  })

  test('around window: holds the player, full when possible, centred unless at an edge', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 100 }), fc.nat(), (total, limit, seed) => {
        const position = seed % total
        const start = aroundWindowStart(position, limit, total)
        expect(start).toBeGreaterThanOrEqual(0)
        expect(position).toBeGreaterThanOrEqual(start)
        expect(position).toBeLessThan(start + limit)
        expect(Math.min(limit, total - start)).toBe(Math.min(limit, total))
        const centred = position - Math.floor((limit - 1) / 2)
        if (centred >= 0 && centred + limit <= total) expect(start).toBe(centred)
      }),
    )
    expect(aroundWindowStart(null, 10, 500)).toBe(0)
    expect(aroundWindowStart(99, 5, 100)).toBe(95)
    expect(aroundWindowStart(0, 5, 100)).toBe(0)
    expect(aroundWindowStart(50, 5, 100)).toBe(48)
  })
})
