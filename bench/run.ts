/**
 * `bun run bench`: the throughput benchmark. Seeds a fresh database, starts the service as a separate process in
 * its production configuration, drives it with wrk, runs the baselines (pgbench single-statement progress write,
 * bare Bun.serve), checks that Redis, the database and the outbox agree, and prints one table that it also
 * writes to bench/results/<timestamp>.json. See USAGE in options.ts for the flags.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join, relative, resolve } from 'node:path'
import {
  formatAnswerTimes,
  formatCallsPerPost,
  formatStages,
  formatStalls,
  progressMetricsBetween,
  scrapeMetrics,
  type AnswerTimes,
  type CallsPerPost,
  type DatabaseStalls,
  type StageLatency,
} from './stages'
import { POINTS, TARGETS, STAR_TOKEN_STEP } from './catalog'
import { CpuMeter, waitForQuiet, type RunQueueUse } from './cpu'
import { PGBENCH_APPLICATION_NAME, runPgbench, runWrk, wrkInstalled, type LoadResult } from './load'
import { parseOptions, type BenchOptions } from './options'
import { perfInstalled, recordPerf, summarisePerf, type PerfSummary } from './perf'
import { createBenchDatabase, settleBeforePhase, serverVersion, dropBenchDatabase, readDatabaseFacts, seedPostgres, type DatabaseFacts, type SeedSummary } from './postgres'
import { type Child, RssSampler, freePort, logTail, runCommand, spawnChild, waitForHttp } from './processes'
import { formatProfile, summariseProfile, type ProfileSummary } from './profile'
import { BenchRedis, compareBoard } from './redis'
import { type Check, type RunRecord, evaluateTargets, formatChecks, formatCpu, formatRatioCeilings, formatRunQueue, formatTable, formatTargets, ratioCeilings, roundRatios, totalErrors } from './report'
import { readSqliteFacts, seedSqlite } from './sqlite'
import { formatActivity, formatBaselineActivity, sampleStatementActivity, type StatementActivity } from './statement-activity'
import { PRODUCTION_RUNTIME_ENV } from '../src/ops/runtime-env'

const BENCH_DIR = import.meta.dir
const ROOT = resolve(BENCH_DIR, '..')
const LUA_DIR = join(BENCH_DIR, 'lua')
const RESULTS_DIR = join(BENCH_DIR, 'results')
const RSS_LIMIT_MB = 256
const HEALTH_PATH = '/health'

const startedAt = Date.now()
const log = (message: string) => console.log(`[bench ${((Date.now() - startedAt) / 1000).toFixed(1).padStart(5)}s] ${message}`)

/** Cleanups run in reverse order at the end, on failure and on Ctrl-C. */
const cleanups: { name: string; run: () => Promise<unknown> }[] = []
async function runCleanups(): Promise<void> {
  while (cleanups.length > 0) {
    const cleanup = cleanups.pop()!
    try {
      await cleanup.run()
    } catch (error) {
      console.error(`cleanup "${cleanup.name}" failed: ${(error as Error).message}`)
    }
  }
}

/** The parent's environment without the service's own variables, so only what the bench sets reaches it. */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined) continue
    if (/^(ACHIEVEMENT_|LEADERBOARD_|NOTIFICATION_SERVICE_|USER_SERVICE_|STAR_TOKEN_)/.test(name)) continue
    if (name === 'NODE_ENV' || name === 'LOG_LEVEL' || name === 'PORT') continue
    env[name] = value
  }
  return env
}

function checkTools(options: BenchOptions): void {
  const missing: string[] = []
  if (!wrkInstalled()) missing.push('wrk is not installed: apt-get install -y wrk (Debian/Ubuntu) or brew install wrk (macOS)')
  if (!options.sqlite && Bun.which('pgbench') === null) {
    missing.push('pgbench is not installed: it ships with the PostgreSQL server package (Debian: apt-get install -y postgresql-15; macOS: brew install postgresql@15)')
  }
  if (missing.length > 0) throw new Error(missing.join('\n'))
}

interface Stage {
  options: BenchOptions
  runId: string
  workDir: string
  databaseUrl: string
  redis: BenchRedis
  stubUrl: string
  meter: CpuMeter
  roles: Map<number, string>
}

