import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { DIALECTS, startTestService, type TestService } from '../support/service'

// Several instances share one database only on Postgres.
describe.skipIf(!DIALECTS.includes('postgres'))('definition changes reach every instance (postgres LISTEN/NOTIFY)', () => {
  let instanceA: TestService
  let instanceB: TestService
  beforeAll(async () => {
    instanceA = await startTestService('postgres')
    instanceB = await startTestService('postgres', { databaseUrl: instanceA.databaseUrl })
  })
  afterAll(async () => {
    await instanceB.close()
    await instanceA.close()
  })

  test('a PATCH on instance A changes the points and target that progress posts on instance B use, within a second', async () => {
    expect((await instanceA.call('POST', '/achievements', { code: 'grinder', title: 'Grinder', description: '', points: 100, progress_target: 5 })).status).toBe(201)
    // B learns of the definition (its cache is filled on a miss or by the announcement).
    const before = await instanceB.call('POST', '/users/probe-0/progress', { achievement_code: 'grinder', progress_delta: 0 })
    expect(before.body.achievement).toMatchObject({ progress_target: 5, reward_points: 100 })

    const patched = await instanceA.call('PATCH', '/achievements/grinder', { points: 300, progress_target: 2 })
    expect(patched.status).toBe(200)
    const patchedAt = performance.now()

    // Zero-delta posts of fresh players read B's cache without changing anything that matters.
    let seenAfterMs: number | null = null
    for (let i = 1; seenAfterMs === null && performance.now() - patchedAt < 1_000; i++) {
      const probe = await instanceB.call('POST', `/users/probe-${i}/progress`, { achievement_code: 'grinder', progress_delta: 0 })
      expect(probe.status).toBe(200)
      if (probe.body.achievement.progress_target === 2 && probe.body.achievement.reward_points === 300) seenAfterMs = performance.now() - patchedAt
      else await Bun.sleep(10)
    }
    expect(seenAfterMs).not.toBeNull()
    expect(seenAfterMs!).toBeLessThan(1_000)

    // And the new rule is the one applied: two steps unlock it, for the new points.
    await instanceB.call('POST', '/users/player-1/progress', { achievement_code: 'grinder' })
    const unlock = await instanceB.call('POST', '/users/player-1/progress', { achievement_code: 'grinder' })
    expect(unlock.body.newly_unlocked).toEqual(['grinder'])
    expect(unlock.body.user.total_points).toBe(300)
  })
})
