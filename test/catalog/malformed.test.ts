import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { API_PREFIX } from '../../src/app'
import { DIALECTS, startTestService, type TestService } from '../support/service'

/**
 * Malformed requests against the catalog: each gets a 4xx with the contract's error body and stores nothing.
 * `body` objects are sent as JSON; strings and bytes are sent as they are.
 */
interface BadRequest {
  name: string
  method: 'GET' | 'POST' | 'PATCH'
  path: string
  body?: unknown
  headers?: Record<string, string>
  status: number
  code: string
  /** For 422: the path the first entry of `errors` names. */
  errorPath?: string
}

const SEED = { code: 'seed', title: 'Seed', description: 'The only stored achievement' }
const VALID = { code: 'fresh', title: 'Fresh', description: 'Would be stored if accepted' }
const JSON_TYPE = { 'content-type': 'application/json' }
const OVER_LIMIT = JSON.stringify({ ...VALID, description: 'x'.repeat(70_000) })

const create = (name: string, body: unknown, errorPath: string): BadRequest => ({
  name,
  method: 'POST',
  path: '/achievements',
  body,
  status: 422,
  code: 'validation_error',
  errorPath,
})
const patch = (name: string, body: unknown, errorPath: string): BadRequest => ({
  name,
  method: 'PATCH',
  path: `/achievements/${SEED.code}`,
  body,
  status: 422,
  code: 'validation_error',
  errorPath,
})
const list = (name: string, query: string, errorPath: string): BadRequest => ({
  name,
  method: 'GET',
  path: `/achievements?${query}`,
  status: 422,
  code: 'validation_error',
  errorPath,
})
const raw = (name: string, method: 'POST' | 'PATCH', body: unknown, headers: Record<string, string>, status: number, code: string): BadRequest => ({
  name,
  method,
  path: method === 'POST' ? '/achievements' : `/achievements/${SEED.code}`,
  body,
  headers,
  status,
  code,
})