function serviceEnv(stage: Stage, port: number): Record<string, string> {
  const env: Record<string, string> = {
    ...baseEnv(),
    ...PRODUCTION_RUNTIME_ENV,
    NODE_ENV: 'production',
    ACHIEVEMENT_AUTH_DISABLED: 'true',
    LOG_LEVEL: 'warn',
    ACHIEVEMENT_DATABASE_URL: stage.databaseUrl,
    ACHIEVEMENT_REDIS_URL: stage.options.redisUrl,
    LEADERBOARD_KEY: stage.redis.leaderboardKey,
    ACHIEVEMENT_RATE_LIMIT_KEY_PREFIX: stage.redis.rateLimitPrefix,
    USER_SERVICE_URL: stage.stubUrl,
    STAR_TOKEN_SCORE_STEP: String(STAR_TOKEN_STEP),
    PORT: String(port),
  }
  if (stage.options.notify) env.NOTIFICATION_SERVICE_URL = stage.stubUrl
  for (const [name, value] of Object.entries(stage.options.serviceEnv)) {
    if (value === '') delete env[name]
    else env[name] = value
  }
  return env
}

interface RunningService {
  child: Child
  url: string
  rss: RssSampler
}

async function startService(stage: Stage, label: string, bunFlags: string[] = []): Promise<RunningService> {
  const port = freePort()
  const child = spawnChild(
    label,
    [process.execPath, ...bunFlags, 'src/main.ts'],
    serviceEnv(stage, port),
    join(stage.workDir, `${label}.log`),
    stage.options.serviceDir ?? ROOT,
  )
  cleanups.push({ name: `stop ${label}`, run: () => child.stop(5_000) })
  const url = `http://127.0.0.1:${port}`
  await waitForHttp(`${url}${HEALTH_PATH}`, child)
  // The board was rebuilt before the start; the service trusts it once it has checked the marker.
  const deadline = Date.now() + 10_000
  while (!(await stage.redis.markerExists()) && Date.now() < deadline) await Bun.sleep(100)
  stage.roles.set(child.pid, 'service')
  const rss = new RssSampler(child.pid)
  rss.start()
  return { child, url, rss }
}

async function stopService(stage: Stage, service: RunningService): Promise<{ exitCode: number; logProblems: string[] }> {
  service.rss.stop()
  const exitCode = await service.child.stop()
  stage.roles.delete(service.child.pid)
  let lines: string[] = []
  try {
    lines = readFileSync(service.child.logPath, 'utf8').split('\n')
  } catch {}
  // The one expected warning: auth is disabled on purpose (ACHIEVEMENT_AUTH_DISABLED=true).
  const logProblems = lines.filter((line) => /"level":"(warn|error)"/.test(line) && !line.includes('authentication is disabled'))
  return { exitCode, logProblems }
}

interface WrkPhase {
  name: string
  url: string
  script: 'progress' | 'leaderboard'
  env?: Record<string, string>
}

let seedCounter = 1

function wrkEnv(stage: Stage, label: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...baseEnv(),
    BENCH_LUA_DIR: LUA_DIR,
    BENCH_PLAYERS: String(stage.options.players),
    BENCH_ACHIEVEMENTS: String(stage.options.achievements),
    // Part of the Idempotency-Keys the progress script sends: visible ASCII only.
    BENCH_RUN_ID: `${stage.runId}-${label.replace(/[^A-Za-z0-9]+/g, '-')}`,
    BENCH_SEED: String(seedCounter++),
    ...extra,
  }
}

/** Waits for the machine to be idle before a measured phase (bounded by --quiet-wait); returns the busy cores. */
async function quiet(stage: Stage): Promise<number> {
  const busy = await waitForQuiet(stage.meter, stage.options.quietWaitSec * 1_000, 0.3, cpus().length)
  if (busy > 0.3) log(`the machine is still busy (${busy} cores) after waiting ${stage.options.quietWaitSec}s; measuring anyway`)
  return busy
}

