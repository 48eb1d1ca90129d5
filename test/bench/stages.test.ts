import { describe, expect, test } from 'bun:test'
import { EVENT_LOOP_STAGE, formatStages, parseStageHistograms, quantileOf, stagesBetween } from '../../bench/stages'

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
})
