import { describe, expect, test } from 'bun:test'
import { loadConfig } from '../../src/config/config'
import { BASE_ENV, configError } from '../support/config'
import { createAuthenticator } from '../../src/auth/factory'
import { JwtAuthenticator } from '../../src/auth/jwt'
import { TEST_JWT_SECRET } from './tokens'

const BASE = BASE_ENV

describe('auth configuration', () => {
  test('no JWT settings outside production: auth disabled', () => {
    const config = loadConfig(BASE)
    expect(config.jwt).toBeNull()
    expect(config.authDisabled).toBe(true)
    expect(createAuthenticator(config.jwt).enabled).toBe(false)
  })

  test('NODE_ENV=production without JWT settings refuses to start', () => {
    const error = configError({ NODE_ENV: 'production' })
    expect(error.variable).toBe('ACHIEVEMENT_JWT_SECRET')
    expect(error.message).toContain('ACHIEVEMENT_AUTH_DISABLED=true')
  })

  test('NODE_ENV=production with ACHIEVEMENT_AUTH_DISABLED=true starts without auth', () => {
    const config = loadConfig({ ...BASE, NODE_ENV: 'production', ACHIEVEMENT_AUTH_DISABLED: 'true' })
    expect(config.authDisabled).toBe(true)
    expect(config.jwt).toBeNull()
  })

  test('NODE_ENV=production with a secret starts with JWT auth', () => {
    const config = loadConfig({ ...BASE, NODE_ENV: 'production', ACHIEVEMENT_JWT_SECRET: TEST_JWT_SECRET })
    expect(config.authDisabled).toBe(false)
    expect(createAuthenticator(config.jwt)).toBeInstanceOf(JwtAuthenticator)
  })

  test('issuer and audience are carried with a JWKS URL', () => {
    const config = loadConfig({
      ...BASE,
      ACHIEVEMENT_JWT_JWKS_URL: 'https://gateway.test/.well-known/jwks.json',
      ACHIEVEMENT_JWT_ISSUER: 'https://gateway.test',
      ACHIEVEMENT_JWT_AUDIENCE: 'achievement-service',
    })
    expect(config.jwt).toEqual({
      secret: null,
      jwksUrl: 'https://gateway.test/.well-known/jwks.json',
      issuer: 'https://gateway.test',
      audience: 'achievement-service',
    })
  })

  test('a short secret is refused without echoing it', () => {
    const error = configError({ ACHIEVEMENT_JWT_SECRET: 'short-secret-value' })
    expect(error.variable).toBe('ACHIEVEMENT_JWT_SECRET')
    expect(error.message).not.toContain('short-secret-value')
  })

  test('a secret and a JWKS URL together are refused', () => {
    expect(configError({ ACHIEVEMENT_JWT_SECRET: TEST_JWT_SECRET, ACHIEVEMENT_JWT_JWKS_URL: 'https://x.test/jwks' }).variable).toBe(
      'ACHIEVEMENT_JWT_SECRET',
    )
  })

  test('an issuer or audience without a key is refused (auth was meant to be on)', () => {
    expect(configError({ ACHIEVEMENT_JWT_ISSUER: 'https://gateway.test' }).variable).toBe('ACHIEVEMENT_JWT_ISSUER')
    expect(configError({ ACHIEVEMENT_JWT_AUDIENCE: 'svc' }).variable).toBe('ACHIEVEMENT_JWT_AUDIENCE')
  })

  test('ACHIEVEMENT_AUTH_DISABLED=true next to JWT settings is refused as contradictory', () => {
    expect(configError({ ACHIEVEMENT_AUTH_DISABLED: 'true', ACHIEVEMENT_JWT_SECRET: TEST_JWT_SECRET }).variable).toBe(
      'ACHIEVEMENT_AUTH_DISABLED',
    )
  })

  test('a non-http JWKS URL is refused', () => {
    expect(configError({ ACHIEVEMENT_JWT_JWKS_URL: 'file:///etc/keys.json' }).variable).toBe('ACHIEVEMENT_JWT_JWKS_URL')
  })
})

describe('the entry point', () => {
  test('NODE_ENV=production without JWT settings exits 2 with one line naming the variable', async () => {
    const child = Bun.spawn(['bun', 'src/main.ts'], {
      cwd: `${import.meta.dir}/../..`,
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', ACHIEVEMENT_DATABASE_URL: 'sqlite::memory:', PORT: '0' },
      stdout: 'pipe',
      stderr: 'pipe',
    })
    const [code, stderr] = await Promise.all([child.exited, new Response(child.stderr).text()])
    expect(code).toBe(2)
    expect(stderr.trim().split('\n')).toHaveLength(1)
    expect(stderr).toContain('ACHIEVEMENT_JWT_SECRET')
  })
})
