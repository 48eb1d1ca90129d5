import type { Storage } from '../../../src/storage/port'

/**
 * Everything a request could have changed, read through the storage port: the catalog, the scores (count and
 * the whole board), the notification outbox backlog, and for each named player their score, progress rows,
 * outbox entries and star-token ledger. Returned as one comparable string.
 */
export async function snapshotState(storage: Storage, players: Iterable<string>): Promise<string> {
  const ids = [...new Set(players)].sort()
  const [catalog, count, board, outbox, perPlayer] = await Promise.all([
    storage.catalog.all(),
    storage.scores.count(),
    storage.scores.page(0, 10_000),
    storage.outbox.stats(),
    Promise.all(
      ids.map(async (id) => {
        const [score, rows, entries, ledger] = await Promise.all([
          storage.progress.userScore(id),
          storage.progress.userAchievements(id),
          storage.outbox.forUser(id),
          storage.progress.starTokenLedgerCount(id),
        ])
        return { id, score, rows, entries, ledger }
      }),
    ),
  ])
  const sortedCatalog = [...catalog].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0))
  return JSON.stringify({ catalog: sortedCatalog, count, board, outbox, perPlayer })
}

/** The first difference between two snapshots, for a readable failure. */
export function firstDifference(before: string, after: string): string {
  let index = 0
  while (index < before.length && before[index] === after[index]) index++
  const from = Math.max(0, index - 120)
  return `before: …${before.slice(from, index + 200)}\nafter:  …${after.slice(from, index + 200)}`
}

/**
 * Idempotency-Keys of rejected requests must be left unclaimed (a stored or dangling claim would change what a
 * retry gets). A probe claim that succeeds is released at once. Returns the keys that were not free.
 */
export async function leftoverIdempotencyKeys(storage: Storage, keys: { scope: string; key: string }[]): Promise<string[]> {
  const taken: string[] = []
  for (const { scope, key } of keys) {
    const claim = await storage.idempotency.claim(scope, key, 'fuzz-probe', 60_000)
    if (claim.kind === 'claimed') await storage.idempotency.release(scope, key)
    else taken.push(`${scope} ${key}: ${claim.kind}`)
  }
  return taken
}
