import { createHash } from 'node:crypto'
import type { CatalogCache } from '../catalog/cache'
import type { RarityCache } from '../catalog/rarity'
import { ApiError, unprocessable } from '../http/errors'
import { IdempotencyKeyTaken, StorageCallTimeoutError } from '../storage/errors'
import type { RankTracker } from '../leaderboard/model'
import type { UnlockNotifier } from '../notifications/model'
import type { Logger } from '../ops/logger'
import { parseProgressResult } from '../storage/progress-result'
import type {
  AchievementRecord,
  IdempotencyClaim,
  IdempotencyStore,
  ProgressCommand,
  ProgressOutcome,
  ProgressResult,
  ProgressStore,
  ProgressUpdateInput,
} from '../storage/port'
import { GroupCommitter, type GroupCommitOptions } from './group-commit'
import { MAX_METADATA_BYTES, type ProgressRequest, type ProgressResponse } from './model'
import { presentProgress, presentUser } from './present'
import { ResponseStore } from './response-store'

export const DEFINITION_NOT_FOUND = 'Achievement definition not found'
const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/
/** How long a claimed key stays "in flight" before another request may take it over (its holder died). */
const IDEMPOTENCY_LEASE_MS = 30_000

export interface ProgressSubmission {
  userId: string
  body: ProgressRequest
  /** The Idempotency-Key header as sent, or null. */
  idempotencyKey: string | null
  /** Whose keys these are: one caller never sees another's stored responses. */
  idempotencyScope: string
  /** Admins see secret titles in the response. */
  admin: boolean
  /**
   * The request's admission check (the rate limiter), already running: it rejects with the error to answer.
   * The command waits for it in the group-commit queue, so the check overlaps the wait for the next batch.
   */
  admission?: Promise<void>
}

export type ProgressStage = 'admission' | 'commit' | 'rank'

export interface ProgressReply {
  status: number
  body: ProgressResponse
  replayed: boolean
}

export interface RequestedUpdate {
  code: string
  progressDelta: number
  progressAtLeast: number | null
  forceComplete: boolean
}

export interface ProgressServiceDeps {
  store: ProgressStore
  idempotency: IdempotencyStore
  catalog: CatalogCache
  rarity: RarityCache
  rankTracker: RankTracker
  notifier: UnlockNotifier
  logger: Logger
  step: number
  groupCommit: GroupCommitOptions
}

/** Stable JSON (sorted keys), so that the same body always hashes the same. */
function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null'
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
}

/**
 * What makes two progress requests "the same body" for an Idempotency-Key: the player and the request's
 * meaning with defaults filled in, so `{"achievement_code":"a"}` and `{"achievement_code":"a","progress_delta":1}`
 * are the same request.
 */
export function progressRequestHash(
  userId: string,
  requested: RequestedUpdate[],
  command: Pick<ProgressCommand, 'scoreBonus' | 'notify' | 'metadata'>,
): string {
  const meaning = { userId, requested, scoreBonus: command.scoreBonus, notify: command.notify, metadata: command.metadata }
  return createHash('sha256').update(canonicalJson(meaning)).digest('hex')
}

/** The single form and the batch form as one list; checks the rules the schema cannot state. */
export function requestedUpdates(body: ProgressRequest): RequestedUpdate[] {
  // force_complete: false is its default (the schema fills it in), so only true counts as naming it.
  const singleFields = body.progress_delta !== undefined || body.force_complete === true || body.progress_at_least !== undefined
  if (body.updates !== undefined) {
    if (body.achievement_code !== undefined || singleFields) {
      throw unprocessable('Name either achievement_code or updates, not both', [
        { path: '/updates', message: 'Cannot be combined with achievement_code, progress_delta, progress_at_least or force_complete' },
      ])
    }
    const seen = new Set<string>()
    return body.updates.map((item, index) => {
      if (seen.has(item.achievement_code)) {
        throw unprocessable(`Achievement code ${item.achievement_code} appears more than once`, [
          { path: `/updates/${index}/achievement_code`, message: 'Each code may appear once per request' },
        ])
      }
      seen.add(item.achievement_code)
      return {
        code: item.achievement_code,
        progressDelta: item.progress_delta ?? (item.progress_at_least !== undefined ? 0 : 1),
        progressAtLeast: item.progress_at_least ?? null,
        forceComplete: item.force_complete ?? false,
      }
    })
  }
  if (body.achievement_code !== undefined) {
    return [
      {
        code: body.achievement_code,
        progressDelta: body.progress_delta ?? (body.progress_at_least !== undefined ? 0 : 1),
        progressAtLeast: body.progress_at_least ?? null,
        forceComplete: body.force_complete ?? false,
      },
    ]
  }
  if (singleFields) {
    throw unprocessable('progress_delta, progress_at_least and force_complete need an achievement_code', [
      { path: '/achievement_code', message: 'Expected required property' },
    ])
  }
  if ((body.score_bonus ?? 0) <= 0) {
    throw unprocessable('Name an achievement_code or updates, or send a score_bonus greater than 0', [
      { path: '/achievement_code', message: 'Expected achievement_code, updates or a positive score_bonus' },
    ])
  }
  return []
}

