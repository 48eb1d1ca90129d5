import { ApiError } from '../http/errors'
import type { AchievementPatch, AchievementRecord, CatalogStore, ProgressStore, UserAchievementRecord } from '../storage/port'
import type { CatalogCache } from './cache'
import type { AchievementCreate, AchievementResponse, AchievementUpdate } from './model'
import { type RarityCache, unlockPercent } from './rarity'

export const ACHIEVEMENT_NOT_FOUND = 'Achievement not found'
export const SECRET_TITLE = 'Hidden achievement'

/** Who is reading: admins see secrets; `userId` adds that player's progress and unmasks what they unlocked. */
export interface CatalogViewer {
  admin: boolean
  userId?: string | undefined
}

export function toPatch(update: AchievementUpdate): AchievementPatch {
  const patch: AchievementPatch = {}
  if (update.title !== undefined) patch.title = update.title
  if (update.description !== undefined) patch.description = update.description
  if (update.points !== undefined) patch.points = update.points
  if (update.category !== undefined) patch.category = update.category
  if (update.rarity !== undefined) patch.rarity = update.rarity
  if (update.icon_url !== undefined) patch.iconUrl = update.icon_url
  if (update.is_secret !== undefined) patch.isSecret = update.is_secret
  if (update.progress_target !== undefined) patch.progressTarget = update.progress_target
  if (update.auto_claim !== undefined) patch.autoClaim = update.auto_claim
  return patch
}

export class CatalogService {
  constructor(
    private readonly store: CatalogStore,
    private readonly progress: ProgressStore,
    private readonly cache: CatalogCache,
    private readonly rarity: RarityCache,
  ) {}

  async create(input: AchievementCreate): Promise<AchievementResponse> {
    const record = await this.store.create({
      code: input.code,
      title: input.title,
      description: input.description,
      points: input.points ?? 50,
      category: input.category ?? null,
      rarity: input.rarity ?? null,
      iconUrl: input.icon_url ?? null,
      isSecret: input.is_secret ?? false,
      progressTarget: input.progress_target ?? 1,
      autoClaim: input.auto_claim ?? true,
    })
    if (!record) throw new ApiError(409, 'duplicate_code', 'Achievement code already exists')
    this.cache.put(record)
    return this.present([record], { admin: true }).then((list) => list[0]!)
  }

  async list(
    query: { skip: number; limit: number; category?: string | undefined },
    viewer: CatalogViewer,
  ): Promise<AchievementResponse[]> {
    return this.present(await this.store.list(query), viewer)
  }

  async get(code: string, viewer: CatalogViewer): Promise<AchievementResponse> {
    const record = await this.store.getByCode(code)
    if (!record) throw new ApiError(404, 'achievement_not_found', ACHIEVEMENT_NOT_FOUND)
    return this.present([record], viewer).then((list) => list[0]!)
  }

  async update(code: string, update: AchievementUpdate): Promise<AchievementResponse> {
    const record = await this.store.update(code, toPatch(update))
    if (!record) throw new ApiError(404, 'achievement_not_found', ACHIEVEMENT_NOT_FOUND)
    this.cache.put(record)
    return this.present([record], { admin: true }).then((list) => list[0]!)
  }

  private async present(records: AchievementRecord[], viewer: CatalogViewer): Promise<AchievementResponse[]> {
    const [stats, progressRows] = await Promise.all([
      this.rarity.get(),
      viewer.userId ? this.progress.userAchievements(viewer.userId) : Promise.resolve(null),
    ])
    const progressById = new Map<string, UserAchievementRecord>((progressRows ?? []).map((row) => [row.achievementId, row]))
    return records.map((record) => {
      const mine = progressById.get(record.id)
      const masked = record.isSecret && !viewer.admin && !mine?.isCompleted
      const unlocked = stats.unlockCounts.get(record.id) ?? 0
      const response: AchievementResponse = {
        id: record.id,
        code: record.code,
        title: masked ? SECRET_TITLE : record.title,
        description: masked ? '' : record.description,
        points: record.points,
        category: record.category,
        rarity: record.rarity,
        icon_url: record.iconUrl,
        is_secret: record.isSecret,
        progress_target: record.progressTarget,
        auto_claim: record.autoClaim,
        created_at: record.createdAt.toISOString(),
        updated_at: record.updatedAt.toISOString(),
        unlock_count: unlocked,
        unlock_percent: unlockPercent(unlocked, stats.players),
      }
      if (progressRows) {
        response.progress_current = mine?.progressCurrent ?? 0
        response.is_completed = mine?.isCompleted ?? false
        response.unlocked_at = mine?.unlockedAt?.toISOString() ?? null
      }
      return response
    })
  }
}
