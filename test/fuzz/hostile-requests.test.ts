import { describe, expect, test } from 'bun:test'
import { DIALECTS } from '../support/service'
import { useFuzzTarget } from './support/fixture'
import { FUZZ_SCALE, FUZZ_SEED, describeTally, fuzzMixedWrites, fuzzRefusedBatches, tallyOf, tallyTotal } from './support/runner'

/**
 * Thousands of generated invalid and hostile requests against every route, auth on (see auth-off.test.ts for the
 * rest). Reproduce a failure with the seed fast-check prints: FUZZ_SEED=<seed> bun test test/fuzz.
 */
const BATCH_SIZE = 25
const REFUSED_BATCHES = Math.round(100 * FUZZ_SCALE)
const MIXED_WRITES = Math.round(300 * FUZZ_SCALE)
const TIMEOUT_MS = 120_000 * FUZZ_SCALE

for (const dialect of DIALECTS) {
  describe(`hostile requests, auth on (${dialect})`, () => {
    const fuzz = useFuzzTarget(dialect, true)

    test(
      'refused writes among reads and unknown routes: no 5xx, contract error bodies, stored state unchanged',
      async () => {
        const tally = await fuzzRefusedBatches(fuzz.svc, fuzz.world, { seed: FUZZ_SEED, runs: REFUSED_BATCHES, batchSize: BATCH_SIZE })
        console.log(`fuzz ${dialect} auth on, refused batches: ${tallyTotal(tally)} requests: ${describeTally(tally)}`)
        expect(tallyTotal(tally)).toBeGreaterThanOrEqual(REFUSED_BATCHES * BATCH_SIZE * 0.9)
        // The generators reach every kind of refusal the contract names.
        for (const status of [400, 401, 403, 404, 413, 415, 422]) expect(tally.get(status) ?? 0).toBeGreaterThan(0)
      },
      TIMEOUT_MS,
    )

    test(
      'valid and hostile-but-valid writes: a refused one changes nothing, and none gets a 5xx',
      async () => {
        const tally = await fuzzMixedWrites(fuzz.svc, fuzz.world, { seed: FUZZ_SEED + 1, runs: MIXED_WRITES })
        console.log(`fuzz ${dialect} auth on, mixed writes: ${tallyTotal(tally)} requests: ${describeTally(tally)}`)
        // Enough of them are accepted for the run to exercise stored writes, and enough refused to check those.
        expect(tallyOf(tally, (status) => status < 300)).toBeGreaterThan(MIXED_WRITES * 0.3)
        expect(tallyOf(tally, (status) => status >= 400)).toBeGreaterThan(MIXED_WRITES * 0.05)
      },
      TIMEOUT_MS,
    )
  })
}
