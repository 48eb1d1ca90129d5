import type { App } from '../../../src/app'

/** One generated request, sent as it is through app.handle (no encoding or content-type added). */
export interface FuzzRequest {
  /** Which generator made it, for failure messages. */
  label: string
  method: string
  /** Path and query, from the server root (may hold percent-encoding junk). */
  url: string
  headers: Record<string, string>
  body?: string | Uint8Array
  /** Players whose stored state this request could touch (valid user ids only). */
  players: string[]
  /** A catalog write: when accepted, the stored definition must hold exactly the fields sent. */
  echo?: boolean
  /** The Idempotency-Key and the scope it would live in, when the key is well formed. */
  idempotency?: { scope: string; key: string }
}

export interface FuzzResponse {
  status: number
  headers: Headers
  text: string
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])
/** Methods that may write; unknown ones (Elysia answers `FOO /x` like `GET /x`) are held to "nothing stored" only. */
export const isWriteMethod = (method: string) => WRITE_METHODS.has(method)

export async function send(app: App, request: FuzzRequest): Promise<FuzzResponse> {
  const init: RequestInit = { method: request.method, headers: request.headers }
  if (request.body !== undefined) init.body = request.body
  const response = await app.handle(new Request(`http://localhost${request.url}`, init))
  return { status: response.status, headers: response.headers, text: await response.text() }
}

/** Whether the runtime can carry the request at all (HTTP forbids NUL/CR/LF in header values, and so does fetch). */
export function isSendable(request: FuzzRequest): boolean {
  try {
    new Request(`http://localhost${request.url}`, { method: request.method, headers: request.headers })
    return true
  } catch {
    return false
  }
}

const excerpt = (text: string, max = 300) => (text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text)

export function describeExchange(request: FuzzRequest, response?: FuzzResponse): string {
  const body =
    request.body === undefined ? '(none)' : typeof request.body === 'string' ? JSON.stringify(excerpt(request.body)) : `${request.body.byteLength} bytes`
  const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, excerpt(value, 80)]))
  const lines = [`[${request.label}] ${request.method} ${excerpt(request.url, 200)}`, `  headers: ${JSON.stringify(headers)}`, `  body: ${body}`]
  if (response) lines.push(`  → ${response.status} ${excerpt(response.text)}`)
  return lines.join('\n')
}

const ERROR_KEYS = new Set(['detail', 'code', 'errors'])

/**
 * The contract every response keeps, whatever was sent: never a 5xx (the suite runs with healthy dependencies),
 * and every error is `{detail: string, code: string[, errors: [{path, message}]]}`; 429/503 carry Retry-After.
 * Returns the problem, or null.
 */
export function contractProblem(response: FuzzResponse): string | null {
  if (response.status >= 500) return `server error ${response.status}`
  if (response.status < 400) return null
  let body: unknown
  try {
    body = JSON.parse(response.text)
  } catch {
    return 'error body is not JSON'
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'error body is not an object'
  const record = body as Record<string, unknown>
  if (typeof record.detail !== 'string' || record.detail === '') return 'error body has no detail string'
  if (typeof record.code !== 'string' || record.code === '') return 'error body has no code string'
  const extra = Object.keys(record).filter((key) => !ERROR_KEYS.has(key))
  if (extra.length > 0) return `error body has unexpected keys ${extra.join(', ')}`
  if (record.errors !== undefined) {
    if (!Array.isArray(record.errors) || record.errors.length === 0) return 'errors is not a non-empty array'
    for (const item of record.errors as unknown[]) {
      const entry = item as Record<string, unknown> | null
      if (typeof entry?.path !== 'string' || typeof entry.message !== 'string') return 'errors entry is not {path, message}'
    }
  }
  if (!(response.headers.get('content-type') ?? '').startsWith('application/json')) return 'error is not application/json'
  if (response.status === 429 || response.status === 503) {
    const retryAfter = Number(response.headers.get('retry-after'))
    if (!Number.isInteger(retryAfter) || retryAfter < 1) return `${response.status} without an integer Retry-After ≥ 1`
  }
  return null
}
