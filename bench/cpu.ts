import { readdirSync, readFileSync } from 'node:fs'
import { readSchedstat } from '../src/ops/schedstat'

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

/** Per process (by pid) of the bench's groups: its group and its schedstat times. */
export type SchedSnapshot = Map<number, { group: string; runNs: number; waitNs: number }>

/**
 * How much each group waited for a CPU over a window: `waitShare`, the share of the time its threads were
 * runnable that they spent waiting in a run queue (0 on an idle machine), `waitingThreads`, how many of its
 * threads were waiting on average, and `runningCores`, how many were on a CPU. Only processes alive at both
 * ends count (wrk, pgbench and pgbench's backends exit when their run ends, so the window lies inside the run).
 */
export interface RunQueueUse {
  seconds: number
  groups: Record<string, { waitShare: number; waitingThreads: number; runningCores: number }>
}

export function runQueueBetween(before: SchedSnapshot, after: SchedSnapshot, seconds: number): RunQueueUse {
  const sums = new Map<string, { runNs: number; waitNs: number }>()
  for (const [pid, end] of after) {
    const start = before.get(pid)
    if (!start || start.group !== end.group) continue
    const sum = sums.get(end.group) ?? { runNs: 0, waitNs: 0 }
    sum.runNs += Math.max(0, end.runNs - start.runNs)
    sum.waitNs += Math.max(0, end.waitNs - start.waitNs)
    sums.set(end.group, sum)
  }
  const groups: RunQueueUse['groups'] = {}
  for (const [group, { runNs, waitNs }] of sums) {
    if (runNs + waitNs === 0) continue
    groups[group] = {
      waitShare: Math.round((waitNs / (runNs + waitNs)) * 1000) / 1000,
      waitingThreads: seconds > 0 ? Math.round((waitNs / 1e9 / seconds) * 100) / 100 : 0,
      runningCores: seconds > 0 ? Math.round((runNs / 1e9 / seconds) * 100) / 100 : 0,
    }
  }
  return { seconds: Math.round(seconds * 10) / 10, groups }
}

/**
 * The part of a run that takes `durationSec` from now that the bench samples: its middle four sixths, the first
 * and last sixth left out, where processes start and stop (ms from now).
 */
export function middleOfRun(durationSec: number): { fromMs: number; toMs: number } {
  return { fromMs: (durationSec * 1000) / 6, toMs: (durationSec * 5000) / 6 }
}

export class CpuMeter {
  /** @param roles pids of our own children by group name (service, stub users, bare server). */
  constructor(private readonly roles: Map<number, string>) {}

  /** Every process of /proc, by pid. */
  private processes(): Map<number, ProcStat> {
    const stats = new Map<number, ProcStat>()
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue
      const stat = readStat(Number(entry))
      if (stat) stats.set(stat.pid, stat)
    }
    return stats
  }

  /** The group a process's own CPU time counts for, or null for the rest of the machine. */
  private groupOf(stat: ProcStat): string | null {
    const role = this.roles.get(stat.pid)
    if (role) return role
    if (stat.pid === process.pid) return 'runner'
    if (stat.comm === 'postgres') return 'postgres'
    if (stat.comm === 'redis-server') return 'redis'
    if (stat.comm === 'wrk' || stat.comm === 'pgbench') return 'load'
    if (stat.comm === 'perf') return 'perf'
    return null
  }

  snapshot(): Snapshot {
    const stats = this.processes()
    const groups = new Map<string, number>()
    const add = (group: string, ticks: number) => groups.set(group, (groups.get(group) ?? 0) + ticks)
    for (const stat of stats.values()) {
      const group = this.groupOf(stat)
      if (group) add(group, stat.own)
      // What exited children used: the load generators are ours; backends are reaped by the postmaster.
      if (group === 'runner') add('load', stat.reaped)
      else if (group === 'postgres' && stats.get(stat.ppid)?.comm !== 'postgres') add('postgres', stat.reaped)
    }
    const machine = machineTicks()
    return { at: performance.now(), busyTicks: machine.busy, totalTicks: machine.total, contextSwitches: machine.contextSwitches, groups }
  }

  /** Run-queue times of every process of the groups (see runQueueBetween). */
  schedSnapshot(): SchedSnapshot {
    const snapshot: SchedSnapshot = new Map()
    for (const stat of this.processes().values()) {
      const group = this.groupOf(stat)
      const times = group ? readSchedstat(stat.pid) : null
      if (group && times) snapshot.set(stat.pid, { group, ...times })
    }
    return snapshot
  }

  /**
   * Runs `load`, a measured run of `durationSec`: the CPU each group used around it, and the run-queue waits over
   * its middle (null if it ended early).
   */
  async measure<T>(durationSec: number, cores: number, load: () => Promise<T>): Promise<{ value: T; cpu: CpuUse; runQueue: RunQueueUse | null }> {
    const before = this.snapshot()
    const window = this.runQueueWindow(durationSec)
    const value = await load()
    const after = this.snapshot()
    return { value, cpu: CpuMeter.between(before, after, cores), runQueue: window.result() }
  }

  /**
   * Run-queue waits over the middle of a run that takes `durationSec` from now (its first and last sixth left
   * out, where processes start and stop): call `result()` once the run has ended; null if it ended early.
   */
  private runQueueWindow(durationSec: number): { result: () => RunQueueUse | null } {
    let start: { at: number; snapshot: SchedSnapshot } | null = null
    let end: { at: number; snapshot: SchedSnapshot } | null = null
    const { fromMs, toMs } = middleOfRun(durationSec)
    const first = setTimeout(() => (start = { at: performance.now(), snapshot: this.schedSnapshot() }), fromMs)
    const last = setTimeout(() => (end = { at: performance.now(), snapshot: this.schedSnapshot() }), toMs)
    return {
      result: () => {
        clearTimeout(first)
        clearTimeout(last)
        if (!start || !end) return null
        return runQueueBetween(start.snapshot, end.snapshot, (end.at - start.at) / 1000)
      },
    }
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
