import { describe, expect, test } from 'bun:test'
import { formatRatioCeilings, ratioCeilings, type RunRecord } from '../../bench/report'

const run = (name: string, perSecond: number, busyCores: number, extra: Partial<RunRecord> = {}, serviceCores = 0) =>
  ({ name, role: 'service', result: { perSecond }, cpu: { busyCores, groups: { service: serviceCores } }, ...extra }) as unknown as RunRecord

describe('bench: what the machine allows a ratio target', () => {
  test('the ratio with every core busy is the baseline cost per request over the run’s', () => {
    const runs = [
      // 1.5 of 2 cores for 7,500 posts a second: 200 µs a post, 80 of them the service's; 1.9 cores for 9,500
      // transactions: 200 µs each.
      run('progress', 7_500, 1.5, { baseline: 'pgbench', target: { minRatio: 1.5 } }, 0.6),
      run('pgbench', 9_500, 1.9, { role: 'baseline' }),
    ]
    expect(ratioCeilings(runs, 2)).toEqual([
      {
        run: 'progress',
        baseline: 'pgbench',
        runCostUs: 200,
        baselineCostUs: 200,
        ceiling: 1,
        targetRatio: 1.5,
        targetCostUs: 133,
        serviceCostUs: 80,
        restCostUs: 120,
        serviceAllowanceUs: 13,
        busyShare: 0.75,
      },
    ])
  })

  test('a cheaper request raises the ceiling whatever share of the machine the run used', () => {
    const runs = [
      run('progress', 4_000, 1.6, { baseline: 'pgbench', target: { minRatio: 1.5 } }), // 400 µs
      run('pgbench', 2_000, 1.7, { role: 'baseline' }), // 850 µs
    ]
    const [ceiling] = ratioCeilings(runs, 2)
    expect(ceiling?.ceiling).toBe(2.13)
    expect(ceiling?.targetCostUs).toBe(567)
  })

  test('when all but the service costs more than the target allows, no service reaches it', () => {
    const runs = [
      // 107 µs a post, 37 of them the service's: the rest's 70 µs is over the 62 µs that 1.5× allows.
      run('progress', 10_000, 1.07, { baseline: 'pgbench', target: { minRatio: 1.5 } }, 0.37),
      run('pgbench', 20_000, 1.86, { role: 'baseline' }), // 93 µs
    ]
    const [ceiling] = ratioCeilings(runs, 2)
    expect(ceiling?.restCostUs).toBe(70)
    expect(ceiling?.serviceAllowanceUs).toBe(-8)
    expect(formatRatioCeilings([ceiling!])).toContain(
      'all but the service took 70 µs a request, more than 1.5× allows: out of reach whatever the service costs (it took 37)',
    )
  })

  test('only runs with a ratio target and their baseline in the run, both with requests, get one', () => {
    const runs = [
      run('no target', 1_000, 1, { baseline: 'pgbench' }),
      run('baseline left out', 1_000, 1, { baseline: 'absent', target: { minRatio: 1.5 } }),
      run('idle baseline', 1_000, 1, { baseline: 'idle', target: { minRatio: 1.5 } }),
      run('pgbench', 1_000, 1, { role: 'baseline' }),
      run('idle', 0, 0.1, { role: 'baseline' }),
    ]
    expect(ratioCeilings(runs, 2)).toEqual([])
  })

  test('the report line names the costs, the ceiling and the cost the target needs', () => {
    const text = formatRatioCeilings(
      ratioCeilings(
        [
          run('progress', 7_203, 1.49, { baseline: 'pgbench', target: { minRatio: 1.5 } }, 0.55),
          run('pgbench', 9_744, 1.93, { role: 'baseline' }),
        ],
        2,
      ),
    )
    expect(text).toBe(
      '  progress: 0.96× at most (a request 207 µs of the machine, pgbench 198 µs); 1.5× needs a request at ≤ 132 µs; the run kept 75 % of the cores busy\n' +
        '    all but the service took 131 µs a request, which leaves the service ≤ 2 µs for 1.5× (it took 76)',
    )
  })
})
