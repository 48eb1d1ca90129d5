/**
 * Configuration from the environment, validated once at start.
 * A bad value throws ConfigError naming the variable; main.ts prints its message as one line and exits.
 */

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    reason: string,
  ) {
    super(`invalid configuration: ${variable} ${reason}`)
  }
}

export type DatabaseConfig =
  | { kind: 'sqlite'; path: string }
  | { kind: 'postgres'; url: string }

export interface JwtConfig {
  secret: string | null
  jwksUrl: string | null
  issuer: string | null
  audience: string | null
}

/** Token buckets on progress posts; a rate of 0 turns that limit off. */
export interface RateLimitConfig {
  playerBurst: number
  playerPerSec: number
  callerBurst: number
  callerPerSec: number
  /** Prefix of the shared bucket keys in Redis. */
  redisKeyPrefix: string
  /** Longest a check waits for Redis before failing open to this instance's own buckets. */
  redisTimeoutMs: number
}

export interface Config {
  database: DatabaseConfig
  redisUrl: string | null
  notificationServiceUrl: string | null
  userServiceUrl: string | null
  starTokenScoreStep: number
  leaderboardKey: string
  port: number
  maxBodyBytes: number
  /** How long Idempotency-Keys and their responses are kept (the contract says at least 24 h). */
  idempotencyRetentionHours: number
  jwt: JwtConfig | null
  authDisabled: boolean
  production: boolean
  rateLimit: RateLimitConfig
  instanceId: string
}

type Env = Record<string, string | undefined>

const DEFAULT_SQLITE_PATH = './data/achievements.db'

function text(env: Env, name: string): string | null {
  const value = env[name]?.trim()
  return value ? value : null
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = text(env, name)
  if (raw === null) return fallback
  if (!/^-?\d+$/.test(raw)) throw new ConfigError(name, `must be an integer, got "${raw}"`)
  const value = Number(raw)
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`)
  return value
}

function number(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = text(env, name)
  if (raw === null) return fallback
  const value = Number(raw)
  if (!Number.isFinite(value)) throw new ConfigError(name, `must be a number, got "${raw}"`)
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`)
  return value
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = text(env, name)
  if (raw === null) return fallback
  if (/^(1|true|yes|on)$/i.test(raw)) return true
  if (/^(0|false|no|off)$/i.test(raw)) return false
  throw new ConfigError(name, `must be true or false, got "${raw}"`)
}

function httpUrl(env: Env, name: string): string | null {
  const raw = text(env, name)
  if (raw === null) return null
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new ConfigError(name, 'must be an http(s) URL')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(name, 'must be an http(s) URL')
  return raw.replace(/\/+$/, '')
}

/** Removes the password from a connection URL so it can be logged. */
export function redactUrl(raw: string): string {
  try {
    const url = new URL(raw)
    if (url.password) url.password = '***'
    return url.toString()
  } catch {
    return '<unparseable url>'
  }
}