const CASES: BadRequest[] = [
  // wrong types
  create('points as the string "5"', { ...VALID, points: '5' }, '/points'),
  create('points as a float', { ...VALID, points: 5.5 }, '/points'),
  create('points as a boolean', { ...VALID, points: true }, '/points'),
  create('is_secret as the string "true"', { ...VALID, is_secret: 'true' }, '/is_secret'),
  create('auto_claim as 1', { ...VALID, auto_claim: 1 }, '/auto_claim'),
  create('code as a number', { ...VALID, code: 123 }, '/code'),
  create('title as an object', { ...VALID, title: { en: 'Fresh' } }, '/title'),
  create('description as an array', { ...VALID, description: ['a'] }, '/description'),
  create('category as a number', { ...VALID, category: 5 }, '/category'),
  // out-of-range numbers
  create('points -1', { ...VALID, points: -1 }, '/points'),
  create('points 10001', { ...VALID, points: 10_001 }, '/points'),
  create('progress_target 0', { ...VALID, progress_target: 0 }, '/progress_target'),
  create('progress_target 1,000,000,001', { ...VALID, progress_target: 1_000_000_001 }, '/progress_target'),
  create('points beyond a double (1e400)', `{"code":"fresh","title":"T","description":"","points":1e400}`, '/points'),
  // missing and bad codes
  create('code missing', { title: 'T', description: '' }, '/code'),
  create('title missing', { code: 'fresh', description: '' }, '/title'),
  create('description missing', { code: 'fresh', title: 'T' }, '/description'),
  create('code empty', { ...VALID, code: '' }, '/code'),
  create('code uppercase', { ...VALID, code: 'Fresh' }, '/code'),
  create('code starting with a dash', { ...VALID, code: '-fresh' }, '/code'),
  create('code with a space', { ...VALID, code: 'fresh win' }, '/code'),
  create('code with a slash', { ...VALID, code: 'fresh/win' }, '/code'),
  create('code of 65 characters', { ...VALID, code: 'c'.repeat(65) }, '/code'),
  // huge or blank strings
  create('title empty', { ...VALID, title: '' }, '/title'),
  create('title only whitespace', { ...VALID, title: '   ' }, '/title'),
  create('title of 121 characters', { ...VALID, title: 't'.repeat(121) }, '/title'),
  create('description of 2001 characters', { ...VALID, description: 'd'.repeat(2001) }, '/description'),
  create('category of 51 characters', { ...VALID, category: 'c'.repeat(51) }, '/category'),
  create('rarity of 31 characters', { ...VALID, rarity: 'r'.repeat(31) }, '/rarity'),
  create('icon_url of 501 characters', { ...VALID, icon_url: `https://x.io/${'i'.repeat(488)}` }, '/icon_url'),
  create('icon_url not http(s)', { ...VALID, icon_url: 'ftp://x.io/a.png' }, '/icon_url'),
  create('icon_url not a URL', { ...VALID, icon_url: 'icon.png' }, '/icon_url'),
  // unknown fields
  create('an unknown field', { ...VALID, colour: 'red' }, '/colour'),
  create('id supplied by the client', { ...VALID, id: 'abc' }, '/id'),
  create('a __proto__ key', `{"code":"fresh","title":"T","description":"","__proto__":{"points":1}}`, '/__proto__'),
  // explicit nulls on non-nullable fields
  create('code null', { ...VALID, code: null }, '/code'),
  create('title null', { ...VALID, title: null }, '/title'),
  create('points null', { ...VALID, points: null }, '/points'),
  create('is_secret null', { ...VALID, is_secret: null }, '/is_secret'),
  // JSON that is not an object, or too deep
  create('a JSON array', [VALID], '/'),
  create('JSON null', 'null', '/'),
  create('a JSON string', '"fresh"', '/'),
  create('nesting 5000 levels deep', `{"code":"fresh","title":${'['.repeat(5000)}${']'.repeat(5000)},"description":""}`, '/title/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0'),
  // broken JSON, wrong media type, oversized bodies
  raw('truncated JSON', 'POST', '{"code":"fresh",', JSON_TYPE, 400, 'malformed_json'),
  raw('JSON with a trailing comma', 'POST', '{"code":"fresh","title":"T","description":"",}', JSON_TYPE, 400, 'malformed_json'),
  raw('single-quoted JSON', 'POST', "{'code':'fresh'}", JSON_TYPE, 400, 'malformed_json'),
  raw('an empty body declared as JSON', 'POST', '', JSON_TYPE, 400, 'malformed_json'),
  raw('bytes that are not UTF-8', 'POST', new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), JSON_TYPE, 400, 'malformed_json'),
  raw('a form-encoded body', 'POST', 'code=fresh&title=T', { 'content-type': 'application/x-www-form-urlencoded' }, 415, 'unsupported_media_type'),
  raw('JSON sent as text/plain', 'POST', JSON.stringify(VALID), { 'content-type': 'text/plain' }, 415, 'unsupported_media_type'),
  raw('a body with no content-type', 'POST', new Blob([JSON.stringify(VALID)]), {}, 415, 'unsupported_media_type'),
  raw('a 70 KB body', 'POST', OVER_LIMIT, JSON_TYPE, 413, 'payload_too_large'),
  raw('a 70 KB body on PATCH', 'PATCH', OVER_LIMIT, JSON_TYPE, 413, 'payload_too_large'),
  raw('a 70 KB body streamed without Content-Length', 'POST', 'stream', JSON_TYPE, 413, 'payload_too_large'),
  raw('broken JSON on PATCH', 'PATCH', '{"title":', JSON_TYPE, 400, 'malformed_json'),
  raw('text/plain on PATCH', 'PATCH', '{}', { 'content-type': 'text/plain' }, 415, 'unsupported_media_type'),
  // PATCH bodies
  patch('PATCH title null', { title: null }, '/title'),
  patch('PATCH points "5"', { points: '5' }, '/points'),
  patch('PATCH auto_claim null', { auto_claim: null }, '/auto_claim'),
  patch('PATCH progress_target 0', { progress_target: 0 }, '/progress_target'),
  patch('PATCH the code', { code: 'renamed' }, '/code'),
  patch('PATCH an unknown field', { unlock_count: 5 }, '/unlock_count'),
  patch('PATCH a JSON array', [], '/'),
  // query strings
  list('limit 0', 'limit=0', '/limit'),
  list('limit 101', 'limit=101', '/limit'),
  list('skip -1', 'skip=-1', '/skip'),
  list('skip over 1,000,000', 'skip=1000001', '/skip'),
  list('limit not a number', 'limit=ten', '/limit'),
  list('limit hexadecimal', 'limit=0x10', '/limit'),
  list('limit with a fraction', 'limit=1.5', '/limit'),
  list('category filter of 51 characters', `category=${'c'.repeat(51)}`, '/category'),
  list('user_id with a space', 'user_id=a%20b', '/user_id'),
  list('user_id of 65 characters', `user_id=${'u'.repeat(65)}`, '/user_id'),
  { name: 'GET one with a bad user_id', method: 'GET', path: `/achievements/${SEED.code}?user_id=%2F`, status: 422, code: 'validation_error', errorPath: '/user_id' },
  { name: 'GET a code no achievement can have', method: 'GET', path: '/achievements/NOT-A-CODE', status: 404, code: 'achievement_not_found' },
]

