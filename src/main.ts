import { ConfigError, loadConfig, redactUrl, type Config } from './config/config'
import { buildService, type Service } from './composition'
import { createLogger, type Logger } from './ops/logger'
import { gracefulShutdown } from './ops/shutdown'
import { handleUncaught } from './ops/uncaught'
import { loadProcessTuning, type ProcessTuning } from './ops/tuning'

function loadSettings(): { config: Config; tuning: ProcessTuning } {
  try {
    return { config: loadConfig(), tuning: loadProcessTuning() }
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message)
      process.exit(2)
    }
    throw error
  }
}

async function start(config: Config, tuning: ProcessTuning, logger: Logger): Promise<Service> {
  try {
    const service = await buildService(config, { logger, ops: tuning.ops, notifications: tuning.notifications, groupCommit: tuning.groupCommit })
    await service.start()
    return service
  } catch (error) {
    // e.g. the database is down at start: exit non-zero and let the supervisor restart us.
    logger.error('startup failed', { error })
    process.exit(1)
  }
}

async function main(): Promise<void> {
  const { config, tuning } = loadSettings()
  const logger = createLogger({ level: tuning.logLevel, base: { service: 'achievement-service', instance: config.instanceId } })

  const service = await start(config, tuning, logger)
  const { lifecycle } = service.deps.ops
  const server = Bun.serve({
    port: config.port,
    // Backstop at the socket, where Bun answers a bare 413. Well above the app's own limit, so that an
    // oversized body up to this size still gets the app's 413 with the contract's error body.
    maxRequestBodySize: Math.max(config.maxBodyBytes * 16, 1 << 20),
    fetch: (request) => lifecycle.handle(request, (accepted) => service.app.handle(accepted)),
  })
  logger.info('listening', {
    port: server.port,
    database: config.database.kind === 'postgres' ? redactUrl(config.database.url) : `sqlite:${config.database.path}`,
    redis: config.redisUrl ? redactUrl(config.redisUrl) : null,
    auth: config.jwt ? 'jwt' : 'disabled',
  })
  if (!config.jwt) logger.warn('authentication is disabled: every caller may write (set ACHIEVEMENT_JWT_SECRET or ACHIEVEMENT_JWT_JWKS_URL)')

  const shutdown = gracefulShutdown({
    lifecycle,
    logger,
    timeoutMs: tuning.shutdownTimeoutMs,
    // Graceful first (responses already returned get written out), then cut whatever is left.
    closeServer: async () => {
      await Promise.race([server.stop(false), Bun.sleep(1_000)])
      await server.stop(true)
    },
    stopService: () => service.stop(),
    exit: (code) => process.exit(code),
  })
  process.on('SIGTERM', () => shutdown('SIGTERM'))
  process.on('SIGINT', () => shutdown('SIGINT'))
  handleUncaught(logger, shutdown)
}

await main()
