import type { Logger } from '../ops/logger'
import type { ScoreStore } from '../storage/port'
import type { UserDirectory } from '../users/model'
import type { LeaderboardBoard } from './board'
import { RedisBoardKeeper } from './board-keeper'
import { DatabaseBoard } from './database-board'
import { FallbackBoard } from './fallback-board'
import type { RankTracker } from './model'
import { BoardRankTracker } from './rank-tracker'
import { BoardRebuilder, redisRunId } from './rebuild'
import { RedisBoard } from './redis-board'
import { boardKeys } from './redis-keys'
import { DEFAULT_REDIS_LINK_OPTIONS, RedisLink, type RedisLinkOptions } from './redis-link'
import { DEFAULT_SCORE_WRITER_OPTIONS, ScoreWriter, type ScoreWriterOptions } from './score-writer'
import { DEFAULT_PAGE_CACHE_OPTIONS, PageCache, type PageCacheOptions } from './page-cache'
import { LeaderboardService, type RenderedLeaderboard } from './service'

/** Knobs tests turn; production uses the defaults. */
export interface LeaderboardTuning {
  redis?: Partial<RedisLinkOptions>
  writer?: Partial<ScoreWriterOptions>
  /** How often the Redis board's marker is checked (0 = only on reconnect and on a miss). */
  checkIntervalMs?: number
  /** Longest a RankTracker call waits. */
  rankBudgetMs?: number
  /** Rendered-page cache: TTL (default 250 ms; 0 = every read goes to the board) and size bound. */
  pageCache?: Partial<PageCacheOptions>
  /** Clock of the page cache and of `generated_at` (tests). */
  now?: () => number
}

export interface LeaderboardSettings {
  /** null: the database is the board. */
  redisUrl: string | null
  key: string
  scores: ScoreStore
  users: UserDirectory
  logger: Logger
  tuning?: LeaderboardTuning
}

/** The Redis parts, for operations and tests. */
export interface RedisLeaderboardParts {
  link: RedisLink
  keeper: RedisBoardKeeper
  writer: ScoreWriter
}

/** What an on-demand rebuild did (the admin endpoint and `bun run leaderboard:rebuild`). */
export type RebuildReport =
  | { status: 'rebuilt'; players: number; durationMs: number }
  | { status: 'busy' }
  /** No Redis: the database is the board, there is nothing to rebuild. */
  | { status: 'not_needed' }

export interface LeaderboardRebuild {
  /** Rebuilds the Redis board from the database now; throws RedisUnavailableError when Redis does not answer. */
  rebuild(): Promise<RebuildReport>
}

export interface Leaderboard extends LeaderboardRebuild {
  service: LeaderboardService
  rankTracker: RankTracker
  redis: RedisLeaderboardParts | null
  /** Connects to Redis and starts checking the board; never waits for Redis. */
  start(): void
  /** Sends queued writes, stops the checks and closes the connection. */
  stop(): Promise<void>
  /** Throws when Redis is configured and does not answer (readiness). */
  ping(): Promise<void>
}

export function buildLeaderboard(settings: LeaderboardSettings): Leaderboard {
  const { scores, users, logger, tuning = {} } = settings
  const database = new DatabaseBoard(scores)
  const now = tuning.now ?? Date.now
  const leaderboardService = (board: LeaderboardBoard) =>
    new LeaderboardService(
      board,
      scores,
      users,
      new PageCache<RenderedLeaderboard>({ ...DEFAULT_PAGE_CACHE_OPTIONS, ...tuning.pageCache }, now),
      now,
    )
  if (settings.redisUrl === null) {
    return {
      service: leaderboardService(database),
      rankTracker: new BoardRankTracker(database, null, tuning.rankBudgetMs),
      redis: null,
      start() {},
      async stop() {},
      async ping() {},
      async rebuild() {
        return { status: 'not_needed' }
      },
    }
  }

  const keys = boardKeys(settings.key)
  const link = new RedisLink(settings.redisUrl, { ...DEFAULT_REDIS_LINK_OPTIONS, ...tuning.redis }, logger)
  const rebuilder = new BoardRebuilder(link, keys, scores)
  const keeper = new RedisBoardKeeper(link, keys, rebuilder, logger, tuning.checkIntervalMs)
  const writer = new ScoreWriter(link, keys, keeper, { ...DEFAULT_SCORE_WRITER_OPTIONS, ...tuning.writer })
  const board: LeaderboardBoard = new FallbackBoard(
    new RedisBoard(link, keys),
    database,
    () => keeper.trusted(),
    () => keeper.poke(),
  )
  return {
    service: leaderboardService(board),
    rankTracker: new BoardRankTracker(board, writer, tuning.rankBudgetMs),
    redis: { link, keeper, writer },
    start() {
      keeper.start()
      link.connect()
    },
    async stop() {
      await writer.drain()
      await keeper.stop()
      await link.close()
    },
    async ping() {
      await link.run((client) => client.ping())
    },
    async rebuild() {
      const startedAt = Date.now()
      const outcome = await rebuilder.rebuild((await redisRunId(link)) ?? 'unknown')
      if (outcome.status === 'busy') return outcome
      return { status: 'rebuilt', players: outcome.players, durationMs: Date.now() - startedAt }
    },
  }
}
