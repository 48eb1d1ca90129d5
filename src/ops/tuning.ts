import { ConfigError } from '../config/config'
import type { NotificationTuning } from '../notifications/service'
import type { GroupCommitOptions } from '../progress/group-commit'
import type { LogLevel } from './logger'
import type { OpsTuning } from './operations'

type Env = Record<string, string | undefined>

/** Process-level knobs read by src/main.ts (the service's own configuration is src/config/config.ts). */
export interface ProcessTuning {
  logLevel: LogLevel
  ops: OpsTuning
  notifications: NotificationTuning
  /** Group commit of progress posts on Postgres; what is unset keeps the composition root's default. */
  groupCommit: Partial<GroupCommitOptions>
  /** SIGTERM to exit, at most. */
  shutdownTimeoutMs: number
}

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error']

function wholeNumber(env: Env, name: string, min: number, max: number, what: string): number | undefined {
  const raw = env[name]?.trim()
  if (!raw) return undefined
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be ${what}, got "${raw}"`)
  const value = Number(raw)
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`)
  return value
}

const millis = (env: Env, name: string, min: number, max: number) =>
  wholeNumber(env, name, min, max, 'a whole number of milliseconds')
const count = (env: Env, name: string, min: number, max: number) => wholeNumber(env, name, min, max, 'a whole number')

function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T
}

export function loadProcessTuning(env: Env = process.env): ProcessTuning {
  const level = env.LOG_LEVEL?.trim().toLowerCase() || 'info'
  if (!LEVELS.includes(level as LogLevel)) throw new ConfigError('LOG_LEVEL', `must be one of ${LEVELS.join(', ')}, got "${level}"`)
  return {
    logLevel: level as LogLevel,
    ops: defined({
      storageGuard: defined({
        callTimeoutMs: millis(env, 'ACHIEVEMENT_DB_CALL_TIMEOUT_MS', 50, 60_000),
        slowCallTimeoutMs: millis(env, 'ACHIEVEMENT_DB_SLOW_CALL_TIMEOUT_MS', 50, 600_000),
        cooldownMs: millis(env, 'ACHIEVEMENT_DB_FAIL_FAST_MS', 50, 60_000),
      }),
      readinessTimeoutMs: millis(env, 'ACHIEVEMENT_READY_TIMEOUT_MS', 10, 30_000),
    }),
    notifications: defined({
      leaseMs: millis(env, 'ACHIEVEMENT_NOTIFICATION_LEASE_MS', 100, 3_600_000),
      deliveryTimeoutMs: millis(env, 'ACHIEVEMENT_NOTIFICATION_TIMEOUT_MS', 50, 600_000),
      pollIntervalMs: millis(env, 'ACHIEVEMENT_NOTIFICATION_POLL_MS', 10, 600_000),
    }),
    groupCommit: defined({
      maxBatch: count(env, 'ACHIEVEMENT_GROUP_COMMIT_MAX_BATCH', 1, 1_000),
      maxInFlight: count(env, 'ACHIEVEMENT_GROUP_COMMIT_MAX_IN_FLIGHT', 1, 32),
      minOverlappingBatch: count(env, 'ACHIEVEMENT_GROUP_COMMIT_MIN_OVERLAP', 1, 1_000),
    }),
    shutdownTimeoutMs: millis(env, 'ACHIEVEMENT_SHUTDOWN_TIMEOUT_MS', 1_000, 600_000) ?? 10_000,
  }
}
