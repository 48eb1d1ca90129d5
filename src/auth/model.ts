export const SCOPE_ADMIN = 'achievements:admin'
export const SCOPE_PROGRESS = 'achievements:progress'
export type Scope = typeof SCOPE_ADMIN | typeof SCOPE_PROGRESS

/** Who sent a request. Anonymous callers have no subject and no scopes. */
export interface Caller {
  authenticated: boolean
  subject: string | null
  scopes: ReadonlySet<string>
}

export const ANONYMOUS: Caller = { authenticated: false, subject: null, scopes: new Set() }

export interface Authenticator {
  /** false: auth is disabled by configuration and every scope check passes. */
  readonly enabled: boolean
  /**
   * Resolves the caller from the Authorization header. No header → anonymous; a header that is not a valid
   * token → throws ApiError 401.
   */
  authenticate(authorization: string | null): Promise<Caller>
}
