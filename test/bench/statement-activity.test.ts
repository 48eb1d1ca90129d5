import { describe, expect, test } from 'bun:test'
import postgres from 'postgres'
import { formatActivity, sampleStatementActivity, summariseActivity } from '../../bench/statement-activity'
import { TEST_POSTGRES_URL } from '../support/postgres'

describe('bench: the group-commit connections activity in Postgres', () => {
  test('a sample counts as busy when any of the connections runs a statement; states are shares of all samples', () => {
    const activity = summariseActivity([[], ['CPU'], ['IO:WALSync'], ['CPU', 'CPU']], 20)
    expect(activity).toEqual({ samples: 4, intervalMs: 20, busyShare: 0.75, states: { CPU: 0.5, 'IO:WALSync': 0.25 } })
    expect(formatActivity('progress', activity)).toBe(
      'progress: database busy with a batch 75 % of the time (CPU 50 %, IO:WALSync 25 %; pg_stat_activity every 20 ms, 4 samples)',
    )
  })

  test('a statement running through the whole window is busy in every sample, in its wait event', async () => {
    const applicationName = `bench-activity-test-${process.pid}`
    const busy = postgres(TEST_POSTGRES_URL, {
      max: 1,
      onnotice: () => {},
      connection: { application_name: applicationName },
    })
    const idle = postgres(TEST_POSTGRES_URL, {
      max: 1,
      onnotice: () => {},
      connection: { application_name: `${applicationName}-idle` },
    })
    try {
      await Promise.all([busy`select 1`, idle`select 1`])
      const statement = busy`select pg_sleep(1.5)`.execute()
      const sampling = await sampleStatementActivity(TEST_POSTGRES_URL, 1.2, 10, applicationName)
      const idleSampling = await sampleStatementActivity(TEST_POSTGRES_URL, 1.2, 10, `${applicationName}-idle`)
      await Bun.sleep(1_250)
      const [activity, idleActivity] = await Promise.all([sampling.result(), idleSampling.result()])
      await statement
      expect(activity!.samples).toBeGreaterThan(20)
      expect(sampling.backendPid).toBeGreaterThan(0)
      expect(sampling.backendPid).not.toBe(idleSampling.backendPid)
      expect(activity!.busyShare).toBe(1)
      expect(activity!.states).toEqual({ 'Timeout:PgSleep': 1 })
      expect(idleActivity!.busyShare).toBe(0)
      expect(idleActivity!.states).toEqual({})
    } finally {
      await Promise.all([busy.end(), idle.end()])
    }
  })
})
