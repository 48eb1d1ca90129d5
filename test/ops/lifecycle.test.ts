import { describe, expect, test } from 'bun:test'
import { Lifecycle } from '../../src/ops/lifecycle'
import { startTestService } from '../support/service'

describe('lifecycle: drain on shutdown', () => {
  test('while draining, new API requests get 503 with Retry-After and the error body; probes and scrapes still pass', async () => {
    const svc = await startTestService('sqlite')
    const { lifecycle } = svc.service.deps.ops
    const handle = (path: string, init?: RequestInit) =>
      lifecycle.handle(new Request(`http://localhost${path}`, init), (request) => svc.service.app.handle(request))
    try {
      expect((await handle('/api/v1/achievements/achievements')).status).toBe(200)
      lifecycle.beginDrain()
      const refused = await handle('/api/v1/achievements/users/p1/progress', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': 'late-1' },
        body: JSON.stringify({ score_bonus: 5 }),
      })
      expect(refused.status).toBe(503)
      expect(refused.headers.get('retry-after')).toBe('1')
      expect(refused.headers.get('x-request-id')).toBe('late-1')
      expect(await refused.json()).toEqual({ detail: 'Service is shutting down, retry shortly', code: 'shutting_down' })
      expect(lifecycle.refused).toBe(1)
      // Nothing was written for the refused post.
      expect(await svc.service.storage.progress.userScore('p1')).toBeNull()

      expect((await handle('/health')).status).toBe(200)
      expect((await handle('/ready')).status).toBe(503)
      const metrics = await handle('/metrics?x=1')
      expect(metrics.status).toBe(200)
      expect(await metrics.text()).toContain('achievement_draining 1')
    } finally {
      await svc.close()
    }
  })

  test('requests accepted before the drain finish, and whenIdle resolves when the last one is answered', async () => {
    const lifecycle = new Lifecycle()
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    const slow = lifecycle.handle(new Request('http://localhost/api/v1/achievements/users/a/progress'), async () => {
      await gate
      return new Response('done')
    })
    expect(lifecycle.inFlight).toBe(1)
    lifecycle.beginDrain()
    expect(await lifecycle.whenIdle(20)).toBe(false)
    const idle = lifecycle.whenIdle(5_000)
    release()
    expect(await (await slow).text()).toBe('done')
    expect(await idle).toBe(true)
    expect(lifecycle.inFlight).toBe(0)
  })

  test('a handler that throws still leaves the in-flight count right', async () => {
    const lifecycle = new Lifecycle()
    await expect(
      lifecycle.handle(new Request('http://localhost/x'), () => {
        throw new Error('boom')
      }),
    ).rejects.toThrow('boom')
    expect(lifecycle.inFlight).toBe(0)
    expect(await lifecycle.whenIdle(10)).toBe(true)
  })
})
