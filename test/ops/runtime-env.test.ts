import { describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { PRODUCTION_RUNTIME_ENV } from '../../src/ops/runtime-env'

/** The ENV instructions of the Dockerfile's last stage (the image that runs), as name → value. */
function runtimeStageEnv(dockerfile: string): Map<string, string> {
  const stages = dockerfile.replace(/\\\n/g, ' ').split(/^FROM /m)
  const env = new Map<string, string>()
  for (const line of stages.at(-1)!.split('\n')) {
    const match = /^ENV\s+(.*)$/.exec(line.trim())
    if (!match) continue
    for (const pair of match[1]!.trim().split(/\s+/)) {
      const [name, ...value] = pair.split('=')
      env.set(name!, value.join('='))
    }
  }
  return env
}

describe('production runtime environment', () => {
  test('the image that runs sets every variable of PRODUCTION_RUNTIME_ENV, to the same value', () => {
    const env = runtimeStageEnv(readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8'))
    expect(env.get('NODE_ENV')).toBe('production')
    for (const [name, value] of Object.entries(PRODUCTION_RUNTIME_ENV)) expect(env.get(name)).toBe(value)
  })
})
