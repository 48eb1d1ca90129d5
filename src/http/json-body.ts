import { Elysia } from 'elysia'
import { ApiError, unprocessable } from './errors'

const isJson = (contentType: string) => {
  const type = contentType.split(';', 1)[0]?.trim().toLowerCase() ?? ''
  return type === 'application/json' || type.endsWith('+json')
}

// Stateless between calls (no { stream: true }), so one decoder serves every request.
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true })

/**
 * Every request body is a JSON object: other media types get 415, bodies over the limit 413 (also when chunked,
 * so without Content-Length), broken JSON 400, JSON that is not an object 422. Bun's own maxRequestBodySize is
 * the backstop at the socket.
 */
export function jsonBody(maxBytes: number) {
  return new Elysia({ name: 'json-body' }).onParse({ as: 'global' }, async ({ request, contentType }) => {
    const declared = Number(request.headers.get('content-length'))
    if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes)
    // Nothing sent at all (no type, no bytes): no body. A route that needs one answers 422 from its schema.
    if (!contentType && request.body === null) return null
    if (!isJson(contentType ?? '')) {
      throw new ApiError(415, 'unsupported_media_type', 'Content-Type must be application/json')
    }
    const bytes = await request.bytes()
    if (bytes.byteLength > maxBytes) throw tooLarge(maxBytes)
    let text: string
    try {
      text = STRICT_UTF8.decode(bytes)
    } catch {
      throw new ApiError(400, 'malformed_json', 'Request body is not valid UTF-8')
    }
    if (text.trim() === '') throw new ApiError(400, 'malformed_json', 'Request body is empty: expected a JSON object')
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      throw new ApiError(400, 'malformed_json', 'Malformed JSON in request body')
    }
    const problem = shapeProblem(parsed)
    if (problem) throw unprocessable(`Validation failed: ${problem.path} ${problem.message}`, [problem])
    return parsed
  })
}

/** Deeper bodies are refused before validation, whose error reporting recurses (a stack overflow is a 500). */
export const MAX_JSON_DEPTH = 32

/** Postgres text and jsonb cannot hold U+0000 or an unpaired surrogate (a `\ud800` JSON escape): the write fails. */
const isStorableText = (text: string) => !text.includes('\u0000') && text.isWellFormed()
const UNSTORABLE_TEXT = 'Expected text without NUL characters or unpaired surrogates'

/**
 * What no body of this API may be, checked before validation:
 * - not an object (validation sees the value only after Elysia has filled in defaults, which turns null or []
 *   into a list of "missing property" errors);
 * - nested deeper than MAX_JSON_DEPTH;
 * - holding a `__proto__` key: Elysia's copy of the body turns it into the object's prototype, so it would
 *   slip past the unknown-field check;
 * - holding a string or key with U+0000 or an unpaired surrogate (a 500 on Postgres, silently altered on SQLite).
 */
export function shapeProblem(root: unknown): { path: string; message: string } | null {
  if (typeof root !== 'object' || root === null || Array.isArray(root)) return { path: '/', message: 'Expected object' }
  const problem = problemIn(root, 1)
  return problem && { path: problem.path || '/', message: problem.message }
}

/** Depth-first, without allocating on the way down: the path is built only for a problem, as the walk unwinds. */
function problemIn(value: unknown, depth: number): { path: string; message: string } | null {
  if (typeof value === 'string') return isStorableText(value) ? null : { path: '', message: UNSTORABLE_TEXT }
  if (typeof value !== 'object' || value === null) return null
  if (depth > MAX_JSON_DEPTH) return { path: '', message: `Expected at most ${MAX_JSON_DEPTH} levels of nesting` }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const problem = problemIn(value[i], depth + 1)
      if (problem) return { path: `/${i}${problem.path}`, message: problem.message }
    }
    return null
  }
  for (const key of Object.keys(value)) {
    if (key === '__proto__') return { path: '/__proto__', message: 'Unexpected property' }
    if (!isStorableText(key)) return { path: `/${key}`, message: UNSTORABLE_TEXT }
    const problem = problemIn((value as Record<string, unknown>)[key], depth + 1)
    if (problem) return { path: `/${key}${problem.path}`, message: problem.message }
  }
  return null
}

function tooLarge(maxBytes: number): ApiError {
  return new ApiError(413, 'payload_too_large', `Request body exceeds the limit of ${maxBytes} bytes`)
}
