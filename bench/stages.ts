/**
 * Where the progress time goes inside the service: its own `achievement_progress_stage_seconds` histograms
 * (src/ops/instruments.ts), read from /metrics before and after a measured run and subtracted, so that only
 * the run's posts count. With them, the service's `achievement_event_loop_delay_seconds` (src/ops/operations.ts),
 * as the stage `event-loop`: how late its 10 ms timer fired, the time every post on the loop waited too. And from
 * its call counters, how many calls to Postgres and Redis a post cost: what group commit and the coalesced Redis
 * scripts save. And from its `http_request_duration_seconds`, how many of the run's posts it answered within each
 * bound: the service's own share of a p99 that wrk measures.
 */

const METRIC = 'achievement_progress_stage_seconds'
const EVENT_LOOP_METRIC = 'achievement_event_loop_delay_seconds'
export const EVENT_LOOP_STAGE = 'event-loop'

/** One stage's histogram: cumulative counts by upper bound (seconds, ascending, +Inf last), and the sum. */
export interface StageHistogram {
  buckets: { le: number; count: number }[]
  sum: number
  count: number
}

export interface StageLatency {
  stage: string
  /** Posts (commit, rank) or batches (statement) observed during the run. */
  count: number
  meanMs: number
  p50Ms: number
  p99Ms: number
}

/** One sample line of a Prometheus text exposition. */
interface Sample {
  name: string
  labels: Record<string, string | undefined>
  value: number
}

/** The samples of a Prometheus text exposition whose metric name starts with one of `prefixes`. */
function* samplesOf(text: string, ...prefixes: string[]): Generator<Sample> {
  for (const line of text.split('\n')) {
    if (!prefixes.some((prefix) => line.startsWith(prefix))) continue
    const match = /^(\w+)(?:\{([^}]*)\})? (\S+)$/.exec(line)
    if (!match) continue
    const [, name, labelText, valueText] = match
    const labels = Object.fromEntries([...(labelText ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]))
    yield { name: name!, labels, value: Number(valueText) }
  }
}

/** A histogram bucket's upper bound, from its `le` label. */
const boundOf = (le: string | undefined) => (le === '+Inf' ? Infinity : Number(le))

/** The stage histograms of a Prometheus text exposition. */
export function parseStageHistograms(text: string): Map<string, StageHistogram> {
  const stages = new Map<string, StageHistogram>()
  const of = (stage: string) => {
    let histogram = stages.get(stage)
    if (!histogram) stages.set(stage, (histogram = { buckets: [], sum: 0, count: 0 }))
    return histogram
  }
  for (const { name, labels, value } of samplesOf(text, METRIC, EVENT_LOOP_METRIC)) {
    const metric = name.startsWith(METRIC) ? METRIC : EVENT_LOOP_METRIC
    const stage = metric === EVENT_LOOP_METRIC ? EVENT_LOOP_STAGE : labels.stage
    if (!stage) continue
    const histogram = of(stage)
    if (name === `${metric}_bucket`) histogram.buckets.push({ le: boundOf(labels.le), count: value })
    else if (name === `${metric}_sum`) histogram.sum = value
    else if (name === `${metric}_count`) histogram.count = value
  }
  for (const histogram of stages.values()) histogram.buckets.sort((a, b) => a.le - b.le)
  return stages
}

/**
 * The q-quantile of a cumulative histogram, interpolating linearly inside the bucket it falls in (as Prometheus'
 * histogram_quantile does). Past the last finite bound it answers that bound.
 */
export function quantileOf(buckets: StageHistogram['buckets'], q: number): number {
  const total = buckets.at(-1)?.count ?? 0
  if (total === 0) return NaN
  const rank = q * total
  let lower = 0
  let below = 0
  for (const { le, count } of buckets) {
    if (count >= rank) {
      if (!Number.isFinite(le)) return lower
      return count === below ? le : lower + ((le - lower) * (rank - below)) / (count - below)
    }
    lower = le
    below = count
  }
  return lower
}

