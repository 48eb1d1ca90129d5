import { readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'

/** One load run's outcome, the same shape for wrk and pgbench. */
export interface LoadResult {
  tool: 'wrk' | 'pgbench'
  requests: number
  seconds: number
  perSecond: number
  latencyMs: { mean: number; p50: number; p90: number; p99: number; p999: number | null; max: number }
  /** Socket errors (connect/read/write/timeout) for wrk; failed transactions for pgbench. */
  errors: number
  /** Responses outside 2xx/3xx (wrk). */
  non2xx: number
  statuses: Record<string, number>
  command: string
}

export interface WrkRun {
  url: string
  script: string
  threads: number
  connections: number
  durationSec: number
  env: Record<string, string>
}

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits

export function wrkInstalled(): boolean {
  return Bun.which('wrk') !== null
}

export async function runWrk(run: WrkRun): Promise<LoadResult> {
  const args = ['wrk', `-t${run.threads}`, `-c${run.connections}`, `-d${run.durationSec}s`, '--latency', '-s', run.script, run.url]
  const proc = Bun.spawn(args, { env: run.env, stdout: 'pipe', stderr: 'pipe' })
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited])
  const line = stdout.split('\n').find((l) => l.startsWith('BENCH_RESULT '))
  if (code !== 0 || !line) throw new Error(`wrk failed (exit ${code}):\n${stdout}${stderr}`)
  const raw = JSON.parse(line.slice('BENCH_RESULT '.length)) as {
    duration_us: number
    requests: number
    errors: { connect: number; read: number; write: number; status: number; timeout: number }
    latency_us: { mean: number; p50: number; p90: number; p99: number; p999: number; max: number }
    statuses: Record<string, number>
  }
  const ms = (us: number) => round(us / 1_000)
  const seconds = raw.duration_us / 1e6
  return {
    tool: 'wrk',
    requests: raw.requests,
    seconds: round(seconds),
    perSecond: Math.round(raw.requests / seconds),
    latencyMs: {
      mean: ms(raw.latency_us.mean),
      p50: ms(raw.latency_us.p50),
      p90: ms(raw.latency_us.p90),
      p99: ms(raw.latency_us.p99),
      p999: ms(raw.latency_us.p999),
      max: ms(raw.latency_us.max),
    },
    errors: raw.errors.connect + raw.errors.read + raw.errors.write + raw.errors.timeout,
    non2xx: raw.errors.status,
    statuses: raw.statuses,
    command: args.join(' '),
  }
}

export interface PgbenchRun {
  databaseUrl: string
  script: string
  clients: number
  jobs: number
  durationSec: number
  variables: Record<string, number>
  /** Folder for the per-transaction logs (removed after parsing). */
  logDir: string
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}

/** The application_name of pgbench's connections, by which the bench finds them in pg_stat_activity. */
export const PGBENCH_APPLICATION_NAME = 'bench-pgbench'

/** pgbench with per-transaction logs (-l), so p50/p99 are exact rather than only the mean. */
export async function runPgbench(run: PgbenchRun): Promise<LoadResult> {
  const url = new URL(run.databaseUrl)
  const prefix = join(run.logDir, `pgbench-${process.pid}-${Date.now()}`)
  const args = [
    'pgbench', '-n', '-M', 'prepared', '-c', String(run.clients), '-j', String(run.jobs), '-T', String(run.durationSec),
    '-f', run.script, '-l', `--log-prefix=${prefix}`,
    ...Object.entries(run.variables).flatMap(([name, value]) => ['-D', `${name}=${value}`]),
    '-h', url.hostname, '-p', url.port || '5432', '-U', decodeURIComponent(url.username || 'postgres'),
    decodeURIComponent(url.pathname.slice(1)),
  ]
  const env: Record<string, string> = { ...(process.env as Record<string, string>) }
  if (url.password) env.PGPASSWORD = decodeURIComponent(url.password)
  env.PGAPPNAME = PGBENCH_APPLICATION_NAME
  const proc = Bun.spawn(args, { env, stdout: 'pipe', stderr: 'pipe' })
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited])
  const logs = readdirSync(run.logDir).filter((name) => name.startsWith(prefix.split('/').pop()!))
  try {
    if (code !== 0) throw new Error(`pgbench failed (exit ${code}):\n${stdout}${stderr}`)
    const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(stdout)
    const processed = /number of transactions actually processed: (\d+)/.exec(stdout)
    const failed = /number of failed transactions: (\d+)/.exec(stdout)
    if (!tps || !processed) throw new Error(`could not read pgbench's output:\n${stdout}${stderr}`)
    // Log line: client_id transaction_no latency_us script_no epoch_s epoch_us
    const latencies: number[] = []
    for (const name of logs) {
      for (const line of readFileSync(join(run.logDir, name), 'utf8').split('\n')) {
        const field = line.split(' ')[2]
        if (field !== undefined && field !== '') latencies.push(Number(field))
      }
    }
    const sorted = Float64Array.from(latencies).sort()
    const mean = latencies.reduce((sum, value) => sum + value, 0) / Math.max(1, latencies.length)
    const ms = (us: number) => round(us / 1_000)
    const requests = Number(processed[1])
    return {
      tool: 'pgbench',
      requests,
      seconds: run.durationSec,
      perSecond: Math.round(Number(tps[1])),
      latencyMs: {
        mean: ms(mean),
        p50: ms(percentile(sorted, 50)),
        p90: ms(percentile(sorted, 90)),
        p99: ms(percentile(sorted, 99)),
        p999: ms(percentile(sorted, 99.9)),
        max: ms(sorted[sorted.length - 1] ?? 0),
      },
      errors: failed ? Number(failed[1]) : 0,
      non2xx: 0,
      statuses: {},
      command: args.join(' '),
    }
  } finally {
    for (const name of logs) rmSync(join(run.logDir, name), { force: true })
  }
}
