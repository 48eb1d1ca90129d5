import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { availableParallelism } from 'node:os'
import { readSchedstat } from '../../src/ops/schedstat'
import { startTestService, type TestService } from '../support/service'
import { sampleOf } from './support'

/** Keeps this thread on a CPU for about `ms`. */
function spin(ms: number): number {
  const until = performance.now() + ms
  let n = 0
  while (performance.now() < until) n++
  return n
}

/** Processes that keep every core busy until killed. */
function occupyEveryCore(): { kill: () => Promise<void> } {
  const spinners = Array.from({ length: availableParallelism() }, () =>
    Bun.spawn([process.execPath, '-e', 'for (;;) {}'], { stdout: 'ignore', stderr: 'ignore' }),
  )
  return {
    kill: async () => {
      for (const spinner of spinners) spinner.kill()
      await Promise.all(spinners.map((spinner) => spinner.exited))
    },
  }
}

describe("a process's scheduler statistics", () => {
  test('its threads time on a CPU grows as it works; a pid that does not exist has none', () => {
    const before = readSchedstat()
    expect(spin(50)).toBeGreaterThan(0)
    const after = readSchedstat()
    expect(after!.runNs - before!.runNs).toBeGreaterThan(20e6)
    expect(after!.waitNs).toBeGreaterThanOrEqual(before!.waitNs)
    expect(readSchedstat(2 ** 22 + 12_345)).toBeNull()
  })
})

describe('process CPU metrics', () => {
  let svc: TestService
  beforeAll(async () => {
    svc = await startTestService('sqlite')
  })
  afterAll(async () => {
    await svc.close()
  })

  const sample = async (name: string) => Number(await sampleOf(svc, name))

  test('process_cpu_seconds_total counts the CPU time the process spends', async () => {
    const before = await sample('process_cpu_seconds_total')
    spin(200)
    const after = await sample('process_cpu_seconds_total')
    expect(after - before).toBeGreaterThanOrEqual(0.15)
  })

  test('achievement_cpu_wait_seconds_total counts the time its threads wait for a CPU that others hold', async () => {
    // Working with cores to spare, the process hardly waits: the counter is not its CPU time.
    const [waitAlone, cpuAlone] = [await sample('achievement_cpu_wait_seconds_total'), await sample('process_cpu_seconds_total')]
    spin(300)
    const waitedAlone = (await sample('achievement_cpu_wait_seconds_total')) - waitAlone
    expect(waitedAlone).toBeGreaterThanOrEqual(0)
    expect(waitedAlone).toBeLessThan(((await sample('process_cpu_seconds_total')) - cpuAlone) / 2)

    const before = await sample('achievement_cpu_wait_seconds_total')
    const others = occupyEveryCore()
    try {
      // One more runnable thread than there are cores: each waits for a share of the time.
      spin(600)
    } finally {
      await others.kill()
    }
    const after = await sample('achievement_cpu_wait_seconds_total')
    expect(after - before).toBeGreaterThan(0.02)
  })
})
