import Redis from 'ioredis'

/** The bench's keys in Redis: everything under one prefix, deleted at the end (never a FLUSH). */
export class BenchRedis {
  readonly client: Redis

  constructor(
    url: string,
    readonly prefix: string,
  ) {
    this.client = new Redis(url, { lazyConnect: true, connectTimeout: 2_000, commandTimeout: 30_000, maxRetriesPerRequest: 1 })
  }

  get leaderboardKey(): string {
    return `${this.prefix}leaderboard`
  }

  get rateLimitPrefix(): string {
    return `${this.prefix}ratelimit`
  }

  async connect(): Promise<void> {
    await this.client.connect()
    await this.client.ping()
  }

  async info(): Promise<string> {
    const text = await this.client.info('server')
    return /redis_version:(\S+)/.exec(text)?.[1] ?? 'unknown'
  }

  async markerExists(): Promise<boolean> {
    return (await this.client.exists(`${this.leaderboardKey}:marker`)) === 1
  }

  /** The whole board as user → score. */
  async board(): Promise<Map<string, number>> {
    const flat = await this.client.zrange(this.leaderboardKey, 0, -1, 'WITHSCORES')
    const board = new Map<string, number>()
    for (let i = 0; i < flat.length; i += 2) board.set(flat[i]!, Number(flat[i + 1]))
    return board
  }

  async deleteAll(): Promise<number> {
    let cursor = '0'
    let deleted = 0
    do {
      const [next, keys] = await this.client.scan(cursor, 'MATCH', `${this.prefix}*`, 'COUNT', 1_000)
      cursor = next
      if (keys.length > 0) deleted += await this.client.unlink(...keys)
    } while (cursor !== '0')
    return deleted
  }

  async close(): Promise<void> {
    await this.client.quit().catch(() => this.client.disconnect())
  }
}

/** Compares the board with the database's scores (players with total > 0). */
export function compareBoard(board: Map<string, number>, database: Map<string, number>) {
  let wrong = 0
  let missing = 0
  let extra = 0
  const examples: string[] = []
  for (const [user, total] of database) {
    const score = board.get(user)
    if (score === undefined) missing += 1
    else if (score !== total) wrong += 1
    else continue
    if (examples.length < 5) examples.push(`${user}: db ${total}, redis ${score ?? 'absent'}`)
  }
  for (const user of board.keys()) {
    if (!database.has(user)) {
      extra += 1
      if (examples.length < 5) examples.push(`${user}: only in redis (${board.get(user)})`)
    }
  }
  return { wrong, missing, extra, examples }
}
