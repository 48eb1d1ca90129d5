import { BoardNotReadyError, type BoardPage, type LeaderboardBoard } from './board'
import type { BoardKeys } from './redis-keys'
import type { RedisLink } from './redis-link'
import { RANK_SCRIPT, READ_SCRIPT } from './redis-scripts'
import type { RankedPlayer } from './ranking'

type ReadReply = (string | number)[]

function toPage(reply: ReadReply): BoardPage {
  if (reply[0] === -1) throw new BoardNotReadyError()
  const entries: RankedPlayer[] = []
  for (let i = 2; i + 2 < reply.length; i += 3) {
    entries.push({ userId: String(reply[i]), score: Number(reply[i + 1]), rank: Number(reply[i + 2]) })
  }
  return { totalPlayers: Number(reply[0]), offset: Number(reply[1]), entries }
}

/** The leaderboard served by a Redis sorted set (member = user id, score = total points). */
export class RedisBoard implements LeaderboardBoard {
  private readonly readKeys: string[]

  constructor(
    private readonly link: RedisLink,
    keys: BoardKeys,
  ) {
    this.readKeys = [keys.board, keys.marker]
  }

  async page(offset: number, limit: number): Promise<BoardPage> {
    return toPage(await this.read(['page', offset, limit]))
  }

  async around(userId: string, limit: number): Promise<BoardPage> {
    return toPage(await this.read(['around', userId, limit]))
  }

  async rankOf(userId: string, totalPoints: number): Promise<number | null> {
    if (totalPoints <= 0) return null
    const rank = await this.link.run((client) => RANK_SCRIPT.run(client, this.readKeys, [userId, totalPoints]))
    if (rank === -1) throw new BoardNotReadyError()
    return Number(rank)
  }

  private read(args: (string | number)[]): Promise<ReadReply> {
    return this.link.run((client) => READ_SCRIPT.run(client, this.readKeys, args)) as Promise<ReadReply>
  }
}
