import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { SignJWT, exportJWK, exportSPKI, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose'
import { JwtAuthenticator, bearerToken, parseScopes } from '../../src/auth/jwt'
import { SCOPE_ADMIN, SCOPE_PROGRESS } from '../../src/auth/model'
import { ApiError } from '../../src/http/errors'
import { TEST_JWT_AUDIENCE, TEST_JWT_ISSUER, TEST_JWT_SECRET, signToken } from './tokens'

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
const bearer = (token: string) => `Bearer ${token}`

async function rejection(authenticator: JwtAuthenticator, authorization: string): Promise<ApiError> {
  try {
    await authenticator.authenticate(authorization)
  } catch (error) {
    if (error instanceof ApiError) return error
    throw error
  }
  throw new Error('token was accepted')
}

function unsignedToken(payload: Record<string, unknown>): string {
  return `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(payload)}.`
}

const validClaims = () => ({ sub: 'game-server-1', scope: SCOPE_PROGRESS, iss: TEST_JWT_ISSUER, aud: TEST_JWT_AUDIENCE, exp: Math.floor(Date.now() / 1000) + 300 })

describe('JwtAuthenticator with an HS256 secret', () => {
  const auth = new JwtAuthenticator({ secret: TEST_JWT_SECRET, issuer: TEST_JWT_ISSUER, audience: TEST_JWT_AUDIENCE })

  test('a good token yields the subject and its scopes', async () => {
    const caller = await auth.authenticate(bearer(await signToken({ sub: 'designer-1', scope: `openid  ${SCOPE_ADMIN}` })))
    expect(caller.authenticated).toBe(true)
    expect(caller.subject).toBe('designer-1')
    expect([...caller.scopes].sort()).toEqual([SCOPE_ADMIN, 'openid'].sort())
  })

  test('no Authorization header is an anonymous caller', async () => {
    const caller = await auth.authenticate(null)
    expect(caller).toEqual({ authenticated: false, subject: null, scopes: new Set() })
  })

  test('a token without a scope claim has no scopes', async () => {
    const caller = await auth.authenticate(bearer(await signToken({ sub: 'player-42' })))
    expect(caller.scopes.size).toBe(0)
  })

  test('the Bearer scheme is case-insensitive', async () => {
    const caller = await auth.authenticate(`bearer ${await signToken({ sub: 'p' })}`)
    expect(caller.subject).toBe('p')
  })

  test('a bad signature is 401 with WWW-Authenticate: Bearer', async () => {
    const error = await rejection(auth, bearer(await signToken({ sub: 'x' }, { secret: 'another-secret-0123456789abcdefghijkl' })))
    expect(error.status).toBe(401)
    expect(error.code).toBe('unauthorized')
    expect(error.headers['www-authenticate']).toStartWith('Bearer error="invalid_token"')
    expect(error.detail).toContain('signature')
  })

  test('an expired token is 401', async () => {
    const error = await rejection(auth, bearer(await signToken({ sub: 'x' }, { expiresInSec: -120 })))
    expect(error.status).toBe(401)
    expect(error.detail).toContain('expired')
  })

  test('expiry within the 30 s clock tolerance is still accepted', async () => {
    const caller = await auth.authenticate(bearer(await signToken({ sub: 'x' }, { expiresInSec: -10 })))
    expect(caller.authenticated).toBe(true)
  })

  test('a token that is not yet valid beyond the tolerance is 401', async () => {
    const nbf = Math.floor(Date.now() / 1000) + 120
    const error = await rejection(auth, bearer(await signToken({ sub: 'x', nbf })))
    expect(error.status).toBe(401)
  })

  test('a wrong audience is 401', async () => {
    const error = await rejection(auth, bearer(await signToken({ sub: 'x' }, { audience: 'another-service' })))
    expect(error.status).toBe(401)
    expect(error.detail).toContain('audience')
  })

  test('a wrong issuer is 401', async () => {
    const error = await rejection(auth, bearer(await signToken({ sub: 'x' }, { issuer: 'https://evil.test' })))
    expect(error.status).toBe(401)
    expect(error.detail).toContain('issuer')
  })

  test('a missing issuer is 401 when one is configured', async () => {
    const error = await rejection(auth, bearer(await signToken({ sub: 'x' }, { issuer: null })))
    expect(error.status).toBe(401)
  })

  test('a token without exp is 401', async () => {
    const error = await rejection(auth, bearer(await signToken({ sub: 'x' }, { expiresInSec: null })))
    expect(error.status).toBe(401)
    expect(error.detail).toContain('exp')
  })

  test('a token without sub is 401', async () => {
    const error = await rejection(auth, bearer(await signToken({ scope: SCOPE_ADMIN })))
    expect(error.status).toBe(401)
    expect(error.detail).toContain('sub')
  })

  test('a scope claim that is not a string is 401', async () => {
    const error = await rejection(auth, bearer(await signToken({ sub: 'x', scope: [SCOPE_ADMIN] })))
    expect(error.status).toBe(401)
    expect(error.detail).toContain('scope')
  })

  test('alg none is rejected', async () => {
    const error = await rejection(auth, bearer(unsignedToken(validClaims())))
    expect(error.status).toBe(401)
  })

  test('algorithms are pinned: HS512 with the right secret is rejected', async () => {
    const token = await new SignJWT(validClaims()).setProtectedHeader({ alg: 'HS512' }).sign(new TextEncoder().encode(TEST_JWT_SECRET))
    const error = await rejection(auth, bearer(token))
    expect(error.detail).toContain('algorithm')
  })

  test('algorithms are pinned: an RS256 token is rejected by the secret verifier', async () => {
    const { privateKey } = await generateKeyPair('RS256')
    const token = await new SignJWT(validClaims()).setProtectedHeader({ alg: 'RS256' }).sign(privateKey)
    const error = await rejection(auth, bearer(token))
    expect(error.status).toBe(401)
    expect(error.detail).toContain('algorithm')
  })

  test('garbage, other schemes and oversized headers are 401', async () => {
    for (const header of ['Bearer', 'Bearer not.a.jwt', 'Basic dXNlcjpwYXNz', 'Bearer a b', `Bearer ${'a'.repeat(9000)}`]) {
      const error = await rejection(auth, header)
      expect(error.status).toBe(401)
    }
  })

  test('without issuer/audience configured, tokens need neither', async () => {
    const open = new JwtAuthenticator({ secret: TEST_JWT_SECRET })
    const caller = await open.authenticate(bearer(await signToken({ sub: 'x' }, { issuer: null, audience: null })))
    expect(caller.subject).toBe('x')
  })
})

describe('verified-token cache', () => {
  test('a token verified once is remembered, but never past its expiry', async () => {
    let now = Date.now()
    const auth = new JwtAuthenticator({ secret: TEST_JWT_SECRET, now: () => now })
    const header = bearer(await signToken({ sub: 'game-server-1' }, { issuer: null, audience: null, expiresInSec: 60 }))
    const first = await auth.authenticate(header)
    expect(await auth.authenticate(header)).toBe(first) // the remembered caller
    now += 61_000 + 30_000 // past exp and the clock tolerance
    const error = await rejection(auth, header)
    expect(error.status).toBe(401)
    expect(error.detail).toContain('expired')
  })

  test('a rejected token is not remembered', async () => {
    const auth = new JwtAuthenticator({ secret: TEST_JWT_SECRET, audience: 'a' })
    const header = bearer(await signToken({ sub: 'x' }, { audience: 'b' }))
    expect((await rejection(auth, header)).status).toBe(401)
    expect((await rejection(auth, header)).status).toBe(401)
  })
})

describe('parsing helpers', () => {
  test('parseScopes splits the space-separated scope claim', () => {
    expect([...parseScopes('a  b c')!]).toEqual(['a', 'b', 'c'])
    expect(parseScopes(undefined)!.size).toBe(0)
    expect(parseScopes(['a'])).toBeNull()
  })
  test('bearerToken extracts the token', () => {
    expect(bearerToken('Bearer abc.def.ghi')).toBe('abc.def.ghi')
  })
})

interface SigningKey {
  kid: string
  alg: string
  privateKey: CryptoKey
  publicJwk: JWK
}

async function signingKey(alg: 'RS256' | 'ES256' | 'EdDSA', kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, alg === 'EdDSA' ? { crv: 'Ed25519' } : undefined)
  return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } }
}

