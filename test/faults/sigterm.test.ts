import { describe, expect, test } from 'bun:test'
import { DIALECTS } from '../support/service'
import { expectBoardMatchesDatabase, useDrill } from './support/drill'
import { ProgressLoad, tally } from './support/load'
import { waitFor } from '../support/wait'
import { POST_BODY, acknowledgedButMissing, createAchievements, inconsistencies, readDatabase, unlockIds } from './support/scenario'
import { showingLogsOnFailure } from './support/service-process'

describe.skipIf(!DIALECTS.includes('postgres'))('drill: SIGTERM during load', () => {
  const drill = useDrill('ach_drill_term', () => 5 + Math.floor(Math.random() * 20))

  test('no accepted request fails, the process exits 0 within 10 s, and what was left is finished by the next start', async () => {
    const { database, stub, services } = drill
    const service = await drill.startService()
    await createAchievements(service.url)
    const load = new ProgressLoad({ targets: () => [service.url], prefix: 'st', players: 600, concurrency: 16, body: POST_BODY }).start()
    await Bun.sleep(1_500)

    const signalledAt = Date.now()
    service.signal('SIGTERM')
    const exitCode = await service.exited
    const exitMs = Date.now() - signalledAt
    await Bun.sleep(300) // posts after the exit are refused
    const records = await load.stop()
    const counts = tally(records)

    await showingLogsOnFailure(
      () => services,
      async () => {
        expect(exitCode).toBe(0)
        expect(exitMs).toBeLessThan(10_000)

        // Answers are 200, or 503 shutting_down with Retry-After for posts that arrived during the drain.
        const answered = records.filter((r) => r.status !== null)
        const wrong = answered.filter((r) => r.status !== 200 && !(r.status === 503 && r.code === 'shutting_down' && r.retryAfter !== null))
        expect(wrong.map((r) => `${r.status} ${r.code}`)).toEqual([])
        expect(records.filter((r) => r.status === 200 && r.sentAt < signalledAt).length).toBeGreaterThan(0)

        const state = await readDatabase(database.url)
        expect(acknowledgedButMissing(records, state)).toEqual([])
        expect(inconsistencies(state)).toEqual([])
        // A post without an answer was never accepted: refused, or cut before the server took it. Had the service
        // accepted it, its Idempotency-Key would have been claimed in the database (and its answer lost).
        const unanswered = records.filter((r) => r.status === null)
        expect(unanswered.filter((r) => r.code !== 'ECONNREFUSED' && r.code !== 'ECONNRESET').map((r) => r.code)).toEqual([])
        expect(unanswered.filter((r) => state.claimedKeys.has(r.key)).map((r) => r.key)).toEqual([])
        // Nothing accepted was left half-done.
        expect([...state.claimedKeys].filter((key) => !state.doneKeys.has(key))).toEqual([])
      },
    )

    // The next start delivers every notification left pending and keeps the board equal to the database.
    await drill.startService()
    const state = await readDatabase(database.url)
    const unlocks = unlockIds(state)
    await waitFor('every unlock to be delivered', () => [...unlocks].every((id) => stub.delivered.has(id)), 15_000, 100).catch(() => {})
    expect([...unlocks].filter((id) => !stub.delivered.has(id))).toEqual([])
    await expectBoardMatchesDatabase(drill.redis, drill.boardKey, database.url)
    console.log(`sigterm drill: exit ${exitCode} after ${exitMs} ms; ${JSON.stringify(counts)}; ${unlocks.size} unlocks delivered`)
  }, 90_000)
})
