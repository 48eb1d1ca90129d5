import type { TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import fc from 'fast-check'
import { anyJsonValue, deepValue, hostileText, unknownKey, withKey } from './values'

/** The JSON-schema keywords the route schemas use (TypeBox schemas are plain JSON schema objects). */
interface SchemaNode {
  type?: string
  anyOf?: SchemaNode[]
  minimum?: number
  maximum?: number
  minLength?: number
  maxLength?: number
  pattern?: string
  minItems?: number
  maxItems?: number
  properties?: Record<string, SchemaNode>
  required?: string[]
}

const node = (schema: TSchema) => schema as unknown as SchemaNode

/** Members of a union, or the schema itself. */
function members(schema: SchemaNode): SchemaNode[] {
  return schema.anyOf ? schema.anyOf.flatMap(members) : [schema]
}

/** Numeric bounds of a schema (through unions and query transforms), as the route models declare them. */
export function boundsOf(schema: TSchema): { minimum: number; maximum: number } {
  for (const member of members(node(schema))) {
    if ((member.type === 'integer' || member.type === 'number') && member.minimum !== undefined && member.maximum !== undefined) {
      return { minimum: member.minimum, maximum: member.maximum }
    }
  }
  throw new Error(`no numeric bounds in ${JSON.stringify(schema)}`)
}

/** Length bounds of a string schema (through unions). */
export function lengthOf(schema: TSchema): { minLength: number; maxLength: number } {
  for (const member of members(node(schema))) {
    if (member.type === 'string' && member.maxLength !== undefined) return { minLength: member.minLength ?? 0, maxLength: member.maxLength }
  }
  throw new Error(`no string length in ${JSON.stringify(schema)}`)
}

/** Item-count bounds of an array schema. */
export function itemsOf(schema: TSchema): { minItems: number; maxItems: number } {
  for (const member of members(node(schema))) {
    if (member.type === 'array' && member.maxItems !== undefined) return { minItems: member.minItems ?? 0, maxItems: member.maxItems }
  }
  throw new Error(`no item bounds in ${JSON.stringify(schema)}`)
}

/**
 * Values just outside what the schema's own keywords allow: bounds ±1 and ±0.5, lengths +1/−1 (padding a valid
 * example, so only the length is wrong), pattern breakers, numbers as strings. Only values the schema rejects
 * are kept.
 */
export function boundaryBreakers(schema: TSchema, example: unknown): unknown[] {
  const out: unknown[] = []
  for (const member of members(node(schema))) {
    if (member.type === 'integer' || member.type === 'number') {
      const { minimum = 0, maximum = Number.MAX_SAFE_INTEGER } = member
      out.push(minimum - 1, maximum + 1, minimum - 0.5, maximum + 0.5, minimum + 0.5, String(minimum), String(maximum), -1, maximum * 10 + 1)
    }
    if (member.type === 'string') {
      const text = typeof example === 'string' && example.length > 0 ? example : 'a'
      if (member.maxLength !== undefined) {
        const padded = text.repeat(Math.ceil((member.maxLength + 1) / text.length))
        out.push(padded.slice(0, member.maxLength + 1), padded.slice(0, member.maxLength + 1) + 'a'.repeat(200))
      }
      if ((member.minLength ?? 0) > 0) out.push(text.slice(0, member.minLength! - 1))
      if (member.pattern !== undefined) out.push(' ', 'A', '-a', '.a', 'a b', 'ä', '😀', '\u0000', `${text} `, ` ${text}`, 'javascript:alert(1)', 'ftp://x', 'http://')
    }
    if (member.type === 'boolean') out.push('true', 'false', 1, 0, 'yes')
    if (member.type === 'array' && Array.isArray(example) && example.length > 0) {
      if ((member.minItems ?? 0) > 0) out.push([])
      if (member.maxItems !== undefined) out.push(Array.from({ length: member.maxItems + 1 }, (_, index) => example[index % example.length]))
    }
  }
  out.push(null, true, 0, '', [], {})
  return out.filter((value) => !Value.Check(schema, value))
}

/** A body the schema rejects, with what was done to it. */
export interface BrokenBody {
  mutation: string
  body: unknown
}

export interface BreakOptions {
  /** A valid example per property (strings are padded from it, arrays repeated). */
  examples: Record<string, unknown>
}

/**
 * Bodies derived from an object schema that the schema itself rejects: one or two properties set to a boundary
 * breaker or a wrong-type value, a required property removed, an unknown or prototype-polluting property
 * added, deep nesting in a property, or no object at all. Every candidate is checked with the schema (or is a
 * `__proto__` key or nesting past 32, which the service refuses by design).
 */
export function brokenBodies(schema: TSchema, validBase: fc.Arbitrary<Record<string, unknown>>, options: BreakOptions): fc.Arbitrary<BrokenBody> {
  const properties = node(schema).properties ?? {}
  const names = Object.keys(properties)
  const required = node(schema).required ?? []
  const propertySchema = (name: string) => properties[name] as unknown as TSchema
  const breakerOf = (name: string) => fc.constantFrom(...boundaryBreakers(propertySchema(name), options.examples[name]))
  const wrongTypeOf = (name: string) => anyJsonValue.filter((value) => !Value.Check(propertySchema(name), value))

  const setOne = (kind: 'bound' | 'type') =>
    fc
      .tuple(validBase, fc.constantFrom(...names))
      .chain(([base, name]) =>
        (kind === 'bound' ? breakerOf(name) : wrongTypeOf(name)).map((value) => ({ mutation: `${name}: ${kind} breaker`, body: { ...base, [name]: value } })),
      )
  const setTwo = fc
    .tuple(validBase, fc.constantFrom(...names), fc.constantFrom(...names))
    .chain(([base, first, second]) =>
      fc.tuple(breakerOf(first), fc.oneof(breakerOf(second), wrongTypeOf(second))).map(([a, b]) => ({
        mutation: `${first} and ${second} broken`,
        body: { ...base, [first]: a, [second]: b },
      })),
    )
  const missing =
    required.length === 0
      ? null
      : fc.tuple(validBase, fc.constantFrom(...required)).map(([base, name]) => {
          const { [name]: _dropped, ...rest } = base
          return { mutation: `${name} missing`, body: rest }
        })
  const unknown = fc
    .tuple(validBase, unknownKey, anyJsonValue)
    .map(([base, key, value]) => ({ mutation: `unknown key ${JSON.stringify(key)}`, body: withKey(base, key, value) }))
  const deep = fc
    .tuple(validBase, fc.constantFrom(...names), deepValue)
    .map(([base, name, value]) => ({ mutation: `${name}: deep value`, body: { ...base, [name]: value } }))
  const notObject = fc
    .oneof(fc.constantFrom(null, [], 5, 'text', true), validBase.map((base) => [base]), hostileText)
    .map((body) => ({ mutation: 'not an object', body }))

  const arbitraries: fc.Arbitrary<BrokenBody>[] = [setOne('bound'), setOne('bound'), setOne('type'), setTwo, unknown, deep, notObject]
  if (missing) arbitraries.push(missing)
  return fc.oneof(...arbitraries).filter(({ body }) => isRefusedByDesign(body) || !Value.Check(schema, body))
}

/** What the service refuses before any schema: `__proto__` keys anywhere and nesting deeper than 32 levels. */
export function isRefusedByDesign(value: unknown): boolean {
  const pending: { value: unknown; depth: number }[] = [{ value, depth: 1 }]
  for (let next = pending.pop(); next; next = pending.pop()) {
    if (typeof next.value !== 'object' || next.value === null) continue
    if (next.depth > 32) return true
    if (!Array.isArray(next.value) && Object.hasOwn(next.value, '__proto__')) return true
    for (const child of Object.values(next.value)) pending.push({ value: child, depth: next.depth + 1 })
  }
  return false
}
