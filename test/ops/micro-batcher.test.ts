import { describe, expect, test } from 'bun:test'
import { MicroBatcher } from '../../src/ops/micro-batcher'

describe('micro-batcher drain', () => {
  test('hands over what is pending and waits for every batch whose sending is still running, failed ones too', async () => {
    const sent: number[][] = []
    const finish: (() => void)[] = []
    const batcher = new MicroBatcher<number>(
      (items) => {
        sent.push(items)
        return new Promise<void>((resolve, reject) => finish.push(items[0] === 1 ? resolve : () => reject(new Error('lost'))))
      },
      { maxBatch: 2, windowMs: 60_000 },
    )
    batcher.add(1)
    batcher.add(2) // full: sent at once
    batcher.add(3) // waits for its window
    let drained = false
    const draining = batcher.drain().then(() => (drained = true))
    expect(sent).toEqual([[1, 2], [3]])
    finish[0]!()
    await Bun.sleep(5)
    expect(drained).toBe(false)
    finish[1]!()
    await draining
    expect(drained).toBe(true)
  })

  test('a flush that returns nothing is not waited for', async () => {
    const sent: number[][] = []
    const batcher = new MicroBatcher<number>((items) => void sent.push(items), { maxBatch: 10, windowMs: 60_000 })
    batcher.add(1)
    await batcher.drain()
    expect(sent).toEqual([[1]])
  })
})
