/** A caller's X-Request-Id is kept when it is 1..128 visible ASCII characters; anything else is replaced. */
const VALID_REQUEST_ID = /^[\x21-\x7e]{1,128}$/

export const REQUEST_ID_HEADER = 'x-request-id'

/** The request id to use: the caller's when valid, else a new UUID. */
export function resolveRequestId(header: string | null): string {
  return header !== null && VALID_REQUEST_ID.test(header) ? header : crypto.randomUUID()
}
