import { describe, expect, test } from 'bun:test'
import { TurnCounter } from '../../src/ops/turn-counter'

describe('TurnCounter', () => {
  test('the same number within a turn (its microtasks included), a new one in each later turn it is read in', async () => {
    const turns = new TurnCounter()
    const first = turns.current()
    expect(await Promise.resolve().then(() => turns.current())).toBe(first)
    const later = await new Promise<number>((resolve) => setImmediate(() => resolve(turns.current())))
    expect(later).toBeGreaterThan(first)
    const afterIdleTurns = await new Promise<number>((resolve) => setTimeout(() => resolve(turns.current()), 20))
    expect(afterIdleTurns).toBeGreaterThan(later)
  })
})
