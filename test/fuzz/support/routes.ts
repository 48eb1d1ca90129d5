import fc from 'fast-check'
import { API_PREFIX } from '../../../src/app'
import { AchievementCreate, AchievementUpdate, ListAchievementsQuery } from '../../../src/catalog/model'
import { LeaderboardQuery } from '../../../src/leaderboard/model'
import { MAX_METADATA_BYTES, ProgressRequest, ProgressUpdateItem } from '../../../src/progress/model'
import { isWriteMethod, type FuzzRequest } from './http'
import {
  badCodeSegment,
  badIdempotencyKey,
  badUserSegment,
  decodeSegment,
  integerQueryValue,
  isValidUserId,
  jsonContentType,
  junkQueryPair,
  noiseHeaders,
  nonJsonContentType,
  percentEncode,
  queryString,
  textQueryValue,
  validUserId,
  wellFormedIdempotencyKey,
} from './parts'
import { boundaryBreakers, boundsOf, brokenBodies, itemsOf, lengthOf } from './schema-breakers'
import { anyHostileTextOfLength, brokenJsonText, duplicateKeyText, hostileText, hugeText, nested, storableHostileText, withKey } from './values'
import { FRESH_PLAYERS, KNOWN_PLAYERS, SEED_CODES, type FuzzWorld } from './world'

const CATALOG = `${API_PREFIX}/achievements`
const usersPath = (segment: string, action: 'progress' | 'overview') => `${API_PREFIX}/users/${segment}/${action}`

type Body = { label: string; text: string | Uint8Array }
const json = (label: string) => (value: unknown): Body => ({ label, text: JSON.stringify(value) })

// ---- bounds, read from the route models ------------------------------------------------------------------------

