import { Elysia, t } from 'elysia'
import { DRAIN_RETRY_AFTER_SECONDS } from './lifecycle'
import { PROMETHEUS_CONTENT_TYPE, type MetricsRegistry } from './metrics'
import type { Readiness } from './readiness'

export const HealthResponse = t.Object({ status: t.Literal('healthy'), service: t.Literal('achievement-service') })

const CheckStatuses = t.Record(t.String(), t.Union([t.Literal('ok'), t.Literal('timeout'), t.Literal('unavailable')]))

export const ReadyResponse = t.Object({ status: t.Literal('ready'), checks: CheckStatuses }, { title: 'Ready' })

export const NotReadyResponse = t.Object(
  {
    detail: t.String(),
    code: t.Union([t.Literal('not_ready'), t.Literal('shutting_down')]),
    checks: CheckStatuses,
  },
  { title: 'NotReady', description: 'The contract error body, plus the state of each dependency; `Retry-After` is set' },
)

export interface OpsRouteDeps {
  readiness: Readiness
  metrics: MetricsRegistry
}

/** Operational endpoints, outside the API prefix. */
export function opsRoutes(deps: OpsRouteDeps) {
  const { readiness, metrics } = deps
  return new Elysia({ tags: ['operations'] })
    .get('/health', () => ({ status: 'healthy' as const, service: 'achievement-service' as const }), {
      response: { 200: HealthResponse },
      detail: { summary: 'Liveness: 200 while the process runs', description: 'Never checks dependencies.' },
    })
    .get(
      '/ready',
      async ({ set, status }) => {
        const report = await readiness.evaluate()
        if (report.ready) return { status: 'ready' as const, checks: report.checks }
        set.headers['retry-after'] = String(DRAIN_RETRY_AFTER_SECONDS)
        if (report.reason === 'shutting_down') {
          return status(503, { detail: 'Service is shutting down', code: 'shutting_down' as const, checks: report.checks })
        }
        const failing = Object.entries(report.checks)
          .filter(([, state]) => state !== 'ok')
          .map(([name, state]) => `${name} ${state}`)
        return status(503, { detail: `Not ready: ${failing.join(', ')}`, code: 'not_ready' as const, checks: report.checks })
      },
      {
        response: { 200: ReadyResponse, 503: NotReadyResponse },
        detail: {
          summary: 'Readiness: 200 when the database (and Redis, when configured) answer',
          description: 'Each dependency is pinged with a short timeout. 503 while one does not answer, and while shutting down.',
        },
      },
    )
    .get(
      '/metrics',
      async ({ set }) => {
        set.headers['content-type'] = PROMETHEUS_CONTENT_TYPE
        return metrics.render()
      },
      {
        response: { 200: t.String({ description: 'Prometheus text exposition format 0.0.4' }) },
        detail: { summary: 'Prometheus metrics', description: 'Request counts and latencies by route template, progress batches, outbox backlog, leaderboard and cache state.' },
      },
    )
}
