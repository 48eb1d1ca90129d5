/**
 * A small Prometheus registry: counters, gauges and histograms with labels, rendered in the text exposition
 * format (version 0.0.4). Collectors run at scrape time to sample values that live elsewhere (outbox backlog,
 * cache sizes), each bounded by a timeout so that a slow dependency never hangs a scrape.
 */

import { withDeadline } from './deadline'

export type Labels = Readonly<Record<string, string | number>>

/** What the registry needs of any metric. */
export interface RegisteredMetric {
  readonly name: string
  render(): string
  reset(): void
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')
}

export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (value === Infinity) return '+Inf'
  if (value === -Infinity) return '-Inf'
  return String(value)
}

function labelText(names: readonly string[], values: readonly string[], extra?: [string, string]): string {
  const parts = names.map((name, index) => `${name}="${escapeLabelValue(values[index]!)}"`)
  if (extra) parts.push(`${extra[0]}="${escapeLabelValue(extra[1])}"`)
  return parts.length > 0 ? `{${parts.join(',')}}` : ''
}

abstract class Metric<Series> implements RegisteredMetric {
  protected readonly series = new Map<string, { values: string[]; data: Series }>()

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {
    if (!NAME.test(name)) throw new Error(`invalid metric name ${name}`)
    for (const label of labelNames) {
      if (!LABEL_NAME.test(label) || label.startsWith('__') || label === 'le') throw new Error(`invalid label name ${label} on ${name}`)
    }
  }

  abstract readonly type: 'counter' | 'gauge' | 'histogram'
  protected abstract fresh(): Series
  protected abstract lines(labels: string[], data: Series): string[]

  protected at(labels: Labels | undefined): Series {
    const values = this.labelNames.map((name) => {
      const value = labels?.[name]
      if (value === undefined) throw new Error(`metric ${this.name} needs label ${name}`)
      return String(value)
    })
    const key = values.join('\u0000')
    let entry = this.series.get(key)
    if (!entry) {
      entry = { values, data: this.fresh() }
      this.series.set(key, entry)
    }
    return entry.data
  }

  /** Drops every series (a sampled gauge is cleared before it is sampled again). */
  reset(): void {
    this.series.clear()
  }

  render(): string {
    const out = [`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${this.type}`]
    for (const { values, data } of this.series.values()) out.push(...this.lines(values, data))
    return out.join('\n')
  }
}

export class Counter extends Metric<{ value: number }> {
  readonly type = 'counter'

  protected fresh() {
    return { value: 0 }
  }

  inc(labels?: Labels, by = 1): void {
    if (!(by >= 0)) throw new Error(`counter ${this.name} can only go up`)
    this.at(labels).value += by
  }

  /** For counters kept elsewhere (a component's own tally), copied in at scrape time. */
  setTotal(labels: Labels | undefined, total: number): void {
    this.at(labels).value = total
  }

  value(labels?: Labels): number {
    return this.at(labels).value
  }

  protected lines(values: string[], data: { value: number }) {
    return [`${this.name}${labelText(this.labelNames, values)} ${formatValue(data.value)}`]
  }
}

export class Gauge extends Metric<{ value: number }> {
  readonly type = 'gauge'

  protected fresh() {
    return { value: 0 }
  }

  set(labels: Labels | undefined, value: number): void {
    this.at(labels).value = value
  }

  inc(labels?: Labels, by = 1): void {
    this.at(labels).value += by
  }

  dec(labels?: Labels, by = 1): void {
    this.at(labels).value -= by
  }

  value(labels?: Labels): number {
    return this.at(labels).value
  }

  protected lines(values: string[], data: { value: number }) {
    return [`${this.name}${labelText(this.labelNames, values)} ${formatValue(data.value)}`]
  }
}

interface HistogramSeries {
  /** Per-bucket (not cumulative) counts; the last slot is +Inf. */
  counts: number[]
  sum: number
  count: number
}

export class Histogram extends Metric<HistogramSeries> {
  readonly type = 'histogram'
  readonly buckets: readonly number[]

