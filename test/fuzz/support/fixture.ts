import { afterAll, beforeAll } from 'bun:test'
import { JWT_ENV } from '../../auth/tokens'
import { startTestService, type Dialect, type TestService } from '../../support/service'
import { buildWorld, seedWorld, type FuzzWorld } from './world'

/** The service under fuzz and the world it was seeded with (set by the hooks useFuzzTarget registers). */
export interface FuzzTarget {
  svc: TestService
  world: FuzzWorld
}

/** Registers hooks that start the service on `dialect` (auth on or off), seed the fuzz world, and close it afterwards. */
export function useFuzzTarget(dialect: Dialect, auth: boolean): FuzzTarget {
  const target = {} as FuzzTarget
  beforeAll(async () => {
    target.world = await buildWorld(auth)
    target.svc = await startTestService(dialect, auth ? { env: JWT_ENV } : {})
    await seedWorld(target.svc, target.world)
  })
  afterAll(async () => {
    await target.svc.close()
  })
  return target
}