/** Each stage's latency over the posts between two scrapes. */
export function stagesBetween(before: Map<string, StageHistogram>, after: Map<string, StageHistogram>): StageLatency[] {
  return [...after.entries()].map(([stage, end]) => {
    const start = before.get(stage)
    const buckets = end.buckets.map(({ le, count }, i) => ({ le, count: count - (start?.buckets[i]?.count ?? 0) }))
    const count = end.count - (start?.count ?? 0)
    const sum = end.sum - (start?.sum ?? 0)
    const ms = (seconds: number) => Math.round(seconds * 10_000) / 10
    return { stage, count, meanMs: ms(count > 0 ? sum / count : NaN), p50Ms: ms(quantileOf(buckets, 0.5)), p99Ms: ms(quantileOf(buckets, 0.99)) }
  })
}

/** The service's /metrics text. */
export async function scrapeMetrics(serviceUrl: string): Promise<string> {
  const response = await fetch(`${serviceUrl}/metrics`, { signal: AbortSignal.timeout(5_000) })
  if (!response.ok) throw new Error(`GET /metrics answered ${response.status}`)
  return response.text()
}

/** Calls per committed post over a run: database batches (statements), and Redis script calls of each kind. */
export interface CallsPerPost {
  posts: number
  databaseBatches: number
  redisRateLimit: number
  redisBoard: number
}

const RATE_LIMIT_CALLS = 'achievement_rate_limit_redis_calls_total'
const BOARD_CALLS = 'achievement_leaderboard_write_batches_total'

/** A counter's value: the sum of its samples over all its label sets; 0 when the service lacks it (e.g. no Redis). */
function totalOf(text: string, name: string): number {
  let total = 0
  for (const sample of samplesOf(text, name)) if (sample.name === name) total += sample.value
  return total
}

/** Calls per post between two scrapes; null when no post committed between them. */
export function callsPerPostBetween(before: string, after: string, stages: StageLatency[]): CallsPerPost | null {
  const posts = stages.find((s) => s.stage === 'commit')?.count ?? 0
  if (posts <= 0) return null
  const perPost = (calls: number) => Math.round((calls / posts) * 1_000) / 1_000
  return {
    posts,
    databaseBatches: perPost(stages.find((s) => s.stage === 'statement')?.count ?? 0),
    redisRateLimit: perPost(totalOf(after, RATE_LIMIT_CALLS) - totalOf(before, RATE_LIMIT_CALLS)),
    redisBoard: perPost(totalOf(after, BOARD_CALLS) - totalOf(before, BOARD_CALLS)),
  }
}

/**
 * Stalls of the database over a run. One batch statement commits at a time, so a statement that stalls (a slow WAL
 * flush) holds every connection's post; wrk then adds its coordinated-omission samples for each delayed post,
 * and one such stall can move the run's p99 by hundreds of milliseconds.
 */
export interface DatabaseStalls {
  /** Batch statements that took longer than STALL_SECONDS. */
  statementsOver100Ms: number
  /** Database calls that went on past their deadline because the database answered a ping (src/ops/storage-guard.ts). */
  callsPastDeadline: number
}

const STALL_SECONDS = 0.1
const SLOW_CALLS = 'achievement_storage_slow_calls_total'

function statementsOverStall(histograms: Map<string, StageHistogram>): number {
  const statement = histograms.get('statement')
  if (!statement) return 0
  return statement.count - (statement.buckets.find((bucket) => bucket.le === STALL_SECONDS)?.count ?? statement.count)
}

/** The stalls between two scrapes, given their texts and (when already parsed) their stage histograms. */
export function stallsBetween(
  before: string,
  after: string,
  histograms = { before: parseStageHistograms(before), after: parseStageHistograms(after) },
): DatabaseStalls {
  return {
    statementsOver100Ms: statementsOverStall(histograms.after) - statementsOverStall(histograms.before),
    callsPastDeadline: totalOf(after, SLOW_CALLS) - totalOf(before, SLOW_CALLS),
  }
}

export function formatStalls(runName: string, stalls: DatabaseStalls): string {
  return `${runName}: database stalls: ${stalls.statementsOver100Ms} batch statements over 100 ms, ${stalls.callsPastDeadline} calls past their deadline`
}

