import fc from 'fast-check'
import { USER_ID_PATTERN } from '../../../src/catalog/model'
import { hostileText } from './values'

/** Percent-encodes the UTF-8 bytes of any text (lone surrogates become U+FFFD instead of throwing). */
export function percentEncode(text: string): string {
  return [...new TextEncoder().encode(text)]
    .map((byte) => (/[A-Za-z0-9_.~-]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`))
    .join('')
}

/** What a path segment decodes to, or null when it cannot be decoded. */
export function decodeSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment)
  } catch {
    return null
  }
}

const userIdPattern = new RegExp(USER_ID_PATTERN)
export const isValidUserId = (id: string | null): id is string => id !== null && userIdPattern.test(id)

/** Well-formed user ids never seen before (a valid request may create them). */
export const validUserId = fc.stringMatching(/^[A-Za-z0-9_.:-]{1,64}$/)

/** Path segments that are not a valid user id once decoded: too long, empty, junk percent-encoding, unicode. */
export const badUserSegment: fc.Arbitrary<string> = fc
  .oneof(
    fc.constantFrom(
      'a'.repeat(65),
      'a'.repeat(10_000),
      '%',
      '%zz',
      '%ff',
      '%00',
      '%C3%28',
      '%ED%A0%80',
      'a%2Fb',
      'a%20b',
      '%F0%9F%98%80',
      'fz-player-1%00',
      'fz-player-1%0A',
      '%2e%2e',
      'a+b',
      'a%',
      'user@x',
      'ä',
    ),
    hostileText.map(percentEncode),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }).map(percentEncode),
  )
  .filter((segment) => !isValidUserId(decodeSegment(segment)))

/** Path segments no achievement can have, or well-formed codes that do not exist. */
export const badCodeSegment: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    'fz-missing',
    'FZ-TEN',
    'fz-ten%00',
    'fz-ten%20',
    '%20fz-ten',
    'fz-ten%2F',
    '-fz',
    'a'.repeat(65),
    'a'.repeat(20_000),
    '%',
    '%zz',
    '%ff',
    '%ED%A0%80',
    '%F0%9F%98%80',
    '%2e%2e',
    '.',
    'fz-ten;drop',
    'fz_ten',
  ),
  hostileText.map(percentEncode),
)

/** A query string from `[name, raw value]` pairs (values used as they are, so junk encoding survives). */
export const queryString = (pairs: [string, string][]) => (pairs.length === 0 ? '' : `?${pairs.map(([name, value]) => `${name}=${value}`).join('&')}`)

/** Raw values for an integer query parameter with these bounds: in range, ±1 past them, and non-integers. */
export function integerQueryValue(bounds: { minimum: number; maximum: number }): fc.Arbitrary<string> {
  return fc.oneof(
    fc.integer({ min: bounds.minimum, max: Math.min(bounds.maximum, bounds.minimum + 200) }).map(String),
    fc.constantFrom(
      String(bounds.minimum - 1),
      String(bounds.maximum + 1),
      String(bounds.maximum),
      String(bounds.minimum),
      '',
      '1.5',
      '1e3',
      '0x10',
      '-0',
      '+5',
      '%205',
      '5%20',
      '%00',
      '%ff',
      '99999999999999999999999999',
      'NaN',
      'Infinity',
      'null',
      '[]',
      '5,6',
    ),
    hostileText.map(percentEncode),
  )
}

/** Raw values for a text query parameter (percent-encoded unicode and junk; may be valid). */
export const textQueryValue: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('', 'hidden', '%00', 'a%00b', '%', '%zz', '%ED%A0%80', 'a'.repeat(51), 'a'.repeat(5_000), '%F0%9F%98%80', '+', '%2B'),
  hostileText.map(percentEncode),
  validUserId,
)

/** Extra query parameters no route declares, including pollution attempts and repeats. */
export const junkQueryPair: fc.Arbitrary<[string, string]> = fc.oneof(
  fc.constantFrom<[string, string]>(
    ['__proto__', '1'],
    ['__proto__[limit]', '500'],
    ['constructor[prototype][x]', '1'],
    ['limit[]', '5'],
    ['limit[a]', '5'],
    ['_', '1700000000000'],
    ['x', 'a'.repeat(20_000)],
    ['', ''],
    ['%ff', '1'],
    ['&', '&'],
  ),
  fc.tuple(hostileText.map(percentEncode), hostileText.map(percentEncode)),
)

/** Header values HTTP can carry: visible ASCII, spaces and tabs, and Latin-1 bytes. */
export const headerText = (maxLength: number) =>
  fc.string({ unit: fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff }), fc.constant(0x09)).map((code) => String.fromCharCode(code)), maxLength })

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/
/** The value a header arrives with (fetch strips leading and trailing whitespace). */
const asReceived = (value: string) => value.replace(/^[\t ]+|[\t ]+$/g, '')
export const isValidIdempotencyKey = (value: string) => IDEMPOTENCY_KEY.test(asReceived(value))

/** Idempotency-Keys the contract refuses (400): spaces inside, 256+ characters, non-ASCII, empty. */
export const badIdempotencyKey: fc.Arbitrary<string> = fc
  .oneof(
    fc.constantFrom('', ' ', 'a b', 'k'.repeat(256), 'k'.repeat(10_000), 'cl\u00e9', '\u00ff\u00fe', 'a\tb', 'key\u007f'),
    headerText(300),
  )
  .filter((value) => !isValidIdempotencyKey(value))

/** Well-formed Idempotency-Keys, unique per use (`tag` keeps the rejected and accepted families apart). */
export function wellFormedIdempotencyKey(tag: string): fc.Arbitrary<string> {
  return fc
    .tuple(fc.stringMatching(/^[\x21-\x7e]{0,40}$/), fc.constantFrom(0, 0, 0, 255))
    .map(([text, length]) => {
      const key = `fz-${tag}-${crypto.randomUUID()}-${text}`
      return length === 0 ? key : key.padEnd(length, 'k').slice(0, length)
    })
}

/** Content types the service reads as JSON. */
export const jsonContentType = fc.constantFrom(
  'application/json',
  'application/json',
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'application/problem+json',
  'application/vnd.api+json; version=2',
  'application/json;charset=latin1',
)

/** Content types that are not JSON (415). */
export const nonJsonContentType = fc.constantFrom(
  'text/plain',
  'text/json',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/xml',
  'application/jsonx',
  'application/json-seq',
  'json',
  '*/*',
  'application/*',
  '',
  ';',
  'application',
)

/** Headers no route reads, with junk values: request ids, forwarding, encodings, cookies. */
export const noiseHeaders: fc.Arbitrary<Record<string, string>> = fc
  .subarray(['x-request-id', 'x-request-id', 'accept', 'user-agent', 'x-forwarded-for', 'content-encoding', 'cookie', 'expect', 'accept-language', 'x-http-method-override'])
  .chain((names) =>
    fc.tuple(...names.map(() => fc.oneof(headerText(200), fc.constantFrom('gzip', 'x'.repeat(8_000), '100-continue', 'DELETE', crypto.randomUUID(), '\u00e9'.repeat(300))))).map((values) =>
      Object.fromEntries(names.map((name, index) => [name, values[index]!])),
    ),
  )
