import { describe, expect, test } from 'bun:test'
import { MetricsRegistry } from '../../src/ops/metrics'

/** The sample lines (not comments) of a rendered registry. */
const samples = (text: string) => text.split('\n').filter((line) => line !== '' && !line.startsWith('#'))

describe('metrics registry (Prometheus text format)', () => {
  test('counters and gauges render one line per label set, with HELP and TYPE', async () => {
    const registry = new MetricsRegistry()
    const requests = registry.counter('demo_requests_total', 'Requests', ['route', 'status'])
    const depth = registry.gauge('demo_depth', 'Queue depth')
    requests.inc({ route: '/a/:id', status: 200 })
    requests.inc({ route: '/a/:id', status: 200 }, 2)
    requests.inc({ route: '/b', status: 503 })
    depth.set(undefined, 7)
    depth.dec()
    const text = await registry.render()
    expect(text).toContain('# HELP demo_requests_total Requests\n# TYPE demo_requests_total counter\n')
    expect(text).toContain('# TYPE demo_depth gauge\n')
    expect(samples(text)).toEqual(
      expect.arrayContaining([
        'demo_requests_total{route="/a/:id",status="200"} 3',
        'demo_requests_total{route="/b",status="503"} 1',
        'demo_depth 6',
      ]),
    )
    expect(text.endsWith('\n')).toBe(true)
  })

  test('histograms render cumulative buckets, +Inf, sum and count per label set', async () => {
    const registry = new MetricsRegistry()
    const latency = registry.histogram('demo_seconds', 'Latency', ['route'], [0.1, 0.5, 1])
    for (const value of [0.05, 0.1, 0.3, 2]) latency.observe({ route: '/x' }, value)
    const lines = samples(await registry.render()).filter((line) => line.startsWith('demo_seconds'))
    expect(lines).toEqual([
      'demo_seconds_bucket{route="/x",le="0.1"} 2',
      'demo_seconds_bucket{route="/x",le="0.5"} 3',
      'demo_seconds_bucket{route="/x",le="1"} 3',
      'demo_seconds_bucket{route="/x",le="+Inf"} 4',
      'demo_seconds_sum{route="/x"} 2.45',
      'demo_seconds_count{route="/x"} 4',
    ])
  })

  test('label values are escaped; missing labels, bad names and duplicates are refused', async () => {
    const registry = new MetricsRegistry()
    const counter = registry.counter('demo_total', 'Help with \\ and\nnewline', ['path'])
    counter.inc({ path: 'a"b\\c\nd' })
    const text = await registry.render()
    expect(text).toContain('demo_total{path="a\\"b\\\\c\\nd"} 1')
    expect(text).toContain('# HELP demo_total Help with \\\\ and\\nnewline')
    expect(() => counter.inc({})).toThrow()
    expect(() => counter.inc({ path: 'x' }, -1)).toThrow()
    expect(() => registry.counter('demo_total', 'again')).toThrow()
    expect(() => registry.gauge('bad-name', 'x')).toThrow()
    expect(() => registry.histogram('demo_h', 'x', ['le'], [1])).toThrow()
  })

  test('a collector samples at scrape time; a failing or slow one is left out and counted', async () => {
    const registry = new MetricsRegistry(50)
    const backlog = registry.gauge('demo_backlog', 'Backlog')
    let answer: () => Promise<number> = async () => 5
    registry.addCollector({ name: 'backlog', clears: [backlog], collect: async () => backlog.set(undefined, await answer()) })

    expect(samples(await registry.render())).toContain('demo_backlog 5')

    answer = async () => {
      throw new Error('database down')
    }
    let text = await registry.render()
    expect(samples(text).some((line) => line.startsWith('demo_backlog'))).toBe(false)
    expect(samples(text)).toContain('achievement_metrics_collector_failures_total{collector="backlog"} 1')

    answer = () => new Promise(() => {}) // never answers
    const started = performance.now()
    text = await registry.render()
    expect(performance.now() - started).toBeLessThan(1_000)
    expect(samples(text).some((line) => line.startsWith('demo_backlog'))).toBe(false)
    expect(samples(text)).toContain('achievement_metrics_collector_failures_total{collector="backlog"} 2')
  })
})
