import type { CpuUse, RunQueueUse } from './cpu'
import type { LoadResult } from './load'
import type { AnswerTimes, CallsPerPost, DatabaseStalls, StageLatency } from './stages'
import type { StatementActivity } from './statement-activity'

export interface Target {
  /** Minimum ratio of req/s to the baseline's. */
  minRatio?: number
  maxP99Ms?: number
  zeroErrors?: boolean
}

export interface RunRecord {
  name: string
  /** What the numbers are: the service, or a baseline the service is compared with. */
  role: 'service' | 'baseline'
  /** Name of the baseline run this one is compared with. */
  baseline?: string
  target?: Target
  result: LoadResult
  cpu: CpuUse
  /** How long each part's threads waited for a CPU, over the middle of the run (bench/cpu.ts). */
  runQueue?: RunQueueUse
  /** Highest service VmRSS seen during the run (MB). */
  rssMaxMb?: number
  note?: string
  /** Busy cores just before the run (the machine should be idle). */
  busyBeforeCores?: number
  /** Progress runs: where the posts' time went inside the service (bench/stages.ts). */
  stages?: StageLatency[]
  /** Progress runs: database batches and Redis calls per post (bench/stages.ts). */
  callsPerPost?: CallsPerPost
  /** Progress runs: batch statements over 100 ms and calls past their deadline (bench/stages.ts). */
  stalls?: DatabaseStalls
  /** Progress runs: the share of posts the service answered within each of its histogram's bounds (bench/stages.ts). */
  answerTimes?: AnswerTimes
  /**
   * What the connections under test did in Postgres (bench/statement-activity.ts): the service's group-commit
   * connections in a progress run, pgbench's in a pgbench run.
   */
  statementActivity?: StatementActivity
}

/** CPU used by processes outside the bench during a run, above which its numbers are flagged as disturbed. */
export const DISTURBED_OTHER_CORES = 0.25

export const disturbed = (run: RunRecord) => (run.cpu.groups.other ?? 0) > DISTURBED_OTHER_CORES

export interface Check {
  name: string
  ok: boolean
  detail: string
}

export interface TargetOutcome {
  name: string
  value: string
  target: string
  met: boolean
}

export const totalErrors = (result: LoadResult) => result.errors + result.non2xx

export function ratioOf(run: RunRecord, runs: RunRecord[]): number | null {
  const baseline = runs.find((other) => other.name === run.baseline)
  if (!baseline || baseline.result.perSecond === 0) return null
  return Math.round((run.result.perSecond / baseline.result.perSecond) * 100) / 100
}

/** With --rounds above 1: each round's progress ratio to its own pgbench run, in order, and their median. */
export function roundRatios(runs: RunRecord[]): { ratios: number[]; median: number } | null {
  const ratios = runs
    .filter((run) => run.role === 'service' && run.name.startsWith('progress') && run.baseline?.startsWith('pgbench'))
    .map((run) => ratioOf(run, runs))
    .filter((ratio): ratio is number => ratio !== null)
  if (ratios.length < 2) return null
  const sorted = [...ratios].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  const median = sorted.length % 2 === 1 ? sorted[middle]! : Math.round(((sorted[middle - 1]! + sorted[middle]!) / 2) * 100) / 100
  return { ratios, median }
}

/**
 * What the machine's CPU allows a ratio target, from the CPU per request both runs measured: were each to keep
 * every core busy at its own cost per request (the load generator's included: wrk's, pgbench's client), the
 * ratio would be the baseline's cost over the run's. Below the target, no better use of the machine reaches
 * it; only a request that costs the machine less does.
 */
export interface RatioCeiling {
  run: string
  baseline: string
  /** The whole machine's busy CPU per request (µs): the run's and its baseline's. */
  runCostUs: number
  baselineCostUs: number
  /** The ratio with every core busy at those costs. */
  ceiling: number
  targetRatio: number
  /** The most a request of the run may cost the machine for the target ratio against this baseline (µs). */
  targetCostUs: number
  /** The service's own CPU per request (µs), and everything else's in the run (Postgres, Redis, the load, …). */
  serviceCostUs: number
  restCostUs: number
  /**
   * What the target leaves the service at the rest's measured cost: targetCostUs - restCostUs (µs). At or below
   * zero, not even a service that cost nothing would reach the target on this machine.
   */
  serviceAllowanceUs: number
  /** Share of the machine's cores the run kept busy. */
  busyShare: number
}