/** Warm-up, then a measured wrk run with CPU accounting and the service's RSS attributed to it. */
async function measureWrk(
  stage: Stage,
  phase: WrkPhase,
  rss: RssSampler | null,
): Promise<{
  result: LoadResult
  cpu: ReturnType<typeof CpuMeter.between>
  runQueue?: RunQueueUse
  busyBeforeCores: number
  rssMaxMb?: number
  stages?: StageLatency[]
  callsPerPost?: CallsPerPost
  stalls?: DatabaseStalls
  answerTimes?: AnswerTimes
  statementActivity?: StatementActivity
}> {
  const { options } = stage
  const script = join(LUA_DIR, `${phase.script}.lua`)
  const base = { url: phase.url, script, threads: options.wrkThreads, connections: options.connections }
  log(`${phase.name}: warm-up ${options.warmupSec}s`)
  await runWrk({ ...base, durationSec: options.warmupSec, env: wrkEnv(stage, `${phase.name}-warmup`, phase.env) })
  if (!options.sqlite) await settleBeforePhase(stage.databaseUrl)
  const busyBeforeCores = await quiet(stage)
  log(`${phase.name}: wrk -t${options.wrkThreads} -c${options.connections} -d${options.durationSec}s`)
  // The service's own stage histograms and call counters, read around the run (outside the CPU accounting).
  const metricsBefore = phase.script === 'progress' ? await scrapeMetrics(phase.url) : null
  const activity = phase.script === 'progress' && !options.sqlite ? await startActivitySampler(stage) : null
  rss?.enter(phase.name)
  const { value: result, cpu, runQueue } = await stage.meter.measure(options.durationSec, cpus().length, () =>
    runWrk({ ...base, durationSec: options.durationSec, env: wrkEnv(stage, phase.name, phase.env) }),
  )
  rss?.enter(null)
  const progress = metricsBefore === null ? null : progressMetricsBetween(metricsBefore, await scrapeMetrics(phase.url))
  const statementActivity = await activity?.()
  log(`${phase.name}: ${result.perSecond} req/s, p99 ${result.latencyMs.p99} ms, errors ${totalErrors(result)}`)
  return {
    result,
    cpu,
    ...(runQueue ? { runQueue } : {}),
    busyBeforeCores,
    ...(rss ? { rssMaxMb: Math.round(rss.maxByPhase[phase.name] ?? 0) } : {}),
    ...(progress ? { stages: progress.stages } : {}),
    ...(progress?.callsPerPost ? { callsPerPost: progress.callsPerPost } : {}),
    ...(progress ? { stalls: progress.stalls } : {}),
    ...(progress?.answerTimes ? { answerTimes: progress.answerTimes } : {}),
    ...(statementActivity ? { statementActivity } : {}),
  }
}

/**
 * Starts sampling the activity in Postgres of the connections named `applicationName` (by default the service's
 * group-commit connections) over the measured run's middle; the function it answers ends the sampling and gives the
 * summary. The sampler's backend is the bench's own work, not the database load under test.
 */
async function startActivitySampler(stage: Stage, applicationName?: string): Promise<() => Promise<StatementActivity | undefined>> {
  const activity = await sampleStatementActivity(stage.databaseUrl, stage.options.durationSec, undefined, applicationName).catch(() => null)
  if (!activity) return async () => undefined
  stage.roles.set(activity.backendPid, 'runner')
  return async () => {
    const summary = await activity.result()
    stage.roles.delete(activity.backendPid)
    return summary ?? undefined
  }
}

async function measurePgbench(stage: Stage, name: string): Promise<RunRecord> {
  const { options } = stage
  const variables: Record<string, number> = { players: options.players, achievements: options.achievements }
  TARGETS.forEach((target, index) => (variables[`t${index}`] = target))
  POINTS.forEach((points, index) => (variables[`p${index}`] = points))
  const base = {
    databaseUrl: stage.databaseUrl,
    script: join(BENCH_DIR, 'pgbench-progress.sql'),
    clients: options.connections,
    jobs: options.pgbenchJobs,
    variables,
    logDir: stage.workDir,
  }
  log(`pgbench: warm-up ${options.warmupSec}s`)
  await runPgbench({ ...base, durationSec: options.warmupSec })
  await settleBeforePhase(stage.databaseUrl)
  const busyBeforeCores = await quiet(stage)
  log(`pgbench: -c${options.connections} -j${options.pgbenchJobs} -T${options.durationSec}`)
  const activity = await startActivitySampler(stage, PGBENCH_APPLICATION_NAME)
  const { value: result, cpu, runQueue } = await stage.meter.measure(options.durationSec, cpus().length, () =>
    runPgbench({ ...base, durationSec: options.durationSec }),
  )
  const statementActivity = await activity()
  log(`pgbench: ${result.perSecond} tx/s, p99 ${result.latencyMs.p99} ms, failed ${result.errors}`)
  return {
    name,
    role: 'baseline',
    result,
    cpu,
    ...(runQueue ? { runQueue } : {}),
    busyBeforeCores,
    ...(statementActivity ? { statementActivity } : {}),
  }
}

