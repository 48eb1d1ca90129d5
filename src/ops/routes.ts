import { Elysia, t } from 'elysia'

export const HealthResponse = t.Object({ status: t.Literal('healthy'), service: t.Literal('achievement-service') })

/** Operational endpoints, outside the API prefix. */
export function opsRoutes() {
  return new Elysia({ tags: ['operations'] }).get(
    '/health',
    () => ({ status: 'healthy' as const, service: 'achievement-service' as const }),
    { response: { 200: HealthResponse }, detail: { summary: 'Liveness: 200 while the process runs' } },
  )
}
