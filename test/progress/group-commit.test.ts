import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { GroupCommitter, type Outcome } from '../../src/progress/group-commit'
import type { ProgressCommand } from '../../src/storage/port'
import { DIALECTS, startTestService, type TestService } from '../support/service'

describe('GroupCommitter', () => {
  test('gathers concurrent commands into batches and answers each with its own outcome', async () => {
    const batches: number[][] = []
    const committer = new GroupCommitter<number, number>(
      async (batch) => {
        batches.push(batch)
        await Bun.sleep(5)
        return batch.map((n): Outcome<number> => (n === 7 ? { ok: false, error: new Error('seven') } : { ok: true, result: n * 10 }))
      },
      (n) => `k${n}`,
      { maxBatch: 50, maxInFlight: 1 },
    )
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, n) => committer.submit(n)))
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : 'failed'))).toEqual(
      Array.from({ length: 20 }, (_, n) => (n === 7 ? 'failed' : n * 10)),
    )
    expect(batches.length).toBeLessThan(20)
    expect(batches.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, n) => n))
  })

  test('never puts one key in two batches at once, and keeps its commands in arrival order', async () => {
    const inFlight = new Set<string>()
    const seen: string[] = []
    let overlaps = 0
    const committer = new GroupCommitter<{ key: string; seq: number }, number>(
      async (batch) => {
        const keys = new Set(batch.map((c) => c.key))
        for (const key of keys) if (inFlight.has(key)) overlaps++
        keys.forEach((key) => inFlight.add(key))
        await Bun.sleep(2)
        batch.forEach((c) => seen.push(`${c.key}:${c.seq}`))
        keys.forEach((key) => inFlight.delete(key))
        return batch.map((c): Outcome<number> => ({ ok: true, result: c.seq }))
      },
      (c) => c.key,
      { maxBatch: 4, maxInFlight: 3 },
    )
    await Promise.all(Array.from({ length: 60 }, (_, seq) => committer.submit({ key: `p${seq % 5}`, seq })))
    expect(overlaps).toBe(0)
    for (let p = 0; p < 5; p++) {
      const order = seen.filter((s) => s.startsWith(`p${p}:`)).map((s) => Number(s.split(':')[1]))
      expect(order).toEqual([...order].sort((a, b) => a - b))
    }
    await committer.drain()
    expect(committer.pending).toBe(0)
  })

  test('a command waits for its admission: committed once admitted, dropped with the admission error if refused', async () => {
    const committed: string[] = []
    const committer = new GroupCommitter<string, string>(
      async (batch) => {
        committed.push(...batch)
        return batch.map((c): Outcome<string> => ({ ok: true, result: c.toUpperCase() }))
      },
      (c) => c,
      { maxBatch: 10, maxInFlight: 1 },
    )
    let admit!: () => void
    let refuse!: (error: Error) => void
    const admitted = committer.submit('a', new Promise<void>((resolve) => (admit = resolve)))
    const refused = committer.submit('b', new Promise<void>((_, reject) => (refuse = reject)))
    const free = committer.submit('c')
    expect(await free).toBe('C')
    expect(committed).toEqual(['c'])
    refuse(new Error('rate limited'))
    await expect(refused).rejects.toThrow('rate limited')
    admit()
    expect(await admitted).toBe('A')
    expect(committed).toEqual(['c', 'a'])
    await committer.drain()
    expect(committer.pending).toBe(0)
  })

  test('a key whose earlier command is not admitted yet holds its later commands back, in order', async () => {
    const committed: string[] = []
    const committer = new GroupCommitter<{ key: string; seq: number }, number>(
      async (batch) => {
        committed.push(...batch.map((c) => `${c.key}${c.seq}`))
        return batch.map((c): Outcome<number> => ({ ok: true, result: c.seq }))
      },
      (c) => c.key,
      { maxBatch: 10, maxInFlight: 1 },
    )
    let admitFirst!: () => void
    const first = committer.submit({ key: 'p', seq: 1 }, new Promise<void>((resolve) => (admitFirst = resolve)))
    const second = committer.submit({ key: 'p', seq: 2 })
    const other = committer.submit({ key: 'q', seq: 1 })
    expect(await other).toBe(1)
    expect(committed).toEqual(['q1'])
    admitFirst()
    expect(await Promise.all([first, second])).toEqual([1, 2])
    expect(committed.filter((c) => c.startsWith('p'))).toEqual(['p1', 'p2'])
  })

  test('while a batch commits, a second one starts only with minOverlappingBatch commands; alone, any size starts', async () => {
    const started: number[][] = []
    const finish: (() => void)[] = []
    const committer = new GroupCommitter<number, number>(
      async (batch) => {
        started.push(batch)
        await new Promise<void>((resolve) => finish.push(resolve))
        return batch.map((n): Outcome<number> => ({ ok: true, result: n }))
      },
      (n) => `k${n}`,
      { maxBatch: 50, maxInFlight: 3, minOverlappingBatch: 3 },
    )
    const settle = () => new Promise((resolve) => setImmediate(resolve))
    const all = [committer.submit(1)]
    await settle()
    expect(started).toEqual([[1]])

    all.push(committer.submit(2), committer.submit(3))
    await settle()
    expect(started).toEqual([[1]])

    all.push(committer.submit(4))
    await settle()
    expect(started).toEqual([[1], [2, 3, 4]])

    all.push(committer.submit(5))
    await settle()
    finish.shift()!()
    await settle()
    finish.shift()!()
    await settle()
    // Nothing else is committing: the one waiting command goes alone.
    expect(started).toEqual([[1], [2, 3, 4], [5]])
    finish.shift()!()
    expect(await Promise.all(all)).toEqual([1, 2, 3, 4, 5])
  })

  describe('when a batch starts', () => {
    /** A committer whose batches wait for `finish`; `events` records each batch's start among other marks. */
    const recordingCommitter = (options: { maxInFlight: number }) => {
      const events: string[] = []
      const finish: (() => void)[] = []
      const committer = new GroupCommitter<string, string>(
        async (batch) => {
          events.push(`batch ${batch.join(',')}`)
          await new Promise<void>((resolve) => finish.push(resolve))
          return batch.map((c): Outcome<string> => ({ ok: true, result: c }))
        },
        (c) => c,
        { maxBatch: 50, ...options },
      )
      return { committer, events, finish }
    }
    const nextTurn = () => new Promise((resolve) => setImmediate(resolve))

    test('an admission answered in a later turn (by Redis) starts its batch at once, not at the end of that turn', async () => {
      const { committer, events, finish } = recordingCommitter({ maxInFlight: 1 })
      let admit!: () => void
      const posted = committer.submit('a', new Promise<void>((resolve) => (admit = resolve)))
      await nextTurn()
      admit()
      setImmediate(() => events.push('end of turn'))
      await nextTurn()
      expect(events).toEqual(['batch a', 'end of turn'])
      finish.shift()!()
      expect(await posted).toBe('a')
    })

    test('a batch answered in a later turn (by the database) lets the waiting batch start at once', async () => {
      const { committer, events, finish } = recordingCommitter({ maxInFlight: 1 })
      const posted = [committer.submit('a')]
      await nextTurn()
      posted.push(committer.submit('b'))
      await nextTurn()
      expect(events).toEqual(['batch a'])
      finish.shift()!()
      setImmediate(() => events.push('end of turn'))
      await nextTurn()
      expect(events).toEqual(['batch a', 'batch b', 'end of turn'])
      finish.shift()!()
      expect(await Promise.all(posted)).toEqual(['a', 'b'])
    })

    test("admissions settled in the turn they began in (a local limiter) wait for the turn's other requests", async () => {
      const { committer, events, finish } = recordingCommitter({ maxInFlight: 1 })
      const posted: Promise<string>[] = []
      // Three requests handled in one turn, each in its own callback (microtasks run between them).
      await new Promise<void>((resolve) => {
        for (const c of ['a', 'b', 'c']) setImmediate(() => posted.push(committer.submit(c, Promise.resolve())))
        setImmediate(resolve)
      })
      await nextTurn()
      expect(events).toEqual(['batch a,b,c'])
      finish.shift()!()
      expect(await Promise.all(posted)).toEqual(['a', 'b', 'c'])
    })
  })
})