async function measureBare(stage: Stage): Promise<RunRecord> {
  const port = freePort()
  const child = spawnChild('bare', [process.execPath, join(BENCH_DIR, 'servers', 'bare.ts')], { ...baseEnv(), PORT: String(port) }, join(stage.workDir, 'bare.log'), ROOT)
  cleanups.push({ name: 'stop bare server', run: () => child.stop(2_000) })
  const url = `http://127.0.0.1:${port}`
  await waitForHttp(url, child)
  stage.roles.set(child.pid, 'bare')
  const rss = new RssSampler(child.pid)
  rss.start()
  try {
    const measured = await measureWrk(stage, { name: 'bare Bun.serve', url, script: 'leaderboard', env: { BENCH_LEADERBOARD_MODE: 'top' } }, rss)
    return { name: 'bare Bun.serve', role: 'baseline', ...measured }
  } finally {
    rss.stop()
    await child.stop(2_000)
    stage.roles.delete(child.pid)
  }
}

interface ProfiledRun {
  run: RunRecord
  profile: ProfileSummary | null
  perf: PerfSummary | null
  stopped: Awaited<ReturnType<typeof stopService>>
}

/** A run against a service started with `bun --cpu-prof` (and sampled by perf when installed); not compared. */
async function profiledRun(stage: Stage, phase: WrkPhase, slug: string, resultsPrefix: string): Promise<ProfiledRun> {
  const profileDir = join(stage.workDir, `cpu-profile-${slug}`)
  mkdirSync(profileDir, { recursive: true })
  log(`${phase.name}: starting the service with bun --cpu-prof`)
  const service = await startService(stage, `service-profiled-${slug}`, ['--cpu-prof', `--cpu-prof-dir=${profileDir}`])
  const perfFile = join(stage.workDir, `perf-${slug}.data`)
  const perfRun = perfInstalled() ? recordPerf(service.child.pid, stage.options.warmupSec + stage.options.durationSec + 1, perfFile) : null
  let measured
  try {
    measured = await measureWrk(stage, { ...phase, url: service.url }, service.rss)
  } finally {
    await perfRun
  }
  const stopped = await stopService(stage, service)
  const file = readdirSync(profileDir).find((name) => name.endsWith('.cpuprofile'))
  let profile: ProfileSummary | null = null
  if (file) {
    const kept = `${resultsPrefix}.${slug}.cpuprofile`
    copyFileSync(join(profileDir, file), kept)
    profile = summariseProfile(kept)
    profile.file = relative(ROOT, kept)
  }
  let perf: PerfSummary | null = null
  if (perfRun && (await perfRun)) perf = summarisePerf(perfFile)
  return { run: { name: phase.name, role: 'service', ...measured, note: 'bun --cpu-prof; not compared' }, profile, perf, stopped }
}

