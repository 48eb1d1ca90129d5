import { describe, expect, test } from 'bun:test'
import { Elysia } from 'elysia'
import { Type } from '@sinclair/typebox'
import { JwtAuthenticator } from '../../src/auth/jwt'
import { SCOPE_ADMIN } from '../../src/auth/model'
import { callerContext, scopeGuard } from '../../src/auth/plugin'
import { errorHandler } from '../../src/http/errors'
import { jsonBody } from '../../src/http/json-body'
import { TEST_JWT_SECRET, authorizationFor } from './tokens'

describe('scopeGuard (transform hook)', () => {
  const auth = new JwtAuthenticator({ secret: TEST_JWT_SECRET })
  const app = new Elysia()
    .use(errorHandler({ onUnexpected: () => {} }))
    .use(jsonBody(1024))
    .use(
      new Elysia()
        .use(callerContext(auth))
        .post('/guarded', () => 'ok', { body: Type.Object({ a: Type.Integer() }), transform: scopeGuard(auth, SCOPE_ADMIN) }),
    )
  const call = async (body: unknown, headers: Record<string, string>) =>
    (await app.handle(new Request('http://localhost/guarded', { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } }))).status

  test('no token with an invalid body: 401, not 422', async () => {
    expect(await call({ wrong: true }, {})).toBe(401)
  })
  test('a token without the scope and an invalid body: 403, not 422', async () => {
    expect(await call({ wrong: true }, await authorizationFor('player'))).toBe(403)
  })
  test('the right scope reaches validation and the handler', async () => {
    const admin = await authorizationFor('admin')
    expect(await call({ wrong: true }, admin)).toBe(422)
    expect(await call({ a: 1 }, admin)).toBe(200)
  })
})
