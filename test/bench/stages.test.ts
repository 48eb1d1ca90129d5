import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import {
  answerTimesBetween,
  callsPerPostBetween,
  EVENT_LOOP_STAGE,
  formatAnswerTimes,
  formatCallsPerPost,
  formatStalls,
  formatStages,
  parseStageHistograms,
  quantileOf,
  stagesBetween,
  stallsBetween,
  type StageLatency,
} from '../../bench/stages'
import { DIALECTS, startTestService, type TestService } from '../support/service'

const exposition = (commit: number[], rank: number[]) =>
  [
    '# HELP achievement_progress_stage_seconds where the time goes',
    '# TYPE achievement_progress_stage_seconds histogram',
    ...['0.005', '0.01', '0.02', '+Inf'].map((le, i) => `achievement_progress_stage_seconds_bucket{stage="commit",le="${le}"} ${commit[i]}`),
    `achievement_progress_stage_seconds_sum{stage="commit"} ${commit[4]}`,
    `achievement_progress_stage_seconds_count{stage="commit"} ${commit[3]}`,
    ...['0.005', '0.01', '0.02', '+Inf'].map((le, i) => `achievement_progress_stage_seconds_bucket{stage="rank",le="${le}"} ${rank[i]}`),
    `achievement_progress_stage_seconds_sum{stage="rank"} ${rank[4]}`,
    `achievement_progress_stage_seconds_count{stage="rank"} ${rank[3]}`,
    'achievement_progress_batch_size_count 3',
  ].join('\n')

