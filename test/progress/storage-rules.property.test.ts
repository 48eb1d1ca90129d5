import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { nextProgress, starTokensAwarded } from '../../src/progress/rules'
import { DIALECTS, startTestService, type TestService } from '../support/service'

// Every storage backend (Postgres states the rules in SQL) must agree with the pure rules, post by post.
const STEP = 250
const CATALOG = [
  { code: 'p-one', points: 100, progress_target: 1 },
  { code: 'p-five', points: 40, progress_target: 5 },
  { code: 'p-big', points: 700, progress_target: 40 },
]

const post = fc.record({
  updates: fc.uniqueArray(
    fc.record({
      code: fc.constantFrom(...CATALOG.map((a) => a.code)),
      delta: fc.integer({ min: 0, max: 12 }),
      atLeast: fc.option(fc.integer({ min: 0, max: 45 }), { nil: undefined }),
      force: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
    }),
    { maxLength: 3, selector: (u) => u.code },
  ),
  bonus: fc.integer({ min: 0, max: 300 }),
})

for (const dialect of DIALECTS) {
  describe(`storage agrees with the rules (${dialect})`, () => {
    let svc: TestService
    let run = 0
    beforeAll(async () => {
      svc = await startTestService(dialect, { env: { STAR_TOKEN_SCORE_STEP: String(STEP) } })
      for (const a of CATALOG) await svc.call('POST', '/achievements', { ...a, title: a.code, description: '' })
    })
    afterAll(async () => {
      await svc.close()
    })

    test('random post sequences give the model’s progress, unlocks, totals and tokens', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(post, { minLength: 1, maxLength: 12 }), async (posts) => {
          const user = `prop-${dialect}-${run++}`
          const progress = new Map<string, { progressCurrent: number; isCompleted: boolean }>()
          let total = 0
          for (const p of posts) {
            if (p.updates.length === 0 && p.bonus === 0) continue
            const body =
              p.updates.length === 0
                ? { score_bonus: p.bonus }
                : {
                    updates: p.updates.map((u) => ({
                      achievement_code: u.code,
                      progress_delta: u.delta,
                      ...(u.atLeast === undefined ? {} : { progress_at_least: u.atLeast }),
                      ...(u.force ? { force_complete: true } : {}),
                    })),
                    score_bonus: p.bonus,
                  }
            const res = await svc.call('POST', `/users/${user}/progress`, body)
            expect(res.status).toBe(200)
            let gained = p.bonus
            p.updates.forEach((u, i) => {
              const def = CATALOG.find((a) => a.code === u.code)!
              const next = nextProgress(progress.get(u.code) ?? null, {
                progressTarget: def.progress_target,
                progressDelta: u.delta,
                progressAtLeast: u.atLeast ?? null,
                forceComplete: u.force,
              })
              progress.set(u.code, next)
              if (next.newlyUnlocked) gained += def.points
              expect(res.body.progress[i]).toMatchObject({
                achievement_code: u.code,
                progress_current: next.progressCurrent,
                is_completed: next.isCompleted,
                newly_unlocked: next.newlyUnlocked,
              })
            })
            expect(res.body.score_delta).toBe(gained)
            expect(res.body.star_tokens_awarded).toBe(starTokensAwarded(total, total + gained, STEP))
            total += gained
            expect(res.body.user.total_points).toBe(total)
            expect(res.body.user.star_tokens).toBe(Math.floor(total / STEP))
          }
        }),
        { numRuns: dialect === 'postgres' ? 15 : 40 },
      )
    })
  })
}
