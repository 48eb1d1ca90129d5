import { describe, expect, test } from 'bun:test'
import { Elysia } from 'elysia'
import { httpObserver, registerHttpMetrics } from '../../src/ops/http-observer'
import { silentLogger } from '../../src/ops/logger'
import { MetricsRegistry } from '../../src/ops/metrics'

/** An app with the observer, on which a test registers its route. */
function observed() {
  const metrics = new MetricsRegistry()
  const app = new Elysia().use(httpObserver({ logger: silentLogger, metrics: registerHttpMetrics(metrics) }))
  return { app, metrics }
}

describe('http observer and the Responses that routes build', () => {
  test("a route's own Response is answered as built (not copied into a new one), carrying the request id", async () => {
    let built: Response | undefined
    const { app: base } = observed()
    const app = base.get('/page', () => (built = new Response('{"page":1}', { headers: { 'content-type': 'application/json' } })))
    const response = await app.handle(new Request('http://localhost/page', { headers: { 'x-request-id': 'trace-built' } }))
    expect(response).toBe(built!)
    expect(response.headers.get('x-request-id')).toBe('trace-built')
    expect(response.headers.get('content-type')).toBe('application/json')
    expect(await response.text()).toBe('{"page":1}')
  })

  test('a Response answered with another status keeps its status, headers and the request id, and is counted by it', async () => {
    const { app: base, metrics } = observed()
    const app = base.get('/gone', () => new Response('{}', { status: 410, headers: { 'retry-after': '5' } }))
    const response = await app.handle(new Request('http://localhost/gone', { headers: { 'x-request-id': 'trace-gone' } }))
    expect(response.status).toBe(410)
    expect(response.headers.get('retry-after')).toBe('5')
    expect(response.headers.get('x-request-id')).toBe('trace-gone')
    await Bun.sleep(5) // counted after the response
    expect(await metrics.render()).toContain('http_requests_total{method="GET",route="/gone",status="410"} 1')
  })
})
