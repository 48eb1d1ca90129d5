import { closeSync, openSync, readFileSync } from 'node:fs'

export interface Child {
  name: string
  pid: number
  logPath: string
  exited: Promise<number>
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number>
}

/** A port nothing listens on right now. */
export function freePort(): number {
  const probe = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response() })
  const port = probe.port!
  probe.stop(true)
  return port
}

/**
 * Starts a server with stdout and stderr appended to `logPath`, in a session of its own, as a supervisor
 * (systemd, a container runtime) would. On Linux the scheduler's autogroups give each session an equal share
 * of the CPU, and every Postgres backend starts a session of its own: a server left in the bench's session
 * would share one share with wrk and pgbench.
 */
export function spawnChild(name: string, cmd: string[], env: Record<string, string>, logPath: string, cwd: string): Child {
  const fd = openSync(logPath, 'a')
  const proc = Bun.spawn(cmd, { cwd, env, stdin: 'ignore', stdout: fd, stderr: fd, detached: true })
  closeSync(fd)
  const exited = proc.exited
  return {
    name,
    pid: proc.pid,
    logPath,
    exited,
    async stop(graceMs = 15_000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return exited
      proc.kill('SIGTERM')
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs)
      try {
        return await exited
      } finally {
        clearTimeout(timer)
      }
    },
  }
}

export function logTail(path: string, lines = 20): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
  } catch {
    return ''
  }
}

/** Polls `url` until it answers 200; fails early if the child exits. */
export async function waitForHttp(url: string, child: Child, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let exitCode: number | null = null
  void child.exited.then((code) => (exitCode = code))
  while (Date.now() < deadline) {
    if (exitCode !== null) throw new Error(`${child.name} exited with ${exitCode} before it answered:\n${logTail(child.logPath)}`)
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1_000) })
      await response.body?.cancel()
      if (response.status === 200) return
    } catch {}
    await Bun.sleep(100)
  }
  throw new Error(`${child.name} did not answer ${url} within ${timeoutMs} ms:\n${logTail(child.logPath)}`)
}

/** Runs a command to completion, capturing its output; throws with the output when it fails. */
export async function runCommand(cmd: string[], env: Record<string, string>, cwd: string): Promise<string> {
  const proc = Bun.spawn(cmd, { cwd, env, stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' })
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited])
  if (code !== 0) throw new Error(`${cmd.join(' ')} exited with ${code}:\n${stdout}${stderr}`)
  return stdout + stderr
}

/** Resident memory of a process in MB (VmRSS), or null once it is gone. */
export function residentMb(pid: number): number | null {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return match ? Number(match[1]) / 1024 : null
  } catch {
    return null
  }
}

/** Samples a process's VmRSS every second; keeps the overall maximum and the maximum per named phase. */
export class RssSampler {
  private timer: ReturnType<typeof setInterval> | null = null
  private phase: string | null = null
  readonly maxByPhase: Record<string, number> = {}
  max = 0
  last = 0

  constructor(private readonly pid: number) {}

  start(): void {
    this.sample()
    this.timer = setInterval(() => this.sample(), 1_000)
  }

  /** Samples attributed to `phase` until the next call (null: none). */
  enter(phase: string | null): void {
    this.sample()
    this.phase = phase
    this.sample()
  }

  stop(): void {
    this.sample()
    if (this.timer) clearInterval(this.timer)
    this.timer = null
  }

  private sample(): void {
    const mb = residentMb(this.pid)
    if (mb === null) return
    this.last = mb
    this.max = Math.max(this.max, mb)
    if (this.phase) this.maxByPhase[this.phase] = Math.max(this.maxByPhase[this.phase] ?? 0, mb)
  }
}
