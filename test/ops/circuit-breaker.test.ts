import { describe, expect, test } from 'bun:test'
import { CircuitBreaker } from '../../src/ops/circuit-breaker'

describe('circuit breaker', () => {
  test('closed until a failure; open for the cooldown; then one probe at a time; a success closes it', () => {
    let now = 0
    const breaker = new CircuitBreaker(1_000, () => now)
    expect(breaker.admit()).toBe('pass')
    expect(breaker.state).toBe('closed')

    breaker.failed()
    expect(breaker.state).toBe('open')
    expect(breaker.trips).toBe(1)
    now = 999
    expect(breaker.admit()).toBe('reject')

    now = 1_000
    expect(breaker.state).toBe('half-open')
    expect(breaker.admit()).toBe('probe')
    expect(breaker.admit()).toBe('reject') // the probe is still running

    breaker.failed() // the probe failed: another cooldown
    expect(breaker.trips).toBe(1) // still the same outage
    now = 1_500
    expect(breaker.admit()).toBe('reject')
    now = 2_000
    expect(breaker.admit()).toBe('probe')
    breaker.succeeded()
    expect(breaker.state).toBe('closed')
    expect(breaker.admit()).toBe('pass')
  })

  test('a probe that ends without a verdict lets the next call probe', () => {
    let now = 0
    const breaker = new CircuitBreaker(100, () => now)
    breaker.failed()
    now = 100
    const admission = breaker.admit()
    expect(admission).toBe('probe')
    breaker.released(admission)
    expect(breaker.admit()).toBe('probe')
  })
})
