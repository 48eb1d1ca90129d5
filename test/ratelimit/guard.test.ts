import { describe, expect, test } from 'bun:test'
import { Elysia } from 'elysia'
import { ANONYMOUS, type Caller } from '../../src/auth/model'
import { ApiError, errorHandler } from '../../src/http/errors'
import { enforceRateLimit, rateLimitCallerKey, rateLimited } from '../../src/ratelimit/guard'
import { MemoryRateLimiter } from '../../src/ratelimit/memory'

const gameServer: Caller = { authenticated: true, subject: 'game-server-1', scopes: new Set() }

describe('rate-limit guard', () => {
  test('the caller key is the token subject; anonymous callers have none', () => {
    expect(rateLimitCallerKey(gameServer)).toBe('game-server-1')
    expect(rateLimitCallerKey(ANONYMOUS)).toBeNull()
  })

  test('rateLimited is a 429 rate_limited ApiError with an integer Retry-After ≥ 1', () => {
    const error = rateLimited(0.2, 'player')
    expect(error.status).toBe(429)
    expect(error.code).toBe('rate_limited')
    expect(error.headers['retry-after']).toBe('1')
    expect(rateLimited(2.1, 'caller').headers['retry-after']).toBe('3')
  })

  test('enforceRateLimit passes within the limit and throws the 429 past it', async () => {
    const limiter = new MemoryRateLimiter({ player: { capacity: 1, refillPerSec: 0.5 }, caller: null }, { now: () => 0 })
    await enforceRateLimit(limiter, 'p1', gameServer)
    const error = await enforceRateLimit(limiter, 'p1', gameServer).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect((error as ApiError).headers['retry-after']).toBe('2')
  })

  test('through the app error handler the 429 carries Retry-After and the contract body', async () => {
    const limiter = new MemoryRateLimiter({ player: { capacity: 1, refillPerSec: 1 }, caller: null }, { now: () => 0 })
    const app = new Elysia()
      .use(errorHandler({ onUnexpected: () => {} }))
      .post('/users/:id/progress', async ({ params }) => {
        await enforceRateLimit(limiter, params.id, ANONYMOUS)
        return { ok: true }
      })
    const post = () => app.handle(new Request('http://localhost/users/p1/progress', { method: 'POST' }))
    expect((await post()).status).toBe(200)
    const limited = await post()
    expect(limited.status).toBe(429)
    expect(limited.headers.get('retry-after')).toBe('1')
    expect(await limited.json()).toEqual({ detail: expect.any(String), code: 'rate_limited' })
  })
})
