import type { Subprocess } from 'bun'
import Redis from 'ioredis'
import { freePort } from './ports'

/**
 * A redis-server of the test's own on a spare port (no persistence), so that a test may kill, pause and restart
 * it without touching the shared server.
 */
export class RedisServer {
  private process: Subprocess | null = null

  private constructor(readonly port: number) {}

  static async start(): Promise<RedisServer> {
    const server = new RedisServer(freePort())
    await server.restart()
    return server
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`
  }

  /** Starts an empty server (again) on the same port and waits until it answers PING. */
  async restart(timeoutMs = 10_000): Promise<void> {
    this.process = Bun.spawn(
      ['redis-server', '--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
      { stdout: 'ignore', stderr: 'ignore' },
    )
    const probe = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
    probe.on('error', () => {})
    const deadline = Date.now() + timeoutMs
    for (;;) {
      try {
        await probe.connect()
        await probe.ping()
        probe.disconnect()
        return
      } catch {
        probe.disconnect()
        if (Date.now() > deadline) throw new Error(`redis-server on port ${this.port} did not answer within ${timeoutMs} ms`)
        await Bun.sleep(25)
      }
    }
  }

  /** SIGKILL: connections drop, nothing is saved. */
  async kill(): Promise<void> {
    const running = this.process
    this.process = null
    if (!running) return
    running.kill('SIGKILL')
    await running.exited
  }

  /** Freezes the server (SIGSTOP): connections stay open but nothing answers. */
  pause(): void {
    this.process?.kill('SIGSTOP')
  }

  resume(): void {
    this.process?.kill('SIGCONT')
  }

  /** A client for checks (closed by the caller); errors while the server is down are expected. */
  client(): Redis {
    const client = new Redis(this.url, { maxRetriesPerRequest: 1, connectTimeout: 1_000 })
    client.on('error', () => {})
    return client
  }
}