  constructor(name: string, help: string, labelNames: readonly string[], buckets: readonly number[]) {
    super(name, help, labelNames)
    const sorted = [...buckets].sort((a, b) => a - b)
    if (sorted.length === 0 || sorted.some((b, i) => !Number.isFinite(b) || (i > 0 && b === sorted[i - 1]))) {
      throw new Error(`histogram ${name} needs distinct finite buckets`)
    }
    this.buckets = sorted
  }

  protected fresh(): HistogramSeries {
    return { counts: new Array<number>(this.buckets.length + 1).fill(0), sum: 0, count: 0 }
  }

  observe(labels: Labels | undefined, value: number): void {
    const series = this.at(labels)
    let index = this.buckets.findIndex((bound) => value <= bound)
    if (index === -1) index = this.buckets.length
    series.counts[index]! += 1
    series.sum += value
    series.count += 1
  }

  /** Count and sum of one series (tests). */
  snapshot(labels?: Labels): { count: number; sum: number } {
    const series = this.at(labels)
    return { count: series.count, sum: series.sum }
  }

  protected lines(values: string[], data: HistogramSeries) {
    const out: string[] = []
    let cumulative = 0
    this.buckets.forEach((bound, index) => {
      cumulative += data.counts[index]!
      out.push(`${this.name}_bucket${labelText(this.labelNames, values, ['le', formatValue(bound)])} ${cumulative}`)
    })
    cumulative += data.counts[this.buckets.length]!
    out.push(`${this.name}_bucket${labelText(this.labelNames, values, ['le', '+Inf'])} ${cumulative}`)
    const labels = labelText(this.labelNames, values)
    out.push(`${this.name}_sum${labels} ${formatValue(data.sum)}`, `${this.name}_count${labels} ${data.count}`)
    return out
  }
}

export interface Collector {
  /** Names the collector in the failure counter. */
  name: string
  /** Samples values into metrics of this registry; may be async. */
  collect(): void | Promise<void>
  /** Metrics cleared before each collection, so that a failed sample shows no stale value. */
  clears?: RegisteredMetric[]
}

const DEFAULT_COLLECT_TIMEOUT_MS = 500

export class MetricsRegistry {
  private readonly metrics = new Map<string, RegisteredMetric>()
  private readonly collectors: Collector[] = []
  private readonly collectorFailures: Counter

  constructor(private readonly collectTimeoutMs = DEFAULT_COLLECT_TIMEOUT_MS) {
    this.collectorFailures = this.counter(
      'achievement_metrics_collector_failures_total',
      'Scrape-time samples that failed or timed out (their metrics are left out of that scrape)',
      ['collector'],
    )
  }

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return this.add(new Counter(name, help, labelNames))
  }

  gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge {
    return this.add(new Gauge(name, help, labelNames))
  }

  histogram(name: string, help: string, labelNames: readonly string[], buckets: readonly number[]): Histogram {
    return this.add(new Histogram(name, help, labelNames, buckets))
  }

  /** Runs at every scrape, before rendering. */
  addCollector(collector: Collector): void {
    this.collectors.push(collector)
  }

  get(name: string): RegisteredMetric | undefined {
    return this.metrics.get(name)
  }

  async render(): Promise<string> {
    await Promise.all(this.collectors.map((collector) => this.runCollector(collector)))
    return [...this.metrics.values()].map((metric) => metric.render()).join('\n') + '\n'
  }

  private async runCollector(collector: Collector): Promise<void> {
    for (const metric of collector.clears ?? []) metric.reset()
    try {
      await withDeadline(
        Promise.resolve().then(() => collector.collect()),
        this.collectTimeoutMs,
        () => new Error('collector timed out'),
      )
    } catch {
      // Whatever the collector managed to set before failing would be partial: drop it.
      for (const metric of collector.clears ?? []) metric.reset()
      this.collectorFailures.inc({ collector: collector.name })
    }
  }

  private add<M extends RegisteredMetric>(metric: M): M {
    if (this.metrics.has(metric.name)) throw new Error(`metric ${metric.name} registered twice`)
    this.metrics.set(metric.name, metric)
    return metric
  }
}
