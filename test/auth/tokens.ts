import { SignJWT, type JWTPayload } from 'jose'
import { SCOPE_ADMIN, SCOPE_PROGRESS } from '../../src/auth/model'

export const TEST_JWT_SECRET = 'test-only-hs256-secret-0123456789abcdef'
export const TEST_JWT_ISSUER = 'https://gateway.test'
export const TEST_JWT_AUDIENCE = 'achievement-service'

/** Env that turns JWT auth on for startTestService. */
export const JWT_ENV: Record<string, string> = {
  ACHIEVEMENT_JWT_SECRET: TEST_JWT_SECRET,
  ACHIEVEMENT_JWT_ISSUER: TEST_JWT_ISSUER,
  ACHIEVEMENT_JWT_AUDIENCE: TEST_JWT_AUDIENCE,
}

export interface SignOptions {
  secret?: string
  issuer?: string | null
  audience?: string | null
  /** Seconds from now; null leaves `exp` out. */
  expiresInSec?: number | null
}

/** An HS256 token as the gateway would sign it; options bend one thing at a time. */
export async function signToken(claims: JWTPayload, options: SignOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000)
  let jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt(now)
  const issuer = options.issuer === undefined ? TEST_JWT_ISSUER : options.issuer
  const audience = options.audience === undefined ? TEST_JWT_AUDIENCE : options.audience
  const expiresIn = options.expiresInSec === undefined ? 300 : options.expiresInSec
  if (issuer !== null) jwt = jwt.setIssuer(issuer)
  if (audience !== null) jwt = jwt.setAudience(audience)
  if (expiresIn !== null) jwt = jwt.setExpirationTime(now + expiresIn)
  return jwt.sign(new TextEncoder().encode(options.secret ?? TEST_JWT_SECRET))
}

/** The kinds of caller the route matrix tries. */
export type CallerKind = 'none' | 'bad_signature' | 'expired' | 'wrong_audience' | 'player' | 'progress' | 'admin'
export const CALLER_KINDS: CallerKind[] = ['none', 'bad_signature', 'expired', 'wrong_audience', 'player', 'progress', 'admin']

/** Scopes a valid token of this kind carries; null for kinds whose token is invalid or absent. */
export function scopesOf(kind: CallerKind): string[] | null {
  switch (kind) {
    case 'player':
      return []
    case 'progress':
      return [SCOPE_PROGRESS]
    case 'admin':
      return [SCOPE_ADMIN]
    default:
      return null
  }
}

/** The Authorization header for a caller kind (none → no header). */
export async function authorizationFor(kind: CallerKind): Promise<Record<string, string>> {
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
  switch (kind) {
    case 'none':
      return {}
    case 'bad_signature':
      return bearer(await signToken({ sub: 'svc', scope: SCOPE_ADMIN }, { secret: 'another-secret-0123456789abcdefghijkl' }))
    case 'expired':
      return bearer(await signToken({ sub: 'svc', scope: SCOPE_ADMIN }, { expiresInSec: -3600 }))
    case 'wrong_audience':
      return bearer(await signToken({ sub: 'svc', scope: SCOPE_ADMIN }, { audience: 'another-service' }))
    case 'player':
      return bearer(await signToken({ sub: 'player-42' }))
    case 'progress':
      return bearer(await signToken({ sub: 'game-server-1', scope: SCOPE_PROGRESS }))
    case 'admin':
      return bearer(await signToken({ sub: 'designer-1', scope: `openid ${SCOPE_ADMIN}` }))
  }
}
