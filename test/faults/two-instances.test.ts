import { beforeAll, describe, expect, test } from 'bun:test'
import { DIALECTS } from '../support/service'
import { expectBoardMatchesDatabase, useDrill } from './support/drill'
import { ProgressLoad, tally } from './support/load'
import { waitFor } from '../support/wait'
import { ACHIEVEMENTS, POST_BODY, createAchievements, inconsistencies, readDatabase, unlockIds } from './support/scenario'
import { showingLogsOnFailure } from './support/service-process'

describe.skipIf(!DIALECTS.includes('postgres'))('drill: two instances serve the same load', () => {
  // Slow-ish answers, so that both instances' dispatchers have deliveries in flight at the same time.
  const drill = useDrill('ach_drill_two', () => 5 + Math.floor(Math.random() * 25))
  const services = drill.services

  beforeAll(async () => {
    await drill.startService()
    await drill.startService()
    await createAchievements(services[0]!.url)
  })

  test('exact totals, one unlock per achievement and player, every notification delivered once and never twice at the same time', async () => {
    const { database, stub } = drill
    // Few players, so that each one's posts hit both instances concurrently.
    const load = new ProgressLoad({ targets: () => services.map((s) => s.url), prefix: 'ti', players: 40, concurrency: 16, body: POST_BODY })
    const records = await load.runFor(2_500)
    const counts = tally(records)

    await showingLogsOnFailure(
      () => services,
      async () => {
        expect(counts).toEqual({ '200': records.length })
        for (const service of services) expect(records.filter((r) => r.target === service.url).length).toBeGreaterThan(0)

        const state = await readDatabase(database.url)
        expect(state.doneKeys.size).toBe(records.length) // every post applied exactly once
        expect(inconsistencies(state)).toEqual([])

        // Each player's unlocks were announced by exactly one response each.
        const announced = new Map<string, number>()
        for (const record of records) for (const code of record.newlyUnlocked) announced.set(`${record.player}/${code}`, (announced.get(`${record.player}/${code}`) ?? 0) + 1)
        expect([...announced.entries()].filter(([, n]) => n !== 1)).toEqual([])
        const players = new Set(records.map((r) => r.player))
        expect(announced.size).toBe(players.size * ACHIEVEMENTS.length) // every player posted enough to unlock both

        const unlocks = unlockIds(state)
        expect(unlocks.size).toBe(announced.size)
        await waitFor('every unlock to be delivered', () => [...unlocks].every((id) => stub.delivered.has(id)), 15_000, 50)
        expect(stub.concurrentDuplicates).toEqual([])
        expect([...stub.delivered.entries()].filter(([, n]) => n > 1)).toEqual([]) // no crash here: exactly once
        expect(new Set(stub.delivered.keys())).toEqual(unlocks)

        await expectBoardMatchesDatabase(drill.redis, drill.boardKey, database.url)
      },
    )
    console.log(`two-instance drill: ${JSON.stringify(counts)}; ${stub.delivered.size} notifications, each once`)
  }, 60_000)
})
