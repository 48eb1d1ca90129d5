import type { PgSql } from './connection'
import type { OutboxEntry, OutboxStats, OutboxStore } from '../port'
import { MAX_OUTBOX_ERROR_CHARS, outboxEntryOf, type OutboxRow } from '../outbox-row'

const COLUMNS = `id, user_id, achievement_code, title, reward_points, score_delta, star_tokens_awarded, metadata, attempts, status,
  (extract(epoch from created_at) * 1000)::float8 as created_at,
  (extract(epoch from next_attempt_at) * 1000)::float8 as next_attempt_at`

/**
 * The notification outbox on Postgres. Times come from the database clock (now()) so that every
 * instance agrees on when a lease ends.
 */
export class PostgresOutboxStore implements OutboxStore {
  constructor(private readonly sql: PgSql) {}

  async claimDue(owner: string, limit: number, leaseMs: number): Promise<OutboxEntry[]> {
    if (limit <= 0) return []
    // SKIP LOCKED lets concurrent claimers take disjoint rows; a row another claimer leased and committed
    // meanwhile is re-checked against its new version (locked_until in the future) and left out.
    // MATERIALIZED: the locking subquery runs exactly once, so no more than `limit` rows are leased.
    const rows = await this.sql<OutboxRow[]>`
      with due as materialized (
        select id from notification_outbox
        where status = 'pending'
          and next_attempt_at <= now()
          and (locked_until is null or locked_until < now())
        order by next_attempt_at
        limit ${limit}
        for update skip locked
      )
      update notification_outbox
      set locked_by = ${owner},
          locked_until = now() + make_interval(secs => ${leaseMs / 1000}),
          attempts = attempts + 1
      where id in (select id from due)
      returning ${this.sql.unsafe(COLUMNS)}`
    return [...rows].sort((a, b) => a.next_attempt_at - b.next_attempt_at).map(outboxEntryOf)
  }

  async markDelivered(id: string, owner: string): Promise<void> {
    await this.sql`
      update notification_outbox
      set status = 'delivered', delivered_at = now(), locked_by = null, locked_until = null, last_error = null
      where id = ${id} and locked_by = ${owner} and status = 'pending'`
  }

  async markFailed(id: string, owner: string, error: string, retryAt: Date | null): Promise<void> {
    const lastError = error.slice(0, MAX_OUTBOX_ERROR_CHARS)
    if (retryAt === null) {
      await this.sql`
        update notification_outbox
        set status = 'parked', last_error = ${lastError}, locked_by = null, locked_until = null
        where id = ${id} and locked_by = ${owner} and status = 'pending'`
      return
    }
    await this.sql`
      update notification_outbox
      set next_attempt_at = ${retryAt.toISOString()}::timestamptz, last_error = ${lastError}, locked_by = null, locked_until = null
      where id = ${id} and locked_by = ${owner} and status = 'pending'`
  }

  async stats(): Promise<OutboxStats> {
    // Separate scalar subqueries so the pending ones use the partial index on pending rows.
    const [row] = await this.sql<{ pending: number; parked: number; oldest: number | null }[]>`
      select (select count(*) from notification_outbox where status = 'pending')::int as pending,
             (select count(*) from notification_outbox where status = 'parked')::int as parked,
             (select (extract(epoch from min(created_at)) * 1000)::float8
              from notification_outbox where status = 'pending') as oldest`
    return {
      pending: row?.pending ?? 0,
      parked: row?.parked ?? 0,
      oldestPendingAt: row?.oldest == null ? null : new Date(row.oldest),
    }
  }

  async forUser(userId: string): Promise<(OutboxEntry & { status: string })[]> {
    const rows = await this.sql<OutboxRow[]>`
      select ${this.sql.unsafe(COLUMNS)}
      from notification_outbox where user_id = ${userId}
      order by created_at, id`
    return rows.map((row) => ({ ...outboxEntryOf(row), status: row.status }))
  }
}
