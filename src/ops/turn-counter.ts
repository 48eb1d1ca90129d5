/**
 * Counts turns of the event loop, lazily: reading the count in a turn schedules its increment for the end of that
 * turn (one setImmediate per turn in which it is read). Two reads give the same number only within one turn, so a
 * callback can tell whether it runs in the turn where some work began (a promise settled by microtasks) or in a
 * later one (an answer that came back over a socket).
 */
export class TurnCounter {
  private turn = 0
  private incrementScheduled = false

  current(): number {
    if (!this.incrementScheduled) {
      this.incrementScheduled = true
      setImmediate(() => {
        this.turn += 1
        this.incrementScheduled = false
      })
    }
    return this.turn
  }
}
