import { Elysia } from 'elysia'
import { SCOPE_ADMIN, type Authenticator } from '../auth/model'
import { callerContext, scopeGuard } from '../auth/plugin'
import { ApiError, errorResponse, readErrors, unauthorizedResponse } from '../http/errors'
import type { LeaderboardRebuild, RebuildReport } from './build'
import { DEFAULT_PAGE_SIZE, LeaderboardQuery, LeaderboardResponse, RebuildResponse } from './model'
import { RedisUnavailableError } from './redis-link'
import type { LeaderboardService } from './service'

const JSON_HEADERS = { 'content-type': 'application/json;charset=utf-8' }

export function leaderboardRoutes(deps: {
  leaderboard: LeaderboardService
  leaderboardRebuild: LeaderboardRebuild
  authenticator: Authenticator
}) {
  const { leaderboard, leaderboardRebuild, authenticator } = deps
  // An open read; callerContext still answers 401 to a token that is sent but invalid, like every route.
  return new Elysia({ prefix: '/leaderboard', tags: ['leaderboard'] }).use(callerContext(authenticator)).get(
    '',
    async ({ query }) => {
      const limit = query.limit ?? DEFAULT_PAGE_SIZE
      const page =
        query.around_user !== undefined
          ? await leaderboard.read({ limit, aroundUser: query.around_user })
          : await leaderboard.read({ limit, offset: query.offset ?? 0 })
      // Serialized once per cached page; a Response skips the per-request encode of the response schema.
      return new Response(page.json, { headers: JSON_HEADERS })
    },
    {
      query: LeaderboardQuery,
      response: { 200: LeaderboardResponse, ...readErrors },
      detail: {
        summary: 'The leaderboard',
        description:
          'Players with a score above zero, score descending, equal scores by ascending user_id; `rank` is the ' +
          'competition rank (1, 2, 2, 4). `?offset=&limit=` pages; `?around_user=&limit=` returns the page of `limit` ' +
          'entries holding that player (centred, shifted at the edges; the top page when the player has no score). ' +
          'Names are null when the user service cannot say in time. Pages are cached per instance for a short TTL ' +
          '(default 250 ms): a page may be that much behind the latest writes; `generated_at` is when it was read.',
      },
    },
  )
    .post(
      '/rebuild',
      async () => {
        let report: RebuildReport
        try {
          report = await leaderboardRebuild.rebuild()
        } catch (error) {
          if (error instanceof RedisUnavailableError) {
            throw new ApiError(503, 'redis_unavailable', 'Redis does not answer; retry shortly', { 'retry-after': '1' })
          }
          throw error
        }
        if (report.status === 'busy') {
          throw new ApiError(409, 'rebuild_in_progress', 'A rebuild of the leaderboard is already running', { 'retry-after': '1' })
        }
        return report.status === 'rebuilt'
          ? { status: report.status, players: report.players, duration_ms: report.durationMs }
          : { status: report.status, players: null, duration_ms: null }
      },
      {
        transform: scopeGuard(authenticator, SCOPE_ADMIN),
        response: {
          200: RebuildResponse,
          401: unauthorizedResponse,
          403: errorResponse(`Token lacks the ${SCOPE_ADMIN} scope`),
          409: errorResponse('Another rebuild is running (code `rebuild_in_progress`); `Retry-After` is set'),
          503: errorResponse('Redis or the database does not answer; `Retry-After` is set'),
        },
        detail: {
          summary: 'Rebuild the Redis leaderboard from the database (admin)',
          description:
            'Extension. The database is the truth; the service rebuilds by itself when Redis lost data. Without Redis: ' +
            '`not_needed`. Needs the achievements:admin scope when auth is on.',
        },
      },
    )
}
