import type { OutboxEntry } from '../storage/port'

export const NOTIFICATION_TITLE = '🎖 Achievement Unlocked'

/** The body the notification service receives for one unlock (the replaced service's shape). */
export interface NotificationPayload {
  user_id: string
  title: string
  message: string
  category: 'achievement'
  priority: 'normal'
  /** Values are strings: the notification service's metadata is a string map. */
  metadata: { achievement_code: string; score_delta: string; star_tokens: string }
}

export interface NotificationRequest {
  body: string
  headers: Record<string, string>
}

type PayloadSource = Pick<OutboxEntry, 'id' | 'userId' | 'achievementCode' | 'title' | 'rewardPoints' | 'scoreDelta' | 'starTokensAwarded'>

/**
 * `score_delta` is what the unlocking request added to the player's total (all its unlocks plus its
 * score bonus); `star_tokens` is the number of star tokens that request awarded, not the player's balance.
 */
export function notificationPayload(entry: PayloadSource): NotificationPayload {
  return {
    user_id: entry.userId,
    title: NOTIFICATION_TITLE,
    message: `You unlocked ${entry.title} (+${entry.rewardPoints} XP)!`,
    category: 'achievement',
    priority: 'normal',
    metadata: {
      achievement_code: entry.achievementCode,
      score_delta: String(entry.scoreDelta),
      star_tokens: String(entry.starTokensAwarded),
    },
  }
}

/** Body and headers of the delivery; the outbox id (the unlock id) is the Idempotency-Key of every attempt. */
export function notificationRequest(entry: PayloadSource): NotificationRequest {
  return {
    body: JSON.stringify(notificationPayload(entry)),
    headers: { 'content-type': 'application/json', 'idempotency-key': entry.id },
  }
}
