import { Elysia } from 'elysia'
import type { Authenticator } from '../auth/model'
import { callerContext } from '../auth/plugin'
import { readErrors } from '../http/errors'
import { DEFAULT_PAGE_SIZE, LeaderboardQuery, LeaderboardResponse } from './model'
import type { LeaderboardService } from './service'

const JSON_HEADERS = { 'content-type': 'application/json;charset=utf-8' }

export function leaderboardRoutes(deps: { leaderboard: LeaderboardService; authenticator: Authenticator }) {
  const { leaderboard, authenticator } = deps
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
}
