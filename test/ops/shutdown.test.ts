import { describe, expect, test } from 'bun:test'
import { Lifecycle } from '../../src/ops/lifecycle'
import { gracefulShutdown, type ShutdownSteps } from '../../src/ops/shutdown'
import { capturingLogger } from './support'

function steps(overrides: Partial<ShutdownSteps> = {}) {
  const order: string[] = []
  let exited: (code: number) => void
  const exitCode = new Promise<number>((resolve) => (exited = resolve))
  const lifecycle = overrides.lifecycle ?? new Lifecycle()
  const plan: ShutdownSteps = {
    lifecycle,
    logger: capturingLogger().logger,
    timeoutMs: 2_000,
    closeServer: async () => {
      order.push(`close (in flight ${lifecycle.inFlight})`)
    },
    stopService: async () => {
      order.push('stop service')
    },
    exit: (code) => {
      order.push(`exit ${code}`)
      exited(code)
    },
    ...overrides,
  }
  return { plan, order, exitCode, lifecycle }
}

describe('graceful shutdown', () => {
  test('drains first, waits for in-flight requests, then closes the server, stops the service and exits 0', async () => {
    const lifecycle = new Lifecycle()
    let finish!: () => void
    const inFlight = lifecycle.handle(new Request('http://localhost/api/x'), () => new Promise<Response>((resolve) => (finish = () => resolve(new Response('ok')))))
    const { plan, order, exitCode } = steps({ lifecycle })
    gracefulShutdown(plan)('SIGTERM')
    expect(lifecycle.draining).toBe(true)
    await Bun.sleep(30)
    expect(order).toEqual([]) // still waiting for the request
    finish()
    expect((await inFlight).status).toBe(200)
    expect(await exitCode).toBe(0)
    expect(order).toEqual(['close (in flight 0)', 'stop service', 'exit 0'])
  })

  test('a step that hangs past the timeout ends in exit 1', async () => {
    const { plan, order, exitCode } = steps({ timeoutMs: 100, stopService: () => new Promise(() => {}) })
    gracefulShutdown(plan)('SIGTERM')
    expect(await exitCode).toBe(1)
    expect(order).toEqual(['close (in flight 0)', 'exit 1'])
  })

  test('a request that never finishes is cut after half the timeout; the rest still runs', async () => {
    const lifecycle = new Lifecycle()
    void lifecycle.handle(new Request('http://localhost/api/x'), () => new Promise<Response>(() => {}))
    const { plan, order, exitCode } = steps({ lifecycle, timeoutMs: 200 })
    gracefulShutdown(plan)('SIGINT')
    expect(await exitCode).toBe(0)
    expect(order).toEqual(['close (in flight 1)', 'stop service', 'exit 0'])
  })

  test('a second signal exits at once', async () => {
    const { plan, order, exitCode } = steps({ stopService: () => new Promise(() => {}) })
    const shutdown = gracefulShutdown(plan)
    shutdown('SIGINT')
    await Bun.sleep(10)
    shutdown('SIGINT')
    expect(await exitCode).toBe(1)
    expect(order).toContain('exit 1')
  })
})
