import { afterEach, describe, expect, test } from 'bun:test'
import { DIALECTS, startTestService, type TestService } from '../support/service'

// The replaced service's worked examples, on every storage backend.
for (const dialect of DIALECTS) {
  describe(`worked examples (${dialect})`, () => {
    let svc: TestService
    afterEach(async () => {
      await svc.close()
    })

    test('step 100: worth 120, target 1, delta 1 → completed, score_delta 120, one token', async () => {
      svc = await startTestService(dialect, { env: { STAR_TOKEN_SCORE_STEP: '100' } })
      await svc.call('POST', '/achievements', { code: 'first-win', title: 'First Victory', description: '', points: 120 })
      const res = await svc.call('POST', '/users/42/progress', { achievement_code: 'first-win', progress_delta: 1 })
      expect(res.status).toBe(200)
      expect(res.body.achievement.is_completed).toBe(true)
      expect(res.body.achievement.newly_unlocked).toBe(true)
      expect(res.body.achievement.reward_points).toBe(120)
      expect(res.body.achievement.progress_percent).toBe(100)
      expect(res.body.score_delta).toBe(120)
      expect(res.body.star_tokens_awarded).toBe(1)
      expect(res.body.newly_unlocked).toEqual(['first-win'])
      expect(res.body.user).toMatchObject({ user_id: '42', total_points: 120, achievements_unlocked: 1, star_tokens: 1 })
      expect(res.body.leaderboard_score).toBe(120)
      expect(res.body.progress).toEqual([res.body.achievement])
    })

    test('step 1000: worth 80, target 10: delta 3 → not completed; delta 7 → completed, 80, 10/10', async () => {
      svc = await startTestService(dialect, { env: { STAR_TOKEN_SCORE_STEP: '1000' } })
      await svc.call('POST', '/achievements', { code: 'ten-wins', title: 'Ten Wins', description: '', points: 80, progress_target: 10 })
      const first = await svc.call('POST', '/users/42/progress', { achievement_code: 'ten-wins', progress_delta: 3 })
      expect(first.status).toBe(200)
      expect(first.body.achievement).toMatchObject({ progress_current: 3, progress_target: 10, is_completed: false, unlocked_at: null, progress_percent: 30 })
      expect(first.body.score_delta).toBe(0)
      expect(first.body.star_tokens_awarded).toBe(0)
      const second = await svc.call('POST', '/users/42/progress', { achievement_code: 'ten-wins', progress_delta: 7 })
      expect(second.body.achievement).toMatchObject({ progress_current: 10, progress_target: 10, is_completed: true, newly_unlocked: true })
      expect(second.body.score_delta).toBe(80)
      expect(second.body.star_tokens_awarded).toBe(0)
      expect(typeof second.body.achievement.unlocked_at).toBe('string')
    })
  })
}
