import { describe, expect, test } from 'bun:test'
import { isPostgresWriteAfterClose } from '../../src/ops/uncaught'

function errorWith(message: string, frame: string): TypeError {
  const error = new TypeError(message)
  error.stack = `TypeError: ${message}\n    at ${frame}`
  return error
}

describe('the postgres.js write-after-close race (porsager/postgres#1208)', () => {
  test('is recognised from its message and stack, as Bun and Node word it', () => {
    expect(isPostgresWriteAfterClose(errorWith("null is not an object (evaluating 'socket.write')", 'nextWrite (/app/node_modules/postgres/src/connection.js:255:15)'))).toBe(true)
    expect(isPostgresWriteAfterClose(errorWith("Cannot read properties of null (reading 'write')", 'Immediate.nextWrite (/app/node_modules/postgres/src/connection.js:255:22)'))).toBe(true)
  })

  test('nothing else is', () => {
    expect(isPostgresWriteAfterClose(errorWith("null is not an object (evaluating 'socket.write')", 'nextWrite (/app/src/mine.ts:1:1)'))).toBe(false)
    expect(isPostgresWriteAfterClose(errorWith('x is undefined', 'nextWrite (/app/node_modules/postgres/src/connection.js:255:15)'))).toBe(false)
    expect(isPostgresWriteAfterClose(new Error("null is not an object (evaluating 'socket.write')"))).toBe(false)
    expect(isPostgresWriteAfterClose('socket.write')).toBe(false)
  })
})
