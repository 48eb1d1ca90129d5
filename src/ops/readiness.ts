import type { Lifecycle } from './lifecycle'
import type { Logger } from './logger'

/** One dependency readiness asks: throws (or rejects) when it does not answer. */
export interface DependencyCheck {
  name: string
  check(): Promise<unknown>
}

export type CheckStatus = 'ok' | 'timeout' | 'unavailable'

export type ReadinessReport =
  | { ready: true; checks: Record<string, CheckStatus> }
  | { ready: false; reason: 'shutting_down' | 'dependency_unavailable'; checks: Record<string, CheckStatus> }

export const DEFAULT_READINESS_TIMEOUT_MS = 500

/**
 * GET /ready: every dependency check answers within the timeout, and the process is not shutting down.
 * Concurrent probes share one round of checks. State changes are logged once (with the error), not per probe.
 */
export class Readiness {
  private running: Promise<ReadinessReport> | null = null
  private lastReady: boolean | null = null

  constructor(
    private readonly checks: DependencyCheck[],
    private readonly lifecycle: Lifecycle,
    private readonly logger: Logger,
    private readonly timeoutMs = DEFAULT_READINESS_TIMEOUT_MS,
  ) {}

  evaluate(): Promise<ReadinessReport> {
    if (this.lifecycle.draining) return Promise.resolve({ ready: false, reason: 'shutting_down', checks: {} })
    this.running ??= this.run().finally(() => {
      this.running = null
    })
    return this.running
  }

  private async run(): Promise<ReadinessReport> {
    const problems: Record<string, string> = {}
    const results = await Promise.all(
      this.checks.map(async (dependency): Promise<[string, CheckStatus]> => {
        const outcome = await this.bounded(dependency)
        if (outcome.status !== 'ok') problems[dependency.name] = outcome.error
        return [dependency.name, outcome.status]
      }),
    )
    const checks = Object.fromEntries(results)
    const ready = results.every(([, status]) => status === 'ok')
    if (ready !== this.lastReady) {
      if (ready) this.logger.info('ready', { checks })
      // Not ready at start (Redis still connecting) is routine; losing readiness is worth a warning.
      else if (this.lastReady === null) this.logger.info('not ready yet', { checks, problems })
      else this.logger.warn('not ready', { checks, problems })
      this.lastReady = ready
    }
    return ready ? { ready, checks } : { ready, reason: 'dependency_unavailable', checks }
  }

  private async bounded(dependency: DependencyCheck): Promise<{ status: 'ok' } | { status: CheckStatus; error: string }> {
    let timer: ReturnType<typeof setTimeout> | undefined
    const timedOut = Symbol('timeout')
    try {
      const answer = await Promise.race([
        dependency.check(),
        new Promise<typeof timedOut>((resolve) => (timer = setTimeout(() => resolve(timedOut), this.timeoutMs))),
      ])
      if (answer === timedOut) return { status: 'timeout', error: `no answer within ${this.timeoutMs} ms` }
      return { status: 'ok' }
    } catch (error) {
      return { status: 'unavailable', error: error instanceof Error ? error.message : String(error) }
    } finally {
      clearTimeout(timer)
    }
  }
}