/** A run's per-second quantity (cores busy, context switches) per request it answered; 0 when it answered none. */
const perRequest = (run: RunRecord, perSecond: number) => (run.result.perSecond > 0 ? perSecond / run.result.perSecond : 0)

/** The CPU per request (µs) of the whole machine, or of one group of processes. */
const costPerRequestUs = (run: RunRecord, cores = run.cpu.busyCores) => perRequest(run, cores) * 1e6

export function ratioCeilings(runs: RunRecord[], cores: number): RatioCeiling[] {
  const ceilings: RatioCeiling[] = []
  for (const run of runs) {
    const targetRatio = run.target?.minRatio
    const baseline = runs.find((other) => other.name === run.baseline)
    if (targetRatio === undefined || !baseline) continue
    const runCostUs = costPerRequestUs(run)
    const baselineCostUs = costPerRequestUs(baseline)
    if (runCostUs <= 0 || baselineCostUs <= 0) continue
    const serviceCostUs = costPerRequestUs(run, run.cpu.groups.service ?? 0)
    const targetCostUs = baselineCostUs / targetRatio
    ceilings.push({
      run: run.name,
      baseline: baseline.name,
      runCostUs: Math.round(runCostUs),
      baselineCostUs: Math.round(baselineCostUs),
      ceiling: Math.round((baselineCostUs / runCostUs) * 100) / 100,
      targetRatio,
      targetCostUs: Math.round(targetCostUs),
      serviceCostUs: Math.round(serviceCostUs),
      restCostUs: Math.round(runCostUs - serviceCostUs),
      serviceAllowanceUs: Math.round(targetCostUs - (runCostUs - serviceCostUs)),
      busyShare: Math.round((run.cpu.busyCores / cores) * 100) / 100,
    })
  }
  return ceilings
}

export function evaluateTargets(runs: RunRecord[], rssMaxMb: number | null, rssLimitMb: number | null): TargetOutcome[] {
  const outcomes: TargetOutcome[] = []
  for (const run of runs) {
    const { target } = run
    if (!target) continue
    // A baseline left out with --only: no ratio to judge.
    if (target.minRatio !== undefined && runs.some((other) => other.name === run.baseline)) {
      const ratio = ratioOf(run, runs)
      outcomes.push({
        name: `${run.name}: req/s vs ${run.baseline}`,
        value: ratio === null ? 'n/a' : `${ratio}×`,
        target: `≥ ${target.minRatio}×`,
        met: ratio !== null && ratio >= target.minRatio,
      })
    }
    if (target.maxP99Ms !== undefined) {
      outcomes.push({
        name: `${run.name}: p99`,
        value: `${run.result.latencyMs.p99} ms`,
        target: `≤ ${target.maxP99Ms} ms`,
        met: run.result.latencyMs.p99 <= target.maxP99Ms,
      })
    }
    if (target.zeroErrors) {
      outcomes.push({ name: `${run.name}: errors`, value: String(totalErrors(run.result)), target: '0', met: totalErrors(run.result) === 0 })
    }
  }
  if (rssMaxMb !== null && rssLimitMb !== null) {
    outcomes.push({ name: 'service max RSS', value: `${rssMaxMb.toFixed(0)} MB`, target: `< ${rssLimitMb} MB`, met: rssMaxMb < rssLimitMb })
  }
  return outcomes
}

const pad = (text: string, width: number, right = false) => (right ? text.padStart(width) : text.padEnd(width))
const number = (value: number) => value.toLocaleString('en-US')

export function formatTable(runs: RunRecord[]): string {
  const header = ['run', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'vs baseline', 'RSS MB', '']
  const rows = runs.map((run) => {
    const ratio = ratioOf(run, runs)
    const errors = totalErrors(run.result)
    const non2xx = run.result.non2xx > 0 ? ` (${run.result.non2xx} non-2xx)` : ''
    return [
      run.name,
      number(run.result.perSecond),
      run.result.latencyMs.p50.toFixed(2),
      run.result.latencyMs.p99.toFixed(2),
      `${errors}${non2xx}`,
      ratio === null ? (run.role === 'baseline' ? '(baseline)' : '') : `${ratio.toFixed(2)}× ${run.baseline}`,
      run.rssMaxMb === undefined ? '' : run.rssMaxMb.toFixed(0),
      disturbed(run) ? `disturbed (other work ${run.cpu.groups.other!.toFixed(2)} cores)` : '',
    ]
  })
  return alignedLines(header, rows, (column) => column > 0 && column < 5, true).join('\n')
}

