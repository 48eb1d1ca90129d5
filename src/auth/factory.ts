import type { JwtConfig } from '../config/config'
import { JwtAuthenticator } from './jwt'
import type { Authenticator } from './model'
import { DisabledAuthenticator } from './service'

/** JWT verification when JWT settings are configured; otherwise auth is off (config refuses that in production). */
export function createAuthenticator(jwt: JwtConfig | null): Authenticator {
  if (jwt === null) return new DisabledAuthenticator()
  return new JwtAuthenticator(jwt)
}
