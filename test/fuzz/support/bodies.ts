import fc from 'fast-check'
import { AchievementCreate, AchievementUpdate, ListAchievementsQuery } from '../../../src/catalog/model'
import { LeaderboardQuery } from '../../../src/leaderboard/model'
import { MAX_METADATA_BYTES, ProgressRequest, ProgressUpdateItem } from '../../../src/progress/model'
import { percentEncode } from './parts'
import { boundaryBreakers, boundsOf, brokenBodies, itemsOf, lengthOf } from './schema-breakers'
import { anyHostileTextOfLength, brokenJsonText, duplicateKeyText, hostileText, hugeText, nested, storableHostileText, withKey } from './values'
import { SEED_CODES } from './world'

/**
 * Request bodies per write route, derived from the route models: valid ones, hostile ones that may be valid
 * (unicode, odd JSON text), and ones the contract refuses (schema breakers, rules the schema cannot state,
 * unparseable or oversized text).
 */

/** A request body as sent, with what the generator did to it. */
export type Body = { label: string; text: string | Uint8Array }
const json = (label: string) => (value: unknown): Body => ({ label, text: JSON.stringify(value) })

// ---- bounds, read from the route models ------------------------------------------------------------------------

const create = AchievementCreate.properties
const progress = ProgressRequest.properties
export const BOUNDS = {
  points: boundsOf(create.points),
  target: boundsOf(create.progress_target),
  delta: boundsOf(progress.progress_delta),
  atLeast: boundsOf(progress.progress_at_least),
  bonus: boundsOf(progress.score_bonus),
  title: lengthOf(create.title),
  description: lengthOf(create.description),
  category: lengthOf(create.category),
  rarity: lengthOf(create.rarity),
  iconUrl: lengthOf(create.icon_url),
  updates: itemsOf(progress.updates),
  listSkip: boundsOf(ListAchievementsQuery.properties.skip),
  listLimit: boundsOf(ListAchievementsQuery.properties.limit),
  boardLimit: boundsOf(LeaderboardQuery.properties.limit),
  boardOffset: boundsOf(LeaderboardQuery.properties.offset),
}

/** A valid example per property, from which boundary breakers are derived. */
const EXAMPLES: Record<string, unknown> = {
  code: 'fz-example',
  title: 'Title',
  description: 'Description',
  category: 'cat',
  rarity: 'rare',
  icon_url: 'https://cdn.test/icon.png',
  achievement_code: 'fz-ten',
  updates: SEED_CODES.map((code) => ({ achievement_code: code })),
  metadata: { match: 'm-1' },
}

// ---- valid bodies -------------------------------------------------------------------------------------------------

const newCode = fc.stringMatching(/^[a-z0-9_.-]{0,20}$/).map((tail) => `n${tail}`)
const small = (bounds: { minimum: number; maximum: number }) =>
  fc.oneof(fc.integer({ min: bounds.minimum, max: Math.min(bounds.maximum, bounds.minimum + 50) }), fc.constantFrom(bounds.minimum, bounds.maximum))

const definitionFields = {
  points: small(BOUNDS.points),
  category: fc.option(fc.constantFrom('combat', 'social', 'hidden'), { nil: null }),
  rarity: fc.option(fc.constantFrom('common', 'epic'), { nil: null }),
  icon_url: fc.option(fc.constantFrom('https://cdn.test/a.png', 'http://cdn.test/b'), { nil: null }),
  is_secret: fc.boolean(),
  progress_target: small(BOUNDS.target),
  auto_claim: fc.boolean(),
}

export const validCreate = fc.record(
  { code: newCode, title: fc.constantFrom('New one', 'T'), description: fc.constantFrom('', 'D'), ...definitionFields },
  { requiredKeys: ['code', 'title', 'description'] },
)
export const validPatch = fc.record(
  { title: fc.constantFrom('Renamed', 'T'), description: fc.constantFrom('', 'D'), ...definitionFields },
  { requiredKeys: [] },
)

export const seedCode = fc.constantFrom(...SEED_CODES)
const metadata = fc.option(fc.dictionary(fc.constantFrom('match', 'map', 'mode'), fc.oneof(fc.integer(), fc.string({ maxLength: 10 })), { maxKeys: 3 }), {
  nil: null,
})
const requestFields = { score_bonus: small(BOUNDS.bonus), notify: fc.boolean(), metadata }
const validItem = (code: string) =>
  fc.record(
    { achievement_code: fc.constant(code), progress_delta: small(BOUNDS.delta), progress_at_least: small(BOUNDS.atLeast), force_complete: fc.boolean() },
    { requiredKeys: ['achievement_code'] },
  )
