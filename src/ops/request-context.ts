import { AsyncLocalStorage } from 'node:async_hooks'

export interface RequestContext {
  requestId: string
}

/**
 * The request being handled, for everything that runs on its behalf: the logger adds its id to every line
 * written while it is handled (work shared by several requests, like a group commit, carries the id of the
 * request that started it). Entered by Lifecycle.handle around the app.
 */
export const requestContext = new AsyncLocalStorage<RequestContext>()