function checkMetadata(metadata: ProgressRequest['metadata']): Record<string, unknown> | null {
  if (metadata === undefined || metadata === null) return null
  const size = Buffer.byteLength(JSON.stringify(metadata))
  if (size > MAX_METADATA_BYTES) {
    throw unprocessable(`metadata is ${size} bytes serialized; the limit is ${MAX_METADATA_BYTES}`, [
      { path: '/metadata', message: `Expected at most ${MAX_METADATA_BYTES} bytes serialized` },
    ])
  }
  return metadata
}

export class ProgressService {
  private readonly committer: GroupCommitter<ProgressCommand, ProgressResult>
  /** Keyed posts' responses, stored for their replays after the posts are answered. */
  private readonly responses: ResponseStore

  constructor(private readonly deps: ProgressServiceDeps) {
    this.committer = new GroupCommitter(
      (batch) => this.applyBatch(batch),
      (command) => command.userId,
      deps.groupCommit,
    )
    this.responses = new ResponseStore(deps.idempotency, deps.logger)
  }

  private async applyBatch(batch: ProgressCommand[]): Promise<ProgressOutcome[]> {
    try {
      return await this.deps.store.applyBatch(batch)
    } catch (error) {
      if (error instanceof StorageCallTimeoutError) this.boardCatchesUpWith(error.late)
      throw error
    }
  }

  /**
   * A batch abandoned at its deadline may still commit. Its posts were answered 503 and wrote nothing to the
   * leaderboard, where a player who posts no more would stay behind the database: once the batch's actual outcome
   * is known, its committed totals go to the board.
   */
  private boardCatchesUpWith(late: Promise<unknown>): void {
    late.then(
      (outcomes) => {
        for (const outcome of outcomes as ProgressOutcome[]) {
          if (outcome.ok) void this.deps.rankTracker.submit(outcome.result.user.userId, outcome.result.user.totalPoints)
        }
      },
      () => {},
    )
  }

  /** Each committed batch's size and the time its statement took, for metrics. */
  set onBatch(listener: ((size: number, seconds: number) => void) | null) {
    this.committer.onBatch = listener
  }

  /**
   * Where a post's time goes, for metrics: 'commit', from queueing the post to its batch's commit (its admission,
   * its wait for a batch, the statement); 'admission', the part of that until its rate-limit check allowed it;
   * 'rank', the leaderboard write and rank after the commit.
   */
  onStage: ((stage: ProgressStage, seconds: number) => void) | null = null

  /** Resolves when every accepted command has committed (graceful shutdown). */
  async drain(): Promise<void> {
    await this.committer.drain()
    await this.responses.drain()
  }

  async submit(submission: ProgressSubmission): Promise<ProgressReply> {
    const { userId, body } = submission
    const admission = submission.admission ?? Promise.resolve()
    let requested: RequestedUpdate[]
    let metadata: Record<string, unknown> | null
    let definitions: AchievementRecord[]
    let key: string | null
    try {
      requested = requestedUpdates(body)
      metadata = checkMetadata(body.metadata)
      definitions = await this.resolve(requested)
      key = this.checkedKey(submission.idempotencyKey)
    } catch (error) {
      // A refused request is answered as refused (429) whatever else is wrong with it.
      await admission
      throw error
    }

    const scoreBonus = body.score_bonus ?? 0
    const notify = body.notify ?? true
    // The key is kept per caller; the hash says which request it was first used for.
    const idempotency = key
      ? {
          caller: submission.idempotencyScope,
          key,
          requestHash: progressRequestHash(userId, requested, { scoreBonus, notify, metadata }),
          claimed: false,
        }
      : null
    const command: ProgressCommand = {
      userId,
      updates: requested.map((update, index): ProgressUpdateInput => {
        const definition = definitions[index]!
        return {
          achievementId: definition.id,
          code: definition.code,
          title: definition.title,
          points: definition.points,
          progressTarget: definition.progressTarget,
          progressDelta: update.progressDelta,
          progressAtLeast: update.progressAtLeast,
          forceComplete: update.forceComplete,
          // Time-ordered (UUIDv7): the outbox's primary key grows at its right edge instead of dirtying a
          // random index page per unlock.
          candidateUnlockId: Bun.randomUUIDv7(),
        }
      }),
      scoreBonus,
      notify,
      metadata,
      step: this.deps.step,
      idempotency,
    }

    // A keyed post is recorded by its own work, in the work's transaction: no round trip of its own. Only a key
    // already recorded (a retry, or a duplicate sent at once) needs a look at what is stored.
    const queuedAt = performance.now()
    admission.then(
      () => this.onStage?.('admission', (performance.now() - queuedAt) / 1000),
      () => {},
    )
    let result: ProgressResult
    try {
      result = await this.committer.submit(command, admission)
    } catch (error) {
      if (!(error instanceof IdempotencyKeyTaken)) throw error
      const taken = await this.afterKeyTaken(command, definitions, submission.admin)
      if ('replay' in taken) return taken.replay
      result = taken.result
    }

    const committedAt = performance.now()
    this.onStage?.('commit', (committedAt - queuedAt) / 1000)
    const newlyUnlocked = result.rows.filter((row) => row.newlyUnlocked).map((row) => row.achievementId)
    if (newlyUnlocked.length > 0) {
      this.deps.rarity.recordUnlocks(newlyUnlocked)
      if (command.notify) this.deps.notifier.wake()
    }
    const rank = await this.deps.rankTracker.submit(userId, result.user.totalPoints)
    this.onStage?.('rank', (performance.now() - committedAt) / 1000)
    const response = this.present(result, definitions, rank, submission.admin)
    if (idempotency) {
      this.responses.store({ caller: idempotency.caller, key: idempotency.key, status: 200, body: JSON.stringify(response) })
    }
    return { status: 200, body: response, replayed: false }
  }

