import { describe, expect, test } from 'bun:test'
import { EventLoopDelayMonitor } from '../../src/ops/event-loop-delay'
import { startTestService } from '../support/service'

/** Keeps the event loop busy for `ms`, as a long synchronous burst of work would. */
function blockEventLoop(ms: number): void {
  const until = performance.now() + ms
  while (performance.now() < until) {}
}

describe('event loop delay', () => {
  test('a blocked event loop is seen as a late timer, and nothing is sampled after stop', async () => {
    const delays: number[] = []
    const monitor = new EventLoopDelayMonitor((seconds) => delays.push(seconds), 5)
    monitor.start()
    await Bun.sleep(20)
    blockEventLoop(60)
    await Bun.sleep(20)
    monitor.stop()
    expect(delays.length).toBeGreaterThan(1)
    // The timer due during the block fired when it ended: about 60 ms minus the part of its 5 ms already waited.
    expect(Math.max(...delays)).toBeGreaterThan(0.05)
    const seen = delays.length
    await Bun.sleep(30)
    expect(delays.length).toBe(seen)
  })

  test('/metrics shows the delay of a blocked event loop in achievement_event_loop_delay_seconds', async () => {
    const svc = await startTestService('sqlite')
    try {
      await Bun.sleep(30)
      blockEventLoop(60)
      await Bun.sleep(30)
      const text = (await svc.call('GET', '!/metrics')).body as string
      const value = (series: string) => Number(text.split('\n').find((line) => line.startsWith(`${series} `))?.split(' ')[1])
      const samples = value('achievement_event_loop_delay_seconds_count')
      expect(samples).toBeGreaterThan(1)
      // At least one sample above 20 ms: the one due while the loop was blocked.
      expect(value('achievement_event_loop_delay_seconds_bucket{le="0.02"}')).toBeLessThan(samples)
      expect(value('achievement_event_loop_delay_seconds_sum')).toBeGreaterThan(0.04)
    } finally {
      await svc.close()
    }
  })
})
