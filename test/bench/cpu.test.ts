import { describe, expect, test } from 'bun:test'
import { CpuMeter, runQueueBetween, type SchedSnapshot } from '../../bench/cpu'
import { formatRunQueue, type RunRecord } from '../../bench/report'

const snapshot = (entries: [number, string, number, number][]): SchedSnapshot =>
  new Map(entries.map(([pid, group, runNs, waitNs]) => [pid, { group, runNs, waitNs }]))

describe('bench: time spent waiting for a CPU', () => {
  test('a snapshot files the bench runner under its own group', () => {
    const times = new CpuMeter(new Map()).schedSnapshot().get(process.pid)
    expect(times?.group).toBe('runner')
    expect(times!.runNs).toBeGreaterThan(0)
  })

  test('per group: the share of runnable time spent waiting, and the threads waiting on average', () => {
    const before = snapshot([
      [10, 'service', 1e9, 0.5e9],
      [20, 'postgres', 2e9, 1e9],
      [21, 'postgres', 1e9, 0],
    ])
    const after = snapshot([
      [10, 'service', 1.6e9, 0.7e9], // 0.6 s on a CPU, 0.2 s waiting
      [20, 'postgres', 2.5e9, 1.3e9], // 0.5 s and 0.3 s
      [21, 'postgres', 1.5e9, 0.2e9], // 0.5 s and 0.2 s
    ])
    const use = runQueueBetween(before, after, 2)
    expect(use.groups.service).toEqual({ waitShare: 0.25, waitingThreads: 0.1, runningCores: 0.3 })
    expect(use.groups.postgres).toEqual({ waitShare: 0.333, waitingThreads: 0.25, runningCores: 0.5 })
  })

  test('only processes alive at both ends of the window count', () => {
    const before = snapshot([
      [30, 'load', 1e9, 1e9],
      [31, 'load', 1e9, 0],
    ])
    const after = snapshot([
      [31, 'load', 2e9, 1e9],
      [32, 'load', 5e9, 5e9], // started inside the window: its earlier waits are not the window's
    ])
    expect(runQueueBetween(before, after, 1).groups.load).toEqual({ waitShare: 0.5, waitingThreads: 1, runningCores: 1 })
  })

  test('the report shows each busy part of each run as a percentage, blank where it was idle or not measured', () => {
    type Use = { waitShare: number; waitingThreads: number; runningCores: number }
    const run = (name: string, groups: Record<string, Use> | null) => ({ name, runQueue: groups && { seconds: 10, groups } }) as unknown as RunRecord
    const text = formatRunQueue([
      run('progress', {
        service: { waitShare: 0.33, waitingThreads: 0.3, runningCores: 0.6 },
        redis: { waitShare: 0.461, waitingThreads: 0.1, runningCores: 0.12 },
      }),
      run('pgbench', {
        service: { waitShare: 0.84, waitingThreads: 0.001, runningCores: 0.01 },
        postgres: { waitShare: 0.89, waitingThreads: 12, runningCores: 1.6 },
      }),
      run('bare Bun.serve', null),
    ])
    const [header, progress, pgbench, bare] = text.split('\n') as [string, string, string, string]
    expect(header.split(/\s{2,}/)).toEqual(['waiting for a CPU', 'service', 'postgres', 'redis'])
    // Each value is right-aligned under its part's name.
    const endOf = (line: string, cell: string) => line.indexOf(cell) + cell.length
    expect(progress.startsWith('progress ')).toBe(true)
    expect(endOf(progress, '33 %')).toBe(endOf(header, 'service'))
    expect(endOf(progress, '46 %')).toBe(endOf(header, 'redis'))
    expect(endOf(pgbench, '89 %')).toBe(endOf(header, 'postgres'))
    expect(pgbench.match(/%/g)).toHaveLength(1)
    expect(bare.trim()).toBe('bare Bun.serve')
  })
})
