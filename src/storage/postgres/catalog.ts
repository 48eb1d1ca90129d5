import { asc, count, desc, eq, sql } from 'drizzle-orm'
import type { AchievementPatch, AchievementRecord, CatalogStore, NewAchievement, RarityStats } from '../port'
import type { PgDb, PgSql } from './connection'
import { achievements, userAchievements, userScores } from './schema'

export const CATALOG_CHANNEL = 'achievement_catalog'

const UNIQUE_VIOLATION = '23505'

function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false
  // Drizzle wraps the driver's error in a DrizzleQueryError; the SQLSTATE is on its cause.
  const { code, cause } = error as { code?: unknown; cause?: { code?: unknown } }
  return code === UNIQUE_VIOLATION || cause?.code === UNIQUE_VIOLATION
}

export class PostgresCatalogStore implements CatalogStore {
  constructor(
    private readonly db: PgDb,
    private readonly sql: PgSql,
  ) {}

  private async announce(code: string): Promise<void> {
    await this.sql`select pg_notify(${CATALOG_CHANNEL}, ${code})`
  }

  async create(input: NewAchievement): Promise<AchievementRecord | null> {
    const now = new Date()
    try {
      const [row] = await this.db
        .insert(achievements)
        .values({ ...input, id: crypto.randomUUID(), createdAt: now, updatedAt: now })
        .returning()
      await this.announce(input.code)
      return row ?? null
    } catch (error) {
      if (isUniqueViolation(error)) return null
      throw error
    }
  }

  list(query: { skip: number; limit: number; category?: string | undefined }): Promise<AchievementRecord[]> {
    return this.db
      .select()
      .from(achievements)
      .where(query.category === undefined ? undefined : eq(achievements.category, query.category))
      .orderBy(sql`${achievements.createdAt} desc nulls last`, asc(achievements.code))
      .offset(query.skip)
      .limit(query.limit)
  }

  async getByCode(code: string): Promise<AchievementRecord | null> {
    const [row] = await this.db.select().from(achievements).where(eq(achievements.code, code)).limit(1)
    return row ?? null
  }

  async update(code: string, patch: AchievementPatch): Promise<AchievementRecord | null> {
    if (Object.keys(patch).length === 0) return this.getByCode(code)
    const [row] = await this.db
      .update(achievements)
      .set({ ...patch, updatedAt: new Date() })
      .where(eq(achievements.code, code))
      .returning()
    if (row) await this.announce(code)
    return row ?? null
  }

  all(): Promise<AchievementRecord[]> {
    return this.db.select().from(achievements).orderBy(desc(achievements.createdAt), asc(achievements.code))
  }

  async rarity(): Promise<RarityStats> {
    const [counts, players] = await Promise.all([
      this.db
        .select({ achievementId: userAchievements.achievementId, unlocked: count() })
        .from(userAchievements)
        .where(eq(userAchievements.isCompleted, true))
        .groupBy(userAchievements.achievementId),
      this.db.select({ players: count() }).from(userScores),
    ])
    return {
      unlockCounts: new Map(counts.map((row) => [row.achievementId, Number(row.unlocked)])),
      players: Number(players[0]?.players ?? 0),
    }
  }
}
