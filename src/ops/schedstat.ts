import { readdirSync, readFileSync } from 'node:fs'

/**
 * A process's time on a CPU and time spent runnable but waiting in a run queue for one, in ns, summed over its
 * threads (Linux: /proc/<pid>/task/<tid>/schedstat holds on-CPU time, run-queue wait and time slices). Null where
 * there is no such file (another OS, a kernel without schedstats) or once the process has exited.
 */
export function readSchedstat(pid: number | 'self' = 'self'): { runNs: number; waitNs: number } | null {
  try {
    let runNs = 0
    let waitNs = 0
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const [run, wait] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').trim().split(' ').map(Number)
      runNs += run ?? 0
      waitNs += wait ?? 0
    }
    return { runNs, waitNs }
  } catch {
    return null
  }
}
