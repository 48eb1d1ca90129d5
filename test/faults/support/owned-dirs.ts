import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A temp directory marked with this test process's pid, so that a later run can tell when it was abandoned. */
export function ownedTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  writeFileSync(join(dir, 'owner.pid'), String(process.pid))
  return dir
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/**
 * Directories left by a test process that died without cleaning up (killed runner): `cleanUp` stops what still
 * runs from one, then it is removed, so that reruns on one machine do not pile up servers.
 */
export function reapAbandonedDirs(prefix: string, cleanUp: (dir: string) => void): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(prefix)) continue
    const dir = join(tmpdir(), name)
    const ownerFile = join(dir, 'owner.pid')
    if (!existsSync(ownerFile) || alive(Number(readFileSync(ownerFile, 'utf8')))) continue
    try {
      cleanUp(dir)
    } catch {}
    rmSync(dir, { recursive: true, force: true })
  }
}
