import type { ScoreStore } from '../storage/port'
import { type BoardKeys, REBUILD_LEASE_MS, temporaryBoardKey } from './redis-keys'
import type { RedisLink } from './redis-link'
import { REBUILD_ABORT_SCRIPT, REBUILD_CHUNK_SCRIPT, REBUILD_FINISH_SCRIPT } from './redis-scripts'

export type RebuildOutcome = { status: 'done'; players: number } | { status: 'busy' }

/** The Redis server's run_id: it changes when Redis restarts (possibly from an older snapshot). */
export async function redisRunId(link: RedisLink): Promise<string | null> {
  try {
    const info = await link.run((client) => client.info('server'))
    return /run_id:(\w+)/.exec(info)?.[1] ?? null
  } catch {
    return null
  }
}

/**
 * Rebuilds the Redis board from the database (the truth): reads every player in user_id chunks into a
 * temporary key, then RENAMEs it over the board and sets the marker, in one script. Writes never wait:
 * while the lock is held, every writer also writes to the temporary key (ZADD GT, so a chunk read before a
 * write cannot lower it), so nothing written during the rebuild is lost by the RENAME. One rebuild at a
 * time across instances (SET NX lock with a lease refreshed per chunk).
 */
export class BoardRebuilder {
  constructor(
    private readonly link: RedisLink,
    private readonly keys: BoardKeys,
    private readonly scores: ScoreStore,
    private readonly chunkSize = 1_000,
  ) {}

  async rebuild(markerValue: string): Promise<RebuildOutcome> {
    const temporary = temporaryBoardKey(this.keys)
    const token = temporary
    const locked = await this.link.run((client) => client.set(this.keys.rebuild, token, 'PX', REBUILD_LEASE_MS, 'NX'))
    if (locked !== 'OK') return { status: 'busy' }
    try {
      let players = 0
      let after: string | null = null
      for (;;) {
        const chunk = await this.scores.scan(after, this.chunkSize)
        if (chunk.length === 0) break
        const args: (string | number)[] = [token, REBUILD_LEASE_MS]
        for (const entry of chunk) args.push(entry.totalPoints, entry.userId)
        const kept = await this.link.run((client) =>
          REBUILD_CHUNK_SCRIPT.run(client, [this.keys.rebuild, temporary], args),
        )
        if (kept !== 1) throw new Error('leaderboard rebuild lost its lock (lease expired)')
        players += chunk.length
        after = chunk[chunk.length - 1]!.userId
        if (chunk.length < this.chunkSize) break
      }
      const finished = await this.link.run((client) =>
        REBUILD_FINISH_SCRIPT.run(client, [this.keys.board, this.keys.marker, this.keys.rebuild, temporary], [token, markerValue]),
      )
      if (finished !== 1) throw new Error('leaderboard rebuild lost its lock (lease expired)')
      return { status: 'done', players }
    } catch (error) {
      await this.link
        .run((client) => REBUILD_ABORT_SCRIPT.run(client, [this.keys.rebuild, temporary], [token]))
        .catch(() => {})
      throw error
    }
  }
}
