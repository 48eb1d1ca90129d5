import { describe, expect, test } from 'bun:test'
import { Elysia } from 'elysia'
import { Lifecycle } from '../../src/ops/lifecycle'
import { capturingLogger } from './support'

describe('request context in logs', () => {
  test('every line written while a request is handled carries its id, also after awaits; lines outside carry none', async () => {
    const { logger, records } = capturingLogger()
    const app = new Elysia().get('/work', async () => {
      logger.info('started')
      await Bun.sleep(5)
      await Promise.resolve()
      logger.warn('still working')
      return 'ok'
    })
    const lifecycle = new Lifecycle()
    const call = (id: string) => lifecycle.handle(new Request('http://localhost/work', { headers: { 'x-request-id': id } }), (r) => app.handle(r))
    await Promise.all([call('req-a'), call('req-b')])
    logger.info('outside')

    const byMessage = records().map((r) => `${r.msg}:${r.requestId ?? '-'}`)
    expect(byMessage.filter((line) => line.endsWith('req-a')).sort()).toEqual(['started:req-a', 'still working:req-a'])
    expect(byMessage.filter((line) => line.endsWith('req-b')).sort()).toEqual(['started:req-b', 'still working:req-b'])
    expect(byMessage).toContain('outside:-')
  })
})
