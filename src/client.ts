import { treaty, type Treaty } from '@elysiajs/eden'
// Type-only: a web frontend importing this file pulls in no server code.
import type { App } from './app'

/**
 * A typed client for the service (Eden treaty). Paths mirror the routes, e.g.
 * `client.api.v1.achievements.achievements.get({ query: { limit: 20 } })` or
 * `client.api.v1.achievements.achievements({ code: 'first-win' }).get()`.
 * Pass `headers: { authorization: 'Bearer …' }` in `config` for writes when auth is on.
 */
export function createClient(baseUrl: string, config?: Treaty.Config) {
  return treaty<App>(baseUrl, config)
}

export type AchievementServiceClient = ReturnType<typeof createClient>
