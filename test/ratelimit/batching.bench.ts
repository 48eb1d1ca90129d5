/**
 * Micro-benchmark of the Redis limiter (not a test): TAKES takes from CONCURRENCY callers, each awaiting its own
 * take before the next, against a private redis-server, so Redis CPU is this run's alone.
 *   bun run test/ratelimit/batching.bench.ts [takes=20000] [concurrency=64]
 */
import Redis from 'ioredis'
import type { RateLimitRules } from '../../src/ratelimit/model'
import { RedisRateLimiter } from '../../src/ratelimit/redis'
import { startPrivateRedis } from './redis-support'

const TAKES = Number(process.argv[2] ?? 20_000)
const CONCURRENCY = Number(process.argv[3] ?? 64)
const PLAYERS = 2_000
const RULES: RateLimitRules = { player: { capacity: 300, refillPerSec: 30 }, caller: { capacity: 20_000, refillPerSec: 2_000 } }

async function redisCpuSec(redis: Redis): Promise<number> {
  const info = await redis.info('cpu')
  const read = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0)
  return read('used_cpu_user') + read('used_cpu_sys')
}

async function run(limiter: RedisRateLimiter): Promise<{ allowed: number }> {
  let next = 0
  let allowed = 0
  const caller = async () => {
    while (next < TAKES) {
      const i = next++
      const decision = await limiter.take(`player-${i % PLAYERS}`, i % 2 === 0 ? 'game-server' : null)
      if (decision.allowed) allowed++
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, caller))
  return { allowed }
}

const server = await startPrivateRedis()
const redis = new Redis(server.url, { maxRetriesPerRequest: 0, enableOfflineQueue: false, commandTimeout: 1_000 })
const admin = new Redis(server.url)
try {
  await new Promise((resolve) => redis.once('ready', resolve))
  const limiter = new RedisRateLimiter({ redis, rules: RULES, keyPrefix: 'bench', timeoutMs: 1_000 })
  await run(limiter) // warm-up: JIT, script load
  await admin.flushdb() // the private server only
  await admin.config('RESETSTAT')
  const cpuBefore = process.cpuUsage()
  const redisCpuBefore = await redisCpuSec(admin)
  const started = performance.now()
  const { allowed } = await run(limiter)
  const elapsedSec = (performance.now() - started) / 1000
  const cpu = process.cpuUsage(cpuBefore)
  const redisCpu = (await redisCpuSec(admin)) - redisCpuBefore
  const stats = await admin.info('commandstats')
  const scriptCalls = [...stats.matchAll(/cmdstat_(?:evalsha|eval):calls=(\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0)
  console.log(
    JSON.stringify({
      takes: TAKES,
      concurrency: CONCURRENCY,
      allowed,
      takesPerSec: Math.round(TAKES / elapsedSec),
      jsCpuUsPerTake: Number(((cpu.user + cpu.system) / TAKES).toFixed(2)),
      redisCpuUsPerTake: Number(((redisCpu * 1e6) / TAKES).toFixed(2)),
      redisScriptCalls: scriptCalls,
    }),
  )
} finally {
  redis.disconnect()
  admin.disconnect()
  await server.stop()
}
