import { requestContext } from './request-context'
import { REQUEST_ID_HEADER, resolveRequestId } from './request-id'

/** Paths still served while draining: probes must keep answering (readiness says 503) and scrapes see the drain. */
const OPERATIONS_PATHS = new Set(['/health', '/ready', '/metrics'])

export type LifecyclePhase = 'serving' | 'draining'

/** How long a client should wait before retrying elsewhere or here, in seconds. */
export const DRAIN_RETRY_AFTER_SECONDS = 1

function pathOf(url: string): string {
  // Faster than new URL() on every request: the path starts at the first '/' after the scheme's '//'.
  const start = url.indexOf('/', url.indexOf('//') + 2)
  if (start === -1) return '/'
  const end = url.search(/[?#]/)
  return end === -1 || end < start ? url.slice(start) : url.slice(start, end)
}

/**
 * The process's serving state and its in-flight requests. Wraps the app's fetch handler: while draining (after
 * SIGTERM), new API requests get 503 with Retry-After and the contract's error body, while requests already
 * accepted run to completion and are counted, so that shutdown can wait for them.
 */
export class Lifecycle {
  private current: LifecyclePhase = 'serving'
  private active = 0
  private idleWaiters: (() => void)[] = []
  /** Requests refused while draining (metrics). */
  refused = 0

  get phase(): LifecyclePhase {
    return this.current
  }

  get draining(): boolean {
    return this.current === 'draining'
  }

  /** Requests accepted and not yet answered. */
  get inFlight(): number {
    return this.active
  }

  /** Readiness fails and new work is refused from now on. */
  beginDrain(): void {
    this.current = 'draining'
  }

  async handle(request: Request, next: (request: Request) => Response | Promise<Response>): Promise<Response> {
    const requestId = resolveRequestId(request.headers.get(REQUEST_ID_HEADER))
    if (this.current === 'draining' && !OPERATIONS_PATHS.has(pathOf(request.url))) {
      this.refused += 1
      return Response.json(
        { detail: 'Service is shutting down, retry shortly', code: 'shutting_down' },
        {
          status: 503,
          headers: {
            'retry-after': String(DRAIN_RETRY_AFTER_SECONDS),
            [REQUEST_ID_HEADER]: requestId,
            // Tell keep-alive clients to open a new connection (to another instance).
            connection: 'close',
          },
        },
      )
    }
    this.active += 1
    try {
      return await requestContext.run({ requestId }, () => next(request))
    } finally {
      this.active -= 1
      if (this.active === 0) this.idleWaiters.splice(0).forEach((resolve) => resolve())
    }
  }

  /** Resolves true once no request is in flight, or false when the timeout comes first. */
  whenIdle(timeoutMs: number): Promise<boolean> {
    if (this.active === 0) return Promise.resolve(true)
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer)
        resolve(true)
      }
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((waiter) => waiter !== done)
        resolve(false)
      }, timeoutMs)
      this.idleWaiters.push(done)
    })
  }
}
