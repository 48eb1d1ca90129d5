import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { DIALECTS } from '../support/service'
import { entryOf, openOutboxFixture, type OutboxFixture } from './support'

for (const dialect of DIALECTS) {
  describe(`outbox store (${dialect})`, () => {
    let fx: OutboxFixture
    beforeAll(async () => {
      fx = await openOutboxFixture(dialect)
    })
    afterAll(async () => {
      await fx.close()
    })

    test('claimDue leases due pending entries with their payload fields and counts the attempt', async () => {
      const userId = `claim-${dialect}`
      const [id] = await fx.insert([{ userId, title: 'First Victory', rewardPoints: 120, scoreDelta: 620, starTokensAwarded: 1 }])
      const claimed = await fx.store.claimDue('owner-a', 100, 60_000)
      const entry = claimed.find((e) => e.id === id)
      expect(entry).toMatchObject({ id, userId, title: 'First Victory', rewardPoints: 120, scoreDelta: 620, starTokensAwarded: 1, attempts: 1 })
      expect(entry?.metadata).toEqual({ match: 'm-1' })
      expect(entry?.createdAt).toBeInstanceOf(Date)
      expect(Math.abs(entry!.createdAt.getTime() - Date.now())).toBeLessThan(60_000)
      // Leased: no other owner (nor the same) gets it while the lease runs.
      expect((await fx.store.claimDue('owner-b', 100, 60_000)).map((e) => e.id)).not.toContain(id!)
      await fx.store.markDelivered(id!, 'owner-a')
      expect((await entryOf(fx.store, userId, id!))?.status).toBe('delivered')
    })

    test('claimDue skips suppressed, not-yet-due and delivered entries and respects the limit', async () => {
      const userId = `skip-${dialect}`
      const [suppressed, later] = await fx.insert([
        { userId, status: 'suppressed' },
        { userId, dueInMs: 60_000 },
      ])
      const due = await fx.insert([{ userId }, { userId }, { userId }])
      const first = await fx.store.claimDue('owner-a', 2, 60_000)
      expect(first.length).toBe(2)
      const second = await fx.store.claimDue('owner-a', 10, 60_000)
      const all = [...first, ...second].map((e) => e.id)
      expect(all.sort()).toEqual([...due].sort())
      expect(all).not.toContain(suppressed!)
      expect(all).not.toContain(later!)
      for (const id of all) await fx.store.markDelivered(id, 'owner-a')
    })

    test('an ended lease makes the entry due again for another owner, and the old owner can no longer record outcomes', async () => {
      const userId = `lease-${dialect}`
      const [id] = await fx.insert([{ userId }])
      expect((await fx.store.claimDue('crashed', 10, 50)).map((e) => e.id)).toContain(id!)
      await Bun.sleep(80)
      const taken = (await fx.store.claimDue('owner-b', 10, 60_000)).find((e) => e.id === id)
      expect(taken?.attempts).toBe(2)
      await fx.store.markDelivered(id!, 'crashed')
      await fx.store.markFailed(id!, 'crashed', 'late', null)
      expect((await entryOf(fx.store, userId, id!))?.status).toBe('pending')
      await fx.store.markDelivered(id!, 'owner-b')
      expect((await entryOf(fx.store, userId, id!))?.status).toBe('delivered')
    })

    test('markFailed with a retry time reschedules; with null it parks, and stats count pending and parked', async () => {
      const userId = `fail-${dialect}`
      const before = await fx.store.stats()
      const [retried, parked] = await fx.insert([{ userId }, { userId }])
      const statsPending = await fx.store.stats()
      expect(statsPending.pending).toBe(before.pending + 2)
      expect(statsPending.oldestPendingAt).toBeInstanceOf(Date)
      await fx.store.claimDue('owner-a', 10, 60_000)
      await fx.store.markFailed(retried!, 'owner-a', 'HTTP 503', new Date(Date.now() + 60_000))
      await fx.store.markFailed(parked!, 'owner-a', 'HTTP 400', null)
      expect((await entryOf(fx.store, userId, retried!))?.status).toBe('pending')
      expect((await entryOf(fx.store, userId, parked!))?.status).toBe('parked')
      // Neither is due: the retried one waits for its retry time, the parked one is never claimed.
      const claimed = (await fx.store.claimDue('owner-a', 10, 60_000)).map((e) => e.id)
      expect(claimed).not.toContain(retried!)
      expect(claimed).not.toContain(parked!)
      const after = await fx.store.stats()
      expect(after.pending).toBe(before.pending + 1)
      expect(after.parked).toBe(before.parked + 1)
    })

    test('stats report no pending age when nothing is pending', async () => {
      const fresh = await openOutboxFixture(dialect)
      try {
        expect(await fresh.store.stats()).toEqual({ pending: 0, parked: 0, oldestPendingAt: null })
      } finally {
        await fresh.close()
      }
    })
  })
}
