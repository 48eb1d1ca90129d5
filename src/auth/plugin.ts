import { Elysia } from 'elysia'
import type { Authenticator } from './model'

/** Adds `caller` to the context of the routes of the plugin that uses it. */
export function callerContext(authenticator: Authenticator) {
  return new Elysia().derive({ as: 'scoped' }, async ({ request }) => ({
    caller: await authenticator.authenticate(request.headers.get('authorization')),
  }))
}
