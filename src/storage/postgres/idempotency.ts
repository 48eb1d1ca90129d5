import type { IdempotencyClaim, IdempotencyStore, StoredResponse } from '../port'
import { intArrayLiteral, textArrayLiteral } from './array-literal'
import type { PgSql } from './connection'

interface KeyRow {
  claimed: boolean
  request_hash: string | null
  state: string | null
  response_status: number | null
  response_body: string | null
  result: string | null
}

export class PostgresIdempotencyStore implements IdempotencyStore {
  constructor(private readonly sql: PgSql) {}

  async claim(caller: string, key: string, requestHash: string, leaseMs: number): Promise<IdempotencyClaim> {
    // Insert a pending claim, or take over one whose holder died (pending, lease ended). Otherwise the existing
    // row says what to answer. A row committed by a concurrent claimer after this statement's snapshot is not
    // visible here: that request is in flight.
    const [row] = await this.sql<KeyRow[]>`
      with inserted as (
        insert into idempotency_keys (caller, key, request_hash, state, locked_until, created_at)
        values (${caller}, ${key}, ${requestHash}, 'pending', now() + ${leaseMs} * interval '1 millisecond', now())
        on conflict (caller, key) do nothing
        returning true as claimed
      ), taken as (
        update idempotency_keys set request_hash = ${requestHash}, created_at = now(),
          locked_until = now() + ${leaseMs} * interval '1 millisecond'
        where caller = ${caller} and key = ${key} and state = 'pending' and locked_until < now()
        returning true as claimed
      )
      select coalesce((select claimed from inserted), (select claimed from taken), false) as claimed,
             k.request_hash, k.state, k.response_status, k.response_body, k.result
      from (select 1) as one
      left join idempotency_keys k on k.caller = ${caller} and k.key = ${key}`
    if (!row) throw new Error('idempotency claim returned nothing')
    if (row.claimed) return { kind: 'claimed' }
    if (row.state === null) return { kind: 'in_flight' }
    if (row.request_hash !== requestHash) return { kind: 'mismatch' }
    if (row.state === 'pending') return { kind: 'in_flight' }
    return { kind: 'replay', status: row.response_status ?? 200, body: row.response_body, result: row.result }
  }

  async complete(responses: readonly StoredResponse[]): Promise<void> {
    if (responses.length === 0) return
    const callers = textArrayLiteral(responses.map((r) => r.caller))
    const keys = textArrayLiteral(responses.map((r) => r.key))
    const statuses = intArrayLiteral(responses.map((r) => r.status))
    const bodies = textArrayLiteral(responses.map((r) => r.body))
    await this.sql`
      update idempotency_keys k set state = 'done', response_status = r.status, response_body = r.body
      from unnest(${callers}::text[], ${keys}::text[], ${statuses}::int[], ${bodies}::text[]) as r(caller, key, status, body)
      where k.caller = r.caller and k.key = r.key`
  }

  async release(caller: string, key: string): Promise<void> {
    await this.sql`delete from idempotency_keys where caller = ${caller} and key = ${key} and state = 'pending'`
  }

  async prune(createdBefore: Date): Promise<number> {
    const rows = await this.sql`delete from idempotency_keys where created_at < ${createdBefore.toISOString()}::timestamptz`
    return rows.count
  }
}
