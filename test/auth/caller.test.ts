import { describe, expect, test } from 'bun:test'
import { ANONYMOUS, SCOPE_ADMIN, SCOPE_PROGRESS, type Caller } from '../../src/auth/model'
import { DisabledAuthenticator, hasScope, idempotencyScope, requireScope } from '../../src/auth/service'
import { JwtAuthenticator } from '../../src/auth/jwt'
import { ApiError } from '../../src/http/errors'
import { TEST_JWT_SECRET } from './tokens'

const caller = (subject: string, ...scopes: string[]): Caller => ({ authenticated: true, subject, scopes: new Set(scopes) })
const jwt = new JwtAuthenticator({ secret: TEST_JWT_SECRET })

function thrown(fn: () => void): ApiError | null {
  try {
    fn()
    return null
  } catch (error) {
    return error as ApiError
  }
}

describe('idempotencyScope', () => {
  test('authenticated callers get a namespace of their own subject', () => {
    expect(idempotencyScope(caller('game-server-1'))).toBe('sub:game-server-1')
    expect(idempotencyScope(caller('game-server-2', SCOPE_PROGRESS))).toBe('sub:game-server-2')
  })
  test('anonymous callers share one namespace that no subject can collide with', () => {
    expect(idempotencyScope(ANONYMOUS)).toBe('anonymous')
    expect(idempotencyScope(caller('anonymous'))).toBe('sub:anonymous')
  })
})

describe('requireScope', () => {
  test('auth disabled: every check passes, even for anonymous callers', () => {
    expect(thrown(() => requireScope(new DisabledAuthenticator(), ANONYMOUS, SCOPE_ADMIN))).toBeNull()
  })
  test('anonymous with auth on: 401 with WWW-Authenticate: Bearer', () => {
    const error = thrown(() => requireScope(jwt, ANONYMOUS, SCOPE_PROGRESS))!
    expect(error.status).toBe(401)
    expect(error.headers['www-authenticate']).toBe('Bearer')
  })
  test('a player token without the progress scope may not post progress (403), even for itself', () => {
    const error = thrown(() => requireScope(jwt, caller('player-42'), SCOPE_PROGRESS))!
    expect(error.status).toBe(403)
    expect(error.code).toBe('forbidden')
  })
  test('admin does not imply progress, nor progress admin', () => {
    expect(thrown(() => requireScope(jwt, caller('d', SCOPE_ADMIN), SCOPE_PROGRESS))!.status).toBe(403)
    expect(thrown(() => requireScope(jwt, caller('g', SCOPE_PROGRESS), SCOPE_ADMIN))!.status).toBe(403)
  })
  test('the right scope passes', () => {
    expect(thrown(() => requireScope(jwt, caller('g', SCOPE_PROGRESS), SCOPE_PROGRESS))).toBeNull()
    expect(hasScope(caller('d', SCOPE_ADMIN), SCOPE_ADMIN)).toBe(true)
    expect(hasScope(ANONYMOUS, SCOPE_ADMIN)).toBe(false)
  })
})
