import { readdirSync, readFileSync } from 'node:fs'

/**
 * CPU used by each part of the system during a phase, from /proc: the service, Postgres (every backend, plus
 * what the postmaster reaped from backends that exited), Redis, the load generator (wrk or pgbench: children
 * of this process, reaped when they exit), perf while it samples the service, and everything else (this runner,
 * other work on the machine).
 * Values are in cores (CPU seconds per second of wall time), on a machine with `cores` CPUs.
 */
export interface CpuUse {
  seconds: number
  busyCores: number
  groups: Record<string, number>
  /** The whole machine's context switches per second (/proc/stat ctxt): each one a process put to sleep or woken. */
  contextSwitchesPerSecond?: number
}

interface Snapshot {
  at: number
  busyTicks: number
  totalTicks: number
  contextSwitches: number
  groups: Map<string, number>
}

const CLOCK_TICKS = (() => {
  try {
    return Number(Bun.spawnSync(['getconf', 'CLK_TCK']).stdout.toString().trim()) || 100
  } catch {
    return 100 // USER_HZ on every common Linux build
  }
})()

interface ProcStat {
  pid: number
  comm: string
  ppid: number
  own: number
  reaped: number
}

function readStat(pid: number): ProcStat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const close = text.lastIndexOf(')')
    const comm = text.slice(text.indexOf('(') + 1, close)
    const fields = text.slice(close + 2).split(' ')
    // fields[0] is field 3 (state): utime is field 14, stime 15, cutime 16, cstime 17.
    return {
      pid,
      comm,
      ppid: Number(fields[1]),
      own: Number(fields[11]) + Number(fields[12]),
      reaped: Number(fields[13]) + Number(fields[14]),
    }
  } catch {
    return null
  }
}

function machineTicks(): { busy: number; total: number; contextSwitches: number } {
  const lines = readFileSync('/proc/stat', 'utf8').split('\n')
  const [user, nice, system, idle, iowait, irq, softirq, steal] = lines[0]!.trim().split(/\s+/).slice(1).map(Number) as number[]
  const busy = user! + nice! + system! + irq! + softirq! + (steal ?? 0)
  const contextSwitches = Number(lines.find((line) => line.startsWith('ctxt '))?.split(' ')[1] ?? 0)
  return { busy, total: busy + idle! + iowait!, contextSwitches }
}

export class CpuMeter {
  /** @param roles pids of our own children by group name (service, stub users, bare server). */
  constructor(private readonly roles: Map<number, string>) {}

  snapshot(): Snapshot {
    const stats = new Map<number, ProcStat>()
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue
      const stat = readStat(Number(entry))
      if (stat) stats.set(stat.pid, stat)
    }
    const groups = new Map<string, number>()
    const add = (group: string, ticks: number) => groups.set(group, (groups.get(group) ?? 0) + ticks)
    for (const stat of stats.values()) {
      const role = this.roles.get(stat.pid)
      if (role) add(role, stat.own)
      else if (stat.pid === process.pid) {
        add('runner', stat.own)
        add('load', stat.reaped)
      } else if (stat.comm === 'postgres') {
        add('postgres', stat.own)
        if (stats.get(stat.ppid)?.comm !== 'postgres') add('postgres', stat.reaped)
      } else if (stat.comm === 'redis-server') add('redis', stat.own)
      else if (stat.comm === 'wrk' || stat.comm === 'pgbench') add('load', stat.own)
      else if (stat.comm === 'perf') add('perf', stat.own)
    }
    const machine = machineTicks()
    return { at: performance.now(), busyTicks: machine.busy, totalTicks: machine.total, contextSwitches: machine.contextSwitches, groups }
  }

  static between(before: Snapshot, after: Snapshot, cores: number): CpuUse {
    const seconds = (after.at - before.at) / 1_000
    const perSecond = (ticks: number) => Math.round((ticks / CLOCK_TICKS / seconds) * 100) / 100
    const groups: Record<string, number> = {}
    let known = 0
    for (const [group, ticks] of after.groups) {
      const delta = Math.max(0, ticks - (before.groups.get(group) ?? 0))
      known += delta
      groups[group] = perSecond(delta)
    }
    const totalDelta = after.totalTicks - before.totalTicks
    const busyShare = totalDelta > 0 ? (after.busyTicks - before.busyTicks) / totalDelta : 0
    const busyCores = Math.round(busyShare * cores * 100) / 100
    // /proc/stat counts every CPU's ticks; the rest of the busy time is other processes and interrupts.
    groups.other = Math.max(0, Math.round((busyCores - known / CLOCK_TICKS / seconds) * 100) / 100)
    const contextSwitchesPerSecond = Math.round((after.contextSwitches - before.contextSwitches) / seconds)
    return { seconds: Math.round(seconds * 10) / 10, busyCores, groups, contextSwitchesPerSecond }
  }
}

/**
 * Waits (up to `maxWaitMs`) until the machine is nearly idle between phases — other work on a shared 2-core
 * machine (test suites) distorts every number. Returns the busy cores of the last one-second sample.
 */
export async function waitForQuiet(meter: CpuMeter, maxWaitMs: number, maxBusyCores = 0.3, cores: number): Promise<number> {
  const deadline = Date.now() + maxWaitMs
  for (;;) {
    const before = meter.snapshot()
    await Bun.sleep(1_000)
    const busy = CpuMeter.between(before, meter.snapshot(), cores).busyCores
    if (busy <= maxBusyCores || Date.now() >= deadline) return busy
  }
}