/**
 * A table's header and rows as lines, each column as wide as its widest cell, the columns `rightAligned` picks
 * padded on the left, with a line of dashes under the header when `rule` is set.
 */
function alignedLines(header: string[], rows: string[][], rightAligned: (column: number) => boolean, rule = false): string[] {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)))
  const line = (cells: string[]) => cells.map((cell, column) => pad(cell, widths[column]!, rightAligned(column))).join('  ')
  return [line(header), ...(rule ? [widths.map((width) => '-'.repeat(width)).join('  ')] : []), ...rows.map(line)]
}

export function formatCpu(runs: RunRecord[], cores: number): string {
  const groups = ['service', 'postgres', 'redis', 'stub', 'bare', 'load', 'perf', 'runner', 'other']
  const present = groups.filter((group) => runs.some((run) => (run.cpu.groups[group] ?? 0) > 0))
  // Per request, the whole machine: busy CPU, and context switches (each a process put to sleep or woken).
  const header = ['cpu (cores)', ...present, 'busy', 'µs/req', 'switches/req']
  const perRequestCell = (perSecond: number | undefined, run: RunRecord, scale: number, digits: number) =>
    perSecond === undefined || run.result.perSecond <= 0 ? '' : (perRequest(run, perSecond) * scale).toFixed(digits)
  const rows = runs.map((run) => [
    run.name,
    ...present.map((group) => (run.cpu.groups[group] ?? 0).toFixed(2)),
    `${run.cpu.busyCores.toFixed(2)}/${cores}`,
    perRequestCell(run.cpu.busyCores, run, 1e6, 0),
    perRequestCell(run.cpu.contextSwitchesPerSecond, run, 1, 1),
  ])
  return alignedLines(header, rows, (column) => column > 0).join('\n')
}

/** Below this many cores of work in a run, a part's run-queue share says nothing (a few wakeups of an idle part). */
const RUN_QUEUE_MIN_CORES = 0.02

/**
 * Per run and part, the share of its threads' runnable time spent waiting in a run queue for a CPU: on a
 * machine where everything shares two cores, the latency that no code path shows. Blank for a part that was
 * (nearly) idle in that run.
 */
export function formatRunQueue(runs: RunRecord[]): string {
  const groups = ['service', 'postgres', 'redis', 'stub', 'bare', 'load']
  const busy = (run: RunRecord, group: string) => {
    const use = run.runQueue?.groups[group]
    return use !== undefined && use.runningCores >= RUN_QUEUE_MIN_CORES ? use : undefined
  }
  const present = groups.filter((group) => runs.some((run) => busy(run, group)))
  const header = ['waiting for a CPU', ...present]
  const rows = runs.map((run) => [
    run.name,
    ...present.map((group) => {
      const use = busy(run, group)
      return use === undefined ? '' : `${Math.round(use.waitShare * 100)} %`
    }),
  ])
  return alignedLines(header, rows, (column) => column > 0).join('\n')
}

export function formatRatioCeilings(ceilings: RatioCeiling[]): string {
  return ceilings
    .map(
      (c) =>
        `  ${c.run}: ${c.ceiling}× at most (a request ${number(c.runCostUs)} µs of the machine, ${c.baseline} ${number(c.baselineCostUs)} µs); ` +
        `${c.targetRatio}× needs a request at ≤ ${number(c.targetCostUs)} µs; the run kept ${Math.round(c.busyShare * 100)} % of the cores busy\n` +
        `    all but the service took ${number(c.restCostUs)} µs a request, ` +
        (c.serviceAllowanceUs > 0
          ? `which leaves the service ≤ ${number(c.serviceAllowanceUs)} µs for ${c.targetRatio}× (it took ${number(c.serviceCostUs)})`
          : `more than ${c.targetRatio}× allows: out of reach whatever the service costs (it took ${number(c.serviceCostUs)})`),
    )
    .join('\n')
}

export function formatTargets(outcomes: TargetOutcome[]): string {
  return outcomes.map((o) => `  [${o.met ? 'met ' : 'MISS'}] ${o.name}: ${o.value} (target ${o.target})`).join('\n')
}

export function formatChecks(checks: Check[]): string {
  return checks.map((c) => `  [${c.ok ? ' ok ' : 'FAIL'}] ${c.name}: ${c.detail}`).join('\n')
}
