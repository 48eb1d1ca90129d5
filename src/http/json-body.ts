import { Elysia } from 'elysia'
import { ApiError, unprocessable } from './errors'

const isJson = (contentType: string) => {
  const type = contentType.split(';', 1)[0]?.trim().toLowerCase() ?? ''
  return type === 'application/json' || type.endsWith('+json')
}

/**
 * Every request body is a JSON object: other media types get 415, bodies over the limit 413 (also when chunked,
 * so without Content-Length), broken JSON 400, JSON that is not an object 422. Bun's own maxRequestBodySize is
 * the backstop at the socket.
 */
export function jsonBody(maxBytes: number) {
  return new Elysia({ name: 'json-body' }).onParse({ as: 'global' }, async ({ request, contentType }) => {
    const declared = Number(request.headers.get('content-length'))
    if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes)
    if (!isJson(contentType ?? '')) {
      throw new ApiError(415, 'unsupported_media_type', 'Content-Type must be application/json')
    }
    const bytes = new Uint8Array(await request.arrayBuffer())
    if (bytes.byteLength > maxBytes) throw tooLarge(maxBytes)
    let text: string
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
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
    // Every body of this API is an object. Checked here because validation sees the value only after Elysia
    // has filled in defaults, which turns null or [] into a list of "missing property" errors.
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw unprocessable('Validation failed: / Expected object', [{ path: '/', message: 'Expected object' }])
    }
    return parsed
  })
}

function tooLarge(maxBytes: number): ApiError {
  return new ApiError(413, 'payload_too_large', `Request body exceeds the limit of ${maxBytes} bytes`)
}
