export type CircuitState = 'closed' | 'open' | 'half-open'

export type CircuitAdmission = 'pass' | 'probe' | 'reject'

/**
 * Fails fast while a dependency is known to be down. A failure opens the circuit for `cooldownMs`: calls are
 * rejected at once instead of each waiting for its own timeout (and piling up on the connection pool). After
 * the cooldown one call at a time goes through as a probe; its success closes the circuit, its failure opens
 * it for another cooldown. A success of any call closes it, so it recovers by itself as soon as the
 * dependency answers.
 */
export class CircuitBreaker {
  private openUntil = 0
  private opened = false
  private probing = false
  /** Times the circuit opened (metrics). */
  trips = 0

  constructor(
    private readonly cooldownMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get state(): CircuitState {
    if (!this.opened) return 'closed'
    return this.now() < this.openUntil ? 'open' : 'half-open'
  }

  admit(): CircuitAdmission {
    if (!this.opened) return 'pass'
    if (this.now() < this.openUntil || this.probing) return 'reject'
    this.probing = true
    return 'probe'
  }

  succeeded(): void {
    this.opened = false
    this.probing = false
    this.openUntil = 0
  }

  failed(): void {
    if (!this.opened) this.trips += 1
    this.opened = true
    this.probing = false
    this.openUntil = this.now() + this.cooldownMs
  }

  /** A probe that ended without telling anything about the dependency (e.g. the caller's own error). */
  released(admission: CircuitAdmission): void {
    if (admission === 'probe') this.probing = false
  }
}
