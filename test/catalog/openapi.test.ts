import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startTestService, type TestService } from '../support/service'

interface Operation {
  tags?: string[]
  summary?: string
  parameters?: { name: string; in: string; schema?: Record<string, unknown> }[]
  requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown>; additionalProperties?: boolean } }> }
  responses: Record<string, { description: string; content?: Record<string, { schema: { properties?: Record<string, unknown> } }> }>
}

const LIST = '/api/v1/achievements/achievements'
const ONE = '/api/v1/achievements/achievements/{code}'

// The OpenAPI document is generated from the route schemas; it does not depend on the database dialect.
describe('OpenAPI docs', () => {
  let svc: TestService
  let doc: { openapi: string; paths: Record<string, Record<string, Operation>> }
  beforeAll(async () => {
    svc = await startTestService('sqlite')
    const response = await svc.call('GET', '!/swagger/json')
    expect(response.status).toBe(200)
    doc = response.body
  })
  afterAll(async () => {
    await svc.close()
  })

  test('/swagger serves the UI page', async () => {
    const page = await svc.call('GET', '!/swagger')
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toContain('text/html')
    expect(String(page.body)).toContain('swagger')
  })

  test('documents every catalog route and /health, catalog paths without trailing slashes', () => {
    expect(doc.openapi).toMatch(/^3\./)
    expect(Object.keys(doc.paths[LIST] ?? {}).sort()).toEqual(['get', 'post'])
    expect(Object.keys(doc.paths[ONE] ?? {}).sort()).toEqual(['get', 'patch'])
    expect(doc.paths['/health']?.get?.responses['200']).toBeDefined()
    expect(Object.keys(doc.paths).filter((path) => path.startsWith(LIST) && path.endsWith('/'))).toEqual([])
    for (const operation of [doc.paths[LIST]!.get!, doc.paths[LIST]!.post!, doc.paths[ONE]!.get!, doc.paths[ONE]!.patch!]) {
      expect(operation.tags).toEqual(['catalog'])
      expect(operation.summary).toBeTruthy()
    }
  })

  test('request bodies are documented as application/json with every field and no extras allowed', () => {
    const create = doc.paths[LIST]!.post!.requestBody!.content['application/json']!.schema
    expect(Object.keys(create.properties ?? {}).sort()).toEqual(
      ['auto_claim', 'category', 'code', 'description', 'icon_url', 'is_secret', 'points', 'progress_target', 'rarity', 'title'].sort(),
    )
    expect(create.additionalProperties).toBe(false)
    const update = doc.paths[ONE]!.patch!.requestBody!.content['application/json']!.schema
    expect(Object.keys(update.properties ?? {})).not.toContain('code')
    expect(update.additionalProperties).toBe(false)
  })

  test('query and path parameters are documented with their bounds', () => {
    const params = Object.fromEntries(doc.paths[LIST]!.get!.parameters!.map((param) => [param.name, param]))
    expect(Object.keys(params).sort()).toEqual(['category', 'limit', 'skip', 'user_id'])
    expect(params.limit!.schema).toMatchObject({ minimum: 1, maximum: 100, default: 50 })
    expect(params.skip!.schema).toMatchObject({ minimum: 0, default: 0 })
    expect(doc.paths[ONE]!.get!.parameters!.map((param) => `${param.in}:${param.name}`).sort()).toEqual(['path:code', 'query:user_id'])
  })

  test('success and error responses are documented, errors with the {detail, code, errors} body', () => {
    const statuses = (path: string, method: string) => Object.keys(doc.paths[path]![method]!.responses).sort()
    expect(statuses(LIST, 'post')).toEqual(['201', '400', '401', '403', '409', '413', '415', '422', '503'])
    expect(statuses(LIST, 'get')).toEqual(['200', '401', '422', '503'])
    expect(statuses(ONE, 'get')).toEqual(['200', '401', '404', '422', '503'])
    expect(statuses(ONE, 'patch')).toEqual(['200', '400', '401', '403', '404', '413', '415', '422', '503'])
    for (const [path, methods] of [[LIST, ['get', 'post']], [ONE, ['get', 'patch']]] as const) {
      for (const method of methods) {
        for (const [status, response] of Object.entries(doc.paths[path]![method]!.responses)) {
          expect(response.description).not.toStartWith('Response for status')
          const schema = response.content?.['application/json']?.schema
          if (Number(status) >= 400) expect(Object.keys(schema?.properties ?? {}).sort()).toEqual(['code', 'detail', 'errors'])
        }
      }
    }
  })
})
