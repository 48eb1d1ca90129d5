import { Elysia } from 'elysia'
import { ApiError } from './errors'

const isJson = (contentType: string) => {
  const type = contentType.split(';', 1)[0]?.trim().toLowerCase() ?? ''
  return type === 'application/json' || type.endsWith('+json')
}

/**
 * Every request body is JSON: other media types get 415, bodies over the limit 413 (also when chunked, so
 * without Content-Length), broken JSON 400. Bun's own maxRequestBodySize is the backstop at the socket.
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
    try {
      return JSON.parse(text) as unknown
    } catch {
      throw new ApiError(400, 'malformed_json', 'Malformed JSON in request body')
    }
  })
}

function tooLarge(maxBytes: number): ApiError {
  return new ApiError(413, 'payload_too_large', `Request body exceeds the limit of ${maxBytes} bytes`)
}
