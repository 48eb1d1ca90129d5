import { chownSync, existsSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import postgres from 'postgres'
import { freePort } from '../../support/ports'
import { ownedTempDir, reapAbandonedDirs } from './owned-dirs'

/** Where initdb/pg_ctl live: $PG_BIN, else `pg_config --bindir`, else the PATH. */
function binDir(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN
  const fromConfig = Bun.spawnSync(['pg_config', '--bindir'], { stdout: 'pipe', stderr: 'ignore' })
  const dir = fromConfig.success ? fromConfig.stdout.toString().trim() : ''
  if (dir && Bun.file(join(dir, 'initdb')).size > 0) return dir
  const initdb = Bun.which('initdb')
  if (!initdb) throw new Error('initdb not found: set PG_BIN to the PostgreSQL bin directory')
  return initdb.slice(0, initdb.lastIndexOf('/'))
}

/** initdb and postgres refuse to run as root: run them as the `postgres` OS user then. */
const runAs = (): string[] => (process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--'] : [])

function run(command: string[], what: string): void {
  const result = Bun.spawnSync([...runAs(), ...command], { stdout: 'pipe', stderr: 'pipe' })
  if (!result.success) throw new Error(`${what} failed (${result.exitCode}): ${result.stderr.toString()}${result.stdout.toString()}`)
}

const DIR_PREFIX = 'ach-faults-pg-'

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number)
  } catch {
    return []
  }
}

/**
 * A PostgreSQL cluster of the test's own, in a temp directory on a spare port, so that a drill can stop, pause
 * and restart it without touching the shared server. fsync is off: the drills crash the service, not the machine.
 */
export class PostgresServer {
  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly bin: string,
  ) {}

  static async create(): Promise<PostgresServer> {
    PostgresServer.reapAbandoned()
    const dir = ownedTempDir(DIR_PREFIX)
    if (process.getuid?.() === 0) {
      const owner = Bun.spawnSync(['id', '-u', 'postgres'], { stdout: 'pipe' })
      const group = Bun.spawnSync(['id', '-g', 'postgres'], { stdout: 'pipe' })
      chownSync(dir, Number(owner.stdout.toString()), Number(group.stdout.toString()))
    }
    const server = new PostgresServer(dir, freePort(), binDir())
    run([join(server.bin, 'initdb'), '-D', server.dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C'], 'initdb')
    await server.start()
    return server
  }

  /**
   * Clusters left by a test process that died without cleaning up (killed runner): stopped and removed, so
   * that reruns on one machine do not pile up paused servers.
   */
  private static reapAbandoned(): void {
    reapAbandonedDirs(DIR_PREFIX, (dir) => {
      const server = new PostgresServer(dir, 0, binDir())
      if (!existsSync(join(server.dataDir, 'postmaster.pid'))) return
      server.resume()
      run([join(server.bin, 'pg_ctl'), '-D', server.dataDir, '-m', 'immediate', '-w', 'stop'], 'pg_ctl stop')
    })
  }

  private get dataDir(): string {
    return join(this.dir, 'data')
  }

  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`
  }

  async createDatabase(name: string): Promise<string> {
    const admin = postgres(this.url(), { max: 1, onnotice: () => {} })
    try {
      await admin.unsafe(`create database "${name}"`)
    } finally {
      await admin.end()
    }
    return this.url(name)
  }

  async start(): Promise<void> {
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=100`
    run([join(this.bin, 'pg_ctl'), '-D', this.dataDir, '-o', options, '-l', join(this.dir, 'server.log'), '-w', '-t', '30', 'start'], 'pg_ctl start')
  }

  /** `fast`: disconnects every client and shuts down cleanly; `immediate`: like a crash (recovery at the next start). */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    run([join(this.bin, 'pg_ctl'), '-D', this.dataDir, '-m', mode, '-w', '-t', '30', 'stop'], 'pg_ctl stop')
  }

  /** The postmaster's pid, from its pid file. */
  get pid(): number {
    return Number(readFileSync(join(this.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0])
  }

  /** Freezes the postmaster and every backend (SIGSTOP): connections stay open and nothing answers. */
  pause(): void {
    const postmaster = this.pid
    process.kill(postmaster, 'SIGSTOP') // first, so that it forks no new backend meanwhile
    for (const child of childrenOf(postmaster)) process.kill(child, 'SIGSTOP')
  }

  resume(): void {
    const postmaster = this.pid
    for (const child of childrenOf(postmaster)) process.kill(child, 'SIGCONT')
    process.kill(postmaster, 'SIGCONT')
  }

  async destroy(): Promise<void> {
    try {
      this.resume()
    } catch {}
    try {
      await this.stop('immediate')
    } catch {}
    rmSync(this.dir, { recursive: true, force: true })
  }
}
