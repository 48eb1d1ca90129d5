import { Elysia } from 'elysia'
import { openapi } from '@elysiajs/openapi'
import type { Authenticator } from './auth/model'
import type { RateLimiter } from './ratelimit/model'
import type { CatalogService } from './catalog/service'
import { catalogRoutes } from './catalog/routes'
import { errorHandler } from './http/errors'
import { jsonBody } from './http/json-body'
import { leaderboardRoutes } from './leaderboard/routes'
import type { LeaderboardService } from './leaderboard/service'
import type { LeaderboardRebuild } from './leaderboard/build'
import type { Logger } from './ops/logger'
import { opsRoutes } from './ops/routes'
import { httpObserver, requestIdOf } from './ops/http-observer'
import type { OpsDeps } from './ops/operations'
import type { OverviewService } from './progress/overview'
import { progressRoutes } from './progress/routes'
import type { ProgressService } from './progress/service'

export const API_PREFIX = '/api/v1/achievements'

/** Everything the HTTP layer needs, built by the composition root (src/composition.ts) or by a test. */
export interface AppDeps {
  maxBodyBytes: number
  logger: Logger
  authenticator: Authenticator
  /** Token buckets for progress posts (per player, optionally per caller); see src/ratelimit/guard.ts. */
  rateLimiter: RateLimiter
  catalog: CatalogService
  progress: ProgressService
  overview: OverviewService
  leaderboard: LeaderboardService
  /** On-demand rebuild of the Redis board (admin endpoint). */
  leaderboardRebuild: LeaderboardRebuild
  /** Lifecycle, readiness and metrics (src/ops/operations.ts). */
  ops: OpsDeps
}

export function createApp(deps: AppDeps) {
  return new Elysia({ normalize: false })
    .use(
      errorHandler({
        onUnexpected: (error, request) =>
          deps.logger.error('unhandled error', {
            error,
            requestId: requestIdOf(request),
            method: request.method,
            url: new URL(request.url).pathname,
          }),
      }),
    )
    .use(httpObserver({ logger: deps.logger, metrics: deps.ops.http }))
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
            { name: 'progress', description: 'Player progress, star tokens and overview' },
            { name: 'leaderboard', description: 'Player ranking by total points' },
            { name: 'operations', description: 'Health, readiness and metrics' },
          ],
          components: {
            securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
          },
        },
      }),
    )
    .use(opsRoutes(deps.ops))
    .group(API_PREFIX, (api) => api.use(catalogRoutes(deps)).use(progressRoutes(deps)).use(leaderboardRoutes(deps)))
}

export type App = ReturnType<typeof createApp>
