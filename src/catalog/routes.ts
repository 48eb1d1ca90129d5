import { Elysia, t } from 'elysia'
import { callerContext } from '../auth/plugin'
import { SCOPE_ADMIN, type Authenticator } from '../auth/model'
import { hasScope, requireScope } from '../auth/service'
import { ErrorBody, commonErrors } from '../http/errors'
import {
  AchievementCodeParams,
  AchievementCreate,
  AchievementResponse,
  AchievementUpdate,
  GetAchievementQuery,
  ListAchievementsQuery,
} from './model'
import type { CatalogService } from './service'

const writeErrors = { ...commonErrors, 401: ErrorBody, 403: ErrorBody }

export function catalogRoutes(deps: { catalog: CatalogService; authenticator: Authenticator }) {
  const { catalog, authenticator } = deps
  return new Elysia({ prefix: '/achievements', tags: ['catalog'] })
    .use(callerContext(authenticator))
    .post(
      '/',
      async ({ body, caller, status }) => {
        requireScope(authenticator, caller, SCOPE_ADMIN)
        return status(201, await catalog.create(body))
      },
      {
        body: AchievementCreate,
        response: { 201: AchievementResponse, 409: ErrorBody, ...writeErrors },
        detail: { summary: 'Create an achievement definition', description: 'Needs the achievements:admin scope when auth is on.' },
      },
    )
    .get(
      '/',
      ({ query, caller }) =>
        catalog.list(
          { skip: query.skip ?? 0, limit: query.limit ?? 50, category: query.category },
          { admin: hasScope(caller, SCOPE_ADMIN), userId: query.user_id },
        ),
      {
        query: ListAchievementsQuery,
        response: { 200: t.Array(AchievementResponse), ...commonErrors, 401: ErrorBody },
        detail: {
          summary: 'List achievement definitions',
          description: 'Newest first, ties by code. Secret ones are masked unless the caller is admin or `user_id` unlocked them.',
        },
      },
    )
    .get(
      '/:code',
      ({ params, query, caller }) => catalog.get(params.code, { admin: hasScope(caller, SCOPE_ADMIN), userId: query.user_id }),
      {
        params: AchievementCodeParams,
        query: GetAchievementQuery,
        response: { 200: AchievementResponse, 404: ErrorBody, ...commonErrors, 401: ErrorBody },
        detail: { summary: 'Get one achievement definition' },
      },
    )
    .patch(
      '/:code',
      async ({ params, body, caller }) => {
        requireScope(authenticator, caller, SCOPE_ADMIN)
        return catalog.update(params.code, body)
      },
      {
        params: AchievementCodeParams,
        body: AchievementUpdate,
        response: { 200: AchievementResponse, 404: ErrorBody, ...writeErrors },
        detail: {
          summary: 'Update an achievement definition',
          description: '`{}` is a no-op. `points` applies to future unlocks; `progress_target` from the next progress post.',
        },
      },
    )
}
