import type { Logger } from './logger'

/**
 * postgres.js 3.4.x schedules small writes with setImmediate; when the server closes the connection first
 * (Postgres stopped or restarted), the scheduled write runs on a null socket and throws from the immediate,
 * where no caller can catch it (porsager/postgres#1066, #1154, #1208; fix proposed in #1209). The query it
 * belonged to was already rejected with CONNECTION_CLOSED (and every storage call has a deadline), so the
 * throw carries no lost work: it is logged and ignored instead of killing the process.
 */
export function isPostgresWriteAfterClose(error: unknown): boolean {
  if (!(error instanceof TypeError)) return false
  const stack = error.stack ?? ''
  return /\bnextWrite\b/.test(stack) && /postgres[\\/]src[\\/]connection\.js/.test(stack) && /socket\.write|reading 'write'/.test(error.message)
}

/**
 * Process-wide handlers: a rejected promise nobody awaited is logged; an uncaught exception is logged and
 * shuts the process down gracefully with exit code 1 (its state is unknown), except the known driver race above.
 */
export function handleUncaught(logger: Logger, shutdown: (reason: string, exitCode: number) => void): void {
  process.on('unhandledRejection', (reason) => logger.error('unhandled promise rejection', { error: reason }))
  process.on('uncaughtException', (error) => {
    if (isPostgresWriteAfterClose(error)) {
      logger.warn('postgres driver wrote to a closed connection; ignored (porsager/postgres#1208)', { error: error.message })
      return
    }
    logger.error('uncaught exception: shutting down', { error })
    shutdown('uncaughtException', 1)
  })
}
