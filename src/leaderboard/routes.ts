import { Elysia } from 'elysia'
import type { Authenticator } from '../auth/model'
import { callerContext } from '../auth/plugin'
import { readErrors } from '../http/errors'
import { DEFAULT_PAGE_SIZE, LeaderboardQuery, LeaderboardResponse } from './model'
import type { LeaderboardService } from './service'

export function leaderboardRoutes(deps: { leaderboard: LeaderboardService; authenticator: Authenticator }) {
  const { leaderboard, authenticator } = deps
  // An open read; callerContext still answers 401 to a token that is sent but invalid, like every route.
  return new Elysia({ prefix: '/leaderboard', tags: ['leaderboard'] }).use(callerContext(authenticator)).get(
    '',
    async ({ query }) => {
      const limit = query.limit ?? DEFAULT_PAGE_SIZE
      if (query.around_user !== undefined) return await leaderboard.read({ limit, aroundUser: query.around_user })
      return await leaderboard.read({ limit, offset: query.offset ?? 0 })
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
          'Names are null when the user service cannot say in time.',
      },
    },
  )
}