function consistencyChecks(runs: RunRecord[], facts: DatabaseFacts, board: Map<string, number>, markerPresent: boolean): Check[] {
  const checks: Check[] = []
  for (const run of runs) {
    const r = run.result
    if (r.tool === 'wrk') {
      const statuses = Object.entries(r.statuses).map(([code, count]) => `${code}×${count}`).join(', ')
      checks.push({ name: `${run.name}: no errors`, ok: totalErrors(r) === 0, detail: `socket errors ${r.errors}, non-2xx ${r.non2xx} (${statuses})` })
    } else {
      checks.push({ name: `${run.name}: no failed transactions`, ok: r.errors === 0, detail: `failed ${r.errors}` })
    }
  }
  const limited = runs.reduce((sum, run) => sum + (run.result.statuses['429'] ?? 0), 0)
  checks.push({ name: 'rate limiter never triggered', ok: limited === 0, detail: `429 responses: ${limited}` })
  const diff = compareBoard(board, facts.scores)
  checks.push({
    name: 'redis board = user_scores',
    ok: diff.wrong + diff.missing + diff.extra === 0,
    detail: `${facts.scores.size} players with a score; wrong ${diff.wrong}, missing ${diff.missing}, extra ${diff.extra}${diff.examples.length ? `; e.g. ${diff.examples.join('; ')}` : ''}`,
  })
  checks.push({ name: 'redis board trusted (marker present)', ok: markerPresent, detail: markerPresent ? 'marker present' : 'marker missing: the board was being rebuilt or lost writes' })
  checks.push({ name: 'one outbox entry per unlock', ok: facts.outbox === facts.unlocked, detail: `outbox ${facts.outbox}, completed rows ${facts.unlocked}` })
  checks.push({ name: 'achievements_unlocked = completed rows', ok: facts.unlockedCountMismatches === 0, detail: `${facts.unlockedCountMismatches} players differ` })
  checks.push({ name: 'star_tokens = floor(total / step)', ok: facts.starTokenMismatches === 0, detail: `${facts.starTokenMismatches} players differ` })
  checks.push({ name: 'ledger rows = star_tokens', ok: facts.ledgerMismatches === 0, detail: `${facts.ledgerMismatches} players differ` })
  checks.push({ name: 'total_points ≥ unlocked rewards', ok: facts.totalBelowRewards === 0, detail: `${facts.totalBelowRewards} players below` })
  return checks
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2), process.env)
  checkTools(options)
  const stamp = new Date().toISOString().replace(/[:.]/g, '-')
  const suffix = `${options.sqlite ? '-sqlite' : ''}${options.quick ? '-quick' : ''}`
  const resultsPrefix = join(RESULTS_DIR, `${stamp}${suffix}`)
  const runId = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`
  const workDir = mkdtempSync(join(tmpdir(), 'achievement-bench-'))
  cleanups.push({ name: 'remove work dir', run: async () => rmSync(workDir, { recursive: true, force: true }) })
  mkdirSync(RESULTS_DIR, { recursive: true })
  log(`${options.sqlite ? 'SQLite' : 'Postgres'} bench, ${options.players} players, ${options.durationSec}s runs, wrk -t${options.wrkThreads} -c${options.connections}, ${cpus().length} cores`)
  if (Object.keys(options.serviceEnv).length > 0) log(`service environment overrides: ${JSON.stringify(options.serviceEnv)}`)

  // Database: fresh, migrated by the service's own migrations, then bulk-seeded.
  let databaseUrl: string
  let seed: SeedSummary
  let postgresVersion: string | null = null
  if (options.sqlite) {
    const path = join(workDir, 'bench.db')
    databaseUrl = `sqlite:${path}`
    await runCommand([process.execPath, 'run', 'db:migrate'], { ...baseEnv(), ACHIEVEMENT_DATABASE_URL: databaseUrl }, ROOT)
    seed = seedSqlite(path, options.players, options.achievements)
  } else {
    const database = await createBenchDatabase(options.postgresUrl)
    databaseUrl = database.url
    log(`created database ${database.name}`)
    if (!options.keep) cleanups.push({ name: 'drop bench database', run: () => dropBenchDatabase(options.postgresUrl, database.name) })
    await runCommand([process.execPath, 'run', 'db:migrate'], { ...baseEnv(), ACHIEVEMENT_DATABASE_URL: databaseUrl }, ROOT)
    seed = await seedPostgres(databaseUrl, options.players, options.achievements)
    postgresVersion = await serverVersion(databaseUrl)
  }
  log(`seeded ${seed.players} players, ${seed.progressRows} progress rows (${seed.unlocked} unlocked) in ${(seed.ms / 1000).toFixed(1)}s`)

  const redis = new BenchRedis(options.redisUrl, `bench:${runId}:`)
  await redis.connect()
  cleanups.push({ name: 'close redis', run: () => redis.close() })
  if (!options.keep) cleanups.push({ name: 'delete bench redis keys', run: () => redis.deleteAll() })
  const redisVersion = await redis.info()
  const rebuildEnv = { ...baseEnv(), ACHIEVEMENT_DATABASE_URL: databaseUrl, ACHIEVEMENT_REDIS_URL: options.redisUrl, LEADERBOARD_KEY: redis.leaderboardKey }
  log((await runCommand([process.execPath, 'run', 'leaderboard:rebuild'], rebuildEnv, ROOT)).trim().split('\n').pop() ?? 'leaderboard rebuilt')

  const roles = new Map<number, string>()
  const stubPort = freePort()
  const stub = spawnChild('stub users', [process.execPath, join(BENCH_DIR, 'servers', 'stub-users.ts')], { ...baseEnv(), PORT: String(stubPort) }, join(workDir, 'stub.log'), ROOT)
  cleanups.push({ name: 'stop stub users', run: () => stub.stop(2_000) })
  const stubUrl = `http://127.0.0.1:${stubPort}`
  await waitForHttp(`${stubUrl}/api/v1/users/users/p1`, stub)
  roles.set(stub.pid, 'stub')

  const stage: Stage = { options, runId, workDir, databaseUrl, redis, stubUrl, meter: new CpuMeter(roles), roles }
  const service = await startService(stage, 'service')
  log(`service up at ${service.url} (pid ${service.child.pid})`)

  const runs: RunRecord[] = []
  const { only } = options
  if (options.sqlite) {
    const progress = await measureWrk(stage, { name: 'progress (sqlite)', url: service.url, script: 'progress' }, service.rss)
    runs.push({ name: 'progress (sqlite)', role: 'service', ...progress, note: 'embedded SQLite; no target' })
  } else {
    for (let round = 1; round <= options.rounds; round++) {
      const tag = round === 1 ? '' : ` #${round}`
      if (only.has('progress')) {
        const progress = await measureWrk(stage, { name: `progress${tag}`, url: service.url, script: 'progress' }, service.rss)
        runs.push({
          name: `progress${tag}`,
          role: 'service',
          baseline: `pgbench single-statement${tag}`,
          target: { minRatio: 1.5, maxP99Ms: 25, zeroErrors: true },
          ...progress,
        })
      }
      if (only.has('pgbench')) runs.push(await measurePgbench(stage, `pgbench single-statement${tag}`))
    }
    if (only.has('leaderboard')) {
      const top = await measureWrk(stage, { name: 'leaderboard top', url: service.url, script: 'leaderboard', env: { BENCH_LEADERBOARD_MODE: 'top' } }, service.rss)
      runs.push({ name: 'leaderboard top', role: 'service', baseline: 'bare Bun.serve', target: { minRatio: 0.2, maxP99Ms: 10, zeroErrors: true }, ...top })
      const around = await measureWrk(stage, { name: 'leaderboard around_user', url: service.url, script: 'leaderboard', env: { BENCH_LEADERBOARD_MODE: 'around' } }, service.rss)
      runs.push({ name: 'leaderboard around_user', role: 'service', baseline: 'bare Bun.serve', target: { zeroErrors: true }, ...around })
    }
    if (only.has('bare')) runs.push(await measureBare(stage))
  }
  const rssMaxMb = Math.round(service.rss.max)
  const stopped = [{ ...(await stopService(stage, service)), label: 'service' }]

  const profiles: { name: string; profile: ProfileSummary | null; perf: PerfSummary | null }[] = []
  if (options.profile) {
    const phases: { phase: WrkPhase; slug: string }[] = []
    if (options.sqlite || only.has('progress')) phases.push({ phase: { name: 'progress (profiled)', url: '', script: 'progress' }, slug: 'progress' })
    if (!options.sqlite && only.has('leaderboard')) {
      phases.push({ phase: { name: 'leaderboard top (profiled)', url: '', script: 'leaderboard', env: { BENCH_LEADERBOARD_MODE: 'top' } }, slug: 'leaderboard-top' })
    }
    for (const { phase, slug } of phases) {
      const profiled = await profiledRun(stage, phase, slug, resultsPrefix)
      runs.push(profiled.run)
      profiles.push({ name: phase.name, profile: profiled.profile, perf: profiled.perf })
      stopped.push({ ...profiled.stopped, label: `${phase.name} service` })
    }
  }

  log('consistency check')
  const facts = options.sqlite ? readSqliteFacts(databaseUrl.slice('sqlite:'.length)) : await readDatabaseFacts(databaseUrl)
  const board = await redis.board()
  const checks = consistencyChecks(runs, facts, board, await redis.markerExists())
  stopped.forEach((outcome) => {
    const { label } = outcome
    checks.push({ name: `${label} stopped cleanly on SIGTERM`, ok: outcome.exitCode === 0, detail: `exit code ${outcome.exitCode}` })
    checks.push({
      name: `${label} logged no warnings or errors`,
      ok: outcome.logProblems.length === 0,
      detail: outcome.logProblems.length === 0 ? 'none' : `${outcome.logProblems.length} lines, e.g. ${outcome.logProblems.slice(0, 3).join(' | ')}`,
    })
  })

  const cores = cpus().length
  const targets = evaluateTargets(runs.filter((run) => !run.name.endsWith('(profiled)')), rssMaxMb, RSS_LIMIT_MB)
  const table = formatTable(runs)
  const rounds = roundRatios(runs)
  const ceilings = ratioCeilings(runs.filter((run) => !run.name.endsWith('(profiled)')), cores)
  console.log(`\n${table}\n\n${formatCpu(runs, cores)}\n\n${formatRunQueue(runs)}\n\nservice max RSS: ${rssMaxMb} MB (target < ${RSS_LIMIT_MB} MB)`)
  const staged = runs.filter((run) => run.stages && run.stages.length > 0)
  if (staged.length > 0) {
    console.log(`\nprogress stages inside the service (its /metrics histograms, over the measured run):`)
    for (const run of staged) console.log(`  ${formatStages(run.name, run.stages!)}`)
    for (const run of staged) if (run.callsPerPost) console.log(`  ${formatCallsPerPost(run.name, run.callsPerPost)}`)
    for (const run of staged) if (run.stalls) console.log(`  ${formatStalls(run.name, run.stalls)}`)
    for (const run of staged) if (run.answerTimes) console.log(`  ${formatAnswerTimes(run.name, run.answerTimes)}`)
    for (const run of staged) if (run.statementActivity) console.log(`  ${formatActivity(run.name, run.statementActivity)}`)
  }
  const pgbenchRuns = runs.filter((run) => run.result.tool === 'pgbench' && run.statementActivity)
  if (pgbenchRuns.length > 0) {
    console.log(`\npgbench's connections in Postgres:`)
    for (const run of pgbenchRuns) {
      console.log(`  ${formatBaselineActivity(run.name, run.statementActivity!, options.connections)}`)
    }
  }
  if (rounds) console.log(`\nprogress vs pgbench over ${rounds.ratios.length} rounds: ${rounds.ratios.map((r) => `${r}×`).join(', ')}; median ${rounds.median}×`)
  if (ceilings.length > 0) {
    console.log(`\nratio ceilings (were both runs to keep all ${cores} cores busy at the CPU per request each measured):\n${formatRatioCeilings(ceilings)}`)
  }
  if (targets.length > 0) console.log(`\ntargets:\n${formatTargets(targets)}`)
  console.log(`\nchecks:\n${formatChecks(checks)}`)
  for (const { name, profile, perf } of profiles) {
    if (profile) console.log(`\n${name}: ${formatProfile(profile)}`)
    if (perf) {
      console.log(`perf (${name}, service process):\n  by thread: ${perf.byThread.map((r) => `${r.name} ${r.percent}%`).join(', ')}`)
      console.log(`  by binary: ${perf.byBinary.map((r) => `${r.name} ${r.percent}%`).join(', ')}`)
    }
  }

  const resultFile = `${resultsPrefix}.json`
  const output = {
    startedAt: new Date(startedAt).toISOString(),
    finishedAt: new Date().toISOString(),
    options: { ...options, postgresUrl: undefined, redisUrl: undefined },
    machine: { cores, bun: Bun.version, postgres: postgresVersion, redis: redisVersion, wrkThreads: options.wrkThreads },
    seed,
    runs,
    rounds,
    ceilings,
    rssMaxMb,
    targets,
    checks,
    profiles,
    table,
  }
  writeFileSync(resultFile, JSON.stringify(output, null, 2) + '\n')
  console.log(`\nresults: ${relative(ROOT, resultFile)}`)
  const failed = checks.filter((check) => !check.ok)
  if (failed.length > 0) {
    // Logs are git-ignored (*.log); keep them next to the result for a look.
    for (const name of readdirSync(workDir).filter((file) => file.endsWith('.log'))) copyFileSync(join(workDir, name), `${resultsPrefix}.${name}`)
    console.log(`\n${failed.length} check(s) failed; service logs copied to ${relative(ROOT, resultsPrefix)}.*.log\n${logTail(join(workDir, 'service.log'), 5)}`)
  }
  return failed.length === 0 ? 0 : 1
}

process.on('SIGINT', () => {
  console.error('\ninterrupted: cleaning up')
  void runCleanups().then(() => process.exit(130))
})

let code = 1
try {
  code = await main()
} catch (error) {
  console.error(`bench failed: ${(error as Error).message}`)
} finally {
  await runCleanups()
}
process.exit(code)
