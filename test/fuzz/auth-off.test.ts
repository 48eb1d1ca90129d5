import { beforeAll, describe, expect, test } from 'bun:test'
import { DIALECTS } from '../support/service'
import { useFuzzTarget } from './support/fixture'
import { FUZZ_SCALE, FUZZ_SEED, describeTally, fuzzMixedWrites, fuzzRefusedBatches, tallyOf, tallyTotal } from './support/runner'

/**
 * A smaller run of the hostile-request fuzz with auth off: tokens of any kind (garbage included) are ignored, so
 * every write reaches validation and the storage with whatever else is wrong with it.
 */
const BATCH_SIZE = 25
const REFUSED_BATCHES = Math.round(30 * FUZZ_SCALE)
const MIXED_WRITES = Math.round(100 * FUZZ_SCALE)
const TIMEOUT_MS = 60_000 * FUZZ_SCALE

for (const dialect of DIALECTS) {
  describe(`hostile requests, auth off (${dialect})`, () => {
    const fuzz = useFuzzTarget(dialect, false)
    beforeAll(() => {
      expect(fuzz.svc.service.deps.authenticator.enabled).toBe(false)
    })

    test(
      'refused writes among reads and unknown routes: no 5xx, contract error bodies, stored state unchanged',
      async () => {
        const tally = await fuzzRefusedBatches(fuzz.svc, fuzz.world, { seed: FUZZ_SEED + 2, runs: REFUSED_BATCHES, batchSize: BATCH_SIZE })
        console.log(`fuzz ${dialect} auth off, refused batches: ${tallyTotal(tally)} requests: ${describeTally(tally)}`)
        expect(tally.get(401) ?? 0).toBe(0)
        for (const status of [404, 415, 422]) expect(tally.get(status) ?? 0).toBeGreaterThan(0)
      },
      TIMEOUT_MS,
    )

    test(
      'valid and hostile-but-valid writes: a refused one changes nothing, and none gets a 5xx',
      async () => {
        const tally = await fuzzMixedWrites(fuzz.svc, fuzz.world, { seed: FUZZ_SEED + 3, runs: MIXED_WRITES })
        console.log(`fuzz ${dialect} auth off, mixed writes: ${tallyTotal(tally)} requests: ${describeTally(tally)}`)
        expect(tallyOf(tally, (status) => status < 300)).toBeGreaterThan(MIXED_WRITES * 0.3)
      },
      TIMEOUT_MS,
    )
  })
}
