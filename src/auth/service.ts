import { ApiError } from '../http/errors'
import { ANONYMOUS, type Authenticator, type Caller, type Scope } from './model'

/** Auth disabled by configuration: every caller is anonymous and every scope check passes. */
export class DisabledAuthenticator implements Authenticator {
  readonly enabled = false
  async authenticate(): Promise<Caller> {
    return ANONYMOUS
  }
}

/** 401 without a valid token, 403 with one that lacks the scope; nothing when auth is disabled. */
export function requireScope(authenticator: Authenticator, caller: Caller, scope: Scope): void {
  if (!authenticator.enabled) return
  if (!caller.authenticated) {
    throw new ApiError(401, 'unauthorized', 'Missing bearer token', { 'www-authenticate': 'Bearer' })
  }
  if (!caller.scopes.has(scope)) {
    throw new ApiError(403, 'forbidden', `Token lacks the ${scope} scope`, {
      'www-authenticate': `Bearer error="insufficient_scope", scope="${scope}"`,
    })
  }
}

export function hasScope(caller: Caller, scope: Scope): boolean {
  return caller.scopes.has(scope)
}

/**
 * The namespace an Idempotency-Key lives in: two callers that pick the same key never see each other's stored
 * response. Every unauthenticated caller (and every caller while auth is disabled) shares `anonymous`.
 */
export function idempotencyScope(caller: Caller): string {
  return caller.authenticated && caller.subject !== null ? `sub:${caller.subject}` : 'anonymous'
}
