import type { TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { Elysia, t } from 'elysia'
import { StorageUnavailableError, isStorageUnavailable } from '../storage/errors'

/** The contract's error body. `errors` is present on 422 validation failures. */
export const ErrorBody = t.Object(
  {
    detail: t.String(),
    code: t.String(),
    errors: t.Optional(t.Array(t.Object({ path: t.String(), message: t.String() }))),
  },
  { title: 'Error' },
)
export type ErrorBody = typeof ErrorBody.static

/** An error with a status and a contract-shaped body, thrown by services and hooks. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly headers: Record<string, string> = {},
    readonly errors?: { path: string; message: string }[],
  ) {
    super(detail)
  }

  body(): ErrorBody {
    return this.errors ? { detail: this.detail, code: this.code, errors: this.errors } : { detail: this.detail, code: this.code }
  }
}

export const unprocessable = (detail: string, errors?: { path: string; message: string }[]) =>
  new ApiError(422, 'validation_error', detail, {}, errors)

/** The error body documented with what a status means on a route (OpenAPI shows the description). */
export const errorResponse = (description: string) => t.Object(ErrorBody.properties, { title: 'Error', description })

/** Response schemas for the error statuses every route may answer with, for the OpenAPI document. */
export const commonErrors = {
  400: errorResponse('Malformed JSON body (code `malformed_json`) or bad header'),
  413: errorResponse('Body larger than the configured limit (code `payload_too_large`)'),
  415: errorResponse('Body is not `application/json` (code `unsupported_media_type`)'),
  422: errorResponse('Validation failed (code `validation_error`); `errors` lists `{path, message}` per problem'),
  503: errorResponse('Database unavailable (code `service_unavailable`); `Retry-After` is set'),
} // not `as const`: readonly keys make Eden type every error of the route as `{}`

export const unauthorizedResponse = errorResponse('Missing or invalid bearer token, when auth is configured')

/** Error responses of a route without a body (no 400/413/415). */
export const readErrors = { 401: unauthorizedResponse, 422: commonErrors[422], 503: commonErrors[503] }

/** Error responses of a route with a JSON body that needs `scope` when auth is on. */
export const writeErrors = (scope: string) => ({
  ...commonErrors,
  401: unauthorizedResponse,
  403: errorResponse(`Token lacks the ${scope} scope`),
})

interface SchemaLike {
  type?: unknown
  anyOf?: SchemaLike[]
}

interface ValueErrorLike {
  path: string
  message: string
  value?: unknown
  schema?: SchemaLike
}

function jsonType(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number'
  return typeof value
}

/**
 * TypeBox says "Expected union value" for `string | null` or a query integer. Name the problem instead: the
 * member of the value's own type explains it ("Expected string length less or equal to 50"), else the types.
 */
function describeProblem(item: ValueErrorLike): string {
  if (item.message !== 'Expected union value') return item.message
  const members = item.schema?.anyOf ?? []
  const types = [...new Set(members.map((member) => member.type).filter((type) => typeof type === 'string'))]
  const valueType = jsonType(item.value)
  // Query integers are `digits | integer`: text that is not digits is simply not an integer.
  if (valueType === 'string' && types.includes('integer')) return 'Expected integer'
  const own = members.find((member) => member.type === valueType || (member.type === 'number' && valueType === 'integer'))
  const first = own ? Value.Errors(own as TSchema, item.value).First() : undefined
  if (first) return first.message
  return types.length > 0 ? `Expected ${types.join(' or ')}` : item.message
}

function validationErrors(error: unknown): { path: string; message: string }[] {
  const failed = error as { all?: ValueErrorLike[] }
  const seen = new Set<string>()
  const out: { path: string; message: string }[] = []
  for (const item of failed.all ?? []) {
    const message = describeProblem(item)
    const key = `${item.path}\u0000${message}`
    if (seen.has(key)) continue
    seen.add(key)
    out.push({ path: item.path || '/', message })
    if (out.length >= 20) break
  }
  return out
}

function json(status: number, body: ErrorBody, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  })
}

export interface ErrorHandlerOptions {
  onUnexpected: (error: unknown, request: Request) => void
}

/**
 * One error model for the whole app. Must be registered before every route: Elysia's onError only covers
 * routes registered after it.
 */
export function errorHandler(options: ErrorHandlerOptions) {
  return new Elysia({ name: 'error-handler' }).onError({ as: 'global' }, ({ code, error, request }) => {
    if (error instanceof ApiError) return json(error.status, error.body(), error.headers)
    // Elysia wraps whatever a parse hook throws in a ParseError; the json-body hook throws 413/415/400 ApiErrors.
    const cause = (error as { cause?: unknown }).cause
    if (code === 'PARSE' && cause instanceof ApiError) return json(cause.status, cause.body(), cause.headers)
    switch (code) {
      case 'VALIDATION': {
        const errors = validationErrors(error)
        const first = errors[0]
        const detail = first ? `Validation failed: ${first.path} ${first.message}` : 'Validation failed'
        return json(422, { detail, code: 'validation_error', errors })
      }
      case 'PARSE':
        return json(400, { detail: 'Malformed request body: expected a JSON object', code: 'malformed_json' })
      case 'NOT_FOUND':
        return json(404, { detail: 'Not found', code: 'not_found' })
      case 'INVALID_COOKIE_SIGNATURE':
      case 'INVALID_FILE_TYPE':
        return json(400, { detail: 'Bad request', code: 'bad_request' })
    }
    // Drizzle wraps driver errors (DrizzleQueryError); the connection/timeout code is on the cause.
    if (error instanceof StorageUnavailableError || isStorageUnavailable(error) || isStorageUnavailable(cause)) {
      return json(503, { detail: 'Database unavailable, retry shortly', code: 'service_unavailable' }, { 'retry-after': '1' })
    }
    options.onUnexpected(error, request)
    return json(500, { detail: 'Internal server error', code: 'internal_error' })
  })
}
