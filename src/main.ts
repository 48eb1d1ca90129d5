import { ConfigError, loadConfig, redactUrl } from './config/config'
import { buildService } from './composition'
import { createLogger, parseLogLevel } from './ops/logger'

const SHUTDOWN_DEADLINE_MS = 10_000

async function main(): Promise<void> {
  let config
  try {
    config = loadConfig()
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message)
      process.exit(2)
    }
    throw error
  }
  const logger = createLogger({
    level: parseLogLevel(process.env.LOG_LEVEL),
    base: { service: 'achievement-service', instance: config.instanceId },
  })
  const service = await buildService(config, { logger })
  await service.start()
  const server = Bun.serve({
    port: config.port,
    // Backstop at the socket; the app answers 413 with the contract's body below this.
    maxRequestBodySize: config.maxBodyBytes + 1024,
    fetch: (request) => service.app.handle(request),
  })
  logger.info('listening', {
    port: server.port,
    database: config.database.kind === 'postgres' ? redactUrl(config.database.url) : `sqlite:${config.database.path}`,
    redis: config.redisUrl ? redactUrl(config.redisUrl) : null,
    auth: config.jwt ? 'jwt' : 'disabled',
  })
  if (!config.jwt) logger.warn('authentication is disabled: every caller may write (set ACHIEVEMENT_JWT_SECRET or ACHIEVEMENT_JWT_JWKS_URL)')

  let stopping = false
  const shutdown = async (signal: string) => {
    if (stopping) return
    stopping = true
    logger.info('shutting down', { signal })
    const deadline = setTimeout(() => {
      logger.error('shutdown deadline passed, exiting')
      process.exit(1)
    }, SHUTDOWN_DEADLINE_MS)
    // Stop accepting, let in-flight requests finish, then flush background work.
    await server.stop(false)
    await service.stop()
    clearTimeout(deadline)
    logger.info('stopped')
    process.exit(0)
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM'))
  process.on('SIGINT', () => void shutdown('SIGINT'))
}

await main()
