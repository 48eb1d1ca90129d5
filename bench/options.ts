/** Command-line flags and environment of `bun run bench`. */

export const PHASES = ['progress', 'pgbench', 'leaderboard', 'bare'] as const
export type Phase = (typeof PHASES)[number]

export interface BenchOptions {
  quick: boolean
  /** Run the progress mix against the embedded SQLite mode instead of the Postgres suite. */
  sqlite: boolean
  /** Add a progress run against a service started with `bun --cpu-prof`, and summarise the profile. */
  profile: boolean
  /** Keep the bench database (and Redis keys) for inspection instead of dropping them. */
  keep: boolean
  /** Point NOTIFICATION_SERVICE_URL at the stub, so the outbox dispatcher delivers during the run. */
  notify: boolean
  players: number
  achievements: number
  durationSec: number
  warmupSec: number
  connections: number
  wrkThreads: number
  pgbenchJobs: number
  /** Before each measured phase, wait up to this long for the machine to be idle (other work distorts numbers). */
  quietWaitSec: number
  /** Phases to run (default all): progress, pgbench, leaderboard, bare. */
  only: Set<Phase>
  /**
   * How many times the progress run and its pgbench baseline run, alternating (default 1). On a machine whose
   * speed drifts within minutes, the ratios of several rounds, and their median, say more than one ratio.
   */
  rounds: number
  /**
   * Overrides of the service's environment, for A/B runs of a runtime or tuning setting: each name is set to its
   * value, or removed when the value is empty (e.g. MIMALLOC_PURGE_DELAY= runs without the production setting).
   */
  serviceEnv: Record<string, string>
  /** Source tree whose src/main.ts is benchmarked (default: this one), e.g. an instrumented copy or another worktree. */
  serviceDir: string | null
  /** Admin URL of the Postgres server the bench database is created on. */
  postgresUrl: string
  redisUrl: string
}

export const USAGE = `usage: bun run bench [--quick] [--sqlite] [--profile] [--notify] [--keep]
                     [--players=N] [--duration=SEC] [--warmup=SEC] [--connections=N] [--threads=N] [--jobs=N]
                     [--quiet-wait=SEC] [--only=progress,pgbench,leaderboard,bare] [--rounds=N]
                     [--service-env=NAME=VALUE[,NAME=VALUE...]]  (an empty VALUE removes NAME)
env: BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres)
     BENCH_REDIS_URL    (default redis://127.0.0.1:6379)
     BENCH_SERVICE_DIR  (default: this checkout) tree whose src/main.ts is started`

function parseServiceEnv(raw: string | undefined): Record<string, string> {
  const overrides: Record<string, string> = {}
  if (raw === undefined) return overrides
  for (const pair of raw.split(',')) {
    const equals = pair.indexOf('=')
    const name = equals < 0 ? pair : pair.slice(0, equals)
    if (equals < 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new Error(`--service-env takes NAME=VALUE pairs separated by commas; got "${pair}"`)
    }
    overrides[name] = pair.slice(equals + 1)
  }
  return overrides
}

function positive(flag: string, raw: string): number {
  const value = Number(raw)
  if (!Number.isInteger(value) || value < 1) throw new Error(`${flag} must be a positive integer, got "${raw}"`)
  return value
}

/** A standalone bench tool's numeric `--name=value` flag (store-cost, redis-cost), or the fallback when absent. */
export function numericFlag(argv: readonly string[], name: string, fallback: number): number {
  return Number(argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback)
}

export function parseOptions(argv: string[], env: Record<string, string | undefined>): BenchOptions {
  const flags = new Set<string>()
  const values = new Map<string, string>()
  for (const arg of argv) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg)
    if (!match) throw new Error(`unknown argument "${arg}"\n${USAGE}`)
    if (match[2] === undefined) flags.add(match[1]!)
    else values.set(match[1]!, match[2])
  }
  const known = new Set(['quick', 'sqlite', 'profile', 'keep', 'notify', 'help'])
  for (const flag of flags) if (!known.has(flag)) throw new Error(`unknown flag --${flag}\n${USAGE}`)
  const knownValues = new Set(['players', 'duration', 'warmup', 'connections', 'threads', 'jobs', 'quiet-wait', 'only', 'rounds', 'service-env'])
  for (const name of values.keys()) if (!knownValues.has(name)) throw new Error(`unknown option --${name}\n${USAGE}`)
  if (flags.has('help')) {
    console.log(USAGE)
    process.exit(0)
  }

  const quick = flags.has('quick')
  const only = new Set<Phase>(PHASES)
  if (values.has('only')) {
    only.clear()
    for (const name of values.get('only')!.split(',')) {
      if (!(PHASES as readonly string[]).includes(name)) throw new Error(`--only takes ${PHASES.join(', ')}; got "${name}"`)
      only.add(name as Phase)
    }
  }
  const value = (name: string, fallback: number) => (values.has(name) ? positive(`--${name}`, values.get(name)!) : fallback)
  return {
    quick,
    sqlite: flags.has('sqlite'),
    profile: flags.has('profile'),
    keep: flags.has('keep'),
    notify: flags.has('notify'),
    players: value('players', quick ? 10_000 : 100_000),
    achievements: 50,
    durationSec: value('duration', quick ? 3 : 15),
    warmupSec: value('warmup', quick ? 1 : 3),
    connections: value('connections', 64),
    wrkThreads: value('threads', 2),
    pgbenchJobs: value('jobs', 2),
    quietWaitSec: values.get('quiet-wait') === '0' ? 0 : value('quiet-wait', quick ? 0 : 30),
    only,
    rounds: value('rounds', 1),
    serviceEnv: parseServiceEnv(values.get('service-env')),
    serviceDir: env.BENCH_SERVICE_DIR ?? null,
    postgresUrl: env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    redisUrl: env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
  }
}
