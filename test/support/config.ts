import { ConfigError, loadConfig } from '../../src/config/config'

/** The smallest valid environment: everything else at its default. */
export const BASE_ENV = { ACHIEVEMENT_DATABASE_URL: 'sqlite::memory:' }

/** The ConfigError that loading BASE_ENV plus `env` throws; fails the test when the config is accepted. */
export function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig({ ...BASE_ENV, ...env })
  } catch (error) {
    if (error instanceof ConfigError) return error
    throw error
  }
  throw new Error('config was accepted')
}