function database(env: Env): DatabaseConfig {
  const name = 'ACHIEVEMENT_DATABASE_URL'
  const raw = text(env, name)
  if (raw === null) return { kind: 'sqlite', path: DEFAULT_SQLITE_PATH }
  if (raw.startsWith('sqlite:')) {
    const path = raw.slice('sqlite:'.length).replace(/^\/\//, '')
    if (!path) throw new ConfigError(name, 'needs a path after sqlite: (or sqlite::memory:)')
    return { kind: 'sqlite', path }
  }
  if (/^postgres(ql)?:\/\//.test(raw)) {
    try {
      new URL(raw)
    } catch {
      throw new ConfigError(name, 'is not a valid postgres:// URL')
    }
    return { kind: 'postgres', url: raw }
  }
  throw new ConfigError(name, 'must start with postgres://, postgresql:// or sqlite:')
}

function redisUrl(env: Env): string | null {
  const name = 'ACHIEVEMENT_REDIS_URL'
  const raw = text(env, name)
  if (raw === null) return null
  if (!/^rediss?:\/\//.test(raw)) throw new ConfigError(name, 'must start with redis:// or rediss://')
  try {
    new URL(raw)
  } catch {
    throw new ConfigError(name, 'is not a valid redis:// URL')
  }
  return raw
}

function jwt(env: Env): JwtConfig | null {
  const secret = text(env, 'ACHIEVEMENT_JWT_SECRET')
  const jwksUrl = httpUrl(env, 'ACHIEVEMENT_JWT_JWKS_URL')
  const issuer = text(env, 'ACHIEVEMENT_JWT_ISSUER')
  const audience = text(env, 'ACHIEVEMENT_JWT_AUDIENCE')
  if (secret === null && jwksUrl === null) {
    // An issuer or audience alone means someone meant to turn auth on; running open instead would be a surprise.
    if (issuer !== null) throw new ConfigError('ACHIEVEMENT_JWT_ISSUER', 'is set but neither ACHIEVEMENT_JWT_SECRET nor ACHIEVEMENT_JWT_JWKS_URL is')
    if (audience !== null) throw new ConfigError('ACHIEVEMENT_JWT_AUDIENCE', 'is set but neither ACHIEVEMENT_JWT_SECRET nor ACHIEVEMENT_JWT_JWKS_URL is')
    return null
  }
  if (secret !== null && jwksUrl !== null) {
    throw new ConfigError('ACHIEVEMENT_JWT_SECRET', 'and ACHIEVEMENT_JWT_JWKS_URL are both set; set only one')
  }
  if (secret !== null && secret.length < 32) {
    throw new ConfigError('ACHIEVEMENT_JWT_SECRET', 'must be at least 32 characters for HS256')
  }
  return { secret, jwksUrl, issuer, audience }
}

function rateLimit(env: Env): RateLimitConfig {
  const playerPerSec = number(env, 'ACHIEVEMENT_RATE_LIMIT_PLAYER_PER_SEC', 30, 0, 1_000_000)
  const callerPerSec = number(env, 'ACHIEVEMENT_RATE_LIMIT_CALLER_PER_SEC', 0, 0, 10_000_000)
  const redisKeyPrefix = text(env, 'ACHIEVEMENT_RATE_LIMIT_KEY_PREFIX') ?? 'achievements:ratelimit'
  if (redisKeyPrefix.length > 200) throw new ConfigError('ACHIEVEMENT_RATE_LIMIT_KEY_PREFIX', 'must be at most 200 characters')
  return {
    // A bucket needs room for one token, so bursts start at 1.
    playerBurst: integer(env, 'ACHIEVEMENT_RATE_LIMIT_PLAYER_BURST', 300, 1, 1_000_000),
    playerPerSec,
    // Unset: ten seconds' worth of the rate, like the player defaults (300 = 10 s × 30/s).
    callerBurst: integer(env, 'ACHIEVEMENT_RATE_LIMIT_CALLER_BURST', Math.max(1, Math.ceil(callerPerSec * 10)), 1, 100_000_000),
    callerPerSec,
    redisKeyPrefix,
    redisTimeoutMs: integer(env, 'ACHIEVEMENT_RATE_LIMIT_REDIS_TIMEOUT_MS', 100, 1, 10_000),
  }
}

export function loadConfig(env: Env = process.env): Config {
  const production = text(env, 'NODE_ENV') === 'production'
  const jwtConfig = jwt(env)
  const authDisabled = bool(env, 'ACHIEVEMENT_AUTH_DISABLED', false)
  if (authDisabled && jwtConfig !== null) {
    throw new ConfigError('ACHIEVEMENT_AUTH_DISABLED', 'is true but JWT settings are set too; unset one of them')
  }
  if (production && jwtConfig === null && !authDisabled) {
    throw new ConfigError(
      'ACHIEVEMENT_JWT_SECRET',
      'or ACHIEVEMENT_JWT_JWKS_URL is required when NODE_ENV=production (set ACHIEVEMENT_AUTH_DISABLED=true to run without auth)',
    )
  }
  const leaderboardKey = text(env, 'LEADERBOARD_KEY') ?? 'leaderboard:global'
  if (leaderboardKey.length > 200) throw new ConfigError('LEADERBOARD_KEY', 'must be at most 200 characters')
  return {
    database: database(env),
    redisUrl: redisUrl(env),
    notificationServiceUrl: httpUrl(env, 'NOTIFICATION_SERVICE_URL'),
    userServiceUrl: httpUrl(env, 'USER_SERVICE_URL'),
    // The contract defines step = max(STAR_TOKEN_SCORE_STEP, 1), so 0 and negatives are accepted and mean 1.
    starTokenScoreStep: Math.max(integer(env, 'STAR_TOKEN_SCORE_STEP', 500, -1_000_000_000, 1_000_000_000), 1),
    leaderboardKey,
    port: integer(env, 'PORT', 8011, 0, 65535),
    maxBodyBytes: integer(env, 'ACHIEVEMENT_MAX_BODY_BYTES', 64 * 1024, 1024, 16 * 1024 * 1024),
    idempotencyRetentionHours: integer(env, 'ACHIEVEMENT_IDEMPOTENCY_RETENTION_HOURS', 24, 24, 24 * 365),
    jwt: jwtConfig,
    authDisabled: jwtConfig === null,
    production,
    rateLimit: rateLimit(env),
    instanceId: text(env, 'ACHIEVEMENT_INSTANCE_ID') ?? `${process.pid}-${crypto.randomUUID().slice(0, 8)}`,
  }
}