  /**
   * A post whose key is already recorded: the stored response (or outcome) if it is the same request, 422 if not,
   * 409 while the first request still holds it. A claim whose holder died (its lease ran out) is taken over, and
   * the post applied under it.
   */
  private async afterKeyTaken(
    command: ProgressCommand,
    definitions: AchievementRecord[],
    admin: boolean,
  ): Promise<{ replay: ProgressReply } | { result: ProgressResult }> {
    const { caller, key, requestHash } = command.idempotency!
    const claim = await this.deps.idempotency.claim(caller, key, requestHash, IDEMPOTENCY_LEASE_MS)
    if (claim.kind !== 'claimed') return { replay: this.answerTakenKey(claim, command, definitions, admin) }
    try {
      return { result: await this.committer.submit({ ...command, idempotency: { caller, key, requestHash, claimed: true } }) }
    } catch (error) {
      await this.deps.idempotency.release(caller, key).catch(() => {})
      throw error
    }
  }

  /** The answer to a post whose key another request holds or has used. */
  private answerTakenKey(
    claim: Exclude<IdempotencyClaim, { kind: 'claimed' }>,
    command: ProgressCommand,
    definitions: AchievementRecord[],
    admin: boolean,
  ): ProgressReply {
    if (claim.kind === 'in_flight') {
      throw new ApiError(409, 'idempotency_in_flight', 'A request with this Idempotency-Key is still in progress', { 'retry-after': '1' })
    }
    if (claim.kind === 'mismatch') {
      throw new ApiError(422, 'idempotency_key_reused', 'This Idempotency-Key was used with a different request body')
    }
    const { caller, key } = command.idempotency!
    const beingStored = this.responses.bodyOf(caller, key)
    if (beingStored !== undefined) return { status: 200, body: JSON.parse(beingStored) as ProgressResponse, replayed: true }
    return this.replay(claim, command, definitions, admin)
  }

  private replay(
    claim: { status: number; body: string | null; result: string | null },
    command: ProgressCommand,
    definitions: AchievementRecord[],
    admin: boolean,
  ): ProgressReply {
    if (claim.body !== null) return { status: claim.status, body: JSON.parse(claim.body) as ProgressResponse, replayed: true }
    if (claim.result === null) throw new Error('idempotency key marked done without an outcome')
    const result = parseProgressResult(claim.result, command.updates.map((update) => update.achievementId))
    return { status: 200, body: this.present(result, definitions, null, admin), replayed: true }
  }

  private checkedKey(raw: string | null): string | null {
    if (raw === null) return null
    if (!IDEMPOTENCY_KEY_PATTERN.test(raw)) {
      throw new ApiError(400, 'invalid_idempotency_key', 'Idempotency-Key must be 1 to 255 visible ASCII characters')
    }
    return raw
  }

  private async resolve(requested: RequestedUpdate[]): Promise<AchievementRecord[]> {
    return Promise.all(
      requested.map(async (update) => {
        const definition = await this.deps.catalog.get(update.code)
        if (!definition) throw new ApiError(404, 'achievement_not_found', DEFINITION_NOT_FOUND)
        return definition
      }),
    )
  }

  private present(result: ProgressResult, definitions: AchievementRecord[], rank: number | null, admin: boolean): ProgressResponse {
    const progress = result.rows.map((row, index) => presentProgress(result.user.userId, definitions[index]!, row, admin))
    return {
      user: presentUser(result.user, rank),
      achievement: progress[0] ?? null,
      progress,
      newly_unlocked: progress.filter((item) => item.newly_unlocked).map((item) => item.achievement_code),
      star_tokens_awarded: result.starTokensAwarded,
      score_delta: result.scoreDelta,
      leaderboard_score: result.user.totalPoints,
    }
  }
}
