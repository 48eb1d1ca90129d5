import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { nextProgress, pointsToNextStarToken, progressPercent, starTokensAwarded } from '../../src/progress/rules'

const change = fc.record({
  progressTarget: fc.integer({ min: 1, max: 1_000_000_000 }),
  progressDelta: fc.integer({ min: 0, max: 100_000 }),
  progressAtLeast: fc.option(fc.integer({ min: 0, max: 1_000_000_000 }), { nil: null }),
  forceComplete: fc.boolean(),
})
const state = fc.option(
  fc.record({ progressCurrent: fc.integer({ min: 0, max: 1_000_000_000 }), isCompleted: fc.boolean() }),
  { nil: null },
)

describe('scoring rules (property-based)', () => {
  test('progress never exceeds the target, never goes down below the target, and a completed one is frozen', () => {
    fc.assert(
      fc.property(state, change, (before, c) => {
        const after = nextProgress(before, c)
        if (before?.isCompleted) {
          expect(after).toEqual({ progressCurrent: before.progressCurrent, isCompleted: true, newlyUnlocked: false })
          return
        }
        const current = before?.progressCurrent ?? 0
        expect(after.progressCurrent).toBeLessThanOrEqual(c.progressTarget)
        expect(after.progressCurrent).toBeGreaterThanOrEqual(Math.min(current, c.progressTarget))
        expect(after.isCompleted).toBe(after.progressCurrent >= c.progressTarget)
        expect(after.newlyUnlocked).toBe(after.isCompleted)
      }),
    )
  })

  test('matches a plain model: add the delta, take at least the absolute count, force to the target, clamp', () => {
    fc.assert(
      fc.property(state, change, (before, c) => {
        if (before?.isCompleted) return
        const current = before?.progressCurrent ?? 0
        let model = current + c.progressDelta
        if (c.progressAtLeast !== null && c.progressAtLeast > model) model = c.progressAtLeast
        if (c.forceComplete) model = c.progressTarget
        if (model < current) model = current
        if (model > c.progressTarget) model = c.progressTarget
        expect(nextProgress(before, c).progressCurrent).toBe(model)
      }),
    )
  })

  test('a sequence unlocks at most once and ends at min(target, sum of deltas) without absolute counts', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 30 }), (target, deltas) => {
        let s: { progressCurrent: number; isCompleted: boolean } | null = null
        let unlocks = 0
        for (const d of deltas) {
          const next = nextProgress(s, { progressTarget: target, progressDelta: d, progressAtLeast: null, forceComplete: false })
          if (next.newlyUnlocked) unlocks++
          s = next
        }
        const sum = deltas.reduce((a, b) => a + b, 0)
        expect(unlocks).toBe(sum >= target ? 1 : 0)
        expect(s?.progressCurrent ?? 0).toBe(Math.min(target, sum))
      }),
    )
  })

  test('star tokens: the tokens of a run of changes sum to floor(total/step), whatever the split', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.array(fc.integer({ min: 0, max: 20_000 }), { maxLength: 40 }), (step, gains) => {
        let total = 0
        let tokens = 0
        for (const gain of gains) {
          const awarded = starTokensAwarded(total, total + gain, step)
          expect(awarded).toBeGreaterThanOrEqual(0)
          tokens += awarded
          total += gain
        }
        expect(tokens).toBe(Math.floor(total / step))
        expect(pointsToNextStarToken(total, step)).toBe((Math.floor(total / step) + 1) * step - total)
      }),
    )
  })

  test('progress_percent = round(min(100, current/target*100), 2)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2_000_000_000 }), fc.integer({ min: 1, max: 1_000_000_000 }), (current, target) => {
        const percent = progressPercent(current, target)
        expect(percent).toBeGreaterThanOrEqual(0)
        expect(percent).toBeLessThanOrEqual(100)
        expect(Math.round(percent * 100)).toBeCloseTo(percent * 100, 6)
        expect(Math.abs(percent - Math.min(100, (current / target) * 100))).toBeLessThanOrEqual(0.005 + 1e-9)
      }),
    )
  })
})
