import { createLogger, type Logger, type LogLevel } from '../../src/ops/logger'

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
