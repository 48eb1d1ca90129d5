import type { Lifecycle } from './lifecycle'
import type { Logger } from './logger'

export interface ShutdownSteps {
  lifecycle: Lifecycle
  logger: Logger
  /** Closes the listening socket and every connection. */
  closeServer(): Promise<void>
  /** Flushes and stops background work, closes connections (Service.stop). */
  stopService(): Promise<void>
  exit(code: number): void
  /** From the signal to exit, at most. */
  timeoutMs: number
}

/**
 * Graceful shutdown, in order: readiness fails and new requests get 503 (the socket stays open so that late
 * arrivals get an answer instead of a refused connection); requests already accepted finish (at most half the
 * budget); the server closes; background work is flushed or left safe for the next start (pending progress
 * batches commit, queued leaderboard writes are sent, notification leases run out for another instance);
 * connections close; exit 0 (or the code given, e.g. 1 after an uncaught exception). Past the timeout the process exits 1 whatever is left. A second signal exits at once.
 */
export function gracefulShutdown(steps: ShutdownSteps): (signal: string, exitCode?: number) => void {
  const { lifecycle, logger } = steps
  let started = false
  return (signal, exitCode = 0) => {
    if (started) {
      logger.warn('second signal: exiting now', { signal })
      steps.exit(1)
      return
    }
    started = true
    void run(signal, exitCode)
  }

  async function run(signal: string, exitCode: number): Promise<void> {
    const startedAt = Date.now()
    const hardStop = setTimeout(() => {
      logger.error('shutdown timeout passed: exiting with work left', { timeoutMs: steps.timeoutMs, inFlight: lifecycle.inFlight })
      steps.exit(1)
    }, steps.timeoutMs)
    try {
      lifecycle.beginDrain()
      logger.info('shutting down', { signal, inFlight: lifecycle.inFlight })
      const idle = await lifecycle.whenIdle(Math.floor(steps.timeoutMs / 2))
      if (!idle) logger.warn('requests still running at the drain deadline', { inFlight: lifecycle.inFlight })
      await steps.closeServer()
      await steps.stopService()
      clearTimeout(hardStop)
      logger.info('stopped', { ms: Date.now() - startedAt })
      steps.exit(exitCode)
    } catch (error) {
      clearTimeout(hardStop)
      logger.error('shutdown failed', { error })
      steps.exit(1)
    }
  }
}
