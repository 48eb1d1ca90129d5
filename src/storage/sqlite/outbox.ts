import type { Database } from 'bun:sqlite'
import type { OutboxEntry, OutboxStats, OutboxStore } from '../port'
import { MAX_OUTBOX_ERROR_CHARS, outboxEntryOf, type OutboxRow } from '../outbox-row'

const COLUMNS = `id, user_id, achievement_code, title, reward_points, score_delta, star_tokens_awarded,
  metadata, attempts, created_at, next_attempt_at, status`

/** The notification outbox on SQLite (timestamps are epoch milliseconds). */
export class SqliteOutboxStore implements OutboxStore {
  constructor(private readonly client: Database) {}

  async claimDue(owner: string, limit: number, leaseMs: number): Promise<OutboxEntry[]> {
    if (limit <= 0) return []
    // BEGIN IMMEDIATE takes the write lock before reading, so two connections cannot lease the same rows.
    const claim = this.client.transaction((now: number) =>
      this.client
        .query<OutboxRow, [string, number, number, number, number]>(
          `update notification_outbox
           set locked_by = ?, locked_until = ?, attempts = attempts + 1
           where id in (
             select id from notification_outbox
             where status = 'pending' and next_attempt_at <= ? and (locked_until is null or locked_until < ?)
             order by next_attempt_at
             limit ?
           )
           returning ${COLUMNS}`,
        )
        .all(owner, now + leaseMs, now, now, limit),
    )
    const rows = claim.immediate(Date.now())
    return rows.sort((a, b) => a.next_attempt_at - b.next_attempt_at).map(outboxEntryOf)
  }

  async markDelivered(id: string, owner: string): Promise<void> {
    this.client
      .query(
        `update notification_outbox
         set status = 'delivered', delivered_at = ?, locked_by = null, locked_until = null, last_error = null
         where id = ? and locked_by = ? and status = 'pending'`,
      )
      .run(Date.now(), id, owner)
  }

  async markFailed(id: string, owner: string, error: string, retryAt: Date | null): Promise<void> {
    const lastError = error.slice(0, MAX_OUTBOX_ERROR_CHARS)
    if (retryAt === null) {
      this.client
        .query(
          `update notification_outbox
           set status = 'parked', last_error = ?, locked_by = null, locked_until = null
           where id = ? and locked_by = ? and status = 'pending'`,
        )
        .run(lastError, id, owner)
      return
    }
    this.client
      .query(
        `update notification_outbox
         set next_attempt_at = ?, last_error = ?, locked_by = null, locked_until = null
         where id = ? and locked_by = ? and status = 'pending'`,
      )
      .run(retryAt.getTime(), lastError, id, owner)
  }

  async stats(): Promise<OutboxStats> {
    const row = this.client
      .query<{ pending: number; parked: number; oldest: number | null }, []>(
        `select (select count(*) from notification_outbox where status = 'pending') as pending,
                (select count(*) from notification_outbox where status = 'parked') as parked,
                (select min(created_at) from notification_outbox where status = 'pending') as oldest`,
      )
      .get()
    return {
      pending: row?.pending ?? 0,
      parked: row?.parked ?? 0,
      oldestPendingAt: row?.oldest == null ? null : new Date(row.oldest),
    }
  }

  async forUser(userId: string): Promise<(OutboxEntry & { status: string })[]> {
    const rows = this.client
      .query<OutboxRow, [string]>(`select ${COLUMNS} from notification_outbox where user_id = ? order by created_at, id`)
      .all(userId)
    return rows.map((row) => ({ ...outboxEntryOf(row), status: row.status }))
  }
}
