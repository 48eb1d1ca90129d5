/** What the progress feature tells the notification dispatcher after a commit that created pending unlocks. */
export interface UnlockNotifier {
  /** New pending outbox entries exist: deliver soon instead of waiting for the next poll. Never blocks. */
  wake(): void
}
