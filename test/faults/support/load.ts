/** One progress post as the client saw it. */
export interface PostRecord {
  /** Idempotency-Key: `<player>~<sequence>`, unique per post. */
  key: string
  player: string
  /** Base URL of the instance it went to. */
  target: string
  /** Date.now() when sent. */
  sentAt: number
  /** Time to the answer (or the client error). */
  ms: number
  /** HTTP status, or null when no response came (refused, reset, timed out). */
  status: number | null
  retryAfter: string | null
  /** The error body's code, or the client error code (ECONNREFUSED, ECONNRESET, TIMEOUT). */
  code: string | null
  newlyUnlocked: string[]
}

export interface LoadOptions {
  /** Base URLs to post to (round robin); read before every post, so a drill can change it. */
  targets: () => string[]
  /** Player ids are `<prefix>-<n>` for n < players. */
  prefix: string
  players: number
  concurrency: number
  body: Record<string, unknown>
  /** A post without an answer after this long counts as TIMEOUT. */
  timeoutMs?: number
}

export const playerOfKey = (key: string): string => key.slice(0, key.lastIndexOf('~'))

/** Concurrent clients posting progress in a loop, each post with its own Idempotency-Key, until stopped. */
export class ProgressLoad {
  readonly records: PostRecord[] = []
  private running = false
  private sequence = 0
  private workers: Promise<void>[] = []

  constructor(private readonly options: LoadOptions) {}

  start(): this {
    this.running = true
    this.workers = Array.from({ length: this.options.concurrency }, () => this.worker())
    return this
  }

  async stop(): Promise<PostRecord[]> {
    this.running = false
    await Promise.all(this.workers)
    return this.records
  }

  /** Runs for `ms`, then stops. */
  async runFor(ms: number): Promise<PostRecord[]> {
    this.start()
    await Bun.sleep(ms)
    return this.stop()
  }

  private async worker(): Promise<void> {
    while (this.running) {
      const record = await this.post()
      this.records.push(record)
      // Refused connections and 503s answer at once: back off a little instead of spinning while a dependency is down.
      if (record.status === null || record.status === 503) await Bun.sleep(20)
    }
  }

  private async post(): Promise<PostRecord> {
    const n = this.sequence++
    const player = `${this.options.prefix}-${n % this.options.players}`
    const key = `${player}~${n}`
    const targets = this.options.targets()
    const target = targets[n % targets.length]!
    const sentAt = Date.now()
    const started = performance.now()
    const record: PostRecord = { key, player, target, sentAt, ms: 0, status: null, retryAfter: null, code: null, newlyUnlocked: [] }
    try {
      const response = await fetch(`${target}/api/v1/achievements/users/${player}/progress`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify(this.options.body),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 5_000),
      })
      record.status = response.status
      record.retryAfter = response.headers.get('retry-after')
      const body = (await response.json().catch(() => null)) as { code?: string; newly_unlocked?: string[] } | null
      record.code = body?.code ?? null
      record.newlyUnlocked = body?.newly_unlocked ?? []
    } catch (error) {
      const { name, code } = error as { name?: string; code?: string }
      record.code = name === 'TimeoutError' ? 'TIMEOUT' : (code ?? name ?? 'ERROR')
    }
    record.ms = performance.now() - started
    return record
  }
}

/** Counts of records by status (or client error code), for failure messages. */
export function tally(records: PostRecord[]): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const record of records) {
    const label = record.status === null ? String(record.code) : `${record.status}${record.code ? ` ${record.code}` : ''}`
    counts[label] = (counts[label] ?? 0) + 1
  }
  return counts
}
