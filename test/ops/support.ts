import { createLogger, type Logger, type LogLevel } from '../../src/ops/logger'
import type { TestService } from '../support/service'

/** A logger that keeps its JSON lines, for assertions on what was logged. */
export function capturingLogger(level: LogLevel = 'debug'): { logger: Logger; records: () => Record<string, unknown>[] } {
  const lines: string[] = []
  return {
    logger: createLogger({ level, write: (line) => lines.push(line) }),
    records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
  }
}

/** A port on which nothing listens (connections are refused). */
export async function refusingPort(): Promise<number> {
  const server = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } })
  const port = server.port
  server.stop(true)
  return port
}

/** Sample lines of a Prometheus text body. */
export const metricLines = (text: string) => text.split('\n').filter((line) => line !== '' && !line.startsWith('#'))

/** The value of a metric's first sample (its only one, for an unlabelled metric) on the service's /metrics, or undefined without it. */
export async function sampleOf(svc: TestService, name: string): Promise<number | undefined> {
  const lines = metricLines((await svc.call('GET', '!/metrics')).body as string)
  const line = lines.find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`))
  return line === undefined ? undefined : Number(line.split(' ').at(-1))
}
