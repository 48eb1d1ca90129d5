import type { Logger } from '../ops/logger'
import { MicroBatcher } from '../ops/micro-batcher'
import type { IdempotencyStore, StoredResponse } from '../storage/port'

export interface ResponseStoreOptions {
  /** The responses of this many ms after the first one go to the database in one call. */
  windowMs: number
  /** A batch this large goes at once. */
  maxBatch: number
}

/**
 * A keyed post's work commits with its outcome, so its full response is only what replays answer with: it is
 * stored after the post is answered, and the responses of a short window share one statement, instead of a
 * transaction each on another backend (one for every keyed post).
 */
export const DEFAULT_RESPONSE_STORE_OPTIONS: ResponseStoreOptions = { windowMs: 20, maxBatch: 200 }

const entryKey = (caller: string, key: string) => `${caller}\u0000${key}`

/**
 * Stores keyed posts' responses for their replays, off the request path. Until a response is stored, a replay on
 * this instance answers with its body from here (`bodyOf`), so it is the same byte for byte; on another instance
 * (or after a crash in between) the replay is rebuilt from the outcome the work stored.
 */
export class ResponseStore {
  /** The responses handed over and not yet stored (or given up), by caller and key. */
  private readonly waiting = new Map<string, StoredResponse>()
  private readonly batcher: MicroBatcher<StoredResponse>

  constructor(
    private readonly idempotency: IdempotencyStore,
    private readonly logger: Logger,
    options: ResponseStoreOptions = DEFAULT_RESPONSE_STORE_OPTIONS,
  ) {
    this.batcher = new MicroBatcher((batch) => this.write(batch), options)
  }

  store(response: StoredResponse): void {
    this.waiting.set(entryKey(response.caller, response.key), response)
    this.batcher.add(response)
  }

  /** The body of a response not yet stored, or undefined. */
  bodyOf(caller: string, key: string): string | undefined {
    return this.waiting.get(entryKey(caller, key))?.body
  }

  /** Stores what is waiting now and resolves once every response handed over is stored (or given up). */
  drain(): Promise<void> {
    return this.batcher.drain()
  }

  private write(batch: StoredResponse[]): Promise<void> {
    return this.idempotency
      .complete(batch)
      .catch((error: unknown) => {
        // The outcome is already stored with the work; a replay rebuilds the body from it.
        this.logger.warn('could not store idempotent responses', { error, responses: batch.length })
      })
      .finally(() => {
        for (const response of batch) {
          const id = entryKey(response.caller, response.key)
          if (this.waiting.get(id) === response) this.waiting.delete(id)
        }
      })
  }
}
