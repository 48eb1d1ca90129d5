import { readFileSync } from 'node:fs'

/** A summary of a `bun --cpu-prof` profile (Chrome .cpuprofile format), by sample counts. */
export interface ProfileSummary {
  file: string
  samples: number
  /** Seconds of JS-thread time the samples stand for (samples × interval). */
  sampledSeconds: number
  /** Self time by package / source file: where the samples' top frame was. */
  selfByGroup: { group: string; percent: number }[]
  /** Share of samples with the group anywhere on the stack. */
  inclusiveByGroup: { group: string; percent: number }[]
  topFunctions: { function: string; location: string; selfPercent: number; totalPercent: number }[]
}

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}

interface CpuProfile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
  startTime: number
  endTime: number
}

/** node_modules package, source file under src/, or a bucket for native code and Bun's builtins. */
export function groupOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '[native code]'
  const packageMatch = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)
  if (packageMatch) return packageMatch[1]!
  const sourceMatch = /\/((?:src|bench)\/.*)$/.exec(url)
  if (sourceMatch) return sourceMatch[1]!
  if (/^(bun|node|builtin):/.test(url) || !url.startsWith('file:')) return '[bun builtins]'
  return url.replace(/^file:\/\//, '')
}

function locationOf(node: ProfileNode): string {
  const { url, lineNumber } = node.callFrame
  if (url === '') return '[native code]'
  const short = url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, '').replace(/^.*\/(src|bench)\//, '$1/')
  return `${short}:${lineNumber + 1}`
}

const percent = (part: number, whole: number) => Math.round((part / Math.max(1, whole)) * 1000) / 10

export function summariseProfile(file: string, top = 20): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const parent = new Map<number, number>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)

  const nameOf = (node: ProfileNode) => `${node.callFrame.functionName || '(anonymous)'} ${locationOf(node)}`
  const self = new Map<string, number>()
  const selfGroup = new Map<string, number>()
  const total = new Map<string, number>()
  const totalGroup = new Map<string, number>()
  const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1)
  let counted = 0
  for (const id of profile.samples) {
    const leaf = byId.get(id)
    if (!leaf || leaf.callFrame.functionName === '(root)') continue
    counted += 1
    bump(self, nameOf(leaf))
    bump(selfGroup, groupOf(leaf.callFrame.url, leaf.callFrame.functionName))
    const functions = new Set<string>()
    const groups = new Set<string>()
    for (let node: ProfileNode | undefined = leaf; node; node = byId.get(parent.get(node.id) ?? -1)) {
      if (node.callFrame.functionName === '(root)') break
      functions.add(nameOf(node))
      groups.add(groupOf(node.callFrame.url, node.callFrame.functionName))
    }
    functions.forEach((name) => bump(total, name))
    groups.forEach((group) => bump(totalGroup, group))
  }
  const sorted = (map: Map<string, number>) => [...map.entries()].sort((a, b) => b[1] - a[1])
  const interval = profile.samples.length > 1 ? (profile.endTime - profile.startTime) / profile.samples.length : 1_000
  return {
    file,
    samples: counted,
    // Bun samples only while JS runs, so the mean gap overstates the interval; the default interval is 1 ms.
    sampledSeconds: Math.round(counted * Math.min(interval, 1_000)) / 1e6,
    selfByGroup: sorted(selfGroup).slice(0, top).map(([group, n]) => ({ group, percent: percent(n, counted) })),
    inclusiveByGroup: sorted(totalGroup).slice(0, top).map(([group, n]) => ({ group, percent: percent(n, counted) })),
    topFunctions: sorted(self)
      .slice(0, top)
      .map(([name, n]) => {
        const space = name.lastIndexOf(' ')
        return { function: name.slice(0, space), location: name.slice(space + 1), selfPercent: percent(n, counted), totalPercent: percent(total.get(name) ?? 0, counted) }
      }),
  }
}

export function formatProfile(summary: ProfileSummary): string {
  const lines = [`CPU profile ${summary.file}: ${summary.samples} samples (~${summary.sampledSeconds.toFixed(1)} s of JS)`]
  lines.push('  self time by package / file:')
  for (const row of summary.selfByGroup.slice(0, 12)) lines.push(`    ${row.percent.toFixed(1).padStart(5)}%  ${row.group}`)
  lines.push('  on the stack (inclusive):')
  for (const row of summary.inclusiveByGroup.slice(0, 12)) lines.push(`    ${row.percent.toFixed(1).padStart(5)}%  ${row.group}`)
  lines.push('  top functions (self% / total%):')
  for (const row of summary.topFunctions.slice(0, 15)) {
    lines.push(`    ${row.selfPercent.toFixed(1).padStart(5)}% ${row.totalPercent.toFixed(1).padStart(5)}%  ${row.function}  ${row.location}`)
  }
  return lines.join('\n')
}
