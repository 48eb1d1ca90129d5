import { asc, count, desc, eq, sql } from 'drizzle-orm'
import type { AchievementPatch, AchievementRecord, CatalogStore, NewAchievement, RarityStats } from '../port'
import type { SqliteDb } from './connection'
import { achievements, userAchievements, userScores } from './schema'

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && code.startsWith('SQLITE_CONSTRAINT')
}

/** SQLite is one process: a catalog change is announced through `onChange` only. */
export class SqliteCatalogStore implements CatalogStore {
  constructor(
    private readonly db: SqliteDb,
    private readonly onChange: () => void,
  ) {}

  async create(input: NewAchievement): Promise<AchievementRecord | null> {
    const now = new Date()
    try {
      const row = this.db
        .insert(achievements)
        .values({ ...input, id: crypto.randomUUID(), createdAt: now, updatedAt: now })
        .returning()
        .get()
      this.onChange()
      return row ?? null
    } catch (error) {
      if (isUniqueViolation(error)) return null
      throw error
    }
  }

  async list(query: { skip: number; limit: number; category?: string | undefined }): Promise<AchievementRecord[]> {
    return this.db
      .select()
      .from(achievements)
      .where(query.category === undefined ? undefined : eq(achievements.category, query.category))
      .orderBy(sql`${achievements.createdAt} desc`, asc(achievements.code))
      .limit(query.limit)
      .offset(query.skip)
      .all()
  }

  async getByCode(code: string): Promise<AchievementRecord | null> {
    return this.db.select().from(achievements).where(eq(achievements.code, code)).limit(1).get() ?? null
  }

  async update(code: string, patch: AchievementPatch): Promise<AchievementRecord | null> {
    if (Object.keys(patch).length === 0) return this.getByCode(code)
    const row = this.db
      .update(achievements)
      .set({ ...patch, updatedAt: new Date() })
      .where(eq(achievements.code, code))
      .returning()
      .get()
    if (row) this.onChange()
    return row ?? null
  }

  async all(): Promise<AchievementRecord[]> {
    return this.db.select().from(achievements).orderBy(desc(achievements.createdAt), asc(achievements.code)).all()
  }

  async rarity(): Promise<RarityStats> {
    const counts = this.db
      .select({ achievementId: userAchievements.achievementId, unlocked: count() })
      .from(userAchievements)
      .where(eq(userAchievements.isCompleted, true))
      .groupBy(userAchievements.achievementId)
      .all()
    const players = this.db.select({ players: count() }).from(userScores).get()
    return {
      unlockCounts: new Map(counts.map((row) => [row.achievementId, row.unlocked])),
      players: players?.players ?? 0,
    }
  }
}
