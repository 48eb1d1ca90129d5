import type { Subprocess } from 'bun'
import Redis from 'ioredis'
import { freePort, waitForPort } from './ports'

/** A redis-server of the test's own on a spare port (no persistence): killed, paused and restarted by drills. */
export class RedisServer {
  private process: Subprocess | null = null

  private constructor(readonly port: number) {}

  static async create(): Promise<RedisServer> {
    const server = new RedisServer(freePort())
    await server.start()
    return server
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`
  }

  /** Starts (again) on the same port, empty. */
  async start(): Promise<void> {
    this.process = Bun.spawn(
      ['redis-server', '--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
      { stdout: 'ignore', stderr: 'ignore' },
    )
    await waitForPort(this.port)
  }

  /** SIGKILL: connections drop, nothing is saved. */
  async kill(): Promise<void> {
    const running = this.process
    this.process = null
    if (!running) return
    running.kill('SIGKILL')
    await running.exited
  }

  /** A client for checks (closed by the caller). */
  client(): Redis {
    return new Redis(this.url, { maxRetriesPerRequest: 1, connectTimeout: 1_000 })
  }

  async destroy(): Promise<void> {
    await this.kill()
  }
}