describe('bench: progress stages from the service histograms', () => {
  test('a quantile is interpolated inside the bucket it falls in', () => {
    const buckets = [
      { le: 0.005, count: 0 },
      { le: 0.01, count: 50 },
      { le: 0.02, count: 100 },
      { le: Infinity, count: 100 },
    ]
    expect(quantileOf(buckets, 0.5)).toBeCloseTo(0.01)
    expect(quantileOf(buckets, 0.25)).toBeCloseTo(0.0075)
    expect(quantileOf(buckets, 0.99)).toBeCloseTo(0.0198)
    // Past the last finite bound, the bound.
    expect(quantileOf([{ le: 0.01, count: 1 }, { le: Infinity, count: 10 }], 0.99)).toBe(0.01)
  })

  test('only the observations between the two scrapes count', () => {
    const before = parseStageHistograms(exposition([5, 10, 10, 10, 0.05], [10, 10, 10, 10, 0.01]))
    const after = parseStageHistograms(exposition([5, 60, 110, 110, 1.05], [110, 110, 110, 110, 0.21]))
    const stages = stagesBetween(before, after)
    const commit = stages.find((s) => s.stage === 'commit')!
    expect(commit.count).toBe(100)
    expect(commit.meanMs).toBe(10)
    expect(commit.p50Ms).toBe(10)
    expect(commit.p99Ms).toBe(19.8)
    const rank = stages.find((s) => s.stage === 'rank')!
    expect(rank.count).toBe(100)
    expect(rank.meanMs).toBe(2)
    expect(rank.p50Ms).toBe(2.5)
  })

  test("the service's event-loop delay (an unlabelled histogram) is read as its own stage", () => {
    const delay = (fast: number, total: number, sum: number) =>
      [
        '# TYPE achievement_event_loop_delay_seconds histogram',
        `achievement_event_loop_delay_seconds_bucket{le="0.001"} ${fast}`,
        `achievement_event_loop_delay_seconds_bucket{le="0.01"} ${total}`,
        `achievement_event_loop_delay_seconds_bucket{le="+Inf"} ${total}`,
        `achievement_event_loop_delay_seconds_sum ${sum}`,
        `achievement_event_loop_delay_seconds_count ${total}`,
      ].join('\n')
    const before = parseStageHistograms(`${exposition([0, 0, 0, 0, 0], [0, 0, 0, 0, 0])}\n${delay(10, 10, 0.005)}`)
    const after = parseStageHistograms(`${exposition([0, 0, 0, 0, 0], [0, 0, 0, 0, 0])}\n${delay(60, 110, 0.295)}`)
    const loop = stagesBetween(before, after).find((s) => s.stage === EVENT_LOOP_STAGE)!
    expect(loop.count).toBe(100)
    expect(loop.meanMs).toBe(2.9)
    expect(loop.p50Ms).toBe(1)
    expect(loop.p99Ms).toBe(9.8)
    expect(formatStages('progress', [loop])).toBe('progress: event-loop delay p50 1 ms, p99 9.8 ms, mean 2.9 ms (100 samples)')
  })

  test("calls per post: the run's database batches and Redis calls of each kind over its committed posts", () => {
    const counters = (rateLimit: number, board: number) =>
      [
        '# TYPE achievement_rate_limit_redis_calls_total counter',
        `achievement_rate_limit_redis_calls_total ${rateLimit}`,
        `achievement_rate_limit_redis_checks_total ${rateLimit * 10}`,
        '# TYPE achievement_leaderboard_write_batches_total counter',
        `achievement_leaderboard_write_batches_total ${board}`,
      ].join('\n')
    const stage = (name: string, count: number): StageLatency => ({ stage: name, count, meanMs: 1, p50Ms: 1, p99Ms: 1 })
    const stages = [stage('commit', 2_000), stage('statement', 100), stage('rank', 2_000)]
    const calls = callsPerPostBetween(counters(50, 20), counters(200, 120), stages)!
    expect(calls).toEqual({ posts: 2_000, databaseBatches: 0.05, redisRateLimit: 0.075, redisBoard: 0.05 })
    expect(formatCallsPerPost('progress', calls)).toBe(
      'progress: calls per post: 0.05 database batches, 0.075 Redis rate-limit calls, 0.05 Redis leaderboard calls (2000 posts)',
    )
    // Without Redis the counters are absent: no calls. Without committed posts there is nothing to divide.
    expect(callsPerPostBetween('', '', stages)).toEqual({ posts: 2_000, databaseBatches: 0.05, redisRateLimit: 0, redisBoard: 0 })
    expect(callsPerPostBetween(counters(1, 1), counters(2, 2), [stage('commit', 0)])).toBeNull()
  })

  test('database stalls: the batch statements over 100 ms and the calls that went on past their deadline, during the run only', () => {
    const exposition = (fast: number, slow: number, pastDeadline: number[]) =>
      [
        `achievement_progress_stage_seconds_bucket{stage="statement",le="0.05"} ${fast}`,
        `achievement_progress_stage_seconds_bucket{stage="statement",le="0.1"} ${fast}`,
        `achievement_progress_stage_seconds_bucket{stage="statement",le="2.5"} ${fast + slow}`,
        `achievement_progress_stage_seconds_bucket{stage="statement",le="+Inf"} ${fast + slow}`,
        `achievement_progress_stage_seconds_sum{stage="statement"} 1`,
        `achievement_progress_stage_seconds_count{stage="statement"} ${fast + slow}`,
        '# TYPE achievement_storage_slow_calls_total counter',
        ...pastDeadline.map((n, i) => `achievement_storage_slow_calls_total{operation="op${i}"} ${n}`),
      ].join('\n')
    const stalls = stallsBetween(exposition(100, 1, [1]), exposition(2_000, 4, [2, 1]))
    expect(stalls).toEqual({ statementsOver100Ms: 3, callsPastDeadline: 2 })
    expect(formatStalls('progress', stalls)).toBe('progress: database stalls: 3 batch statements over 100 ms, 2 calls past their deadline')
    expect(stallsBetween('', '')).toEqual({ statementsOver100Ms: 0, callsPastDeadline: 0 })
  })

  test("answer times: the share of the run's progress posts the service answered within each bound, every status, no other route", () => {
    const route = '/api/v1/achievements/users/:user_id/progress'
    const bucketLines = (method: string, path: string, status: number, counts: number[]) =>
      ['0.01', '0.025', '0.05', '0.1', '+Inf'].map(
        (le, i) => `http_request_duration_seconds_bucket{method="${method}",route="${path}",status="${status}",le="${le}"} ${counts[i]}`,
      )
    // Other methods and routes are answered during the run too (`others` of each), and must not count.
    let others = 0
    const scrape = (ok: number[], refused: number[]) =>
      [
        ...bucketLines('POST', route, 200, ok),
        ...bucketLines('POST', route, 429, refused),
        ...bucketLines('GET', route, 200, [0, 0, 0, 0, 0].map(() => (others += 500))),
        ...bucketLines('POST', '/api/v1/achievements', 201, [0, 0, 0, 0, 0].map(() => others)),
        `http_request_duration_seconds_count{method="POST",route="${route}",status="200"} ${ok[4]}`,
      ].join('\n')
    // Before the run: 10 posts, all within 10 ms. During it: 100 posts answered 200 and 0 refused.
    const times = answerTimesBetween(scrape([10, 10, 10, 10, 10], [0, 0, 0, 0, 0]), scrape([40, 96, 108, 110, 110], [0, 0, 0, 0, 0]))
    expect(times).toEqual({
      posts: 100,
      within: [
        { ms: 10, share: 0.3 },
        { ms: 25, share: 0.86 },
        { ms: 50, share: 0.98 },
        { ms: 100, share: 1 },
      ],
    })
    expect(formatAnswerTimes('progress', times!)).toBe(
      'progress: answered by the service (receipt to response, its http_request_duration_seconds): ' +
        '30 % within 10 ms, 86 % within 25 ms, 98 % within 50 ms, 100 % within 100 ms (100 posts)',
    )
    // A refused post is answered too: it counts with its own status.
    const withRefused = answerTimesBetween(scrape([0, 0, 0, 0, 0], [0, 0, 0, 0, 0]), scrape([1, 1, 1, 1, 1], [0, 0, 0, 1, 1]))
    expect(withRefused!.posts).toBe(2)
    expect(withRefused!.within.find((bucket) => bucket.ms === 50)!.share).toBe(0.5)
    expect(answerTimesBetween(scrape([1, 1, 1, 1, 1], [0, 0, 0, 0, 0]), scrape([1, 1, 1, 1, 1], [0, 0, 0, 0, 0]))).toBeNull()
  })
})

