/**
 * Postgres array literals for statements that take arrays as parameters: sent as text and cast in the SQL
 * (`$1::int[]`), so they do not depend on the driver having learnt the server's array types (postgres.js
 * learns them when a pool's first connection opens, and would send an int[] serialized before that as int).
 */

export function intArrayLiteral(values: readonly (number | null)[]): string {
  return `{${values.map((v) => (v === null ? 'NULL' : String(Math.trunc(v)))).join(',')}}`
}

export function boolArrayLiteral(values: readonly boolean[]): string {
  return `{${values.map((v) => (v ? 't' : 'f')).join(',')}}`
}

/** Every element quoted, with backslashes and double quotes escaped; null is SQL NULL. */
export function textArrayLiteral(values: readonly (string | null)[]): string {
  return `{${values.map((v) => (v === null ? 'NULL' : `"${v.replace(/["\\]/g, '\\$&')}"`)).join(',')}}`
}