const create = AchievementCreate.properties
const progress = ProgressRequest.properties
const BOUNDS = {
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

const validCreate = fc.record(
  { code: newCode, title: fc.constantFrom('New one', 'T'), description: fc.constantFrom('', 'D'), ...definitionFields },
  { requiredKeys: ['code', 'title', 'description'] },
)
const validPatch = fc.record(
  { title: fc.constantFrom('Renamed', 'T'), description: fc.constantFrom('', 'D'), ...definitionFields },
  { requiredKeys: [] },
)

const seedCode = fc.constantFrom(...SEED_CODES)
const metadata = fc.option(fc.dictionary(fc.constantFrom('match', 'map', 'mode'), fc.oneof(fc.integer(), fc.string({ maxLength: 10 })), { maxKeys: 3 }), {
  nil: null,
})
const requestFields = { score_bonus: small(BOUNDS.bonus), notify: fc.boolean(), metadata }
const validItem = (code: string) =>
  fc.record(
    { achievement_code: fc.constant(code), progress_delta: small(BOUNDS.delta), progress_at_least: small(BOUNDS.atLeast), force_complete: fc.boolean() },
    { requiredKeys: ['achievement_code'] },
  )
const validSingle = seedCode.chain((code) =>
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
const validProgress: fc.Arbitrary<Record<string, unknown>> = fc.oneof(validSingle, validSingle, validBatch, validBonusOnly)

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
const hostileCreate = fc
  .tuple(validCreate, fc.record(hostileDefinitionFields, { requiredKeys: ['title'] }))
  .map(([base, fields]) => ({ ...base, ...fields }))
const hostilePatch = fc.tuple(validPatch, fc.record(hostileDefinitionFields, { requiredKeys: [] })).map(([base, fields]) => ({ ...base, ...fields }))

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
const hostileProgress = fc.tuple(validProgress, hostileMetadata).map(([body, extra]) => ({ ...body, metadata: extra }))

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

const refusedCreate: fc.Arbitrary<Body> = fc.oneof(
  { weight: 6, arbitrary: brokenBodies(AchievementCreate, validCreate, { examples: EXAMPLES }).map((broken) => json(`create: ${broken.mutation}`)(broken.body)) },
  { weight: 1, arbitrary: fc.tuple(validCreate, seedCode).map(([body, code]) => json('duplicate code')({ ...body, code })) },
  { weight: 1, arbitrary: duplicateKeyBreakers(AchievementCreate, validCreate) },
  { weight: 1, arbitrary: unparseable },
)
const refusedPatch: fc.Arbitrary<Body> = fc.oneof(
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

const refusedProgress: fc.Arbitrary<Body> = fc.oneof(
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
function oddButValidText(base: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<Body> {
  return fc.oneof(
    base.filter((body) => Object.keys(body).length > 0).chain((body) =>
      fc.constantFrom(...Object.keys(body)).map((name) => ({ label: `duplicate key ${name}, valid last`, text: duplicateKeyText(body, name, 'first', body[name]) })),
    ),
    base.map((body) => ({ label: 'BOM before JSON', text: `\ufeff${JSON.stringify(body)}` })),
    base.map((body) => ({ label: 'pretty JSON', text: JSON.stringify(body, null, '\t') })),
  )
}

// ---- assembling requests ----------------------------------------------------------------------------------------------

type Badness = 'auth' | 'path' | 'header' | 'body'

interface WriteRoute {
  name: string
  method: 'POST' | 'PATCH'
  scope: 'admin' | 'progress'
  /** Path with a good segment, and the players it names. */
  goodPath: fc.Arbitrary<{ url: string; players: string[] }>
  badPath: fc.Arbitrary<{ url: string; players: string[] }> | null
  goodBody: fc.Arbitrary<Body>
  badBody: fc.Arbitrary<Body>
  /** Whether the route reads Idempotency-Key. */
  idempotent: boolean
}

const progressPath = (players: readonly string[]) => fc.constantFrom(...players).map((player) => ({ url: usersPath(player, 'progress'), players: [player] }))

function writeRoutes(mode: 'refused' | 'mixed'): WriteRoute[] {
  const players = mode === 'refused' ? KNOWN_PLAYERS : [...KNOWN_PLAYERS, ...FRESH_PLAYERS]
  const catalogItem = fc.oneof(seedCode, seedCode.map(percentEncode), fc.constant('fz%2Dten')).map((code) => ({ url: `${CATALOG}/${code}`, players: [] }))
  return [
    {
      name: 'create achievement',
      method: 'POST',
      scope: 'admin',
      goodPath: fc.constantFrom({ url: CATALOG, players: [] }, { url: `${CATALOG}/`, players: [] }),
      badPath: null,
      goodBody: fc.oneof(validCreate.map(json('valid create')), hostileCreate.map(json('hostile create')), oddButValidText(validCreate)),
      badBody: refusedCreate,
      idempotent: false,
    },
    {
      name: 'update achievement',
      method: 'PATCH',
      scope: 'admin',
      goodPath: catalogItem,
      badPath: badCodeSegment.map((segment) => ({ url: `${CATALOG}/${segment}`, players: [] })),
      goodBody: fc.oneof(validPatch.map(json('valid patch')), hostilePatch.map(json('hostile patch')), oddButValidText(validPatch)),
      badBody: refusedPatch,
      idempotent: false,
    },
    {
      name: 'post progress',
      method: 'POST',
      scope: 'progress',
      goodPath: progressPath(players),
      badPath: badUserSegment.map((segment) => {
        const decoded = decodeSegment(segment)
        return { url: usersPath(segment, 'progress'), players: isValidUserId(decoded) ? [decoded] : [] }
      }),
      goodBody: fc.oneof(validProgress.map(json('valid progress')), hostileProgress.map(json('hostile metadata')), oddButValidText(validSingle)),
      badBody: refusedProgress,
      idempotent: true,
    },
  ]
}

function badnessFor(route: WriteRoute, world: FuzzWorld): fc.Arbitrary<Set<Badness>> {
  const possible: Badness[] = ['body', 'header']
  if (route.badPath) possible.push('path')
  if (world.authEnabled) possible.push('auth')
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant(new Set<Badness>(['body'])) },
    { weight: 4, arbitrary: fc.constantFrom(...possible).map((one) => new Set<Badness>([one])) },
    { weight: 2, arbitrary: fc.subarray(possible, { minLength: 2 }).map((some) => new Set(some)) },
  )
}

function authorization(route: WriteRoute, world: FuzzWorld, bad: boolean): fc.Arbitrary<string | null> {
  const { credentials } = world
  const right = route.scope === 'admin' ? credentials.admin : credentials.progress
  const wrongScope = route.scope === 'admin' ? credentials.progress : credentials.admin
  if (!world.authEnabled) return fc.constantFrom<string | null>(null, right, wrongScope, credentials.player, ...credentials.invalid)
  if (!bad) return fc.constant(right)
  return fc.constantFrom<string | null>(null, wrongScope, credentials.player, ...credentials.invalid)
}

/** The idempotency scope the service would file this request's key under. */
function scopeOf(world: FuzzWorld, authorizationValue: string | null): string {
  if (!world.authEnabled) return world.scopes.anonymous
  if (authorizationValue === world.credentials.progress) return world.scopes.progress
  if (authorizationValue === world.credentials.admin) return world.scopes.admin
  return world.scopes.anonymous
}

function writeRequest(route: WriteRoute, world: FuzzWorld, badness: Set<Badness>, keyFamily: fc.Arbitrary<string | null>): fc.Arbitrary<FuzzRequest> {
  const headerBreak = route.idempotent ? fc.constantFrom('content-type' as const, 'idempotency-key' as const) : fc.constant('content-type' as const)
  return fc
    .record({
      path: badness.has('path') && route.badPath ? route.badPath : route.goodPath,
      body: badness.has('body') ? route.badBody : route.goodBody,
      auth: authorization(route, world, badness.has('auth')),
      broken: badness.has('header') ? headerBreak : fc.constant(null),
      contentType: jsonContentType,
      badContentType: nonJsonContentType,
      key: route.idempotent ? keyFamily : fc.constant(null),
      badKey: badIdempotencyKey,
      noise: noiseHeaders,
    })
    .map(({ path, body, auth, broken, contentType, badContentType, key, badKey, noise }) => {
      const headers: Record<string, string> = { ...noise, 'content-type': broken === 'content-type' ? badContentType : contentType }
      if (auth !== null) headers.authorization = auth
      const idempotencyKey = broken === 'idempotency-key' ? badKey : key
      if (idempotencyKey !== null) headers['idempotency-key'] = idempotencyKey
      const request: FuzzRequest = {
        label: `${route.name} [bad: ${[...badness].join('+') || 'none'}${broken ? ` ${broken}` : ''}] ${body.label}`,
        method: route.method,
        url: path.url,
        headers,
        body: body.text,
        players: path.players,
        echo: route.scope === 'admin',
      }
      if (idempotencyKey !== null && broken !== 'idempotency-key') request.idempotency = { scope: scopeOf(world, auth), key: idempotencyKey }
      return request
    })
}

/** Writes with at least one refused part (credentials, path, header or body): each must be refused. */
export function refusedWrite(world: FuzzWorld): fc.Arbitrary<FuzzRequest> {
  const keyFamily = fc.option(wellFormedIdempotencyKey('refused'), { nil: null })
  return fc.constantFrom(...writeRoutes('refused')).chain((route) => badnessFor(route, world).chain((badness) => writeRequest(route, world, badness, keyFamily)))
}

/** Writes whose every part is valid or hostile-but-maybe-valid (unicode, odd JSON text, replayed keys). */
export function mixedWrite(world: FuzzWorld): fc.Arbitrary<FuzzRequest> {
  // A few keys reused on purpose: a retry replays, another body with the key is a 422 that must change nothing.
  const keyFamily = fc.oneof(fc.constant(null), wellFormedIdempotencyKey('mixed'), fc.constantFrom('fz-replay-1', 'fz-replay-2', 'k'.repeat(255)))
  return fc.constantFrom(...writeRoutes('mixed')).chain((route) => writeRequest(route, world, new Set(), keyFamily))
}

// ---- reads, operations, unknown routes ------------------------------------------------------------------------------

function readAuthorization(world: FuzzWorld): fc.Arbitrary<Record<string, string>> {
  const { credentials } = world
  return fc
    .oneof(
      { weight: 4, arbitrary: fc.constantFrom<string | null>(null, credentials.admin, credentials.player, credentials.progress) },
      { weight: 1, arbitrary: fc.constantFrom(...credentials.invalid) },
    )
    .map((value): Record<string, string> => (value === null ? {} : { authorization: value }))
}

const pairs = (candidates: fc.Arbitrary<[string, string]>[]) =>
  fc.tuple(fc.subarray(candidates.map((_, index) => index)), fc.array(junkQueryPair, { maxLength: 2 })).chain(([chosen, junk]) =>
    fc.tuple(...chosen.map((index) => candidates[index]!)).map((picked) => [...picked, ...junk]),
  )

const pair = (name: string, value: fc.Arbitrary<string>): fc.Arbitrary<[string, string]> => value.map((raw) => [name, raw])
const userIdQuery = fc.oneof(fc.constantFrom(...KNOWN_PLAYERS), validUserId, badUserSegment)

const readTargets: fc.Arbitrary<{ name: string; url: string }>[] = [
  pairs([
    pair('skip', integerQueryValue(BOUNDS.listSkip)),
    pair('limit', integerQueryValue(BOUNDS.listLimit)),
    pair('category', textQueryValue),
    pair('user_id', userIdQuery),
  ]).map((query) => ({ name: 'list achievements', url: `${CATALOG}${queryString(query)}` })),
  fc
    .tuple(fc.oneof(seedCode, badCodeSegment), pairs([pair('user_id', userIdQuery)]))
    .map(([code, query]) => ({ name: 'get achievement', url: `${CATALOG}/${code}${queryString(query)}` })),
  fc
    .tuple(fc.oneof(fc.constantFrom(...KNOWN_PLAYERS), validUserId, badUserSegment), fc.array(junkQueryPair, { maxLength: 1 }))
    .map(([segment, query]) => ({ name: 'overview', url: `${usersPath(segment, 'overview')}${queryString(query)}` })),
  pairs([pair('limit', integerQueryValue(BOUNDS.boardLimit)), pair('offset', integerQueryValue(BOUNDS.boardOffset)), pair('around_user', userIdQuery)]).map(
    (query) => ({ name: 'leaderboard', url: `${API_PREFIX}/leaderboard${queryString(query)}` }),
  ),
  fc
    .tuple(fc.constantFrom('/health', '/ready', '/metrics'), fc.array(junkQueryPair, { maxLength: 2 }))
    .map(([path, query]) => ({ name: path.slice(1), url: `${path}${queryString(query)}` })),
]

/** GETs of every read route with valid, boundary and junk parameters: any answer but a 5xx, and nothing stored. */
export function readRequest(world: FuzzWorld): fc.Arbitrary<FuzzRequest> {
  return fc
    .tuple(fc.oneof(...readTargets), readAuthorization(world), noiseHeaders)
    .map(([target, auth, noise]) => ({ label: `read ${target.name}`, method: 'GET', url: target.url, headers: { ...noise, ...auth }, players: [] }))
}

const UNROUTED: [string, string][] = [
  ['PUT', `${CATALOG}/fz-ten`],
  ['DELETE', `${CATALOG}/fz-ten`],
  ['DELETE', CATALOG],
  ['PUT', CATALOG],
  ['POST', `${CATALOG}/fz-ten`],
  ['PATCH', CATALOG],
  ['POST', `${CATALOG}/fz-ten/progress`],
  ['GET', usersPath('fz-player-1', 'progress')],
  ['PUT', usersPath('fz-player-1', 'progress')],
  ['DELETE', usersPath('fz-player-1', 'progress')],
  ['PATCH', usersPath('fz-player-1', 'progress')],
  ['POST', usersPath('fz-player-1', 'overview')],
  ['POST', `${API_PREFIX}/users//progress`],
  ['POST', `${API_PREFIX}/users/fz-player-1/progress/extra`],
  ['POST', `${API_PREFIX}/leaderboard`],
  ['DELETE', `${API_PREFIX}/leaderboard`],
  ['POST', '/health'],
  ['POST', '/metrics'],
  ['DELETE', '/ready'],
  ['OPTIONS', CATALOG],
  ['OPTIONS', usersPath('fz-player-1', 'progress')],
  ['GET', `${API_PREFIX}/../../etc/passwd`],
  ['GET', '/api/v1'],
  ['GET', '/%2e%2e/%2e%2e/'],
  ['POST', '/api/v1/achievements//achievements'],
  ['FOO', CATALOG],
  ['PROPFIND', '/health'],
  ['post', `${CATALOG}/fz-ten`],
]

/** Methods and paths that are no route: a contract 404 (or 405), never a write. */
export function unroutedRequest(world: FuzzWorld): fc.Arbitrary<FuzzRequest> {
  return fc
    .tuple(fc.constantFrom(...UNROUTED), validProgress, readAuthorization(world), fc.constantFrom(world.credentials.admin, world.credentials.progress))
    .map(([[method, url], body, auth, token]) => {
      const request: FuzzRequest = { label: `unrouted ${method}`, method, url, headers: { ...auth, authorization: auth.authorization ?? token }, players: ['fz-player-1'] }
      if (method !== 'GET' && method !== 'OPTIONS') {
        request.body = JSON.stringify(body)
        request.headers['content-type'] = 'application/json'
      }
      return request
    })
}
