import { afterEach, describe, expect, test } from 'bun:test'
import type { GroupCommitOptions } from '../../src/progress/group-commit'
import { metricLines } from '../ops/support'
import { startTestService, type TestService } from '../support/service'

/** The group-commit options the composition root is given reach the committer: seen in the batch sizes it reports. */
describe('group-commit tuning (postgres)', () => {
  let svc: TestService | null = null
  afterEach(async () => {
    await svc?.close()
    svc = null
  })

  /** Posts for `players` distinct players at once; returns the batch-size histogram: count and batches of ≤ 2. */
  async function batchesOf(groupCommit: Partial<GroupCommitOptions>, players: number) {
    svc = await startTestService('postgres', { options: { groupCommit } })
    expect((await svc.call('POST', '/achievements', { code: 'tuned', title: 'Tuned', description: '' })).status).toBe(201)
    const service = svc
    const statuses = await Promise.all(
      Array.from({ length: players }, (_, i) => service.call('POST', `/users/tuned-${i}/progress`, { achievement_code: 'tuned' })),
    )
    expect(statuses.map((response) => response.status)).toEqual(Array(players).fill(200))
    const lines = metricLines((await svc.call('GET', '!/metrics')).body as string)
    const value = (name: string) => Number(lines.find((line) => line.startsWith(`${name} `))?.split(' ')[1])
    return {
      batches: value('achievement_progress_batch_size_count'),
      upToTwo: value('achievement_progress_batch_size_bucket{le="2"}'),
    }
  }

  test('maxBatch 2: twelve concurrent posts commit in batches of at most two', async () => {
    const { batches, upToTwo } = await batchesOf({ maxBatch: 2 }, 12)
    expect(batches).toBeGreaterThanOrEqual(6)
    expect(upToTwo).toBe(batches)
  })

  test('by default the same twelve posts share larger batches', async () => {
    const { batches, upToTwo } = await batchesOf({}, 12)
    expect(upToTwo).toBeLessThan(batches)
  })
})
