import { describe, expect, test } from 'bun:test'
import postgres from 'postgres'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PGBENCH_APPLICATION_NAME, runPgbench } from '../../bench/load'
import {
  formatActivity,
  formatBaselineActivity,
  sampleStatementActivity,
  summariseActivity,
} from '../../bench/statement-activity'
import { TEST_POSTGRES_URL } from '../support/postgres'

describe('bench: the group-commit connections activity in Postgres', () => {
  test('a sample counts as busy when any of the connections runs a statement; states are shares of all samples', () => {
    const activity = summariseActivity([[], ['CPU'], ['IO:WALSync'], ['CPU', 'CPU']], 20)
    expect(activity).toMatchObject({
      samples: 4,
      intervalMs: 20,
      busyShare: 0.75,
      states: { CPU: 0.5, 'IO:WALSync': 0.25 },
    })
    expect(formatActivity('progress', activity)).toBe(
      'progress: database busy with a batch 75 % of the time (CPU 50 %, IO:WALSync 25 %; pg_stat_activity every 20 ms, 4 samples)',
    )
  })

  test('a baseline of many connections: how many ran a statement on average, and the states of those running', () => {
    const activity = summariseActivity([[], ['LWLock:WALWrite', 'LWLock:WALWrite', 'CPU'], ['LWLock:WALWrite']], 20)
    expect(activity.meanRunning).toBe(1.33)
    expect(activity.runningStates).toEqual({ 'LWLock:WALWrite': 0.75, CPU: 0.25 })
    // A state too rare to show as a whole percentage is left out of the line.
    activity.runningStates['Lock:extend'] = 0.004
    expect(formatBaselineActivity('pgbench', activity, 64)).toBe(
      'pgbench: on average 1.33 of its 64 connections in a statement (LWLock:WALWrite 75 %, CPU 25 % of them), ' +
        "the others idle, waiting for pgbench's next transaction (pg_stat_activity every 20 ms, 3 samples)",
    )
  })

  test("pgbench's connections are found by the application name the bench gives them", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-pgbench-activity-'))
    try {
      // Each transaction sleeps for most of its time, so both clients are nearly always in a statement.
      const script = join(dir, 'sleep.sql')
      writeFileSync(script, 'select pg_sleep(0.2);\n')
      const sampling = await sampleStatementActivity(TEST_POSTGRES_URL, 2, 10, PGBENCH_APPLICATION_NAME)
      const run = runPgbench({
        databaseUrl: TEST_POSTGRES_URL,
        script,
        clients: 2,
        jobs: 1,
        durationSec: 2,
        variables: {},
        logDir: dir,
      })
      const [result] = await Promise.all([run, Bun.sleep(2_100)])
      const activity = await sampling.result()
      expect(result.requests).toBeGreaterThan(0)
      expect(activity!.samples).toBeGreaterThan(20)
      expect(activity!.meanRunning).toBeGreaterThan(1.5)
      expect(activity!.runningStates['Timeout:PgSleep']).toBeGreaterThan(0.9)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
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
