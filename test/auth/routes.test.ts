import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { SCOPE_ADMIN, SCOPE_PROGRESS, type Scope } from '../../src/auth/model'
import { DIALECTS, startTestService, type TestService } from '../support/service'
import { CALLER_KINDS, JWT_ENV, authorizationFor, scopesOf, type CallerKind } from './tokens'

/** An achievement every row may rely on (created by the admin before the matrix runs). */
const SEED_CODE = 'matrix-seed'
let unique = 0

interface RouteCase {
  name: string
  method: string
  path: string
  body?: () => unknown
  /** Scope the route needs; null = open read (no token needed, but a bad token is still 401). */
  needs: Scope | null
  /** Status on success. */
  ok: number
}

// One line per route.
const ROUTES: RouteCase[] = [
  { name: 'list achievements', method: 'GET', path: '/achievements', needs: null, ok: 200 },
  { name: 'get achievement', method: 'GET', path: `/achievements/${SEED_CODE}`, needs: null, ok: 200 },
  { name: 'create achievement', method: 'POST', path: '/achievements', body: () => ({ code: `m-${++unique}`, title: 'T', description: '' }), needs: SCOPE_ADMIN, ok: 201 },
  { name: 'update achievement', method: 'PATCH', path: `/achievements/${SEED_CODE}`, body: () => ({ points: 10 }), needs: SCOPE_ADMIN, ok: 200 },
  { name: 'post progress', method: 'POST', path: '/users/player-42/progress', body: () => ({ achievement_code: SEED_CODE, progress_delta: 0 }), needs: SCOPE_PROGRESS, ok: 200 },
  { name: 'player overview', method: 'GET', path: '/users/player-42/overview', needs: null, ok: 200 },
  { name: 'leaderboard top page', method: 'GET', path: '/leaderboard?limit=20', needs: null, ok: 200 },
  { name: 'leaderboard around a player', method: 'GET', path: '/leaderboard?around_user=player-42&limit=5', needs: null, ok: 200 },
  { name: 'rebuild leaderboard', method: 'POST', path: '/leaderboard/rebuild', needs: SCOPE_ADMIN, ok: 200 },
]

/** What a caller of this kind must get from a route that needs `needs`. */
function expectedStatus(kind: CallerKind, route: RouteCase): number {
  if (kind === 'bad_signature' || kind === 'expired' || kind === 'wrong_audience') return 401
  if (route.needs === null) return route.ok
  const scopes = scopesOf(kind)
  if (scopes === null) return 401
  return scopes.includes(route.needs) ? route.ok : 403
}

for (const dialect of DIALECTS) {
  describe(`auth matrix over HTTP (${dialect})`, () => {
    let svc: TestService
    let admin: Record<string, string>
    beforeAll(async () => {
      svc = await startTestService(dialect, { env: JWT_ENV })
      admin = await authorizationFor('admin')
      const seeded = await svc.call('POST', '/achievements', { code: SEED_CODE, title: 'Seed', description: '' }, admin)
      expect(seeded.status).toBe(201)
    })
    afterAll(async () => {
      await svc.close()
    })

    for (const route of ROUTES) {
      for (const kind of CALLER_KINDS) {
        const status = expectedStatus(kind, route)
        test(`${route.method} ${route.name} × ${kind} → ${status}`, async () => {
          const response = await svc.call(route.method, route.path, route.body?.(), await authorizationFor(kind))
          expect(response.status).toBe(status)
          if (status === 401) {
            expect(response.headers.get('www-authenticate')).toStartWith('Bearer')
            expect(response.body).toEqual({ detail: expect.any(String), code: 'unauthorized' })
          }
          if (status === 403) {
            expect(response.headers.get('www-authenticate')).toContain('insufficient_scope')
            expect(response.body).toEqual({ detail: expect.any(String), code: 'forbidden' })
          }
        })
      }
    }

    test('an invalid token is refused before the body is validated', async () => {
      const response = await svc.call('POST', '/achievements', { nonsense: true }, await authorizationFor('expired'))
      expect(response.status).toBe(401)
    })
  })
}