for (const dialect of DIALECTS) {
  describe(`bench: answer times read from the service's own /metrics (${dialect})`, () => {
    let svc: TestService
    beforeAll(async () => {
      svc = await startTestService(dialect)
      expect((await svc.call('POST', '/achievements', { code: 'first-win', title: 'First', description: '' })).status).toBe(201)
    })
    afterAll(async () => {
      await svc.close()
    })

    test("the posts answered between two scrapes, whatever their status, and no other route's requests", async () => {
      const scrape = async () => (await svc.call('GET', '!/metrics')).body as string
      await svc.call('POST', '/users/before-run/progress', { achievement_code: 'first-win' })
      await Bun.sleep(5) // the duration is observed after the response
      const before = await scrape()
      expect((await svc.call('POST', '/users/in-run/progress', { achievement_code: 'first-win' })).status).toBe(200)
      expect((await svc.call('POST', '/users/in-run/progress', { achievement_code: 'no-such-code' })).status).toBe(404)
      await svc.call('GET', '/achievements')
      await Bun.sleep(5)
      const times = answerTimesBetween(before, await scrape())
      expect(times?.posts).toBe(2)
      expect(times!.within.map((bucket) => bucket.ms)).toEqual(expect.arrayContaining([10, 25, 50, 100]))
      // Answered in-process, within the last bound.
      expect(times!.within.at(-1)!.share).toBe(1)
    })
  })
}
