import { afterEach, describe, expect, test } from 'bun:test'
import { DIALECTS } from '../support/service'
import { waitFor } from '../support/wait'
import { refusedUrl, startLeaderboardService, startUserStub, type LeaderboardTestService, type UserStub } from '../leaderboard/support'

const PLAYERS = Array.from({ length: 100 }, (_, i) => ({ userId: `player-${String(i).padStart(3, '0')}`, total: 1_000 - i }))

function users(): Record<string, Record<string, unknown>> {
  const known: Record<string, Record<string, unknown>> = {}
  for (const [i, player] of PLAYERS.entries()) {
    if (i % 10 === 9) continue // unknown to the user service: 404
    known[player.userId] =
      i % 2 === 0
        ? { id: player.userId, username: `user${i}`, display_name: `Player ${i}`, full_name: 'ignored' }
        : { id: player.userId, username: `user${i}`, display_name: null, full_name: `Full Name ${i}` }
  }
  return known
}

/** A user service that cannot answer in time: the 100-entry page is still served in < 300 ms, with null names. */
async function expectFullPageWithoutNames(service: LeaderboardTestService): Promise<void> {
  const startedAt = performance.now()
  const res = await service.call('GET', '/leaderboard?limit=100')
  expect(performance.now() - startedAt).toBeLessThan(300)
  expect(res.status).toBe(200)
  expect(res.body.entries).toHaveLength(100)
  expect(res.body.entries.every((e: { username: unknown; display_name: unknown }) => e.username === null && e.display_name === null)).toBe(true)
}

for (const dialect of DIALECTS) {
  describe(`leaderboard names from the user service (${dialect})`, () => {
    let svc: LeaderboardTestService | null = null
    let stub: UserStub | null = null

    async function start(userServiceUrl: string) {
      svc = await startLeaderboardService(dialect, { env: { USER_SERVICE_URL: userServiceUrl } })
      await svc.seed.set(PLAYERS)
      // Open the database connections now, so that the timed requests below time the leaderboard only.
      await Promise.all([svc.service.storage.scores.count(), svc.service.storage.scores.starTokensOf(['warm-up'])])
      return svc
    }

    afterEach(async () => {
      await svc?.close()
      stub?.stop()
      svc = null
      stub = null
    })

    test('a healthy user service fills the names; a second request makes no new lookups', async () => {
      stub = startUserStub(users())
      const service = await start(stub.url)
      expect((await service.call('GET', '/leaderboard?limit=100')).status).toBe(200)
      // Lookups the first page could not wait for go on in the background and fill the cache.
      await waitFor('the lookups', () => stub!.requests.length === 100, 5_000)
      const first = await service.call('GET', '/leaderboard?limit=100')
      expect(first.status).toBe(200)
      expect(first.body.entries).toHaveLength(100)
      expect(first.body.entries[0]).toMatchObject({ user_id: 'player-000', username: 'user0', display_name: 'Player 0' })
      // display_name null → full_name
      expect(first.body.entries[1]).toMatchObject({ user_id: 'player-001', username: 'user1', display_name: 'Full Name 1' })
      // unknown to the user service → null names, the entry is still served
      expect(first.body.entries[9]).toMatchObject({ user_id: 'player-009', score: 991, username: null, display_name: null })
      expect(stub.requests).toHaveLength(100)
      expect(stub.requests[0]).toMatch(/^\/api\/v1\/users\/users\/player-\d{3}$/)

      const second = await service.call('GET', '/leaderboard?limit=100')
      expect(second.body.entries.map((e: { username: string | null }) => e.username)).toEqual(
        first.body.entries.map((e: { username: string | null }) => e.username),
      )
      expect(stub.requests).toHaveLength(100)
    })

    test('a user service answering after 2 s: a 100-entry page is served in < 300 ms with null names', async () => {
      stub = startUserStub(users(), 2_000)
      await expectFullPageWithoutNames(await start(stub.url))
    })

    test('a user service refusing connections: a 100-entry page is served in < 300 ms with null names', async () => {
      await expectFullPageWithoutNames(await start(refusedUrl()))
    })
  })
}
