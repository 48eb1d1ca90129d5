import fc from 'fast-check'
import type { AchievementRecord } from '../../../src/storage/port'
import type { TestService } from '../../support/service'
import { contractProblem, describeExchange, isSendable, isWriteMethod, send, type FuzzRequest, type FuzzResponse } from './http'
import { mixedWrite, readRequest, refusedWrite, unroutedRequest } from './routes'
import { firstDifference, leftoverIdempotencyKeys, snapshotState } from './state'
import { FRESH_PLAYERS, KNOWN_PLAYERS, type FuzzWorld } from './world'

/** Fixed by default so a failure reproduces; FUZZ_SEED=<n> explores others (fast-check prints the seed on failure). */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20_261_127)
/** Multiplies the number of generated requests (FUZZ_SCALE=10 for a long local run). */
export const FUZZ_SCALE = Number(process.env.FUZZ_SCALE ?? 1)

/** Statuses seen, by status code. */
export type StatusTally = Map<number, number>

function count(tally: StatusTally, status: number): void {
  tally.set(status, (tally.get(status) ?? 0) + 1)
}

export const tallyTotal = (tally: StatusTally) => [...tally.values()].reduce((sum, n) => sum + n, 0)
export const tallyOf = (tally: StatusTally, predicate: (status: number) => boolean) =>
  [...tally].filter(([status]) => predicate(status)).reduce((sum, [, n]) => sum + n, 0)

async function exchange(svc: TestService, request: FuzzRequest, tally: StatusTally) {
  const response = await send(svc.service.app, request)
  count(tally, response.status)
  const problem = contractProblem(response)
  if (problem) throw new Error(`${problem}\n${describeExchange(request, response)}`)
  return response
}

export interface BatchOptions {
  seed: number
  /** Batches (fast-check runs). */
  runs: number
  batchSize: number
}

/**
 * Batches of writes that each have a refused part (credentials, path, header or body), mixed with reads of every
 * route and requests to routes that do not exist. Per request: never a 5xx, the contract error body, and no
 * refused write answered with a success. Per batch: the stored state is the same after as before, and no
 * Idempotency-Key of a refused request was left claimed.
 */
export async function fuzzRefusedBatches(svc: TestService, world: FuzzWorld, options: BatchOptions): Promise<StatusTally> {
  const tally: StatusTally = new Map()
  const storage = svc.service.storage
  const request = fc.oneof(
    { weight: 6, arbitrary: refusedWrite(world) },
    { weight: 3, arbitrary: readRequest(world) },
    { weight: 1, arbitrary: unroutedRequest(world) },
  )
  const batch = fc.array(request, { minLength: options.batchSize, maxLength: options.batchSize }).map((requests) => requests.filter(isSendable))
  await fc.assert(
    fc.asyncProperty(batch, async (requests) => {
      const players = [...KNOWN_PLAYERS, ...requests.flatMap((r) => r.players)]
      const before = await snapshotState(storage, players)
      const refusedKeys: { scope: string; key: string }[] = []
      for (const request of requests) {
        const response = await exchange(svc, request, tally)
        if (isWriteMethod(request.method) && response.status < 400) {
          throw new Error(`a write with a refused part was accepted\n${describeExchange(request, response)}`)
        }
        if (request.idempotency) refusedKeys.push(request.idempotency)
      }
      const after = await snapshotState(storage, players)
      if (after !== before) {
        throw new Error(`refused requests changed stored state\n${firstDifference(before, after)}\nbatch:\n${requests.map((r) => describeExchange(r)).join('\n')}`)
      }
      const leftovers = await leftoverIdempotencyKeys(storage, refusedKeys)
      if (leftovers.length > 0) throw new Error(`Idempotency-Keys of refused requests left behind: ${leftovers.join(', ')}`)
    }),
    { seed: options.seed, numRuns: options.runs },
  )
  return tally
}

export interface MixedOptions {
  seed: number
  runs: number
}

/**
 * Writes whose parts are all valid or hostile-but-maybe-valid (unicode text, odd JSON, replayed keys). A success is
 * fine; a refusal must leave the stored state exactly as it was (checked around each write). Never a 5xx.
 */
export async function fuzzMixedWrites(svc: TestService, world: FuzzWorld, options: MixedOptions): Promise<StatusTally> {
  const tally: StatusTally = new Map()
  const storage = svc.service.storage
  const players = [...KNOWN_PLAYERS, ...FRESH_PLAYERS]
  // Runs are sequential and nothing else writes in between, so one snapshot serves as "after" and the next "before".
  let last: string | null = null
  await fc.assert(
    fc.asyncProperty(mixedWrite(world), async (request) => {
      if (!isSendable(request)) return
      const before = last ?? (await snapshotState(storage, players))
      last = null
      const response = await exchange(svc, request, tally)
      const after = await snapshotState(storage, players)
      if (response.status >= 400 && after !== before) {
        throw new Error(`a refused write changed stored state\n${firstDifference(before, after)}\n${describeExchange(request, response)}`)
      }
      const echo = await storedEchoProblem(svc, request, response)
      if (echo) throw new Error(`${echo}\n${describeExchange(request, response)}`)
      last = after
    }),
    { seed: options.seed, numRuns: options.runs },
  )
  return tally
}

/** Request fields of a definition and the stored record's names for them. */
const RECORD_FIELDS: Record<string, keyof AchievementRecord> = {
  code: 'code',
  title: 'title',
  description: 'description',
  points: 'points',
  category: 'category',
  rarity: 'rarity',
  icon_url: 'iconUrl',
  is_secret: 'isSecret',
  progress_target: 'progressTarget',
  auto_claim: 'autoClaim',
}

/**
 * An accepted catalog write must be stored exactly as sent: hostile unicode (emoji, RTL marks, combining marks,
 * quotes) reads back unchanged from the database.
 */
async function storedEchoProblem(svc: TestService, request: FuzzRequest, response: FuzzResponse): Promise<string | null> {
  if (!request.echo || response.status >= 300 || typeof request.body !== 'string') return null
  const sent = JSON.parse(request.body.replace(/^\ufeff/, '')) as Record<string, unknown>
  const code = (JSON.parse(response.text) as { code: string }).code
  const stored = await svc.service.storage.catalog.getByCode(code)
  if (!stored) return `accepted ${code} but it is not stored`
  for (const [field, value] of Object.entries(sent)) {
    const name = RECORD_FIELDS[field]
    if (!name) return `accepted an unknown field ${field}`
    if (!Bun.deepEquals(stored[name], value)) return `${field} stored as ${JSON.stringify(stored[name])}, sent ${JSON.stringify(value)}`
  }
  return null
}

export function describeTally(tally: StatusTally): string {
  return [...tally]
    .sort(([a], [b]) => a - b)
    .map(([status, n]) => `${status}×${n}`)
    .join(' ')
}