function requestFor(item: BadRequest): Request {
  const url = `http://localhost${API_PREFIX}${item.path}`
  let body: RequestInit['body']
  if (item.body === 'stream') {
    body = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(OVER_LIMIT))
        controller.close()
      },
    })
  } else if (typeof item.body === 'string' || item.body instanceof Uint8Array || item.body instanceof Blob) {
    body = item.body
  } else if (item.body !== undefined) {
    body = JSON.stringify(item.body)
  }
  const headers = item.headers ?? (body === undefined ? {} : JSON_TYPE)
  return new Request(url, { method: item.method, body, headers })
}

test('the table holds at least fifty malformed requests, each named once', () => {
  expect(CASES.length).toBeGreaterThanOrEqual(50)
  expect(new Set(CASES.map((item) => item.name)).size).toBe(CASES.length)
})

for (const dialect of DIALECTS) {
  describe(`malformed catalog requests (${dialect})`, () => {
    let svc: TestService
    const snapshot = async () => ({
      list: (await svc.call('GET', '/achievements?limit=100')).body as unknown,
      fresh: (await svc.call('GET', `/achievements/${VALID.code}`)).status,
    })
    let stored: Awaited<ReturnType<typeof snapshot>>
    beforeAll(async () => {
      svc = await startTestService(dialect)
      expect((await svc.call('POST', '/achievements', SEED)).status).toBe(201)
      stored = await snapshot()
    })
    afterAll(async () => {
      await svc.close()
    })

    for (const item of CASES) {
      test(`${item.method} ${item.name} → ${item.status}`, async () => {
        const response = await svc.service.app.handle(requestFor(item))
        const body = (await response.json()) as Record<string, unknown>
        expect(response.status).toBe(item.status)
        expect(response.headers.get('content-type')).toStartWith('application/json')
        // The contract's error body: detail and code, plus `errors` on 422 only.
        expect(body).toEqual({
          detail: expect.any(String),
          code: item.code,
          ...(item.status === 422 ? { errors: expect.any(Array) } : {}),
        })
        expect((body.detail as string).length).toBeGreaterThan(0)
        if (item.status === 422) {
          const errors = body.errors as { path: string; message: string }[]
          expect(errors.length).toBeGreaterThan(0)
          for (const error of errors) expect(error).toEqual({ path: expect.stringMatching(/^\//), message: expect.any(String) })
          expect(errors[0]!.path).toBe(item.errorPath!)
        }
        expect(await snapshot()).toEqual(stored)
      })
    }
  })
}
