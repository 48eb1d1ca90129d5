import postgres from 'postgres'
import { middleOfRun } from './cpu'
import { sidePoolName } from '../src/storage/postgres/index'

/**
 * What the service's group-commit connections were doing in Postgres during a progress run, from pg_stat_activity
 * sampled every `intervalMs` over the run's middle four sixths. `busyShare` is the share of samples in which one of
 * them was running a statement: near 1, the database is the bottleneck (every batch waits for the one before it);
 * well below 1, the database waits for the service to send the next batch. `states` splits the samples by what the
 * running statement was doing: `CPU` (on a CPU or waiting for one: Postgres names no wait) or the wait event
 * (`IO:WALSync` is the commit's flush of the WAL), each as a share of all samples.
 */
export interface StatementActivity {
  samples: number
  intervalMs: number
  busyShare: number
  states: Record<string, number>
}

/** One sample: the state of each group-commit statement running at that moment (none when the database idled). */
export type ActivitySample = string[]

const share = (count: number, whole: number) => Math.round((count / Math.max(1, whole)) * 1000) / 1000

export function summariseActivity(samples: readonly ActivitySample[], intervalMs: number): StatementActivity {
  const counts = new Map<string, number>()
  for (const running of samples) for (const state of new Set(running)) counts.set(state, (counts.get(state) ?? 0) + 1)
  const states: Record<string, number> = {}
  for (const [state, count] of [...counts].sort((a, b) => b[1] - a[1])) states[state] = share(count, samples.length)
  const busy = samples.filter((running) => running.length > 0).length
  return { samples: samples.length, intervalMs, busyShare: share(busy, samples.length), states }
}

export function formatActivity(runName: string, activity: StatementActivity): string {
  const states = Object.entries(activity.states)
    .map(([state, value]) => `${state} ${Math.round(value * 100)} %`)
    .join(', ')
  return (
    `${runName}: database busy with a batch ${Math.round(activity.busyShare * 100)} % of the time ` +
    `(${states || 'never'}; pg_stat_activity every ${activity.intervalMs} ms, ${activity.samples} samples)`
  )
}

/**
 * Samples the group-commit connections' activity over the middle of a run that takes `durationSec` from now
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
