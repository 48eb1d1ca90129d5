import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { DIALECTS, startTestService, type TestService } from '../support/service'

const STEP = 500
const ACHIEVEMENTS = [
  { code: 'first-blood', points: 100, progress_target: 1 },
  { code: 'five-wins', points: 250, progress_target: 5 },
  { code: 'fifty-kills', points: 30, progress_target: 50 },
  { code: 'hat-trick', points: 1000, progress_target: 3 },
  { code: 'never-done', points: 5000, progress_target: 1_000_000 },
]
const REQUESTS = 200

/** A deterministic mix of single, batch and bonus-only posts. */
function requestBody(i: number): Record<string, unknown> {
  const code = ACHIEVEMENTS[i % ACHIEVEMENTS.length]!.code
  if (i % 7 === 0) return { score_bonus: 37 }
  if (i % 3 === 0) {
    const other = ACHIEVEMENTS[(i + 2) % ACHIEVEMENTS.length]!.code
    return { updates: [{ achievement_code: code, progress_delta: 2 }, { achievement_code: other }], score_bonus: i % 2 ? 11 : 0 }
  }
  return { achievement_code: code, progress_delta: 1 + (i % 4), score_bonus: i % 5 === 0 ? 23 : 0 }
}

for (const dialect of DIALECTS) {
  describe(`concurrent progress for one player (${dialect})`, () => {
    let first: TestService
    let second: TestService
    beforeAll(async () => {
      first = await startTestService(dialect, { env: { STAR_TOKEN_SCORE_STEP: String(STEP) } })
      // Postgres: a second instance on the same database. SQLite is one process: the same instance twice.
      second =
        dialect === 'postgres'
          ? await startTestService(dialect, { databaseUrl: first.databaseUrl, env: { STAR_TOKEN_SCORE_STEP: String(STEP) } })
          : first
      for (const a of ACHIEVEMENTS) {
        const res = await first.call('POST', '/achievements', { ...a, title: a.code, description: '' })
        expect(res.status).toBe(201)
      }
    })
    afterAll(async () => {
      if (second !== first) await second.close()
      await first.close()
    })

    test(`${REQUESTS} concurrent posts end exact: totals, one unlock each, tokens = ledger = floor(total/step), one outbox entry per unlock`, async () => {
      const responses = await Promise.all(
        Array.from({ length: REQUESTS }, (_, i) => (i % 2 ? second : first).call('POST', '/users/racer/progress', requestBody(i))),
      )
      expect(responses.map((r) => r.status).filter((s) => s !== 200)).toEqual([])

      const unlockedBy = new Map<string, number>()
      let bonuses = 0
      let deltas = 0
      let tokensAwarded = 0
      responses.forEach((r, i) => {
        for (const code of r.body.newly_unlocked as string[]) unlockedBy.set(code, (unlockedBy.get(code) ?? 0) + 1)
        bonuses += (requestBody(i).score_bonus as number | undefined) ?? 0
        deltas += r.body.score_delta
        tokensAwarded += r.body.star_tokens_awarded
      })
      for (const count of unlockedBy.values()) expect(count).toBe(1)

      const overview = await first.call('GET', '/users/racer/overview')
      const completed = (overview.body.achievements as { achievement_code: string; is_completed: boolean }[]).filter((a) => a.is_completed)
      expect(new Set(completed.map((a) => a.achievement_code))).toEqual(new Set(unlockedBy.keys()))
      const expectedTotal = completed.reduce((sum, a) => sum + ACHIEVEMENTS.find((x) => x.code === a.achievement_code)!.points, 0) + bonuses
      expect(overview.body.user.total_points).toBe(expectedTotal)
      expect(deltas).toBe(expectedTotal)
      expect(overview.body.user.achievements_unlocked).toBe(completed.length)
      expect(overview.body.user.star_tokens).toBe(Math.floor(expectedTotal / STEP))
      expect(tokensAwarded).toBe(Math.floor(expectedTotal / STEP))
      expect(await first.service.storage.progress.starTokenLedgerCount('racer')).toBe(Math.floor(expectedTotal / STEP))
      const outbox = await first.service.storage.outbox.forUser('racer')
      expect(outbox.length).toBe(completed.length)
      expect(new Set(outbox.map((e) => e.achievementCode))).toEqual(new Set(unlockedBy.keys()))

      // Progress never exceeds the target.
      for (const a of overview.body.achievements as { progress_current: number; progress_target: number }[]) {
        expect(a.progress_current).toBeLessThanOrEqual(a.progress_target)
      }
    })

    test('concurrent first posts of many new players never fail', async () => {
      const responses = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          (i % 2 ? second : first).call('POST', `/users/new-${i % 25}/progress`, { achievement_code: 'fifty-kills', progress_delta: 1 }),
        ),
      )
      expect(responses.map((r) => r.status).filter((s) => s !== 200)).toEqual([])
      for (let p = 0; p < 25; p++) {
        const overview = await first.call('GET', `/users/new-${p}/overview`)
        expect(overview.body.achievements[0].progress_current).toBe(4)
      }
    })
  })
}