export const validSingle = seedCode.chain((code) =>
  fc.record(
    {
      achievement_code: fc.constant(code),
      progress_delta: small(BOUNDS.delta),
      progress_at_least: small(BOUNDS.atLeast),
      force_complete: fc.boolean(),
      ...requestFields,
    },
    { requiredKeys: ['achievement_code'] },
  ),
)
const validBatch = fc
  .shuffledSubarray(SEED_CODES, { minLength: 1 })
  .chain((codes) => fc.tuple(fc.tuple(...codes.map(validItem)), fc.record(requestFields, { requiredKeys: [] })))
  .map(([updates, rest]) => ({ updates, ...rest }))
const validBonusOnly = fc.record({ score_bonus: fc.integer({ min: 1, max: BOUNDS.bonus.maximum }), notify: fc.boolean() }, { requiredKeys: ['score_bonus'] })
export const validProgress: fc.Arbitrary<Record<string, unknown>> = fc.oneof(validSingle, validSingle, validBatch, validBonusOnly)

// ---- hostile but possibly valid bodies ------------------------------------------------------------------------------

// Half the texts keep NUL and lone surrogates (refused), half only what a database stores (accepted, echoed back).
const anyHostileText = fc.oneof(hostileText, storableHostileText)
const textUpTo = (maxLength: number, minLength = 0) =>
  fc.integer({ min: minLength, max: Math.min(maxLength, 300) }).chain((length) => (length === 0 ? fc.constant('') : anyHostileTextOfLength(length)))
const hostileDefinitionFields = {
  title: textUpTo(BOUNDS.title.maxLength, 1),
  description: fc.oneof(textUpTo(BOUNDS.description.maxLength), anyHostileTextOfLength(BOUNDS.description.maxLength)),
  category: fc.oneof(textUpTo(BOUNDS.category.maxLength), anyHostileTextOfLength(BOUNDS.category.maxLength)),
  rarity: textUpTo(BOUNDS.rarity.maxLength),
  icon_url: fc.oneof(
    anyHostileText.map((text) => `https://cdn.test/${text}`.slice(0, BOUNDS.iconUrl.maxLength)),
    hostileText.map((text) => `https://cdn.test/${percentEncode(text)}`.slice(0, BOUNDS.iconUrl.maxLength)),
  ),
}
export const hostileCreate = fc
  .tuple(validCreate, fc.record(hostileDefinitionFields, { requiredKeys: ['title'] }))
  .map(([base, fields]) => ({ ...base, ...fields }))
export const hostilePatch = fc.tuple(validPatch, fc.record(hostileDefinitionFields, { requiredKeys: [] })).map(([base, fields]) => ({ ...base, ...fields }))

const hostileMetadata = fc.oneof(
  fc.dictionary(anyHostileText, fc.oneof(anyHostileText, fc.integer(), fc.constant(null), fc.boolean()), { maxKeys: 4 }),
  fc.constantFrom<Record<string, unknown>>(
    { constructor: { prototype: { admin: true } } },
    { prototype: 1, toString: 'x', hasOwnProperty: null, valueOf: [] },
    { nested: nested(20, 'object', '😀') },
    { '': '', ' ': ' ' },
  ),
  anyHostileText.map((text) => ({ note: text })),
)
export const hostileProgress = fc.tuple(validProgress, hostileMetadata).map(([body, extra]) => ({ ...body, metadata: extra }))

// ---- bodies that must be refused ------------------------------------------------------------------------------------

/** One key twice: a valid value first, a broken one last (JSON.parse keeps the last, so the body is invalid). */
function duplicateKeyBreakers(schema: typeof AchievementCreate | typeof AchievementUpdate | typeof ProgressRequest, base: fc.Arbitrary<Record<string, unknown>>) {
  const names = Object.keys(schema.properties).filter((name) => name !== 'updates' && name !== 'metadata')
  return fc.tuple(base, fc.constantFrom(...names)).chain(([body, name]) => {
    const properties = schema.properties as Record<string, unknown>
    const breakers = boundaryBreakers(properties[name] as never, EXAMPLES[name])
    return fc.constantFrom(...breakers).map((last) => ({
      label: `duplicate key ${name}, broken last`,
      text: duplicateKeyText(body, name, body[name] ?? EXAMPLES[name] ?? 1, last),
    }))
  })
}

/** Bodies any JSON route must refuse: not JSON, not an object, not UTF-8, over the size limit. */
const unparseable: fc.Arbitrary<Body> = fc.oneof(
  brokenJsonText.map((text) => ({ label: 'broken JSON', text })),
  hugeText.map((text) => ({ label: 'over the body limit', text: JSON.stringify({ description: text, title: text, metadata: { a: text, b: text } }) })),
)

