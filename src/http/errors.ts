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

export const notFound = (detail: string) => new ApiError(404, 'not_found', detail)
export const unprocessable = (detail: string, errors?: { path: string; message: string }[]) =>
  new ApiError(422, 'validation_error', detail, {}, errors)

/** Response schemas for the error statuses every route may answer with, for the OpenAPI document. */
export const commonErrors = {
  400: ErrorBody,
  413: ErrorBody,
  415: ErrorBody,
  422: ErrorBody,
  503: ErrorBody,
} as const

interface ValueErrorLike {
  path: string
  message: string
}

function validationErrors(error: unknown): { path: string; message: string }[] {
  const all = (error as { all?: ValueErrorLike[] }).all ?? []
  const seen = new Set<string>()
  const out: { path: string; message: string }[] = []
  for (const item of all) {
    const key = `${item.path}\u0000${item.message}`
    if (seen.has(key)) continue
    seen.add(key)
    out.push({ path: item.path || '/', message: item.message })
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
    if (error instanceof StorageUnavailableError || isStorageUnavailable(error)) {
      return json(503, { detail: 'Database unavailable, retry shortly', code: 'service_unavailable' }, { 'retry-after': '1' })
    }
    options.onUnexpected(error, request)
    return json(500, { detail: 'Internal server error', code: 'internal_error' })
  })
}
