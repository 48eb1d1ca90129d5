import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { ServiceProcess } from '../faults/support/service-process'

// Through the real server (Bun.serve in src/main.ts), not app.handle: the socket has its own body limit.
describe('the real server', () => {
  let service: ServiceProcess
  beforeAll(async () => {
    service = await ServiceProcess.start({ ACHIEVEMENT_DATABASE_URL: 'sqlite::memory:', LOG_LEVEL: 'warn' })
  })
  afterAll(async () => {
    await service.destroy()
  })

  test('an oversized body gets 413 with the contract error body, not a bare socket 413', async () => {
    const body = JSON.stringify({ code: 'big', title: 'x'.repeat(200_000), description: '' })
    const response = await fetch(`${service.url}/api/v1/achievements/achievements`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    })
    expect(response.status).toBe(413)
    expect(await response.json()).toEqual({ detail: expect.any(String), code: 'payload_too_large' })
  })
})
