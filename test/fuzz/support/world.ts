import { SCOPE_ADMIN, SCOPE_PROGRESS } from '../../../src/auth/model'
import { authorizationFor, signToken } from '../../auth/tokens'
import type { TestService } from '../../support/service'

/** Achievements every fuzz run starts with (created through HTTP before fuzzing). */
export const SEED_ACHIEVEMENTS = [
  { code: 'fz-one', title: 'One step', description: 'Unlocks at once', points: 120 },
  { code: 'fz-ten', title: 'Ten steps', description: 'Ten posts', progress_target: 10, points: 300 },
  { code: 'fz-big', title: 'Marathon', description: 'A billion', progress_target: 1_000_000_000, points: 10_000 },
  { code: 'fz-secret', title: 'Hidden one', description: 'Secret', is_secret: true, progress_target: 3, category: 'hidden' },
]
export const SEED_CODES = SEED_ACHIEVEMENTS.map((achievement) => achievement.code)

/** Players with stored state (given some progress before fuzzing), and players only valid requests may create. */
export const KNOWN_PLAYERS = ['fz-player-1', 'fz-player-2', 'fz-player-3']
export const FRESH_PLAYERS = ['fz-fresh-1', 'fz-fresh-2', 'fz-fresh.3:x']

export interface Credentials {
  /** Authorization header values. */
  admin: string
  progress: string
  player: string
  /** Header values refused with 401 when auth is on: bad signature, expired, wrong audience, malformed, bad claims. */
  invalid: string[]
}

export interface FuzzWorld {
  authEnabled: boolean
  credentials: Credentials
  /** Idempotency scopes per credential kind, as the service derives them (see src/auth/service.ts). */
  scopes: { admin: string; progress: string; anonymous: string }
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

async function invalidAuthorizations(): Promise<string[]> {
  const header = async (kind: 'bad_signature' | 'expired' | 'wrong_audience') => (await authorizationFor(kind)).authorization!
  const valid = await signToken({ sub: 'designer-1', scope: SCOPE_ADMIN })
  const [head, , signature] = valid.split('.')
  const now = Math.floor(Date.now() / 1000)
  return [
    await header('bad_signature'),
    await header('expired'),
    await header('wrong_audience'),
    // alg "none" with an admin scope, and a valid signature over another payload
    `Bearer ${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ sub: 'x', scope: SCOPE_ADMIN, exp: now + 300 })}.`,
    `Bearer ${head}.${base64url({ sub: 'designer-1', scope: `${SCOPE_ADMIN} ${SCOPE_PROGRESS}`, exp: now + 300 })}.${signature}`,
    // validly signed, but claims the service refuses
    `Bearer ${await signToken({ sub: 'svc', scope: [SCOPE_ADMIN] as unknown as string })}`,
    `Bearer ${await signToken({ sub: '', scope: SCOPE_ADMIN })}`,
    `Bearer ${await signToken({ scope: SCOPE_ADMIN })}`,
    `Bearer ${await signToken({ sub: 'svc', scope: SCOPE_ADMIN }, { expiresInSec: null })}`,
    'Bearer',
    'Bearer a.b.c',
    'Bearer ..',
    'Bearer x y',
    'Basic dXNlcjpwYXNz',
    'Token abc',
    `Bearer ${'a'.repeat(9_000)}`,
    `Bearer ${valid}${'A'.repeat(20)}`,
    'Bearer \u00e9\u00ff',
    `${valid}`,
  ]
}

export async function buildWorld(authEnabled: boolean): Promise<FuzzWorld> {
  return {
    authEnabled,
    credentials: {
      admin: (await authorizationFor('admin')).authorization!,
      progress: (await authorizationFor('progress')).authorization!,
      player: (await authorizationFor('player')).authorization!,
      invalid: await invalidAuthorizations(),
    },
    scopes: authEnabled
      ? { admin: 'sub:designer-1', progress: 'sub:game-server-1', anonymous: 'anonymous' }
      : { admin: 'anonymous', progress: 'anonymous', anonymous: 'anonymous' },
  }
}

/** Creates the seed achievements and gives the known players some state (progress, unlocks, tokens, outbox). */
export async function seedWorld(svc: TestService, world: FuzzWorld): Promise<void> {
  const admin = { authorization: world.credentials.admin }
  const progress = { authorization: world.credentials.progress }
  for (const achievement of SEED_ACHIEVEMENTS) {
    const created = await svc.call('POST', '/achievements', achievement, admin)
    if (created.status !== 201) throw new Error(`seeding ${achievement.code}: ${created.status} ${JSON.stringify(created.body)}`)
  }
  for (const [index, player] of KNOWN_PLAYERS.entries()) {
    const body = { updates: [{ achievement_code: 'fz-one' }, { achievement_code: 'fz-ten', progress_delta: index + 2 }], score_bonus: 400 * (index + 1) }
    const posted = await svc.call('POST', `/users/${player}/progress`, body, progress)
    if (posted.status !== 200) throw new Error(`seeding ${player}: ${posted.status} ${JSON.stringify(posted.body)}`)
  }
}
