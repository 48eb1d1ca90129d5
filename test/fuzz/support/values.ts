import fc from 'fast-check'

/** Pieces of text that break naive handling: emoji and ZWJ sequences, RTL marks, NUL and controls, lone surrogates. */
export const HOSTILE_PIECES = [
  '😀',
  '👨‍👩‍👧‍👦',
  '🏳️‍🌈',
  '\u202e', // right-to-left override
  '\u200f',
  'مرحبا',
  'שלום',
  '\u200b',
  '\ufeff',
  '\u0000',
  '\u0001',
  '\u001f',
  '\u007f',
  '\ud800', // lone high surrogate (JSON.stringify writes it as the escape \ud800)
  '\udfff', // lone low surrogate
  '\ude00\ud83d', // a pair in the wrong order
  'e\u0301',
  'Z̴̡̛͓a̧l̢g̵o',
  '\u2028\u2029',
  "'; DROP TABLE achievements; --",
  '%',
  '_',
  '\\',
  '"',
  '%s%n',
  '${x}',
  '{{7*7}}',
  '../',
  '?#',
  'null',
  '__proto__',
  'constructor',
  '\r\n',
  '\t',
]

const hostilePiece = fc.constantFrom(...HOSTILE_PIECES)
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((unit) => String.fromCharCode(unit))

/** Unicode text made of hostile pieces and arbitrary code points (any length up to ~200 units). */
export const hostileText: fc.Arbitrary<string> = fc
  .array(fc.oneof({ weight: 4, arbitrary: hostilePiece }, { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) }, loneSurrogate), {
    minLength: 1,
    maxLength: 12,
  })
  .map((parts) => parts.join('') || '\u202e')

/** Hostile text a database can store: no NUL, lone surrogates replaced (emoji, RTL, combining marks, quotes stay). */
export const storableHostileText: fc.Arbitrary<string> = hostileText.map((text) => text.replaceAll('\u0000', '').toWellFormed() || '\u202e')

/** Text of exactly `length` UTF-16 units, made of hostile pieces (a cut may leave a lone surrogate: also hostile). */
export function hostileTextOfLength(length: number, source: fc.Arbitrary<string> = hostileText): fc.Arbitrary<string> {
  return source.map((text) => text.repeat(Math.ceil(length / text.length)).slice(0, length))
}

/** Text of `length` units that a database can store, or that it cannot: either kind, for "maybe valid" fields. */
export function anyHostileTextOfLength(length: number): fc.Arbitrary<string> {
  return fc.oneof(hostileTextOfLength(length), hostileTextOfLength(length, storableHostileText).map((text) => text.toWellFormed()))
}

/** Strings far past every bound: up to ~60 KB, still under the 64 KiB body limit once in JSON. */
export const hugeText: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom('x', 'é', '😀', '\u0000', 'a b'), fc.integer({ min: 1_000, max: 15_000 }))
  .map(([unit, times]) => unit.repeat(times))

/** JSON values of every type, for "wrong type" mutations (the schema check filters out the accepted ones). */
export const anyJsonValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1.5, -0, 1e21, Number.MAX_SAFE_INTEGER + 2, '', '5', 'true', 'null', [], {}, [1], { a: 1 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  hostileText,
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }),
)

/** A value nested `depth` levels deep (arrays or objects). */
export function nested(depth: number, kind: 'array' | 'object', leaf: unknown = 1): unknown {
  let value: unknown = leaf
  for (let level = 0; level < depth; level++) value = kind === 'array' ? [value] : { d: value }
  return value
}

/** Deep JSON around the service's nesting limit (32) and far past it. */
export const deepValue: fc.Arbitrary<unknown> = fc
  .tuple(fc.constantFrom(31, 32, 33, 40, 200, 5_000), fc.constantFrom('array' as const, 'object' as const))
  .map(([depth, kind]) => nested(depth, kind))

/** Raw request bodies that are not valid JSON objects at all. */
export const brokenJsonText: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  fc.constantFrom<string | Uint8Array>(
    '',
    ' ',
    '{',
    '}',
    '{"a":1',
    '{"a":1,}',
    "{'a':1}",
    '{"a":NaN}',
    '{"a":Infinity}',
    '{"a":undefined}',
    '{"a":1} {"b":2}',
    '{"a":1}garbage',
    '/* c */ {"a":1}',
    '{"a":0x10}',
    '{"a":01}',
    '{"a":"\\x41"}',
    '{"a":"\\u12"}',
    '{"a":"\u0001raw control"}',
    'null',
    '[]',
    '[{}]',
    '"text"',
    '5',
    'true',
    '\u0000',
    new Uint8Array([0xff, 0xfe, 0x7b, 0x7d]),
    new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]), // {"a":"<invalid UTF-8>"}
    new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d]), // an encoded surrogate (CESU-8)
  ),
  fc.string({ unit: 'binary', maxLength: 40 }).filter((text) => {
    try {
      const parsed: unknown = JSON.parse(text)
      return typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)
    } catch {
      return true
    }
  }),
  fc.constantFrom('[', '{"a":').chain((open) => fc.integer({ min: 1, max: 30_000 }).map((depth) => open.repeat(depth))),
)

/** JSON text of an object with one key written twice: `{"a": first, "a": last, ...rest}` (JSON.parse keeps the last). */
export function duplicateKeyText(rest: Record<string, unknown>, key: string, first: unknown, last: unknown): string {
  const others = Object.entries(rest)
    .filter(([name]) => name !== key)
    .map(([name, value]) => `${JSON.stringify(name)}:${JSON.stringify(value)}`)
  return `{${[...others, `${JSON.stringify(key)}:${JSON.stringify(first)}`, `${JSON.stringify(key)}:${JSON.stringify(last)}`].join(',')}}`
}

/** Unknown property names, including the prototype-pollution ones. */
export const unknownKey = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '', ' ', 'Code', 'points ', 'id', 'user_id', '😀')

/** An object with an own property (JSON.stringify writes `__proto__` as a key only when it is an own property). */
export function withKey(base: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...base }
  Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true })
  return copy
}
