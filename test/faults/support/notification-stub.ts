/**
 * A stand-in for the notification service (a real HTTP server): records each delivery by its Idempotency-Key,
 * and any key that arrives while the same key is still being answered (the same notification sent twice at
 * the same time, e.g. by two instances).
 */
export class NotificationStub {
  readonly delivered = new Map<string, number>()
  readonly concurrentDuplicates: string[] = []
  private readonly answering = new Map<string, number>()
  private readonly server: ReturnType<typeof Bun.serve>

  constructor(private readonly answerDelayMs: () => number = () => 0) {
    this.server = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      fetch: async (request) => {
        const key = request.headers.get('idempotency-key') ?? ''
        await request.text()
        if ((this.answering.get(key) ?? 0) > 0) this.concurrentDuplicates.push(key)
        this.answering.set(key, (this.answering.get(key) ?? 0) + 1)
        try {
          const delay = this.answerDelayMs()
          if (delay > 0) await Bun.sleep(delay)
          this.delivered.set(key, (this.delivered.get(key) ?? 0) + 1)
          return Response.json({ id: crypto.randomUUID() }, { status: 201 })
        } finally {
          this.answering.set(key, (this.answering.get(key) ?? 1) - 1)
        }
      },
    })
  }

  get url(): string {
    return `http://127.0.0.1:${this.server.port}`
  }

  async stop(): Promise<void> {
    await this.server.stop(true)
  }
}
