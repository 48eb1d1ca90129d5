import { Elysia } from 'elysia'
import { openapi } from '@elysiajs/openapi'
import type { Authenticator } from './auth/model'
import type { CatalogService } from './catalog/service'
import { catalogRoutes } from './catalog/routes'
import { errorHandler } from './http/errors'
import { jsonBody } from './http/json-body'
import type { Logger } from './ops/logger'
import { opsRoutes } from './ops/routes'

export const API_PREFIX = '/api/v1/achievements'

/** Everything the HTTP layer needs, built by the composition root (src/composition.ts) or by a test. */
export interface AppDeps {
  maxBodyBytes: number
  logger: Logger
  authenticator: Authenticator
  catalog: CatalogService
}

export function createApp(deps: AppDeps) {
  return new Elysia({ normalize: false })
    .use(
      errorHandler({
        onUnexpected: (error, request) =>
          deps.logger.error('unhandled error', { error, method: request.method, url: new URL(request.url).pathname }),
      }),
    )
    .use(jsonBody(deps.maxBodyBytes))
    .use(
      openapi({
        path: '/swagger',
        provider: 'swagger-ui',
        documentation: {
          info: {
            title: 'Achievement Service',
            version: '1.0.0',
            description: 'Achievement definitions, player progress, star tokens and the leaderboard.',
          },
          tags: [
            { name: 'catalog', description: 'Achievement definitions' },
            { name: 'operations', description: 'Health, readiness and metrics' },
          ],
          components: {
            securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
          },
        },
      }),
    )
    .use(opsRoutes())
    .group(API_PREFIX, (api) => api.use(catalogRoutes(deps)))
}

export type App = ReturnType<typeof createApp>