describe('JwtAuthenticator with a JWKS URL', () => {
  let keys: SigningKey[]
  let server: ReturnType<typeof Bun.serve>
  let jwksFetches = 0
  let hangingServer: ReturnType<typeof Bun.serve>
  let auth: JwtAuthenticator

  const sign = (key: SigningKey, claims: Record<string, unknown> = validClaims()) =>
    new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid }).sign(key.privateKey)

  beforeAll(async () => {
    keys = [await signingKey('RS256', 'rsa-1'), await signingKey('ES256', 'ec-1'), await signingKey('EdDSA', 'ed-1')]
    server = Bun.serve({
      port: 0,
      fetch(request) {
        if (new URL(request.url).pathname !== '/.well-known/jwks.json') return new Response('no', { status: 404 })
        jwksFetches++
        return Response.json({ keys: keys.map((key) => key.publicJwk) })
      },
    })
    hangingServer = Bun.serve({ port: 0, fetch: () => new Promise<Response>(() => {}) })
    auth = new JwtAuthenticator({
      jwksUrl: `http://127.0.0.1:${server.port}/.well-known/jwks.json`,
      issuer: TEST_JWT_ISSUER,
      audience: TEST_JWT_AUDIENCE,
    })
  })
  afterAll(() => {
    server.stop(true)
    hangingServer.stop(true)
  })

  test('RS256, ES256 and EdDSA tokens verify against the served key set', async () => {
    for (const key of keys) {
      const caller = await auth.authenticate(bearer(await sign(key)))
      expect(caller.subject).toBe('game-server-1')
      expect(caller.scopes.has(SCOPE_PROGRESS)).toBe(true)
    }
  })

  test('the key set is cached, not fetched per request', async () => {
    const before = jwksFetches
    for (let i = 0; i < 5; i++) await auth.authenticate(bearer(await sign(keys[0]!)))
    expect(before).toBeGreaterThanOrEqual(1)
    expect(jwksFetches).toBe(before)
  })

  test('a token signed by a key not in the set is 401', async () => {
    const stranger = await signingKey('RS256', 'rsa-1')
    const error = await rejection(auth, bearer(await sign(stranger)))
    expect(error.status).toBe(401)
  })

  test('an unknown kid is 401', async () => {
    const stranger = await signingKey('ES256', 'unknown-kid')
    const error = await rejection(auth, bearer(await sign(stranger)))
    expect(error.status).toBe(401)
  })

  test('alg confusion: an HS256 token keyed with the public RSA key is rejected', async () => {
    const rsa = keys[0]!
    const pem = await exportSPKI((await importJWK(rsa.publicJwk, 'RS256', { extractable: true })) as CryptoKey)
    const token = await new SignJWT(validClaims()).setProtectedHeader({ alg: 'HS256', kid: rsa.kid }).sign(new TextEncoder().encode(pem))
    const error = await rejection(auth, bearer(token))
    expect(error.status).toBe(401)
    expect(error.detail).toContain('algorithm')
  })

  test('alg none is rejected', async () => {
    const error = await rejection(auth, bearer(unsignedToken(validClaims())))
    expect(error.status).toBe(401)
  })

  test('a wrong audience is 401 with JWKS too', async () => {
    const error = await rejection(auth, bearer(await sign(keys[1]!, { ...validClaims(), aud: 'another-service' })))
    expect(error.status).toBe(401)
  })

  test('an unreachable key set is 503 (not the caller’s fault), not 401', async () => {
    const closed = Bun.serve({ port: 0, fetch: () => new Response('') })
    const port = closed.port
    closed.stop(true)
    const down = new JwtAuthenticator({ jwksUrl: `http://127.0.0.1:${port}/jwks.json` })
    const error = await rejection(down, bearer(await sign(keys[0]!)))
    expect(error.status).toBe(503)
    expect(error.headers['retry-after']).toBeDefined()
  })

  test('a key set endpoint that never answers is cut off by the fetch timeout (503)', async () => {
    const slow = new JwtAuthenticator({ jwksUrl: `http://127.0.0.1:${hangingServer.port}/jwks.json`, jwksTimeoutMs: 200 })
    const error = await rejection(slow, bearer(await sign(keys[0]!)))
    expect(error.status).toBe(503)
  })
})
