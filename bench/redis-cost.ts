/**
 * The Redis side of a progress post, without HTTP or the database: the rate-limit check (RedisRateLimiter) and the
 * leaderboard write with its rank (ScoreWriter), each in batches as the service sends them, on a board of seeded
 * players under a key prefix of its own. Reports per post the Redis server's CPU time (its main thread, from
 * INFO cpu) and the time its scripts ran (INFO commandstats), for each of the two calls.
 *
 *   bun bench/redis-cost.ts [redis url] [--batch=28] [--batches=2000] [--players=100000] [--raise=0.3]
 *
 * --raise: the share of leaderboard writes that raise the player's total (the others submit the total the board
 * already holds, as a post that unlocks nothing and has no bonus does). Run it on an otherwise idle Redis: the CPU
 * figures are the whole server's. The keys it made are deleted at the end.
 */
import { boardKeys } from '../src/leaderboard/redis-keys'
import { RedisLink } from '../src/leaderboard/redis-link'
import { ScoreWriter } from '../src/leaderboard/score-writer'
import { RedisRateLimiter } from '../src/ratelimit/redis'
import { playerId } from './catalog'
import { numericFlag } from './options'
import { BenchRedis } from './redis'

const url = process.argv[2] && !process.argv[2].startsWith('--') ? process.argv[2] : 'redis://127.0.0.1:6379'
const option = (name: string, fallback: number) => numericFlag(process.argv, name, fallback)
const batchSize = option('batch', 28)
const batches = option('batches', 2_000)
const players = option('players', 100_000)
const raiseShare = option('raise', 0.3)
const WARM_UP_BATCHES = 50
const bench = new BenchRedis(url, `bench-redis-cost:${process.pid}:`)
const redis = bench.client
const pick = () => 1 + Math.floor(Math.random() * players)

/** The server's main-thread CPU seconds and the scripts' run time in µs so far. */
async function serverTotals(): Promise<{ cpuMicros: number; scriptMicros: number }> {
  const [cpu, commands] = await Promise.all([redis.info('cpu'), redis.info('commandstats')])
  const cpuSeconds = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(cpu)?.[1] ?? 0)
  const usec = (command: string) => Number(new RegExp(`cmdstat_${command}:calls=\\d+,usec=(\\d+)`).exec(commands)?.[1] ?? 0)
  return { cpuMicros: (cpuSeconds('used_cpu_user_main_thread') + cpuSeconds('used_cpu_sys_main_thread')) * 1e6, scriptMicros: usec('evalsha') + usec('eval') }
}

/** Runs `batch` for the warm-up and then the measured batches; the cost per post of the measured ones. */
async function measure(batch: () => Promise<unknown>): Promise<{ cpu: number; script: number }> {
  for (let b = 0; b < WARM_UP_BATCHES; b++) await batch()
  const before = await serverTotals()
  for (let b = 0; b < batches; b++) await batch()
  const after = await serverTotals()
  const posts = batches * batchSize
  return { cpu: (after.cpuMicros - before.cpuMicros) / posts, script: (after.scriptMicros - before.scriptMicros) / posts }
}

try {
  await bench.connect()
  const keys = boardKeys(bench.leaderboardKey)
  const totals = new Map<string, number>()
  for (let start = 1; start <= players; start += 5_000) {
    const members: (string | number)[] = []
    for (let n = start; n < Math.min(start + 5_000, players + 1); n++) {
      const total = Math.floor(Math.random() * 5_000)
      totals.set(playerId(n), total)
      members.push(total, playerId(n))
    }
    await redis.zadd(keys.board, ...members)
  }
  await redis.set(keys.marker, 'redis-cost')

  const limiter = new RedisRateLimiter({ redis, rules: { player: { capacity: 300, refillPerSec: 30 }, caller: null }, keyPrefix: bench.rateLimitPrefix })
  const rateLimit = await measure(() => Promise.all(Array.from({ length: batchSize }, () => limiter.take(playerId(pick()), null))))

  const link = new RedisLink(url, { connectTimeoutMs: 1_000, commandTimeoutMs: 2_000, cooldownMs: 0 })
  link.connect()
  const deadline = Date.now() + 5_000
  while (!link.usable()) {
    if (Date.now() > deadline) throw new Error(`Redis at ${url} did not become usable within 5 s`)
    await Bun.sleep(10)
  }
  const writer = new ScoreWriter(link, keys, { writeLost() {}, boardNotReady() {} }, { windowMs: 0, maxBatch: batchSize })
  const leaderboard = await measure(() =>
    Promise.all(
      Array.from({ length: batchSize }, () => {
        const player = playerId(pick())
        const total = totals.get(player)! + (Math.random() < raiseShare ? 10 : 0)
        totals.set(player, total)
        return writer.submit(player, total)
      }),
    ),
  )
  await link.close()

  const line = (name: string, cost: { cpu: number; script: number }) =>
    `${name.padEnd(22)} ${cost.cpu.toFixed(2).padStart(7)} µs server CPU a post, ${cost.script.toFixed(2).padStart(7)} µs in its script`
  console.log(`batches of ${batchSize}, ${batches} measured, ${players} players, ${raiseShare * 100} % of writes raise the total`)
  console.log(line('rate-limit check', rateLimit))
  console.log(line('leaderboard write+rank', leaderboard))
} finally {
  await bench.deleteAll()
  await bench.close()
}
