/**
 * The cost of the group-commit write, without HTTP: applies batches of generated progress commands
 * (the bench's progress mix) through PostgresProgressStore on one connection configured like the service's
 * progress pool, and reports per command the Postgres backend's CPU time, the WAL written, this process's CPU time and
 * the wall time.
 *
 *   bun bench/store-cost.ts <database url> [--batch=32] [--batches=200] [--players=100000] [--updates=N] [--plan-cache=auto]
 *
 * --updates=N gives every post N updates (1..50) instead of the mix's 1-3.
 * --plan-cache=auto measures the statement under Postgres' default plan caching instead of the service's
 * force_generic_plan.
 *
 * Point it at a copy of a seeded bench database (bun run bench --keep, then CREATE DATABASE x TEMPLATE y): it
 * writes. Run it on the machine of the database (it reads the backend's /proc/<pid>/stat).
 */
import { readFileSync } from 'node:fs'
import { connectPostgres } from '../src/storage/postgres/connection'
import { PostgresProgressStore } from '../src/storage/postgres/progress'
import type { ProgressCommand } from '../src/storage/port'
import { STAR_TOKEN_STEP, achievementCode, achievementId, playerId, pointsOf, targetOf } from './catalog'
import { numericFlag } from './options'

const url = process.argv[2]
if (!url || url.startsWith('--')) {
  throw new Error('usage: bun bench/store-cost.ts <database url> [--batch=32] [--batches=200] [--players=100000] [--updates=N] [--plan-cache=auto]')
}
const option = (name: string, fallback: number) => numericFlag(process.argv, name, fallback)
const batchSize = option('batch', 32)
const batches = option('batches', 200)
const players = option('players', 100_000)
const updatesPerPost = option('updates', 0)
if (!Number.isInteger(updatesPerPost) || updatesPerPost < 0 || updatesPerPost > 50) throw new Error('--updates must be 1..50 (without it, the mix of 1-3)')
const planCacheMode = process.argv.includes('--plan-cache=auto') ? 'auto' : 'force_generic_plan'
const WARM_UP_BATCHES = 10

let keysIssued = 0
const pick = (n: number) => 1 + Math.floor(Math.random() * n)

/** One post of the mix: 1-3 distinct achievements (or --updates), delta 1-3, 20% with a score bonus, 5% with a key. */
function command(): ProgressCommand {
  const achievements = new Set<number>()
  const count = updatesPerPost || pick(3)
  while (achievements.size < count) achievements.add(pick(50))
  return {
    userId: playerId(pick(players)),
    updates: [...achievements].map((n) => ({
      achievementId: achievementId(n),
      code: achievementCode(n),
      title: `Bench achievement ${n}`,
      points: pointsOf(n),
      progressTarget: targetOf(n),
      progressDelta: pick(3),
      progressAtLeast: null,
      forceComplete: false,
      candidateUnlockId: Bun.randomUUIDv7(),
    })),
    scoreBonus: Math.random() < 0.2 ? pick(500) : 0,
    notify: true,
    metadata: null,
    step: STAR_TOKEN_STEP,
    idempotency: Math.random() < 0.05 ? { caller: 'store-cost', key: `store-cost-${process.pid}-${++keysIssued}`, requestHash: 'store-cost', claimed: false } : null,
  }
}

const { sql } = connectPostgres(url, { max: 1, planCacheMode, applicationName: 'store-cost' })
const store = new PostgresProgressStore(sql)
const [backend] = await sql<{ pid: number }[]>`select pg_backend_pid() as pid`
const backendCpuMicros = () => {
  const fields = readFileSync(`/proc/${backend!.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10_000 // utime + stime, in 100 Hz ticks
}

/** The server's WAL position in bytes (the whole cluster's WAL: run it on an otherwise idle server). */
const walPosition = async () => {
  const [row] = await sql<{ bytes: string }[]>`select pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::text as bytes`
  return Number(row!.bytes)
}

let cpuMicros = 0
let clientMicros = 0
let walBytes = 0
let wallMs = 0
let measured = 0
for (let b = 0; b < batches + WARM_UP_BATCHES; b++) {
  const batch = Array.from({ length: batchSize }, command)
  const walBefore = await walPosition()
  const cpuBefore = backendCpuMicros()
  const clientBefore = process.cpuUsage()
  const startedAt = performance.now()
  const outcomes = await store.applyBatch(batch)
  if (b < WARM_UP_BATCHES) continue
  wallMs += performance.now() - startedAt
  const client = process.cpuUsage(clientBefore)
  clientMicros += client.user + client.system
  cpuMicros += backendCpuMicros() - cpuBefore
  walBytes += (await walPosition()) - walBefore
  measured += batch.length
  const failed = outcomes.find((outcome) => !outcome.ok)
  if (failed && !failed.ok) throw failed.error
}
console.log(
  `batch ${batchSize}, updates a post ${updatesPerPost || '1-3'}, plan_cache_mode ${planCacheMode}: Postgres backend CPU ${(cpuMicros / measured).toFixed(1)} µs/command, ` +
    `WAL ${Math.round(walBytes / measured)} bytes/command, ` +
    `this process (parameters, driver, results) ${(clientMicros / measured).toFixed(1)} µs/command, ` +
    `wall ${((wallMs * 1000) / measured).toFixed(1)} µs/command, ${((wallMs * batchSize) / measured).toFixed(2)} ms/batch`,
)
await sql.end()