/** A progress run's stages, calls per post, stalls and answer times, from the service's /metrics text before and after the run. */
export function progressMetricsBetween(
  before: string,
  after: string,
): { stages: StageLatency[]; callsPerPost: CallsPerPost | null; stalls: DatabaseStalls; answerTimes: AnswerTimes | null } {
  const histograms = { before: parseStageHistograms(before), after: parseStageHistograms(after) }
  const stages = stagesBetween(histograms.before, histograms.after)
  return {
    stages,
    callsPerPost: callsPerPostBetween(before, after, stages),
    stalls: stallsBetween(before, after, histograms),
    answerTimes: answerTimesBetween(before, after),
  }
}

export function formatCallsPerPost(runName: string, calls: CallsPerPost): string {
  return (
    `${runName}: calls per post: ${calls.databaseBatches} database batches, ${calls.redisRateLimit} Redis rate-limit calls, ` +
    `${calls.redisBoard} Redis leaderboard calls (${calls.posts} posts)`
  )
}

export function formatStages(runName: string, stages: StageLatency[]): string {
  const order = ['commit', 'admission', 'statement', 'rank', EVENT_LOOP_STAGE]
  const sorted = [...stages].sort((a, b) => order.indexOf(a.stage) - order.indexOf(b.stage))
  const cells = sorted.map((s) => {
    const unit = s.stage === 'statement' ? 'batches' : s.stage === EVENT_LOOP_STAGE ? 'samples' : 'posts'
    const name = s.stage === EVENT_LOOP_STAGE ? 'event-loop delay' : s.stage
    return `${name} p50 ${s.p50Ms} ms, p99 ${s.p99Ms} ms, mean ${s.meanMs} ms (${s.count} ${unit})`
  })
  return `${runName}: ${cells.join('; ')}`
}

const HTTP_DURATION = 'http_request_duration_seconds'
const PROGRESS_ROUTE = '/api/v1/achievements/users/:user_id/progress'

/**
 * How long the service took to answer the run's posts, from receiving each to its response (its own
 * `http_request_duration_seconds`, every status): the share answered within each bucket bound. wrk's p99 counts
 * more than this: the time a post and its answer spent in the kernel and in wrk, and, for each answer slower than
 * twice the run's mean interval per connection, the samples wrk adds for the posts that connection could not send
 * meanwhile (its correction for coordinated omission). So the share over 25 ms here says how much of a missed p99
 * target the service's own time explains.
 */
export interface AnswerTimes {
  posts: number
  /** Share of posts answered within each bound (ms), ascending. */
  within: { ms: number; share: number }[]
}

function progressDurationBuckets(text: string): Map<number, number> {
  const counts = new Map<number, number>()
  for (const { name, labels, value } of samplesOf(text, HTTP_DURATION)) {
    if (name !== `${HTTP_DURATION}_bucket` || labels.method !== 'POST' || labels.route !== PROGRESS_ROUTE) continue
    if (labels.le === undefined) continue
    const bound = boundOf(labels.le)
    counts.set(bound, (counts.get(bound) ?? 0) + value)
  }
  return counts
}

/** The answer times of the posts between two scrapes; null when none was answered. */
export function answerTimesBetween(before: string, after: string): AnswerTimes | null {
  const start = progressDurationBuckets(before)
  const end = progressDurationBuckets(after)
  const posts = (end.get(Infinity) ?? 0) - (start.get(Infinity) ?? 0)
  if (posts <= 0) return null
  const within = [...end.entries()]
    .filter(([bound]) => Number.isFinite(bound))
    .sort(([a], [b]) => a - b)
    .map(([bound, count]) => ({ ms: Math.round(bound * 1_000_000) / 1_000, share: (count - (start.get(bound) ?? 0)) / posts }))
  return { posts, within }
}

export function formatAnswerTimes(runName: string, times: AnswerTimes, boundsMs = [10, 25, 50, 100]): string {
  const percent = (share: number) => `${Math.round(share * 10_000) / 100} %`
  const cells = times.within.filter((bucket) => boundsMs.includes(bucket.ms)).map((b) => `${percent(b.share)} within ${b.ms} ms`)
  return `${runName}: answered by the service (receipt to response, its http_request_duration_seconds): ${cells.join(', ')} (${times.posts} posts)`
}
