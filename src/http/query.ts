import { Type } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { t } from 'elysia'
import { unprocessable } from './errors'

export interface QueryIntegerOptions {
  minimum: number
  maximum: number
  default?: number
  description?: string
}

/**
 * An integer query parameter: decimal digits only ("0x10", "1e3", "5.0" and "" are 422), bounds checked.
 * Elysia's own `t.Integer` reports an out-of-range value with the path "/" (its decode step loses the field
 * name), so this one names the field itself: `{"path": "/limit", ...}`.
 */
export function queryInteger(field: string, options: QueryIntegerOptions) {
  const integer = Type.Integer(options)
  const bounded = TypeCompiler.Compile(integer)
  return t
    .Transform(t.Union([t.String({ pattern: '^[+-]?[0-9]+$' }), integer], options))
    .Decode((value) => {
      const number = typeof value === 'number' ? value : Number(value)
      // The errors are only looked for when the check fails: walking for them costs more than the check.
      const problem = bounded.Check(number) ? undefined : bounded.Errors(number).First()
      if (problem) {
        const message = problem.message
        throw unprocessable(`Validation failed: /${field} ${message}`, [{ path: `/${field}`, message }])
      }
      return number
    })
    .Encode((value) => value)
}
