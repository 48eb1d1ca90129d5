import type { Subprocess } from 'bun'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { freePort } from '../../support/ports'
import { alive, ownedTempDir, reapAbandonedDirs } from './owned-dirs'
import { waitFor } from '../../support/wait'

const REPO_ROOT = resolve(import.meta.dir, '../../..')
const DIR_PREFIX = 'ach-faults-svc-'

/** Services left running by a test process that died without cleaning up (killed runner) are stopped. */
function reapAbandoned(): void {
  reapAbandonedDirs(DIR_PREFIX, (dir) => {
    const child = Number(readFileSync(join(dir, 'child.pid'), 'utf8'))
    // The pid may have been reused: only a process still running our entry file is ours.
    if (alive(child) && readFileSync(`/proc/${child}/cmdline`, 'utf8').includes('src/main.ts')) process.kill(child, 'SIGKILL')
  })
}

/** One `bun run src/main.ts` process on a spare port, with its own log files. */
export class ServiceProcess {
  readonly exited: Promise<number>
  private readonly logDir: string

  private constructor(
    readonly port: number,
    private readonly child: Subprocess,
    logDir: string,
  ) {
    this.logDir = logDir
    this.exited = child.exited
  }

  /** Starts the service with the given environment (on top of PATH/HOME) and waits until /ready is 200. */
  static async start(env: Record<string, string>, options: { port?: number; readyTimeoutMs?: number } = {}): Promise<ServiceProcess> {
    reapAbandoned()
    const port = options.port ?? freePort()
    const logDir = ownedTempDir(DIR_PREFIX)
    const child = Bun.spawn([process.execPath, 'run', 'src/main.ts'], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: process.env.FAULTS_LOG_LEVEL ?? 'info', PORT: String(port), ...env },
      stdout: Bun.file(join(logDir, 'stdout.log')),
      stderr: Bun.file(join(logDir, 'stderr.log')),
    })
    writeFileSync(join(logDir, 'child.pid'), String(child.pid))
    const service = new ServiceProcess(port, child, logDir)
    let exitCode: number | null = null
    void service.exited.then((code) => (exitCode = code))
    try {
      await waitFor(
        `service on port ${port} to be ready`,
        async () => {
          if (exitCode !== null) throw new Error(`service exited with ${exitCode} during start:\n${service.logs()}`)
          try {
            return (await fetch(`${service.url}/ready`, { signal: AbortSignal.timeout(1_000) })).status === 200
          } catch {
            return false
          }
        },
        options.readyTimeoutMs ?? 20_000,
        25,
      )
    } catch (error) {
      child.kill('SIGKILL')
      throw error
    }
    return service
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`
  }

  get pid(): number {
    return this.child.pid
  }

  signal(signal: 'SIGTERM' | 'SIGINT' | 'SIGKILL'): void {
    this.child.kill(signal)
  }

  /** What the process wrote, without the access log lines of successful requests (for failure messages). */
  logs(maxLines = 60): string {
    const read = (name: string) => {
      try {
        return readFileSync(join(this.logDir, name), 'utf8')
      } catch {
        return ''
      }
    }
    const lines = `${read('stdout.log')}${read('stderr.log')}`.split('\n')
    const notable = lines.filter((line) => line !== '' && !(line.includes('"msg":"request"') && !/"status":5\d\d/.test(line)))
    return notable.slice(-maxLines).join('\n')
  }

  /** Stops the process (SIGKILL if it is still running) and removes its logs. */
  async destroy(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL')
    await this.exited
    rmSync(this.logDir, { recursive: true, force: true })
  }
}

/** Runs the drill's checks; when one fails, the services' logs are printed before the failure. */
export async function showingLogsOnFailure<T>(services: () => ServiceProcess[], checks: () => Promise<T>): Promise<T> {
  try {
    return await checks()
  } catch (error) {
    for (const service of services()) console.error(`--- logs of the service on port ${service.port} ---\n${service.logs()}`)
    throw error
  }
}
