import { describe, expect, test } from 'bun:test'
import { ConfigError } from '../../src/config/config'
import { loadProcessTuning } from '../../src/ops/tuning'

describe('process tuning from the environment', () => {
  test('defaults: info logs, 10 s shutdown, component defaults untouched', () => {
    expect(loadProcessTuning({})).toEqual({
      logLevel: 'info',
      ops: { storageGuard: {} },
      notifications: {},
      groupCommit: {},
      shutdownTimeoutMs: 10_000,
    })
  })

  test('every knob is read', () => {
    const tuning = loadProcessTuning({
      LOG_LEVEL: 'WARN',
      ACHIEVEMENT_DB_CALL_TIMEOUT_MS: '800',
      ACHIEVEMENT_DB_SLOW_CALL_TIMEOUT_MS: '4000',
      ACHIEVEMENT_DB_FAIL_FAST_MS: '500',
      ACHIEVEMENT_READY_TIMEOUT_MS: '300',
      ACHIEVEMENT_NOTIFICATION_LEASE_MS: '4000',
      ACHIEVEMENT_NOTIFICATION_TIMEOUT_MS: '1000',
      ACHIEVEMENT_NOTIFICATION_POLL_MS: '200',
      ACHIEVEMENT_SHUTDOWN_TIMEOUT_MS: '8000',
      ACHIEVEMENT_GROUP_COMMIT_MAX_BATCH: '100',
      ACHIEVEMENT_GROUP_COMMIT_MAX_IN_FLIGHT: '2',
      ACHIEVEMENT_GROUP_COMMIT_MIN_OVERLAP: '16',
    })
    expect(tuning).toEqual({
      logLevel: 'warn',
      ops: { storageGuard: { callTimeoutMs: 800, slowCallTimeoutMs: 4000, cooldownMs: 500 }, readinessTimeoutMs: 300 },
      notifications: { leaseMs: 4000, deliveryTimeoutMs: 1000, pollIntervalMs: 200 },
      groupCommit: { maxBatch: 100, maxInFlight: 2, minOverlappingBatch: 16 },
      shutdownTimeoutMs: 8000,
    })
  })

  test('a bad value stops the start with a message naming the variable', () => {
    const cases: [Record<string, string>, string][] = [
      [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
      [{ ACHIEVEMENT_DB_CALL_TIMEOUT_MS: '1s' }, 'ACHIEVEMENT_DB_CALL_TIMEOUT_MS'],
      [{ ACHIEVEMENT_DB_CALL_TIMEOUT_MS: '10' }, 'ACHIEVEMENT_DB_CALL_TIMEOUT_MS'],
      [{ ACHIEVEMENT_SHUTDOWN_TIMEOUT_MS: '-5' }, 'ACHIEVEMENT_SHUTDOWN_TIMEOUT_MS'],
      [{ ACHIEVEMENT_GROUP_COMMIT_MAX_IN_FLIGHT: '0' }, 'ACHIEVEMENT_GROUP_COMMIT_MAX_IN_FLIGHT'],
      [{ ACHIEVEMENT_GROUP_COMMIT_MAX_BATCH: 'many' }, 'ACHIEVEMENT_GROUP_COMMIT_MAX_BATCH'],
    ]
    for (const [env, variable] of cases) {
      let error: unknown
      try {
        loadProcessTuning(env)
      } catch (caught) {
        error = caught
      }
      expect(error).toBeInstanceOf(ConfigError)
      expect((error as ConfigError).message).toContain(variable)
    }
  })
})
