import { Elysia } from 'elysia'
import { commonErrors } from '../http/errors'
import { DEFAULT_PAGE_SIZE, LeaderboardQuery, LeaderboardResponse } from './model'
import type { LeaderboardService } from './service'

export function leaderboardRoutes(deps: { leaderboard: LeaderboardService }) {
  const { leaderboard } = deps
  return new Elysia({ prefix: '/leaderboard', tags: ['leaderboard'] }).get(
    '/',
    async ({ query }) => {
      const limit = query.limit ?? DEFAULT_PAGE_SIZE
      if (query.around_user !== undefined) return await leaderboard.read({ limit, aroundUser: query.around_user })
      return await leaderboard.read({ limit, offset: query.offset ?? 0 })
    },
    {
      query: LeaderboardQuery,
      response: { 200: LeaderboardResponse, ...commonErrors },
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
