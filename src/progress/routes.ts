import { Elysia } from 'elysia'
import { SCOPE_ADMIN, SCOPE_PROGRESS, type Authenticator } from '../auth/model'
import { callerContext, scopeGuard } from '../auth/plugin'
import { hasScope, idempotencyScope } from '../auth/service'
import { errorResponse, readErrors, writeErrors } from '../http/errors'
import { enforceRateLimit } from '../ratelimit/guard'
import type { RateLimiter } from '../ratelimit/model'
import { OverviewResponse, ProgressRequest, ProgressResponse, UserParams } from './model'
import type { OverviewService } from './overview'
import type { ProgressService } from './service'

const JSON_HEADERS = { 'content-type': 'application/json;charset=utf-8' }
const REPLAYED_HEADERS = { ...JSON_HEADERS, 'idempotent-replayed': 'true' }

export function progressRoutes(deps: {
  progress: ProgressService
  overview: OverviewService
  authenticator: Authenticator
  rateLimiter: RateLimiter
}) {
  const { progress, overview, authenticator, rateLimiter } = deps
  return new Elysia({ prefix: '/users', tags: ['progress'] })
    .use(callerContext(authenticator))
    .post(
      '/:user_id/progress',
      async ({ params, body, request, caller }) => {
        const admission = enforceRateLimit(rateLimiter, params.user_id, caller)
        // Awaited by the service (it overlaps the wait for the next batch); this only marks the rejection handled.
        admission.catch(() => {})
        const reply = await progress.submit({
          admission,
          userId: params.user_id,
          body,
          idempotencyKey: request.headers.get('idempotency-key'),
          idempotencyScope: idempotencyScope(caller),
          admin: hasScope(caller, SCOPE_ADMIN),
        })
        // A Response skips Elysia's per-request encode against the response schema (the hot path); the schema
        // below still documents the body and types the Eden client.
        return new Response(JSON.stringify(reply.body), {
          status: reply.status,
          headers: reply.replayed ? REPLAYED_HEADERS : JSON_HEADERS,
        })
      },
      {
        transform: scopeGuard(authenticator, SCOPE_PROGRESS),
        params: UserParams,
        body: ProgressRequest,
        parse: 'json',
        response: {
          200: ProgressResponse,
          404: errorResponse('`Achievement definition not found` (code `achievement_not_found`)'),
          409: errorResponse('The same Idempotency-Key is still in flight (code `idempotency_in_flight`)'),
          429: errorResponse('Rate limited (code `rate_limited`); `Retry-After` is set'),
          ...writeErrors(SCOPE_PROGRESS),
        },
        detail: {
          summary: "Record a player's progress",
          description:
            'Single form (`achievement_code`) or batch form (`updates`, 1..50), or only a `score_bonus`. All-or-nothing. ' +
            'Optional `Idempotency-Key` header: a retry with the same body replays the first response (`Idempotent-Replayed: true`); ' +
            'another body with the key is 422; while the first is running, 409. Needs the achievements:progress scope when auth is on.',
          parameters: [
            {
              name: 'Idempotency-Key',
              in: 'header',
              required: false,
              schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' },
            },
          ],
        },
      },
    )
    .get('/:user_id/overview', ({ params, caller }) => overview.overview(params.user_id, hasScope(caller, SCOPE_ADMIN)), {
      params: UserParams,
      response: { 200: OverviewResponse, ...readErrors },
      detail: { summary: "A player's totals, progress and rank", description: 'Never writes; an unknown player gets zeros.' },
    })
}
