import { LuaScript } from '../ops/lua-script'
import type { BucketRule } from './model'

/**
 * Takes from the token buckets of a batch of checks in one script call, each check all-or-nothing over its own
 * 1..n buckets and applied in order, so a later check sees what the earlier ones took (two checks for one player
 * behave as two calls made one after the other).
 * KEYS: the bucket keys of every check, check after check. A bucket is a string "<tokens>:<ms>" (its level when last
 * written, and when), so reading it is one GET and writing it one SET with its expiry.
 * ARGV[1]: now in ms, or '' for the Redis server clock (one clock for every instance).
 * ARGV[2]: R, the number of rules; ARGV[3..2+2R]: capacity and refill per second of rule 1..R.
 * ARGV[3+2R..]: one per check, its shape: a digit per bucket naming that bucket's rule ("12": two keys, the first
 * under rule 1, the second under rule 2).
 * Returns two integers per check: 0, 0 when taken; when refused, the retry-after seconds and the 1-based position
 * (within the check) of the bucket that waits longest — and that check writes nothing.
 * Each touched key is written once at the end and expires once it would have refilled to capacity: an absent
 * bucket (or one that does not read as a level and a time) is a full one.
 */
export const BATCH_TAKE_SCRIPT = new LuaScript(`
local now = tonumber(ARGV[1])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local ruleCount = tonumber(ARGV[2])
local caps, rates = {}, {}
for r = 1, ruleCount do
  caps[r], rates[r] = tonumber(ARGV[1 + 2 * r]), tonumber(ARGV[2 + 2 * r])
end
local levels, ruleOf, seen, written = {}, {}, {}, {}
local out = {}
local k = 1
for a = 3 + 2 * ruleCount, #ARGV do
  local shape = ARGV[a]
  local n = #shape
  local wait, waiting = 0, 0
  for i = 1, n do
    local key, r = KEYS[k + i - 1], string.byte(shape, i) - 48
    local cap, rate = caps[r], rates[r]
    local level = levels[key]
    if level == nil then
      local state = redis.call('GET', key)
      local tokens, ts
      if state then tokens, ts = string.match(state, '^([^:]+):(.+)$') end
      tokens, ts = tonumber(tokens), tonumber(ts)
      level = cap
      if tokens and ts then
        level = math.min(cap, tokens + math.max(0, now - ts) * rate / 1000)
      end
      levels[key], ruleOf[key] = level, r
    end
    if level < 1 then
      local seconds = math.max(1, math.ceil((1 - level) / rate))
      if seconds > wait then wait, waiting = seconds, i end
    end
  end
  if waiting == 0 then
    for i = 1, n do
      local key = KEYS[k + i - 1]
      levels[key] = levels[key] - 1
      if not seen[key] then
        seen[key] = true
        written[#written + 1] = key
      end
    end
  end
  out[#out + 1] = wait
  out[#out + 1] = waiting
  k = k + n
end
for w = 1, #written do
  local key = written[w]
  local left, r = levels[key], ruleOf[key]
  redis.call('SET', key, tostring(left) .. ':' .. tostring(now), 'PX', math.ceil((caps[r] - left) * 1000 / rates[r]) + 1000)
end
return out
`)

/** One check of a batch: its bucket keys, and which rule each key is under. */
export interface BatchCheck {
  keys: string[]
  /** A digit per key: the 1-based rule number of that key (see the script's shape). */
  shape: string
}

/** The KEYS and ARGV of one script call for `checks` under `rules` (at most 9 rules). */
export function batchArguments(checks: readonly BatchCheck[], rules: readonly BucketRule[], nowMs: number | null): { keys: string[]; args: string[] } {
  const keys: string[] = []
  const args: string[] = [nowMs === null ? '' : String(nowMs), String(rules.length)]
  for (const rule of rules) args.push(String(rule.capacity), String(rule.refillPerSec))
  for (const check of checks) {
    for (const key of check.keys) keys.push(key)
    args.push(check.shape)
  }
  return { keys, args }
}

/** A check's outcome as the script answers it: taken, or refused with a wait and the bucket (0-based) that waits longest. */
export type ScriptOutcome = { taken: true } | { taken: false; retryAfterSec: number; bucketIndex: number }

/** Splits the script's flat reply into one outcome per check; throws on a reply of the wrong length. */
export function parseBatchReply(reply: unknown, checkCount: number): ScriptOutcome[] {
  if (!Array.isArray(reply) || reply.length !== checkCount * 2) throw new Error('rate limiter: unexpected script reply')
  const outcomes: ScriptOutcome[] = []
  for (let i = 0; i < checkCount; i++) {
    const wait = Number(reply[2 * i])
    outcomes.push(wait === 0 ? { taken: true } : { taken: false, retryAfterSec: Math.max(1, wait), bucketIndex: Number(reply[2 * i + 1]) - 1 })
  }
  return outcomes
}
