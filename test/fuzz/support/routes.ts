import fc from 'fast-check'
import { API_PREFIX } from '../../../src/app'
import {
  BOUNDS,
  hostileCreate,
  hostilePatch,
  hostileProgress,
  oddButValidText,
  refusedCreate,
  refusedPatch,
  refusedProgress,
  seedCode,
  validCreate,
  validPatch,
  validProgress,
  validSingle,
  type Body,
} from './bodies'
import type { FuzzRequest } from './http'
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
import { FRESH_PLAYERS, KNOWN_PLAYERS, type FuzzWorld } from './world'

const CATALOG = `${API_PREFIX}/achievements`
const usersPath = (segment: string, action: 'progress' | 'overview') => `${API_PREFIX}/users/${segment}/${action}`
const json = (label: string) => (value: unknown): Body => ({ label, text: JSON.stringify(value) })

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
