import { Elysia, StatusMap } from 'elysia'
import type { Logger } from './logger'
import type { Counter, Histogram, MetricsRegistry } from './metrics'
import { requestContext } from './request-context'
import { REQUEST_ID_HEADER, resolveRequestId } from './request-id'

/** Route label of requests that matched no route (raw paths would make label values unbounded). */
export const UNMATCHED_ROUTE = 'unmatched'

/** Probes and scrapes are logged at debug, so that they do not drown the access log. */
const QUIET_ROUTES = new Set(['/health', '/ready', '/metrics'])

/** Methods kept as label values; anything else a client sends is counted as OTHER. */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])

const LATENCY_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

export interface HttpMetrics {
  requests: Counter
  duration: Histogram
}

export function registerHttpMetrics(registry: MetricsRegistry): HttpMetrics {
  return {
    requests: registry.counter('http_requests_total', 'HTTP requests answered, by method, route template and status', [
      'method',
      'route',
      'status',
    ]),
    duration: registry.histogram(
      'http_request_duration_seconds',
      'Time from receiving a request to its response, by method, route template and status',
      ['method', 'route', 'status'],
      LATENCY_BUCKETS_SECONDS,
    ),
  }
}

interface RequestRecord {
  id: string
  startedAt: number
  route: string | undefined
  status: number | undefined
}

// Keyed by the Request object Elysia hands to every hook and handler; dropped with the request.
const records = new WeakMap<Request, RequestRecord>()

/** The request id assigned to a request (for log lines written while it is handled). */
export function requestIdOf(request: Request): string | undefined {
  return records.get(request)?.id
}

/** What a 5xx line says about its cause: the error's name, driver code and message (never a stack). */
function errorSummary(error: unknown): Record<string, unknown> | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const { name, message, code, cause } = error as { name?: unknown; message?: unknown; code?: unknown; cause?: { code?: unknown; message?: unknown } }
  return {
    name,
    code: typeof code === 'string' ? code : cause?.code,
    message: typeof message === 'string' ? message.slice(0, 200) : undefined,
  }
}

function numericStatus(status: unknown): number {
  if (typeof status === 'number') return status
  if (typeof status === 'string' && status in StatusMap) return StatusMap[status as keyof typeof StatusMap]
  return 200
}

/**
 * Per request: an id (the caller's valid X-Request-Id or a new one) echoed in the X-Request-Id response header,
 * request metrics labelled by route template and status, and one access log line. Register before the routes.
 */
export function httpObserver(deps: { logger: Logger; metrics: HttpMetrics }) {
  const { logger, metrics } = deps
  return new Elysia({ name: 'http-observer' })
    .onRequest(({ request, set }) => {
      // Lifecycle.handle resolved it already (in the server); app.handle alone (tests) resolves it here.
      const id = requestContext.getStore()?.requestId ?? resolveRequestId(request.headers.get(REQUEST_ID_HEADER))
      records.set(request, { id, startedAt: performance.now(), route: undefined, status: undefined })
      set.headers[REQUEST_ID_HEADER] = id
    })
    .mapResponse({ as: 'global' }, ({ request, route, set, responseValue }) => {
      // Runs for handler results and for the error handler's responses (whose status set.status may not show).
      const record = records.get(request)
      if (!record) return
      record.route = route
      if (responseValue instanceof Response) {
        record.status = responseValue.status
        // Moved onto the Response itself: with a header left in set.headers, Elysia would copy the Response into a
        // new one, its headers merged and its body re-wrapped as a stream, on every request of the routes that
        // build their own (the progress post, the leaderboard page).
        responseValue.headers.set(REQUEST_ID_HEADER, record.id)
        delete set.headers[REQUEST_ID_HEADER]
      } else {
        record.status = numericStatus(set.status)
      }
    })
    .onAfterResponse({ as: 'global' }, (context) => {
      const { request, route, set } = context
      const record = records.get(request)
      if (!record) return
      const code = (context as { code?: unknown }).code
      const status = record.status ?? (code === 'NOT_FOUND' ? 404 : numericStatus(set.status))
      const template = route || record.route || UNMATCHED_ROUTE
      const seconds = (performance.now() - record.startedAt) / 1000
      const labels = { method: METHODS.has(request.method) ? request.method : 'OTHER', route: template, status }
      metrics.requests.inc(labels)
      metrics.duration.observe(labels, seconds)
      const line: Record<string, unknown> = {
        requestId: record.id,
        method: request.method,
        route: template,
        status,
        durationMs: Math.round(seconds * 10_000) / 10,
      }
      if (status >= 500) line.error = errorSummary((context as { error?: unknown }).error)
      if (QUIET_ROUTES.has(template)) logger.debug('request', line)
      else logger.info('request', line)
    })
}