export const refusedCreate: fc.Arbitrary<Body> = fc.oneof(
  { weight: 6, arbitrary: brokenBodies(AchievementCreate, validCreate, { examples: EXAMPLES }).map((broken) => json(`create: ${broken.mutation}`)(broken.body)) },
  { weight: 1, arbitrary: fc.tuple(validCreate, seedCode).map(([body, code]) => json('duplicate code')({ ...body, code })) },
  { weight: 1, arbitrary: duplicateKeyBreakers(AchievementCreate, validCreate) },
  { weight: 1, arbitrary: unparseable },
)
export const refusedPatch: fc.Arbitrary<Body> = fc.oneof(
  { weight: 6, arbitrary: brokenBodies(AchievementUpdate, validPatch, { examples: EXAMPLES }).map((broken) => json(`patch: ${broken.mutation}`)(broken.body)) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('title', 'description', 'points', 'is_secret', 'progress_target', 'auto_claim', 'code', 'id', 'created_at')
      .map((name) => json(`patch: ${name} null or not patchable`)(name === 'code' || name === 'id' || name === 'created_at' ? { [name]: 'x' } : { [name]: null })),
  },
  { weight: 1, arbitrary: duplicateKeyBreakers(AchievementUpdate, validPatch) },
  { weight: 1, arbitrary: unparseable },
)

/** Schema-valid progress bodies the contract still refuses (404 unknown code, 422 rules the schema cannot state). */
const semanticallyRefusedProgress: fc.Arbitrary<Body> = fc.oneof(
  fc.constantFrom<[string, unknown]>(
    ['unknown code', { achievement_code: 'fz-missing', score_bonus: 5 }],
    ['code of another case', { achievement_code: 'FZ-TEN' }],
    ['code with a trailing space', { achievement_code: 'fz-ten ' }],
    ['unknown code in a batch', { updates: [{ achievement_code: 'fz-ten' }, { achievement_code: 'fz-nope' }], score_bonus: 10 }],
    ['both forms', { achievement_code: 'fz-ten', updates: [{ achievement_code: 'fz-one' }] }],
    ['batch plus progress_delta', { updates: [{ achievement_code: 'fz-one' }], progress_delta: 3 }],
    ['batch plus force_complete', { updates: [{ achievement_code: 'fz-one' }], force_complete: true }],
    ['code twice in a batch', { updates: [{ achievement_code: 'fz-ten' }, { achievement_code: 'fz-ten', progress_delta: 2 }], score_bonus: 5 }],
    ['delta without a code', { progress_delta: 5, score_bonus: 5 }],
    ['force_complete without a code', { force_complete: true }],
    ['progress_at_least without a code', { progress_at_least: 5, score_bonus: 1 }],
    ['empty body', {}],
    ['zero bonus only', { score_bonus: 0 }],
    ['notify only', { notify: false }],
    ['metadata only', { metadata: { a: 1 } }],
    ['metadata over 2 KiB', { achievement_code: 'fz-ten', metadata: { note: 'x'.repeat(MAX_METADATA_BYTES) } }],
    ['metadata over 2 KiB in bytes, not chars', { score_bonus: 1, metadata: { note: 'é'.repeat(MAX_METADATA_BYTES / 2 + 10) } }],
    ['__proto__ in metadata', { achievement_code: 'fz-one', metadata: withKey({}, '__proto__', { admin: true }) }],
    ['__proto__ in an update', { updates: [withKey({ achievement_code: 'fz-one' }, '__proto__', {})] }],
    ['metadata deeper than 32 levels', { score_bonus: 1, metadata: nested(40, 'object') }],
  ),
  fc.constant<[string, unknown]>(['51 updates', { updates: Array.from({ length: BOUNDS.updates.maxItems + 1 }, (_, index) => ({ achievement_code: `c${index}` })) }]),
).map(([label, body]) => json(`progress: ${label}`)(body))

export const refusedProgress: fc.Arbitrary<Body> = fc.oneof(
  { weight: 6, arbitrary: brokenBodies(ProgressRequest, validProgress, { examples: EXAMPLES }).map((broken) => json(`progress: ${broken.mutation}`)(broken.body)) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(brokenBodies(ProgressUpdateItem, validItem('fz-ten'), { examples: EXAMPLES }), validItem('fz-one'))
      .map(([broken, other]) => json(`progress item: ${broken.mutation}`)({ updates: [other, broken.body] })),
  },
  { weight: 3, arbitrary: semanticallyRefusedProgress },
  { weight: 1, arbitrary: duplicateKeyBreakers(ProgressRequest, validSingle) },
  { weight: 1, arbitrary: unparseable },
)

/** Duplicate keys with the valid value last, and a BOM before valid JSON: unusual text, acceptable meaning. */
export function oddButValidText(base: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<Body> {
  return fc.oneof(
    base.filter((body) => Object.keys(body).length > 0).chain((body) =>
      fc.constantFrom(...Object.keys(body)).map((name) => ({ label: `duplicate key ${name}, valid last`, text: duplicateKeyText(body, name, 'first', body[name]) })),
    ),
    base.map((body) => ({ label: 'BOM before JSON', text: `\ufeff${JSON.stringify(body)}` })),
    base.map((body) => ({ label: 'pretty JSON', text: JSON.stringify(body, null, '\t') })),
  )
}
