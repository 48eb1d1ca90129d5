import postgres from 'postgres'
import { middleOfRun } from './cpu'
import { sidePoolName } from '../src/storage/postgres/index'

/**
 * What a group of connections (the service's group-commit connections, or pgbench's) were doing in Postgres during
 * a run, from pg_stat_activity sampled every `intervalMs` over the run's middle four sixths. `busyShare` is the share
 * of samples in which one of them was running a statement: for the service, near 1 the database is the bottleneck
 * (every batch waits for the one before it); well below 1, the database waits for the service to send the next batch.
 * `states` splits the samples by what the running statements were doing: `CPU` (on a CPU or waiting for one:
 * Postgres names no wait) or the wait event (`IO:WALSync` is the commit's flush of the WAL), each as the share of all
 * samples in which one of them was in it. `meanRunning` is how many of them ran a statement in a sample, on average,
 * and `runningStates` the share of those running statements in each state.
 */
export interface StatementActivity {
  samples: number
  intervalMs: number
  busyShare: number
  states: Record<string, number>
  meanRunning: number
  runningStates: Record<string, number>
}

/** One sample: the state of each group-commit statement running at that moment (none when the database idled). */
export type ActivitySample = string[]

const share = (count: number, whole: number) => Math.round((count / Math.max(1, whole)) * 1000) / 1000

/** Each count as a share of `whole`, largest first. */
function shares(counts: Map<string, number>, whole: number): Record<string, number> {
  const result: Record<string, number> = {}
  for (const [state, count] of [...counts].sort((a, b) => b[1] - a[1])) result[state] = share(count, whole)
  return result
}

export function summariseActivity(samples: readonly ActivitySample[], intervalMs: number): StatementActivity {
  const inSamples = new Map<string, number>()
  const ofRunning = new Map<string, number>()
  let running = 0
  for (const sample of samples) {
    for (const state of new Set(sample)) inSamples.set(state, (inSamples.get(state) ?? 0) + 1)
    for (const state of sample) ofRunning.set(state, (ofRunning.get(state) ?? 0) + 1)
    running += sample.length
  }
  const busy = samples.filter((sample) => sample.length > 0).length
  return {
    samples: samples.length,
    intervalMs,
    busyShare: share(busy, samples.length),
    states: shares(inSamples, samples.length),
    meanRunning: Math.round((running / Math.max(1, samples.length)) * 100) / 100,
    runningStates: shares(ofRunning, running),
  }
}

const percentages = (states: Record<string, number>) =>
  Object.entries(states)
    .map(([state, value]) => `${state} ${Math.round(value * 100)} %`)
    .join(', ')

export function formatActivity(runName: string, activity: StatementActivity): string {
  return (
    `${runName}: database busy with a batch ${Math.round(activity.busyShare * 100)} % of the time ` +
    `(${percentages(activity.states) || 'never'}; pg_stat_activity every ${activity.intervalMs} ms, ${activity.samples} samples)`
  )
}

/**
 * The pgbench baseline's line: how many of its `clients` connections were in a statement, and waiting for what. The
 * others sat idle between transactions, waiting for pgbench to send the next one (pgbench's own work, and its wait
 * for a CPU).
 */
export function formatBaselineActivity(runName: string, activity: StatementActivity, clients: number): string {
  // Dozens of connections show many rare states: those that round to 0 % are left out.
  const shown = Object.fromEntries(Object.entries(activity.runningStates).filter(([, value]) => value >= 0.005))
  return (
    `${runName}: on average ${activity.meanRunning} of its ${clients} connections in a statement ` +
    `(${percentages(shown) || 'none'} of them), the others idle, waiting for pgbench's next ` +
    `transaction (pg_stat_activity every ${activity.intervalMs} ms, ${activity.samples} samples)`
  )
}

/**
 * Samples the activity of the connections named `applicationName` (by default the service's group-commit
 * connections) over the middle of a run that takes `durationSec` from now
 * (middleOfRun, as for the run-queue waits). `result()`, once the run has ended, gives the summary,
 * or null if too few samples were taken. The sampling costs Postgres one short query per interval, on the backend
 * `backendPid` (the bench counts its CPU as its own, not as the service's database load).
 */
export async function sampleStatementActivity(
  databaseUrl: string,
  durationSec: number,
  intervalMs = 20,
  applicationName = sidePoolName('progress'),
): Promise<{ backendPid: number; result: () => Promise<StatementActivity | null> }> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {}, connection: { application_name: 'bench-activity' } })
  const [backend] = await sql<{ pid: number }[]>`select pg_backend_pid() as pid`
  const { fromMs, toMs } = middleOfRun(durationSec)
  const startAt = performance.now() + fromMs
  const stopAt = performance.now() + toMs
  const samples: ActivitySample[] = []
  let stopped = false
  const sampling = (async () => {
    await Bun.sleep(Math.max(0, startAt - performance.now()))
    while (!stopped && performance.now() < stopAt) {
      const rows = await sql<{ state: string }[]>`
        select coalesce(wait_event_type || ':' || wait_event, 'CPU') as state
        from pg_stat_activity where application_name = ${applicationName} and state = 'active'`
      samples.push(rows.map((row) => row.state))
      await Bun.sleep(intervalMs)
    }
  })()
  return {
    backendPid: backend!.pid,
    async result() {
      stopped = true
      await sampling.catch(() => {})
      await sql.end({ timeout: 1 })
      return samples.length < 10 ? null : summariseActivity(samples, intervalMs)
    },
  }
}