for (const dialect of DIALECTS) {
  describe(`a failing command never fails its batch neighbours (${dialect})`, () => {
    let svc: TestService
    beforeAll(async () => {
      svc = await startTestService(dialect)
      await svc.call('POST', '/achievements', { code: 'gc', title: 'GC', description: '', points: 100 })
    })
    afterAll(async () => {
      await svc.close()
    })

    test('a command that fails in the database fails alone; the others apply exactly once', async () => {
      const [definition] = await svc.service.storage.catalog.all()
      const command = (userId: string, unlockId: string): ProgressCommand => ({
        userId,
        scoreBonus: 5,
        notify: true,
        metadata: null,
        step: 500,
        idempotency: null,
        updates: [
          {
            achievementId: definition!.id,
            code: definition!.code,
            title: definition!.title,
            points: definition!.points,
            progressTarget: definition!.progressTarget,
            progressDelta: 1,
            progressAtLeast: null,
            forceComplete: false,
            candidateUnlockId: unlockId,
          },
        ],
      })
      // The middle command's unlock id is already taken by an earlier unlock: its outbox row collides, so it
      // must fail alone, whatever order the retries run in.
      const takenUnlockId = crypto.randomUUID()
      expect((await svc.service.storage.progress.applyBatch([command('gc-0', takenUnlockId)]))[0]!.ok).toBe(true)
      const outcomes = await svc.service.storage.progress.applyBatch([
        command('gc-a', crypto.randomUUID()),
        command('gc-b', takenUnlockId),
        command('gc-c', crypto.randomUUID()),
      ])
      expect(outcomes.map((o) => o.ok)).toEqual([true, false, true])
      for (const user of ['gc-a', 'gc-c']) {
        expect((await svc.service.storage.progress.userScore(user))?.totalPoints).toBe(105)
        expect((await svc.service.storage.outbox.forUser(user)).length).toBe(1)
      }
      expect(await svc.service.storage.progress.userScore('gc-b')).toBeNull()
      expect(await svc.service.storage.progress.userAchievements('gc-b')).toEqual([])
    })
  })
}
