import type { Database } from 'bun:sqlite'
import type { IdempotencyClaim, IdempotencyStore, StoredResponse } from '../port'

interface KeyRow {
  request_hash: string
  state: string
  response_status: number | null
  response_body: string | null
  result: string | null
  locked_until: number
}

export class SqliteIdempotencyStore implements IdempotencyStore {
  private readonly claimTx
  private readonly completeTx

  constructor(private readonly client: Database) {
    const storeResponse = client.query(
      `update idempotency_keys set state = 'done', response_status = $status, response_body = $body
       where caller = $caller and key = $key`,
    )
    this.completeTx = client.transaction((responses: readonly StoredResponse[]) => {
      for (const { caller, key, status, body } of responses) storeResponse.run({ caller, key, status, body })
    })
    const select = client.query<KeyRow, [string, string]>(
      `select request_hash, state, response_status, response_body, result, locked_until
       from idempotency_keys where caller = ? and key = ?`,
    )
    const upsertClaim = client.query(
      `insert into idempotency_keys (caller, key, request_hash, state, locked_until, created_at)
       values ($caller, $key, $hash, 'pending', $until, $now)
       on conflict (caller, key) do update set request_hash = excluded.request_hash, state = 'pending',
         locked_until = excluded.locked_until, created_at = excluded.created_at`,
    )
    this.claimTx = client.transaction((caller: string, key: string, hash: string, leaseMs: number): IdempotencyClaim => {
      const now = Date.now()
      const row = select.get(caller, key)
      // Free, or a pending claim whose holder died (its lease ended): take it.
      if (!row || (row.state === 'pending' && row.locked_until < now)) {
        upsertClaim.run({ caller, key, hash, until: now + leaseMs, now })
        return { kind: 'claimed' }
      }
      if (row.request_hash !== hash) return { kind: 'mismatch' }
      if (row.state === 'pending') return { kind: 'in_flight' }
      return { kind: 'replay', status: row.response_status ?? 200, body: row.response_body, result: row.result }
    })
  }

  async claim(caller: string, key: string, requestHash: string, leaseMs: number): Promise<IdempotencyClaim> {
    return this.claimTx.immediate(caller, key, requestHash, leaseMs)
  }

  async complete(responses: readonly StoredResponse[]): Promise<void> {
    this.completeTx(responses)
  }

  async release(caller: string, key: string): Promise<void> {
    this.client.query(`delete from idempotency_keys where caller = ? and key = ? and state = 'pending'`).run(caller, key)
  }

  async prune(createdBefore: Date): Promise<number> {
    return this.client.query('delete from idempotency_keys where created_at < ?').run(createdBefore.getTime()).changes
  }
}
