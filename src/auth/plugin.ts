import { Elysia } from 'elysia'
import type { Authenticator, Caller, Scope } from './model'
import { requireScope } from './service'

/** Adds `caller` to the context of the routes of the plugin that uses it. */
export function callerContext(authenticator: Authenticator) {
  return new Elysia().derive({ as: 'scoped' }, async ({ request }) => ({
    caller: await authenticator.authenticate(request.headers.get('authorization')),
  }))
}

/**
 * A route `transform` hook that checks the scope before the body is validated (a `beforeHandle` or a check in the
 * handler runs after validation), so a caller without a valid token gets 401/403 rather than a 422 about a body
 * it may not send at all. Needs callerContext on the same plugin.
 */
export function scopeGuard(authenticator: Authenticator, scope: Scope) {
  return (context: { caller?: Caller }): void => {
    if (!context.caller) throw new Error('scopeGuard needs callerContext registered before the route')
    requireScope(authenticator, context.caller, scope)
  }
}
