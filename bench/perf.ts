/**
 * Optional native-level view of the service during the profiled run, with `perf` when it is installed:
 * CPU samples by thread (Bun's main thread vs JavaScriptCore's GC and JIT threads) and by binary (the
 * kernel — syscalls and the loopback TCP stack — vs bun itself vs libc).
 */
export interface PerfSummary {
  byThread: { name: string; percent: number }[]
  byBinary: { name: string; percent: number }[]
}

export function perfInstalled(): boolean {
  return Bun.which('perf') !== null
}

/** Records `pid` for `seconds` into `file`; resolves when the recording ends. */
export async function recordPerf(pid: number, seconds: number, file: string): Promise<boolean> {
  const proc = Bun.spawn(['perf', 'record', '-F', '499', '-p', String(pid), '-o', file, '--', 'sleep', String(seconds)], {
    stdout: 'ignore',
    stderr: 'pipe',
  })
  return (await proc.exited) === 0
}

function report(file: string, sort: string): { name: string; percent: number }[] {
  const out = Bun.spawnSync(['perf', 'report', '-i', file, '--stdio', '--no-children', '--sort', sort], { stderr: 'ignore' })
  const rows: { name: string; percent: number }[] = []
  for (const line of out.stdout.toString().split('\n')) {
    const match = /^\s+([\d.]+)%\s+(.+?)\s*$/.exec(line)
    if (match) rows.push({ name: match[2]!.replace(/\s+/g, ' '), percent: Number(match[1]) })
  }
  return rows.slice(0, 12)
}

export function summarisePerf(file: string): PerfSummary {
  return { byThread: report(file, 'comm'), byBinary: report(file, 'dso') }
}
