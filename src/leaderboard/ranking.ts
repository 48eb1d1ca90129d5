/**
 * The leaderboard's ordering rules, with no I/O. Ordering: score descending, equal scores by user_id
 * ascending (bytewise). Rank: competition rank, 1 + the number of players with a strictly higher score.
 */

export interface ScoredPlayer {
  userId: string
  score: number
}

export interface RankedPlayer extends ScoredPlayer {
  rank: number
}

/**
 * Ranks a page that starts at 0-based position `offset`, given how many players score strictly above the
 * page's first entry. A player scoring below the previous entry has exactly `position` players above it.
 */
export function rankPage(entries: readonly ScoredPlayer[], offset: number, aboveFirst: number): RankedPlayer[] {
  const ranked: RankedPlayer[] = []
  entries.forEach((entry, index) => {
    const previous = ranked[index - 1]
    const rank = previous === undefined ? aboveFirst + 1 : entry.score === previous.score ? previous.rank : offset + index + 1
    ranked.push({ ...entry, rank })
  })
  return ranked
}

/**
 * Start of the page of `limit` entries that holds the player at 0-based `position` (null: no score → top
 * page): centred where possible (the extra slot of an even page goes below the player), shifted at the
 * edges so the page stays full.
 */
export function aroundWindowStart(position: number | null, limit: number, total: number): number {
  if (position === null) return 0
  const centred = position - Math.floor((limit - 1) / 2)
  return Math.max(0, Math.min(centred, total - limit))
}

/** Competition rank of a total among players, given the count of players strictly above it. */
export function rankFromAbove(above: number): number {
  return above + 1
}

/** Byte order of UTF-8 strings: the order Redis uses for equal scores and Postgres with a C collation. */
export function compareUserIds(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b))
}

export function comparePlayers(a: ScoredPlayer, b: ScoredPlayer): number {
  return b.score - a.score || compareUserIds(a.userId, b.userId)
}
