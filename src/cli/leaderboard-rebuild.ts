import { ConfigError, loadConfig, redactUrl } from '../config/config'
import { BoardRebuilder, redisRunId } from '../leaderboard/rebuild'
import { boardKeys } from '../leaderboard/redis-keys'
import { RedisLink } from '../leaderboard/redis-link'
import { createStorage } from '../storage'

// Rebuilds the Redis leaderboard from the database (the truth), on demand: `bun run leaderboard:rebuild`.
// The service does this by itself when Redis was flushed, restarted or missed writes; this is for operators.
const CONNECT_WAIT_MS = 5_000

async function main(): Promise<number> {
  const config = loadConfig()
  if (!config.redisUrl) {
    console.log('ACHIEVEMENT_REDIS_URL is not set: the leaderboard is served from the database, nothing to rebuild')
    return 0
  }
  const storage = await createStorage(config.database)
  const link = new RedisLink(config.redisUrl, { connectTimeoutMs: 2_000, commandTimeoutMs: 10_000, cooldownMs: 0 })
  try {
    link.connect()
    const deadline = Date.now() + CONNECT_WAIT_MS
    while (!link.usable() && Date.now() < deadline) await Bun.sleep(50)
    if (!link.usable()) {
      console.error(`redis at ${redactUrl(config.redisUrl)} did not answer within ${CONNECT_WAIT_MS} ms`)
      return 1
    }
    const keys = boardKeys(config.leaderboardKey)
    const startedAt = Date.now()
    const outcome = await new BoardRebuilder(link, keys, storage.scores).rebuild((await redisRunId(link)) ?? 'unknown')
    if (outcome.status === 'busy') {
      console.error(`another rebuild of ${keys.board} is running (lock ${keys.rebuild}); try again when it ends`)
      return 1
    }
    console.log(`leaderboard ${keys.board} rebuilt: ${outcome.players} players in ${Date.now() - startedAt} ms`)
    return 0
  } finally {
    await link.close()
    await storage.close()
  }
}

try {
  process.exit(await main())
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : `leaderboard rebuild failed: ${(error as Error).message}`)
  process.exit(1)
}
