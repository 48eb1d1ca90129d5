import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose'
import { ApiError } from '../http/errors'
import { ANONYMOUS, type Authenticator, type Caller } from './model'

/** Asymmetric algorithms accepted from a JWKS; HS256 is the only one accepted with a shared secret. */
export const JWKS_ALGORITHMS = ['RS256', 'ES256', 'EdDSA', 'Ed25519']
export const SECRET_ALGORITHMS = ['HS256']

export interface JwtAuthenticatorOptions {
  /** HS256 shared secret; exactly one of `secret` / `jwksUrl`. */
  secret?: string | null
  jwksUrl?: string | null
  issuer?: string | null
  audience?: string | null
  /** Allowed difference between our clock and the issuer's, for exp/nbf/iat. */
  clockToleranceSec?: number
  /** Per fetch of the key set. */
  jwksTimeoutMs?: number
  /** Minimum time between key-set refetches triggered by an unknown `kid` (bounds what random kids cost us). */
  jwksCooldownMs?: number
  /** How long a verified token is remembered (never past its exp); 0 turns the cache off. */
  verifiedCacheMs?: number
  now?: () => number
}

/** Verified tokens remembered; a game server reuses one token for many posts. */
const VERIFIED_CACHE_ENTRIES = 1_000

/** Longer Authorization headers are rejected before any parsing. */
const MAX_TOKEN_LENGTH = 8192

/** The key source (JWKS endpoint) failed; not the caller's fault. */
class KeySourceUnavailable extends Error {}

function unauthorized(reason: string): ApiError {
  return new ApiError(401, 'unauthorized', `Invalid bearer token: ${reason}`, {
    'www-authenticate': `Bearer error="invalid_token", error_description="${reason}"`,
  })
}

/** Scopes from the standard `scope` claim: one space-separated string (RFC 8693 §4.2). */
export function parseScopes(claim: unknown): Set<string> | null {
  if (claim === undefined) return new Set()
  if (typeof claim !== 'string') return null
  return new Set(claim.split(' ').filter((scope) => scope !== ''))
}

/** Extracts the token from `Authorization: Bearer <token>`; throws 401 for anything else. */
export function bearerToken(authorization: string): string {
  if (authorization.length > MAX_TOKEN_LENGTH) throw unauthorized('token too long')
  const match = /^Bearer +(\S+)$/i.exec(authorization.trim())
  if (!match?.[1]) throw unauthorized('expected the Bearer scheme')
  return match[1]
}

function reasonFor(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'token expired'
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.reason === 'missing') return `missing ${error.claim} claim`
    if (error.claim === 'iss') return 'unexpected issuer'
    if (error.claim === 'aud') return 'unexpected audience'
    if (error.claim === 'nbf') return 'token not yet valid'
    return `invalid ${error.claim} claim`
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return 'algorithm not allowed'
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'signature verification failed'
  if (error instanceof errors.JWKSNoMatchingKey) return 'no matching signing key'
  if (error instanceof errors.JWKSMultipleMatchingKeys) return 'ambiguous signing key'
  return 'malformed token'
}

/**
 * Verifies gateway-signed JWTs with `jose`: HS256 with a shared secret, or RS256/ES256/EdDSA with keys from a
 * JWKS URL. The algorithm list is pinned per key kind, so `alg: none` and HS/RS confusion are rejected before a
 * key is chosen. `exp` and `sub` are required; `iss`/`aud` are checked when configured.
 */
export class JwtAuthenticator implements Authenticator {
  readonly enabled = true
  private readonly key: Uint8Array | JWTVerifyGetKey
  private readonly algorithms: string[]
  private readonly issuer: string | undefined
  private readonly audience: string | undefined
  private readonly clockToleranceSec: number
  private readonly verifiedCacheMs: number
  private readonly now: () => number
  /** token → caller, until validUntilMs. Insertion-ordered, so the first key is the oldest. */
  private readonly verified = new Map<string, { caller: Caller; validUntilMs: number }>()

  constructor(options: JwtAuthenticatorOptions) {
    if (options.secret && options.jwksUrl) throw new Error('JwtAuthenticator: set either secret or jwksUrl, not both')
    if (options.secret) {
      this.key = new TextEncoder().encode(options.secret)
      this.algorithms = SECRET_ALGORITHMS
    } else if (options.jwksUrl) {
      const jwks = createRemoteJWKSet(new URL(options.jwksUrl), {
        timeoutDuration: options.jwksTimeoutMs ?? 3_000,
        cooldownDuration: options.jwksCooldownMs ?? 30_000,
        cacheMaxAge: 10 * 60_000,
      })
      this.key = async (header, token) => {
        try {
          return await jwks(header, token)
        } catch (error) {
          // An unknown or ambiguous kid is the token's problem; a failed fetch or a broken key set is ours.
          if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) throw error
          if (error instanceof errors.JOSENotSupported || error instanceof errors.JWSInvalid) throw error
          throw new KeySourceUnavailable('JWKS unavailable', { cause: error })
        }
      }
      this.algorithms = JWKS_ALGORITHMS
    } else {
      throw new Error('JwtAuthenticator: needs a secret or a jwksUrl')
    }
    this.issuer = options.issuer ?? undefined
    this.audience = options.audience ?? undefined
    this.clockToleranceSec = options.clockToleranceSec ?? 30
    this.verifiedCacheMs = options.verifiedCacheMs ?? 60_000
    this.now = options.now ?? Date.now
  }

  async authenticate(authorization: string | null): Promise<Caller> {
    if (authorization === null) return ANONYMOUS
    const token = bearerToken(authorization)
    const nowMs = this.now()
    const remembered = this.verified.get(token)
    if (remembered && remembered.validUntilMs > nowMs) return remembered.caller
    const payload = await this.verify(token, nowMs)
    const scopes = parseScopes(payload.scope)
    if (scopes === null) throw unauthorized('scope claim must be a space-separated string')
    if (typeof payload.sub !== 'string' || payload.sub === '') throw unauthorized('missing sub claim')
    const caller: Caller = { authenticated: true, subject: payload.sub, scopes }
    this.remember(token, caller, Math.min(nowMs + this.verifiedCacheMs, (payload.exp ?? 0) * 1000))
    return caller
  }

  /** Verification costs tens of µs of CPU per request; a remembered token costs a Map lookup. */
  private remember(token: string, caller: Caller, validUntilMs: number): void {
    if (validUntilMs <= this.now()) return
    this.verified.delete(token)
    if (this.verified.size >= VERIFIED_CACHE_ENTRIES) {
      const oldest = this.verified.keys().next()
      if (!oldest.done) this.verified.delete(oldest.value)
    }
    this.verified.set(token, { caller, validUntilMs })
  }

  private async verify(token: string, nowMs: number): Promise<JWTPayload> {
    try {
      const options = {
        algorithms: this.algorithms,
        issuer: this.issuer,
        audience: this.audience,
        clockTolerance: this.clockToleranceSec,
        requiredClaims: ['exp', 'sub'],
        currentDate: new Date(nowMs),
      }
      const { payload } =
        this.key instanceof Uint8Array ? await jwtVerify(token, this.key, options) : await jwtVerify(token, this.key, options)
      return payload
    } catch (error) {
      if (error instanceof KeySourceUnavailable) {
        throw new ApiError(503, 'auth_unavailable', 'Cannot verify tokens right now (signing keys unavailable), retry shortly', {
          'retry-after': '5',
        })
      }
      throw unauthorized(reasonFor(error))
    }
  }
}
