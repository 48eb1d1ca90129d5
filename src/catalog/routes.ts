import type { TSchema } from '@sinclair/typebox'
import { Elysia, t } from 'elysia'
import { callerContext, scopeGuard } from '../auth/plugin'
import { SCOPE_ADMIN, type Authenticator } from '../auth/model'
import { hasScope } from '../auth/service'
import { ApiError, errorResponse, readErrors, writeErrors } from '../http/errors'
import {
  AchievementCodeParams,
  AchievementCreate,
  AchievementResponse,
  AchievementUpdate,
  GetAchievementQuery,
  ListAchievementsQuery,
  isAchievementCode,
} from './model'
import { ACHIEVEMENT_NOT_FOUND, type CatalogService } from './service'

const notFound = errorResponse('`Achievement not found` (code `achievement_not_found`), also for a code no achievement can have')
const adminWriteErrors = writeErrors(SCOPE_ADMIN)

const described = <T extends TSchema>(schema: T, description: string): T => ({ ...schema, description })

/** A path code that no achievement can have is answered like an unknown one, before any validation. */
function rejectImpossibleCode({ params }: { params: Record<string, unknown> }): void {
  if (!isAchievementCode(params.code)) throw new ApiError(404, 'achievement_not_found', ACHIEVEMENT_NOT_FOUND)
}

export function catalogRoutes(deps: { catalog: CatalogService; authenticator: Authenticator }) {
  const { catalog, authenticator } = deps
  return new Elysia({ prefix: '/achievements', tags: ['catalog'] })
    .use(callerContext(authenticator))
    .post(
      '',
      async ({ body, status }) => status(201, await catalog.create(body)),
      {
        transform: scopeGuard(authenticator, SCOPE_ADMIN),
        body: AchievementCreate,
        // Bodies are parsed by the global json-body hook; naming 'json' documents the media type in OpenAPI.
        parse: 'json',
        response: { 201: described(AchievementResponse, 'The stored achievement (never masked)'), 409: errorResponse('`Achievement code already exists` (code `duplicate_code`)'), ...adminWriteErrors },
        detail: { summary: 'Create an achievement definition', description: 'Needs the achievements:admin scope when auth is on.' },
      },
    )
    .get(
      '',
      ({ query, caller }) =>
        catalog.list(
          { skip: query.skip ?? 0, limit: query.limit ?? 50, category: query.category },
          { admin: hasScope(caller, SCOPE_ADMIN), userId: query.user_id },
        ),
      {
        query: ListAchievementsQuery,
        response: { 200: t.Array(AchievementResponse, { description: 'A page of achievements, newest first' }), ...readErrors },
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
        transform: rejectImpossibleCode,
        query: GetAchievementQuery,
        response: { 200: described(AchievementResponse, 'The achievement, masked if secret'), 404: notFound, ...readErrors },
        detail: { summary: 'Get one achievement definition' },
      },
    )
    .patch(
      '/:code',
      ({ params, body }) => catalog.update(params.code, body),
      {
        params: AchievementCodeParams,
        transform: [scopeGuard(authenticator, SCOPE_ADMIN), rejectImpossibleCode],
        body: AchievementUpdate,
        parse: 'json',
        response: { 200: described(AchievementResponse, 'The updated achievement (never masked)'), 404: notFound, ...adminWriteErrors },
        detail: {
          summary: 'Update an achievement definition',
          description: '`{}` is a no-op. `points` applies to future unlocks; `progress_target` from the next progress post.',
        },
      },
    )
}
