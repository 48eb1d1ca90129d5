import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { DIALECTS, startTestService, type TestService } from '../support/service'

for (const dialect of DIALECTS) {
  describe(`progress contract (${dialect})`, () => {
    let svc: TestService
    beforeAll(async () => {
      svc = await startTestService(dialect, { env: { STAR_TOKEN_SCORE_STEP: '500' } })
      await svc.call('POST', '/achievements', { code: 'win', title: 'Win', description: 'Win a match', points: 100 })
      await svc.call('POST', '/achievements', { code: 'grind', title: 'Grind', description: '', points: 200, progress_target: 10 })
      await svc.call('POST', '/achievements', { code: 'secret', title: 'The Cake', description: 'Is a lie', points: 10, is_secret: true, progress_target: 2 })
    })
    afterAll(async () => {
      await svc.close()
    })

    const overview = async (user: string) => (await svc.call('GET', `/users/${user}/overview`)).body

    describe('every out-of-bounds field and unknown code gets a 4xx and changes nothing', () => {
      const cases: [string, unknown, number, string?][] = [
        ['unknown code', { achievement_code: 'nope' }, 404, 'Achievement definition not found'],
        ['unknown code in a batch', { updates: [{ achievement_code: 'win' }, { achievement_code: 'nope' }] }, 404, 'Achievement definition not found'],
        ['negative delta', { achievement_code: 'win', progress_delta: -1 }, 422],
        ['delta over 100000', { achievement_code: 'win', progress_delta: 100_001 }, 422],
        ['fractional delta', { achievement_code: 'win', progress_delta: 1.5 }, 422],
        ['string delta', { achievement_code: 'win', progress_delta: '1' }, 422],
        ['bonus over 5000', { score_bonus: 5001 }, 422],
        ['negative bonus', { score_bonus: -5 }, 422],
        ['zero bonus alone', { score_bonus: 0 }, 422],
        ['empty body object', {}, 422],
        ['notify not boolean', { achievement_code: 'win', notify: 'yes' }, 422],
        ['force_complete not boolean', { achievement_code: 'win', force_complete: 1 }, 422],
        ['metadata not an object', { achievement_code: 'win', metadata: [1, 2] }, 422],
        ['metadata over 2 KiB', { achievement_code: 'win', metadata: { blob: 'x'.repeat(2100) } }, 422],
        ['unknown field', { achievement_code: 'win', bonus: 3 }, 422],
        ['unknown field in a batch item', { updates: [{ achievement_code: 'win', extra: true }] }, 422],
        ['empty updates', { updates: [] }, 422],
        ['51 updates', { updates: Array.from({ length: 51 }, (_, i) => ({ achievement_code: `c${i}` })) }, 422],
        ['duplicate code in a batch', { updates: [{ achievement_code: 'win' }, { achievement_code: 'win' }] }, 422],
        ['both forms', { achievement_code: 'win', updates: [{ achievement_code: 'grind' }] }, 422],
        ['delta without a code', { progress_delta: 3 }, 422],
        ['at_least over the bound', { updates: [{ achievement_code: 'grind', progress_at_least: 1_000_000_001 }] }, 422],
        ['code too long', { achievement_code: 'x'.repeat(65) }, 422],
        ['null code', { achievement_code: null }, 422],
        ['array body', [{ achievement_code: 'win' }], 422],
        ['broken JSON', '{"achievement_code": "win",', 400],
      ]
      for (const [name, body, status, detail] of cases) {
        test(name, async () => {
          const res = await svc.call('POST', '/users/bounds/progress', body)
          expect(res.status).toBe(status)
          expect(typeof res.body.detail).toBe('string')
          expect(typeof res.body.code).toBe('string')
          if (status === 422) expect(Array.isArray(res.body.errors)).toBe(true)
          if (detail) expect(res.body.detail).toBe(detail)
          const after = await overview('bounds')
          expect(after.user.total_points).toBe(0)
          expect(after.achievements).toEqual([])
        })
      }

      test('a malformed user id is 422', async () => {
        for (const id of ['has space', 'x'.repeat(65), 'slash%2Fy', 'ünï']) {
          const res = await svc.call('POST', `/users/${encodeURIComponent(id)}/progress`, { achievement_code: 'win' })
          expect(res.status).toBe(422)
        }
      })
    })

    test('a bonus-only post adds XP and has achievement null', async () => {
      const res = await svc.call('POST', '/users/bonus/progress', { score_bonus: 600 })
      expect(res.status).toBe(200)
      expect(res.body).toMatchObject({ achievement: null, progress: [], newly_unlocked: [], score_delta: 600, star_tokens_awarded: 1, leaderboard_score: 600 })
    })

    test('batch form: results in request order, all-or-nothing, progress_at_least is monotonic', async () => {
      const res = await svc.call('POST', '/users/batch/progress', {
        updates: [{ achievement_code: 'grind', progress_at_least: 7 }, { achievement_code: 'win' }],
      })
      expect(res.status).toBe(200)
      expect(res.body.progress.map((p: { achievement_code: string }) => p.achievement_code)).toEqual(['grind', 'win'])
      expect(res.body.achievement.achievement_code).toBe('grind')
      expect(res.body.progress[0].progress_current).toBe(7)
      expect(res.body.newly_unlocked).toEqual(['win'])
      const lower = await svc.call('POST', '/users/batch/progress', { updates: [{ achievement_code: 'grind', progress_at_least: 3 }] })
      expect(lower.body.progress[0].progress_current).toBe(7)
      const failed = await svc.call('POST', '/users/batch/progress', { updates: [{ achievement_code: 'grind', progress_delta: 2 }, { achievement_code: 'nope' }] })
      expect(failed.status).toBe(404)
      expect((await overview('batch')).achievements.find((a: { achievement_code: string }) => a.achievement_code === 'grind').progress_current).toBe(7)
    })

    test('force_complete unlocks at once; a completed achievement never unlocks again', async () => {
      const res = await svc.call('POST', '/users/force/progress', { achievement_code: 'grind', force_complete: true })
      expect(res.body.achievement).toMatchObject({ progress_current: 10, is_completed: true, newly_unlocked: true })
      const again = await svc.call('POST', '/users/force/progress', { achievement_code: 'grind', force_complete: true })
      expect(again.body.achievement.newly_unlocked).toBe(false)
      expect(again.body.score_delta).toBe(0)
      expect(again.body.user.achievements_unlocked).toBe(1)
    })

    test('a PATCH of points affects future unlocks only; reward_points shows what was awarded', async () => {
      await svc.call('POST', '/achievements', { code: 'repriced', title: 'Repriced', description: '', points: 100 })
      await svc.call('POST', '/users/early/progress', { achievement_code: 'repriced' })
      await svc.call('PATCH', '/achievements/repriced', { points: 250 })
      const late = await svc.call('POST', '/users/late/progress', { achievement_code: 'repriced' })
      expect(late.body.score_delta).toBe(250)
      const early = await overview('early')
      expect(early.user.total_points).toBe(100)
      expect(early.achievements[0].reward_points).toBe(100)
    })

    test('a PATCH of progress_target applies from the next post', async () => {
      await svc.call('POST', '/achievements', { code: 'retarget', title: 'Retarget', description: '', points: 5, progress_target: 10 })
      await svc.call('POST', '/users/rt/progress', { achievement_code: 'retarget', progress_delta: 4 })
      await svc.call('PATCH', '/achievements/retarget', { progress_target: 5 })
      const next = await svc.call('POST', '/users/rt/progress', { achievement_code: 'retarget', progress_delta: 1 })
      expect(next.body.achievement).toMatchObject({ progress_current: 5, progress_target: 5, is_completed: true, newly_unlocked: true })
    })

    test('notify false records the unlock as suppressed; metadata is stored with the unlock event', async () => {
      await svc.call('POST', '/users/quiet/progress', { achievement_code: 'win', notify: false, metadata: { match: 'm-1' } })
      await svc.call('POST', '/users/loud/progress', { achievement_code: 'win', metadata: { match: 'm-2', map: 'dust' } })
      const [quiet] = await svc.service.storage.outbox.forUser('quiet')
      const [loud] = await svc.service.storage.outbox.forUser('loud')
      expect(quiet?.status).toBe('suppressed')
      expect(quiet?.metadata).toEqual({ match: 'm-1' })
      expect(loud?.status).not.toBe('suppressed')
      expect(loud).toMatchObject({ achievementCode: 'win', title: 'Win', rewardPoints: 100, scoreDelta: 100, metadata: { match: 'm-2', map: 'dust' } })
    })

    test('a secret achievement shows as hidden until the player unlocks it', async () => {
      const partial = await svc.call('POST', '/users/cake/progress', { achievement_code: 'secret' })
      expect(partial.body.achievement.achievement_title).toBe('Hidden achievement')
      const done = await svc.call('POST', '/users/cake/progress', { achievement_code: 'secret' })
      expect(done.body.achievement.achievement_title).toBe('The Cake')
      const listed = await svc.call('GET', '/achievements/secret?user_id=cake')
      expect(listed.body).toMatchObject({ title: 'The Cake', description: 'Is a lie', is_completed: true, progress_current: 2 })
      const anonymous = await svc.call('GET', '/achievements/secret')
      expect(anonymous.body).toMatchObject({ title: 'Hidden achievement', description: '' })
    })

    test('overview: zeros for an unknown player, never writes', async () => {
      const body = await overview('nobody-here')
      expect(body).toEqual({
        user: { user_id: 'nobody-here', total_points: 0, achievements_unlocked: 0, star_tokens: 0, leaderboard_rank: null },
        achievements: [],
        recent_unlocked: [],
        leaderboard_score: 0,
        leaderboard_rank: null,
        star_token_step: 500,
        points_to_next_star_token: 500,
      })
      expect(await svc.service.storage.progress.userScore('nobody-here')).toBeNull()
    })

    test('overview: most recent progress first, up to 5 recent unlocks newest first, points to the next token', async () => {
      const codes = ['o1', 'o2', 'o3', 'o4', 'o5', 'o6']
      for (const code of codes) await svc.call('POST', '/achievements', { code, title: code, description: '', points: 60 })
      await svc.call('POST', '/achievements', { code: 'o-partial', title: 'partial', description: '', points: 1, progress_target: 9 })
      for (const code of codes) {
        await svc.call('POST', '/users/ov/progress', { achievement_code: code })
        await Bun.sleep(3)
      }
      await svc.call('POST', '/users/ov/progress', { achievement_code: 'o-partial' })
      const body = await overview('ov')
      expect(body.achievements.map((a: { achievement_code: string }) => a.achievement_code)).toEqual(['o-partial', 'o6', 'o5', 'o4', 'o3', 'o2', 'o1'])
      expect(body.recent_unlocked.map((a: { achievement_code: string }) => a.achievement_code)).toEqual(['o6', 'o5', 'o4', 'o3', 'o2'])
      expect(body.user.total_points).toBe(360)
      expect(body.points_to_next_star_token).toBe(140)
      expect(body.leaderboard_score).toBe(360)
    })

    test('unlock_count and unlock_percent follow unlocks (percent null below 10 players)', async () => {
      await svc.call('POST', '/achievements', { code: 'rare', title: 'Rare', description: '', points: 1 })
      await svc.call('POST', '/users/rare-1/progress', { achievement_code: 'rare' })
      await svc.call('POST', '/users/rare-2/progress', { achievement_code: 'rare' })
      const res = await svc.call('GET', '/achievements/rare')
      expect(res.body.unlock_count).toBe(2)
      const players = (await svc.service.storage.catalog.rarity()).players
      if (players < 10) expect(res.body.unlock_percent).toBeNull()
      else expect(res.body.unlock_percent).toBe(Math.round((2 / players) * 10000) / 100)
    })
  })
}
